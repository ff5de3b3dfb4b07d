"""A small triage world for the triage and traceability tests: two areas of
the specification, one requirement, two workshops and a few new inputs."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from procurement.services import specification as spec
from tests.base import KravsporTestCase
from workshops.models import Input, Participant, Workshop


class TriageTestCase(KravsporTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.journal = spec.section_save(
            by=cls.staff,
            procurement=cls.procurement,
            number="1",
            title="Journal",
            prefix="JOURN",
        )
        cls.medicine = spec.section_save(
            by=cls.staff,
            procurement=cls.procurement,
            number="1.1",
            title="Legemidler",
            parent=cls.journal,
        )
        cls.security = spec.section_save(
            by=cls.staff,
            procurement=cls.procurement,
            number="2",
            title="Sikkerhet",
            prefix="SIKK",
        )
        cls.allergy = spec.requirement_create(
            by=cls.staff,
            procurement=cls.procurement,
            section=cls.medicine,
            title="Vise allergier øverst i journalen",
            description="Kritisk informasjon om allergier skal alltid vises.",
            kind="V",
            weight=Decimal("5"),
            stakeholders=[(cls.hospital, "endorsed")],
        )
        start = timezone.make_aware(datetime.datetime(2016, 9, 14, 9, 0))
        cls.workshop = Workshop.objects.create(
            procurement=cls.procurement,
            title="Legemiddelhåndtering i sykehus",
            area=cls.journal,
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=3),
            status=Workshop.Status.HELD,
        )
        cls.workshop_2 = Workshop.objects.create(
            procurement=cls.procurement,
            title="Sikkerhet og tilgang",
            area=cls.security,
            starts_at=start + datetime.timedelta(days=7),
            ends_at=start + datetime.timedelta(days=7, hours=2),
            status=Workshop.Status.HELD,
        )
        cls.nurse = Participant.objects.create(
            procurement=cls.procurement,
            name="Kari Nordmann",
            profession=Participant.Profession.NURSE,
            organisation=cls.trondheim,
        )
        cls.allergy_input = cls.make_input(
            cls.workshop,
            "Allergier må vises tydelig øverst i pasientjournalen. Det haster.",
            area=cls.journal,
            organisations=[cls.hospital, cls.trondheim],
        )
        cls.allergy_again = cls.make_input(
            cls.workshop,
            "Pasientjournalen bør vise allergier tydelig øverst.",
            area=cls.journal,
            organisations=[cls.molde],
        )
        cls.login_input = cls.make_input(
            cls.workshop_2,
            "Innlogging med smartkort og to faktorer på alle arbeidsstasjoner.",
            area=cls.security,
            organisations=[cls.trondheim],
        )

    @classmethod
    def make_input(
        cls, workshop, text, *, area=None, organisations=(), kind=Input.Kind.NEED
    ) -> Input:
        number = workshop.inputs.count() + 1
        item = Input(workshop=workshop, number=number, text=text, kind=kind, area=area)
        item._history_user = cls.staff
        item.save()
        item.raised_by_organisations.set(organisations)
        return item

    def base(self) -> str:
        return f"/procurements/{self.procurement.pk}"

    def input_url(self, item: Input, suffix: str = "") -> str:
        return f"{self.base()}/inputs/{item.pk}/{suffix}"

    def fresh(self, item: Input) -> Input:
        return Input.objects.get(pk=item.pk)
