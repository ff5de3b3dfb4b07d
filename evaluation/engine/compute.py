"""Points, totals and the ranking (rules 1–7): `compute_results(data)`."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from functools import cached_property
from types import MappingProxyType
from typing import Any

from .agreement import Agreement, Spread, agreement_per_criterion, spreads
from .model import (
    CRIT,
    REQ,
    Aggregate,
    AwardModel,
    Criterion,
    EvaluationData,
    ItemKey,
    Method,
    Tender,
    to_plain,
)
from .precision import CONTEXT, equal_totals
from .prices import price_points
from .tree import Problem, Tree, check_model

ZERO = Decimal(0)
ONE = Decimal(1)


@dataclass(frozen=True)
class Reason:
    """Why a tender's result is provisional. Codes:

    - `individual_mean` (criterion, count): `count` items scored by the mean of
      the individual scores because consensus is missing;
    - `missing_score` (criterion, count): `count` items have no score at all;
      they are left out of both sums of rule 1 (a criterion with none scored
      gets 0 points);
    - `missing_price`: no positive evaluated price while price counts (a
      price criterion, or the money model): price points 0, and in the money
      model the tender cannot be ranked.
    """

    code: str
    criterion_id: Hashable | None = None
    count: int = 0


@dataclass(frozen=True)
class CriterionPoints:
    """One tender on one leaf criterion. `raw` is P before normalisation (for
    price: the formula's points), `points` after it (equal to `raw` when the
    criterion does not normalise), `weighted` = W·points."""

    criterion_id: Hashable
    raw: Decimal
    points: Decimal
    weighted: Decimal
    provisional: bool


@dataclass(frozen=True)
class TenderResult:
    tender_id: Hashable
    name: str
    rejected: bool
    evaluated_price: Decimal | None
    price_points: Decimal | None
    total: Decimal
    money_value: Decimal | None
    rank: int | None
    provisional: bool
    reasons: tuple[Reason, ...]
    criteria: Mapping[Hashable, CriterionPoints]


@dataclass(frozen=True)
class Results:
    """What `compute_results()` returns; `to_dict()` gives JSON-ready data.

    `tenders` keeps the input order; `ranking` lists the ranked tenders best
    first. `winner` is the single rank-1 tender, None when rank 1 is shared
    (see `winners`) or nothing is ranked.
    """

    award_model: AwardModel
    tenders: tuple[TenderResult, ...]
    ranking: tuple[Hashable, ...]
    winners: tuple[Hashable, ...]
    winner: Hashable | None
    leaf_ids: tuple[Hashable, ...]
    effective_weights: Mapping[Hashable, Decimal]
    lowest_price: Decimal | None
    provisional: bool
    problems: tuple[Problem, ...]
    disagreement_threshold: Decimal
    agreement: Mapping[Hashable, Agreement]
    _individual: Mapping[tuple[Hashable, ItemKey], Aggregate] = field(
        repr=False, compare=False
    )
    _criteria: tuple[Criterion, ...] = field(repr=False, compare=False)

    @cached_property
    def _by_id(self) -> dict[Hashable, TenderResult]:
        return {r.tender_id: r for r in self.tenders}

    def tender(self, tender_id: Hashable) -> TenderResult:
        return self._by_id[tender_id]

    @cached_property
    def spreads(self) -> tuple[Spread, ...]:
        """Rule 6 for every tender × item with two or more individual scores,
        in tender order, then criterion order, then requirement id. Computed
        on first use: a ranking does not need 300,000 of them."""
        return self._spreads(flagged_only=False)

    @cached_property
    def flagged_spreads(self) -> tuple[Spread, ...]:
        """The spreads at or above the threshold, in the same order; cheaper
        than filtering `spreads` when those are not wanted."""
        if "spreads" in self.__dict__:
            return tuple(s for s in self.spreads if s.flagged)
        return self._spreads(flagged_only=True)

    def _spreads(self, *, flagged_only: bool) -> tuple[Spread, ...]:
        scale, order = _items(self._criteria)
        tender_position = {r.tender_id: i for i, r in enumerate(self.tenders)}
        found = spreads(
            self._individual,
            scale,
            self.disagreement_threshold,
            flagged_only=flagged_only,
        )
        found.sort(
            key=lambda s: (
                tender_position.get(s.tender_id, len(tender_position)),
                order.get(s.item, len(order)),
            )
        )
        return tuple(found)

    def to_dict(self, *, spreads: str = "flagged") -> dict[str, Any]:
        """JSON-ready results. `spreads` is "flagged" (those for the consensus
        meeting), "all" or "none"."""
        plain = to_plain(self)
        chosen = {"all": self.spreads, "flagged": self.flagged_spreads, "none": ()}
        plain["spreads"] = to_plain(chosen[spreads])
        return plain


def competition_ranks(
    values: Mapping[Hashable, Decimal], *, highest_first: bool
) -> tuple[list[Hashable], dict[Hashable, int]]:
    """Order and ranks where equal values share a rank (1, 1, 3). Values
    equal up to the last digits of the arithmetic are equal (``equal_totals``);
    tied keys keep their given order."""
    ordered = sorted(values, key=values.__getitem__, reverse=highest_first)
    ranks: dict[Hashable, int] = {}
    first: Decimal | None = None  # the first value of the current rank
    rank = 0
    for position, key in enumerate(ordered, 1):
        if first is None or not equal_totals(values[key], first):
            rank, first = position, values[key]
        ranks[key] = rank
    return ordered, ranks


def _scored_points(
    items: list[tuple[ItemKey, Decimal]],
    tender_id: Hashable,
    data: EvaluationData,
) -> tuple[Decimal, int, int]:
    """Rule 1 for one tender: (P, items on individual means, items unscored)."""
    consensus_of, individual_of = data.consensus.get, data.individual.get
    numerator = denominator = ZERO
    means = missing = 0
    for item, weight in items:
        key = (tender_id, item)
        score = consensus_of(key)
        if score is None:
            agg = individual_of(key)
            if agg is None or not agg.count:
                missing += 1
                continue
            score = agg.total / agg.count
            means += 1
        numerator += weight * score
        denominator += weight
    points = numerator / denominator if denominator else ZERO
    return points, means, missing


def _leaf_points(
    criterion: Criterion,
    tenders: tuple[Tender, ...],
    data: EvaluationData,
    lowest_price: Decimal | None,
    reasons: dict[Hashable, list[Reason]],
) -> tuple[dict[Hashable, Decimal], set[Hashable]]:
    raw: dict[Hashable, Decimal] = {}
    provisional: set[Hashable] = set()
    if criterion.method is Method.PRICE:
        params = dict(criterion.price_params)
        for t in tenders:
            pe = t.evaluated_price
            try:
                raw[t.id] = price_points(
                    criterion.price_model,
                    pe,
                    lowest_price,
                    criterion.scale_max,
                    **params,
                )
            except (ValueError, TypeError):
                # A missing price, or a price model problem reported by
                # check_model(); the tender gets 0 and is provisional.
                raw[t.id] = ZERO
                provisional.add(t.id)
        return raw, provisional

    # Plain tuples hash and compare like ItemKeys and are far cheaper to make.
    if criterion.method is Method.DIRECT:
        items = [((CRIT, criterion.id), ONE)]
    else:
        items = [((REQ, r), w) for r, w in criterion.requirement_weights.items()]
    for t in tenders:
        points, means, missing = _scored_points(items, t.id, data)
        raw[t.id] = points
        if means:
            reasons[t.id].append(Reason("individual_mean", criterion.id, means))
        if missing:
            reasons[t.id].append(Reason("missing_score", criterion.id, missing))
        if means or missing:
            provisional.add(t.id)
    return raw, provisional


def normalised(
    raw: Mapping[Hashable, Decimal], ranked: set[Hashable], scale_max: Decimal
) -> dict[Hashable, Decimal]:
    """Rule 2: `M·P/max P`, the maximum taken over ranked (not rejected)
    tenders. When that maximum is 0 or less (nobody earned a point) every
    tender gets 0. Rejected tenders are scaled by the same factor."""
    best = max((raw[t] for t in raw if t in ranked), default=ZERO)
    if best <= 0:
        return dict.fromkeys(raw, ZERO)
    return {t: scale_max * p / best for t, p in raw.items()}


def compute_results(data: EvaluationData) -> Results:
    """Points per leaf criterion, totals, ranking, spreads and Kendall's W.

    Every tender is computed, rejected ones too (shown, never ranked; they do
    not set the lowest price Pb nor the normalisation maximum).
    """
    with localcontext(CONTEXT):
        return _compute(data)


def _compute(data: EvaluationData) -> Results:
    tree = Tree(data.criteria)
    problems = tuple(check_model(tree))
    weights = tree.effective_weights()
    tenders = data.tenders
    ranked = {t.id for t in tenders if not t.rejected}
    valid_prices = [
        t.evaluated_price
        for t in tenders
        if t.id in ranked and t.evaluated_price is not None and t.evaluated_price > 0
    ]
    lowest_price = min(valid_prices, default=None)

    reasons: dict[Hashable, list[Reason]] = {t.id: [] for t in tenders}
    price_matters = data.award_model is AwardModel.MONEY or any(
        c.method is Method.PRICE for c in tree.leaves
    )
    for t in tenders:
        if price_matters and (t.evaluated_price is None or t.evaluated_price <= 0):
            reasons[t.id].append(Reason("missing_price"))

    per_leaf: dict[Hashable, dict[Hashable, CriterionPoints]] = {
        t.id: {} for t in tenders
    }
    price_of: dict[Hashable, Decimal] = {}
    quality: dict[Hashable, Decimal] = dict.fromkeys(reasons, ZERO)
    totals: dict[Hashable, Decimal] = dict.fromkeys(reasons, ZERO)
    for leaf in tree.leaves:
        raw, provisional = _leaf_points(leaf, tenders, data, lowest_price, reasons)
        points = (
            normalised(raw, ranked, leaf.scale_max) if leaf.normalise else dict(raw)
        )
        w = weights[leaf.id]
        for t in tenders:
            weighted = w * points[t.id]
            per_leaf[t.id][leaf.id] = CriterionPoints(
                leaf.id, raw[t.id], points[t.id], weighted, t.id in provisional
            )
            totals[t.id] += weighted
            if leaf.counts_as_quality:
                quality[t.id] += weighted / leaf.scale_max
            elif leaf.method is Method.PRICE and t.id not in price_of:
                price_of[t.id] = raw[t.id]

    money: dict[Hashable, Decimal | None] = {}
    for t in tenders:
        pe = t.evaluated_price
        money[t.id] = pe * (ONE - quality[t.id]) if pe is not None and pe > 0 else None

    if data.award_model is AwardModel.MONEY:
        rankable = {t: money[t] for t in (x.id for x in tenders) if t in ranked}
        rankable = {t: v for t, v in rankable.items() if v is not None}
        order, ranks = competition_ranks(rankable, highest_first=False)
    else:
        rankable = {t.id: totals[t.id] for t in tenders if t.id in ranked}
        order, ranks = competition_ranks(rankable, highest_first=True)
    winners = tuple(t for t in order if ranks[t] == 1)

    results = []
    for t in tenders:
        why = tuple(reasons[t.id])
        results.append(
            TenderResult(
                tender_id=t.id,
                name=t.name,
                rejected=t.rejected,
                evaluated_price=t.evaluated_price,
                price_points=price_of.get(t.id),
                total=totals[t.id],
                money_value=money[t.id],
                rank=ranks.get(t.id),
                provisional=bool(why)
                or any(p.provisional for p in per_leaf[t.id].values()),
                reasons=why,
                criteria=MappingProxyType(per_leaf[t.id]),
            )
        )

    return Results(
        award_model=data.award_model,
        tenders=tuple(results),
        ranking=tuple(order),
        winners=winners,
        winner=winners[0] if len(winners) == 1 else None,
        leaf_ids=tuple(c.id for c in tree.leaves),
        effective_weights=MappingProxyType(weights),
        lowest_price=lowest_price,
        # Rejected tenders take no part in the ranking (not in the maximum of
        # rule 2 nor in Pb of rule 3), so their own gaps leave it final.
        provisional=any(r.provisional for r in results if not r.rejected),
        problems=problems,
        disagreement_threshold=data.disagreement_threshold,
        agreement=MappingProxyType(
            agreement_per_criterion(
                [c.id for c in tree.leaves if c.method is not Method.PRICE],
                [t.id for t in tenders],
                data.evaluator_criterion_scores,
            )
        ),
        _individual=data.individual,
        _criteria=tree.criteria,
    )


def _items(
    criteria: tuple[Criterion, ...],
) -> tuple[dict[tuple, Decimal], dict[tuple, int]]:
    """Each scored item's scale maximum and a stable position: criteria in
    the given order, each followed by its requirements in id order."""
    scale: dict[tuple, Decimal] = {}
    order: dict[tuple, int] = {}
    for c in criteria:
        item = (CRIT, c.id)
        scale[item] = c.scale_max
        order[item] = len(order)
        try:
            requirements = sorted(c.requirement_weights)
        except TypeError:
            requirements = sorted(c.requirement_weights, key=str)
        for r in requirements:
            item = (REQ, r)
            scale.setdefault(item, c.scale_max)
            order.setdefault(item, len(order))
    return scale, order
