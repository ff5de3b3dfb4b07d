"""Consensus pages: who sees the side-by-side scores, the lead's consensus
form with its version check, and the lead's step buttons."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings

from evaluation.models import ConsensusScore, Criterion, Evaluation, Score
from procurement.models import Event
from tests.evaluation_tests.test_consensus_adapter import ConsensusWorld

D = Decimal


class ConsensusPageTests(ConsensusWorld):
    def url(self, suffix: str = "") -> str:
        return (
            f"/procurements/{self.procurement.pk}/evaluations/"
            f"{self.evaluation.pk}/consensus/{suffix}"
        )

    def sheet(self, criterion=None, vendor="Beta") -> str:
        criterion = criterion or self.ytelse
        return self.url(f"{criterion.pk}/tenders/{self.tenders[vendor].pk}/")

    def test_outsiders_get_404(self):
        self.login(self.outsider)
        for url in (self.url(), self.sheet()):
            self.assertEqual(self.client.get(url).status_code, 404, url)
        self.assertEqual(self.client.post(self.url("open/")).status_code, 404)
        self.login(self.foreign_lead)
        self.assertEqual(self.client.get(self.url()).status_code, 404)

    def test_before_consensus_nobody_sees_others_scores(self):
        # Evaluator2's justifications are unique text; nobody else may read it.
        for person in (self.evaluator, self.staff, self.manager):
            self.login(person)
            self.assertEqual(self.client.get(self.url()).status_code, 403)
            self.assertEqual(self.client.get(self.sheet()).status_code, 403)
        self.login(self.lead)
        response = self.client.get(self.url())
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'id="consensus-open-form"')
        self.assertContains(response, '<dd id="score-count">24</dd>', html=True)
        self.assertNotContains(response, "Vurdering av")
        self.assertNotContains(response, 'id="consensus-sheet"')
        self.assertEqual(self.client.get(self.sheet()).status_code, 403)

    def test_the_lead_opens_consensus_from_the_page(self):
        self.login(self.lead)
        response = self.client.post(self.url("open/"))
        self.assertRedirects(response, self.url(), fetch_redirect_response=False)
        self.assertEqual(self.reload().status, Evaluation.Status.CONSENSUS)
        self.assertTrue(Event.objects.filter(action="evaluation.consensus_opened"))

    def test_opening_with_nothing_scored_says_why(self):
        Score.objects.all().delete()
        self.login(self.lead)
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        response = self.client.post(self.url("open/"), follow=True)
        self.assertContains(response, "Nobody has scored anything yet.")
        self.assertEqual(self.reload().status, Evaluation.Status.SCORING)

    def test_only_the_lead_opens_consensus_and_only_by_post(self):
        self.login(self.evaluator)
        self.assertEqual(self.client.post(self.url("open/")).status_code, 403)
        self.login(self.lead)
        self.assertEqual(self.client.get(self.url("open/")).status_code, 405)
        self.assertEqual(self.reload().status, Evaluation.Status.SCORING)

    def test_after_opening_the_lead_sees_all_scores_side_by_side(self):
        self.open_consensus()
        self.login(self.lead)
        response = self.client.get(self.url())
        self.assertContains(response, 'id="consensus-overview"')
        self.assertContains(response, 'class="number kendall-w"')
        response = self.client.get(self.sheet())
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            [p.username for p in response.context["panel"]], ["evaluator", "evaluator2"]
        )
        row = response.context["rows"][0]
        self.assertEqual([s.value for s in row["scores"]], [D("6"), D("3")])
        # Beta's FUNK-0001: 6 and 3 on a 0–10 scale, spread 0.3 = threshold.
        self.assertTrue(row["spread"].flagged)
        self.assertContains(response, "spread-flagged")
        self.assertContains(response, 'class="form consensus-form"', count=2)

    def test_the_panel_reads_the_side_by_side_but_cannot_set_consensus(self):
        self.open_consensus()
        self.login(self.evaluator2)
        response = self.client.get(self.sheet())
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'id="read-only-note"')
        self.assertNotContains(response, "consensus-form")
        response = self.client.post(
            self.sheet() + f"set/?requirement={self.r1.pk}",
            {"value": "5", "justification": "Enig", "version": "0"},
        )
        self.assertEqual(response.status_code, 403)
        self.assertFalse(ConsensusScore.objects.exists())
        # The overview offers no way to results the panel may not open yet.
        results = f"/evaluations/{self.evaluation.pk}/results/"
        response = self.client.get(self.url())
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, results)
        self.login(self.lead)
        self.assertContains(self.client.get(self.url()), results)

    def test_staff_and_management_never_see_individual_scores(self):
        self.open_consensus()
        for person in (self.staff, self.manager):
            self.login(person)
            self.assertEqual(self.client.get(self.url()).status_code, 403)
            self.assertEqual(self.client.get(self.sheet()).status_code, 403)

    def test_a_conflicted_evaluator_never_sees_that_vendor(self):
        self.open_consensus()
        declaration = self.evaluator2.declarations.get()
        declaration.conflicts.add(self.vendors["Beta"])
        self.login(self.evaluator2)
        self.assertEqual(self.client.get(self.sheet(vendor="Beta")).status_code, 403)
        self.assertEqual(self.client.get(self.sheet(vendor="Alfa")).status_code, 200)
        overview = self.client.get(self.url())
        self.assertEqual(overview.status_code, 200)
        self.assertNotContains(overview, "Beta Journal AS")
        self.assertContains(overview, "Alfa Journal AS")
        self.login(self.evaluator)
        self.assertContains(self.client.get(self.url()), "Beta Journal AS")

    def test_the_lead_sets_a_consensus_score(self):
        self.open_consensus()
        self.login(self.lead)
        response = self.client.post(
            self.sheet() + f"set/?requirement={self.r1.pk}",
            {"value": "5", "justification": "Panelet ble enige om 5.", "version": "0"},
        )
        self.assertEqual(response.status_code, 302)
        self.assertIn(f"#item-req-{self.r1.pk}", response["Location"])
        score = ConsensusScore.objects.get()
        self.assertEqual(
            (score.value, score.requirement, score.decided_by),
            (D("5"), self.r1, self.lead),
        )
        self.assertEqual(Score.objects.filter(value=D("3")).count(), 2)
        response = self.client.post(
            self.sheet(self.risiko) + "set/",
            {"value": "6", "justification": "Moderat risiko.", "version": "0"},
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(ConsensusScore.objects.get(criterion=self.risiko).value, 6)

    def test_a_version_conflict_shows_both_values_and_saves_nothing(self):
        self.open_consensus()
        self.agree("Beta", "r1", "7")
        self.login(self.lead)
        response = self.client.post(
            self.sheet() + f"set/?requirement={self.r1.pk}",
            {"value": "4", "justification": "Min vurdering er 4.", "version": "0"},
        )
        self.assertEqual(response.status_code, 409)
        self.assertContains(response, "consensus-conflict", status_code=409)
        self.assertContains(response, "Panelet er enig", status_code=409)
        self.assertContains(response, "Min vurdering er 4.", status_code=409)
        self.assertEqual(ConsensusScore.objects.get().value, D("7"))
        # The form now carries the stored version, so saving again is deliberate.
        row = response.context["rows"][0]
        self.assertEqual(row["form"].initial["version"], 1)

    def test_bad_input_names_the_field_and_saves_nothing(self):
        self.open_consensus()
        self.login(self.lead)
        cases = [
            ({"value": "11", "justification": "Bra", "version": "0"}, "value"),
            ({"value": "x", "justification": "Bra", "version": "0"}, "value"),
            ({"value": "5", "justification": " ", "version": "0"}, "justification"),
            (
                {"value": "5", "justification": "Ring 41234567", "version": "0"},
                "justification",
            ),
        ]
        for data, field in cases:
            with self.subTest(data=data):
                response = self.client.post(
                    self.sheet() + f"set/?requirement={self.r1.pk}", data
                )
                self.assertEqual(response.status_code, 400)
                form = response.context["rows"][0]["form"]
                self.assertIn(field, form.errors)
        codes = form.errors.as_data()["justification"][0].code
        self.assertEqual(codes, "personal_data")
        self.assertFalse(ConsensusScore.objects.exists())

    def test_an_unmapped_requirement_is_404(self):
        self.open_consensus()
        self.login(self.lead)
        response = self.client.post(
            self.sheet() + "set/?requirement=999999",
            {"value": "5", "justification": "Bra", "version": "0"},
        )
        self.assertEqual(response.status_code, 404)

    def test_the_sheet_takes_a_fixed_number_of_queries(self):
        self.open_consensus()
        self.login(self.lead)
        self.client.get(self.sheet())
        with self.assertNumQueries(26):
            self.client.get(self.sheet())


class ConsensusUnderAParentTests(ConsensusWorld):
    """Ytelse and Risiko under a parent Kvalitet (70 %): the overview offers
    a sheet per leaf only, and every sheet it links opens."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        kvalitet = Criterion.objects.create(
            evaluation=cls.evaluation,
            position=0,
            name="Kvalitet",
            kind=Criterion.Kind.QUALITY,
            weight=D("70"),
        )
        Criterion.objects.filter(pk=cls.ytelse.pk).update(
            parent=kvalitet, weight=D("80"), weight_min=None, weight_max=None
        )
        Criterion.objects.filter(pk=cls.risiko.pk).update(
            parent=kvalitet, weight=D("20"), weight_min=None, weight_max=None
        )
        cls.kvalitet = kvalitet

    def test_every_sheet_the_overview_links_opens(self):
        self.open_consensus()
        self.login(self.lead)
        response = self.client.get(
            f"/procurements/{self.procurement.pk}/evaluations/"
            f"{self.evaluation.pk}/consensus/"
        )
        self.assertEqual(
            [row["criterion"].id for row in response.context["rows"]],
            [self.ytelse.pk, self.risiko.pk],
        )
        urls = [
            cell["url"] for row in response.context["rows"] for cell in row["cells"]
        ]
        self.assertEqual(len(urls), 2 * 4)  # two leaves × four tenders
        for url in urls:
            with self.subTest(url):
                self.assertEqual(self.client.get(url).status_code, 200)
        self.assertNotContains(response, f"/consensus/{self.kvalitet.pk}/tenders/")
