"""Writes that set an evaluation up: the evaluation itself, its criteria tree,
requirement mappings, AHP comparisons, the start of scoring, the panel and
declarations of impartiality.

Every service takes the evaluation row under ``select_for_update`` and checks
its status first, so nothing in the model changes once scoring has started
(``FrozenModelError``) and nothing at all once it is locked. Each change is
kept by django-simple-history with the acting user, and state changes write
an event row in the same transaction."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Model, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from evaluation import results as engine
from evaluation.access import EVALUATOR, LEAD
from evaluation.models import (
    Assignment,
    Criterion,
    Declaration,
    Evaluation,
    LockedEvaluationError,
    PairwiseComparison,
    RequirementMapping,
)
from evaluation.selectors.setup import (
    evaluated_requirements,
    procurement_vendors,
    start_blockers,
)
from procurement.access import procurement_roles
from procurement.models import Organisation, Procurement, Requirement, Tender
from procurement.personal_data import validate_no_personal_data
from procurement.services.core import event_record

EVALUATION_FIELDS = (
    "award_model",
    "price_model",
    "price_range_min",
    "price_range_max",
    "price_log_multiple",
    "disagreement_threshold",
    "scale_descriptors",
    "standstill_days",
)
CRITERION_FIELDS = (
    "name",
    "description",
    "kind",
    "method",
    "normalise",
    "scale_max",
    "weight",
    "weight_min",
    "weight_max",
)


class FrozenModelError(ValidationError):
    """The model (criteria, weights, mappings) is fixed once scoring starts."""

    def __init__(self):
        super().__init__(
            _(
                "Scoring has started: the criteria, weights and requirement "
                "mappings are frozen and cannot be changed."
            ),
            code="frozen",
        )


class StartRefused(ValidationError):
    """Scoring cannot start; ``reasons`` lists every reason as a sentence."""

    def __init__(self, reasons: Sequence[str]):
        super().__init__([ValidationError(r, code="start_refused") for r in reasons])
        self.reasons = list(reasons)


def _field_error(field: str, message: str, code: str) -> ValidationError:
    """An error on one form field that keeps its code."""
    return ValidationError({field: ValidationError(message, code=code)})


def _user(by: AbstractBaseUser | None) -> AbstractBaseUser | None:
    return by if by is not None and by.is_authenticated else None


def _locked_for_setup(evaluation: Evaluation) -> Evaluation:
    """The evaluation row, locked for this transaction, if it is still being
    set up; otherwise the refusal that says why."""
    current = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
    if current.status == Evaluation.Status.LOCKED:
        raise LockedEvaluationError
    if current.status != Evaluation.Status.SETUP:
        raise FrozenModelError
    return current


def _locked_open(evaluation: Evaluation) -> Evaluation:
    """The evaluation row, locked for this transaction, unless it is locked."""
    current = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
    if current.status == Evaluation.Status.LOCKED:
        raise LockedEvaluationError
    return current


def _save(instance: Model, by: AbstractBaseUser | None) -> None:
    instance.full_clean()
    instance._history_user = _user(by)
    instance.save()


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Model):
        return str(value)
    return value


def _changes(instance: Model, fields: Mapping[str, Any]) -> dict[str, list[Any]]:
    return {
        name: [_plain(getattr(instance, name)), _plain(value)]
        for name, value in fields.items()
        if getattr(instance, name) != value
    }


# The evaluation -----------------------------------------------------------------


@transaction.atomic
def evaluation_create(
    *, by: AbstractBaseUser | None, procurement: Procurement, round, **fields: Any
) -> Evaluation:
    """Create the evaluation of one tender round (one per round)."""
    if round.procurement_id != procurement.pk:
        raise _field_error(
            "round",
            _("The round belongs to another procurement."),
            "foreign_round",
        )
    evaluation = Evaluation(procurement=procurement, round=round)
    for name in EVALUATION_FIELDS:
        if name in fields:
            setattr(evaluation, name, fields[name])
    _save(evaluation, by)
    event_record(
        action="evaluation.created",
        by=by,
        obj=evaluation,
        procurement=procurement,
        data={"round": round.number},
    )
    return evaluation


@transaction.atomic
def evaluation_update(
    *,
    by: AbstractBaseUser | None,
    evaluation: Evaluation,
    loaded_version: int | None = None,
    **fields: Any,
) -> Evaluation:
    """Change the award and price models, the disagreement threshold or the
    scale descriptors while the evaluation is being set up. With
    ``loaded_version``, refuse when someone saved it after it was loaded."""
    current = _locked_for_setup(evaluation)
    if loaded_version is not None and loaded_version != current.version:
        raise ValidationError(
            _(
                "Someone else saved the evaluation while you were editing it; "
                "nothing was saved. Open it again to see their changes."
            ),
            code="concurrent_edit",
        )
    fields = {k: v for k, v in fields.items() if k in EVALUATION_FIELDS}
    changes = _changes(current, fields)
    for name, value in fields.items():
        setattr(current, name, value)
    if changes:
        current.version += 1
        _save(current, by)
        event_record(
            action="evaluation.changed",
            by=by,
            obj=current,
            procurement=current.procurement,
            data={"changes": changes},
        )
    return current


# Criteria -----------------------------------------------------------------------


def _check_parent(evaluation: Evaluation, parent: Criterion | None) -> None:
    if parent is None:
        return
    if parent.evaluation_id != evaluation.pk:
        raise _field_error(
            "parent",
            _("The parent criterion belongs to another evaluation."),
            "foreign_parent",
        )
    if parent.mappings.exists():
        raise ValidationError(
            _(
                "“%(name)s” has requirements mapped to it; move them to other "
                "criteria before dividing it into sub-criteria."
            )
            % {"name": parent.name},
            code="parent_has_mappings",
        )


def _check_method(criterion: Criterion) -> None:
    errors = {}
    siblings = Criterion.objects.filter(
        evaluation_id=criterion.evaluation_id,
        parent_id=criterion.parent_id,
        name__iexact=(criterion.name or "").strip(),
    ).exclude(pk=criterion.pk)
    if siblings.exists():
        errors["name"] = ValidationError(
            _("Another criterion at this level already has this name."),
            code="name_taken",
        )
    if criterion.method == Criterion.Method.PRICE and (
        criterion.kind != Criterion.Kind.PRICE
    ):
        errors["kind"] = ValidationError(
            _("Only a price criterion is scored with the price formula."),
            code="price_kind",
        )
    if (
        criterion.pk
        and criterion.method != Criterion.Method.REQUIREMENTS
        and criterion.mappings.exists()
    ):
        errors["method"] = ValidationError(
            _(
                "Requirements are mapped to this criterion; remove the mappings "
                "before scoring it another way."
            ),
            code="has_mappings",
        )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def criterion_create(
    *,
    by: AbstractBaseUser | None,
    evaluation: Evaluation,
    parent: Criterion | None = None,
    **fields: Any,
) -> Criterion:
    """Add a criterion at the top level or under ``parent``, last among its
    siblings. Weights are percent of the parent."""
    evaluation = _locked_for_setup(evaluation)
    _check_parent(evaluation, parent)
    siblings = Criterion.objects.filter(evaluation=evaluation, parent=parent)
    last = siblings.aggregate(m=Max("position"))["m"]
    criterion = Criterion(
        evaluation=evaluation,
        parent=parent,
        position=0 if last is None else last + 1,
    )
    for name in CRITERION_FIELDS:
        if name in fields:
            setattr(criterion, name, fields[name])
    _check_method(criterion)
    _save(criterion, by)
    event_record(
        action="evaluation.changed",
        by=by,
        obj=evaluation,
        procurement=evaluation.procurement,
        data={"criterion_added": criterion.name, "weight": str(criterion.weight)},
    )
    return criterion


@transaction.atomic
def criterion_update(
    *,
    by: AbstractBaseUser | None,
    criterion: Criterion,
    loaded_version: int | None = None,
    **fields: Any,
) -> Criterion:
    """Change a criterion while the evaluation is being set up. With
    ``loaded_version``, refuse when someone saved it after it was loaded."""
    evaluation = _locked_for_setup(criterion.evaluation)
    current = Criterion.objects.select_for_update().get(pk=criterion.pk)
    if loaded_version is not None and loaded_version != current.version:
        raise ValidationError(
            _(
                "Someone else saved this criterion while you were editing it; "
                "nothing was saved. Their change is in the history below; open "
                "the criterion again to edit it as it is now."
            ),
            code="concurrent_edit",
        )
    fields = {k: v for k, v in fields.items() if k in CRITERION_FIELDS}
    changes = _changes(current, fields)
    for name, value in fields.items():
        setattr(current, name, value)
    _check_method(current)
    if changes:
        current.version += 1
        _save(current, by)
        event_record(
            action="evaluation.changed",
            by=by,
            obj=evaluation,
            procurement=evaluation.procurement,
            data={"criterion": current.name, "changes": changes},
        )
    return current


@transaction.atomic
def criterion_delete(*, by: AbstractBaseUser | None, criterion: Criterion) -> None:
    """Remove a criterion with its sub-criteria, mappings, assignments and
    comparisons while the evaluation is being set up."""
    evaluation = _locked_for_setup(criterion.evaluation)
    name = criterion.name
    criterion._history_user = _user(by)
    criterion.delete()
    event_record(
        action="evaluation.changed",
        by=by,
        obj=evaluation,
        procurement=evaluation.procurement,
        data={"criterion_removed": name},
    )


# Requirement mappings -----------------------------------------------------------


def _check_mappable(evaluation: Evaluation, criterion: Criterion) -> None:
    if criterion.evaluation_id != evaluation.pk:
        raise ValidationError(
            _("The criterion belongs to another evaluation."), code="foreign_criterion"
        )
    if criterion.method != Criterion.Method.REQUIREMENTS:
        raise ValidationError(
            _("“%(name)s” is not scored from requirements.") % {"name": criterion.name},
            code="not_requirement_scored",
        )
    if criterion.children.exists():
        raise ValidationError(
            _(
                "“%(name)s” is divided into sub-criteria; map requirements to "
                "those instead."
            )
            % {"name": criterion.name},
            code="not_a_leaf",
        )


@transaction.atomic
def mappings_add(
    *,
    by: AbstractBaseUser | None,
    evaluation: Evaluation,
    criterion: Criterion,
    requirements: Iterable[Requirement],
    weight: Decimal | None = None,
) -> list[RequirementMapping]:
    """Map unmapped evaluated requirements to a requirement-scored leaf, each
    with ``weight`` or, without one, its published weight (1 if it has none).
    All or nothing: a requirement that is not evaluated here or is already
    mapped refuses the whole batch, naming it."""
    evaluation = _locked_for_setup(evaluation)
    _check_mappable(evaluation, criterion)
    if weight is not None and weight < 0:
        raise _field_error(
            "weight", _("A weight cannot be negative."), "negative_weight"
        )
    # A queryset (a whole section) stays in the database: no id list that
    # could pass SQLite's parameter limit.
    if isinstance(requirements, QuerySet):
        chosen = requirements.values("pk")
    else:
        chosen = [r.pk for r in requirements]
    evaluated = evaluated_requirements(evaluation)
    picked = list(evaluated.filter(pk__in=chosen).order_by("key"))
    foreign = sorted(
        Requirement.objects.filter(pk__in=chosen)
        .exclude(pk__in=evaluated.values("pk"))
        .values_list("key", flat=True)
    )
    if foreign:
        raise ValidationError(
            _("Not a V or AV requirement of this round: %(keys)s.")
            % {"keys": ", ".join(foreign[:20])},
            code="not_evaluated",
        )
    if not picked:
        raise ValidationError(
            _("Choose at least one requirement to map."), code="nothing_chosen"
        )
    taken = list(
        evaluation.mappings.filter(requirement_id__in=chosen)
        .select_related("requirement", "criterion")
        .order_by("requirement__key")[:20]
    )
    if taken:
        raise ValidationError(
            _("Already mapped: %(items)s.")
            % {
                "items": ", ".join(
                    f"{m.requirement.key} → {m.criterion.name}" for m in taken
                )
            },
            code="already_mapped",
        )
    rows = [
        RequirementMapping(
            evaluation=evaluation,
            criterion=criterion,
            requirement=r,
            weight=r.default_weight if weight is None else weight,
        )
        for r in picked
    ]
    created = bulk_create_with_history(
        rows, RequirementMapping, default_user=_user(by), batch_size=500
    )
    event_record(
        action="evaluation.changed",
        by=by,
        obj=evaluation,
        procurement=evaluation.procurement,
        data={"mapped": len(rows), "criterion": criterion.name},
    )
    return created


@transaction.atomic
def mapping_update(
    *, by: AbstractBaseUser | None, mapping: RequirementMapping, weight: Decimal
) -> RequirementMapping:
    """Change the weight of one mapped requirement."""
    _locked_for_setup(mapping.evaluation)
    current = RequirementMapping.objects.get(pk=mapping.pk)
    current.weight = weight
    _save(current, by)
    return current


@transaction.atomic
def mapping_remove(*, by: AbstractBaseUser | None, mapping: RequirementMapping) -> None:
    """Unmap one requirement (it shows as unmapped again)."""
    evaluation = _locked_for_setup(mapping.evaluation)
    mapping._history_user = _user(by)
    key = mapping.requirement.key
    mapping.delete()
    event_record(
        action="evaluation.changed",
        by=by,
        obj=evaluation,
        procurement=evaluation.procurement,
        data={"unmapped": key},
    )


# AHP ----------------------------------------------------------------------------


def ahp_level(evaluation: Evaluation, parent: Criterion | None) -> list[Criterion]:
    """The criteria compared on one AHP page: the parent's children, or the
    top level, in tree order."""
    return list(
        Criterion.objects.filter(evaluation=evaluation, parent=parent).order_by(
            "position", "pk"
        )
    )


def full_matrix(upper: Mapping[tuple[int, int], Fraction], n: int) -> list[list]:
    """The n × n reciprocal matrix from its upper triangle ``(i, j): a_ij``."""
    matrix = [[Fraction(1)] * n for _ in range(n)]
    for (i, j), value in upper.items():
        matrix[i][j] = Fraction(value)
        matrix[j][i] = 1 / Fraction(value)
    return matrix


@transaction.atomic
def comparison_save(
    *,
    by: AbstractBaseUser | None,
    evaluation: Evaluation,
    parent: Criterion | None,
    criteria: Sequence[Criterion],
    matrix: Sequence[Sequence[Fraction]],
) -> tuple[PairwiseComparison, engine.AHPResult]:
    """Store the comparison matrix of one level and return the engine's
    weights and consistency for it (``AHPMatrixError`` for a bad matrix)."""
    evaluation = _locked_for_setup(evaluation)
    result = engine.ahp_weights(matrix)
    # Created or changed in one save, so its history says who did either.
    comparison = PairwiseComparison.objects.filter(
        evaluation=evaluation, parent=parent
    ).first() or PairwiseComparison(evaluation=evaluation, parent=parent)
    comparison.criterion_ids = [c.pk for c in criteria]
    comparison.matrix = [[str(Fraction(x)) for x in row] for row in matrix]
    comparison.updated_by = _user(by)
    comparison._history_user = _user(by)
    comparison.full_clean()
    comparison.save()
    return comparison, result


@transaction.atomic
def ahp_apply(
    *,
    by: AbstractBaseUser | None,
    evaluation: Evaluation,
    parent: Criterion | None,
    matrix: Sequence[Sequence[Fraction]],
) -> engine.AHPResult:
    """Store the matrix and set the compared criteria's weights to the
    engine's AHP weights (percent, two decimals, summing to exactly 100).
    A weight outside a criterion's declared range refuses the whole change."""
    criteria = ahp_level(evaluation, parent)
    if len(matrix) != len(criteria):
        raise ValidationError(
            _("The criteria at this level changed; compare them again."),
            code="stale_matrix",
        )
    _comparison, result = comparison_save(
        by=by, evaluation=evaluation, parent=parent, criteria=criteria, matrix=matrix
    )
    errors = []
    changes = {}
    for criterion, weight in zip(criteria, result.percent_weights(2), strict=True):
        old = criterion.weight
        criterion.weight = weight
        criterion.version += 1
        try:
            _save(criterion, by)
        except ValidationError as error:
            errors.extend(
                ValidationError(
                    f"{criterion.name}: {m}",
                    code="ahp_weight",
                )
                for m in error.messages
            )
        changes[criterion.name] = [str(old), str(weight)]
    if errors:
        raise ValidationError(errors)
    event_record(
        action="evaluation.changed",
        by=by,
        obj=evaluation,
        procurement=evaluation.procurement,
        data={
            "ahp_applied": str(parent) if parent else "",
            "cr": round(result.cr, 4),
            "weights": changes,
        },
    )
    return result


