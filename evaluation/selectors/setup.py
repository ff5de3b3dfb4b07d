"""Reads for setting an evaluation up: the criteria tree with its effective
weights, the requirements to map, the engine's view of the model and its
problems, the reasons scoring cannot start yet, the panel and declarations.

Weights, effective weights and model checks come from the results engine
(``evaluation.results``); this module only turns rows into its plain data and
its problem codes into sentences."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import (
    Count,
    DecimalField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from evaluation import results as engine
from evaluation.access import EVALUATOR, LEAD, declaration_for
from evaluation.models import Assignment, Criterion, Declaration, Evaluation
from evaluation.selectors.results import engine_criteria
from procurement.access import procurement_roles
from procurement.models import (
    BaselineRequirement,
    Membership,
    Organisation,
    Procurement,
    Requirement,
    Section,
    Tender,
)

HUNDRED = Decimal(100)
EVALUATED_KINDS = (Requirement.Kind.V, Requirement.Kind.AV)

# Declarations -------------------------------------------------------------------


def needs_declaration(user, evaluation: Evaluation) -> bool:
    """True when the user scores or leads in this procurement and has not yet
    signed a declaration of impartiality: pages that show tender content send
    them to ``evaluation:declaration`` first."""
    roles = procurement_roles(user, evaluation.procurement)
    if LEAD not in roles and EVALUATOR not in roles:
        return False
    return declaration_for(user, evaluation.procurement) is None


def procurement_vendors(procurement: Procurement) -> QuerySet[Organisation]:
    """Vendors with a tender in any round of the procurement."""
    return Organisation.objects.filter(
        kind=Organisation.Kind.VENDOR,
        pk__in=Tender.objects.filter(round__procurement=procurement).values(
            "vendor_id"
        ),
    ).order_by("name")


def visible_round_tenders(user, evaluation: Evaluation) -> list[Tender]:
    """The round's tenders as this user may list them: a lead or evaluator
    never sees a vendor they declared a conflict with."""
    tenders = list(
        Tender.objects.filter(round=evaluation.round)
        .select_related("vendor")
        .order_by("vendor__name")
    )
    roles = procurement_roles(user, evaluation.procurement)
    if LEAD in roles or EVALUATOR in roles:
        declaration = declaration_for(user, evaluation.procurement)
        if declaration is None:
            return []
        conflicts = {v.pk for v in declaration.conflicts.all()}
        tenders = [t for t in tenders if t.vendor_id not in conflicts]
    return tenders


# Requirements to map ------------------------------------------------------------


def evaluated_requirements(evaluation: Evaluation) -> QuerySet[Requirement]:
    """The V and AV requirements this evaluation scores, annotated with
    ``default_weight``: those of the round's baseline (matched to today's rows
    by key, weighted as published) or, without a baseline, the procurement's
    requirements of kind V/AV that are not withdrawn."""
    requirements = Requirement.objects.filter(procurement_id=evaluation.procurement_id)
    baseline_id = evaluation.round.baseline_id
    if baseline_id is None:
        return requirements.evaluated().annotate(default_weight=_or_one("weight"))
    published = BaselineRequirement.objects.filter(
        baseline_id=baseline_id, kind__in=EVALUATED_KINDS
    ).exclude(status=Requirement.Status.WITHDRAWN)
    return requirements.filter(key__in=published.values("key")).annotate(
        default_weight=_or_one(
            Subquery(published.filter(key=OuterRef("key")).values("weight")[:1])
        )
    )


def _or_one(expression):
    """The requirement's weight, or 1 where it has none."""
    return Coalesce(
        expression,
        Value(Decimal(1)),
        output_field=DecimalField(max_digits=9, decimal_places=3),
    )


def unmapped_requirements(evaluation: Evaluation) -> QuerySet[Requirement]:
    return evaluated_requirements(evaluation).exclude(
        pk__in=evaluation.mappings.values("requirement_id")
    )


