"""The demo world's workshops: about 100 workshops in 2016–2017 with about
400 participants from the region's hospitals, municipalities, GP practices
and user organisations, and about 5,000 inputs with a realistic triage state,
per scale unit.

Runs after the specification (order 65). The chapters of the demo
specification are the workshop areas. Accepted and merged inputs are linked
to requirements of their area, mostly ones the raising organisations had
raised, a third to requirements another level's input went to; as triage
does on a page, the raisers become the requirement's stakeholders. A few
areas never hear a GP, so the dashboard's balance flags show. Everything is
written in bulk; every choice comes from ``world.rng``, so each build is the
same.
"""

from __future__ import annotations

import bisect
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import OuterRef, Subquery
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from procurement.demo import DemoWorld, demo_step
from procurement.demo_specification import ACTIONS, AREAS, CONTEXTS, ROLES, STATEMENTS
from procurement.models import Organisation, Requirement, RequirementStakeholder
from procurement.models.specification import snapshot_hash
from workshops.models import Attendance, Input, Participant, Workshop

WORKSHOPS_PER_SCALE = 100
PARTICIPANTS_PER_SCALE = 400
INPUTS_PER_SCALE = 5000
# Chapters whose workshops had no GP in the room (by chapter number).
AREAS_WITHOUT_GP = frozenset({"5", "7", "8"})
FIRST_DAY = date(2016, 1, 11)
LAST_DAY = date(2017, 11, 30)

Profession = Participant.Profession
Status = Input.Status
Kind = Input.Kind

# Invented combinations of common Norwegian first and family names.
FIRST_NAMES = [
    "Anne", "Astrid", "Berit", "Bjørn", "Dag", "Eirik", "Elin", "Erik",
    "Gunn", "Hanne", "Hans", "Heidi", "Ingrid", "Ivar", "Jan", "Jorunn",
    "Karin", "Kjell", "Knut", "Kristin", "Lars", "Linda", "Magne", "Marit",
    "Martin", "Mona", "Nina", "Odd", "Ola", "Randi", "Rune", "Sigrid",
    "Silje", "Solveig", "Stein", "Sverre", "Terje", "Tone", "Torunn", "Trond",
    "Turid", "Vidar", "Wenche", "Øystein", "Åse", "Ragnhild", "Geir", "Liv",
]  # fmt: skip
LAST_NAMES = [
    "Aune", "Berg", "Bjerkeli", "Brekke", "Dahl", "Eide", "Engen", "Fossum",
    "Gjerde", "Grønning", "Haugen", "Hegge", "Holm", "Hovde", "Husby",
    "Kvam", "Lien", "Lyngstad", "Moe", "Myhre", "Nygård", "Opdal", "Reitan",
    "Rønning", "Sandvik", "Skjervold", "Solberg", "Strand", "Sæther",
    "Tangen", "Torvik", "Ulstad", "Vik", "Viken", "Wold", "Øien", "Ås",
]  # fmt: skip

