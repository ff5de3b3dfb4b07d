"""Award letters: what each vendor's letter says (checked against the results
engine in the PDF itself), when letters are refused, who may download them,
that downloads are recorded, and the ``award_letters`` command."""

from __future__ import annotations

import dataclasses
import datetime
import io
import re
import tempfile
import zipfile
from decimal import Decimal
from io import StringIO
from pathlib import Path
from types import SimpleNamespace

from django.core.management import CommandError, call_command
from django.test import SimpleTestCase
from django.utils import formats, translation
from pypdf import PdfReader

from evaluation import results as engine
from evaluation.models import Evaluation
from evaluation.reports.award_letters import (
    AwardLetterSet,
    AwardLettersRefused,
    LetterKind,
    Rejection,
    build_award_letters,
    compare_items,
    letter_filename,
    letter_refusals,
    standstill_end,
    write_award_letter_pdf,
)
from evaluation.selectors.results import evaluation_results
from evaluation.services import consensus as services
from procurement.models import ReportDownload
from tests.evaluation_tests.test_consensus_adapter import SCORES, ConsensusWorld

D = Decimal
MARKUP = "Best på <b>journalnotat</b> & <a href=x>lenke</a>"
DEVIATION = "Mangler <b>logg</b> & sporbarhet"
LETTER_DATE = datetime.date(2019, 1, 7)


def pdf_text(data: bytes) -> str:
    """The PDF's text with runs of white space made single spaces."""
    reader = PdfReader(io.BytesIO(data))
    text = " ".join(page.extract_text() for page in reader.pages)
    return re.sub(r"\s+", " ", text.replace("\xa0", " "))


def points(value: Decimal) -> str:
    return formats.number_format(engine.display_points(value), 2)


# The pure part ------------------------------------------------------------------

Q, P = "quality", "price"
R1, R2 = engine.req_item(1), engine.req_item(2)


def world(*, consensus=None, award_model="points", tie=False):
    criteria = [
        engine.Criterion(Q, "Kvalitet", D("0.6"), requirement_weights={1: 2, 2: 1}),
        engine.Criterion(
            P, "Pris", D("0.4"), kind="price", method="price", price_model="linear"
        ),
    ]
    tenders = [
        engine.Tender("A", "Alfa AS", evaluated_price=D(100)),
        engine.Tender("B", "Beta AS", evaluated_price=D(100 if tie else 90)),
        engine.Tender("C", "Cesium AS", rejected=True, evaluated_price=D(50)),
    ]
    if consensus is None:
        consensus = {
            ("A", R1): D(9),
            ("A", R2): D(4),
            ("B", R1): D(6),
            ("B", R2): D(8),
            ("C", R1): D(10),
            ("C", R2): D(10),
        }
        if tie:
            consensus[("B", R1)], consensus[("B", R2)] = D(9), D(4)
    data = engine.EvaluationData(
        criteria=criteria,
        tenders=tenders,
        consensus=consensus,
        award_model=award_model,
    )
    return data, engine.compute_results(data)


JUSTIFICATIONS = {
    ("A", R1): "A har full <b>legemiddelliste</b>",
    ("A", R2): "A mangler maler",
    ("B", R1): "B har delvis liste",
    ("B", R2): "B har gode maler",
}
LABELS = {R1: "FUNK-0001 Legemiddelliste", R2: "FUNK-0002 Journalnotat"}


def letters(data, results, **kwargs):
    return build_award_letters(
        data,
        results,
        justifications=JUSTIFICATIONS,
        item_labels=LABELS,
        rejections={"C": Rejection(reason="Vesentlig avvik")},
        letter_date=LETTER_DATE,
        standstill_days=10,
        **kwargs,
    )


