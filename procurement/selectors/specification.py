"""Reads of the requirement specification."""

from __future__ import annotations

import hashlib

from django.db.models import Count, Prefetch, Q, QuerySet

from procurement.models import (
    Baseline,
    BaselineRequirement,
    Organisation,
    Procurement,
    Requirement,
    RequirementLink,
    RequirementStakeholder,
    Section,
)
from procurement.models.specification import SNAPSHOT_FIELDS


def requirements_for_snapshot(procurement: Procurement) -> QuerySet[Requirement]:
    return (
        Requirement.objects.filter(procurement=procurement)
        .select_related("section")
        .prefetch_related(
            "tags",
            Prefetch(
                "stakeholder_links",
                queryset=RequirementStakeholder.objects.select_related("organisation"),
            ),
        )
        .order_by("section__sort_key", "key")
    )


def current_snapshots(procurement: Procurement) -> dict[str, dict]:
    """key → snapshot of every requirement as it is now, in document order."""
    return {
        requirement.key: requirement.snapshot()
        for requirement in requirements_for_snapshot(procurement).iterator(
            chunk_size=2000
        )
    }


def baseline_snapshots(baseline: Baseline) -> dict[str, dict]:
    """key → snapshot as frozen in the baseline, in document order."""
    fields = ["key", "section_sort_key", *SNAPSHOT_FIELDS]
    return {
        row["key"]: row
        for row in BaselineRequirement.objects.filter(baseline=baseline)
        .order_by("section_sort_key", "key")
        .values(*fields)
        .iterator(chunk_size=2000)
    }


def latest_baseline(procurement: Procurement) -> Baseline | None:
    return procurement.baselines.order_by("-published_at", "-pk").first()


def section_tree(procurement: Procurement) -> list[dict]:
    """Sections in document order with requirement counts per kind (withdrawn
    requirements not counted)."""
    kinds = [value for value, _ in Requirement.Kind.choices]
    active = ~Q(requirements__status=Requirement.Status.WITHDRAWN)
    annotations = {
        f"count_{kind}": Count(
            "requirements", filter=Q(requirements__kind=kind) & active
        )
        for kind in kinds
    }
    sections = (
        Section.objects.filter(procurement=procurement)
        .annotate(total=Count("requirements", filter=active), **annotations)
        .order_by("sort_key")
    )
    rows = [
        {
            "section": section,
            "total": section.total,
            "by_kind": {kind: getattr(section, f"count_{kind}") for kind in kinds},
        }
        for section in sections
    ]
    # Each section also shows what its subsections hold ("with_sub…").
    by_pk = {row["section"].pk: row for row in rows}
    for row in rows:
        row["with_subsections"] = dict(row["by_kind"])
        row["total_with_subsections"] = row["total"]
    for row in rows:
        parent_id = row["section"].parent_id
        while parent_id in by_pk:
            parent = by_pk[parent_id]
            for kind in kinds:
                parent["with_subsections"][kind] += row["by_kind"][kind]
            parent["total_with_subsections"] += row["total"]
            parent_id = parent["section"].parent_id
    return rows


class PlanOutdated(Exception):
    """The specification changed after an import plan was made from it."""


def spec_fingerprint(procurement: Procurement) -> str:
    """Changes whenever a requirement, section, link or organisation name
    changes, so an import previewed earlier is never applied to a different
    specification."""
    digest = hashlib.sha256()
    queries = (
        Requirement.objects.filter(procurement=procurement)
        .order_by("pk")
        .values_list("pk", "key", "version", "content_hash", "section_id"),
        Section.objects.filter(procurement=procurement)
        .order_by("pk")
        .values_list("pk", "number", "title", "prefix", "parent_id"),
        RequirementLink.objects.filter(source__procurement=procurement)
        .order_by("pk")
        .values_list("pk", "source_id", "target_id", "link_type"),
        Organisation.objects.order_by("pk").values_list("pk", "name"),
    )
    for query in queries:
        for row in query.iterator(chunk_size=5000):
            digest.update(repr(row).encode())
        digest.update(b"|")
    return digest.hexdigest()
