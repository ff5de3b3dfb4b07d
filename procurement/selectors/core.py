"""Reads for the core pages, each scoped to the user before anything else."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, QuerySet

from procurement.models import (
    Announcement,
    Membership,
    OptionAgreement,
    Organisation,
    Procurement,
    Programme,
)


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    count: int


def _counts(queryset: QuerySet, field: str, choices) -> list[Figure]:
    counted = dict(queryset.values_list(field).annotate(n=Count("pk")).order_by())
    return [Figure(value, label, counted.get(value, 0)) for value, label in choices]


def organisations_by_level() -> list[Figure]:
    return _counts(Organisation.objects.all(), "level", Organisation.Level.choices)


def option_agreements_by_status(programme: Programme | None = None) -> list[Figure]:
    agreements = OptionAgreement.objects.all()
    if programme is not None:
        agreements = agreements.filter(programme=programme)
    return _counts(agreements, "status", OptionAgreement.Status.choices)


def organisation_list(*, user) -> QuerySet[Organisation]:
    """Organisations are programme-wide reference data: every signed-in user
    may read them."""
    return Organisation.objects.select_related("parent")


def procurement_list(*, user) -> QuerySet[Procurement]:
    return Procurement.objects.visible_to(user).select_related("programme")


def latest_announcements(limit: int = 5) -> QuerySet[Announcement]:
    return Announcement.objects.select_related("programme")[:limit]


def memberships_of(procurement: Procurement) -> QuerySet[Membership]:
    return procurement.memberships.select_related("user").order_by(
        "role", "user__username"
    )
