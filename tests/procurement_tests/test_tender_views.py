"""Tender round and tender pages: who may see and change what, the sealed
price envelope, and form errors."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings

from evaluation.models import Declaration
from procurement.models import Event, PriceLine, Tender, TenderRound
from procurement.services import specification as spec
from procurement.services import tenders as services
from procurement.services.tenders import PriceLineData, ResponseData
from tests.procurement_tests.test_tenders import TenderTestCase, when


class TenderViewTestCase(TenderTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.tender = services.tender_register(
            round=cls.round, vendor=cls.vendor_a, received_at=when(2), by=cls.staff
        )
        services.price_lines_save(
            tender=cls.tender,
            lines=[
                PriceLineData("Lisenser", Decimal("2"), Decimal("1500000")),
                PriceLineData("Drift per år", Decimal("10"), Decimal("250000.50")),
            ],
            by=cls.staff,
        )
        cls.sealed = services.round_create(
            procurement=cls.procurement,
            number=2,
            kind="revised",
            name="Reviderte tilbud",
            sealed_prices=True,
            by=cls.staff,
        )
        cls.sealed_tender = services.tender_register(
            round=cls.sealed, vendor=cls.vendor_a, received_at=when(20), by=cls.staff
        )
        services.price_lines_save(
            tender=cls.sealed_tender,
            lines=[PriceLineData("Lisenser", Decimal("1"), Decimal("7777777"))],
            by=cls.lead,
        )

    def setUp(self):
        # The services saved fresher copies than the ones kept for the class.
        self.tender.refresh_from_db()
        self.sealed_tender.refresh_from_db()

    def base(self) -> str:
        return f"/procurements/{self.procurement.pk}"

    def round_url(self, round=None, suffix="") -> str:
        return f"{self.base()}/rounds/{(round or self.round).pk}/{suffix}"

    def tender_url(self, tender=None, suffix="") -> str:
        return f"{self.base()}/tenders/{(tender or self.tender).pk}/{suffix}"

    def english(self) -> None:
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


READ_PAGES = [
    "rounds/",
    "rounds/{round}/",
    "rounds/{round}/opening/",
    "tenders/{tender}/",
]


class RefusalTests(TenderViewTestCase):
    def urls(self) -> list[str]:
        return [
            f"{self.base()}/" + page.format(round=self.round.pk, tender=self.tender.pk)
            for page in READ_PAGES
        ] + [
            self.round_url(suffix="opening.pdf"),
            self.round_url(suffix="answers.xlsx"),
        ]

    def test_staff_and_lead_read_every_page(self):
        for user in (self.staff, self.lead, self.admin):
            self.login(user)
            for url in self.urls():
                with self.subTest(user=user.username, url=url):
                    self.assertEqual(self.client.get(url).status_code, 200)

    def test_evaluators_and_management_get_403(self):
        for user in (self.evaluator, self.manager):
            self.login(user)
            for url in self.urls():
                with self.subTest(user=user.username, url=url):
                    self.assertEqual(self.client.get(url).status_code, 403)

    def test_outsiders_and_foreign_leads_get_404(self):
        for user in (self.outsider, self.foreign_lead):
            self.login(user)
            for url in [*self.urls(), self.tender_url(suffix="edit/")]:
                with self.subTest(user=user.username, url=url):
                    self.assertEqual(self.client.get(url).status_code, 404)

    def test_a_tender_of_another_procurement_is_404(self):
        foreign_round = TenderRound.objects.create(
            procurement=self.foreign, number=1, kind="initial", name="Runde"
        )
        foreign = Tender.objects.create(
            round=foreign_round, vendor=self.vendor_b, received_at=when(2)
        )
        self.login(self.staff)
        self.assertEqual(
            self.client.get(f"{self.base()}/tenders/{foreign.pk}/").status_code, 404
        )
        self.assertEqual(
            self.client.get(f"{self.base()}/rounds/{foreign_round.pk}/").status_code,
            404,
        )

    def test_a_lead_never_sees_a_vendor_named_as_a_conflict(self):
        other = services.tender_register(
            round=self.round, vendor=self.vendor_b, received_at=when(3), by=self.staff
        )
        declaration = Declaration.objects.create(
            procurement=self.procurement, evaluator=self.lead
        )
        declaration.conflicts.add(self.vendor_a)
        self.login(self.lead)
        self.assertEqual(self.client.get(self.tender_url()).status_code, 404)
        self.assertEqual(
            self.client.get(f"{self.base()}/tenders/{other.pk}/").status_code, 200
        )
        self.login(self.staff)
        self.assertEqual(self.client.get(self.tender_url()).status_code, 200)

    def test_the_lead_reads_but_does_not_change(self):
        self.login(self.lead)
        for url in (
            f"{self.base()}/rounds/new/",
            self.round_url(suffix="edit/"),
            self.round_url(suffix="tenders/new/"),
            self.tender_url(suffix="edit/"),
            self.tender_url(suffix="status/"),
            self.tender_url(suffix="answers/import/"),
        ):
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 403)
        self.assertEqual(
            self.client.post(self.round_url(suffix="open/")).status_code, 403
        )

    def test_wrong_methods_are_405(self):
        self.login(self.staff)
        self.assertEqual(
            self.client.get(self.round_url(suffix="open/")).status_code, 405
        )
        self.assertEqual(self.client.post(f"{self.base()}/rounds/").status_code, 405)
        self.assertEqual(self.client.post(self.tender_url()).status_code, 405)
        self.assertEqual(
            self.client.post(self.round_url(suffix="opening.pdf")).status_code, 405
        )


class RoundPageTests(TenderViewTestCase):
    def test_round_list_query_count_is_fixed(self):
        self.login(self.staff)
        self.client.get(f"{self.base()}/rounds/")
        with self.assertNumQueries(8):
            response = self.client.get(f"{self.base()}/rounds/")
        self.assertContains(response, 'id="round-table"')
        for number in range(3, 8):
            services.round_create(
                procurement=self.procurement,
                number=number,
                kind="other",
                name=f"Runde {number}",
                by=self.staff,
            )
        with self.assertNumQueries(8):
            self.client.get(f"{self.base()}/rounds/")

    def test_round_detail_query_count_does_not_grow_with_tenders(self):
        self.login(self.staff)
        with self.assertNumQueries(11):
            self.client.get(self.round_url())
        services.tender_register(
            round=self.round, vendor=self.vendor_b, received_at=when(2), by=self.staff
        )
        with self.assertNumQueries(11):
            self.client.get(self.round_url())

    def test_create_a_round(self):
        self.login(self.staff)
        response = self.client.post(
            f"{self.base()}/rounds/new/",
            {
                "number": 3,
                "kind": "final",
                "name": "Endelig tilbud",
                "deadline": "2018-11-15T12:00",
                "sealed_prices": "on",
            },
        )
        round = TenderRound.objects.get(number=3, procurement=self.procurement)
        self.assertRedirects(response, self.round_url(round))
        self.assertTrue(round.sealed_prices)
        self.assertTrue(Event.objects.filter(action="round.created").exists())

    def test_a_round_number_used_twice_is_refused(self):
        self.login(self.staff)
        response = self.client.post(
            f"{self.base()}/rounds/new/",
            {"number": 1, "kind": "final", "name": "Dobbel"},
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(TenderRound.objects.filter(name="Dobbel").count(), 0)

    def test_open_the_round_then_no_new_tenders(self):
        self.login(self.staff)
        response = self.client.post(self.round_url(suffix="open/"))
        self.assertRedirects(response, self.round_url(suffix="opening/"))
        self.round.refresh_from_db()
        self.assertEqual(self.round.opened_by, self.staff)
        response = self.client.get(self.round_url(suffix="tenders/new/"))
        self.assertRedirects(response, self.round_url())
        response = self.client.post(
            self.round_url(suffix="tenders/new/"),
            {"vendor": self.vendor_b.pk, "received_at": "2017-05-02T10:00"},
        )
        self.assertFalse(Tender.objects.filter(vendor=self.vendor_b).exists())

    def test_the_opening_record_pdf_is_a_pdf(self):
        services.round_open(round=self.round, by=self.staff)
        self.login(self.lead)
        response = self.client.get(self.round_url(suffix="opening.pdf"))
        self.assertEqual(response["Content-Type"], "application/pdf")
        self.assertTrue(b"".join(response.streaming_content).startswith(b"%PDF"))

    def test_the_opening_record_names_the_tenders(self):
        services.round_open(round=self.round, by=self.staff)
        self.login(self.staff)
        response = self.client.get(self.round_url(suffix="opening/"))
        self.assertContains(response, "Alfa Journal AS")
        self.assertEqual(len(response.context["lines"]), 1)


class TenderFormTests(TenderViewTestCase):
    def test_register_a_tender(self):
        self.login(self.staff)
        response = self.client.post(
            self.round_url(suffix="tenders/new/"),
            {
                "vendor": self.vendor_b.pk,
                "received_at": "2017-05-02T10:00",
                "total_price": "1000000",
            },
        )
        tender = Tender.objects.get(vendor=self.vendor_b)
        self.assertRedirects(response, tender.get_absolute_url())
        self.assertEqual(tender.total_price, Decimal("1000000"))

    def test_a_second_tender_from_a_vendor_is_refused_with_a_message(self):
        self.login(self.staff)
        self.english()
        response = self.client.post(
            self.round_url(suffix="tenders/new/"),
            {"vendor": self.vendor_a.pk, "received_at": "2017-05-02T10:00"},
        )
        self.assertEqual(response.status_code, 400)
        self.assertContains(
            response, "already has a tender in 1. Innledende tilbud", status_code=400
        )
        self.assertEqual(Tender.objects.filter(round=self.round).count(), 1)

    def test_a_non_vendor_cannot_be_chosen(self):
        self.login(self.staff)
        response = self.client.post(
            self.round_url(suffix="tenders/new/"),
            {"vendor": self.hospital.pk, "received_at": "2017-05-02T10:00"},
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("vendor", response.context["form"].errors)

    def test_a_stale_edit_is_told_and_saves_nothing(self):
        self.login(self.staff)
        services.tender_update(tender=self.tender, by=self.lead, note="Først")
        response = self.client.post(
            self.tender_url(suffix="edit/"),
            {
                "vendor": self.vendor_a.pk,
                "received_at": "2017-05-02T12:00",
                "note": "Senere",
                "version": 1,
            },
        )
        self.assertEqual(response.status_code, 409)
        self.tender.refresh_from_db()
        self.assertEqual(self.tender.note, "Først")

    def test_reject_needs_a_reason(self):
        self.login(self.staff)
        response = self.client.post(
            self.tender_url(suffix="status/"),
            {"status": "rejected", "reason": "", "version": self.tender.version},
        )
        self.assertEqual(response.status_code, 400)
        codes = [e.code for e in response.context["form"].errors.as_data()["reason"]]
        self.assertEqual(codes, ["reason_required"])
        self.tender.refresh_from_db()
        self.assertEqual(self.tender.status, "received")

    def test_reject_with_a_reason(self):
        self.login(self.staff)
        response = self.client.post(
            self.tender_url(suffix="status/"),
            {
                "status": "rejected",
                "reason": "For sent innlevert",
                "version": self.tender.version,
            },
        )
        self.assertRedirects(response, self.tender_url())
        self.tender.refresh_from_db()
        self.assertEqual(self.tender.status, "rejected")
        self.assertEqual(self.tender.rejection_reason, "For sent innlevert")


class SealedPriceTests(TenderViewTestCase):
    def test_staff_see_prices_of_an_unsealed_round(self):
        self.login(self.staff)
        response = self.client.get(self.tender_url())
        self.assertEqual(response.context["evaluated_price"], Decimal("5500005"))
        self.assertContains(response, 'id="evaluated-price"')
        response = self.client.get(self.round_url())
        self.assertTrue(response.context["show_prices"])

    def test_staff_see_sealed_not_the_prices(self):
        self.login(self.staff)
        response = self.client.get(self.tender_url(self.sealed_tender))
        self.assertContains(response, 'id="prices-sealed"')
        self.assertNotIn("evaluated_price", response.context)
        self.assertNotContains(response, "7777777")
        self.assertNotContains(response, "7 777 777")
        self.assertNotContains(response, 'id="price-lines"')
        response = self.client.get(self.round_url(self.sealed))
        self.assertFalse(response.context["show_prices"])
        self.assertNotContains(response, "777")

    def test_the_lead_sees_sealed_prices(self):
        self.login(self.lead)
        response = self.client.get(self.tender_url(self.sealed_tender))
        self.assertEqual(response.context["evaluated_price"], Decimal("7777777"))
        self.assertContains(response, 'id="price-lines"')
        self.assertContains(response, 'id="prices-sealed-note"')

    def test_only_the_lead_enters_sealed_prices(self):
        url = self.tender_url(self.sealed_tender, "prices/")
        self.login(self.staff)
        self.assertEqual(self.client.get(url).status_code, 403)
        self.assertEqual(self.client.post(url, {}).status_code, 403)
        self.login(self.lead)
        self.assertEqual(self.client.get(url).status_code, 200)
        # Not sealed: staff enter prices, the lead reads them.
        self.assertEqual(
            self.client.get(self.tender_url(suffix="prices/")).status_code, 403
        )
        self.login(self.staff)
        self.assertEqual(
            self.client.get(self.tender_url(suffix="prices/")).status_code, 200
        )

    def test_the_staff_tender_form_has_no_price_while_sealed(self):
        self.login(self.staff)
        response = self.client.get(self.tender_url(self.sealed_tender, "edit/"))
        self.assertNotIn("total_price", response.context["form"].fields)
        response = self.client.post(
            self.tender_url(self.sealed_tender, "edit/"),
            {
                "vendor": self.vendor_a.pk,
                "received_at": "2017-12-01T12:00",
                "total_price": "1",
                "version": self.sealed_tender.version,
            },
        )
        self.sealed_tender.refresh_from_db()
        self.assertIsNone(self.sealed_tender.total_price)

    def test_the_lead_sees_prices_once_the_envelope_opens_staff_too(self):
        services.round_open_prices(round=self.sealed, by=self.lead)
        self.login(self.staff)
        response = self.client.get(self.tender_url(self.sealed_tender))
        self.assertEqual(response.context["evaluated_price"], Decimal("7777777"))


class PriceFormTests(TenderViewTestCase):
    def post_lines(self, lines, total="", version=None):
        data = {
            "lines-TOTAL_FORMS": str(len(lines)),
            "lines-INITIAL_FORMS": "0",
            "lines-MIN_NUM_FORMS": "0",
            "lines-MAX_NUM_FORMS": "1000",
            "total_price": total,
            "version": version or Tender.objects.get(pk=self.tender.pk).version,
        }
        for index, (item, quantity, price) in enumerate(lines):
            data[f"lines-{index}-item"] = item
            data[f"lines-{index}-quantity"] = quantity
            data[f"lines-{index}-unit_price"] = price
        return self.client.post(self.tender_url(suffix="prices/"), data)

    def test_lines_replace_the_old_ones(self):
        PriceLine.objects.filter(tender=self.tender).delete()
        self.login(self.staff)
        response = self.post_lines(
            [("Lisens", "3", "100"), ("", "", ""), ("Kurs", "1.5", "10.10")]
        )
        self.assertRedirects(response, self.tender_url())
        self.assertEqual(
            list(self.tender.price_lines.values_list("item", "position")),
            [("Lisens", 1), ("Kurs", 2)],
        )

    def test_one_bad_line_saves_nothing(self):
        self.login(self.staff)
        before = list(self.tender.price_lines.values_list("item", flat=True))
        response = self.post_lines([("Lisens", "3", "100"), ("Kurs", "-1", "abc")])
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, 'id="price-errors"', status_code=400)
        self.assertEqual(
            list(self.tender.price_lines.values_list("item", flat=True)), before
        )


class AnswerListTests(TenderViewTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        journal = spec.section_save(
            by=cls.staff,
            procurement=cls.procurement,
            number="1",
            title="Journal",
            prefix="JOURN",
        )
        security = spec.section_save(
            by=cls.staff,
            procurement=cls.procurement,
            number="2",
            title="Sikkerhet",
            prefix="SIKK",
        )
        cls.requirements = [
            spec.requirement_create(
                by=cls.staff,
                procurement=cls.procurement,
                section=journal if n < 4 else security,
                title=f"Krav {n}",
                kind="A",
            )
            for n in range(6)
        ]
        services.responses_import(
            tender=cls.tender,
            rows=[
                ResponseData(cls.requirements[0].pk, "yes", "Ja, standard"),
                ResponseData(cls.requirements[4].pk, "no", "Nei"),
            ],
            by=cls.staff,
        )

    def test_each_requirement_with_the_answer(self):
        self.login(self.staff)
        response = self.client.get(self.tender_url())
        rows = list(response.context["page"])
        self.assertEqual(len(rows), 6)
        self.assertEqual(rows[0]["answer"], "Ja, standard")
        self.assertIsNone(rows[1]["compliance"])

    def test_filter_by_section_and_compliance(self):
        self.login(self.staff)
        response = self.client.get(self.tender_url(), {"section": "2"})
        self.assertEqual(
            [row["key"] for row in response.context["page"]], ["SIKK-0001", "SIKK-0002"]
        )
        response = self.client.get(self.tender_url(), {"compliance": "no"})
        self.assertEqual(
            [row["key"] for row in response.context["page"]], ["SIKK-0001"]
        )
        response = self.client.get(self.tender_url(), {"compliance": "none"})
        self.assertEqual(len(response.context["page"]), 4)

    def test_the_page_is_capped_and_its_queries_do_not_grow(self):
        self.login(self.staff)
        response = self.client.get(self.tender_url(), {"per_page": "100000"})
        self.assertEqual(response.context["page"].paginator.per_page, 100)
        response = self.client.get(self.tender_url(), {"per_page": "2", "page": "3"})
        self.assertEqual(len(response.context["page"]), 2)
        with self.assertNumQueries(16):
            self.client.get(self.tender_url())
        section = self.requirements[0].section
        for n in range(10):
            spec.requirement_create(
                by=self.staff,
                procurement=self.procurement,
                section=section,
                title=f"Mer {n}",
                kind="I",
            )
        with self.assertNumQueries(16):
            self.client.get(self.tender_url())


class AdminTests(TenderViewTestCase):
    def test_the_admin_lists_rounds_tenders_and_answers(self):
        self.login(self.admin)
        for url in (
            "/admin/procurement/tenderround/",
            "/admin/procurement/tender/",
            "/admin/procurement/response/",
            f"/admin/procurement/tender/{self.tender.pk}/change/",
            f"/admin/procurement/tenderround/{self.round.pk}/change/",
        ):
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 200)

    def test_the_admin_does_not_show_sealed_prices(self):
        self.login(self.admin)
        response = self.client.get(
            f"/admin/procurement/tender/{self.sealed_tender.pk}/change/"
        )
        self.assertNotIn("total_price", response.context["adminform"].form.fields)
        self.assertNotContains(response, "7777777")
        response = self.client.get(
            f"/admin/procurement/tender/{self.tender.pk}/change/"
        )
        self.assertIn("total_price", response.context["adminform"].form.fields)
        self.assertContains(response, "Lisenser")

    def test_the_seal_is_read_only_in_the_admin(self):
        self.login(self.admin)
        response = self.client.get(
            f"/admin/procurement/tenderround/{self.sealed.pk}/change/"
        )
        self.assertNotIn("sealed_prices", response.context["adminform"].form.fields)
