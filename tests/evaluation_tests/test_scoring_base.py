"""The world the scoring tests share (no tests of its own).

On top of ``KravsporTestCase``: three V requirements mapped to the
requirement-scored criterion Funksjon (under Kvalitet), Risiko scored
directly, Pris by formula; A and AV requirements for the absolute checks;
vendors Alfa, Beta and Gamma with valid tenders in round 1 and a withdrawn
Delta; the evaluation in scoring. ``evaluator`` declared a conflict with
Gamma and is assigned Kvalitet (so Funksjon and Risiko) for every tender;
``evaluator2`` is impartial and assigned Funksjon for Alfa only; ``lead``
signed without conflicts; ``unsigned`` is an evaluator without a
declaration.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from evaluation.models import (
    Assignment,
    Criterion,
    Declaration,
    Evaluation,
    RequirementMapping,
    Score,
)
from procurement.models import (
    Membership,
    Organisation,
    Requirement,
    Response,
    Tender,
    TenderRound,
)
from procurement.services import specification as spec
from tests.base import KravsporTestCase

User = get_user_model()
D = Decimal


class ScoringWorld(KravsporTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()

        def member(name: str) -> User:
            person = User.objects.create_user(username=name, password="x-" + name)
            Membership.objects.create(
                user=person,
                procurement=cls.procurement,
                role=Membership.Role.EVALUATOR,
            )
            return person

        cls.evaluator2 = member("evaluator2")
        cls.unsigned = member("unsigned")
        cls.section = spec.section_save(
            by=cls.staff,
            procurement=cls.procurement,
            number="1",
            title="Journal",
            prefix="JOURN",
        )

        def requirement(title: str, kind: str) -> Requirement:
            return spec.requirement_create(
                by=cls.staff,
                procurement=cls.procurement,
                section=cls.section,
                title=title,
                description=f"{title}: beskrivelse.",
                response_instructions="Beskriv løsningen.",
                kind=kind,
                weight=None if kind == "A" else D("1"),
                status="approved",
            )

        cls.r_allergy = requirement("Vise allergier", "V")
        cls.r_overview = requirement("Pasientoversikt", "V")
        cls.r_print = requirement("Utskrift", "V")
        cls.a_backup = requirement("Sikkerhetskopi", "A")
        cls.av_login = requirement("To-faktor innlogging", "AV")

        def vendor(name: str) -> Organisation:
            return Organisation.objects.create(name=name, kind=Organisation.Kind.VENDOR)

        cls.alfa = vendor("Alfa Systemer AS")
        cls.beta = vendor("Beta Helse AS")
        cls.gamma = vendor("Gamma Journal AS")
        cls.delta = vendor("Delta Data AS")
        cls.round = TenderRound.objects.create(
            procurement=cls.procurement,
            number=1,
            kind=TenderRound.Kind.INITIAL,
            name="Første tilbud",
        )
        received = timezone.make_aware(datetime.datetime(2017, 5, 15, 12))

        def tender(vendor, status="valid") -> Tender:
            return Tender.objects.create(
                round=cls.round, vendor=vendor, received_at=received, status=status
            )

        cls.t_alfa = tender(cls.alfa)
        cls.t_beta = tender(cls.beta, status="received")
        cls.t_gamma = tender(cls.gamma)
        cls.t_delta = tender(cls.delta, status="withdrawn")
        Response.objects.create(
            tender=cls.t_alfa,
            requirement=cls.r_allergy,
            compliance="yes",
            answer="Allergier vises i pasientlisten.",
            reference="Vedlegg 3, kap. 2",
        )
        Response.objects.create(
            tender=cls.t_alfa,
            requirement=cls.a_backup,
            compliance="partly",
            answer="Ukentlig sikkerhetskopi.",
        )

        cls.evaluation = Evaluation.objects.create(
            procurement=cls.procurement,
            round=cls.round,
            status=Evaluation.Status.SCORING,
            scale_descriptors=[
                {"value": 0, "text": "Ikke besvart"},
                {"value": 10, "text": "Svært god"},
            ],
        )

        def criterion(name, method, weight, parent=None, kind="quality"):
            return Criterion.objects.create(
                evaluation=cls.evaluation,
                parent=parent,
                name=name,
                kind=kind,
                method=method,
                weight=D(weight),
            )

        cls.quality = criterion("Kvalitet", "requirements", "70")
        cls.function = criterion("Funksjon", "requirements", "60", cls.quality)
        cls.risk = criterion("Risiko", "direct", "40", cls.quality, kind="risk")
        cls.price = criterion("Pris", "price", "30", kind="price")
        for requirement_ in (cls.r_allergy, cls.r_overview, cls.r_print):
            RequirementMapping.objects.create(
                evaluation=cls.evaluation,
                criterion=cls.function,
                requirement=requirement_,
            )
        Assignment.objects.create(
            evaluation=cls.evaluation, evaluator=cls.evaluator, criterion=cls.quality
        )
        Assignment.objects.create(
            evaluation=cls.evaluation,
            evaluator=cls.evaluator2,
            criterion=cls.function,
            tender=cls.t_alfa,
        )
        Assignment.objects.create(
            evaluation=cls.evaluation, evaluator=cls.unsigned, criterion=cls.function
        )
        Assignment.objects.create(
            evaluation=cls.evaluation, evaluator=cls.lead, criterion=cls.risk
        )
        declaration = Declaration.objects.create(
            procurement=cls.procurement, evaluator=cls.evaluator
        )
        declaration.conflicts.set([cls.gamma])
        Declaration.objects.create(
            procurement=cls.procurement, evaluator=cls.evaluator2
        )
        Declaration.objects.create(procurement=cls.procurement, evaluator=cls.lead)

    # Helpers -----------------------------------------------------------------

    def base(self) -> str:
        return f"/procurements/{self.procurement.pk}/evaluations/{self.evaluation.pk}/"

    def score_url(self, tender=None, criterion=None, *, save: bool = False) -> str:
        tender = tender or self.t_alfa
        criterion = criterion or self.function
        suffix = "save/" if save else ""
        return (
            f"{self.base()}tenders/{tender.pk}/criteria/{criterion.pk}/score/{suffix}"
        )

    def set_status(self, status: str) -> None:
        Evaluation.objects.filter(pk=self.evaluation.pk).update(status=status)
        self.evaluation.refresh_from_db()

    def give(self, evaluator, requirement, value, text="Godt beskrevet.", tender=None):
        """A stored score, made without the service (a fixture for reads)."""
        return Score.objects.create(
            evaluation=self.evaluation,
            evaluator=evaluator,
            tender=tender or self.t_alfa,
            requirement=requirement,
            value=D(value),
            justification=text,
        )

    def add_requirements(self, count: int) -> list[Requirement]:
        """``count`` more V requirements mapped to Funksjon, each answered
        by Alfa and scored by ``evaluator``."""
        made = []
        start = Requirement.objects.filter(key__startswith="EXTRA-").count()
        for number in range(start, start + count):
            requirement = Requirement.objects.create(
                procurement=self.procurement,
                section=self.section,
                key=f"EXTRA-{number:04d}",
                title=f"Krav {number}",
                description="Tekst.",
                kind="V",
                weight=D("1"),
                status="approved",
            )
            RequirementMapping.objects.create(
                evaluation=self.evaluation,
                criterion=self.function,
                requirement=requirement,
            )
            Response.objects.create(
                tender=self.t_alfa,
                requirement=requirement,
                compliance="yes",
                answer="Ja.",
            )
            self.give(self.evaluator, requirement, "5")
            made.append(requirement)
        return made
