"""Shared spreadsheet writing and reading (no database)."""

import io
import zipfile
from datetime import UTC, datetime

from django.test import SimpleTestCase, override_settings
from django.utils import translation
from django.utils.translation import gettext_lazy
from openpyxl import Workbook, load_workbook

from procurement.documents.safety import (
    EXCEL_CELL_LIMIT,
    TRUNCATION_MARK,
    UploadProblem,
)
from procurement.documents.xlsx import (
    Column,
    new_workbook,
    open_workbook,
    sheet_rows,
    sheet_title,
    write_sheet,
)

COLUMNS = [
    Column("Nøkkel", width=12),
    Column("Tittel", width=40, wrap=True),
    Column("Type", width=8, choices=["A", "V", "AV", "I"]),
    Column("Tidspunkt", width=20),
]


def written(rows, columns=COLUMNS) -> Workbook:
    """Write rows with the shared writer and open the result in full mode."""
    workbook = new_workbook()
    write_sheet(workbook, "Krav", columns, rows)
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return load_workbook(buffer)


def xlsx_bytes(rows) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


class SafeCellTests(SimpleTestCase):
    def test_a_formula_is_written_as_text_that_never_runs(self):
        formula = '=HYPERLINK("http://evil.example","Klikk")'
        sheet = written([["K-1", formula, "A", None]]).active
        cell = sheet["B2"]
        self.assertNotEqual(cell.data_type, "f")
        self.assertEqual(cell.data_type, "s")
        self.assertTrue(cell.quotePrefix)
        self.assertEqual(cell.value, formula)

    def test_every_trigger_character_is_kept_as_text(self):
        texts = ["+47 73 00 00 00", "-5 %", "@bruker", "\tinnrykk", "=1+1", "#N/A"]
        sheet = written([[text, text, "V", None] for text in texts]).active
        for row, text in enumerate(texts, 2):
            with self.subTest(text=text):
                self.assertEqual(sheet.cell(row, 1).data_type, "s")
                self.assertEqual(sheet.cell(row, 2).value, text)

    def test_plain_text_gets_no_quote_prefix(self):
        sheet = written([["K-1", "Journal", "V", None]]).active
        self.assertFalse(sheet["B2"].quotePrefix)

    def test_characters_excel_cannot_hold_are_stripped(self):
        sheet = written([["K-1", "Ja\x00va\x07skript\x1b", "V", None]]).active
        self.assertEqual(sheet["B2"].value, "Javaskript")

    def test_text_longer_than_a_cell_is_cut_with_a_mark(self):
        sheet = written([["K-1", "ø" * 40_000, "V", None]]).active
        value = sheet["B2"].value
        self.assertEqual(len(value), EXCEL_CELL_LIMIT)
        self.assertTrue(value.endswith(TRUNCATION_MARK))

    @override_settings(TIME_ZONE="Europe/Oslo")
    def test_aware_datetimes_are_written_as_local_naive_time(self):
        moment = datetime(2017, 12, 1, 9, 30, tzinfo=UTC)
        sheet = written([["K-1", "x", "V", moment]]).active
        self.assertEqual(sheet["D2"].value, datetime(2017, 12, 1, 10, 30))
        self.assertTrue(sheet["D2"].is_date)

    def test_translatable_text_is_written_in_the_active_language(self):
        with translation.override("nb"):
            sheet = written([["K-1", gettext_lazy("Draft"), "V", None]]).active
        self.assertEqual(sheet["B2"].value, "Utkast")

    def test_numbers_stay_numbers(self):
        sheet = written([["K-1", 12.5, "V", 3]]).active
        self.assertEqual(sheet["B2"].value, 12.5)
        self.assertEqual(sheet["B2"].data_type, "n")


