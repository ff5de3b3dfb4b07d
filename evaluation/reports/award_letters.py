"""Award letters: one PDF per vendor once the evaluation is locked.

The winner gets a tildelingsbrev (award letter), every other ranked vendor an
avslag (their tender is not awarded the contract), and a vendor whose tender
was rejected an avslag that gives the reason for the rejection. Each letter
states the decision and the winner, the vendor's own and the winner's points
per criterion and totals (or evaluated prices in the money award model), the
reasons drawn from the panel's consensus justifications, and the end of the
standstill period (karensperiode).

Two parts:

- ``letter_refusals`` and ``build_award_letters`` are pure: plain data in
  (the engine's data and results, the consensus justifications, labels of the
  items, rejection reasons), plain ``AwardLetter`` records out.
- ``award_letter_set`` reads one evaluation from the database (numbers only
  through ``evaluation_results``), and ``write_award_letter_pdf`` /
  ``render_award_letter_pdf`` draw a letter with ``procurement.documents.pdf``.

Letters are final decisions: they are refused while the evaluation is not
locked, while a ranked tender's result is provisional, and while there is no
single winner.
"""

from __future__ import annotations

import datetime
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import IO

from django.utils import formats, timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from reportlab.lib.units import cm
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    NextPageTemplate,
    Spacer,
    Table,
    TableStyle,
)

from evaluation import results as engine
from evaluation.models import AbsoluteCheck, ConsensusScore, Evaluation
from evaluation.selectors.results import evaluation_results
from procurement.documents.pdf import (
    RULE,
    Heading,
    KravsporDocTemplate,
    para,
    table_chunks,
)
from procurement.models import Requirement, Tender

ZERO = Decimal(0)


class LetterKind(StrEnum):
    AWARD = "award"  # tildelingsbrev: the winner
    REJECTION = "rejection"  # avslag: ranked, not the winner
    EXCLUDED = "excluded"  # avslag: the tender was rejected (not ranked)


# The letters' plain data ----------------------------------------------------


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
) -> tuple[CriterionReasons, ...]:
    """Per quality leaf, the items whose consensus scores differ between the
    winner and the other tender; the heaviest differences (item weight ×
    score difference) first. Items without two consensus scores are left out."""
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
        found.append(
            CriterionReasons(
                criterion_id=criterion.id,
                name=criterion.name,
                stronger=_heaviest_first(stronger),
                weaker=_heaviest_first(weaker),
            )
        )
    return tuple(found)


def _heaviest_first(
    reasons: list[tuple[Decimal, ItemReason]],
) -> tuple[ItemReason, ...]:
    return tuple(r for _i, r in sorted(reasons, key=lambda p: (-p[0], p[1].label)))


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


# Reading an evaluation --------------------------------------------------------


class AwardLettersRefused(Exception):
    """Award letters cannot be written now; ``messages`` say why."""

    def __init__(self, messages: Sequence[str]):
        super().__init__(" ".join(messages))
        self.messages = list(messages)


@dataclass
class AwardLetterSet:
    """The letters of one evaluation as one user may have them, or the
    reasons they cannot be written (``refusals``); ``vendors`` lists every
    tender the evaluation covers, (tender id, vendor name)."""

    evaluation: Evaluation
    letter_date: datetime.date
    standstill_end: datetime.date
    vendors: list[tuple[Hashable, str]]
    refusals: list[str] = field(default_factory=list)
    letters: list[AwardLetter] = field(default_factory=list)

    def letter(self, tender_id: Hashable) -> AwardLetter | None:
        return next((x for x in self.letters if x.tender_id == tender_id), None)

    def filenames(self) -> dict[Hashable, str]:
        """A distinct file name per letter (a vendor name that slugifies like
        another's gets the tender's id added)."""
        reference = self.evaluation.procurement.reference
        number = self.evaluation.round.number
        names: dict[Hashable, str] = {}
        taken: set[str] = set()
        for letter in self.letters:
            name = letter_filename(reference, number, letter)
            if name in taken:
                name = f"{name[:-4]}-{letter.tender_id}.pdf"
            taken.add(name)
            names[letter.tender_id] = name
        return names


