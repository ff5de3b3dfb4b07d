"""Charts of the workshop dashboards, drawn on the server: the same picture in
the browser (SVG) and in the PDF reports (reportlab graphics).

A chart is described once as plain data (``Chart``: series and bars), laid
out once by ``layout`` into boxes and labels in a top-left coordinate system,
and only then drawn, by ``svg`` or ``drawing``. Both renderers draw the same
layout, so the browser and the PDF cannot drift apart. Everything here is a
pure function over plain data; ``dashboard_charts`` turns a dashboard's
figures into its charts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape

from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _
from reportlab.graphics.shapes import Drawing, Group, Rect, String
from reportlab.lib import colors

from procurement.charts import PALETTE
from workshops.selectors.dashboards import NO_AREA, Dashboard, Figure, group_label

FONT_SIZE = 12
SMALL_SIZE = 11
INK = "#1a1a1a"
FLAG = "#9c2f2f"
# Helvetica's average advance is about 0.55 em: enough to size the label
# column the same way for the browser (which falls back to Arial) and the PDF.
CHAR_WIDTH = 0.55 * FONT_SIZE
LABEL_MAX_CHARS = 30
VALUE_WIDTH = 64
BAR_HEIGHT = 22
GROUPED_BAR_HEIGHT = 13
ROW_GAP = 9
PAD = 8
SWATCH = 11

# Triage statuses keep one colour wherever they are drawn.
STATUS_COLOURS = {
    "new": "#6b6b6b",
    "accepted": "#2e7d32",
    "merged": "#1f5f8b",
    "duplicate": "#8a5a00",
    "rejected": "#9c2f2f",
}
LEVEL_COLOURS = {
    "specialist": "#1f5f8b",
    "municipal": "#2e7d32",
    "primary": "#8a5a00",
    "user": "#5b4a8a",
    "other": "#6b6b6b",
}


@dataclass(frozen=True)
class Series:
    key: str
    label: str
    colour: str


@dataclass(frozen=True)
class Bar:
    label: str
    values: tuple[float, ...]
    flagged: bool = False
    colour: str = ""  # overrides the series colour (single-series charts)


@dataclass(frozen=True)
class Chart:
    """What a chart shows. ``stacked`` puts the series of one bar end to end;
    otherwise each series gets its own thin bar. ``percent`` charts hold
    fractions (0–1) and are drawn on a fixed 0–100 % scale."""

    key: str
    title: str
    description: str
    series: tuple[Series, ...]
    bars: tuple[Bar, ...]
    stacked: bool = True
    percent: bool = False

    def format(self, value: float | None) -> str:
        return format_value(value, percent=self.percent)

    @property
    def table_header(self) -> list[str]:
        return ["", *(series.label for series in self.series)]

    @property
    def table_rows(self) -> list[tuple[Bar, list[str]]]:
        """The chart as a table (its accessible alternative): each bar with
        its values formatted as in the picture."""
        return [
            (bar, [self.format(value) for value in bar.values]) for bar in self.bars
        ]


def format_value(value: float | None, *, percent: bool = False) -> str:
    if value is None:
        return "–"
    if percent:
        return f"{round(value * 100)}\u00a0%"
    if float(value).is_integer():
        return f"{int(value):,}".replace(",", "\u00a0")
    return f"{value:,.1f}".replace(",", "\u00a0")


# Layout ---------------------------------------------------------------------


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    width: float
    height: float
    colour: str


@dataclass(frozen=True)
class Label:
    """Text whose baseline starts (or ends, or is centred) at x, y."""

    x: float
    y: float
    text: str
    anchor: str = "start"
    size: float = FONT_SIZE
    colour: str = INK
    bold: bool = False


@dataclass(frozen=True)
class Layout:
    width: float
    height: float
    boxes: list[Box] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)


def _short(text: str, limit: int = LABEL_MAX_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _text_width(text: str, size: float = FONT_SIZE) -> float:
    return len(text) * 0.55 * size


def layout(chart: Chart, *, width: float = 560) -> Layout:
    """Place every box and label of ``chart`` in a ``width``-wide picture,
    top-left origin, y growing downwards; the height follows from the bars."""
    boxes: list[Box] = []
    labels: list[Label] = []
    names = [("! " if bar.flagged else "") + _short(bar.label) for bar in chart.bars]
    label_width = min(
        max((_text_width(name) for name in names), default=40) + 2 * PAD,
        width * 0.45,
    )
    plot_left = label_width
    plot_width = max(width - label_width - VALUE_WIDTH, 20)
    y = PAD

    if len(chart.series) > 1:
        x = PAD
        line_height = SWATCH + 8
        for series in chart.series:
            item_width = SWATCH + 6 + _text_width(series.label, SMALL_SIZE) + 16
            if x + item_width > width and x > PAD:
                x = PAD
                y += line_height
            boxes.append(Box(x, y, SWATCH, SWATCH, series.colour))
            labels.append(
                Label(x + SWATCH + 5, y + SWATCH - 1, series.label, size=SMALL_SIZE)
            )
            x += item_width
        y += line_height + 4

    if chart.percent:
        largest = 1.0
    elif chart.stacked:
        largest = max((sum(bar.values) for bar in chart.bars), default=0)
    else:
        largest = max((max(bar.values, default=0) for bar in chart.bars), default=0)
    largest = largest or 1

    def length(value: float) -> float:
        return plot_width * max(value, 0) / largest

    for bar, name in zip(chart.bars, names, strict=True):
        if chart.stacked:
            row_height = BAR_HEIGHT
            x = plot_left
            for value, series in zip(bar.values, chart.series, strict=True):
                if value > 0:
                    colour = bar.colour or series.colour
                    boxes.append(Box(x, y, length(value), row_height, colour))
                    x += length(value)
            total = sum(bar.values)
            labels.append(Label(x + 5, y + row_height / 2 + 4, chart.format(total)))
        else:
            row_height = GROUPED_BAR_HEIGHT * len(chart.series) + 2 * (
                len(chart.series) - 1
            )
            for index, (value, series) in enumerate(
                zip(bar.values, chart.series, strict=True)
            ):
                top = y + index * (GROUPED_BAR_HEIGHT + 2)
                boxes.append(
                    Box(
                        plot_left, top, length(value), GROUPED_BAR_HEIGHT, series.colour
                    )
                )
                labels.append(
                    Label(
                        plot_left + length(value) + 5,
                        top + GROUPED_BAR_HEIGHT - 2.5,
                        chart.format(value),
                        size=SMALL_SIZE,
                    )
                )
        labels.append(
            Label(
                label_width - PAD,
                y + row_height / 2 + 4,
                name,
                anchor="end",
                colour=FLAG if bar.flagged else INK,
                bold=bar.flagged,
            )
        )
        y += row_height + ROW_GAP
    if not chart.bars:
        labels.append(Label(PAD, y + FONT_SIZE, _("No data yet."), colour="#555555"))
        y += FONT_SIZE + ROW_GAP
    return Layout(width=width, height=y + PAD - ROW_GAP + 4, boxes=boxes, labels=labels)


# Renderers ------------------------------------------------------------------


def svg(chart: Chart, *, width: float = 560) -> str:
    """Standalone SVG markup for ``chart``, with its title and description
    for screen readers. Every text is escaped."""
    drawn = layout(chart, width=width)
    ident = f"chart-{escape(chart.key)}"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'id="{ident}" aria-labelledby="{ident}-title {ident}-desc" '
        f'viewBox="0 0 {drawn.width:.0f} {drawn.height:.0f}" '
        f'width="{drawn.width:.0f}" height="{drawn.height:.0f}" '
        f'font-family="Helvetica, Arial, sans-serif">',
        f'<title id="{ident}-title">{escape(chart.title)}</title>',
        f'<desc id="{ident}-desc">{escape(chart.description)}</desc>',
    ]
    for box in drawn.boxes:
        parts.append(
            f'<rect x="{box.x:.1f}" y="{box.y:.1f}" width="{box.width:.1f}" '
            f'height="{box.height:.1f}" fill="{escape(box.colour)}"/>'
        )
    for label in drawn.labels:
        weight = ' font-weight="bold"' if label.bold else ""
        parts.append(
            f'<text x="{label.x:.1f}" y="{label.y:.1f}" text-anchor="{label.anchor}" '
            f'font-size="{label.size}" fill="{escape(label.colour)}"{weight}>'
            f"{escape(label.text)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def drawing(chart: Chart, *, width: float) -> Drawing:
    """``chart`` as a reportlab Drawing (a flowable) ``width`` points wide:
    the browser's layout, scaled and turned the right way up."""
    drawn = layout(chart)
    scale = width / drawn.width
    group = Group()
    height = drawn.height

    def flip(y: float) -> float:
        return height - y

    for box in drawn.boxes:
        group.add(
            Rect(
                box.x,
                flip(box.y + box.height),
                box.width,
                box.height,
                fillColor=colors.HexColor(box.colour),
                strokeColor=None,
            )
        )
    for label in drawn.labels:
        group.add(
            String(
                label.x,
                flip(label.y),
                label.text,
                fontName="Helvetica-Bold" if label.bold else "Helvetica",
                fontSize=label.size,
                fillColor=colors.HexColor(label.colour),
                textAnchor=label.anchor,
            )
        )
    group.scale(scale, scale)
    result = Drawing(drawn.width * scale, drawn.height * scale)
    result.add(group)
    return result