# Start of scoring ---------------------------------------------------------------


@transaction.atomic
def scoring_start(*, by: AbstractBaseUser | None, evaluation: Evaluation) -> Evaluation:
    """Move the evaluation from set-up to scoring, freezing the criteria,
    weights and mappings. Refused (``StartRefused`` with every reason) while
    the model has problems, a V/AV requirement is unmapped, the points model
    has no price criterion or a scored criterion has no evaluator."""
    current = _locked_for_setup(evaluation)
    reasons = start_blockers(current)
    if reasons:
        raise StartRefused(reasons)
    current.status = Evaluation.Status.SCORING
    current.scoring_started_at = timezone.now()
    current.version += 1
    _save(current, by)
    event_record(
        action="evaluation.scoring_started",
        by=by,
        obj=current,
        procurement=current.procurement,
    )
    return current


# Panel --------------------------------------------------------------------------


def _conflicted(evaluator, procurement: Procurement, tender: Tender) -> bool:
    return Declaration.objects.filter(
        procurement=procurement, evaluator=evaluator, conflicts=tender.vendor_id
    ).exists()


@transaction.atomic
def assignments_add(
    *,
    by: AbstractBaseUser | None,
    evaluation: Evaluation,
    evaluator,
    criteria: Iterable[Criterion],
    tender: Tender | None = None,
) -> list[Assignment]:
    """Assign an evaluator (evaluator or lead in the procurement) to score
    ``criteria`` for every tender, or only ``tender``. Refused for a tender of
    a vendor the evaluator declared a conflict with; existing assignments are
    left as they are."""
    evaluation = _locked_open(evaluation)
    procurement = evaluation.procurement
    roles = procurement_roles(evaluator, procurement)
    if EVALUATOR not in roles and LEAD not in roles:
        raise _field_error(
            "evaluator",
            _("Only evaluators and leads of this procurement score."),
            "not_an_evaluator",
        )
    if tender is not None:
        if tender.round_id != evaluation.round_id:
            raise _field_error(
                "tender",
                _("The tender belongs to another round."),
                "foreign_tender",
            )
        if _conflicted(evaluator, procurement, tender):
            raise _field_error(
                "tender",
                _(
                    "%(user)s has declared a conflict of interest with "
                    "%(vendor)s and cannot score its tender."
                )
                % {
                    "user": evaluator.get_full_name() or evaluator.get_username(),
                    "vendor": tender.vendor.name,
                },
                "conflict",
            )
    created = []
    for criterion in criteria:
        if criterion.evaluation_id != evaluation.pk:
            raise ValidationError(
                _("The criterion belongs to another evaluation."),
                code="foreign_criterion",
            )
        if criterion.method == Criterion.Method.PRICE:
            raise _field_error(
                "criteria",
                _("“%(name)s” is scored by the price formula.")
                % {"name": criterion.name},
                "price_criterion",
            )
        if Assignment.objects.filter(
            evaluation=evaluation,
            evaluator=evaluator,
            criterion=criterion,
            tender=tender,
        ).exists():
            continue
        assignment = Assignment(
            evaluation=evaluation,
            evaluator=evaluator,
            criterion=criterion,
            tender=tender,
        )
        _save(assignment, by)
        created.append(assignment)
    if created:
        event_record(
            action="evaluation.panel_changed",
            by=by,
            obj=evaluation,
            procurement=procurement,
            data={
                "assigned": evaluator.get_username(),
                "criteria": [a.criterion.name for a in created],
                "tender": str(tender) if tender else "",
            },
        )
    return created