def _justifications(
    evaluation: Evaluation, tender_ids: Iterable[Hashable]
) -> dict[tuple[Hashable, engine.ItemKey], str]:
    rows = (
        ConsensusScore.objects.filter(
            evaluation=evaluation, tender_id__in=list(tender_ids)
        )
        .order_by()
        .values_list("tender_id", "requirement_id", "criterion_id", "justification")
    )
    return {
        (
            tender_id,
            engine.req_item(requirement_id)
            if requirement_id is not None
            else engine.crit_item(criterion_id),
        ): text
        for tender_id, requirement_id, criterion_id, text in rows
    }


def _item_labels(evaluation: Evaluation) -> dict[engine.ItemKey, str]:
    rows = Requirement.objects.filter(
        evaluation_mappings__evaluation=evaluation
    ).values_list("pk", "key", "title")
    return {engine.req_item(pk): f"{key} {title}" for pk, key, title in rows}


def _rejections(
    evaluation: Evaluation, tender_ids: Iterable[Hashable]
) -> dict[Hashable, Rejection]:
    ids = list(tender_ids)
    deviations: dict[Hashable, list[Deviation]] = {}
    for check in (
        AbsoluteCheck.objects.filter(
            evaluation=evaluation,
            tender_id__in=ids,
            fulfilled=False,
            substantial_deviation=True,
        )
        .select_related("requirement")
        .order_by("requirement__key")
    ):
        deviations.setdefault(check.tender_id, []).append(
            Deviation(
                requirement=f"{check.requirement.key} {check.requirement.title}",
                justification=check.justification,
            )
        )
    reasons = dict(
        Tender.objects.filter(pk__in=ids).values_list("pk", "rejection_reason")
    )
    return {
        pk: Rejection(
            reason=reasons.get(pk, ""), deviations=tuple(deviations.get(pk, ()))
        )
        for pk in ids
    }


def award_letter_set(
    evaluation: Evaluation,
    *,
    user=None,
    letter_date: datetime.date | None = None,
    tender_id: Hashable | None = None,
) -> AwardLetterSet:
    """The award letters of ``evaluation`` as ``user`` may read the results
    (``user=None``: an operator at the command line), dated ``letter_date``
    (default today), or only the letter to ``tender_id``. Refused letters come
    back as ``refusals`` with no letters."""
    letter_date = letter_date or timezone.localdate()
    data, results = evaluation_results(evaluation, user=user)
    letter_set = AwardLetterSet(
        evaluation=evaluation,
        letter_date=letter_date,
        standstill_end=standstill_end(letter_date, evaluation.standstill_days),
        vendors=[(t.tender_id, t.name) for t in results.tenders],
        refusals=letter_refusals(locked=evaluation.is_locked, results=results),
    )
    if letter_set.refusals:
        return letter_set
    if tender_id is None:
        wanted = [t.tender_id for t in results.tenders]
    else:
        wanted = [t.tender_id for t in results.tenders if t.tender_id == tender_id]
    if not wanted:
        return letter_set
    runner_up = next((t for t in results.ranking if t != results.winner), None)
    read = {results.winner, *wanted} | ({runner_up} if runner_up else set())
    excluded = [t.tender_id for t in results.tenders if t.rejected]
    letter_set.letters = build_award_letters(
        data,
        results,
        justifications=_justifications(evaluation, read),
        item_labels=_item_labels(evaluation),
        rejections=_rejections(evaluation, [t for t in excluded if t in wanted]),
        letter_date=letter_date,
        standstill_days=evaluation.standstill_days,
        tender_ids=wanted,
    )
    return letter_set


# The PDF -----------------------------------------------------------------------


def _points(value: Decimal | None) -> str:
    shown = engine.display_points(value)
    return "–" if shown is None else formats.number_format(shown, 2)


def _nok(value: Decimal | None) -> str:
    shown = engine.display_price(value)
    if shown is None:
        return "–"
    return f"{formats.number_format(shown, 0, force_grouping=True)} NOK"


def _scale(value: Decimal) -> str:
    whole = value.to_integral_value()
    return formats.number_format(whole if whole == value else value.normalize())


