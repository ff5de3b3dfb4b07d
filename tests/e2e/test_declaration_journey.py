"""An evaluator signs a declaration of impartiality before seeing any tender,
names a conflict, and no longer sees that vendor's tender."""

import datetime
import re

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from evaluation.models import Declaration, Evaluation
from procurement.models import (
    Membership,
    Organisation,
    Procurement,
    Programme,
    Tender,
    TenderRound,
)
from tests.e2e.conftest import log_in

PASSWORD = "kravspor-demo"


@pytest.fixture
def evaluation_world(transactional_db):
    programme = Programme.objects.create(name="Helseplattformen")
    procurement = Procurement.objects.create(
        programme=programme,
        reference="HP-E2E-2017",
        title="Felles journal",
        procedure=Procurement.Procedure.COMPETITIVE_DIALOGUE,
        phase=Procurement.Phase.EVALUATION,
    )
    evaluator = get_user_model().objects.create_user(
        username="vurderer", password=PASSWORD, first_name="Vera", last_name="Vurderer"
    )
    Membership.objects.create(
        user=evaluator, procurement=procurement, role=Membership.Role.EVALUATOR
    )
    round_ = TenderRound.objects.create(
        procurement=procurement, number=1, kind="initial", name="Første tilbud"
    )
    received = timezone.make_aware(datetime.datetime(2017, 5, 15, 12))
    for name in ("Alfa Systemer AS", "Beta Helse AS"):
        vendor = Organisation.objects.create(name=name, kind=Organisation.Kind.VENDOR)
        Tender.objects.create(
            round=round_, vendor=vendor, received_at=received, status="valid"
        )
    evaluation = Evaluation.objects.create(procurement=procurement, round=round_)
    return {"evaluation": evaluation, "evaluator": evaluator}


@pytest.fixture
def journey_page(browser, live_server, evaluation_world):
    context = browser.new_context(base_url=live_server.url, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_evaluator_signs_a_declaration_with_a_conflict(journey_page, evaluation_world):
    page = journey_page
    evaluation = evaluation_world["evaluation"]
    detail = f"/procurements/{evaluation.procurement_id}/evaluations/{evaluation.pk}/"

    log_in(page, "vurderer", PASSWORD)
    page.goto(detail)

    # Sent to the declaration first: no tender before it is signed.
    expect(page).to_have_url(re.compile(r"/declaration/$"))
    expect(page.locator("#declaration-statement")).to_be_visible()
    page.get_by_label("Beta Helse AS").check()
    page.locator("#id_confirm").check()
    page.locator("#declaration-form button[type=submit]").click()

    # Back on the evaluation: signed, and the conflicted vendor is gone.
    expect(page).to_have_url(re.compile(r"/evaluations/\d+/$"))
    expect(page.locator("#declaration-state .signed-mark")).to_be_visible()
    tenders = page.locator("#round-tenders")
    expect(tenders).to_contain_text("Alfa Systemer AS")
    expect(tenders).not_to_contain_text("Beta Helse AS")

    # The declaration shows as signed and cannot be signed again.
    page.goto(detail + "declaration/")
    expect(page.locator("#declared-conflicts")).to_have_text("Beta Helse AS")
    expect(page.locator("#declaration-form")).to_have_count(0)

    declaration = Declaration.objects.get(evaluator=evaluation_world["evaluator"])
    assert [v.name for v in declaration.conflicts.all()] == ["Beta Helse AS"]