class PureLetterTests(SimpleTestCase):
    def test_the_winner_gets_an_award_letter_and_the_others_a_rejection(self):
        data, results = world()
        found = {x.tender_id: x for x in letters(data, results)}
        # A: 0.6·(22/3) + 0.4·10·(1 − 10/90) = 4.4 + 3.56 = 7.96;
        # B: 0.6·(20/3) + 0.4·10 = 8: B wins.
        self.assertEqual(results.winner, "B")
        self.assertEqual(found["B"].kind, LetterKind.AWARD)
        self.assertEqual(found["A"].kind, LetterKind.REJECTION)
        self.assertEqual(found["C"].kind, LetterKind.EXCLUDED)
        for letter in found.values():
            self.assertEqual(letter.winner, "Beta AS")
            self.assertEqual(letter.winner_total, results.tender("B").total)
            self.assertEqual(letter.standstill_end, datetime.date(2019, 1, 17))
        alfa = found["A"]
        self.assertEqual((alfa.rank, alfa.ranked_count), (2, 2))
        self.assertEqual(alfa.own_total, results.tender("A").total)
        for line in alfa.lines:
            self.assertEqual(
                line.own_points, results.tender("A").criteria[line.criterion_id].points
            )
            self.assertEqual(
                line.winner_points,
                results.tender("B").criteria[line.criterion_id].points,
            )

    def test_reasons_are_the_winners_strengths_and_weaknesses_from_consensus(self):
        data, results = world()
        alfa = next(x for x in letters(data, results) if x.tender_id == "A")
        (quality,) = alfa.reasons
        self.assertEqual(quality.name, "Kvalitet")
        self.assertEqual(
            [(r.label, r.winner_score, r.other_score) for r in quality.stronger],
            [("FUNK-0002 Journalnotat", D(8), D(4))],
        )
        self.assertEqual(quality.stronger[0].winner_justification, "B har gode maler")
        self.assertEqual(quality.stronger[0].other_justification, "A mangler maler")
        self.assertEqual(
            [(r.label, r.winner_justification) for r in quality.weaker],
            [("FUNK-0001 Legemiddelliste", "B har delvis liste")],
        )

    def test_only_the_heaviest_differences_are_listed_and_the_rest_counted(self):
        criterion = engine.Criterion(
            Q, "Kvalitet", D(1), requirement_weights={1: 1, 2: 1, 3: 1, 4: 2}
        )
        consensus = {("W", engine.req_item(r)): D(9) for r in (1, 2, 3, 4)}
        consensus |= {
            ("O", engine.req_item(r)): D(v) for r, v in ((1, 8), (2, 5), (3, 6), (4, 7))
        }
        data = engine.EvaluationData(
            criteria=[criterion],
            tenders=[engine.Tender("W", "W"), engine.Tender("O", "O")],
            consensus=consensus,
        )
        (found,) = compare_items(
            data, "W", "O", justifications={}, item_labels={}, limit=2
        )
        # Differences × weights: req 2: 4, req 4: 2·2 = 4, req 3: 3, req 1: 1.
        self.assertEqual([r.label for r in found.stronger], ["req:2", "req:4"])
        self.assertEqual((found.stronger_left_out, found.weaker_left_out), (2, 0))

    def test_the_winners_letter_compares_with_the_tender_ranked_second(self):
        data, results = world()
        beta = next(x for x in letters(data, results) if x.tender_id == "B")
        self.assertTrue(beta.compared_with_runner_up)
        (quality,) = beta.reasons
        self.assertEqual([r.other_score for r in quality.stronger], [D(4)])

    def test_a_rejected_tender_gets_its_reason_and_no_points_of_its_own(self):
        data, results = world()
        cesium = next(x for x in letters(data, results) if x.tender_id == "C")
        self.assertEqual(cesium.rejection, Rejection(reason="Vesentlig avvik"))
        self.assertIsNone(cesium.rank)
        self.assertIsNone(cesium.own_total)
        self.assertTrue(all(line.own_points is None for line in cesium.lines))
        self.assertEqual(cesium.reasons, ())

    def test_money_model_letters_carry_the_evaluated_prices(self):
        data, results = world(award_model="money")
        for letter in letters(data, results):
            self.assertEqual(
                letter.winner_money, results.tender(results.winner).money_value
            )
            if letter.kind is not LetterKind.EXCLUDED:
                self.assertEqual(
                    letter.own_money, results.tender(letter.tender_id).money_value
                )

    def test_only_the_letters_asked_for_are_built(self):
        data, results = world()
        self.assertEqual(
            [x.tender_id for x in letters(data, results, tender_ids=["A"])], ["A"]
        )

    def test_refusals_say_why(self):
        data, results = world()
        with translation.override("en"):
            self.assertEqual(letter_refusals(locked=True, results=results), [])
            (problem,) = letter_refusals(locked=False, results=results)
            self.assertIn("not locked", problem)
            _data, tied = world(tie=True)
            problems = letter_refusals(locked=True, results=tied)
            self.assertEqual(len(problems), 1)
            self.assertIn("no single winner", problems[0])
            self.assertIn("Alfa AS, Beta AS", problems[0])
            consensus = dict(data.consensus)
            del consensus[("A", R2)]
            _data, provisional = world(consensus=consensus)
            (problem,) = letter_refusals(locked=True, results=provisional)
            self.assertIn("provisional for Alfa AS", problem)
        with self.assertRaises(ValueError):
            letters(*world(tie=True))

    def test_a_rejected_tenders_provisional_points_do_not_stop_the_letters(self):
        data, _results = world()
        consensus = {k: v for k, v in data.consensus.items() if k[0] != "C"}
        _data, results = world(consensus=consensus)
        self.assertTrue(results.tender("C").provisional)
        self.assertFalse(results.provisional)
        self.assertEqual(letter_refusals(locked=True, results=results), [])

    def test_the_standstill_period_counts_calendar_days(self):
        self.assertEqual(
            standstill_end(datetime.date(2019, 12, 27), 10), datetime.date(2020, 1, 6)
        )

    def test_file_names_say_which_letter_and_which_vendor(self):
        data, results = world()
        found = {x.tender_id: x for x in letters(data, results)}
        with translation.override("en"):
            self.assertEqual(
                letter_filename("HP-EPJ-2016", 1, found["B"]),
                "hp-epj-2016-1-award-letter-beta-as.pdf",
            )
            self.assertEqual(
                letter_filename("HP-EPJ-2016", 1, found["C"]),
                "hp-epj-2016-1-rejection-cesium-as.pdf",
            )

    def test_every_letter_of_a_set_gets_its_own_file_name(self):
        # Two vendors named alike, and a third whose name is the first with
        # the second's tender id added: no two files share a name.
        data, results = world()
        base = letters(data, results)[0]
        letter_set = AwardLetterSet(
            evaluation=SimpleNamespace(
                procurement=SimpleNamespace(reference="HP-1"),
                round=SimpleNamespace(number=2),
            ),
            letter_date=LETTER_DATE,
            standstill_end=LETTER_DATE,
            vendors=[],
            letters=[
                dataclasses.replace(base, tender_id=8, vendor="Beta AS 9"),
                dataclasses.replace(base, tender_id=7, vendor="Beta AS"),
                dataclasses.replace(base, tender_id=9, vendor="Beta, AS"),
                dataclasses.replace(base, tender_id=10, vendor="!"),
            ],
        )
        with translation.override("en"):
            names = letter_set.filenames()
        kind = "award-letter" if base.kind is LetterKind.AWARD else "rejection"
        self.assertEqual(
            names,
            {
                8: f"hp-1-2-{kind}-beta-as-9.pdf",
                7: f"hp-1-2-{kind}-beta-as.pdf",
                9: f"hp-1-2-{kind}-beta-as-9-2.pdf",
                10: f"hp-1-2-{kind}-tender-10.pdf",
            },
        )


