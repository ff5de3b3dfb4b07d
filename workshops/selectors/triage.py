"""Reads for triage and traceability: the queue, one input with its history,
duplicate suggestions, and what became of an organisation's input."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from procurement.models import Organisation, Procurement, Requirement, Section
from workshops import similarity
from workshops.models import Input

# How many candidates the database hands over for scoring, per pass.
NEAR_CANDIDATES = 100
WIDE_CANDIDATES = 150
SUGGESTION_LIMIT = 5


def inputs_in(procurement: Procurement) -> QuerySet[Input]:
    """Every input of the procurement's workshops."""
    return Input.objects.filter(workshop__procurement=procurement)


def triage_queue(procurement: Procurement) -> QuerySet[Input]:
    """Inputs for the triage table, oldest first, with what each row shows."""
    return (
        inputs_in(procurement)
        .select_related("workshop", "area")
        .prefetch_related(
            Prefetch(
                "raised_by_organisations",
                queryset=Organisation.objects.only("pk", "name", "level"),
            )
        )
        .order_by("created_at", "pk")
    )


def input_for_procurement(procurement: Procurement, input_pk: int) -> Input:
    """One input of the procurement (404 otherwise), with its workshop, area,
    raisers and outcome loaded."""
    return get_object_or_404(
        inputs_in(procurement)
        .select_related(
            "workshop", "area", "decided_by", "duplicate_of__workshop", "created_by"
        )
        .prefetch_related(
            "raised_by_organisations",
            "raised_by_participants__organisation",
            Prefetch(
                "requirements", queryset=Requirement.objects.select_related("section")
            ),
        ),
        pk=input_pk,
    )


def resolve_original(original: Input) -> Input:
    """Follow a chain of duplicates, as stored now, to the input it ends at."""
    original = Input.objects.select_related("workshop").get(pk=original.pk)
    seen = {original.pk}
    while original.duplicate_of_id is not None:
        original = Input.objects.select_related("workshop").get(
            pk=original.duplicate_of_id
        )
        if original.pk in seen:
            break
        seen.add(original.pk)
    return original


# History -----------------------------------------------------------------------

HISTORY_FIELDS = ["status", "reason", "duplicate_of", "text", "kind", "area"]


def input_history(item: Input) -> list[dict]:
    """Newest first: who, when, and each field that changed (old → new)."""
    records = list(
        item.history.select_related("history_user").order_by(
            "history_date", "history_id"
        )
    )
    labels = {f.name: f.verbose_name for f in Input._meta.get_fields() if f.concrete}
    statuses = dict(Input.Status.choices)
    kinds = dict(Input.Kind.choices)
    section_ids = {r.area_id for r in records if r.area_id}
    sections = {
        s.pk: str(s) for s in Section.objects.filter(pk__in=section_ids).only("number")
    }

    def shown(name: str, value) -> str:
        if value in (None, ""):
            return "–"
        if name == "status":
            return str(statuses.get(value, value))
        if name == "kind":
            return str(kinds.get(value, value))
        if name == "area":
            return sections.get(value, "–")
        if name == "duplicate_of":
            return f"#{value}"
        return str(value)

    entries = []
    previous = None
    for record in records:
        changes = []
        if previous is not None:
            delta = record.diff_against(previous, included_fields=HISTORY_FIELDS)
            for change in delta.changes:
                changes.append(
                    {
                        "label": labels.get(change.field, change.field),
                        "old": shown(change.field, change.old),
                        "new": shown(change.field, change.new),
                    }
                )
            if not changes:
                previous = record
                continue
        entries.append(
            {"record": record, "created": previous is None, "changes": changes}
        )
        previous = record
    entries.reverse()
    return entries


# Duplicate suggestions -----------------------------------------------------------


@dataclass
class Suggestions:
    inputs: list[tuple[Input, float]] = field(default_factory=list)
    requirements: list[tuple[Requirement, float]] = field(default_factory=list)


def _any_term(names: list[str], words: list[str]) -> Q:
    condition = Q()
    for word in words:
        for name in names:
            condition |= Q(**{f"{name}__icontains": word})
    return condition


def _area_requirements(area: Section) -> Q:
    return Q(section=area) | Q(section__sort_key__startswith=area.sort_key + ".")


