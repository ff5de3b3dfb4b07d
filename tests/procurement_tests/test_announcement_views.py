import datetime

from procurement.models import Announcement
from tests.base import KravsporTestCase


class AnnouncementTests(KravsporTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.news = Announcement.objects.create(
            programme=cls.programme,
            title="Fire tilbud mottatt",
            body="Fire leverandører har levert tilbud.",
            published_on=datetime.date(2017, 5, 3),
        )

    def test_everyone_signed_in_reads_them(self):
        self.login(self.outsider)
        self.assertContains(self.client.get("/announcements/"), "Fire tilbud mottatt")
        response = self.client.get(f"/announcements/{self.news.pk}/")
        self.assertContains(response, "Fire leverandører har levert tilbud.")

    def test_staff_publish_one(self):
        self.login(self.staff)
        response = self.client.post(
            "/announcements/new/",
            {
                "programme": self.programme.pk,
                "title": "Reviderte tilbud",
                "published_on": "2017-12-01",
                "body": "Levert i dag.",
            },
        )
        created = Announcement.objects.get(title="Reviderte tilbud")
        self.assertRedirects(response, f"/announcements/{created.pk}/")
        self.assertEqual(created.created_by, self.staff)

    def test_a_missing_date_is_explained(self):
        self.login(self.staff)
        response = self.client.post(
            "/announcements/new/",
            {"programme": self.programme.pk, "title": "Uten dato", "body": "x"},
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("published_on", response.context["form"].errors)
        self.assertFalse(Announcement.objects.filter(title="Uten dato").exists())

    def test_management_cannot_edit(self):
        self.login(self.manager)
        response = self.client.post(
            f"/announcements/{self.news.pk}/edit/",
            {
                "programme": self.programme.pk,
                "title": "Endret",
                "published_on": "2017-05-03",
                "body": "x",
            },
        )
        self.assertEqual(response.status_code, 403)
        self.news.refresh_from_db()
        self.assertEqual(self.news.title, "Fire tilbud mottatt")

    def test_unknown_announcement_is_404(self):
        self.login(self.staff)
        self.assertEqual(self.client.get("/announcements/999/").status_code, 404)
