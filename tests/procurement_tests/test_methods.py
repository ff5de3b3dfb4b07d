"""Every read-only page answers GET and HEAD and refuses other methods."""

import datetime

from procurement.models import Announcement
from tests.base import KravsporTestCase


class MethodTests(KravsporTestCase):
    def pages(self):
        news = Announcement.objects.create(
            programme=self.programme,
            title="Nytt",
            body="Tekst",
            published_on=datetime.date(2017, 5, 3),
        )
        p = self.procurement.pk
        return [
            "/",
            "/organisations/",
            f"/organisations/{self.rhf.pk}/",
            f"/programmes/{self.programme.pk}/",
            "/announcements/",
            f"/announcements/{news.pk}/",
            "/procurements/",
            f"/procurements/{p}/",
            f"/procurements/{p}/spec/",
            f"/procurements/{p}/requirements/",
            f"/procurements/{p}/baselines/",
        ]

    def test_read_only_pages_answer_head_and_refuse_post_and_delete(self):
        self.login(self.staff)
        for url in self.pages():
            with self.subTest(url=url):
                self.assertEqual(self.client.head(url).status_code, 200)
                self.assertEqual(self.client.post(url).status_code, 405)
                self.assertEqual(self.client.delete(url).status_code, 405)

    def test_outsiders_get_404_for_the_procurement_and_everything_under_it(self):
        self.login(self.outsider)
        p = self.procurement.pk
        for url in [
            f"/procurements/{p}/",
            f"/procurements/{p}/edit/",
            f"/procurements/{p}/spec/",
            f"/procurements/{p}/requirements/",
            f"/procurements/{p}/requirements/new/",
            f"/procurements/{p}/baselines/",
            f"/procurements/{p}/spec/compare/",
            f"/procurements/{p}/spec/sections/new/",
            f"/procurements/{p}/spec/bilag1.pdf",
            f"/procurements/{p}/spec/export.xlsx",
            f"/procurements/{p}/spec/export.reqif",
            f"/procurements/{p}/spec/import/",
            f"/procurements/{p}/spec/import-reqif/",
        ]:
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 404)
