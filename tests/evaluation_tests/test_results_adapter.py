"""The results adapter's fast reads give the engine exactly the numbers the
slow, obvious reading gives: every individual score and consensus score
fetched one by one and folded by ``evaluation.results.aggregate_scores``
(the engine's own reference). Scores with two decimals and mapping weights
with three put the exact arithmetic to work; the checks run on SQLite and on
PostgreSQL alike."""

from __future__ import annotations

from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from evaluation import results as engine
from evaluation.models import ConsensusScore, RequirementMapping, Score
from evaluation.selectors.results import (
    LazyMapping,
    engine_data,
    evaluation_results,
    raw_rows,
)
from procurement.models import Requirement
from tests.evaluation_tests.test_consensus_adapter import ConsensusWorld, numbers

D = Decimal


def slow_data(data: engine.EvaluationData, evaluation) -> engine.EvaluationData:
    """The evaluation read row by row: every score through the ORM, folded by
    the engine's reference fold; criteria and tenders as the adapter gave
    them (their reading is not what is compared here)."""
    ids = {t.id for t in data.tenders}
    rows = [
        engine.IndividualScore(
            score.evaluator_id,
            score.tender_id,
            engine.req_item(score.requirement_id)
            if score.requirement_id is not None
            else engine.crit_item(score.criterion_id),
            score.value,
        )
        for score in Score.objects.filter(evaluation=evaluation)
        if score.tender_id in ids
    ]
    consensus = {
        (
            c.tender_id,
            engine.req_item(c.requirement_id)
            if c.requirement_id is not None
            else engine.crit_item(c.criterion_id),
        ): c.value
        for c in ConsensusScore.objects.filter(evaluation=evaluation)
        if c.tender_id in ids
    }
    return engine.EvaluationData.from_rows(
        data.criteria,
        data.tenders,
        rows,
        consensus=consensus,
        award_model=data.award_model,
        disagreement_threshold=data.disagreement_threshold,
    )


