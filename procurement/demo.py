"""The demo world: a Helseplattformen-like programme, built deterministically.

Each app adds its part by registering steps in its own ``demo`` module::

    from procurement.demo import DemoWorld, demo_step

    @demo_step(order=200)
    def workshops(world: DemoWorld) -> None:
        ...

``build_demo_world`` imports every app's ``demo`` module, then runs all steps in
order inside one transaction, so a failure leaves the database as it was.
Steps share what they made through ``world`` (organisations by name, the
programme, the procurement, the demo users).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils.module_loading import autodiscover_modules

from procurement import demo_data, services
from procurement.models import (
    ADMINISTRATORS_GROUP,
    PROGRAMME_STAFF_GROUP,
    Membership,
    OptionAgreement,
    Organisation,
    Procurement,
)

DEMO_PASSWORD = "kravspor-demo"
DEMO_PROCUREMENT_REFERENCE = "HP-EPJ-2016"
DEMO_SEED = 2016

# user name, full name, role on the demo procurement (None: administrator)
DEMO_USERS: list[tuple[str, str, str | None]] = [
    ("staff", "Siri Stab", Membership.Role.STAFF),
    ("evaluator", "Eirik Evaluator", Membership.Role.EVALUATOR),
    ("lead", "Live Leder", Membership.Role.LEAD),
    ("manager", "Magnus Ledelse", Membership.Role.MANAGEMENT),
    ("admin", "Anne Admin", None),
]


@dataclass
class DemoWorld:
    scale: int
    rng: random.Random
    log: Callable[[str], None]
    organisations: dict[str, Organisation] = field(default_factory=dict)
    objects: dict[str, Any] = field(default_factory=dict)


DemoStep = Callable[[DemoWorld], None]
_steps: list[tuple[int, str, DemoStep]] = []


def demo_step(*, order: int) -> Callable[[DemoStep], DemoStep]:
    """Register a step of the demo world; lower orders run first."""

    def register(function: DemoStep) -> DemoStep:
        name = f"{function.__module__}.{function.__name__}"
        if all(existing != name for _, existing, _ in _steps):
            _steps.append((order, name, function))
        return function

    return register


def build_demo_world(
    *, scale: int = 1, log: Callable[[str], None] = print
) -> DemoWorld:
    """Build the whole demo world at ``scale`` (1 = Helseplattformen's size)."""
    if scale < 1:
        raise ValueError("scale must be at least 1")
    autodiscover_modules("demo")
    world = DemoWorld(scale=scale, rng=random.Random(DEMO_SEED), log=log)
    with transaction.atomic():
        for _, name, step in sorted(_steps, key=lambda item: (item[0], item[1])):
            log(f"  {name.rsplit('.', 1)[-1].replace('_', ' ')} …")
            step(world)
    return world


def _add_organisation(world: DemoWorld, **fields: Any) -> Organisation:
    parent_name = fields.pop("parent", None)
    if parent_name:
        fields["parent"] = world.organisations[parent_name]
    organisation = services.organisation_create(by=None, **fields)
    world.organisations[organisation.name] = organisation
    return organisation


_FIRST_MORE_PRACTICE = 29


@demo_step(order=10)
def organisations(world: DemoWorld) -> None:
    for body in demo_data.REGIONAL_BODIES:
        _add_organisation(world, **body)
    for municipality in demo_data.MUNICIPALITIES:
        _add_organisation(
            world,
            kind=Organisation.Kind.MUNICIPALITY,
            level=Organisation.Level.MUNICIPAL,
            **municipality,
        )
    by_county: dict[str, list[str]] = {}
    for municipality in demo_data.MUNICIPALITIES:
        by_county.setdefault(municipality["county"], []).append(municipality["name"])
    for copy in range(world.scale):
        for index, name in enumerate(demo_data.GP_PRACTICE_NAMES):
            # The list names places in Trøndelag first, then in Møre og Romsdal.
            county = "trondelag" if index < _FIRST_MORE_PRACTICE else "more_og_romsdal"
            names = by_county[county]
            municipality = world.organisations[names[index % len(names)]]
            _add_organisation(
                world,
                name=name if copy == 0 else f"{name} {copy + 1}",
                kind=Organisation.Kind.GP_PRACTICE,
                level=Organisation.Level.PRIMARY,
                county=municipality.county,
                note="Fiktivt legekontor i demoverdenen.",
            )
    for user_organisation in demo_data.USER_ORGANISATIONS:
        _add_organisation(world, **user_organisation)
    for vendor in demo_data.VENDORS:
        _add_organisation(
            world,
            kind=Organisation.Kind.VENDOR,
            level=Organisation.Level.PRIVATE,
            note="Fiktiv leverandør i demoverdenen.",
            **vendor,
        )
    world.log(f"    {len(world.organisations)} organisations")


# Roughly how the municipalities of Central Norway answered the option offer.
_OPTION_MIX = [
    (OptionAgreement.Status.EXERCISED, 30),
    (OptionAgreement.Status.SIGNED, 35),
    (OptionAgreement.Status.OFFERED, 20),
    (OptionAgreement.Status.DECLINED, 15),
]


@demo_step(order=20)
def programme(world: DemoWorld) -> None:
    owners = [
        world.organisations["Helse Midt-Norge RHF"],
        world.organisations["Trondheim kommune"],
    ]
    programme = services.programme_create(
        by=None,
        name=demo_data.PROGRAMME["name"],
        description=demo_data.PROGRAMME["description"],
        owners=owners,
    )
    world.objects["programme"] = programme
    statuses = [status for status, _ in _OPTION_MIX]
    weights = [weight for _, weight in _OPTION_MIX]
    for municipality in demo_data.MUNICIPALITIES:
        organisation = world.organisations[municipality["name"]]
        if organisation in owners:
            continue
        status = world.rng.choices(statuses, weights)[0]
        offered = date(2019, 6, 1) + timedelta(days=world.rng.randrange(0, 120))
        dates: dict[str, date] = {"offered_on": offered}
        if status in (OptionAgreement.Status.SIGNED, OptionAgreement.Status.EXERCISED):
            dates["signed_on"] = offered + timedelta(days=world.rng.randrange(30, 240))
        if status == OptionAgreement.Status.EXERCISED:
            dates["exercised_on"] = dates["signed_on"] + timedelta(
                days=world.rng.randrange(60, 700)
            )
        if status == OptionAgreement.Status.DECLINED:
            dates["declined_on"] = offered + timedelta(
                days=world.rng.randrange(30, 365)
            )
        services.option_agreement_save(
            by=None,
            programme=programme,
            organisation=organisation,
            status=status,
            **dates,
        )


@demo_step(order=30)
def announcements(world: DemoWorld) -> None:
    for item in demo_data.ANNOUNCEMENTS:
        services.announcement_save(
            by=None,
            programme=world.objects["programme"],
            title=item["title"],
            body=item["body"],
            published_on=date.fromisoformat(item["published_on"]),
        )


KEY_DATES = [
    (date(2016, 8, 29), "Konkurransen kunngjort"),
    (date(2016, 10, 17), "Frist for søknad om prekvalifisering"),
    (date(2016, 11, 24), "Prekvalifisering: 5 av 11 søkere går videre"),
    (date(2017, 5, 3), "Innledende tilbud mottatt (fire tilbud)"),
    (date(2017, 12, 1), "Reviderte tilbud mottatt"),
    (date(2018, 1, 15), "To leverandører går videre i dialogen (januar 2018)"),
    (date(2018, 11, 15), "Endelig konkurransegrunnlag vedtatt; endelig tilbud (2018)"),
]


@demo_step(order=40)
def procurement(world: DemoWorld) -> None:
    world.objects["procurement"] = services.procurement_save(
        by=None,
        programme=world.objects["programme"],
        reference=DEMO_PROCUREMENT_REFERENCE,
        title="Felles pasientjournal for Midt-Norge",
        description=(
            "Anskaffelse av én felles elektronisk pasientjournal og "
            "pasientadministrativt "
            "system for sykehus, kommuner og fastleger i Midt-Norge. Tildeling etter "
            "ytelse, risiko og pris."
        ),
        procedure=Procurement.Procedure.COMPETITIVE_DIALOGUE,
        phase=Procurement.Phase.EVALUATION,
        key_dates=KEY_DATES,
    )


@demo_step(order=50)
def users(world: DemoWorld) -> None:
    User = get_user_model()
    # get_or_create: a flushed test database has lost the migration's groups.
    staff_group, _ = Group.objects.get_or_create(name=PROGRAMME_STAFF_GROUP)
    admin_group, _ = Group.objects.get_or_create(name=ADMINISTRATORS_GROUP)
    procurement = world.objects["procurement"]
    demo_users = {}
    for username, full_name, role in DEMO_USERS:
        first_name, last_name = full_name.split(" ", 1)
        user = User.objects.create_user(
            username=username,
            password=DEMO_PASSWORD,
            first_name=first_name,
            last_name=last_name,
            email="",
        )
        if role is None:
            # An administrator by group, not a superuser, so the group's
            # permissions are what the demo shows.
            user.is_staff = True
            user.save(update_fields=["is_staff"])
            user.groups.add(admin_group)
        else:
            services.membership_grant(
                by=None, user=user, procurement=procurement, role=role
            )
        if role == Membership.Role.STAFF:
            user.groups.add(staff_group)
        demo_users[username] = user
    world.objects["users"] = demo_users


def describe_logins() -> list[str]:
    """The demo logins as lines to print."""
    lines = [f"Demo logins (password for all: {DEMO_PASSWORD}):"]
    for username, full_name, role in DEMO_USERS:
        what = (
            dict(Membership.Role.choices).get(role, "Administrator")
            if role
            else "Administrator"
        )
        lines.append(f"  {username:<10} {full_name:<18} {what}")
    lines.append(
        "  evaluator01 … evaluator40: the evaluation panel (one declared a conflict)"
    )
    return lines


from procurement import demo_specification, demo_tenders  # noqa: E402,F401  (registers their steps)