def _percent(value: Decimal) -> str:
    return f"{formats.number_format(engine.display_percent(value), 2)} %"


def _date(value: datetime.date) -> str:
    return formats.date_format(value, "DATE_FORMAT")


def _title(letter: AwardLetter) -> str:
    if letter.kind is LetterKind.AWARD:
        return _("Award letter")
    return _("Rejection letter")


def _buyer(evaluation: Evaluation) -> str:
    owners = evaluation.procurement.programme.owners.order_by("name")
    return ", ".join(o.name for o in owners) or evaluation.procurement.programme.name


def _facts(evaluation: Evaluation, letter: AwardLetter, width: float) -> Table:
    procurement = evaluation.procurement
    facts = [
        (_("To"), letter.vendor),
        (_("From"), _buyer(evaluation)),
        (_("Procurement"), f"{procurement.reference} – {procurement.title}"),
        (_("Round"), f"{evaluation.round.number}. {evaluation.round.name}"),
        (_("Date of this letter"), _date(letter.letter_date)),
        (_("End of the standstill period"), _date(letter.standstill_end)),
    ]
    label_width = 4.6 * cm
    return Table(
        [[para(label, "cell_bold"), para(value)] for label, value in facts],
        colWidths=[label_width, width - label_width],
        hAlign="LEFT",
        style=TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ]
        ),
    )


def _decision(evaluation: Evaluation, letter: AwardLetter) -> list[Flowable]:
    procurement = f"{evaluation.procurement.reference} {evaluation.procurement.title}"
    values = {
        "procurement": procurement,
        "winner": letter.winner,
        "vendor": letter.vendor,
        "rank": letter.rank,
        "count": letter.ranked_count,
    }
    if letter.kind is LetterKind.AWARD:
        text = _(
            "We have decided to award the contract in %(procurement)s to "
            "%(vendor)s. Your tender was ranked first of %(count)s ranked tenders."
        )
    elif letter.kind is LetterKind.REJECTION:
        text = _(
            "We have decided to award the contract in %(procurement)s to "
            "%(winner)s. Your tender was ranked %(rank)s of %(count)s ranked "
            "tenders and is not awarded the contract."
        )
    else:
        text = _(
            "We have decided to award the contract in %(procurement)s to "
            "%(winner)s. Your tender was rejected and was therefore not ranked; "
            "it is not awarded the contract."
        )
    parts = [para(text % values)]
    parts.append(para(_("The winner: %(winner)s.") % values, "h3"))
    if letter.award_model is engine.AwardModel.MONEY:
        parts.append(
            para(
                _(
                    "Award model: quality priced in money. The evaluated price "
                    "E = price × (1 − weighted quality points / scale maximum); "
                    "the lowest E wins."
                ),
                "note",
            )
        )
    else:
        parts.append(
            para(
                _(
                    "Award model: best ratio of price and quality. The highest "
                    "total of weighted points wins."
                ),
                "note",
            )
        )
    return parts


