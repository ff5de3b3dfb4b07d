"""Forms for setting an evaluation up. They validate and normalise only; the
services in ``evaluation.services.setup`` do the writing."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from fractions import Fraction

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from evaluation.models import Criterion, Evaluation
from procurement.models import Section, TenderRound
from procurement.personal_data import PersonalDataGuardMixin


def default_scale_descriptors() -> list[dict]:
    """A 0–10 scale with words for every other step, in the user's language."""
    return [
        {"value": 0, "text": gettext("Not answered, or the answer cannot be used")},
        {"value": 2, "text": gettext("Weak: large gaps against the need")},
        {"value": 4, "text": gettext("Below expectations: clear gaps")},
        {"value": 6, "text": gettext("Good: meets the need with minor gaps")},
        {"value": 8, "text": gettext("Very good: fully meets the need")},
        {
            "value": 10,
            "text": gettext("Excellent: meets the need with clear added value"),
        },
    ]


def descriptors_as_text(descriptors: list[dict]) -> str:
    return "\n".join(f"{d['value']}: {d['text']}" for d in descriptors)


def _plain_number(value: Decimal) -> int | str:
    return int(value) if value == value.to_integral_value() else str(value)


class EvaluationForm(forms.ModelForm):
    """The evaluation of one round: award and price models with the price
    model's parameters, the disagreement threshold and the scale's words."""

    descriptors = forms.CharField(
        label=_("Scale descriptors"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 7}),
        help_text=_(
            "One step per line as “value: description”, e.g. “6: Good: meets the "
            "need with minor gaps”. Shown to evaluators while they score."
        ),
    )

    class Meta:
        model = Evaluation
        fields = [
            "round",
            "award_model",
            "price_model",
            "price_range_min",
            "price_range_max",
            "price_log_multiple",
            "disagreement_threshold",
            "standstill_days",
        ]
        help_texts = {
            "price_range_min": _("Only for the buyer's price range."),
            "price_range_max": _("Only for the buyer's price range."),
            "price_log_multiple": _(
                "Only for the logarithmic model: a tender this many times the "
                "lowest price gets 0 points (e.g. 2)."
            ),
            "disagreement_threshold": _(
                "Spread (highest − lowest score, as a share of the scale) from "
                "which a score is flagged for the consensus meeting."
            ),
        }

    def __init__(self, *args, procurement, **kwargs):
        super().__init__(*args, **kwargs)
        self.procurement = procurement
        self.fields["standstill_days"].required = False
        if self.instance.pk:
            del self.fields["round"]
            self.fields["loaded_version"] = forms.IntegerField(
                widget=forms.HiddenInput, initial=self.instance.version, required=False
            )
            self.fields["descriptors"].initial = descriptors_as_text(
                self.instance.scale_descriptors or default_scale_descriptors()
            )
        else:
            self.instance.procurement = procurement
            self.fields["round"].queryset = TenderRound.objects.filter(
                procurement=procurement, evaluation__isnull=True
            ).order_by("number")
            self.fields["descriptors"].initial = descriptors_as_text(
                default_scale_descriptors()
            )

    def clean_standstill_days(self):
        """Left empty: keep what is there (10 days for a new evaluation)."""
        days = self.cleaned_data.get("standstill_days")
        if days is None:
            return self.instance.standstill_days or 10
        return days

    def clean_descriptors(self) -> list[dict]:
        text = self.cleaned_data.get("descriptors") or ""
        descriptors, errors, seen = [], [], set()
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            value, colon, words = line.partition(":")
            try:
                amount = Decimal(value.strip().replace(",", "."))
            except InvalidOperation:
                amount = None
            if not colon or amount is None or not amount.is_finite() or amount < 0:
                errors.append(
                    ValidationError(
                        _(
                            "Line %(line)s: write a number of 0 or more, a colon "
                            "and the description."
                        ),
                        code="descriptor_format",
                        params={"line": number},
                    )
                )
                continue
            if amount in seen:
                errors.append(
                    ValidationError(
                        _("Line %(line)s: the value %(value)s is described twice."),
                        code="descriptor_twice",
                        params={"line": number, "value": value.strip()},
                    )
                )
                continue
            seen.add(amount)
            descriptors.append(
                {"value": _plain_number(amount), "text": words.strip()[:500]}
            )
        if errors:
            raise ValidationError(errors)
        return sorted(descriptors, key=lambda d: Decimal(str(d["value"])))

    def clean(self):
        cleaned = super().clean()
        model = cleaned.get("price_model")
        low = cleaned.get("price_range_min")
        high = cleaned.get("price_range_max")
        multiple = cleaned.get("price_log_multiple")
        if model == Evaluation.PriceModel.RANGE:
            for name, value in (("price_range_min", low), ("price_range_max", high)):
                if value is None and name not in self.errors:
                    self.add_error(
                        name,
                        ValidationError(
                            _("The buyer's price range needs both prices."),
                            code="range_price_required",
                        ),
                    )
            if low is not None and low <= 0:
                self.add_error(
                    "price_range_min",
                    ValidationError(
                        _("The lowest price must be above 0."),
                        code="range_price_positive",
                    ),
                )
            elif low is not None and high is not None and low >= high:
                self.add_error(
                    "price_range_max",
                    ValidationError(
                        _("The highest price must be above the lowest price."),
                        code="range_reversed",
                    ),
                )
        else:
            cleaned["price_range_min"] = cleaned["price_range_max"] = None
        if model == Evaluation.PriceModel.LOG:
            if multiple is None and "price_log_multiple" not in self.errors:
                self.add_error(
                    "price_log_multiple",
                    ValidationError(
                        _(
                            "The logarithmic model needs the price multiple that "
                            "gets 0 points."
                        ),
                        code="log_multiple_required",
                    ),
                )
        else:
            cleaned["price_log_multiple"] = None
        return cleaned