# Who comes from each kind of voice (part of all participants).
VOICE_SHARES = {
    "specialist": 44,
    "municipal": 31,
    "primary": 13,
    "user": 8,
    "national": 4,
}
PROFESSIONS = {
    "specialist": {
        Profession.DOCTOR: 26,
        Profession.NURSE: 28,
        Profession.HEALTH_WORKER: 4,
        Profession.PHARMACIST: 3,
        Profession.PSYCHOLOGIST: 3,
        Profession.THERAPIST: 5,
        Profession.BIOMEDICAL: 5,
        Profession.SECRETARY: 8,
        Profession.ICT: 12,
        Profession.MANAGER: 6,
    },
    "pharmacy": {Profession.PHARMACIST: 80, Profession.ICT: 10, Profession.MANAGER: 10},
    "municipal": {
        Profession.NURSE: 30,
        Profession.HEALTH_WORKER: 20,
        Profession.DOCTOR: 5,
        Profession.THERAPIST: 8,
        Profession.PSYCHOLOGIST: 2,
        Profession.SECRETARY: 4,
        Profession.ICT: 12,
        Profession.MANAGER: 15,
        Profession.USER_REPRESENTATIVE: 2,
        Profession.OTHER: 2,
    },
    "primary": {Profession.DOCTOR: 70, Profession.SECRETARY: 20, Profession.NURSE: 10},
    "user": {Profession.USER_REPRESENTATIVE: 1},
    "national": {Profession.ICT: 50, Profession.MANAGER: 30, Profession.OTHER: 20},
}
# Larger organisations send more people.
ORGANISATION_WEIGHTS = {
    "St. Olavs hospital HF": 40,
    "Helse Møre og Romsdal HF": 25,
    "Helse Nord-Trøndelag HF": 15,
    "Helse Midt-Norge RHF": 8,
    "Hemit HF": 7,
    "Sykehusapotekene i Midt-Norge HF": 5,
    "Trondheim kommune": 40,
    "Ålesund kommune": 6,
    "Molde kommune": 5,
    "Kristiansund kommune": 4,
    "Steinkjer kommune": 4,
    "Levanger kommune": 3,
    "Stjørdal kommune": 3,
    "Namsos kommune": 3,
}

LOCATIONS = [
    ("St. Olavs hospital, Kunnskapssenteret", 22),
    ("St. Olavs hospital, Øya helsehus", 10),
    ("Trondheim rådhus", 10),
    ("Helse Midt-Norge RHF, Stjørdal", 8),
    ("Molde sjukehus", 7),
    ("Ålesund sjukehus", 7),
    ("Kristiansund sjukehus", 4),
    ("Volda sjukehus", 3),
    ("Sykehuset Levanger", 6),
    ("Sykehuset Namsos", 4),
    ("Orkdal sjukehus", 3),
    ("Ålesund rådhus", 3),
    ("Steinkjer rådhus", 3),
    ("Molde rådhus", 2),
]
TITLES = [
    "Arbeidsverksted: {sub}",
    "{sub} – behov i {setting}",
    "Fagmøte om {sub_lower}",
    "{area}: {sub_lower}",
    "Arbeidsmøte om {sub_lower} i {setting}",
]
SETTINGS = [
    "sykehus",
    "kommunene",
    "hjemmetjenesten",
    "sykehjem",
    "akuttmottaket",
    "psykisk helsevern",
    "poliklinikken",
]
SUMMARY_OPENINGS = [
    "Arbeidsverkstedet samlet {people} deltakere fra {organisations} "
    "organisasjoner og ga {inputs} innspill om {sub_lower}.",
    "{people} deltakere fra {organisations} organisasjoner gikk gjennom "
    "arbeidsflyten for {sub_lower}; {inputs} innspill ble registrert.",
]
SUMMARY_POINTS = [
    "Deltakerne var særlig opptatt av at informasjonen skal registreres én gang.",
    "Samhandlingen mellom sykehus og kommune ble trukket fram som viktigst.",
    "Flere pekte på behovet for bedre oversikt i akutte situasjoner.",
    "Brukerrepresentantene ba om at pasientens egne opplysninger blir synlige.",
    "Det var enighet om å prioritere strukturerte data framfor fritekst.",
    "Mobil bruk i hjemmetjenesten ble diskutert grundig.",
]
KIND_MIX = [
    (Kind.NEED, 40),
    (Kind.REQUIREMENT_PROPOSAL, 30),
    (Kind.PROBLEM, 20),
    (Kind.IDEA, 10),
]
NEEDS = [
    "Vi trenger å kunne {action} {object} {context}.",
    "Som {role_plain} må jeg kunne {action} {object} uten å bytte system.",
    "{Role} må få {object} presentert samlet, {context}.",
    "Vi må kunne {action} {object} også når pasienten flyttes mellom tjenestene.",
]
PROBLEMS = [
    "I dag må vi registrere {object} flere ganger, og det gir feil.",
    "Det er vanskelig å finne {object} når pasienten flyttes mellom avdelinger.",
    "Vi mangler oversikt over {object} på tvers av sykehus og kommune.",
    "Dagens løsning viser ikke {object} {context}, så vi bruker papirlapper.",
    "Det tar for lang tid å {action} {object} i dagens systemer.",
]
IDEAS = [
    "Det hadde vært nyttig om {role} fikk varsel om endringer i {object}.",
    "Kanskje {object} kunne hentes automatisk fra andre systemer?",
    "Forslag: la {role} {action} {object} fra mobilen.",
    "Hva om {object} kunne vises på en tidslinje {context}?",
]
ROLE_NOUNS = [
    "lege",
    "sykepleier",
    "helsesekretær",
    "fastlege",
    "farmasøyt",
    "fysioterapeut",
    "jordmor",
    "helsefagarbeider",
    "saksbehandler i kommunen",
    "avdelingsleder",
]
LINKED = [
    "{title} – dette må være med i kravspesifikasjonen.",
    "{title}: viktig for oss i det daglige arbeidet.",
    "{title}. Dette savner vi i dagens system.",
    "Vi trenger {title_lower} {context}.",
]
DUPLICATE_OPENINGS = ["Også meldt her: ", "Samme behov: ", "Vi støtter dette: ", ""]
REJECTION_REASONS = [
    "Utenfor omfanget av anskaffelsen.",
    "Gjelder organisering av arbeidet, ikke løsningen.",
    "Dekkes av nasjonale løsninger utenfor kontrakten.",
    "For detaljert til å stå som krav; tas med i innføringsprosjektet.",
    "Løses gjennom opplæring, ikke i systemet.",
    "Ikke forenlig med kravene i Normen.",
]
DUPLICATE_REASON = "Samme innspill er registrert tidligere."
# Shares of all inputs by triage outcome.
LINKED_SHARE = 0.55
CROSS_LEVEL_SHARE = 0.33
ACCEPTED_OF_LINKED = 40 / 55
DUPLICATE_SHARE = 0.10
REJECTED_SHARE = 0.10


