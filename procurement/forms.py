"""Forms validate and normalise only; the services do the writing."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.no import orgnr

from procurement.models import (
    Announcement,
    Baseline,
    OptionAgreement,
    Organisation,
    Procurement,
    Programme,
    Requirement,
    RequirementStakeholder,
    Section,
    validate_org_number,
)
from procurement.personal_data import PersonalDataGuardMixin


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class ConcurrentEditMixin:
    """For models with ``updated_at``: the form carries the time the record was
    loaded, and refuses to save over someone else's later save."""

    def add_loaded_field(self) -> None:
        self.fields["loaded"] = forms.CharField(
            widget=forms.HiddenInput, required=False
        )
        if self.instance.pk:
            self.fields["loaded"].initial = self.instance.updated_at.isoformat()

    def check_not_changed_since_loaded(self) -> None:
        if not self.instance.pk:
            self.cleaned_data.pop("loaded", None)
            return
        stored = (
            type(self.instance)
            .objects.filter(pk=self.instance.pk)
            .values_list("updated_at", flat=True)
            .first()
        )
        # Not a model field: take it out so the services never see it.
        loaded = self.cleaned_data.pop("loaded", "") or ""
        if stored is not None and stored.isoformat() != loaded:
            raise ValidationError(
                _(
                    "Someone else saved this while you were editing it; nothing was "
                    "saved. Open the page again to see their changes, then make yours."
                ),
                code="concurrent_edit",
            )


