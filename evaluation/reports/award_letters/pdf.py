"""An award letter as a PDF, drawn with ``procurement.documents.pdf``: every
text from users goes through ``para`` so markup characters print literally."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import IO

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.platypus import (
    Flowable,
    NextPageTemplate,
    Spacer,
    Table,
    TableStyle,
)

from evaluation import results as engine
from evaluation.models import Evaluation
from evaluation.reports.award_letters.content import (
    AwardLetter,
    ItemReason,
    LetterKind,
    Rejection,
)
from evaluation.reports.award_letters.reading import (
    AwardLettersRefused,
    award_letter_set,
)
from procurement.documents.pdf import (
    RULE,
    Heading,
    KravsporDocTemplate,
    para,
    section_break,
    styles,
    table_chunks,
)
from procurement.models import Tender

# Headers of number columns line up with the numbers.
_HEAD_RIGHT = ParagraphStyle(
    "award_head_right", parent=styles()["cell_bold"], alignment=TA_RIGHT
)


def _points(value: Decimal | None) -> str:
    shown = engine.display_points(value)
    return "–" if shown is None else formats.number_format(shown, 2)


def _nok(value: Decimal | None) -> str:
    shown = engine.display_price(value)
    if shown is None:
        return "–"
    return formats.number_format(shown, 0, force_grouping=True)


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
        columns = [_("Points"), _("Weighted points")]
    elif excluded:
        columns = [_("Winner's points"), _("Winner's weighted points")]
    else:
        columns = [
            _("Your points"),
            _("Your weighted points"),
            _("Winner's points"),
            _("Winner's weighted points"),
        ]
    header = [
        para(_("Criterion"), bold),
        *(para(text, _HEAD_RIGHT) for text in [_("Weight"), *columns]),
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
        summary(
            _("Evaluated price (NOK)"),
            _nok(letter.own_price),
            _nok(letter.winner_price),
        )
    )
    if money:
        rows.append(
            summary(
                _("Evaluated price E (NOK)"),
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
        para(winner, _HEAD_RIGHT),
        para(other, _HEAD_RIGHT),
        para(justified, "cell_bold"),
    ]
    widths = [5 * cm, 1.5 * cm, 1.5 * cm, width - 8 * cm]
    for criterion in letter.reasons:
        # A heading never stands alone at the foot of a page; the tables
        # themselves split between rows and repeat their header.
        parts.append(section_break(4 * cm))
        parts.append(
            Heading(criterion.name, key=f"reasons-{criterion.criterion_id}", level=1)
        )
        if not criterion.stronger and not criterion.weaker:
            parts.append(
                para(
                    _("Both tenders got the same consensus scores on this criterion."),
                    "note",
                )
            )
            continue
        for reasons, left_out, title in (
            (
                criterion.stronger,
                criterion.stronger_left_out,
                _("Where your tender scored higher")
                if award
                else _("Where the winner's tender scored higher"),
            ),
            (
                criterion.weaker,
                criterion.weaker_left_out,
                _("Where your tender scored lower")
                if award
                else _("Where the winner's tender scored lower"),
            ),
        ):
            if not reasons:
                continue
            parts.append(section_break(3 * cm))
            parts.append(para(title, "h3"))
            parts.extend(
                table_chunks(
                    header,
                    _reason_rows(reasons),
                    col_widths=widths,
                    rows_per_chunk=15,
                )
            )
            if left_out:
                parts.append(
                    para(
                        ngettext(
                            "The heaviest differences are listed: %(count)s more "
                            "item of less weight differs the same way.",
                            "The heaviest differences are listed: %(count)s more "
                            "items of less weight differ the same way.",
                            left_out,
                        )
                        % {"count": left_out},
                        "note",
                    )
                )
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