def _pick(rng: random.Random, mix: dict | list):
    pairs = list(mix.items()) if isinstance(mix, dict) else mix
    return rng.choices([value for value, _ in pairs], [w for _, w in pairs])[0]


def _split(rng: random.Random, total: int, weights: list[float]) -> list[int]:
    """``total`` in parts proportional to ``weights`` that add up exactly."""
    scale = sum(weights) or 1
    counts = [int(total * weight / scale) for weight in weights]
    positive = [index for index, weight in enumerate(weights) if weight > 0]
    for index in rng.sample(positive, len(positive))[: total - sum(counts)]:
        counts[index] += 1
    return counts


def _voice(organisation: Organisation) -> str | None:
    kinds = Organisation.Kind
    if organisation.kind in (kinds.REGIONAL_HEALTH_AUTHORITY, kinds.HEALTH_TRUST):
        return "specialist"
    if organisation.kind == kinds.MUNICIPALITY:
        return "municipal"
    if organisation.kind == kinds.GP_PRACTICE:
        return "primary"
    if organisation.kind == kinds.USER_ORGANISATION:
        return "user"
    if organisation.level == Organisation.Level.NATIONAL:
        return "national"
    return None


@dataclass
class _Plan:
    """One workshop before it is written."""

    area: object  # demo_specification.Area
    starts_at: datetime
    status: str
    subsection: str
    attendees: list[Participant] = field(default_factory=list)
    inputs: int = 0


@demo_step(order=65)
def workshops(world: DemoWorld) -> None:
    """Participants, workshops, attendance and inputs with their triage."""
    rng = world.rng
    procurement = world.objects["procurement"]
    staff = world.objects["users"]["staff"]
    chapters = {
        number: section
        for number, section in world.objects["sections"].items()
        if "." not in number
    }

    pools = _participants(world, rng, procurement)
    plans = _plans(world, rng, pools)
    created = _workshops(world, rng, procurement, plans, chapters, staff)
    inputs = _inputs(world, rng, procurement, created, chapters, staff)
    world.log(
        f"    {len(created)} workshops, "
        f"{sum(len(pool) for pool in pools.values())} participants, "
        f"{inputs} inputs"
    )