class AdapterAgainstSlowReadingTests(ConsensusWorld):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        # Two decimals on scores and three on weights; a third requirement
        # only one evaluator scored (one score: no spread), so Ytelse's sums
        # leave out what the other did not score.
        RequirementMapping.objects.filter(requirement=cls.r1).update(weight=D("2.125"))
        RequirementMapping.objects.filter(requirement=cls.r2).update(weight=D("0.875"))
        cls.r3 = Requirement.objects.create(
            procurement=cls.procurement,
            section=cls.r1.section,
            key="FUNK-0003",
            title="Kritisk informasjon",
            kind=Requirement.Kind.V,
        )
        RequirementMapping.objects.create(
            evaluation=cls.evaluation,
            criterion=cls.ytelse,
            requirement=cls.r3,
            weight=D("1.333"),
        )
        for vendor, value in (("Alfa", "7.35"), ("Beta", "6.65"), ("Gamma", "9.99")):
            Score.objects.create(
                evaluation=cls.evaluation,
                evaluator=cls.evaluator,
                tender=cls.tenders[vendor],
                requirement=cls.r3,
                value=D(value),
                justification="Vurdering av r3",
            )
        for (vendor, item), value in {
            ("Alfa", "r1"): "7.35",
            ("Beta", "r2"): "8.05",
            ("Gamma", "risk"): "4.15",
            ("Delta", "r1"): "0.01",
        }.items():
            Score.objects.filter(
                evaluation=cls.evaluation,
                evaluator=cls.evaluator2,
                tender=cls.tenders[vendor],
                **cls.item_kwargs(item),
            ).update(value=D(value))

    @classmethod
    def item_kwargs(cls, item: str) -> dict:
        if item == "r3":
            return {"requirement": cls.r3}
        return super().item_kwargs(item)

    def assert_same_as_slow_reading(self):
        data, results = evaluation_results(self.reload(), user=self.lead)
        slow = slow_data(data, self.evaluation)
        self.assertEqual(data.consensus, slow.consensus)
        self.assertEqual(dict(data.individual), slow.individual)
        self.assertEqual(
            data.evaluator_criterion_scores, slow.evaluator_criterion_scores
        )
        self.assertEqual(
            numbers(results.to_dict(spreads="all")),
            numbers(engine.compute_results(slow).to_dict(spreads="all")),
        )
        return data, results

    def test_raw_rows_give_the_orm_values_whether_streamed_or_not(self):
        queryset = (
            Score.objects.filter(evaluation=self.evaluation)
            .order_by("pk")
            .values_list("pk", "tender_id", "value", "justification")
        )
        expected = list(queryset)
        for stream in (False, True):
            with self.subTest(stream=stream):
                rows, convert = raw_rows(queryset, converted=("value",), stream=stream)
                value = convert["value"]
                read = [(pk, t, value(raw), text) for pk, t, raw, text in rows]
                self.assertEqual(read, expected)
                self.assertTrue(
                    all(type(row[2]) is Decimal for row in read)  # noqa: E721
                )
                self.assertEqual(
                    [str(row[2]) for row in read], [str(row[2]) for row in expected]
                )
        if connection.vendor == "sqlite":  # SQLite's decimals need converting
            with self.assertRaises(ValueError):  # a converted column not named
                raw_rows(queryset, converted=())

    def test_while_scoring_the_adapter_reads_what_the_slow_reading_reads(self):
        data, results = self.assert_same_as_slow_reading()
        self.assertTrue(results.provisional)
        # Alfa's Ytelse by hand, from the individual means:
        # (2.125·(8 + 7.35)/2 + 0.875·6 + 1.333·7.35) / (2.125 + 0.875 + 1.333).
        alfa = results.tender(self.tenders["Alfa"].pk)
        expected = (
            D("2.125") * D("15.35") / 2 + D("0.875") * 6 + D("1.333") * D("7.35")
        ) / D("4.333")
        self.assertEqual(
            engine.display_points(alfa.criteria[self.ytelse.pk].points),
            engine.display_points(expected),
        )
        # The second evaluator's own Ytelse score for Alfa leaves out r3,
        # which they did not score: (2.125·7.35 + 0.875·6) / 3.
        self.assertEqual(
            data.evaluator_criterion_scores[
                self.evaluator2.pk, self.ytelse.pk, self.tenders["Alfa"].pk
            ],
            (D("2.125") * D("7.35") + D("0.875") * 6) / 3,
        )

    def test_with_partial_and_complete_consensus_the_numbers_stay_the_same(self):
        self.open_consensus()
        self.agree("Alfa", "r1", "7.75")
        self.agree("Beta", "risk", "5.5")
        self.assert_same_as_slow_reading()
        agreed = {("Alfa", "r1"), ("Beta", "risk")}
        for vendor in ("Alfa", "Beta", "Gamma", "Delta"):
            for item in ("r1", "r2", "r3", "risk"):
                if (vendor, item) not in agreed:
                    self.agree(vendor, item, "6.5" if item == "r3" else "8.25")
        data, results = self.assert_same_as_slow_reading()
        self.assertFalse(results.provisional)

    def test_complete_consensus_ranks_without_reading_the_individual_scores(self):
        self.open_consensus()
        for vendor in ("Alfa", "Beta", "Gamma", "Delta"):
            for item in ("r1", "r2", "r3", "risk"):
                self.agree(vendor, item, "6.25" if vendor == "Beta" else "7")
        self.reload()
        with CaptureQueriesContext(connection) as ranking:
            data, results = evaluation_results(self.evaluation, user=self.lead)
        self.assertFalse(results.provisional)
        self.assertEqual(len(results.ranking), 3)
        self.assertIsInstance(data.individual, LazyMapping)
        self.assertFalse(data.individual.loaded)
        self.assertFalse(
            any("MIN(" in query["sql"].upper() for query in ranking.captured_queries)
        )
        # The spreads read them when asked for, in one query, and agree with
        # the slow reading.
        with self.assertNumQueries(1):
            flagged = results.flagged_spreads
        slow = engine.compute_results(slow_data(data, self.evaluation))
        self.assertEqual(numbers(flagged), numbers(slow.flagged_spreads))
        self.assertTrue(flagged)
        self.assertEqual(
            numbers(results.to_dict(spreads="all")),
            numbers(slow.to_dict(spreads="all")),
        )

    def test_engine_data_reads_in_a_fixed_number_of_queries(self):
        def read():
            data = engine_data(self.reload(), user=self.lead)
            return data, len(data.individual)

        read()
        with CaptureQueriesContext(connection) as few:
            read()
        for vendor in ("Alfa", "Beta", "Gamma"):
            Score.objects.create(
                evaluation=self.evaluation,
                evaluator=self.lead,
                tender=self.tenders[vendor],
                requirement=self.r3,
                value=D("5.55"),
                justification="Leders vurdering",
            )
        with self.assertNumQueries(len(few)):
            data, individual = read()
        self.assertEqual(individual, len(slow_data(data, self.evaluation).individual))
