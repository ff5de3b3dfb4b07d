"""Writes to the requirement specification.

Every change to a requirement goes through ``Requirement.save()`` here, so
django-simple-history records who changed what and when (bulk changes too),
and the version counter detects concurrent edits."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from procurement.models import (
    Baseline,
    BaselineRequirement,
    KeySequence,
    Organisation,
    Procurement,
    Requirement,
    RequirementLink,
    RequirementStakeholder,
    Section,
    Tag,
)
from procurement.models.specification import build_snapshot, snapshot_hash
from procurement.services.core import event_record

Status = Requirement.Status

# Which status may follow which; withdrawn requirements can be revived as drafts.
TRANSITIONS: dict[str, set[str]] = {
    Status.DRAFT: {Status.IN_REVIEW, Status.WITHDRAWN},
    Status.IN_REVIEW: {Status.DRAFT, Status.APPROVED, Status.WITHDRAWN},
    Status.APPROVED: {Status.IN_REVIEW, Status.WITHDRAWN},
    Status.WITHDRAWN: {Status.DRAFT},
}

GENERATED_KEY_RE = re.compile(
    r"^(?P<prefix>[A-ZÆØÅ][A-ZÆØÅ0-9]{0,11})-(?P<number>\d{1,9})$"
)

Stakeholders = Iterable[tuple[Organisation, str]]


class ConcurrentEditError(Exception):
    """Someone else saved the requirement after the user loaded it."""

    def __init__(self, requirement: Requirement):
        super().__init__(f"{requirement.key} was changed by someone else")
        self.requirement = requirement


def _user(by: AbstractBaseUser | None) -> AbstractBaseUser | None:
    return by if by is not None and by.is_authenticated else None


# Sections ---------------------------------------------------------------------


@transaction.atomic
def section_save(
    *,
    by: AbstractBaseUser | None,
    procurement: Procurement,
    section: Section | None = None,
    **fields: Any,
) -> Section:
    """Create or change a section of the specification."""
    created = section is None
    section = section or Section(procurement=procurement)
    for name, value in fields.items():
        setattr(section, name, value)
    section.full_clean()
    section.save()
    event_record(
        action="section.created" if created else "section.changed",
        by=by,
        obj=section,
        procurement=procurement,
    )
    return section


# Keys -------------------------------------------------------------------------


def next_key(procurement: Procurement, prefix: str) -> str:
    """The next unused key for ``prefix``; call inside a transaction."""
    sequence, _ = KeySequence.objects.select_for_update().get_or_create(
        procurement=procurement, prefix=prefix
    )
    while True:
        sequence.last_number = F("last_number") + 1
        sequence.save(update_fields=["last_number"])
        sequence.refresh_from_db(fields=["last_number"])
        key = f"{prefix}-{sequence.last_number:04d}"
        if not Requirement.objects.filter(procurement=procurement, key=key).exists():
            return key


def key_register(procurement: Procurement, key: str) -> None:
    """Make sure a key given from outside (an import) is never generated later."""
    match = GENERATED_KEY_RE.match(key)
    if not match:
        return
    sequence, _ = KeySequence.objects.select_for_update().get_or_create(
        procurement=procurement, prefix=match["prefix"]
    )
    number = int(match["number"])
    if number > sequence.last_number:
        sequence.last_number = number
        sequence.save(update_fields=["last_number"])


# Requirements -----------------------------------------------------------------


def requirement_refresh_hash(requirement: Requirement) -> None:
    """Recompute the fingerprint used to spot changes since a baseline. The hash
    is derived data and not part of the history, hence the plain update."""
    digest = snapshot_hash(requirement.snapshot())
    if digest != requirement.content_hash:
        requirement.content_hash = digest
        Requirement.objects.filter(pk=requirement.pk).update(content_hash=digest)


def _set_tags(requirement: Requirement, names: Iterable[str]) -> None:
    wanted = sorted({name.strip() for name in names if name and name.strip()})
    tags = []
    for name in wanted:
        tag, _ = Tag.objects.get_or_create(
            procurement=requirement.procurement, name=name
        )
        tags.append(tag)
    if sorted(t.name for t in requirement.tags.all()) != wanted:
        requirement.tags.set(tags)


def _set_stakeholders(requirement: Requirement, stakeholders: Stakeholders) -> None:
    wanted = {(organisation.pk, relation) for organisation, relation in stakeholders}
    current = {
        (link.organisation_id, link.relation): link
        for link in requirement.stakeholder_links.all()
    }
    for pair, link in current.items():
        if pair not in wanted:
            link.delete()
    for organisation_id, relation in wanted - set(current):
        link = RequirementStakeholder(
            requirement=requirement, organisation_id=organisation_id, relation=relation
        )
        link.full_clean(validate_unique=False)
        link.save()


TEXT_FIELDS = ("title", "description", "response_instructions", "rationale")


def _save(requirement: Requirement, by: AbstractBaseUser | None) -> None:
    # NUL can come in through imports; PostgreSQL cannot store it and it never
    # carries meaning in a requirement's text.
    for name in TEXT_FIELDS:
        value = getattr(requirement, name)
        if isinstance(value, str) and "\x00" in value:
            setattr(requirement, name, value.replace("\x00", ""))
    requirement._history_user = _user(by)
    requirement.full_clean()
    requirement.save()


@transaction.atomic
def requirement_create(
    *,
    by: AbstractBaseUser | None,
    procurement: Procurement,
    section: Section,
    title: str,
    kind: str = Requirement.Kind.V,
    weight: Decimal | None = None,
    description: str = "",
    response_instructions: str = "",
    rationale: str = "",
    status: str = Status.DRAFT,
    key: str | None = None,
    tags: Iterable[str] = (),
    stakeholders: Stakeholders = (),
    extra_attributes: dict | None = None,
) -> Requirement:
    """Create a requirement with a new key from its section's prefix (or the
    given key, which is then reserved) and its first history row."""
    if key:
        key_register(procurement, key)
    else:
        key = next_key(procurement, section.effective_prefix())
    requirement = Requirement(
        procurement=procurement,
        section=section,
        key=key,
        title=title,
        kind=kind,
        weight=weight,
        description=description,
        response_instructions=response_instructions,
        rationale=rationale,
        status=status,
        extra_attributes=extra_attributes or {},
    )
    if status != Status.DRAFT:
        requirement.status_changed_at = timezone.now()
        requirement.status_changed_by = _user(by)
    _save(requirement, by)
    _set_tags(requirement, tags)
    _set_stakeholders(requirement, stakeholders)
    requirement_refresh_hash(requirement)
    return requirement


@transaction.atomic
def requirement_update(
    *,
    by: AbstractBaseUser | None,
    requirement: Requirement,
    expected_version: int | None = None,
    tags: Iterable[str] | None = None,
    stakeholders: Stakeholders | None = None,
    **fields: Any,
) -> Requirement:
    """Change a requirement. With ``expected_version`` (the version the user
    loaded), a save by someone else in between raises ConcurrentEditError and
    nothing is written. The key never changes."""
    fields.pop("key", None)
    current = Requirement.objects.select_for_update().get(pk=requirement.pk)
    current._history_user = _user(by)
    if expected_version is not None and current.version != expected_version:
        raise ConcurrentEditError(current)
    if "status" in fields and fields["status"] != current.status:
        _check_transition(current, fields["status"])
        current.status_changed_at = timezone.now()
        current.status_changed_by = _user(by)
    changed = False
    for name, value in fields.items():
        if getattr(current, name) != value:
            setattr(current, name, value)
            changed = True
    if changed:
        current.version += 1
        _save(current, by)
    if tags is not None:
        _set_tags(current, tags)
    if stakeholders is not None:
        _set_stakeholders(current, stakeholders)
    requirement_refresh_hash(current)
    return current


def _check_transition(requirement: Requirement, status: str) -> None:
    if status not in TRANSITIONS.get(requirement.status, set()):
        raise ValidationError(
            _("%(key)s cannot go from %(old)s to %(new)s.")
            % {
                "key": requirement.key,
                "old": Status(requirement.status).label,
                "new": Status(status).label,
            },
            code="invalid_transition",
        )


def requirement_set_status(
    *,
    by: AbstractBaseUser | None,
    requirement: Requirement,
    status: str,
    expected_version: int | None = None,
) -> Requirement:
    return requirement_update(
        by=by, requirement=requirement, expected_version=expected_version, status=status
    )


class BulkAction:
    SET_STATUS = "set_status"
    MOVE = "move"
    ADD_TAG = "add_tag"


@transaction.atomic
def requirements_bulk(
    *,
    by: AbstractBaseUser | None,
    requirements: Sequence[Requirement],
    action: str,
    status: str = "",
    section: Section | None = None,
    tag: str = "",
) -> int:
    """Apply one action to many requirements, each with its own history row.
    All or nothing: one refused change (an impossible status step) leaves every
    requirement as it was. Returns how many requirements changed."""
    refused = []
    if action == BulkAction.SET_STATUS:
        for requirement in requirements:
            if (
                requirement.status != status
                and status not in TRANSITIONS[requirement.status]
            ):
                refused.append(requirement.key)
        if refused:
            raise ValidationError(
                _(
                    "These requirements cannot go to %(status)s: %(keys)s. "
                    "Nothing was changed."
                )
                % {"status": Status(status).label, "keys": ", ".join(refused)},
                code="invalid_transition",
            )
    changed = 0
    for requirement in requirements:
        if action == BulkAction.SET_STATUS:
            if requirement.status == status:
                continue
            requirement_update(by=by, requirement=requirement, status=status)
        elif action == BulkAction.MOVE:
            if section is None or requirement.section_id == section.pk:
                continue
            requirement_update(by=by, requirement=requirement, section=section)
        elif action == BulkAction.ADD_TAG:
            names = [t.name for t in requirement.tags.all()]
            if not tag.strip() or tag.strip() in names:
                continue
            requirement_update(
                by=by, requirement=requirement, tags=[*names, tag.strip()]
            )
        else:
            raise ValueError(f"unknown bulk action {action!r}")
        changed += 1
    return changed


@transaction.atomic
def requirement_link(
    *,
    by: AbstractBaseUser | None,
    source: Requirement,
    target: Requirement,
    link_type: str,
) -> RequirementLink:
    link, _ = RequirementLink.objects.get_or_create(
        source=source, target=target, link_type=link_type
    )
    return link


# Baselines --------------------------------------------------------------------


@transaction.atomic
def baseline_publish(
    *,
    by: AbstractBaseUser | None,
    procurement: Procurement,
    label: str,
    description: str = "",
) -> Baseline:
    """Freeze the whole specification as it is now under ``label``. The
    snapshot can never be changed afterwards."""
    from procurement.selectors.specification import current_snapshots

    baseline = Baseline(
        procurement=procurement,
        label=label.strip(),
        description=description,
        published_by=_user(by),
    )
    baseline.full_clean()
    snapshots = current_snapshots(procurement)
    baseline.requirement_count = len(snapshots)
    baseline.save()
    BaselineRequirement.objects.bulk_create(
        (
            BaselineRequirement(
                baseline=baseline,
                content_hash=snapshot_hash(snapshot),
                **snapshot,
            )
            for snapshot in snapshots.values()
        ),
        batch_size=1000,
    )
    event_record(
        action="baseline.published",
        by=by,
        obj=baseline,
        procurement=procurement,
        data={"label": baseline.label, "requirements": baseline.requirement_count},
    )
    return baseline


# Imports of many requirements ----------------------------------------------------


@transaction.atomic
def requirements_bulk_create(
    *,
    by: AbstractBaseUser | None,
    procurement: Procurement,
    requirements: Sequence[dict[str, Any]],
    batch_size: int = 1000,
) -> list[Requirement]:
    """Create many requirements at once (a ReqIF import of thousands). Each
    item holds ``requirement_create``'s arguments; ``section``, ``title`` and
    ``key`` are required. The same rules hold: every requirement is checked
    with ``full_clean``, keys are unique in the procurement and reserved so
    they are never generated later, and each requirement gets its first
    history row with its tags (stakeholder links get theirs) — written in
    batches instead of row by row. All or nothing: if any item is invalid,
    ValidationError names the keys and nothing is written."""
    from simple_history.utils import bulk_create_with_history

    user = _user(by)
    now = timezone.now()
    objects: list[Requirement] = []
    tag_names: list[list[str]] = []
    stakeholder_pairs: list[list[tuple[Organisation, str]]] = []
    errors: list[str] = []
    seen: set[str] = set()
    for item in requirements:
        data = dict(item)
        names = sorted({n.strip() for n in data.pop("tags", ()) if n and n.strip()})
        pairs = sorted(
            {(o.pk, r): (o, r) for o, r in data.pop("stakeholders", ())}.values(),
            key=lambda pair: (pair[1], pair[0].name),
        )
        data["extra_attributes"] = data.get("extra_attributes") or {}
        requirement = Requirement(procurement=procurement, **data)
        if requirement.status != Status.DRAFT:
            requirement.status_changed_at = now
            requirement.status_changed_by = user
        try:
            requirement.full_clean(
                exclude=["procurement", "section", "status_changed_by"],
                validate_unique=False,
                validate_constraints=False,
            )
        except ValidationError as exc:
            errors.extend(f"{requirement.key}: {m}" for m in exc.messages)
        if requirement.key in seen:
            errors.append(
                _("%(key)s: the key is given twice.") % {"key": requirement.key}
            )
        seen.add(requirement.key)
        objects.append(requirement)
        tag_names.append(names)
        stakeholder_pairs.append(pairs)
    stored = set(
        Requirement.objects.filter(procurement=procurement).values_list(
            "key", flat=True
        )
    )
    taken = sorted(seen & stored)
    errors.extend(
        _("%(key)s: another requirement has this key.") % {"key": key} for key in taken
    )
    if errors:
        raise ValidationError(errors, code="invalid_requirements")
    if not objects:
        return []

    highest: dict[str, int] = {}
    for requirement in objects:
        match = GENERATED_KEY_RE.match(requirement.key)
        if match:
            number = int(match["number"])
            highest[match["prefix"]] = max(highest.get(match["prefix"], 0), number)
    for prefix, number in highest.items():
        key_register(procurement, f"{prefix}-{number}")

    tags = {
        tag.name: tag
        for tag in Tag.objects.filter(
            procurement=procurement, name__in={n for names in tag_names for n in names}
        )
    }
    missing = sorted({n for names in tag_names for n in names} - set(tags))
    for tag in missing:
        Tag(procurement=procurement, name=tag).full_clean(validate_unique=False)
    Tag.objects.bulk_create(
        [Tag(procurement=procurement, name=name) for name in missing],
        batch_size=batch_size,
    )
    if missing:
        tags = {
            tag.name: tag
            for tag in Tag.objects.filter(
                procurement=procurement,
                name__in={n for names in tag_names for n in names},
            )
        }
    # The fingerprint that Requirement.snapshot() would give, computed from
    # what is known here instead of reloading every requirement.
    for requirement, names, pairs in zip(
        objects, tag_names, stakeholder_pairs, strict=True
    ):
        snapshot = build_snapshot(requirement, tags=names, stakeholders=pairs)
        requirement.content_hash = snapshot_hash(snapshot)

    Requirement.objects.bulk_create(objects, batch_size=batch_size)
    history = Requirement.history.bulk_history_create(
        objects, batch_size=batch_size, default_user=user, default_date=now
    )
    through = Requirement.tags.through
    tag_rows = [
        through(requirement_id=requirement.pk, tag_id=tags[name].pk)
        for requirement, names in zip(objects, tag_names, strict=True)
        for name in names
    ]
    through.objects.bulk_create(tag_rows, batch_size=batch_size)
    if tag_rows:
        # The tags as they were at creation, in the history (what a
        # ``tags.set()`` after ``save()`` records through its signal).
        tag_history = Requirement.history.model.tags.model
        history_of = {row.id: row for row in history}
        tag_history.objects.bulk_create(
            [
                tag_history(
                    history=history_of[row.requirement_id],
                    id=row.pk,
                    requirement_id=row.requirement_id,
                    tag_id=row.tag_id,
                )
                for row in tag_rows
            ],
            batch_size=batch_size,
        )
    links = []
    for requirement, pairs in zip(objects, stakeholder_pairs, strict=True):
        for organisation, relation in pairs:
            link = RequirementStakeholder(
                requirement=requirement, organisation=organisation, relation=relation
            )
            link.full_clean(
                exclude=["requirement", "organisation"],
                validate_unique=False,
                validate_constraints=False,
            )
            links.append(link)
    if links:
        bulk_create_with_history(
            links, RequirementStakeholder, batch_size=batch_size, default_user=user
        )
    return objects


@transaction.atomic
def requirement_links_bulk_create(
    *,
    by: AbstractBaseUser | None,
    links: Iterable[tuple[Requirement, Requirement, str]],
    batch_size: int = 1000,
) -> list[RequirementLink]:
    """Add many typed links at once (an import); links that already exist are
    left as they are. Every new link gets its history row."""
    from simple_history.utils import bulk_create_with_history

    wanted: dict[tuple[int, int, str], None] = {}
    for source, target, link_type in links:
        wanted[(source.pk, target.pk, link_type)] = None
    if not wanted:
        return []
    sources = sorted({source for source, _target, _type in wanted})
    existing = set()
    for start in range(0, len(sources), 500):
        existing.update(
            RequirementLink.objects.filter(
                source_id__in=sources[start : start + 500]
            ).values_list("source_id", "target_id", "link_type")
        )
    new = []
    for source, target, link_type in wanted:
        if (source, target, link_type) in existing:
            continue
        link = RequirementLink(source_id=source, target_id=target, link_type=link_type)
        link.full_clean(
            exclude=["source", "target"],
            validate_unique=False,
            validate_constraints=False,
        )
        new.append(link)
    if not new:
        return []
    return bulk_create_with_history(
        new, RequirementLink, batch_size=batch_size, default_user=_user(by)
    )


# Stakeholders added from outside the requirement form ------------------------------


@transaction.atomic
def requirement_add_stakeholders(
    *,
    by: AbstractBaseUser | None,
    requirement: Requirement,
    organisations: Iterable[Organisation],
    relation: str,
) -> list[RequirementStakeholder]:
    """Add ``organisations`` to the requirement's stakeholders with ``relation``
    (e.g. "raised" when workshop input is linked to it), leaving every other
    link as it is. Each new link gets its history row, and the requirement's
    version goes up, so an edit form loaded before this change cannot save
    over it. Returns the links that were added."""
    current = Requirement.objects.select_for_update().get(pk=requirement.pk)
    existing = set(
        current.stakeholder_links.filter(relation=relation).values_list(
            "organisation_id", flat=True
        )
    )
    added = []
    for organisation in {o.pk: o for o in organisations}.values():
        if organisation.pk in existing:
            continue
        link = RequirementStakeholder(
            requirement=current, organisation=organisation, relation=relation
        )
        link.full_clean(validate_unique=False)
        link._history_user = _user(by)
        link.save()
        added.append(link)
    if added:
        current.version += 1
        _save(current, by)
        requirement_refresh_hash(current)
        requirement.version = current.version
        requirement.content_hash = current.content_hash
    return added
