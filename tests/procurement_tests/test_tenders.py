"""Tender services and the evaluated-price selector."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.utils import translation

from procurement.models import Event, Organisation, PriceLine, Tender
from procurement.selectors.tenders import evaluated_prices, tender_answers
from procurement.services import specification as spec
from procurement.services import tenders as services
from procurement.services.tenders import PriceLineData, ResponseData
from tests.base import KravsporTestCase

OSLO = ZoneInfo("Europe/Oslo")


def when(day: int, hour: int = 12) -> datetime:
    return datetime(2017, 5, day, hour, 0, tzinfo=OSLO)


class TenderTestCase(KravsporTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.vendor_a = Organisation.objects.create(
            name="Alfa Journal AS",
            kind=Organisation.Kind.VENDOR,
            level=Organisation.Level.PRIVATE,
        )
        cls.vendor_b = Organisation.objects.create(
            name="Beta Helse AS",
            kind=Organisation.Kind.VENDOR,
            level=Organisation.Level.PRIVATE,
        )
        cls.round = services.round_create(
            procurement=cls.procurement,
            number=1,
            kind="initial",
            name="Innledende tilbud",
            deadline=when(3),
            by=cls.staff,
        )

    def register(self, vendor=None, round=None, **fields) -> Tender:
        return services.tender_register(
            round=round or self.round,
            vendor=vendor or self.vendor_a,
            received_at=fields.pop("received_at", when(2)),
            by=self.staff,
            **fields,
        )

    def error_codes(self, error: ValidationError) -> set[str]:
        if hasattr(error, "error_dict"):
            return {e.code for errors in error.error_dict.values() for e in errors}
        return {e.code for e in error.error_list}


class RegisterTests(TenderTestCase):
    def test_it_registers_a_tender_with_an_event(self):
        tender = self.register()
        self.assertEqual(tender.status, Tender.Status.RECEIVED)
        self.assertTrue(
            Event.objects.filter(
                action="tender.registered", procurement=self.procurement
            ).exists()
        )
        self.assertEqual(tender.history.count(), 1)

    def test_a_second_tender_from_the_same_vendor_in_a_round_is_refused(self):
        self.register()
        with self.assertRaises(ValidationError) as caught:
            self.register()
        self.assertEqual(self.error_codes(caught.exception), {"duplicate_vendor"})
        with translation.override("en"):
            with self.assertRaises(ValidationError) as caught:
                self.register()
        self.assertIn("Alfa Journal AS", str(caught.exception))
        self.assertIn("Innledende tilbud", str(caught.exception))
        self.assertEqual(Tender.objects.count(), 1)

    def test_the_same_vendor_may_tender_in_another_round(self):
        self.register()
        second = services.round_create(
            procurement=self.procurement,
            number=2,
            kind="revised",
            name="Reviderte tilbud",
            by=self.staff,
        )
        self.register(round=second)
        self.assertEqual(Tender.objects.filter(vendor=self.vendor_a).count(), 2)

    def test_an_organisation_that_is_not_a_vendor_cannot_tender(self):
        with self.assertRaises(ValidationError) as caught:
            self.register(vendor=self.hospital)
        self.assertEqual(self.error_codes(caught.exception), {"not_a_vendor"})
        self.assertFalse(Tender.objects.exists())

    def test_an_opened_round_takes_no_new_tenders(self):
        self.register()
        services.round_open(round=self.round, by=self.staff)
        with self.assertRaises(ValidationError) as caught:
            self.register(vendor=self.vendor_b)
        self.assertEqual(self.error_codes(caught.exception), {"round_opened"})
        self.assertEqual(Tender.objects.count(), 1)

    def test_update_checks_the_version(self):
        tender = self.register()
        services.tender_update(
            tender=tender, by=self.staff, expected_version=1, note="Mottatt på USB"
        )
        with self.assertRaises(services.ConcurrentEditError):
            services.tender_update(
                tender=tender, by=self.staff, expected_version=1, note="Annen"
            )
        tender.refresh_from_db()
        self.assertEqual(tender.note, "Mottatt på USB")
        self.assertEqual(tender.version, 2)

    def test_update_refuses_a_vendor_that_already_tendered(self):
        tender = self.register()
        self.register(vendor=self.vendor_b)
        with self.assertRaises(ValidationError) as caught:
            services.tender_update(tender=tender, by=self.staff, vendor=self.vendor_b)
        self.assertEqual(self.error_codes(caught.exception), {"duplicate_vendor"})


class StatusTests(TenderTestCase):
    def test_a_rejection_needs_a_reason(self):
        tender = self.register()
        with self.assertRaises(ValidationError) as caught:
            services.tender_set_status(
                tender=tender, status="rejected", reason="  ", by=self.lead
            )
        self.assertEqual(self.error_codes(caught.exception), {"reason_required"})
        tender.refresh_from_db()
        self.assertEqual(tender.status, "received")

    def test_a_reason_with_personal_data_is_refused(self):
        tender = self.register()
        with self.assertRaises(ValidationError) as caught:
            services.tender_set_status(
                tender=tender,
                status="rejected",
                reason="Spør ola.nordmann@example.no",
                by=self.lead,
            )
        self.assertIn("personal_data", self.error_codes(caught.exception))
        tender.refresh_from_db()
        self.assertEqual(tender.status, "received")

    def test_rejection_records_reason_who_and_event(self):
        tender = self.register()
        services.tender_set_status(
            tender=tender,
            status="rejected",
            reason="Vesentlig avvik fra A-krav SIKK-0001",
            by=self.lead,
        )
        tender.refresh_from_db()
        self.assertEqual(tender.status, "rejected")
        self.assertEqual(
            tender.rejection_reason, "Vesentlig avvik fra A-krav SIKK-0001"
        )
        self.assertEqual(tender.status_changed_by, self.lead)
        event = Event.objects.get(action="tender.rejected")
        self.assertEqual(event.data["status"], ["received", "rejected"])
        services.tender_set_status(tender=tender, status="valid", by=self.staff)
        tender.refresh_from_db()
        self.assertEqual(tender.rejection_reason, "")
        self.assertTrue(Event.objects.filter(action="tender.status_changed").exists())

    def test_status_change_checks_the_version(self):
        tender = self.register()
        with self.assertRaises(services.ConcurrentEditError):
            services.tender_set_status(
                tender=tender, status="valid", by=self.staff, expected_version=7
            )


class OpeningTests(TenderTestCase):
    def test_opening_records_when_and_by_whom_once(self):
        self.register()
        opened = services.round_open(round=self.round, by=self.staff)
        self.assertIsNotNone(opened.opened_at)
        self.assertEqual(opened.opened_by, self.staff)
        event = Event.objects.get(action="round.opened")
        self.assertEqual(event.data["tenders"][0]["vendor"], "Alfa Journal AS")
        with self.assertRaises(ValidationError) as caught:
            services.round_open(round=self.round, by=self.staff)
        self.assertEqual(self.error_codes(caught.exception), {"already_opened"})


class EnvelopeTests(TenderTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.sealed = services.round_create(
            procurement=cls.procurement,
            number=2,
            kind="revised",
            name="Reviderte tilbud",
            sealed_prices=True,
            by=cls.staff,
        )

    def test_the_envelope_opens_once_with_an_event(self):
        self.assertTrue(self.sealed.prices_sealed)
        opened = services.round_open_prices(round=self.sealed, by=self.lead)
        self.assertFalse(opened.prices_sealed)
        self.assertEqual(opened.prices_opened_by, self.lead)
        self.assertEqual(Event.objects.filter(action="round.prices_opened").count(), 1)
        with self.assertRaises(ValidationError) as caught:
            services.round_open_prices(round=self.sealed, by=self.lead)
        self.assertEqual(self.error_codes(caught.exception), {"prices_already_opened"})

    def test_a_round_without_a_seal_has_no_envelope_to_open(self):
        with self.assertRaises(ValidationError) as caught:
            services.round_open_prices(round=self.round, by=self.lead)
        self.assertEqual(self.error_codes(caught.exception), {"not_sealed"})
        self.round.refresh_from_db()
        self.assertIsNone(self.round.prices_opened_at)

    def test_the_seal_cannot_be_lifted_once_prices_are_in(self):
        tender = self.register(round=self.sealed)
        services.price_lines_save(
            tender=tender,
            lines=[PriceLineData("Lisens", Decimal("1"), Decimal("100"))],
            by=self.lead,
        )
        with self.assertRaises(ValidationError) as caught:
            services.round_update(round=self.sealed, by=self.staff, sealed_prices=False)
        self.assertEqual(self.error_codes(caught.exception), {"sealed_prices_entered"})
        self.sealed.refresh_from_db()
        self.assertTrue(self.sealed.sealed_prices)

    def test_the_seal_cannot_change_after_opening(self):
        services.round_open(round=self.sealed, by=self.staff)
        with self.assertRaises(ValidationError) as caught:
            services.round_update(round=self.sealed, by=self.staff, sealed_prices=False)
        self.assertEqual(self.error_codes(caught.exception), {"seal_fixed"})


class PriceTests(TenderTestCase):
    def test_the_evaluated_price_is_the_price_basket(self):
        tender = self.register()
        services.price_lines_save(
            tender=tender,
            lines=[
                PriceLineData("Lisenser", Decimal("2.5"), Decimal("1000.10")),
                PriceLineData("Opplæring", Decimal("3"), Decimal("0.10")),
                PriceLineData("Drift per år", Decimal("0.333"), Decimal("0.01")),
            ],
            total_price=Decimal("999"),
            by=self.staff,
        )
        # 2500.25 + 0.30 + 0.00333; the single total is not used.
        self.assertEqual(
            evaluated_prices(self.round), {tender.pk: Decimal("2500.55333")}
        )

    def test_a_tender_without_lines_is_evaluated_at_its_total(self):
        with_total = self.register(total_price=Decimal("1234567.89"))
        without = self.register(vendor=self.vendor_b)
        self.assertEqual(
            evaluated_prices(self.round),
            {with_total.pk: Decimal("1234567.89"), without.pk: None},
        )

    def test_large_baskets_stay_exact(self):
        tender = self.register()
        services.price_lines_save(
            tender=tender,
            lines=[
                PriceLineData("Drift", Decimal("10"), Decimal("123456789.99")),
                PriceLineData("Lisens", Decimal("1.001"), Decimal("0.07")),
            ],
            by=self.staff,
        )
        self.assertEqual(
            evaluated_prices(self.round)[tender.pk], Decimal("1234567899.97007")
        )

    def test_evaluated_prices_is_one_query(self):
        for vendor in (self.vendor_a, self.vendor_b):
            tender = self.register(vendor=vendor)
            services.price_lines_save(
                tender=tender,
                lines=[PriceLineData("Lisens", Decimal("1"), Decimal("5"))],
                by=self.staff,
            )
        with self.assertNumQueries(1):
            prices = evaluated_prices(self.round)
        self.assertEqual(set(prices.values()), {Decimal("5")})

    def test_price_lines_are_replaced_all_or_nothing(self):
        tender = self.register()
        services.price_lines_save(
            tender=tender,
            lines=[PriceLineData("Lisens", Decimal("1"), Decimal("5"))],
            by=self.staff,
        )
        with self.assertRaises(ValidationError) as caught:
            services.price_lines_save(
                tender=tender,
                lines=[
                    PriceLineData("Ny lisens", Decimal("2"), Decimal("7")),
                    PriceLineData("Feil", Decimal("-1"), Decimal("7")),
                ],
                by=self.staff,
            )
        self.assertEqual(self.error_codes(caught.exception), {"invalid_line"})
        self.assertEqual(
            list(PriceLine.objects.values_list("item", flat=True)), ["Lisens"]
        )

    def test_saving_lines_keeps_history_and_the_version(self):
        tender = self.register()
        services.price_lines_save(
            tender=tender,
            lines=[PriceLineData("Lisens", Decimal("1"), Decimal("5"))],
            by=self.staff,
        )
        with self.assertRaises(services.ConcurrentEditError):
            services.price_lines_save(
                tender=tender, lines=[], by=self.staff, expected_version=1
            )
        line = PriceLine.objects.get()
        self.assertEqual(line.history.first().history_user, self.staff)


class ResponseTests(TenderTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        section = spec.section_save(
            by=cls.staff,
            procurement=cls.procurement,
            number="1",
            title="Journal",
            prefix="JOURN",
        )
        cls.requirements = [
            spec.requirement_create(
                by=cls.staff,
                procurement=cls.procurement,
                section=section,
                title=f"Krav {n}",
                kind="A",
            )
            for n in range(3)
        ]

    def test_import_replaces_all_answers(self):
        tender = self.register()
        first, second, third = self.requirements
        services.responses_import(
            tender=tender,
            rows=[ResponseData(first.pk, "yes", "Ja"), ResponseData(second.pk, "no")],
            by=self.staff,
        )
        stored = services.responses_import(
            tender=tender,
            rows=[ResponseData(third.pk, "partly", "Delvis", "Vedlegg 3")],
            by=self.staff,
        )
        self.assertEqual(stored, 1)
        self.assertEqual(
            list(tender.responses.values_list("requirement__key", "compliance")),
            [(third.key, "partly")],
        )
        rows = list(tender_answers(tender))
        self.assertEqual(len(rows), 3)
        self.assertEqual([row["compliance"] for row in rows], [None, None, "partly"])
        self.assertEqual(
            [row["key"] for row in tender_answers(tender, compliance="none")],
            [first.key, second.key],
        )

    def test_an_invalid_row_stores_nothing(self):
        tender = self.register()
        services.responses_import(
            tender=tender,
            rows=[ResponseData(self.requirements[0].pk, "yes")],
            by=self.staff,
        )
        with self.assertRaises(ValidationError):
            services.responses_import(
                tender=tender,
                rows=[
                    ResponseData(self.requirements[1].pk, "yes"),
                    ResponseData(self.requirements[2].pk, "maybe"),
                ],
                by=self.staff,
            )
        self.assertEqual(
            list(tender.responses.values_list("requirement_id", flat=True)),
            [self.requirements[0].pk],
        )
