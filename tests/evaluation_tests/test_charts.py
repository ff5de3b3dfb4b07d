"""The evaluation charts: pure functions, no database."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from evaluation.charts import sensitivity_chart, stacked_bar_chart

SVG = "{http://www.w3.org/2000/svg}"


def test_stacked_bars_have_one_segment_per_criterion_and_a_legend():
    svg = stacked_bar_chart(
        [
            ("Alfa", [("Ytelse", 3.5), ("Pris", 2.0)]),
            ("Beta", [("Ytelse", 1.0), ("Pris", 3.0)]),
        ],
        title="Vektede poeng",
    )
    root = ET.fromstring(svg)
    rects = root.findall(f"{SVG}rect")
    # 2 rows × 2 segments + 2 legend swatches.
    assert len(rects) == 6
    assert root.find(f"{SVG}title").text == "Vektede poeng"
    texts = [t.text for t in root.findall(f"{SVG}text")]
    assert texts[:2] == ["Alfa", "5.5"]
    assert texts[2:4] == ["Beta", "4"]
    assert "Ytelse" in texts and "Pris" in texts


def test_segment_lengths_are_proportional_to_the_largest_bar():
    svg = stacked_bar_chart(
        [("A", [("x", 4.0), ("y", 4.0)]), ("B", [("x", 2.0), ("y", 2.0)])],
        title="t",
        width=570,
        label_width=100,
    )
    widths = [
        float(r.get("width")) for r in ET.fromstring(svg).findall(f"{SVG}rect")[:4]
    ]
    # plot width = 570 − 100 − 70 = 400; A fills it, B half of it.
    assert widths == [200.0, 200.0, 100.0, 100.0]


def test_negative_points_are_drawn_as_nothing_but_counted_in_the_sum():
    svg = stacked_bar_chart([("A", [("Pris", -1.5), ("Ytelse", 4.0)])], title="t")
    root = ET.fromstring(svg)
    assert float(root.findall(f"{SVG}rect")[0].get("width")) == 0.0
    assert "2.5" in [t.text for t in root.findall(f"{SVG}text")]


def test_text_is_escaped():
    svg = stacked_bar_chart([("<b>&", [('a"b', 1.0)])], title="<script>")
    assert "<script>" not in svg and "<b>" not in svg
    ET.fromstring(svg)


def test_an_empty_chart_is_still_valid_svg():
    ET.fromstring(stacked_bar_chart([], title="t"))
    ET.fromstring(sensitivity_chart([], {}, current=0.3, title="t"))


def test_sensitivity_lines_one_per_tender_with_the_current_weight_marked():
    svg = sensitivity_chart(
        [0.2, 0.3, 0.4],
        {"Alfa": [7.0, 7.5, 8.0], "Beta": [8.0, 7.5, 7.0]},
        current=0.3,
        title="Pris",
        width=520,
    )
    root = ET.fromstring(svg)
    lines = root.findall(f"{SVG}polyline")
    assert [line.find(f"{SVG}title").text for line in lines] == ["Alfa", "Beta"]
    # x from 56 to 56 + (520 − 56 − 150) = 370; the middle weight is the middle.
    first = lines[0].get("points").split()
    assert first[0].startswith("56.0,") and first[2].startswith("370.0,")
    marker = root.find(f"{SVG}line")
    assert marker.get("class") == "current-weight" and marker.get("x1") == "213.0"
    assert "20\u00a0%" in [t.text for t in root.findall(f"{SVG}text")]


def test_the_current_weight_outside_the_range_is_not_marked():
    svg = sensitivity_chart([0.2, 0.4], {"A": [1.0, 2.0]}, current=0.9, title="t")
    assert ET.fromstring(svg).find(f"{SVG}line") is None
