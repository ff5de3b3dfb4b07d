"""The lead reaches consensus in a real browser and sees the ranking.

Selectors are ids and classes, not texts, so the test holds in both
languages."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Max
from django.utils import timezone
from playwright.sync_api import expect

from evaluation.models import Criterion, Evaluation, RequirementMapping, Score
from procurement.models import (
    Membership,
    Organisation,
    Procurement,
    Requirement,
    Section,
    Tender,
    TenderRound,
)
from tests.e2e.conftest import log_in

D = Decimal
User = get_user_model()

# evaluator → vendor → score of the one requirement
SCORES = {
    "evaluator": {"Nord": "8", "Sør": "4"},
    "evaluator-2": {"Nord": "6", "Sør": "5"},
}


def scored_evaluation() -> tuple[Evaluation, dict[str, Tender]]:
    """A round of two tenders, one requirement-scored criterion and a price
    criterion, scored by two evaluators; no sealed envelope."""
    procurement = Procurement.objects.get(reference="HP-EPJ-2016")
    second = User.objects.create_user(username="evaluator-2", password="x")
    Membership.objects.create(
        user=second, procurement=procurement, role=Membership.Role.EVALUATOR
    )
    number = (procurement.tender_rounds.aggregate(n=Max("number"))["n"] or 0) + 1
    round = TenderRound.objects.create(
        procurement=procurement,
        number=number,
        kind=TenderRound.Kind.OTHER,
        name="Testrunde",
    )
    now = timezone.now()
    tenders = {
        name: Tender.objects.create(
            round=round,
            vendor=Organisation.objects.create(
                name=f"{name} Helse AS", kind=Organisation.Kind.VENDOR
            ),
            received_at=now,
            status=Tender.Status.VALID,
            total_price=price,
        )
        for name, price in (("Nord", D("100000000")), ("Sør", D("90000000")))
    }
    section = Section.objects.create(
        procurement=procurement, number="97", title="Konsensustest", prefix="KONS"
    )
    requirement = Requirement.objects.create(
        procurement=procurement,
        section=section,
        key="KONS-0001",
        title="Oversikt over legemidler",
        kind=Requirement.Kind.V,
    )
    evaluation = Evaluation.objects.create(
        procurement=procurement,
        round=round,
        status=Evaluation.Status.SCORING,
        scoring_started_at=now,
    )
    quality = Criterion.objects.create(
        evaluation=evaluation,
        name="Ytelse",
        kind=Criterion.Kind.QUALITY,
        weight=D("70"),
        position=1,
    )
    Criterion.objects.create(
        evaluation=evaluation,
        name="Pris",
        kind=Criterion.Kind.PRICE,
        method=Criterion.Method.PRICE,
        weight=D("30"),
        position=2,
    )
    RequirementMapping.objects.create(
        evaluation=evaluation, criterion=quality, requirement=requirement
    )
    for username, per_vendor in SCORES.items():
        for vendor, value in per_vendor.items():
            Score.objects.create(
                evaluation=evaluation,
                evaluator=User.objects.get(username=username),
                tender=tenders[vendor],
                requirement=requirement,
                value=D(value),
                justification="Vurdert",
            )
    return evaluation, tenders


def test_the_lead_reaches_consensus_and_sees_the_ranking(page):
    evaluation, tenders = scored_evaluation()
    requirement = RequirementMapping.objects.get(evaluation=evaluation).requirement
    quality = Criterion.objects.get(evaluation=evaluation, name="Ytelse")
    base = f"/procurements/{evaluation.procurement_id}/evaluations/{evaluation.pk}/"
    log_in(page, "lead")

    # Before consensus: no scores on show, only the button.
    page.goto(base + "consensus/")
    expect(page.locator("#score-count")).to_have_text("4")
    page.locator("#consensus-open-form button").click()
    expect(page.locator("#consensus-overview")).to_be_visible()

    # Side by side, then the consensus score for each tender.
    for vendor, value in (("Nord", "7"), ("Sør", "5")):
        page.goto(base + f"consensus/{quality.pk}/tenders/{tenders[vendor].pk}/")
        row = page.locator(f"#item-req-{requirement.pk}")
        expect(row.locator(".individual-score")).to_have_count(2)
        row.locator("input[name=value]").fill(value)
        row.locator("textarea[name=justification]").fill(
            f"Panelet samlet seg om {value} etter gjennomgang."
        )
        row.locator("form.consensus-form button").click()
        expect(
            page.locator(f"#item-req-{requirement.pk} .consensus-stored strong")
        ).to_have_text(value)

    # The ranking (linear price): Nord 0.7·7 + 0.3·(10 − 10·10/90) = 7.567
    # beats Sør 0.7·5 + 0.3·10 = 6.5.
    page.goto(base + "results/")
    expect(page.locator("#provisional-note")).to_have_count(0)
    first = page.locator("#results-table tbody tr").first
    expect(first.locator(".rank")).to_have_text("1")
    expect(first.locator("th")).to_contain_text("Nord Helse AS")
    expect(first.locator(".total")).to_have_text("7,57")
    expect(page.locator("#results-chart svg")).to_be_visible()
    expect(page.locator("#sensitivity")).to_be_visible()
