"""The evaluation workbook (.xlsx) as a download, for those who may have the
evaluation reports (``access.may_download_evaluation_reports``)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from evaluation import access
from evaluation.reports.workbook import workbook_filename, write_evaluation_workbook
from procurement.documents.xlsx import XLSX_CONTENT_TYPE
from procurement.views.downloads import report_file_response

REPORT_CODE = "evaluation-workbook"


@require_safe
def report_workbook(request: HttpRequest, pk: int, evaluation_pk: int) -> HttpResponse:
    evaluation = access.get_evaluation_for_user(request.user, pk, evaluation_pk)
    if not access.may_download_evaluation_reports(request.user, evaluation):
        raise PermissionDenied
    filename = workbook_filename(evaluation)
    return report_file_response(
        request,
        write=lambda handle: write_evaluation_workbook(
            evaluation, handle, user=request.user
        ),
        filename=filename,
        content_type=XLSX_CONTENT_TYPE,
        report=REPORT_CODE,
        procurement=evaluation.procurement,
        label=_("Evaluation workbook, %(round)s") % {"round": evaluation.round},
    )


urlpatterns = [
    # /procurements/<pk>/evaluations/<evaluation_pk>/reports/workbook.xlsx
    path(
        "evaluations/<int:evaluation_pk>/reports/workbook.xlsx",
        report_workbook,
        name="report-workbook",
    ),
]
