import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.workshops_tests.workshop_world import WorkshopWorld, when
from workshops.models import Input, Workshop
from workshops.services.capture import input_capture

JSON = {"HTTP_ACCEPT": "application/json"}


class CaptureTestCase(WorkshopWorld):
    def url(self) -> str:
        return self.workshop_url("capture/")

    def post(self, json: bool = True, **data):
        fields = {"text": "Legemiddellisten må vises samlet.", "kind": "need"}
        fields.update(data)
        return self.client.post(self.url(), fields, **(JSON if json else {}))


class CapturePageTests(CaptureTestCase):
    def test_staff_get_a_page_with_the_text_box_in_focus(self):
        self.login(self.staff)
        response = self.client.get(self.url())
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'id="capture-form"')
        self.assertContains(response, "autofocus")
        self.assertContains(response, "js/capture.js")
        # The workshop's area is the default; attendees are offered as quick-picks.
        self.assertEqual(response.context["form"]["area"].value(), self.journal.pk)
        self.assertContains(response, f'value="{self.nurse.pk}"')
        self.assertNotContains(response, f'value="{self.pharmacist.pk}" data-key')

    def test_read_only_roles_get_403_and_outsiders_404(self):
        for person in (self.manager, self.evaluator, self.lead):
            self.login(person)
            self.assertEqual(self.client.get(self.url()).status_code, 403)
            self.assertEqual(self.post().status_code, 403)
        self.login(self.outsider)
        self.assertEqual(self.client.get(self.url()).status_code, 404)
        self.assertEqual(self.post().status_code, 404)
        self.assertFalse(Input.objects.exists())

    def test_it_rejects_the_wrong_method(self):
        self.login(self.staff)
        self.assertEqual(self.client.put(self.url()).status_code, 405)


class CaptureWithoutJavaScriptTests(CaptureTestCase):
    def test_a_plain_post_adds_the_input_and_comes_back_to_the_page(self):
        self.login(self.staff)
        response = self.post(
            json=False, kind="problem", area=self.security.pk, client_token=""
        )
        self.assertRedirects(
            response, f"{self.url()}?kind=problem&area={self.security.pk}"
        )
        captured = Input.objects.get()
        self.assertEqual(captured.number, 1)
        self.assertEqual(captured.created_by, self.staff)
        self.assertEqual(captured.history.first().history_user, self.staff)

    def test_a_refused_plain_post_keeps_the_text_in_the_box(self):
        self.login(self.staff)
        text = "Ring meg på 412 34 567 om dette."
        response = self.post(json=False, text=text)
        self.assertEqual(response.status_code, 400)
        codes = {e.code for e in response.context["form"].errors.as_data()["text"]}
        self.assertIn("personal_data", codes)
        self.assertContains(response, text, status_code=400)
        self.assertFalse(Input.objects.exists())


class CaptureJsonTests(CaptureTestCase):
    def test_it_adds_inputs_with_increasing_numbers_and_returns_the_list_item(self):
        self.login(self.staff)
        first = self.post()
        second = self.post(text="Allergier skal vises øverst.")
        self.assertEqual(first.status_code, 201)
        self.assertEqual(second.json()["number"], 2)
        self.assertIn('id="input-2"', second.json()["html"])
        self.assertEqual(list(Input.objects.values_list("number", flat=True)), [1, 2])

    def test_an_empty_text_is_refused_with_its_code(self):
        self.login(self.staff)
        response = self.post(text="   \n ")
        self.assertEqual(response.status_code, 400)
        errors = response.json()["errors"]
        self.assertEqual([e["code"] for e in errors["text"]], ["empty_text"])
        self.assertFalse(Input.objects.exists())

    def test_personal_data_is_refused_with_its_code(self):
        self.login(self.staff)
        response = self.post(text="Send til kari.nordmann@stolav.no")
        self.assertEqual(response.status_code, 400)
        codes = {e["code"] for e in response.json()["errors"]["text"]}
        self.assertEqual(codes, {"personal_data"})
        self.assertFalse(Input.objects.exists())

    def test_an_unknown_organisation_is_refused_naming_it(self):
        self.login(self.staff)
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        response = self.post(more_organisations="Trondheim kommune; Atlantis HF")
        self.assertEqual(response.status_code, 400)
        errors = response.json()["errors"]["more_organisations"]
        self.assertEqual([e["code"] for e in errors], ["unknown_organisation"])
        self.assertIn("Atlantis HF", errors[0]["message"])
        response = self.post(organisations=[999999])
        codes = [e["code"] for e in response.json()["errors"]["organisations"]]
        self.assertEqual(codes, ["unknown_organisation"])
        self.assertFalse(Input.objects.exists())

    def test_a_participant_not_in_the_workshop_is_refused(self):
        self.login(self.staff)
        response = self.post(participants=[self.pharmacist.pk])
        self.assertEqual(response.status_code, 400)
        codes = [e["code"] for e in response.json()["errors"]["participants"]]
        self.assertEqual(codes, ["unknown_participant"])
        self.assertFalse(Input.objects.exists())

    def test_organisations_by_name_or_number_and_the_participants_own_count(self):
        self.login(self.staff)
        response = self.post(
            more_organisations="molde kommune ; 983 658 776",
            participants=[self.nurse.pk],
        )
        self.assertEqual(response.status_code, 201)
        captured = Input.objects.get()
        self.assertEqual(
            set(captured.raised_by_organisations.all()),
            {self.molde, self.rhf, self.hospital},
        )
        self.assertEqual(list(captured.raised_by_participants.all()), [self.nurse])

    def test_resending_the_same_token_returns_the_input_already_made(self):
        self.login(self.staff)
        token = str(uuid.uuid4())
        first = self.post(client_token=token)
        again = self.post(client_token=token)
        self.assertEqual(first.status_code, 201)
        self.assertEqual(again.status_code, 200)
        self.assertTrue(again.json()["resent"])
        self.assertEqual(again.json()["number"], first.json()["number"])
        self.assertEqual(Input.objects.count(), 1)


