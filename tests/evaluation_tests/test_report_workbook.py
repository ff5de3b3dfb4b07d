"""The evaluation workbook: its numbers are the results engine's, it hides
what the reader may not see, no cell runs user text as a formula, and only
the lead and (once released) management may download it."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

from django.core.management import CommandError, call_command
from django.utils import timezone, translation
from openpyxl import load_workbook

from evaluation import results as engine
from evaluation.models import Assignment, ConsensusScore, Evaluation, Score
from evaluation.reports.workbook import write_evaluation_workbook
from evaluation.selectors.results import evaluation_results
from procurement.models import Membership, ReportDownload
from tests.evaluation_tests.test_consensus_adapter import ConsensusWorld


def workbook_for(evaluation, user):
    out = io.BytesIO()
    with translation.override("en"):
        write_evaluation_workbook(evaluation, out, user=user)
    out.seek(0)
    return load_workbook(out)


def table(sheet, header_row: int = 1) -> list[dict]:
    rows = list(sheet.iter_rows(min_row=header_row, values_only=True))
    header = rows[0]
    return [dict(zip(header, row, strict=False)) for row in rows[1:]]


class WorkbookContentTests(ConsensusWorld):
    def setUp(self):
        self.open_consensus()
        self.agree_all()

    def test_it_has_every_sheet_with_frozen_headers_and_filters(self):
        self.open_prices()
        book = workbook_for(self.evaluation, self.lead)
        self.assertEqual(
            book.sheetnames,
            [
                "Summary",
                "Criteria",
                "Matrix",
                "Individual scores",
                "Justifications",
                "Absolute requirements",
                "Prices",
                "Sensitivity",
            ],
        )
        for name in ("Criteria", "Matrix", "Individual scores", "Justifications"):
            with self.subTest(name):
                self.assertEqual(book[name].freeze_panes, "A2")
                self.assertTrue(book[name].auto_filter.ref.startswith("A1:"))
        self.assertEqual(len(book["Summary"]._charts), 1)

    def test_ranking_totals_and_points_are_the_engines_unrounded(self):
        self.agree_all(vendors=("Delta",))
        self.open_prices()
        _data, results = evaluation_results(self.evaluation, user=self.lead)
        book = workbook_for(self.evaluation, self.lead)
        rows = table(book["Criteria"])
        ranked = [r for r in rows if r["Rank"] is not None]
        self.assertEqual(
            [r["Tender"] for r in ranked],
            [results.tender(t).name for t in results.ranking],
        )
        self.assertEqual(ranked[0]["Tender"], "Beta Journal AS")
        for row in rows:
            tender = next(t for t in results.tenders if t.name == row["Tender"])
            self.assertAlmostEqual(row["Total points"], float(tender.total), places=12)
            self.assertAlmostEqual(
                row["Ytelse: points"],
                float(tender.criteria[self.ytelse.pk].points),
                places=12,
            )
            self.assertAlmostEqual(
                row["Pris: weighted"],
                float(tender.criteria[self.pris.pk].weighted),
                places=12,
            )
        delta = next(r for r in rows if r["Tender"] == "Delta Journal AS")
        self.assertIsNone(delta["Rank"])
        self.assertIn("Vesentlig avvik fra A-krav", delta["Status"])
        self.assertEqual(book["Criteria"]["D2"].number_format, "0.00")
        # Summary: the ranking block and the facts.
        summary = {
            row[0]: row[1]
            for row in book["Summary"].iter_rows(values_only=True)
            if row[0]
        }
        self.assertEqual(
            summary["Award model"], "Points (best ratio of price and quality)"
        )
        self.assertEqual(summary["Provisional"], "No")
        self.assertIn("HP-EPJ-2016", summary["Procurement"])
        self.assertEqual(summary["Produced by"], self.lead.get_username())
        totals = [
            row
            for row in book["Summary"].iter_rows(values_only=True)
            if row[1] in {t.name for t in results.tenders} and row[2] is not None
        ]
        self.assertEqual(
            [(r[0], r[1]) for r in totals],
            [(results.tender(t).rank, results.tender(t).name) for t in results.ranking]
            + [(None, "Delta Journal AS")],
        )

    def test_results_are_marked_provisional_while_consensus_is_incomplete(self):
        ConsensusScore.objects.filter(tender=self.tenders["Gamma"]).delete()
        book = workbook_for(self.evaluation, self.lead)
        summary = {
            row[0]: row[1]
            for row in book["Summary"].iter_rows(values_only=True)
            if row[0]
        }
        self.assertTrue(summary["Provisional"].startswith("Yes"))
        gamma = next(
            r for r in table(book["Criteria"]) if r["Tender"] == "Gamma Journal AS"
        )
        self.assertEqual(gamma["Status"], "Provisional")

    def test_the_matrix_holds_the_consensus_scores_with_mapping_weights(self):
        book = workbook_for(self.evaluation, self.lead)
        rows = {(r["Criterion"], r["Key"]): r for r in table(book["Matrix"])}
        r1 = rows["Ytelse", "FUNK-0001"]
        self.assertEqual(r1["Mapping weight"], 2)
        self.assertEqual(r1["Beta Journal AS"], 6)
        self.assertEqual(r1["Alfa Journal AS"], 8)
        self.assertIsNone(r1["Delta Journal AS"])  # no consensus for Delta
        self.assertEqual(rows["Ytelse", "FUNK-0002"]["Mapping weight"], 1)
        self.assertEqual(rows["Risiko", None]["Gamma Journal AS"], 6)

    def test_individual_scores_carry_the_engines_spreads_and_flags(self):
        _data, results = evaluation_results(self.evaluation, user=self.lead)
        book = workbook_for(self.evaluation, self.lead)
        sheet = book["Individual scores"]
        rows = table(sheet)
        # Two evaluators × three items × four tenders (Epsilon withdrew).
        self.assertEqual(len(rows), 24)
        flagged = {(r["Tender"], r["Item"]) for r in rows if r["Flagged"] == "Yes"}
        names = {t.tender_id: t.name for t in results.tenders}
        expected = {
            (names[s.tender_id], "FUNK-0001" if s.item.id == self.r1.pk else None)
            for s in results.flagged_spreads
        }
        self.assertEqual(flagged, expected)
        self.assertIn(("Beta Journal AS", "FUNK-0001"), flagged)
        beta = [
            r
            for r in rows
            if r["Tender"] == "Beta Journal AS" and r["Item"] == "FUNK-0001"
        ]
        self.assertEqual(sorted(r["Score"] for r in beta), [3, 6])
        self.assertEqual({r["Spread (flagged)"] for r in beta}, {0.3})
        self.assertEqual({r["Evaluator"] for r in beta}, {"evaluator", "evaluator2"})
        rules = list(sheet.conditional_formatting)
        self.assertEqual(len(rules), 1)
        self.assertIn("$F2>=", rules[0].rules[0].formula[0])

    def test_an_evaluator_who_has_left_the_procurement_is_still_named(self):
        Membership.objects.filter(user=self.evaluator2).delete()
        Assignment.objects.filter(evaluator=self.evaluator2).delete()
        rows = table(workbook_for(self.evaluation, self.lead)["Individual scores"])
        self.assertEqual({r["Evaluator"] for r in rows}, {"evaluator", "evaluator2"})
        self.assertEqual(len(rows), 24)

    def test_justifications_show_consensus_and_individual_reasons(self):
        book = workbook_for(self.evaluation, self.lead)
        rows = table(book["Justifications"])
        alfa = next(
            r
            for r in rows
            if r["Tender"] == "Alfa Journal AS" and r["Key"] == "FUNK-0001"
        )
        self.assertEqual(alfa["Consensus score"], 8)
        self.assertEqual(alfa["Consensus justification"], "Panelet er enig")
        self.assertEqual(alfa["Decided by"], "lead")
        self.assertIn(
            "evaluator (8): Vurdering av r1", alfa["Individual justifications"]
        )
        self.assertIn(
            "evaluator2 (7): Vurdering av r1", alfa["Individual justifications"]
        )
        delta = next(
            r
            for r in rows
            if r["Tender"] == "Delta Journal AS" and r["Key"] == "FUNK-0001"
        )
        self.assertIsNone(delta["Consensus score"])
        # One row per tender × item.
        self.assertEqual(len(rows), 12)

    def test_the_sensitivity_sheet_reports_the_engine(self):
        self.open_prices()
        data, results = evaluation_results(self.evaluation, user=self.lead)
        analysis = engine.sensitivity(data, results)
        book = workbook_for(self.evaluation, self.lead)
        rows = list(book["Sensitivity"].iter_rows(values_only=True))
        shifts = [r for r in rows[1 : 1 + len(analysis.shifts)]]
        self.assertEqual(len(analysis.shifts), len(shifts))
        smallest = min(analysis.shifts, key=lambda s: s.delta)
        self.assertAlmostEqual(
            shifts[0][2], float(smallest.percentage_points), places=10
        )
        findings = {r[0]: r[1] for r in rows if r[0]}
        self.assertEqual(findings["Winner"], "Beta Journal AS")
        self.assertIn("declared ranges", findings["Declared weight ranges"])

    def test_prices_only_for_readers_who_may_see_them(self):
        # The envelope is sealed: the lead sees prices, management does not.
        lead_book = workbook_for(self.evaluation, self.lead)
        self.assertIn("Prices", lead_book.sheetnames)
        prices = table(lead_book["Prices"])
        alfa_lines = [r for r in prices if r["Tender"] == "Alfa Journal AS"]
        self.assertEqual(
            [(r["Item"], r["Amount (NOK)"]) for r in alfa_lines[:2]],
            [("Lisens", 60_000_000), ("Drift", 40_000_000)],
        )
        Evaluation.objects.filter(pk=self.evaluation.pk).update(
            released_at=timezone.now()
        )
        self.reload()
        for reader in (self.manager, None):
            with self.subTest(reader=reader):
                book = workbook_for(self.evaluation, reader)
                self.assertNotIn("Prices", book.sheetnames)
                values = [
                    cell
                    for sheet in book.worksheets
                    for row in sheet.iter_rows(values_only=True)
                    for cell in row
                ]
                for price in (80_000_000, 100_000_000, 120_000_000, 50_000_000):
                    self.assertNotIn(price, values)
                criteria = table(book["Criteria"])
                self.assertEqual({r["Pris: points"] for r in criteria}, {"sealed"})
                sensitivity = book["Sensitivity"]["A2"].value
                self.assertIn("price envelope", sensitivity)

    def test_user_text_is_stored_as_text_never_as_a_formula(self):
        Score.objects.filter(
            evaluator=self.evaluator, tender=self.tenders["Alfa"], requirement=self.r1
        ).update(justification='=HYPERLINK("http://evil.example","klikk")')
        ConsensusScore.objects.filter(
            tender=self.tenders["Beta"], requirement=self.r1
        ).update(justification="=1+1")
        book = workbook_for(self.evaluation, self.lead)
        texts = []
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    self.assertNotEqual(cell.data_type, "f", cell.coordinate)
                    if isinstance(cell.value, str):
                        texts.append(cell)
        beta = next(c for c in texts if c.value == "=1+1")
        self.assertTrue(beta.quotePrefix)
        self.assertTrue(any("=HYPERLINK(" in c.value for c in texts))


class BlindWorkbookTests(ConsensusWorld):
    """Before consensus opens, scoring is blind for everyone, the lead too."""

    def test_the_leads_workbook_holds_no_individual_scores_or_reasons(self):
        book = workbook_for(self.evaluation, self.lead)
        for name in ("Individual scores", "Justifications"):
            with self.subTest(name):
                cells = [
                    value
                    for row in book[name].iter_rows(values_only=True)
                    for value in row
                    if value is not None
                ]
                self.assertEqual(
                    cells,
                    [
                        "Note",
                        "Scoring is still blind: the individual scores are shown "
                        "once the lead has opened consensus.",
                    ],
                )
        every_cell = " ".join(
            str(value)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
            for value in row
            if value is not None
        )
        self.assertNotIn("evaluator2", every_cell)
        self.assertNotIn("Vurdering av r1", every_cell)
        self.open_consensus()
        book = workbook_for(self.evaluation, self.lead)
        self.assertGreater(book["Individual scores"].max_row, 1 + 20)


class WorkbookDownloadTests(ConsensusWorld):
    def url(self) -> str:
        return (
            f"/procurements/{self.procurement.pk}/evaluations/"
            f"{self.evaluation.pk}/reports/workbook.xlsx"
        )

    def test_outsiders_get_404_and_evaluators_403(self):
        self.login(self.outsider)
        self.assertEqual(self.client.get(self.url()).status_code, 404)
        for person in (self.evaluator, self.staff):
            self.login(person)
            self.assertEqual(self.client.get(self.url()).status_code, 403)
        self.assertFalse(ReportDownload.objects.exists())

    def test_management_gets_403_before_release_and_the_file_after(self):
        self.login(self.manager)
        self.assertEqual(self.client.get(self.url()).status_code, 403)
        Evaluation.objects.filter(pk=self.evaluation.pk).update(
            released_at=timezone.now()
        )
        response = self.client.get(self.url())
        self.assertEqual(response.status_code, 200)
        self.assertIn(
            "kravspor-HP-EPJ-2016-runde-1-evaluering.xlsx",
            response["Content-Disposition"],
        )
        book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
        self.assertNotIn("Priser", book.sheetnames)
        self.assertIn("Sammendrag", book.sheetnames)
        download = ReportDownload.objects.get()
        self.assertEqual(
            (download.user, download.report, download.procurement),
            (self.manager, "evaluation-workbook", self.procurement),
        )

    def test_the_lead_downloads_it_from_the_results_page(self):
        self.login(self.lead)
        page = self.client.get(
            f"/procurements/{self.procurement.pk}/evaluations/"
            f"{self.evaluation.pk}/results/"
        )
        self.assertContains(page, self.url())
        response = self.client.get(self.url())
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response["Content-Type"],
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
        self.assertIn("Priser", book.sheetnames)  # in bokmål, like the pages
        self.assertEqual(self.client.post(self.url()).status_code, 405)

    def test_asking_for_the_headers_only_builds_and_records_nothing(self):
        self.login(self.lead)
        response = self.client.head(self.url())
        self.assertEqual(response.status_code, 200)
        self.assertIn(".xlsx", response["Content-Disposition"])
        self.assertFalse(ReportDownload.objects.exists())


class EvaluationReportCommandTests(ConsensusWorld):
    def run_command(self, *args) -> None:
        with translation.override("en"):
            call_command(
                "evaluation_report", *args, stderr=io.StringIO(), stdout=io.StringIO()
            )

    def test_it_writes_the_workbook_and_records_the_download(self):
        self.open_prices()
        with tempfile.TemporaryDirectory() as folder:
            target = Path(folder) / "evaluering.xlsx"
            stderr = io.StringIO()
            with translation.override("en"):
                call_command(
                    "evaluation_report",
                    "HP-EPJ-2016",
                    "--round",
                    "1",
                    "--format",
                    "xlsx",
                    "-o",
                    str(target),
                    stderr=stderr,
                    stdout=io.StringIO(),
                )
            book = load_workbook(target)
            self.assertIn("Prices", book.sheetnames)  # the envelope is open
            self.assertEqual(list(Path(folder).iterdir()), [target])
        self.assertIn("Sheet: Individual scores", stderr.getvalue())
        download = ReportDownload.objects.get()
        self.assertEqual(
            (download.user, download.report, download.filename),
            (None, "evaluation-workbook", "evaluering.xlsx"),
        )

    def test_it_is_quiet_with_verbosity_0(self):
        with tempfile.TemporaryDirectory() as folder:
            stderr = io.StringIO()
            call_command(
                "evaluation_report",
                "HP-EPJ-2016",
                "--format",
                "xlsx",
                "-o",
                str(Path(folder) / "e.xlsx"),
                "--verbosity",
                "0",
                stderr=stderr,
            )
            self.assertEqual(stderr.getvalue(), "")
            book = load_workbook(Path(folder) / "e.xlsx")
            self.assertNotIn("Prices", book.sheetnames)  # sealed to an operator

    def test_unknown_procurement_or_round_is_a_clear_error(self):
        cases = [
            (("NOPE",), "No procurement has the reference NOPE."),
            (("HP-EPJ-2016", "--round", "7"), "HP-EPJ-2016 has no round 7."),
            (("HP-LAB-2020",), "HP-LAB-2020 has no evaluation yet."),
        ]
        with tempfile.TemporaryDirectory() as folder:
            out = str(Path(folder) / "x.xlsx")
            for args, message in cases:
                with (
                    self.subTest(args),
                    self.assertRaisesMessage(CommandError, message),
                ):
                    self.run_command(*args, "--format", "xlsx", "-o", out)
            self.assertEqual(list(Path(folder).iterdir()), [])
        self.assertFalse(ReportDownload.objects.exists())
