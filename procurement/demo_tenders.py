"""The demo world's tenders: three rounds of the competitive dialogue.

- Round 1, "Innledende tilbud" (initial tenders, May 2017): four tenders, or at
  scale N as many as N (up to the ten fictional vendors); no sealed envelope.
- Round 2, "Reviderte tilbud" (revised tenders, December 2017): three tenders;
  sealed price envelope, still closed: its evaluation is in consensus and the
  envelope opens only once the quality consensus is locked.
- Round 3, "Endelig tilbud" (final tenders, 2018): two tenders; sealed price
  envelope, still closed.

Every round answers the baseline "Konkurransegrunnlag 2017-05"; every tender
answers every requirement in it (a vendor-specific mix of yes, partly and no
with short answers) and carries a price basket of licences, implementation,
integration, training, ten years of operation and options for the
municipalities. All tenders are registered valid (the evaluation step rejects
one of round 1) and all rounds opened.

Rounds, tenders, statuses and prices go through the services like a user's
work (with events and history); the tens of thousands of answers are written
in bulk. The vendors are fictional, without organisation numbers. A random
generator of its own keeps this step's choices the same whatever the other
steps draw.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from procurement import demo_data, services
from procurement.demo import DEMO_SEED, DemoWorld, demo_step
from procurement.models import Organisation, Requirement, Response, TenderRound
from procurement.selectors.tenders import round_requirements
from procurement.services import tenders as tender_services
from procurement.services.tenders import PriceLineData

OSLO = ZoneInfo("Europe/Oslo")

# More fictional vendors, so that a scale of up to ten has as many tenders.
EXTRA_VENDORS = [
    "Lundefjell Journalsystemer AS",
    "Skarvholmen Klinikkprogram AS",
    "Tjeldvika Helsedata AS",
    "Ærfuglnes Digital Omsorg AS",
    "Lomvikodden Systemhus AS",
]

# number, kind, name, deadline, tenders at scale 1, sealed, envelope opened
ROUNDS = [
    (
        1,
        TenderRound.Kind.INITIAL,
        "Innledende tilbud",
        datetime(2017, 5, 3, 12, 0, tzinfo=OSLO),
        4,
        False,
        None,
    ),
    (
        2,
        TenderRound.Kind.REVISED,
        "Reviderte tilbud",
        datetime(2017, 12, 1, 12, 0, tzinfo=OSLO),
        3,
        True,
        None,
    ),
    (
        3,
        TenderRound.Kind.FINAL,
        "Endelig tilbud",
        datetime(2018, 12, 3, 12, 0, tzinfo=OSLO),
        2,
        True,
        None,
    ),
]

# item, quantity, unit price in NOK at the reference level (round 1, an
# average vendor). Ten years of licences and operation, one implementation.
PRICE_BASKET = [
    ("Lisenser spesialisthelsetjenesten, per år", 10, Decimal("62000000")),
    ("Lisenser kommuner og fastleger, per år", 10, Decimal("18500000")),
    ("Implementering og innføring", 1, Decimal("640000000")),
    (
        "Integrasjoner mot nasjonale e-helsetjenester, per integrasjon",
        24,
        Decimal("3900000"),
    ),
    ("Opplæring av superbrukere, per kursdag", 900, Decimal("14500")),
    ("Drift og forvaltning, per år", 10, Decimal("71000000")),
    ("Opsjon: tilslutning av kommune, per kommune", 84, Decimal("2350000")),
]
# Each later round brings prices down a little.
ROUND_PRICE_FACTOR = {1: Decimal("1"), 2: Decimal("0.94"), 3: Decimal("0.91")}

ANSWERS = {
    Response.Compliance.YES: [
        "Dekkes av standardløsningen.",
        "Støttes i gjeldende versjon; se løsningsbeskrivelsen.",
        "Dekkes fullt ut, konfigurerbart per helseforetak og kommune.",
        "Ja. Funksjonen er i bruk hos flere kunder i Norden.",
        "Dekkes; arbeidsflyten kan tilpasses uten programmering.",
    ],
    Response.Compliance.PARTLY: [
        "Dekkes delvis; resten krever konfigurasjon i innføringen.",
        "Planlagt i neste hovedversjon (2018).",
        "Delvis: norsk tilpasning utvikles i innføringsprosjektet.",
        "Dekkes delvis gjennom integrasjon med tredjepartsløsning.",
    ],
    Response.Compliance.NO: [
        "Dekkes ikke i dag; kan utvikles som tilpasning.",
        "Ikke støttet. Se alternativ arbeidsflyt i vedlegg.",
        "Nei, leverandøren foreslår en annen løsning i dialogen.",
    ],
}
REFERENCES = [
    "Vedlegg 2 Løsningsbeskrivelse, kap. {chapter}",
    "Vedlegg 2, kap. {chapter}.{sub}",
    "Løsningsbeskrivelse {chapter}.{sub}; demo i dialogmøte",
    "",
]


def _vendors(world: DemoWorld, wanted: int) -> list[Organisation]:
    vendors = [world.organisations[v["name"]] for v in demo_data.VENDORS]
    for name in EXTRA_VENDORS[: max(0, wanted - len(vendors))]:
        vendor = services.organisation_create(
            by=None,
            name=name,
            kind=Organisation.Kind.VENDOR,
            level=Organisation.Level.PRIVATE,
            note="Fiktiv leverandør i demoverdenen.",
        )
        world.organisations[name] = vendor
        vendors.append(vendor)
    return vendors[:wanted]


@demo_step(order=70)
def tenders(world: DemoWorld) -> None:
    """Three dialogue rounds with tenders, prices and answers (see the module)."""
    rng = random.Random(f"tenders-{DEMO_SEED}")
    procurement = world.objects["procurement"]
    baseline = world.objects["baseline"]
    users = world.objects["users"]
    staff, lead = users["staff"], users["lead"]
    first_round_size = max(ROUNDS[0][4], world.scale)
    vendors = _vendors(world, first_round_size)
    # How well each vendor's solution fits: the share of "yes" answers.
    fit = {vendor.pk: rng.uniform(0.55, 0.85) for vendor in vendors}
    price_level = {
        vendor.pk: Decimal(str(rng.uniform(0.85, 1.2))) for vendor in vendors
    }

    requirement_ids = dict(
        Requirement.objects.filter(procurement=procurement).values_list("key", "pk")
    )
    rounds: dict[int, TenderRound] = {}
    round_tenders: dict[int, list] = {}
    in_round = vendors
    answers_written = 0
    for number, kind, name, deadline, size, sealed, envelope_opened in ROUNDS:
        round = tender_services.round_create(
            procurement=procurement,
            number=number,
            kind=kind,
            name=name,
            baseline=baseline,
            deadline=deadline,
            sealed_prices=sealed,
            by=staff,
        )
        if number > 1:
            # The vendors that go on: the best fits of the previous round.
            in_round = sorted(in_round, key=lambda v: -fit[v.pk])[:size]
        items = list(
            round_requirements(round).values_list("key", "kind", "section_number")
        )
        tenders = []
        for vendor in in_round:
            received = deadline - timedelta(hours=rng.randint(2, 70))
            tender = tender_services.tender_register(
                round=round, vendor=vendor, received_at=received, by=staff
            )
            tender_services.price_lines_save(
                tender=tender,
                lines=_price_lines(
                    rng, price_level[vendor.pk] * ROUND_PRICE_FACTOR[number]
                ),
                by=lead if sealed else staff,
            )
            tender = tender_services.tender_set_status(
                tender=tender, status="valid", by=staff
            )
            answers_written += _answers(
                rng, tender, items, requirement_ids, fit[vendor.pk] + 0.04 * number
            )
            tenders.append(tender)
        tender_services.round_open(round=round, by=staff)
        # The opening happened when the deadline had passed, not today.
        TenderRound.objects.filter(pk=round.pk).update(
            opened_at=deadline + timedelta(hours=1)
        )
        if envelope_opened is not None:
            tender_services.round_open_prices(round=round, by=lead)
            TenderRound.objects.filter(pk=round.pk).update(
                prices_opened_at=envelope_opened
            )
        round.refresh_from_db()
        rounds[number] = round
        round_tenders[number] = tenders
    world.objects["tender_rounds"] = rounds
    world.objects["tenders"] = round_tenders
    world.log(
        f"    {sum(len(t) for t in round_tenders.values())} tenders in "
        f"{len(rounds)} rounds, {answers_written} answers"
    )


def _price_lines(rng: random.Random, level: Decimal) -> list[PriceLineData]:
    lines = []
    for item, quantity, unit_price in PRICE_BASKET:
        spread = Decimal(str(rng.uniform(0.9, 1.1)))
        price = (unit_price * level * spread).quantize(Decimal("1000"))
        lines.append(PriceLineData(item, Decimal(quantity), price))
    return lines


def _answers(rng, tender, items, requirement_ids, yes_share: float) -> int:
    yes_share = min(yes_share, 0.95)
    partly_share = (1 - yes_share) * 0.7
    responses = []
    for key, kind, section_number in items:
        requirement_id = requirement_ids.get(key)
        if requirement_id is None:
            continue
        draw = rng.random()
        # Absolute requirements are minimums: vendors meet nearly all of them.
        if kind in (Requirement.Kind.A, Requirement.Kind.AV):
            draw *= 0.3
        if draw < yes_share:
            compliance = Response.Compliance.YES
        elif draw < yes_share + partly_share:
            compliance = Response.Compliance.PARTLY
        else:
            compliance = Response.Compliance.NO
        chapter, _, sub = section_number.partition(".")
        responses.append(
            Response(
                tender=tender,
                requirement_id=requirement_id,
                compliance=compliance,
                answer=rng.choice(ANSWERS[compliance]),
                reference=rng.choice(REFERENCES).format(chapter=chapter, sub=sub or 1),
            )
        )
    Response.objects.bulk_create(responses, batch_size=2000)
    return len(responses)
