"""Forms for live capture of inputs and the workshop notes import."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from procurement.documents.xlsx import XLSX_CONTENT_TYPE
from procurement.models import Organisation
from procurement.personal_data import PersonalDataGuardMixin
from workshops.models import Input, Participant, Workshop
from workshops.selectors.workshops import OrganisationLookup, top_level_sections


class OrganisationsField(forms.ModelMultipleChoiceField):
    """Organisations by id; one that does not exist is "unknown_organisation"."""

    def _check_values(self, value):
        try:
            return super()._check_values(value)
        except ValidationError as error:
            if error.code != "invalid_choice":
                raise
            raise ValidationError(
                _("There is no organisation %(value)s; choose one from the list."),
                code="unknown_organisation",
                params=error.params,
            ) from error


class ParticipantsField(forms.ModelMultipleChoiceField):
    """Participants by id; one not registered for the workshop is
    "unknown_participant"."""

    def _check_values(self, value):
        try:
            return super()._check_values(value)
        except ValidationError as error:
            if error.code != "invalid_choice":
                raise
            raise ValidationError(
                _("Participant %(value)s is not registered for this workshop."),
                code="unknown_participant",
                params=error.params,
            ) from error


class InputCaptureForm(PersonalDataGuardMixin, forms.Form):
    personal_data_fields = ("text",)

    text = forms.CharField(
        label=_("Input"),
        strip=False,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "autofocus": True}),
    )
    kind = forms.ChoiceField(
        label=_("Kind"), choices=Input.Kind.choices, initial=Input.Kind.NEED
    )
    area = forms.ModelChoiceField(
        label=_("Area"), queryset=None, required=False, empty_label=_("(none)")
    )
    organisations = OrganisationsField(
        label=_("Raised by organisations"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    more_organisations = forms.CharField(
        label=_("Other organisations"),
        required=False,
        max_length=2000,
        help_text=_("Names or organisation numbers, separated by ;"),
        widget=forms.TextInput(
            attrs={"list": "organisation-names", "autocomplete": "off"}
        ),
    )
    participants = ParticipantsField(
        label=_("Raised by participants"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    client_token = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, workshop: Workshop, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("area", workshop.area_id)
        super().__init__(*args, **kwargs)
        self.workshop = workshop
        self.fields["area"].queryset = top_level_sections(workshop.procurement)
        attendees = Participant.objects.filter(attendances__workshop=workshop)
        participants = self.fields["participants"]
        participants.queryset = attendees.select_related("organisation").order_by(
            "organisation__name", "name"
        )
        participants.label_from_instance = lambda p: p.name
        organisations = self.fields["organisations"]
        organisations.queryset = Organisation.objects.exclude(
            kind=Organisation.Kind.VENDOR
        ).order_by("name")
        # Quick-pick: only the organisations taking part are offered as boxes;
        # others are typed into "Other organisations".
        taking_part = (
            Organisation.objects.filter(participants__attendances__workshop=workshop)
            .distinct()
            .order_by("name")
        )
        organisations.widget.choices = [(o.pk, o.name) for o in taking_part]

    def clean_text(self) -> str:
        text = self.cleaned_data["text"] or ""
        if not text.strip():
            raise ValidationError(
                _("Write the input before you add it."), code="empty_text"
            )
        return text

    def clean_more_organisations(self) -> list[Organisation]:
        text = self.cleaned_data["more_organisations"] or ""
        names = [part.strip() for part in text.split(";") if part.strip()]
        if not names:
            return []
        lookup = OrganisationLookup()
        found, errors = [], []
        for name in names:
            organisation, problem = lookup.find(name)
            if organisation is not None:
                found.append(organisation)
            elif problem == "ambiguous_organisation":
                errors.append(
                    ValidationError(
                        _(
                            "More than one organisation is called «%(name)s»; "
                            "use its organisation number."
                        ),
                        code=problem,
                        params={"name": name},
                    )
                )
            else:
                errors.append(
                    ValidationError(
                        _("No organisation is called «%(name)s»."),
                        code="unknown_organisation",
                        params={"name": name},
                    )
                )
        if errors:
            raise ValidationError(errors)
        return found

    def all_organisations(self) -> list[Organisation]:
        chosen = list(self.cleaned_data.get("organisations") or [])
        for organisation in self.cleaned_data.get("more_organisations") or []:
            if organisation not in chosen:
                chosen.append(organisation)
        return chosen


class NotesImportForm(forms.Form):
    file = forms.FileField(
        label=_("Workbook (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": f".xlsx,{XLSX_CONTENT_TYPE}"}),
        help_text=_("Start from this workshop's template, so the columns are right."),
    )
