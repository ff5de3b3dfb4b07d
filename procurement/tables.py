"""django-tables2 tables for the core lists."""

from __future__ import annotations

import django_tables2 as tables
from django.conf import settings
from django.core.paginator import Paginator
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from procurement.models import (
    OptionAgreement,
    Organisation,
    PageFeedback,
    Procurement,
    ReportDownload,
    Requirement,
)
from procurement.report_list import report_name


class CappedPaginator(Paginator):
    """A paginator that never serves more than TABLE_MAX_PER_PAGE rows, whatever
    ``?per_page=`` asks for, so one request cannot pull the whole table."""

    def __init__(self, object_list, per_page, *args, **kwargs):
        per_page = max(1, min(int(per_page), settings.TABLE_MAX_PER_PAGE))
        super().__init__(object_list, per_page, *args, **kwargs)


class CappedPaginationMixin:
    """For SingleTableMixin views: default page size and the capped paginator."""

    paginator_class = CappedPaginator
    table_pagination = {"per_page": settings.TABLE_DEFAULT_PER_PAGE}


class OrganisationTable(tables.Table):
    name = tables.Column(linkify=True, verbose_name=_("Name"))
    org_number = tables.Column(verbose_name=_("Org. number"), empty_values=("",))
    kind = tables.Column(verbose_name=_("Kind"))
    level = tables.Column(verbose_name=_("Level"))
    county = tables.Column(verbose_name=_("County"))
    parent = tables.Column(
        linkify=True, verbose_name=_("Parent"), order_by="parent__name"
    )

    class Meta:
        model = Organisation
        fields = ["name", "org_number", "kind", "level", "county", "parent"]
        order_by = "name"
        empty_text = _("No organisations match.")

    def render_org_number(self, record: Organisation) -> str:
        return record.org_number_display


class ProcurementTable(tables.Table):
    reference = tables.Column(linkify=True, verbose_name=_("Reference"))
    title = tables.Column(verbose_name=_("Title"))
    procedure = tables.Column(verbose_name=_("Procedure"))
    phase = tables.Column(verbose_name=_("Phase"))
    programme = tables.Column(verbose_name=_("Programme"), order_by="programme__name")

    class Meta:
        model = Procurement
        fields = ["reference", "title", "procedure", "phase", "programme"]
        order_by = "reference"
        empty_text = _("No procurements match.")


class OptionAgreementTable(tables.Table):
    organisation = tables.Column(
        linkify=lambda record: record.organisation.get_absolute_url(),
        verbose_name=_("Organisation"),
        order_by="organisation__name",
    )
    county = tables.Column(
        accessor="organisation__county",
        verbose_name=_("County"),
        order_by="organisation__county",
    )
    status = tables.Column(verbose_name=_("Status"))
    offered_on = tables.DateColumn(verbose_name=_("Offered"), short=True)
    signed_on = tables.DateColumn(verbose_name=_("Signed"), short=True)
    exercised_on = tables.DateColumn(verbose_name=_("Exercised"), short=True)
    declined_on = tables.DateColumn(verbose_name=_("Declined"), short=True)
    edit = tables.Column(
        verbose_name="", orderable=False, empty_values=(), accessor="pk"
    )

    class Meta:
        model = OptionAgreement
        fields = [
            "organisation",
            "county",
            "status",
            "offered_on",
            "signed_on",
            "exercised_on",
            "declined_on",
            "edit",
        ]
        order_by = "organisation"
        empty_text = _("No option agreements match.")

    def render_county(self, record: OptionAgreement) -> str:
        return record.organisation.get_county_display()

    def render_edit(self, record: OptionAgreement) -> str:
        return format_html(
            '<a href="{}">{}<span class="visually-hidden"> {}</span></a>',
            reverse("procurement:option-edit", args=[record.pk]),
            _("Edit"),
            record.organisation.name,
        )


