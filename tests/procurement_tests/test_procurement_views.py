from procurement.models import Event, KeyDate, Procurement
from tests.base import KravsporTestCase


def procurement_data(procurement, **overrides):
    data = {
        "programme": procurement.programme_id,
        "reference": procurement.reference,
        "title": procurement.title,
        "procedure": procurement.procedure,
        "phase": procurement.phase,
        "description": procurement.description,
        "loaded": procurement.updated_at.isoformat(),
        "dates-TOTAL_FORMS": "2",
        "dates-INITIAL_FORMS": "0",
        "dates-MIN_NUM_FORMS": "0",
        "dates-MAX_NUM_FORMS": "1000",
        "dates-0-date": "2016-08-29",
        "dates-0-label": "Konkurransen kunngjort",
        "dates-1-date": "",
        "dates-1-label": "",
    }
    data.update(overrides)
    return data


class ProcurementListTests(KravsporTestCase):
    url = "/procurements/"

    def test_members_see_only_their_procurements(self):
        self.login(self.manager)
        response = self.client.get(self.url)
        self.assertContains(response, "HP-EPJ-2016")
        self.assertNotContains(response, "HP-LAB-2020")

    def test_programme_staff_see_every_procurement(self):
        self.login(self.staff)
        response = self.client.get(self.url)
        self.assertContains(response, "HP-EPJ-2016")
        self.assertContains(response, "HP-LAB-2020")

    def test_outsiders_find_nothing_even_by_searching(self):
        self.login(self.outsider)
        response = self.client.get(self.url, {"q": "HP-EPJ"})
        self.assertNotContains(response, "HP-EPJ-2016")
        self.assertContains(response, "Ingen anskaffelser passer.")

    def test_it_filters_by_phase_within_what_the_user_sees(self):
        self.login(self.staff)
        response = self.client.get(self.url, {"phase": "tendering"})
        self.assertContains(response, "HP-EPJ-2016")
        self.assertNotContains(response, "HP-LAB-2020")
        self.login(self.foreign_lead)
        response = self.client.get(self.url, {"phase": "tendering"})
        self.assertNotContains(response, "HP-EPJ-2016")
        self.assertContains(response, "Ingen anskaffelser passer.")

    def test_it_rejects_post(self):
        self.login(self.staff)
        self.assertEqual(self.client.post(self.url).status_code, 405)


class ProcurementDetailTests(KravsporTestCase):
    def url(self, procurement=None):
        return f"/procurements/{(procurement or self.procurement).pk}/"

    def test_it_works_for_every_role(self):
        KeyDate.objects.create(
            procurement=self.procurement, date="2017-05-03", label="Tilbud mottatt"
        )
        for user in (self.staff, self.evaluator, self.lead, self.manager):
            self.login(user)
            response = self.client.get(self.url())
            self.assertContains(response, "Felles pasientjournal")
            self.assertContains(response, "Tilbud mottatt")

    def test_it_hides_from_outsiders(self):
        self.login(self.outsider)
        self.assertEqual(self.client.get(self.url()).status_code, 404)

    def test_a_foreign_procurement_is_404(self):
        self.login(self.manager)
        self.assertEqual(self.client.get(self.url(self.foreign)).status_code, 404)
        self.assertEqual(
            self.client.get(f"/procurements/{self.foreign.pk}/edit/").status_code, 404
        )

    def test_an_unknown_id_is_404(self):
        self.login(self.staff)
        self.assertEqual(self.client.get("/procurements/987654/").status_code, 404)

    def test_read_only_roles_see_no_edit_button(self):
        self.login(self.manager)
        response = self.client.get(self.url())
        self.assertNotContains(response, f"/procurements/{self.procurement.pk}/edit/")


