"""Evaluation set-up pages: they work for the lead, hide from strangers (404),
refuse other roles on the lead's pages (403) and wrong methods (405), and
leave nothing half-saved on bad input."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from evaluation.models import (
    Assignment,
    Criterion,
    Declaration,
    Evaluation,
    PairwiseComparison,
    RequirementMapping,
)
from evaluation.services import setup as services
from procurement.models import Event
from tests.evaluation_tests.world import EvaluationWorld

D = Decimal


class AccessTests(EvaluationWorld):
    LEAD_PAGES = ("edit/", "criteria/new/", "unmapped/", "ahp/", "panel/")

    def test_strangers_get_404_everywhere(self):
        for user in (self.outsider, self.foreign_lead):
            self.login(user)
            for url in (
                self.base(),
                self.base() + "new/",
                self.url(),
                self.url("declaration/"),
                *(self.url(p) for p in self.LEAD_PAGES),
            ):
                with self.subTest(user=user.username, url=url):
                    self.assertEqual(self.client.get(url).status_code, 404)

    def test_other_roles_get_403_on_the_lead_pages(self):
        criteria = self.model()
        pages = [
            *self.LEAD_PAGES,
            f"criteria/{criteria['price'].pk}/edit/",
            f"criteria/{criteria['price'].pk}/delete/",
            f"criteria/{criteria['function'].pk}/mappings/",
            f"criteria/{criteria['quality'].pk}/ahp/",
        ]
        for user in (self.evaluator, self.manager, self.staff):
            self.login(user)
            Declaration.objects.get_or_create(
                procurement=self.procurement, evaluator=user
            )
            for page in pages:
                with self.subTest(user=user.username, page=page):
                    self.assertEqual(self.client.get(self.url(page)).status_code, 403)
            self.assertEqual(self.client.get(self.base() + "new/").status_code, 403)
            self.assertEqual(self.client.post(self.url("start/")).status_code, 403)
        self.assertEqual(Evaluation.objects.get().status, "setup")

    def test_wrong_methods_get_405(self):
        self.login(self.lead)
        self.assertEqual(self.client.post(self.base()).status_code, 405)
        self.assertEqual(self.client.post(self.url()).status_code, 405)
        self.assertEqual(self.client.get(self.url("start/")).status_code, 405)
        self.assertEqual(self.client.delete(self.url("panel/")).status_code, 405)

    def test_management_and_staff_see_the_model_but_not_the_panel(self):
        self.model()
        for user in (self.manager, self.staff):
            self.login(user)
            response = self.client.get(self.url())
            self.assertEqual(response.status_code, 200)
            self.assertContains(response, 'id="criteria-tree"')
            self.assertNotContains(response, 'id="panel-table"')
            self.assertNotContains(response, 'id="start-scoring"')


class ListAndCreateTests(EvaluationWorld):
    def test_the_list_has_a_row_per_round_and_a_create_button_for_the_lead(self):
        self.login(self.lead)
        response = self.client.get(self.base())
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'id="round-1"')
        self.assertContains(response, f"new/?round={self.round2.pk}")
        self.login(self.evaluator)
        self.assertNotContains(self.client.get(self.base()), "new/?round=")

    def test_the_lead_creates_an_evaluation_for_a_round(self):
        self.login(self.lead)
        self.assertEqual(
            self.client.get(self.base() + f"new/?round={self.round2.pk}").status_code,
            200,
        )
        response = self.client.post(
            self.base() + "new/",
            {
                "round": self.round2.pk,
                "award_model": "points",
                "price_model": "log",
                "price_log_multiple": "2.5",
                "disagreement_threshold": "0.25",
                "descriptors": "0: Ingen\n10: Best",
            },
        )
        evaluation = Evaluation.objects.get(round=self.round2)
        self.assertRedirects(
            response, evaluation.get_absolute_url(), fetch_redirect_response=False
        )
        self.assertEqual(evaluation.price_log_multiple, D("2.5"))
        self.assertEqual(evaluation.scale_descriptors[1], {"value": 10, "text": "Best"})
        self.assertTrue(
            Event.objects.filter(action="evaluation.created", data__round=2).exists()
        )

    def test_an_edit_over_someone_elses_save_is_refused(self):
        self.login(self.lead)
        data = {
            "award_model": "points",
            "price_model": "proportional",
            "disagreement_threshold": "0.3",
            "descriptors": "0: Ingen",
            "loaded_version": self.evaluation.version,
        }
        services.evaluation_update(
            by=self.lead, evaluation=self.evaluation, award_model="money"
        )
        response = self.client.post(self.url("edit/"), data)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            {e.code for e in response.context["form"].non_field_errors().as_data()},
            {"concurrent_edit"},
        )
        self.assertEqual(Evaluation.objects.get().price_model, "linear")
        data["loaded_version"] += 1
        response = self.client.post(self.url("edit/"), data)
        self.assertRedirects(response, self.url(), fetch_redirect_response=False)
        evaluation = Evaluation.objects.get()
        self.assertEqual(
            (evaluation.price_model, evaluation.award_model), ("proportional", "points")
        )

    def test_bad_price_parameters_save_nothing(self):
        self.login(self.lead)
        response = self.client.post(
            self.base() + "new/",
            {
                "round": self.round2.pk,
                "award_model": "points",
                "price_model": "range",
                "disagreement_threshold": "0.3",
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("price_range_min", response.context["form"].errors)
        self.assertFalse(Evaluation.objects.filter(round=self.round2).exists())


class DetailTests(EvaluationWorld):
    def test_the_lead_sees_tree_effective_weights_problems_and_blockers(self):
        criteria = self.model()
        services.criterion_update(
            by=self.lead, criterion=criteria["risk"], weight=D("30")
        )
        self.login(self.lead)
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        response = self.client.get(self.url())
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, f'id="criterion-{criteria["function"].pk}"')
        self.assertContains(response, 'id="model-problems"')
        self.assertContains(
            response, "The weights under “Kvalitet” sum to 90 %, not 100 %."
        )
        self.assertContains(response, 'id="start-blockers"')
        rows = {row.criterion.name: row for row in response.context["tree"]}
        self.assertEqual(rows["Funksjon"].effective_percent, D("42.00"))
        self.assertEqual(rows["Risiko"].depth, 1)
        self.assertEqual(response.context["counts"]["unmapped"], 3)

    def test_an_evaluator_without_a_declaration_is_sent_to_sign(self):
        self.login(self.evaluator)
        response = self.client.get(self.url())
        self.assertRedirects(response, self.url("declaration/"))

    def test_an_evaluator_never_sees_a_conflicted_vendor(self):
        services.declaration_sign(
            by=self.evaluator, procurement=self.procurement, conflicts=[self.beta]
        )
        self.login(self.evaluator)
        response = self.client.get(self.url())
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Alfa Systemer AS")
        self.assertNotContains(response, "Beta Helse AS")

    def test_query_count_does_not_grow_with_the_model(self):
        self.complete()
        services.declaration_sign(
            by=self.evaluator, procurement=self.procurement, conflicts=[self.beta]
        )
        self.login(self.lead)
        with CaptureQueriesContext(connection) as small:
            self.assertEqual(self.client.get(self.url()).status_code, 200)
        quality = Criterion.objects.get(name="Kvalitet")
        for n in range(4):
            services.criterion_create(
                by=self.lead,
                evaluation=self.evaluation,
                parent=quality,
                name=f"Ekstra {n}",
                kind="other",
                method="direct",
                weight=D("0"),
            )
            services.assignments_add(
                by=self.lead,
                evaluation=self.evaluation,
                evaluator=self.evaluator2,
                criteria=[Criterion.objects.get(name=f"Ekstra {n}")],
                tender=self.tender_alfa,
            )
        services.declaration_sign(
            by=self.evaluator2, procurement=self.procurement, conflicts=[]
        )
        with self.assertNumQueries(len(small.captured_queries)):
            self.client.get(self.url())

    def test_pinned_query_count(self):
        self.complete()
        self.login(self.lead)
        self.client.get(self.url())  # warm the session
        with self.assertNumQueries(20):
            self.client.get(self.url())


# The price criterion's edit form with its weight moved from 30 to 35 %.
PRICE_AT_35 = {
    "name": "Pris",
    "kind": "price",
    "method": "price",
    "scale_max": "10",
    "weight": "35",
    "weight_min": "20",
    "weight_max": "40",
}


class CriterionViewTests(EvaluationWorld):
    def test_add_a_sub_criterion(self):
        criteria = self.model()
        self.login(self.lead)
        response = self.client.post(
            self.url(f"criteria/new/?parent={criteria['risk'].pk}"),
            {
                "name": "Leveranse",
                "kind": "risk",
                "method": "direct",
                "scale_max": "10",
                "weight": "100",
            },
        )
        self.assertRedirects(response, self.url(), fetch_redirect_response=False)
        self.assertEqual(
            Criterion.objects.get(name="Leveranse").parent, criteria["risk"]
        )

    def test_a_weight_outside_the_range_is_shown_and_nothing_saved(self):
        self.login(self.lead)
        response = self.client.post(
            self.url("criteria/new/"),
            {
                "name": "Pris",
                "kind": "price",
                "method": "price",
                "scale_max": "10",
                "weight": "50",
                "weight_min": "20",
                "weight_max": "40",
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            {e.code for e in response.context["form"].errors.as_data()["weight"]},
            {"outside_range"},
        )
        self.assertFalse(Criterion.objects.exists())

    def test_a_duplicate_sibling_name_is_refused(self):
        self.model()
        self.login(self.lead)
        quality = Criterion.objects.get(name="Kvalitet")
        response = self.client.post(
            self.url(f"criteria/new/?parent={quality.pk}"),
            {
                "name": "Risiko",
                "kind": "risk",
                "method": "direct",
                "scale_max": "10",
                "weight": "10",
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(Criterion.objects.filter(name="Risiko").count(), 1)

    def test_edit_and_delete_while_setting_up(self):
        criteria = self.model()
        self.login(self.lead)
        url = self.url(f"criteria/{criteria['price'].pk}/edit/")
        self.assertEqual(self.client.get(url).status_code, 200)
        response = self.client.post(url, PRICE_AT_35)
        self.assertRedirects(response, self.url(), fetch_redirect_response=False)
        self.assertEqual(Criterion.objects.get(pk=criteria["price"].pk).weight, D("35"))
        delete = self.url(f"criteria/{criteria['quality'].pk}/delete/")
        self.assertEqual(self.client.get(delete).status_code, 200)
        self.client.post(delete)
        self.assertEqual(
            list(Criterion.objects.values_list("name", flat=True)), ["Pris"]
        )

    def test_an_edit_over_someone_elses_save_is_refused(self):
        criteria = self.model()
        price = criteria["price"]
        self.login(self.lead)
        url = self.url(f"criteria/{price.pk}/edit/")
        loaded = self.client.get(url).context["form"]["loaded_version"].value()
        self.assertEqual(loaded, price.version)
        data = {**PRICE_AT_35, "loaded_version": loaded}
        # Another lead saves the criterion meanwhile.
        services.criterion_update(by=self.lead, criterion=price, weight=D("25"))
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        response = self.client.post(url, data)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            {e.code for e in response.context["form"].non_field_errors().as_data()},
            {"concurrent_edit"},
        )
        self.assertContains(response, "Someone else saved this criterion")
        self.assertEqual(Criterion.objects.get(pk=price.pk).weight, D("25"))
        # Loaded again, the edit goes through.
        data["loaded_version"] = (
            self.client.get(url).context["form"]["loaded_version"].value()
        )
        response = self.client.post(url, data)
        self.assertRedirects(response, self.url(), fetch_redirect_response=False)
        self.assertEqual(Criterion.objects.get(pk=price.pk).weight, D("35"))

    def test_after_start_the_model_is_frozen_with_a_message(self):
        criteria = self.complete()
        services.scoring_start(by=self.lead, evaluation=self.evaluation)
        self.login(self.lead)
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        for page in (
            f"criteria/{criteria['price'].pk}/edit/",
            f"criteria/{criteria['price'].pk}/delete/",
            "criteria/new/",
            "edit/",
        ):
            with self.subTest(page):
                response = self.client.post(
                    self.url(page), {"name": "X", "weight": "1"}, follow=True
                )
                self.assertContains(
                    response,
                    "the criteria, weights and requirement mappings are frozen",
                )
        self.assertEqual(Criterion.objects.count(), 4)
        self.assertEqual(Criterion.objects.get(pk=criteria["price"].pk).name, "Pris")


class MappingViewTests(EvaluationWorld):
    def test_bulk_map_ticked_requirements_and_a_section(self):
        criteria = self.model()
        self.login(self.lead)
        response = self.client.get(self.url("unmapped/"))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(len(response.context["requirements"]), 3)
        self.client.post(
            self.url("unmapped/"),
            {
                "criterion": criteria["function"].pk,
                "requirements": [self.av_login.pk],
                "weight": "4",
            },
        )
        self.assertEqual(RequirementMapping.objects.get().weight, D("4"))
        self.client.post(
            self.url("unmapped/"),
            {"criterion": criteria["function"].pk, "section": self.journal.pk},
        )
        mapped = set(
            RequirementMapping.objects.values_list("requirement_id", flat=True)
        )
        self.assertEqual(
            mapped, {self.av_login.pk, self.v_allergy.pk, self.v_overview.pk}
        )
        response = self.client.get(self.url("unmapped/"))
        self.assertContains(response, 'id="all-mapped"')

    def test_mapping_to_a_criterion_not_scored_from_requirements_is_refused(self):
        criteria = self.model()
        self.login(self.lead)
        response = self.client.post(
            self.url("unmapped/"),
            {"criterion": criteria["risk"].pk, "requirements": [self.av_login.pk]},
        )
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.context["form"].errors)
        self.assertFalse(RequirementMapping.objects.exists())

    def test_the_criterion_page_edits_and_removes_weights(self):
        criteria = self.complete()
        self.login(self.lead)
        page = self.url(f"criteria/{criteria['function'].pk}/mappings/")
        response = self.client.get(page)
        self.assertEqual(len(response.context["mappings"]), 3)
        mapping = RequirementMapping.objects.get(requirement=self.v_allergy)
        self.assertEqual(
            self.client.get(self.url(f"mappings/{mapping.pk}/edit/")).status_code, 405
        )
        self.client.post(self.url(f"mappings/{mapping.pk}/edit/"), {"weight": "7.5"})
        self.assertEqual(RequirementMapping.objects.get(pk=mapping.pk).weight, D("7.5"))
        self.client.post(self.url(f"mappings/{mapping.pk}/edit/"), {"weight": "-1"})
        self.assertEqual(RequirementMapping.objects.get(pk=mapping.pk).weight, D("7.5"))
        self.client.post(self.url(f"mappings/{mapping.pk}/remove/"))
        self.assertFalse(RequirementMapping.objects.filter(pk=mapping.pk).exists())
        self.assertEqual(mapping.history.count(), 3)


class AHPViewTests(EvaluationWorld):
    def test_calculate_shows_weights_and_apply_sets_them(self):
        criteria = self.model()
        self.login(self.lead)
        url = self.url(f"criteria/{criteria['quality'].pk}/ahp/")
        self.assertEqual(self.client.get(url).status_code, 200)
        response = self.client.post(url, {"c_0_1": "3", "calculate": "1"})
        self.assertContains(response, 'id="ahp-result"')
        self.assertNotContains(response, 'id="ahp-warning"')
        self.assertEqual(
            PairwiseComparison.objects.get().matrix, [["1", "3"], ["1/3", "1"]]
        )
        self.assertEqual(
            Criterion.objects.get(pk=criteria["function"].pk).weight, D("60")
        )
        response = self.client.post(url, {"c_0_1": "3", "apply": "1"})
        self.assertRedirects(response, self.url(), fetch_redirect_response=False)
        self.assertEqual(
            Criterion.objects.get(pk=criteria["function"].pk).weight, D("75")
        )
        # The stored matrix is offered again.
        self.assertEqual(self.client.get(url).context["form"]["c_0_1"].value(), "3")

    def test_an_inconsistent_top_level_warns(self):
        for name in "ABC":
            services.criterion_create(
                by=self.lead,
                evaluation=self.evaluation,
                name=name,
                kind="quality",
                weight=D("10"),
            )
        self.login(self.lead)
        response = self.client.post(
            self.url("ahp/"),
            {"c_0_1": "9", "c_0_2": "1/9", "c_1_2": "9", "calculate": "1"},
        )
        self.assertContains(response, 'id="ahp-warning"')


class StartViewTests(EvaluationWorld):
    def test_refused_with_reasons_then_started(self):
        self.model()
        self.login(self.lead)
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        response = self.client.post(self.url("start/"), follow=True)
        self.assertContains(response, "V/AV requirements are not mapped")
        self.assertEqual(Evaluation.objects.get().status, "setup")
        Criterion.objects.all().delete()
        self.complete()
        response = self.client.post(self.url("start/"), follow=True)
        self.assertEqual(Evaluation.objects.get().status, "scoring")
        self.assertContains(response, 'id="evaluation-status"')


class PanelViewTests(EvaluationWorld):
    def test_assign_and_remove(self):
        criteria = self.model()
        self.login(self.lead)
        self.assertEqual(self.client.get(self.url("panel/")).status_code, 200)
        self.client.post(
            self.url("panel/"),
            {
                "evaluator": self.evaluator.pk,
                "criteria": [criteria["function"].pk, criteria["risk"].pk],
            },
        )
        self.assertEqual(Assignment.objects.count(), 2)
        response = self.client.get(self.url("panel/"))
        self.assertContains(response, f'id="member-{self.evaluator.pk}"')
        assignment = Assignment.objects.first()
        self.client.post(self.url(f"panel/{assignment.pk}/remove/"))
        self.assertEqual(Assignment.objects.count(), 1)

    def test_a_conflicted_tender_is_refused_with_a_message(self):
        criteria = self.model()
        services.declaration_sign(
            by=self.evaluator, procurement=self.procurement, conflicts=[self.gamma]
        )
        self.login(self.lead)
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        response = self.client.post(
            self.url("panel/"),
            {
                "evaluator": self.evaluator.pk,
                "criteria": [criteria["function"].pk],
                "tender": self.tender_gamma.pk,
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(
            response, "has declared a conflict of interest with Gamma Journal AS"
        )
        self.assertFalse(Assignment.objects.exists())

    def test_the_lead_sees_who_signed_and_their_conflicts(self):
        self.model()
        services.declaration_sign(
            by=self.evaluator, procurement=self.procurement, conflicts=[self.gamma]
        )
        self.login(self.lead)
        response = self.client.get(self.url())
        panel = {m.user.username: m for m in response.context["panel"]}
        self.assertEqual(panel["evaluator"].conflicts, [self.gamma])
        self.assertIsNone(panel["evaluator2"].declaration)
        self.assertContains(response, "Gamma Journal AS")


class DeclarationViewTests(EvaluationWorld):
    def test_sign_once_then_see_the_signed_state(self):
        self.login(self.evaluator)
        self.assertEqual(self.client.get(self.url("declaration/")).status_code, 200)
        response = self.client.post(
            self.url("declaration/"),
            {"conflicts": [self.beta.pk], "confirm": "on", "note": "Aksjer"},
        )
        self.assertRedirects(response, self.url(), fetch_redirect_response=False)
        declaration = Declaration.objects.get(evaluator=self.evaluator)
        self.assertEqual(list(declaration.conflicts.all()), [self.beta])
        response = self.client.get(self.url("declaration/"))
        self.assertContains(response, 'id="declaration-signed"')
        self.client.post(
            self.url("declaration/"), {"no_conflict": "on", "confirm": "on"}
        )
        self.assertEqual(list(Declaration.objects.get().conflicts.all()), [self.beta])
        self.assertEqual(Event.objects.filter(action="declaration.signed").count(), 1)

    def test_an_unsigned_form_saves_nothing(self):
        self.login(self.evaluator)
        response = self.client.post(self.url("declaration/"), {"no_conflict": "on"})
        self.assertEqual(response.status_code, 200)
        self.assertFalse(Declaration.objects.exists())

    def test_only_evaluators_and_leads_declare(self):
        for user in (self.manager, self.staff):
            self.login(user)
            self.assertEqual(self.client.get(self.url("declaration/")).status_code, 403)
        self.login(self.lead)
        self.assertEqual(self.client.get(self.url("declaration/")).status_code, 200)
