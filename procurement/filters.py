"""Filters for the core lists. They run on querysets already scoped to the user."""

from __future__ import annotations

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from procurement.forms import DateInput
from procurement.models import (
    County,
    OptionAgreement,
    Organisation,
    PageFeedback,
    Procurement,
    ReportDownload,
    Requirement,
    RequirementStakeholder,
    Section,
    Tag,
)
from procurement.report_list import report_codes, report_name


def day_from(field_name: str, label) -> django_filters.DateFilter:
    """From this day on (a date-time field compared by its local day)."""
    return django_filters.DateFilter(
        label=label, field_name=field_name, lookup_expr="date__gte", widget=DateInput
    )


def day_until(field_name: str, label) -> django_filters.DateFilter:
    """Up to and including this day."""
    return django_filters.DateFilter(
        label=label, field_name=field_name, lookup_expr="date__lte", widget=DateInput
    )


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


class RequirementFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    section = django_filters.ModelChoiceFilter(
        label=_("Section"),
        queryset=Section.objects.none(),
        method="in_section",
        empty_label=_("All sections"),
    )
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), choices=Requirement.Kind.choices, empty_label=_("All kinds")
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=Requirement.Status.choices,
        empty_label=_("All statuses"),
    )
    organisation = django_filters.ModelChoiceFilter(
        label=_("Stakeholder"),
        queryset=Organisation.objects.none(),
        method="with_stakeholder",
        empty_label=_("All organisations"),
    )
    level = django_filters.ChoiceFilter(
        label=_("Stakeholder level"),
        choices=Organisation.Level.choices,
        method="with_stakeholder_level",
        empty_label=_("All levels"),
    )
    tag = django_filters.ModelChoiceFilter(
        label=_("Tag"),
        queryset=Tag.objects.none(),
        method="with_tag",
        empty_label=_("All tags"),
    )
    changed = django_filters.ChoiceFilter(
        label=_("Since the latest baseline"),
        choices=[("yes", _("Changed or new")), ("no", _("Unchanged"))],
        method="changed_since",
        empty_label=_("All"),
    )

    class Meta:
        model = Requirement
        fields = [
            "q",
            "section",
            "kind",
            "status",
            "organisation",
            "level",
            "tag",
            "changed",
        ]

    def __init__(self, *args, procurement: Procurement, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["section"].queryset = Section.objects.filter(
            procurement=procurement
        ).order_by("sort_key")
        # Organisations that are stakeholders here; EXISTS per organisation is
        # far cheaper than DISTINCT over every stakeholder link.
        links = RequirementStakeholder.objects.filter(
            organisation=OuterRef("pk"), requirement__procurement=procurement
        )
        self.filters["organisation"].queryset = (
            Organisation.objects.filter(Exists(links))
            .only("pk", "name")
            .order_by("name")
        )
        self.filters["tag"].queryset = Tag.objects.filter(procurement=procurement)

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(key__icontains=value)
            | Q(title__icontains=value)
            | Q(description__icontains=value)
        )

    def in_section(self, queryset: QuerySet, name: str, value: Section) -> QuerySet:
        # The section and everything under it.
        return queryset.filter(
            Q(section=value) | Q(section__sort_key__startswith=value.sort_key + ".")
        )

    def with_stakeholder(self, queryset, name, value):
        links = RequirementStakeholder.objects.filter(
            requirement=OuterRef("pk"), organisation=value
        )
        return queryset.filter(Exists(links))

    def with_stakeholder_level(self, queryset, name, value):
        links = RequirementStakeholder.objects.filter(
            requirement=OuterRef("pk"), organisation__level=value
        )
        return queryset.filter(Exists(links))

    def with_tag(self, queryset, name, value):
        return queryset.filter(tags=value)

    def changed_since(self, queryset, name, value):
        return queryset.filter(changed_since_baseline=(value == "yes"))


class PageFeedbackFilter(django_filters.FilterSet):
    path = django_filters.CharFilter(
        label=_("Page"), lookup_expr="icontains", field_name="path"
    )
    found = django_filters.BooleanFilter(
        label=_("Found what they looked for"),
        widget=django_filters.widgets.BooleanWidget,
    )
    with_comment = django_filters.BooleanFilter(
        label=_("With comment"),
        method="filter_with_comment",
        widget=django_filters.widgets.BooleanWidget,
    )
    received_after = day_from("created_at", _("Received from"))
    received_before = day_until("created_at", _("Received until"))

    class Meta:
        model = PageFeedback
        fields = ["path", "found", "with_comment", "received_after", "received_before"]

    def filter_with_comment(self, queryset: QuerySet, name: str, value) -> QuerySet:
        if value is None:
            return queryset
        return queryset.exclude(comment="") if value else queryset.filter(comment="")


def _report_choices() -> list[tuple[str, str]]:
    """Every named report code, and any recorded code nobody has named."""
    named = report_codes()
    known = {code for code, _name in named}
    stored = (
        ReportDownload.objects.exclude(report__in=known)
        .order_by("report")
        .values_list("report", flat=True)
        .distinct()
    )
    return named + [(code, report_name(code)) for code in stored]


class ReportDownloadFilter(django_filters.FilterSet):
    procurement = django_filters.ModelChoiceFilter(
        label=_("Procurement"),
        queryset=Procurement.objects.order_by("reference"),
        empty_label=_("All procurements"),
    )
    report = django_filters.ChoiceFilter(
        label=_("Report"), choices=_report_choices, empty_label=_("All reports")
    )
    user = django_filters.ModelChoiceFilter(
        label=_("User"),
        queryset=get_user_model()
        .objects.filter(pk__in=ReportDownload.objects.values("user"))
        .order_by("username"),
        empty_label=_("All users"),
    )
    downloaded_after = day_from("downloaded_at", _("Downloaded from"))
    downloaded_before = day_until("downloaded_at", _("Downloaded until"))

    class Meta:
        model = ReportDownload
        fields = [
            "procurement",
            "report",
            "user",
            "downloaded_after",
            "downloaded_before",
        ]
