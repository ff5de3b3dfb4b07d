from procurement.models import Event, OptionAgreement
from tests.base import KravsporTestCase


class ProgrammeDetailTests(KravsporTestCase):
    def url(self):
        return f"/programmes/{self.programme.pk}/"

    def test_it_shows_owners_options_and_a_chart(self):
        self.login(self.manager)
        response = self.client.get(self.url())
        self.assertContains(response, "Helse Midt-Norge RHF")
        self.assertContains(response, "Molde kommune")
        self.assertContains(response, "<svg", html=False)
        self.assertNotContains(response, f"/options/{self.option.pk}/edit/")

    def test_staff_get_edit_links(self):
        self.login(self.staff)
        response = self.client.get(self.url())
        self.assertContains(response, f"/options/{self.option.pk}/edit/")

    def test_the_programme_list_leads_to_the_only_programme(self):
        self.login(self.evaluator)
        self.assertRedirects(self.client.get("/programmes/"), self.url())

    def test_it_filters_options_by_status(self):
        self.login(self.staff)
        response = self.client.get(self.url(), {"status": "declined"})
        self.assertNotContains(response, "Molde kommune</a>")


class OptionAgreementTests(KravsporTestCase):
    def test_staff_add_an_option_agreement(self):
        self.login(self.staff)
        response = self.client.post(
            f"/programmes/{self.programme.pk}/options/new/",
            {
                "organisation": self.trondheim.pk,
                "status": "offered",
                "offered_on": "2019-06-01",
            },
        )
        self.assertRedirects(response, f"/programmes/{self.programme.pk}/")
        self.assertTrue(
            OptionAgreement.objects.filter(organisation=self.trondheim).exists()
        )

    def test_a_second_agreement_for_the_same_organisation_is_refused(self):
        self.login(self.staff)
        response = self.client.post(
            f"/programmes/{self.programme.pk}/options/new/",
            {"organisation": self.molde.pk, "status": "offered"},
        )
        self.assertContains(response, "Molde kommune har allerede en opsjonsavtale")
        self.assertEqual(OptionAgreement.objects.count(), 1)

    def test_dates_out_of_order_are_refused(self):
        self.login(self.staff)
        response = self.client.post(
            f"/options/{self.option.pk}/edit/",
            {
                "organisation": self.molde.pk,
                "status": "signed",
                "offered_on": "2019-06-01",
                "signed_on": "2019-01-01",
            },
        )
        self.assertContains(response, "før opsjonen ble tilbudt")
        self.option.refresh_from_db()
        self.assertIsNone(self.option.signed_on)

    def test_a_status_change_is_recorded(self):
        self.login(self.staff)
        self.client.post(
            f"/options/{self.option.pk}/edit/",
            {"organisation": self.molde.pk, "status": "exercised"},
        )
        self.option.refresh_from_db()
        self.assertEqual(self.option.status, "exercised")
        event = Event.objects.get(action="option.changed")
        self.assertEqual(event.data["status"], ["signed", "exercised"])

    def test_management_is_refused(self):
        self.login(self.manager)
        response = self.client.post(
            f"/options/{self.option.pk}/edit/",
            {"organisation": self.molde.pk, "status": "declined"},
        )
        self.assertEqual(response.status_code, 403)
        self.option.refresh_from_db()
        self.assertEqual(self.option.status, "signed")

    def test_unknown_option_is_404(self):
        self.login(self.staff)
        self.assertEqual(self.client.get("/options/424242/edit/").status_code, 404)


class ProgrammeEditTests(KravsporTestCase):
    def test_staff_change_the_owners(self):
        self.login(self.staff)
        response = self.client.post(
            f"/programmes/{self.programme.pk}/edit/",
            {"name": "Helseplattformen", "description": "Ny", "owners": [self.rhf.pk]},
        )
        self.assertRedirects(response, f"/programmes/{self.programme.pk}/")
        self.assertEqual(list(self.programme.owners.all()), [self.rhf])
        event = Event.objects.get(action="programme.changed")
        self.assertIn("owners", event.data)

    def test_evaluators_are_refused(self):
        self.login(self.evaluator)
        response = self.client.post(
            f"/programmes/{self.programme.pk}/edit/", {"name": "X", "owners": []}
        )
        self.assertEqual(response.status_code, 403)
