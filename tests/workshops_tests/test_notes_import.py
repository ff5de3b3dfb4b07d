import io

from django.conf import settings
from openpyxl import load_workbook

from procurement.models import Event
from tests.workshops_tests.workshop_world import WorkshopWorld, workbook_bytes
from workshops.models import Input
from workshops.services.capture import input_capture

HEADER = [
    "Text",
    "Kind",
    "Area",
    "Raised by organisations",
    "Raised by participants",
]


class NotesTemplateTests(WorkshopWorld):
    def test_the_template_has_the_columns_and_the_workshops_people(self):
        self.login(self.staff)
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        response = self.client.get(self.workshop_url("notes/template.xlsx"))
        self.assertEqual(response.status_code, 200)
        book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
        self.assertEqual([c.value for c in book.worksheets[0][1]], HEADER)
        people = book["Participants"]
        names = [row[0] for row in people.iter_rows(min_row=2, values_only=True)]
        self.assertEqual(names, ["Kari Nordmann", "Ola Nordmann"])

    def test_outsiders_get_404(self):
        self.login(self.outsider)
        response = self.client.get(self.workshop_url("notes/template.xlsx"))
        self.assertEqual(response.status_code, 404)


class NotesImportTests(WorkshopWorld):
    def url(self) -> str:
        return self.workshop_url("notes/import/")

    def preview(self, rows, header=HEADER):
        return self.client.post(
            self.url(),
            {"file": workbook_bytes([header, *rows]), "action": "preview"},
        )

    def test_preview_then_apply_adds_the_rows_after_the_last_number(self):
        input_capture(workshop=self.workshop, text="Først", kind="need", by=self.staff)
        self.login(self.staff)
        response = self.preview(
            [
                ["Felles kurve.", "Problem", "2", "Molde kommune; 942110464", ""],
                ["Allergi øverst.", "", "Journal", "", "Kari Nordmann"],
            ]
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.context["plan"].errors, [])
        self.assertEqual(Input.objects.count(), 1)
        response = self.client.post(
            self.url(), {"action": "apply", "token": response.context["token"]}
        )
        self.assertEqual(response.status_code, 302)
        second, third = Input.objects.filter(number__gt=1).order_by("number")
        self.assertEqual((second.number, third.number), (2, 3))
        self.assertEqual(second.kind, "problem")
        self.assertEqual(second.area, self.security)
        self.assertEqual(
            set(second.raised_by_organisations.all()), {self.molde, self.trondheim}
        )
        self.assertEqual(third.kind, "need")
        self.assertEqual(list(third.raised_by_participants.all()), [self.nurse])
        self.assertEqual(list(third.raised_by_organisations.all()), [self.hospital])
        event = Event.objects.get(action="inputs.imported")
        self.assertEqual(event.data["created"], 2)

    def test_each_row_error_names_its_row_and_column_and_nothing_is_saved(self):
        self.login(self.staff)
        response = self.preview(
            [
                ["", "Need", "", "", ""],
                ["Ring 412 34 567", "Need", "", "", ""],
                ["Tekst", "Ønske", "", "", ""],
                ["Tekst", "Need", "77", "Atlantis HF", ""],
                ["Tekst", "Need", "", "", "Per Hansen"],
                ["Gyldig rad", "Idea", "", "", ""],
            ]
        )
        found = {(p.row, p.letter, p.code) for p in response.context["plan"].errors}
        self.assertEqual(
            found,
            {
                (2, "A", "empty_text"),
                (3, "A", "personal_data"),
                (4, "B", "unknown_kind"),
                (5, "C", "unknown_area"),
                (5, "D", "unknown_organisation"),
                (6, "E", "unknown_participant"),
            },
        )
        self.assertEqual(response.context["token"], "")
        self.assertFalse(Input.objects.exists())

    def test_wrong_or_missing_columns_refuse_the_file(self):
        self.login(self.staff)
        response = self.preview([["Tekst", "Need"]], header=["Tekst?", "Kind"])
        self.assertEqual(response.status_code, 400)
        codes = [e.code for e in response.context["form"].errors.as_data()["file"]]
        self.assertEqual(codes, ["wrong_columns"])
        self.assertFalse(Input.objects.exists())

    def test_a_participant_removed_after_the_preview_stops_the_apply(self):
        self.login(self.staff)
        response = self.preview([["Tekst", "", "", "", "Ola Nordmann"]])
        token = response.context["token"]
        self.workshop.attendances.filter(participant=self.doctor).delete()
        response = self.client.post(self.url(), {"action": "apply", "token": token})
        self.assertEqual(response.status_code, 409)
        codes = [p.code for p in response.context["plan"].errors]
        self.assertEqual(codes, ["unknown_participant"])
        self.assertFalse(Input.objects.exists())

    def test_read_only_roles_get_403_outsiders_404_wrong_method_405(self):
        for person in (self.manager, self.evaluator):
            self.login(person)
            self.assertEqual(self.client.get(self.url()).status_code, 403)
        self.login(self.outsider)
        self.assertEqual(self.client.get(self.url()).status_code, 404)
        self.login(self.staff)
        self.assertEqual(self.client.delete(self.url()).status_code, 405)
