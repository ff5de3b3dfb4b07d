"""The evaluation report (PDF): its content read back with pypdf and compared
with the results engine, what it hides from whom, and its download view."""

from __future__ import annotations

import io
import re
from decimal import Decimal

from django.test import SimpleTestCase
from django.utils import timezone, translation
from pypdf import PdfReader
from reportlab.graphics.shapes import Drawing

from evaluation import results as engine
from evaluation.charts import sensitivity_drawing, stacked_bar_drawing
from evaluation.models import AbsoluteCheck, ConsensusScore, Evaluation
from evaluation.reports.report_pdf import write_evaluation_report_pdf
from evaluation.selectors.results import evaluation_results
from procurement.models import ReportDownload, Requirement
from tests.evaluation_tests.test_consensus_adapter import ConsensusWorld

D = Decimal
PRICE_TEXT = "80,000,000"  # Beta's price as the English report prints it
MARKUP = "Svar med <b>fet</b> tekst & <a href=x>lenke</a>"


def points(value: Decimal) -> str:
    return str(engine.display_points(value))


class ReportWorld(ConsensusWorld):
    def write(self, user=None, **kwargs) -> list[str]:
        out = io.BytesIO()
        with translation.override("en"):
            write_evaluation_report_pdf(self.evaluation, out, user=user, **kwargs)
        return [
            page.extract_text() for page in PdfReader(io.BytesIO(out.getvalue())).pages
        ]

    def release(self) -> None:
        Evaluation.objects.filter(pk=self.evaluation.pk).update(
            status=Evaluation.Status.CONSENSUS,
            consensus_opened_at=timezone.now(),
            released_at=timezone.now(),
        )
        self.reload()

    def complete(self) -> None:
        """Consensus on every item of every tender, the envelope open."""
        self.open_consensus()
        self.agree_all(vendors=("Alfa", "Beta", "Gamma", "Delta"))
        self.open_prices()


def section(pages: list[str], title: str) -> str:
    """The text from the page where ``title`` starts as a section to the
    next section heading."""
    text = "\n".join(pages).replace("\u00a0", " ")
    start = text.rindex(f"\n{title}\n")  # the heading, not its contents line
    following = re.search(r"\n(\d |Annex [A-C]: )[A-Z]", text[start + len(title) + 2 :])
    end = start + len(title) + 2 + following.start() if following else len(text)
    return text[start:end]


