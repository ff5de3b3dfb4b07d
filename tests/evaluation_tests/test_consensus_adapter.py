"""A small evaluation world shared by the consensus, results and lock tests,
and the check that the database adapter feeds the engine exactly what a
hand-built EvaluationData would."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from evaluation import results as engine
from evaluation.models import (
    AbsoluteCheck,
    Assignment,
    ConsensusScore,
    Criterion,
    Declaration,
    Evaluation,
    RequirementMapping,
    Score,
)
from evaluation.selectors.results import (
    consensus_gaps,
    engine_data,
    evaluation_results,
)
from procurement.models import (
    Membership,
    Organisation,
    PriceLine,
    Requirement,
    Section,
    Tender,
    TenderRound,
)
from tests.base import KravsporTestCase

User = get_user_model()
D = Decimal

# (evaluator, vendor, item) → score; items: r1, r2 (requirements of
# Ytelse, weights 2 and 1) and risk (Risiko, scored directly).
SCORES = {
    "evaluator": {
        "Alfa": {"r1": "8", "r2": "6", "risk": "7"},
        "Beta": {"r1": "6", "r2": "9", "risk": "5"},
        "Gamma": {"r1": "4", "r2": "4", "risk": "6"},
        "Delta": {"r1": "9", "r2": "9", "risk": "9"},
    },
    "evaluator2": {
        "Alfa": {"r1": "7", "r2": "6", "risk": "8"},
        "Beta": {"r1": "3", "r2": "8", "risk": "5"},
        "Gamma": {"r1": "5", "r2": "3", "risk": "4"},
        "Delta": {"r1": "9", "r2": "8", "risk": "9"},
    },
}
PRICES = {"Alfa": D("100000000"), "Beta": D("80000000"), "Gamma": D("120000000")}
DELTA_PRICE = D("50000000")


class ConsensusWorld(KravsporTestCase):
    """Round 1 of HP-EPJ-2016 with a sealed price envelope: tenders from Alfa,
    Beta and Gamma, a rejected one from Delta and a withdrawn one from
    Epsilon; criteria Ytelse (50 %, two requirements), Risiko (20 %, scored
    directly) and Pris (30 %, linear); two evaluators have scored everything;
    status scoring. No test methods here: test modules subclass it."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.evaluator2 = User.objects.create_user(username="evaluator2", password="x")
        Membership.objects.create(
            user=cls.evaluator2,
            procurement=cls.procurement,
            role=Membership.Role.EVALUATOR,
        )
        cls.vendors = {
            name: Organisation.objects.create(
                name=f"{name} Journal AS", kind=Organisation.Kind.VENDOR
            )
            for name in ("Alfa", "Beta", "Gamma", "Delta", "Epsilon")
        }
        cls.round = TenderRound.objects.create(
            procurement=cls.procurement,
            number=1,
            kind=TenderRound.Kind.INITIAL,
            name="Første tilbud",
            sealed_prices=True,
        )
        received = timezone.make_aware(datetime.datetime(2017, 5, 2, 12))
        cls.tenders = {}
        for name, vendor in cls.vendors.items():
            status = {
                "Delta": Tender.Status.REJECTED,
                "Epsilon": Tender.Status.WITHDRAWN,
            }.get(name, Tender.Status.VALID)
            cls.tenders[name] = Tender.objects.create(
                round=cls.round,
                vendor=vendor,
                received_at=received,
                status=status,
                total_price=PRICES.get(name, DELTA_PRICE) if name != "Alfa" else None,
                rejection_reason="Vesentlig avvik fra A-krav"
                if name == "Delta"
                else "",
            )
        # Alfa's price is a basket: 2 × 30 M + 1 × 40 M = 100 M.
        PriceLine.objects.create(
            tender=cls.tenders["Alfa"],
            position=1,
            item="Lisens",
            quantity=D("2"),
            unit_price=D("30000000"),
        )
        PriceLine.objects.create(
            tender=cls.tenders["Alfa"],
            position=2,
            item="Drift",
            quantity=D("1"),
            unit_price=D("40000000"),
        )
        section = Section.objects.create(
            procurement=cls.procurement, number="1", title="Funksjon", prefix="FUNK"
        )
        cls.r1 = Requirement.objects.create(
            procurement=cls.procurement,
            section=section,
            key="FUNK-0001",
            title="Legemiddelliste",
            kind=Requirement.Kind.V,
        )
        cls.r2 = Requirement.objects.create(
            procurement=cls.procurement,
            section=section,
            key="FUNK-0002",
            title="Journalnotat",
            kind=Requirement.Kind.AV,
        )
        cls.evaluation = Evaluation.objects.create(
            procurement=cls.procurement,
            round=cls.round,
            status=Evaluation.Status.SCORING,
            price_model=Evaluation.PriceModel.LINEAR,
            scoring_started_at=received,
        )
        cls.ytelse = Criterion.objects.create(
            evaluation=cls.evaluation,
            position=1,
            name="Ytelse",
            kind=Criterion.Kind.QUALITY,
            weight=D("50"),
            weight_min=D("40"),
            weight_max=D("60"),
        )
        cls.risiko = Criterion.objects.create(
            evaluation=cls.evaluation,
            position=2,
            name="Risiko",
            kind=Criterion.Kind.RISK,
            weight=D("20"),
            weight_min=D("10"),
            weight_max=D("30"),
            method=Criterion.Method.DIRECT,
        )
        cls.pris = Criterion.objects.create(
            evaluation=cls.evaluation,
            position=3,
            name="Pris",
            kind=Criterion.Kind.PRICE,
            weight=D("30"),
            weight_min=D("20"),
            weight_max=D("40"),
            method=Criterion.Method.PRICE,
        )
        RequirementMapping.objects.create(
            evaluation=cls.evaluation,
            criterion=cls.ytelse,
            requirement=cls.r1,
            weight=D("2"),
        )
        RequirementMapping.objects.create(
            evaluation=cls.evaluation,
            criterion=cls.ytelse,
            requirement=cls.r2,
            weight=D("1"),
        )
        cls.panel = {"evaluator": cls.evaluator, "evaluator2": cls.evaluator2}
        for person in (cls.evaluator, cls.evaluator2, cls.lead):
            Declaration.objects.create(procurement=cls.procurement, evaluator=person)
        for person in cls.panel.values():
            for criterion in (cls.ytelse, cls.risiko):
                Assignment.objects.create(
                    evaluation=cls.evaluation, evaluator=person, criterion=criterion
                )
        for username, per_vendor in SCORES.items():
            for vendor, items in per_vendor.items():
                for item, value in items.items():
                    Score.objects.create(
                        evaluation=cls.evaluation,
                        evaluator=cls.panel[username],
                        tender=cls.tenders[vendor],
                        value=D(value),
                        justification=f"Vurdering av {item}",
                        **cls.item_kwargs(item),
                    )

    @classmethod
    def item_kwargs(cls, item: str) -> dict:
        return {
            "r1": {"requirement": cls.r1},
            "r2": {"requirement": cls.r2},
            "risk": {"criterion": cls.risiko},
        }[item]

    @classmethod
    def substantial_deviation(
        cls, vendor: str, justification: str = "Mangler daglig kopi.", by=None
    ) -> AbsoluteCheck:
        """The vendor's tender fails requirement r2 with a substantial
        deviation: proposed for rejection until the lead decides."""
        return AbsoluteCheck.objects.create(
            evaluation=cls.evaluation,
            tender=cls.tenders[vendor],
            requirement=cls.r2,
            fulfilled=False,
            substantial_deviation=True,
            justification=justification,
            checked_by=by or cls.evaluator,
        )

    def reload(self) -> Evaluation:
        self.evaluation = Evaluation.objects.select_related("round", "procurement").get(
            pk=self.evaluation.pk
        )
        return self.evaluation

    def open_consensus(self) -> None:
        Evaluation.objects.filter(pk=self.evaluation.pk).update(
            status=Evaluation.Status.CONSENSUS, consensus_opened_at=timezone.now()
        )
        self.reload()

    def agree(self, vendor: str, item: str, value: str) -> ConsensusScore:
        return ConsensusScore.objects.create(
            evaluation=self.evaluation,
            tender=self.tenders[vendor],
            value=D(value),
            justification="Panelet er enig",
            decided_by=self.lead,
            **self.item_kwargs(item),
        )

    def agree_all(self, *, vendors=("Alfa", "Beta", "Gamma")) -> None:
        """Consensus = the first evaluator's scores, for the ranked tenders."""
        for vendor in vendors:
            for item, value in SCORES["evaluator"][vendor].items():
                self.agree(vendor, item, value)

    def open_prices(self) -> None:
        TenderRound.objects.filter(pk=self.round.pk).update(
            prices_opened_at=timezone.now(), prices_opened_by=self.lead
        )
        self.reload()


