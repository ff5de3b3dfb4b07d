"""Reads for the workshop dashboards and the participation report: how many
took part, from where, what became of their input, and whether every area of
the specification heard the municipalities and the GPs as well as the
hospitals.

Everything is counted in the database (aggregates, EXISTS, values+annotate),
in a fixed number of queries however many workshops and inputs there are.
Only the per-section and per-organisation sums are folded in Python.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db import connection
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from procurement.models import Organisation, Procurement, Requirement, Section
from workshops.models import Attendance, Input, Participant, Workshop

Level = Organisation.Level
Status = Input.Status

# The groups participation is shown in. A participant who represents users
# (or comes from a user organisation) counts there, not under their level.
USER_GROUP = "user"
OTHER_GROUP = "other"
GROUPS = [Level.SPECIALIST, Level.MUNICIPAL, Level.PRIMARY, USER_GROUP, OTHER_GROUP]
BALANCE_LEVELS = [Level.SPECIALIST, Level.MUNICIPAL, Level.PRIMARY]
# An area lacks a voice when fewer than this share of its traced
# requirements have an origin raised by that level.
VOICE_THRESHOLD = 0.10
STATUS_KEYS = list(Status.values)
HELD = [Workshop.Status.HELD, Workshop.Status.REPORTED]
NO_AREA = "none"


def group_label(key: str) -> str:
    labels = {
        Level.SPECIALIST: _("Specialist health service"),
        Level.MUNICIPAL: _("Municipal health service"),
        Level.PRIMARY: _("GPs / primary care"),
        USER_GROUP: _("User representatives"),
        OTHER_GROUP: _("Other (national, private)"),
    }
    return labels[key]


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    count: int


@dataclass(frozen=True)
class GroupRow:
    key: str
    label: str
    participants: int
    organisations: int


@dataclass(frozen=True)
class MonthRow:
    month: date
    counts: tuple[int, ...]  # in ``Input.Status`` order

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass(frozen=True)
class AreaRow:
    """One top-level section: what was worked on there and whose voice its
    traced requirements (those with at least one origin input) carry."""

    key: str  # the section number, or NO_AREA
    number: str
    title: str
    workshops: int = 0
    inputs: int = 0
    requirements: int = 0
    traced: int = 0
    specialist: int = 0
    municipal: int = 0
    primary: int = 0
    all_levels: int = 0

    def share(self, count: int) -> float | None:
        return count / self.traced if self.traced else None

    @property
    def specialist_share(self) -> float | None:
        return self.share(self.specialist)

    @property
    def municipal_share(self) -> float | None:
        return self.share(self.municipal)

    @property
    def primary_share(self) -> float | None:
        return self.share(self.primary)

    @property
    def all_levels_share(self) -> float | None:
        return self.share(self.all_levels)

    @property
    def lacks_municipal(self) -> bool:
        return bool(self.traced) and self.municipal < VOICE_THRESHOLD * self.traced

    @property
    def lacks_primary(self) -> bool:
        return bool(self.traced) and self.primary < VOICE_THRESHOLD * self.traced

    @property
    def flagged(self) -> bool:
        return self.lacks_municipal or self.lacks_primary

    @property
    def label(self) -> str:
        return f"{self.number} {self.title}".strip()


@dataclass(frozen=True)
class Totals:
    workshops: int
    workshops_held: int
    participants: int
    organisations: int
    inputs: int


@dataclass(frozen=True)
class Dashboard:
    totals: Totals
    groups: list[GroupRow]
    professions: list[Figure]
    statuses: list[Figure]
    months: list[MonthRow]
    areas: list[AreaRow] = field(default_factory=list)

    @property
    def flagged_areas(self) -> list[AreaRow]:
        return [area for area in self.areas if area.flagged]


# Querysets -------------------------------------------------------------------


def inputs_of(procurement: Procurement) -> QuerySet[Input]:
    return Input.objects.filter(workshop__procurement=procurement)


def attending_participants(procurement: Procurement) -> QuerySet[Participant]:
    """Participants who attended at least one of the procurement's workshops."""
    return Participant.objects.filter(procurement=procurement).filter(
        Exists(Attendance.objects.filter(participant=OuterRef("pk"), attended=True))
    )


def taking_part(procurement: Procurement) -> QuerySet[Organisation]:
    """Organisations with a participant who attended, or that raised input."""
    attended = attending_participants(procurement).values("organisation_id")
    raised = Input.raised_by_organisations.through.objects.filter(
        input__workshop__procurement=procurement
    ).values("organisation_id")
    # IN (subquery) runs each subquery once; EXISTS would run per organisation.
    return Organisation.objects.filter(Q(pk__in=attended) | Q(pk__in=raised))