class CaptureServiceTests(WorkshopWorld):
    def capture(self, **kwargs) -> Input:
        fields = {
            "workshop": self.workshop,
            "text": "Felles kurve for sykehus og kommune.",
            "kind": Input.Kind.NEED,
            "by": self.staff,
        }
        fields.update(kwargs)
        return input_capture(**fields)

    def test_numbers_go_on_from_the_highest_one_per_workshop(self):
        other = Workshop.objects.create(
            procurement=self.procurement,
            title="Annet",
            starts_at=when(2),
            ends_at=when(2, 12),
        )
        self.assertEqual(self.capture().number, 1)
        second = self.capture()
        self.assertEqual(second.number, 2)
        self.assertEqual(self.capture(workshop=other).number, 1)
        Input.objects.filter(pk=second.pk).delete()
        self.assertEqual(self.capture().number, 2)
        self.assertEqual(self.capture().number, 3)

    def test_the_workshop_row_is_locked_while_the_number_is_taken(self):
        with CaptureQueriesContext(connection) as queries:
            self.capture()
        locking = [q["sql"] for q in queries if "workshops_workshop" in q["sql"]]
        if connection.features.has_select_for_update:
            self.assertIn("FOR UPDATE", locking[0])
        else:
            self.assertTrue(locking)

    def test_a_known_token_returns_the_same_input_and_changes_nothing(self):
        token = uuid.uuid4()
        made = self.capture(client_token=token)
        again = self.capture(client_token=str(token), text="Noe helt annet")
        self.assertEqual(again.pk, made.pk)
        again.refresh_from_db()
        self.assertEqual(again.text, "Felles kurve for sykehus og kommune.")
        self.assertEqual(Input.objects.count(), 1)

    def test_a_token_from_another_workshop_is_refused(self):
        other = Workshop.objects.create(
            procurement=self.procurement,
            title="Annet",
            starts_at=when(2),
            ends_at=when(2, 12),
        )
        token = uuid.uuid4()
        self.capture(client_token=token)
        with self.assertRaises(ValidationError) as caught:
            self.capture(workshop=other, client_token=token)
        self.assertEqual(caught.exception.code, "token_in_use")
        self.assertEqual(other.inputs.count(), 0)

    def test_bad_input_is_refused_by_field_with_nothing_saved(self):
        with self.assertRaises(ValidationError) as caught:
            self.capture(
                text="",
                area=self.foreign_section(),
                participants=[self.pharmacist],
            )
        codes = {
            field: [e.code for e in errors]
            for field, errors in caught.exception.error_dict.items()
        }
        self.assertEqual(
            codes,
            {
                "text": ["empty_text"],
                "area": ["invalid_area"],
                "participants": ["unknown_participant"],
            },
        )
        self.assertFalse(Input.objects.exists())

    def foreign_section(self):
        from procurement.services import specification as spec

        return spec.section_save(
            by=self.staff, procurement=self.foreign, number="9", title="Lab"
        )
