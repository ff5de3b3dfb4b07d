"""Evaluation charts drawn on the server as SVG, in the manner of
``procurement.charts``: pure functions, plain numbers in, escaped markup out,
no JavaScript. The numbers come from the results engine; these functions only
draw them. ``stacked_bar_drawing`` and ``sensitivity_drawing`` draw the same
charts as reportlab Drawings for the PDF reports."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import NamedTuple

from reportlab.graphics.shapes import Drawing, Group, PolyLine, Rect, String
from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth

from procurement.charts import PALETTE, _number

_TEXT = 'font-size="13" fill="#1a1a1a"'


def _svg_open(width: int, height: int, title: str, css_class: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {css_class}" '
        f'role="img" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}">',
        f"<title>{escape(title)}</title>",
    ]


def _legend(names: Sequence[str], colours: Sequence[str], x: int, y: int) -> list:
    parts = []
    for index, name in enumerate(names):
        top = y + index * 20
        colour = colours[index % len(colours)]
        parts.append(
            f'<rect x="{x}" y="{top}" width="12" height="12" fill="{escape(colour)}"/>'
        )
        parts.append(f'<text x="{x + 18}" y="{top + 10}" {_TEXT}>{escape(name)}</text>')
    return parts


class _Piece(NamedTuple):
    x: float
    length: float
    position: int
    segment: str
    value: float


class _Bar(NamedTuple):
    label: str
    y: int
    middle: float
    pieces: list[_Piece]
    end: float
    total: float


def _stacked_layout(rows, *, width, bar_height, gap, label_width):
    """Where ``stacked_bar_chart`` and ``stacked_bar_drawing`` put things (top-left
    origin): the segment names, the legend's top, the chart's height, the bars."""
    segments = [name for name, _value in rows[0][1]] if rows else []
    value_width = 70
    plot_width = max(width - label_width - value_width, 10)
    largest = max((sum(max(v, 0) for _, v in parts) for _, parts in rows), default=0)
    largest = largest or 1
    bars_height = max(len(rows), 1) * (bar_height + gap) + gap
    height = bars_height + len(segments) * 20 + gap
    bars = []
    for index, (label, values) in enumerate(rows):
        y = gap + index * (bar_height + gap)
        x = float(label_width)
        pieces = []
        for position, (segment, value) in enumerate(values):
            length = plot_width * max(value, 0) / largest
            pieces.append(_Piece(x, length, position, segment, value))
            x += length
        total = sum(value for _, value in values)
        bars.append(_Bar(label, y, y + bar_height / 2, pieces, x, total))
    return segments, bars_height, height, bars


_SENSITIVITY_MARGINS = (56, 150, 12, 34)  # left, right, top, bottom


@dataclass(frozen=True)
class _Axes:
    """The sensitivity chart's plot area and scales (top-left origin)."""

    left: float
    top: float
    plot_w: float
    plot_h: float
    low: float
    high: float
    x_low: float
    x_high: float

    def x_of(self, weight: float) -> float:
        return self.left + self.plot_w * (weight - self.x_low) / (
            self.x_high - self.x_low
        )

    def y_of(self, value: float) -> float:
        return self.top + self.plot_h * (self.high - value) / (self.high - self.low)


def _sensitivity_axes(weights, series, width: float, height: float) -> _Axes:
    left, right, top, bottom = _SENSITIVITY_MARGINS
    all_values = [v for values in series.values() for v in values]
    low = min(all_values, default=0.0)
    high = max(all_values, default=1.0)
    if high == low:
        high, low = high + 1, low - 1
    x_low = min(weights, default=0.0)
    x_high = max(weights, default=1.0)
    if x_high == x_low:
        x_high = x_low + 1
    return _Axes(
        left=left,
        top=top,
        plot_w=max(width - left - right, 10),
        plot_h=max(height - top - bottom, 10),
        low=low,
        high=high,
        x_low=x_low,
        x_high=x_high,
    )


