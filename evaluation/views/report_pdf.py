"""The evaluation report (PDF) download, for the lead and, once the results
are released or the evaluation locked, for management.

URL patterns for this topic, included under /procurements/<pk>/."""

from __future__ import annotations

import re

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from evaluation import access
from evaluation.models import Evaluation
from evaluation.reports.report_pdf import write_evaluation_report_pdf
from procurement.views.downloads import report_file_response

REPORT = "evaluation-report"


def report_filename(evaluation: Evaluation) -> str:
    """Like kravspor-HP-EPJ-2016-runde-1-evalueringsrapport.pdf."""
    reference = re.sub(
        r"[^A-Za-z0-9._-]+", "-", evaluation.procurement.reference
    ).strip("-")
    return (
        f"kravspor-{reference or evaluation.procurement_id}-runde-"
        f"{evaluation.round.number}-evalueringsrapport.pdf"
    )


@require_safe
def report_pdf(request: HttpRequest, pk: int, evaluation_pk: int) -> HttpResponse:
    """The report as the reader may see it (sealed prices stay hidden from
    management). HEAD answers with the headers only and records nothing."""
    evaluation = access.get_evaluation_for_user(request.user, pk, evaluation_pk)
    if not access.may_download_evaluation_reports(request.user, evaluation):
        raise PermissionDenied
    filename = report_filename(evaluation)
    return report_file_response(
        request,
        write=lambda handle: write_evaluation_report_pdf(
            evaluation, handle, user=request.user
        ),
        filename=filename,
        content_type="application/pdf",
        report=REPORT,
        procurement=evaluation.procurement,
        label=_("Evaluation report (PDF): %(evaluation)s") % {"evaluation": evaluation},
    )


urlpatterns = [
    # /procurements/<pk>/evaluations/<evaluation_pk>/reports/report.pdf
    path(
        "evaluations/<int:evaluation_pk>/reports/report.pdf",
        report_pdf,
        name="report-pdf",
    ),
]
