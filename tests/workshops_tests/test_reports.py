"""The workshop report (PDF) and the participation report (PDF and Excel):
they open, hold the expected text and cells, print markup literally, never
turn user text into formulas, and are refused to strangers."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from pypdf import PdfReader

from tests.workshops_tests.test_dashboards import (
    FORMULA_TEXT,
    MARKUP_TEXT,
    DashboardWorld,
)


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    # Table cells break lines where the text wraps; join words back up.
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def body(response) -> bytes:
    return b"".join(response.streaming_content)


class WorkshopReportTests(DashboardWorld):
    def url(self, workshop=None, procurement=None) -> str:
        procurement = procurement or self.procurement
        workshop = workshop or self.w1
        return f"/procurements/{procurement.pk}/workshops/{workshop.pk}/report.pdf"

    def test_it_reports_participants_by_organisation_and_inputs_with_outcome(self):
        self.login(self.manager)
        response = self.client.get(self.url())
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/pdf")
        text = pdf_text(body(response))
        for expected in [
            "Journal i sykehus",
            "St. Olavs hospital",
            "Kari Fasilitator",
            "Ola Lege",
            "Elvebakken legesenter",
            "Lise Fastlege",
            "Notater på tvers",
            self.r1.key,
            "Utenfor <b>omfang</b> & tidsplan",
        ]:
            self.assertIn(expected, text)
        # Grouped by organisation: the GP practice's heading comes before
        # the hospital's (by name), each followed by its own people.
        self.assertLess(text.index("Lise Fastlege"), text.index("Ola Lege"))

    def test_markup_in_user_text_prints_literally(self):
        self.login(self.staff)
        text = pdf_text(body(self.client.get(self.url())))
        self.assertIn("Vis <b>fet</b> & <a href='https://example.org'>lenke</a>", text)
        self.assertIn("Vi gikk gjennom <i>journalen</i> & kurven.", text)

    def test_a_workshop_of_another_procurement_is_not_found(self):
        self.login(self.staff)
        response = self.client.get(self.url(procurement=self.foreign))
        self.assertEqual(response.status_code, 404)
        self.login(self.foreign_lead)
        response = self.client.get(self.url(workshop=self.w1, procurement=self.foreign))
        self.assertEqual(response.status_code, 404)

    def test_it_hides_from_outsiders_and_rejects_posts(self):
        self.login(self.outsider)
        self.assertEqual(self.client.get(self.url()).status_code, 404)
        self.login(self.staff)
        self.assertEqual(self.client.post(self.url()).status_code, 405)

    def test_an_empty_workshop_still_makes_a_report(self):
        self.login(self.staff)
        response = self.client.get(self.url(workshop=self.w3))
        self.assertEqual(response.status_code, 200)
        self.assertIn("Planlagt", pdf_text(body(response)))


class ParticipationReportTests(DashboardWorld):
    def url(self, extension: str, procurement=None) -> str:
        procurement = procurement or self.procurement
        return f"/procurements/{procurement.pk}/workshops/participation.{extension}"

    def test_the_pdf_holds_the_figures_charts_and_organisations(self):
        self.login(self.manager)
        response = self.client.get(self.url("pdf"))
        self.assertEqual(response.status_code, 200)
        content = body(response)
        text = pdf_text(content)
        for expected in [
            "HP-EPJ-2016",
            "Trondheim kommune",
            "Norsk helsenett SF",
            "Elvebakken legesenter",
            "2 Legemidler",
        ]:
            self.assertIn(expected, text)
        self.assertNotIn("Molde kommune", text)
        self.assertGreaterEqual(len(PdfReader(io.BytesIO(content)).pages), 3)

    def test_the_workbook_holds_the_figures_and_no_formulas_from_user_text(self):
        self.login(self.manager)
        response = self.client.get(self.url("xlsx"))
        self.assertEqual(response.status_code, 200)
        workbook = load_workbook(io.BytesIO(body(response)))
        sheets = workbook.worksheets
        self.assertGreaterEqual(len(sheets), 8)
        figures = [[cell.value for cell in row] for row in sheets[0].iter_rows()]
        self.assertEqual([row[1] for row in figures[1:]], [2, 3, 6, 5, 9])
        organisations = {
            row[0]: row for row in sheets[1].iter_rows(min_row=2, values_only=True)
        }
        # participants, workshops, inputs, then new/accepted/merged/duplicate/rejected
        self.assertEqual(
            organisations["St. Olavs hospital HF"][4:], (2, 2, 5, 0, 2, 2, 1, 0)
        )
        self.assertEqual(organisations["Norsk helsenett SF"][4:7], (0, 0, 1))
        areas = list(sheets[-1].iter_rows(min_row=2, values_only=True))
        medicine = next(row for row in areas if row[0] == "2")
        self.assertEqual(medicine[2:6], (1, 3, 2, 2))
        self.assertEqual(medicine[8], 0)
        self.assertTrue(medicine[11])  # lacks a GP voice
        for sheet in sheets:
            for row in sheet.iter_rows():
                for cell in row:
                    self.assertNotEqual(
                        cell.data_type, "f", (sheet.title, cell.coordinate)
                    )

    def test_formula_looking_names_stay_text(self):
        self.user_org.name = FORMULA_TEXT
        self.user_org.save()
        self.login(self.staff)
        workbook = load_workbook(io.BytesIO(body(self.client.get(self.url("xlsx")))))
        names = [
            cell.value
            for cell in workbook.worksheets[1]["A"]
            if cell.value == FORMULA_TEXT
        ]
        self.assertEqual(names, [FORMULA_TEXT])
        cell = next(c for c in workbook.worksheets[1]["A"] if c.value == FORMULA_TEXT)
        self.assertEqual(cell.data_type, "s")

    def test_markup_in_organisation_names_prints_literally(self):
        self.national.name = MARKUP_TEXT
        self.national.save()
        self.login(self.staff)
        text = pdf_text(body(self.client.get(self.url("pdf"))))
        self.assertIn("Vis <b>fet</b> &", text)

    def test_outsiders_get_neither(self):
        self.login(self.outsider)
        for extension in ["pdf", "xlsx"]:
            with self.subTest(extension=extension):
                self.assertEqual(self.client.get(self.url(extension)).status_code, 404)

    def test_an_empty_procurement_still_gets_both(self):
        self.login(self.foreign_lead)
        self.assertEqual(
            self.client.get(self.url("pdf", self.foreign)).status_code, 200
        )
        workbook = load_workbook(
            io.BytesIO(body(self.client.get(self.url("xlsx", self.foreign))))
        )
        self.assertEqual(workbook.worksheets[0]["B2"].value, 0)