class SelectColumn(tables.CheckBoxColumn):
    """A checkbox per row tied to the bulk-action form by its ``form``
    attribute, so selecting works without JavaScript."""

    @property
    def header(self):
        return format_html('<span class="visually-hidden">{}</span>', _("Select"))

    def render(self, value, bound_column, record):
        return format_html(
            '<input type="checkbox" name="selected" value="{}" form="bulk-form" '
            'aria-label="{}">',
            value,
            _("Select %(key)s") % {"key": record.key},
        )


class RequirementTable(tables.Table):
    selected = SelectColumn(accessor="pk", orderable=False)
    key = tables.Column(linkify=True, verbose_name=_("Key"))
    title = tables.Column(verbose_name=_("Title"))
    section = tables.Column(
        accessor="section__number",
        verbose_name=_("Section"),
        order_by="section__sort_key",
    )
    kind = tables.Column(verbose_name=_("Kind"))
    weight = tables.Column(verbose_name=_("Weight"), attrs={"td": {"class": "number"}})
    status = tables.Column(verbose_name=_("Status"))
    tags = tables.Column(empty_values=(), orderable=False, verbose_name=_("Tags"))
    changed_since_baseline = tables.Column(
        verbose_name=_("Changed"), orderable=False, empty_values=()
    )

    class Meta:
        model = Requirement
        fields = [
            "selected",
            "key",
            "title",
            "section",
            "kind",
            "weight",
            "status",
            "tags",
            "changed_since_baseline",
        ]
        order_by = "section"
        empty_text = _("No requirements match.")

    def render_kind(self, record: Requirement) -> str:
        return record.kind

    def render_weight(self, record: Requirement) -> str:
        return "" if record.weight is None else format(record.weight.normalize(), "f")

    def render_tags(self, record: Requirement) -> str:
        return ", ".join(tag.name for tag in record.tags.all())

    def render_changed_since_baseline(self, record: Requirement) -> str:
        if not getattr(record, "changed_since_baseline", False):
            return ""
        return format_html(
            '<span class="changed-mark" title="{0}">●<span class="visually-hidden">'
            "{0}</span></span>",
            _("Changed since the latest baseline"),
        )


class PageFeedbackTable(tables.Table):
    created_at = tables.DateTimeColumn(
        verbose_name=_("Received"), format="SHORT_DATETIME_FORMAT"
    )
    path = tables.Column(verbose_name=_("Page"))
    found = tables.BooleanColumn(verbose_name=_("Found it"))
    comment = tables.Column(verbose_name=_("Comment"), empty_values=("",))
    language = tables.Column(verbose_name=_("Language"))

    class Meta:
        model = PageFeedback
        fields = ["created_at", "path", "found", "comment", "language"]
        order_by = "-created_at"


class ReportDownloadTable(tables.Table):
    downloaded_at = tables.DateTimeColumn(
        verbose_name=_("Downloaded"), format="SHORT_DATETIME_FORMAT"
    )
    user = tables.Column(verbose_name=_("User"), order_by="user__username")
    procurement = tables.Column(
        verbose_name=_("Procurement"),
        order_by="procurement__reference",
        linkify=lambda record: (
            reverse("procurement:procurement-reports", args=[record.procurement_id])
            if record.procurement_id
            else None
        ),
    )
    report = tables.Column(verbose_name=_("Report"))
    label = tables.Column(verbose_name=_("Which"), empty_values=("",))
    filename = tables.Column(verbose_name=_("File name"), empty_values=("",))

    class Meta:
        model = ReportDownload
        fields = ["downloaded_at", "user", "procurement", "report", "label", "filename"]
        order_by = "-downloaded_at"
        empty_text = _("No report downloads match.")

    def render_user(self, record: ReportDownload) -> str:
        return record.user.get_full_name() or record.user.get_username()

    def render_procurement(self, record: ReportDownload) -> str:
        return record.procurement.reference

    def render_report(self, record: ReportDownload) -> str:
        return report_name(record.report)
