"""Contributions to the procurement pages (see procurement.contributions).

The management dashboard's evaluation panels, one per evaluation (round):

- its status and dates;
- how far scoring has come: the share of assigned items scored, per
  evaluator and per criterion. Only counts, never a score value, so everyone
  who may see the procurement may see them (management included). Counted in
  the database, two GROUP BYs however many scores there are;
- once the results are released to management (or the evaluation is locked)
  and the user may see them (``evaluation.access.may_see_results``): the
  ranking and totals from ``evaluation_results`` with a chart. Before that the
  panel says the results are not yet released.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection
from django.db.models import Count
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from evaluation import access
from evaluation import results as engine
from evaluation.charts import stacked_bar_chart
from evaluation.models import (
    Assignment,
    Criterion,
    Declaration,
    Evaluation,
    RequirementMapping,
    Score,
)
from evaluation.selectors.results import evaluation_results, prices_visible
from evaluation.selectors.scoring import (
    SCORED_TENDER_STATUSES,
    CriteriaTree,
    _tree_order,
)
from procurement.contributions import DashboardPanel, register_dashboard_panels
from procurement.models import Procurement, Tender

# What can no longer change (a locked evaluation's results, the score counts
# once consensus opens) is kept for a day.
RESULTS_CACHE_SECONDS = 24 * 60 * 60


# Progress ---------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    """Items scored of those assigned, for one evaluator or one criterion."""

    key: int
    label: str
    done: int
    total: int

    @property
    def left(self) -> int:
        return self.total - self.done

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 0


@dataclass(frozen=True)
class EvaluationProgress:
    by_evaluator: list[Progress]
    by_criterion: list[Progress]

    @property
    def done(self) -> int:
        return sum(row.done for row in self.by_evaluator)

    @property
    def total(self) -> int:
        return sum(row.total for row in self.by_evaluator)

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 0


def scored_counts(
    evaluation: Evaluation, *, direct_criteria: list[int]
) -> dict[tuple[int, int, int], int]:
    """Individual scores per evaluator × criterion × tender: requirement
    scores counted under the criterion their requirement is mapped to,
    direct scores under their criterion (``direct_criteria``, the
    evaluation's directly scored criteria). Two GROUP BYs; no value is read.

    Once consensus opens (or the evaluation is locked) individual scores can
    no longer change, so the counts are kept in the cache from then on."""
    frozen_since = None
    if evaluation.status in (Evaluation.Status.CONSENSUS, Evaluation.Status.LOCKED):
        frozen_since = evaluation.consensus_opened_at or evaluation.locked_at
    key = None
    if frozen_since is not None:
        key = f"kravspor:scored-counts:{evaluation.pk}:{frozen_since.timestamp()}"
        counts = cache.get(key)
        if counts is not None:
            return counts
    # Straight over the mappings and the scores, as the results adapter does
    # (the ORM would join the requirement table in between). SQLite keeps a
    # CROSS JOIN's order: from the few mappings into the scores' covering
    # index (evaluation, requirement, evaluator, tender), twice as fast as
    # the other way round at 900,000 scores; PostgreSQL plans it freely.
    sql = (
        f"SELECT s.evaluator_id, m.criterion_id, s.tender_id, COUNT(*) "
        f"FROM {RequirementMapping._meta.db_table} m "
        f"CROSS JOIN {Score._meta.db_table} s "
        f"WHERE m.evaluation_id = %s AND s.evaluation_id = m.evaluation_id "
        f"AND s.requirement_id = m.requirement_id GROUP BY 1, 2, 3"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [evaluation.pk])
        counts = {(e, c, t): n for e, c, t, n in cursor.fetchall()}
    # Direct scores by their criteria alone: those belong to this evaluation,
    # and the criterion index reads only their rows (filtering on the
    # evaluation too made SQLite read all of its 900,000 scores).
    for evaluator_id, criterion_id, tender_id, n in (
        Score.objects.filter(criterion_id__in=direct_criteria)
        .order_by()
        .values_list("evaluator_id", "criterion_id", "tender_id")
        .annotate(n=Count("pk"))
    ):
        counts[evaluator_id, criterion_id, tender_id] = n
    if key is not None:
        cache.set(key, counts, RESULTS_CACHE_SECONDS)
    return counts


def _person(row: dict) -> str:
    name = f"{row['first_name']} {row['last_name']}".strip()
    return name or row["username"]


def evaluation_progress(evaluation: Evaluation) -> EvaluationProgress:
    """Per evaluator and per scored criterion: items scored of those the
    assignments ask for. An assignment covers every tender in scope (valid or
    received) or one; one to a parent criterion covers the criteria under
    it; tenders of vendors an evaluator declared a conflict with drop out,
    as on the evaluator's own worklist. A criterion scored from requirements
    has one item per mapped requirement, a directly scored one a single item.

    A fixed number of queries: the small tables (criteria, tenders,
    assignments, conflicts, mapping counts) are read whole, the scores only
    counted (``scored_counts``)."""
    tree = CriteriaTree(evaluation)
    tenders = dict(
        Tender.objects.filter(
            round_id=evaluation.round_id, status__in=SCORED_TENDER_STATUSES
        ).values_list("pk", "vendor_id")
    )
    conflicts: dict[int, set[int]] = defaultdict(set)
    for evaluator_id, vendor_id in Declaration.conflicts.through.objects.filter(
        declaration__procurement_id=evaluation.procurement_id
    ).values_list("declaration__evaluator_id", "organisation_id"):
        conflicts[evaluator_id].add(vendor_id)
    items = dict(
        RequirementMapping.objects.filter(evaluation=evaluation)
        .order_by()
        .values_list("criterion_id")
        .annotate(n=Count("pk"))
        .values_list("criterion_id", "n")
    )

    def size(criterion: Criterion) -> int:
        if criterion.method == Criterion.Method.DIRECT:
            return 1
        return items.get(criterion.pk, 0)

    # (evaluator, criterion) → the tenders assigned
    assigned: dict[tuple[int, int], set[int]] = defaultdict(set)
    for evaluator_id, criterion_id, tender_id in Assignment.objects.filter(
        evaluation=evaluation
    ).values_list("evaluator_id", "criterion_id", "tender_id"):
        covered = tenders if tender_id is None else [tender_id]
        covered = [
            pk
            for pk in covered
            if pk in tenders and tenders[pk] not in conflicts[evaluator_id]
        ]
        for criterion in tree.scoreable_under(criterion_id):
            assigned[evaluator_id, criterion.pk].update(covered)

    counts = scored_counts(
        evaluation,
        direct_criteria=[
            pk
            for pk, criterion in tree.by_pk.items()
            if criterion.method == Criterion.Method.DIRECT
        ],
    )
    evaluator_done: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    criterion_done: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for (evaluator_id, criterion_id), tender_ids in assigned.items():
        per_tender = size(tree.by_pk[criterion_id])
        total = per_tender * len(tender_ids)
        done = sum(
            min(counts.get((evaluator_id, criterion_id, t), 0), per_tender)
            for t in tender_ids
        )
        for row in (evaluator_done[evaluator_id], criterion_done[criterion_id]):
            row[0] += done
            row[1] += total

    people = {
        row["pk"]: row
        for row in get_user_model()
        .objects.filter(pk__in=list(evaluator_done))
        .values("pk", "username", "first_name", "last_name")
    }
    by_evaluator = sorted(
        (
            Progress(pk, _person(people[pk]), done, total)
            for pk, (done, total) in evaluator_done.items()
        ),
        key=lambda row: (row.label.lower(), row.key),
    )
    order = {pk: index for index, pk in enumerate(_tree_order(tree))}
    by_criterion = sorted(
        (
            Progress(pk, tree.label(tree.by_pk[pk]), done, total)
            for pk, (done, total) in criterion_done.items()
        ),
        key=lambda row: order.get(row.key, 0),
    )
    return EvaluationProgress(by_evaluator=by_evaluator, by_criterion=by_criterion)


def _short(label: str, limit: int = 34) -> str:
    """Fits the chart's label column; the table beside it has the full name."""
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def progress_chart(progress: EvaluationProgress) -> str:
    scored, open_ = _("Scored"), _("Not yet scored")
    return stacked_bar_chart(
        [
            (_short(row.label), [(scored, row.done), (open_, row.left)])
            for row in progress.by_criterion
        ],
        title=_("Items scored per criterion"),
        label_width=250,
        colours=("#2e7d32", "#c9ced6"),
    )


# Results ----------------------------------------------------------------------


@dataclass(frozen=True)
class RankedTender:
    name: str
    rank: int | None
    total: Decimal | None
    money: Decimal | None
    rejected: bool
    provisional: bool


@dataclass(frozen=True)
class ResultsSummary:
    tenders: list[RankedTender]
    chart: str
    provisional: bool
    prices_hidden: bool
    money: bool


def results_summary(evaluation: Evaluation, user) -> ResultsSummary:
    """Ranking, totals and the chart of weighted points per criterion, from
    ``evaluation_results`` as ``user`` may see them (prices left out while
    the envelope is sealed to them). A locked evaluation's are kept in the
    cache: nothing in it can change."""
    show_prices = prices_visible(evaluation, user)
    key = None
    if evaluation.is_locked and evaluation.locked_at is not None:
        key = (
            f"kravspor:management-results:{evaluation.pk}:"
            f"{evaluation.locked_at.timestamp()}:{int(show_prices)}:{get_language()}"
        )
        summary = cache.get(key)
        if summary is not None:
            return summary
    data, outcome = evaluation_results(evaluation, user=user)
    criteria = {c.id: c for c in data.criteria}
    leaves = [criteria[pk] for pk in outcome.leaf_ids]
    hidden = {
        c.id for c in leaves if c.method == engine.Method.PRICE and not show_prices
    }
    money = outcome.award_model == engine.AwardModel.MONEY
    ordered = sorted(
        outcome.tenders, key=lambda t: (t.rank is None, t.rank or 0, t.name)
    )
    summary = ResultsSummary(
        tenders=[
            RankedTender(
                name=t.name,
                rank=t.rank,
                total=engine.display_points(t.total),
                money=engine.display_price(t.money_value)
                if money and show_prices
                else None,
                rejected=t.rejected,
                provisional=t.provisional,
            )
            for t in ordered
        ],
        chart=stacked_bar_chart(
            [
                (
                    t.name,
                    [
                        (
                            c.name,
                            0.0 if c.id in hidden else float(t.criteria[c.id].weighted),
                        )
                        for c in leaves
                    ],
                )
                for t in ordered
            ],
            title=_("Weighted points per criterion"),
        ),
        provisional=outcome.provisional,
        prices_hidden=bool(hidden) or (money and not show_prices),
        money=money,
    )
    if key is not None:
        cache.set(key, summary, RESULTS_CACHE_SECONDS)
    return summary


# The panels -------------------------------------------------------------------


def _released(evaluation: Evaluation) -> bool:
    return evaluation.released_at is not None or evaluation.is_locked


@register_dashboard_panels
def evaluation_panels(user, procurement: Procurement) -> list[DashboardPanel]:
    panels = []
    evaluations = (
        Evaluation.objects.filter(procurement=procurement)
        .select_related("round", "procurement")
        .order_by("round__number", "pk")
    )
    for evaluation in evaluations:
        scoring = evaluation.status != Evaluation.Status.SETUP
        progress = evaluation_progress(evaluation) if scoring else None
        released = _released(evaluation)
        may_see_results = access.may_see_results(user, evaluation)
        panels.append(
            DashboardPanel(
                title=_("Evaluation: %(round)s") % {"round": evaluation.round.name},
                template="evaluation/dashboard/_management_panel.html",
                context={
                    "evaluation": evaluation,
                    "progress": progress,
                    "progress_chart": progress_chart(progress)
                    if progress and progress.by_criterion
                    else "",
                    "released": released,
                    "results": results_summary(evaluation, user)
                    if released and may_see_results
                    else None,
                    "results_url": reverse(
                        "evaluation:results", args=[procurement.pk, evaluation.pk]
                    )
                    if may_see_results
                    else None,
                },
                order=100 + evaluation.round.number,
            )
        )
    return panels
