from django.core.exceptions import ValidationError
from django.test import override_settings

from procurement.models import Event
from tests.workshops_tests.workshop_world import WorkshopWorld, when
from workshops.models import Attendance, Participant, Workshop
from workshops.services import workshops as services


def form_data(**overrides) -> dict:
    data = {
        "title": "Kurve og observasjoner",
        "area": "",
        "starts_at": "2016-04-05T09:00",
        "ends_at": "2016-04-05T15:00",
        "location": "Trondheim",
        "facilitator": "Programmet",
        "status": "planned",
        "summary": "",
    }
    data.update(overrides)
    return data


class WorkshopListTests(WorkshopWorld):
    def test_it_lists_the_workshops_with_their_counts(self):
        self.login(self.staff)
        response = self.client.get(f"{self.base()}/workshops/")
        self.assertEqual(response.status_code, 200)
        rows = list(response.context["table"].page.object_list)
        self.assertEqual(len(rows), 1)
        self.assertEqual(rows[0].record.participant_count, 2)
        self.assertEqual(rows[0].record.input_count, 0)

    def test_read_only_roles_may_read(self):
        for person in (self.manager, self.evaluator, self.lead):
            self.login(person)
            response = self.client.get(f"{self.base()}/workshops/")
            self.assertEqual(response.status_code, 200)
            self.assertFalse(response.context["can_edit"])

    def test_it_hides_from_outsiders(self):
        self.login(self.outsider)
        self.assertEqual(self.client.get(f"{self.base()}/workshops/").status_code, 404)
        self.login(self.foreign_lead)
        self.assertEqual(self.client.get(f"{self.base()}/workshops/").status_code, 404)

    def test_it_rejects_the_wrong_method(self):
        self.login(self.staff)
        self.assertEqual(self.client.post(f"{self.base()}/workshops/").status_code, 405)

    def test_it_filters_by_organisation_taking_part_status_area_and_dates(self):
        other = Workshop.objects.create(
            procurement=self.procurement,
            title="Sikker pålogging",
            area=self.security,
            starts_at=when(20, month=5),
            ends_at=when(20, 12, month=5),
        )
        Attendance.objects.create(workshop=other, participant=self.pharmacist)
        self.login(self.staff)

        def titles(query: str) -> list[str]:
            response = self.client.get(f"{self.base()}/workshops/?{query}")
            self.assertEqual(response.status_code, 200)
            return [row.record.title for row in response.context["table"].rows]

        self.assertEqual(titles(f"organisation={self.molde.pk}"), [other.title])
        self.assertEqual(
            titles(f"organisation={self.hospital.pk}"), [self.workshop.title]
        )
        self.assertEqual(titles("status=held"), [self.workshop.title])
        self.assertEqual(titles(f"area={self.security.pk}"), [other.title])
        self.assertEqual(titles("starts_from=2016-05-01"), [other.title])
        self.assertEqual(titles("starts_until=2016-04-30"), [self.workshop.title])
        self.assertEqual(titles("q=pålogging"), [other.title])

    def test_its_query_count_does_not_grow_with_the_workshops(self):
        for day in range(2, 12):
            workshop = Workshop.objects.create(
                procurement=self.procurement,
                title=f"Verksted {day}",
                area=self.journal,
                starts_at=when(day),
                ends_at=when(day, 12),
            )
            Attendance.objects.create(workshop=workshop, participant=self.nurse)
        self.login(self.staff)
        self.client.get(f"{self.base()}/workshops/")
        # session, user, groups, procurement, count, the two filter choices
        # (areas, organisations), one page of workshops with their counts,
        # and the session saved (savepoint, update, release).
        with self.assertNumQueries(11):
            response = self.client.get(f"{self.base()}/workshops/")
        self.assertEqual(len(response.context["table"].page.object_list), 11)


