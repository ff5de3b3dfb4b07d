import re
from collections import Counter

from django.db import transaction
from django.db.models import Count, Max
from django.test import TestCase

from procurement.demo import build_demo_world
from procurement.demo_specification import (
    AREAS,
    BASELINE_LABEL,
    LATER_ADDITIONS,
    LATER_EDITS,
    LATER_WITHDRAWALS,
)
from procurement.models import (
    Baseline,
    KeySequence,
    Requirement,
    RequirementLink,
    RequirementStakeholder,
    Section,
)
from procurement.models.specification import snapshot_hash
from procurement.services.specification import next_key

PREFIXES = "|".join(area.prefix for area in AREAS)
KEY_RE = re.compile(rf"^({PREFIXES})-\d{{4}}$")


def build() -> None:
    build_demo_world(scale=1, log=lambda line: None)


class DemoSpecificationTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        build()

    def test_it_writes_about_three_thousand_requirements(self):
        count = Requirement.objects.count()
        self.assertEqual(count, 3000 + LATER_ADDITIONS)
        self.assertTrue(Requirement.objects.filter(status="withdrawn").exists())
        kinds = Counter(Requirement.objects.values_list("kind", flat=True))
        self.assertEqual(set(kinds), {"A", "V", "AV", "I"})
        self.assertGreater(kinds["V"], count / 2)
        statuses = Counter(Requirement.objects.values_list("status", flat=True))
        self.assertGreater(statuses["approved"], count * 0.8)

    def test_the_chapters_are_those_of_a_health_record(self):
        chapters = Section.objects.filter(parent=None).order_by("sort_key")
        self.assertEqual(
            [(s.number, s.title, s.prefix) for s in chapters],
            [(a.number, a.title, a.prefix) for a in AREAS],
        )
        for chapter in chapters.annotate(n=Count("children")):
            self.assertTrue(3 <= chapter.n <= 6, chapter)
        self.assertFalse(Requirement.objects.filter(section__parent=None).exists())
        self.assertEqual(
            Section.objects.get(number="1.1").title, "Journalføring og dokumentasjon"
        )

    def test_every_weighted_requirement_has_a_weight(self):
        weighted = Requirement.objects.filter(kind__in=["V", "AV"])
        self.assertFalse(weighted.filter(weight=None).exists())
        self.assertFalse(
            Requirement.objects.filter(
                kind__in=["A", "I"], weight__isnull=False
            ).exists()
        )

    def test_keys_are_unique_follow_the_section_prefix_and_are_never_reused(self):
        rows = list(
            Requirement.objects.select_related("section__parent").values_list(
                "key", "section__parent__prefix"
            )
        )
        keys = [key for key, _ in rows]
        self.assertEqual(len(keys), len(set(keys)))
        for key, prefix in rows:
            self.assertRegex(key, KEY_RE)
            self.assertTrue(key.startswith(prefix + "-"), key)
        highest = Counter()
        for key in keys:
            prefix, number = key.split("-")
            highest[prefix] = max(highest[prefix], int(number))
        procurement = Requirement.objects.first().procurement
        sequences = KeySequence.objects.filter(procurement=procurement)
        self.assertEqual(dict(sequences.values_list("prefix", "last_number")), highest)
        with transaction.atomic():
            self.assertEqual(
                next_key(procurement, "JOURN"), f"JOURN-{highest['JOURN'] + 1:04d}"
            )

    def test_requirement_texts_read_as_norwegian_requirements(self):
        requirement = Requirement.objects.filter(kind="V").order_by("key").first()
        self.assertIn("Løsningen skal", requirement.description)
        self.assertTrue(requirement.response_instructions.startswith("Beskriv"))
        distinct = Requirement.objects.values("description").distinct().count()
        self.assertGreater(distinct, 2500)

    def test_stakeholders_come_from_the_region_and_areas_differ(self):
        self.assertFalse(
            Requirement.objects.annotate(n=Count("stakeholder_links"))
            .filter(n=0)
            .exists()
        )
        owners = RequirementStakeholder.objects.filter(relation="owner")
        self.assertEqual(
            set(owners.values_list("organisation__name", flat=True)),
            {"Helse Midt-Norge RHF", "Trondheim kommune"},
        )
        relations = set(
            RequirementStakeholder.objects.values_list("relation", flat=True)
        )
        self.assertEqual(relations, {"raised", "endorsed", "owner"})
        self.assertFalse(
            RequirementStakeholder.objects.filter(organisation__kind="vendor").exists()
        )

        def local_share(prefix):
            links = RequirementStakeholder.objects.filter(
                requirement__key__startswith=prefix + "-"
            ).exclude(relation="owner")
            local = links.filter(organisation__level__in=["municipal", "primary"])
            return local.count() / links.count()

        self.assertGreater(local_share("SAMH"), local_share("DRIFT") + 0.2)
        self.assertGreater(local_share("SAMH"), local_share("ARK") + 0.2)

    def test_it_tags_and_links_requirements(self):
        tagged = Requirement.objects.filter(tags__isnull=False).distinct().count()
        self.assertGreater(tagged, 1500)
        self.assertGreater(RequirementLink.objects.count(), 50)
        self.assertFalse(
            RequirementLink.objects.exclude(
                source__procurement=RequirementLink.objects.first().target.procurement
            ).exists()
        )

    def test_one_baseline_is_published_and_some_requirements_changed_since(self):
        baseline = Baseline.objects.get()
        self.assertEqual(baseline.label, BASELINE_LABEL)
        self.assertEqual(baseline.requirement_count, 3000)
        changed = Requirement.objects.with_changed_since(baseline).filter(
            changed_since_baseline=True
        )
        # Exactly the later changes: every other fingerprint matches the baseline.
        self.assertEqual(
            changed.count(), LATER_EDITS + LATER_WITHDRAWALS + LATER_ADDITIONS
        )
        self.assertEqual(
            changed.filter(status="withdrawn", version__gt=1).count(),
            LATER_WITHDRAWALS,
        )

    def test_stored_fingerprints_match_the_requirements(self):
        requirements = (
            Requirement.objects.select_related("section")
            .prefetch_related("tags", "stakeholder_links__organisation")
            .order_by("key")[:200]
        )
        for requirement in requirements:
            self.assertEqual(
                requirement.content_hash,
                snapshot_hash(requirement.snapshot()),
                requirement.key,
            )

    def test_every_requirement_has_history_and_later_edits_name_the_user(self):
        history = Requirement.history.model
        self.assertFalse(
            Requirement.objects.exclude(
                pk__in=history.objects.filter(history_type="+").values("id")
            ).exists()
        )
        self.assertEqual(
            history.objects.filter(history_type="+").values("id").count(),
            Requirement.objects.count(),
        )
        edited = history.objects.filter(history_type="~")
        self.assertGreaterEqual(
            edited.values("id").distinct().count(), LATER_EDITS + LATER_WITHDRAWALS
        )
        self.assertEqual(
            set(edited.values_list("history_user__username", flat=True)), {"staff"}
        )
        self.assertTrue(RequirementStakeholder.history.exists())

    def test_the_first_history_row_holds_the_tags(self):
        requirement = (
            Requirement.objects.annotate(n=Count("tags"), v=Max("version"))
            .filter(n__gt=0, version=1)
            .order_by("key")
            .first()
        )
        first = requirement.history.earliest()
        self.assertEqual(
            sorted(row.tag.name for row in first.tags.all()),
            sorted(tag.name for tag in requirement.tags.all()),
        )


class DemoSpecificationDeterminismTests(TestCase):
    def test_two_builds_write_the_same_specification(self):
        def content():
            return list(
                Requirement.objects.order_by("key").values_list(
                    "key", "title", "kind", "weight", "status", "description"
                )
            )

        savepoint = transaction.savepoint()
        build()
        first = content()
        transaction.savepoint_rollback(savepoint)
        self.assertFalse(Requirement.objects.exists())
        build()
        self.assertEqual(content(), first)
