"""The Reports page of a procurement, listing every report the apps
contribute (see procurement.contributions) with what it holds, who may
download it and, for this user, either the link or why not; and the
administrators' record of report downloads.

URL patterns: ``urlpatterns`` hang under /procurements/<pk>/,
``core_urlpatterns`` at the top."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_safe
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from procurement.access import get_procurement_for_user, is_administrator
from procurement.contributions import ReportEntry, reports_for
from procurement.filters import ReportDownloadFilter
from procurement.models import ReportDownload
from procurement.tables import CappedPaginationMixin, ReportDownloadTable


def _grouped(entries: list[ReportEntry]) -> list[tuple[str, list[ReportEntry]]]:
    """Groups in the order their first report comes, reports in order."""
    groups: dict[str, list[ReportEntry]] = {}
    for entry in entries:
        groups.setdefault(entry.group, []).append(entry)
    return list(groups.items())


# /procurements/<pk>/reports/ ------------------------------------------------------


@require_safe
def procurement_reports(request: HttpRequest, pk: int) -> HttpResponse:
    procurement = get_procurement_for_user(request.user, pk)
    entries = reports_for(request.user, procurement)
    return render(
        request,
        "procurement/procurement_reports.html",
        {"procurement": procurement, "groups": _grouped(entries)},
    )


# /report-downloads/ ---------------------------------------------------------------


class ReportDownloadListView(CappedPaginationMixin, SingleTableMixin, FilterView):
    """Who downloaded which report and when: administrators only."""

    table_class = ReportDownloadTable
    filterset_class = ReportDownloadFilter
    template_name = "procurement/report_download_list.html"

    def dispatch(self, request, *args, **kwargs):
        if not is_administrator(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        return ReportDownload.objects.select_related("user", "procurement")


report_download_list = require_safe(ReportDownloadListView.as_view())


urlpatterns = [
    # /procurements/<pk>/reports/
    path("reports/", procurement_reports, name="procurement-reports"),
]

core_urlpatterns = [
    # /report-downloads/
    path("report-downloads/", report_download_list, name="report-download-list"),
]
