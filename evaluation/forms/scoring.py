"""Forms for individual scoring, the absolute-requirement checks and the
scoring sheet upload. They validate and normalise; the services decide."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from evaluation.selectors.scoring import ScoringRow
from evaluation.services.scoring import check_value
from procurement.documents.xlsx import XLSX_CONTENT_TYPE
from procurement.personal_data import PersonalDataGuardMixin


class ScoreForm(PersonalDataGuardMixin, forms.Form):
    """One requirement's (or a directly scored criterion's) score on the
    scoring page; the prefix ties it to its row. With ``allow_blank`` (the
    page's "save all") a row left wholly empty is skipped, not an error."""

    personal_data_fields = ("justification",)

    value = forms.CharField(
        label=gettext_lazy("Score"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 5}),
    )
    justification = forms.CharField(
        label=gettext_lazy("Justification"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    version = forms.IntegerField(
        required=False, min_value=0, initial=0, widget=forms.HiddenInput
    )

    def __init__(
        self,
        *args,
        row: ScoringRow,
        allow_blank: bool = False,
        **kwargs,
    ):
        kwargs.setdefault("prefix", row.prefix)
        if row.score is not None:
            kwargs.setdefault(
                "initial",
                {
                    "value": _plain(row.score.value),
                    "justification": row.score.justification,
                    "version": row.score.version,
                },
            )
        super().__init__(*args, **kwargs)
        self.row = row
        self.allow_blank = allow_blank
        self.fields["value"].widget.attrs["aria-describedby"] = "scale"
        self.fields["value"].help_text = _("0 to %(max)s") % {
            "max": _plain(row.criterion.scale_max)
        }

    @property
    def place(self) -> str:
        """The requirement key (or criterion name) that error messages name."""
        return self.row.key or self.row.criterion.name

    def clean(self):
        cleaned = super().clean()
        value = (self.cleaned_data.get("value") or "").strip()
        justification = (self.cleaned_data.get("justification") or "").strip()
        self.is_blank = not value and not justification
        if self.is_blank and self.allow_blank:
            return cleaned
        if not value:
            self.add_error(
                "value",
                ValidationError(
                    _("%(where)s: enter a score.") % {"where": self._where("value")},
                    code="required",
                ),
            )
        else:
            try:
                cleaned["value"] = check_value(
                    value,
                    scale_max=self.row.criterion.scale_max,
                    where=self._where("value"),
                )
            except ValidationError as error:
                self.add_error("value", error)
        if not justification and "justification" not in self.errors:
            self.add_error(
                "justification",
                ValidationError(
                    _("%(where)s: a score needs a written justification.")
                    % {"where": self._where("justification")},
                    code="justification_required",
                ),
            )
        cleaned["justification"] = justification
        cleaned["version"] = self.cleaned_data.get("version") or 0
        return cleaned

    def _where(self, field: str) -> str:
        return f"{self.place}, {self.fields[field].label}"

    def unchanged(self) -> bool:
        score = self.row.score
        return (
            score is not None
            and score.value == self.cleaned_data.get("value")
            and score.justification == self.cleaned_data.get("justification")
        )


def _plain(number: Decimal) -> str:
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


YES_NO = (("yes", gettext_lazy("Yes")), ("no", gettext_lazy("No")))


class AbsoluteCheckForm(PersonalDataGuardMixin, forms.Form):
    """Fulfilled or not; a fail needs the judgement whether the deviation is
    substantial (FOA § 9-6) and a justification."""

    personal_data_fields = ("justification",)

    fulfilled = forms.ChoiceField(
        label=gettext_lazy("Fulfilled"), choices=YES_NO, widget=forms.RadioSelect
    )
    substantial_deviation = forms.ChoiceField(
        label=gettext_lazy("Substantial deviation (FOA § 9-6)"),
        choices=YES_NO,
        required=False,
        widget=forms.RadioSelect,
    )
    justification = forms.CharField(
        label=gettext_lazy("Justification"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    version = forms.IntegerField(
        required=False, min_value=0, initial=0, widget=forms.HiddenInput
    )

    def __init__(self, *args, row=None, **kwargs):
        if row is not None:
            kwargs.setdefault("prefix", f"a{row.requirement.pk}")
            check = row.check
            if check is not None:
                kwargs.setdefault(
                    "initial",
                    {
                        "fulfilled": "yes" if check.fulfilled else "no",
                        "substantial_deviation": {
                            True: "yes",
                            False: "no",
                            None: "",
                        }[check.substantial_deviation],
                        "justification": check.justification,
                        "version": check.version,
                    },
                )
        super().__init__(*args, **kwargs)
        self.row = row

    def clean(self):
        cleaned = super().clean()
        fulfilled = cleaned.get("fulfilled") == "yes"
        cleaned["fulfilled_bool"] = fulfilled
        substantial = cleaned.get("substantial_deviation")
        cleaned["substantial_bool"] = (
            None if fulfilled or not substantial else substantial == "yes"
        )
        if cleaned.get("fulfilled") == "no":
            if not substantial:
                self.add_error(
                    "substantial_deviation",
                    ValidationError(
                        _("Judge whether the deviation is substantial."),
                        code="judgement_required",
                    ),
                )
            if not (cleaned.get("justification") or "").strip():
                self.add_error(
                    "justification",
                    ValidationError(
                        _("A failed requirement needs a justification."),
                        code="justification_required",
                    ),
                )
        return cleaned


class RejectionDecisionForm(PersonalDataGuardMixin, forms.Form):
    """The lead's decision on a tender proposed for rejection."""

    personal_data_fields = ("reason",)

    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=(
            ("confirm", gettext_lazy("Reject the tender")),
            ("dismiss", gettext_lazy("Dismiss the proposal: the tender stays in")),
        ),
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": gettext_lazy("Give the reason for the decision.")},
    )


class ScoringSheetUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Scoring sheet (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": f".xlsx,{XLSX_CONTENT_TYPE}"}),
        help_text=gettext_lazy(
            "Upload the scoring sheet you downloaded here, with your scores and "
            "justifications filled in."
        ),
    )
