"""The demo world's evaluations at scale 1: the panel and its declarations,
round 1 locked with a complete ranking, round 2 in consensus with provisional
results, round 3 being scored, flagged disagreements, a conflict that keeps
an evaluator away from one vendor, and a model that passes the engine's
checks. Builds only the steps it needs (about 20 s)."""

from __future__ import annotations

import random
from collections import Counter

from django.contrib.auth import get_user_model
from django.db.models import Count
from django.test import TestCase

from evaluation import demo as evaluation_demo
from evaluation.models import (
    AbsoluteCheck,
    Assignment,
    ConsensusScore,
    Criterion,
    Declaration,
    Evaluation,
    LockedEvaluationError,
    Score,
)
from evaluation.selectors.results import evaluation_results
from evaluation.selectors.scoring import worklist
from evaluation.selectors.setup import (
    model_check,
    start_blockers,
    unmapped_requirements,
)
from procurement import demo, demo_tenders
from procurement import demo_specification as spec_demo
from procurement.models import Event, Membership, Tender

User = get_user_model()


class EvaluationDemoTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        world = demo.DemoWorld(
            scale=1, rng=random.Random(demo.DEMO_SEED), log=lambda line: None
        )
        for step in [
            demo.organisations,
            demo.programme,
            demo.procurement,
            demo.users,
            spec_demo.specification,
            spec_demo.specification_baseline,
            demo_tenders.tenders,
            evaluation_demo.evaluations,
        ]:
            step(world)
        cls.procurement = world.objects["procurement"]
        cls.lead = world.objects["users"]["lead"]
        cls.first, cls.second, cls.third = (
            Evaluation.objects.get(round__number=n) for n in (1, 2, 3)
        )

    def test_about_forty_evaluators_all_declared_one_conflict(self):
        panel = User.objects.filter(username__regex=r"^evaluator\d\d$")
        self.assertEqual(panel.count(), 40)
        self.assertEqual(
            Membership.objects.filter(
                user__in=panel, procurement=self.procurement, role="evaluator"
            ).count(),
            40,
        )
        self.assertTrue(panel.first().check_password(demo.DEMO_PASSWORD))
        self.assertEqual(len({(u.first_name, u.last_name) for u in panel}), 40)
        declarations = Declaration.objects.filter(procurement=self.procurement)
        signed = set(declarations.values_list("evaluator__username", flat=True))
        self.assertEqual(
            signed,
            {*panel.values_list("username", flat=True)}
            | {
                "evaluator",
                "lead",
            },
        )
        conflicted = declarations.annotate(n=Count("conflicts")).filter(n__gt=0)
        self.assertEqual(conflicted.count(), 1)
        self.assertEqual(conflicted.get().conflicts.count(), 1)
        self.assertLess(
            max(declarations.values_list("signed_at", flat=True)).year, 2018
        )

    def test_the_conflicted_evaluator_never_meets_the_vendor(self):
        declaration = Declaration.objects.get(
            procurement=self.procurement, conflicts__isnull=False
        )
        vendor = declaration.conflicts.get()
        self.assertTrue(Tender.objects.filter(round__number=1, vendor=vendor).exists())
        evaluator = declaration.evaluator
        for evaluation in (self.first, self.second, self.third):
            mine = Score.objects.filter(evaluation=evaluation, evaluator=evaluator)
            self.assertFalse(mine.filter(tender__vendor=vendor).exists())
            self.assertFalse(
                Assignment.objects.filter(
                    evaluation=evaluation, evaluator=evaluator, tender=None
                ).exists()
            )
            self.assertFalse(
                Assignment.objects.filter(
                    evaluator=evaluator, tender__vendor=vendor
                ).exists()
            )
        # They score the other vendors' tenders.
        self.assertTrue(
            Score.objects.filter(evaluation=self.first, evaluator=evaluator).exists()
        )

    def test_every_model_passes_the_engines_checks(self):
        for evaluation in (self.first, self.second, self.third):
            self.assertEqual(list(model_check(evaluation).problems), [])
            self.assertEqual(start_blockers(evaluation), [])
            self.assertEqual(unmapped_requirements(evaluation).count(), 0)
            top = Criterion.objects.filter(evaluation=evaluation, parent=None)
            self.assertEqual(
                set(top.values_list("name", "kind", "method")),
                {
                    ("Ytelse", "quality", "requirements"),
                    ("Risiko", "risk", "direct"),
                    ("Pris", "price", "price"),
                },
            )
            quality = top.get(name="Ytelse")
            self.assertEqual(
                set(quality.children.values_list("name", flat=True)),
                {area.title for area in spec_demo.AREAS},
            )
            self.assertIn(
                "Brukervennlighet", quality.children.values_list("name", flat=True)
            )
            # Set up through the services: history is there.
            self.assertTrue(evaluation.history.exists())
        self.assertEqual(
            Event.objects.filter(action="evaluation.scoring_started").count(), 3
        )

    def test_each_item_is_scored_by_three_to_five_evaluators(self):
        per_item = Counter(
            Score.objects.filter(evaluation=self.first)
            .values_list("tender", "requirement", "criterion")
            .annotate(n=Count("pk"))
            .values_list("n", flat=True)
        )
        self.assertLessEqual(set(per_item), {3, 4, 5})
        self.assertFalse(
            Score.objects.filter(evaluation=self.first, justification="").exists()
        )
        tenders = Tender.objects.filter(round=self.first.round).count()
        items = self.first.mappings.count() + 1  # the requirements and "Risiko"
        self.assertEqual(sum(per_item.values()), tenders * items)

    def test_round_one_is_locked_with_a_complete_ranking(self):
        evaluation = self.first
        self.assertEqual(evaluation.status, Evaluation.Status.LOCKED)
        self.assertEqual(evaluation.locked_by, self.lead)
        self.assertIsNotNone(evaluation.released_at)
        self.assertIsNotNone(evaluation.quality_locked_at)
        self.assertFalse(evaluation.round.prices_sealed)
        data, results = evaluation_results(evaluation, user=self.lead)
        self.assertFalse(results.provisional)
        self.assertEqual(list(results.problems), [])
        rejected = [t for t in results.tenders if t.rejected]
        self.assertEqual(len(rejected), 1)
        self.assertIsNone(rejected[0].rank)
        self.assertEqual(len(results.ranking), len(results.tenders) - 1)
        self.assertIsNotNone(results.winner)
        totals = [results.tender(t).total for t in results.ranking]
        self.assertGreater(totals[0], totals[-1])
        self.assertEqual(Event.objects.filter(action="evaluation.locked").count(), 1)
        with self.assertRaises(LockedEvaluationError):
            Score.objects.filter(evaluation=evaluation).update(justification="x")

    def test_round_one_rejection_follows_a_substantial_deviation(self):
        tender = Tender.objects.get(round=self.first.round, status="rejected")
        self.assertTrue(tender.rejection_reason)
        self.assertTrue(
            AbsoluteCheck.objects.filter(
                tender=tender, fulfilled=False, substantial_deviation=True
            ).exists()
        )
        # Not a vendor that went on to the revised round.
        self.assertFalse(
            Tender.objects.filter(round__number=2, vendor=tender.vendor_id).exists()
        )
        checks = AbsoluteCheck.objects.filter(evaluation=self.first)
        self.assertEqual(checks.filter(substantial_deviation=True).count(), 1)
        self.assertTrue(checks.filter(fulfilled=True).exists())
        self.assertFalse(checks.filter(fulfilled=False, justification="").exists())
        self.assertEqual(
            checks.values("tender").distinct().count(),
            Tender.objects.filter(round=self.first.round).count(),
        )

    def test_disagreements_are_flagged(self):
        _data, results = evaluation_results(self.first, user=self.lead)
        flagged = results.flagged_spreads
        self.assertTrue(flagged)
        self.assertTrue(
            all(s.spread >= results.disagreement_threshold for s in flagged)
        )
        _data, second = evaluation_results(self.second, user=self.lead)
        self.assertTrue(second.flagged_spreads)

    def test_round_two_is_in_consensus_with_provisional_results(self):
        evaluation = self.second
        self.assertEqual(evaluation.status, Evaluation.Status.CONSENSUS)
        self.assertIsNone(evaluation.quality_locked_at)
        # The envelope stays sealed until the quality consensus is locked.
        self.assertTrue(evaluation.round.prices_sealed)
        _data, results = evaluation_results(evaluation, user=self.lead)
        self.assertTrue(results.provisional)
        self.assertTrue(all(t.rank for t in results.tenders))
        agreed = ConsensusScore.objects.filter(evaluation=evaluation).count()
        tenders = Tender.objects.filter(round=evaluation.round).count()
        share = agreed / (tenders * (evaluation.mappings.count() + 1))
        self.assertGreater(share, 0.55)
        self.assertLess(share, 0.65)
        # Management does not see prices behind the seal.
        _data, operator = evaluation_results(evaluation, user=None)
        self.assertTrue(all(t.evaluated_price is None for t in operator.tenders))

    def test_round_three_is_being_scored(self):
        evaluation = self.third
        self.assertEqual(evaluation.status, Evaluation.Status.SCORING)
        self.assertTrue(evaluation.round.prices_sealed)
        self.assertFalse(ConsensusScore.objects.filter(evaluation=evaluation).exists())
        scored = Score.objects.filter(evaluation=evaluation).count()
        full = Score.objects.filter(evaluation=self.second).count()
        self.assertGreater(scored, 0)
        self.assertLess(scored, full)

    def test_the_demo_evaluator_has_a_worklist(self):
        evaluator = User.objects.get(username="evaluator")
        declaration = Declaration.objects.get(
            procurement=self.procurement, evaluator=evaluator
        )
        self.assertFalse(declaration.conflicts.exists())
        work = worklist(
            evaluation=self.third, evaluator=evaluator, conflicted_vendor_ids=()
        )
        self.assertTrue(work.items)
        self.assertGreater(work.done, 0)
        self.assertGreater(work.left, 0)
        self.assertEqual(
            {item.criterion.name for item in work.items}, {"Brukervennlighet"}
        )
