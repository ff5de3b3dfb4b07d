from procurement.models import Event, Organisation
from tests.base import KravsporTestCase


def new_organisation(**overrides):
    data = {
        "name": "Malvik kommune",
        "org_number": "",
        "kind": Organisation.Kind.MUNICIPALITY,
        "level": Organisation.Level.MUNICIPAL,
        "county": "trondelag",
        "note": "",
    }
    data.update(overrides)
    return data


class OrganisationListTests(KravsporTestCase):
    url = "/organisations/"

    def test_it_works(self):
        self.login(self.manager)
        response = self.client.get(self.url)
        self.assertContains(response, "Trondheim kommune")
        self.assertContains(response, "942 110 464")
        self.assertNotContains(response, "/organisations/new/")

    def test_staff_see_the_new_button(self):
        self.login(self.staff)
        self.assertContains(self.client.get(self.url), "/organisations/new/")

    def test_it_searches_by_name_and_number(self):
        self.login(self.staff)
        response = self.client.get(self.url, {"q": "942 110"})
        self.assertContains(response, "Trondheim kommune")
        self.assertNotContains(response, "Molde kommune")
        response = self.client.get(self.url, {"q": "molde"})
        self.assertContains(response, "Molde kommune")
        self.assertNotContains(response, "Trondheim kommune")

    def test_it_filters_by_level_and_county(self):
        self.login(self.staff)
        response = self.client.get(
            self.url, {"level": "municipal", "county": "trondelag"}
        )
        self.assertContains(response, "Trondheim kommune")
        self.assertNotContains(response, "Molde kommune")
        self.assertNotContains(response, "St. Olavs hospital HF")

    def test_it_sorts(self):
        self.login(self.staff)
        body = self.client.get(self.url, {"sort": "-name"}).content.decode()
        self.assertLess(body.index("Trondheim kommune"), body.index("Molde kommune"))

    def test_it_caps_per_page_at_100(self):
        Organisation.objects.bulk_create(
            Organisation(name=f"Legekontor {n:03}", kind="gp_practice", level="primary")
            for n in range(120)
        )
        self.login(self.staff)
        response = self.client.get(self.url, {"per_page": "5000"})
        self.assertEqual(len(response.context["table"].page.object_list), 100)
        response = self.client.get(self.url, {"per_page": "nonsense"})
        self.assertEqual(len(response.context["table"].page.object_list), 25)

    def test_the_number_of_queries_does_not_grow_with_rows(self):
        # session, user, count, groups, rows, and the session renewal (3)
        self.login(self.staff)
        with self.assertNumQueries(8):
            self.client.get(self.url)
        Organisation.objects.bulk_create(
            Organisation(
                name=f"Legekontor {n:03}",
                kind="gp_practice",
                level="primary",
                parent=self.trondheim,
            )
            for n in range(60)
        )
        with self.assertNumQueries(8):
            self.client.get(self.url, {"per_page": "100"})

    def test_it_sends_anonymous_users_to_login(self):
        response = self.client.get(self.url)
        self.assertRedirects(response, "/accounts/login/?next=/organisations/")

    def test_it_rejects_post(self):
        self.login(self.staff)
        self.assertEqual(self.client.post(self.url).status_code, 405)


class OrganisationDetailTests(KravsporTestCase):
    def test_it_shows_parent_and_children(self):
        self.login(self.evaluator)
        response = self.client.get(f"/organisations/{self.rhf.pk}/")
        self.assertContains(response, "St. Olavs hospital HF")
        self.assertContains(response, "983 658 776")
        response = self.client.get(f"/organisations/{self.hospital.pk}/")
        self.assertContains(response, f'href="/organisations/{self.rhf.pk}/"')

    def test_unknown_id_is_404(self):
        self.login(self.staff)
        self.assertEqual(self.client.get("/organisations/999999/").status_code, 404)

    def test_read_only_roles_see_no_edit_button(self):
        self.login(self.manager)
        response = self.client.get(f"/organisations/{self.rhf.pk}/")
        self.assertNotContains(response, f"/organisations/{self.rhf.pk}/edit/")


class OrganisationCreateTests(KravsporTestCase):
    url = "/organisations/new/"

    def test_staff_create_an_organisation(self):
        self.login(self.staff)
        response = self.client.post(
            self.url, new_organisation(org_number="938 726 027")
        )
        created = Organisation.objects.get(name="Malvik kommune")
        self.assertRedirects(response, f"/organisations/{created.pk}/")
        self.assertEqual(created.org_number, "938726027")
        event = Event.objects.get(action="organisation.created")
        self.assertEqual(event.actor, self.staff)

    def test_a_bad_checksum_is_shown_on_the_field_and_nothing_is_saved(self):
        self.login(self.staff)
        response = self.client.post(self.url, new_organisation(org_number="938726028"))
        self.assertEqual(response.status_code, 200)
        self.assertFormError(
            response.context["form"],
            "org_number",
            "938726028 er ikke et gyldig organisasjonsnummer: "
            "kontrollsifferet stemmer ikke.",
        )
        self.assertFalse(Organisation.objects.filter(name="Malvik kommune").exists())
        self.assertFalse(Event.objects.exists())

    def test_a_duplicate_number_names_the_owner(self):
        self.login(self.staff)
        response = self.client.post(self.url, new_organisation(org_number="942110464"))
        self.assertContains(response, "tilhører allerede Trondheim kommune")
        self.assertEqual(Organisation.objects.filter(org_number="942110464").count(), 1)

    def test_management_is_refused(self):
        self.login(self.manager)
        self.assertEqual(self.client.get(self.url).status_code, 403)
        response = self.client.post(self.url, new_organisation())
        self.assertEqual(response.status_code, 403)
        self.assertFalse(Organisation.objects.filter(name="Malvik kommune").exists())

    def test_evaluators_and_leads_are_refused(self):
        for user in (self.evaluator, self.lead):
            self.login(user)
            self.assertEqual(
                self.client.post(self.url, new_organisation()).status_code, 403
            )

    def test_it_rejects_put(self):
        self.login(self.staff)
        self.assertEqual(self.client.put(self.url).status_code, 405)


class OrganisationEditTests(KravsporTestCase):
    def url(self):
        return f"/organisations/{self.molde.pk}/edit/"

    def test_staff_edit_and_the_change_is_recorded(self):
        self.login(self.staff)
        response = self.client.post(
            self.url(),
            new_organisation(
                name="Molde kommune",
                county="more_og_romsdal",
                note="Ny",
                loaded=self.molde.updated_at.isoformat(),
            ),
        )
        self.assertRedirects(response, f"/organisations/{self.molde.pk}/")
        self.molde.refresh_from_db()
        self.assertEqual(self.molde.note, "Ny")
        event = Event.objects.get(action="organisation.changed")
        self.assertEqual(event.data, {"note": ["", "Ny"]})

    def test_management_post_is_403_and_changes_nothing(self):
        self.login(self.manager)
        response = self.client.post(self.url(), new_organisation(name="Hacked"))
        self.assertEqual(response.status_code, 403)
        self.molde.refresh_from_db()
        self.assertEqual(self.molde.name, "Molde kommune")

    def test_unknown_organisation_is_404(self):
        self.login(self.staff)
        self.assertEqual(
            self.client.get("/organisations/999999/edit/").status_code, 404
        )
