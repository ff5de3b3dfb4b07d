"""The first journey through Kravspor in a real browser."""

import re

from playwright.sync_api import expect

from procurement.models import Organisation
from tests.e2e.conftest import log_in


def test_staff_see_the_dashboard_switch_to_english_open_an_organisation_and_log_out(
    page,
):
    log_in(page, "staff")
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("html")).to_have_attribute("lang", "nb")
    expect(page.get_by_role("heading", name="Oversikt", level=1)).to_be_visible()
    municipal = Organisation.objects.filter(level="municipal").count()
    expect(page.locator('[data-figure="level-municipal"]')).to_have_text(str(municipal))
    expect(page.locator('[data-figure="organisations-total"]')).to_have_text(
        str(Organisation.objects.count())
    )
    expect(page.locator("svg.chart")).to_be_visible()
    expect(page.get_by_role("link", name="HP-EPJ-2016")).to_be_visible()

    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Overview", level=1)).to_be_visible()

    page.get_by_role("navigation", name="Main menu").get_by_role(
        "link", name="Organisations"
    ).click()
    page.get_by_label("Search").fill("Trondheim")
    page.get_by_role("button", name="Filter").click()
    page.get_by_role("link", name="Trondheim kommune").click()
    expect(page.get_by_role("heading", name="Trondheim kommune")).to_be_visible()
    expect(page.get_by_text("942 110 464")).to_be_visible()
    expect(page.get_by_role("link", name="Edit")).to_be_visible()

    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/"))


def test_management_finds_no_edit_buttons_and_a_direct_post_is_refused(page):
    log_in(page, "manager")
    expect(page.get_by_role("heading", name="Oversikt", level=1)).to_be_visible()
    organisation = Organisation.objects.get(name="Trondheim kommune")
    page.goto(f"/organisations/{organisation.pk}/")
    expect(page.get_by_role("heading", name="Trondheim kommune")).to_be_visible()
    expect(page.get_by_role("link", name="Rediger")).to_have_count(0)
    page.goto("/organisations/")
    expect(page.get_by_role("link", name="Ny organisasjon")).to_have_count(0)
    page.get_by_role("navigation", name="Hovedmeny").get_by_role(
        "link", name="Program"
    ).click()
    expect(page.get_by_role("heading", name="Helseplattformen")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("^Rediger"))).to_have_count(0)
    page.goto("/announcements/")
    expect(page.get_by_role("link", name="Ny kunngjøring")).to_have_count(0)
    page.goto("/procurements/")
    page.get_by_role("link", name="HP-EPJ-2016").click()
    expect(page.get_by_role("link", name=re.compile("^Rediger"))).to_have_count(0)

    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    response = page.request.post(
        f"/organisations/{organisation.pk}/edit/",
        form={
            "csrfmiddlewaretoken": token,
            "name": "Endret av ledelsen",
            "kind": "municipality",
            "level": "municipal",
        },
        headers={"Referer": page.url},
    )
    assert response.status == 403
    assert "Ikke tillatt" in response.text()
    organisation.refresh_from_db()
    assert organisation.name == "Trondheim kommune"