class ReportContentTests(ReportWorld):
    def test_ranking_totals_and_points_per_criterion_come_from_the_engine(self):
        self.complete()
        pages = self.write(self.lead)
        _data, results = evaluation_results(self.evaluation, user=self.lead)
        ranking = section(pages, "2 Ranking")
        positions = []
        for tender_id in results.ranking:
            tender = results.tender(tender_id)
            row = f"{tender.rank}\n{tender.name}\n{points(tender.total)}\n"
            self.assertIn(row, ranking)
            positions.append(ranking.index(row))
        self.assertEqual(positions, sorted(positions))
        self.assertEqual(results.tender(results.ranking[0]).name, "Beta Journal AS")
        self.assertIn(PRICE_TEXT, ranking)
        for criterion in (self.ytelse, self.risiko, self.pris):
            weight = (
                f"{engine.display_percent(results.effective_weights[criterion.pk]):.0f}"
            )
            for tender in results.tenders:
                cell = tender.criteria[criterion.pk]
                self.assertIn(
                    f"{criterion.name}\n{tender.name}\n{weight} %\n"
                    f"{points(cell.points)}\n{points(cell.weighted)}\n",
                    ranking,
                )

    def test_the_cover_carries_the_marking_and_every_page_a_number(self):
        self.complete()
        pages = self.write(self.lead)
        cover = pages[0]
        self.assertIn("Confidential until award", cover)
        self.assertIn("Evaluation report", cover)
        self.assertIn("HP-EPJ-2016 – Felles pasientjournal", cover)
        self.assertIn("Første tilbud", cover)
        self.assertNotIn("Provisional", cover)
        for number, text in enumerate(pages, start=1):
            self.assertIn(f"Page {number} of {len(pages)}", text)
            self.assertIn("Confidential until award", text)

    def test_the_marking_is_in_bokmal_for_norwegian_readers(self):
        self.complete()
        out = io.BytesIO()
        with translation.override("nb"):
            write_evaluation_report_pdf(self.evaluation, out, user=self.lead)
            expected = translation.gettext("Confidential until award")
        cover = PdfReader(io.BytesIO(out.getvalue())).pages[0].extract_text()
        self.assertIn(expected, cover)
        self.assertIn("Side 1 av", cover)

    def test_the_contents_list_each_section_with_the_page_it_starts_on(self):
        self.complete()
        pages = self.write(self.lead)
        contents = pages[1]
        self.assertIn("Contents", contents)
        for heading in (
            "1 Summary",
            "2 Ranking",
            "3 Consensus justifications",
            "4 Rejected tenders",
            "5 Sensitivity",
            "Annex A: Individual scores per criterion",
            "Annex B: Individual scores per item",
            "Annex C: Declarations of impartiality",
        ):
            match = re.search(re.escape(heading) + r"\s*\n\s*(\d+)", contents)
            self.assertIsNotNone(match, heading)
            self.assertIn(f"\n{heading}\n", pages[int(match[1]) - 1], heading)

    def test_results_are_marked_provisional_while_consensus_is_incomplete(self):
        self.open_consensus()
        self.agree("Alfa", "r1", "8")
        pages = self.write(self.lead)
        self.assertIn("Provisional", pages[0])
        self.assertIn("consensus is not complete", pages[0])
        for text in pages[1:]:
            self.assertIn("Confidential until award · Provisional", text)
        summary = section(pages, "1 Summary")
        self.assertIn("Gamma Journal AS – Ytelse: 2 items without consensus", summary)
        ranking = section(pages, "2 Ranking")
        self.assertIn(" *", ranking)

    def test_rejected_tenders_are_listed_unranked_with_their_reasons(self):
        self.complete()
        a_requirement = Requirement.objects.create(
            procurement=self.procurement,
            section=self.r1.section,
            key="FUNK-0003",
            title="Sikkerhetskopi hver natt",
            kind=Requirement.Kind.A,
        )
        AbsoluteCheck.objects.create(
            evaluation=self.evaluation,
            tender=self.tenders["Delta"],
            requirement=a_requirement,
            fulfilled=False,
            substantial_deviation=True,
            justification="Tilbyr bare ukentlig kopi",
            checked_by=self.lead,
        )
        pages = self.write(self.lead)
        ranking = section(pages, "2 Ranking")
        self.assertIn("–\nDelta Journal AS\n", ranking)
        self.assertIn("Rejected, not ranked", ranking)
        rejected = section(pages, "4 Rejected tenders")
        self.assertIn("Delta Journal AS", rejected)
        self.assertIn("Vesentlig avvik fra A-krav", rejected)
        self.assertIn("FUNK-0003 Sikkerhetskopi hver natt", rejected)
        self.assertIn("Tilbyr bare ukentlig kopi", rejected)
        self.assertNotIn("Alfa Journal AS", rejected)

    def test_justifications_print_markup_characters_literally(self):
        self.complete()
        ConsensusScore.objects.filter(
            tender=self.tenders["Alfa"], criterion=self.risiko
        ).update(justification=MARKUP)
        ConsensusScore.objects.filter(
            tender=self.tenders["Beta"], requirement=self.r1
        ).update(justification="Krav 1 & 2 <i>oppfylt</i>")
        pages = self.write(self.lead)
        justifications = section(pages, "3 Consensus justifications")
        flat = " ".join(justifications.split())
        self.assertIn(MARKUP, flat)
        self.assertIn("Krav 1 & 2 <i>oppfylt</i>", flat)
        self.assertIn("Consensus score: 7", justifications)

    def test_sensitivity_names_the_winner_and_the_smallest_shift(self):
        self.complete()
        pages = self.write(self.lead)
        data, results = evaluation_results(self.evaluation, user=self.lead)
        analysis = engine.sensitivity(data, results)
        text = section(pages, "5 Sensitivity")
        self.assertIn("Winner: Beta Journal AS.", text)
        self.assertIn(points(analysis.smallest.percentage_points), text)
        self.assertIn("Total as the weight of Ytelse changes", text)

    def test_annexes_hold_individual_scores_with_flags_and_the_declarations(self):
        self.complete()
        pages = self.write(self.lead)
        annex_a = section(pages, "Annex A: Individual scores per criterion")
        # evaluator2 on Ytelse for Beta: (2·3 + 1·8)/3 = 4.67.
        self.assertIn("evaluator2", annex_a)
        self.assertIn("4.67", annex_a)
        annex_b = section(pages, "Annex B: Individual scores per item")
        # Beta's r1: 6 and 3, a spread of 0.30 reaches the threshold.
        self.assertIn("evaluator: 6", annex_b)
        self.assertIn("evaluator2: 3", annex_b)
        self.assertIn("0.30\nflagged", annex_b)
        annex_c = section(pages, "Annex C: Declarations of impartiality")
        self.assertIn("evaluator2", annex_c)
        self.assertIn("None declared", annex_c)

    def test_individual_scores_stay_out_while_scoring_is_blind(self):
        pages = self.write(self.lead)
        for title in (
            "Annex A: Individual scores per criterion",
            "Annex B: Individual scores per item",
        ):
            text = section(pages, title)
            self.assertIn("Scoring is still blind", text)
            self.assertNotIn("evaluator2", text)

    def test_sealed_prices_are_left_out_for_readers_who_may_not_see_them(self):
        self.release()
        self.agree_all(vendors=("Alfa", "Beta", "Gamma", "Delta"))
        for reader in (self.manager, None):
            text = "\n".join(self.write(reader))
            self.assertNotIn(PRICE_TEXT, text, reader)
            self.assertNotIn("100,000,000", text, reader)
            self.assertIn("sealed", text, reader)
            self.assertIn("The sensitivity analysis is shown once the price", text)
        self.assertIn(PRICE_TEXT, "\n".join(self.write(self.lead)))
        self.open_prices()
        self.assertIn(PRICE_TEXT, "\n".join(self.write(None)))
        self.assertIn(PRICE_TEXT, "\n".join(self.write(self.manager)))

    def test_progress_is_told_each_section(self):
        self.complete()
        said: list[str] = []
        self.write(self.lead, progress=said.append)
        self.assertIn("1 Summary", said)
        self.assertIn("Annex C: Declarations of impartiality", said)

    def test_it_writes_to_a_path(self):
        self.complete()
        import tempfile
        from pathlib import Path

        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "rapport.pdf"
            with translation.override("en"):
                write_evaluation_report_pdf(self.evaluation, path, user=self.lead)
            self.assertIn("Evaluation report", PdfReader(path).pages[0].extract_text())


