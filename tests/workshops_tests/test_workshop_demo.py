"""The demo world's workshop step at scale 1: about the right numbers, a
realistic triage state, links that keep the specification's stakeholders
true, and balance flags where the demo leaves GPs out. Builds only the steps
it needs (slow: about 20 s)."""

from __future__ import annotations

import random

from django.db.models import Count, Exists, OuterRef, Q
from django.test import TestCase

from procurement import demo
from procurement import demo_specification as spec_demo
from procurement.models import Requirement, RequirementStakeholder
from procurement.models.specification import snapshot_hash
from workshops import demo as workshop_demo
from workshops.models import Attendance, Input, Participant, Workshop
from workshops.selectors.dashboards import dashboard

Status = Input.Status


class WorkshopDemoTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        world = demo.DemoWorld(
            scale=1, rng=random.Random(demo.DEMO_SEED), log=lambda line: None
        )
        for step in [
            demo.organisations,
            demo.programme,
            demo.procurement,
            demo.users,
            spec_demo.specification,
            workshop_demo.workshops,
            spec_demo.specification_baseline,
        ]:
            step(world)
        cls.procurement = world.objects["procurement"]

    def test_it_builds_the_programmes_scale(self):
        workshops = Workshop.objects.filter(procurement=self.procurement)
        self.assertEqual(workshops.count(), 100)
        self.assertEqual(Participant.objects.count(), 400)
        inputs = Input.objects.filter(workshop__procurement=self.procurement)
        self.assertEqual(inputs.count(), 5000)
        self.assertGreater(
            workshops.filter(status=Workshop.Status.REPORTED).count(), 80
        )
        self.assertEqual(
            set(workshops.values_list("area__number", flat=True)),
            {area.number for area in spec_demo.AREAS},
        )
        self.assertFalse(
            workshops.filter(starts_at__year__lt=2016).exists()
            or workshops.filter(starts_at__year__gt=2017).exists()
        )
        sizes = (
            Attendance.objects.filter(workshop__procurement=self.procurement)
            .values("workshop")
            .annotate(n=Count("pk"))
            .values_list("n", flat=True)
        )
        self.assertGreaterEqual(min(sizes), 10)
        self.assertLessEqual(max(sizes), 30)
        self.assertTrue(Participant.objects.filter(user_representative=True).exists())

    def test_it_leaves_a_realistic_triage_state(self):
        counts = dict(
            Input.objects.values_list("status").annotate(n=Count("pk")).order_by()
        )
        self.assertEqual(counts[Status.ACCEPTED] + counts[Status.MERGED], 2750)
        self.assertEqual(counts[Status.DUPLICATE], 500)
        self.assertEqual(counts[Status.REJECTED], 500)
        self.assertEqual(counts[Status.NEW], 1250)
        self.assertFalse(
            Input.objects.filter(status=Status.REJECTED, reason="").exists()
        )
        self.assertFalse(
            Input.objects.filter(status=Status.DUPLICATE, duplicate_of=None).exists()
        )
        linked = Input.objects.filter(status__in=[Status.ACCEPTED, Status.MERGED])
        self.assertFalse(linked.filter(requirements=None).exists())
        self.assertFalse(
            Input.objects.exclude(status__in=[Status.ACCEPTED, Status.MERGED])
            .exclude(requirements=None)
            .exists()
        )
        # Every input is raised by someone who attended its workshop.
        self.assertFalse(Input.objects.filter(raised_by_participants=None).exists())
        attended = Attendance.objects.filter(
            workshop=OuterRef("input__workshop"), participant=OuterRef("participant")
        )
        outside = Input.raised_by_participants.through.objects.exclude(Exists(attended))
        self.assertFalse(outside.exists())

    def test_links_stay_in_their_area_and_within_the_stakeholders(self):
        through = Input.requirements.through.objects.select_related(
            "input__area", "requirement__section"
        )
        for link in through.order_by("pk")[:300]:
            self.assertEqual(
                link.requirement.section.number.split(".")[0], link.input.area.number
            )
        # As on the triage page, the raising organisations are among the
        # requirement's stakeholders (raised).
        raisers = Input.raised_by_organisations.through.objects.filter(
            input__requirements__isnull=False
        ).values_list("input__requirements", "organisation")
        raised = set(
            RequirementStakeholder.objects.filter(relation="raised").values_list(
                "requirement", "organisation"
            )
        )
        self.assertTrue(set(raisers) <= raised)
        # Stored fingerprints still match the requirements as they are.
        for requirement in Requirement.objects.filter(
            pk__in=Input.requirements.through.objects.values("requirement")[:50]
        ):
            self.assertEqual(
                requirement.content_hash, snapshot_hash(requirement.snapshot())
            )

    def test_the_dashboard_flags_the_areas_without_gps(self):
        board = dashboard(self.procurement)
        areas = {area.key: area for area in board.areas}
        for number in workshop_demo.AREAS_WITHOUT_GP:
            self.assertEqual(areas[number].primary, 0)
            self.assertTrue(areas[number].lacks_primary)
        self.assertFalse(areas["4"].flagged)
        self.assertGreater(
            Input.objects.filter(
                Q(raised_by_organisations__level="primary")
                & ~Q(area__number__in=workshop_demo.AREAS_WITHOUT_GP)
            ).count(),
            200,
        )

    def test_areas_with_every_voice_have_requirements_heard_by_all_three_levels(self):
        board = dashboard(self.procurement)
        areas = {area.key: area for area in board.areas}
        for number in workshop_demo.AREAS_WITHOUT_GP:
            self.assertEqual(areas[number].all_levels, 0)
        self.assertGreater(areas["1"].all_levels, 0)
        self.assertGreater(areas["4"].all_levels, 0)
        self.assertLess(areas["1"].all_levels, areas["1"].traced)
