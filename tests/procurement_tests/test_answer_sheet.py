"""The vendor answer workbook: export, round trip, refusals and row errors."""

from __future__ import annotations

import io
from decimal import Decimal

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from openpyxl import Workbook, load_workbook

from procurement.documents.safety import UploadProblem
from procurement.models import Response
from procurement.services import specification as spec
from procurement.services import tenders as services
from procurement.tenders.answer_sheet import (
    META_SHEET,
    read_answer_sheet,
    write_answer_sheet,
)
from tests.procurement_tests.test_tenders import TenderTestCase, when

COMPLIANCE, ANSWER, REFERENCE = 7, 8, 9  # 1-based column numbers


class AnswerSheetTestCase(TenderTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        journal = spec.section_save(
            by=cls.staff,
            procurement=cls.procurement,
            number="1",
            title="Journal",
            prefix="JOURN",
        )
        cls.requirements = [
            spec.requirement_create(
                by=cls.staff,
                procurement=cls.procurement,
                section=journal,
                title=f"Krav {n}",
                description="Systemet skal …",
                response_instructions="Beskriv løsningen.",
                kind="V",
                weight=Decimal("1"),
                status="approved",
            )
            for n in range(4)
        ]
        spec.requirement_set_status(
            by=cls.staff, requirement=cls.requirements[3], status="withdrawn"
        )
        cls.baseline = spec.baseline_publish(
            by=cls.staff,
            procurement=cls.procurement,
            label="Konkurransegrunnlag 2017-05",
        )
        # Added after the baseline: not part of the round.
        cls.later = spec.requirement_create(
            by=cls.staff,
            procurement=cls.procurement,
            section=journal,
            title="Senere krav",
            kind="A",
        )
        services.round_update(round=cls.round, by=cls.staff, baseline=cls.baseline)
        cls.tender = services.tender_register(
            round=cls.round, vendor=cls.vendor_a, received_at=when(2), by=cls.staff
        )

    def setUp(self):
        self.round.refresh_from_db()

    def export(self, round=None, language="en") -> io.BytesIO:
        out = io.BytesIO()
        with translation.override(language):
            write_answer_sheet(round or self.round, out)
        out.seek(0)
        return out

    def filled(self, answers: dict[int, tuple], *, language="en") -> io.BytesIO:
        """The export with ``answers`` (data row index → (compliance, answer,
        reference)) filled in, saved again as a normal workbook."""
        workbook = load_workbook(self.export(language=language))
        sheet = workbook.worksheets[0]
        for index, values in answers.items():
            for column, value in zip(
                (COMPLIANCE, ANSWER, REFERENCE), values, strict=True
            ):
                cell = sheet.cell(row=index + 2, column=column)
                cell.value = value
                if isinstance(value, str) and value.startswith("="):
                    cell.data_type = "s"
        out = io.BytesIO()
        workbook.save(out)
        out.seek(0)
        return out

    def read(self, handle, round=None):
        with translation.override("en"):
            return read_answer_sheet(
                handle, name="svar.xlsx", round=round or self.round
            )


class ExportTests(AnswerSheetTestCase):
    def test_it_lists_the_baseline_without_withdrawn_requirements(self):
        sheet = load_workbook(self.export()).worksheets[0]
        rows = list(sheet.iter_rows(values_only=True))
        self.assertEqual(
            rows[0],
            (
                "Key",
                "Section",
                "Kind",
                "Title",
                "Requirement text",
                "Response instructions",
                "Compliance",
                "Answer",
                "Reference",
            ),
        )
        self.assertEqual(
            [row[0] for row in rows[1:]], [r.key for r in self.requirements[:3]]
        )
        self.assertEqual(rows[1][1:4], ("1 Journal", "V", "Krav 0"))

    def test_without_a_baseline_it_lists_the_current_requirements(self):
        round = services.round_create(
            procurement=self.procurement,
            number=2,
            kind="revised",
            name="Reviderte tilbud",
            by=self.staff,
        )
        sheet = load_workbook(self.export(round)).worksheets[0]
        keys = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
        self.assertEqual(
            keys, [*(r.key for r in self.requirements[:3]), self.later.key]
        )

    def test_the_requirement_is_locked_and_the_answer_columns_are_open(self):
        sheet = load_workbook(self.export()).worksheets[0]
        self.assertTrue(sheet.protection.sheet)
        for column in range(1, 7):
            self.assertTrue(sheet.cell(row=2, column=column).protection.locked)
        for column in (COMPLIANCE, ANSWER, REFERENCE):
            self.assertFalse(sheet.cell(row=2, column=column).protection.locked)
        self.assertTrue(sheet.cell(row=1, column=COMPLIANCE).protection.locked)

    def test_compliance_has_a_drop_down_in_the_workbook_language(self):
        for language, expected in (("en", '"Yes,Partly,No"'),):
            sheet = load_workbook(self.export(language=language)).worksheets[0]
            validations = sheet.data_validations.dataValidation
            self.assertEqual(len(validations), 1)
            self.assertEqual(validations[0].formula1, expected)
            self.assertIn("G2", str(validations[0].sqref))
        sheet = load_workbook(self.export(language="nb")).worksheets[0]
        with translation.override("nb"):
            labels = ",".join(str(label) for label in Response.Compliance.labels)
        self.assertEqual(
            sheet.data_validations.dataValidation[0].formula1, f'"{labels}"'
        )

    def test_a_hidden_sheet_names_the_procurement_and_round(self):
        workbook = load_workbook(self.export())
        meta = workbook[META_SHEET]
        self.assertEqual(meta.sheet_state, "veryHidden")
        values = {row[0]: row[1] for row in meta.iter_rows(values_only=True)}
        self.assertEqual(values["procurement"], "HP-EPJ-2016")
        self.assertEqual(values["round"], "1")
        self.assertEqual(len(values["fingerprint"]), 64)


class ImportTests(AnswerSheetTestCase):
    def test_round_trip(self):
        handle = self.filled(
            {
                0: ("Yes", "Standard funksjon", "Vedlegg 2, kap. 3"),
                1: ("partly", "Krever tilpasning", None),
                2: (None, None, None),
            }
        )
        plan = self.read(handle)
        self.assertEqual(plan.errors, [])
        self.assertEqual(plan.answered, 2)
        self.assertEqual(plan.unanswered, 1)
        self.assertEqual(plan.notes, [])
        services.responses_import(tender=self.tender, rows=plan.rows, by=self.staff)
        self.assertEqual(
            list(
                self.tender.responses.order_by("requirement__key").values_list(
                    "requirement__key", "compliance", "answer", "reference"
                )
            ),
            [
                (
                    self.requirements[0].key,
                    "yes",
                    "Standard funksjon",
                    "Vedlegg 2, kap. 3",
                ),
                (self.requirements[1].key, "partly", "Krever tilpasning", ""),
            ],
        )

    def test_a_norwegian_workbook_reads_too(self):
        with translation.override("nb"):
            label = str(Response.Compliance.NO.label)
        plan = self.read(self.filled({0: (label, "Nei", None)}, language="nb"))
        self.assertEqual(plan.errors, [])
        self.assertEqual(plan.rows[0].compliance, "no")

    def test_formula_looking_answers_are_stored_as_text(self):
        plan = self.read(
            self.filled(
                {
                    0: ("Yes", '=HYPERLINK("http://x")', "-5 %"),
                    1: ("No", "+47 svar", "@ref"),
                }
            )
        )
        self.assertEqual(plan.errors, [])
        self.assertEqual(plan.rows[0].answer, '=HYPERLINK("http://x")')
        self.assertEqual(plan.rows[0].reference, "-5 %")
        self.assertEqual(plan.rows[1].reference, "@ref")

    def test_row_errors_name_row_and_column(self):
        workbook = load_workbook(self.export())
        sheet = workbook.worksheets[0]
        sheet.cell(row=2, column=COMPLIANCE).value = "Kanskje"
        sheet.cell(row=3, column=1).value = "UKJENT-0001"
        sheet.cell(row=3, column=ANSWER).value = "Svar"
        sheet.cell(row=4, column=REFERENCE).value = "x" * 501
        sheet.append([self.requirements[0].key, None, None, None, None, None, "Yes"])
        sheet.append([self.later.key, None, None, None, None, None, "Yes"])
        out = io.BytesIO()
        workbook.save(out)
        out.seek(0)
        plan = self.read(out)
        found = {(e.row, e.letter, e.code) for e in plan.errors}
        self.assertEqual(
            found,
            {
                (2, "G", "invalid_compliance"),
                (3, "A", "unknown_key"),
                (4, "I", "reference_too_long"),
                (5, "A", "key_repeated"),
                (6, "A", "unknown_key"),
            },
        )
        self.assertFalse(plan.can_apply)
        with translation.override("en"):
            message = str(plan.errors[0])
        self.assertIn("Row 2", message)
        self.assertIn("Compliance (G)", message)
        self.assertIn("Kanskje", message)

    def test_a_workbook_of_another_procurement_is_refused(self):
        foreign_round = services.round_create(
            procurement=self.foreign, number=1, kind="initial", name="Runde", by=None
        )
        with self.assertRaises(UploadProblem) as caught:
            self.read(self.export(foreign_round))
        self.assertEqual(caught.exception.code, "foreign_procurement")
        self.assertIn("HP-LAB-2020", caught.exception.message)

    def test_a_workbook_of_another_round_is_refused(self):
        second = services.round_create(
            procurement=self.procurement,
            number=2,
            kind="revised",
            name="Reviderte tilbud",
            baseline=self.baseline,
            by=self.staff,
        )
        with self.assertRaises(UploadProblem) as caught:
            self.read(self.export(), round=second)
        self.assertEqual(caught.exception.code, "foreign_round")

    def test_a_workbook_without_the_marker_is_refused(self):
        workbook = Workbook()
        workbook.active.append(["Key", "Compliance", "Answer", "Reference"])
        workbook.active.append([self.requirements[0].key, "Yes", "Ja", ""])
        out = io.BytesIO()
        workbook.save(out)
        out.seek(0)
        with self.assertRaises(UploadProblem) as caught:
            self.read(out)
        self.assertEqual(caught.exception.code, "not_an_answer_sheet")

    def test_wrong_or_missing_columns_are_refused(self):
        workbook = load_workbook(self.export())
        sheet = workbook.worksheets[0]
        sheet.protection.sheet = False
        sheet.cell(row=1, column=ANSWER).value = "Kommentar"
        sheet.delete_cols(REFERENCE)
        out = io.BytesIO()
        workbook.save(out)
        out.seek(0)
        with self.assertRaises(UploadProblem) as caught:
            self.read(out)
        self.assertEqual(caught.exception.code, "wrong_columns")
        self.assertIn("H «Kommentar»", caught.exception.message)
        self.assertIn("Reference", caught.exception.message)

    def test_not_a_workbook_is_refused(self):
        with self.assertRaises(UploadProblem) as caught:
            self.read(io.BytesIO(b"not a zip at all"))
        self.assertEqual(caught.exception.code, "not_a_zip")

    def test_a_changed_requirement_set_is_noted(self):
        handle = self.filled({0: ("Yes", "Ja", None)})
        services.round_update(round=self.round, by=self.staff, baseline=None)
        self.round.refresh_from_db()
        plan = self.read(handle)
        self.assertEqual(len(plan.notes), 1)
        self.assertEqual(plan.errors, [])


class ImportViewTests(AnswerSheetTestCase):
    def url(self) -> str:
        base = f"/procurements/{self.procurement.pk}/tenders/{self.tender.pk}"
        return f"{base}/answers/import/"

    def upload(self, handle, name="svar.xlsx"):
        return SimpleUploadedFile(
            name, handle.read(), content_type="application/octet-stream"
        )

    def test_download_preview_and_apply(self):
        self.login(self.staff)
        response = self.client.get(
            f"/procurements/{self.procurement.pk}/rounds/{self.round.pk}/answers.xlsx"
        )
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response["Content-Disposition"].endswith('.xlsx"'))
        response = self.client.post(
            self.url(),
            {
                "file": self.upload(
                    self.filled({0: ("Yes", "Ja", "V1"), 1: ("No", "", "")})
                )
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.context["plan"].answered, 2)
        token = response.context["token"]
        self.assertTrue(token)
        self.assertFalse(Response.objects.exists())
        response = self.client.post(self.url(), {"action": "apply", "token": token})
        self.assertRedirects(response, self.tender.get_absolute_url())
        self.assertEqual(self.tender.responses.count(), 2)
        # The token is spent.
        response = self.client.post(self.url(), {"action": "apply", "token": token})
        self.assertEqual(self.tender.responses.count(), 2)

    def test_errors_offer_no_apply_and_save_nothing(self):
        self.login(self.staff)
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        response = self.client.post(
            self.url(), {"file": self.upload(self.filled({0: ("Perhaps", "Ja", "")}))}
        )
        self.assertContains(response, 'data-code="invalid_compliance"')
        self.assertEqual(response.context["token"], "")
        self.assertFalse(Response.objects.exists())

    def test_a_foreign_workbook_is_refused_on_the_form(self):
        self.login(self.staff)
        foreign_round = services.round_create(
            procurement=self.foreign, number=1, kind="initial", name="Runde", by=None
        )
        response = self.client.post(
            self.url(), {"file": self.upload(self.export(foreign_round))}
        )
        self.assertEqual(response.status_code, 400)
        codes = [e.code for e in response.context["form"].errors.as_data()["file"]]
        self.assertEqual(codes, ["foreign_procurement"])

    def test_a_token_from_another_tender_applies_nothing(self):
        self.login(self.staff)
        response = self.client.post(
            self.url(), {"file": self.upload(self.filled({0: ("Yes", "Ja", "")}))}
        )
        token = response.context["token"]
        other = services.tender_register(
            round=self.round, vendor=self.vendor_b, received_at=when(2), by=self.staff
        )
        self.client.post(
            f"/procurements/{self.procurement.pk}/tenders/{other.pk}/answers/import/",
            {"action": "apply", "token": token},
        )
        self.assertFalse(Response.objects.exists())
