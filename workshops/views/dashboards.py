"""The workshop dashboard and the reports built from the same figures: one
workshop's report (PDF) and the programme participation report (PDF and
Excel). Read-only pages: everyone who may see the procurement may see them,
management included."""

from __future__ import annotations

import tempfile

from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_safe

from procurement.access import get_procurement_for_user
from procurement.documents.xlsx import XLSX_CONTENT_TYPE
from procurement.services.reports import report_download_record
from workshops import reports
from workshops.access import get_workshop_for_user
from workshops.charts import dashboard_charts, svg
from workshops.selectors.dashboards import dashboard

# Small documents stay in memory, large ones go to disk.
SPOOL_BYTES = 8 * 1024 * 1024


# /procurements/<pk>/workshops/dashboard/ ---------------------------------------


@require_safe
def workshop_dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    procurement = get_procurement_for_user(request.user, pk)
    board = dashboard(procurement)
    charts = dashboard_charts(board)
    context = {
        "procurement": procurement,
        "board": board,
        "charts": charts,
        "svgs": {key: svg(chart) for key, chart in charts.items()},
    }
    return render(request, "workshops/dashboard.html", context)


# /procurements/<pk>/workshops/<workshop_pk>/report.pdf ----------------------------


@require_safe
def workshop_report(request: HttpRequest, pk: int, workshop_pk: int) -> HttpResponse:
    workshop = get_workshop_for_user(request.user, pk, workshop_pk)
    out = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)
    reports.write_workshop_report(workshop, out)
    out.seek(0)
    filename = reports.workshop_report_filename(workshop)
    report_download_record(
        request=request,
        report="workshop-report",
        procurement=workshop.procurement,
        label=workshop.title,
        filename=filename,
    )
    return FileResponse(
        out,
        as_attachment=True,
        filename=filename,
        content_type="application/pdf",
    )


# /procurements/<pk>/workshops/participation.pdf and .xlsx -------------------------


@require_safe
def participation_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    procurement = get_procurement_for_user(request.user, pk)
    out = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)
    reports.write_participation_pdf(procurement, out)
    out.seek(0)
    filename = reports.participation_filename(procurement, "pdf")
    report_download_record(
        request=request,
        report="participation-pdf",
        procurement=procurement,
        filename=filename,
    )
    return FileResponse(
        out,
        as_attachment=True,
        filename=filename,
        content_type="application/pdf",
    )


@require_safe
def participation_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    procurement = get_procurement_for_user(request.user, pk)
    out = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)
    reports.write_participation_xlsx(procurement, out)
    out.seek(0)
    filename = reports.participation_filename(procurement, "xlsx")
    report_download_record(
        request=request,
        report="participation-xlsx",
        procurement=procurement,
        filename=filename,
    )
    return FileResponse(
        out,
        as_attachment=True,
        filename=filename,
        content_type=XLSX_CONTENT_TYPE,
    )


urlpatterns = [
    # /procurements/<pk>/workshops/dashboard/
    path("workshops/dashboard/", workshop_dashboard, name="workshop-dashboard"),
    # /procurements/<pk>/workshops/<workshop_pk>/report.pdf
    path(
        "workshops/<int:workshop_pk>/report.pdf",
        workshop_report,
        name="workshop-report",
    ),
    # /procurements/<pk>/workshops/participation.pdf and .xlsx
    path(
        "workshops/participation.pdf",
        participation_pdf,
        name="participation-report",
    ),
    path(
        "workshops/participation.xlsx",
        participation_xlsx,
        name="participation-report-xlsx",
    ),
]
