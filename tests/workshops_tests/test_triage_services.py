from decimal import Decimal

from django.core.exceptions import ValidationError

from procurement.models import Event, RequirementStakeholder
from tests.workshops_tests.triage_world import TriageTestCase
from workshops.models import Input
from workshops.services import triage

Status = Input.Status
PERSONAL = "Ring meg på 412 34 567 om dette."


def codes(error: ValidationError) -> set[str]:
    if hasattr(error, "error_dict"):
        return {e.code for errors in error.error_dict.values() for e in errors}
    return {e.code for e in error.error_list}


class AcceptTests(TriageTestCase):
    def accept(self, **extra):
        fields = {
            "section": self.medicine,
            "title": "Allergier øverst",
            "kind": "V",
            "weight": Decimal("3"),
            "description": self.allergy_input.text,
        }
        fields.update(extra)
        return triage.input_accept(by=self.staff, input=self.allergy_input, **fields)

    def test_it_creates_a_requirement_with_the_input_as_origin(self):
        requirement = self.accept(expected_version=1)
        item = self.fresh(self.allergy_input)
        self.assertEqual(item.status, Status.ACCEPTED)
        self.assertEqual(item.decided_by, self.staff)
        self.assertIsNotNone(item.decided_at)
        self.assertEqual(item.version, 2)
        self.assertEqual(list(requirement.origin_inputs.all()), [item])
        self.assertEqual(requirement.key, "JOURN-0002")

    def test_the_raising_organisations_become_stakeholders_that_raised_it(self):
        requirement = self.accept(stakeholders=[(self.rhf, "owner")])
        links = set(
            requirement.stakeholder_links.values_list("organisation__name", "relation")
        )
        self.assertEqual(
            links,
            {
                ("St. Olavs hospital HF", "raised"),
                ("Trondheim kommune", "raised"),
                ("Helse Midt-Norge RHF", "owner"),
            },
        )

    def test_it_writes_one_event_with_the_decision(self):
        requirement = self.accept()
        event = Event.objects.get(action="inputs.triaged")
        self.assertEqual(event.data["decision"], "accept")
        self.assertEqual(event.data["count"], 1)
        self.assertEqual(event.data["requirement"], requirement.key)
        self.assertEqual(event.actor, self.staff)

    def test_a_stale_version_is_a_conflict_and_nothing_is_created(self):
        triage.input_reject(by=self.staff, input=self.allergy_input, reason="Uklart.")
        with self.assertRaises(triage.TriageConflict) as caught:
            self.accept(expected_version=1)
        self.assertEqual(caught.exception.input.status, Status.REJECTED)
        self.assertEqual(self.procurement.requirements.count(), 1)

    def test_an_invalid_requirement_saves_nothing(self):
        with self.assertRaises(ValidationError) as caught:
            self.accept(weight=None)  # V needs a weight
        self.assertIn("weight_required", codes(caught.exception))
        self.assertEqual(self.fresh(self.allergy_input).status, Status.NEW)
        self.assertEqual(self.procurement.requirements.count(), 1)
        self.assertFalse(Event.objects.filter(action="inputs.triaged").exists())


class LinkTests(TriageTestCase):
    def test_linking_adds_the_origin_and_raised_stakeholders_with_history(self):
        before = self.allergy.version
        triage.input_link(
            by=self.staff,
            input=self.allergy_input,
            requirement=self.allergy,
            expected_version=1,
        )
        item = self.fresh(self.allergy_input)
        self.assertEqual(item.status, Status.MERGED)
        self.assertEqual(list(item.requirements.all()), [self.allergy])
        raised = self.allergy.stakeholder_links.filter(relation="raised")
        self.assertEqual(
            {link.organisation for link in raised}, {self.hospital, self.trondheim}
        )
        # The endorsement stays beside the new "raised" link.
        self.assertTrue(
            self.allergy.stakeholder_links.filter(
                organisation=self.hospital, relation="endorsed"
            ).exists()
        )
        self.assertEqual(
            RequirementStakeholder.history.filter(
                requirement_id=self.allergy.pk, relation="raised", history_type="+"
            ).count(),
            2,
        )
        self.allergy.refresh_from_db()
        self.assertEqual(self.allergy.version, before + 1)

    def test_a_requirement_of_another_procurement_is_refused(self):
        from procurement.models import Section
        from procurement.services import specification as spec

        section = Section.objects.create(
            procurement=self.foreign, number="1", title="X"
        )
        foreign = spec.requirement_create(
            by=self.staff,
            procurement=self.foreign,
            section=section,
            title="X",
            kind="I",
        )
        with self.assertRaises(ValidationError) as caught:
            triage.input_link(
                by=self.staff, input=self.allergy_input, requirement=foreign
            )
        self.assertIn("foreign_requirement", codes(caught.exception))
        self.assertEqual(self.fresh(self.allergy_input).status, Status.NEW)


