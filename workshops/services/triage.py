"""Triage of workshop input: accept as a new requirement, link to an existing
one, mark as a duplicate of another input, reject, or re-open.

Every decision records who, when and why on the input (``decided_by``,
``decided_at``, ``reason``, a history row) and writes one ``inputs.triaged``
event in the same transaction. The input's version is checked so a decision
made by someone else in the meantime is never overwritten.

Accepting or linking adds the input to the requirement's origins and its
raising organisations to the requirement's stakeholders as "raised"."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from procurement.models import Procurement, Requirement, RequirementStakeholder, Section
from procurement.personal_data import validate_no_personal_data
from procurement.services.core import event_record
from procurement.services.specification import (
    requirement_add_stakeholders,
    requirement_create,
)
from workshops.models import Input
from workshops.selectors.triage import resolve_original

Status = Input.Status
RAISED = RequirementStakeholder.Relation.RAISED


class Decision:
    ACCEPT = "accept"
    LINK = "link"
    DUPLICATE = "duplicate"
    REJECT = "reject"
    REOPEN = "reopen"


class TriageConflict(Exception):
    """Someone else triaged the input after the user loaded it."""

    def __init__(self, current: Input):
        super().__init__(f"input {current.pk} was triaged by someone else")
        self.input = current


def _user(by: AbstractBaseUser | None) -> AbstractBaseUser | None:
    return by if by is not None and by.is_authenticated else None


def _lock(item: Input, expected_version: int | None) -> Input:
    current = (
        Input.objects.select_for_update(of=("self",))
        .select_related("workshop", "decided_by")
        .get(pk=item.pk)
    )
    if expected_version is not None and current.version != expected_version:
        raise TriageConflict(current)
    return current


def _check_reason(reason: str, *, required: bool) -> str:
    reason = (reason or "").strip()
    if required and not reason:
        raise ValidationError(
            {"reason": ValidationError(_("Give a reason."), code="reason_required")}
        )
    try:
        validate_no_personal_data(reason)
    except ValidationError as error:
        raise ValidationError({"reason": error.error_list}) from error
    return reason


def _check_new(current: Input) -> None:
    if current.status != Status.NEW:
        raise ValidationError(
            _("Input #%(ref)s is already triaged (%(status)s); re-open it first.")
            % {"ref": current.pk, "status": current.get_status_display()},
            code="already_triaged",
        )


def _decide(
    current: Input,
    *,
    by: AbstractBaseUser | None,
    status: str,
    reason: str,
    duplicate_of: Input | None = None,
) -> None:
    current.status = status
    current.reason = reason
    current.duplicate_of = duplicate_of
    if status == Status.NEW:
        current.decided_by = None
        current.decided_at = None
    else:
        current.decided_by = _user(by)
        current.decided_at = timezone.now()
    current.version += 1
    current._history_user = _user(by)
    current.full_clean(validate_unique=False, validate_constraints=False)
    current.save()


def _event(
    *,
    by: AbstractBaseUser | None,
    procurement: Procurement,
    decision: str,
    count: int,
    obj=None,
    **data,
) -> None:
    event_record(
        action="inputs.triaged",
        by=by,
        obj=obj,
        procurement=procurement,
        data={"decision": decision, "count": count, **data},
    )


def _check_requirement(current: Input, requirement: Requirement) -> None:
    if requirement.procurement_id != current.workshop.procurement_id:
        raise ValidationError(
            {
                "requirement": ValidationError(
                    _("The requirement belongs to another procurement."),
                    code="foreign_requirement",
                )
            }
        )
    if requirement.status == Requirement.Status.WITHDRAWN:
        raise ValidationError(
            {
                "requirement": ValidationError(
                    _("%(key)s is withdrawn; input cannot be linked to it.")
                    % {"key": requirement.key},
                    code="withdrawn_requirement",
                )
            }
        )


def _link(
    current: Input, requirement: Requirement, by: AbstractBaseUser | None
) -> None:
    current.requirements.add(requirement)
    requirement_add_stakeholders(
        by=by,
        requirement=requirement,
        organisations=list(current.raised_by_organisations.all()),
        relation=RAISED,
    )


def _original_for(current: Input, original: Input) -> Input:
    """The input at the end of ``original``'s duplicate chain, refused when it
    is ``current`` itself (a duplicate of itself or of its own duplicate) or
    in another procurement."""
    if original.workshop.procurement_id != current.workshop.procurement_id:
        raise ValidationError(
            {
                "original": ValidationError(
                    _("The original input belongs to another procurement."),
                    code="foreign_original",
                )
            }
        )
    resolved = resolve_original(original)
    if resolved.pk == current.pk:
        raise ValidationError(
            {
                "original": ValidationError(
                    _(
                        "An input cannot be a duplicate of itself or of its own "
                        "duplicate."
                    ),
                    code="self_duplicate",
                )
            }
        )
    return resolved


# One input -----------------------------------------------------------------------


@transaction.atomic
def input_accept(
    *,
    by: AbstractBaseUser | None,
    input: Input,
    section: Section,
    title: str,
    kind: str = Requirement.Kind.V,
    weight: Decimal | None = None,
    description: str = "",
    response_instructions: str = "",
    rationale: str = "",
    tags: Sequence[str] = (),
    stakeholders: Sequence[tuple] = (),
    reason: str = "",
    expected_version: int | None = None,
) -> Requirement:
    """Accept new input as a new requirement built from the given fields. The
    input becomes its origin and its raising organisations stakeholders
    ("raised"), beside any ``stakeholders`` given. Returns the requirement."""
    current = _lock(input, expected_version)
    _check_new(current)
    reason = _check_reason(reason, required=False)
    procurement = current.workshop.procurement
    raised = [(org, RAISED) for org in current.raised_by_organisations.all()]
    requirement = requirement_create(
        by=by,
        procurement=procurement,
        section=section,
        title=title,
        kind=kind,
        weight=weight,
        description=description,
        response_instructions=response_instructions,
        rationale=rationale,
        tags=tags,
        stakeholders=list(
            {(o.pk, r): (o, r) for o, r in [*stakeholders, *raised]}.values()
        ),
    )
    current.requirements.add(requirement)
    _decide(current, by=by, status=Status.ACCEPTED, reason=reason)
    _event(
        by=by,
        procurement=procurement,
        decision=Decision.ACCEPT,
        count=1,
        obj=requirement,
        inputs=[current.pk],
        requirement=requirement.key,
    )
    input.version = current.version
    return requirement


@transaction.atomic
def input_link(
    *,
    by: AbstractBaseUser | None,
    input: Input,
    requirement: Requirement,
    reason: str = "",
    expected_version: int | None = None,
) -> Input:
    """Link new input to an existing requirement ("merged"): it becomes one of
    the requirement's origins and its raisers the requirement's stakeholders."""
    current = _lock(input, expected_version)
    _check_new(current)
    _check_requirement(current, requirement)
    reason = _check_reason(reason, required=False)
    _link(current, requirement, by)
    _decide(current, by=by, status=Status.MERGED, reason=reason)
    _event(
        by=by,
        procurement=current.workshop.procurement,
        decision=Decision.LINK,
        count=1,
        obj=requirement,
        inputs=[current.pk],
        requirement=requirement.key,
    )
    return current


def _repoint_duplicates(current: Input, original: Input, by) -> None:
    # Inputs already marked as duplicates of this one now point at its
    # original, so no chain of duplicates is ever stored.
    for follower in Input.objects.select_for_update().filter(duplicate_of=current):
        follower.duplicate_of = original
        follower.version += 1
        follower._history_user = _user(by)
        follower.save()


@transaction.atomic
def input_mark_duplicate(
    *,
    by: AbstractBaseUser | None,
    input: Input,
    original: Input,
    reason: str = "",
    expected_version: int | None = None,
) -> Input:
    """Mark new input as a duplicate of ``original`` (resolved to the end of
    its duplicate chain). The duplicate inherits nothing from the original."""
    current = _lock(input, expected_version)
    _check_new(current)
    resolved = _original_for(current, original)
    reason = _check_reason(reason, required=False)
    _decide(
        current, by=by, status=Status.DUPLICATE, reason=reason, duplicate_of=resolved
    )
    _repoint_duplicates(current, resolved, by)
    _event(
        by=by,
        procurement=current.workshop.procurement,
        decision=Decision.DUPLICATE,
        count=1,
        obj=current.workshop,
        inputs=[current.pk],
        original=resolved.pk,
    )
    return current


@transaction.atomic
def input_reject(
    *,
    by: AbstractBaseUser | None,
    input: Input,
    reason: str,
    expected_version: int | None = None,
) -> Input:
    """Reject new input; the reason is required and may hold no personal data."""
    current = _lock(input, expected_version)
    _check_new(current)
    reason = _check_reason(reason, required=True)
    _decide(current, by=by, status=Status.REJECTED, reason=reason)
    _event(
        by=by,
        procurement=current.workshop.procurement,
        decision=Decision.REJECT,
        count=1,
        obj=current.workshop,
        inputs=[current.pk],
    )
    return current


@transaction.atomic
def input_reopen(
    *,
    by: AbstractBaseUser | None,
    input: Input,
    reason: str,
    expected_version: int | None = None,
) -> Input:
    """Put a decided input back in the queue (status new) with a reason. It
    is no longer an origin of the requirements it was accepted into or linked
    to (their history and stakeholders stay) and no longer a duplicate."""
    current = _lock(input, expected_version)
    if current.status == Status.NEW:
        raise ValidationError(
            _("Input #%(ref)s is not triaged yet.") % {"ref": current.pk},
            code="not_triaged",
        )
    reason = _check_reason(reason, required=True)
    previous = current.status
    current.requirements.clear()
    _decide(current, by=by, status=Status.NEW, reason=reason)
    _event(
        by=by,
        procurement=current.workshop.procurement,
        decision=Decision.REOPEN,
        count=1,
        obj=current.workshop,
        inputs=[current.pk],
        previous=previous,
    )
    return current


# Many inputs at once ---------------------------------------------------------------

BULK_DECISIONS = (Decision.REJECT, Decision.DUPLICATE, Decision.LINK)


@transaction.atomic
def inputs_bulk_triage(
    *,
    by: AbstractBaseUser | None,
    procurement: Procurement,
    inputs: Sequence[Input],
    decision: str,
    reason: str = "",
    original: Input | None = None,
    requirement: Requirement | None = None,
) -> int:
    """Reject, mark as duplicates of one input, or link to one requirement all
    the given inputs. All or nothing: when any one of them cannot take the
    decision (already triaged, in another procurement, the original itself),
    ValidationError names them and nothing changes. One event for the lot."""
    if decision not in BULK_DECISIONS:
        raise ValueError(f"unknown bulk decision {decision!r}")
    if not inputs:
        raise ValidationError(_("Select at least one input."), code="nothing_selected")
    reason = _check_reason(reason, required=decision == Decision.REJECT)
    locked = list(
        Input.objects.select_for_update(of=("self",))
        .select_related("workshop")
        .prefetch_related("raised_by_organisations")
        .filter(pk__in=[item.pk for item in inputs])
        .order_by("pk")
    )
    problems = []
    foreign = [i for i in locked if i.workshop.procurement_id != procurement.pk]
    if foreign or len(locked) != len({item.pk for item in inputs}):
        raise ValidationError(
            _("Some selected inputs are not in this procurement."),
            code="foreign_input",
        )
    decided = [f"#{i.pk}" for i in locked if i.status != Status.NEW]
    if decided:
        problems.append(
            ValidationError(
                _("Already triaged: %(refs)s.") % {"refs": ", ".join(decided)},
                code="already_triaged",
            )
        )
    resolved = None
    if decision == Decision.DUPLICATE:
        if original is None:
            raise ValidationError(
                {
                    "original": ValidationError(
                        _("Choose the original input."), code="required"
                    )
                }
            )
        if original.workshop.procurement_id != procurement.pk:
            raise ValidationError(
                {
                    "original": ValidationError(
                        _("The original input belongs to another procurement."),
                        code="foreign_original",
                    )
                }
            )
        resolved = resolve_original(original)
        selected = {i.pk for i in locked}
        if resolved.pk in selected or original.pk in selected:
            problems.append(
                ValidationError(
                    _(
                        "Input #%(ref)s is selected and chosen as the original; an "
                        "input cannot be a duplicate of itself."
                    )
                    % {"ref": original.pk},
                    code="self_duplicate",
                )
            )
    if decision == Decision.LINK:
        if requirement is None:
            raise ValidationError(
                {
                    "requirement": ValidationError(
                        _("Choose a requirement."), code="required"
                    )
                }
            )
        if locked:
            _check_requirement(locked[0], requirement)
    if problems:
        problems.append(
            ValidationError(_("Nothing was changed."), code="nothing_changed")
        )
        raise ValidationError(problems)

    for current in locked:
        if decision == Decision.REJECT:
            _decide(current, by=by, status=Status.REJECTED, reason=reason)
        elif decision == Decision.DUPLICATE:
            _decide(
                current,
                by=by,
                status=Status.DUPLICATE,
                reason=reason,
                duplicate_of=resolved,
            )
            _repoint_duplicates(current, resolved, by)
        else:
            _decide(current, by=by, status=Status.MERGED, reason=reason)
    if decision == Decision.LINK:
        through = Input.requirements.through
        through.objects.bulk_create(
            [through(input_id=i.pk, requirement_id=requirement.pk) for i in locked],
            ignore_conflicts=True,
        )
        organisations = {
            org.pk: org
            for current in locked
            for org in current.raised_by_organisations.all()
        }
        requirement_add_stakeholders(
            by=by,
            requirement=requirement,
            organisations=list(organisations.values()),
            relation=RAISED,
        )
    extra = {}
    if resolved is not None:
        extra["original"] = resolved.pk
    if requirement is not None and decision == Decision.LINK:
        extra["requirement"] = requirement.key
    _event(
        by=by,
        procurement=procurement,
        decision=decision,
        count=len(locked),
        obj=requirement if decision == Decision.LINK else None,
        inputs=[i.pk for i in locked],
        **extra,
    )
    return len(locked)
