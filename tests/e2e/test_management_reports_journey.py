"""Management finds the reports in a real browser: the Reports page, the
evaluation workbook and an award letter of the locked round, the dashboard
with its ranking, and nothing of the round still in consensus.

Selectors are ids and link targets, not texts, so the test holds in both
languages."""

from __future__ import annotations

import io

from django.contrib.auth import get_user_model
from openpyxl import load_workbook
from playwright.sync_api import expect
from pypdf import PdfReader

from evaluation.models import Evaluation
from evaluation.selectors.results import evaluation_results
from procurement.models import Procurement, ReportDownload
from tests.e2e.conftest import log_in

User = get_user_model()


def test_management_downloads_the_released_reports_and_sees_the_ranking(page):
    procurement = Procurement.objects.get(reference="HP-EPJ-2016")
    locked = Evaluation.objects.get(procurement=procurement, round__number=1)
    running = Evaluation.objects.get(procurement=procurement, round__number=2)
    manager = User.objects.get(username="manager")
    _data, results = evaluation_results(locked, user=manager)
    winner = results.tender(results.winner)
    base = f"/procurements/{procurement.pk}/"
    log_in(page, "manager")

    # From the procurement page to its Reports page.
    page.goto(base)
    page.locator(f'.part-links a[href="{base}reports/"]').click()
    workbook_url = f"{base}evaluations/{locked.pk}/reports/workbook.xlsx"
    expect(page.locator(f'a[href="{workbook_url}"]')).to_be_visible()
    # The round still in consensus is listed without links.
    running_reports = f'a[href^="{base}evaluations/{running.pk}/reports/"]'
    expect(page.locator(running_reports)).to_have_count(0)

    # The workbook's summary ranks the winner first.
    with page.expect_download() as download:
        page.locator(f'a[href="{workbook_url}"]').click()
    with open(download.value.path(), "rb") as handle:
        book = load_workbook(io.BytesIO(handle.read()), read_only=True)
    summary = [
        str(cell)
        for row in book.worksheets[0].iter_rows(values_only=True)
        for cell in row
        if cell is not None
    ]
    assert winner.name in summary

    # The award letters: the winner's letter names the winner.
    page.goto(f"{base}evaluations/{locked.pk}/reports/award-letters/")
    expect(page.locator("#award-winner")).to_contain_text(winner.name)
    letter_url = (
        f"{base}evaluations/{locked.pk}/reports/award-letters/{winner.tender_id}.pdf"
    )
    with page.expect_download() as download:
        page.locator(f'a[href="{letter_url}"]').click()
    text = " ".join(p.extract_text() for p in PdfReader(download.value.path()).pages)
    assert winner.name in text

    # The dashboard: the locked round's ranking, the other round not released.
    page.goto(f"{base}dashboard/")
    ranking = page.locator(f"#evaluation-{locked.pk}-results")
    expect(ranking).to_contain_text(winner.name)
    expect(page.locator(f"#evaluation-{running.pk}-not-released")).to_be_visible()
    expect(page.locator(f"#evaluation-{running.pk}-results")).to_have_count(0)

    # Both downloads are on record for the administrators.
    assert set(
        ReportDownload.objects.filter(user=manager).values_list("report", flat=True)
    ) == {"evaluation-workbook", "award-letter"}
