"""Writes for individual scoring and the absolute-requirement checks.

``score_submit`` is the one way an individual score is stored: the scoring
page, its "save all", and the offline scoring sheet all call it, so each path
gets the same checks (status, declaration, conflict, assignment, scale,
justification, personal data, version) and the same history.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from evaluation.models import (
    AbsoluteCheck,
    Criterion,
    Declaration,
    Evaluation,
    LockedEvaluationError,
    RequirementMapping,
    Score,
)
from evaluation.selectors.scoring import (
    ABSOLUTE_KINDS,
    SCORED_TENDER_STATUSES,
    is_assigned,
)
from procurement.models import Requirement, Tender
from procurement.personal_data import REMEDY, check_text
from procurement.services.core import event_record

Status = Evaluation.Status
TWO_PLACES = Decimal("0.01")
RELATED = ["evaluation", "evaluator", "tender", "requirement", "criterion"]


class ScoreConflictError(Exception):
    """The score changed after the user loaded it; nothing was written.
    ``stored`` is the score as it is now, ``value``/``justification`` what
    the user tried to save, so both can be shown."""

    def __init__(self, stored: Score, *, value, justification: str):
        super().__init__(f"score {stored.pk} changed meanwhile")
        self.stored = stored
        self.value = value
        self.justification = justification


class ScoringRefused(ValidationError):
    """Not this evaluator, this tender or this item; ``code`` says why:
    ``no_declaration``, ``conflict_of_interest``, ``not_assigned``,
    ``tender_not_scored``, ``not_scored_item``."""


def scoring_state_error(evaluation: Evaluation) -> ValidationError | None:
    """Why scores cannot change in this evaluation now, or None."""
    if evaluation.status == Status.SCORING:
        return None
    if evaluation.status == Status.LOCKED:
        return LockedEvaluationError()
    if evaluation.status == Status.SETUP:
        return ValidationError(
            _("Scoring has not started yet; the lead starts it when the model is set."),
            code="not_started",
        )
    return ValidationError(
        _("The lead has opened consensus; individual scores can no longer change."),
        code="consensus_opened",
    )


def declared_conflicts(evaluation: Evaluation, evaluator) -> set[int] | None:
    """The evaluator's conflicted vendor pks, or None without a declaration:
    one query."""
    rows = list(
        Declaration.objects.filter(
            procurement_id=evaluation.procurement_id, evaluator=evaluator
        )
        .order_by()
        .values_list("pk", "conflicts")
    )
    if not rows:
        return None
    return {vendor for _pk, vendor in rows if vendor is not None}


def _item_criterion(
    evaluation: Evaluation, requirement: Requirement | None, criterion: Criterion | None
) -> Criterion:
    if (requirement is None) == (criterion is None):
        raise ScoringRefused(
            _("A score is given either to a requirement or to a criterion."),
            code="item",
        )
    if requirement is not None:
        mapping = (
            RequirementMapping.objects.filter(
                evaluation=evaluation, requirement=requirement
            )
            .select_related("criterion")
            .order_by()
            .first()
        )
        if mapping is None or mapping.criterion.method != Criterion.Method.REQUIREMENTS:
            raise ScoringRefused(
                _("%(key)s is not scored in this evaluation.")
                % {"key": requirement.key},
                code="not_scored_item",
            )
        return mapping.criterion
    if (
        criterion.evaluation_id != evaluation.pk
        or criterion.method != Criterion.Method.DIRECT
    ):
        raise ScoringRefused(
            _("%(criterion)s is not scored directly.") % {"criterion": criterion.name},
            code="not_scored_item",
        )
    return criterion


def check_value(value, *, scale_max: Decimal, where: str) -> Decimal:
    """The score as an exact decimal, or ValidationError naming ``where``."""
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except Exception as exc:  # noqa: BLE001 - any unparsable input is "not a number"
        raise ValidationError(
            _("%(where)s: «%(value)s» is not a number.")
            % {"where": where, "value": value},
            code="not_a_number",
        ) from exc
    if not number.is_finite():
        raise ValidationError(
            _("%(where)s: «%(value)s» is not a number.")
            % {"where": where, "value": value},
            code="not_a_number",
        )
    if number < 0 or number > scale_max:
        raise ValidationError(
            _("%(where)s: %(value)s is outside the scale 0–%(max)s.")
            % {"where": where, "value": value, "max": _plain(scale_max)},
            code="out_of_scale",
        )
    if number != number.quantize(TWO_PLACES):
        raise ValidationError(
            _("%(where)s: a score has at most 2 decimals.") % {"where": where},
            code="too_many_decimals",
        )
    return number.quantize(TWO_PLACES)


def _plain(number: Decimal) -> str:
    return format(number.normalize(), "f")


def check_justification(text: str, *, where: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError(
            _("%(where)s: a score needs a written justification.") % {"where": where},
            code="justification_required",
        )
    found = check_text(text, where=where)
    if found:
        raise ValidationError(
            [ValidationError(m, code="personal_data") for m in [*found, str(REMEDY)]]
        )
    return text


@transaction.atomic
def score_submit(
    *,
    evaluation: Evaluation,
    evaluator: AbstractBaseUser,
    tender: Tender,
    requirement: Requirement | None = None,
    criterion: Criterion | None = None,
    value,
    justification: str,
    version: int | None,
) -> Score:
    """Store the evaluator's own score for one tender × requirement (or a
    criterion scored directly) and return it.

    Guarantees: the evaluation is in scoring (else ``LockedEvaluationError``
    or a ValidationError coded ``not_started``/``consensus_opened``); the
    evaluator signed a declaration and has no conflict with the vendor and an
    assignment covers the item (else ``ScoringRefused``); the value is a
    number within 0..scale maximum with at most 2 decimals and the
    justification is given and free of personal data (else ValidationError).
    ``version`` is the version the user loaded (0 or None for "no score
    yet"); if the stored score differs, ``ScoreConflictError`` is raised and
    nothing is written. History is recorded by simple_history."""
    # Lock the evaluation row: a concurrent lock or consensus opening waits
    # for this save, or this save sees its new status.
    status = (
        Evaluation.objects.select_for_update()
        .values_list("status", flat=True)
        .get(pk=evaluation.pk)
    )
    evaluation.status = status
    state = scoring_state_error(evaluation)
    if state is not None:
        raise state
    conflicts = declared_conflicts(evaluation, evaluator)
    if conflicts is None:
        raise ScoringRefused(
            _("Sign the declaration of impartiality before you score."),
            code="no_declaration",
        )
    if tender.vendor_id in conflicts:
        raise ScoringRefused(
            _("You declared a conflict of interest with this vendor."),
            code="conflict_of_interest",
        )
    if tender.round_id != evaluation.round_id or tender.status not in (
        SCORED_TENDER_STATUSES
    ):
        raise ScoringRefused(
            _("This tender is not scored in this evaluation."),
            code="tender_not_scored",
        )
    item_criterion = _item_criterion(evaluation, requirement, criterion)
    if not is_assigned(
        evaluation=evaluation,
        evaluator=evaluator,
        tender=tender,
        criterion=item_criterion,
    ):
        raise ScoringRefused(
            _("You are not assigned to score %(criterion)s for this tender.")
            % {"criterion": item_criterion.name},
            code="not_assigned",
        )
    where = requirement.key if requirement is not None else item_criterion.name
    errors: list[ValidationError] = []
    number = None
    try:
        number = check_value(value, scale_max=item_criterion.scale_max, where=where)
    except ValidationError as error:
        errors.append(error)
    try:
        justification = check_justification(justification, where=where)
    except ValidationError as error:
        errors.append(error)
    if errors:
        raise ValidationError(errors)

    lookup = {"requirement": requirement} if requirement else {"criterion": criterion}
    stored = (
        Score.objects.select_for_update()
        .filter(evaluation=evaluation, evaluator=evaluator, tender=tender, **lookup)
        .order_by()
        .first()
    )
    loaded = version or 0
    if (stored.version if stored else 0) != loaded:
        if stored is None:
            # Loaded a score that no longer exists: there is nothing to show
            # as "theirs", but overwriting would still be blind.
            raise ValidationError(
                _("%(where)s: the score you loaded is gone; reload the page.")
                % {"where": where},
                code="score_gone",
            )
        raise ScoreConflictError(stored, value=value, justification=justification)
    if stored is None:
        stored = Score(
            evaluation=evaluation, evaluator=evaluator, tender=tender, **lookup
        )
    elif stored.value == number and stored.justification == justification:
        return stored
    else:
        stored.version += 1
    stored.value = number
    stored.justification = justification
    stored._history_user = evaluator
    # The related objects were given as instances and checked above; skip
    # the existence queries full_clean would make for them.
    stored.full_clean(exclude=RELATED, validate_constraints=False)
    stored.save()
    return stored


# Absolute requirements --------------------------------------------------------------


@transaction.atomic
def absolute_check_save(
    *,
    evaluation: Evaluation,
    tender: Tender,
    requirement: Requirement,
    fulfilled: bool,
    substantial_deviation: bool | None,
    justification: str,
    by: AbstractBaseUser,
    version: int | None = None,
) -> AbsoluteCheck:
    """Record whether ``tender`` fulfils the absolute requirement. A fail
    needs the judgement whether the deviation is substantial (FOA § 9-6) and
    a justification free of personal data; a substantial deviation proposes
    the tender for rejection, which the lead confirms or dismisses. Who may
    check (lead or evaluator with a declaration and no conflict) is decided
    by the view. ``version`` as loaded guards against silent overwrites."""
    status = (
        Evaluation.objects.select_for_update()
        .values_list("status", flat=True)
        .get(pk=evaluation.pk)
    )
    if status == Status.LOCKED:
        raise LockedEvaluationError
    if requirement.kind not in ABSOLUTE_KINDS or (
        requirement.procurement_id != evaluation.procurement_id
    ):
        raise ValidationError(
            _("%(key)s is not an absolute requirement.") % {"key": requirement.key},
            code="not_absolute",
        )
    if tender.round_id != evaluation.round_id:
        raise ValidationError(
            _("This tender is not in this evaluation's round."), code="wrong_round"
        )
    justification = (justification or "").strip()
    if fulfilled:
        substantial_deviation = None
    found = check_text(justification, where=requirement.key)
    if found:
        raise ValidationError(
            {
                "justification": [
                    ValidationError(m, code="personal_data")
                    for m in [*found, str(REMEDY)]
                ]
            }
        )
    check = (
        AbsoluteCheck.objects.select_for_update()
        .filter(evaluation=evaluation, tender=tender, requirement=requirement)
        .first()
    )
    if check is None:
        check = AbsoluteCheck(
            evaluation=evaluation, tender=tender, requirement=requirement
        )
    else:
        if version and check.version != version:
            raise AbsoluteConflictError(check)
        check.version += 1
    check.fulfilled = fulfilled
    check.substantial_deviation = substantial_deviation
    check.justification = justification
    check.checked_by = by
    check._history_user = by
    check.full_clean(validate_constraints=False)
    check.save()
    return check


class AbsoluteConflictError(Exception):
    """Someone else changed the check after it was loaded."""

    def __init__(self, check: AbsoluteCheck):
        super().__init__(f"absolute check {check.pk} changed meanwhile")
        self.stored = check


@transaction.atomic
def rejection_confirm(
    *, evaluation: Evaluation, tender: Tender, reason: str, by: AbstractBaseUser
) -> Tender:
    """The lead confirms a proposed rejection: the tender's status becomes
    rejected with the reason, through procurement's tender service (which
    writes the ``tender.rejected`` event)."""
    from procurement.services.tenders import tender_set_status

    _check_rejection_decision(evaluation, tender, reason)
    return tender_set_status(
        tender=tender, status=Tender.Status.REJECTED, reason=reason.strip(), by=by
    )


@transaction.atomic
def rejection_dismiss(
    *, evaluation: Evaluation, tender: Tender, reason: str, by: AbstractBaseUser
) -> list[AbsoluteCheck]:
    """The lead dismisses a proposed rejection: each substantial deviation of
    the tender is judged not substantial, with the lead's reason as its
    justification (the earlier judgement stays in the check's history)."""
    _check_rejection_decision(evaluation, tender, reason)
    changed = []
    deviations = (
        AbsoluteCheck.objects.select_for_update(of=("self",))
        .select_related("requirement")
        .filter(
            evaluation=evaluation,
            tender=tender,
            fulfilled=False,
            substantial_deviation=True,
        )
    )
    for check in deviations:
        check.substantial_deviation = False
        check.justification = reason.strip()
        check.checked_by = by
        check.version += 1
        check._history_user = by
        check.full_clean(validate_constraints=False)
        check.save()
        changed.append(check)
    event_record(
        action="tender.rejection_dismissed",
        by=by,
        obj=tender,
        procurement=evaluation.procurement,
        data={
            "reason": reason.strip(),
            "requirements": sorted(check.requirement.key for check in changed),
        },
    )
    return changed


def _check_rejection_decision(evaluation: Evaluation, tender: Tender, reason: str):
    current = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
    if current.is_locked:
        raise LockedEvaluationError
    if tender.round_id != evaluation.round_id:
        raise ValidationError(
            _("This tender is not in this evaluation's round."), code="wrong_round"
        )
    if (
        not AbsoluteCheck.objects.filter(
            evaluation=evaluation,
            tender=tender,
            fulfilled=False,
            substantial_deviation=True,
        ).exists()
        or tender.status == Tender.Status.REJECTED
    ):
        raise ValidationError(
            _("This tender is not proposed for rejection."), code="not_proposed"
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {
                "reason": ValidationError(
                    _("Give the reason for the decision."), code="reason_required"
                )
            }
        )
    found = check_text(reason, where=_("Reason"))
    if found:
        raise ValidationError(
            {
                "reason": [
                    ValidationError(m, code="personal_data")
                    for m in [*found, str(REMEDY)]
                ]
            }
        )