class SheetLayoutTests(SimpleTestCase):
    def setUp(self):
        self.sheet = written([["K-1", "a", "V", None], ["K-2", "b", "A", None]]).active

    def test_the_header_is_bold_frozen_and_filtered(self):
        self.assertEqual(
            [cell.value for cell in self.sheet[1]],
            ["Nøkkel", "Tittel", "Type", "Tidspunkt"],
        )
        self.assertTrue(self.sheet["A1"].font.b)
        self.assertEqual(self.sheet.freeze_panes, "A2")
        self.assertEqual(self.sheet.auto_filter.ref, "A1:D3")

    def test_columns_have_their_widths_and_long_text_wraps(self):
        self.assertEqual(self.sheet.column_dimensions["A"].width, 12)
        self.assertEqual(self.sheet.column_dimensions["B"].width, 40)
        self.assertTrue(self.sheet["B2"].alignment.wrap_text)
        self.assertFalse(self.sheet["A2"].alignment.wrap_text)

    def test_a_choice_column_gets_a_drop_down_list(self):
        validations = self.sheet.data_validations.dataValidation
        self.assertEqual(len(validations), 1)
        self.assertEqual(validations[0].type, "list")
        self.assertEqual(validations[0].formula1, '"A,V,AV,I"')
        self.assertIn("C2:C1048576", str(validations[0].sqref))

    def test_a_long_list_goes_to_a_hidden_sheet(self):
        choices = [f"Valg, nummer {n}" for n in range(40)]
        workbook = written([["x"]], columns=[Column("Valg", choices=choices)])
        lists = workbook.worksheets[1]
        self.assertEqual(lists.sheet_state, "hidden")
        self.assertEqual(lists["A40"].value, "Valg, nummer 39")
        formula = workbook.active.data_validations.dataValidation[0].formula1
        self.assertEqual(formula, f"'{lists.title}'!$A$1:$A$40")

    def test_sheet_titles_are_made_acceptable(self):
        self.assertEqual(sheet_title("Krav: 1/2 [utkast]"), "Krav 1 2 utkast")
        self.assertEqual(len(sheet_title("x" * 50)), 31)


class OpenWorkbookTests(SimpleTestCase):
    def open(self, data: bytes, name="krav.xlsx"):
        return open_workbook(io.BytesIO(data), name=name)

    def test_it_reads_values_row_by_row_with_numbers(self):
        workbook = self.open(xlsx_bytes([["Nøkkel"], [], ["K-1"]]))
        rows = list(sheet_rows(workbook.worksheets[0], name="krav.xlsx"))
        workbook.close()
        self.assertEqual(rows[0], (1, ("Nøkkel",)))
        self.assertEqual(rows[-1][0], 3)
        self.assertEqual(rows[-1][1][0], "K-1")

    def test_formulas_are_never_evaluated(self):
        workbook = self.open(xlsx_bytes([["=1+1"]]))
        value = next(sheet_rows(workbook.worksheets[0], name="x"))[1][0]
        workbook.close()
        self.assertIsNone(value)

    def test_a_file_that_is_not_a_workbook_is_refused(self):
        with self.assertRaises(UploadProblem) as caught:
            self.open(b"Key;Title\nK-1;Journal\n", name="krav.csv")
        self.assertEqual(caught.exception.code, "not_a_zip")
        self.assertIn("krav.csv", caught.exception.message)

    def test_a_zip_that_is_not_a_workbook_is_refused(self):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("hello.txt", "hei")
        with self.assertRaises(UploadProblem) as caught:
            self.open(buffer.getvalue())
        self.assertEqual(caught.exception.code, "not_a_workbook")

    def test_an_empty_file_is_refused(self):
        with self.assertRaises(UploadProblem) as caught:
            self.open(b"")
        self.assertEqual(caught.exception.code, "empty_file")

    @override_settings(UPLOAD_MAX_BYTES=1000)
    def test_a_file_over_the_cap_is_refused(self):
        with self.assertRaises(UploadProblem) as caught:
            self.open(xlsx_bytes([["x" * 100]]))
        self.assertEqual(caught.exception.code, "too_large")

    def test_a_zip_bomb_is_refused_before_parsing(self):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("[Content_Types].xml", "<Types/>")
            archive.writestr("xl/worksheets/sheet1.xml", b" " * 20 * 2**20)
        with self.assertRaises(UploadProblem) as caught:
            self.open(buffer.getvalue())
        self.assertEqual(caught.exception.code, "compression_ratio")

    def test_broken_sheet_xml_is_refused_when_read(self):
        good = io.BytesIO(xlsx_bytes([["a"], ["b"]]))
        broken = io.BytesIO()
        with (
            zipfile.ZipFile(good) as source,
            zipfile.ZipFile(broken, "w") as target,
        ):
            for info in source.infolist():
                data = source.read(info)
                if info.filename == "xl/worksheets/sheet1.xml":
                    data = data[: len(data) // 2]
                target.writestr(info, data)
        workbook = self.open(broken.getvalue())
        with self.assertRaises(UploadProblem) as caught:
            list(sheet_rows(workbook.worksheets[0], name="krav.xlsx"))
        workbook.close()
        self.assertEqual(caught.exception.code, "not_a_workbook")
