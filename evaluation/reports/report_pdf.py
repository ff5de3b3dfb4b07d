"""The evaluation report (PDF): what management takes to the board and what
defends the award, marked "Fortrolig til tildeling" (confidential until award).

Cover, contents, summary of the model, ranking, a chart of weighted points per
criterion, the consensus justifications per criterion, rejected tenders with
their reasons, the sensitivity analysis, and annexes with the individual
scores and the signed declarations of impartiality. Every number comes from
``evaluation.selectors.results.evaluation_results`` as the reader may see it:
prices of a sealed envelope are left out for anyone but the lead (and for an
operator until the envelope is opened), and individual scores are left out
while scoring is still blind.

The document is built while it is laid out: each section's flowables are made
when the layout reaches them, in page-sized tables. Two things are bounded so
the report stays readable at any scale; the evaluation workbook has them all:

- justifications of a requirement-scored criterion: per tender, all of them
  when the criterion has at most ``ALL_JUSTIFICATIONS_UP_TO`` requirements,
  else the ``STRENGTHS`` requirements that lift the tender's points most
  above the other tenders' and the ``STRENGTHS`` that pull them down most;
- individual scores per item (evaluator × tender × item): every item when
  there are at most ``ITEM_ROWS`` tender × item pairs, else the flagged pairs
  with the largest spreads, ``ITEM_ROWS`` of them.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import IO

from django.contrib.auth import get_user_model
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    NextPageTemplate,
    PageBreak,
    Spacer,
    Table,
    TableStyle,
)

from evaluation import results as engine
from evaluation.charts import sensitivity_drawing, stacked_bar_drawing
from evaluation.models import (
    AbsoluteCheck,
    ConsensusScore,
    Criterion,
    Declaration,
    Evaluation,
    Score,
)
from evaluation.selectors.results import (
    consensus_gaps,
    evaluation_results,
    prices_visible,
)
from procurement.documents.pdf import (
    FONT_BOLD,
    GRID_STYLE,
    HEADER_STYLE,
    RULE,
    ContentsEntry,
    DeferredStory,
    Heading,
    KravsporDocTemplate,
    contents_tables,
    cover,
    para,
    section_break,
    styles,
    table_chunks,
)
from procurement.models import Requirement, Tender
from procurement.tenders.opening_record import envelope_state

ROWS_PER_TABLE = 25
ALL_JUSTIFICATIONS_UP_TO = 6
STRENGTHS = 3
ITEM_ROWS = 1500
TENDERS_PER_TABLE = 5
# Some 40 lines fit a page: a longer list of open consensus items is cut.
GAP_LINES = 40

Progress = Callable[[str], None]


def write_evaluation_report_pdf(
    evaluation: Evaluation,
    out: str | os.PathLike | IO[bytes],
    *,
    user=None,
    progress: Progress | None = None,
) -> None:
    """Write the evaluation report of ``evaluation`` to ``out`` (a path or a
    binary file) as ``user`` may see it (``None``: an operator, who sees
    prices only once the envelope is open). ``progress`` is called with the
    name of each section as the layout reaches it. The caller checks that
    ``user`` may download the report."""
    if isinstance(out, str | os.PathLike):
        with open(out, "wb") as handle:
            write_evaluation_report_pdf(
                evaluation, handle, user=user, progress=progress
            )
        return
    say = progress or (lambda _text: None)
    say(_("Results"))
    report = _Report(evaluation, user)
    title = _("Evaluation report")
    procurement = evaluation.procurement
    marking = _("Confidential until award")
    header_right = marking
    if report.results.provisional:
        header_right = f"{marking} · {_('Provisional')}"
    doc = KravsporDocTemplate(
        out,
        title=f"{procurement.reference} {title} {evaluation.round.name}",
        subject=procurement.title,
        header_left=f"{procurement.reference} · {title} · {evaluation.round.name}",
        header_right=header_right,
    )
    width = doc.width - 12
    story: list[Flowable] = [para(marking, _STYLES["marking"])]
    story += cover(
        title=title,
        subtitle=f"{procurement.reference} – {procurement.title}",
        facts=report.cover_facts(),
        notes=report.cover_notes(),
        width=doc.width,
    )
    if report.results.provisional:
        story.insert(2, para(_("Provisional"), _STYLES["provisional"]))
    sections = report.sections(width)
    story += [
        NextPageTemplate("body"),
        PageBreak(),
        Heading(_("Contents"), key="contents", level=0),
        *contents_tables(
            [entry for section in sections for entry in section.entries],
            width=width,
        ),
        DeferredStory(_batches(sections, say)),
    ]
    doc.build(story)


def _batches(sections: list[_Section], say: Progress) -> Iterator[list[Flowable]]:
    for section in sections:
        say(section.title)
        first = True
        for batch in section.batches():
            if first:
                batch = [
                    PageBreak(),
                    Heading(section.title, key=section.key, level=0),
                    *batch,
                ]
                first = False
            yield batch


# Styles and formats -----------------------------------------------------------


def _make_styles() -> dict[str, ParagraphStyle]:
    body = styles()["body"]
    return {
        "marking": ParagraphStyle(
            "marking",
            parent=body,
            fontName=FONT_BOLD,
            fontSize=16,
            leading=20,
            textColor=colors.HexColor("#9c2f2f"),
            borderColor=colors.HexColor("#9c2f2f"),
            borderWidth=1,
            borderPadding=6,
            spaceAfter=6,
        ),
        "provisional": ParagraphStyle(
            "provisional",
            parent=body,
            fontName=FONT_BOLD,
            fontSize=13,
            leading=16,
            textColor=colors.HexColor("#8a5a00"),
            spaceBefore=14,
        ),
        "tender": ParagraphStyle(
            "tender", parent=styles()["h3"], spaceBefore=10, keepWithNext=1
        ),
        "label": ParagraphStyle(
            "label", parent=styles()["cell_bold"], spaceBefore=4, spaceAfter=2
        ),
    }


_STYLES = _make_styles()


def _points(value: Decimal | None) -> str:
    if value is None:
        return "–"
    return formats.number_format(engine.display_points(value), 2)


def _price(value: Decimal | None) -> str:
    if value is None:
        return "–"
    return formats.number_format(
        engine.display_price(value), 0, use_l10n=True, force_grouping=True
    )


def _percent(fraction: Decimal | None) -> str:
    if fraction is None:
        return "–"
    value = engine.display_percent(fraction)
    if value == value.to_integral_value():
        return f"{formats.number_format(int(value))}\u00a0%"
    return f"{formats.number_format(value.normalize())}\u00a0%"


def _score(value: Decimal | None) -> str:
    if value is None:
        return "–"
    if value == value.to_integral_value():
        return formats.number_format(int(value))
    return formats.number_format(value.normalize())


def _when(value) -> str:
    if value is None:
        return "–"
    return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")


def _person(user) -> str:
    return user.get_full_name() or user.get_username()


def _facts_table(facts: Iterable[tuple[str, str]], width: float) -> Table:
    label_width = 5 * cm
    return Table(
        [[para(label, "cell_bold"), para(value, "cell")] for label, value in facts],
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


def _chunks(header, rows, widths, *, rows_per_chunk=ROWS_PER_TABLE, style=None):
    """Rows in page-sized tables under a header whose labels wrap."""
    return table_chunks(
        [
            para(label, "cell_bold") if isinstance(label, str) else label
            for label in header
        ],
        rows,
        col_widths=widths,
        rows_per_chunk=rows_per_chunk,
        style=style or [*GRID_STYLE, *HEADER_STYLE],
    )


# What the report reads -------------------------------------------------------


@dataclass
class _Section:
    key: str
    title: str
    entries: list[ContentsEntry]
    batches: Callable[[], Iterator[list[Flowable]]]


class _Report:
    """The evaluation's results as the reader may see them, and the lookups
    the sections share."""

    def __init__(self, evaluation: Evaluation, user):
        self.evaluation = evaluation
        self.user = user
        self.data, self.results = evaluation_results(evaluation, user=user)
        self.show_prices = prices_visible(evaluation, user)
        self.criteria = {c.id: c for c in self.data.criteria}
        self.tree = _tree_order(self.data.criteria)
        self.leaves = [self.criteria[i] for i in self.results.leaf_ids]
        self.records = {
            c.pk: c for c in Criterion.objects.filter(evaluation=evaluation)
        }
        self.priced = {c.id for c in self.leaves if c.method == engine.Method.PRICE}
        self.money = self.results.award_model == engine.AwardModel.MONEY
        self.ordered = sorted(
            self.results.tenders,
            key=lambda r: (r.rank is None, r.rank or 0, r.name),
        )
        self.names = {t.tender_id: t.name for t in self.results.tenders}
        # Others' individual scores are blind until consensus opens; the
        # report shows no more than the lead's own pages.
        self.individual_visible = (
            evaluation.consensus_opened_at is not None or evaluation.is_locked
        )
        # Sensitivity tests the price too: not while its points are hidden.
        self.sensitivity_hidden = not self.show_prices and (
            bool(self.priced) or self.money
        )

    def sealed(self, criterion_id: Hashable) -> bool:
        return criterion_id in self.priced and not self.show_prices

    # Cover

    def cover_facts(self) -> list[tuple[str, str]]:
        evaluation = self.evaluation
        procurement = evaluation.procurement
        round = evaluation.round
        status = str(evaluation.get_status_display())
        if evaluation.is_locked:
            status += f" ({_when(evaluation.locked_at)})"
        return [
            (_("Procurement"), f"{procurement.reference} – {procurement.title}"),
            (_("Programme"), procurement.programme.name),
            (_("Round"), f"{round.number}. {round.name} ({round.get_kind_display()})"),
            (_("Status"), status),
            (_("Award model"), str(evaluation.get_award_model_display())),
            (_("Price envelope"), envelope_state(round)),
            (
                _("Released to management"),
                _when(evaluation.released_at) if evaluation.released_at else _("No"),
            ),
            (_("Date"), formats.date_format(timezone.localdate(), "DATE_FORMAT")),
            (
                _("Prepared for"),
                _person(self.user)
                if self.user is not None
                else _("An operator (command line)"),
            ),
        ]

    def cover_notes(self) -> list[str]:
        notes = [
            _(
                "Confidential until the award decision: this report holds the "
                "evaluators' scores, the prices and the ranking. Do not pass it on."
            )
        ]
        if self.results.provisional:
            notes.append(
                _(
                    "Provisional: consensus is not complete, so some points rest "
                    "on the mean of the individual scores (or on missing scores "
                    "or prices). Marked cells are provisional."
                )
            )
        if not self.show_prices:
            notes.append(
                _(
                    "The price envelope is sealed: prices and price points are "
                    "hidden, and totals leave the price out until the lead opens it."
                )
            )
        return notes

    # Sections

    def sections(self, width: float) -> list[_Section]:
        justified = [c for c in self.leaves if c.id not in self.priced]
        parts = [
            ("summary", _("Summary"), [], lambda: self.summary(width)),
            (
                "ranking",
                _("Ranking"),
                [
                    ("ranking-points", _("Points per criterion")),
                    ("ranking-chart", _("Weighted points per criterion")),
                ],
                lambda: self.ranking(width),
            ),
            (
                "justifications",
                _("Consensus justifications"),
                [(f"justifications-{c.id}", c.name) for c in justified],
                lambda: self.justifications(justified, width),
            ),
            ("rejected", _("Rejected tenders"), [], lambda: self.rejected(width)),
            ("sensitivity", _("Sensitivity"), [], lambda: self.sensitivity(width)),
            (
                "annex-criteria",
                _("Annex A: Individual scores per criterion"),
                [],
                lambda: self.annex_criteria(justified, width),
            ),
            (
                "annex-items",
                _("Annex B: Individual scores per item"),
                [],
                lambda: self.annex_items(width),
            ),
            (
                "annex-declarations",
                _("Annex C: Declarations of impartiality"),
                [],
                lambda: self.annex_declarations(width),
            ),
        ]
        sections = []
        number = 0
        for key, title, subsections, batches in parts:
            if not key.startswith("annex"):
                number += 1
                title = f"{number} {title}"
            entries = [ContentsEntry(key, 0, title)]
            entries += [ContentsEntry(k, 1, t) for k, t in subsections]
            sections.append(_Section(key, title, entries, batches))
        return sections

    # 1 Summary

    def summary(self, width: float) -> Iterator[list[Flowable]]:
        evaluation = self.evaluation
        model = str(evaluation.get_price_model_display())
        if evaluation.price_model == Evaluation.PriceModel.RANGE:
            model += (
                f" ({_price(evaluation.price_range_min)}–"
                f"{_price(evaluation.price_range_max)} NOK)"
            )
        elif evaluation.price_model == Evaluation.PriceModel.LOG:
            model += f" (A = {_score(evaluation.price_log_multiple)})"
        normalised = [c.name for c in self.leaves if c.normalise]
        facts = [
            (_("Award model"), str(evaluation.get_award_model_display())),
            (_("Price model"), model),
            (
                _("Normalisation"),
                _("Relative to the best tender: %(criteria)s")
                % {"criteria": ", ".join(normalised)}
                if normalised
                else _("None: points are used as scored"),
            ),
            (
                _("Disagreement threshold"),
                _percent(evaluation.disagreement_threshold),
            ),
        ]
        if self.show_prices and self.results.lowest_price is not None:
            facts.append(
                (
                    _("Lowest evaluated price"),
                    f"{_price(self.results.lowest_price)} NOK",
                )
            )
        if self.money:
            rule = _(
                "Quality priced in money: the evaluated price E = price × (1 − "
                "weighted quality points / scale maximum); the lowest E wins."
            )
        else:
            rule = _(
                "Best ratio of price and quality: the total is the sum over the "
                "criteria of the effective weight times the points; the highest "
                "total wins. Equal totals share a rank."
            )
        yield [_facts_table(facts, width), Spacer(1, 0.3 * cm), para(rule)]

        header = [
            _("Criterion"),
            _("Kind"),
            _("Method"),
            _("Weight"),
            _("Declared range"),
            _("Effective weight"),
            _("Normalisation"),
            _("Scale"),
        ]
        fixed = [1.7 * cm, 2.7 * cm, 1.4 * cm, 2.1 * cm, 1.6 * cm, 2.8 * cm, 1.2 * cm]
        widths = [width - sum(fixed), *fixed]
        leaves = set(self.results.leaf_ids)
        rows = []
        for criterion, depth in self.tree:
            record = self.records.get(criterion.id)
            is_leaf = criterion.id in leaves
            declared = "–"
            if criterion.weight_min is not None or criterion.weight_max is not None:
                declared = (
                    f"{_percent(criterion.lower)}–{_percent(criterion.upper)}"
                ).replace("\u00a0%–", "–")
            rows.append(
                [
                    para(
                        criterion.name,
                        ParagraphStyle(
                            f"criterion-{depth}",
                            parent=styles()["cell_bold" if not is_leaf else "cell"],
                            leftIndent=10 * depth,
                        ),
                    ),
                    str(record.get_kind_display()) if record else criterion.kind,
                    para(record.get_method_display(), "cell")
                    if record and is_leaf
                    else "",
                    _percent(criterion.weight),
                    declared,
                    _percent(self.results.effective_weights.get(criterion.id))
                    if is_leaf
                    else "",
                    para(
                        _("Relative to the best tender")
                        if criterion.normalise
                        else _("None"),
                        "cell",
                    )
                    if is_leaf
                    else "",
                    f"0–{_score(criterion.scale_max)}" if is_leaf else "",
                ]
            )
        yield [
            Heading(_("Criteria and weights"), key="summary-criteria", level=1),
            *_chunks(header, rows, widths),
            para(
                _(
                    "Weights are shares of the criterion above; the effective "
                    "weight is the product down the tree. The declared range was "
                    "announced with the weight."
                ),
                "note",
            ),
        ]
        gaps = consensus_gaps(self.data, self.results)
        if gaps:
            lines = [
                ngettext(
                    "%(tender)s – %(criterion)s: %(count)s item without consensus",
                    "%(tender)s – %(criterion)s: %(count)s items without consensus",
                    gap.count,
                )
                % {
                    "tender": gap.tender_name,
                    "criterion": gap.criterion_name,
                    "count": formats.number_format(gap.count, force_grouping=True),
                }
                for gap in gaps
            ]
            batch: list[Flowable] = [
                Heading(_("Consensus not complete"), key="summary-gaps", level=1)
            ]
            batch += [para(line) for line in lines[:GAP_LINES]]
            if len(lines) > GAP_LINES:
                batch.append(
                    para(
                        _("… and %(count)s more.") % {"count": len(lines) - GAP_LINES},
                        "note",
                    )
                )
            yield batch

    # 2 Ranking

    def ranking(self, width: float) -> Iterator[list[Flowable]]:
        header = [_("Rank"), _("Tender"), _("Total points")]
        if self.money:
            header.append(_("Evaluated price E (NOK)"))
        header += [_("Price (NOK)"), _("Remarks")]
        fixed = [1.2 * cm, 2.4 * cm, 3.2 * cm if self.money else 0, 2.8 * cm, 4 * cm]
        widths = [fixed[0], width - sum(fixed), fixed[1]]
        if self.money:
            widths.append(fixed[2])
        widths += [fixed[3], fixed[4]]
        reasons = self._rejection_reasons()
        rows = []
        for t in self.ordered:
            remarks = []
            if t.rejected:
                remarks.append(_("Rejected, not ranked"))
                if reasons.get(t.tender_id):
                    remarks.append(reasons[t.tender_id])
            if t.provisional:
                remarks.append(_("provisional"))
            row = [
                str(t.rank) if t.rank is not None else "–",
                para(t.name, "cell"),
                _points(t.total),
            ]
            if self.money:
                row.append(_price(t.money_value) if self.show_prices else _("sealed"))
            row.append(_price(t.evaluated_price) if self.show_prices else _("sealed"))
            row.append(para("; ".join(remarks), "cell"))
            rows.append(row)
        style = [
            *GRID_STYLE,
            *HEADER_STYLE,
            ("ALIGN", (2, 1), (-2, -1), "RIGHT"),
        ]
        yield [
            *_chunks(header, rows, widths, style=style),
            para(
                _(
                    "Points are rounded to 2 decimals for display; the ranking "
                    "uses the exact values. Equal totals share a rank."
                ),
                "note",
            ),
        ]

        header = [
            _("Criterion"),
            _("Tender"),
            _("Effective weight"),
            _("Points"),
            _("Weighted points"),
        ]
        widths = [5 * cm, width - 13 * cm, 2.6 * cm, 2.6 * cm, 2.8 * cm]
        rows = []
        for c in self.leaves:
            for t in self.ordered:
                points = t.criteria[c.id]
                if self.sealed(c.id):
                    shown = [_("sealed"), _("sealed")]
                else:
                    mark = " *" if points.provisional else ""
                    shown = [
                        _points(points.points) + mark,
                        _points(points.weighted) + mark,
                    ]
                rows.append(
                    [
                        para(c.name, "cell"),
                        para(t.name, "cell"),
                        _percent(self.results.effective_weights[c.id]),
                        *shown,
                    ]
                )
        style = [*GRID_STYLE, *HEADER_STYLE, ("ALIGN", (2, 1), (-1, -1), "RIGHT")]
        tables = _chunks(header, rows, widths, style=style)
        yield [
            section_break(),
            Heading(_("Points per criterion"), key="ranking-points", level=1),
            para(
                _(
                    "Points on the criterion's scale (after normalisation, where "
                    "the criterion asks for it) and weighted by its effective "
                    "weight. * provisional."
                ),
                "note",
            ),
            next(tables, Spacer(1, 0)),
        ]
        for table in tables:
            yield [table]

        chart = stacked_bar_drawing(
            [
                (
                    t.name,
                    [
                        (
                            c.name,
                            0.0
                            if self.sealed(c.id)
                            else float(t.criteria[c.id].weighted),
                        )
                        for c in self.leaves
                    ],
                )
                for t in self.ordered
            ],
            width=width,
        )
        caption = _("Weighted points per criterion and tender.")
        if not self.show_prices and self.priced:
            caption += " " + _("The price is left out while the envelope is sealed.")
        yield [
            section_break(chart.height + 3 * cm),
            Heading(_("Weighted points per criterion"), key="ranking-chart", level=1),
            KeepTogether([chart, para(caption, "note")]),
        ]

    def _rejection_reasons(self) -> dict[int, str]:
        return dict(
            Tender.objects.filter(round_id=self.evaluation.round_id).values_list(
                "pk", "rejection_reason"
            )
        )

    # 3 Consensus justifications

    def justifications(
        self, criteria: list[engine.Criterion], width: float
    ) -> Iterator[list[Flowable]]:
        wanted, notes = self._chosen_justifications(criteria)
        texts = self._consensus_texts(wanted)
        keys = _requirement_labels(
            {
                item.id
                for picks in wanted.values()
                for _kind, item in picks
                if item.kind == engine.REQ
            }
        )
        widths = [5.2 * cm, 1.8 * cm, width - 7 * cm]
        header = [_("Requirement"), _("Score"), _("Justification")]
        labels = {"strength": _("Strengths"), "weakness": _("Weaknesses")}
        yield [
            para(
                _(
                    "The panel's agreed scores and their justifications. For a "
                    "criterion scored through many requirements, each tender "
                    "shows the requirements that lift its points most above the "
                    "other tenders' (strengths) and those that pull them down "
                    "most (weaknesses); every justification is in the evaluation "
                    "workbook."
                ),
                "note",
            )
        ]
        for c in criteria:
            batch: list[Flowable] = [
                section_break(),
                Heading(c.name, key=f"justifications-{c.id}", level=1),
            ]
            for t in self.ordered:
                picks = wanted.get((c.id, t.tender_id), [])
                batch.append(para(t.name, _STYLES["tender"]))
                if c.method == engine.Method.DIRECT:
                    found = texts.get((t.tender_id, engine.crit_item(c.id)))
                    if found is None:
                        batch.append(
                            para(_("No consensus score has been set yet."), "note")
                        )
                    else:
                        value, text = found
                        batch.append(
                            para(
                                _("Consensus score: %(score)s")
                                % {"score": _score(value)},
                                _STYLES["label"],
                            )
                        )
                        batch.append(para(text or "–"))
                    yield batch
                    batch = []
                    continue
                if not picks:
                    batch.append(
                        para(_("No consensus scores have been set yet."), "note")
                    )
                    yield batch
                    batch = []
                    continue
                groups: dict[str, list] = defaultdict(list)
                for kind, item in picks:
                    groups[kind].append(item)
                for kind in ("all", "strength", "weakness"):
                    if kind not in groups:
                        continue
                    if kind in labels:
                        batch.append(para(labels[kind], _STYLES["label"]))
                    rows = []
                    for item in groups[kind]:
                        value, text = texts.get((t.tender_id, item), (None, ""))
                        rows.append(
                            [
                                para(keys.get(item.id, str(item.id)), "cell"),
                                _score(value),
                                para(text or "–", "cell"),
                            ]
                        )
                    batch.extend(_chunks(header, rows, widths))
                    yield batch
                    batch = []
                note = notes.get((c.id, t.tender_id))
                if note:
                    yield [para(note, "note")]
            if batch:
                yield batch

    def _chosen_justifications(self, criteria):
        """Per (criterion, tender) the items whose justifications are shown,
        as (group, item): "all", or "strength"/"weakness"; and a note where
        some are left out."""
        consensus = self.data.consensus
        ranked = [t.tender_id for t in self.results.tenders if not t.rejected]
        wanted: dict[tuple, list[tuple[str, engine.ItemKey]]] = {}
        notes: dict[tuple, str] = {}
        for c in criteria:
            if c.method != engine.Method.REQUIREMENTS:
                continue
            items = [engine.req_item(r) for r in c.requirement_weights]
            if len(items) <= ALL_JUSTIFICATIONS_UP_TO:
                for t in self.results.tenders:
                    picks = [
                        ("all", item)
                        for item in items
                        if (t.tender_id, item) in consensus
                    ]
                    if picks:
                        wanted[c.id, t.tender_id] = picks
                continue
            # Per item the sum and count of the ranked tenders' consensus scores:
            # another tender's mean is then one subtraction away.
            sums: dict[engine.ItemKey, tuple[Decimal, int]] = {}
            for item in items:
                total, count = Decimal(0), 0
                for tender_id in ranked:
                    value = consensus.get((tender_id, item))
                    if value is not None:
                        total += value
                        count += 1
                sums[item] = (total, count)
            for t in self.results.tenders:
                lifts = []
                agreed = 0
                for item in items:
                    value = consensus.get((t.tender_id, item))
                    if value is None:
                        continue
                    agreed += 1
                    total, count = sums[item]
                    if not t.rejected:
                        total, count = total - value, count - 1
                    if count == 0:
                        continue
                    weight = c.requirement_weights[item.id]
                    lifts.append((weight * (value - total / count), item))
                strengths = sorted(
                    (lift for lift in lifts if lift[0] > 0),
                    key=lambda lift: (-lift[0], str(lift[1].id)),
                )[:STRENGTHS]
                weaknesses = sorted(
                    (lift for lift in lifts if lift[0] < 0),
                    key=lambda lift: (lift[0], str(lift[1].id)),
                )[:STRENGTHS]
                picks = [("strength", item) for _lift, item in strengths]
                picks += [("weakness", item) for _lift, item in weaknesses]
                if picks:
                    wanted[c.id, t.tender_id] = picks
                if agreed > len(picks):
                    notes[c.id, t.tender_id] = ngettext(
                        "%(shown)s of %(count)s justification shown; all are in "
                        "the evaluation workbook.",
                        "%(shown)s of %(count)s justifications shown; all are in "
                        "the evaluation workbook.",
                        agreed,
                    ) % {
                        "shown": len(picks),
                        "count": formats.number_format(agreed, force_grouping=True),
                    }
        return wanted, notes

    def _consensus_texts(self, wanted) -> dict[tuple, tuple[Decimal, str]]:
        pairs = {
            (tender_id, item)
            for (_c, tender_id), picks in wanted.items()
            for _kind, item in picks
        }
        requirement_ids = sorted({item.id for _t, item in pairs})
        texts: dict[tuple, tuple[Decimal, str]] = {}
        base = ConsensusScore.objects.filter(evaluation=self.evaluation).order_by()
        for chunk in _chunked(requirement_ids, 500):
            for tender_id, requirement_id, value, text in base.filter(
                requirement_id__in=chunk
            ).values_list("tender_id", "requirement_id", "value", "justification"):
                key = (tender_id, engine.req_item(requirement_id))
                if key in pairs:
                    texts[key] = (value, text)
        direct = [c.id for c in self.leaves if c.method == engine.Method.DIRECT]
        for tender_id, criterion_id, value, text in base.filter(
            criterion_id__in=direct
        ).values_list("tender_id", "criterion_id", "value", "justification"):
            texts[tender_id, engine.crit_item(criterion_id)] = (value, text)
        return texts

    # 4 Rejected tenders

    def rejected(self, width: float) -> Iterator[list[Flowable]]:
        rejected = [t for t in self.ordered if t.rejected]
        if not rejected:
            yield [para(_("No tender was rejected."))]
            return
        reasons = self._rejection_reasons()
        yield [
            para(
                _(
                    "Rejected tenders are shown in the ranking with their points "
                    "but are not ranked."
                ),
                "note",
            )
        ]
        failed: dict[int, list] = defaultdict(list)
        for check in (
            AbsoluteCheck.objects.filter(
                evaluation=self.evaluation,
                tender_id__in=[t.tender_id for t in rejected],
                fulfilled=False,
            )
            .select_related("requirement")
            .order_by("requirement__key")
        ):
            failed[check.tender_id].append(check)
        header = [_("Requirement"), _("Substantial deviation"), _("Justification")]
        widths = [5.6 * cm, 2.6 * cm, width - 8.2 * cm]
        for t in rejected:
            batch: list[Flowable] = [
                para(t.name, _STYLES["tender"]),
                para(_("Reason for rejection"), _STYLES["label"]),
                para(reasons.get(t.tender_id) or "–"),
            ]
            checks = failed.get(t.tender_id, [])
            if checks:
                batch.append(
                    para(_("Absolute requirements not fulfilled"), _STYLES["label"])
                )
                rows = [
                    [
                        para(
                            f"{check.requirement.key} {check.requirement.title}",
                            "cell",
                        ),
                        _("Yes") if check.substantial_deviation else _("No"),
                        para(check.justification or "–", "cell"),
                    ]
                    for check in checks
                ]
                batch.extend(_chunks(header, rows, widths))
            yield batch

    # 5 Sensitivity

    def sensitivity(self, width: float) -> Iterator[list[Flowable]]:
        if self.sensitivity_hidden:
            yield [
                para(
                    _(
                        "The sensitivity analysis is shown once the price "
                        "envelope is open."
                    )
                )
            ]
            return
        analysis = engine.sensitivity(self.data, self.results)
        if analysis.reason == "no_unique_winner":
            yield [
                para(
                    _(
                        "There is no single winner (nothing is ranked, or rank 1 "
                        "is shared), so there is nothing to test."
                    )
                )
            ]
            return
        if analysis.reason == "no_challenger":
            yield [
                para(
                    _("Only one tender is ranked, so no weights can change the winner.")
                )
            ]
            return
        names = self.names
        lines = [
            _("Winner: %(winner)s.") % {"winner": names.get(analysis.winner, "")},
        ]
        check = analysis.range_check
        if check is not None and check.feasible:
            challenger = names.get(check.challenger, "")
            if check.winner_changes:
                lines.append(
                    _(
                        "Weights inside the declared ranges can change the "
                        "winner: %(challenger)s would win."
                    )
                    % {"challenger": challenger}
                )
            elif check.tie_possible:
                lines.append(
                    _(
                        "Weights inside the declared ranges can at most tie the "
                        "winner with %(challenger)s."
                    )
                    % {"challenger": challenger}
                )
            else:
                lines.append(
                    _(
                        "No weights inside the declared ranges (still summing to "
                        "100 %) change the winner."
                    )
                )
        elif check is not None:
            lines.append(
                _(
                    "The declared weight ranges cannot sum to 100 %, so they were "
                    "not tested."
                )
            )
        if analysis.smallest is not None:
            smallest = analysis.smallest
            lines.append(
                _(
                    "The smallest shift that changes the winner moves "
                    "%(points)s percentage points of weight from %(source)s to "
                    "%(target)s; then %(challenger)s would win."
                )
                % {
                    "points": _points(smallest.percentage_points),
                    "source": self.criteria[smallest.source_id].name,
                    "target": self.criteria[smallest.target_id].name,
                    "challenger": names.get(smallest.challenger, ""),
                }
            )
        yield [para(line) for line in lines]

        header = [
            _("From"),
            _("To"),
            _("Shift (percentage points)"),
            _("Would win"),
            _("Possible"),
        ]
        widths = [3.6 * cm, 3.6 * cm, 2.6 * cm, width - 13.2 * cm, 3.4 * cm]
        rows = [
            [
                para(self.criteria[s.source_id].name, "cell"),
                para(self.criteria[s.target_id].name, "cell"),
                _points(s.percentage_points),
                para(names.get(s.challenger, ""), "cell"),
                para(
                    _("Yes") if s.feasible else _("No (more than the criterion has)"),
                    "cell",
                ),
            ]
            for s in sorted(analysis.shifts, key=lambda s: s.delta)
        ]
        if not rows:
            yield [
                para(_("No shift of weight between two criteria changes the winner."))
            ]
        else:
            style = [*GRID_STYLE, *HEADER_STYLE, ("ALIGN", (2, 1), (2, -1), "RIGHT")]
            tables = _chunks(header, rows, widths, style=style)
            yield [
                para(
                    _(
                        "Smallest shift of weight from one criterion to another "
                        "that changes the winner"
                    ),
                    "h3",
                ),
                next(tables),
            ]
            for table in tables:
                yield [table]
        for series in analysis.charts:
            criterion = self.criteria[series.criterion_id].name
            chart = sensitivity_drawing(
                [float(w) for w in series.weights],
                {
                    names[t]: [float(v) for v in values]
                    for t, values in series.values.items()
                },
                current=float(series.current),
                width=width * 0.8,
            )
            yield [
                KeepTogether(
                    [
                        para(
                            _("Total as the weight of %(criterion)s changes")
                            % {"criterion": criterion},
                            "h3",
                        ),
                        chart,
                        para(
                            _(
                                "Totals as the weight of %(criterion)s moves "
                                "through its declared range (dashed: today's "
                                "weight), the others keeping their proportions."
                            )
                            % {"criterion": criterion},
                            "note",
                        ),
                    ]
                )
            ]

    # Annex A: individual scores per criterion

    def _blind_note(self) -> list[Flowable] | None:
        if self.individual_visible:
            return None
        return [
            para(
                _(
                    "Scoring is still blind: the individual scores are shown "
                    "once the lead has opened consensus."
                )
            )
        ]

    def annex_criteria(
        self, criteria: list[engine.Criterion], width: float
    ) -> Iterator[list[Flowable]]:
        blind = self._blind_note()
        if blind:
            yield blind
            return
        per_evaluator = self.data.evaluator_criterion_scores
        evaluators = _people({e for e, _c, _t in per_evaluator})
        yield [
            para(
                _(
                    "Each evaluator's own points per criterion and tender, "
                    "computed from their individual scores like the panel's "
                    "(weighted mean over the requirements they scored). The "
                    "last row holds the panel's points before normalisation. "
                    "Kendall's W measures how far the evaluators agree on the "
                    "order of the tenders (1: fully)."
                ),
                "note",
            )
        ]
        tenders = self.ordered
        for c in criteria:
            scorers = sorted(
                {e for e, crit, _t in per_evaluator if crit == c.id},
                key=lambda e: (evaluators.get(e, ""), e),
            )
            agreement = self.results.agreement.get(c.id)
            batch: list[Flowable] = [
                section_break(),
                para(c.name, "h2"),
            ]
            if agreement is not None and agreement.w is not None:
                text = _(
                    "Kendall's W = %(w)s (%(evaluators)s evaluators, "
                    "%(tenders)s tenders)."
                ) % {
                    "w": formats.number_format(
                        agreement.w.quantize(Decimal("0.001")), 3
                    ),
                    "evaluators": agreement.evaluators,
                    "tenders": agreement.tenders,
                }
                if agreement.excluded_evaluators:
                    text += " " + ngettext(
                        "%(count)s evaluator who did not score every tender is "
                        "left out.",
                        "%(count)s evaluators who did not score every tender are "
                        "left out.",
                        agreement.excluded_evaluators,
                    ) % {"count": agreement.excluded_evaluators}
                batch.append(para(text, "note"))
            if not scorers:
                batch.append(para(_("No individual scores."), "note"))
                yield batch
                continue
            for start in range(0, len(tenders), TENDERS_PER_TABLE):
                group = tenders[start : start + TENDERS_PER_TABLE]
                name_width = width - 2.4 * cm * len(group)
                header = [_("Evaluator"), *(para(t.name, "cell_bold") for t in group)]
                rows = [
                    [
                        para(evaluators.get(e, str(e)), "cell"),
                        *(
                            _points(per_evaluator.get((e, c.id, t.tender_id)))
                            for t in group
                        ),
                    ]
                    for e in scorers
                ]
                rows.append(
                    [
                        para(_("Panel"), "cell_bold"),
                        *(_points(t.criteria[c.id].raw) for t in group),
                    ]
                )
                style = [
                    *GRID_STYLE,
                    *HEADER_STYLE,
                    ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
                    ("FONT", (0, -1), (-1, -1), FONT_BOLD),
                ]
                for table in _chunks(
                    header,
                    rows,
                    [name_width, *([2.4 * cm] * len(group))],
                    rows_per_chunk=40,
                    style=style,
                ):
                    batch.append(table)
                    yield batch
                    batch = []

    # Annex B: individual scores per item

    def annex_items(self, width: float) -> Iterator[list[Flowable]]:
        blind = self._blind_note()
        if blind:
            yield blind
            return
        individual = self.data.individual
        score_count = sum(aggregate.count for aggregate in individual.values())
        pair_count = len(individual)
        spreads = {(s.tender_id, s.item): s for s in self.results.flagged_spreads}
        if pair_count <= ITEM_ROWS:
            pairs = list(individual)
            all_spreads = {(s.tender_id, s.item): s for s in self.results.spreads}
            note = _(
                "Every individual score: %(scores)s scores on %(pairs)s tender × "
                "item pairs. Flagged: the spread (highest − lowest score, as a "
                "share of the scale) reaches the disagreement threshold."
            ) % {
                "scores": formats.number_format(score_count, force_grouping=True),
                "pairs": formats.number_format(pair_count, force_grouping=True),
            }
        else:
            largest = sorted(spreads.values(), key=lambda s: -s.spread)[:ITEM_ROWS]
            pairs = [(s.tender_id, s.item) for s in largest]
            all_spreads = spreads
            note = _(
                "%(shown)s of the %(flagged)s flagged tender × item pairs, those "
                "with the largest spreads (highest − lowest score, as a share of "
                "the scale). All %(scores)s individual scores on %(pairs)s pairs "
                "are in the evaluation workbook."
            ) % {
                "shown": formats.number_format(len(pairs), force_grouping=True),
                "flagged": formats.number_format(len(spreads), force_grouping=True),
                "scores": formats.number_format(score_count, force_grouping=True),
                "pairs": formats.number_format(pair_count, force_grouping=True),
            }
        yield [para(note, "note")]
        if not pairs:
            yield [para(_("No individual scores."), "note")]
            return
        scores = self._item_scores(pairs)
        people = _people({e for per_pair in scores.values() for e, _v in per_pair})
        labels = _requirement_labels(
            {item.id for _t, item in pairs if item.kind == engine.REQ}
        )
        criterion_of = {}
        position = {}
        for index, c in enumerate(self.leaves):
            position[c.id] = index
            criterion_of[engine.crit_item(c.id)] = c
            for r in c.requirement_weights:
                criterion_of[engine.req_item(r)] = c
        tender_position = {t.tender_id: i for i, t in enumerate(self.ordered)}

        def order(pair):
            tender_id, item = pair
            c = criterion_of.get(item)
            return (
                position.get(c.id, len(position)) if c else len(position),
                tender_position.get(tender_id, 0),
                labels.get(item.id, "") if item.kind == engine.REQ else "",
            )

        header = [
            _("Item"),
            _("Tender"),
            _("Individual scores"),
            _("Spread"),
            _("Flag"),
        ]
        widths = [5 * cm, 3 * cm, width - 11.4 * cm, 1.7 * cm, 1.7 * cm]
        item_style = ParagraphStyle("item", parent=styles()["cell"], spaceBefore=2)
        separator = " · "

        def rows():
            for pair in sorted(pairs, key=order):
                tender_id, item = pair
                c = criterion_of.get(item)
                spread = all_spreads.get(pair)
                given = sorted(
                    scores.get(pair, []),
                    key=lambda row: (people.get(row[0], ""), row[0]),
                )
                yield [
                    [
                        para(c.name if c else "–", "cell_bold"),
                        para(
                            labels.get(item.id, str(item.id))
                            if item.kind == engine.REQ
                            else _("The criterion (scored directly)"),
                            item_style,
                        ),
                    ],
                    para(self.names.get(tender_id, ""), "cell"),
                    para(
                        separator.join(
                            f"{people.get(e, e)}: {_score(v)}" for e, v in given
                        ),
                        "cell",
                    ),
                    _points(spread.spread) if spread else "–",
                    _("flagged") if spread and spread.flagged else "",
                ]

        style = [*GRID_STYLE, *HEADER_STYLE, ("ALIGN", (3, 1), (3, -1), "RIGHT")]
        for table in _chunks(header, rows(), widths, style=style):
            yield [table]

    def _item_scores(self, pairs) -> dict[tuple, list[tuple[int, Decimal]]]:
        wanted = set(pairs)
        found: dict[tuple, list[tuple[int, Decimal]]] = defaultdict(list)
        base = Score.objects.filter(evaluation=self.evaluation).order_by()
        requirement_ids = sorted(
            {item.id for _t, item in wanted if item.kind == engine.REQ}
        )
        for chunk in _chunked(requirement_ids, 500):
            for evaluator_id, tender_id, requirement_id, value in base.filter(
                requirement_id__in=chunk
            ).values_list("evaluator_id", "tender_id", "requirement_id", "value"):
                key = (tender_id, engine.req_item(requirement_id))
                if key in wanted:
                    found[key].append((evaluator_id, value))
        criterion_ids = sorted(
            {item.id for _t, item in wanted if item.kind == engine.CRIT}
        )
        if criterion_ids:
            for evaluator_id, tender_id, criterion_id, value in base.filter(
                criterion_id__in=criterion_ids
            ).values_list("evaluator_id", "tender_id", "criterion_id", "value"):
                key = (tender_id, engine.crit_item(criterion_id))
                if key in wanted:
                    found[key].append((evaluator_id, value))
        return found

    # Annex C: declarations of impartiality

    def annex_declarations(self, width: float) -> Iterator[list[Flowable]]:
        declarations = (
            Declaration.objects.filter(procurement=self.evaluation.procurement)
            .select_related("evaluator")
            .prefetch_related("conflicts")
            .order_by("evaluator__last_name", "evaluator__first_name", "pk")
        )
        header = [_("Evaluator"), _("Signed"), _("Conflicts of interest")]
        widths = [5 * cm, 3.4 * cm, width - 8.4 * cm]
        rows = []
        for declaration in declarations:
            conflicts = sorted(vendor.name for vendor in declaration.conflicts.all())
            text = ", ".join(conflicts) if conflicts else _("None declared")
            if declaration.conflict_note:
                text += f" – {declaration.conflict_note}"
            rows.append(
                [
                    para(_person(declaration.evaluator), "cell"),
                    _when(declaration.signed_at),
                    para(text, "cell"),
                ]
            )
        if not rows:
            yield [para(_("No declarations have been signed."))]
            return
        yield [
            para(
                _(
                    "Every declaration of impartiality signed for this "
                    "procurement. An evaluator never sees the tender of a vendor "
                    "they declared a conflict with."
                ),
                "note",
            ),
            *_chunks(header, rows, widths, rows_per_chunk=40),
        ]


# Helpers ------------------------------------------------------------------------


def _tree_order(
    criteria: Iterable[engine.Criterion],
) -> list[tuple[engine.Criterion, int]]:
    """The criteria depth first, each with its depth."""
    children: dict[Hashable | None, list[engine.Criterion]] = defaultdict(list)
    ids = {c.id for c in criteria}
    for c in criteria:
        children[c.parent_id if c.parent_id in ids else None].append(c)
    ordered: list[tuple[engine.Criterion, int]] = []

    def visit(parent, depth):
        for c in children.get(parent, []):
            ordered.append((c, depth))
            if c.id != parent:
                visit(c.id, depth + 1)

    visit(None, 0)
    return ordered


def _people(ids: set) -> dict[int, str]:
    return {
        user.pk: _person(user)
        for user in get_user_model().objects.filter(pk__in=list(ids))
    }


def _requirement_labels(ids: set) -> dict[int, str]:
    labels = {}
    for chunk in _chunked(sorted(ids), 500):
        for pk, key, title in Requirement.objects.filter(pk__in=chunk).values_list(
            "pk", "key", "title"
        ):
            labels[pk] = f"{key} {title}"
    return labels


def _chunked(values: list, size: int) -> Iterator[list]:
    for start in range(0, len(values), size):
        yield values[start : start + size]