def _group(kind_field: str, level_field: str, *, user_flag: str | None = None):
    user = Q(**{kind_field: Organisation.Kind.USER_ORGANISATION})
    if user_flag:
        user |= Q(**{user_flag: True})
    return Case(
        When(user, then=Value(USER_GROUP)),
        When(
            **{f"{level_field}__in": BALANCE_LEVELS},
            then=F(level_field),
        ),
        default=Value(OTHER_GROUP),
        output_field=CharField(),
    )


def _counts(rows, key: str) -> dict:
    return {row[key]: row["n"] for row in rows}


# The dashboard -----------------------------------------------------------------


def dashboard(procurement: Procurement) -> Dashboard:
    """Every figure of the workshop dashboard for ``procurement``."""
    workshops = Workshop.objects.filter(procurement=procurement).aggregate(
        total=Count("pk"), held=Count("pk", filter=Q(status__in=HELD))
    )
    attending = attending_participants(procurement)
    by_group = _counts(
        attending.annotate(
            group=_group(
                "organisation__kind",
                "organisation__level",
                user_flag="user_representative",
            )
        )
        .values("group")
        .annotate(n=Count("pk"))
        .order_by(),
        "group",
    )
    organisations = _counts(
        taking_part(procurement)
        .annotate(group=_group("kind", "level"))
        .values("group")
        .annotate(n=Count("pk"))
        .order_by(),
        "group",
    )
    groups = [
        GroupRow(
            key=key,
            label=group_label(key),
            participants=by_group.get(key, 0),
            organisations=organisations.get(key, 0),
        )
        for key in GROUPS
    ]
    by_profession = _counts(
        attending.values("profession").annotate(n=Count("pk")).order_by(),
        "profession",
    )
    professions = sorted(
        (
            Figure(key, str(label), by_profession[key])
            for key, label in Participant.Profession.choices
            if by_profession.get(key)
        ),
        key=lambda figure: -figure.count,
    )
    months = _months(inputs_of(procurement))
    by_status = dict(
        zip(
            STATUS_KEYS,
            (sum(column) for column in zip(*(m.counts for m in months), strict=True)),
            strict=False,
        )
    )
    statuses = [
        Figure(key, str(label), by_status.get(key, 0)) for key, label in Status.choices
    ]
    return Dashboard(
        totals=Totals(
            workshops=workshops["total"],
            workshops_held=workshops["held"],
            participants=sum(by_group.values()),
            organisations=sum(organisations.values()),
            inputs=sum(by_status.values()),
        ),
        groups=groups,
        professions=professions,
        statuses=statuses,
        months=months,
        areas=areas(procurement),
    )


def _months(inputs: QuerySet[Input]) -> list[MonthRow]:
    """Inputs by status per month of their workshop. Counted per workshop in
    the database (truncating every input's date there costs more than the
    whole rest of the dashboard) and folded into months here."""
    by_month: dict[date, list[int]] = {}
    for row in (
        inputs.values("workshop_id", "workshop__starts_at")
        .annotate(**{key: Count("pk", filter=Q(status=key)) for key in STATUS_KEYS})
        .order_by()
    ):
        month = timezone.localtime(row["workshop__starts_at"]).date().replace(day=1)
        counts = by_month.setdefault(month, [0] * len(STATUS_KEYS))
        for index, key in enumerate(STATUS_KEYS):
            counts[index] += row[key]
    return [
        MonthRow(month, tuple(counts)) for month, counts in sorted(by_month.items())
    ]