def stacked_bar_chart(
    rows: Sequence[tuple[str, Sequence[tuple[str, float]]]],
    *,
    title: str,
    width: int = 640,
    bar_height: int = 26,
    gap: int = 10,
    label_width: int = 170,
    colours: Sequence[str] = PALETTE,
) -> str:
    """One horizontal bar per row, stacked from its (segment, value) parts
    (e.g. weighted points per criterion), the row's sum written at the end and
    a legend of the segments (taken from the first row) below. Negative parts
    (a linear price formula can give them) are drawn as 0 but counted in the
    sum. Every text is escaped."""
    segments, bars_height, height, bars = _stacked_layout(
        rows, width=width, bar_height=bar_height, gap=gap, label_width=label_width
    )
    parts = _svg_open(width, height, title, "chart-stacked")
    for bar in bars:
        parts.append(
            f'<text x="{label_width - 8}" y="{bar.middle:.1f}" text-anchor="end" '
            f'dominant-baseline="middle" {_TEXT}>{escape(bar.label)}</text>'
        )
        for piece in bar.pieces:
            colour = colours[piece.position % len(colours)]
            parts.append(
                f'<rect x="{piece.x:.1f}" y="{bar.y}" width="{piece.length:.1f}" '
                f'height="{bar_height}" fill="{escape(colour)}">'
                f"<title>{escape(piece.segment)}: {escape(_number(piece.value))}"
                "</title></rect>"
            )
        parts.append(
            f'<text x="{bar.end + 6:.1f}" y="{bar.middle:.1f}" '
            f'dominant-baseline="middle" {_TEXT}>{escape(_number(bar.total))}</text>'
        )
    parts.extend(_legend(segments, colours, label_width, bars_height))
    parts.append("</svg>")
    return "".join(parts)


def sensitivity_chart(
    weights: Sequence[float],
    series: Mapping[str, Sequence[float]],
    *,
    current: float,
    title: str,
    width: int = 520,
    height: int = 260,
    colours: Sequence[str] = PALETTE,
) -> str:
    """One line per tender: its total (or evaluated price) at each weight of
    one criterion (fractions, drawn as percent on the x axis), with a dashed
    mark at the ``current`` weight and a legend on the right."""
    axes = _sensitivity_axes(weights, series, width, height)
    left, top, plot_w, plot_h = axes.left, axes.top, axes.plot_w, axes.plot_h
    x_of, y_of = axes.x_of, axes.y_of
    parts = _svg_open(width, height, title, "chart-sensitivity")
    parts.append(
        f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" '
        f'fill="none" stroke="#767676"/>'
    )
    for value in (axes.low, axes.high):
        parts.append(
            f'<text x="{left - 6}" y="{y_of(value):.1f}" text-anchor="end" '
            f'dominant-baseline="middle" {_TEXT}>{escape(_number(value))}</text>'
        )
    for weight in (axes.x_low, axes.x_high):
        parts.append(
            f'<text x="{x_of(weight):.1f}" y="{height - 10}" text-anchor="middle" '
            f"{_TEXT}>{escape(_number(weight * 100))}\u00a0%</text>"
        )
    if axes.x_low <= current <= axes.x_high:
        parts.append(
            f'<line class="current-weight" x1="{x_of(current):.1f}" y1="{top}" '
            f'x2="{x_of(current):.1f}" y2="{top + plot_h}" stroke="#1a1a1a" '
            f'stroke-dasharray="4 3"/>'
        )
    for index, (name, values) in enumerate(series.items()):
        colour = colours[index % len(colours)]
        points = " ".join(
            f"{x_of(w):.1f},{y_of(v):.1f}"
            for w, v in zip(weights, values, strict=False)
        )
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{escape(colour)}" '
            f'stroke-width="2"><title>{escape(name)}</title></polyline>'
        )
    parts.extend(_legend(list(series), colours, left + plot_w + 12, top))
    parts.append("</svg>")
    return "".join(parts)


# The same charts as reportlab drawings, for the PDF reports -----------------
#
# Drawn on the SVG functions' coordinates (top-left origin, the same sizes and
# gaps), then scaled to the width asked for and turned the right way up, so a
# chart in the PDF looks like the one on the page.

_INK = "#1a1a1a"
_FONT_SIZE = 13
_FONT = "Helvetica"


def _fit(text: str, width: float, size: float = _FONT_SIZE) -> str:
    """``text`` cut with an ellipsis to ``width`` points: reportlab draws a
    string as it is, so a long name would run into the bars."""
    if stringWidth(text, _FONT, size) <= width:
        return text
    while text and stringWidth(text + "…", _FONT, size) > width:
        text = text[:-1]
    return text + "…"


