"""What each award letter says, as plain data: no database, no PDF.

``letter_refusals`` says why letters cannot be written yet;
``build_award_letters`` makes one ``AwardLetter`` per tender from the results
engine's data and results, the consensus justifications, labels of the
scored items and the reasons for rejections.
"""

from __future__ import annotations

import datetime
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from django.utils.text import slugify
from django.utils.translation import gettext as _

from evaluation import results as engine

# A letter names the heaviest differences per criterion and direction and
# counts the rest: with thousands of requirements, a complete list would run
# to a hundred pages.
REASONS_PER_DIRECTION = 5


# The letters' plain data ----------------------------------------------------


class LetterKind(StrEnum):
    AWARD = "award"  # tildelingsbrev: the winner
    REJECTION = "rejection"  # avslag: ranked, not the winner
    EXCLUDED = "excluded"  # avslag: the tender was rejected (not ranked)


@dataclass(frozen=True)
class PointsLine:
    """One leaf criterion: the vendor's and the winner's points (unrounded).
    ``own_*`` is None in a letter to a rejected tender (it was not ranked)."""

    criterion_id: Hashable
    name: str
    weight: Decimal  # effective weight, a fraction of the whole
    scale_max: Decimal
    priced: bool
    own_points: Decimal | None
    own_weighted: Decimal | None
    winner_points: Decimal
    winner_weighted: Decimal


@dataclass(frozen=True)
class ItemReason:
    """One scored item (a requirement, or a criterion scored directly) where
    the two tenders' consensus scores differ, with the panel's words."""

    label: str
    winner_score: Decimal
    other_score: Decimal
    winner_justification: str
    other_justification: str


@dataclass(frozen=True)
class CriterionReasons:
    """Per quality criterion: where the winner scored higher (its relative
    strengths) and lower (its relative weaknesses) than the other tender."""

    criterion_id: Hashable
    name: str
    stronger: tuple[ItemReason, ...]
    weaker: tuple[ItemReason, ...]
    # Items of less weight left out of ``stronger`` / ``weaker``.
    stronger_left_out: int = 0
    weaker_left_out: int = 0


@dataclass(frozen=True)
class Deviation:
    """A failed absolute requirement judged a substantial deviation."""

    requirement: str
    justification: str


@dataclass(frozen=True)
class Rejection:
    """Why a tender was rejected: the lead's reason and the deviations."""

    reason: str = ""
    deviations: tuple[Deviation, ...] = ()


@dataclass(frozen=True)
class AwardLetter:
    """Everything one letter says, as plain data. ``reasons`` compare the
    winner with this vendor's tender (in the winner's own letter: with the
    tender ranked second, which is not named)."""

    tender_id: Hashable
    vendor: str
    kind: LetterKind
    winner_id: Hashable
    winner: str
    award_model: engine.AwardModel
    rank: int | None
    ranked_count: int
    lines: tuple[PointsLine, ...]
    own_total: Decimal | None
    winner_total: Decimal
    own_price: Decimal | None
    winner_price: Decimal | None
    own_money: Decimal | None
    winner_money: Decimal | None
    reasons: tuple[CriterionReasons, ...]
    compared_with_runner_up: bool
    rejection: Rejection | None
    letter_date: datetime.date
    standstill_days: int
    standstill_end: datetime.date


# The pure part ---------------------------------------------------------------


def standstill_end(letter_date: datetime.date, days: int) -> datetime.date:
    """The last day of the standstill period: ``days`` calendar days after the
    letter's date (weekends and holidays are not skipped)."""
    return letter_date + datetime.timedelta(days=days)


def letter_refusals(*, locked: bool, results: engine.Results) -> list[str]:
    """Every reason award letters cannot be written now (empty: they can)."""
    problems = []
    if not locked:
        problems.append(
            _(
                "The evaluation is not locked. Award letters are final decisions: "
                "they are written only once the lead has locked the evaluation."
            )
        )
    provisional = [t.name for t in results.tenders if t.provisional and not t.rejected]
    if provisional:
        problems.append(
            _(
                "The results are provisional for %(tenders)s (consensus scores or "
                "prices are missing), so they cannot be announced."
            )
            % {"tenders": ", ".join(provisional)}
        )
    if len(results.winners) > 1:
        names = [results.tender(t).name for t in results.winners]
        problems.append(
            _(
                "There is no single winner: %(tenders)s share first place. "
                "Award letters name one winner."
            )
            % {"tenders": ", ".join(names)}
        )
    elif not results.winners:
        problems.append(_("No tender is ranked, so there is no winner to announce."))
    return problems


def _items(criterion: engine.Criterion) -> list[tuple[engine.ItemKey, Decimal]]:
    if criterion.method is engine.Method.DIRECT:
        return [(engine.crit_item(criterion.id), Decimal(1))]
    if criterion.method is engine.Method.REQUIREMENTS:
        return [
            (engine.req_item(r), w) for r, w in criterion.requirement_weights.items()
        ]
    return []


