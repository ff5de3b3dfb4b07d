"""How robust the winner is to the weights (rule 8): `sensitivity(data, results)`.

Both award models are handled through one linear form. For the winner i and
a challenger j, the challenger's advantage at effective leaf weights W is

    A_j(W) = a_j + Σ_c W_c · d_c(j)

- points model: A_j = T_j − T_i, so a_j = 0 and d_c(j) = P_c(j) − P_c(i);
- money model: A_j = E_i − E_j, so a_j = Pe_i − Pe_j and
  d_c(j) = Pe_j·P_c(j)/M_c − Pe_i·P_c(i)/M_c for quality criteria, 0 for price.

The winner stays ahead while every A_j < 0.

Weight shift between two leaves (from f to t, in effective weight, i.e. whole-
tree fractions): moving δ changes A_j by δ·(d_t − d_f), so the order flips at
`Δ = −A_j/(d_t − d_f)` where that is positive; in the points model this is
exactly rule 8's `(T_i − T_j)/((P_t(j) − P_t(i)) − (P_f(j) − P_f(i)))`. At Δ
the two tie; any larger shift puts the challenger ahead. A shift is `feasible`
when f has that much weight to give (Δ ≤ W_f).

Declared ranges: each criterion's fraction of its parent may move within
[weight_min, weight_max] (its weight where a bound is missing) while every
level still sums to 1. The largest A_j over that set is found exactly, level
by level from the leaves up: a subtree's best value is the parent's fractional
knapsack over its children's best values (start all at their lower bound,
then fill the children with the highest values up to their upper bound until
the level sums to 1). This is exact because a subtree's choice does not
constrain any other subtree and its value enters the parent linearly with a
non-negative fraction. For a flat tree it is the box ∩ simplex programme over
the effective weights; for deeper trees it is the exact nested set, which is
narrower than a box of products of the bounds.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from decimal import Decimal, localcontext
from types import MappingProxyType
from typing import Any

from .compute import Results
from .model import AwardModel, Criterion, EvaluationData, to_plain
from .precision import CONTEXT, equal_totals
from .tree import Tree

ZERO = Decimal(0)
ONE = Decimal(1)


@dataclass(frozen=True)
class WeightShift:
    """The smallest shift of effective weight from `source_id` to `target_id`
    that lets `challenger` catch the winner (a tie at exactly `delta`)."""

    source_id: Hashable
    target_id: Hashable
    delta: Decimal
    percentage_points: Decimal
    challenger: Hashable
    feasible: bool


@dataclass(frozen=True)
class RangeCheck:
    """Worst case for the winner inside the declared weight ranges.

    `feasible` is False when the ranges cannot sum to 1 at some level (then
    nothing else is filled in). `challenger` is the tender with the largest
    advantage `margin` (A_j above) at `weights`, the worst-case effective
    weights of every criterion; `winner_changes` when margin > 0, `tie_possible`
    when margin == 0."""

    feasible: bool
    winner_changes: bool = False
    tie_possible: bool = False
    challenger: Hashable | None = None
    margin: Decimal | None = None
    weights: Mapping[Hashable, Decimal] | None = None


@dataclass(frozen=True)
class ChartSeries:
    """One leaf's effective weight moving from `low` to `high` (its declared
    effective range, or 0 to 1 when it has none), the other leaves keeping
    their proportions; `values[tender_id]` holds the total (points model) or
    the evaluated price E (money model) at each of `weights`."""

    criterion_id: Hashable
    current: Decimal
    low: Decimal
    high: Decimal
    weights: tuple[Decimal, ...]
    values: Mapping[Hashable, tuple[Decimal, ...]]


@dataclass(frozen=True)
class Sensitivity:
    """`reason` is `no_unique_winner` (nothing ranked, or rank 1 shared) or
    `no_challenger` (only one tender ranked) when there is nothing to test."""

    award_model: AwardModel
    winner: Hashable | None
    runner_up: Hashable | None
    shifts: tuple[WeightShift, ...] = ()
    smallest: WeightShift | None = None
    smallest_feasible: WeightShift | None = None
    range_check: RangeCheck | None = None
    charts: tuple[ChartSeries, ...] = ()
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return to_plain(self)


def sensitivity(
    data: EvaluationData, results: Results, *, chart_steps: int = 10
) -> Sensitivity:
    """Weight shifts per ordered pair of leaves, the declared-range check and
    chart data, for the winner of `results` (computed from `data`)."""
    with localcontext(CONTEXT):
        return _sensitivity(data, results, chart_steps)


def _sensitivity(data: EvaluationData, results: Results, steps: int) -> Sensitivity:
    model = results.award_model
    winner = results.winner
    runner_up = results.ranking[1] if len(results.ranking) > 1 else None
    if winner is None:
        return Sensitivity(model, None, runner_up, reason="no_unique_winner")
    challengers = [t for t in results.ranking if t != winner]
    if not challengers:
        return Sensitivity(model, winner, None, reason="no_challenger")

    tree = Tree(data.criteria)
    leaves = tree.leaves
    weights = results.effective_weights
    value = _leaf_values(results, leaves, model)
    win = value[winner]
    d = {j: {c.id: value[j][c.id] - win[c.id] for c in leaves} for j in challengers}
    current = {j: _advantage(results, winner, j, model) for j in challengers}

    shifts = []
    for f in leaves:
        for t in leaves:
            if f is t:
                continue
            best: tuple[Decimal, Hashable] | None = None
            for j in challengers:
                denominator = d[j][t.id] - d[j][f.id]
                if denominator <= 0:
                    continue
                delta = -current[j] / denominator
                if delta > 0 and (best is None or delta < best[0]):
                    best = (delta, j)
            if best is not None:
                shifts.append(
                    WeightShift(
                        source_id=f.id,
                        target_id=t.id,
                        delta=best[0],
                        percentage_points=best[0].scaleb(2),
                        challenger=best[1],
                        feasible=best[0] <= weights[f.id],
                    )
                )
    feasible_shifts = [s for s in shifts if s.feasible]
    return Sensitivity(
        award_model=model,
        winner=winner,
        runner_up=runner_up,
        shifts=tuple(shifts),
        smallest=min(shifts, key=lambda s: s.delta, default=None),
        smallest_feasible=min(feasible_shifts, key=lambda s: s.delta, default=None),
        range_check=_range_check(tree, d, current, weights),
        charts=tuple(
            _charts(tree, results, value, model, [winner, *challengers], steps)
        ),
    )


def _leaf_values(
    results: Results, leaves: tuple[Criterion, ...], model: AwardModel
) -> dict[Hashable, dict[Hashable, Decimal]]:
    """Per tender and leaf the coefficient x_c(t) of W_c in the tender's score:
    P_c(t) for points, Pe·P_c/M_c (quality only) for money."""
    values = {}
    for r in results.tenders:
        if model is AwardModel.MONEY:
            pe = r.evaluated_price or ZERO
            values[r.tender_id] = {
                c.id: (
                    pe * r.criteria[c.id].points / c.scale_max
                    if c.counts_as_quality
                    else ZERO
                )
                for c in leaves
            }
        else:
            values[r.tender_id] = {c.id: r.criteria[c.id].points for c in leaves}
    return values


def _advantage(
    results: Results, winner: Hashable, j: Hashable, model: AwardModel
) -> Decimal:
    if model is AwardModel.MONEY:
        return results.tender(winner).money_value - results.tender(j).money_value
    return results.tender(j).total - results.tender(winner).total


def _range_check(
    tree: Tree,
    d: dict[Hashable, dict[Hashable, Decimal]],
    current: dict[Hashable, Decimal],
    weights: Mapping[Hashable, Decimal],
) -> RangeCheck:
    if tree.problems or not _ranges_feasible(tree):
        return RangeCheck(feasible=False)
    best: tuple[Decimal, Hashable, dict[Hashable, Decimal]] | None = None
    for j, coefficients in d.items():
        # a_j = A_j(W) − Σ W_c·d_c(j) at the current weights.
        constant = current[j] - sum(
            (weights[c] * coefficients[c] for c in coefficients), ZERO
        )
        fractions: dict[Hashable, Decimal] = {}
        gain = _best_allocation(tree, None, coefficients, fractions)
        margin = constant + gain
        if best is None or margin > best[0]:
            best = (margin, j, fractions)
    margin, challenger, fractions = best
    worst = {}
    for c in tree.criteria:
        w = ONE
        for node in tree.path(c):
            w *= fractions[node.id]
        worst[c.id] = w
    return RangeCheck(
        feasible=True,
        # A margin of 0 can come out of the arithmetic as ±1E-38.
        winner_changes=margin > 0 and not equal_totals(margin, ZERO),
        tie_possible=equal_totals(margin, ZERO),
        challenger=challenger,
        margin=margin,
        weights=MappingProxyType(worst),
    )


def _ranges_feasible(tree: Tree) -> bool:
    for children in tree.children.values():
        if any(c.lower > c.upper or c.lower < 0 for c in children):
            return False
        lowest = sum((c.lower for c in children), ZERO)
        highest = sum((c.upper for c in children), ZERO)
        if not lowest <= ONE <= highest:
            return False
    return True


def _best_allocation(
    tree: Tree,
    parent: Hashable | None,
    leaf_values: Mapping[Hashable, Decimal],
    fractions: dict[Hashable, Decimal],
) -> Decimal:
    """Max of Σ f_k·value_k over the children of `parent` with
    lower_k ≤ f_k ≤ upper_k and Σ f_k = 1 (greedy fractional knapsack);
    records the chosen f_k in `fractions`."""
    children = tree.children[parent]
    values = {
        c.id: (
            _best_allocation(tree, c.id, leaf_values, fractions)
            if c.id in tree.children
            else leaf_values[c.id]
        )
        for c in children
    }
    for c in children:
        fractions[c.id] = c.lower
    budget = ONE - sum((c.lower for c in children), ZERO)
    for c in sorted(children, key=lambda c: values[c.id], reverse=True):
        if budget <= 0:
            break
        extra = min(c.upper - c.lower, budget)
        fractions[c.id] += extra
        budget -= extra
    return sum((fractions[c.id] * values[c.id] for c in children), ZERO)


def _charts(
    tree: Tree,
    results: Results,
    value: dict[Hashable, dict[Hashable, Decimal]],
    model: AwardModel,
    tenders: list[Hashable],
    steps: int,
) -> list[ChartSeries]:
    weights = results.effective_weights
    bounds = tree.effective_bounds()
    base = {
        t: sum((weights[c.id] * value[t][c.id] for c in tree.leaves), ZERO)
        for t in tenders
    }
    series = []
    for c in tree.leaves:
        w_c = weights[c.id]
        if w_c >= ONE:
            continue
        low, high = bounds[c.id]
        if low >= high:
            low, high = ZERO, ONE
        points = tuple(low + (high - low) * k / steps for k in range(steps + 1))
        values = {}
        for t in tenders:
            x = value[t][c.id]
            rest = (base[t] - w_c * x) / (ONE - w_c)
            scores = [w * x + (ONE - w) * rest for w in points]
            if model is AwardModel.MONEY:
                pe = results.tender(t).evaluated_price
                scores = [pe - s for s in scores]
            values[t] = tuple(scores)
        series.append(
            ChartSeries(c.id, w_c, low, high, points, MappingProxyType(values))
        )
    return series