class _Canvas:
    """Collects shapes in SVG coordinates and makes a scaled Drawing of them."""

    def __init__(self, width: float, height: float):
        self.width = width
        self.height = height
        self.group = Group()

    def rect(self, x, y, width, height, colour, *, stroke=None) -> None:
        self.group.add(
            Rect(
                x,
                self.height - y - height,
                width,
                height,
                fillColor=None if colour is None else colors.HexColor(colour),
                strokeColor=None if stroke is None else colors.HexColor(stroke),
                strokeWidth=1,
            )
        )

    def text(self, x, y, text, *, anchor="start", size=_FONT_SIZE) -> None:
        # SVG's "middle" baseline: move down by a third of the font size.
        self.group.add(
            String(
                x,
                self.height - y - size / 3,
                text,
                fontName=_FONT,
                fontSize=size,
                fillColor=colors.HexColor(_INK),
                textAnchor=anchor,
            )
        )

    def line(self, points, colour, *, width=2, dash=None) -> None:
        flat = []
        for x, y in points:
            flat += [x, self.height - y]
        self.group.add(
            PolyLine(
                flat,
                strokeColor=colors.HexColor(colour),
                strokeWidth=width,
                strokeDashArray=dash,
            )
        )

    def drawing(self, width: float) -> Drawing:
        scale = width / self.width
        self.group.scale(scale, scale)
        result = Drawing(self.width * scale, self.height * scale)
        result.add(self.group)
        return result


def _legend_drawn(canvas: _Canvas, names, colours, x: float, y: float, room: float):
    for index, name in enumerate(names):
        top = y + index * 20
        canvas.rect(x, top, 12, 12, colours[index % len(colours)])
        canvas.text(x + 18, top + 6, _fit(name, room - 18))


def stacked_bar_drawing(
    rows: Sequence[tuple[str, Sequence[tuple[str, float]]]],
    *,
    width: float,
    bar_height: int = 26,
    gap: int = 10,
    label_width: int = 170,
    colours: Sequence[str] = PALETTE,
) -> Drawing:
    """``stacked_bar_chart`` as a reportlab Drawing ``width`` points wide: one
    bar per row stacked from its parts, the row's sum at the end, a legend of
    the segments below. Negative parts are drawn as 0 but counted in the sum."""
    chart_width = 640
    segments, bars_height, height, bars = _stacked_layout(
        rows,
        width=chart_width,
        bar_height=bar_height,
        gap=gap,
        label_width=label_width,
    )
    canvas = _Canvas(chart_width, height)
    for bar in bars:
        label = _fit(bar.label, label_width - 12)
        canvas.text(label_width - 8, bar.middle, label, anchor="end")
        for piece in bar.pieces:
            colour = colours[piece.position % len(colours)]
            canvas.rect(piece.x, bar.y, piece.length, bar_height, colour)
        canvas.text(bar.end + 6, bar.middle, _number(bar.total))
    _legend_drawn(
        canvas, segments, colours, label_width, bars_height, chart_width - label_width
    )
    return canvas.drawing(width)


def sensitivity_drawing(
    weights: Sequence[float],
    series: Mapping[str, Sequence[float]],
    *,
    current: float,
    width: float,
    colours: Sequence[str] = PALETTE,
) -> Drawing:
    """``sensitivity_chart`` as a reportlab Drawing ``width`` points wide: one
    line per tender over the criterion's weights, the current weight dashed."""
    chart_width, chart_height = 520, 260
    axes = _sensitivity_axes(weights, series, chart_width, chart_height)
    left, top, plot_w, plot_h = axes.left, axes.top, axes.plot_w, axes.plot_h
    x_of, y_of = axes.x_of, axes.y_of

    canvas = _Canvas(chart_width, chart_height)
    canvas.rect(left, top, plot_w, plot_h, None, stroke="#767676")
    for value in (axes.low, axes.high):
        canvas.text(left - 6, y_of(value), _number(value), anchor="end", size=11)
    for weight in (axes.x_low, axes.x_high):
        canvas.text(
            x_of(weight),
            chart_height - 14,
            f"{_number(weight * 100)}\u00a0%",
            anchor="middle",
            size=11,
        )
    if axes.x_low <= current <= axes.x_high:
        canvas.line(
            [(x_of(current), top), (x_of(current), top + plot_h)],
            _INK,
            width=1,
            dash=[4, 3],
        )
    for index, values in enumerate(series.values()):
        canvas.line(
            [(x_of(w), y_of(v)) for w, v in zip(weights, values, strict=False)],
            colours[index % len(colours)],
        )
    legend_room = _SENSITIVITY_MARGINS[1] - 14
    _legend_drawn(canvas, list(series), colours, left + plot_w + 12, top, legend_room)
    return canvas.drawing(width)
