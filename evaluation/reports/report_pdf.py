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
when the layout reaches them, in page-sized tables. The justifications and
the item-level scores are bounded (``evaluation.reports.report_pdf_annexes``
says how) so the report stays readable at any scale; the evaluation workbook
has them all.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass
from typing import IO

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    NextPageTemplate,
    PageBreak,
    Spacer,
)

from evaluation import results as engine
from evaluation.access import scoring_is_blind
from evaluation.charts import sensitivity_drawing, stacked_bar_drawing
from evaluation.models import AbsoluteCheck, Criterion, Evaluation
from evaluation.reports.report_pdf_annexes import AnnexSections
from evaluation.reports.report_pdf_parts import (
    _STYLES,
    _chunks,
    _facts_table,
    _percent,
    _person,
    _points,
    _price,
    _score,
    _tree_order,
    _when,
    range_check_verdict,
)
from evaluation.selectors.results import (
    consensus_gaps,
    evaluation_results,
    prices_visible,
    rejection_reasons,
)
from procurement.documents.pdf import (
    GRID_STYLE,
    HEADER_STYLE,
    ContentsEntry,
    DeferredStory,
    Heading,
    KravsporDocTemplate,
    contents_tables,
    cover,
    para,
    section_break,
    styles,
)
from procurement.tenders.opening_record import envelope_state

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


# What the report reads -------------------------------------------------------


@dataclass
class _Section:
    key: str
    title: str
    entries: list[ContentsEntry]
    batches: Callable[[], Iterator[list[Flowable]]]


class _Report(AnnexSections):
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
        # The report shows no more than the lead's own pages.
        self.individual_visible = not scoring_is_blind(evaluation)
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
        return rejection_reasons(self.evaluation)

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
        if check is not None:
            challenger = names.get(check.challenger, "")
            lines.append(range_check_verdict(check, challenger))
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