def _participants(
    world: DemoWorld, rng: random.Random, procurement
) -> dict[str, list[Participant]]:
    organisations: dict[str, list[Organisation]] = defaultdict(list)
    for organisation in world.organisations.values():
        voice = _voice(organisation)
        if voice:
            organisations[voice].append(organisation)
    total = PARTICIPANTS_PER_SCALE * world.scale
    voices = list(VOICE_SHARES)
    counts = _split(rng, total, [VOICE_SHARES[voice] for voice in voices])
    taken: set[tuple[str, int]] = set()
    people: list[Participant] = []
    for voice, count in zip(voices, counts, strict=True):
        pool = organisations[voice]
        weights = [ORGANISATION_WEIGHTS.get(org.name, 2) for org in pool]
        for _ in range(count):
            organisation = rng.choices(pool, weights)[0]
            table = "pharmacy" if "apotek" in organisation.name else voice
            profession = _pick(rng, PROFESSIONS[table])
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
            while (name, organisation.pk) in taken:
                name = (
                    f"{rng.choice(FIRST_NAMES)} {rng.choice(FIRST_NAMES)[0]}. "
                    f"{rng.choice(LAST_NAMES)}"
                )
            taken.add((name, organisation.pk))
            people.append(
                Participant(
                    procurement=procurement,
                    name=name,
                    profession=profession,
                    organisation=organisation,
                    user_representative=profession == Profession.USER_REPRESENTATIVE,
                )
            )
    people = Participant.objects.bulk_create(people, batch_size=2000)
    pools: dict[str, list[Participant]] = defaultdict(list)
    by_pk = {org.pk: org for orgs in organisations.values() for org in orgs}
    for person in people:
        pools[_voice(by_pk[person.organisation_id])].append(person)
    return pools


def _plans(world: DemoWorld, rng: random.Random, pools) -> list[_Plan]:
    total = WORKSHOPS_PER_SCALE * world.scale
    days = (LAST_DAY - FIRST_DAY).days
    dates = []
    while len(dates) < total:
        day = FIRST_DAY + timedelta(days=rng.randrange(days))
        if day.weekday() < 5 and not (
            day.month == 7 or (day.month == 12 and day.day > 20)
        ):
            dates.append(day)
    dates.sort()
    planned = max(1, round(total * 0.04))
    held = round(total * 0.11)
    plans = []
    for index, day in enumerate(dates):
        area = rng.choices(AREAS, [area.share for area in AREAS])[0]
        if index >= total - planned:
            status = Workshop.Status.PLANNED
        elif index >= total - planned - held:
            status = Workshop.Status.HELD
        else:
            status = Workshop.Status.REPORTED
        start = time(9) if rng.random() < 0.6 else time(12)
        plan = _Plan(
            area=area,
            starts_at=timezone.make_aware(datetime.combine(day, start)),
            status=status,
            subsection=rng.choice(area.subsections)[0],
        )
        if status != Workshop.Status.PLANNED:
            plan.attendees = _attendees(rng, area, pools)
        plans.append(plan)
    weights = [len(plan.attendees) * rng.uniform(0.7, 1.3) for plan in plans]
    for plan, count in zip(
        plans, _split(rng, INPUTS_PER_SCALE * world.scale, weights), strict=True
    ):
        plan.inputs = count
    return plans


