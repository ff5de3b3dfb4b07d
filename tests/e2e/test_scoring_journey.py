"""An evaluator scores a tender in a real browser: worklist, scoring page,
saving rows one by one, and a refused save that keeps what was typed."""

import datetime
from decimal import Decimal
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from evaluation.models import (
    Assignment,
    Criterion,
    Declaration,
    Evaluation,
    RequirementMapping,
    Score,
)
from procurement.models import (
    Membership,
    Organisation,
    Procurement,
    Programme,
    Requirement,
    Response,
    Section,
    Tender,
    TenderRound,
)
from tests.e2e.conftest import log_in

PASSWORD = "kravspor-e2e"


@pytest.fixture
def world(transactional_db):
    programme = Programme.objects.create(name="Helseplattformen")
    procurement = Procurement.objects.create(
        programme=programme,
        reference="HP-E2E-2017",
        title="Felles journal",
        procedure=Procurement.Procedure.COMPETITIVE_DIALOGUE,
    )
    evaluator = get_user_model().objects.create_user(
        username="eva", password=PASSWORD, first_name="Eva", last_name="Evaluator"
    )
    Membership.objects.create(
        user=evaluator, procurement=procurement, role=Membership.Role.EVALUATOR
    )
    section = Section.objects.create(
        procurement=procurement, number="1", title="Journal", prefix="JOURN"
    )
    requirements = [
        Requirement.objects.create(
            procurement=procurement,
            section=section,
            key=f"JOURN-000{number}",
            title=title,
            description=f"{title} i journalen.",
            kind="V",
            weight=Decimal("1"),
            status="approved",
        )
        for number, title in enumerate(
            ("Vise allergier", "Pasientoversikt", "Utskrift"), 1
        )
    ]
    vendor = Organisation.objects.create(
        name="Alfa Systemer AS", kind=Organisation.Kind.VENDOR
    )
    round_ = TenderRound.objects.create(
        procurement=procurement, number=1, kind="initial", name="Første tilbud"
    )
    tender = Tender.objects.create(
        round=round_,
        vendor=vendor,
        received_at=timezone.make_aware(datetime.datetime(2017, 5, 15, 12)),
        status="valid",
    )
    for requirement in requirements:
        Response.objects.create(
            tender=tender,
            requirement=requirement,
            compliance="yes",
            answer=f"Svar på {requirement.key}.",
        )
    evaluation = Evaluation.objects.create(
        procurement=procurement, round=round_, status=Evaluation.Status.SCORING
    )
    function = Criterion.objects.create(
        evaluation=evaluation,
        name="Funksjon",
        kind="quality",
        method="requirements",
        weight=Decimal("100"),
    )
    for requirement in requirements:
        RequirementMapping.objects.create(
            evaluation=evaluation, criterion=function, requirement=requirement
        )
    Assignment.objects.create(
        evaluation=evaluation, evaluator=evaluator, criterion=function
    )
    Declaration.objects.create(procurement=procurement, evaluator=evaluator)
    return {
        "procurement": procurement,
        "evaluation": evaluation,
        "tender": tender,
        "criterion": function,
        "requirements": requirements,
    }


