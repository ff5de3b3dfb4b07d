import re

from django.test import SimpleTestCase

from procurement.charts import horizontal_bar_chart


class HorizontalBarChartTests(SimpleTestCase):
    def widths(self, svg):
        return [float(w) for w in re.findall(r'<rect [^>]*width="([\d.]+)"', svg)]

    def test_bars_are_proportional_to_the_values(self):
        svg = horizontal_bar_chart(
            [("a", 10), ("b", 5), ("c", 0)], title="T", width=520
        )
        full, half, empty = self.widths(svg)
        self.assertAlmostEqual(half, full / 2, places=1)
        self.assertEqual(empty, 0)

    def test_it_escapes_every_text(self):
        svg = horizontal_bar_chart([("<b>&x</b>", 1)], title='"<script>"')
        self.assertNotIn("<b>", svg)
        self.assertNotIn("<script>", svg)
        self.assertIn("&lt;b&gt;&amp;x&lt;/b&gt;", svg)

    def test_it_writes_the_values(self):
        svg = horizontal_bar_chart([("Signert", 28), ("Avslått", 1.5)], title="T")
        self.assertIn(">28<", svg)
        self.assertIn(">1.5<", svg)
        self.assertIn("<title>T</title>", svg)

    def test_all_zero_and_empty_data_do_not_fail(self):
        self.assertEqual(self.widths(horizontal_bar_chart([("a", 0)], title="T")), [0])
        self.assertIn("<svg", horizontal_bar_chart([], title="T"))