def mapping_counts(evaluation: Evaluation) -> dict[str, int]:
    """How many of the evaluated requirements are mapped and unmapped, and how
    many mappings point at requirements no longer evaluated (two queries)."""
    evaluated = evaluated_requirements(evaluation)
    total = evaluated.count()
    mapped = evaluation.mappings.filter(requirement__in=evaluated.values("pk")).count()
    all_mapped = evaluation.mappings.count()
    return {
        "total": total,
        "mapped": mapped,
        "unmapped": total - mapped,
        "stale": all_mapped - mapped,
    }


def section_subtree_q(section: Section, prefix: str = "section") -> Q:
    """Requirements in the section or any section below it."""
    return Q(**{f"{prefix}__sort_key": section.sort_key}) | Q(
        **{f"{prefix}__sort_key__startswith": section.sort_key + "."}
    )


def unmapped_by_section(evaluation: Evaluation) -> list[dict]:
    """Per section holding unmapped requirements directly: its number, title
    and count, in the specification's order."""
    rows = (
        unmapped_requirements(evaluation)
        .values("section_id", "section__number", "section__title", "section__sort_key")
        .annotate(count=Count("pk"))
        .order_by("section__sort_key")
    )
    return list(rows)


# Criteria tree ----------------------------------------------------------------


@dataclass
class CriterionRow:
    """One criterion in depth-first order with what the pages show about it."""

    criterion: Criterion
    depth: int
    effective: Decimal
    mapping_count: int = 0
    assignment_count: int = 0
    children: list[CriterionRow] = field(default_factory=list)

    @property
    def effective_percent(self) -> Decimal:
        return engine.display_percent(self.effective)

    @property
    def is_leaf(self) -> bool:
        return not self.children

    @property
    def is_scored_by_evaluators(self) -> bool:
        return self.is_leaf and self.criterion.method != Criterion.Method.PRICE


def criteria_with_counts(evaluation: Evaluation) -> list[Criterion]:
    """The evaluation's criteria with ``mapping_count`` and
    ``assignment_count`` (one query)."""
    mappings = (
        evaluation.mappings.filter(criterion=OuterRef("pk"))
        .order_by()
        .values("criterion")
    )
    assignments = (
        Assignment.objects.filter(criterion=OuterRef("pk"))
        .order_by()
        .values("criterion")
    )
    return list(
        Criterion.objects.filter(evaluation=evaluation)
        .annotate(
            mapping_count=_or_zero(
                Subquery(mappings.annotate(n=Count("pk")).values("n"))
            ),
            assignment_count=_or_zero(
                Subquery(assignments.annotate(n=Count("pk")).values("n"))
            ),
        )
        .order_by("parent_id", "position", "pk")
    )


def _or_zero(expression):
    return Coalesce(expression, Value(0), output_field=IntegerField())


@dataclass(frozen=True)
class ModelCheck:
    """The engine's view of the stored model: effective weights (fractions,
    product down the tree) and the problems ``check_model`` finds."""

    effective: Mapping[Hashable, Decimal]
    problems: Sequence[engine.Problem]


def model_check(evaluation: Evaluation) -> ModelCheck:
    """Run the engine over the stored model (weights, ranges, methods,
    mappings, price settings), read through the results pages' adapter so
    both see the same model (two queries)."""
    data = engine.EvaluationData(
        criteria=engine_criteria(evaluation),
        tenders=[],
        award_model=evaluation.award_model,
    )
    results = engine.compute_results(data)
    return ModelCheck(results.effective_weights, results.problems)


