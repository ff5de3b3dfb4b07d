"""The results page: who may see it, sealed prices, provisional marks,
rejected tenders, ranking and sensitivity from the engine."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings

from evaluation import results as engine
from evaluation.models import AbsoluteCheck, Evaluation
from evaluation.selectors.results import evaluation_results
from tests.evaluation_tests.test_consensus_adapter import ConsensusWorld

D = Decimal
PRICE_TEXT = "80\u00a0000\u00a0000"  # Beta's price as the page prints it (nb)


class ResultsPageTests(ConsensusWorld):
    def url(self, suffix: str = "") -> str:
        return (
            f"/procurements/{self.procurement.pk}/evaluations/"
            f"{self.evaluation.pk}/results/{suffix}"
        )

    def release(self) -> None:
        Evaluation.objects.filter(pk=self.evaluation.pk).update(
            status=Evaluation.Status.CONSENSUS,
            consensus_opened_at="2018-01-10T10:00:00Z",
            released_at="2018-01-12T10:00:00Z",
        )
        self.reload()

    def test_outsiders_get_404_and_the_wrong_method_405(self):
        self.login(self.outsider)
        self.assertEqual(self.client.get(self.url()).status_code, 404)
        self.login(self.lead)
        self.assertEqual(self.client.post(self.url()).status_code, 405)

    def test_management_gets_403_before_release_and_sees_it_after(self):
        self.login(self.manager)
        self.assertEqual(self.client.get(self.url()).status_code, 403)
        self.release()
        self.assertEqual(self.client.get(self.url()).status_code, 200)

    def test_evaluators_and_staff_see_results_only_once_locked(self):
        self.release()
        for person in (self.evaluator, self.staff):
            self.login(person)
            self.assertEqual(self.client.get(self.url()).status_code, 403)

    def test_the_results_tab_is_offered_only_to_those_who_may_open_it(self):
        detail = (
            f"/procurements/{self.procurement.pk}/evaluations/{self.evaluation.pk}/"
        )
        results_link = f'href="{self.url()}"'
        for person, offered in (
            (self.lead, True),
            (self.manager, False),
            (self.evaluator, False),
            (self.staff, False),
        ):
            with self.subTest(person.username):
                self.login(person)
                response = self.client.get(detail)
                self.assertEqual(response.status_code, 200)
                if offered:
                    self.assertContains(response, results_link)
                else:
                    self.assertNotContains(response, results_link)
        self.release()
        self.login(self.manager)
        self.assertContains(self.client.get(detail), results_link)
        self.login(self.evaluator)
        self.assertNotContains(self.client.get(detail), results_link)

    def test_the_lead_sees_points_ranks_and_prices_from_the_engine(self):
        self.open_consensus()
        self.agree_all(vendors=("Alfa", "Beta", "Gamma", "Delta"))
        self.login(self.lead)
        response = self.client.get(self.url())
        self.assertEqual(response.status_code, 200)
        _data, results = evaluation_results(self.evaluation, user=self.lead)
        rows = response.context["rows"]
        expected = [results.tender(t) for t in results.ranking]
        self.assertEqual(
            [(r["result"].name, r["result"].rank) for r in rows],
            [(t.name, t.rank) for t in expected] + [("Delta Journal AS", None)],
        )
        self.assertEqual(rows[0]["result"].name, "Beta Journal AS")
        alfa = results.tender(self.tenders["Alfa"].pk)
        self.assertContains(
            response,
            f'<td class="number total">{engine.display_points(alfa.total)}'.replace(
                ".", ","
            ),
        )
        self.assertContains(response, PRICE_TEXT)
        self.assertContains(response, 'id="results-chart"')
        self.assertContains(response, "<svg", count=1 + len(response.context["charts"]))
        self.assertNotContains(response, 'id="provisional-note"')

    def test_rejected_tenders_are_shown_unranked_with_the_reason(self):
        self.open_consensus()
        self.login(self.lead)
        response = self.client.get(self.url())
        self.assertContains(response, "rejected-badge")
        self.assertContains(response, "Vesentlig avvik fra A-krav")
        self.assertNotContains(response, "Epsilon Journal AS")

    def test_a_proposed_rejection_is_shown_but_not_ranked_until_decided(self):
        self.substantial_deviation("Beta")
        beta = self.tenders["Beta"].pk
        _data, results = evaluation_results(self.evaluation, user=self.lead)
        self.assertTrue(results.tender(beta).rejected)
        self.assertIsNone(results.tender(beta).rank)
        self.assertNotIn(beta, results.ranking)
        self.login(self.lead)
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        response = self.client.get(self.url())
        self.assertContains(
            response,
            f"Proposed for rejection: substantial deviation on {self.r2.key}; "
            "the lead has not yet decided.",
        )
        # Dismissed by the lead, it is ranked again.
        AbsoluteCheck.objects.update(substantial_deviation=False)
        _data, results = evaluation_results(self.evaluation, user=self.lead)
        self.assertIsNotNone(results.tender(beta).rank)

    def test_results_are_marked_provisional_while_consensus_is_incomplete(self):
        self.open_consensus()
        self.agree_all(vendors=("Alfa",))
        self.login(self.lead)
        response = self.client.get(self.url())
        self.assertContains(response, 'id="provisional-note"')
        self.assertContains(response, 'class="badge provisional"')

    def test_sealed_prices_are_hidden_from_management(self):
        self.release()
        self.login(self.manager)
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        response = self.client.get(self.url())
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'id="sealed-note"')
        self.assertContains(response, '<span class="sealed">sealed</span>')
        for price in ("80,000,000", "80\u00a0000\u00a0000", "100,000,000"):
            self.assertNotContains(response, price)
        self.assertFalse(response.context["show_prices"])
        self.assertTrue(all(r["price"] is None for r in response.context["rows"]))
        # The lead sees them.
        self.login(self.lead)
        self.assertTrue(self.client.get(self.url()).context["show_prices"])

    def test_opened_prices_are_shown_to_management(self):
        self.release()
        self.open_prices()
        self.login(self.manager)
        response = self.client.get(self.url())
        self.assertNotContains(response, 'id="sealed-note"')
        self.assertContains(response, PRICE_TEXT)

    def test_the_sensitivity_section_reports_the_engine(self):
        self.open_consensus()
        self.agree_all()
        self.login(self.lead)
        response = self.client.get(self.url())
        data, results = evaluation_results(self.evaluation, user=self.lead)
        analysis = engine.sensitivity(data, results)
        self.assertEqual(response.context["analysis"], analysis)
        self.assertEqual(len(response.context["shifts"]), len(analysis.shifts))
        self.assertContains(response, 'id="range-check"')

    def test_the_money_model_shows_the_evaluated_price(self):
        Evaluation.objects.filter(pk=self.evaluation.pk).update(
            award_model=Evaluation.AwardModel.MONEY
        )
        self.open_consensus()
        self.agree_all()
        self.login(self.lead)
        response = self.client.get(self.url())
        self.assertTrue(response.context["money"])
        self.assertContains(response, 'class="number money"', count=4)

    def test_the_page_takes_a_fixed_number_of_queries(self):
        self.open_consensus()
        self.login(self.lead)
        self.client.get(self.url())
        with self.assertNumQueries(21):
            self.client.get(self.url())
