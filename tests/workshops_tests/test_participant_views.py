from django.conf import settings

from procurement.models import Event
from tests.workshops_tests.workshop_world import WorkshopWorld
from workshops.models import Attendance, Participant
from workshops.services.capture import input_capture


class ParticipantListTests(WorkshopWorld):
    def names(self, query: str = "") -> list[str]:
        response = self.client.get(f"{self.base()}/participants/?{query}")
        self.assertEqual(response.status_code, 200)
        return [row.record.name for row in response.context["table"].rows]

    def test_it_filters_by_organisation_profession_and_user_representative(self):
        Participant.objects.filter(pk=self.pharmacist.pk).update(
            user_representative=True
        )
        self.login(self.manager)
        self.assertEqual(self.names(), ["Kari Nordmann", "Ola Nordmann", "Per Hansen"])
        self.assertEqual(self.names(f"organisation={self.molde.pk}"), ["Per Hansen"])
        self.assertEqual(self.names("profession=nurse"), ["Kari Nordmann"])
        self.assertEqual(self.names("user_representative=yes"), ["Per Hansen"])
        self.assertEqual(self.names("q=hansen"), ["Per Hansen"])

    def test_read_only_roles_see_no_edit_links(self):
        self.login(self.manager)
        response = self.client.get(f"{self.base()}/participants/")
        self.assertNotIn("edit", response.context["table"].columns.names())

    def test_it_hides_from_outsiders_and_rejects_the_wrong_method(self):
        self.login(self.outsider)
        self.assertEqual(
            self.client.get(f"{self.base()}/participants/").status_code, 404
        )
        self.login(self.staff)
        self.assertEqual(
            self.client.post(f"{self.base()}/participants/").status_code, 405
        )

    def test_its_query_count_does_not_grow_with_the_participants(self):
        for number in range(20):
            Participant.objects.create(
                procurement=self.procurement,
                name=f"Deltaker {number}",
                profession="ict",
                organisation=self.rhf,
            )
        self.login(self.staff)
        self.client.get(f"{self.base()}/participants/")
        # session, user, groups, procurement, count, organisation choices,
        # one page with organisations joined, the session saved (3).
        with self.assertNumQueries(10):
            response = self.client.get(f"{self.base()}/participants/")
        self.assertEqual(len(response.context["table"].page.object_list), 23)


class ParticipantFormTests(WorkshopWorld):
    def data(self, **overrides) -> dict:
        data = {
            "name": "Siri  Berg",
            "profession": "health_worker",
            "organisation": self.trondheim.pk,
            "user_representative": "",
        }
        data.update(overrides)
        return data

    def test_staff_register_a_participant(self):
        self.login(self.staff)
        response = self.client.post(f"{self.base()}/participants/new/", self.data())
        self.assertRedirects(response, f"{self.base()}/participants/")
        participant = Participant.objects.get(name="Siri Berg")
        self.assertEqual(participant.organisation, self.trondheim)

    def test_the_same_name_in_the_same_organisation_is_refused(self):
        self.login(self.staff)
        response = self.client.post(
            f"{self.base()}/participants/new/",
            self.data(name="Kari Nordmann", organisation=self.hospital.pk),
        )
        self.assertEqual(response.status_code, 200)
        errors = response.context["form"].errors.as_data()
        self.assertEqual([e.code for e in errors["name"]], ["duplicate_participant"])
        self.assertEqual(Participant.objects.filter(name="Kari Nordmann").count(), 1)

    def test_the_same_name_in_other_letters_case_is_the_same_person(self):
        self.login(self.staff)
        response = self.client.post(
            f"{self.base()}/participants/new/",
            self.data(name="KARI  NORDMANN", organisation=self.hospital.pk),
        )
        self.assertEqual(response.status_code, 200)
        errors = response.context["form"].errors.as_data()
        self.assertEqual([e.code for e in errors["name"]], ["duplicate_participant"])
        self.assertEqual(
            Participant.objects.filter(name__iexact="kari nordmann").count(), 1
        )

    def test_a_name_with_an_email_address_or_phone_number_is_refused(self):
        self.login(self.staff)
        name = "Siri Berg siri@example.no 41234567"
        response = self.client.post(
            f"{self.base()}/participants/new/", self.data(name=name)
        )
        self.assertEqual(response.status_code, 200)
        errors = response.context["form"].errors.as_data()
        self.assertEqual({e.code for e in errors["name"]}, {"personal_data"})
        self.assertContains(response, name)
        self.assertFalse(Participant.objects.filter(name__startswith="Siri").exists())

    def test_the_same_name_in_another_organisation_is_another_person(self):
        self.login(self.staff)
        self.client.post(
            f"{self.base()}/participants/new/",
            self.data(name="Kari Nordmann", organisation=self.molde.pk),
        )
        self.assertEqual(Participant.objects.filter(name="Kari Nordmann").count(), 2)

    def test_staff_edit_a_participant(self):
        self.login(self.staff)
        url = f"{self.base()}/participants/{self.doctor.pk}/edit/"
        self.assertEqual(self.client.get(url).status_code, 200)
        self.client.post(url, self.data(name="Ola Nordmann", profession="manager"))
        self.doctor.refresh_from_db()
        self.assertEqual(self.doctor.profession, "manager")

    def test_read_only_roles_get_403_outsiders_404(self):
        url = f"{self.base()}/participants/{self.doctor.pk}/edit/"
        for person in (self.manager, self.evaluator, self.lead):
            self.login(person)
            self.assertEqual(self.client.post(url, self.data()).status_code, 403)
            self.assertEqual(
                self.client.post(
                    f"{self.base()}/participants/new/", self.data()
                ).status_code,
                403,
            )
        self.login(self.outsider)
        self.assertEqual(self.client.get(url).status_code, 404)
        self.assertFalse(Participant.objects.filter(name="Siri Berg").exists())

    def test_a_participant_of_another_procurement_is_not_found(self):
        stranger = Participant.objects.create(
            procurement=self.foreign,
            name="Fremmed",
            profession="ict",
            organisation=self.rhf,
        )
        self.login(self.staff)
        url = f"{self.base()}/participants/{stranger.pk}/edit/"
        self.assertEqual(self.client.get(url).status_code, 404)