class DuplicateTests(TriageTestCase):
    def test_it_marks_a_duplicate_that_inherits_nothing(self):
        triage.input_link(
            by=self.staff, input=self.allergy_input, requirement=self.allergy
        )
        triage.input_mark_duplicate(
            by=self.staff, input=self.allergy_again, original=self.allergy_input
        )
        item = self.fresh(self.allergy_again)
        self.assertEqual(item.status, Status.DUPLICATE)
        self.assertEqual(item.duplicate_of, self.allergy_input)
        self.assertFalse(item.requirements.exists())
        self.assertFalse(
            self.allergy.stakeholder_links.filter(organisation=self.molde).exists()
        )

    def test_a_chain_is_resolved_to_the_original(self):
        third = self.make_input(self.workshop, "Allergier øverst, takk.")
        triage.input_mark_duplicate(
            by=self.staff, input=self.allergy_again, original=self.allergy_input
        )
        triage.input_mark_duplicate(
            by=self.staff, input=third, original=self.allergy_again
        )
        self.assertEqual(self.fresh(third).duplicate_of, self.allergy_input)

    def test_earlier_duplicates_follow_their_original_to_its_own_original(self):
        triage.input_mark_duplicate(
            by=self.staff, input=self.allergy_again, original=self.allergy_input
        )
        other = self.make_input(self.workshop_2, "Allergivarsel i journalen.")
        triage.input_mark_duplicate(
            by=self.staff, input=self.allergy_input, original=other
        )
        self.assertEqual(self.fresh(self.allergy_again).duplicate_of, other)

    def test_an_input_cannot_be_a_duplicate_of_itself(self):
        with self.assertRaises(ValidationError) as caught:
            triage.input_mark_duplicate(
                by=self.staff, input=self.allergy_input, original=self.allergy_input
            )
        self.assertIn("self_duplicate", codes(caught.exception))

    def test_an_input_cannot_be_a_duplicate_of_its_own_duplicate(self):
        triage.input_mark_duplicate(
            by=self.staff, input=self.allergy_again, original=self.allergy_input
        )
        with self.assertRaises(ValidationError) as caught:
            triage.input_mark_duplicate(
                by=self.staff, input=self.allergy_input, original=self.allergy_again
            )
        self.assertIn("self_duplicate", codes(caught.exception))
        self.assertEqual(self.fresh(self.allergy_input).status, Status.NEW)


