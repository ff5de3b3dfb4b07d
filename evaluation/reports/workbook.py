"""The evaluation workbook (.xlsx): one procurement's evaluation of one round,
for management, the board and, if it comes to that, KOFA.

Sheets: Summary (facts, ranking, weights and a bar chart of the totals),
Criteria (points per tender and criterion), Matrix (consensus score per
requirement and tender), Individual scores (every evaluator's score with the
spread flags), Justifications (consensus and individual), Absolute
requirements, Prices (only for a reader who may see them) and Sensitivity.

Every number comes from ``evaluation_results`` and the engine's
``sensitivity``, unrounded; cells show 2 decimals (prices whole kroner). The
large sheets are streamed from the database in one ordered pass and written
with ``FastSheetWriter``: the workbook never holds the individual scores.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from django.contrib.auth import get_user_model
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl.chart import BarChart, Reference
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Font, PatternFill

from evaluation import results as engine
from evaluation.access import scoring_is_blind
from evaluation.models import (
    AbsoluteCheck,
    ConsensusScore,
    Criterion,
    Evaluation,
    Score,
)
from evaluation.reports.report_pdf_parts import (
    _tree_order,
    blind_scoring_note,
    range_check_verdict,
)
from evaluation.selectors.results import (
    evaluation_results,
    prices_visible,
    raw_rows,
    rejection_reasons,
)
from procurement.documents.xlsx import (
    Column,
    FastSheetWriter,
    SheetWriter,
    new_workbook,
    save_workbook,
)
from procurement.models import PriceLine, Requirement

POINTS = "0.00"
PRICE = "#,##0"
WEIGHT = "0.000"
PERCENT = "0.00"
PROGRESS_EVERY = 100_000
FLAG_FILL = PatternFill("solid", fgColor="F8CBAD")
FLAG_FONT = Font(color="9C0006")

Progress = Callable[[str], None]

__all__ = ["workbook_filename", "write_evaluation_workbook"]


def workbook_filename(evaluation: Evaluation) -> str:
    return (
        f"kravspor-{evaluation.procurement.reference}-runde-"
        f"{evaluation.round.number}-evaluering.xlsx"
    )


def _num(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _person(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


class _People(dict):
    """Display names by user id: the procurement's members and the panel up
    front, anyone else (a former member) read on first use; never every
    user of the installation."""

    def __init__(self, evaluation: Evaluation):
        super().__init__(
            (user.pk, _person(user))
            for user in get_user_model()
            .objects.filter(
                Q(memberships__procurement_id=evaluation.procurement_id)
                | Q(evaluation_assignments__evaluation=evaluation)
            )
            .distinct()
        )

    def __missing__(self, pk) -> str:
        self[pk] = name = _person(get_user_model().objects.filter(pk=pk).first())
        return name


def write_evaluation_workbook(
    evaluation: Evaluation,
    out: str | Path | IO[bytes],
    *,
    user=None,
    progress: Progress | None = None,
) -> None:
    """Write the evaluation workbook of ``evaluation`` as ``user`` may see it
    to ``out`` (a path or a binary stream). ``user=None`` is an operator at
    the command line, who sees prices only once the envelope is open.
    ``progress`` is called with a short message per sheet and every
    100,000 rows of the large ones."""
    _Workbook(evaluation, user, progress or (lambda message: None)).write(out)


class _Workbook:
    def __init__(self, evaluation: Evaluation, user, progress: Progress):
        self.evaluation = evaluation
        self.user = user
        self.progress = progress
        self.show_prices = prices_visible(evaluation, user)

    # The whole workbook ----------------------------------------------------

    def write(self, out) -> None:
        evaluation = self.evaluation
        self.progress(_("Computing the results"))
        self.data, self.results = evaluation_results(evaluation, user=self.user)
        data, results = self.data, self.results
        self.criteria = {c.id: c for c in data.criteria}
        self.leaves = [self.criteria[i] for i in results.leaf_ids]
        self.priced = {c.id for c in self.leaves if c.method == engine.Method.PRICE}
        self.sealed = not self.show_prices
        self.money = results.award_model == engine.AwardModel.MONEY
        self.tender_names = {t.tender_id: t.name for t in results.tenders}
        self.ordered = sorted(
            results.tenders, key=lambda r: (r.rank is None, r.rank or 0, r.name)
        )
        self.reasons = rejection_reasons(evaluation)
        self.analysis = (
            None if self.sealed and self.priced else engine.sensitivity(data, results)
        )
        requirement_ids = {r for c in self.leaves for r in c.requirement_weights} | set(
            AbsoluteCheck.objects.filter(evaluation=evaluation).values_list(
                "requirement_id", flat=True
            )
        )
        self.requirements = {
            pk: (key, title)
            for pk, key, title in Requirement.objects.filter(
                procurement_id=evaluation.procurement_id
            ).values_list("pk", "key", "title")
            if pk in requirement_ids
        }
        self.people = _People(evaluation)
        # As on the pages and in the report PDF.
        self.individual_visible = not scoring_is_blind(evaluation)

        workbook = new_workbook()
        for title, writer in [
            (_("Summary"), self._summary),
            (_("Criteria"), self._criteria),
            (_("Matrix"), self._matrix),
            (_("Individual scores"), self._scores_and_justifications),
            (_("Absolute requirements"), self._absolute),
            (_("Prices"), self._prices),
            (_("Sensitivity"), self._sensitivity),
        ]:
            self.progress(_("Sheet: %(sheet)s") % {"sheet": title})
            writer(workbook, title)
        self.progress(_("Saving the workbook"))
        save_workbook(workbook, out)

    # Helpers ----------------------------------------------------------------

    def _item(self, requirement_id, criterion_id) -> tuple[str, str, str]:
        """(criterion, key, title) of a scored item."""
        if requirement_id is not None:
            key, title = self.requirements.get(requirement_id, ("", ""))
            criterion = self.requirement_criterion.get(requirement_id)
            return (self.criteria[criterion].name if criterion else "", key, title)
        name = self.criteria[criterion_id].name if criterion_id in self.criteria else ""
        return name, "", name

    @property
    def requirement_criterion(self) -> dict[Hashable, Hashable]:
        if not hasattr(self, "_requirement_criterion"):
            self._requirement_criterion = {
                r: c.id for c in self.leaves for r in c.requirement_weights
            }
        return self._requirement_criterion

    def _status(self, tender: engine.TenderResult) -> str:
        if tender.rejected:
            reason = self.reasons.get(tender.tender_id, "")
            return (
                _("Rejected: %(reason)s") % {"reason": reason}
                if reason
                else _("Rejected")
            )
        if tender.provisional:
            return _("Provisional")
        return ""

    # Summary ----------------------------------------------------------------

    def _summary(self, workbook, title: str) -> None:
        evaluation, results = self.evaluation, self.results
        columns = [
            Column(_("Item"), width=28),
            Column(_("Value"), width=34, wrap=True),
            Column("", width=14, number_format=POINTS),
            Column("", width=18, number_format=PRICE),
            Column("", width=18, number_format=PRICE),
            Column("", width=16),
            Column("", width=30, wrap=True),
            Column("", width=14, number_format=PERCENT),
            Column("", width=14, number_format=PERCENT),
            Column("", width=14, number_format=PERCENT),
        ]
        sheet = SheetWriter(
            workbook, title, columns, freeze_header=False, autofilter=False
        )
        no = _("No")
        procurement = evaluation.procurement
        facts = [
            (_("Procurement"), f"{procurement.reference} – {procurement.title}"),
            (_("Round"), str(evaluation.round)),
            (_("Status"), evaluation.get_status_display()),
            (_("Award model"), evaluation.get_award_model_display()),
            (_("Price model"), self._price_model()),
            (
                _("Disagreement threshold (spread)"),
                _num(evaluation.disagreement_threshold),
            ),
            (
                _("Provisional"),
                _(
                    "Yes: consensus is not complete, so some points rest on the "
                    "mean of the individual scores (or on missing scores or prices)."
                )
                if results.provisional
                else no,
            ),
            (
                _("Prices"),
                _(
                    "The price envelope is sealed: prices and price points are left "
                    "out, and totals leave the price out."
                )
                if self.sealed
                else _("Open"),
            ),
        ]
        if self.show_prices and results.lowest_price is not None:
            facts.append(
                (_("Lowest evaluated price (NOK)"), _num(results.lowest_price))
            )
        facts += [
            (
                _("Released to management"),
                evaluation.released_at if evaluation.released_at else no,
            ),
            (_("Locked"), evaluation.locked_at if evaluation.is_locked else no),
            (_("Produced"), timezone.now()),
            (
                _("Produced by"),
                _person(self.user)
                if self.user is not None
                else _("An operator at the command line"),
            ),
        ]
        for label, value in facts:
            sheet.append(self._pad([label, value], columns))
        if any(p for p in results.problems):
            sheet.append(
                self._pad(
                    [_("Model problems"), ", ".join(p.code for p in results.problems)],
                    columns,
                )
            )

        sheet.append(self._pad([], columns))
        sheet.heading(
            [
                _("Rank"),
                _("Tender"),
                _("Total points"),
                _("Evaluated price E (NOK)") if self.money else "",
                _("Evaluated price (NOK)"),
                _("Provisional"),
                _("Status"),
            ]
        )
        first_row = sheet.rows + 2
        for tender in self.ordered:
            sheet.append(
                self._pad(
                    [
                        tender.rank,
                        tender.name,
                        _num(tender.total),
                        _num(tender.money_value)
                        if self.money and self.show_prices
                        else None,
                        _num(tender.evaluated_price) if self.show_prices else None,
                        yes_no(tender.provisional),
                        self._status(tender),
                    ],
                    columns,
                )
            )
        last_row = sheet.rows + 1

        sheet.append(self._pad([], columns))
        sheet.heading(
            [
                _("Criterion"),
                _("Parent criterion"),
                _("Weight of parent (%)"),
                _("Kind"),
                _("Method"),
                _("Scale maximum"),
                _("Normalisation"),
                _("Lowest declared weight (%)"),
                _("Highest declared weight (%)"),
                _("Effective weight (%)"),
            ]
        )
        kinds = dict(Criterion.Kind.choices)
        methods = dict(Criterion.Method.choices)
        for criterion, _depth in _tree_order(self.data.criteria):
            parent = self.criteria.get(criterion.parent_id)
            is_leaf = criterion.id in results.leaf_ids
            sheet.append(
                [
                    criterion.name,
                    parent.name if parent else "",
                    _num(criterion.weight * 100),
                    kinds.get(str(criterion.kind), str(criterion.kind)),
                    methods.get(str(criterion.method), "") if is_leaf else "",
                    _num(criterion.scale_max) if is_leaf else None,
                    (
                        _("Relative to the best tender")
                        if criterion.normalise
                        else _("None")
                    )
                    if is_leaf
                    else "",
                    _num(criterion.weight_min * 100)
                    if criterion.weight_min is not None
                    else None,
                    _num(criterion.weight_max * 100)
                    if criterion.weight_max is not None
                    else None,
                    _num(results.effective_weights[criterion.id] * 100),
                ]
            )
        sheet.close()

        if last_row >= first_row:
            chart = BarChart()
            chart.type = "bar"
            chart.style = 10
            chart.title = _("Total points per tender")
            chart.y_axis.title = _("Points")
            chart.legend = None
            chart.height = max(7.5, 1.2 * (last_row - first_row + 1))
            chart.width = 18
            data = Reference(
                sheet.sheet, min_col=3, min_row=first_row - 1, max_row=last_row
            )
            categories = Reference(
                sheet.sheet, min_col=2, min_row=first_row, max_row=last_row
            )
            chart.add_data(data, titles_from_data=True)
            chart.set_categories(categories)
            chart.x_axis.scaling.orientation = "maxMin"
            sheet.sheet.add_chart(chart, "L2")

    def _pad(self, values: list, columns: list) -> list:
        return list(values) + [None] * (len(columns) - len(values))

    def _price_model(self) -> str:
        evaluation = self.evaluation
        text = evaluation.get_price_model_display()
        if evaluation.price_model == Evaluation.PriceModel.RANGE:
            low = _whole(evaluation.price_range_min)
            high = _whole(evaluation.price_range_max)
            text += f" ({low}–{high} NOK)"
        elif evaluation.price_model == Evaluation.PriceModel.LOG:
            text += f" (A = {evaluation.price_log_multiple})"
        return text

    # Criteria ---------------------------------------------------------------

    def _criteria(self, workbook, title: str) -> None:
        columns = [
            Column(_("Rank"), width=7),
            Column(_("Tender"), width=28),
            Column(_("Status"), width=24, wrap=True),
        ]
        for c in self.leaves:
            columns.append(
                Column(
                    _("%(criterion)s: points") % {"criterion": c.name},
                    width=16,
                    number_format=POINTS,
                )
            )
            if c.normalise:
                columns.append(
                    Column(
                        _("%(criterion)s: before normalisation")
                        % {"criterion": c.name},
                        width=16,
                        number_format=POINTS,
                    )
                )
            columns.append(
                Column(
                    _("%(criterion)s: weighted") % {"criterion": c.name},
                    width=16,
                    number_format=POINTS,
                )
            )
        columns.append(Column(_("Total points"), width=14, number_format=POINTS))
        if self.money:
            columns.append(
                Column(_("Evaluated price E (NOK)"), width=18, number_format=PRICE)
            )
        sheet = SheetWriter(workbook, title, columns)
        sealed_text = _("sealed")
        for tender in self.ordered:
            row: list[Any] = [tender.rank, tender.name, self._status(tender)]
            for c in self.leaves:
                points = tender.criteria[c.id]
                hidden = c.id in self.priced and self.sealed
                row.append(sealed_text if hidden else _num(points.points))
                if c.normalise:
                    row.append(sealed_text if hidden else _num(points.raw))
                row.append(sealed_text if hidden else _num(points.weighted))
            row.append(_num(tender.total))
            if self.money:
                row.append(_num(tender.money_value) if self.show_prices else None)
            sheet.append(row)
        sheet.close()

    # Matrix -----------------------------------------------------------------

    def _matrix(self, workbook, title: str) -> None:
        tenders = self.ordered
        columns = [
            Column(_("Criterion"), width=24),
            Column(_("Key"), width=14),
            Column(_("Requirement"), width=40),
            Column(_("Mapping weight"), width=10, number_format=WEIGHT),
        ] + [Column(tender.name, width=14, number_format=POINTS) for tender in tenders]
        sheet = FastSheetWriter(workbook, title, columns)
        consensus = self.data.consensus
        for c in self.leaves:
            if c.method == engine.Method.DIRECT:
                item = engine.crit_item(c.id)
                sheet.append(
                    [c.name, "", c.name, 1]
                    + [_num(consensus.get((t.tender_id, item))) for t in tenders]
                )
            elif c.method == engine.Method.REQUIREMENTS:
                mapped = sorted(
                    c.requirement_weights.items(),
                    key=lambda pair: self.requirements.get(pair[0], ("", ""))[0],
                )
                for requirement_id, weight in mapped:
                    key, requirement_title = self.requirements.get(
                        requirement_id, ("", "")
                    )
                    item = engine.req_item(requirement_id)
                    sheet.append(
                        [c.name, key, requirement_title, _num(weight)]
                        + [_num(consensus.get((t.tender_id, item))) for t in tenders]
                    )
        sheet.close()

    # Individual scores and justifications ----------------------------------

    def _scores_and_justifications(self, workbook, title: str) -> None:
        """One ordered pass over the individual scores (tender, item,
        evaluator) writes both sheets; the consensus scores of the same order
        are merged in for the justifications."""
        if not self.individual_visible:
            note = blind_scoring_note()
            for sheet_title in (title, _("Justifications")):
                sheet = SheetWriter(
                    workbook,
                    sheet_title,
                    [Column(_("Note"), width=90)],
                    autofilter=False,
                )
                sheet.append([note])
                sheet.close()
            return
        threshold = self.results.disagreement_threshold
        # Only the flagged spreads: every spread of a large evaluation would
        # cost seconds and tens of megabytes for numbers nobody acts on.
        spreads = {(s.tender_id, s.item): s for s in self.results.flagged_spreads}
        scores = FastSheetWriter(
            workbook,
            title,
            [
                Column(_("Tender"), width=24),
                Column(_("Criterion"), width=24),
                Column(_("Item"), width=16),
                Column(_("Evaluator"), width=22),
                Column(_("Score"), width=9, number_format=POINTS),
                Column(_("Spread (flagged)"), width=10, number_format=POINTS),
                Column(_("Flagged"), width=9),
            ],
        )
        justifications = FastSheetWriter(
            workbook,
            _("Justifications"),
            [
                Column(_("Tender"), width=24),
                Column(_("Criterion"), width=24),
                Column(_("Key"), width=14),
                Column(_("Item"), width=36),
                Column(_("Consensus score"), width=10, number_format=POINTS),
                Column(_("Consensus justification"), width=50, wrap=True),
                Column(_("Decided by"), width=20),
                Column(_("Individual justifications"), width=70, wrap=True),
            ],
        )
        tender_ids = [t.tender_id for t in self.results.tenders]
        yes = _("Yes")
        people = self.people
        names = self.tender_names
        consensus_rows = _consensus_stream(self.evaluation, tender_ids)
        pending = next(consensus_rows, None)
        group_key = None
        group_item = None
        group_lines: list[str] = []

        def flush_group():
            nonlocal pending
            # Consensus items without individual scores come first in order.
            while pending is not None and pending[0] < group_key:
                self._justification_row(justifications, pending[1], [])
                pending = next(consensus_rows, None)
            agreed = None
            if pending is not None and pending[0] == group_key:
                agreed = pending[1]
                pending = next(consensus_rows, None)
            self._justification_row(
                justifications, agreed or group_item, group_lines, agreed=agreed
            )

        written = 0
        tender_name = criterion = item_key = ""
        spread_value = flag = None
        # raw database value → (the number in the cell, the points as text)
        shown_values: dict[Any, tuple[float, str]] = {}
        append = scores.append
        score_rows, score_value = _score_stream(self.evaluation, tender_ids)
        for row in score_rows:
            evaluator_id, tender_id, requirement_id, criterion_id, value, text = row
            key = _order_key(tender_id, requirement_id, criterion_id)
            if key != group_key:
                if group_key is not None:
                    flush_group()
                group_key = key
                group_item = (tender_id, requirement_id, criterion_id, None, "", None)
                group_lines = []
                item = (
                    engine.ItemKey(engine.REQ, requirement_id)
                    if requirement_id is not None
                    else engine.ItemKey(engine.CRIT, criterion_id)
                )
                spread = spreads.get((tender_id, item))
                spread_value = _num(spread.spread) if spread else None
                flag = yes if spread and spread.flagged else None
                criterion, item_key, item_title = self._item(
                    requirement_id, criterion_id
                )
                item_key = item_key or item_title
                tender_name = names.get(tender_id, "")
            person = people[evaluator_id]
            try:
                number, shown = shown_values[value]
            except KeyError:
                exact = score_value(value)
                number, shown = shown_values[value] = (
                    float(exact),
                    _points_text(exact),
                )
            append(
                [
                    tender_name,
                    criterion,
                    item_key,
                    person,
                    number,
                    spread_value,
                    flag,
                ]
            )
            group_lines.append(f"{person} ({shown}): {text}")
            written += 1
            if written % PROGRESS_EVERY == 0:
                self.progress(_("Individual scores: %(rows)s rows") % {"rows": written})
        if group_key is not None:
            flush_group()
        while pending is not None:
            self._justification_row(justifications, pending[1], [])
            pending = next(consensus_rows, None)

        last = scores.rows + 1
        if last >= 2:
            # A whole row turns red when its spread reaches the threshold.
            scores.sheet.conditional_formatting.add(
                f"A2:G{last}",
                FormulaRule(
                    formula=[f"AND(ISNUMBER($F2),$F2>={threshold})"],
                    fill=FLAG_FILL,
                    font=FLAG_FONT,
                ),
            )
        scores.close()
        justifications.close()

    def _justification_row(self, sheet, row, lines, *, agreed=None) -> None:
        tender_id, requirement_id, criterion_id, value, text, decided_by = row
        criterion, key, title = self._item(requirement_id, criterion_id)
        sheet.append(
            [
                self.tender_names.get(tender_id, ""),
                criterion,
                key,
                title,
                _num(value),
                text,
                self.people[decided_by] if decided_by else "",
                "\n".join(lines),
            ]
        )

    # Absolute requirements ----------------------------------------------------

    def _absolute(self, workbook, title: str) -> None:
        columns = [
            Column(_("Tender"), width=24),
            Column(_("Tender status"), width=30, wrap=True),
            Column(_("Key"), width=14),
            Column(_("Requirement"), width=40, wrap=True),
            Column(_("Fulfilled"), width=10),
            Column(_("Deviation"), width=18),
            Column(_("Justification"), width=50, wrap=True),
            Column(_("Checked by"), width=20),
            Column(_("Checked"), width=18, number_format="yyyy-mm-dd hh:mm"),
        ]
        sheet = FastSheetWriter(workbook, title, columns)
        by_id = {t.tender_id: t for t in self.results.tenders}
        rows = (
            AbsoluteCheck.objects.filter(
                evaluation=self.evaluation, tender_id__in=list(by_id)
            )
            .order_by("tender__vendor__name", "requirement__key")
            .values_list(
                "tender_id",
                "requirement_id",
                "fulfilled",
                "substantial_deviation",
                "justification",
                "checked_by_id",
                "checked_at",
            )
        )
        for (
            tender_id,
            requirement_id,
            fulfilled,
            substantial,
            text,
            by,
            at,
        ) in rows.iterator(chunk_size=5000):
            key, requirement_title = self.requirements.get(requirement_id, ("", ""))
            if fulfilled:
                deviation = ""
            elif substantial:
                deviation = _("Substantial")
            else:
                deviation = _("Not substantial")
            sheet.append(
                [
                    self.tender_names.get(tender_id, ""),
                    self._status(by_id[tender_id]),
                    key,
                    requirement_title,
                    yes_no(fulfilled),
                    deviation,
                    text,
                    self.people[by] if by else "",
                    at,
                ]
            )
        sheet.close()

    # Prices -------------------------------------------------------------------

    def _prices(self, workbook, title: str) -> None:
        if not self.show_prices:
            return
        columns = [
            Column(_("Tender"), width=28),
            Column(_("Line"), width=7),
            Column(_("Item"), width=40, wrap=True),
            Column(_("Quantity"), width=12, number_format="#,##0.###"),
            Column(_("Unit price (NOK)"), width=18, number_format="#,##0.00"),
            Column(_("Amount (NOK)"), width=18, number_format="#,##0.00"),
        ]
        sheet = SheetWriter(workbook, title, columns)
        lines = (
            PriceLine.objects.filter(tender_id__in=list(self.tender_names))
            .annotate(vendor=F("tender__vendor__name"))
            .order_by("vendor", "position", "pk")
            .values_list("tender_id", "position", "item", "quantity", "unit_price")
        )
        for tender_id, position, item, quantity, unit_price in lines:
            sheet.append(
                [
                    self.tender_names.get(tender_id, ""),
                    position,
                    item,
                    _num(quantity),
                    _num(unit_price),
                    _num(quantity * unit_price),
                ]
            )
        sheet.append([None] * len(columns))
        sheet.heading(
            [
                _("Tender"),
                _("Rank"),
                _("Status"),
                _("Evaluated price (NOK)"),
                _("Price points"),
                _("Evaluated price E (NOK)") if self.money else "",
            ]
        )
        for tender in self.ordered:
            sheet.append(
                [
                    tender.name,
                    tender.rank,
                    self._status(tender),
                    _num(tender.evaluated_price),
                    _num(tender.price_points),
                    _num(tender.money_value) if self.money else None,
                ]
            )
        if self.results.lowest_price is not None:
            sheet.append(
                [
                    _("Lowest evaluated price (NOK)"),
                    None,
                    None,
                    _num(self.results.lowest_price),
                    None,
                    None,
                ]
            )
        sheet.close()

    # Sensitivity -----------------------------------------------------------

    def _sensitivity(self, workbook, title: str) -> None:
        columns = [
            Column(_("From"), width=26, wrap=True),
            Column(_("To"), width=26),
            Column(_("Shift (percentage points)"), width=16, number_format=POINTS),
            Column(_("Would win"), width=26),
            Column(_("Possible"), width=28),
        ]
        sheet = SheetWriter(workbook, title, columns, autofilter=False)
        analysis = self.analysis
        names = self.tender_names
        if analysis is None:
            sheet.append(
                [
                    _(
                        "The sensitivity analysis is shown once the price envelope is "
                        "open."
                    ),
                    None,
                    None,
                    None,
                    None,
                ]
            )
            sheet.close()
            return
        if analysis.reason == "no_unique_winner":
            sheet.append(
                [
                    _(
                        "There is no single winner (nothing is ranked, or rank 1 is "
                        "shared), so there is nothing to test."
                    ),
                    None,
                    None,
                    None,
                    None,
                ]
            )
            sheet.close()
            return
        if analysis.reason == "no_challenger":
            sheet.append(
                [
                    _(
                        "Only one tender is ranked, so no weights can change the "
                        "winner."
                    ),
                    None,
                    None,
                    None,
                    None,
                ]
            )
            sheet.close()
            return
        shifts = sorted(analysis.shifts, key=lambda s: s.delta)
        for shift in shifts:
            sheet.append(
                [
                    self.criteria[shift.source_id].name,
                    self.criteria[shift.target_id].name,
                    _num(shift.percentage_points),
                    names.get(shift.challenger, ""),
                    _("Yes")
                    if shift.feasible
                    else _("No (more than the criterion has)"),
                ]
            )
        if not shifts:
            sheet.append(
                [
                    _("No shift of weight between two criteria changes the winner."),
                    None,
                    None,
                    None,
                    None,
                ]
            )
        sheet.append([None] * 5)
        sheet.heading([_("Finding"), _("Value")])
        findings = [
            (_("Winner"), names.get(analysis.winner, "")),
            (_("Runner-up"), names.get(analysis.runner_up, "")),
        ]
        if analysis.smallest is not None:
            findings.append(
                (
                    _("Smallest shift that changes the winner (percentage points)"),
                    _num(analysis.smallest.percentage_points),
                )
            )
        if analysis.smallest_feasible is not None:
            findings.append(
                (
                    _("Smallest possible shift (percentage points)"),
                    _num(analysis.smallest_feasible.percentage_points),
                )
            )
        check = analysis.range_check or engine.RangeCheck(feasible=False)
        verdict = range_check_verdict(check, names.get(check.challenger, ""))
        findings.append((_("Declared weight ranges"), verdict))
        for label, value in findings:
            sheet.append([label, value, None, None, None])
        sheet.close()


# Streams -------------------------------------------------------------------------


def _order_key(tender_id, requirement_id, criterion_id) -> tuple:
    """The order both streams come in: tender, then the directly scored
    criteria, then the requirements."""
    if requirement_id is None:
        return (tender_id, 0, criterion_id or 0)
    return (tender_id, 1, requirement_id)


def _ordering():
    return (
        "tender_id",
        F("requirement_id").asc(nulls_first=True),
        "criterion_id",
    )


def _score_stream(evaluation: Evaluation, tender_ids):
    """The individual scores in sheet order, streamed as the database returns
    them, and the function that turns a raw score into the ORM's Decimal
    (``raw_rows``: the ORM's statement and converters, without a Decimal
    made per row on SQLite, seconds at a million rows)."""
    rows, convert = raw_rows(
        Score.objects.filter(evaluation=evaluation, tender_id__in=tender_ids)
        .order_by(*_ordering(), "evaluator_id")
        .values_list(
            "evaluator_id",
            "tender_id",
            "requirement_id",
            "criterion_id",
            "value",
            "justification",
        ),
        converted=("value",),
        stream=True,
    )
    return rows, convert["value"]


def _consensus_stream(evaluation: Evaluation, tender_ids) -> Iterator[tuple]:
    rows = (
        ConsensusScore.objects.filter(evaluation=evaluation, tender_id__in=tender_ids)
        .order_by(*_ordering())
        .values_list(
            "tender_id",
            "requirement_id",
            "criterion_id",
            "value",
            "justification",
            "decided_by_id",
        )
        .iterator(chunk_size=10_000)
    )
    for row in rows:
        yield _order_key(row[0], row[1], row[2]), row


def _points_text(value: Decimal) -> str:
    return f"{engine.display_points(value):f}".rstrip("0").rstrip(".")


def _whole(value: Decimal | None) -> str:
    if value is None:
        return "–"
    return f"{engine.display_price(value):,}".replace(",", "\u00a0")


def yes_no(value: bool) -> str:
    return _("Yes") if value else _("No")