@transaction.atomic
def assignment_remove(*, by: AbstractBaseUser | None, assignment: Assignment) -> None:
    evaluation = _locked_open(assignment.evaluation)
    assignment._history_user = _user(by)
    data = {
        "unassigned": assignment.evaluator.get_username(),
        "criterion": assignment.criterion.name,
        "tender": str(assignment.tender) if assignment.tender_id else "",
    }
    assignment.delete()
    event_record(
        action="evaluation.panel_changed",
        by=by,
        obj=evaluation,
        procurement=evaluation.procurement,
        data=data,
    )


# Declarations -------------------------------------------------------------------


@transaction.atomic
def declaration_sign(
    *,
    by: AbstractBaseUser,
    procurement: Procurement,
    conflicts: Iterable[Organisation],
    note: str = "",
) -> Declaration:
    """Sign the user's declaration of impartiality for the procurement,
    naming the vendors (with tenders here) they are in conflict with. Once
    per evaluator and procurement; a signed declaration is never changed."""
    roles = procurement_roles(by, procurement)
    if EVALUATOR not in roles and LEAD not in roles:
        raise ValidationError(
            _("Only evaluators and leads of this procurement sign a declaration."),
            code="not_an_evaluator",
        )
    if Declaration.objects.filter(procurement=procurement, evaluator=by).exists():
        raise ValidationError(
            _(
                "You have already signed your declaration for this procurement; "
                "report any new conflict of interest to the evaluation lead."
            ),
            code="already_signed",
        )
    conflicts = list(conflicts)
    vendor_ids = set(procurement_vendors(procurement).values_list("pk", flat=True))
    if not vendor_ids:
        raise ValidationError(
            _(
                "No tenders have been registered in this procurement yet; sign "
                "once the vendors are known."
            ),
            code="no_vendors",
        )
    strangers = [v.name for v in conflicts if v.pk not in vendor_ids]
    if strangers:
        raise _field_error(
            "conflicts",
            _("Not a vendor with a tender here: %(names)s.")
            % {"names": ", ".join(strangers)},
            "not_a_vendor_here",
        )
    validate_no_personal_data(note)
    declaration = Declaration(
        procurement=procurement, evaluator=by, conflict_note=note.strip()
    )
    _save(declaration, by)
    declaration.conflicts.set(conflicts)
    event_record(
        action="declaration.signed",
        by=by,
        obj=declaration,
        procurement=procurement,
        data={"conflicts": sorted(v.name for v in conflicts)},
    )
    by.__dict__.get("_kravspor_declarations", {}).pop(procurement.pk, None)
    return declaration
