"""The demo world's evaluations: a panel of about forty evaluators and one
evaluation per dialogue round.

- Panel: 40 fictional evaluators (``evaluator01`` … ``evaluator40``, the demo
  password) plus the demo users "evaluator" and "lead"; all sign a
  declaration of impartiality, one of the forty with a conflict with a
  vendor of round 1, who is never assigned that vendor's tender.
- Criteria in every round: "Ytelse" (quality, 50 % in 40–60 %) divided into
  one sub-criterion per chapter of the specification (Pasientjournal …
  Brukervennlighet, weights summing to 100), "Risiko" (risk, scored
  directly, 20 % in 15–25 %) and "Pris" (price formula, 30 % in 20–40 %).
  Every V and AV requirement of the round's baseline is mapped to the
  sub-criterion of its chapter. Each evaluator scores one criterion for every
  tender, so each tender × item is scored by four or five evaluators.
- Round 1 (May 2017): every score and consensus score in, one tender
  rejected for a substantial deviation from an absolute requirement, the
  quality consensus locked, the results released and the evaluation LOCKED.
- Round 2 (December 2017): every individual score in, consensus open and
  about 60 % of the consensus scores set (results provisional); the sealed
  price envelope stays closed because the quality consensus is not locked.
- Round 3 (2018): scoring under way, each evaluator part of the way through
  their worklist (the demo "evaluator" too); the envelope sealed.

The evaluations, criteria, mappings, panel, declarations, the start of
scoring, the consensus steps, the rejection and the lock go through the
services like a lead's work (events and history). The hundreds of thousands
of individual and consensus scores are written with one prepared INSERT in
batches (``_insert``; ``bulk_create`` would take minutes at scale 10), the
absolute checks with ``bulk_create`` and the requirement mappings with
``bulk_create_with_history``, so the step stays linear and fast. The demo's
scores, consensus scores and checks have no history rows (a score saved on a
page gets its history as usual). A random generator of its own keeps this
step's choices the same whatever the other steps draw.
"""

from __future__ import annotations

import random
import time
from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from evaluation.models import (
    AbsoluteCheck,
    ConsensusScore,
    Criterion,
    Declaration,
    Evaluation,
    RequirementMapping,
    Score,
)
from evaluation.selectors.setup import evaluated_requirements, start_blockers
from evaluation.services import consensus as consensus_services
from evaluation.services import scoring as scoring_services
from evaluation.services import setup as setup_services
from procurement import services
from procurement.demo import DEMO_PASSWORD, DEMO_SEED, DemoWorld, demo_step
from procurement.demo_specification import AREAS
from procurement.models import (
    BaselineRequirement,
    Membership,
    Requirement,
    Response,
    Tender,
)
from procurement.services.core import event_record

OSLO = ZoneInfo("Europe/Oslo")
PANEL_SIZE = 40
BATCH = 2000
# Rows kept in memory before they are written.
FLUSH = 20000

FIRST_NAMES = [
    "Anders", "Astrid", "Bjørn", "Camilla", "Dag", "Eli", "Erlend", "Frida",
    "Geir", "Gunn", "Hanne", "Håkon", "Ingrid", "Jon", "Kari", "Kjetil",
    "Line", "Magne", "Marit", "Nils", "Oddny", "Ola", "Petter", "Randi",
    "Rune", "Sigrid", "Solveig", "Stian", "Tone", "Torbjørn", "Trine",
    "Vegard", "Åse", "Øystein", "Ragnhild", "Sindre",
]  # fmt: skip
LAST_NAMES = [
    "Aune", "Berg", "Brekke", "Dahl", "Eide", "Fossum", "Grøtte", "Hagen",
    "Holm", "Husby", "Kvam", "Lien", "Lund", "Moe", "Myhre", "Næss", "Opdahl",
    "Rønning", "Sandvik", "Skjærvø", "Solberg", "Strand", "Sæther", "Tangen",
    "Ulvik", "Vik", "Wold", "Øien", "Aasen", "Bjerkan",
]  # fmt: skip
# The evaluator (1-based) who declares a conflict of interest.
CONFLICTED = 7

# Weights of the sub-criteria of "Ytelse", per chapter (they sum to 100).
AREA_WEIGHTS = {
    "1": 18,  # Pasientjournal
    "2": 12,  # Legemiddelhåndtering
    "3": 8,  # Innbyggertjenester
    "4": 12,  # Samhandling
    "5": 10,  # Integrasjon
    "6": 10,  # Informasjonssikkerhet og personvern
    "7": 8,  # Drift og forvaltning
    "8": 7,  # Arkitektur og teknologi
    "9": 15,  # Brukervennlighet: the national audit's point
}