@pytest.fixture
def scoring_page(browser, live_server, world):
    context = browser.new_context(base_url=live_server.url, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_an_evaluator_scores_a_tender_and_sees_progress(scoring_page, world):
    page = scoring_page
    procurement, evaluation = world["procurement"], world["evaluation"]
    tender, criterion = world["tender"], world["criterion"]
    allergy, overview, printing = world["requirements"]
    log_in(page, "eva", PASSWORD)

    page.goto(f"/procurements/{procurement.pk}/evaluations/{evaluation.pk}/worklist/")
    work = page.locator(f"#work-{tender.pk}-{criterion.pk}")
    expect(work.locator(".work-done-count")).to_have_text("0 / 3")
    work.get_by_role("link").first.click()

    # The scoring page: every requirement with the vendor's answer.
    expect(page.locator(f"#row-r{allergy.pk}")).to_contain_text("Svar på JOURN-0001.")
    expect(page.locator("#page-progress .progress-done")).to_have_text("0")

    # Save two rows one at a time; the page stays and the progress moves.
    page.locator(f"#id_r{allergy.pk}-value").fill("7,5")
    page.locator(f"#id_r{allergy.pk}-justification").fill("Allergier vises tydelig.")
    page.locator(f"#row-r{allergy.pk} button.score-save").click()
    expect(page.locator("#page-progress .progress-done")).to_have_text("1")

    page.locator(f"#id_r{overview.pk}-value").fill("6")
    page.locator(f"#id_r{overview.pk}-justification").fill("Oversikten er grei.")
    page.locator(f"#row-r{overview.pk} button.score-save").click()
    expect(page.locator("#page-progress .progress-done")).to_have_text("2")

    # A score without a justification is refused; what was typed stays.
    page.locator(f"#id_r{printing.pk}-value").fill("4")
    page.locator(f"#row-r{printing.pk} button.score-save").click()
    row = page.locator(f"#row-r{printing.pk}")
    expect(row).to_have_class("score-row score-row-error")
    expect(row.locator(".errorlist")).to_contain_text(printing.key)
    expect(page.locator(f"#id_r{printing.pk}-value")).to_have_value("4")
    expect(page.locator("#page-progress .progress-done")).to_have_text("2")

    # Changing a saved row again uses the version it got from the first save.
    page.locator(f"#id_r{allergy.pk}-value").fill("8")
    page.locator(f"#row-r{allergy.pk} button.score-save").click()
    expect(page.locator(f"#row-r{allergy.pk} .score-version")).to_have_value("2")

    assert dict(Score.objects.values_list("requirement__key", "value")) == {
        allergy.key: Decimal("8"),
        overview.key: Decimal("6"),
    }

    # Back on the worklist the progress shows what was saved.
    page.goto(f"/procurements/{procurement.pk}/evaluations/{evaluation.pk}/worklist/")
    expect(work.locator(".work-done-count")).to_have_text("2 / 3")


def test_without_javascript_a_refused_save_keeps_the_typed_score(
    browser, live_server, world
):
    context = browser.new_context(
        base_url=live_server.url, locale="en-US", java_script_enabled=False
    )
    page = context.new_page()
    try:
        procurement, evaluation = world["procurement"], world["evaluation"]
        tender, criterion = world["tender"], world["criterion"]
        allergy = world["requirements"][0]
        log_in(page, "eva", PASSWORD)
        page.goto(
            f"/procurements/{procurement.pk}/evaluations/{evaluation.pk}/tenders/"
            f"{tender.pk}/criteria/{criterion.pk}/score/"
        )
        page.locator(f"#id_r{allergy.pk}-value").fill("9")
        page.locator(f"#row-r{allergy.pk} button.score-save").click()
        expect(page.locator("#score-errors")).to_contain_text(allergy.key)
        expect(page.locator(f"#id_r{allergy.pk}-value")).to_have_value("9")
        page.locator(f"#id_r{allergy.pk}-justification").fill("Svært god løsning.")
        page.locator("#save-all").click()
        expect(page.locator("#page-progress .progress-done")).to_have_text("1")
        assert Score.objects.get().value == Decimal("9")
    finally:
        context.close()


def test_a_large_criterion_counts_the_section_shown_as_rows_are_saved(
    scoring_page, world
):
    page = scoring_page
    procurement, evaluation = world["procurement"], world["evaluation"]
    tender, criterion = world["tender"], world["criterion"]
    allergy = world["requirements"][0]
    other = Section.objects.create(
        procurement=procurement, number="2", title="Medisinering", prefix="MED"
    )
    dosage = Requirement.objects.create(
        procurement=procurement,
        section=other,
        key="MED-0001",
        title="Dosering",
        description="Dosering i kurven.",
        kind="V",
        weight=Decimal("1"),
        status="approved",
    )
    RequirementMapping.objects.create(
        evaluation=evaluation, criterion=criterion, requirement=dosage
    )
    log_in(page, "eva", PASSWORD)
    # Four requirements in two sections: with sections from three, one
    # section is scored at a time.
    with mock.patch("evaluation.views.scoring.SECTION_PAGES_FROM", 3):
        page.goto(
            f"/procurements/{procurement.pk}/evaluations/{evaluation.pk}/tenders/"
            f"{tender.pk}/criteria/{criterion.pk}/score/"
        )
        sections = page.locator("#score-sections")
        current = sections.locator("li.current")
        expect(current).to_contain_text("1 Journal")
        expect(current.locator(".section-done")).to_have_text("0")
        expect(page.locator("#page-progress .progress-total")).to_have_text("4")

        page.locator(f"#id_r{allergy.pk}-value").fill("7")
        page.locator(f"#id_r{allergy.pk}-justification").fill("God oversikt.")
        page.locator(f"#row-r{allergy.pk} button.score-save").click()
        expect(page.locator("#page-progress .progress-done")).to_have_text("1")
        expect(current.locator(".section-done")).to_have_text("1")
        expect(sections.locator("li").nth(1).locator(".section-done")).to_have_text("0")

        # Saving the same row again changes the score, not the counts.
        page.locator(f"#id_r{allergy.pk}-value").fill("8")
        page.locator(f"#row-r{allergy.pk} button.score-save").click()
        expect(page.locator(f"#row-r{allergy.pk} .score-version")).to_have_value("2")
        expect(current.locator(".section-done")).to_have_text("1")
        expect(page.locator("#page-progress .progress-done")).to_have_text("1")

        # The other section, reached by its link, starts at its own count.
        sections.get_by_role("link", name="2 Medisinering").click()
        expect(sections.locator("li.current")).to_contain_text("2 Medisinering")
        expect(page.locator(f"#row-r{dosage.pk}")).to_be_visible()
        expect(sections.locator("li").first.locator(".section-done")).to_have_text("1")