def hand_built_data(world: ConsensusWorld, *, prices: bool = True):
    """The same evaluation typed in by hand."""
    t = {name: tender.pk for name, tender in world.tenders.items()}
    items = {
        "r1": engine.req_item(world.r1.pk),
        "r2": engine.req_item(world.r2.pk),
        "risk": engine.crit_item(world.risiko.pk),
    }
    rows = [
        engine.IndividualScore(
            world.panel[username].pk, t[vendor], items[item], D(value)
        )
        for username, per_vendor in SCORES.items()
        for vendor, scored in per_vendor.items()
        for item, value in scored.items()
    ]
    criteria = [
        engine.Criterion(
            world.ytelse.pk,
            "Ytelse",
            D("0.5"),
            weight_min=D("0.4"),
            weight_max=D("0.6"),
            requirement_weights={world.r1.pk: D(2), world.r2.pk: D(1)},
        ),
        engine.Criterion(
            world.risiko.pk,
            "Risiko",
            D("0.2"),
            kind="risk",
            weight_min=D("0.1"),
            weight_max=D("0.3"),
            method="direct",
        ),
        engine.Criterion(
            world.pris.pk,
            "Pris",
            D("0.3"),
            kind="price",
            weight_min=D("0.2"),
            weight_max=D("0.4"),
            method="price",
            price_model="linear",
        ),
    ]
    price = {**PRICES, "Delta": DELTA_PRICE} if prices else {}
    tenders = [
        engine.Tender(
            t[name],
            f"{name} Journal AS",
            rejected=name == "Delta",
            evaluated_price=price.get(name),
        )
        for name in ("Alfa", "Beta", "Delta", "Gamma")
    ]
    return engine.EvaluationData.from_rows(criteria, tenders, rows)


