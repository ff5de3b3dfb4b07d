"""Writes to workshops, participants and attendance.

Each service validates before it saves and writes the event row in the same
transaction, so a refusal leaves nothing half-saved."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from procurement.models import Organisation, Procurement, Section
from procurement.personal_data import validate_no_personal_data
from procurement.services.core import event_record
from workshops.models import Attendance, Participant, Workshop

WORKSHOP_FIELDS = (
    "title",
    "area",
    "starts_at",
    "ends_at",
    "location",
    "facilitator",
    "status",
    "summary",
)
PARTICIPANT_FIELDS = ("name", "profession", "organisation", "user_representative")


class ConcurrentEditError(Exception):
    """Someone else saved the workshop after the user loaded it."""

    def __init__(self, workshop: Workshop):
        super().__init__(f"workshop {workshop.pk} was changed by someone else")
        self.workshop = workshop


def _user(by: AbstractBaseUser | None) -> AbstractBaseUser | None:
    return by if by is not None and by.is_authenticated else None


def _check_area(procurement: Procurement, area: Section | None) -> None:
    if area is None:
        return
    if area.procurement_id != procurement.pk or area.parent_id is not None:
        raise ValidationError(
            {
                "area": ValidationError(
                    _("Choose a top-level section of this specification."),
                    code="invalid_area",
                )
            }
        )


#: Free text of a workshop that is checked for personal data.
WORKSHOP_TEXTS = ("title", "location", "facilitator", "summary")


def _check_texts(**texts: str) -> None:
    """No personal data in any of ``texts`` (field name → text); every field
    with some gets its own error."""
    errors = {}
    for name, text in texts.items():
        try:
            validate_no_personal_data(text)
        except ValidationError as error:
            errors[name] = error.error_list
    if errors:
        raise ValidationError(errors)


def _display(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "pk"):
        return str(value)
    return value


# Workshops --------------------------------------------------------------------


@transaction.atomic
def workshop_create(
    *,
    procurement: Procurement,
    by: AbstractBaseUser | None,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    area: Section | None = None,
    location: str = "",
    facilitator: str = "",
    status: str = Workshop.Status.PLANNED,
    summary: str = "",
) -> Workshop:
    """Create a validated workshop (it cannot end before it starts; its area
    is a top-level section here; no personal data in its texts) and log it."""
    _check_area(procurement, area)
    _check_texts(
        title=title, location=location, facilitator=facilitator, summary=summary
    )
    workshop = Workshop(
        procurement=procurement,
        title=title,
        area=area,
        starts_at=starts_at,
        ends_at=ends_at,
        location=location,
        facilitator=facilitator,
        status=status,
        summary=summary,
        created_by=_user(by),
    )
    workshop.full_clean()
    workshop.save()
    event_record(
        action="workshop.created", by=by, obj=workshop, procurement=procurement
    )
    return workshop


@transaction.atomic
def workshop_update(
    *,
    workshop: Workshop,
    by: AbstractBaseUser | None,
    expected_version: int | None,
    **fields: Any,
) -> Workshop:
    """Change a workshop. Raises ConcurrentEditError (and changes nothing)
    when someone else saved it after ``expected_version`` was loaded."""
    unknown = set(fields) - set(WORKSHOP_FIELDS)
    if unknown:
        raise TypeError(f"unknown workshop fields: {', '.join(sorted(unknown))}")
    current = Workshop.objects.select_for_update().get(pk=workshop.pk)
    if expected_version is not None and current.version != expected_version:
        raise ConcurrentEditError(current)
    if "area" in fields:
        _check_area(current.procurement, fields["area"])
    _check_texts(**{name: fields[name] for name in WORKSHOP_TEXTS if name in fields})
    changes = {}
    for name, value in fields.items():
        old = getattr(current, name)
        if old != value:
            changes[name] = [_display(old), _display(value)]
        setattr(current, name, value)
    if not changes:
        return current
    current.version += 1
    current.full_clean()
    current.save()
    event_record(
        action="workshop.changed",
        by=by,
        obj=current,
        procurement=current.procurement,
        data={"changes": changes},
    )
    return current


# Participants -----------------------------------------------------------------


def duplicate_participant(
    procurement: Procurement,
    name: str,
    organisation: Organisation,
    exclude_pk: int | None = None,
) -> ValidationError | None:
    """The error for a name already registered from that organisation (any
    case), or None."""
    # "ANNE EIDE" is the same person as "Anne Eide" (the import matches
    # names the same way).
    existing = Participant.objects.filter(
        procurement=procurement, name__iexact=name, organisation=organisation
    )
    if exclude_pk is not None:
        existing = existing.exclude(pk=exclude_pk)
    if not existing.exists():
        return None
    return ValidationError(
        {
            "name": ValidationError(
                _("%(name)s from %(organisation)s is already registered."),
                code="duplicate_participant",
                params={"name": name, "organisation": organisation.name},
            )
        }
    )


@transaction.atomic
def participant_create(
    *,
    procurement: Procurement,
    by: AbstractBaseUser | None,
    name: str,
    profession: str,
    organisation: Organisation,
    user_representative: bool = False,
) -> Participant:
    """Register a participant: name, profession/role, organisation and whether
    they represent users, nothing more. One name per organisation."""
    name = " ".join(name.split())
    _check_texts(name=name)
    duplicate = duplicate_participant(procurement, name, organisation)
    if duplicate is not None:
        raise duplicate
    participant = Participant(
        procurement=procurement,
        name=name,
        profession=profession,
        organisation=organisation,
        user_representative=user_representative,
    )
    participant.full_clean()
    participant.save()
    return participant


@transaction.atomic
def participant_update(
    *, participant: Participant, by: AbstractBaseUser | None, **fields: Any
) -> Participant:
    """Change a participant's name, profession/role, organisation or user
    representative flag; one name per organisation still holds."""
    unknown = set(fields) - set(PARTICIPANT_FIELDS)
    if unknown:
        raise TypeError(f"unknown participant fields: {', '.join(sorted(unknown))}")
    current = Participant.objects.select_for_update().get(pk=participant.pk)
    if "name" in fields:
        fields["name"] = " ".join(fields["name"].split())
        _check_texts(name=fields["name"])
    for name, value in fields.items():
        setattr(current, name, value)
    duplicate = duplicate_participant(
        current.procurement, current.name, current.organisation, exclude_pk=current.pk
    )
    if duplicate is not None:
        raise duplicate
    current.full_clean()
    current.save()
    return current


# Attendance -------------------------------------------------------------------


@transaction.atomic
def attendance_add(
    *,
    workshop: Workshop,
    participants: Sequence[Participant],
    by: AbstractBaseUser | None,
    attended: bool = True,
) -> list[Attendance]:
    """Register participants for a workshop, all or none: someone already
    registered, or from another procurement, refuses the whole list with a
    message naming them."""
    participants = list({p.pk: p for p in participants}.values())
    foreign = [p for p in participants if p.procurement_id != workshop.procurement_id]
    if foreign:
        raise ValidationError(
            _("%(names)s do not take part in this procurement."),
            code="unknown_participant",
            params={"names": ", ".join(p.name for p in foreign)},
        )
    already = set(
        Attendance.objects.filter(
            workshop=workshop, participant__in=participants
        ).values_list("participant_id", flat=True)
    )
    twice = [p for p in participants if p.pk in already]
    if twice:
        raise ValidationError(
            [
                ValidationError(
                    _(
                        "%(name)s (%(organisation)s) is already registered for this "
                        "workshop."
                    ),
                    code="already_attending",
                    params={
                        "name": p.name,
                        "organisation": p.organisation.name,
                    },
                )
                for p in twice
            ]
        )
    attendances = [
        Attendance(workshop=workshop, participant=p, attended=attended)
        for p in participants
    ]
    for attendance in attendances:
        attendance.full_clean(validate_constraints=False)
    Attendance.objects.bulk_create(attendances)
    if attendances:
        event_record(
            action="workshop.changed",
            by=by,
            obj=workshop,
            procurement=workshop.procurement,
            data={"attendance_added": [str(p) for p in participants]},
        )
    return attendances


@transaction.atomic
def attendance_set(
    *,
    workshop: Workshop,
    participant: Participant,
    attended: bool,
    by: AbstractBaseUser | None,
) -> Attendance:
    """Mark a registered participant as attended or absent."""
    attendance = Attendance.objects.select_for_update().get(
        workshop=workshop, participant=participant
    )
    if attendance.attended != attended:
        attendance.attended = attended
        attendance.save(update_fields=["attended"])
        event_record(
            action="workshop.changed",
            by=by,
            obj=workshop,
            procurement=workshop.procurement,
            data={"attended" if attended else "absent": str(participant)},
        )
    return attendance


@transaction.atomic
def attendance_remove(
    *, workshop: Workshop, participant: Participant, by: AbstractBaseUser | None
) -> None:
    """Take a participant off a workshop. Refused while inputs of the workshop
    name them as raised by: mark them absent instead, so the trace stays."""
    if workshop.inputs.filter(raised_by_participants=participant).exists():
        raise ValidationError(
            _(
                "%(name)s raised inputs in this workshop and cannot be removed; "
                "mark them as absent instead."
            ),
            code="raised_inputs",
            params={"name": participant.name},
        )
    deleted, _counts = Attendance.objects.filter(
        workshop=workshop, participant=participant
    ).delete()
    if deleted:
        event_record(
            action="workshop.changed",
            by=by,
            obj=workshop,
            procurement=workshop.procurement,
            data={"attendance_removed": str(participant)},
        )


# Import -----------------------------------------------------------------------


@dataclass(frozen=True)
class ParticipantRow:
    """One checked row of a participant import."""

    row: int
    name: str
    profession: str
    organisation: Organisation
    user_representative: bool
    existing: Participant | None = None

    @property
    def profession_label(self) -> str:
        return str(Participant.Profession(self.profession).label)


@dataclass(frozen=True)
class ParticipantImportResult:
    created: list[Participant]
    updated: list[Participant]
    registered: list[Attendance]


@transaction.atomic
def participants_import(
    *,
    procurement: Procurement,
    rows: Iterable[ParticipantRow],
    by: AbstractBaseUser | None,
    workshop: Workshop | None = None,
    file_name: str = "",
) -> ParticipantImportResult:
    """Create the new participants and update the existing ones from checked
    rows, all or nothing; with ``workshop``, register every row's participant
    for it (those already registered stay as they are)."""
    created: list[Participant] = []
    updated: list[Participant] = []
    everyone: list[Participant] = []
    for row in rows:
        if row.existing is None:
            participant = participant_create(
                procurement=procurement,
                by=by,
                name=row.name,
                profession=row.profession,
                organisation=row.organisation,
                user_representative=row.user_representative,
            )
            created.append(participant)
        else:
            participant = row.existing
            if (participant.profession, participant.user_representative) != (
                row.profession,
                row.user_representative,
            ):
                participant = participant_update(
                    participant=participant,
                    by=by,
                    profession=row.profession,
                    user_representative=row.user_representative,
                )
                updated.append(participant)
        everyone.append(participant)
    registered: list[Attendance] = []
    if workshop is not None:
        if workshop.procurement_id != procurement.pk:
            raise ValidationError(
                _("The workshop belongs to another procurement."),
                code="invalid_workshop",
            )
        already = set(workshop.attendances.values_list("participant_id", flat=True))
        newcomers = []
        for participant in everyone:
            if participant.pk not in already:
                newcomers.append(participant)
                already.add(participant.pk)
        registered = Attendance.objects.bulk_create(
            [Attendance(workshop=workshop, participant=p) for p in newcomers]
        )
    event_record(
        action="participants.imported",
        by=by,
        obj=workshop,
        procurement=procurement,
        data={
            "file": file_name,
            "created": len(created),
            "updated": len(updated),
            "registered": len(registered),
            "workshop": workshop.pk if workshop is not None else None,
        },
    )
    return ParticipantImportResult(
        created=created, updated=updated, registered=registered
    )