def suggestions(item: Input, *, limit: int = SUGGESTION_LIMIT) -> Suggestions:
    """Inputs and requirements whose text is like ``item``'s, best first.

    The database hands over a bounded set of candidates and only those are
    scored in Python (``workshops.similarity``): first the input's own
    neighbourhood (same workshop or area) that shares one of its rarest terms,
    then the whole procurement for the same terms, each pass capped. So the
    cost does not grow with the number of inputs beyond the database's scans
    of the text columns."""
    words = similarity.prefilter_terms(item.text)
    if not words:
        return Suggestions()
    procurement_id = item.workshop.procurement_id
    text_match = _any_term(["text"], words)
    others = Input.objects.filter(workshop__procurement_id=procurement_id).exclude(
        pk=item.pk
    )
    near = Q(workshop_id=item.workshop_id)
    if item.area_id:
        near |= Q(area_id=item.area_id)
    input_rows: dict[int, str] = {}
    for queryset, cap in (
        (others.filter(near & text_match), NEAR_CANDIDATES),
        (others.filter(text_match), WIDE_CANDIDATES),
    ):
        for pk, text in queryset.order_by("-pk").values_list("pk", "text")[:cap]:
            input_rows.setdefault(pk, text)

    requirement_match = _any_term(["title", "description"], words)
    requirements = Requirement.objects.filter(procurement_id=procurement_id)
    requirement_rows: dict[int, str] = {}
    passes = [(requirements.filter(requirement_match), WIDE_CANDIDATES)]
    if item.area_id:
        passes.insert(
            0,
            (
                requirements.filter(_area_requirements(item.area) & requirement_match),
                NEAR_CANDIDATES,
            ),
        )
    for queryset, cap in passes:
        rows = queryset.order_by("-pk").values_list("pk", "title", "description")
        for pk, title, description in rows[:cap]:
            requirement_rows.setdefault(pk, f"{title}\n{description}")

    input_matches = similarity.rank(item.text, list(input_rows.items()), limit=limit)
    requirement_matches = similarity.rank(
        item.text, list(requirement_rows.items()), limit=limit
    )
    found_inputs = Input.objects.select_related("workshop").in_bulk(
        [m.key for m in input_matches]
    )
    found_requirements = Requirement.objects.select_related("section").in_bulk(
        [m.key for m in requirement_matches]
    )
    return Suggestions(
        inputs=[(found_inputs[m.key], m.score) for m in input_matches],
        requirements=[
            (found_requirements[m.key], m.score) for m in requirement_matches
        ],
    )


def search_requirements(
    procurement: Procurement, query: str, *, limit: int = 20
) -> QuerySet[Requirement]:
    """Requirements whose key or title holds ``query``; exact keys first."""
    query = query.strip()
    if not query:
        return Requirement.objects.none()
    return (
        Requirement.objects.filter(procurement=procurement)
        .filter(
            Q(key__iexact=query) | Q(key__icontains=query) | Q(title__icontains=query)
        )
        .select_related("section")
        .order_by("key")[:limit]
    )


def search_inputs(
    procurement: Procurement,
    query: str,
    *,
    exclude: Input | None = None,
    limit: int = 20,
) -> list[Input]:
    """Inputs whose reference (#id) or text holds ``query``."""
    query = query.strip()
    if not query:
        return []
    queryset = inputs_in(procurement).select_related("workshop")
    if exclude is not None:
        queryset = queryset.exclude(pk=exclude.pk)
    reference = query.removeprefix("#")
    if reference.isdigit():
        return list(queryset.filter(pk=int(reference))[:1])
    return list(queryset.filter(text__icontains=query).order_by("-pk")[:limit])


# Traceability ----------------------------------------------------------------------


def organisation_inputs(
    procurement: Procurement, organisation: Organisation
) -> QuerySet[Input]:
    """Every input ``organisation`` raised in the procurement, with its outcome:
    the requirements it became or was linked to, or the input it duplicates."""
    return (
        inputs_in(procurement)
        .filter(raised_by_organisations=organisation)
        .select_related("workshop", "area", "duplicate_of__workshop")
        .prefetch_related(
            Prefetch(
                "requirements",
                queryset=Requirement.objects.only(
                    "pk", "key", "title", "procurement_id"
                ),
            )
        )
        .order_by("created_at", "pk")
    )


def outcome_counts(procurement: Procurement, organisation: Organisation) -> dict:
    """Triage status → how many of the organisation's inputs have it (every
    status present, zero included), plus "total"."""
    rows = (
        inputs_in(procurement)
        .filter(raised_by_organisations=organisation)
        .values("status")
        .annotate(count=Count("pk"))
        .order_by()
    )
    counts = {status: 0 for status in Input.Status.values}
    for row in rows:
        counts[row["status"]] = row["count"]
    counts["total"] = sum(counts.values())
    return counts


def procurements_with_input_from(user, organisation: Organisation) -> Iterator:
    """Procurements the user may see in which ``organisation`` raised input,
    each annotated with ``raised_count``."""
    return (
        Procurement.objects.visible_to(user)
        .filter(workshops__inputs__raised_by_organisations=organisation)
        .annotate(raised_count=Count("workshops__inputs"))
        .order_by("reference")
    )
