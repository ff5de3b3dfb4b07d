from procurement.models import OptionAgreement
from tests.base import KravsporTestCase


class DashboardTests(KravsporTestCase):
    def test_it_shows_the_programme_figures(self):
        OptionAgreement.objects.create(
            programme=self.programme, organisation=self.trondheim, status="declined"
        )
        self.login(self.manager)
        response = self.client.get("/")
        figures = {f.key: f.count for f in response.context["organisations_by_level"]}
        self.assertEqual(figures["specialist"], 2)
        self.assertEqual(figures["municipal"], 2)
        self.assertEqual(figures["primary"], 0)
        options = {f.key: f.count for f in response.context["options_by_status"]}
        self.assertEqual(
            options, {"offered": 0, "signed": 1, "exercised": 0, "declined": 1}
        )
        self.assertContains(
            response, 'data-figure="organisations-total">4<', html=False
        )
        self.assertContains(response, "<svg", html=False)

    def test_it_lists_only_the_users_procurements(self):
        self.login(self.manager)
        response = self.client.get("/")
        self.assertContains(response, "HP-EPJ-2016")
        self.assertNotContains(response, "HP-LAB-2020")

    def test_outsiders_are_told_they_have_no_role(self):
        self.login(self.outsider)
        response = self.client.get("/")
        self.assertNotContains(response, "HP-EPJ-2016")
        self.assertEqual(list(response.context["procurements"]), [])

    def test_the_query_count_is_fixed(self):
        self.login(self.manager)
        # session, user, 2 figure groups, groups, programmes, procurements,
        # announcements, session renewal (3)
        with self.assertNumQueries(11):
            self.client.get("/")

    def test_anonymous_users_are_sent_to_login(self):
        self.assertRedirects(self.client.get("/"), "/accounts/login/?next=/")