def criteria_tree(
    criteria: Sequence[Criterion], effective: Mapping[Hashable, Decimal]
) -> list[CriterionRow]:
    """The criteria in depth-first order with their depth and effective weight."""
    by_parent: dict[int | None, list[Criterion]] = {}
    for c in criteria:
        by_parent.setdefault(c.parent_id, []).append(c)
    rows: list[CriterionRow] = []

    def walk(parent_id: int | None, depth: int, into: list[CriterionRow]) -> None:
        for c in by_parent.get(parent_id, []):
            row = CriterionRow(
                criterion=c,
                depth=depth,
                effective=effective.get(c.pk, Decimal(0)),
                mapping_count=getattr(c, "mapping_count", 0) or 0,
                assignment_count=getattr(c, "assignment_count", 0) or 0,
            )
            rows.append(row)
            into.append(row)
            walk(c.pk, depth + 1, row.children)

    walk(None, 0, [])
    return rows


def _percent(fraction: Decimal | None) -> str:
    if fraction is None:
        return "–"
    return _number(engine.display_percent(fraction))


def _number(value: Decimal) -> str:
    text = f"{value:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def problem_message(problem: engine.Problem, names: Mapping[Hashable, str]) -> str:
    """One engine problem as a sentence naming the criterion or level."""
    p = problem.params
    name = names.get(problem.criterion_id, str(problem.criterion_id))
    if problem.code == "no_criteria":
        return _("The evaluation has no criteria yet.")
    if problem.code == "level_sum":
        total = _percent(p["total"])
        if problem.criterion_id is None:
            return _("The top-level weights sum to %(total)s %%, not 100 %%.") % {
                "total": total
            }
        return _("The weights under “%(name)s” sum to %(total)s %%, not 100 %%.") % {
            "name": name,
            "total": total,
        }
    if problem.code == "range_infeasible":
        level = (
            _("at the top level")
            if problem.criterion_id is None
            else _("under “%(name)s”") % {"name": name}
        )
        return _(
            "The declared ranges %(level)s cannot sum to 100 %% "
            "(together they allow %(lowest)s–%(highest)s %%)."
        ) % {
            "level": level,
            "lowest": _percent(p["lowest"]),
            "highest": _percent(p["highest"]),
        }
    if problem.code == "weight_outside_range":
        return _(
            "“%(name)s”: the weight %(weight)s %% lies outside its declared "
            "range %(low)s–%(high)s %%."
        ) % {
            "name": name,
            "weight": _percent(p["weight"]),
            "low": _percent(p["min"]),
            "high": _percent(p["max"]),
        }
    if problem.code == "weight_invalid":
        return _("“%(name)s”: a weight lies between 0 and 100 %%.") % {"name": name}
    if problem.code == "range_invalid":
        return _("“%(name)s”: the declared weight range is not valid.") % {"name": name}
    if problem.code == "no_requirements":
        return _(
            "“%(name)s” is scored from requirements but has none mapped to it."
        ) % {"name": name}
    if problem.code == "price_model_missing":
        return _("“%(name)s” is priced by formula but no price model is set.") % {
            "name": name
        }
    if problem.code == "price_params":
        if p.get("model") == engine.PriceModel.RANGE:
            return _(
                "The buyer's price range needs a lowest and a highest price, "
                "the lowest above 0 and below the highest."
            )
        return _(
            "The logarithmic price model needs the price multiple that gets "
            "0 points, above 1."
        )
    if problem.code == "scale_invalid":
        return _("“%(name)s”: the scale maximum must be above 0.") % {"name": name}
    if problem.code == "requirement_weight_invalid":
        return _("“%(name)s”: a requirement weight is negative.") % {"name": name}
    if problem.code == "requirement_mapped_twice":
        return _("“%(name)s”: a requirement is mapped to two criteria.") % {
            "name": name
        }
    if problem.code == "cycle":
        return _("“%(name)s” lies inside itself.") % {"name": name}
    return _("“%(name)s”: %(code)s") % {"name": name, "code": problem.code}


