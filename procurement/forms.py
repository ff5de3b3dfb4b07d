"""Forms validate and normalise only; the services do the writing."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.no import orgnr

from procurement.models import (
    Announcement,
    OptionAgreement,
    Organisation,
    Procurement,
    Programme,
    validate_org_number,
)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class OrganisationForm(forms.ModelForm):
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


class ProcurementForm(forms.ModelForm):
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
