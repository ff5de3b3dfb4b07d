"""Workshop documents: one workshop's report (PDF) and the programme
participation report (PDF and Excel).

The workshop report says when and where the workshop was, who led it, its
summary, who took part (by organisation) and every input with its raisers and
outcome. The participation report carries the dashboard's figures and charts
(drawn from the same chart layout as the browser's SVG) and, per
organisation, its level, participants, workshops attended and the inputs it
raised with their outcomes.

User text goes into the PDFs through ``para`` (escaped, so markup prints
literally) and into the workbook through ``SheetWriter`` (formula-looking
text stays text).
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import groupby
from typing import IO

from django.db.models import Prefetch
from django.utils import formats, timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from openpyxl.chart import BarChart, Reference
from reportlab.lib.units import cm
from reportlab.platypus import Flowable, KeepTogether, NextPageTemplate, PageBreak

from procurement.documents.pdf import (
    Heading,
    KravsporDocTemplate,
    cover,
    para,
    section_break,
    table_chunks,
)
from procurement.documents.xlsx import Column, SheetWriter, new_workbook
from procurement.models import Organisation, Procurement, Requirement
from workshops.charts import Chart, dashboard_charts, drawing, format_value
from workshops.models import Attendance, Input, Participant, Workshop
from workshops.selectors.dashboards import (
    Dashboard,
    dashboard,
    group_label,
    organisation_participation,
)

ROWS_PER_TABLE = 14


def workshop_report_filename(workshop: Workshop) -> str:
    name = slugify(f"{workshop.procurement.reference} {workshop.title}")[:80]
    return f"{name or 'workshop'}-{workshop.pk}.pdf"


def participation_filename(procurement: Procurement, extension: str) -> str:
    return f"{slugify(procurement.reference)}-{slugify(_('participation'))}.{extension}"


def _when(workshop: Workshop) -> str:
    starts = timezone.localtime(workshop.starts_at)
    ends = timezone.localtime(workshop.ends_at)
    text = formats.date_format(starts, "DATETIME_FORMAT")
    if ends.date() == starts.date():
        return f"{text}–{formats.time_format(ends, 'TIME_FORMAT')}"
    return f"{text} – {formats.date_format(ends, 'DATETIME_FORMAT')}"


def _number(value: int) -> str:
    return formats.number_format(value, force_grouping=True)


# One workshop ---------------------------------------------------------------------


def write_workshop_report(workshop: Workshop, out: IO[bytes]) -> None:
    """Write the report of ``workshop`` as a PDF to ``out``."""
    procurement = workshop.procurement
    attendances = list(
        Attendance.objects.filter(workshop=workshop)
        .select_related("participant__organisation")
        .order_by("participant__organisation__name", "participant__name", "pk")
    )
    inputs = list(
        Input.objects.filter(workshop=workshop)
        .select_related("duplicate_of__workshop")
        .prefetch_related(
            Prefetch(
                "raised_by_organisations",
                queryset=Organisation.objects.only("pk", "name").order_by("name"),
            ),
            Prefetch(
                "raised_by_participants",
                queryset=Participant.objects.only("pk", "name").order_by("name"),
            ),
            Prefetch(
                "requirements",
                queryset=Requirement.objects.only("pk", "key").order_by("key"),
            ),
        )
        .order_by("number")
    )
    doc = KravsporDocTemplate(
        out,
        title=f"{procurement.reference} {workshop.title}",
        subject=_("Workshop report"),
        header_left=f"{procurement.reference} · {_('Workshop report')}",
        header_right=workshop.title,
    )
    width = doc.width - 12
    facts = [
        (_("Procurement"), f"{procurement.reference} – {procurement.title}"),
        (_("When"), _when(workshop)),
        (_("Where"), workshop.location or "–"),
        (_("Facilitator"), workshop.facilitator or "–"),
        (_("Area"), str(workshop.area) if workshop.area else "–"),
        (_("Status"), workshop.get_status_display()),
        (_("Participants"), _number(sum(1 for a in attendances if a.attended))),
        (_("Inputs"), _number(len(inputs))),
    ]
    story: list[Flowable] = cover(
        title=workshop.title,
        subtitle=_("Workshop report"),
        facts=facts,
        width=doc.width,
    )
    story += [NextPageTemplate("body"), PageBreak()]
    story += [Heading(_("Summary"), key="summary", level=0)]
    story.append(
        para(workshop.summary)
        if workshop.summary
        else para(_("No summary has been written."), "note")
    )
    story += [section_break(), Heading(_("Participants"), key="participants", level=0)]
    story += list(_participant_tables(attendances, width=width))
    story += [section_break(), Heading(_("Inputs"), key="inputs", level=0)]
    story += list(_input_tables(inputs, width=width))
    doc.build(story)


def _participant_tables(attendances, *, width: float) -> Iterator[Flowable]:
    if not attendances:
        yield para(_("No participants are registered."), "note")
        return
    header = [
        para(_("Name"), "cell_bold"),
        para(_("Profession / role"), "cell_bold"),
        para(_("User representative"), "cell_bold"),
        para(_("Attended"), "cell_bold"),
    ]
    widths = [width * 0.4, width * 0.3, width * 0.16, width * 0.14]
    for organisation, group in groupby(
        attendances, key=lambda attendance: attendance.participant.organisation
    ):
        rows = [
            [
                para(a.participant.name, "cell"),
                para(a.participant.get_profession_display(), "cell"),
                para(_("Yes") if a.participant.user_representative else "", "cell"),
                para(_("Yes") if a.attended else _("No"), "cell"),
            ]
            for a in group
        ]
        title = f"{organisation.name} ({organisation.get_level_display()})"
        tables = list(
            table_chunks(header, rows, col_widths=widths, rows_per_chunk=ROWS_PER_TABLE)
        )
        yield KeepTogether(
            [Heading(title, key=f"org-{organisation.pk}", level=1), tables[0]]
        )
        yield from tables[1:]


def _outcome(item: Input) -> str:
    parts = [item.get_status_display()]
    keys = [requirement.key for requirement in item.requirements.all()]
    if keys:
        parts.append(", ".join(keys))
    if item.duplicate_of is not None:
        parts.append(
            _("duplicate of input %(number)s in “%(workshop)s”")
            % {
                "number": item.duplicate_of.number,
                "workshop": item.duplicate_of.workshop.title,
            }
        )
    if item.reason:
        parts.append(item.reason)
    return "\n".join(parts)


def _raisers(item: Input) -> str:
    people = [participant.name for participant in item.raised_by_participants.all()]
    organisations = [org.name for org in item.raised_by_organisations.all()]
    return "\n".join([*people, *organisations]) or "–"


def _input_tables(inputs: list[Input], *, width: float) -> Iterator[Flowable]:
    if not inputs:
        yield para(_("No inputs were captured."), "note")
        return
    header = [
        para(_("No."), "cell_bold"),
        para(_("Kind"), "cell_bold"),
        para(_("Input"), "cell_bold"),
        para(_("Raised by"), "cell_bold"),
        para(_("Outcome"), "cell_bold"),
    ]
    widths = [width * 0.06, width * 0.13, width * 0.39, width * 0.2, width * 0.22]
    rows = (
        [
            para(item.number, "cell"),
            para(item.get_kind_display(), "cell"),
            para(item.text, "cell"),
            para(_raisers(item), "cell"),
            para(_outcome(item), "cell"),
        ]
        for item in inputs
    )
    yield from table_chunks(
        header, rows, col_widths=widths, rows_per_chunk=ROWS_PER_TABLE
    )


# The participation report ----------------------------------------------------------


def _key_figures(board: Dashboard) -> list[tuple[str, int]]:
    totals = board.totals
    return [
        (_("Workshops held"), totals.workshops_held),
        (_("Workshops in all"), totals.workshops),
        (_("Participants"), totals.participants),
        (_("Organisations taking part"), totals.organisations),
        (_("Inputs"), totals.inputs),
    ]


def _chart_block(chart: Chart, *, width: float) -> list[Flowable]:
    """A chart, its description and the table alternative, as in the browser."""
    header = [para(text, "cell_bold") for text in chart.table_header]
    if chart.key == "balance":
        header.append(para(_("Flag"), "cell_bold"))
    first = width * 0.4
    rest = (width - first) / (len(header) - 1)
    rows = []
    for bar, values in chart.table_rows:
        row = [para(bar.label, "cell"), *(para(v, "cell_right") for v in values)]
        if chart.key == "balance":
            row.append(para(_("Lacks a voice") if bar.flagged else "", "cell"))
        rows.append(row)
    return [
        Heading(chart.title, key=f"chart-{chart.key}", level=1),
        para(chart.description, "note"),
        drawing(chart, width=min(width, 16 * cm)),
        *table_chunks(
            header,
            rows,
            col_widths=[first, *([rest] * (len(header) - 1))],
            rows_per_chunk=30,
        ),
    ]


def _balance_notes(board: Dashboard) -> list[Flowable]:
    notes = []
    for area in board.flagged_areas:
        lacking = []
        if area.lacks_municipal:
            lacking.append(_("no municipal voice"))
        if area.lacks_primary:
            lacking.append(_("no GP voice"))
        notes.append(
            para(f"! {area.label}: {', '.join(lacking)}", "body"),
        )
    return notes


def write_participation_pdf(procurement: Procurement, out: IO[bytes]) -> None:
    """Write the programme participation report of ``procurement`` as a PDF."""
    board = dashboard(procurement)
    charts = dashboard_charts(board)
    organisations = organisation_participation(procurement)
    title = _("Participation report")
    doc = KravsporDocTemplate(
        out,
        title=f"{procurement.reference} {title}",
        subject=procurement.title,
        header_left=f"{procurement.reference} · {title}",
        header_right=formats.date_format(timezone.localdate(), "DATE_FORMAT"),
    )
    width = doc.width - 12
    story: list[Flowable] = cover(
        title=title,
        subtitle=f"{procurement.reference} – {procurement.title}",
        facts=[(label, _number(value)) for label, value in _key_figures(board)]
        + [(_("Date"), formats.date_format(timezone.localdate(), "DATE_FORMAT"))],
        notes=[
            _(
                "An area lacks a voice when fewer than %(share)s of its "
                "requirements with an origin were raised by that level."
            )
            % {"share": format_value(0.10, percent=True)}
        ],
        width=doc.width,
    )
    story += [NextPageTemplate("body"), PageBreak()]
    story.append(Heading(_("Figures"), key="figures", level=0))
    for key, chart in charts.items():
        if key != "groups":
            story.append(section_break(8 * cm))
        story += _chart_block(chart, width=width)
        if key == "balance":
            story += _balance_notes(board)
    story += [PageBreak(), Heading(_("Organisations"), key="organisations", level=0)]
    header = [
        para(text, "cell_bold")
        for text in [
            _("Organisation"),
            _("Level"),
            _("Participants"),
            _("Workshops"),
            _("Inputs"),
            *Input.Status.labels,
        ]
    ]
    widths = [width * 0.24, width * 0.16] + [width * 0.6 / 8] * 8
    rows = (
        [
            para(row.name, "cell"),
            para(group_label(row.group), "cell"),
            para(_number(row.participants), "cell_right"),
            para(_number(row.workshops), "cell_right"),
            para(_number(row.inputs), "cell_right"),
            *(para(_number(count), "cell_right") for count in row.outcomes),
        ]
        for row in organisations
    )
    story += list(table_chunks(header, rows, col_widths=widths, rows_per_chunk=25))
    if not organisations:
        story.append(para(_("No organisation has taken part yet."), "note"))
    doc.build(story)


def write_participation_xlsx(procurement: Procurement, out: IO[bytes]) -> None:
    """Write the programme participation report of ``procurement`` as an
    Excel workbook: key figures, organisations, levels, professions, triage
    by month and areas, with Excel's own charts beside the figures."""
    board = dashboard(procurement)
    charts = dashboard_charts(board)
    workbook = new_workbook()

    figures = SheetWriter(
        workbook,
        _("Key figures"),
        [Column(_("Figure"), width=34), Column(_("Number"), width=12)],
    )
    for label, value in _key_figures(board):
        figures.append([label, value])
    figures.close()

    statuses = list(Input.Status.labels)
    organisations = SheetWriter(
        workbook,
        _("Organisations"),
        [
            Column(_("Organisation"), width=44),
            Column(_("Kind"), width=26),
            Column(_("Level"), width=26),
            Column(_("Group"), width=26),
            Column(_("Participants"), width=12),
            Column(_("Workshops attended"), width=12),
            Column(_("Inputs raised"), width=12),
            *(Column(str(label), width=14) for label in statuses),
        ],
    )
    for row in organisation_participation(procurement):
        organisations.append(
            [
                row.name,
                str(Organisation.Kind(row.kind).label)
                if row.kind in Organisation.Kind.values
                else row.kind,
                row.level_label,
                group_label(row.group),
                row.participants,
                row.workshops,
                row.inputs,
                *row.outcomes,
            ]
        )
    organisations.close()

    for chart in charts.values():
        _chart_sheet(workbook, chart)

    areas = SheetWriter(
        workbook,
        _("Areas"),
        [
            Column(_("Number"), width=9),
            Column(_("Area"), width=36),
            Column(_("Workshops"), width=11),
            Column(_("Inputs"), width=11),
            Column(_("Requirements"), width=13),
            Column(_("Requirements with an origin"), width=15),
            Column(_("Specialist voice"), width=13, number_format="0%"),
            Column(_("Municipal voice"), width=13, number_format="0%"),
            Column(_("GP voice"), width=13, number_format="0%"),
            Column(_("All three levels"), width=13, number_format="0%"),
            Column(_("Lacks a municipal voice"), width=14),
            Column(_("Lacks a GP voice"), width=14),
        ],
    )
    for area in board.areas:
        areas.append(
            [
                area.number,
                area.title,
                area.workshops,
                area.inputs,
                area.requirements,
                area.traced,
                area.specialist_share,
                area.municipal_share,
                area.primary_share,
                area.all_levels_share,
                _("Yes") if area.lacks_municipal else "",
                _("Yes") if area.lacks_primary else "",
            ]
        )
    areas.close()
    workbook.save(out)


