"""Writes for capturing input (innspill) during a workshop and importing a
workshop's notes."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from procurement.models import Organisation, Section
from procurement.personal_data import validate_no_personal_data
from procurement.services.core import event_record
from workshops.models import Input, Participant, Workshop


def _user(by: AbstractBaseUser | None) -> AbstractBaseUser | None:
    return by if by is not None and by.is_authenticated else None


def clean_input_text(text: str) -> str:
    """The text as stored: no NUL characters (PostgreSQL cannot hold them),
    no blank lines or spaces around it."""
    return (text or "").replace("\x00", "").strip()


def _token(value: uuid.UUID | str | None) -> uuid.UUID | None:
    if value in (None, ""):
        return None
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError as exc:
        raise ValidationError(
            _("The capture page sent a malformed token; reload the page."),
            code="invalid_token",
        ) from exc


def check_input(
    *,
    workshop: Workshop,
    text: str,
    area: Section | None,
    participants: Sequence[Participant],
) -> dict[str, list[ValidationError]]:
    """The problems an input would be refused for, by field; empty when none.
    Shared by the capture service and the notes import's preview."""
    errors: dict[str, list[ValidationError]] = {}
    if not clean_input_text(text):
        errors["text"] = [
            ValidationError(_("Write the input before you add it."), code="empty_text")
        ]
    else:
        try:
            validate_no_personal_data(text)
        except ValidationError as error:
            errors["text"] = error.error_list
    if area is not None and area.procurement_id != workshop.procurement_id:
        errors["area"] = [
            ValidationError(
                _("Choose a section of this specification."), code="invalid_area"
            )
        ]
    registered = set(workshop.attendances.values_list("participant_id", flat=True))
    strangers = [p for p in participants if p.pk not in registered]
    if strangers:
        errors["participants"] = [
            ValidationError(
                _("%(names)s are not registered for this workshop."),
                code="unknown_participant",
                params={"names": ", ".join(p.name for p in strangers)},
            )
        ]
    return errors


@transaction.atomic
def input_capture(
    *,
    workshop: Workshop,
    text: str,
    kind: str,
    area: Section | None = None,
    organisations: Iterable[Organisation] = (),
    participants: Iterable[Participant] = (),
    client_token: uuid.UUID | str | None = None,
    by: AbstractBaseUser | None,
) -> Input:
    """Add one input to a workshop with the next number.

    Idempotent by ``client_token``: sending the same token again (a capture
    page resending after a dropped connection) returns the input already
    made and changes nothing. The raising participants' organisations count
    as raising organisations too. Refuses empty text, personal data,
    participants not registered for the workshop and areas of another
    specification with a ValidationError by field; nothing is saved then."""
    token = _token(client_token)
    # Locks the workshop row (where the database can) so that two captures
    # at once neither take the same number nor create one token twice.
    locked = Workshop.objects.select_for_update().get(pk=workshop.pk)
    if token is not None:
        existing = Input.objects.filter(client_token=token).first()
        if existing is not None:
            if existing.workshop_id != locked.pk:
                raise ValidationError(
                    _("The capture page sent a token already used elsewhere."),
                    code="token_in_use",
                )
            return existing
    participants = list(participants)
    errors = check_input(
        workshop=locked, text=text, area=area, participants=participants
    )
    if errors:
        raise ValidationError(errors)
    raising = {organisation.pk: organisation for organisation in organisations}
    for participant in participants:
        raising.setdefault(participant.organisation_id, participant.organisation)
    last = locked.inputs.aggregate(last=Max("number"))["last"] or 0
    captured = Input(
        workshop=locked,
        number=last + 1,
        text=clean_input_text(text),
        kind=kind,
        area=area,
        created_by=_user(by),
    )
    if token is not None:
        captured.client_token = token
    captured.full_clean(validate_unique=False, validate_constraints=False)
    captured._history_user = _user(by)
    captured.save()
    if raising:
        captured.raised_by_organisations.set(list(raising.values()))
    if participants:
        captured.raised_by_participants.set(participants)
    return captured


@dataclass
class NoteRow:
    """One checked row of a notes import."""

    row: int
    text: str
    kind: str
    area: Section | None = None
    organisations: list[Organisation] = field(default_factory=list)
    participants: list[Participant] = field(default_factory=list)

    @property
    def kind_label(self) -> str:
        return str(Input.Kind(self.kind).label)


@transaction.atomic
def inputs_import(
    *,
    workshop: Workshop,
    rows: Iterable[NoteRow],
    by: AbstractBaseUser | None,
    file_name: str = "",
) -> list[Input]:
    """Add every row as an input of the workshop, numbered in row order, all
    or nothing (any refused row undoes the rest)."""
    created = [
        input_capture(
            workshop=workshop,
            text=row.text,
            kind=row.kind,
            area=row.area,
            organisations=row.organisations,
            participants=row.participants,
            by=by,
        )
        for row in rows
    ]
    event_record(
        action="inputs.imported",
        by=by,
        obj=workshop,
        procurement=workshop.procurement,
        data={
            "file": file_name,
            "created": len(created),
            "numbers": [created[0].number, created[-1].number] if created else [],
        },
    )
    return created