def _attendees(rng: random.Random, area, pools) -> list[Participant]:
    voices = dict(area.voices)
    voices.setdefault("user", 4)
    if area.number in AREAS_WITHOUT_GP:
        voices.pop("primary", None)
    voices = {voice: weight for voice, weight in voices.items() if pools.get(voice)}
    wanted = rng.randint(10, 30)
    chosen: dict[int, Participant] = {}
    for _ in range(wanted * 4):
        if len(chosen) == wanted:
            break
        person = rng.choice(pools[_pick(rng, voices)])
        chosen.setdefault(person.pk, person)
    return list(chosen.values())


def _workshops(world, rng, procurement, plans, chapters, staff) -> list[Workshop]:
    facilitators = [
        f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}" for _ in range(8)
    ]
    seen: dict[str, int] = defaultdict(int)
    workshops_ = []
    for plan in plans:
        words = {
            "sub": plan.subsection,
            "sub_lower": plan.subsection[0].lower() + plan.subsection[1:],
            "area": plan.area.title,
            "setting": rng.choice(SETTINGS),
        }
        title = rng.choice(TITLES).format(**words)
        seen[title] += 1
        if seen[title] > 1:
            title = f"{title} ({seen[title]}. samling)"
        summary = ""
        if plan.status != Workshop.Status.PLANNED:
            summary = rng.choice(SUMMARY_OPENINGS).format(
                people=len(plan.attendees),
                organisations=len({p.organisation_id for p in plan.attendees}),
                inputs=plan.inputs,
                **words,
            )
            summary += " " + " ".join(rng.sample(SUMMARY_POINTS, 2))
        hours = rng.choice([3, 3, 4, 6]) if plan.starts_at.hour == 9 else 3
        workshops_.append(
            Workshop(
                procurement=procurement,
                title=title[:200],
                area=chapters[plan.area.number],
                starts_at=plan.starts_at,
                ends_at=plan.starts_at + timedelta(hours=hours),
                location=_pick(rng, LOCATIONS),
                facilitator=rng.choice(facilitators),
                status=plan.status,
                summary=summary,
                created_by=staff,
            )
        )
    created = Workshop.objects.bulk_create(workshops_, batch_size=1000)
    Attendance.objects.bulk_create(
        (
            Attendance(workshop=workshop, participant=person)
            for workshop, plan in zip(created, plans, strict=True)
            for person in plan.attendees
        ),
        batch_size=5000,
    )
    for workshop, plan in zip(created, plans, strict=True):
        workshop.plan = plan
    return created


@dataclass
class _Draft:
    workshop: Workshop
    number: int
    area_number: str
    participants: list[Participant]
    organisations: list[int]
    kind: str
    status: str = Status.NEW
    requirements: list[int] = field(default_factory=list)
    original: _Draft | None = None
    text: str = ""
    reason: str = ""
    instance: Input | None = None


