"""Forms for workshops, participants and attendance: they validate and
normalise; the services write."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from procurement.documents.xlsx import XLSX_CONTENT_TYPE
from procurement.models import Organisation, Procurement
from procurement.personal_data import PersonalDataGuardMixin
from workshops.models import Attendance, Participant, Workshop
from workshops.selectors.workshops import participants_of, top_level_sections
from workshops.services.workshops import duplicate_participant

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format=DATETIME_FORMAT)


def organisation_choices():
    return Organisation.objects.exclude(kind=Organisation.Kind.VENDOR).order_by("name")


class WorkshopForm(PersonalDataGuardMixin, forms.Form):
    # The facilitator is named, but no e-mail address or phone number.
    personal_data_fields = ("title", "location", "facilitator", "summary")

    title = forms.CharField(label=_("Title"), max_length=200)
    area = forms.ModelChoiceField(
        label=_("Area"),
        queryset=None,
        required=False,
        empty_label=_("(none)"),
        help_text=_("The top-level section of the specification it works on."),
    )
    starts_at = forms.DateTimeField(
        label=_("Starts"), widget=DateTimeInput, input_formats=[DATETIME_FORMAT]
    )
    ends_at = forms.DateTimeField(
        label=_("Ends"), widget=DateTimeInput, input_formats=[DATETIME_FORMAT]
    )
    location = forms.CharField(label=_("Where"), max_length=200, required=False)
    facilitator = forms.CharField(
        label=_("Facilitator"), max_length=200, required=False
    )
    status = forms.ChoiceField(label=_("Status"), choices=Workshop.Status.choices)
    summary = forms.CharField(
        label=_("Summary"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "No personal data: no identity numbers, e-mail addresses or phone numbers."
        ),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        *args,
        procurement: Procurement,
        workshop: Workshop | None = None,
        **kwargs,
    ):
        if workshop is not None:
            kwargs.setdefault(
                "initial",
                {
                    "title": workshop.title,
                    "area": workshop.area_id,
                    "starts_at": workshop.starts_at,
                    "ends_at": workshop.ends_at,
                    "location": workshop.location,
                    "facilitator": workshop.facilitator,
                    "status": workshop.status,
                    "summary": workshop.summary,
                    "version": workshop.version,
                },
            )
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = top_level_sections(procurement)

    def clean(self):
        cleaned = super().clean()
        starts, ends = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts and ends and ends < starts:
            self.add_error(
                "ends_at",
                ValidationError(
                    _(
                        "The workshop ends before it starts; choose an end after "
                        "the start."
                    ),
                    code="ends_before_start",
                ),
            )
        return cleaned

    def service_fields(self) -> dict:
        return {
            name: self.cleaned_data[name] for name in self.fields if name != "version"
        }


class ParticipantForm(PersonalDataGuardMixin, forms.Form):
    """Name, profession, organisation and user representative: no more
    personal data than that (no e-mail address or phone number in the name)."""

    personal_data_fields = ("name",)
    name = forms.CharField(label=_("Name"), max_length=200)
    profession = forms.ChoiceField(
        label=_("Profession / role"), choices=Participant.Profession.choices
    )
    organisation = forms.ModelChoiceField(label=_("Organisation"), queryset=None)
    user_representative = forms.BooleanField(
        label=_("User representative"), required=False
    )

    def __init__(
        self,
        *args,
        procurement: Procurement,
        participant: Participant | None = None,
        **kwargs,
    ):
        if participant is not None:
            kwargs.setdefault(
                "initial",
                {
                    "name": participant.name,
                    "profession": participant.profession,
                    "organisation": participant.organisation_id,
                    "user_representative": participant.user_representative,
                },
            )
        super().__init__(*args, **kwargs)
        self.procurement = procurement
        self.participant = participant
        self.fields["organisation"].queryset = organisation_choices()

    def clean_name(self) -> str:
        return " ".join(self.cleaned_data["name"].split())

    def clean(self):
        cleaned = super().clean()
        name, organisation = cleaned.get("name"), cleaned.get("organisation")
        if name and organisation:
            duplicate = duplicate_participant(
                self.procurement,
                name,
                organisation,
                exclude_pk=self.participant.pk if self.participant else None,
            )
            if duplicate is not None:
                self.add_error(None, duplicate)
        return cleaned


class AttendanceAddForm(forms.Form):
    participants = forms.ModelMultipleChoiceField(
        label=_("Participants"),
        queryset=None,
        widget=forms.SelectMultiple(attrs={"size": 12}),
        help_text=_("Hold Ctrl (or ⌘) to choose several."),
    )
    attended = forms.BooleanField(label=_("Attended"), required=False, initial=True)

    def __init__(self, *args, workshop: Workshop, search: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.workshop = workshop
        choices = participants_of(workshop.procurement).order_by(
            "organisation__name", "name"
        )
        if search and not self.is_bound:
            choices = choices.filter(name__icontains=search) | choices.filter(
                organisation__name__icontains=search
            )
        field = self.fields["participants"]
        field.queryset = choices
        field.label_from_instance = lambda p: f"{p.name} – {p.organisation.name}"

    def clean_participants(self):
        chosen = list(self.cleaned_data["participants"])
        registered = set(
            Attendance.objects.filter(
                workshop=self.workshop, participant__in=chosen
            ).values_list("participant_id", flat=True)
        )
        twice = [p for p in chosen if p.pk in registered]
        if twice:
            raise ValidationError(
                [
                    ValidationError(
                        _(
                            "%(name)s (%(organisation)s) is already registered for "
                            "this workshop."
                        ),
                        code="already_attending",
                        params={"name": p.name, "organisation": p.organisation.name},
                    )
                    for p in twice
                ]
            )
        return chosen


class ParticipantImportForm(forms.Form):
    file = forms.FileField(
        label=_("Workbook (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": f".xlsx,{XLSX_CONTENT_TYPE}"}),
        help_text=_("Start from the template, so the columns are right."),
    )
    workshop = forms.ModelChoiceField(
        label=_("Also register them for this workshop"),
        queryset=None,
        required=False,
        empty_label=_("(no workshop)"),
    )

    def __init__(self, *args, procurement: Procurement, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["workshop"].queryset = Workshop.objects.filter(
            procurement=procurement
        ).order_by("-starts_at")
