import re

from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from procurement.models import Event, Requirement
from tests.workshops_tests.triage_world import TriageTestCase
from workshops.models import Input
from workshops.services import triage

Status = Input.Status


def attempt_on(response) -> str:
    """The conflict page's list of what the user entered (not saved)."""
    found = re.search(
        r'<dl class="facts" id="triage-attempt">.*?</dl>',
        response.content.decode(),
        re.S,
    )
    assert found, "no list of what the user entered"
    return found.group(0)


class QueueTests(TriageTestCase):
    def url(self, query: str = "") -> str:
        return f"{self.base()}/triage/{query}"

    def test_it_lists_new_input_oldest_first_with_bulk_form_for_staff(self):
        triage.input_reject(by=self.staff, input=self.login_input, reason="Nei.")
        self.login(self.staff)
        response = self.client.get(self.url())
        self.assertEqual(response.status_code, 200)
        rows = list(response.context["table"].page.object_list)
        self.assertEqual(
            [row.record for row in rows], [self.allergy_input, self.allergy_again]
        )
        self.assertContains(response, 'id="triage-bulk-form"')

    def test_all_statuses_and_filters(self):
        triage.input_reject(by=self.staff, input=self.login_input, reason="Nei.")
        self.login(self.staff)
        response = self.client.get(self.url("?status="))
        self.assertEqual(len(response.context["table"].page.object_list), 3)
        response = self.client.get(self.url("?status=rejected"))
        self.assertEqual(
            [r.record for r in response.context["table"].page.object_list],
            [self.login_input],
        )
        response = self.client.get(self.url(f"?organisation={self.molde.pk}"))
        self.assertEqual(
            [r.record for r in response.context["table"].page.object_list],
            [self.allergy_again],
        )
        response = self.client.get(self.url("?q=Pasientjournalen+bør"))
        self.assertEqual(len(response.context["table"].page.object_list), 1)
        response = self.client.get(self.url(f"?workshop={self.workshop_2.pk}&status="))
        self.assertEqual(len(response.context["table"].page.object_list), 1)

    def test_read_only_roles_may_read_without_the_bulk_form(self):
        self.login(self.manager)
        response = self.client.get(self.url())
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, 'id="triage-bulk-form"')

    def test_it_hides_from_outsiders(self):
        self.login(self.outsider)
        self.assertEqual(self.client.get(self.url()).status_code, 404)

    def test_it_rejects_post(self):
        self.login(self.staff)
        self.assertEqual(self.client.post(self.url()).status_code, 405)

    def test_query_count_does_not_grow_with_rows(self):
        self.login(self.staff)
        self.client.get(self.url())  # session and caches warm
        with CaptureQueriesContext(connection) as few:
            self.client.get(self.url())
        for n in range(20):
            self.make_input(
                self.workshop_2,
                f"Innspill nummer {n} om tilgang",
                area=self.security,
                organisations=[self.hospital, self.molde],
            )
        with self.assertNumQueries(len(few)):
            response = self.client.get(self.url())
        self.assertEqual(len(response.context["table"].page.object_list), 23)

    def test_the_query_count_is_pinned(self):
        self.login(self.staff)
        # session, user, groups, procurement, count, the filter's workshops,
        # areas and organisations, the page of inputs, their organisations,
        # and the session's save (3)
        with self.assertNumQueries(13):
            self.client.get(self.url())