class OrganisationForm(ConcurrentEditMixin, forms.ModelForm):
    # Longer than the stored nine digits so that "942 110 464" can be typed.
    org_number = forms.CharField(
        label=_("Organisation number"),
        max_length=11,
        required=False,
        help_text=_(
            "Nine digits from the Register of Legal Entities; may be left empty."
        ),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    class Meta:
        model = Organisation
        fields = ["name", "org_number", "kind", "level", "parent", "county", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        parents = Organisation.objects.order_by("name")
        if self.instance.pk:
            parents = parents.exclude(pk=self.instance.pk)
        self.fields["parent"].queryset = parents
        self.add_loaded_field()

    def clean(self):
        cleaned = super().clean()
        self.check_not_changed_since_loaded()
        return cleaned

    def clean_org_number(self) -> str:
        number = orgnr.compact(self.cleaned_data.get("org_number") or "")
        if not number:
            return ""
        validate_org_number(number)
        existing = Organisation.objects.filter(org_number=number)
        if self.instance.pk:
            existing = existing.exclude(pk=self.instance.pk)
        other = existing.first()
        if other is not None:
            raise ValidationError(
                _("Organisation number %(number)s already belongs to %(name)s."),
                code="duplicate",
                params={"number": number, "name": other.name},
            )
        return number


class ProgrammeForm(forms.ModelForm):
    class Meta:
        model = Programme
        fields = ["name", "description", "owners"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "owners": forms.SelectMultiple(attrs={"size": 8}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owners"].queryset = Organisation.objects.exclude(
            kind=Organisation.Kind.VENDOR
        ).order_by("name")


class OptionAgreementForm(forms.ModelForm):
    class Meta:
        model = OptionAgreement
        fields = [
            "organisation",
            "status",
            "offered_on",
            "signed_on",
            "exercised_on",
            "declined_on",
            "note",
        ]
        widgets = {
            "offered_on": DateInput(),
            "signed_on": DateInput(),
            "exercised_on": DateInput(),
            "declined_on": DateInput(),
            "note": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, programme: Programme, **kwargs):
        super().__init__(*args, **kwargs)
        self.programme = programme
        self.instance.programme = programme
        self.fields["organisation"].queryset = Organisation.objects.exclude(
            kind=Organisation.Kind.VENDOR
        ).order_by("name")

    def clean_organisation(self) -> Organisation:
        organisation = self.cleaned_data["organisation"]
        taken = OptionAgreement.objects.filter(
            programme=self.programme, organisation=organisation
        )
        if self.instance.pk:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise ValidationError(
                _("%(name)s already has an option agreement in this programme."),
                code="duplicate",
                params={"name": organisation.name},
            )
        return organisation


class AnnouncementForm(forms.ModelForm):
    class Meta:
        model = Announcement
        fields = ["programme", "title", "published_on", "body"]
        widgets = {
            "published_on": DateInput(),
            "body": forms.Textarea(attrs={"rows": 6}),
        }


class ProcurementForm(ConcurrentEditMixin, forms.ModelForm):
    class Meta:
        model = Procurement
        fields = [
            "programme",
            "reference",
            "title",
            "procedure",
            "phase",
            "description",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_loaded_field()

    def clean(self):
        cleaned = super().clean()
        self.check_not_changed_since_loaded()
        return cleaned

    def clean_reference(self) -> str:
        return self.cleaned_data["reference"].strip().upper()


class KeyDateForm(forms.Form):
    date = forms.DateField(label=_("Date"), required=False, widget=DateInput())
    label = forms.CharField(label=_("Milestone"), max_length=200, required=False)

    def clean(self):
        cleaned = super().clean()
        if bool(cleaned.get("date")) != bool((cleaned.get("label") or "").strip()):
            if not self.has_error("date"):
                raise ValidationError(
                    _("Give both a date and a milestone, or leave both empty."),
                    code="incomplete",
                )
        return cleaned


KeyDateFormSet = forms.formset_factory(KeyDateForm, extra=3, can_delete=True)


# Specification -------------------------------------------------------------------


class SectionForm(forms.ModelForm):
    class Meta:
        model = Section
        fields = ["number", "title", "parent", "prefix", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, procurement: Procurement, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.procurement = procurement
        parents = Section.objects.filter(procurement=procurement).order_by("sort_key")
        if self.instance.pk:
            parents = parents.exclude(pk=self.instance.pk)
        self.fields["parent"].queryset = parents

    def clean_prefix(self) -> str:
        return self.cleaned_data["prefix"].strip().upper()


def _stakeholder_field(label) -> forms.ModelMultipleChoiceField:
    return forms.ModelMultipleChoiceField(
        label=label,
        queryset=Organisation.objects.exclude(kind=Organisation.Kind.VENDOR).order_by(
            "name"
        ),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )


class RequirementForm(PersonalDataGuardMixin, forms.ModelForm):
    """Requirement fields, tags as comma-separated text, stakeholders as one
    list per relation. ``version`` carries the version the user loaded. The
    texts go out to vendors: no personal data in them."""

    personal_data_fields = (
        "title",
        "description",
        "response_instructions",
        "rationale",
    )

    tags_text = forms.CharField(
        label=_("Tags"),
        required=False,
        help_text=_("Separate tags with commas."),
    )
    raised_by = _stakeholder_field(_("Raised by"))
    endorsed_by = _stakeholder_field(_("Endorsed by"))
    owners = _stakeholder_field(_("Owner"))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    RELATION_FIELDS = {
        "raised_by": RequirementStakeholder.Relation.RAISED,
        "endorsed_by": RequirementStakeholder.Relation.ENDORSED,
        "owners": RequirementStakeholder.Relation.OWNER,
    }

    class Meta:
        model = Requirement
        fields = [
            "section",
            "title",
            "description",
            "response_instructions",
            "kind",
            "weight",
            "rationale",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 5}),
            "response_instructions": forms.Textarea(attrs={"rows": 3}),
            "rationale": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, procurement: Procurement, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.procurement = procurement
        self.fields["section"].queryset = Section.objects.filter(
            procurement=procurement
        ).order_by("sort_key")
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
            self.fields["tags_text"].initial = ", ".join(
                tag.name for tag in self.instance.tags.all()
            )
            for field, relation in self.RELATION_FIELDS.items():
                self.fields[field].initial = [
                    link.organisation_id
                    for link in self.instance.stakeholder_links.all()
                    if link.relation == relation
                ]

    def clean_tags_text(self) -> list[str]:
        names = [name.strip() for name in self.cleaned_data["tags_text"].split(",")]
        too_long = [name for name in names if len(name) > 60]
        if too_long:
            raise ValidationError(
                _("A tag has at most 60 characters: %(tag)s"),
                code="tag_too_long",
                params={"tag": too_long[0]},
            )
        return sorted({name for name in names if name})

    def stakeholders(self) -> list[tuple[Organisation, str]]:
        return [
            (organisation, relation)
            for field, relation in self.RELATION_FIELDS.items()
            for organisation in self.cleaned_data.get(field, [])
        ]

    def service_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class RequirementStatusForm(forms.Form):
    status = forms.ChoiceField(choices=Requirement.Status.choices)
    version = forms.IntegerField(widget=forms.HiddenInput)


class BulkActionForm(forms.Form):
    ACTIONS = [
        ("set_status", _("Set status")),
        ("move", _("Move to section")),
        ("add_tag", _("Add tag")),
    ]
    selected = forms.ModelMultipleChoiceField(
        queryset=Requirement.objects.none(),
        error_messages={"required": _("Select at least one requirement.")},
    )
    action = forms.ChoiceField(label=_("Action"), choices=ACTIONS)
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", "—"), *Requirement.Status.choices],
        required=False,
    )
    section = forms.ModelChoiceField(
        label=_("Section"), queryset=Section.objects.none(), required=False
    )
    tag = forms.CharField(label=_("Tag"), max_length=60, required=False)

    def __init__(self, *args, procurement: Procurement, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["selected"].queryset = Requirement.objects.filter(
            procurement=procurement
        ).prefetch_related("tags")
        self.fields["section"].queryset = Section.objects.filter(
            procurement=procurement
        ).order_by("sort_key")

    def clean(self):
        cleaned = super().clean()
        action = cleaned.get("action")
        needed = {"set_status": "status", "move": "section", "add_tag": "tag"}.get(
            action
        )
        if needed and not cleaned.get(needed):
            self.add_error(
                needed,
                ValidationError(
                    _("Choose what to set for this action."), code="value_required"
                ),
            )
        return cleaned


class BaselineForm(forms.ModelForm):
    class Meta:
        model = Baseline
        fields = ["label", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, procurement: Procurement, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.procurement = procurement

    def clean_label(self) -> str:
        label = self.cleaned_data["label"].strip()
        if Baseline.objects.filter(
            procurement=self.instance.procurement, label=label
        ).exists():
            raise ValidationError(
                _("A baseline called %(label)s already exists."),
                code="duplicate",
                params={"label": label},
            )
        return label


class PageFeedbackForm(PersonalDataGuardMixin, forms.Form):
    """The small "Did you find what you were looking for?" box."""

    personal_data_fields = ("comment",)

    path = forms.CharField(widget=forms.HiddenInput, max_length=2000)
    found = forms.TypedChoiceField(
        label=_("Did you find what you were looking for?"),
        choices=[("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        max_length=2000,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Your comment will not be answered. Do not write personal data: "
            "names, national identity numbers, e-mail addresses or phone numbers."
        ),
    )
