"""Live capture in a real browser: staff add inputs with the keyboard during a
workshop, a refusal keeps the text, a draft survives a reload and an input
typed without a connection is sent when it comes back."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import expect

from procurement.models import (
    PROGRAMME_STAFF_GROUP,
    Organisation,
    Procurement,
    Programme,
)
from procurement.services import specification as spec
from tests.e2e.conftest import log_in
from workshops.models import Attendance, Input, Participant, Workshop


@pytest.fixture
def workshop(transactional_db):
    hospital = Organisation.objects.create(
        name="St. Olavs hospital HF", kind="health_trust", level="specialist"
    )
    municipality = Organisation.objects.create(
        name="Trondheim kommune", kind="municipality", level="municipal"
    )
    programme = Programme.objects.create(name="Helseplattformen")
    procurement = Procurement.objects.create(
        programme=programme,
        reference="HP-EPJ-2016",
        title="Felles pasientjournal",
        procedure=Procurement.Procedure.COMPETITIVE_DIALOGUE,
    )
    staff = get_user_model().objects.create_user(
        username="fasilitator", password="kravspor-demo"
    )
    staff.groups.add(Group.objects.get_or_create(name=PROGRAMME_STAFF_GROUP)[0])
    area = spec.section_save(
        by=staff, procurement=procurement, number="1", title="Legemidler"
    )
    start = timezone.make_aware(dt.datetime(2016, 3, 1, 9))
    workshop = Workshop.objects.create(
        procurement=procurement,
        title="Legemiddelhåndtering",
        area=area,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=6),
    )
    for name, organisation in (
        ("Kari Nordmann", hospital),
        ("Ola Nordmann", municipality),
    ):
        participant = Participant.objects.create(
            procurement=procurement,
            name=name,
            profession="nurse",
            organisation=organisation,
        )
        Attendance.objects.create(workshop=workshop, participant=participant)
    return workshop


@pytest.fixture
def page(browser, live_server, workshop):
    context = browser.new_context(base_url=live_server.url, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_staff_capture_inputs_with_the_keyboard_and_lose_nothing(page, workshop):
    log_in(page, "fasilitator")
    page.goto(
        f"/procurements/{workshop.procurement_id}/workshops/{workshop.pk}/capture/"
    )
    box = page.locator("#id_text")
    expect(box).to_be_focused()

    texts = [
        "Legemiddellisten må være felles for sykehus og kommune.",
        "Allergier skal vises øverst i kurven.",
        "Dosering må kunne endres uten ny ordinasjon.",
    ]
    for number, text in enumerate(texts, 1):
        page.keyboard.type(text)
        if number == 2:
            page.keyboard.press("Alt+2")  # Ola Nordmann raised this one
        page.keyboard.press("Control+Enter")
        expect(page.locator(f"#input-{number}")).to_contain_text(text)
        expect(box).to_have_value("")
    expect(page.locator("#captured-count")).to_have_text("3")
    second = Input.objects.get(workshop=workshop, number=2)
    assert [p.name for p in second.raised_by_participants.all()] == ["Ola Nordmann"]
    assert second.raised_by_organisations.get().name == "Trondheim kommune"

    # Personal data is refused; the text stays in the box with the reason.
    refused = "Ring Kari på 412 34 567 om dette."
    page.keyboard.type(refused)
    page.keyboard.press("Control+Enter")
    expect(
        page.locator('[data-errors-for="text"] [data-code="personal_data"]').first
    ).to_be_visible()
    expect(box).to_have_value(refused)
    # An empty box is refused too.
    box.fill("")
    page.keyboard.press("Control+Enter")
    expect(
        page.locator('[data-errors-for="text"] [data-code="empty_text"]')
    ).to_be_visible()
    assert Input.objects.filter(workshop=workshop).count() == 3

    # A draft that was never sent is back after a reload.
    draft = "Utkast: varsling ved interaksjoner"
    box.fill(draft)
    page.reload()
    expect(page.locator("#id_text")).to_have_value(draft)
    expect(page.locator("#captured-count")).to_have_text("3")

    # Without a connection the input waits, and is sent when it comes back.
    page.context.set_offline(True)
    page.locator("#id_text").focus()
    page.keyboard.press("Control+Enter")
    expect(page.locator("#pending-list li")).to_have_text(draft)
    expect(page.locator("#id_text")).to_have_value("")
    page.context.set_offline(False)
    expect(page.locator("#input-4")).to_contain_text(draft)
    expect(page.locator("#capture-pending")).to_be_hidden()
    assert Input.objects.filter(workshop=workshop).count() == 4


def _capture_storage(page, workshop, name):
    return page.evaluate(
        "key => JSON.parse(window.localStorage.getItem(key))",
        f"kravspor:capture:{workshop.pk}:{name}",
    )


def test_a_refused_waiting_input_is_kept_until_it_is_corrected(page, workshop):
    log_in(page, "fasilitator")
    page.goto(
        f"/procurements/{workshop.procurement_id}/workshops/{workshop.pk}/capture/"
    )
    root = page.locator("#capture")
    box = page.locator("#id_text")
    status = page.locator("#capture-status")
    refused_list = page.locator("#refused-list > li")

    # Typed without a connection, it waits; the next input is typed meanwhile.
    page.context.set_offline(True)
    refused = "Ring Kari på 41234567 om legemiddellisten."
    box.focus()
    page.keyboard.type(refused)
    page.keyboard.press("Control+Enter")
    expect(page.locator("#pending-list li")).to_have_text(refused)
    expect(box).to_have_value("")
    following = "Allergier skal vises øverst i kurven."
    page.keyboard.type(following)

    # Back online the waiting input is refused for the phone number: the box
    # keeps what is being typed, and the refused text waits, with the reason,
    # under "Not accepted" – and the status line says so.
    page.context.set_offline(False)
    expect(refused_list).to_have_count(1)
    expect(refused_list.first).to_contain_text(refused)
    expect(
        refused_list.first.locator('[data-code="personal_data"]').first
    ).to_be_visible()
    expect(page.locator("#capture-pending")).to_be_hidden()
    expect(box).to_have_value(following)
    expect(status).to_have_text(root.get_attribute("data-msg-waiting-refused-list"))
    assert Input.objects.filter(workshop=workshop).count() == 0
    assert [
        entry["state"]["text"] for entry in _capture_storage(page, workshop, "refused")
    ] == [refused]

    # It survives a reload, next to the draft.
    page.reload()
    expect(refused_list).to_have_count(1)
    expect(refused_list.first).to_contain_text(refused)
    expect(box).to_have_value(following)

    # While the box holds another text, putting it back changes nothing.
    put_back = refused_list.first.get_by_role("button")
    put_back.focus()
    page.keyboard.press("Enter")
    expect(status).to_have_text(root.get_attribute("data-msg-box-busy"))
    expect(box).to_have_value(following)
    expect(refused_list).to_have_count(1)

    # The text in the box is added; then the refused one goes back into the
    # box with its reason, with the keyboard, to be corrected and added.
    box.focus()
    page.keyboard.press("Control+Enter")
    expect(page.locator("#input-1")).to_contain_text(following)
    expect(box).to_have_value("")
    put_back.focus()
    page.keyboard.press("Enter")
    expect(box).to_have_value(refused)
    expect(box).to_be_focused()
    expect(
        page.locator('[data-errors-for="text"] [data-code="personal_data"]').first
    ).to_be_visible()
    expect(page.locator("#capture-refused")).to_be_hidden()
    assert _capture_storage(page, workshop, "refused") is None
    assert _capture_storage(page, workshop, "draft")["text"] == refused

    corrected = "Ring fastlegen om legemiddellisten."
    box.fill(corrected)
    page.keyboard.press("Control+Enter")
    expect(page.locator("#input-2")).to_contain_text(corrected)
    expect(box).to_have_value("")
    texts = list(
        Input.objects.filter(workshop=workshop)
        .order_by("number")
        .values_list("text", flat=True)
    )
    assert texts == [following, corrected]
    assert not Input.objects.filter(text__contains="41234567").exists()

    # A waiting input refused while the box is empty goes straight back in.
    page.context.set_offline(True)
    second = "Svar til kari@example.no om dosering."
    page.keyboard.type(second)
    page.keyboard.press("Control+Enter")
    expect(page.locator("#pending-list li")).to_have_text(second)
    page.context.set_offline(False)
    expect(box).to_have_value(second)
    expect(
        page.locator('[data-errors-for="text"] [data-code="personal_data"]').first
    ).to_be_visible()
    expect(status).to_have_text(root.get_attribute("data-msg-waiting-refused"))
    expect(page.locator("#capture-refused")).to_be_hidden()
    assert Input.objects.filter(workshop=workshop).count() == 2
