"""Staff triage one workshop input into a new requirement and follow the
trace from the requirement back to the organisation that raised it."""

import datetime

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import expect

from procurement.models import (
    PROGRAMME_STAFF_GROUP,
    Organisation,
    Procurement,
    Programme,
    Requirement,
)
from procurement.services import specification as spec
from workshops.models import Input, Workshop


@pytest.fixture
def triage_world(transactional_db, django_user_model):
    staff = django_user_model.objects.create_user(
        username="triage-staff", password="kravspor-demo"
    )
    staff.groups.add(Group.objects.get_or_create(name=PROGRAMME_STAFF_GROUP)[0])
    municipality = Organisation.objects.create(
        name="Trondheim kommune",
        kind=Organisation.Kind.MUNICIPALITY,
        level=Organisation.Level.MUNICIPAL,
    )
    procurement = Procurement.objects.create(
        programme=Programme.objects.create(name="Helseplattformen"),
        reference="HP-EPJ-2016",
        title="Felles pasientjournal",
    )
    area = spec.section_save(
        by=staff, procurement=procurement, number="1", title="Journal", prefix="JOURN"
    )
    start = timezone.make_aware(datetime.datetime(2016, 9, 14, 9, 0))
    workshop = Workshop.objects.create(
        procurement=procurement,
        title="Legemidler i hjemmetjenesten",
        area=area,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=3),
        status=Workshop.Status.HELD,
    )
    item = Input.objects.create(
        workshop=workshop,
        number=1,
        text="Hjemmesykepleien må se oppdatert legemiddelliste. Også på mobil.",
        area=area,
    )
    item.raised_by_organisations.set([municipality])
    return {"procurement": procurement, "input": item, "organisation": municipality}


@pytest.fixture
def english_page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="en-US")
    context.add_cookies(
        [
            {
                "name": settings.LANGUAGE_COOKIE_NAME,
                "value": "en",
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_staff_accept_an_input_and_follow_its_trace(english_page, triage_world):
    page = english_page
    procurement = triage_world["procurement"]
    item = triage_world["input"]
    organisation = triage_world["organisation"]
    page.goto("/accounts/login/")
    page.locator("#id_username").fill("triage-staff")
    page.locator("#id_password").fill("kravspor-demo")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)

    # The queue shows the new input; open it.
    page.goto(f"/procurements/{procurement.pk}/triage/")
    table = page.locator("#triage-table")
    expect(table).to_contain_text("legemiddelliste")
    table.get_by_role("link", name=f"#{item.pk}").click()
    expect(page.locator("#input-status")).to_have_text("New")

    # Accept it: the form is filled in from the input; edit before saving.
    page.locator("#decision-accept a").click()
    title = page.locator("#id_title")
    expect(title).to_have_value("Hjemmesykepleien må se oppdatert legemiddelliste")
    title.fill("Oppdatert legemiddelliste i hjemmetjenesten")
    page.locator("#id_weight").fill("3")
    page.locator("#accept-form button[type=submit]").click()

    # We land on the new requirement, which shows its origin.
    requirement = Requirement.objects.get(procurement=procurement)
    page.wait_for_url(f"**{requirement.get_absolute_url()}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("JOURN-0001")
    origin = page.locator("#origins .origin")
    expect(origin).to_have_count(1)
    expect(origin.get_by_role("link", name=f"Input #{item.pk}")).to_be_visible()
    expect(origin).to_contain_text("Legemidler i hjemmetjenesten")

    # Follow the organisation to what became of its input.
    origin.get_by_role("link", name=organisation.name).click()
    page.wait_for_url(f"**/organisations/{organisation.pk}/trace/")
    expect(page.locator('[data-count="accepted"]')).to_have_text("1")
    expect(page.locator("#trace-table")).to_contain_text("JOURN-0001")
