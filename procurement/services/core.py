"""All writes to the core domain. Views, commands and the demo loader call these.

Each service validates with ``full_clean()`` before saving and writes its event
row in the same transaction, so a failure leaves nothing half-saved.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import models, transaction

from procurement.models import (
    Announcement,
    Event,
    KeyDate,
    Membership,
    OptionAgreement,
    Organisation,
    Procurement,
    Programme,
)


def _json_value(value: Any) -> Any:
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def event_record(
    *,
    action: str,
    by: AbstractBaseUser | None,
    obj: models.Model | None = None,
    procurement: Procurement | None = None,
    data: Mapping[str, Any] | None = None,
) -> Event:
    """Write one event row. Call it inside the transaction of the change."""
    return Event.objects.create(
        action=action,
        actor=by if by is not None and by.is_authenticated else None,
        procurement=procurement,
        object_repr=str(obj)[:300] if obj is not None else "",
        data={key: _json_value(value) for key, value in (data or {}).items()},
    )


def _changes(instance: models.Model, fields: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Field name → [old, new] for the fields that would change."""
    changed = {}
    for name, new in fields.items():
        old = getattr(instance, name)
        if old != new:
            changed[name] = [_json_value(old), _json_value(new)]
    return changed


def _apply(instance: models.Model, fields: Mapping[str, Any]) -> None:
    for name, value in fields.items():
        setattr(instance, name, value)
    instance.full_clean()
    instance.save()


@transaction.atomic
def organisation_create(*, by: AbstractBaseUser | None, **fields: Any) -> Organisation:
    """Create a validated organisation (organisation number checked) and log it."""
    organisation = Organisation()
    _apply(organisation, fields)
    event_record(action="organisation.created", by=by, obj=organisation)
    return organisation


@transaction.atomic
def organisation_update(
    *, organisation: Organisation, by: AbstractBaseUser | None, **fields: Any
) -> Organisation:
    """Change an organisation; the event lists each changed field, old and new."""
    changes = _changes(organisation, fields)
    _apply(organisation, fields)
    if changes:
        event_record(
            action="organisation.changed", by=by, obj=organisation, data=changes
        )
    return organisation


@transaction.atomic
def programme_create(
    *,
    by: AbstractBaseUser | None,
    name: str,
    description: str = "",
    owners: Iterable[Organisation] = (),
) -> Programme:
    programme = Programme()
    _apply(programme, {"name": name, "description": description})
    programme.owners.set(owners)
    event_record(action="programme.created", by=by, obj=programme)
    return programme


@transaction.atomic
def programme_update(
    *,
    programme: Programme,
    by: AbstractBaseUser | None,
    owners: Iterable[Organisation] | None = None,
    **fields: Any,
) -> Programme:
    changes = _changes(programme, fields)
    _apply(programme, fields)
    if owners is not None:
        old = sorted(str(o) for o in programme.owners.all())
        programme.owners.set(owners)
        new = sorted(str(o) for o in programme.owners.all())
        if old != new:
            changes["owners"] = [old, new]
    if changes:
        event_record(action="programme.changed", by=by, obj=programme, data=changes)
    return programme


@transaction.atomic
def option_agreement_save(
    *,
    by: AbstractBaseUser | None,
    agreement: OptionAgreement | None = None,
    **fields: Any,
) -> OptionAgreement:
    """Create an option agreement, or change one; a status change is an event."""
    created = agreement is None
    agreement = agreement or OptionAgreement()
    changes = {} if created else _changes(agreement, fields)
    _apply(agreement, fields)
    if created:
        event_record(
            action="option.created",
            by=by,
            obj=agreement,
            data={"status": agreement.status},
        )
    elif changes:
        event_record(action="option.changed", by=by, obj=agreement, data=changes)
    return agreement


@transaction.atomic
def announcement_save(
    *,
    by: AbstractBaseUser | None,
    announcement: Announcement | None = None,
    **fields: Any,
) -> Announcement:
    created = announcement is None
    if created:
        announcement = Announcement(
            created_by=by if by and by.is_authenticated else None
        )
    changes = {} if created else _changes(announcement, fields)
    _apply(announcement, fields)
    if created or changes:
        event_record(
            action="announcement.published" if created else "announcement.changed",
            by=by,
            obj=announcement,
            data=changes,
        )
    return announcement


@transaction.atomic
def procurement_save(
    *,
    by: AbstractBaseUser | None,
    procurement: Procurement | None = None,
    key_dates: Iterable[tuple[date, str]] | None = None,
    **fields: Any,
) -> Procurement:
    """Create or change a procurement. ``key_dates``, when given, replaces the
    timeline. A phase change is recorded as its own event."""
    created = procurement is None
    procurement = procurement or Procurement()
    changes = {} if created else _changes(procurement, fields)
    _apply(procurement, fields)
    if key_dates is not None:
        wanted = sorted(
            (d, label.strip()) for d, label in key_dates if d and label.strip()
        )
        current = sorted(procurement.key_dates.values_list("date", "label"))
        if wanted != current:
            procurement.key_dates.all().delete()
            for when, label in wanted:
                key_date = KeyDate(procurement=procurement, date=when, label=label)
                key_date.full_clean()
                key_date.save()
            if not created:
                changes["key_dates"] = [
                    [f"{d.isoformat()} {label}" for d, label in current],
                    [f"{d.isoformat()} {label}" for d, label in wanted],
                ]
    if created:
        event_record(
            action="procurement.created",
            by=by,
            obj=procurement,
            procurement=procurement,
        )
    else:
        if "phase" in changes:
            event_record(
                action="procurement.phase_changed",
                by=by,
                obj=procurement,
                procurement=procurement,
                data={"phase": changes.pop("phase")},
            )
        if changes:
            event_record(
                action="procurement.changed",
                by=by,
                obj=procurement,
                procurement=procurement,
                data=changes,
            )
    return procurement


@transaction.atomic
def membership_grant(
    *,
    by: AbstractBaseUser | None,
    user: AbstractBaseUser,
    procurement: Procurement,
    role: str,
) -> Membership:
    """Give a user a role in a procurement (idempotent)."""
    membership = Membership.objects.filter(
        user=user, procurement=procurement, role=role
    ).first()
    if membership:
        return membership
    membership = Membership(user=user, procurement=procurement, role=role)
    membership.full_clean()
    membership.save()
    event_record(
        action="membership.granted",
        by=by,
        obj=membership,
        procurement=procurement,
        data={"user": user.get_username(), "role": role},
    )
    return membership
