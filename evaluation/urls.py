"""Evaluation pages, all under /procurements/<pk>/ (namespace "evaluation")."""

from evaluation.views import (
    award_letters,
    consensus,
    report_pdf,
    report_workbook,
    scoring,
    setup,
)

app_name = "evaluation"

urlpatterns = [
    *setup.urlpatterns,
    *scoring.urlpatterns,
    *consensus.urlpatterns,
    *award_letters.urlpatterns,
    *report_pdf.urlpatterns,
    *report_workbook.urlpatterns,
]
