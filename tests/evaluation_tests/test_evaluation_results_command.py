"""manage.py evaluation_results prints the engine's results, honours the
sealed price envelope and says clearly what it cannot find."""

from __future__ import annotations

import json
from io import StringIO

from django.core.management import CommandError, call_command
from django.utils import translation

from evaluation import results as engine
from evaluation.selectors.results import evaluation_results
from procurement.models import Event
from tests.evaluation_tests.test_consensus_adapter import ConsensusWorld, numbers


def run(*args) -> str:
    out = StringIO()
    with translation.override("en"):
        call_command("evaluation_results", *args, stdout=out)
    return out.getvalue()


class EvaluationResultsCommandTests(ConsensusWorld):
    def setUp(self):
        self.open_consensus()
        self.agree_all()

    def test_json_is_the_engine_output_with_sensitivity_once_prices_are_open(self):
        self.open_prices()
        printed = json.loads(run("HP-EPJ-2016", "--round", "1", "--format", "json"))
        data, results = evaluation_results(self.evaluation, user=None)
        self.assertEqual(numbers(printed["results"]), numbers(results.to_dict()))
        self.assertEqual(
            numbers(printed["sensitivity"]),
            numbers(engine.sensitivity(data, results).to_dict()),
        )
        self.assertFalse(printed["prices_sealed"])
        self.assertEqual(
            [c["name"] for c in printed["criteria"]], ["Ytelse", "Risiko", "Pris"]
        )

    def test_sealed_prices_stay_out_of_json_and_table(self):
        text = run("HP-EPJ-2016", "--format", "json")
        printed = json.loads(text)
        self.assertTrue(printed["prices_sealed"])
        self.assertIsNone(printed["sensitivity"])
        for tender in printed["results"]["tenders"]:
            self.assertEqual(tender["evaluated_price"], "sealed")
            self.assertEqual(tender["criteria"][str(self.pris.pk)], "sealed")
        for price in ("80000000", "100000000", "120000000", "50000000"):
            self.assertNotIn(price, text)
        table = run("HP-EPJ-2016", "--format", "table")
        self.assertIn("sealed", table)
        for price in ("80 000 000", "80000000", "100 000 000"):
            self.assertNotIn(price, table)

    def test_the_table_lists_every_tender_with_points_and_ranks(self):
        self.open_prices()
        table = run("HP-EPJ-2016", "--format", "table")
        data, results = evaluation_results(self.evaluation, user=None)
        lines = table.splitlines()
        beta = next(line for line in lines if line.startswith("1 ") and "Beta" in line)
        self.assertIn(
            str(engine.display_points(results.tender(self.tenders["Beta"].pk).total)),
            beta,
        )
        self.assertIn("80 000 000", beta)
        self.assertTrue(any("Delta Journal AS (rejected)" in line for line in lines))
        self.assertIn("Sensitivity", table)
        self.assertIn("Winner: Beta Journal AS", table)

    def test_unknown_procurement_round_or_evaluation_is_a_clear_error(self):
        cases = [
            (("NOPE",), "No procurement has the reference NOPE."),
            (("HP-EPJ-2016", "--round", "7"), "HP-EPJ-2016 has no round 7."),
            (("HP-LAB-2020",), "HP-LAB-2020 has no evaluation yet."),
        ]
        for args, message in cases:
            with self.subTest(args), self.assertRaisesMessage(CommandError, message):
                run(*args)

    def test_it_writes_nothing(self):
        events = Event.objects.count()
        run("HP-EPJ-2016", "--format", "table")
        self.assertEqual(Event.objects.count(), events)