class CriterionForm(forms.ModelForm):
    """One criterion; weight and its declared range in percent of the parent."""

    class Meta:
        model = Criterion
        fields = [
            "name",
            "description",
            "kind",
            "method",
            "normalise",
            "scale_max",
            "weight",
            "weight_min",
            "weight_max",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "weight": _("Percent of the parent (the weights at one level sum to 100)."),
            "weight_min": _(
                "The range announced to vendors: a weight of 30 ± 10 lies "
                "between 20 and 40. Leave both ends empty for none."
            ),
        }

    def __init__(self, *args, evaluation, parent=None, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["loaded_version"] = forms.IntegerField(
                widget=forms.HiddenInput, initial=self.instance.version, required=False
            )
        else:
            self.instance.evaluation = evaluation
            self.instance.parent = parent

    def clean(self):
        cleaned = super().clean()
        kind, method = cleaned.get("kind"), cleaned.get("method")
        if method == Criterion.Method.PRICE and kind and kind != Criterion.Kind.PRICE:
            self.add_error(
                "method",
                ValidationError(
                    _("Only a price criterion is scored with the price formula."),
                    code="price_kind",
                ),
            )
        return cleaned


class MappingBulkForm(forms.Form):
    """Map the chosen unmapped requirements, or a whole section's, to one
    requirement-scored criterion."""

    criterion = forms.ModelChoiceField(
        label=_("Criterion"), queryset=Criterion.objects.none()
    )
    requirements = forms.ModelMultipleChoiceField(
        label=_("Requirements"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    section = forms.ModelChoiceField(
        label=_("Or every unmapped requirement in section"),
        queryset=Section.objects.none(),
        required=False,
    )
    weight = forms.DecimalField(
        label=_("Weight"),
        required=False,
        min_value=Decimal(0),
        max_digits=9,
        decimal_places=3,
        help_text=_("Leave empty to use each requirement's own weight (1 if none)."),
    )

    def __init__(self, *args, criteria, requirements, sections, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["criterion"].queryset = criteria
        self.fields["requirements"].queryset = requirements
        self.fields["section"].queryset = sections

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("requirements") and not cleaned.get("section"):
            raise ValidationError(
                _("Tick requirements or choose a section to map."),
                code="nothing_chosen",
            )
        return cleaned


class MappingWeightForm(forms.Form):
    weight = forms.DecimalField(
        label=_("Weight"), min_value=Decimal(0), max_digits=9, decimal_places=3
    )


# Saaty's scale: how much more important the row criterion is than the column.
SAATY_CHOICES = [
    ("9", _("9 – extremely more important")),
    ("7", _("7 – very strongly more important")),
    ("5", _("5 – strongly more important")),
    ("3", _("3 – moderately more important")),
    ("8", "8"),
    ("6", "6"),
    ("4", "4"),
    ("2", "2"),
    ("1", _("1 – equally important")),
    ("1/2", "1/2"),
    ("1/3", _("1/3 – moderately less important")),
    ("1/4", "1/4"),
    ("1/5", _("1/5 – strongly less important")),
    ("1/6", "1/6"),
    ("1/7", _("1/7 – very strongly less important")),
    ("1/8", "1/8"),
    ("1/9", _("1/9 – extremely less important")),
]
SAATY_ORDER = ["9", "8", "7", "6", "5", "4", "3", "2", "1"] + [
    f"1/{n}" for n in range(2, 10)
]


class AHPForm(forms.Form):
    """The upper triangle of a pairwise comparison matrix: for each pair
    (i, j) with i before j, how much more important i is than j."""

    def __init__(self, *args, criteria, initial_matrix=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        labels = dict(SAATY_CHOICES)
        choices = [(v, labels[v]) for v in SAATY_ORDER]
        for i, a in enumerate(self.criteria):
            for j in range(i + 1, len(self.criteria)):
                b = self.criteria[j]
                name = f"c_{i}_{j}"
                initial = "1"
                if initial_matrix is not None:
                    initial = str(initial_matrix[i][j])
                self.fields[name] = forms.ChoiceField(
                    label=_("“%(a)s” compared with “%(b)s”")
                    % {"a": a.name, "b": b.name},
                    choices=choices,
                    initial=initial if initial in SAATY_ORDER else "1",
                )

    def pairs(self):
        """(row criterion, column criterion, bound field) for the template."""
        for i, a in enumerate(self.criteria):
            for j in range(i + 1, len(self.criteria)):
                yield a, self.criteria[j], self[f"c_{i}_{j}"]

    def upper(self) -> dict[tuple[int, int], Fraction]:
        return {
            (i, j): Fraction(self.cleaned_data[f"c_{i}_{j}"])
            for i in range(len(self.criteria))
            for j in range(i + 1, len(self.criteria))
        }


class AssignmentForm(forms.Form):
    evaluator = forms.ModelChoiceField(label=_("Evaluator"), queryset=None)
    criteria = forms.ModelMultipleChoiceField(
        label=_("Criteria"), queryset=None, widget=forms.CheckboxSelectMultiple
    )
    tender = forms.ModelChoiceField(
        label=_("Tender"),
        queryset=None,
        required=False,
        empty_label=_("Every tender"),
    )

    def __init__(self, *args, evaluators, criteria, tenders, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evaluator"].queryset = evaluators
        self.fields["evaluator"].label_from_instance = lambda u: (
            u.get_full_name() or u.get_username()
        )
        self.fields["criteria"].queryset = criteria
        self.fields["tender"].queryset = tenders
        self.fields["tender"].label_from_instance = lambda t: t.vendor.name


class DeclarationForm(PersonalDataGuardMixin, forms.Form):
    """The declaration of impartiality: the vendors the evaluator is in
    conflict with, or none; an optional note; the signature."""

    personal_data_fields = ("note",)

    conflicts = forms.ModelMultipleChoiceField(
        label=_("Vendors I am in conflict with"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    no_conflict = forms.BooleanField(
        label=_("I am not in conflict with any of these vendors"), required=False
    )
    note = forms.CharField(
        label=_("About the conflicts (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Describe the kind of tie (e.g. former employer, shares), without "
            "names, e-mail addresses or phone numbers."
        ),
    )
    confirm = forms.BooleanField(
        label=_("I have read the statement above and sign this declaration"),
        error_messages={
            "required": _("Tick the box to sign the declaration."),
        },
    )

    def __init__(self, *args, vendors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["conflicts"].queryset = vendors

    def clean(self):
        cleaned = super().clean()
        conflicts = cleaned.get("conflicts")
        none = cleaned.get("no_conflict")
        if conflicts and none:
            raise ValidationError(
                _("You ticked vendors and “no conflict”; choose one or the other."),
                code="conflict_and_none",
            )
        if not conflicts and not none and "conflicts" not in self.errors:
            raise ValidationError(
                _(
                    "Tick the vendors you are in conflict with, or tick that you "
                    "are in conflict with none of them."
                ),
                code="conflict_unanswered",
            )
        return cleaned
