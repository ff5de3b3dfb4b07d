import io

from django.conf import settings
from openpyxl import load_workbook

from procurement.models import Event
from tests.workshops_tests.workshop_world import WorkshopWorld, workbook_bytes
from workshops.models import Attendance, Participant

HEADER = ["Name", "Profession / role", "Organisation", "User representative"]


class ParticipantTemplateTests(WorkshopWorld):
    def test_the_template_has_the_columns_lists_and_an_explanation_sheet(self):
        self.login(self.staff)
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        response = self.client.get(f"{self.base()}/participants/import/template.xlsx")
        self.assertEqual(response.status_code, 200)
        book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
        sheet = book.worksheets[0]
        self.assertEqual([cell.value for cell in sheet[1]], HEADER)
        lists = [v.formula1 for v in sheet.data_validations.dataValidation]
        self.assertEqual(len(lists), 3)  # profession, organisation, yes/no
        self.assertIn("About the columns", book.sheetnames)

    def test_outsiders_get_404(self):
        self.login(self.outsider)
        response = self.client.get(f"{self.base()}/participants/import/template.xlsx")
        self.assertEqual(response.status_code, 404)


class ParticipantImportTests(WorkshopWorld):
    def url(self) -> str:
        return f"{self.base()}/participants/import/"

    def preview(self, rows, header=HEADER, workshop=None):
        data = {"file": workbook_bytes([header, *rows]), "action": "preview"}
        if workshop is not None:
            data["workshop"] = workshop.pk
        return self.client.post(self.url(), data)

    def test_preview_then_apply_registers_everyone_and_their_attendance(self):
        self.login(self.staff)
        response = self.preview(
            [
                ["Siri Berg", "nurse", "Trondheim kommune", "nei"],
                ["Lars Moe", "user_representative", "983658776", "Ja"],
                ["Kari Nordmann", "Nurse", "St. Olavs hospital HF", ""],
            ],
            workshop=self.workshop,
        )
        self.assertEqual(response.status_code, 200)
        plan = response.context["plan"]
        self.assertEqual(len(plan.new), 2)
        self.assertEqual(len(plan.existing), 1)
        self.assertEqual(plan.errors, [])
        self.assertFalse(Participant.objects.filter(name="Siri Berg").exists())
        response = self.client.post(
            self.url(), {"action": "apply", "token": response.context["token"]}
        )
        self.assertRedirects(response, self.workshop.get_absolute_url())
        lars = Participant.objects.get(name="Lars Moe")
        self.assertTrue(lars.user_representative)
        self.assertEqual(lars.organisation, self.rhf)
        self.assertEqual(
            set(
                Attendance.objects.filter(workshop=self.workshop).values_list(
                    "participant__name", flat=True
                )
            ),
            {"Kari Nordmann", "Ola Nordmann", "Siri Berg", "Lars Moe"},
        )
        event = Event.objects.get(action="participants.imported")
        self.assertEqual(event.data["created"], 2)
        self.assertEqual(event.data["registered"], 2)

    def test_each_row_error_names_its_row_and_column_and_nothing_can_be_applied(
        self,
    ):
        self.login(self.staff)
        response = self.preview(
            [
                ["", "Nurse", "Trondheim kommune", ""],
                ["Siri Berg", "Astronaut", "Trondheim kommune", ""],
                ["Lars Moe", "Doctor", "Atlantis HF", ""],
                ["Siri Berg", "Nurse", "trondheim  kommune", "kanskje"],
                ["Ola Moe ola@example.no", "Nurse", "Trondheim kommune", ""],
            ]
        )
        plan = response.context["plan"]
        found = {(p.row, p.letter, p.code) for p in plan.errors}
        self.assertEqual(
            found,
            {
                (2, "A", "missing_name"),
                (3, "B", "unknown_profession"),
                (4, "C", "unknown_organisation"),
                (5, "D", "invalid_yes_no"),
                (5, "A", "duplicate_row"),
                (6, "A", "personal_data"),
            },
        )
        self.assertEqual(response.context["token"], "")
        self.assertContains(response, 'id="import-errors"')
        self.assertFalse(Participant.objects.filter(name="Siri Berg").exists())

    def test_wrong_or_missing_columns_refuse_the_file(self):
        self.login(self.staff)
        response = self.preview(
            [["Siri Berg", "Trondheim kommune", "Ja"]],
            header=["Name", "Organisation", "Phone"],
        )
        self.assertEqual(response.status_code, 400)
        codes = [e.code for e in response.context["form"].errors.as_data()["file"]]
        self.assertEqual(codes, ["wrong_columns"])
        self.assertFalse(Participant.objects.filter(name="Siri Berg").exists())

    def test_a_stale_token_imports_nothing(self):
        self.login(self.staff)
        response = self.client.post(
            self.url(), {"action": "apply", "token": "0" * 32}, follow=True
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(Participant.objects.count(), 3)

    def test_rows_registered_meanwhile_show_the_preview_again(self):
        self.login(self.staff)
        response = self.preview([["Siri Berg", "Nurse", "Trondheim kommune", ""]])
        token = response.context["token"]
        Participant.objects.create(
            procurement=self.procurement,
            name="Siri Berg",
            profession="nurse",
            organisation=self.trondheim,
        )
        response = self.client.post(self.url(), {"action": "apply", "token": token})
        self.assertEqual(response.status_code, 409)
        self.assertEqual(len(response.context["plan"].existing), 1)
        self.assertEqual(Participant.objects.filter(name="Siri Berg").count(), 1)
        self.assertFalse(Event.objects.filter(action="participants.imported"))

    def test_read_only_roles_get_403_outsiders_404_wrong_method_405(self):
        for person in (self.manager, self.evaluator, self.lead):
            self.login(person)
            self.assertEqual(self.client.get(self.url()).status_code, 403)
        self.login(self.outsider)
        self.assertEqual(self.client.get(self.url()).status_code, 404)
        self.login(self.staff)
        self.assertEqual(self.client.put(self.url()).status_code, 405)
