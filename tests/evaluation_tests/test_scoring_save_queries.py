"""Saving one score from the scoring page stays quick however much an
evaluator has to score: the answer's progress (done and total for the row's
tender × criterion) is counted for that item alone, in one query, and gives
the same numbers as the worklist."""

from __future__ import annotations

from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from evaluation.models import Assignment, Criterion, Score
from evaluation.selectors.scoring import work_item_progress, worklist
from tests.evaluation_tests.test_scoring_base import ScoringWorld
from tests.evaluation_tests.test_scoring_views import row_data

D = Decimal


class ScoreSaveQueriesTests(ScoringWorld):
    def save(self, requirement, value: str, *, tender=None):
        stored = Score.objects.filter(
            evaluator=self.evaluator,
            tender=tender or self.t_alfa,
            requirement=requirement,
        ).first()
        response = self.client.post(
            self.score_url(tender, save=True),
            {
                "item": f"r{requirement.pk}",
                **row_data(
                    requirement,
                    value,
                    "Dekker behovet.",
                    stored.version if stored else 0,
                ),
            },
            headers={"accept": "application/json"},
        )
        self.assertEqual(response.status_code, 200, response.content)
        return response.json()

    def test_the_number_of_queries_does_not_grow_with_the_worklist(self):
        self.login(self.evaluator)
        self.save(self.r_allergy, "5")
        with CaptureQueriesContext(connection) as short:
            answer = self.save(self.r_allergy, "6")
        self.assertEqual((answer["done"], answer["total"]), (1, 3))

        # Forty more requirements on Funksjon, each already scored, and a
        # second requirement-scored criterion with its own assignment.
        self.add_requirements(40)
        extra = Criterion.objects.create(
            evaluation=self.evaluation,
            parent=self.quality,
            name="Drift",
            method="requirements",
            weight=D("0"),
        )
        Assignment.objects.create(
            evaluation=self.evaluation, evaluator=self.evaluator, criterion=extra
        )
        items = worklist(
            evaluation=self.evaluation,
            evaluator=self.evaluator,
            conflicted_vendor_ids={self.gamma.pk},
        )
        self.assertGreater(items.total, 43)

        with self.assertNumQueries(len(short.captured_queries)):
            answer = self.save(self.r_allergy, "7")
        self.assertEqual((answer["done"], answer["total"]), (41, 43))
        self.assertEqual(
            Score.objects.get(
                evaluator=self.evaluator, tender=self.t_alfa, requirement=self.r_allergy
            ).value,
            D("7"),
        )

    def test_the_progress_is_the_worklists_count_for_every_item(self):
        # Scores of every kind: requirements of Funksjon for two tenders, a
        # direct score of Risiko, and evaluator2's score on their one tender.
        self.give(self.evaluator, self.r_allergy, "4")
        self.give(self.evaluator, self.r_print, "6")
        self.give(self.evaluator, self.r_overview, "8", tender=self.t_beta)
        Score.objects.create(
            evaluation=self.evaluation,
            evaluator=self.evaluator,
            tender=self.t_alfa,
            criterion=self.risk,
            value=D("7"),
            justification="Lav risiko.",
        )
        self.give(self.evaluator2, self.r_overview, "5")
        checked = 0
        for person, conflicts in (
            (self.evaluator, {self.gamma.pk}),
            (self.evaluator2, set()),
            (self.lead, set()),
        ):
            for item in worklist(
                evaluation=self.evaluation,
                evaluator=person,
                conflicted_vendor_ids=conflicts,
            ).items:
                with self.assertNumQueries(1):
                    progress = work_item_progress(
                        evaluation=self.evaluation,
                        evaluator=person,
                        tender=item.tender,
                        criterion=item.criterion,
                    )
                self.assertEqual(
                    progress,
                    (item.done, item.total),
                    (person.username, item.tender, item.criterion),
                )
                checked += 1
        self.assertEqual(checked, 2 * 2 + 1 + 3)
        # A parent criterion is no item of any worklist.
        self.assertIsNone(
            work_item_progress(
                evaluation=self.evaluation,
                evaluator=self.evaluator,
                tender=self.t_alfa,
                criterion=self.quality,
            )
        )

    def test_the_json_answer_carries_the_items_progress(self):
        self.login(self.evaluator)
        self.give(self.evaluator, self.r_print, "6", tender=self.t_beta)
        answer = self.save(self.r_allergy, "5,5", tender=self.t_beta)
        self.assertEqual(
            {k: answer[k] for k in ("ok", "value", "done", "total")},
            {"ok": True, "value": "5.50", "done": 2, "total": 3},
        )
