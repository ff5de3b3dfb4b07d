"""The demo world's requirement specification: about 3,000 requirements per
scale unit for the shared health record, in nine chapters, with stakeholders
from the region, one published baseline and a few dozen changes after it.

The requirements are written in bulk (with their first history rows) so that
scale 10 loads in reasonable time; the changes after the baseline go through
the services like any user's edit. Texts are put together from phrases so
they vary; all choices come from ``world.rng``, so every build is the same.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.apps import apps
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from procurement.demo import DemoWorld, demo_step
from procurement.models import (
    KeySequence,
    Organisation,
    Requirement,
    RequirementLink,
    RequirementStakeholder,
    Section,
    Tag,
)
from procurement.models.specification import (
    build_snapshot,
    section_sort_key,
    snapshot_hash,
)
from procurement.services.specification import (
    baseline_publish,
    requirement_create,
    requirement_update,
)

REQUIREMENTS_PER_SCALE = 3000
BASELINE_LABEL = "Konkurransegrunnlag 2017-05"
BASELINE_DESCRIPTION = (
    "Kravspesifikasjonen slik den ble sendt til leverandørene med "
    "konkurransegrunnlaget i mai 2017."
)
LATER_EDITS = 24
LATER_ADDITIONS = 8
LATER_WITHDRAWALS = 6

Kind = Requirement.Kind
Status = Requirement.Status
Relation = RequirementStakeholder.Relation


@dataclass(frozen=True)
class Area:
    """A chapter of the specification. ``share`` is its part of all
    requirements; ``voices`` weighs who raises and endorses its requirements."""

    number: str
    title: str
    prefix: str
    share: float
    voices: dict[str, int]
    subsections: Sequence[tuple[str, Sequence[str]]]
    tags: Sequence[str]


# specialist: hospitals and the RHF; municipal: municipalities; primary: GP
# practices; user: user organisations; national: national bodies.
AREAS = [
    Area(
        "1",
        "Pasientjournal",
        "JOURN",
        0.22,
        {"specialist": 50, "municipal": 28, "primary": 16, "user": 6},
        [
            (
                "Journalføring og dokumentasjon",
                [
                    "kliniske notater",
                    "journalnotater",
                    "epikriser",
                    "innkomstjournaler",
                    "sykepleiedokumentasjon",
                    "dikterte notater",
                ],
            ),
            (
                "Kurve og observasjoner",
                [
                    "vitale parametere",
                    "væskebalanse",
                    "NEWS-skår",
                    "måleverdier fra medisinsk utstyr",
                    "smertevurderinger",
                ],
            ),
            (
                "Problemliste og diagnoser",
                [
                    "diagnoser etter ICD-10",
                    "problemlisten",
                    "kritisk informasjon",
                    "allergier og reaksjoner",
                    "prosedyrekoder",
                ],
            ),
            (
                "Henvisninger og rekvisisjoner",
                [
                    "henvisninger",
                    "laboratorierekvisisjoner",
                    "røntgenrekvisisjoner",
                    "svar på undersøkelser",
                    "prøvesvar",
                ],
            ),
            (
                "Pleieplaner og tiltak",
                [
                    "pleieplaner",
                    "tiltaksplaner",
                    "sjekklister",
                    "individuelle planer",
                ],
            ),
        ],
        ["strukturerte data", "pasientsikkerhet", "akuttmottak", "psykisk helse"],
    ),
    Area(
        "2",
        "Legemiddelhåndtering",
        "LEGEM",
        0.14,
        {"specialist": 45, "municipal": 32, "primary": 18, "user": 5},
        [
            (
                "Forskrivning og ordinasjon",
                [
                    "legemiddelordinasjoner",
                    "e-resepter",
                    "doseringsforslag",
                    "infusjonsordinasjoner",
                ],
            ),
            (
                "Legemiddelkurve og administrering",
                [
                    "legemiddelkurven",
                    "utdelingslister",
                    "administrerte doser",
                    "behovsmedisiner",
                ],
            ),
            (
                "Legemiddelsamstemming",
                [
                    "legemiddellisten",
                    "legemiddeldata fra Kjernejournal",
                    "pasientens egne legemidler",
                    "avvik i legemiddellisten",
                ],
            ),
            (
                "Beslutningsstøtte for legemidler",
                [
                    "interaksjonsvarsler",
                    "dosevarsler",
                    "allergivarsler",
                    "varsler om nedsatt nyrefunksjon",
                ],
            ),
        ],
        ["pasientsikkerhet", "beslutningsstøtte", "e-resept", "hjemmetjenesten"],
    ),
    Area(
        "3",
        "Innbyggertjenester",
        "INNB",
        0.08,
        {"specialist": 20, "municipal": 30, "primary": 18, "user": 32},
        [
            (
                "Timebestilling og avtaler",
                ["timebestillinger", "avbestillinger", "innkallinger", "påminnelser"],
            ),
            (
                "Innsyn i egen journal",
                [
                    "innsyn i journalen",
                    "prøvesvar til innbyggeren",
                    "innsynslogg",
                    "journaldokumenter",
                ],
            ),
            (
                "Digital dialog",
                [
                    "meldinger mellom pasient og behandler",
                    "videokonsultasjoner",
                    "skjemaer før konsultasjon",
                ],
            ),
            (
                "Egenregistrering og velferdsteknologi",
                [
                    "egenregistrerte målinger",
                    "data fra velferdsteknologi",
                    "symptomdagbøker",
                ],
            ),
            (
                "Pårørende og fullmakter",
                ["fullmakter", "pårørendeopplysninger", "representasjonsforhold"],
            ),
        ],
        ["Helsenorge", "universell utforming", "mobil", "pårørende"],
    ),
    Area(
        "4",
        "Samhandling",
        "SAMH",
        0.11,
        {"specialist": 30, "municipal": 38, "primary": 26, "user": 6},
        [
            (
                "Inn- og utskrivning",
                [
                    "innleggelsesrapporter",
                    "meldinger om utskrivningsklare pasienter",
                    "epikriser til kommunen",
                    "overføringer til kommunen",
                ],
            ),
            (
                "Pleie- og omsorgsmeldinger",
                [
                    "PLO-meldinger",
                    "helseopplysninger ved søknad om tjenester",
                    "avviksmeldinger",
                    "forespørsler mellom tjenestene",
                ],
            ),
            (
                "Felles planer og oppgaver",
                ["felles oppgavelister", "behandlingsplaner", "kriseplaner"],
            ),
            (
                "Samarbeid med fastlegen",
                [
                    "dialogmeldinger",
                    "henvisninger fra fastlegen",
                    "konsultasjonsnotater",
                    "den felles legemiddellisten",
                ],
            ),
        ],
        ["kommunal helse- og omsorgstjeneste", "fastlege", "hjemmetjenesten"],
    ),
    Area(
        "5",
        "Integrasjon",
        "INTEG",
        0.09,
        {"specialist": 55, "municipal": 18, "primary": 8, "national": 19},
        [
            (
                "Nasjonale e-helseløsninger",
                [
                    "oppslag i Kjernejournal",
                    "reseptformidleren",
                    "tjenester på Helsenorge",
                    "oppslag i Adresseregisteret",
                ],
            ),
            (
                "Standarder og grensesnitt",
                [
                    "HL7 FHIR-ressurser",
                    "meldinger etter ebXML-rammeverket",
                    "kodeverk fra Volven",
                    "åpne programmeringsgrensesnitt (API)",
                ],
            ),
            (
                "Medisinsk-tekniske systemer",
                [
                    "medisinsk-teknisk utstyr",
                    "måledata fra utstyr",
                    "overvåkingsmonitorer",
                ],
            ),
            (
                "Laboratorie- og radiologisystemer",
                ["laboratoriesystemet", "RIS og PACS", "patologisystemet"],
            ),
            (
                "Administrative systemer",
                ["personalsystemet", "økonomisystemet", "vaktplansystemet"],
            ),
        ],
        ["FHIR", "Kjernejournal", "e-resept", "strukturerte data"],
    ),
    Area(
        "6",
        "Informasjonssikkerhet og personvern",
        "SIKK",
        0.10,
        {"specialist": 48, "municipal": 24, "primary": 10, "user": 6, "national": 12},
        [
            (
                "Tilgangsstyring",
                [
                    "tilgang til journalen",
                    "roller og tilgangsgrupper",
                    "nødtilgang i akuttsituasjoner",
                ],
            ),
            (
                "Logging og logganalyse",
                ["tilgangsloggen", "logganalyser", "varsler om mistenkelig bruk"],
            ),
            (
                "Personvern og sperring",
                ["sperrede opplysninger", "reservasjoner", "samtykker"],
            ),
            (
                "Autentisering",
                [
                    "innlogging med smartkort",
                    "enkel pålogging (SSO)",
                    "tofaktorautentisering",
                ],
            ),
            (
                "Sikkerhetskopiering og gjenoppretting",
                ["sikkerhetskopier", "gjenoppretting av data"],
            ),
        ],
        ["Normen", "personvern", "logging"],
    ),
    Area(
        "7",
        "Drift og forvaltning",
        "DRIFT",
        0.08,
        {"specialist": 62, "municipal": 28, "primary": 10},
        [
            (
                "Tilgjengelighet og ytelse",
                ["svartider", "planlagt nedetid", "oppetid"],
            ),
            (
                "Overvåking og hendelseshåndtering",
                ["driftshendelser", "kapasitet", "feilmeldinger"],
            ),
            (
                "Oppgradering og versjonering",
                ["nye versjoner", "testmiljøer", "konfigurasjon"],
            ),
            (
                "Brukerstøtte og opplæring",
                ["brukerstøtte", "opplæringsmateriell", "superbrukernettverket"],
            ),
        ],
        ["drift", "ytelse", "opplæring"],
    ),
    Area(
        "8",
        "Arkitektur og teknologi",
        "ARK",
        0.07,
        {"specialist": 60, "municipal": 24, "primary": 6, "national": 10},
        [
            ("Løsningsarkitektur", ["datamodellen", "tjenestene", "modulene"]),
            (
                "Datalagring og migrering",
                [
                    "migrering av historiske data",
                    "arkivering",
                    "datauttrekk til kvalitetsregistre",
                ],
            ),
            (
                "Skalerbarhet",
                ["antall samtidige brukere", "datavekst", "regionale installasjoner"],
            ),
            (
                "Mobile løsninger",
                ["mobile enheter", "nettbrett", "frakoblet bruk"],
            ),
        ],
        ["mobil", "strukturerte data", "ytelse"],
    ),
    Area(
        "9",
        "Brukervennlighet",
        "BRUK",
        0.11,
        {"specialist": 40, "municipal": 30, "primary": 20, "user": 10},
        [
            (
                "Skjermbilder og navigasjon",
                ["skjermbildene", "menyene", "hurtigtaster"],
            ),
            (
                "Universell utforming",
                [
                    "kontrast og skriftstørrelse",
                    "støtte for skjermlesere",
                    "tastaturnavigasjon",
                ],
            ),
            (
                "Arbeidsflyt og effektivitet",
                ["arbeidslister", "maler", "favoritter"],
            ),
            (
                "Tilpasning for roller",
                ["rollebaserte oversikter", "personlige innstillinger"],
            ),
        ],
        ["universell utforming", "mobil", "brukerinvolvering"],
    ),
]

# (verb phrase, title noun)
ACTIONS = [
    ("registrere", "Registrering av"),
    ("vise", "Visning av"),
    ("søke i", "Søk i"),
    ("endre og korrigere", "Endring av"),
    ("signere", "Signering av"),
    ("skrive ut", "Utskrift av"),
    ("dele", "Deling av"),
    ("varsle om endringer i", "Varsel om endringer i"),
    ("eksportere", "Eksport av"),
    ("strukturere", "Strukturering av"),
    ("godkjenne", "Godkjenning av"),
    ("sortere og filtrere", "Sortering og filtrering av"),
    ("gjenbruke", "Gjenbruk av"),
    ("gi en samlet oversikt over", "Samlet oversikt over"),
    ("overvåke", "Overvåking av"),
    ("konfigurere", "Konfigurasjon av"),
    ("håndtere", "Håndtering av"),
    ("dokumentere endringer i", "Sporbarhet for"),
]
ROLES = [
    "legen",
    "sykepleieren",
    "helsesekretæren",
    "fastlegen",
    "hjemmesykepleien",
    "farmasøyten",
    "pasienten",
    "fysioterapeuten",
    "jordmoren",
    "saksbehandleren i kommunen",
    "systemforvalteren",
    "superbrukeren",
]
CONTEXTS = [
    "uten dobbeltregistrering",
    "på tvers av sykehus og kommuner",
    "i sanntid",
    "også på mobile enheter",
    "med sporbarhet for hvem som har gjort endringer",
    "for innlagte og polikliniske pasienter",
    "i hjemmetjenesten",
    "ved akutte innleggelser",
    "i samsvar med Normen",
    "som strukturerte data som kan gjenbrukes",
    "fra én felles pasientoversikt",
    "med færrest mulig klikk",
    "for flere pasienter samtidig",
    "innenfor brukerens tilgangsrettigheter",
    "på bokmål og nynorsk",
]
STATEMENTS = [
    "Løsningen skal kunne {action} {object} {context}.",
    "Løsningen skal gjøre det mulig for {role} å {action} {object} {context}.",
    "Løsningen skal støtte at {role} kan {action} {object} {context}.",
    "Løsningen skal la {role} {action} {object} {context}.",
]
REASONS = [
    "Dette reduserer risikoen for feil og misforståelser.",
    "Dette sparer tid for helsepersonellet.",
    "Dette gir bedre pasientsikkerhet.",
    "Dette er nødvendig for å oppfylle pasientjournalloven.",
    "Dette gir et bedre grunnlag for kliniske beslutninger.",
    "Dette gjør samarbeidet mellom tjenestenivåene enklere.",
    "Behovet ble meldt i flere arbeidsmøter.",
    "I dag skjer dette på papir eller i flere systemer.",
]
INSTRUCTIONS = [
    "Beskriv hvordan løsningen lar brukeren {action} {object}, og legg ved "
    "skjermbilder.",
    "Beskriv hvordan {role} kan {action} {object}, og vis arbeidsflyten steg for steg.",
    "Beskriv hvordan løsningen støtter dette, og oppgi om funksjonen er standard, "
    "konfigurerbar eller krever utvikling.",
    "Beskriv hvordan kravet oppfylles {context}, og oppgi eventuelle begrensninger.",
]
ABSOLUTE_INSTRUCTIONS = "Bekreft at kravet oppfylles, og beskriv kort hvordan."
INFORMATION_INSTRUCTIONS = (
    "Beskriv hvordan løsningen håndterer dette. Svaret er til informasjon og "
    "evalueres ikke."
)
RATIONALES = [
    "Innspill fra arbeidsmøtene om {section}.",
    "Foreslått av fagnettverket for {section}.",
    "Avklart i dialogmøte med brukerrepresentanter.",
    "Følger av nasjonale krav og anbefalinger.",
    "",
]
CROSS_TAGS = ["pasientsikkerhet", "mobil", "universell utforming"]
LINK_TYPES = ["avhenger av", "detaljerer", "relatert til"]

KIND_MIX = [(Kind.V, 68), (Kind.A, 14), (Kind.AV, 10), (Kind.I, 8)]
STATUS_MIX = [
    (Status.APPROVED, 88),
    (Status.IN_REVIEW, 6),
    (Status.DRAFT, 4),
    (Status.WITHDRAWN, 2),
]
WEIGHTS = [(Decimal(w), n) for w, n in [(1, 2), (2, 4), (3, 5), (4, 3), (5, 1)]]


def _pick(rng: random.Random, mix: Sequence[tuple]):
    return rng.choices([value for value, _ in mix], [w for _, w in mix])[0]


def _split(rng: random.Random, total: int, parts: int) -> list[int]:
    """``total`` in ``parts`` unequal pieces that add up exactly."""
    weights = [rng.uniform(0.7, 1.3) for _ in range(parts)]
    counts = [int(total * w / sum(weights)) for w in weights]
    for index in range(total - sum(counts)):
        counts[index % parts] += 1
    return counts


class _Voices:
    """The organisations that raise, endorse and own requirements, by kind of
    voice."""

    def __init__(self, world: DemoWorld):
        pools: dict[str, list[Organisation]] = {
            "specialist": [],
            "municipal": [],
            "primary": [],
            "user": [],
            "national": [],
        }
        kinds = Organisation.Kind
        for organisation in world.organisations.values():
            if organisation.kind in (
                kinds.REGIONAL_HEALTH_AUTHORITY,
                kinds.HEALTH_TRUST,
            ):
                pools["specialist"].append(organisation)
            elif organisation.kind == kinds.MUNICIPALITY:
                pools["municipal"].append(organisation)
            elif organisation.kind == kinds.GP_PRACTICE:
                pools["primary"].append(organisation)
            elif organisation.kind == kinds.USER_ORGANISATION:
                pools["user"].append(organisation)
            elif organisation.level == Organisation.Level.NATIONAL:
                pools["national"].append(organisation)
        self.pools = {name: pool for name, pool in pools.items() if pool}
        owners = world.objects["programme"].owners.order_by("name")
        self.specialist_owner = (
            next((o for o in owners if o.level == Organisation.Level.SPECIALIST), None)
            or self.pools["specialist"][0]
        )
        self.municipal_owner = (
            next((o for o in owners if o.level == Organisation.Level.MUNICIPAL), None)
            or self.pools["municipal"][0]
        )

    def pick(self, rng: random.Random, voices: dict[str, int]) -> Organisation:
        available = [(name, w) for name, w in voices.items() if name in self.pools]
        return rng.choice(self.pools[_pick(rng, available)])

    def for_requirement(
        self, rng: random.Random, area: Area
    ) -> list[tuple[Organisation, str]]:
        municipal = area.voices.get("municipal", 0) + area.voices.get("primary", 0)
        owner = (
            self.municipal_owner
            if rng.random() * 100 < municipal * 0.8
            else self.specialist_owner
        )
        links = {(owner.pk, Relation.OWNER): owner}
        for _ in range(1 + (rng.random() < 0.4)):
            organisation = self.pick(rng, area.voices)
            links[(organisation.pk, Relation.RAISED)] = organisation
        for _ in range(rng.choice([0, 0, 1, 1, 2, 3])):
            organisation = self.pick(rng, area.voices)
            links[(organisation.pk, Relation.ENDORSED)] = organisation
        return [
            (organisation, relation) for (_, relation), organisation in links.items()
        ]


def _texts(rng: random.Random, area: Area, subsection: str, objects, kind: str):
    action, title_noun = rng.choice(ACTIONS)
    obj = rng.choice(objects)
    words = {
        "action": action,
        "object": obj,
        "role": rng.choice(ROLES),
        "context": rng.choice(CONTEXTS),
        "section": subsection.lower(),
    }
    title = f"{title_noun} {obj}"
    if rng.random() < 0.35:
        title += f" {words['context']}"
    description = rng.choice(STATEMENTS).format(**words)
    description += " " + rng.choice(REASONS)
    if rng.random() < 0.25:
        description += " " + rng.choice(REASONS)
    if kind == Kind.A:
        instructions = ABSOLUTE_INSTRUCTIONS
    elif kind == Kind.I:
        instructions = INFORMATION_INSTRUCTIONS
    else:
        instructions = rng.choice(INSTRUCTIONS).format(**words)
    rationale = rng.choice(RATIONALES).format(**words)
    return title[0].upper() + title[1:], description, instructions, rationale


@demo_step(order=60)
def specification(world: DemoWorld) -> None:
    """Sections and requirements (with history, tags, stakeholders and
    links); the baseline follows the workshops (``specification_baseline``)."""
    rng = world.rng
    procurement = world.objects["procurement"]
    staff = world.objects["users"]["staff"]
    now = timezone.now()
    voices = _Voices(world)

    tag_names = sorted({name for area in AREAS for name in area.tags} | set(CROSS_TAGS))
    tags = {
        tag.name: tag
        for tag in Tag.objects.bulk_create(
            Tag(procurement=procurement, name=name) for name in tag_names
        )
    }

    chapters = Section.objects.bulk_create(
        Section(
            procurement=procurement,
            number=area.number,
            title=area.title,
            prefix=area.prefix,
            sort_key=section_sort_key(area.number),
        )
        for area in AREAS
    )
    subsections = Section.objects.bulk_create(
        Section(
            procurement=procurement,
            parent=chapter,
            number=f"{area.number}.{index}",
            title=title,
            sort_key=section_sort_key(f"{area.number}.{index}"),
        )
        for area, chapter in zip(AREAS, chapters, strict=True)
        for index, (title, _) in enumerate(area.subsections, start=1)
    )
    sections_by_number = {s.number: s for s in [*chapters, *subsections]}
    world.objects["sections"] = sections_by_number

    total = REQUIREMENTS_PER_SCALE * world.scale
    area_counts = [round(total * area.share) for area in AREAS]
    area_counts[0] += total - sum(area_counts)

    requirements: list[Requirement] = []
    requirement_tags: list[list[Tag]] = []
    requirement_voices: list[list[tuple[Organisation, str]]] = []
    areas_of: list[Area] = []
    last_numbers: dict[str, int] = {}
    for area, count in zip(AREAS, area_counts, strict=True):
        number = 0
        counts = _split(rng, count, len(area.subsections))
        for index, ((title, objects), n) in enumerate(
            zip(area.subsections, counts, strict=True), start=1
        ):
            section = sections_by_number[f"{area.number}.{index}"]
            for _ in range(n):
                number += 1
                kind = _pick(rng, KIND_MIX)
                status = _pick(rng, STATUS_MIX)
                heading, description, instructions, rationale = _texts(
                    rng, area, title, objects, kind
                )
                weight = _pick(rng, WEIGHTS) if kind in (Kind.V, Kind.AV) else None
                chosen = []
                if rng.random() < 0.7:
                    chosen.append(rng.choice(area.tags))
                if rng.random() < 0.2:
                    chosen.append(rng.choice(CROSS_TAGS))
                requirement_tags.append([tags[name] for name in sorted(set(chosen))])
                requirement_voices.append(voices.for_requirement(rng, area))
                areas_of.append(area)
                requirements.append(
                    Requirement(
                        procurement=procurement,
                        section=section,
                        key=f"{area.prefix}-{number:04d}",
                        title=heading,
                        description=description,
                        response_instructions=instructions,
                        kind=kind,
                        weight=weight,
                        status=status,
                        status_changed_at=None if status == Status.DRAFT else now,
                        status_changed_by=None if status == Status.DRAFT else staff,
                        rationale=rationale,
                    )
                )
        last_numbers[area.prefix] = number

    for requirement, chosen, links in zip(
        requirements, requirement_tags, requirement_voices, strict=True
    ):
        requirement.content_hash = snapshot_hash(
            build_snapshot(
                requirement, tags=[tag.name for tag in chosen], stakeholders=links
            )
        )

    requirements = bulk_create_with_history(
        requirements, Requirement, batch_size=1000, default_user=staff
    )
    KeySequence.objects.bulk_create(
        KeySequence(procurement=procurement, prefix=prefix, last_number=number)
        for prefix, number in last_numbers.items()
    )
    _tags_with_history(requirements, requirement_tags)
    bulk_create_with_history(
        [
            RequirementStakeholder(
                requirement=requirement, organisation=organisation, relation=relation
            )
            for requirement, links in zip(requirements, requirement_voices, strict=True)
            for organisation, relation in links
        ],
        RequirementStakeholder,
        batch_size=2000,
        default_user=staff,
    )
    _links(rng, requirements, areas_of, staff)
    world.log(f"    {len(requirements)} requirements in {len(subsections)} sections")

    # The baseline is published once the workshops' input is triaged (the
    # next step below, after the workshops step at order 65).
    world.objects["specification_pending"] = {
        "voices": voices,
        "requirement_ids": [requirement.pk for requirement in requirements],
        "subsections": subsections,
    }


@demo_step(order=67)
def specification_baseline(world: DemoWorld) -> None:
    """The published baseline, after the workshops' triage has added the
    raising organisations to the requirements, and a few dozen changes after
    it (dialogue with the vendors)."""
    pending = world.objects.pop("specification_pending")
    by_pk = Requirement.objects.in_bulk(pending["requirement_ids"])
    requirements = [by_pk[pk] for pk in pending["requirement_ids"]]
    world.objects["baseline"] = baseline_publish(
        by=world.objects["users"]["staff"],
        procurement=world.objects["procurement"],
        label=BASELINE_LABEL,
        description=BASELINE_DESCRIPTION,
    )
    _later_changes(
        world.rng, world, pending["voices"], requirements, pending["subsections"]
    )


def _tags_with_history(requirements, requirement_tags) -> None:
    """Tag links, and the same links on each requirement's first history row
    (what simple-history would have written for a one-by-one save)."""
    through = Requirement.tags.through
    rows = through.objects.bulk_create(
        (
            through(requirement_id=requirement.pk, tag_id=tag.pk)
            for requirement, chosen in zip(requirements, requirement_tags, strict=True)
            for tag in chosen
        ),
        batch_size=2000,
    )
    # The procurement's requirements were all created just now, in bulk.
    first_history = dict(
        Requirement.history.filter(
            procurement_id=requirements[0].procurement_id, history_type="+"
        ).values_list("id", "history_id")
    )
    history_tags = apps.get_model("procurement", "HistoricalRequirement_tags")
    history_tags.objects.bulk_create(
        (
            history_tags(
                history_id=first_history[row.requirement_id],
                id=row.pk,
                requirement_id=row.requirement_id,
                tag_id=row.tag_id,
            )
            for row in rows
        ),
        batch_size=2000,
    )


def _links(rng: random.Random, requirements, areas_of, staff) -> None:
    """About one requirement in twenty points at another in its chapter."""
    by_area: dict[str, list[Requirement]] = {}
    for requirement, area in zip(requirements, areas_of, strict=True):
        by_area.setdefault(area.prefix, []).append(requirement)
    links = {}
    for requirement, area in zip(requirements, areas_of, strict=True):
        if rng.random() >= 0.05:
            continue
        target = rng.choice(by_area[area.prefix])
        if target.pk != requirement.pk:
            link_type = rng.choice(LINK_TYPES)
            links[(requirement.pk, target.pk, link_type)] = RequirementLink(
                source=requirement, target=target, link_type=link_type
            )
    bulk_create_with_history(
        list(links.values()), RequirementLink, batch_size=2000, default_user=staff
    )


def _later_changes(
    rng: random.Random, world: DemoWorld, voices: _Voices, requirements, sections
) -> None:
    """Edits, new requirements and withdrawals after the baseline, through the
    services like any user's change."""
    staff = world.objects["users"]["staff"]
    procurement = world.objects["procurement"]
    approved = [r for r in requirements if r.status == Status.APPROVED]
    chosen = rng.sample(approved, LATER_EDITS + LATER_WITHDRAWALS)
    for requirement in chosen[:LATER_EDITS]:
        changes: dict = {
            "description": requirement.description + " " + rng.choice(REASONS)
        }
        if requirement.kind in (Kind.V, Kind.AV) and rng.random() < 0.5:
            changes["weight"] = min(requirement.weight + 1, Decimal(5))
        requirement_update(
            by=staff,
            requirement=requirement,
            expected_version=requirement.version,
            **changes,
        )
    for requirement in chosen[LATER_EDITS:]:
        requirement_update(
            by=staff,
            requirement=requirement,
            expected_version=requirement.version,
            status=Status.WITHDRAWN,
            rationale="Trukket etter dialogmøter med leverandørene.",
        )
    areas = {area.number: area for area in AREAS}
    for _ in range(LATER_ADDITIONS):
        section = rng.choice(sections)
        area = areas[section.number.split(".")[0]]
        title, objects = area.subsections[int(section.number.split(".")[1]) - 1]
        heading, description, instructions, _ = _texts(
            rng, area, title, objects, Kind.V
        )
        requirement_create(
            by=staff,
            procurement=procurement,
            section=section,
            title=heading,
            description=description,
            response_instructions=instructions,
            rationale="Nytt krav etter dialogmøter med leverandørene.",
            kind=Kind.V,
            weight=_pick(rng, WEIGHTS),
            status=Status.IN_REVIEW,
            tags=[rng.choice(area.tags)],
            stakeholders=voices.for_requirement(rng, area),
        )