class ReportDownloadTests(ReportWorld):
    def url(self) -> str:
        return (
            f"/procurements/{self.procurement.pk}/evaluations/"
            f"{self.evaluation.pk}/reports/report.pdf"
        )

    def test_outsiders_get_404_and_evaluators_and_staff_403(self):
        self.release()
        self.login(self.outsider)
        self.assertEqual(self.client.get(self.url()).status_code, 404)
        self.login(self.foreign_lead)
        self.assertEqual(self.client.get(self.url()).status_code, 404)
        for person in (self.evaluator, self.staff):
            self.login(person)
            self.assertEqual(self.client.get(self.url()).status_code, 403)
        self.assertFalse(ReportDownload.objects.exists())

    def test_management_gets_403_before_release_and_the_report_after(self):
        self.login(self.manager)
        self.assertEqual(self.client.get(self.url()).status_code, 403)
        self.release()
        response = self.client.get(self.url())
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/pdf")
        self.assertIn(
            'filename="kravspor-HP-EPJ-2016-runde-1-evalueringsrapport.pdf"',
            response["Content-Disposition"],
        )
        data = b"".join(response.streaming_content)
        text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
        self.assertIn("Beta Journal AS", text)
        self.assertNotIn("80\u00a0000\u00a0000", text)

    def test_the_lead_downloads_it_and_the_download_is_recorded(self):
        self.login(self.lead)
        response = self.client.get(self.url())
        self.assertEqual(response.status_code, 200)
        self.assertTrue(b"".join(response.streaming_content).startswith(b"%PDF"))
        download = ReportDownload.objects.get()
        self.assertEqual(download.report, "evaluation-report")
        self.assertEqual(download.user, self.lead)
        self.assertEqual(download.procurement, self.procurement)
        self.assertEqual(
            download.filename, "kravspor-HP-EPJ-2016-runde-1-evalueringsrapport.pdf"
        )

    def test_head_builds_nothing_and_post_is_refused(self):
        self.login(self.lead)
        self.assertEqual(self.client.head(self.url()).status_code, 200)
        self.assertFalse(ReportDownload.objects.exists())
        self.assertEqual(self.client.post(self.url()).status_code, 405)

    def test_the_results_page_links_the_report_for_those_who_may_download_it(self):
        results = (
            f"/procurements/{self.procurement.pk}/evaluations/"
            f"{self.evaluation.pk}/results/"
        )
        self.login(self.lead)
        self.assertContains(self.client.get(results), f'href="{self.url()}"')
        Evaluation.objects.filter(pk=self.evaluation.pk).update(
            status=Evaluation.Status.LOCKED, locked_at=timezone.now()
        )
        self.login(self.evaluator)
        response = self.client.get(results)
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, self.url())


class ChartDrawingTests(SimpleTestCase):
    def test_the_stacked_bars_are_a_drawing_of_the_width_asked_for(self):
        drawing = stacked_bar_drawing(
            [
                ("Alfa <b>&", [("Ytelse", 3.5), ("Pris", -1.0)]),
                ("Beta", [("Ytelse", 1.0), ("Pris", 3.0)]),
            ],
            width=400,
        )
        self.assertIsInstance(drawing, Drawing)
        self.assertAlmostEqual(drawing.width, 400)
        texts = [
            shape.text
            for shape in drawing.contents[0].contents
            if hasattr(shape, "text")
        ]
        self.assertIn("Alfa <b>&", texts)
        self.assertIn("2.5", texts)  # the negative price counts in the sum

    def test_the_sensitivity_lines_are_a_drawing(self):
        drawing = sensitivity_drawing(
            [0.1, 0.2, 0.3], {"A": [1, 2, 3], "B": [3, 2, 1]}, current=0.2, width=300
        )
        self.assertAlmostEqual(drawing.width, 300)
