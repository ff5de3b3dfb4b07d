"""Reads for individual scoring: what an evaluator is assigned, how far they
have come, and the rows of one scoring page.

Every read here is scoped to one evaluator and never returns another
evaluator's score: blind scoring is kept by construction, not by the
templates. Query counts do not grow with the number of requirements.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

from evaluation.models import (
    AbsoluteCheck,
    Assignment,
    Criterion,
    Evaluation,
    RequirementMapping,
    Score,
)
from procurement.models import Requirement, Response, Tender

#: Tenders that are scored: rejected and withdrawn tenders drop out.
SCORED_TENDER_STATUSES = (Tender.Status.VALID, Tender.Status.RECEIVED)
SCOREABLE_METHODS = (Criterion.Method.REQUIREMENTS, Criterion.Method.DIRECT)
ABSOLUTE_KINDS = (Requirement.Kind.A, Requirement.Kind.AV)


def tenders_in_scope(
    evaluation: Evaluation, *, exclude_vendors: Iterable[int] = ()
) -> list[Tender]:
    """The round's tenders that are valid or received, in vendor order,
    without those of ``exclude_vendors`` (the evaluator's conflicts)."""
    return list(
        Tender.objects.filter(
            round_id=evaluation.round_id, status__in=SCORED_TENDER_STATUSES
        )
        .exclude(vendor_id__in=list(exclude_vendors))
        .select_related("vendor")
        .order_by("vendor__name", "pk")
    )


class CriteriaTree:
    """The evaluation's criteria loaded once, for walking up and down."""

    def __init__(self, evaluation: Evaluation):
        self.by_pk: dict[int, Criterion] = {
            criterion.pk: criterion
            for criterion in Criterion.objects.filter(evaluation=evaluation).order_by()
        }
        self.children: dict[int | None, list[Criterion]] = defaultdict(list)
        for criterion in self.by_pk.values():
            self.children[criterion.parent_id].append(criterion)
        for siblings in self.children.values():
            siblings.sort(key=lambda c: (c.position, c.pk))

    def ancestors_and_self(self, criterion_id: int) -> list[int]:
        chain = []
        current = self.by_pk.get(criterion_id)
        while current is not None:
            chain.append(current.pk)
            current = self.by_pk.get(current.parent_id)
        return chain

    def scoreable_under(self, criterion_id: int) -> list[Criterion]:
        """The criterion itself if it is scored by evaluators, else the
        scored criteria below it, in tree order."""
        criterion = self.by_pk.get(criterion_id)
        if criterion is None:
            return []
        kids = self.children.get(criterion.pk, [])
        if not kids:
            return [criterion] if criterion.method in SCOREABLE_METHODS else []
        found: list[Criterion] = []
        for child in kids:
            found.extend(self.scoreable_under(child.pk))
        return found

    def label(self, criterion: Criterion) -> str:
        """ "Ytelse › Brukervennlighet": unambiguous even when two criteria
        under different parents share a name."""
        names = [self.by_pk[pk].name for pk in self.ancestors_and_self(criterion.pk)]
        return " › ".join(reversed(names))


@dataclass
class WorkItem:
    """One tender × criterion an evaluator is to score."""

    tender: Tender
    criterion: Criterion
    criterion_label: str
    total: int
    done: int

    @property
    def left(self) -> int:
        return self.total - self.done

    @property
    def is_done(self) -> bool:
        return self.total > 0 and self.done >= self.total


@dataclass
class Worklist:
    items: list[WorkItem] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(item.total for item in self.items)

    @property
    def done(self) -> int:
        return sum(item.done for item in self.items)

    @property
    def left(self) -> int:
        return self.total - self.done

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 0


def assigned_pairs(
    *,
    evaluation: Evaluation,
    evaluator,
    conflicted_vendor_ids: Iterable[int],
    tree: CriteriaTree | None = None,
) -> list[tuple[Tender, Criterion, str]]:
    """(tender, criterion, label) for every scored criterion the evaluator
    is assigned to, for every tender in scope; an assignment without a tender
    covers every tender, one to a parent criterion covers its sub-criteria.
    Conflicted vendors never appear."""
    tree = tree or CriteriaTree(evaluation)
    tenders = tenders_in_scope(evaluation, exclude_vendors=conflicted_vendor_ids)
    tender_by_pk = {tender.pk: tender for tender in tenders}
    pairs: dict[tuple[int, int], tuple[Tender, Criterion, str]] = {}
    for criterion_id, tender_id in Assignment.objects.filter(
        evaluation=evaluation, evaluator=evaluator
    ).values_list("criterion_id", "tender_id"):
        covered = tenders if tender_id is None else [tender_by_pk.get(tender_id)]
        for criterion in tree.scoreable_under(criterion_id):
            for tender in covered:
                if tender is not None:
                    pairs[(tender.pk, criterion.pk)] = (
                        tender,
                        criterion,
                        tree.label(criterion),
                    )
    order = {pk: index for index, pk in enumerate(_tree_order(tree))}
    return sorted(
        pairs.values(),
        key=lambda p: (p[0].vendor.name, p[0].pk, order.get(p[1].pk, 0)),
    )


def _tree_order(tree: CriteriaTree, parent: int | None = None) -> list[int]:
    order = []
    for criterion in tree.children.get(parent, []):
        order.append(criterion.pk)
        order.extend(_tree_order(tree, criterion.pk))
    return order


def worklist(
    *, evaluation: Evaluation, evaluator, conflicted_vendor_ids: Iterable[int]
) -> Worklist:
    """The evaluator's assignments with done/left per tender × criterion:
    requirements scored of those mapped, or the criterion itself when it is
    scored directly. A fixed number of queries however large the panel."""
    pairs = assigned_pairs(
        evaluation=evaluation,
        evaluator=evaluator,
        conflicted_vendor_ids=conflicted_vendor_ids,
    )
    if not pairs:
        return Worklist()
    mapped = dict(
        RequirementMapping.objects.filter(evaluation=evaluation)
        .values_list("criterion_id")
        .annotate(count=Count("pk"))
        .values_list("criterion_id", "count")
    )
    mapped_criterion = dict(
        RequirementMapping.objects.filter(evaluation=evaluation).values_list(
            "requirement_id", "criterion_id"
        )
    )
    done: dict[tuple[int, int], int] = defaultdict(int)
    for tender_id, requirement_id, criterion_id in Score.objects.filter(
        evaluation=evaluation, evaluator=evaluator
    ).values_list("tender_id", "requirement_id", "criterion_id"):
        if requirement_id is not None:
            criterion_id = mapped_criterion.get(requirement_id)
        if criterion_id is not None:
            done[(tender_id, criterion_id)] += 1
    items = []
    for tender, criterion, label in pairs:
        total = (
            1
            if criterion.method == Criterion.Method.DIRECT
            else mapped.get(criterion.pk, 0)
        )
        items.append(
            WorkItem(
                tender=tender,
                criterion=criterion,
                criterion_label=label,
                total=total,
                done=min(done.get((tender.pk, criterion.pk), 0), total),
            )
        )
    return Worklist(items=items)


def work_item_progress(
    *, evaluation: Evaluation, evaluator, tender: Tender, criterion: Criterion
) -> tuple[int, int] | None:
    """(done, total) of one item of the evaluator's worklist, counted as
    ``worklist`` counts it, in one query however long the worklist is; None
    when the worklist has no such item because the criterion has
    sub-criteria. The caller has checked the rest: the tender is in the
    evaluator's scope and an assignment covers the criterion."""
    mappings = RequirementMapping.objects.filter(
        evaluation=evaluation, criterion=OuterRef("pk")
    ).order_by()

    def counted(queryset) -> Coalesce:
        return Coalesce(
            Subquery(queryset.values("criterion").annotate(n=Count("pk")).values("n")),
            Value(0),
            output_field=IntegerField(),
        )

    has_children, mapped, scored, direct = (
        Criterion.objects.filter(pk=criterion.pk)
        .annotate(
            has_children=Exists(Criterion.objects.filter(parent=OuterRef("pk"))),
            mapped=counted(mappings),
            scored=counted(
                mappings.filter(
                    Exists(
                        Score.objects.filter(
                            evaluation=evaluation,
                            requirement=OuterRef("requirement"),
                            evaluator=evaluator,
                            tender=tender,
                        )
                    )
                )
            ),
            direct=Exists(
                Score.objects.filter(
                    evaluation=evaluation,
                    evaluator=evaluator,
                    tender=tender,
                    criterion=OuterRef("pk"),
                )
            ),
        )
        .values_list("has_children", "mapped", "scored", "direct")
        .get()
    )
    if has_children:
        return None
    total = 1 if criterion.method == Criterion.Method.DIRECT else mapped
    return min(scored + int(direct), total), total


def is_assigned(
    *,
    evaluation: Evaluation,
    evaluator,
    tender: Tender,
    criterion: Criterion,
    tree: CriteriaTree | None = None,
) -> bool:
    """Whether an assignment covers this tender × criterion (directly or
    through a parent criterion). One query, two when a parent must be
    looked up."""
    assigned = set(
        Assignment.objects.filter(evaluation=evaluation, evaluator=evaluator)
        .filter(Q(tender__isnull=True) | Q(tender=tender))
        .order_by()
        .values_list("criterion_id", flat=True)
    )
    if criterion.pk in assigned:
        return True
    if not assigned or criterion.parent_id is None:
        return False
    tree = tree or CriteriaTree(evaluation)
    return bool(assigned.intersection(tree.ancestors_and_self(criterion.pk)))


@dataclass
class ScoringRow:
    """One requirement (or the criterion itself) on a scoring page with the
    vendor's answer and the evaluator's own score, if any."""

    requirement: Requirement | None
    criterion: Criterion
    response: Response | None
    score: Score | None

    @property
    def prefix(self) -> str:
        if self.requirement is not None:
            return f"r{self.requirement.pk}"
        return f"c{self.criterion.pk}"

    @property
    def key(self) -> str:
        return self.requirement.key if self.requirement is not None else ""

    @property
    def version(self) -> int:
        return self.score.version if self.score is not None else 0


@dataclass
class ScoringSection:
    """A section of the specification with requirements mapped to the
    criterion: how many, and how many of them the evaluator has scored for
    the tender."""

    pk: int
    number: str
    title: str
    total: int
    done: int

    @property
    def left(self) -> int:
        return self.total - self.done


def scoring_sections(
    *, evaluation: Evaluation, evaluator, tender: Tender, criterion: Criterion
) -> list[ScoringSection]:
    """The sections holding the criterion's mapped requirements, in the
    specification's order, with the evaluator's progress in each: one query
    (none for a directly scored criterion, which has no requirements)."""
    if criterion.method != Criterion.Method.REQUIREMENTS:
        return []
    scored = Exists(
        Score.objects.filter(
            evaluation=evaluation,
            evaluator=evaluator,
            tender=tender,
            requirement=OuterRef("requirement"),
        )
    )
    rows = (
        RequirementMapping.objects.filter(evaluation=evaluation, criterion=criterion)
        .order_by()
        .values_list(
            "requirement__section_id",
            "requirement__section__number",
            "requirement__section__title",
            "requirement__section__sort_key",
        )
        .annotate(total=Count("pk"), done=Count("pk", filter=Q(scored)))
        .order_by("requirement__section__sort_key")
    )
    return [
        ScoringSection(pk, number, title, total, done)
        for pk, number, title, _sort_key, total, done in rows
    ]


def scoring_rows(
    *,
    evaluation: Evaluation,
    evaluator,
    tender: Tender,
    criterion: Criterion,
    section_id: int | None = None,
) -> list[ScoringRow]:
    """The rows of one tender × criterion page, or of one section of it
    (``section_id``): three queries for any number of requirements
    (mappings with requirements, the vendor's responses, the evaluator's own
    scores)."""
    if criterion.method == Criterion.Method.DIRECT:
        score = Score.objects.filter(
            evaluation=evaluation,
            evaluator=evaluator,
            tender=tender,
            criterion=criterion,
        ).first()
        return [ScoringRow(None, criterion, None, score)]
    mappings = RequirementMapping.objects.filter(
        evaluation=evaluation, criterion=criterion
    )
    if section_id is not None:
        mappings = mappings.filter(requirement__section_id=section_id)
    mappings = list(mappings.select_related("requirement").order_by("requirement__key"))
    requirement_ids = [mapping.requirement_id for mapping in mappings]
    responses = {
        response.requirement_id: response
        for response in Response.objects.filter(
            tender=tender, requirement_id__in=requirement_ids
        )
    }
    scores = {
        score.requirement_id: score
        for score in Score.objects.filter(
            evaluation=evaluation,
            evaluator=evaluator,
            tender=tender,
            requirement_id__in=requirement_ids,
        )
    }
    return [
        ScoringRow(
            mapping.requirement,
            criterion,
            responses.get(mapping.requirement_id),
            scores.get(mapping.requirement_id),
        )
        for mapping in mappings
    ]


def scale_points(evaluation: Evaluation, scale_max: Decimal) -> list[dict]:
    """The scale 0..M with the evaluation's descriptors where given."""
    texts = {}
    for entry in evaluation.scale_descriptors or []:
        try:
            texts[Decimal(str(entry.get("value")))] = str(entry.get("text", ""))
        except Exception:  # noqa: BLE001 - a malformed descriptor is just not shown
            continue
    top = int(scale_max)
    points = [
        {"value": value, "text": texts.get(Decimal(value), "")}
        for value in range(top + 1)
    ]
    return points


# Absolute requirements ------------------------------------------------------------


@dataclass
class AbsoluteRow:
    requirement: Requirement
    response: Response | None
    check: AbsoluteCheck | None


def absolute_rows(*, evaluation: Evaluation, tender: Tender) -> list[AbsoluteRow]:
    """Every A and AV requirement of today's specification (withdrawn ones
    left out) with the vendor's answer and the check made so far: three
    queries."""
    requirements = Requirement.objects.filter(
        procurement_id=evaluation.procurement_id, kind__in=ABSOLUTE_KINDS
    ).exclude(status=Requirement.Status.WITHDRAWN)
    requirements = list(requirements.order_by("key"))
    ids = [requirement.pk for requirement in requirements]
    responses = {
        response.requirement_id: response
        for response in Response.objects.filter(tender=tender, requirement_id__in=ids)
    }
    checks = {
        check.requirement_id: check
        for check in AbsoluteCheck.objects.filter(
            evaluation=evaluation, tender=tender
        ).select_related("checked_by")
    }
    return [
        AbsoluteRow(
            requirement, responses.get(requirement.pk), checks.get(requirement.pk)
        )
        for requirement in requirements
    ]


def proposed_for_rejection(evaluation: Evaluation) -> set[int]:
    """Tender pks with a substantial deviation on an absolute requirement
    that are not (yet) rejected: the lead confirms or dismisses each."""
    return set(
        AbsoluteCheck.objects.filter(
            evaluation=evaluation, fulfilled=False, substantial_deviation=True
        )
        .exclude(tender__status=Tender.Status.REJECTED)
        .values_list("tender_id", flat=True)
    )
