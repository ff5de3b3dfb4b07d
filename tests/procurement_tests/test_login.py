from django.test import override_settings

from tests.base import KravsporTestCase


class LoginTests(KravsporTestCase):
    def setUp(self):
        self.staff.set_password("riktig-passord")
        self.staff.save()

    def attempt(self, password):
        return self.client.post(
            "/accounts/login/", {"username": "staff", "password": password}
        )

    def test_a_correct_password_logs_in(self):
        response = self.attempt("riktig-passord")
        self.assertRedirects(response, "/")

    def test_a_wrong_password_is_explained(self):
        response = self.attempt("feil")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "error-summary")
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_five_wrong_passwords_lock_the_login(self):
        for _ in range(4):
            self.assertEqual(self.attempt("feil").status_code, 200)
        locked = self.attempt("feil")
        self.assertEqual(locked.status_code, 429)
        # Even the right password is refused while the lock lasts.
        response = self.attempt("riktig-passord")
        self.assertEqual(response.status_code, 429)
        self.assertContains(response, "15", status_code=429)
        self.assertNotIn("_auth_user_id", self.client.session)

    @override_settings(AXES_FAILURE_LIMIT=3)
    def test_the_limit_is_configurable(self):
        for _ in range(2):
            self.attempt("feil")
        self.assertEqual(self.attempt("feil").status_code, 429)

    def test_logout_needs_post(self):
        self.login(self.staff)
        self.assertEqual(self.client.get("/accounts/logout/").status_code, 405)
        response = self.client.post("/accounts/logout/")
        self.assertRedirects(
            response, "/accounts/login/", fetch_redirect_response=False
        )
        self.assertRedirects(self.client.get("/"), "/accounts/login/?next=/")

    def test_an_inactive_user_cannot_log_in(self):
        self.staff.is_active = False
        self.staff.save()
        response = self.attempt("riktig-passord")
        self.assertEqual(response.status_code, 200)
        self.assertNotIn("_auth_user_id", self.client.session)


class AdministratorTests(KravsporTestCase):
    def test_administrators_manage_users_and_memberships_in_the_admin(self):
        self.login(self.admin)
        self.assertEqual(self.client.get("/admin/auth/user/").status_code, 200)
        self.assertEqual(
            self.client.get("/admin/procurement/membership/").status_code, 200
        )
        self.assertContains(self.client.get("/"), 'href="/admin/"')

    def test_other_roles_get_no_admin(self):
        self.login(self.staff)
        response = self.client.get("/admin/procurement/membership/")
        self.assertRedirects(
            response, "/admin/login/?next=/admin/procurement/membership/"
        )
        self.assertNotContains(self.client.get("/"), 'href="/admin/"')


class AdminEventTests(KravsporTestCase):
    def test_granting_a_role_in_the_admin_is_recorded(self):
        from procurement.models import Event, Membership

        self.login(self.admin)
        response = self.client.post(
            "/admin/procurement/membership/add/",
            {
                "user": self.outsider.pk,
                "procurement": self.procurement.pk,
                "role": "evaluator",
            },
        )
        self.assertEqual(response.status_code, 302)
        self.assertTrue(
            Membership.objects.filter(user=self.outsider, role="evaluator").exists()
        )
        event = Event.objects.get(action="membership.created_in_admin")
        self.assertEqual(event.actor, self.admin)
        self.assertEqual(event.procurement, self.procurement)