def _points_table(letter: AwardLetter, width: float) -> list[Flowable]:
    award = letter.kind is LetterKind.AWARD
    excluded = letter.kind is LetterKind.EXCLUDED
    cell, right, bold = "cell", "cell_right", "cell_bold"
    if award:
        header = [
            para(_("Criterion"), bold),
            para(_("Weight"), bold),
            para(_("Points"), bold),
            para(_("Weighted points"), bold),
        ]
    elif excluded:
        header = [
            para(_("Criterion"), bold),
            para(_("Weight"), bold),
            para(_("Winner's points"), bold),
            para(_("Winner's weighted points"), bold),
        ]
    else:
        header = [
            para(_("Criterion"), bold),
            para(_("Weight"), bold),
            para(_("Your points"), bold),
            para(_("Your weighted points"), bold),
            para(_("Winner's points"), bold),
            para(_("Winner's weighted points"), bold),
        ]
    rows = []
    for line in letter.lines:
        row = [
            para(
                f"{line.name} (0–{_scale(line.scale_max)})",
                cell,
            ),
            para(_percent(line.weight), right),
        ]
        if not award and not excluded:
            row += [para(_points(line.own_points), right)]
            row += [para(_points(line.own_weighted), right)]
        row += [
            para(_points(line.winner_points), right),
            para(_points(line.winner_weighted), right),
        ]
        rows.append(row)

    def summary(label: str, own: str, winner: str) -> list:
        row = [para(label, bold), para("", cell)]
        if award or excluded:
            return row + [para("", cell), para(winner, right)]
        return (
            row
            + [para("", cell), para(own, right), para("", cell)]
            + [para(winner, right)]
        )

    money = letter.award_model is engine.AwardModel.MONEY
    if not money:
        rows.append(
            summary(_("Total"), _points(letter.own_total), _points(letter.winner_total))
        )
    rows.append(
        summary(_("Evaluated price"), _nok(letter.own_price), _nok(letter.winner_price))
    )
    if money:
        rows.append(
            summary(
                _("Evaluated price E"),
                _nok(letter.own_money),
                _nok(letter.winner_money),
            )
        )
    name_width = 5.2 * cm if len(header) == 6 else 8 * cm
    rest = (width - name_width - 1.8 * cm) / (len(header) - 2)
    return list(
        table_chunks(
            header,
            rows,
            col_widths=[name_width, 1.8 * cm] + [rest] * (len(header) - 2),
            rows_per_chunk=30,
        )
    )


def _reason_rows(reasons: Sequence[ItemReason]) -> Iterable[list]:
    for reason in reasons:
        yield [
            para(reason.label, "cell"),
            para(_points(reason.winner_score), "cell_right"),
            para(_points(reason.other_score), "cell_right"),
            para(reason.winner_justification or "–", "cell"),
        ]


def _reasons(letter: AwardLetter, width: float) -> list[Flowable]:
    award = letter.kind is LetterKind.AWARD
    parts: list[Flowable] = [Heading(_("Reasons for the decision"), key="reasons")]
    if award:
        intro = _(
            "The reasons are drawn from the evaluation panel's consensus "
            "justifications. Per criterion: where your tender scored higher than "
            "the tender ranked second (your relative strengths), and where it "
            "scored lower (your relative weaknesses)."
        )
        other = _("Second")
        winner = _("Yours")
        justified = _("Justification of your score")
    else:
        intro = _(
            "The reasons are drawn from the evaluation panel's consensus "
            "justifications. Per criterion: where the winner's tender scored "
            "higher than yours (its relative strengths), and where it scored "
            "lower (its relative weaknesses), with the panel's justification of "
            "the winner's score."
        )
        other = _("Yours")
        winner = _("Winner")
        justified = _("Justification of the winner's score")
    parts.append(para(intro))
    if award and not letter.reasons:
        parts.append(para(_("No other tender was ranked."), "note"))
    header = [
        para(_("Requirement or criterion"), "cell_bold"),
        para(winner, "cell_bold"),
        para(other, "cell_bold"),
        para(justified, "cell_bold"),
    ]
    widths = [5 * cm, 1.5 * cm, 1.5 * cm, width - 8 * cm]
    for criterion in letter.reasons:
        block: list[Flowable] = [
            Heading(
                criterion.name,
                key=f"reasons-{criterion.criterion_id}",
                level=1,
            )
        ]
        if not criterion.stronger and not criterion.weaker:
            block.append(
                para(
                    _("Both tenders got the same consensus scores on this criterion."),
                    "note",
                )
            )
            parts.append(KeepTogether(block))
            continue
        for reasons, title in (
            (
                criterion.stronger,
                _("Where your tender scored higher")
                if award
                else _("Where the winner's tender scored higher"),
            ),
            (
                criterion.weaker,
                _("Where your tender scored lower")
                if award
                else _("Where the winner's tender scored lower"),
            ),
        ):
            if not reasons:
                continue
            tables = list(
                table_chunks(
                    header,
                    _reason_rows(reasons),
                    col_widths=widths,
                    rows_per_chunk=15,
                )
            )
            block.append(para(title, "h3"))
            block.append(tables[0])
            parts.append(KeepTogether(block))
            parts.extend(tables[1:])
            block = []
        if block:
            parts.append(KeepTogether(block))
    return parts