class RejectAndReopenTests(TriageTestCase):
    def test_rejecting_needs_a_reason(self):
        for reason in ("", "   "):
            with self.assertRaises(ValidationError) as caught:
                triage.input_reject(
                    by=self.staff, input=self.login_input, reason=reason
                )
            self.assertEqual(codes(caught.exception), {"reason_required"})
        self.assertEqual(self.fresh(self.login_input).status, Status.NEW)

    def test_a_reason_with_personal_data_is_refused(self):
        with self.assertRaises(ValidationError) as caught:
            triage.input_reject(by=self.staff, input=self.login_input, reason=PERSONAL)
        self.assertEqual(codes(caught.exception), {"personal_data"})
        self.assertEqual(self.fresh(self.login_input).status, Status.NEW)

    def test_rejecting_records_who_when_and_why_in_the_history(self):
        triage.input_reject(
            by=self.staff, input=self.login_input, reason="Utenfor omfang."
        )
        item = self.fresh(self.login_input)
        self.assertEqual(item.reason, "Utenfor omfang.")
        record = item.history.latest()
        self.assertEqual(record.history_user, self.staff)
        self.assertEqual(record.status, Status.REJECTED)

    def test_a_decided_input_cannot_be_decided_again(self):
        triage.input_reject(by=self.staff, input=self.login_input, reason="Nei.")
        with self.assertRaises(ValidationError) as caught:
            triage.input_link(
                by=self.staff, input=self.login_input, requirement=self.allergy
            )
        self.assertIn("already_triaged", codes(caught.exception))

    def test_reopening_puts_it_back_and_drops_the_origin(self):
        triage.input_link(
            by=self.staff, input=self.allergy_input, requirement=self.allergy
        )
        triage.input_reopen(
            by=self.staff,
            input=self.allergy_input,
            reason="Feil krav.",
            expected_version=2,
        )
        item = self.fresh(self.allergy_input)
        self.assertEqual(item.status, Status.NEW)
        self.assertIsNone(item.decided_by)
        self.assertEqual(item.reason, "Feil krav.")
        self.assertFalse(item.requirements.exists())

    def test_reopening_needs_a_reason_and_a_decided_input(self):
        with self.assertRaises(ValidationError) as caught:
            triage.input_reopen(by=self.staff, input=self.login_input, reason="Hvorfor")
        self.assertIn("not_triaged", codes(caught.exception))
        triage.input_reject(by=self.staff, input=self.login_input, reason="Nei.")
        with self.assertRaises(ValidationError) as caught:
            triage.input_reopen(by=self.staff, input=self.login_input, reason="")
        self.assertIn("reason_required", codes(caught.exception))


class BulkTests(TriageTestCase):
    def test_bulk_reject_changes_all_with_one_event(self):
        count = triage.inputs_bulk_triage(
            by=self.staff,
            procurement=self.procurement,
            inputs=[self.allergy_input, self.login_input],
            decision="reject",
            reason="Dekket av eksisterende krav.",
        )
        self.assertEqual(count, 2)
        self.assertEqual(
            set(Input.objects.values_list("status", flat=True)),
            {Status.REJECTED, Status.NEW},
        )
        event = Event.objects.get(action="inputs.triaged")
        self.assertEqual(event.data["count"], 2)
        self.assertEqual(event.data["decision"], "reject")

    def test_bulk_link_adds_every_origin_and_raiser(self):
        triage.inputs_bulk_triage(
            by=self.staff,
            procurement=self.procurement,
            inputs=[self.allergy_input, self.allergy_again],
            decision="link",
            requirement=self.allergy,
        )
        self.assertEqual(
            set(self.allergy.origin_inputs.all()),
            {self.allergy_input, self.allergy_again},
        )
        self.assertEqual(
            set(
                self.allergy.stakeholder_links.filter(relation="raised").values_list(
                    "organisation__name", flat=True
                )
            ),
            {"St. Olavs hospital HF", "Trondheim kommune", "Molde kommune"},
        )

    def test_bulk_is_all_or_nothing_when_one_input_is_already_triaged(self):
        triage.input_reject(by=self.staff, input=self.login_input, reason="Nei.")
        with self.assertRaises(ValidationError) as caught:
            triage.inputs_bulk_triage(
                by=self.staff,
                procurement=self.procurement,
                inputs=[self.allergy_input, self.login_input],
                decision="link",
                requirement=self.allergy,
            )
        self.assertIn("already_triaged", codes(caught.exception))
        self.assertEqual(self.fresh(self.allergy_input).status, Status.NEW)
        self.assertFalse(self.allergy.origin_inputs.exists())

    def test_bulk_duplicate_refuses_the_original_among_the_selected(self):
        with self.assertRaises(ValidationError) as caught:
            triage.inputs_bulk_triage(
                by=self.staff,
                procurement=self.procurement,
                inputs=[self.allergy_input, self.allergy_again],
                decision="duplicate",
                original=self.allergy_input,
            )
        self.assertIn("self_duplicate", codes(caught.exception))
        self.assertEqual(
            set(Input.objects.values_list("status", flat=True)), {Status.NEW}
        )
