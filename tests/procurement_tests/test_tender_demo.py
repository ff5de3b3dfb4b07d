"""The demo world's tender rounds."""

from __future__ import annotations

from collections import Counter

from django.test import TestCase

from procurement.demo import build_demo_world
from procurement.demo_specification import BASELINE_LABEL
from procurement.models import Event, Response, Tender, TenderRound
from procurement.selectors.tenders import evaluated_prices, round_requirements


class DemoTenderTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.world = build_demo_world(scale=1, log=lambda line: None)

    def test_three_rounds_with_four_three_and_two_tenders(self):
        rounds = TenderRound.objects.order_by("number")
        self.assertEqual(
            [(r.number, r.kind, r.name, r.tenders.count()) for r in rounds],
            [
                (1, "initial", "Innledende tilbud", 4),
                (2, "revised", "Reviderte tilbud", 3),
                (3, "final", "Endelig tilbud", 2),
            ],
        )
        self.assertEqual({r.baseline.label for r in rounds}, {BASELINE_LABEL})
        self.assertEqual(rounds[0].deadline.year, 2017)
        self.assertEqual(rounds[0].deadline.month, 5)
        self.assertEqual(rounds[1].deadline.month, 12)
        self.assertEqual(rounds[2].deadline.year, 2018)
        self.assertTrue(all(r.opened_at for r in rounds))

    def test_the_envelopes(self):
        first, second, third = TenderRound.objects.order_by("number")
        self.assertFalse(first.sealed_prices)
        self.assertTrue(second.sealed_prices)
        # Round 2's evaluation is in consensus: its envelope opens only once
        # the quality consensus is locked.
        self.assertTrue(second.prices_sealed)
        self.assertTrue(third.prices_sealed)
        self.assertEqual(Event.objects.filter(action="round.prices_opened").count(), 0)

    def test_tenders_are_valid_priced_and_from_vendors(self):
        # The evaluation step rejects one tender of round 1.
        self.assertEqual(
            set(
                Tender.objects.exclude(round__number=1).values_list("status", flat=True)
            ),
            {"valid"},
        )
        self.assertEqual(
            Counter(
                Tender.objects.filter(round__number=1).values_list("status", flat=True)
            ),
            {"valid": 3, "rejected": 1},
        )
        self.assertEqual(
            set(Tender.objects.values_list("vendor__kind", flat=True)), {"vendor"}
        )
        for round in TenderRound.objects.all():
            prices = evaluated_prices(round)
            self.assertTrue(all(price and price > 10**9 for price in prices.values()))
        later = Tender.objects.filter(round__number=3).values_list("vendor", flat=True)
        first = Tender.objects.filter(round__number=1).values_list("vendor", flat=True)
        self.assertLessEqual(set(later), set(first))

    def test_every_tender_answers_every_requirement(self):
        for tender in Tender.objects.select_related("round"):
            self.assertEqual(
                tender.responses.count(), round_requirements(tender.round).count()
            )
        mix = Counter(Response.objects.values_list("compliance", flat=True))
        self.assertEqual(set(mix), {"yes", "partly", "no"})
        self.assertGreater(mix["yes"], mix["partly"] + mix["no"])