def _rejection(letter: AwardLetter, width: float) -> list[Flowable]:
    rejection = letter.rejection or Rejection()
    parts: list[Flowable] = [
        Heading(_("Why your tender was rejected"), key="rejection"),
        para(rejection.reason or _("No reason was recorded.")),
    ]
    if rejection.deviations:
        parts.append(
            para(_("Absolute requirements with a substantial deviation:"), "h3")
        )
        parts.extend(
            table_chunks(
                [
                    para(_("Requirement"), "cell_bold"),
                    para(_("Justification"), "cell_bold"),
                ],
                (
                    [para(d.requirement, "cell"), para(d.justification, "cell")]
                    for d in rejection.deviations
                ),
                col_widths=[6 * cm, width - 6 * cm],
                rows_per_chunk=20,
            )
        )
    return parts


def _standstill(letter: AwardLetter) -> list[Flowable]:
    values = {
        "date": _date(letter.standstill_end),
        "days": letter.standstill_days,
        "letter_date": _date(letter.letter_date),
    }
    return [
        Heading(_("Standstill period"), key="standstill"),
        para(
            _(
                "The standstill period (karensperiode) ends on %(date)s, "
                "%(days)s days after the date of this letter (%(letter_date)s). "
                "The contract will not be signed before the standstill period "
                "has ended."
            )
            % values
        ),
    ]


def render_award_letter_pdf(
    evaluation: Evaluation, letter: AwardLetter, out: IO[bytes]
) -> None:
    """Draw ``letter`` (see ``award_letter_set``) as a PDF to ``out``."""
    procurement = evaluation.procurement
    title = _title(letter)
    doc = KravsporDocTemplate(
        out,
        title=f"{procurement.reference} {title} {letter.vendor}",
        subject=procurement.title,
        header_left=f"{procurement.reference} · {title}",
        header_right=letter.vendor,
        footer_left=_date(letter.letter_date),
    )
    story: list[Flowable] = [
        NextPageTemplate("body"),
        Heading(f"{title}: {letter.vendor}", key="letter", style="cover_title"),
        _facts(evaluation, letter, doc.width),
        Spacer(1, 0.6 * cm),
        Heading(_("Decision"), key="decision"),
        *_decision(evaluation, letter),
        Heading(
            _("Your points and the winner's")
            if letter.kind is LetterKind.REJECTION
            else _("Points per criterion"),
            key="points",
        ),
    ]
    if letter.kind is LetterKind.EXCLUDED:
        story.append(para(_("The winner's points are shown for information."), "note"))
    story.extend(_points_table(letter, doc.width))
    story.append(
        para(
            _(
                "Points are rounded to 2 decimals and prices to whole kroner; the "
                "ranking uses the exact values."
            ),
            "note",
        )
    )
    if letter.kind is LetterKind.EXCLUDED:
        story.extend(_rejection(letter, doc.width))
    else:
        story.extend(_reasons(letter, doc.width))
    story.extend(_standstill(letter))
    story.append(Spacer(1, 0.6 * cm))
    story.append(
        para(
            _("Printed %(when)s from Kravspor.")
            % {
                "when": formats.date_format(
                    timezone.localtime(timezone.now()), "DATETIME_FORMAT"
                )
            },
            "note",
        )
    )
    doc.build(story)


def write_award_letter_pdf(
    evaluation: Evaluation,
    tender: Tender,
    out: IO[bytes],
    *,
    user=None,
    letter_date: datetime.date | None = None,
) -> AwardLetter:
    """Write the letter to ``tender``'s vendor as a PDF to ``out`` and return
    its content. Raises ``AwardLettersRefused`` (with the reasons) while the
    letters cannot be written, and ``LookupError`` for a tender the evaluation
    does not cover."""
    letter_set = award_letter_set(
        evaluation, user=user, letter_date=letter_date, tender_id=tender.pk
    )
    if letter_set.refusals:
        raise AwardLettersRefused(letter_set.refusals)
    letter = letter_set.letter(tender.pk)
    if letter is None:
        raise LookupError(f"tender {tender.pk} is not part of {evaluation}")
    render_award_letter_pdf(evaluation, letter, out)
    return letter
