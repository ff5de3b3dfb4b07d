"""Bilag 1 as a PDF download, for anyone who may see the procurement.

URL patterns for this topic, included under /procurements/<pk>/."""

from __future__ import annotations

import re
import tempfile

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils.text import slugify
from django.views.decorators.http import require_safe

from procurement.access import get_procurement_for_user
from procurement.models import Baseline, Procurement
from procurement.services.reports import report_download_record
from procurement.spec_pdf import write_specification_pdf


def pdf_filename(procurement: Procurement, baseline: Baseline | None) -> str:
    """Like HP-EPJ-2016-bilag1.pdf, or …-bilag1-konkurransegrunnlag-2017-05.pdf."""
    reference = re.sub(r"[^A-Za-z0-9._-]+", "-", procurement.reference).strip("-")
    name = f"{reference or 'kravspor'}-bilag1"
    if baseline is not None:
        name += f"-{slugify(baseline.label) or baseline.pk}"
    return f"{name}.pdf"


@require_safe
def spec_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """Today's specification, or with ?baseline=<id> one of its baselines.
    HEAD answers with the headers only: the document is not built."""
    procurement = get_procurement_for_user(request.user, pk)
    baseline = None
    baseline_id = request.GET.get("baseline", "")
    if baseline_id:
        if not baseline_id.isdigit():
            raise Http404
        baseline = get_object_or_404(
            Baseline, pk=int(baseline_id), procurement=procurement
        )
    filename = pdf_filename(procurement, baseline)
    if request.method == "HEAD":
        response = HttpResponse(content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    # Built into a temporary file on disk, then streamed from there.
    handle = tempfile.TemporaryFile()
    try:
        write_specification_pdf(procurement, handle, baseline=baseline)
    except BaseException:
        handle.close()
        raise
    handle.seek(0)
    report_download_record(
        user=request.user,
        report="spec-pdf",
        procurement=procurement,
        label=baseline.label if baseline else "",
        filename=filename,
    )
    return FileResponse(
        handle,
        as_attachment=True,
        filename=filename,
        content_type="application/pdf",
    )


urlpatterns = [
    # /procurements/<pk>/spec/bilag1.pdf
    path("spec/bilag1.pdf", spec_pdf, name="spec-pdf"),
]
