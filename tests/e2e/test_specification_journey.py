"""Staff build, review and baseline a specification in a real browser."""

import re

from playwright.sync_api import expect

from procurement.models import Procurement
from tests.e2e.conftest import log_in


def test_staff_create_edit_review_baseline_and_compare_a_requirement(page):
    procurement = Procurement.objects.get(reference="HP-EPJ-2016")
    log_in(page, "staff")
    page.goto(f"/procurements/{procurement.pk}/spec/")
    expect(page.get_by_role("heading", name="Kravspesifikasjon")).to_be_visible()

    # A section of our own, so the key prefix is known.
    page.get_by_role("link", name="Ny seksjon").click()
    page.get_by_label("Nummer").fill("99")
    page.get_by_label("Tittel").fill("Testområde")
    page.get_by_label("Nøkkelprefiks").fill("TEST")
    page.get_by_role("button", name="Lagre").click()
    expect(page.get_by_role("link", name="99 Testområde")).to_be_visible()

    # Create a requirement.
    page.goto(f"/procurements/{procurement.pk}/requirements/new/")
    page.get_by_label("Seksjon").select_option(label="99 Testområde")
    page.get_by_label("Tittel").fill("Journalen skal vise allergier")
    page.get_by_label("Behov / beskrivelse").fill(
        "Allergier skal vises øverst i journalen."
    )
    page.get_by_label("Type").select_option("V")
    page.get_by_label("Vekt").fill("5")
    page.get_by_role("button", name="Lagre").click()
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text("TEST-0001")
    expect(heading).to_contain_text("Journalen skal vise allergier")

    # Publish a baseline.
    page.get_by_role("navigation", name="Kravspesifikasjon").get_by_role(
        "link", name="Baselines"
    ).click()
    page.get_by_label("Etikett").fill("E2E-baseline")
    page.get_by_role("button", name="Publiser baseline").click()
    expect(page.get_by_role("heading", name=re.compile("E2E-baseline"))).to_be_visible()

    # Edit the requirement after the baseline.
    page.goto(f"/procurements/{procurement.pk}/requirements/?q=TEST-0001")
    page.get_by_role("link", name="TEST-0001").click()
    page.get_by_role("link", name="Rediger").click()
    page.get_by_label("Behov / beskrivelse").fill(
        "Alle allergier skal vises øverst i journalen."
    )
    page.get_by_role("button", name="Lagre").click()

    # The detail page marks the change and shows the history with a word diff.
    expect(page.get_by_text("Endret siden baselinen E2E-baseline")).to_be_visible()
    history = page.locator(".history")
    expect(history.locator("ins").first).to_have_text("Alle allergier")
    expect(history).to_contain_text("Endret av Siri Stab")
    expect(history).to_contain_text("Opprettet av Siri Stab")

    # Step the status forward.
    page.get_by_role("button", name="Sett til Til gjennomgang").click()
    expect(page.locator(".badge.status-in_review")).to_be_visible()

    # Compare the baseline with today.
    page.get_by_role("navigation", name="Kravspesifikasjon").get_by_role(
        "link", name="Sammenlign"
    ).click()
    page.get_by_label("Fra").select_option(label="E2E-baseline")
    page.get_by_label("Til").select_option("today")
    page.get_by_role("button", name="Sammenlign").click()
    changed = page.locator(".compare-item", has_text="TEST-0001")
    expect(changed.locator("ins").first).to_have_text("Alle allergier")
