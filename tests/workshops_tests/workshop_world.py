"""A small workshop world shared by the workshop, participant, capture and
notes import tests: two areas, one workshop with two participants."""

from __future__ import annotations

import datetime as dt
import io

from django.utils import timezone
from openpyxl import Workbook

from procurement.services import specification as spec
from tests.base import KravsporTestCase
from workshops.models import Attendance, Participant, Workshop


def when(day: int, hour: int = 9, month: int = 3) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2016, month, day, hour, 0))


def workbook_bytes(rows: list[list], title: str = "Ark") -> io.BytesIO:
    book = Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    out.name = "upload.xlsx"
    return out


class WorkshopWorld(KravsporTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.journal = spec.section_save(
            by=cls.staff, procurement=cls.procurement, number="1", title="Journal"
        )
        cls.medicine = spec.section_save(
            by=cls.staff,
            procurement=cls.procurement,
            number="1.1",
            title="Legemidler",
            parent=cls.journal,
        )
        cls.security = spec.section_save(
            by=cls.staff, procurement=cls.procurement, number="2", title="Sikkerhet"
        )
        cls.workshop = Workshop.objects.create(
            procurement=cls.procurement,
            title="Legemiddelhåndtering",
            area=cls.journal,
            starts_at=when(1),
            ends_at=when(1, 15),
            status=Workshop.Status.HELD,
        )
        cls.nurse = Participant.objects.create(
            procurement=cls.procurement,
            name="Kari Nordmann",
            profession=Participant.Profession.NURSE,
            organisation=cls.hospital,
        )
        cls.doctor = Participant.objects.create(
            procurement=cls.procurement,
            name="Ola Nordmann",
            profession=Participant.Profession.DOCTOR,
            organisation=cls.trondheim,
        )
        cls.pharmacist = Participant.objects.create(
            procurement=cls.procurement,
            name="Per Hansen",
            profession=Participant.Profession.PHARMACIST,
            organisation=cls.molde,
        )
        Attendance.objects.create(workshop=cls.workshop, participant=cls.nurse)
        Attendance.objects.create(workshop=cls.workshop, participant=cls.doctor)

    def base(self) -> str:
        return f"/procurements/{self.procurement.pk}"

    def workshop_url(self, suffix: str = "") -> str:
        return f"{self.base()}/workshops/{self.workshop.pk}/{suffix}"
