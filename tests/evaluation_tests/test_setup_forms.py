"""Set-up forms: price parameters, scale descriptors, criterion ranges, the
declaration's answers, AHP's choices."""

from __future__ import annotations

from decimal import Decimal

from django.utils import translation

from evaluation.forms.setup import (
    AHPForm,
    CriterionForm,
    DeclarationForm,
    EvaluationForm,
    default_scale_descriptors,
)
from evaluation.selectors.setup import procurement_vendors
from tests.evaluation_tests.world import EvaluationWorld

D = Decimal


def error_codes(form) -> dict[str, set[str]]:
    return {
        field: {e.code for e in errors}
        for field, errors in form.errors.as_data().items()
    }


class EvaluationFormTests(EvaluationWorld):
    def form(self, **data):
        values = {
            "award_model": "points",
            "price_model": "linear",
            "disagreement_threshold": "0.3",
            "descriptors": "0: Ingen\n10: Fremragende",
        }
        values.update(data)
        return EvaluationForm(
            values, instance=self.evaluation, procurement=self.procurement
        )

    def test_the_buyers_range_needs_both_prices_in_order(self):
        form = self.form(price_model="range")
        self.assertEqual(
            error_codes(form),
            {
                "price_range_min": {"range_price_required"},
                "price_range_max": {"range_price_required"},
            },
        )
        form = self.form(
            price_model="range", price_range_min="500", price_range_max="100"
        )
        self.assertEqual(error_codes(form), {"price_range_max": {"range_reversed"}})
        form = self.form(
            price_model="range", price_range_min="0", price_range_max="100"
        )
        self.assertEqual(
            error_codes(form), {"price_range_min": {"range_price_positive"}}
        )
        form = self.form(
            price_model="range", price_range_min="100", price_range_max="500"
        )
        self.assertTrue(form.is_valid(), form.errors)

    def test_the_logarithmic_model_needs_a_multiple_above_1(self):
        self.assertEqual(
            error_codes(self.form(price_model="log")),
            {"price_log_multiple": {"log_multiple_required"}},
        )
        self.assertIn(
            "min_value",
            error_codes(self.form(price_model="log", price_log_multiple="1"))[
                "price_log_multiple"
            ],
        )
        form = self.form(price_model="log", price_log_multiple="2")
        self.assertTrue(form.is_valid(), form.errors)
        self.assertEqual(form.cleaned_data["price_log_multiple"], D("2"))

    def test_parameters_of_another_model_are_dropped(self):
        form = self.form(
            price_model="linear", price_log_multiple="2", price_range_min="1"
        )
        self.assertTrue(form.is_valid(), form.errors)
        self.assertIsNone(form.cleaned_data["price_log_multiple"])
        self.assertIsNone(form.cleaned_data["price_range_min"])

    def test_descriptors_are_parsed_sorted_and_bad_lines_named(self):
        form = self.form(descriptors="10: Fremragende\n\n0: Ingen\n5,5: Middels")
        self.assertTrue(form.is_valid(), form.errors)
        self.assertEqual(
            form.cleaned_data["descriptors"],
            [
                {"value": 0, "text": "Ingen"},
                {"value": "5.5", "text": "Middels"},
                {"value": 10, "text": "Fremragende"},
            ],
        )
        form = self.form(descriptors="0: Ingen\ntre: Bra\n0: Igjen")
        self.assertEqual(
            error_codes(form),
            {"descriptors": {"descriptor_format", "descriptor_twice"}},
        )
        with translation.override("en"):
            self.assertIn("Line 2", str(form.errors["descriptors"]))

    def test_a_new_evaluation_offers_rounds_without_one_and_default_words(self):
        form = EvaluationForm(procurement=self.procurement)
        self.assertEqual(list(form.fields["round"].queryset), [self.round2])
        with translation.override("en"):
            self.assertIn(
                "Excellent",
                EvaluationForm(procurement=self.procurement)["descriptors"].initial,
            )
            self.assertEqual(len(default_scale_descriptors()), 6)


class CriterionFormTests(EvaluationWorld):
    def form(self, **data):
        values = {
            "name": "Pris",
            "kind": "price",
            "method": "price",
            "scale_max": "10",
            "weight": "30",
        }
        values.update(data)
        return CriterionForm(values, evaluation=self.evaluation)

    def test_ranges(self):
        self.assertTrue(self.form(weight_min="20", weight_max="40").is_valid())
        self.assertEqual(
            error_codes(self.form(weight_min="40", weight_max="20")),
            {"weight_max": {"range_reversed"}},
        )
        self.assertEqual(
            error_codes(self.form(weight_min="20")),
            {"weight_max": {"range_incomplete"}},
        )
        self.assertEqual(
            error_codes(self.form(weight="50", weight_min="20", weight_max="40")),
            {"weight": {"outside_range"}},
        )
        self.assertIn("max_value", error_codes(self.form(weight="101"))["weight"])

    def test_price_formula_only_for_price(self):
        self.assertEqual(
            error_codes(self.form(kind="quality")), {"method": {"price_kind"}}
        )
        self.assertIn("method", error_codes(self.form(method="direct")))


class DeclarationFormTests(EvaluationWorld):
    def form(self, **data):
        return DeclarationForm(data, vendors=procurement_vendors(self.procurement))

    def test_conflicts_or_none_must_be_answered_and_signed(self):
        self.assertEqual(
            error_codes(self.form(confirm="on")), {"__all__": {"conflict_unanswered"}}
        )
        self.assertEqual(
            error_codes(
                self.form(confirm="on", no_conflict="on", conflicts=[self.alfa.pk])
            ),
            {"__all__": {"conflict_and_none"}},
        )
        self.assertEqual(
            error_codes(self.form(no_conflict="on")), {"confirm": {"required"}}
        )
        self.assertTrue(self.form(confirm="on", conflicts=[self.alfa.pk]).is_valid())

    def test_only_vendors_with_tenders_here_are_offered(self):
        other = type(self.alfa).objects.create(name="Annen AS", kind="vendor")
        form = self.form(confirm="on", conflicts=[other.pk])
        self.assertIn("invalid_choice", error_codes(form)["conflicts"])

    def test_the_note_is_guarded_against_personal_data(self):
        form = self.form(confirm="on", conflicts=[self.alfa.pk], note="kari@example.no")
        self.assertEqual(error_codes(form), {"note": {"personal_data"}})


class AHPFormTests(EvaluationWorld):
    def test_upper_triangle_and_saaty_choices(self):
        criteria = list(self.model().values())[:3]
        form = AHPForm({"c_0_1": "3", "c_0_2": "1/5", "c_1_2": "1"}, criteria=criteria)
        self.assertTrue(form.is_valid(), form.errors)
        self.assertEqual(len(list(form.pairs())), 3)
        self.assertEqual(str(form.upper()[(0, 2)]), "1/5")
        self.assertFalse(
            AHPForm(
                {"c_0_1": "10", "c_0_2": "1", "c_1_2": "1"}, criteria=criteria
            ).is_valid()
        )