SCALE_DESCRIPTORS = [
    {"value": 0, "text": "Ikke besvart eller ikke oppfylt"},
    {"value": 2, "text": "Svært svak: store mangler"},
    {"value": 4, "text": "Svak: vesentlige mangler"},
    {"value": 6, "text": "Akseptabel: dekker behovet med noen mangler"},
    {"value": 8, "text": "God: dekker behovet godt"},
    {"value": 10, "text": "Svært god: dekker behovet fullt ut, med merverdi"},
]

# Individual justifications by score band.
JUSTIFICATIONS = {
    "low": [
        "Svaret dekker ikke behovet; løsningen mangler funksjonen.",
        "Beskrivelsen er mangelfull og gir ingen trygghet for at kravet oppfylles.",
        "Leverandøren foreslår en omvei som ikke passer arbeidsflyten.",
        "Kravet er ikke oppfylt i standardløsningen og må utvikles.",
    ],
    "middle": [
        "Dekker kravet delvis; konfigurasjon i innføringen er nødvendig.",
        "Akseptabelt, men arbeidsflyten krever flere steg enn ønsket.",
        "Funksjonen finnes, men norsk tilpasning er ikke ferdig.",
        "Svaret er generelt; demonstrasjonen viste noen svakheter.",
    ],
    "high": [
        "Godt beskrevet og vist i demonstrasjonen; dekker behovet.",
        "Standardfunksjon i bruk hos andre kunder, dekker kravet fullt ut.",
        "Løsningen er gjennomtenkt og enkel å bruke for klinikerne.",
        "Dekker kravet godt, med merverdi for samhandlingen.",
    ],
}
RISK_JUSTIFICATIONS = [
    "Innføringsplanen er realistisk; referansene fra Norden er gode.",
    "Stor tilpasning til norske forhold gir risiko for forsinkelser.",
    "Leverandøren har begrenset erfaring med kommunehelsetjenesten.",
    "Avhengighet av underleverandører øker risikoen i driftsfasen.",
    "Moden løsning med tydelig ansvarsdeling; moderat risiko.",
]
CONSENSUS_JUSTIFICATIONS = [
    "Panelet samlet seg etter gjennomgang av svaret og demonstrasjonen.",
    "Enighet etter drøfting; vekt lagt på arbeidsflyten i demonstrasjonen.",
    "Panelet la til grunn leverandørens svar og referansebesøket.",
    "Uenigheten ble drøftet; panelet landet på en samlet vurdering.",
]
CHECK_PASSED = "Kravet er oppfylt ifølge tilbudet og løsningsbeskrivelsen."
CHECK_MINOR = [
    "Avviket er lite og kan rettes i innføringen; ikke vesentlig.",
    "Kravet er delvis oppfylt; avviket påvirker ikke konkurransen.",
]
CHECK_SUBSTANTIAL = (
    "Tilbudet forbeholder seg mot kravet til lagring i Norge; "
    "avviket er vesentlig etter FOA § 9-6."
)
REJECTION_REASON = (
    "Vesentlig avvik fra et absolutt krav (lagring av helseopplysninger i "
    "Norge), jf. FOA § 9-6."
)
CONFLICT_NOTE = "Har arbeidet hos leverandøren de siste to årene."

ABSOLUTE = (Requirement.Kind.A, Requirement.Kind.AV)
DECIMALS = [Decimal(value) for value in range(11)]

# Base score by the vendor's answer, before vendor, criterion and evaluator
# differences.
BASE = {
    Response.Compliance.YES: 7.6,
    Response.Compliance.PARTLY: 5.0,
    Response.Compliance.NO: 2.0,
}


def _dt(*args) -> datetime:
    return datetime(*args, tzinfo=OSLO)


# number → price model, scoring started, consensus opened, consensus share,
# share of their worklist each evaluator has done (None: all)
ROUND_PLANS = {
    1: ("linear_floor", _dt(2017, 5, 15, 9), _dt(2017, 6, 19, 9), 1.0, None),
    2: ("linear_floor", _dt(2017, 12, 11, 9), _dt(2018, 1, 8, 9), 0.6, None),
    3: ("proportional", _dt(2018, 12, 10, 9), None, 0.0, (0.1, 0.8)),
}