def _chart_sheet(workbook, chart: Chart) -> None:
    """One chart's figures as a sheet, with an Excel bar chart of them."""
    writer = SheetWriter(
        workbook,
        chart.title,
        [
            Column(chart.table_header[0] or _("Label"), width=36),
            *(
                Column(label, width=14, number_format="0%" if chart.percent else None)
                for label in chart.table_header[1:]
            ),
        ],
    )
    for bar in chart.bars:
        writer.append([bar.label, *bar.values])
    writer.close()
    if not chart.bars:
        return
    excel_chart = BarChart()
    excel_chart.type = "bar"
    excel_chart.grouping = "stacked" if chart.stacked else "clustered"
    if chart.stacked and len(chart.series) > 1:
        excel_chart.overlap = 100
    excel_chart.title = chart.title
    last_row = len(chart.bars) + 1
    excel_chart.add_data(
        Reference(
            writer.sheet,
            min_col=2,
            max_col=len(chart.series) + 1,
            min_row=1,
            max_row=last_row,
        ),
        titles_from_data=True,
    )
    excel_chart.set_categories(
        Reference(writer.sheet, min_col=1, min_row=2, max_row=last_row)
    )
    excel_chart.height = max(7.5, 0.6 * len(chart.bars) + 3)
    excel_chart.width = 18
    writer.sheet.add_chart(excel_chart, f"{_column_after(chart)}2")


def _column_after(chart: Chart) -> str:
    return "CDEFGHIJ"[len(chart.series)]
