import io
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from evaluation.models import Evaluation, Score
from procurement.models import Event
from tests.evaluation_tests.test_scoring_base import ScoringWorld

D = Decimal
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER = ("tender", "criterion", "key", "score", "justification")


class SheetTestCase(ScoringWorld):
    def download(self, user=None, query: str = "") -> bytes:
        self.login(user or self.evaluator)
        response = self.client.get(self.base() + "scoring-sheet.xlsx" + query)
        self.assertEqual(response.status_code, 200)
        return b"".join(response.streaming_content)

    def edit(self, content: bytes, changes: dict[tuple[str, str, str], tuple]) -> bytes:
        """Set (score, justification) on the rows named (vendor, criterion, key)."""
        workbook = load_workbook(io.BytesIO(content))
        sheet = workbook.worksheets[0]
        for row in sheet.iter_rows(min_row=2):
            place = (row[0].value, row[1].value, row[2].value or "")
            if place in changes:
                row[7].value, row[8].value = changes[place]
        out = io.BytesIO()
        workbook.save(out)
        return out.getvalue()

    def upload(self, content: bytes, name: str = "skjema.xlsx"):
        return self.client.post(
            self.base() + "scoring-sheet/upload/",
            {"file": SimpleUploadedFile(name, content, content_type=XLSX)},
        )

    def apply(self, token: str):
        return self.client.post(
            self.base() + "scoring-sheet/upload/", {"action": "apply", "token": token}
        )

    def rows(self, content: bytes) -> list[tuple]:
        sheet = load_workbook(io.BytesIO(content)).worksheets[0]
        return [tuple(r) for r in sheet.iter_rows(min_row=2, values_only=True)]

    def place(self, requirement, vendor=None, criterion="Kvalitet › Funksjon"):
        return ((vendor or self.alfa).name, criterion, requirement.key)


class DownloadTests(SheetTestCase):
    def test_it_has_one_row_per_tender_and_requirement_and_no_conflicted_tender(self):
        self.give(self.evaluator, self.r_allergy, "6", text="Lagret før.")
        content = self.download()
        rows = self.rows(content)
        vendors = {row[0] for row in rows}
        self.assertEqual(vendors, {self.alfa.name, self.beta.name})
        # 3 requirements + Risiko for each of the two tenders.
        self.assertEqual(len(rows), 8)
        allergy = next(
            r for r in rows if r[0] == self.alfa.name and r[2] == "JOURN-0001"
        )
        self.assertEqual(
            (allergy[4], *allergy[6:9]),
            ("Allergier vises i pasientlisten.", "Vedlegg 3, kap. 2", 6, "Lagret før."),
        )
        self.assertTrue(allergy[5])  # compliance, in the active language
        workbook = load_workbook(io.BytesIO(content))
        self.assertEqual(workbook["kravspor"].sheet_state, "hidden")

    def test_one_criterion_only(self):
        rows = self.rows(self.download(query=f"?criterion={self.risk.pk}"))
        self.assertEqual(
            {(r[0], r[1]) for r in rows},
            {
                (self.alfa.name, "Kvalitet › Risiko"),
                (self.beta.name, "Kvalitet › Risiko"),
            },
        )

    def test_refusals(self):
        self.login(self.outsider)
        self.assertEqual(
            self.client.get(self.base() + "scoring-sheet.xlsx").status_code, 404
        )
        self.login(self.manager)
        self.assertEqual(
            self.client.get(self.base() + "scoring-sheet.xlsx").status_code, 403
        )
        self.login(self.evaluator)
        self.assertEqual(
            self.client.post(self.base() + "scoring-sheet.xlsx").status_code, 405
        )
        self.login(self.unsigned)
        self.assertEqual(
            self.client.get(self.base() + "scoring-sheet.xlsx").status_code, 302
        )


class RoundTripTests(SheetTestCase):
    def test_a_filled_sheet_previews_then_saves_all(self):
        self.give(self.evaluator, self.r_overview, "5", text="Uendret.")
        content = self.edit(
            self.download(),
            {
                self.place(self.r_allergy): (7.5, "God løsning."),
                self.place(self.r_print, self.beta): ("3", "Svak utskrift."),
                (self.alfa.name, "Kvalitet › Risiko", ""): (4, "Moderat risiko."),
            },
        )
        response = self.upload(content)
        self.assertEqual(response.status_code, 200)
        plan = response.context["plan"]
        self.assertEqual(
            (len(plan.new), len(plan.changed), plan.unchanged, plan.errors),
            (3, 0, 1, []),
        )
        self.assertEqual(Score.objects.count(), 1)  # nothing saved by the preview
        response = self.apply(response.context["token"])
        self.assertRedirects(
            response, self.base() + "worklist/", fetch_redirect_response=False
        )
        saved = {
            (
                s.tender.vendor.name,
                s.requirement.key if s.requirement else s.criterion.name,
            ): s.value
            for s in Score.objects.filter(evaluator=self.evaluator)
        }
        self.assertEqual(
            saved,
            {
                (self.alfa.name, self.r_allergy.key): D("7.5"),
                (self.alfa.name, self.r_overview.key): D("5"),
                (self.beta.name, self.r_print.key): D("3"),
                (self.alfa.name, "Risiko"): D("4"),
            },
        )
        self.assertTrue(Event.objects.filter(action="scores.imported").exists())

    def test_an_unchanged_sheet_changes_nothing(self):
        self.give(self.evaluator, self.r_overview, "5", text="Uendret.")
        response = self.upload(self.download())
        plan = response.context["plan"]
        self.assertFalse(plan.has_changes)
        self.assertEqual(response.context["token"], "")