def areas(procurement: Procurement) -> list[AreaRow]:
    """Coverage and collaboration balance per top-level section, in the
    specification's order; workshops and inputs without an area last."""
    sections = list(
        Section.objects.filter(procurement=procurement)
        .order_by("sort_key")
        .values("pk", "parent_id", "number", "title")
    )
    parents = {row["pk"]: row["parent_id"] for row in sections}

    def top(section_id: int | None) -> int | None:
        seen = 0
        while section_id is not None and parents.get(section_id) and seen < 100:
            section_id = parents[section_id]
            seen += 1
        return section_id

    rows: dict[int | None, dict] = {
        row["pk"]: {
            "key": row["number"],
            "number": row["number"],
            "title": row["title"],
        }
        for row in sections
        if row["parent_id"] is None
    }

    def add(section_id: int | None, **counts: int) -> None:
        area = top(section_id)
        if area not in rows:
            area = None
            rows.setdefault(None, {"key": NO_AREA, "number": "", "title": _("No area")})
        row = rows[area]
        for name, count in counts.items():
            row[name] = row.get(name, 0) + count

    for row in (
        Workshop.objects.filter(procurement=procurement)
        .values("area_id")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        add(row["area_id"], workshops=row["n"])
    for row in (
        inputs_of(procurement).values("area_id").annotate(n=Count("pk")).order_by()
    ):
        add(row["area_id"], inputs=row["n"])

    for row in (
        Requirement.objects.filter(procurement=procurement)
        .exclude(status=Requirement.Status.WITHDRAWN)
        .values("section_id")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        add(row["section_id"], requirements=row["n"])
    for section_id, *counts in _voices_by_section(procurement):
        add(section_id, **dict(zip(VOICE_COLUMNS, counts, strict=True)))

    ordered = [rows[pk] for pk in rows if pk is not None]
    if None in rows:
        ordered.append(rows[None])
    return [AreaRow(**row) for row in ordered]


# Participation per organisation ---------------------------------------------------


@dataclass(frozen=True)
class OrganisationRow:
    pk: int
    name: str
    kind: str
    level: str
    participants: int
    workshops: int
    inputs: int
    outcomes: tuple[int, ...]  # inputs raised, in ``Input.Status`` order

    @property
    def group(self) -> str:
        if self.kind == Organisation.Kind.USER_ORGANISATION:
            return USER_GROUP
        return self.level if self.level in BALANCE_LEVELS else OTHER_GROUP

    @property
    def level_label(self) -> str:
        return str(Level(self.level).label) if self.level in Level.values else ""


def organisation_participation(procurement: Procurement) -> list[OrganisationRow]:
    """Every organisation taking part, by name: its participants who
    attended, the workshops they attended, the inputs it raised and what
    became of them. Three grouped queries."""
    attendance = {
        row["organisation"]: row
        for row in Attendance.objects.filter(
            workshop__procurement=procurement, attended=True
        )
        .values(organisation=F("participant__organisation_id"))
        .annotate(
            participants=Count("participant_id", distinct=True),
            workshops=Count("workshop_id", distinct=True),
        )
        .order_by()
    }
    raised = {
        row["organisation_id"]: row
        for row in Input.raised_by_organisations.through.objects.filter(
            input__workshop__procurement=procurement
        )
        .values("organisation_id")
        .annotate(
            inputs=Count("input_id"),
            **{
                key: Count("input_id", filter=Q(input__status=key))
                for key in STATUS_KEYS
            },
        )
        .order_by()
    }
    rows = []
    for organisation in (
        Organisation.objects.filter(pk__in={*attendance, *raised})
        .order_by("name", "pk")
        .values("pk", "name", "kind", "level")
    ):
        seen = attendance.get(organisation["pk"], {})
        said = raised.get(organisation["pk"], {})
        rows.append(
            OrganisationRow(
                **organisation,
                participants=seen.get("participants", 0),
                workshops=seen.get("workshops", 0),
                inputs=said.get("inputs", 0),
                outcomes=tuple(said.get(key, 0) for key in STATUS_KEYS),
            )
        )
    return rows


VOICE_COLUMNS = ("traced", "specialist", "municipal", "primary", "all_levels")


def _voices_by_section(procurement: Procurement) -> list[tuple]:
    """Per section: the requirements (not withdrawn) with at least one origin
    input, and those whose origins were raised by the specialist level, the
    municipal level, GPs, and all three.

    One statement: the origin links are first folded per requirement into
    three 0/1 flags, then summed per section. The ORM cannot group over a
    grouped subquery; an EXISTS per requirement and level took five times as
    long at 30,000 requirements."""
    origins = Input.requirements.through._meta.db_table
    raised = Input.raised_by_organisations.through._meta.db_table
    organisations = Organisation._meta.db_table
    requirements = Requirement._meta.db_table
    # Table names come from the models; every value is a parameter.
    sql = f"""
        SELECT r.section_id, COUNT(*), SUM(v.s), SUM(v.m), SUM(v.p),
               SUM(v.s * v.m * v.p)
        FROM (
            SELECT o.requirement_id AS requirement_id,
                MAX(CASE WHEN org.level = %s THEN 1 ELSE 0 END) AS s,
                MAX(CASE WHEN org.level = %s THEN 1 ELSE 0 END) AS m,
                MAX(CASE WHEN org.level = %s THEN 1 ELSE 0 END) AS p
            FROM {origins} o
            JOIN {requirements} r0 ON r0.id = o.requirement_id
            LEFT JOIN {raised} ro ON ro.input_id = o.input_id
            LEFT JOIN {organisations} org ON org.id = ro.organisation_id
            WHERE r0.procurement_id = %s AND r0.status <> %s
            GROUP BY o.requirement_id
        ) v
        JOIN {requirements} r ON r.id = v.requirement_id
        GROUP BY r.section_id
    """
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [
                *map(str, BALANCE_LEVELS),
                procurement.pk,
                str(Requirement.Status.WITHDRAWN),
            ],
        )
        return cursor.fetchall()