class BulkViewTests(TriageTestCase):
    def url(self) -> str:
        return f"{self.base()}/triage/bulk/"

    def test_staff_link_all_selected_to_one_requirement(self):
        self.login(self.staff)
        response = self.client.post(
            self.url(),
            {
                "selected": [self.allergy_input.pk, self.allergy_again.pk],
                "decision": "link",
                "requirement": self.allergy.key.lower(),
            },
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(self.allergy.origin_inputs.count(), 2)
        self.assertEqual(Event.objects.filter(action="inputs.triaged").count(), 1)

    def test_one_invalid_item_leaves_all_untouched(self):
        triage.input_reject(by=self.staff, input=self.login_input, reason="Nei.")
        self.login(self.staff)
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        response = self.client.post(
            self.url(),
            {
                "selected": [self.allergy_input.pk, self.login_input.pk],
                "decision": "reject",
                "reason": "Dekket.",
            },
        )
        self.assertContains(
            response, f"Already triaged: #{self.login_input.pk}", status_code=400
        )
        self.assertEqual(self.fresh(self.allergy_input).status, Status.NEW)
        self.assertEqual(self.fresh(self.login_input).reason, "Nei.")

    def test_bulk_reject_needs_a_reason_and_refuses_personal_data(self):
        self.login(self.staff)
        for reason in ("", "Skriv til ola@example.no"):
            self.client.post(
                self.url(),
                {
                    "selected": [self.allergy_input.pk],
                    "decision": "reject",
                    "reason": reason,
                },
            )
        self.assertEqual(self.fresh(self.allergy_input).status, Status.NEW)

    def test_management_is_refused(self):
        self.login(self.manager)
        response = self.client.post(
            self.url(),
            {"selected": [self.allergy_input.pk], "decision": "reject", "reason": "X"},
        )
        self.assertEqual(response.status_code, 403)
        self.assertEqual(self.fresh(self.allergy_input).status, Status.NEW)

    def test_outsiders_get_404_and_get_goes_to_the_queue(self):
        self.login(self.outsider)
        self.assertEqual(self.client.post(self.url()).status_code, 404)
        self.assertEqual(self.client.get(self.url()).status_code, 404)
        self.login(self.staff)
        # Filter, sort and page links on a re-shown queue page land here.
        response = self.client.get(self.url() + "?status=&page=1")
        self.assertRedirects(response, f"{self.base()}/triage/?status=&page=1")

    def ticked(self, response) -> set[int]:
        boxes = re.findall(
            r'<input type="checkbox" name="selected" value="(\d+)"[^>]*>',
            response.content.decode(),
        )
        checked = re.findall(
            r'<input type="checkbox" name="selected" value="(\d+)"[^>]* checked>',
            response.content.decode(),
        )
        self.assertTrue(boxes)
        return {int(pk) for pk in checked}

    def test_a_reason_refused_for_personal_data_is_kept_with_the_ticked_inputs(self):
        self.login(self.staff)
        reason = "Uaktuelt, spør kari@hso.no"
        back = f"{self.base()}/triage/?q=allergier&status=new"
        response = self.client.post(
            self.url(),
            {
                "next": back,
                "selected": [self.allergy_input.pk, self.allergy_again.pk],
                "decision": "reject",
                "reason": reason,
            },
        )
        self.assertEqual(response.status_code, 400)
        form = response.context["bulk_form"]
        self.assertIn(
            "personal_data", {e.code for e in form.errors.as_data()["reason"]}
        )
        # The reason is in its field, next to its error, to be edited.
        self.assertContains(response, f">\n{reason}</textarea>", status_code=400)
        self.assertContains(response, 'id="id_reason_error"', status_code=400)
        self.assertEqual(
            self.ticked(response), {self.allergy_input.pk, self.allergy_again.pk}
        )
        # The same filters as before, and the way back to them.
        self.assertEqual(response.context["filter"].form["q"].value(), "allergier")
        self.assertEqual(
            {row.record for row in response.context["table"].page.object_list},
            {self.allergy_input, self.allergy_again},
        )
        self.assertContains(
            response,
            f'name="next" value="{back.replace("&", "&amp;")}"',
            status_code=400,
        )
        self.assertEqual(self.fresh(self.allergy_input).status, Status.NEW)
        self.assertEqual(self.fresh(self.allergy_again).status, Status.NEW)

    def test_an_input_decided_meanwhile_keeps_the_decision_and_the_other_ticks(self):
        triage.input_reject(by=self.lead, input=self.login_input, reason="Nei.")
        self.login(self.staff)
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        response = self.client.post(
            self.url(),
            {
                "next": f"{self.base()}/triage/?status=",
                "selected": [
                    self.allergy_input.pk,
                    self.allergy_again.pk,
                    self.login_input.pk,
                ],
                "decision": "link",
                "requirement": self.allergy.key.lower(),
                "reason": "Samme behov som kravet.",
            },
        )
        self.assertEqual(response.status_code, 400)
        self.assertContains(
            response, f"Already triaged: #{self.login_input.pk}", status_code=400
        )
        form = response.context["bulk_form"]
        self.assertEqual(form["decision"].value(), "link")
        self.assertEqual(form["requirement"].value(), self.allergy.key.lower())
        self.assertContains(response, "Samme behov som kravet.", status_code=400)
        self.assertContains(
            response, f'value="{self.allergy.key.lower()}"', status_code=400
        )
        self.assertContains(response, '<option value="link" selected>', status_code=400)
        self.assertEqual(
            self.ticked(response),
            {self.allergy_input.pk, self.allergy_again.pk, self.login_input.pk},
        )
        self.assertFalse(self.allergy.origin_inputs.exists())
        self.assertEqual(self.fresh(self.login_input).reason, "Nei.")

    def test_an_unknown_original_is_refused_next_to_the_field_and_kept(self):
        self.login(self.staff)
        response = self.client.post(
            self.url(),
            {
                "selected": [self.allergy_again.pk],
                "decision": "duplicate",
                "original": "#99999",
                "reason": "Samme som et eldre innspill.",
            },
        )
        self.assertEqual(response.status_code, 400)
        errors = response.context["bulk_form"].errors.as_data()
        self.assertEqual(errors["original"][0].code, "unknown_input")
        self.assertContains(response, 'id="id_original_error"', status_code=400)
        self.assertContains(response, 'value="#99999"', status_code=400)
        self.assertContains(response, "Samme som et eldre innspill.", status_code=400)
        self.assertEqual(self.ticked(response), {self.allergy_again.pk})
        self.assertEqual(self.fresh(self.allergy_again).status, Status.NEW)


class InputDetailTests(TriageTestCase):
    def test_it_shows_the_input_with_suggestions_and_history(self):
        self.login(self.staff)
        response = self.client.get(self.input_url(self.allergy_input))
        self.assertEqual(response.status_code, 200)
        suggestions = response.context["suggestions"]
        self.assertEqual(suggestions.inputs[0][0], self.allergy_again)
        self.assertEqual(suggestions.requirements[0][0], self.allergy)
        self.assertEqual(len(response.context["history"]), 1)
        self.assertContains(response, 'id="decision-reject"')

    def test_read_only_roles_see_it_without_decisions(self):
        for user in (self.manager, self.evaluator, self.lead):
            self.login(user)
            response = self.client.get(self.input_url(self.allergy_input))
            self.assertEqual(response.status_code, 200)
            self.assertNotContains(response, 'id="decision-reject"')

    def test_outsiders_and_other_procurements_get_404(self):
        self.login(self.outsider)
        self.assertEqual(
            self.client.get(self.input_url(self.allergy_input)).status_code, 404
        )
        self.login(self.staff)
        url = f"/procurements/{self.foreign.pk}/inputs/{self.allergy_input.pk}/"
        self.assertEqual(self.client.get(url).status_code, 404)

    def test_it_searches_requirements_and_inputs_to_pick(self):
        self.login(self.staff)
        response = self.client.get(
            self.input_url(self.login_input) + "?rq=journ-0001&iq=allergier"
        )
        self.assertEqual(list(response.context["requirement_results"]), [self.allergy])
        self.assertEqual(
            set(response.context["input_results"]),
            {self.allergy_input, self.allergy_again},
        )

    def test_post_is_405(self):
        self.login(self.staff)
        self.assertEqual(
            self.client.post(self.input_url(self.allergy_input)).status_code, 405
        )


class DecisionViewTests(TriageTestCase):
    def test_reject_with_a_reason(self):
        self.login(self.staff)
        response = self.client.post(
            self.input_url(self.login_input, "reject/"),
            {"reject-version": 1, "reject-reason": "Utenfor omfang."},
        )
        self.assertRedirects(response, self.input_url(self.login_input))
        item = self.fresh(self.login_input)
        self.assertEqual((item.status, item.decided_by), (Status.REJECTED, self.staff))
        history = self.client.get(self.input_url(self.login_input)).context["history"]
        self.assertEqual(
            [c["new"] for c in history[0]["changes"] if c["old"] == "–"],
            ["Utenfor omfang."],
        )

    def test_reject_without_reason_keeps_the_page_and_says_why(self):
        self.login(self.staff)
        response = self.client.post(
            self.input_url(self.login_input, "reject/"),
            {"reject-version": 1, "reject-reason": ""},
        )
        self.assertEqual(response.status_code, 400)
        form = response.context["forms"]["reject"]
        self.assertEqual(form.errors.as_data()["reason"][0].code, "required")
        self.assertEqual(self.fresh(self.login_input).status, Status.NEW)

    def test_reject_with_personal_data_keeps_the_text(self):
        self.login(self.staff)
        reason = "Avklart med 01010012356 i dag"
        reason = "Spør ola.nordmann@example.no"
        response = self.client.post(
            self.input_url(self.login_input, "reject/"),
            {"reject-version": 1, "reject-reason": reason},
        )
        self.assertEqual(response.status_code, 400)
        form = response.context["forms"]["reject"]
        self.assertIn(
            "personal_data", {e.code for e in form.errors.as_data()["reason"]}
        )
        self.assertContains(response, "ola.nordmann@example.no", status_code=400)
        self.assertEqual(self.fresh(self.login_input).status, Status.NEW)

    def test_link_by_key(self):
        self.login(self.staff)
        response = self.client.post(
            self.input_url(self.allergy_input, "link/"),
            {"link-version": 1, "link-requirement": self.allergy.key},
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(list(self.allergy.origin_inputs.all()), [self.allergy_input])

    def test_link_to_an_unknown_key_is_refused(self):
        self.login(self.staff)
        response = self.client.post(
            self.input_url(self.allergy_input, "link/"),
            {"link-version": 1, "link-requirement": "NOPE-1"},
        )
        self.assertEqual(response.status_code, 400)
        errors = response.context["forms"]["link"].errors.as_data()
        self.assertEqual(errors["requirement"][0].code, "unknown_requirement")

    def test_duplicate_of_itself_is_refused(self):
        self.login(self.staff)
        response = self.client.post(
            self.input_url(self.allergy_input, "duplicate/"),
            {"duplicate-version": 1, "duplicate-original": self.allergy_input.pk},
        )
        self.assertEqual(response.status_code, 400)
        errors = response.context["forms"]["duplicate"].errors.as_data()
        self.assertEqual(errors["original"][0].code, "self_duplicate")

    def test_duplicate_of_its_own_duplicate_is_refused(self):
        triage.input_mark_duplicate(
            by=self.staff, input=self.allergy_again, original=self.allergy_input
        )
        self.login(self.staff)
        response = self.client.post(
            self.input_url(self.allergy_input, "duplicate/"),
            {"duplicate-version": 1, "duplicate-original": f"#{self.allergy_again.pk}"},
        )
        self.assertEqual(response.status_code, 400)
        errors = response.context["forms"]["duplicate"].errors.as_data()
        self.assertEqual(errors["original"][0].code, "self_duplicate")
        self.assertEqual(self.fresh(self.allergy_input).status, Status.NEW)

    def test_duplicate(self):
        self.login(self.staff)
        response = self.client.post(
            self.input_url(self.allergy_again, "duplicate/"),
            {"duplicate-version": 1, "duplicate-original": self.allergy_input.pk},
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(
            self.fresh(self.allergy_again).duplicate_of, self.allergy_input
        )
        page = self.client.get(self.input_url(self.allergy_again))
        self.assertEqual(page.context["original"], self.allergy_input)

    def test_someone_else_deciding_first_is_a_409_showing_both(self):
        triage.input_reject(by=self.lead, input=self.allergy_input, reason="Nei takk.")
        self.login(self.staff)
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        response = self.client.post(
            self.input_url(self.allergy_input, "link/"),
            {"link-version": 1, "link-requirement": self.allergy.key},
        )
        self.assertEqual(response.status_code, 409)
        self.assertContains(response, 'id="triage-conflict"', status_code=409)
        self.assertContains(response, "Nei takk.", status_code=409)
        self.assertContains(response, "link it to a requirement", status_code=409)
        self.assertEqual(response.context["conflict"].decided_by, self.lead)
        self.assertFalse(self.allergy.origin_inputs.exists())

    def test_a_typed_reject_reason_is_on_the_409_page_and_not_saved(self):
        triage.input_reject(by=self.lead, input=self.allergy_input, reason="Nei takk.")
        self.login(self.staff)
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        response = self.client.post(
            self.input_url(self.allergy_input, "reject/"),
            {"reject-version": 1, "reject-reason": "Dekkes av JOURN-0001 allerede."},
        )
        self.assertEqual(response.status_code, 409)
        self.assertContains(response, "Nei takk.", status_code=409)
        self.assertIn(
            ("Reason", "Dekkes av JOURN-0001 allerede."),
            [(str(label), text) for label, text in response.context["typed"]],
        )
        attempt = attempt_on(response)
        self.assertIn("Dekkes av JOURN-0001 allerede.", attempt)
        item = self.fresh(self.allergy_input)
        self.assertEqual((item.reason, item.decided_by), ("Nei takk.", self.lead))

    def test_a_decision_refused_after_a_reopen_is_filled_in_again(self):
        triage.input_reject(by=self.lead, input=self.allergy_input, reason="Nei.")
        triage.input_reopen(by=self.lead, input=self.allergy_input, reason="Likevel.")
        self.login(self.staff)
        response = self.client.post(
            self.input_url(self.allergy_input, "link/"),
            {
                "link-version": 1,
                "link-requirement": self.allergy.key,
                "link-reason": "Samme behov.",
            },
        )
        self.assertEqual(response.status_code, 409)
        form = response.context["forms"]["link"]
        self.assertEqual(form["requirement"].value(), self.allergy.key)
        self.assertEqual(form["reason"].value(), "Samme behov.")
        self.assertEqual(
            form["version"].value(), self.fresh(self.allergy_input).version
        )
        self.assertFalse(self.allergy.origin_inputs.exists())

    def test_reopen(self):
        triage.input_reject(by=self.staff, input=self.login_input, reason="Nei.")
        self.login(self.staff)
        response = self.client.post(
            self.input_url(self.login_input, "reopen/"),
            {"reopen-version": 2, "reopen-reason": "Ny informasjon."},
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(self.fresh(self.login_input).status, Status.NEW)

    def test_decisions_refuse_read_only_roles_outsiders_and_get(self):
        for suffix in ("reject/", "link/", "duplicate/", "reopen/", "accept/"):
            url = self.input_url(self.login_input, suffix)
            self.login(self.manager)
            self.assertEqual(self.client.post(url).status_code, 403, suffix)
            self.login(self.evaluator)
            self.assertEqual(self.client.post(url).status_code, 403, suffix)
            self.login(self.outsider)
            self.assertEqual(self.client.post(url).status_code, 404, suffix)
            if suffix != "accept/":
                self.login(self.staff)
                self.assertEqual(self.client.get(url).status_code, 405, suffix)
        self.login(self.staff)
        url = self.input_url(self.login_input, "accept/")
        self.assertEqual(self.client.put(url).status_code, 405)
        self.assertEqual(self.fresh(self.login_input).status, Status.NEW)


class AcceptViewTests(TriageTestCase):
    def url(self) -> str:
        return self.input_url(self.allergy_input, "accept/")

    def test_the_form_is_prefilled_from_the_input(self):
        self.login(self.staff)
        response = self.client.get(self.url())
        self.assertEqual(response.status_code, 200)
        form = response.context["form"]
        self.assertEqual(
            form["title"].value(),
            "Allergier må vises tydelig øverst i pasientjournalen",
        )
        self.assertEqual(form["description"].value(), self.allergy_input.text)
        self.assertEqual(form["section"].value(), self.journal.pk)
        self.assertEqual(form["kind"].value(), "V")
        self.assertEqual(
            set(form["raised_by"].value()), {self.hospital.pk, self.trondheim.pk}
        )

    def test_saving_creates_the_requirement_and_lands_on_it(self):
        self.login(self.staff)
        response = self.client.post(
            self.url(),
            {
                "input_version": 1,
                "section": self.medicine.pk,
                "title": "Allergier øverst",
                "description": "Redigert tekst.",
                "kind": "V",
                "weight": "4",
                "raised_by": [self.hospital.pk],
            },
        )
        requirement = Requirement.objects.get(title="Allergier øverst")
        self.assertRedirects(response, requirement.get_absolute_url())
        self.assertEqual(list(requirement.origin_inputs.all()), [self.allergy_input])
        self.assertEqual(
            set(
                requirement.stakeholder_links.filter(relation="raised").values_list(
                    "organisation", flat=True
                )
            ),
            {self.hospital.pk, self.trondheim.pk},
        )
        self.assertEqual(self.fresh(self.allergy_input).status, Status.ACCEPTED)

    def test_an_invalid_form_saves_nothing_and_keeps_the_text(self):
        self.login(self.staff)
        response = self.client.post(
            self.url(),
            {
                "input_version": 1,
                "section": self.medicine.pk,
                "title": "Allergier øverst",
                "description": "Min redigerte tekst.",
                "kind": "V",
                "weight": "",
            },
        )
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "Min redigerte tekst.", status_code=400)
        self.assertFalse(Requirement.objects.filter(title="Allergier øverst").exists())
        self.assertEqual(self.fresh(self.allergy_input).status, Status.NEW)

    def test_personal_data_in_the_requirement_texts_is_refused_and_kept(self):
        self.login(self.staff)
        data = {
            "input_version": 1,
            "section": self.medicine.pk,
            "title": "Allergier – spør ola@example.no",
            "description": "Pasient 01019012480 har allergi.",
            "response_instructions": "Beskriv løsningen.",
            "rationale": "Ring 41234567.",
            "kind": "V",
            "weight": "4",
        }
        response = self.client.post(self.url(), data)
        self.assertEqual(response.status_code, 400)
        errors = response.context["form"].errors.as_data()
        self.assertEqual(set(errors), {"title", "description", "rationale"})
        for field in errors:
            with self.subTest(field):
                self.assertEqual({e.code for e in errors[field]}, {"personal_data"})
        self.assertContains(
            response, "Pasient 01019012480 har allergi.", status_code=400
        )
        self.assertFalse(
            Requirement.objects.filter(title__startswith="Allergier").exists()
        )
        self.assertEqual(self.fresh(self.allergy_input).status, Status.NEW)

    def test_a_decided_input_is_sent_back_to_its_page(self):
        triage.input_reject(by=self.staff, input=self.allergy_input, reason="Nei.")
        self.login(self.staff)
        response = self.client.get(self.url())
        self.assertRedirects(response, self.input_url(self.allergy_input))

    def test_accepting_a_stale_version_is_a_409(self):
        triage.input_reject(by=self.lead, input=self.allergy_input, reason="Nei.")
        self.login(self.staff)
        response = self.client.post(
            self.url(),
            {
                "input_version": 1,
                "section": self.medicine.pk,
                "title": "Allergier",
                "kind": "I",
            },
        )
        self.assertEqual(response.status_code, 409)
        self.assertEqual(Event.objects.filter(action="inputs.triaged").count(), 1)

    def test_the_typed_accept_texts_are_on_the_409_page_and_nothing_is_saved(self):
        triage.input_reject(by=self.lead, input=self.allergy_input, reason="Nei.")
        self.login(self.staff)
        response = self.client.post(
            self.url(),
            {
                "input_version": 1,
                "section": self.medicine.pk,
                "title": "Allergier øverst i journalen",
                "description": "Min egen beskrivelse av allergivisningen.",
                "response_instructions": "Vis skjermbilder av allergifeltet.",
                "kind": "V",
                "weight": "4",
                "raised_by": [self.hospital.pk],
                "reason": "Viktig for pasientsikkerheten.",
            },
        )
        self.assertEqual(response.status_code, 409)
        self.assertContains(response, 'id="triage-conflict"', status_code=409)
        attempt = attempt_on(response)
        for text in (
            "Allergier øverst i journalen",
            "Min egen beskrivelse av allergivisningen.",
            "Vis skjermbilder av allergifeltet.",
            "Viktig for pasientsikkerheten.",
            str(self.medicine),
            self.hospital.name,
        ):
            with self.subTest(text):
                self.assertIn(text, attempt)
        self.assertFalse(
            Requirement.objects.filter(title="Allergier øverst i journalen").exists()
        )
        self.assertEqual(self.fresh(self.allergy_input).status, Status.REJECTED)
        self.assertEqual(Event.objects.filter(action="inputs.triaged").count(), 1)
