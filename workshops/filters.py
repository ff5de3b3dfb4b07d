"""Filters for the workshop and participant lists. They run on querysets
already scoped to one procurement the user may see."""

from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from procurement.filters import day_from, day_until
from procurement.models import Organisation, Procurement, Section
from workshops.models import Attendance, Participant, Workshop
from workshops.selectors.workshops import taking_part_organisations, top_level_sections


class WorkshopFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    area = django_filters.ModelChoiceFilter(
        label=_("Area"), queryset=Section.objects.none(), empty_label=_("All areas")
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=Workshop.Status.choices,
        empty_label=_("All statuses"),
    )
    starts_from = day_from("starts_at", _("From"))
    starts_until = day_until("starts_at", _("Until"))
    organisation = django_filters.ModelChoiceFilter(
        label=_("Organisation taking part"),
        queryset=Organisation.objects.none(),
        method="with_organisation",
        empty_label=_("All organisations"),
    )

    class Meta:
        model = Workshop
        fields = ["q", "area", "status", "starts_from", "starts_until", "organisation"]

    def __init__(self, *args, procurement: Procurement, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["area"].queryset = top_level_sections(procurement)
        self.filters["organisation"].queryset = taking_part_organisations(procurement)

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(title__icontains=value)
            | Q(location__icontains=value)
            | Q(facilitator__icontains=value)
            | Q(summary__icontains=value)
        )

    def with_organisation(self, queryset, name, value):
        attending = Attendance.objects.filter(
            workshop=OuterRef("pk"), participant__organisation=value
        )
        return queryset.filter(Exists(attending))


class ParticipantFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    organisation = django_filters.ModelChoiceFilter(
        label=_("Organisation"),
        queryset=Organisation.objects.none(),
        empty_label=_("All organisations"),
    )
    profession = django_filters.ChoiceFilter(
        label=_("Profession / role"),
        choices=Participant.Profession.choices,
        empty_label=_("All professions"),
    )
    user_representative = django_filters.ChoiceFilter(
        label=_("User representative"),
        choices=[("yes", _("Yes")), ("no", _("No"))],
        method="is_user_representative",
        empty_label=_("All"),
    )

    class Meta:
        model = Participant
        fields = ["q", "organisation", "profession", "user_representative"]

    def __init__(self, *args, procurement: Procurement, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["organisation"].queryset = taking_part_organisations(procurement)

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(name__icontains=value) | Q(organisation__name__icontains=value)
        )

    def is_user_representative(self, queryset, name, value):
        return queryset.filter(user_representative=(value == "yes"))
