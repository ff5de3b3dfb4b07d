"""Personas and a small world shared by the view tests."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import TestCase

from procurement.models import (
    ADMINISTRATORS_GROUP,
    PROGRAMME_STAFF_GROUP,
    Membership,
    OptionAgreement,
    Organisation,
    Procurement,
    Programme,
)

User = get_user_model()


class KravsporTestCase(TestCase):
    """staff (programme staff group + staff role), evaluator, lead, manager,
    outsider (no role anywhere), admin; one procurement they share and one
    foreign procurement only ``foreign_lead`` belongs to."""

    @classmethod
    def setUpTestData(cls):
        cls.rhf = Organisation.objects.create(
            name="Helse Midt-Norge RHF",
            org_number="983658776",
            kind=Organisation.Kind.REGIONAL_HEALTH_AUTHORITY,
            level=Organisation.Level.SPECIALIST,
            county="trondelag",
        )
        cls.hospital = Organisation.objects.create(
            name="St. Olavs hospital HF",
            org_number="883974832",
            kind=Organisation.Kind.HEALTH_TRUST,
            level=Organisation.Level.SPECIALIST,
            county="trondelag",
            parent=cls.rhf,
        )
        cls.trondheim = Organisation.objects.create(
            name="Trondheim kommune",
            org_number="942110464",
            kind=Organisation.Kind.MUNICIPALITY,
            level=Organisation.Level.MUNICIPAL,
            county="trondelag",
        )
        cls.molde = Organisation.objects.create(
            name="Molde kommune",
            kind=Organisation.Kind.MUNICIPALITY,
            level=Organisation.Level.MUNICIPAL,
            county="more_og_romsdal",
        )
        cls.programme = Programme.objects.create(name="Helseplattformen")
        cls.programme.owners.set([cls.rhf, cls.trondheim])
        cls.option = OptionAgreement.objects.create(
            programme=cls.programme,
            organisation=cls.molde,
            status=OptionAgreement.Status.SIGNED,
        )
        cls.procurement = Procurement.objects.create(
            programme=cls.programme,
            reference="HP-EPJ-2016",
            title="Felles pasientjournal",
            procedure=Procurement.Procedure.COMPETITIVE_DIALOGUE,
            phase=Procurement.Phase.TENDERING,
        )
        cls.foreign = Procurement.objects.create(
            programme=cls.programme,
            reference="HP-LAB-2020",
            title="Laboratoriesystem",
            procedure=Procurement.Procedure.OPEN,
        )
        staff_group = Group.objects.get(name=PROGRAMME_STAFF_GROUP)
        admin_group = Group.objects.get(name=ADMINISTRATORS_GROUP)

        def user(name: str, role: str | None, procurement=None) -> User:
            person = User.objects.create_user(username=name, password="x-" + name)
            if role:
                Membership.objects.create(
                    user=person, procurement=procurement or cls.procurement, role=role
                )
            return person

        cls.staff = user("staff", Membership.Role.STAFF)
        cls.staff.groups.add(staff_group)
        cls.evaluator = user("evaluator", Membership.Role.EVALUATOR)
        cls.lead = user("lead", Membership.Role.LEAD)
        cls.manager = user("manager", Membership.Role.MANAGEMENT)
        cls.outsider = user("outsider", None)
        cls.foreign_lead = user("foreign", Membership.Role.LEAD, cls.foreign)
        cls.admin = user("admin", None)
        cls.admin.is_staff = True
        cls.admin.save()
        cls.admin.groups.add(admin_group)

    def login(self, user) -> None:
        self.client.force_login(user)