@demo_step(order=80)
def evaluations(world: DemoWorld) -> None:
    """The panel and one evaluation per round (see the module)."""
    rng = random.Random(f"evaluation-{DEMO_SEED}")
    procurement = world.objects["procurement"]
    users = world.objects["users"]
    lead = users["lead"]
    rounds = world.objects["tender_rounds"]
    round_tenders = world.objects["tenders"]

    panel = _panel(rng, procurement)
    conflicted_user = panel[CONFLICTED - 1]
    conflict_vendor = _conflict_vendor(round_tenders)
    for user in [*panel, users["evaluator"], lead]:
        setup_services.declaration_sign(
            by=user,
            procurement=procurement,
            conflicts=[conflict_vendor] if user == conflicted_user else [],
            note=CONFLICT_NOTE if user == conflicted_user else "",
        )
    # Signed when the first tenders were in (the demo's 2017), not today.
    for index, pk in enumerate(
        Declaration.objects.filter(procurement=procurement)
        .order_by("evaluator__username")
        .values_list("pk", flat=True)
    ):
        Declaration.objects.filter(pk=pk).update(
            signed_at=_dt(2017, 5, 8, 8) + timedelta(minutes=17 * index)
        )
    world.objects["evaluation_panel"] = panel
    world.objects["evaluation_conflict"] = (conflicted_user, conflict_vendor)

    # A vendor's strength: overall and per criterion, the same in every round.
    vendors = {t.vendor_id for tenders in round_tenders.values() for t in tenders}
    vendor_level = {v: rng.uniform(-1.0, 1.0) for v in sorted(vendors)}
    scorers = [*panel, users["evaluator"]]
    evaluator_bias = {u.pk: rng.uniform(-0.6, 0.6) for u in scorers}

    evaluations = {}
    written = 0
    for number, round in sorted(rounds.items()):
        begun = time.perf_counter()
        evaluation, count = _round_evaluation(
            world,
            rng,
            round=round,
            tenders=round_tenders[number],
            plan=ROUND_PLANS[number],
            scorers=scorers,
            conflicted=(conflicted_user, conflict_vendor),
            vendor_level=vendor_level,
            evaluator_bias=evaluator_bias,
        )
        evaluations[number] = evaluation
        written += count
        world.log(
            f"    round {number}: {evaluation.get_status_display()}, "
            f"{count} individual scores ({time.perf_counter() - begun:.1f} s)"
        )
    world.objects["evaluations"] = evaluations
    world.log(
        f"    {len(panel) + 2} evaluators, {len(evaluations)} evaluations, "
        f"{written} individual scores"
    )


def _panel(rng: random.Random, procurement) -> list:
    """The forty evaluators with evaluator memberships (one password hash for
    all: hashing forty times would take seconds)."""
    User = get_user_model()
    password = make_password(DEMO_PASSWORD)
    names = [(first, last) for first in FIRST_NAMES for last in LAST_NAMES]
    chosen = rng.sample(names, PANEL_SIZE)
    User.objects.bulk_create(
        User(
            username=f"evaluator{index:02d}",
            first_name=first,
            last_name=last,
            email="",
            password=password,
        )
        for index, (first, last) in enumerate(chosen, start=1)
    )
    panel = list(
        User.objects.filter(username__regex=r"^evaluator\d\d$").order_by("username")
    )
    for user in panel:
        services.membership_grant(
            by=None, user=user, procurement=procurement, role=Membership.Role.EVALUATOR
        )
    return panel


def _conflict_vendor(round_tenders):
    """A vendor of round 1 that goes on to the later rounds, so the conflict
    matters in every round."""
    later = {t.vendor_id for t in round_tenders.get(2, [])}
    first = sorted(round_tenders[1], key=lambda t: t.vendor.name)
    return next((t.vendor for t in first if t.vendor_id in later), first[0].vendor)