def start_blockers(
    evaluation: Evaluation,
    *,
    criteria: Sequence[Criterion] | None = None,
    check: ModelCheck | None = None,
    counts: Mapping[str, int] | None = None,
) -> list[str]:
    """Every reason scoring cannot start yet, as sentences (empty: it can).
    ``criteria`` must carry ``assignment_count`` (``criteria_with_counts``)."""
    if criteria is None:
        criteria = criteria_with_counts(evaluation)
    names = {c.pk: c.name for c in criteria}
    problems = (check or model_check(evaluation)).problems
    reasons = [problem_message(p, names) for p in problems]
    counts = counts if counts is not None else mapping_counts(evaluation)
    if counts["unmapped"]:
        reasons.append(
            _("%(count)s V/AV requirements are not mapped to a criterion.")
            % {"count": counts["unmapped"]}
        )
    parents = {c.parent_id for c in criteria}
    leaves = [c for c in criteria if c.pk not in parents]
    if evaluation.award_model == Evaluation.AwardModel.POINTS and not any(
        c.method == Criterion.Method.PRICE for c in leaves
    ):
        reasons.append(
            _("The award model gives points for price, but no criterion is priced.")
        )
    for c in leaves:
        if c.method != Criterion.Method.PRICE and not getattr(c, "assignment_count", 0):
            reasons.append(
                _("No evaluator is assigned to “%(name)s”.") % {"name": c.name}
            )
    return reasons


# Panel --------------------------------------------------------------------------


def panel_candidates(procurement: Procurement) -> QuerySet:
    """Users holding the evaluator or lead role in the procurement."""
    return (
        get_user_model()
        .objects.filter(
            memberships__procurement=procurement,
            memberships__role__in=[Membership.Role.EVALUATOR, Membership.Role.LEAD],
            is_active=True,
        )
        .distinct()
        .order_by("username")
    )


def declarations_by_user(procurement: Procurement) -> dict[int, Declaration]:
    return {
        d.evaluator_id: d
        for d in Declaration.objects.filter(procurement=procurement).prefetch_related(
            "conflicts"
        )
    }


@dataclass
class PanelMember:
    user: object
    declaration: Declaration | None
    cells: list[list[Assignment]]
    conflicted_assignments: list[Assignment]

    @property
    def conflicts(self) -> list[Organisation]:
        if self.declaration is None:
            return []
        return list(self.declaration.conflicts.all())


def panel_table(
    evaluation: Evaluation, leaves: Sequence[Criterion]
) -> list[PanelMember]:
    """Panel members × criteria: per member their assignments in each of
    ``leaves``' columns, their declaration, and any assignment to a tender of
    a vendor they have since declared a conflict with (three queries)."""
    declarations = declarations_by_user(evaluation.procurement)
    assignments = list(
        evaluation.assignments.select_related("tender__vendor", "criterion")
    )
    column = {c.pk: i for i, c in enumerate(leaves)}
    members = {u.pk: u for u in panel_candidates(evaluation.procurement)}
    rows: dict[int, PanelMember] = {
        pk: PanelMember(user, declarations.get(pk), [[] for _ in leaves], [])
        for pk, user in members.items()
    }
    for a in assignments:
        row = rows.get(a.evaluator_id)
        if row is None:
            continue
        if a.criterion_id in column:
            row.cells[column[a.criterion_id]].append(a)
        declaration = row.declaration
        if (
            a.tender_id
            and declaration
            and a.tender.vendor_id in {v.pk for v in declaration.conflicts.all()}
        ):
            row.conflicted_assignments.append(a)
    return list(rows.values())


def scored_leaves(criteria: Iterable[Criterion]) -> list[Criterion]:
    """Leaf criteria the panel scores (all but price formulas), in the
    tree's depth-first order."""
    by_parent: dict[int | None, list[Criterion]] = {}
    for c in sorted(criteria, key=lambda c: (c.position, c.pk)):
        by_parent.setdefault(c.parent_id, []).append(c)
    leaves: list[Criterion] = []

    def walk(parent_id: int | None) -> None:
        for c in by_parent.get(parent_id, []):
            if c.pk in by_parent:
                walk(c.pk)
            elif c.method != Criterion.Method.PRICE:
                leaves.append(c)

    walk(None)
    return leaves
