"""The lead's steps after individual scoring: open consensus, set consensus
scores, lock the quality consensus, open the sealed price envelope, release
the results to management and lock the evaluation.

Every step checks that ``by`` leads the evaluation (``PermissionDenied``
otherwise), runs in one transaction, and writes its event row there. A step
that cannot be taken yet raises ``ValidationError`` listing every reason (each
with a ``code``), and nothing is written. Nothing changes a locked evaluation:
``LockedEvaluationError`` (itself a ``ValidationError``, code ``locked``).
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from evaluation.access import is_lead
from evaluation.models import (
    ConsensusScore,
    Criterion,
    Evaluation,
    LockedEvaluationError,
    RequirementMapping,
    Score,
)
from evaluation.selectors.results import (
    consensus_gaps,
    evaluation_results,
    proposed_rejections,
)
from procurement.models import Requirement, Tender
from procurement.personal_data import check_text
from procurement.services import event_record
from procurement.services.tenders import round_open_prices


class ConsensusConflict(Exception):
    """Someone else set this consensus score after the user loaded it."""

    def __init__(self, current: ConsensusScore | None):
        super().__init__("the consensus score was changed by someone else")
        self.current = current


def _user(by: AbstractBaseUser | None) -> AbstractBaseUser | None:
    return by if by is not None and by.is_authenticated else None


def _locked_for_update(evaluation: Evaluation, by) -> Evaluation:
    """The evaluation's current row, locked for this transaction; refuses a
    locked evaluation and anyone who does not lead it."""
    current = (
        Evaluation.objects.select_for_update()
        .select_related("round", "procurement")
        .get(pk=evaluation.pk)
    )
    if current.is_locked:
        raise LockedEvaluationError
    if by is None or not is_lead(by, current.procurement):
        raise PermissionDenied
    return current


def _refuse(problems: list[ValidationError]) -> None:
    if problems:
        raise ValidationError(problems)


def _save(evaluation: Evaluation, by, fields: list[str]) -> None:
    evaluation._history_user = _user(by)
    evaluation.version += 1
    evaluation.full_clean()
    evaluation.save(update_fields=[*fields, "version"])


def _event(action: str, evaluation: Evaluation, by, **data) -> None:
    event_record(
        action=action,
        by=by,
        obj=evaluation,
        procurement=evaluation.procurement,
        data=data,
    )


def _gap_problems(evaluation: Evaluation, by) -> list[ValidationError]:
    """One reason per tender × criterion whose quality items lack consensus."""
    data, results = evaluation_results(evaluation, user=by)
    return [
        ValidationError(
            _("%(tender)s, %(criterion)s: %(count)s items lack a consensus score.")
            % {
                "tender": gap.tender_name,
                "criterion": gap.criterion_name,
                "count": gap.count,
            },
            code="consensus_incomplete",
        )
        for gap in consensus_gaps(data, results)
    ]


@transaction.atomic
def consensus_open(*, evaluation: Evaluation, by: AbstractBaseUser) -> Evaluation:
    """Move a scoring evaluation to consensus: from now on the lead and the
    panel see everyone's individual scores side by side. Refused unless the
    evaluation is being scored and at least one score has been submitted."""
    current = _locked_for_update(evaluation, by)
    problems = []
    if current.status != Evaluation.Status.SCORING:
        problems.append(
            ValidationError(
                _(
                    "Consensus can only be opened while the evaluation is scored "
                    "(it is now: %(status)s)."
                )
                % {"status": current.get_status_display()},
                code="not_scoring",
            )
        )
    if not Score.objects.filter(evaluation=current).exists():
        problems.append(
            ValidationError(_("Nobody has scored anything yet."), code="nothing_scored")
        )
    _refuse(problems)
    current.status = Evaluation.Status.CONSENSUS
    current.consensus_opened_at = timezone.now()
    _save(current, by, ["status", "consensus_opened_at"])
    _event("evaluation.consensus_opened", current, by)
    return current


def _check_item(
    evaluation: Evaluation,
    tender: Tender,
    requirement: Requirement | None,
    criterion: Criterion | None,
) -> Criterion:
    """The criterion the item counts in; refuses items and tenders that are
    not part of this evaluation."""
    if tender.round_id != evaluation.round_id or (
        tender.status == Tender.Status.WITHDRAWN
    ):
        raise ValidationError(
            _("This tender is not evaluated in this round."), code="foreign_tender"
        )
    if (requirement is None) == (criterion is None):
        raise ValidationError(
            _("A consensus score is set for a requirement or a criterion."),
            code="item",
        )
    if requirement is not None:
        mapping = (
            RequirementMapping.objects.select_related("criterion")
            .filter(evaluation=evaluation, requirement=requirement)
            .first()
        )
        if mapping is None:
            raise ValidationError(
                _("%(key)s is not mapped to a criterion of this evaluation.")
                % {"key": requirement.key},
                code="not_mapped",
            )
        return mapping.criterion
    if (
        criterion.evaluation_id != evaluation.pk
        or criterion.method != Criterion.Method.DIRECT
    ):
        raise ValidationError(
            _("%(criterion)s is not scored directly in this evaluation.")
            % {"criterion": criterion},
            code="not_direct",
        )
    return criterion


@transaction.atomic
def consensus_score_set(
    *,
    evaluation: Evaluation,
    tender: Tender,
    requirement: Requirement | None = None,
    criterion: Criterion | None = None,
    value: Decimal,
    justification: str,
    expected_version: int | None,
    by: AbstractBaseUser,
) -> ConsensusScore:
    """Set the panel's consensus score of one tender × item (a mapped
    requirement, or a criterion scored directly) with its justification.

    ``expected_version`` is the version the lead loaded (0 when there was no
    consensus score yet); if someone set it meanwhile, ``ConsensusConflict``
    carries the stored score and nothing is written. Individual scores are
    never touched. Refused outside the consensus stage, after the quality
    consensus is locked, outside the criterion's scale, without a
    justification or with personal data in it."""
    current_evaluation = _locked_for_update(evaluation, by)
    problems = []
    if current_evaluation.status != Evaluation.Status.CONSENSUS:
        problems.append(
            ValidationError(
                _("Consensus is not open for this evaluation."),
                code="consensus_not_open",
            )
        )
    elif current_evaluation.quality_locked_at is not None:
        problems.append(
            ValidationError(
                _("The quality consensus is locked; its scores can no longer change."),
                code="quality_locked",
            )
        )
    _refuse(problems)
    owner = _check_item(current_evaluation, tender, requirement, criterion)
    if value is None or not (Decimal(0) <= value <= owner.scale_max):
        problems.append(
            ValidationError(
                _("A score for %(criterion)s lies between 0 and %(max)s.")
                % {"criterion": owner.name, "max": owner.scale_max.normalize()},
                code="outside_scale",
            )
        )
    justification = (justification or "").strip()
    if not justification:
        problems.append(
            ValidationError(
                _("A consensus score needs a written justification."),
                code="justification_required",
            )
        )
    for message in check_text(justification, where=_("the justification")):
        problems.append(ValidationError(message, code="personal_data"))
    _refuse(problems)

    item = {"requirement": requirement} if requirement else {"criterion": criterion}
    stored = (
        ConsensusScore.objects.select_for_update()
        .filter(evaluation=current_evaluation, tender=tender, **item)
        .first()
    )
    stored_version = stored.version if stored else 0
    if expected_version is not None and expected_version != stored_version:
        raise ConsensusConflict(stored)
    score = stored or ConsensusScore(
        evaluation=current_evaluation, tender=tender, **item
    )
    if stored and stored.value == value and stored.justification == justification:
        return stored
    score.value = value
    score.justification = justification
    score.decided_by = by
    if stored:
        score.version += 1
    score._history_user = _user(by)
    score.full_clean()
    score.save()
    return score


@transaction.atomic
def quality_lock(*, evaluation: Evaluation, by: AbstractBaseUser) -> Evaluation:
    """Freeze the quality consensus: refused while any quality item of a
    tender that is not rejected lacks a consensus score. Only then can a
    sealed price envelope be opened."""
    current = _locked_for_update(evaluation, by)
    problems = []
    if current.status != Evaluation.Status.CONSENSUS:
        problems.append(
            ValidationError(
                _("The quality consensus can only be locked during consensus."),
                code="consensus_not_open",
            )
        )
    elif current.quality_locked_at is not None:
        problems.append(
            ValidationError(
                _("The quality consensus is already locked."),
                code="quality_already_locked",
            )
        )
    else:
        problems.extend(_gap_problems(current, by))
    _refuse(problems)
    current.quality_locked_at = timezone.now()
    _save(current, by, ["quality_locked_at"])
    _event("evaluation.quality_locked", current, by)
    return current


@transaction.atomic
def prices_open(*, evaluation: Evaluation, by: AbstractBaseUser) -> Evaluation:
    """Open the round's sealed price envelope (a ``round.prices_opened``
    event); refused until the quality consensus is locked."""
    current = _locked_for_update(evaluation, by)
    if current.quality_locked_at is None:
        raise ValidationError(
            _("Lock the quality consensus before you open the price envelope."),
            code="quality_not_locked",
        )
    round_open_prices(round=current.round, by=by)
    current.round.refresh_from_db()
    return current


@transaction.atomic
def results_release(*, evaluation: Evaluation, by: AbstractBaseUser) -> Evaluation:
    """Let management read the results (while the price envelope is sealed
    they see the price criterion as sealed). Refused before consensus."""
    current = _locked_for_update(evaluation, by)
    problems = []
    if current.status != Evaluation.Status.CONSENSUS:
        problems.append(
            ValidationError(
                _("Results can be released once consensus is open."),
                code="consensus_not_open",
            )
        )
    if current.released_at is not None:
        problems.append(
            ValidationError(
                _("The results are already released to management."),
                code="already_released",
            )
        )
    _refuse(problems)
    current.released_at = timezone.now()
    _save(current, by, ["released_at"])
    _event("evaluation.released", current, by)
    return current


def lock_problems(evaluation: Evaluation, by) -> list[ValidationError]:
    """Every reason the evaluation cannot be locked now (empty: it can)."""
    problems = []
    if evaluation.status != Evaluation.Status.CONSENSUS:
        problems.append(
            ValidationError(
                _("Only an evaluation in consensus can be locked."),
                code="consensus_not_open",
            )
        )
        return problems
    if evaluation.round.prices_sealed:
        problems.append(
            ValidationError(
                _("The price envelope is still sealed; open it first."),
                code="prices_sealed",
            )
        )
    problems.extend(_gap_problems(evaluation, by))
    pending = proposed_rejections(evaluation)
    if pending:
        names = dict(
            Tender.objects.filter(pk__in=pending).values_list("pk", "vendor__name")
        )
        problems.extend(
            ValidationError(
                _(
                    "%(vendor)s is proposed for rejection (a substantial deviation "
                    "on %(keys)s); confirm or dismiss the rejection first."
                )
                % {"vendor": names.get(tender_id, tender_id), "keys": ", ".join(keys)},
                code="rejection_pending",
            )
            for tender_id, keys in pending.items()
        )
    return problems


@transaction.atomic
def evaluation_lock(*, evaluation: Evaluation, by: AbstractBaseUser) -> Evaluation:
    """Lock the evaluation for good: afterwards nothing in it can change,
    through any path. Refused while consensus is incomplete or the price
    envelope is sealed, with every reason."""
    current = _locked_for_update(evaluation, by)
    _refuse(lock_problems(current, by))
    now = timezone.now()
    current.status = Evaluation.Status.LOCKED
    current.locked_at = now
    current.locked_by = _user(by)
    if current.quality_locked_at is None:
        current.quality_locked_at = now
    _save(current, by, ["status", "locked_at", "locked_by", "quality_locked_at"])
    _event("evaluation.locked", current, by)
    return current