def _inputs(world, rng, procurement, workshops_, chapters, staff) -> int:
    requirements = _raised_requirements(procurement)
    titles = dict(
        Requirement.objects.filter(procurement=procurement).values_list("pk", "title")
    )
    drafts: list[_Draft] = []
    for workshop in workshops_:
        plan = workshop.plan
        for number in range(1, plan.inputs + 1):
            raisers = rng.sample(plan.attendees, 2 if rng.random() < 0.2 else 1)
            drafts.append(
                _Draft(
                    workshop=workshop,
                    number=number,
                    area_number=plan.area.number,
                    participants=raisers,
                    organisations=sorted({p.organisation_id for p in raisers}),
                    kind=_pick(rng, KIND_MIX),
                )
            )
    levels = dict(Organisation.objects.values_list("pk", "level"))
    _triage(rng, drafts, requirements, levels)
    areas = {area.number: area for area in AREAS}
    for draft in drafts:
        if draft.original is None:
            draft.text = _text(rng, areas[draft.area_number], draft, titles)
    for draft in drafts:
        if draft.original is not None:
            draft.text = rng.choice(DUPLICATE_OPENINGS) + draft.original.text

    def build(draft: _Draft) -> Input:
        decided = draft.status != Status.NEW
        draft.instance = Input(
            workshop=draft.workshop,
            number=draft.number,
            text=draft.text,
            kind=draft.kind,
            area=chapters[draft.area_number],
            status=draft.status,
            reason=draft.reason,
            duplicate_of=draft.original.instance if draft.original else None,
            decided_by=staff if decided else None,
            decided_at=draft.workshop.ends_at + timedelta(days=rng.randint(3, 60))
            if decided
            else None,
            created_by=staff,
        )
        return draft.instance

    # Originals first, so that duplicates can point at them.
    originals = [draft for draft in drafts if draft.original is None]
    copies = [draft for draft in drafts if draft.original is not None]
    for batch in (originals, copies):
        bulk_create_with_history(
            [build(draft) for draft in batch],
            Input,
            batch_size=2000,
            default_user=staff,
        )
    # Captured while the workshop ran.
    Input.objects.filter(workshop__procurement=procurement).update(
        created_at=Subquery(
            Workshop.objects.filter(pk=OuterRef("workshop_id")).values("starts_at")[:1]
        )
    )
    through = Input.raised_by_organisations.through
    through.objects.bulk_create(
        (
            through(input_id=draft.instance.pk, organisation_id=organisation)
            for draft in drafts
            for organisation in draft.organisations
        ),
        batch_size=5000,
    )
    through = Input.raised_by_participants.through
    through.objects.bulk_create(
        (
            through(input_id=draft.instance.pk, participant_id=person.pk)
            for draft in drafts
            for person in draft.participants
        ),
        batch_size=5000,
    )
    through = Input.requirements.through
    through.objects.bulk_create(
        (
            through(input_id=draft.instance.pk, requirement_id=requirement)
            for draft in drafts
            for requirement in draft.requirements
        ),
        batch_size=5000,
    )
    _add_raisers(procurement, drafts, requirements, staff)
    return len(drafts)


def _add_raisers(procurement, drafts, requirements, staff) -> None:
    """What triage does on a page: accepting or linking an input adds its
    raising organisations to the requirement's stakeholders (raised)."""
    raised = {
        (requirement, organisation)
        for (_, organisation), ids in requirements.items()
        for requirement in ids
    }
    missing = sorted(
        {
            (requirement, organisation)
            for draft in drafts
            for requirement in draft.requirements
            for organisation in draft.organisations
        }
        - raised
    )
    bulk_create_with_history(
        [
            RequirementStakeholder(
                requirement_id=requirement,
                organisation_id=organisation,
                relation=RequirementStakeholder.Relation.RAISED,
            )
            for requirement, organisation in missing
        ],
        RequirementStakeholder,
        batch_size=2000,
        default_user=staff,
    )
    # The requirements changed: a new version (an edit form loaded before
    # cannot save over it) and a fresh fingerprint against the baseline.
    changed = list(
        Requirement.objects.filter(pk__in={requirement for requirement, _ in missing})
        .select_related("section")
        .prefetch_related("tags", "stakeholder_links__organisation")
    )
    for requirement in changed:
        requirement.version += 1
        requirement.content_hash = snapshot_hash(requirement.snapshot())
    Requirement.objects.bulk_update(
        changed, ["version", "content_hash"], batch_size=2000
    )


def _raised_requirements(procurement) -> dict[tuple[str, int], list[int]]:
    """Requirement ids by (chapter number, organisation) for every requirement
    the organisation raised; withdrawn requirements left out."""
    found: dict[tuple[str, int], list[int]] = defaultdict(list)
    rows = (
        RequirementStakeholder.objects.filter(
            requirement__procurement=procurement,
            relation=RequirementStakeholder.Relation.RAISED,
        )
        .exclude(requirement__status=Requirement.Status.WITHDRAWN)
        .order_by("requirement_id", "organisation_id")
        .values_list(
            "requirement__section__number", "organisation_id", "requirement_id"
        )
    )
    for number, organisation, requirement in rows:
        found[(number.split(".")[0], organisation)].append(requirement)
    return found