def _round_evaluation(
    world: DemoWorld,
    rng: random.Random,
    *,
    round,
    tenders: list[Tender],
    plan,
    scorers: list,
    conflicted,
    vendor_level: dict[int, float],
    evaluator_bias: dict[int, float],
) -> tuple[Evaluation, int]:
    price_model, started, opened, consensus_share, done_share = plan
    procurement = world.objects["procurement"]
    lead = world.objects["users"]["lead"]
    conflicted_user, conflict_vendor = conflicted

    evaluation = setup_services.evaluation_create(
        by=lead,
        procurement=procurement,
        round=round,
        price_model=price_model,
        scale_descriptors=SCALE_DESCRIPTORS,
    )
    quality = setup_services.criterion_create(
        by=lead,
        evaluation=evaluation,
        name="Ytelse",
        description="Hvor godt løsningen dekker behovene i kravspesifikasjonen.",
        kind=Criterion.Kind.QUALITY,
        method=Criterion.Method.REQUIREMENTS,
        weight=Decimal(50),
        weight_min=Decimal(40),
        weight_max=Decimal(60),
    )
    risk = setup_services.criterion_create(
        by=lead,
        evaluation=evaluation,
        name="Risiko",
        description="Risiko i innføring og drift, vurdert samlet per tilbud.",
        kind=Criterion.Kind.RISK,
        method=Criterion.Method.DIRECT,
        weight=Decimal(20),
        weight_min=Decimal(15),
        weight_max=Decimal(25),
    )
    setup_services.criterion_create(
        by=lead,
        evaluation=evaluation,
        name="Pris",
        description="Evaluert pris: prisskjemaets kurv over ti år.",
        kind=Criterion.Kind.PRICE,
        method=Criterion.Method.PRICE,
        weight=Decimal(30),
        weight_min=Decimal(20),
        weight_max=Decimal(40),
    )
    # The round's V/AV requirements by chapter, with their published weights.
    chapter_of = {area.number: [] for area in AREAS}
    for pk, weight, sort_key in (
        evaluated_requirements(evaluation)
        .order_by("key")
        .values_list("pk", "default_weight", "section__sort_key")
    ):
        chapter_of[_chapter(sort_key)].append((pk, weight))
    leaves: list[Criterion] = []
    for area in AREAS:
        sub = setup_services.criterion_create(
            by=lead,
            evaluation=evaluation,
            parent=quality,
            name=area.title,
            kind=Criterion.Kind.QUALITY,
            method=Criterion.Method.REQUIREMENTS,
            weight=Decimal(AREA_WEIGHTS[area.number]),
        )
        _map(evaluation, sub, chapter_of[area.number], lead)
        leaves.append(sub)
    leaves.append(risk)

    # Each evaluator scores one criterion for every tender; the conflicted
    # one only the tenders of the other vendors; the demo "evaluator" joins
    # the usability panel.
    assigned: dict[int, list] = defaultdict(list)
    for index, user in enumerate(scorers):
        leaf = (
            leaves[index % len(leaves)]
            if user.username != "evaluator"
            else leaves[len(AREAS) - 1]
        )
        if user == conflicted_user:
            for tender in tenders:
                if tender.vendor_id != conflict_vendor.pk:
                    setup_services.assignments_add(
                        by=lead,
                        evaluation=evaluation,
                        evaluator=user,
                        criteria=[leaf],
                        tender=tender,
                    )
        else:
            setup_services.assignments_add(
                by=lead, evaluation=evaluation, evaluator=user, criteria=[leaf]
            )
        assigned[leaf.pk].append(user)
    blockers = start_blockers(evaluation)
    assert not blockers, blockers
    evaluation = setup_services.scoring_start(by=lead, evaluation=evaluation)

    written = _write_scores(
        rng,
        evaluation=evaluation,
        tenders=tenders,
        leaves=leaves,
        assigned=assigned,
        conflicted=conflicted,
        vendor_level=vendor_level,
        evaluator_bias=evaluator_bias,
        consensus_share=consensus_share,
        done_share=done_share,
        lead=lead,
    )
    dates = {"scoring_started_at": started}
    if round.number == 1:
        _absolute_checks(rng, evaluation, tenders, lead)
    if opened is not None:
        # Consensus scores were written with the individual ones; opening
        # consensus only needs individual scores to exist.
        evaluation = consensus_services.consensus_open(evaluation=evaluation, by=lead)
        dates["consensus_opened_at"] = opened
    if consensus_share >= 1:
        evaluation = consensus_services.quality_lock(evaluation=evaluation, by=lead)
        evaluation = consensus_services.results_release(evaluation=evaluation, by=lead)
        dates["quality_locked_at"] = opened + timedelta(days=14)
        dates["released_at"] = opened + timedelta(days=16)
    # When it happened in the demo's timeline (the lock itself is dated
    # when the demo is built: a locked evaluation takes no later change).
    Evaluation.objects.filter(pk=evaluation.pk).update(**dates)
    evaluation.refresh_from_db()
    if consensus_share >= 1:
        evaluation = consensus_services.evaluation_lock(evaluation=evaluation, by=lead)
    return evaluation, written