def numbers(value):
    """``to_dict()`` output with every number compared by value ("7.50" = "7.5")."""
    if isinstance(value, dict):
        plain = {k: numbers(v) for k, v in value.items()}
        if "spreads" in plain:
            plain["spreads"] = sorted(plain["spreads"], key=repr)
        return plain
    if isinstance(value, list):
        return [numbers(v) for v in value]
    if isinstance(value, str):
        try:
            return Decimal(value).normalize()
        except ArithmeticError:
            return value
    return value


class AdapterTests(ConsensusWorld):
    def test_it_feeds_the_engine_what_a_hand_built_evaluation_holds(self):
        data = engine_data(self.reload(), user=self.lead)
        expected = hand_built_data(self)
        self.assertEqual(
            sorted(data.criteria, key=lambda c: c.id),
            sorted(expected.criteria, key=lambda c: c.id),
        )
        self.assertEqual(
            sorted(data.tenders, key=lambda t: t.id),
            sorted(expected.tenders, key=lambda t: t.id),
        )
        self.assertEqual(data.individual, expected.individual)
        self.assertEqual(
            data.evaluator_criterion_scores, expected.evaluator_criterion_scores
        )
        self.assertEqual(data.consensus, {})

    def test_it_gives_the_same_results_as_the_hand_built_evaluation(self):
        self.reload()
        self.agree("Alfa", "r1", "8")
        self.agree("Beta", "risk", "6")
        data, results = evaluation_results(self.evaluation, user=self.lead)
        expected = hand_built_data(self)
        expected = engine.EvaluationData(
            criteria=expected.criteria,
            tenders=sorted(expected.tenders, key=lambda t: t.name),
            individual=expected.individual,
            evaluator_criterion_scores=expected.evaluator_criterion_scores,
            consensus={
                (self.tenders["Alfa"].pk, engine.req_item(self.r1.pk)): D(8),
                (self.tenders["Beta"].pk, engine.crit_item(self.risiko.pk)): D(6),
            },
        )
        self.assertEqual(
            numbers(results.to_dict()),
            numbers(engine.compute_results(expected).to_dict()),
        )
        # Spot-check one number by hand: Alfa's Ytelse is (2·8 + 1·6)/3.
        alfa = results.tender(self.tenders["Alfa"].pk)
        self.assertEqual(
            alfa.criteria[self.ytelse.pk].points, engine.CONTEXT.divide(D(22), D(3))
        )

    def test_withdrawn_tenders_are_left_out_and_rejected_ones_kept_unranked(self):
        data, results = evaluation_results(self.reload(), user=self.lead)
        ids = {t.id for t in data.tenders}
        self.assertNotIn(self.tenders["Epsilon"].pk, ids)
        delta = results.tender(self.tenders["Delta"].pk)
        self.assertTrue(delta.rejected)
        self.assertIsNone(delta.rank)
        self.assertNotIn(self.tenders["Delta"].pk, results.ranking)

    def test_sealed_prices_reach_the_engine_only_for_the_lead(self):
        self.reload()
        for reader in (self.staff, self.evaluator, self.manager, None):
            data = engine_data(self.evaluation, user=reader)
            self.assertEqual({t.evaluated_price for t in data.tenders}, {None}, reader)
        data = engine_data(self.evaluation, user=self.lead)
        self.assertEqual(
            {t.name: t.evaluated_price for t in data.tenders}["Alfa Journal AS"],
            D("100000000"),
        )
        self.open_prices()
        data = engine_data(self.evaluation, user=None)
        self.assertIn(D("80000000"), {t.evaluated_price for t in data.tenders})

    def test_consensus_gaps_count_open_quality_items_of_ranked_tenders(self):
        self.reload()
        self.agree_all(vendors=("Alfa", "Beta"))
        self.agree("Gamma", "r1", "4")
        data, results = evaluation_results(self.evaluation, user=self.lead)
        gaps = consensus_gaps(data, results)
        self.assertEqual(
            [(g.tender_name, g.criterion_name, g.count) for g in gaps],
            [("Gamma Journal AS", "Ytelse", 1), ("Gamma Journal AS", "Risiko", 1)],
        )
        self.agree("Gamma", "r2", "4")
        self.agree("Gamma", "risk", "6")
        data, results = evaluation_results(self.evaluation, user=self.lead)
        self.assertEqual(consensus_gaps(data, results), [])
        self.assertFalse(results.tender(self.tenders["Gamma"].pk).provisional)

    def test_results_take_a_fixed_number_of_queries(self):
        self.reload()
        with self.assertNumQueries(10):
            evaluation_results(self.evaluation, user=self.lead)
