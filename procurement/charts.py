"""Charts drawn on the server as SVG: no JavaScript, no CDN, and the same
picture in the browser and in a PDF. Pure functions: plain data in, markup out."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

# Colours chosen for ≥ 4.5:1 contrast of the value labels on white.
PALETTE = ("#1f5f8b", "#2e7d32", "#8a5a00", "#9c2f2f", "#5b4a8a", "#35616b", "#6b4f2a")


def _number(value: float) -> str:
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return text.replace(",", "\u00a0")


def horizontal_bar_chart(
    data: Sequence[tuple[str, float]],
    *,
    title: str,
    width: int = 520,
    bar_height: int = 26,
    gap: int = 10,
    label_width: int = 170,
    colours: Sequence[str] = PALETTE,
) -> str:
    """One bar per (label, value); the value is written at the end of each bar.

    Returns standalone SVG markup. Every text is escaped, so labels may hold
    any characters.
    """
    value_width = 70
    plot_width = max(width - label_width - value_width, 10)
    largest = max((value for _, value in data), default=0) or 1
    height = max(len(data), 1) * (bar_height + gap) + gap
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}">',
        f"<title>{escape(title)}</title>",
    ]
    for index, (label, value) in enumerate(data):
        y = gap + index * (bar_height + gap)
        bar = max(plot_width * max(value, 0) / largest, 0)
        colour = colours[index % len(colours)]
        text_y = y + bar_height / 2
        parts.append(
            f'<text x="{label_width - 8}" y="{text_y:.1f}" text-anchor="end" '
            f'dominant-baseline="middle" font-size="14" fill="#1a1a1a">'
            f"{escape(label)}</text>"
        )
        parts.append(
            f'<rect x="{label_width}" y="{y}" width="{bar:.1f}" height="{bar_height}" '
            f'fill="{escape(colour)}" rx="3"/>'
        )
        parts.append(
            f'<text x="{label_width + bar + 6:.1f}" y="{text_y:.1f}" '
            f'dominant-baseline="middle" font-size="14" fill="#1a1a1a">'
            f"{escape(_number(value))}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
