"""Evaluation charts drawn on the server as SVG, in the manner of
``procurement.charts``: pure functions, plain numbers in, escaped markup out,
no JavaScript. The numbers come from the results engine; these functions only
draw them. ``stacked_bar_drawing`` and ``sensitivity_drawing`` draw the same
charts as reportlab Drawings for the PDF reports."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

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
    segments = [name for name, _value in rows[0][1]] if rows else []
    value_width = 70
    plot_width = max(width - label_width - value_width, 10)
    largest = max((sum(max(v, 0) for _, v in parts) for _, parts in rows), default=0)
    largest = largest or 1
    bars_height = max(len(rows), 1) * (bar_height + gap) + gap
    height = bars_height + len(segments) * 20 + gap
    parts = _svg_open(width, height, title, "chart-stacked")
    for index, (label, values) in enumerate(rows):
        y = gap + index * (bar_height + gap)
        text_y = y + bar_height / 2
        parts.append(
            f'<text x="{label_width - 8}" y="{text_y:.1f}" text-anchor="end" '
            f'dominant-baseline="middle" {_TEXT}>{escape(label)}</text>'
        )
        x = float(label_width)
        for position, (segment, value) in enumerate(values):
            length = plot_width * max(value, 0) / largest
            colour = colours[position % len(colours)]
            parts.append(
                f'<rect x="{x:.1f}" y="{y}" width="{length:.1f}" '
                f'height="{bar_height}" fill="{escape(colour)}">'
                f"<title>{escape(segment)}: {escape(_number(value))}</title></rect>"
            )
            x += length
        total = sum(value for _, value in values)
        parts.append(
            f'<text x="{x + 6:.1f}" y="{text_y:.1f}" dominant-baseline="middle" '
            f"{_TEXT}>{escape(_number(total))}</text>"
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
    left, right, top, bottom = 56, 150, 12, 34
    plot_w = max(width - left - right, 10)
    plot_h = max(height - top - bottom, 10)
    all_values = [v for values in series.values() for v in values]
    low = min(all_values, default=0.0)
    high = max(all_values, default=1.0)
    if high == low:
        high, low = high + 1, low - 1
    x_low = min(weights, default=0.0)
    x_high = max(weights, default=1.0)
    if x_high == x_low:
        x_high = x_low + 1

    def x_of(weight: float) -> float:
        return left + plot_w * (weight - x_low) / (x_high - x_low)

    def y_of(value: float) -> float:
        return top + plot_h * (high - value) / (high - low)

    parts = _svg_open(width, height, title, "chart-sensitivity")
    parts.append(
        f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" '
        f'fill="none" stroke="#767676"/>'
    )
    for value in (low, high):
        parts.append(
            f'<text x="{left - 6}" y="{y_of(value):.1f}" text-anchor="end" '
            f'dominant-baseline="middle" {_TEXT}>{escape(_number(value))}</text>'
        )
    for weight in (x_low, x_high):
        parts.append(
            f'<text x="{x_of(weight):.1f}" y="{height - 10}" text-anchor="middle" '
            f"{_TEXT}>{escape(_number(weight * 100))}\u00a0%</text>"
        )
    if x_low <= current <= x_high:
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
    segments = [name for name, _value in rows[0][1]] if rows else []
    value_width = 70
    plot_width = max(chart_width - label_width - value_width, 10)
    largest = max((sum(max(v, 0) for _, v in parts) for _, parts in rows), default=0)
    largest = largest or 1
    bars_height = max(len(rows), 1) * (bar_height + gap) + gap
    canvas = _Canvas(chart_width, bars_height + len(segments) * 20 + gap)
    for index, (label, values) in enumerate(rows):
        y = gap + index * (bar_height + gap)
        middle = y + bar_height / 2
        canvas.text(
            label_width - 8, middle, _fit(label, label_width - 12), anchor="end"
        )
        x = float(label_width)
        for position, (_segment, value) in enumerate(values):
            length = plot_width * max(value, 0) / largest
            canvas.rect(x, y, length, bar_height, colours[position % len(colours)])
            x += length
        canvas.text(x + 6, middle, _number(sum(value for _, value in values)))
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
    left, right, top, bottom = 56, 150, 12, 34
    plot_w = chart_width - left - right
    plot_h = chart_height - top - bottom
    all_values = [v for values in series.values() for v in values]
    low = min(all_values, default=0.0)
    high = max(all_values, default=1.0)
    if high == low:
        high, low = high + 1, low - 1
    x_low = min(weights, default=0.0)
    x_high = max(weights, default=1.0)
    if x_high == x_low:
        x_high = x_low + 1

    def x_of(weight: float) -> float:
        return left + plot_w * (weight - x_low) / (x_high - x_low)

    def y_of(value: float) -> float:
        return top + plot_h * (high - value) / (high - low)

    canvas = _Canvas(chart_width, chart_height)
    canvas.rect(left, top, plot_w, plot_h, None, stroke="#767676")
    for value in (low, high):
        canvas.text(left - 6, y_of(value), _number(value), anchor="end", size=11)
    for weight in (x_low, x_high):
        canvas.text(
            x_of(weight),
            chart_height - 14,
            f"{_number(weight * 100)}\u00a0%",
            anchor="middle",
            size=11,
        )
    if x_low <= current <= x_high:
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
    _legend_drawn(canvas, list(series), colours, left + plot_w + 12, top, right - 14)
    return canvas.drawing(width)
