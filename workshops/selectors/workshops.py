"""Reads for the workshop pages: lists with their counts, one workshop with
its people and inputs, and the overview by month."""

from __future__ import annotations

from collections import OrderedDict
from datetime import date

from django.db.models import (
    Count,
    IntegerField,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from procurement.models import Organisation, Procurement, Section
from workshops.models import Attendance, Input, Participant, Workshop


def _count(queryset: QuerySet, field: str = "workshop") -> Subquery:
    """A correlated COUNT, so counting attendances and inputs of one workshop
    never multiplies the rows of the other."""
    counted = (
        queryset.filter(**{field: OuterRef("pk")})
        .order_by()
        .values(field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def workshops_with_counts(procurement: Procurement) -> QuerySet[Workshop]:
    """The procurement's workshops with ``participant_count`` (registered),
    ``attended_count`` and ``input_count``."""
    return (
        Workshop.objects.filter(procurement=procurement)
        .select_related("area")
        .annotate(
            participant_count=_count(Attendance.objects.all()),
            attended_count=_count(Attendance.objects.filter(attended=True)),
            input_count=_count(Input.objects.all()),
        )
    )


def top_level_sections(procurement: Procurement) -> QuerySet[Section]:
    return Section.objects.filter(
        procurement=procurement, parent__isnull=True
    ).order_by("sort_key")


def participants_of(procurement: Procurement) -> QuerySet[Participant]:
    return Participant.objects.filter(procurement=procurement).select_related(
        "organisation"
    )


def taking_part_organisations(procurement: Procurement) -> QuerySet[Organisation]:
    """Organisations with at least one participant in the procurement."""
    return (
        Organisation.objects.filter(participants__procurement=procurement)
        .distinct()
        .only("pk", "name")
        .order_by("name")
    )


def workshop_attendances(workshop: Workshop) -> QuerySet[Attendance]:
    return workshop.attendances.select_related("participant__organisation").order_by(
        "participant__organisation__name", "participant__name"
    )


def workshop_inputs(workshop: Workshop) -> QuerySet[Input]:
    """The workshop's inputs, newest number last, with what the pages show."""
    return (
        workshop.inputs.select_related("area")
        .prefetch_related(
            Prefetch(
                "raised_by_organisations",
                queryset=Organisation.objects.only("pk", "name").order_by("name"),
            ),
            Prefetch(
                "raised_by_participants",
                queryset=Participant.objects.only("pk", "name").order_by("name"),
            ),
        )
        .order_by("number")
    )


def workshop_months(procurement: Procurement) -> list[dict]:
    """Newest month first: the month, its workshops (with counts), the distinct
    participants registered in them and their inputs. Four queries."""
    workshops = list(workshops_with_counts(procurement).order_by("starts_at", "pk"))
    months: OrderedDict[date, dict] = OrderedDict()
    for workshop in workshops:
        start = timezone.localtime(workshop.starts_at).date().replace(day=1)
        month = months.setdefault(
            start, {"month": start, "workshops": [], "participants": 0, "inputs": 0}
        )
        month["workshops"].append(workshop)
        month["inputs"] += workshop.input_count
    people = (
        Attendance.objects.filter(workshop__procurement=procurement)
        .annotate(month=TruncMonth("workshop__starts_at"))
        .order_by()
        .values("month")
        .annotate(n=Count("participant", distinct=True))
    )
    for row in people:
        start = row["month"]
        if hasattr(start, "date"):
            start = (
                timezone.localtime(start).date()
                if timezone.is_aware(start)
                else start.date()
            )
        if start in months:
            months[start]["participants"] = row["n"]
    return list(reversed(months.values()))


def _fold(text: str) -> str:
    return " ".join(str(text).split()).casefold()


class OrganisationLookup:
    """Finds organisations by name (any case and spacing) or organisation
    number (with or without spaces), for typed lists and imports."""

    def __init__(self, organisations: QuerySet[Organisation] | None = None):
        if organisations is None:
            organisations = Organisation.objects.exclude(kind=Organisation.Kind.VENDOR)
        self.by_name: dict[str, list[Organisation]] = {}
        self.by_number: dict[str, Organisation] = {}
        for organisation in organisations.only("pk", "name", "org_number"):
            self.by_name.setdefault(_fold(organisation.name), []).append(organisation)
            if organisation.org_number:
                self.by_number[organisation.org_number] = organisation

    def find(self, text: str) -> tuple[Organisation | None, str]:
        """(organisation, "") or (None, the problem's code: unknown_organisation
        or ambiguous_organisation)."""
        compact = "".join(str(text).split())
        if compact.isdigit() and compact in self.by_number:
            return self.by_number[compact], ""
        matches = self.by_name.get(_fold(text), [])
        if len(matches) == 1:
            return matches[0], ""
        return None, "ambiguous_organisation" if matches else "unknown_organisation"
