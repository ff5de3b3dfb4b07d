"""How far the evaluators agree: spreads per item (rule 6), Kendall's W (rule 7)."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext
from typing import NamedTuple

from .model import Aggregate, ItemKey
from .precision import CONTEXT


class Spread(NamedTuple):
    """Disagreement on one tender × item: `(maximum − minimum)/M`, flagged for
    the consensus meeting when it reaches the threshold."""

    tender_id: Hashable
    item: ItemKey
    count: int
    minimum: Decimal
    maximum: Decimal
    spread: Decimal
    flagged: bool


def spreads(
    individual: Mapping[tuple[Hashable, ItemKey], Aggregate],
    scale_of: Mapping[ItemKey, Decimal],
    threshold: Decimal,
    *,
    flagged_only: bool = False,
    default_scale: Decimal = Decimal(10),
) -> list[Spread]:
    """A spread for every tender × item that two or more evaluators scored
    (one score cannot disagree), in the order of `individual`; with
    `flagged_only`, just those at or above the threshold. `scale_of` gives
    each item's M: its criterion's scale maximum."""
    result = []
    append = result.append
    # max − min ≥ threshold·M is the flag test without dividing every item.
    limits: dict[Decimal, Decimal] = {}
    with localcontext(CONTEXT):
        for (tender_id, item), agg in individual.items():
            if agg.count < 2:
                continue
            m = scale_of.get(item, default_scale)
            limit = limits.get(m)
            if limit is None:
                limit = limits[m] = threshold * m
            difference = agg.maximum - agg.minimum
            flagged = difference >= limit
            if flagged_only and not flagged:
                continue
            if type(item) is not ItemKey:
                item = ItemKey(*item)
            append(
                Spread(
                    tender_id,
                    item,
                    agg.count,
                    agg.minimum,
                    agg.maximum,
                    difference / m,
                    flagged,
                )
            )
    return result


@dataclass(frozen=True)
class Agreement:
    """Kendall's W for one criterion.

    `w` is None when fewer than 2 evaluators or 2 tenders remain. Evaluators
    who did not score every tender in the comparison (for instance because of
    a declared conflict) are left out and counted in `excluded_evaluators`.
    """

    criterion_id: Hashable
    w: Decimal | None
    evaluators: int
    tenders: int
    excluded_evaluators: int
    s: Decimal | None


def average_ranks(values: Sequence[Decimal]) -> list[Decimal]:
    """Ranks 1..n, highest value first; equal values share the average rank."""
    order = sorted(range(len(values)), key=lambda i: values[i], reverse=True)
    ranks = [Decimal(0)] * len(values)
    position = 0
    while position < len(order):
        end = position
        while (
            end + 1 < len(order) and values[order[end + 1]] == values[order[position]]
        ):
            end += 1
        rank = Decimal(position + end + 2) / 2
        for k in range(position, end + 1):
            ranks[order[k]] = rank
        position = end + 1
    return ranks


def kendall_w(rankings: Iterable[Sequence[Decimal]]) -> tuple[Decimal, Decimal] | None:
    """Kendall's coefficient of concordance `W = 12S/(k²(n³ − n))` for k
    evaluators' scores of the same n tenders (each a sequence in one tender
    order). Scores are turned into ranks with ties averaged and no tie
    correction, so tied scores pull W a little below 1 even when all agree.
    Returns (W, S), or None when k < 2 or n < 2."""
    rankings = [list(r) for r in rankings]
    k = len(rankings)
    n = len(rankings[0]) if rankings else 0
    if k < 2 or n < 2:
        return None
    if any(len(r) != n for r in rankings):
        raise ValueError("every evaluator must score the same tenders")
    with localcontext(CONTEXT):
        sums = [Decimal(0)] * n
        for scores in rankings:
            for i, rank in enumerate(average_ranks(scores)):
                sums[i] += rank
        mean = Decimal(k * (n + 1)) / 2
        s = sum(((r - mean) ** 2 for r in sums), Decimal(0))
        return 12 * s / (k * k * (n**3 - n)), s


def agreement_per_criterion(
    criterion_ids: Iterable[Hashable],
    tender_ids: Sequence[Hashable],
    scores: Mapping[tuple[Hashable, Hashable, Hashable], Decimal],
) -> dict[Hashable, Agreement]:
    """Kendall's W per criterion from `scores[(evaluator, criterion, tender)]`.

    The tenders compared are those (in `tender_ids` order) that anyone scored
    on the criterion; evaluators who scored all of them take part."""
    wanted = set(criterion_ids)
    grouped: dict[Hashable, dict[Hashable, dict[Hashable, Decimal]]] = {}
    for (evaluator, criterion, tender), value in scores.items():
        if criterion in wanted:
            grouped.setdefault(criterion, {}).setdefault(evaluator, {})[tender] = value
    result = {}
    for criterion in criterion_ids:
        by_evaluator = grouped.get(criterion, {})
        scored = {t for row in by_evaluator.values() for t in row}
        tenders = [t for t in tender_ids if t in scored]
        complete = [
            [row[t] for t in tenders]
            for row in by_evaluator.values()
            if all(t in row for t in tenders)
        ]
        outcome = kendall_w(complete)
        result[criterion] = Agreement(
            criterion_id=criterion,
            w=outcome[0] if outcome else None,
            evaluators=len(complete),
            tenders=len(tenders),
            excluded_evaluators=len(by_evaluator) - len(complete),
            s=outcome[1] if outcome else None,
        )
    return result
