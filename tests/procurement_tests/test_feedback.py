"""The page feedback box: anonymous answers, the personal-data guard on the
comment, and the administrators' list."""

from __future__ import annotations

from django.conf import settings
from stdnum.no import fodselsnummer

from procurement.models import PageFeedback
from tests.base import KravsporTestCase

# 11 digits that fail the checksum, and a number that passes it.
BAD_CHECKSUM = "01019012345"
NATIONAL_ID = "15058840030"


class FeedbackBoxTests(KravsporTestCase):
    def test_every_page_carries_the_box(self):
        self.client.force_login(self.evaluator)
        response = self.client.get("/organisations/")
        self.assertContains(response, 'class="page-feedback"')
        self.assertContains(response, 'action="/feedback/"')

    def test_an_answer_is_stored_without_who_sent_it(self):
        self.client.force_login(self.evaluator)
        response = self.client.post(
            "/feedback/",
            {
                "path": "/organisations/?q=molde",
                "found": "no",
                "comment": "Fant ikke kommunen",
            },
        )
        self.assertRedirects(
            response, "/organisations/?q=molde", fetch_redirect_response=False
        )
        feedback = PageFeedback.objects.get()
        self.assertEqual(feedback.path, "/organisations/")  # search words not kept
        self.assertEqual(feedback.url_name, "procurement:organisation-list")
        self.assertFalse(feedback.found)
        self.assertEqual(feedback.comment, "Fant ikke kommunen")
        field_names = {f.name for f in PageFeedback._meta.get_fields()}
        self.assertFalse(
            field_names & {"user", "session", "ip", "address", "created_by"}
        )

    def test_personal_data_in_the_comment_is_refused_and_the_text_kept(self):
        self.client.force_login(self.staff)
        self.assertTrue(fodselsnummer.is_valid(NATIONAL_ID))
        comment = f"Pasient {NATIONAL_ID} mangler"
        response = self.client.post(
            "/feedback/", {"path": "/", "found": "yes", "comment": comment}
        )
        self.assertEqual(response.status_code, 400)
        self.assertFalse(PageFeedback.objects.exists())
        self.assertContains(response, comment, status_code=400)
        codes = [e.code for e in response.context["form"].errors.as_data()["comment"]]
        self.assertEqual(set(codes), {"personal_data"})

    def test_an_eleven_digit_number_with_a_bad_checksum_is_not_personal_data(self):
        self.client.force_login(self.staff)
        self.client.post(
            "/feedback/",
            {"path": "/", "found": "yes", "comment": f"Ref {BAD_CHECKSUM}"},
        )
        self.assertEqual(PageFeedback.objects.count(), 1)

    def test_a_missing_answer_is_refused(self):
        self.client.force_login(self.staff)
        response = self.client.post("/feedback/", {"path": "/", "comment": "x"})
        self.assertEqual(response.status_code, 400)
        self.assertIn("found", response.context["form"].errors)
        self.assertFalse(PageFeedback.objects.exists())

    def test_a_foreign_return_address_is_not_followed(self):
        self.client.force_login(self.staff)
        response = self.client.post(
            "/feedback/", {"path": "https://evil.example/", "found": "yes"}
        )
        self.assertRedirects(response, "/", fetch_redirect_response=False)

    def test_login_is_required(self):
        response = self.client.post("/feedback/", {"path": "/", "found": "yes"})
        self.assertEqual(response.status_code, 302)
        self.assertFalse(PageFeedback.objects.exists())


class FeedbackListTests(KravsporTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        PageFeedback.objects.create(path="/organisations/", found=False, comment="Treg")
        PageFeedback.objects.create(path="/organisations/", found=True)
        PageFeedback.objects.create(path="/procurements/", found=True)

    def test_administrators_see_the_list_per_page(self):
        self.client.force_login(self.admin)
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        response = self.client.get("/feedback/")
        self.assertEqual(response.status_code, 200)
        per_page = list(response.context["per_page"])
        self.assertEqual(per_page[0]["path"], "/organisations/")
        self.assertEqual(per_page[0]["not_found"], 1)
        self.assertEqual(per_page[0]["answers"], 2)
        self.assertContains(response, "Treg")

    def test_the_list_filters_by_page_and_answer(self):
        self.client.force_login(self.admin)
        response = self.client.get("/feedback/", {"path": "procure", "found": "true"})
        rows = list(response.context["table"].data)
        self.assertEqual([r.path for r in rows], ["/procurements/"])

    def test_others_may_not_read_it(self):
        for user in (self.staff, self.lead, self.manager, self.outsider):
            self.client.force_login(user)
            self.assertEqual(self.client.get("/feedback/").status_code, 403, user)

    def test_other_methods_are_refused(self):
        self.client.force_login(self.admin)
        self.assertEqual(self.client.delete("/feedback/").status_code, 405)
