"""Forms for triage decisions and the triage queue's filter. They validate
and normalise only; ``workshops.services.triage`` does the writing."""

from __future__ import annotations

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from procurement.forms import RequirementForm
from procurement.models import Organisation, Procurement, Requirement, Section
from procurement.personal_data import PersonalDataGuardMixin
from workshops.models import Input, Workshop
from workshops.services.triage import Decision

TITLE_MAX = 300
# A full stop after these does not end a sentence.
ABBREVIATIONS = frozenset(
    "bl.a ca dvs e.g etc f.eks jf kl mht nr osv pga ref tlf vs".split()
)


def title_from_text(text: str, *, limit: int = TITLE_MAX) -> str:
    """The first sentence or line of ``text`` (without its full stop), cut to
    ``limit`` characters at a word boundary where there is one."""
    text = (text or "").strip()
    first = text.splitlines()[0].strip() if text else ""
    for end, char in enumerate(first):
        if char not in ".!?":
            continue
        if end + 1 < len(first) and not first[end + 1].isspace():
            continue
        word = first[:end].rsplit(None, 1)[-1].lower() if first[:end].strip() else ""
        if char == "." and (word in ABBREVIATIONS or len(word) == 1):
            continue
        first = first[: end + 1] if char != "." else first[:end]
        break
    if len(first) <= limit:
        return first
    cut = first[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:") + "…"


def _reason_field(*, required: bool, label=None) -> forms.CharField:
    return forms.CharField(
        label=label or _("Reason"),
        required=required,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Say why; no personal data."),
    )


class _DecisionForm(PersonalDataGuardMixin, forms.Form):
    """A decision on one input: the version the user loaded and a reason."""

    personal_data_fields = ("reason",)
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = _reason_field(required=False)

    def __init__(self, *args, input: Input, **kwargs):
        self.input = input
        kwargs.setdefault("initial", {}).setdefault("version", input.version)
        super().__init__(*args, **kwargs)

    def clean_reason(self) -> str:
        return self.cleaned_data["reason"].strip()


class InputAcceptForm(RequirementForm):
    """The requirement form prefilled from the input: title from its first
    sentence, description its text, section its area, kind V, and its raising
    organisations as "raised by"; the user edits before saving."""

    personal_data_fields = (*RequirementForm.personal_data_fields, "reason")
    input_version = forms.IntegerField(widget=forms.HiddenInput)
    reason = _reason_field(required=False, label=_("Note on the decision"))

    def __init__(self, *args, input: Input, procurement: Procurement, **kwargs):
        self.input = input
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("input_version", input.version)
        initial.setdefault("title", title_from_text(input.text))
        initial.setdefault("description", input.text)
        initial.setdefault("kind", Requirement.Kind.V)
        if input.area_id:
            initial.setdefault("section", input.area_id)
        initial.setdefault(
            "raised_by", [org.pk for org in input.raised_by_organisations.all()]
        )
        super().__init__(*args, procurement=procurement, **kwargs)


class RequirementChoiceField(forms.CharField):
    """A requirement of one procurement picked by its key (e.g. JOURN-0042)."""

    def __init__(self, *args, procurement: Procurement | None = None, **kwargs):
        self.procurement = procurement
        kwargs.setdefault("label", _("Requirement key"))
        kwargs.setdefault("max_length", 60)
        super().__init__(*args, **kwargs)

    def clean(self, value):
        key = super().clean(value)
        if not key:
            return None
        requirement = (
            Requirement.objects.filter(procurement=self.procurement, key__iexact=key)
            .select_related("section")
            .first()
        )
        if requirement is None:
            raise ValidationError(
                _("No requirement has the key %(key)s."),
                code="unknown_requirement",
                params={"key": key},
            )
        return requirement


class InputChoiceField(forms.CharField):
    """An input of one procurement picked by its reference (#id)."""

    def __init__(self, *args, procurement: Procurement | None = None, **kwargs):
        self.procurement = procurement
        kwargs.setdefault("label", _("Original input (#)"))
        kwargs.setdefault("max_length", 20)
        super().__init__(*args, **kwargs)

    def clean(self, value):
        reference = super().clean(value).strip().removeprefix("#")
        if not reference:
            return None
        original = None
        if reference.isdigit():
            original = (
                Input.objects.filter(
                    workshop__procurement=self.procurement, pk=int(reference)
                )
                .select_related("workshop")
                .first()
            )
        if original is None:
            raise ValidationError(
                _("No input has the reference #%(ref)s."),
                code="unknown_input",
                params={"ref": reference},
            )
        return original


class InputLinkForm(_DecisionForm):
    def __init__(self, *args, input: Input, procurement: Procurement, **kwargs):
        super().__init__(*args, input=input, **kwargs)
        self.fields["requirement"] = RequirementChoiceField(procurement=procurement)
        self.order_fields(["requirement", "reason", "version"])


class InputDuplicateForm(_DecisionForm):
    def __init__(self, *args, input: Input, procurement: Procurement, **kwargs):
        super().__init__(*args, input=input, **kwargs)
        self.fields["original"] = InputChoiceField(procurement=procurement)
        self.order_fields(["original", "reason", "version"])

    def clean_original(self) -> Input | None:
        original = self.cleaned_data["original"]
        if original is not None and original.pk == self.input.pk:
            raise ValidationError(
                _("An input cannot be a duplicate of itself."), code="self_duplicate"
            )
        return original


class InputRejectForm(_DecisionForm):
    reason = _reason_field(required=True)


class InputReopenForm(_DecisionForm):
    reason = _reason_field(required=True, label=_("Why re-open it?"))


class BulkTriageForm(PersonalDataGuardMixin, forms.Form):
    DECISIONS = [
        (Decision.REJECT, _("Reject")),
        (Decision.DUPLICATE, _("Mark as duplicate of one input")),
        (Decision.LINK, _("Link to one requirement")),
    ]
    personal_data_fields = ("reason",)

    selected = forms.ModelMultipleChoiceField(
        queryset=Input.objects.none(),
        error_messages={"required": _("Select at least one input.")},
    )
    decision = forms.ChoiceField(label=_("Decision"), choices=DECISIONS)
    original = forms.CharField(required=False)
    requirement = forms.CharField(required=False)
    reason = _reason_field(required=False)

    def __init__(self, *args, procurement: Procurement, **kwargs):
        super().__init__(*args, **kwargs)
        self.procurement = procurement
        self.fields["selected"].queryset = Input.objects.filter(
            workshop__procurement=procurement
        )
        self.fields["original"] = InputChoiceField(
            procurement=procurement, required=False
        )
        self.fields["requirement"] = RequirementChoiceField(
            procurement=procurement, required=False
        )
        self.order_fields(["selected", "decision", "original", "requirement", "reason"])

    def clean(self):
        cleaned = super().clean()
        decision = cleaned.get("decision")
        needed = {
            Decision.REJECT: ("reason", _("Give a reason.")),
            Decision.DUPLICATE: ("original", _("Choose the original input.")),
            Decision.LINK: ("requirement", _("Choose a requirement.")),
        }.get(decision)
        if needed and not cleaned.get(needed[0]) and needed[0] not in self.errors:
            code = "reason_required" if needed[0] == "reason" else "required"
            self.add_error(needed[0], ValidationError(needed[1], code=code))
        return cleaned


class QuickSelect(forms.Select):
    """A single select rendered in one pass instead of one template per
    option: the triage filter lists up to a thousand workshops at scale 10,
    which Django's option templates take a few hundred milliseconds to draw."""

    def render(self, name, value, attrs=None, renderer=None):
        chosen = self.format_value(value)
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (key, " selected" if str(key) in chosen else "", label)
                for key, label in self.choices
            ),
        )
        return format_html(
            '<select name="{}"{}>{}</select>',
            name,
            flatatt(self.build_attrs(self.attrs, attrs)),
            options,
        )