class AttendanceTests(WorkshopWorld):
    def add_url(self) -> str:
        return self.workshop_url("attendance/")

    def set_url(self, participant) -> str:
        return self.workshop_url(f"attendance/{participant.pk}/")

    def test_staff_add_participants_to_a_workshop(self):
        self.login(self.staff)
        response = self.client.post(
            self.add_url(), {"participants": [self.pharmacist.pk], "attended": "on"}
        )
        self.assertEqual(response.status_code, 302)
        self.assertTrue(
            Attendance.objects.filter(
                workshop=self.workshop, participant=self.pharmacist, attended=True
            ).exists()
        )
        self.assertTrue(Event.objects.filter(action="workshop.changed").exists())

    def test_adding_someone_twice_is_refused_naming_the_person(self):
        self.login(self.staff)
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        response = self.client.post(
            self.add_url(),
            {"participants": [self.pharmacist.pk, self.nurse.pk]},
            follow=True,
        )
        shown = [str(m) for m in response.context["messages"]]
        self.assertTrue(any("Kari Nordmann" in m for m in shown), shown)
        self.assertFalse(
            Attendance.objects.filter(participant=self.pharmacist).exists()
        )

    def test_the_form_and_the_service_give_the_same_code(self):
        from django.core.exceptions import ValidationError

        from workshops.forms.workshops import AttendanceAddForm
        from workshops.services.workshops import attendance_add

        form = AttendanceAddForm(
            {"participants": [self.nurse.pk]}, workshop=self.workshop
        )
        self.assertFalse(form.is_valid())
        codes = [e.code for e in form.errors.as_data()["participants"]]
        self.assertEqual(codes, ["already_attending"])
        with self.assertRaises(ValidationError) as caught:
            attendance_add(
                workshop=self.workshop,
                participants=[self.pharmacist, self.nurse],
                by=self.staff,
            )
        self.assertEqual(
            [e.code for e in caught.exception.error_list], ["already_attending"]
        )
        self.assertEqual(self.workshop.attendances.count(), 2)

    def test_staff_mark_absent_and_attended(self):
        self.login(self.staff)
        self.client.post(self.set_url(self.nurse), {"action": "absent"})
        attendance = Attendance.objects.get(participant=self.nurse)
        self.assertFalse(attendance.attended)
        self.client.post(self.set_url(self.nurse), {"action": "attended"})
        attendance.refresh_from_db()
        self.assertTrue(attendance.attended)

    def test_staff_remove_a_participant_unless_they_raised_inputs(self):
        self.login(self.staff)
        self.client.post(self.set_url(self.doctor), {"action": "remove"})
        self.assertFalse(Attendance.objects.filter(participant=self.doctor).exists())
        input_capture(
            workshop=self.workshop,
            text="Felles kurve.",
            kind="need",
            participants=[self.nurse],
            by=self.staff,
        )
        self.client.post(self.set_url(self.nurse), {"action": "remove"})
        self.assertTrue(Attendance.objects.filter(participant=self.nurse).exists())

    def test_read_only_roles_get_403_outsiders_404_wrong_method_405(self):
        for person in (self.manager, self.evaluator):
            self.login(person)
            response = self.client.post(
                self.add_url(), {"participants": [self.pharmacist.pk]}
            )
            self.assertEqual(response.status_code, 403)
            response = self.client.post(self.set_url(self.nurse), {"action": "remove"})
            self.assertEqual(response.status_code, 403)
        self.login(self.outsider)
        response = self.client.post(self.add_url(), {"participants": [self.nurse.pk]})
        self.assertEqual(response.status_code, 404)
        self.login(self.staff)
        self.assertEqual(self.client.get(self.add_url()).status_code, 405)
        self.assertEqual(self.client.get(self.set_url(self.nurse)).status_code, 405)
        self.assertEqual(self.workshop.attendances.count(), 2)