def compare_items(
    data: engine.EvaluationData,
    winner_id: Hashable,
    other_id: Hashable,
    *,
    justifications: Mapping[tuple[Hashable, engine.ItemKey], str],
    item_labels: Mapping[engine.ItemKey, str],
    limit: int | None = REASONS_PER_DIRECTION,
) -> tuple[CriterionReasons, ...]:
    """Per quality leaf, the items whose consensus scores differ between the
    winner and the other tender; the heaviest differences (item weight ×
    score difference) first, at most ``limit`` each way (the rest counted).
    Items without two consensus scores are left out."""
    parents = {c.parent_id for c in data.criteria}
    found = []
    for criterion in data.criteria:
        if criterion.id in parents or criterion.method is engine.Method.PRICE:
            continue
        stronger: list[tuple[Decimal, ItemReason]] = []
        weaker: list[tuple[Decimal, ItemReason]] = []
        for item, weight in _items(criterion):
            ours = data.consensus.get((winner_id, item))
            theirs = data.consensus.get((other_id, item))
            if ours is None or theirs is None or ours == theirs:
                continue
            label = item_labels.get(item) or (
                criterion.name if item.kind == engine.CRIT else str(item)
            )
            reason = ItemReason(
                label=label,
                winner_score=ours,
                other_score=theirs,
                winner_justification=justifications.get((winner_id, item), ""),
                other_justification=justifications.get((other_id, item), ""),
            )
            impact = weight * abs(ours - theirs)
            (stronger if ours > theirs else weaker).append((impact, reason))
        stronger_kept, weaker_kept = (
            _heaviest_first(stronger, limit),
            _heaviest_first(weaker, limit),
        )
        found.append(
            CriterionReasons(
                criterion_id=criterion.id,
                name=criterion.name,
                stronger=stronger_kept,
                weaker=weaker_kept,
                stronger_left_out=len(stronger) - len(stronger_kept),
                weaker_left_out=len(weaker) - len(weaker_kept),
            )
        )
    return tuple(found)


def _heaviest_first(
    reasons: list[tuple[Decimal, ItemReason]], limit: int | None
) -> tuple[ItemReason, ...]:
    ordered = sorted(reasons, key=lambda p: (-p[0], p[1].label))
    return tuple(r for _i, r in ordered[:limit])


def build_award_letters(
    data: engine.EvaluationData,
    results: engine.Results,
    *,
    justifications: Mapping[tuple[Hashable, engine.ItemKey], str],
    item_labels: Mapping[engine.ItemKey, str],
    rejections: Mapping[Hashable, Rejection],
    letter_date: datetime.date,
    standstill_days: int,
    tender_ids: Iterable[Hashable] | None = None,
    reasons_limit: int | None = REASONS_PER_DIRECTION,
) -> list[AwardLetter]:
    """One letter per tender of ``results`` (or per tender in ``tender_ids``),
    in the results' order. Call only when ``letter_refusals`` is empty: a
    single winner is required (ValueError otherwise)."""
    if results.winner is None:
        raise ValueError("award letters need a single winner")
    criteria = {c.id: c for c in data.criteria}
    winner = results.tender(results.winner)
    runner_up = next((t for t in results.ranking if t != results.winner), None)
    ranked_count = len(results.ranking)
    end = standstill_end(letter_date, standstill_days)
    wanted = None if tender_ids is None else set(tender_ids)
    letters = []
    for tender in results.tenders:
        if wanted is not None and tender.tender_id not in wanted:
            continue
        if tender.tender_id == winner.tender_id:
            kind = LetterKind.AWARD
        elif tender.rank is None:
            kind = LetterKind.EXCLUDED
        else:
            kind = LetterKind.REJECTION
        shown = kind is not LetterKind.EXCLUDED
        compared = runner_up if kind is LetterKind.AWARD else tender.tender_id
        reasons: tuple[CriterionReasons, ...] = ()
        if shown and compared is not None:
            reasons = compare_items(
                data,
                winner.tender_id,
                compared,
                justifications=justifications,
                item_labels=item_labels,
                limit=reasons_limit,
            )
        lines = tuple(
            PointsLine(
                criterion_id=leaf,
                name=criteria[leaf].name,
                weight=results.effective_weights[leaf],
                scale_max=criteria[leaf].scale_max,
                priced=criteria[leaf].method is engine.Method.PRICE,
                own_points=tender.criteria[leaf].points if shown else None,
                own_weighted=tender.criteria[leaf].weighted if shown else None,
                winner_points=winner.criteria[leaf].points,
                winner_weighted=winner.criteria[leaf].weighted,
            )
            for leaf in results.leaf_ids
        )
        letters.append(
            AwardLetter(
                tender_id=tender.tender_id,
                vendor=tender.name,
                kind=kind,
                winner_id=winner.tender_id,
                winner=winner.name,
                award_model=results.award_model,
                rank=tender.rank,
                ranked_count=ranked_count,
                lines=lines,
                own_total=tender.total if shown else None,
                winner_total=winner.total,
                own_price=tender.evaluated_price if shown else None,
                winner_price=winner.evaluated_price,
                own_money=tender.money_value if shown else None,
                winner_money=winner.money_value,
                reasons=reasons,
                compared_with_runner_up=kind is LetterKind.AWARD,
                rejection=rejections.get(tender.tender_id, Rejection())
                if kind is LetterKind.EXCLUDED
                else None,
                letter_date=letter_date,
                standstill_days=standstill_days,
                standstill_end=end,
            )
        )
    return letters


def letter_filename(reference: str, round_number: int, letter: AwardLetter) -> str:
    """``<reference>-<round>-<tildelingsbrev|avslag>-<vendor>.pdf``."""
    kind = _("award letter") if letter.kind is LetterKind.AWARD else _("rejection")
    vendor = slugify(letter.vendor) or f"tender-{letter.tender_id}"
    reference = slugify(reference) or "kravspor"
    return f"{reference}-{round_number}-{slugify(kind)}-{vendor}.pdf"