# The dashboard's charts -------------------------------------------------------


def status_chart(statuses: Sequence[Figure], *, key: str) -> Chart:
    """Inputs by triage status, a bar per status in its own colour (the
    workshop dashboard and the management dashboard's workshop panel)."""
    return Chart(
        key=key,
        title=_("Inputs by triage status"),
        description=_("All inputs raised in the workshops, by triage status."),
        series=(Series("inputs", _("Inputs"), PALETTE[0]),),
        bars=tuple(
            Bar(figure.label, (figure.count,), colour=STATUS_COLOURS[figure.key])
            for figure in statuses
        ),
    )


def dashboard_charts(board: Dashboard) -> dict[str, Chart]:
    """The charts of the workshop dashboard (and the participation report),
    by key, in the order they are shown."""
    statuses = [
        Series(figure.key, figure.label, STATUS_COLOURS.get(figure.key, PALETTE[0]))
        for figure in board.statuses
    ]
    areas = [area for area in board.areas if area.key != NO_AREA]
    return {
        "groups": Chart(
            key="groups",
            title=_("Participation by organisation level"),
            description=_(
                "Participants who attended a workshop and the organisations "
                "taking part, by level of the health service; user "
                "representatives on their own."
            ),
            series=(
                Series("participants", _("Participants"), PALETTE[0]),
                Series("organisations", _("Organisations"), PALETTE[2]),
            ),
            bars=tuple(
                Bar(row.label, (row.participants, row.organisations))
                for row in board.groups
            ),
            stacked=False,
        ),
        "professions": Chart(
            key="professions",
            title=_("Participants by profession"),
            description=_("Participants who attended a workshop, by profession."),
            series=(Series("participants", _("Participants"), PALETTE[0]),),
            bars=tuple(
                Bar(figure.label, (figure.count,)) for figure in board.professions
            ),
        ),
        "statuses": status_chart(board.statuses, key="statuses"),
        "months": Chart(
            key="months",
            title=_("Triage progress by workshop month"),
            description=_(
                "Inputs by the month of the workshop that raised them, "
                "split by triage status."
            ),
            series=tuple(statuses),
            bars=tuple(
                Bar(date_format(row.month, "Y-m"), tuple(row.counts))
                for row in board.months
            ),
        ),
        "coverage": Chart(
            key="coverage",
            title=_("Coverage by area"),
            description=_(
                "Per area of the specification: the inputs raised and the "
                "requirements with at least one origin input."
            ),
            series=(
                Series("inputs", _("Inputs"), PALETTE[0]),
                Series("traced", _("Requirements with an origin"), PALETTE[1]),
            ),
            bars=tuple(Bar(area.label, (area.inputs, area.traced)) for area in areas),
            stacked=False,
        ),
        "balance": Chart(
            key="balance",
            title=_("Collaboration balance by area"),
            description=_(
                "Per area: the share of requirements with an origin whose "
                "origins were raised by the specialist health service, the "
                "municipalities and the GPs. Areas marked with ! lack a "
                "municipal or GP voice."
            ),
            series=(
                Series(
                    "specialist", group_label("specialist"), LEVEL_COLOURS["specialist"]
                ),
                Series(
                    "municipal", group_label("municipal"), LEVEL_COLOURS["municipal"]
                ),
                Series("primary", group_label("primary"), LEVEL_COLOURS["primary"]),
            ),
            bars=tuple(
                Bar(
                    area.label,
                    (
                        area.specialist_share or 0,
                        area.municipal_share or 0,
                        area.primary_share or 0,
                    ),
                    flagged=area.flagged,
                )
                for area in areas
                if area.traced
            ),
            stacked=False,
            percent=True,
        ),
    }
