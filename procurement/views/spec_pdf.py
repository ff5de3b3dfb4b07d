"""Bilag 1 as a PDF download, for anyone who may see the procurement.

URL patterns for this topic, included under /procurements/<pk>/."""

from __future__ import annotations

import re

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils.text import slugify
from django.views.decorators.http import require_safe

from procurement.access import get_procurement_for_user
from procurement.models import Baseline, Procurement
from procurement.spec_pdf import write_specification_pdf
from procurement.views.downloads import report_file_response


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
    return report_file_response(
        request,
        write=lambda handle: write_specification_pdf(
            procurement, handle, baseline=baseline
        ),
        filename=filename,
        content_type="application/pdf",
        report="spec-pdf",
        procurement=procurement,
        label=baseline.label if baseline else "",
    )


urlpatterns = [
    # /procurements/<pk>/spec/bilag1.pdf
    path("spec/bilag1.pdf", spec_pdf, name="spec-pdf"),
]