def _chapter(sort_key: str) -> str:
    """The chapter number of a section's sort key ("0001.0002" → "1")."""
    return str(int(sort_key.split(".")[0]))


def _map(evaluation: Evaluation, criterion: Criterion, requirements, lead) -> None:
    """Map a chapter's requirements to its sub-criterion with their published
    weights, as ``mappings_add`` does (history rows and an event), without
    its checks' queries: at scale 10 SQLite plans its "chosen and evaluated"
    query as keys × ids, twenty seconds a chapter. The requirements come from
    ``evaluated_requirements`` and each is mapped once, so the checks hold."""
    bulk_create_with_history(
        [
            RequirementMapping(
                evaluation=evaluation,
                criterion=criterion,
                requirement_id=pk,
                weight=weight,
            )
            for pk, weight in requirements
        ],
        RequirementMapping,
        default_user=lead,
        batch_size=BATCH,
    )
    event_record(
        action="evaluation.changed",
        by=lead,
        obj=evaluation,
        procurement=evaluation.procurement,
        data={"mapped": len(requirements), "criterion": criterion.name},
    )


def _band(value: int) -> str:
    return "low" if value <= 3 else "middle" if value <= 6 else "high"


def _write_scores(
    rng: random.Random,
    *,
    evaluation: Evaluation,
    tenders: list[Tender],
    leaves: list[Criterion],
    assigned: dict[int, list],
    conflicted,
    vendor_level: dict[int, float],
    evaluator_bias: dict[int, float],
    consensus_share: float,
    done_share,
    lead,
) -> int:
    """Individual scores for every assigned tender × item (or each
    evaluator's done share of them) and consensus scores for the first
    ``consensus_share`` of each tender × criterion's items, in bulk."""
    conflicted_user, conflict_vendor = conflicted
    mapped: dict[int, list[int]] = defaultdict(list)
    for criterion_id, requirement_id in (
        RequirementMapping.objects.filter(evaluation=evaluation)
        .order_by("requirement__key")
        .values_list("criterion_id", "requirement_id")
    ):
        mapped[criterion_id].append(requirement_id)
    compliance = {
        (tender_id, requirement_id): answer
        for tender_id, requirement_id, answer in Response.objects.filter(
            tender__in=tenders
        ).values_list("tender_id", "requirement_id", "compliance")
    }
    # How far each evaluator has come (round 3 is being scored).
    done = {
        user.pk: (1.0 if done_share is None else rng.uniform(*done_share))
        for users in assigned.values()
        for user in users
    }
    scores: list[tuple] = []
    agreed: list[tuple] = []
    written = 0
    ev = evaluation.pk
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    low, middle, high = (JUSTIFICATIONS[b] for b in ("low", "middle", "high"))
    bands = [low] * 4 + [middle] * 3 + [high] * 4
    gauss, uniform, random_ = rng.gauss, rng.uniform, rng.random

    for leaf in leaves:
        direct = leaf.method == Criterion.Method.DIRECT
        items = [None] if direct else mapped[leaf.pk]
        criterion_id = leaf.pk if direct else None
        agreed_until = round(len(items) * consensus_share)
        for tender in tenders:
            panel = [
                u
                for u in assigned[leaf.pk]
                if not (u == conflicted_user and tender.vendor_id == conflict_vendor.pk)
            ]
            level = vendor_level[tender.vendor_id] + uniform(-0.8, 0.8)
            limits = [int(done[u.pk] * len(items)) for u in panel]
            for position, requirement_id in enumerate(items):
                if direct:
                    base = 6.0 + level * 1.5
                else:
                    base = BASE[compliance.get((tender.pk, requirement_id), "no")]
                    base += level
                # Now and then one evaluator sees it very differently.
                outlier = random_() < 0.02
                values = []
                for index, user in enumerate(panel):
                    if position >= limits[index]:
                        continue
                    raw = base + evaluator_bias[user.pk] + gauss(0, 0.6)
                    if outlier and index == 0:
                        raw += 4 if raw < 5 else -4
                    value = min(10, max(0, round(raw)))
                    values.append(value)
                    scores.append(
                        (
                            ev,
                            user.pk,
                            tender.pk,
                            requirement_id,
                            criterion_id,
                            DECIMALS[value],
                            RISK_JUSTIFICATIONS[int(random_() * 5)]
                            if direct
                            else bands[value][int(random_() * 4)],
                            1,
                            now,
                        )
                    )
                if values and position < agreed_until:
                    values.sort()
                    agreed.append(
                        (
                            ev,
                            tender.pk,
                            requirement_id,
                            criterion_id,
                            DECIMALS[values[len(values) // 2]],
                            CONSENSUS_JUSTIFICATIONS[int(random_() * 4)],
                            1,
                            now,
                            lead.pk,
                        )
                    )
                if len(scores) >= FLUSH:
                    written += _flush(scores, agreed)
    written += _flush(scores, agreed)
    return written


SCORE_COLUMNS = (
    "evaluation",
    "evaluator",
    "tender",
    "requirement",
    "criterion",
    "value",
    "justification",
    "version",
    "updated_at",
)
CONSENSUS_COLUMNS = (
    "evaluation",
    "tender",
    "requirement",
    "criterion",
    "value",
    "justification",
    "version",
    "updated_at",
    "decided_by",
)


def _insert(model, names: tuple[str, ...], rows: list[tuple]) -> None:
    """Write ``rows`` (values in the order of ``names``) with one prepared
    INSERT, in batches: several times faster than ``bulk_create``, which
    builds a model instance and prepares every value of every row. The
    values are already in the database's form (ids, Decimals, text, a
    prepared timestamp)."""
    if not rows:
        return
    fields = [model._meta.get_field(name) for name in names]
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            cursor.executemany(sql, rows[start : start + BATCH])


def _flush(scores: list[tuple], agreed: list[tuple]) -> int:
    count = len(scores)
    _insert(Score, SCORE_COLUMNS, scores)
    _insert(ConsensusScore, CONSENSUS_COLUMNS, agreed)
    scores.clear()
    agreed.clear()
    return count


def _absolute_checks(rng: random.Random, evaluation, tenders, lead) -> None:
    """Every A and AV requirement checked for every tender of the round (in
    bulk); one tender fails one with a substantial deviation and the lead
    confirms its rejection. The rejected vendor is one that does not go on
    to the revised round."""
    published = BaselineRequirement.objects.filter(
        baseline_id=evaluation.round.baseline_id,
        kind__in=ABSOLUTE,
    ).exclude(status=Requirement.Status.WITHDRAWN)
    absolute = list(
        Requirement.objects.filter(
            procurement_id=evaluation.procurement_id,
            key__in=published.values("key"),
        )
        .order_by("key")
        .values_list("pk", flat=True)
    )
    wanted = set(absolute)
    compliance = {
        (t, r): c
        for t, r, c in Response.objects.filter(
            tender__in=tenders, requirement__kind__in=ABSOLUTE
        ).values_list("tender_id", "requirement_id", "compliance")
        if r in wanted
    }
    going_on = set(
        Tender.objects.filter(
            round__procurement_id=evaluation.procurement_id, round__number=2
        ).values_list("vendor_id", flat=True)
    )
    dropped = sorted(
        (t for t in tenders if t.vendor_id not in going_on),
        key=lambda t: t.vendor.name,
    )
    rejected = dropped[0] if dropped else None
    checks = []
    for tender in tenders:
        for position, requirement_id in enumerate(absolute):
            answer = compliance.get((tender.pk, requirement_id))
            substantial = tender == rejected and position == len(absolute) // 2
            if substantial:
                checks.append(
                    AbsoluteCheck(
                        evaluation=evaluation,
                        tender=tender,
                        requirement_id=requirement_id,
                        fulfilled=False,
                        substantial_deviation=True,
                        justification=CHECK_SUBSTANTIAL,
                        checked_by=lead,
                    )
                )
            elif answer == Response.Compliance.YES:
                checks.append(
                    AbsoluteCheck(
                        evaluation=evaluation,
                        tender=tender,
                        requirement_id=requirement_id,
                        fulfilled=True,
                        justification=CHECK_PASSED,
                        checked_by=lead,
                    )
                )
            else:
                checks.append(
                    AbsoluteCheck(
                        evaluation=evaluation,
                        tender=tender,
                        requirement_id=requirement_id,
                        fulfilled=False,
                        substantial_deviation=False,
                        justification=rng.choice(CHECK_MINOR),
                        checked_by=lead,
                    )
                )
    AbsoluteCheck.objects.bulk_create(checks, batch_size=BATCH)
    if rejected is not None:
        scoring_services.rejection_confirm(
            evaluation=evaluation, tender=rejected, reason=REJECTION_REASON, by=lead
        )