class ProcurementEditTests(KravsporTestCase):
    def url(self):
        return f"/procurements/{self.procurement.pk}/edit/"

    def test_staff_change_the_phase_and_it_is_recorded(self):
        self.login(self.staff)
        response = self.client.post(
            self.url(), procurement_data(self.procurement, phase="evaluation")
        )
        self.assertRedirects(response, f"/procurements/{self.procurement.pk}/")
        self.procurement.refresh_from_db()
        self.assertEqual(self.procurement.phase, Procurement.Phase.EVALUATION)
        event = Event.objects.get(action="procurement.phase_changed")
        self.assertEqual(event.data, {"phase": ["tendering", "evaluation"]})
        self.assertEqual(event.actor, self.staff)
        self.assertEqual(
            list(self.procurement.key_dates.values_list("label", flat=True)),
            ["Konkurransen kunngjort"],
        )

    def test_management_post_is_403_and_changes_nothing(self):
        self.login(self.manager)
        response = self.client.post(
            self.url(), procurement_data(self.procurement, phase="cancelled")
        )
        self.assertEqual(response.status_code, 403)
        self.procurement.refresh_from_db()
        self.assertEqual(self.procurement.phase, Procurement.Phase.TENDERING)

    def test_evaluators_and_leads_are_refused(self):
        for user in (self.evaluator, self.lead):
            self.login(user)
            self.assertEqual(self.client.get(self.url()).status_code, 403)
            response = self.client.post(
                self.url(), procurement_data(self.procurement, phase="cancelled")
            )
            self.assertEqual(response.status_code, 403)
        self.procurement.refresh_from_db()
        self.assertEqual(self.procurement.phase, Procurement.Phase.TENDERING)

    def test_outsiders_get_404_not_403(self):
        self.login(self.outsider)
        response = self.client.post(self.url(), procurement_data(self.procurement))
        self.assertEqual(response.status_code, 404)

    def test_a_half_filled_key_date_saves_nothing(self):
        self.login(self.staff)
        response = self.client.post(
            self.url(),
            procurement_data(
                self.procurement,
                title="Endret tittel",
                **{"dates-1-label": "Uten dato"},
            ),
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Fyll inn både dato og milepæl")
        self.procurement.refresh_from_db()
        self.assertEqual(self.procurement.title, "Felles pasientjournal")
        self.assertFalse(KeyDate.objects.exists())

    def test_a_duplicate_reference_is_refused(self):
        self.login(self.staff)
        response = self.client.post(
            self.url(), procurement_data(self.procurement, reference="hp-lab-2020")
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("reference", response.context["form"].errors)


class ProcurementCreateTests(KravsporTestCase):
    url = "/procurements/new/"

    def test_programme_staff_create_one(self):
        self.login(self.staff)
        data = procurement_data(self.procurement, reference="hp-ny-2026", title="Ny")
        response = self.client.post(self.url, data)
        created = Procurement.objects.get(reference="HP-NY-2026")
        self.assertRedirects(response, f"/procurements/{created.pk}/")
        self.assertTrue(Event.objects.filter(action="procurement.created").exists())

    def test_a_lead_of_one_procurement_cannot_create_another(self):
        self.login(self.lead)
        response = self.client.post(
            self.url, procurement_data(self.procurement, reference="X-1")
        )
        self.assertEqual(response.status_code, 403)
        self.assertFalse(Procurement.objects.filter(reference="X-1").exists())


class ProcurementConcurrentEditTests(KravsporTestCase):
    def test_a_save_by_someone_else_is_told_and_not_overwritten(self):
        self.login(self.staff)
        loaded = procurement_data(self.procurement, title="Min tittel")
        Procurement.objects.filter(pk=self.procurement.pk).update(title="Deres tittel")
        self.procurement.refresh_from_db()
        self.procurement.save()  # a later save by someone else bumps updated_at
        response = self.client.post(
            f"/procurements/{self.procurement.pk}/edit/", loaded
        )
        self.assertEqual(response.status_code, 200)
        errors = response.context["form"].non_field_errors().as_data()
        self.assertEqual(errors[0].code, "concurrent_edit")
        self.procurement.refresh_from_db()
        self.assertEqual(self.procurement.title, "Deres tittel")