def _triage(
    rng: random.Random, drafts: list[_Draft], requirements, levels: dict[int, str]
) -> None:
    """Decide each draft's outcome: 55 % linked to requirements (40 accepted,
    15 merged), 10 % duplicates, 10 % rejected, the rest still new.

    A linked input mostly goes to a requirement its organisations raised; one
    in three joins a requirement of its area that another level's input
    already went to, so requirements hear several levels where the area
    does (the collaboration balance)."""
    total = len(drafts)
    candidates: dict[int, list[int]] = {}
    for index, draft in enumerate(drafts):
        sets = [
            set(requirements.get((draft.area_number, organisation), ()))
            for organisation in draft.organisations
        ]
        common = set.intersection(*sets) if sets else set()
        if common:
            candidates[index] = sorted(common)
    linkable = sorted(candidates)
    rng.shuffle(linkable)
    linked = linkable[: round(total * LINKED_SHARE)]
    accepted = round(len(linked) * ACCEPTED_OF_LINKED)
    # Requirements already reached, per area and level of the raisers.
    reached: dict[tuple[str, str], list[int]] = defaultdict(list)
    for position, index in enumerate(linked):
        draft = drafts[index]
        draft.status = Status.ACCEPTED if position < accepted else Status.MERGED
        choices = candidates[index]
        draft_levels = {levels.get(o) for o in draft.organisations}
        others = [
            requirement
            for (area, level), ids in sorted(reached.items())
            if area == draft.area_number and level not in draft_levels
            for requirement in ids
        ]
        if others and rng.random() < CROSS_LEVEL_SHARE:
            draft.requirements = [rng.choice(others)]
        else:
            draft.requirements = [rng.choice(choices)]
            if len(choices) > 1 and rng.random() < 0.15:
                draft.requirements = sorted(
                    set(draft.requirements) | {rng.choice(choices)}
                )
        for level in draft_levels:
            reached[(draft.area_number, level)].extend(draft.requirements)
    chosen = set(linked)
    rest = [index for index in range(total) if index not in chosen]
    rng.shuffle(rest)
    duplicates = rest[: round(total * DUPLICATE_SHARE)]
    rejected = rest[len(duplicates) : len(duplicates) + round(total * REJECTED_SHARE)]
    for index in rejected:
        drafts[index].status = Status.REJECTED
        drafts[index].reason = rng.choice(REJECTION_REASONS)
    # A duplicate repeats an earlier input of its area (drafts are in
    # workshop order), or any other if it came first.
    duplicate_set = set(duplicates)
    originals: dict[str, list[int]] = defaultdict(list)
    for index, draft in enumerate(drafts):
        if index not in duplicate_set:
            originals[draft.area_number].append(index)
    for index in duplicates:
        draft = drafts[index]
        pool = originals[draft.area_number]
        earlier = bisect.bisect_left(pool, index)
        draft.status = Status.DUPLICATE
        draft.reason = DUPLICATE_REASON
        draft.original = drafts[pool[rng.randrange(earlier or len(pool))]]


def _text(rng: random.Random, area, draft: _Draft, titles: dict[int, str]) -> str:
    subsection, objects = rng.choice(area.subsections)
    action = rng.choice(ACTIONS)[0]
    role = rng.choice(ROLES)
    words = {
        "action": action,
        "object": rng.choice(objects),
        "role": role,
        "Role": role[0].upper() + role[1:],
        "role_plain": rng.choice(ROLE_NOUNS),
        "context": rng.choice(CONTEXTS),
    }
    if draft.requirements:
        title = titles[draft.requirements[0]]
        words["title"] = title
        words["title_lower"] = title[0].lower() + title[1:]
        return rng.choice(LINKED).format(**words)
    templates = {
        Kind.NEED: NEEDS,
        Kind.PROBLEM: PROBLEMS,
        Kind.IDEA: IDEAS,
        Kind.REQUIREMENT_PROPOSAL: STATEMENTS,
    }[draft.kind]
    return rng.choice(templates).format(**words)
