"""Locking: refused with reasons while consensus is incomplete; afterwards
nothing in the evaluation changes through any path."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import translation

from evaluation.models import (
    ConsensusScore,
    Criterion,
    Evaluation,
    LockedEvaluationError,
    RequirementMapping,
    Score,
)
from evaluation.services import consensus as services
from evaluation.services import scoring as scoring_services
from procurement.models import Event, Organisation, PriceLine, Tender
from tests.evaluation_tests.test_consensus_adapter import ConsensusWorld

D = Decimal
User = get_user_model()


def codes(error: ValidationError) -> set[str]:
    return {e.code for e in error.error_list}


class LockRefusalTests(ConsensusWorld):
    def setUp(self):
        self.open_consensus()

    def test_it_refuses_with_every_reason(self):
        self.agree_all(vendors=("Alfa",))
        with translation.override("en"), self.assertRaises(ValidationError) as caught:
            services.evaluation_lock(evaluation=self.evaluation, by=self.lead)
        self.assertEqual(
            codes(caught.exception), {"prices_sealed", "consensus_incomplete"}
        )
        text = " ".join(caught.exception.messages)
        self.assertIn("Beta Journal AS, Ytelse: 2 items", text)
        self.assertIn("Gamma Journal AS, Risiko: 1 items", text)
        self.assertEqual(self.reload().status, Evaluation.Status.CONSENSUS)
        self.assertFalse(Event.objects.filter(action="evaluation.locked").exists())

    def test_a_proposed_rejection_must_be_decided_before_the_lock(self):
        self.agree_all()
        services.quality_lock(evaluation=self.evaluation, by=self.lead)
        services.prices_open(evaluation=self.evaluation, by=self.lead)
        self.substantial_deviation("Beta")
        with translation.override("en"), self.assertRaises(ValidationError) as caught:
            services.evaluation_lock(evaluation=self.reload(), by=self.lead)
        self.assertEqual(codes(caught.exception), {"rejection_pending"})
        self.assertIn("Beta Journal AS", caught.exception.messages[0])
        self.assertIn(self.r2.key, caught.exception.messages[0])
        self.assertEqual(self.reload().status, Evaluation.Status.CONSENSUS)
        scoring_services.rejection_dismiss(
            evaluation=self.reload(),
            tender=self.tenders["Beta"],
            reason="Avviket er ikke vesentlig.",
            by=self.lead,
        )
        services.evaluation_lock(evaluation=self.reload(), by=self.lead)
        self.assertEqual(self.reload().status, Evaluation.Status.LOCKED)

    def test_the_lock_page_lists_the_reasons(self):
        self.login(self.lead)
        url = (
            f"/procurements/{self.procurement.pk}/evaluations/"
            f"{self.evaluation.pk}/lock/"
        )
        response = self.client.get(url)
        self.assertContains(response, 'id="lock-problems"')
        self.assertNotContains(response, 'id="lock-form"')
        response = self.client.post(url)
        self.assertEqual(self.reload().status, Evaluation.Status.CONSENSUS)
        for person in (self.evaluator, self.staff, self.manager):
            self.login(person)
            self.assertEqual(self.client.get(url).status_code, 403)
            self.assertEqual(self.client.post(url).status_code, 403)
        self.login(self.outsider)
        self.assertEqual(self.client.get(url).status_code, 404)


class LockedEvaluationTests(ConsensusWorld):
    """The full path: consensus, quality lock, envelope, lock."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        services.consensus_open(evaluation=cls.evaluation, by=cls.lead)
        cls.evaluation.refresh_from_db()
        for vendor in ("Alfa", "Beta", "Gamma"):
            for item in ("r1", "r2", "risk"):
                services.consensus_score_set(
                    evaluation=cls.evaluation,
                    tender=cls.tenders[vendor],
                    value=D("5"),
                    justification="Enig",
                    expected_version=0,
                    by=cls.lead,
                    **cls.item_kwargs(item),
                )
        services.quality_lock(evaluation=cls.evaluation, by=cls.lead)
        services.prices_open(evaluation=cls.evaluation, by=cls.lead)
        services.results_release(evaluation=cls.evaluation, by=cls.lead)
        services.evaluation_lock(evaluation=cls.evaluation, by=cls.lead)
        cls.superuser = User.objects.create_superuser(username="root", password="x")

    def base(self, suffix: str) -> str:
        return (
            f"/procurements/{self.procurement.pk}/evaluations/"
            f"{self.evaluation.pk}/{suffix}"
        )

    def snapshot(self):
        return (
            list(Score.objects.order_by("pk").values_list("pk", "value", "version")),
            list(ConsensusScore.objects.order_by("pk").values_list("pk", "value")),
            list(Criterion.objects.order_by("pk").values_list("pk", "weight")),
            Evaluation.objects.get(pk=self.evaluation.pk).version,
        )

    def test_every_state_change_is_an_event(self):
        self.assertEqual(
            list(
                Event.objects.filter(
                    action__in=[
                        "evaluation.consensus_opened",
                        "evaluation.quality_locked",
                        "round.prices_opened",
                        "evaluation.released",
                        "evaluation.locked",
                    ]
                )
                .order_by("pk")
                .values_list("action", "actor__username")
            ),
            [
                ("evaluation.consensus_opened", "lead"),
                ("evaluation.quality_locked", "lead"),
                ("round.prices_opened", "lead"),
                ("evaluation.released", "lead"),
                ("evaluation.locked", "lead"),
            ],
        )
        evaluation = self.reload()
        self.assertEqual(evaluation.locked_by, self.lead)
        self.assertEqual(evaluation.history.first().status, Evaluation.Status.LOCKED)

    def test_services_refuse(self):
        before = self.snapshot()
        evaluation = self.reload()
        for step in (
            services.consensus_open,
            services.quality_lock,
            services.prices_open,
            services.results_release,
            services.evaluation_lock,
        ):
            with self.subTest(step.__name__), self.assertRaises(LockedEvaluationError):
                step(evaluation=evaluation, by=self.lead)
        with self.assertRaises(LockedEvaluationError):
            services.consensus_score_set(
                evaluation=evaluation,
                tender=self.tenders["Alfa"],
                requirement=self.r1,
                value=D("9"),
                justification="Endret",
                expected_version=None,
                by=self.lead,
            )
        self.assertEqual(self.snapshot(), before)

    def test_models_and_querysets_refuse(self):
        before = self.snapshot()
        score = Score.objects.first()
        score.value = D("1")
        with self.assertRaises(LockedEvaluationError):
            score.save()
        with self.assertRaises(LockedEvaluationError):
            score.delete()
        with self.assertRaises(LockedEvaluationError):
            Score.objects.filter(evaluation=self.evaluation).update(value=D("0"))
        with self.assertRaises(LockedEvaluationError):
            ConsensusScore.objects.all().delete()
        with self.assertRaises(LockedEvaluationError):
            RequirementMapping.objects.update(weight=D("9"))
        evaluation = self.reload()
        evaluation.disagreement_threshold = D("0.5")
        with self.assertRaises(LockedEvaluationError):
            evaluation.save()
        self.assertEqual(self.snapshot(), before)

    def test_the_rounds_tenders_prices_and_answers_refuse_too(self):
        alfa = Tender.objects.get(pk=self.tenders["Alfa"].pk)
        alfa.total_price = D("1")
        with self.assertRaises(ValidationError) as caught:
            alfa.save()
        self.assertEqual(codes(caught.exception), {"evaluation_locked"})
        with self.assertRaises(ValidationError):
            alfa.delete()
        with self.assertRaises(ValidationError):
            PriceLine.objects.create(
                tender=alfa, item="Rabatt", quantity=D("1"), unit_price=D("1")
            )
        cheap = Organisation.objects.create(
            name="Billig Journal AS", kind=Organisation.Kind.VENDOR
        )
        with self.assertRaises(ValidationError):
            Tender.objects.create(
                round=self.round,
                vendor=cheap,
                received_at=alfa.received_at,
                total_price=D("1000000"),
            )
        self.assertFalse(Tender.objects.filter(vendor=cheap).exists())
        self.assertIsNone(Tender.objects.get(pk=alfa.pk).total_price)

    def test_the_admin_cannot_add_a_tender(self):
        self.login(self.superuser)
        self.assertEqual(
            self.client.get("/admin/procurement/tender/add/").status_code, 403
        )
        before = Tender.objects.count()
        response = self.client.post(
            "/admin/procurement/tender/add/",
            {
                "round": self.round.pk,
                "vendor": self.vendors["Delta"].pk,
                "received_at_0": "2017-05-02",
                "received_at_1": "12:00",
                "total_price": "1000000",
            },
        )
        self.assertEqual(response.status_code, 403)
        self.assertEqual(Tender.objects.count(), before)

    def test_every_post_in_the_pages_is_refused(self):
        before = self.snapshot()
        self.login(self.lead)
        sheet = f"consensus/{self.ytelse.pk}/tenders/{self.tenders['Alfa'].pk}/"
        posts = [
            "consensus/open/",
            "consensus/lock-quality/",
            "prices/open/",
            "results/release/",
            "lock/",
            f"{sheet}set/?requirement={self.r1.pk}",
        ]
        for suffix in posts:
            with self.subTest(suffix):
                response = self.client.post(
                    self.base(suffix),
                    {"value": "9", "justification": "Endret", "version": "1"},
                )
                self.assertEqual(response.status_code, 409)
                self.assertContains(response, 'id="evaluation-locked"', status_code=409)
        self.assertEqual(self.snapshot(), before)
        # Reading still works, read-only.
        response = self.client.get(self.base(sheet))
        self.assertNotContains(response, "consensus-form")
        self.assertEqual(self.client.get(self.base("results/")).status_code, 200)
        self.assertContains(self.client.get(self.base("lock/")), 'id="locked-note"')

    def test_everyone_on_the_procurement_may_read_the_locked_results(self):
        for person in (self.evaluator, self.staff, self.manager):
            self.login(person)
            self.assertEqual(self.client.get(self.base("results/")).status_code, 200)

    def test_the_admin_shows_locked_objects_read_only(self):
        before = self.snapshot()
        self.login(self.superuser)
        score = ConsensusScore.objects.first()
        change = f"/admin/evaluation/consensusscore/{score.pk}/change/"
        response = self.client.get(change)
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, 'name="_save"')
        response = self.client.post(
            change,
            {
                "evaluation": self.evaluation.pk,
                "tender": score.tender_id,
                "requirement": score.requirement_id or "",
                "criterion": score.criterion_id or "",
                "value": "9",
                "justification": "Endret",
                "decided_by": self.lead.pk,
            },
        )
        self.assertEqual(response.status_code, 403)
        delete = f"/admin/evaluation/consensusscore/{score.pk}/delete/"
        self.assertEqual(self.client.post(delete, {"post": "yes"}).status_code, 403)
        evaluation_change = f"/admin/evaluation/evaluation/{self.evaluation.pk}/change/"
        self.assertNotContains(self.client.get(evaluation_change), 'name="_save"')
        self.assertEqual(
            self.client.post(evaluation_change, {"status": "scoring"}).status_code, 403
        )
        # Adding a row to the locked evaluation is refused by the form.
        response = self.client.post(
            "/admin/evaluation/score/add/",
            {
                "evaluation": self.evaluation.pk,
                "tender": self.tenders["Alfa"].pk,
                "requirement": self.r1.pk,
                "value": "3",
                "justification": "Ny",
                "evaluator": self.lead.pk,
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.snapshot(), before)

    def test_the_admin_shows_history_with_who_and_what(self):
        self.login(self.superuser)
        score = ConsensusScore.objects.first()
        response = self.client.get(
            f"/admin/evaluation/consensusscore/{score.pk}/history/"
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "lead")

    def test_the_command_writes_nothing(self):
        before = self.snapshot()
        events = Event.objects.count()
        out = StringIO()
        call_command(
            "evaluation_results", "HP-EPJ-2016", "--format", "json", stdout=out
        )
        self.assertIn('"status": "locked"', out.getvalue())
        self.assertEqual(self.snapshot(), before)
        self.assertEqual(Event.objects.count(), events)