class BadSheetTests(SheetTestCase):
    def test_one_bad_row_saves_nothing_and_each_error_names_row_and_column(self):
        content = self.edit(
            self.download(),
            {
                self.place(self.r_allergy): (7, "God."),
                self.place(self.r_overview): ("mye", "Tekst."),
                self.place(self.r_print): (11, "For høyt."),
                self.place(self.r_allergy, self.beta): (4, None),
                (self.beta.name, "Kvalitet › Risiko", ""): (4, "Ring 412 34 567."),
            },
        )
        response = self.upload(content)
        plan = response.context["plan"]
        found = {(e.code, e.letter) for e in plan.errors}
        self.assertEqual(
            found,
            {
                ("not_a_number", "H"),
                ("out_of_scale", "H"),
                ("justification_required", "I"),
                ("personal_data", "I"),
            },
        )
        self.assertTrue(all(e.row > 1 for e in plan.errors))
        self.assertEqual(response.context["token"], "")
        self.assertFalse(Score.objects.exists())

    def test_an_unknown_tender_or_key_is_an_error(self):
        workbook = load_workbook(io.BytesIO(self.download()))
        sheet = workbook.worksheets[0]
        sheet.append(["Ukjent AS", "Kvalitet › Funksjon", "JOURN-0001", 5, "Ok."])
        sheet.append([self.gamma.name, "Kvalitet › Funksjon", "JOURN-0001", 5, "Ok."])
        sheet.append([self.alfa.name, "Kvalitet › Funksjon", "FINNES-IKKE", 5, "Ok."])
        out = io.BytesIO()
        workbook.save(out)
        # The appended rows put score/justification in columns D/E; fill H/I.
        workbook = load_workbook(io.BytesIO(out.getvalue()))
        sheet = workbook.worksheets[0]
        for row in list(sheet.iter_rows(min_row=sheet.max_row - 2)):
            row[7].value, row[8].value = 5, "Ok."
            row[3].value, row[4].value = None, None
        out = io.BytesIO()
        workbook.save(out)
        plan = self.upload(out.getvalue()).context["plan"]
        self.assertEqual(
            [e.code for e in plan.errors],
            ["unknown_tender", "unknown_tender", "unknown_key"],
        )

    def test_a_score_changed_after_download_is_an_error_showing_both(self):
        content = self.download()
        self.give(self.evaluator, self.r_allergy, "9", text="ENDRET-PÅ-SIDEN")
        edited = self.edit(content, {self.place(self.r_allergy): (3, "FRA-ARKET")})
        plan = self.upload(edited).context["plan"]
        self.assertEqual([e.code for e in plan.errors], ["changed_on_server"])
        message = plan.errors[0].message
        self.assertIn("ENDRET-PÅ-SIDEN", message)
        self.assertIn("FRA-ARKET", message)
        self.assertEqual(Score.objects.get().value, D("9"))

    def test_another_evaluators_sheet_is_refused(self):
        foreign = self.download(user=self.evaluator2)
        self.login(self.evaluator)
        response = self.upload(foreign)
        self.assertEqual(
            response.context["form"].errors.as_data()["file"][0].code, "foreign_sheet"
        )
        self.assertNotIn("plan", response.context)

    def test_another_evaluations_sheet_is_refused(self):
        content = self.download()
        other = Evaluation.objects.create(
            procurement=self.procurement,
            round=self.round.__class__.objects.create(
                procurement=self.procurement, number=2, kind="revised", name="Revidert"
            ),
            status="scoring",
        )
        response = self.client.post(
            f"/procurements/{self.procurement.pk}/evaluations/{other.pk}/"
            "scoring-sheet/upload/",
            {"file": SimpleUploadedFile("a.xlsx", content, content_type=XLSX)},
        )
        self.assertEqual(
            response.context["form"].errors.as_data()["file"][0].code, "foreign_sheet"
        )

    def test_a_tampered_marker_is_refused(self):
        workbook = load_workbook(io.BytesIO(self.download()))
        workbook["kravspor"]["C1"] = self.evaluator2.pk
        out = io.BytesIO()
        workbook.save(out)
        response = self.upload(out.getvalue())
        self.assertEqual(
            response.context["form"].errors.as_data()["file"][0].code, "foreign_sheet"
        )

    def test_a_score_changed_between_preview_and_apply_saves_nothing(self):
        content = self.edit(
            self.download(), {self.place(self.r_allergy): (3, "Fra arket.")}
        )
        token = self.upload(content).context["token"]
        self.give(self.evaluator, self.r_allergy, "9", text="Imens.")
        response = self.apply(token)
        self.assertEqual(response.status_code, 409)
        self.assertEqual(Score.objects.get().value, D("9"))

    def test_a_locked_evaluation_takes_no_sheet(self):
        content = self.edit(self.download(), {self.place(self.r_allergy): (3, "Ok.")})
        Evaluation.objects.filter(pk=self.evaluation.pk).update(status="locked")
        plan = self.upload(content).context["plan"]
        self.assertEqual([e.code for e in plan.errors], ["locked"])
        self.assertFalse(Score.objects.exists())
