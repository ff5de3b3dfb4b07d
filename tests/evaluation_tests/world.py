"""A small evaluation world for the evaluation tests (set-up, scoring,
consensus may import it; keep it stable and additive).

On top of ``KravsporTestCase``'s personas and procurement:

- sections 1 Journal (1.1 Legemidler) and 2 Sikkerhet;
- requirements: ``v_allergy`` (V, weight 5, in 1.1), ``v_overview`` (V,
  no weight, as an import can leave it, in 1), ``av_login`` (AV, weight 2,
  in 2), ``a_backup`` (A), ``i_info`` (I) and ``v_withdrawn`` (V, withdrawn);
- vendors Alfa, Beta and Gamma with tenders in round 1 (no baseline);
- a second evaluator ``evaluator2`` with the evaluator role;
- ``build_model(evaluation)``: Kvalitet 70 % (range 60–80) with Funksjon 60 %
  and Risiko 40 % (scored directly) under it, and Pris 30 % (range 20–40,
  price formula) — weights complete, nothing mapped or assigned yet.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from evaluation.models import Criterion, Evaluation
from evaluation.services import setup as services
from procurement.models import (
    Membership,
    Organisation,
    Requirement,
    Tender,
    TenderRound,
)
from procurement.services import specification as spec
from tests.base import KravsporTestCase

User = get_user_model()
D = Decimal


def make_vendor(name: str) -> Organisation:
    return Organisation.objects.create(name=name, kind=Organisation.Kind.VENDOR)


def build_model(evaluation: Evaluation, by) -> dict[str, Criterion]:
    """A complete two-level tree whose weights sum to 100 % at every level."""
    quality = services.criterion_create(
        by=by,
        evaluation=evaluation,
        name="Kvalitet",
        kind="quality",
        method="requirements",
        weight=D("70"),
        weight_min=D("60"),
        weight_max=D("80"),
    )
    function = services.criterion_create(
        by=by,
        evaluation=evaluation,
        parent=quality,
        name="Funksjon",
        kind="quality",
        method="requirements",
        weight=D("60"),
    )
    risk = services.criterion_create(
        by=by,
        evaluation=evaluation,
        parent=quality,
        name="Risiko",
        kind="risk",
        method="direct",
        weight=D("40"),
    )
    price = services.criterion_create(
        by=by,
        evaluation=evaluation,
        name="Pris",
        kind="price",
        method="price",
        weight=D("30"),
        weight_min=D("20"),
        weight_max=D("40"),
    )
    return {"quality": quality, "function": function, "risk": risk, "price": price}


class EvaluationWorld(KravsporTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.evaluator2 = User.objects.create_user(
            username="evaluator2", password="x-evaluator2"
        )
        Membership.objects.create(
            user=cls.evaluator2,
            procurement=cls.procurement,
            role=Membership.Role.EVALUATOR,
        )
        journal = spec.section_save(
            by=cls.staff,
            procurement=cls.procurement,
            number="1",
            title="Journal",
            prefix="JOURN",
        )
        medicine = spec.section_save(
            by=cls.staff,
            procurement=cls.procurement,
            number="1.1",
            title="Legemidler",
            parent=journal,
        )
        security = spec.section_save(
            by=cls.staff,
            procurement=cls.procurement,
            number="2",
            title="Sikkerhet",
            prefix="SIKK",
        )
        cls.journal, cls.medicine, cls.security = journal, medicine, security

        def requirement(section, title, kind, weight=None, status="approved"):
            return spec.requirement_create(
                by=cls.staff,
                procurement=cls.procurement,
                section=section,
                title=title,
                kind=kind,
                weight=weight,
                status=status,
            )

        cls.v_allergy = requirement(medicine, "Vise allergier", "V", D("5"))
        cls.v_overview = requirement(journal, "Pasientoversikt", "V", D("1"))
        # Imported specifications can carry V requirements without a weight.
        Requirement.objects.filter(pk=cls.v_overview.pk).update(weight=None)
        cls.av_login = requirement(security, "To-faktor innlogging", "AV", D("2"))
        cls.a_backup = requirement(security, "Sikkerhetskopi", "A")
        cls.i_info = requirement(journal, "Om journalen", "I")
        cls.v_withdrawn = requirement(journal, "Faks", "V", D("1"))
        Requirement.objects.filter(pk=cls.v_withdrawn.pk).update(
            status=Requirement.Status.WITHDRAWN
        )

        cls.alfa = make_vendor("Alfa Systemer AS")
        cls.beta = make_vendor("Beta Helse AS")
        cls.gamma = make_vendor("Gamma Journal AS")
        cls.round = TenderRound.objects.create(
            procurement=cls.procurement,
            number=1,
            kind=TenderRound.Kind.INITIAL,
            name="Første tilbud",
        )
        cls.round2 = TenderRound.objects.create(
            procurement=cls.procurement,
            number=2,
            kind=TenderRound.Kind.REVISED,
            name="Reviderte tilbud",
        )
        received = timezone.make_aware(datetime.datetime(2017, 5, 15, 12))
        cls.tender_alfa, cls.tender_beta, cls.tender_gamma = (
            Tender.objects.create(
                round=cls.round, vendor=vendor, received_at=received, status="valid"
            )
            for vendor in (cls.alfa, cls.beta, cls.gamma)
        )
        cls.evaluation = services.evaluation_create(
            by=cls.lead, procurement=cls.procurement, round=cls.round
        )

    def base(self) -> str:
        return f"/procurements/{self.procurement.pk}/evaluations/"

    def url(self, suffix: str = "") -> str:
        return f"{self.base()}{self.evaluation.pk}/{suffix}"

    def model(self) -> dict[str, Criterion]:
        return build_model(self.evaluation, self.lead)

    def complete(self) -> dict[str, Criterion]:
        """The model, every V/AV requirement mapped to Funksjon and both
        evaluators assigned: scoring can start."""
        criteria = self.model()
        services.mappings_add(
            by=self.lead,
            evaluation=self.evaluation,
            criterion=criteria["function"],
            requirements=[self.v_allergy, self.v_overview, self.av_login],
        )
        for user in (self.evaluator, self.evaluator2):
            services.assignments_add(
                by=self.lead,
                evaluation=self.evaluation,
                evaluator=user,
                criteria=[criteria["function"], criteria["risk"]],
            )
        return criteria
