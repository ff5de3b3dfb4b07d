from evaluation.models import AbsoluteCheck, Evaluation
from procurement.models import Event, Tender
from tests.evaluation_tests.test_scoring_base import ScoringWorld


class AbsoluteTestCase(ScoringWorld):
    def url(self, tender=None, suffix: str = "") -> str:
        return f"{self.base()}tenders/{(tender or self.t_alfa).pk}/absolute/{suffix}"

    def check(self, requirement=None, *, tender=None, **fields):
        requirement = requirement or self.a_backup
        prefix = f"a{requirement.pk}"
        data = {"item": requirement.pk}
        data.update({f"{prefix}-{key}": value for key, value in fields.items()})
        return self.client.post(self.url(tender), data)

    def fail_substantially(self, tender=None):
        return self.check(
            tender=tender,
            fulfilled="no",
            substantial_deviation="yes",
            justification="Kun ukentlig sikkerhetskopi; kravet er daglig.",
        )


class AbsoluteCheckPageTests(AbsoluteTestCase):
    def test_it_lists_the_absolute_requirements_with_the_answer(self):
        self.login(self.evaluator)
        response = self.client.get(self.url())
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, f'id="check-{self.a_backup.pk}"')
        self.assertContains(response, f'id="check-{self.av_login.pk}"')
        self.assertNotContains(response, f'id="check-{self.r_allergy.pk}"')
        self.assertContains(response, "Ukentlig sikkerhetskopi.")

    def test_a_pass_is_recorded(self):
        self.login(self.evaluator)
        response = self.check(fulfilled="yes", justification="")
        self.assertEqual(response.status_code, 302)
        check = AbsoluteCheck.objects.get()
        self.assertTrue(check.fulfilled)
        self.assertEqual(check.checked_by, self.evaluator)

    def test_a_fail_needs_the_judgement_and_a_justification(self):
        self.login(self.evaluator)
        response = self.check(fulfilled="no", justification="")
        self.assertEqual(response.status_code, 400)
        form = next(f for f in response.context["forms"] if f.is_bound)
        self.assertEqual(
            {
                name: [e.code for e in errors]
                for name, errors in form.errors.as_data().items()
            },
            {
                "substantial_deviation": ["judgement_required"],
                "justification": ["justification_required"],
            },
        )
        self.assertFalse(AbsoluteCheck.objects.exists())

    def test_personal_data_in_the_justification_is_refused(self):
        self.login(self.evaluator)
        response = self.check(
            fulfilled="no",
            substantial_deviation="no",
            justification="Se ola@example.no",
        )
        self.assertEqual(response.status_code, 400)
        self.assertFalse(AbsoluteCheck.objects.exists())

    def test_a_substantial_deviation_proposes_the_tender_for_rejection(self):
        self.login(self.evaluator)
        self.assertEqual(self.fail_substantially().status_code, 302)
        response = self.client.get(self.url(self.t_beta))
        self.assertEqual(response.context["proposed"], {self.t_alfa.pk})
        self.assertContains(
            response, 'class="badge badge-proposed proposed-for-rejection"'
        )
        # The evaluator sees the proposal but not the lead's decision form.
        response = self.client.get(self.url())
        self.assertContains(response, 'id="rejection-proposal"')
        self.assertNotContains(response, 'id="decision-form"')

    def test_refusals(self):
        self.login(self.outsider)
        self.assertEqual(self.client.get(self.url()).status_code, 404)
        self.login(self.manager)
        self.assertEqual(self.client.get(self.url()).status_code, 403)
        self.login(self.unsigned)
        self.assertRedirects(
            self.client.get(self.url()),
            self.base() + "declaration/",
            fetch_redirect_response=False,
        )
        self.login(self.evaluator)
        self.assertEqual(self.client.get(self.url(self.t_gamma)).status_code, 404)
        self.assertEqual(self.fail_substantially(self.t_gamma).status_code, 404)
        self.assertEqual(self.client.put(self.url()).status_code, 405)
        self.assertFalse(AbsoluteCheck.objects.exists())

    def test_a_conflicted_tender_is_not_in_the_list(self):
        self.login(self.evaluator)
        response = self.client.get(self.url())
        self.assertNotIn(self.t_gamma, response.context["tenders"])

    def test_nothing_changes_after_lock(self):
        self.set_status(Evaluation.Status.LOCKED)
        self.login(self.evaluator)
        response = self.fail_substantially()
        self.assertEqual(response.status_code, 409)
        self.assertFalse(AbsoluteCheck.objects.exists())


class RejectionDecisionTests(AbsoluteTestCase):
    def setUp(self):
        self.login(self.evaluator)
        self.fail_substantially()
        self.login(self.lead)

    def decide(
        self, decision: str, reason: str = "Vesentlig avvik fra krav om daglig kopi."
    ):
        return self.client.post(
            self.url(suffix="decision/"), {"decision": decision, "reason": reason}
        )

    def test_the_lead_confirms_the_rejection_with_a_reason(self):
        response = self.decide("confirm")
        self.assertEqual(response.status_code, 302)
        self.t_alfa.refresh_from_db()
        self.assertEqual(self.t_alfa.status, Tender.Status.REJECTED)
        self.assertEqual(
            self.t_alfa.rejection_reason, "Vesentlig avvik fra krav om daglig kopi."
        )
        self.assertTrue(Event.objects.filter(action="tender.rejected").exists())
        response = self.client.get(self.url())
        self.assertNotIn(self.t_alfa.pk, response.context["proposed"])
        self.assertContains(response, 'id="tender-rejected"')

    def test_the_lead_dismisses_the_proposal(self):
        response = self.decide("dismiss", "Avviket er lite; kopien tas daglig i drift.")
        self.assertEqual(response.status_code, 302)
        self.t_alfa.refresh_from_db()
        self.assertEqual(self.t_alfa.status, Tender.Status.VALID)
        check = AbsoluteCheck.objects.get()
        self.assertFalse(check.substantial_deviation)
        self.assertEqual(check.history.count(), 2)
        event = Event.objects.get(action="tender.rejection_dismissed")
        self.assertEqual(event.actor, self.lead)
        self.assertEqual(event.procurement, self.procurement)
        self.assertEqual(
            event.data,
            {
                "reason": "Avviket er lite; kopien tas daglig i drift.",
                "requirements": [check.requirement.key],
            },
        )

    def test_a_reason_is_required(self):
        response = self.decide("confirm", "")
        self.assertEqual(response.status_code, 400)
        self.t_alfa.refresh_from_db()
        self.assertEqual(self.t_alfa.status, Tender.Status.VALID)

    def test_only_the_lead_decides(self):
        self.login(self.evaluator)
        self.assertEqual(self.decide("confirm").status_code, 403)
        self.login(self.outsider)
        self.assertEqual(self.decide("confirm").status_code, 404)
        self.login(self.lead)
        self.assertEqual(self.client.get(self.url(suffix="decision/")).status_code, 405)
        self.t_alfa.refresh_from_db()
        self.assertEqual(self.t_alfa.status, Tender.Status.VALID)

    def test_a_tender_not_proposed_cannot_be_rejected_here(self):
        response = self.client.post(
            self.url(self.t_beta, "decision/"),
            {"decision": "confirm", "reason": "Nei."},
        )
        self.assertEqual(response.status_code, 400)
        self.t_beta.refresh_from_db()
        self.assertEqual(self.t_beta.status, Tender.Status.RECEIVED)