class TriageFilter(django_filters.FilterSet):
    """The triage queue's filter; with no status asked for, only new input."""

    q = django_filters.CharFilter(label=_("Search"), method="search")
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=Input.Status.choices, empty_label=_("All statuses")
    )
    workshop = django_filters.ModelChoiceFilter(
        label=_("Workshop"),
        queryset=Workshop.objects.none(),
        empty_label=_("All workshops"),
        widget=QuickSelect,
    )
    area = django_filters.ModelChoiceFilter(
        label=_("Area"), queryset=Section.objects.none(), empty_label=_("All areas")
    )
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), choices=Input.Kind.choices, empty_label=_("All kinds")
    )
    organisation = django_filters.ModelChoiceFilter(
        label=_("Raised by"),
        queryset=Organisation.objects.none(),
        method="raised_by",
        empty_label=_("All organisations"),
        widget=QuickSelect,
    )

    class Meta:
        model = Input
        fields = ["q", "status", "workshop", "area", "kind", "organisation"]

    def __init__(self, data=None, *args, procurement: Procurement, **kwargs):
        if data is None or "status" not in data:
            data = data.copy() if data is not None else {}
            data["status"] = Input.Status.NEW
        super().__init__(data, *args, **kwargs)
        self.filters["workshop"].queryset = Workshop.objects.filter(
            procurement=procurement
        ).order_by("-starts_at", "pk")
        self.filters["area"].queryset = Section.objects.filter(
            procurement=procurement, parent__isnull=True
        ).order_by("sort_key")
        self.filters["organisation"].queryset = Organisation.objects.filter(
            Exists(
                Input.raised_by_organisations.through.objects.filter(
                    organisation=OuterRef("pk"),
                    input__workshop__procurement=procurement,
                )
            )
        ).order_by("name")

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        reference = value.removeprefix("#")
        condition = Q(text__icontains=value)
        if reference.isdigit():
            condition |= Q(pk=int(reference))
        return queryset.filter(condition)

    def raised_by(self, queryset: QuerySet, name: str, value) -> QuerySet:
        if not value:
            return queryset
        return queryset.filter(
            Exists(
                Input.raised_by_organisations.through.objects.filter(
                    input=OuterRef("pk"), organisation=value
                )
            )
        )