# With the database ---------------------------------------------------------------


def finish(world, *, lock=True):
    """Consensus, the deviation, the envelope, the release and (with
    ``lock``) the lock, on a ConsensusWorld class or test."""
    services.consensus_open(evaluation=world.evaluation, by=world.lead)
    world.evaluation.refresh_from_db()
    for vendor in ("Alfa", "Beta", "Gamma"):
        for item, value in SCORES["evaluator"][vendor].items():
            services.consensus_score_set(
                evaluation=world.evaluation,
                tender=world.tenders[vendor],
                value=D(value),
                justification=MARKUP
                if (vendor, item) == ("Beta", "r2")
                else f"{vendor} {item}: panelet er enig",
                expected_version=0,
                by=world.lead,
                **world.item_kwargs(item),
            )
    world.substantial_deviation("Delta", DEVIATION, by=world.lead)
    services.quality_lock(evaluation=world.evaluation, by=world.lead)
    services.prices_open(evaluation=world.evaluation, by=world.lead)
    services.results_release(evaluation=world.evaluation, by=world.lead)
    if lock:
        services.evaluation_lock(evaluation=world.evaluation, by=world.lead)


class LockedWorld(ConsensusWorld):
    """ConsensusWorld taken to the end: consensus equal to the first
    evaluator's scores (Beta's notes justified with markup), Delta rejected
    for a substantial deviation, envelope opened, results released, locked.
    Totals: Beta 7.50, Alfa 7.32, Gamma 4.70 — Beta wins."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        finish(cls)

    def url(self, suffix: str = "") -> str:
        return (
            f"/procurements/{self.procurement.pk}/evaluations/{self.evaluation.pk}"
            f"/reports/award-letters{suffix}"
        )

    def letter(self, vendor: str) -> str:
        out = io.BytesIO()
        with translation.override("en"):
            write_award_letter_pdf(
                self.reload(), self.tenders[vendor], out, letter_date=LETTER_DATE
            )
            return pdf_text(out.getvalue())


class LetterContentTests(LockedWorld):
    def test_each_letter_shows_the_decision_points_and_standstill_end(self):
        evaluation = self.reload()
        data, results = evaluation_results(evaluation)
        self.assertEqual(results.tender(results.winner).name, "Beta Journal AS")
        winner = results.tender(results.winner)
        names = {c.id: c.name for c in data.criteria}
        with translation.override("en"):
            end = formats.date_format(datetime.date(2019, 1, 17), "DATE_FORMAT")
        for vendor in ("Alfa", "Beta", "Gamma"):
            with self.subTest(vendor):
                text = self.letter(vendor)
                own = results.tender(self.tenders[vendor].pk)
                if vendor == "Beta":
                    self.assertIn("Award letter: Beta Journal AS", text)
                    self.assertIn("award the contract in HP-EPJ-2016", text)
                    self.assertIn("ranked first of 3 ranked tenders", text)
                else:
                    self.assertIn(f"Rejection letter: {vendor} Journal AS", text)
                    self.assertIn(f"ranked {own.rank} of 3 ranked tenders", text)
                self.assertIn("The winner: Beta Journal AS.", text)
                self.assertIn(f"ends on {end}, 10 days after", text)
                with translation.override("en"):
                    for leaf in results.leaf_ids:
                        mine = own.criteria[leaf]
                        theirs = winner.criteria[leaf]
                        cells = (
                            [points(theirs.points), points(theirs.weighted)]
                            if vendor == "Beta"
                            else [
                                points(mine.points),
                                points(mine.weighted),
                                points(theirs.points),
                                points(theirs.weighted),
                            ]
                        )
                        self.assertIn(f"{names[leaf]} (0–10) ", text)
                        self.assertIn(" ".join(cells), text)
                    self.assertIn(f"Total {points(own.total)}", text)
                    self.assertIn(points(winner.total), text)
                self.assertIn("Evaluated price (NOK)", text)
                self.assertIn("80,000,000", text)  # the winner's price

    def test_reasons_print_the_winners_justification_literally(self):
        text = self.letter("Alfa")
        self.assertIn("Where the winner's tender scored higher", text)
        # Journalnotat: Beta 9, Alfa 6, with the panel's words on Beta's 9.
        self.assertIn(f"FUNK-0002 Journalnotat 9.00 6.00 {MARKUP}", text)
        self.assertIn("Where the winner's tender scored lower", text)
        self.assertIn("FUNK-0001 Legemiddelliste 6.00 8.00", text)
        self.assertIn("Risiko 5.00 7.00", text)

    def test_a_rejected_tender_is_told_why(self):
        text = self.letter("Delta")
        self.assertIn("Rejection letter: Delta Journal AS", text)
        self.assertIn("Your tender was rejected", text)
        self.assertIn("Vesentlig avvik fra A-krav", text)
        self.assertIn(f"FUNK-0002 Journalnotat {DEVIATION}", text)
        self.assertNotIn("ranked 4", text)

    def test_a_withdrawn_tender_gets_no_letter(self):
        with self.assertRaises(LookupError):
            write_award_letter_pdf(self.reload(), self.tenders["Epsilon"], io.BytesIO())


class MoneyLetterTests(LockedWorld):
    """The same world with quality priced in money: the lowest E wins."""

    @classmethod
    def setUpTestData(cls):
        ConsensusWorld.setUpTestData.__func__(cls)
        Evaluation.objects.filter(pk=cls.evaluation.pk).update(
            award_model=Evaluation.AwardModel.MONEY
        )
        cls.evaluation.refresh_from_db()
        finish(cls)

    def test_letters_show_the_evaluated_prices_that_decide(self):
        _data, results = evaluation_results(self.reload())
        winner = results.tender(results.winner)
        for vendor in ("Alfa", "Beta", "Gamma"):
            with self.subTest(vendor):
                text = self.letter(vendor)
                own = results.tender(self.tenders[vendor].pk)
                self.assertIn("quality priced in money", text)
                self.assertNotIn(" Total ", text)
                with translation.override("en"):
                    money = [
                        formats.number_format(
                            engine.display_price(t.money_value), 0, force_grouping=True
                        )
                        for t in ((winner,) if own is winner else (own, winner))
                    ]
                self.assertIn(f"Evaluated price E (NOK) {' '.join(money)}", text)
                self.assertIn(f"The winner: {winner.name}.", text)


class LetterPageTests(LockedWorld):
    def test_management_downloads_a_letter_and_it_is_recorded(self):
        self.login(self.manager)
        beta = self.tenders["Beta"]
        response = self.client.get(self.url(f"/{beta.pk}.pdf"))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/pdf")
        data = b"".join(response.streaming_content)
        self.assertIn("Beta Journal AS", pdf_text(data))
        download = ReportDownload.objects.get()
        self.assertEqual(
            (download.user, download.report, download.label, download.procurement),
            (self.manager, "award-letter", "Beta Journal AS", self.procurement),
        )
        self.assertTrue(download.filename.endswith("-beta-journal-as.pdf"))

    def test_the_page_lists_a_letter_per_vendor(self):
        self.login(self.lead)
        response = self.client.get(self.url("/"))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'id="award-winner">Beta Journal AS<')
        for vendor in ("Alfa", "Beta", "Gamma", "Delta"):
            self.assertContains(response, self.url(f"/{self.tenders[vendor].pk}.pdf"))
        self.assertNotContains(response, self.url(f"/{self.tenders['Epsilon'].pk}.pdf"))
        self.assertContains(response, self.url(".zip"))
        self.assertFalse(ReportDownload.objects.exists())

    def test_the_zip_holds_every_letter(self):
        self.login(self.manager)
        response = self.client.get(self.url(".zip"))
        self.assertEqual(response.status_code, 200)
        archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
        names = archive.namelist()
        self.assertEqual(len(names), 4)
        for name in names:
            text = pdf_text(archive.read(name))
            self.assertIn("Beta Journal AS", text)
        (download,) = ReportDownload.objects.all()
        self.assertEqual(download.report, "award-letters-zip")

    def test_strangers_get_404_and_evaluators_403(self):
        pdf = self.url(f"/{self.tenders['Alfa'].pk}.pdf")
        for suffix in ("/", ".zip"):
            self.login(self.outsider)
            self.assertEqual(self.client.get(self.url(suffix)).status_code, 404)
            self.login(self.evaluator)
            self.assertEqual(self.client.get(self.url(suffix)).status_code, 403)
            self.login(self.staff)
            self.assertEqual(self.client.get(self.url(suffix)).status_code, 403)
        for person, status in ((self.outsider, 404), (self.evaluator, 403)):
            self.login(person)
            self.assertEqual(self.client.get(pdf).status_code, status)
        self.login(self.manager)
        self.assertEqual(self.client.post(self.url("/")).status_code, 405)
        self.assertFalse(ReportDownload.objects.exists())

    def test_a_tender_of_another_round_is_not_found(self):
        self.login(self.lead)
        self.assertEqual(self.client.get(self.url("/999999.pdf")).status_code, 404)

    def test_the_results_page_links_the_letters_for_those_who_may_download(self):
        results = (
            f"/procurements/{self.procurement.pk}/evaluations/"
            f"{self.evaluation.pk}/results/"
        )
        self.login(self.manager)
        self.assertContains(self.client.get(results), self.url("/"))
        self.login(self.evaluator)
        self.assertNotContains(self.client.get(results), self.url("/"))


class UnlockedLetterTests(ConsensusWorld):
    def url(self, suffix: str = "") -> str:
        return (
            f"/procurements/{self.procurement.pk}/evaluations/{self.evaluation.pk}"
            f"/reports/award-letters{suffix}"
        )

    def test_management_is_refused_before_release(self):
        self.login(self.manager)
        for suffix in ("/", ".zip", f"/{self.tenders['Alfa'].pk}.pdf"):
            self.assertEqual(self.client.get(self.url(suffix)).status_code, 403)

    def test_letters_are_refused_until_the_lock_and_say_why(self):
        finish(self, lock=False)
        self.assertEqual(self.reload().status, Evaluation.Status.CONSENSUS)
        with (
            translation.override("en"),
            self.assertRaises(AwardLettersRefused) as caught,
        ):
            write_award_letter_pdf(self.evaluation, self.tenders["Beta"], io.BytesIO())
        self.assertIn("not locked", " ".join(caught.exception.messages))
        self.login(self.manager)  # released: management may look
        response = self.client.get(self.url("/"))
        self.assertContains(response, 'id="award-letters-refused"')
        self.assertContains(response, "Evalueringen er ikke låst.")
        self.assertNotContains(response, ".pdf")
        for suffix in (".zip", f"/{self.tenders['Beta'].pk}.pdf"):
            response = self.client.get(self.url(suffix))
            self.assertContains(response, 'id="award-letters-refused"', status_code=409)
        self.assertFalse(ReportDownload.objects.exists())


class CommandTests(LockedWorld):
    def test_it_writes_one_letter_per_vendor(self):
        with tempfile.TemporaryDirectory() as folder:
            err = StringIO()
            with translation.override("en"):
                call_command(
                    "award_letters",
                    "HP-EPJ-2016",
                    "--round",
                    "1",
                    "-o",
                    f"{folder}/letters",
                    "--date",
                    "2019-01-07",
                    stdout=StringIO(),
                    stderr=err,
                )
            files = sorted(Path(folder, "letters").iterdir())
            self.assertEqual(len(files), 4)
            texts = {f.name: pdf_text(f.read_bytes()) for f in files}
        winner = [n for n in texts if "award-letter" in n or "tildelingsbrev" in n]
        self.assertEqual(len(winner), 1)
        self.assertIn("beta-journal-as", winner[0])
        self.assertIn("[1/4]", err.getvalue())
        self.assertIn("[4/4]", err.getvalue())
        self.assertEqual(
            sorted(
                ReportDownload.objects.filter(user=None).values_list("report", "label")
            ),
            [
                ("award-letter", f"{v} Journal AS")
                for v in ("Alfa", "Beta", "Delta", "Gamma")
            ],
        )

    def test_it_is_quiet_at_verbosity_0(self):
        with tempfile.TemporaryDirectory() as folder:
            out, err = StringIO(), StringIO()
            call_command(
                "award_letters",
                "HP-EPJ-2016",
                "-o",
                folder,
                verbosity=0,
                stdout=out,
                stderr=err,
            )
            self.assertEqual(len(list(Path(folder).iterdir())), 4)
        self.assertEqual((out.getvalue(), err.getvalue()), ("", ""))

    def test_it_refuses_unknown_references_rounds_and_dates(self):
        with translation.override("en"), tempfile.TemporaryDirectory() as folder:
            for args, message in (
                (["NOPE"], "No procurement has the reference NOPE."),
                (["HP-EPJ-2016", "--round", "7"], "HP-EPJ-2016 has no round 7."),
                (["HP-EPJ-2016", "--date", "7.1.2019"], "is not a date"),
            ):
                with (
                    self.subTest(args),
                    self.assertRaisesMessage(CommandError, message),
                ):
                    call_command("award_letters", *args, "-o", folder, verbosity=0)
            self.assertEqual(list(Path(folder).iterdir()), [])


class UnlockedCommandTests(ConsensusWorld):
    def test_it_refuses_an_unlocked_evaluation(self):
        with translation.override("en"), tempfile.TemporaryDirectory() as folder:
            with self.assertRaisesMessage(CommandError, "not locked"):
                call_command("award_letters", "HP-EPJ-2016", "-o", folder, verbosity=0)
            self.assertEqual(list(Path(folder).iterdir()), [])
