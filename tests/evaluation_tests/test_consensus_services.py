"""The lead's services: open consensus, set consensus scores, lock the
quality consensus, open the price envelope, release and lock."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from evaluation.models import ConsensusScore, Evaluation, Score
from evaluation.services import consensus as services
from procurement.models import Event, TenderRound
from tests.evaluation_tests.test_consensus_adapter import ConsensusWorld

D = Decimal


def codes(error: ValidationError) -> set[str]:
    return {e.code for e in error.error_list}


class OpenConsensusTests(ConsensusWorld):
    def test_the_lead_opens_consensus_and_an_event_is_written(self):
        services.consensus_open(evaluation=self.reload(), by=self.lead)
        evaluation = self.reload()
        self.assertEqual(evaluation.status, Evaluation.Status.CONSENSUS)
        self.assertIsNotNone(evaluation.consensus_opened_at)
        event = Event.objects.get(action="evaluation.consensus_opened")
        self.assertEqual(event.actor, self.lead)
        self.assertEqual(event.procurement, self.procurement)
        self.assertEqual(evaluation.history.first().history_user, self.lead)

    def test_it_refuses_with_reasons_when_nothing_is_scored(self):
        Score.objects.all().delete()
        with self.assertRaises(ValidationError) as caught:
            services.consensus_open(evaluation=self.reload(), by=self.lead)
        self.assertEqual(codes(caught.exception), {"nothing_scored"})
        self.assertEqual(self.reload().status, Evaluation.Status.SCORING)
        self.assertFalse(
            Event.objects.filter(action__startswith="evaluation.").exists()
        )

    def test_it_refuses_outside_scoring(self):
        self.open_consensus()
        with self.assertRaises(ValidationError) as caught:
            services.consensus_open(evaluation=self.evaluation, by=self.lead)
        self.assertEqual(codes(caught.exception), {"not_scoring"})

    def test_only_the_lead_may_open_it(self):
        for person in (self.evaluator, self.staff, self.manager):
            with self.assertRaises(PermissionDenied):
                services.consensus_open(evaluation=self.reload(), by=person)
        self.assertEqual(self.reload().status, Evaluation.Status.SCORING)


class ConsensusScoreTests(ConsensusWorld):
    def setUp(self):
        self.open_consensus()

    def set(self, **kwargs):
        arguments = {
            "evaluation": self.evaluation,
            "tender": self.tenders["Beta"],
            "requirement": self.r1,
            "value": D("5"),
            "justification": "Panelet landet på 5 etter diskusjon.",
            "expected_version": 0,
            "by": self.lead,
        } | kwargs
        return services.consensus_score_set(**arguments)

    def test_it_sets_a_consensus_score_and_leaves_individual_scores_alone(self):
        before = list(Score.objects.order_by("pk").values_list("pk", "value"))
        score = self.set()
        self.assertEqual(score.value, D("5"))
        self.assertEqual(score.decided_by, self.lead)
        self.assertEqual(score.version, 1)
        self.assertEqual(
            list(Score.objects.order_by("pk").values_list("pk", "value")), before
        )
        changed = self.set(value=D("6"), expected_version=1)
        self.assertEqual(changed.version, 2)
        history = list(changed.history.order_by("history_date"))
        self.assertEqual([h.value for h in history], [D("5"), D("6")])
        self.assertEqual(history[-1].history_user, self.lead)

    def test_a_directly_scored_criterion_takes_a_consensus_score(self):
        score = self.set(requirement=None, criterion=self.risiko)
        self.assertEqual(score.criterion, self.risiko)

    def test_a_stale_version_is_a_conflict_and_nothing_is_written(self):
        self.set()
        with self.assertRaises(services.ConsensusConflict) as caught:
            self.set(value=D("9"), expected_version=0)
        self.assertEqual(caught.exception.current.value, D("5"))
        self.assertEqual(ConsensusScore.objects.get().value, D("5"))

    def test_bad_input_is_refused_with_codes_and_nothing_is_stored(self):
        cases = [
            ({"value": D("10.5")}, "outside_scale"),
            ({"value": D("-1")}, "outside_scale"),
            ({"justification": "  "}, "justification_required"),
            ({"justification": "Ring Kari på 41234567"}, "personal_data"),
        ]
        for kwargs, code in cases:
            with self.subTest(code=code), self.assertRaises(ValidationError) as caught:
                self.set(**kwargs)
            self.assertIn(code, codes(caught.exception))
        self.assertFalse(ConsensusScore.objects.exists())

    def test_personal_data_message_names_the_justification(self):
        with translation.override("en"), self.assertRaises(ValidationError) as caught:
            self.set(justification="Kontakt kari@example.no")
        self.assertIn("justification", " ".join(caught.exception.messages))

    def test_items_outside_the_evaluation_are_refused(self):
        with self.assertRaises(ValidationError) as caught:
            self.set(tender=self.tenders["Epsilon"])
        self.assertEqual(codes(caught.exception), {"foreign_tender"})
        with self.assertRaises(ValidationError) as caught:
            self.set(requirement=None, criterion=self.ytelse)
        self.assertEqual(codes(caught.exception), {"not_direct"})

    def test_it_refuses_before_consensus_and_after_the_quality_lock(self):
        Evaluation.objects.filter(pk=self.evaluation.pk).update(
            status=Evaluation.Status.SCORING
        )
        with self.assertRaises(ValidationError) as caught:
            self.set(evaluation=self.reload())
        self.assertEqual(codes(caught.exception), {"consensus_not_open"})
        self.open_consensus()
        self.agree_all()
        services.quality_lock(evaluation=self.evaluation, by=self.lead)
        with self.assertRaises(ValidationError) as caught:
            self.set(evaluation=self.reload(), expected_version=None)
        self.assertEqual(codes(caught.exception), {"quality_locked"})

    def test_only_the_lead_sets_consensus(self):
        with self.assertRaises(PermissionDenied):
            self.set(by=self.evaluator)
        self.assertFalse(ConsensusScore.objects.exists())


class QualityLockAndEnvelopeTests(ConsensusWorld):
    def setUp(self):
        self.open_consensus()

    def test_quality_lock_refuses_while_items_lack_consensus(self):
        self.agree_all(vendors=("Alfa", "Beta"))
        with translation.override("en"), self.assertRaises(ValidationError) as caught:
            services.quality_lock(evaluation=self.evaluation, by=self.lead)
        self.assertEqual(codes(caught.exception), {"consensus_incomplete"})
        self.assertIn("Gamma Journal AS", " ".join(caught.exception.messages))
        self.assertIsNone(self.reload().quality_locked_at)

    def test_the_envelope_opens_only_after_the_quality_lock(self):
        with self.assertRaises(ValidationError) as caught:
            services.prices_open(evaluation=self.evaluation, by=self.lead)
        self.assertEqual(codes(caught.exception), {"quality_not_locked"})
        self.assertTrue(TenderRound.objects.get().prices_sealed)

        self.agree_all()
        services.quality_lock(evaluation=self.evaluation, by=self.lead)
        self.assertTrue(Event.objects.filter(action="evaluation.quality_locked"))
        services.prices_open(evaluation=self.reload(), by=self.lead)
        round = TenderRound.objects.get()
        self.assertFalse(round.prices_sealed)
        self.assertEqual(round.prices_opened_by, self.lead)
        self.assertEqual(
            Event.objects.filter(action="round.prices_opened").get().actor, self.lead
        )

    def test_release_writes_an_event(self):
        services.results_release(evaluation=self.evaluation, by=self.lead)
        self.assertIsNotNone(self.reload().released_at)
        self.assertTrue(Event.objects.filter(action="evaluation.released").exists())
        with self.assertRaises(ValidationError) as caught:
            services.results_release(evaluation=self.evaluation, by=self.lead)
        self.assertEqual(codes(caught.exception), {"already_released"})
