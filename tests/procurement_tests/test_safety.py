"""The shared safety rules for every import and export (no database)."""

import io
import zipfile
from datetime import UTC, date, datetime

from django.test import SimpleTestCase, override_settings

from procurement.documents.safety import (
    EXCEL_CELL_LIMIT,
    TRUNCATION_MARK,
    UploadProblem,
    check_upload_size,
    check_zip_container,
    excel_text,
    excel_value,
    is_formula_like,
    pdf_text,
)


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


class FormulaTests(SimpleTestCase):
    def test_every_formula_trigger_is_caught(self):
        for text in ("=1+1", "+47 99", "-5", "@SUM(A1)", "\tx", "\rx"):
            with self.subTest(text=text):
                self.assertTrue(is_formula_like(text))

    def test_ordinary_text_is_not(self):
        for text in ("Pasientjournal", "1 = 1", " =x", ""):
            with self.subTest(text=text):
                self.assertFalse(is_formula_like(text))


class ExcelTextTests(SimpleTestCase):
    def test_it_strips_characters_excel_cannot_hold(self):
        self.assertEqual(excel_text("a\x00b\x07c\x1fd"), "abcd")

    def test_it_keeps_tabs_and_line_breaks(self):
        self.assertEqual(excel_text("a\tb\nc\r\nd"), "a\tb\nc\r\nd")

    def test_it_cuts_long_text_with_a_mark(self):
        text = excel_text("x" * 40_000)
        self.assertEqual(len(text), EXCEL_CELL_LIMIT)
        self.assertTrue(text.endswith(TRUNCATION_MARK))

    def test_text_at_the_limit_is_left_whole(self):
        text = "y" * EXCEL_CELL_LIMIT
        self.assertEqual(excel_text(text), text)


class ExcelValueTests(SimpleTestCase):
    @override_settings(TIME_ZONE="Europe/Oslo")
    def test_aware_datetimes_become_local_naive_time(self):
        value = excel_value(datetime(2017, 5, 3, 10, 0, tzinfo=UTC))
        self.assertEqual(value, datetime(2017, 5, 3, 12, 0))
        self.assertIsNone(value.tzinfo)

    def test_naive_datetimes_dates_and_numbers_pass_unchanged(self):
        for value in (datetime(2017, 5, 3, 10, 0), date(2017, 5, 3), 3, 2.5, None):
            with self.subTest(value=value):
                self.assertEqual(excel_value(value), value)

    def test_text_is_cleaned(self):
        self.assertEqual(excel_value("a\x0bb"), "ab")


class PdfTextTests(SimpleTestCase):
    def test_markup_prints_literally_and_breaks_survive(self):
        self.assertEqual(
            pdf_text("<b>fet</b> & A\nB"), "&lt;b&gt;fet&lt;/b&gt; &amp; A<br/>B"
        )

    def test_nothing_is_empty(self):
        self.assertEqual(pdf_text(None), "")


class UploadSizeTests(SimpleTestCase):
    def test_a_file_over_the_cap_is_refused(self):
        with self.assertRaises(UploadProblem) as caught:
            check_upload_size(3 * 2**20, name="krav.xlsx", max_bytes=2 * 2**20)
        self.assertEqual(caught.exception.code, "too_large")
        self.assertIn("krav.xlsx", caught.exception.message)

    def test_a_file_at_the_cap_passes(self):
        check_upload_size(2**20, name="krav.xlsx", max_bytes=2**20)


class ZipContainerTests(SimpleTestCase):
    def test_a_file_that_is_not_a_zip_is_refused(self):
        with self.assertRaises(UploadProblem) as caught:
            check_zip_container(io.BytesIO(b"not a zip at all"), name="krav.xlsx")
        self.assertEqual(caught.exception.code, "not_a_zip")

    def test_a_decompression_bomb_is_refused(self):
        bomb = io.BytesIO(zip_bytes({"xl/worksheets/sheet1.xml": b"0" * 5 * 2**20}))
        with self.assertRaises(UploadProblem) as caught:
            check_zip_container(bomb, name="bombe.xlsx", max_ratio=100)
        self.assertEqual(caught.exception.code, "compression_ratio")

    def test_too_much_unpacked_data_is_refused(self):
        data = io.BytesIO(zip_bytes({"a.xml": b"<a/>" * 1000}))
        with self.assertRaises(UploadProblem) as caught:
            check_zip_container(data, name="a.xlsx", max_unpacked=100)
        self.assertEqual(caught.exception.code, "unpacked_too_large")

    def test_a_normal_zip_passes_and_the_position_is_kept(self):
        data = io.BytesIO(zip_bytes({"a.xml": b"<a/>"}))
        check_zip_container(data, name="a.xlsx")
        self.assertEqual(data.tell(), 0)