class WorkshopDetailTests(WorkshopWorld):
    def test_it_shows_participants_and_inputs(self):
        self.login(self.manager)
        response = self.client.get(self.workshop_url())
        self.assertEqual(response.status_code, 200)
        self.assertEqual(len(response.context["attendances"]), 2)
        self.assertIsNone(response.context["attendance_form"])
        self.assertContains(response, 'id="attendance-table"')

    def test_it_hides_from_outsiders_and_other_procurements(self):
        self.login(self.outsider)
        self.assertEqual(self.client.get(self.workshop_url()).status_code, 404)
        self.login(self.staff)
        foreign = Workshop.objects.create(
            procurement=self.foreign,
            title="Lab",
            starts_at=when(1),
            ends_at=when(1, 10),
        )
        url = f"{self.base()}/workshops/{foreign.pk}/"
        self.assertEqual(self.client.get(url).status_code, 404)

    def test_it_rejects_the_wrong_method(self):
        self.login(self.staff)
        self.assertEqual(self.client.post(self.workshop_url()).status_code, 405)


class WorkshopCreateTests(WorkshopWorld):
    def test_staff_create_a_workshop_and_an_event_is_written(self):
        self.login(self.staff)
        response = self.client.post(
            f"{self.base()}/workshops/new/", form_data(area=self.security.pk)
        )
        workshop = Workshop.objects.get(title="Kurve og observasjoner")
        self.assertRedirects(response, workshop.get_absolute_url())
        self.assertEqual(workshop.area, self.security)
        self.assertEqual(workshop.created_by, self.staff)
        self.assertTrue(
            Event.objects.filter(action="workshop.created", actor=self.staff).exists()
        )

    def test_read_only_roles_are_refused(self):
        for person in (self.manager, self.evaluator, self.lead):
            self.login(person)
            response = self.client.post(f"{self.base()}/workshops/new/", form_data())
            self.assertEqual(response.status_code, 403)
            self.assertEqual(
                self.client.get(f"{self.base()}/workshops/new/").status_code, 403
            )
        self.assertFalse(Workshop.objects.filter(title="Kurve og observasjoner"))

    def test_outsiders_get_404(self):
        self.login(self.outsider)
        response = self.client.post(f"{self.base()}/workshops/new/", form_data())
        self.assertEqual(response.status_code, 404)

    def test_it_rejects_the_wrong_method(self):
        self.login(self.staff)
        response = self.client.delete(f"{self.base()}/workshops/new/")
        self.assertEqual(response.status_code, 405)

    def test_a_workshop_ending_before_it_starts_is_refused_on_the_end_field(self):
        self.login(self.staff)
        response = self.client.post(
            f"{self.base()}/workshops/new/",
            form_data(ends_at="2016-04-05T08:00"),
        )
        self.assertEqual(response.status_code, 200)
        errors = response.context["form"].errors.as_data()
        self.assertEqual([e.code for e in errors["ends_at"]], ["ends_before_start"])
        self.assertNotIn("__all__", errors)
        self.assertFalse(Workshop.objects.filter(title="Kurve og observasjoner"))

    def test_personal_data_in_the_summary_is_refused_and_kept(self):
        self.login(self.staff)
        summary = "Kontakt ola@example.no for mer."
        response = self.client.post(
            f"{self.base()}/workshops/new/", form_data(summary=summary)
        )
        errors = response.context["form"].errors.as_data()
        self.assertIn("personal_data", {e.code for e in errors["summary"]})
        self.assertContains(response, summary)
        self.assertFalse(Workshop.objects.filter(title="Kurve og observasjoner"))

    def test_personal_data_in_title_place_or_facilitator_is_refused(self):
        self.login(self.staff)
        response = self.client.post(
            f"{self.base()}/workshops/new/",
            form_data(
                title="Møte med ola@example.no",
                location="Ring 41234567 ved ankomst",
                facilitator="Kari kari@hso.no",
            ),
        )
        self.assertEqual(response.status_code, 200)
        errors = response.context["form"].errors.as_data()
        for field in ("title", "location", "facilitator"):
            with self.subTest(field):
                self.assertEqual({e.code for e in errors[field]}, {"personal_data"})
        self.assertContains(response, "Ring 41234567 ved ankomst")
        self.assertFalse(Workshop.objects.filter(title__startswith="Møte med").exists())

    def test_the_service_refuses_personal_data_in_the_title_too(self):
        with self.assertRaises(ValidationError) as caught:
            services.workshop_update(
                workshop=self.workshop,
                by=self.staff,
                expected_version=None,
                title="Ring 41234567",
            )
        self.assertEqual(set(caught.exception.message_dict), {"title"})
        self.workshop.refresh_from_db()
        self.assertNotIn("41234567", self.workshop.title)

    def test_a_subsection_is_not_an_area(self):
        self.login(self.staff)
        response = self.client.post(
            f"{self.base()}/workshops/new/", form_data(area=self.medicine.pk)
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("area", response.context["form"].errors)


class WorkshopEditTests(WorkshopWorld):
    def test_staff_change_a_workshop_and_its_version_goes_up(self):
        self.login(self.staff)
        response = self.client.post(
            self.workshop_url("edit/"),
            form_data(title="Nytt navn", status="reported", version=1),
        )
        self.assertRedirects(response, self.workshop.get_absolute_url())
        self.workshop.refresh_from_db()
        self.assertEqual(self.workshop.title, "Nytt navn")
        self.assertEqual(self.workshop.version, 2)
        event = Event.objects.get(action="workshop.changed")
        self.assertEqual(event.data["changes"]["title"][1], "Nytt navn")

    def test_a_concurrent_edit_is_refused_and_nothing_is_saved(self):
        services.workshop_update(
            workshop=self.workshop, by=self.staff, expected_version=1, title="Først"
        )
        self.login(self.staff)
        response = self.client.post(
            self.workshop_url("edit/"), form_data(title="Sist", version=1)
        )
        self.assertEqual(response.status_code, 409)
        self.workshop.refresh_from_db()
        self.assertEqual(self.workshop.title, "Først")
        self.assertContains(response, "Sist", status_code=409)

    def test_read_only_roles_get_403_and_outsiders_404(self):
        self.login(self.manager)
        self.assertEqual(self.client.get(self.workshop_url("edit/")).status_code, 403)
        self.login(self.outsider)
        self.assertEqual(self.client.get(self.workshop_url("edit/")).status_code, 404)


class WorkshopMonthsTests(WorkshopWorld):
    def test_it_counts_workshops_participants_and_inputs_per_month(self):
        may = Workshop.objects.create(
            procurement=self.procurement,
            title="Mai",
            starts_at=when(3, month=5),
            ends_at=when(3, 12, month=5),
        )
        march_two = Workshop.objects.create(
            procurement=self.procurement,
            title="Mars 2",
            starts_at=when(9),
            ends_at=when(9, 12),
        )
        # Kari attends both March workshops: counted once in March.
        Attendance.objects.create(workshop=march_two, participant=self.nurse)
        Attendance.objects.create(workshop=may, participant=self.pharmacist)
        self.login(self.manager)
        response = self.client.get(f"{self.base()}/workshops/months/")
        self.assertEqual(response.status_code, 200)
        months = response.context["months"]
        self.assertEqual([m["month"].month for m in months], [5, 3])
        self.assertEqual([len(m["workshops"]) for m in months], [1, 2])
        self.assertEqual([m["participants"] for m in months], [1, 2])

    def test_it_hides_from_outsiders(self):
        self.login(self.outsider)
        response = self.client.get(f"{self.base()}/workshops/months/")
        self.assertEqual(response.status_code, 404)


@override_settings(LANGUAGE_CODE="en")
class WorkshopServiceTests(WorkshopWorld):
    def test_the_service_refuses_an_end_before_the_start(self):
        from django.core.exceptions import ValidationError

        with self.assertRaises(ValidationError) as caught:
            services.workshop_create(
                procurement=self.procurement,
                by=self.staff,
                title="Feil",
                starts_at=when(5, 12),
                ends_at=when(5, 9),
            )
        self.assertIn("ends_at", caught.exception.message_dict)
        self.assertFalse(Workshop.objects.filter(title="Feil").exists())
        self.assertFalse(Participant.objects.filter(name="Feil").exists())


class StaffPagesTests(WorkshopWorld):
    def test_staff_pages_render_with_their_forms_and_links(self):
        self.login(self.staff)
        response = self.client.get(self.workshop_url() + "?q=per")
        self.assertEqual(response.status_code, 200)
        choices = list(response.context["attendance_form"]["participants"])
        self.assertEqual(len(choices), 1)  # the search found Per Hansen
        self.assertContains(response, 'id="add-participants"')
        for url in (
            self.workshop_url("edit/"),
            self.workshop_url("notes/import/"),
            f"{self.base()}/participants/import/?workshop={self.workshop.pk}",
            f"{self.base()}/participants/new/",
            f"{self.base()}/workshops/new/",
        ):
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 200)
