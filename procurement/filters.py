"""Filters for the core lists. They run on querysets already scoped to the user."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from procurement.models import County, OptionAgreement, Organisation, Procurement


class OrganisationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), choices=Organisation.Kind.choices, empty_label=_("All kinds")
    )
    level = django_filters.ChoiceFilter(
        label=_("Level"),
        choices=Organisation.Level.choices,
        empty_label=_("All levels"),
    )
    county = django_filters.ChoiceFilter(
        label=_("County"), choices=County.choices, empty_label=_("All counties")
    )

    class Meta:
        model = Organisation
        fields = ["q", "kind", "level", "county"]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        digits = value.replace(" ", "")
        condition = Q(name__icontains=value)
        if digits.isdigit():
            condition |= Q(org_number__contains=digits)
        return queryset.filter(condition)


class ProcurementFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    phase = django_filters.ChoiceFilter(
        label=_("Phase"), choices=Procurement.Phase.choices, empty_label=_("All phases")
    )

    class Meta:
        model = Procurement
        fields = ["q", "phase"]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(reference__icontains=value) | Q(title__icontains=value)
        )


class OptionAgreementFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=OptionAgreement.Status.choices,
        empty_label=_("All statuses"),
    )
    county = django_filters.ChoiceFilter(
        label=_("County"),
        field_name="organisation__county",
        choices=County.choices,
        empty_label=_("All counties"),
    )

    class Meta:
        model = OptionAgreement
        fields = ["status", "county"]
