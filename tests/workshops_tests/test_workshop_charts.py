"""The dashboard charts: one layout, drawn the same in SVG and in reportlab,
accessible, escaped. Pure functions, no database."""

from __future__ import annotations

import re
from xml.etree import ElementTree

from django.test import SimpleTestCase
from reportlab.graphics.shapes import Rect, String

from workshops.charts import (
    Bar,
    Chart,
    Series,
    drawing,
    format_value,
    layout,
    svg,
)

SVG = "{http://www.w3.org/2000/svg}"


def two_series(**more) -> Chart:
    fields = {
        "key": "levels",
        "title": "Participation <by> level",
        "description": "Participants & organisations",
        "series": (
            Series("participants", "Participants", "#1f5f8b"),
            Series("organisations", "Organisations", "#8a5a00"),
        ),
        "bars": (
            Bar("Specialist", (40, 6)),
            Bar("Municipal <script>", (20, 10)),
            Bar("GP", (0, 0)),
        ),
        "stacked": False,
    }
    fields.update(more)
    return Chart(**fields)


def leaves(group):
    for item in group.contents:
        if hasattr(item, "contents"):
            yield from leaves(item)
        else:
            yield item


class LayoutTests(SimpleTestCase):
    def test_grouped_bars_scale_to_the_largest_value(self):
        drawn = layout(two_series(), width=560)
        bars = [box for box in drawn.boxes if box.height == 13]
        widths = [round(box.width, 1) for box in bars]
        self.assertEqual(len(bars), 6)
        largest = max(widths)
        self.assertAlmostEqual(widths[1] / largest, 6 / 40, places=3)
        self.assertAlmostEqual(widths[2] / largest, 20 / 40, places=3)
        self.assertEqual(widths[4:], [0.0, 0.0])

    def test_stacked_bars_put_series_end_to_end_and_write_the_total(self):
        chart = two_series(stacked=True)
        drawn = layout(chart)
        first_row = sorted(
            (box for box in drawn.boxes if box.height == 22), key=lambda b: b.y
        )[:2]
        self.assertAlmostEqual(
            first_row[0].x + first_row[0].width, first_row[1].x, places=6
        )
        self.assertIn("46", [label.text for label in drawn.labels])
        # A zero value draws no box at all.
        self.assertEqual(len([box for box in drawn.boxes if box.height == 22]), 4)

    def test_percent_charts_use_a_fixed_scale_and_say_percent(self):
        chart = Chart(
            key="balance",
            title="Balance",
            description="",
            series=(Series("gp", "GP", "#8a5a00"),),
            bars=(Bar("Area", (0.5,), flagged=True),),
            percent=True,
        )
        drawn = layout(chart, width=500)
        bar = next(box for box in drawn.boxes)
        plot_width = 500 - next(
            label.x for label in drawn.labels if label.anchor == "end"
        )
        self.assertLess(bar.width, plot_width)
        texts = [label.text for label in drawn.labels]
        self.assertIn("50\u00a0%", texts)
        flagged = next(label for label in drawn.labels if label.anchor == "end")
        self.assertTrue(flagged.text.startswith("! "))
        self.assertTrue(flagged.bold)

    def test_long_labels_are_cut_with_a_mark(self):
        chart = two_series(
            bars=(Bar("Informasjonssikkerhet og personvern i alt", (1, 1)),)
        )
        label = next(label for label in layout(chart).labels if label.anchor == "end")
        self.assertTrue(label.text.endswith("…"))
        self.assertLessEqual(len(label.text), 30)

    def test_an_empty_chart_says_so(self):
        drawn = layout(two_series(bars=()))
        self.assertEqual(len(drawn.labels), 3)  # two legend entries and the note
        self.assertGreater(drawn.height, 20)

    def test_values_are_formatted_for_people(self):
        self.assertEqual(format_value(12345), "12\u00a0345")
        self.assertEqual(format_value(0.256, percent=True), "26\u00a0%")
        self.assertEqual(format_value(None), "–")


class SvgTests(SimpleTestCase):
    def test_it_is_well_formed_accessible_and_escaped(self):
        markup = svg(two_series())
        root = ElementTree.fromstring(markup)
        self.assertEqual(root.get("role"), "img")
        self.assertEqual(
            root.get("aria-labelledby"), "chart-levels-title chart-levels-desc"
        )
        self.assertEqual(root.find(f"{SVG}title").text, "Participation <by> level")
        self.assertEqual(root.find(f"{SVG}desc").text, "Participants & organisations")
        self.assertNotIn("<script>", markup)
        texts = [text.text for text in root.iter(f"{SVG}text")]
        self.assertIn("Municipal <script>", texts)

    def test_it_draws_every_box_and_label_of_the_layout(self):
        chart = two_series()
        drawn = layout(chart)
        root = ElementTree.fromstring(svg(chart))
        self.assertEqual(len(list(root.iter(f"{SVG}rect"))), len(drawn.boxes))
        self.assertEqual(len(list(root.iter(f"{SVG}text"))), len(drawn.labels))


class DrawingTests(SimpleTestCase):
    def test_the_pdf_drawing_is_the_same_picture_scaled(self):
        chart = two_series()
        drawn = layout(chart)
        picture = drawing(chart, width=280)
        self.assertAlmostEqual(picture.width, 280)
        self.assertAlmostEqual(picture.height, drawn.height * 280 / drawn.width)
        shapes = list(leaves(picture))
        rects = [shape for shape in shapes if isinstance(shape, Rect)]
        strings = [shape for shape in shapes if isinstance(shape, String)]
        self.assertEqual(len(rects), len(drawn.boxes))
        self.assertEqual(
            [s.text for s in strings], [label.text for label in drawn.labels]
        )
        # Same boxes, turned the right way up: y counts from the bottom.
        for rect, box in zip(rects, drawn.boxes, strict=True):
            self.assertAlmostEqual(rect.x, box.x)
            self.assertAlmostEqual(rect.y, drawn.height - box.y - box.height)
            self.assertAlmostEqual(rect.width, box.width)

    def test_colours_match_the_svg(self):
        chart = two_series()
        svg_colours = re.findall(r'<rect [^>]*fill="(#[0-9a-f]{6})"', svg(chart))
        pdf_colours = [
            "#" + shape.fillColor.hexval()[2:].lower()
            for shape in leaves(drawing(chart, width=300))
            if isinstance(shape, Rect)
        ]
        self.assertEqual(svg_colours, pdf_colours)
