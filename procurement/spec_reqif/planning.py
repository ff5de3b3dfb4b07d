"""Planning an import against the stored specification, and applying it.

``plan_import`` says what importing a parsed file would do: sections and
requirements to create, requirements to change (field by field), links to
add, and every problem; nothing is written. ``apply_plan`` carries out an
error-free plan in one transaction through the specification services, so
history, key reservation and version checks apply, and refuses when the
specification changed after the plan was made.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.translation import gettext as _

from procurement.models import (
    Organisation,
    Procurement,
    Requirement,
    RequirementLink,
    RequirementStakeholder,
    Section,
)
from procurement.selectors.specification import (
    PlanOutdated,
    requirements_for_snapshot,
    spec_fingerprint,
)
from procurement.services.core import event_record
from procurement.services.specification import (
    TRANSITIONS,
    ConcurrentEditError,
    requirement_links_bulk_create,
    requirement_update,
    requirements_bulk_create,
    section_save,
)
from procurement.spec_reqif.mapping import (
    LinkSpec,
    ParsedReqIF,
    Problem,
    RequirementSpec,
    SectionSpec,
    fold,
)

Kind = Requirement.Kind
Status = Requirement.Status
Relation = RequirementStakeholder.Relation


@dataclass(eq=False)
class PlannedSection:
    number: str
    title: str
    description: str = ""
    prefix: str = ""
    parent: PlannedSection | None = None
    existing: Section | None = None
    saved: Section | None = None


@dataclass(eq=False)
class PlannedRequirement:
    key: str
    title: str
    section: PlannedSection | None
    fields: dict[str, Any]
    tags: list[str] | None = None
    stakeholders: list[tuple[Organisation, str]] | None = None
    existing: Requirement | None = None
    version: int | None = None
    changed_fields: list[str] = field(default_factory=list)


@dataclass
class ImportPlan:
    name: str
    title: str
    tool: str
    sections: list[PlannedSection]
    created: list[PlannedRequirement]
    changed: list[PlannedRequirement]
    unchanged: int
    links: list[LinkSpec]
    links_existing: int
    unmapped: list[tuple[str, int]]
    problems: list[Problem]
    fingerprint: str
    kind_assumed: int = 0

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.blocking]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.blocking]

    @property
    def new_sections(self) -> list[PlannedSection]:
        return [s for s in self.sections if s.existing is None]

    @property
    def has_changes(self) -> bool:
        return bool(self.new_sections or self.created or self.changed or self.links)

    def summary(self) -> str:
        return _(
            "%(sections)s new sections, %(created)s new requirements, %(changed)s "
            "changed, %(unchanged)s unchanged, %(links)s new links; %(errors)s "
            "errors, %(warnings)s warnings."
        ) % {
            "sections": len(self.new_sections),
            "created": len(self.created),
            "changed": len(self.changed),
            "unchanged": self.unchanged,
            "links": len(self.links),
            "errors": len(self.errors),
            "warnings": len(self.warnings),
        }


FIELD_NAMES = [
    "section",
    "title",
    "description",
    "response_instructions",
    "kind",
    "weight",
    "status",
    "rationale",
    "extra_attributes",
]


def field_label(name: str) -> str:
    return str(Requirement._meta.get_field(name).verbose_name)


def plan_import(procurement: Procurement, parsed: ParsedReqIF) -> ImportPlan:
    """What importing ``parsed`` would do to the procurement's specification;
    nothing is written."""
    fingerprint = spec_fingerprint(procurement)
    problems = list(parsed.problems)
    sections = _SectionPlanner(procurement)
    for spec in parsed.sections:
        sections.place(spec)

    keys = [r.key for r in parsed.requirements]
    existing = _existing_requirements(procurement, keys)
    organisations = _organisations(parsed)
    created, changed, unchanged, kind_assumed = [], [], 0, 0
    for spec in parsed.requirements:
        requirement = existing.get(spec.key)
        stakeholders = _stakeholders(
            spec, organisations, problems, existing=requirement is not None
        )
        if requirement is None:
            planned = _plan_create(spec, sections, stakeholders, problems)
            kind_assumed += "kind" not in spec.fields
            created.append(planned)
            continue
        planned = _plan_change(spec, requirement, sections, stakeholders, problems)
        if planned.changed_fields:
            changed.append(planned)
        else:
            unchanged += 1
    if kind_assumed:
        problems.append(
            Problem(
                "kind_assumed",
                _(
                    "%(count)s new requirements have no kind in the file; they are "
                    "created as I (information only) unless they have a weight "
                    "(then V). Set the right kind after the import."
                )
                % {"count": kind_assumed},
            )
        )
    links, links_existing = _plan_links(procurement, parsed.links, existing)
    return ImportPlan(
        name=parsed.name,
        title=parsed.title,
        tool=parsed.tool,
        sections=sections.used(),
        created=created,
        changed=changed,
        unchanged=unchanged,
        links=links,
        links_existing=links_existing,
        unmapped=sorted(parsed.unmapped.items(), key=lambda item: (-item[1], item[0])),
        problems=problems,
        fingerprint=fingerprint,
        kind_assumed=kind_assumed,
    )


class _SectionPlanner:
    """Match the file's headings with stored sections (same title under the
    same parent) and number the new ones without clashing."""

    def __init__(self, procurement: Procurement):
        self.existing = list(Section.objects.filter(procurement=procurement))
        self.numbers = {section.number for section in self.existing}
        self.children: dict[int | None, list[Section]] = defaultdict(list)
        for section in self.existing:
            self.children[section.parent_id].append(section)
        self.planned: dict[int, PlannedSection] = {}
        self.order: list[PlannedSection] = []
        self.fallback: PlannedSection | None = None

    def place(self, spec: SectionSpec) -> PlannedSection:
        parent = self.planned[id(spec.parent)] if spec.parent else None
        planned = None
        if parent is None or parent.existing is not None:
            parent_id = parent.existing.pk if parent else None
            match = [
                section
                for section in self.children[parent_id]
                if fold(section.title) == fold(spec.title)
            ]
            if match:
                match.sort(key=lambda s: s.number != spec.number)
                section = match[0]
                planned = PlannedSection(
                    number=section.number,
                    title=section.title,
                    description=section.description,
                    prefix=section.prefix,
                    parent=parent,
                    existing=section,
                )
        if planned is None:
            planned = PlannedSection(
                number=self.free_number(parent, spec.number.rpartition(".")[2]),
                title=spec.title,
                description=spec.description,
                prefix=spec.prefix,
                parent=parent,
            )
        self.planned[id(spec)] = planned
        self.order.append(planned)
        return planned

    def free_number(self, parent: PlannedSection | None, wanted: str) -> str:
        base = f"{parent.number}." if parent else ""
        number = base + wanted
        if number not in self.numbers:
            self.numbers.add(number)
            return number
        siblings = [
            int(n[len(base) :])
            for n in self.numbers
            if n.startswith(base) and n[len(base) :].isdigit()
        ]
        number = f"{base}{max(siblings, default=0) + 1}"
        self.numbers.add(number)
        return number

    def of(self, spec: SectionSpec | None) -> PlannedSection:
        if spec is not None:
            return self.planned[id(spec)]
        if self.fallback is None:
            title = _("Imported")
            match = [
                section
                for section in self.children[None]
                if fold(section.title) == fold(title)
            ]
            if match:
                section = match[0]
                self.fallback = PlannedSection(
                    number=section.number, title=section.title, existing=section
                )
            else:
                top = [int(n) for n in self.numbers if n.isdigit()]
                number = str(max(top, default=0) + 1)
                self.numbers.add(number)
                self.fallback = PlannedSection(number=number, title=title)
            self.order.append(self.fallback)
        return self.fallback

    def used(self) -> list[PlannedSection]:
        return self.order


def _existing_requirements(procurement: Procurement, keys: list[str]) -> dict:
    stored = dict(
        Requirement.objects.filter(procurement=procurement).values_list("key", "pk")
    )
    wanted = [stored[key] for key in keys if key in stored]
    found: dict[str, Requirement] = {}
    for start in range(0, len(wanted), 500):
        for requirement in requirements_for_snapshot(procurement).filter(
            pk__in=wanted[start : start + 500]
        ):
            found[requirement.key] = requirement
    return found


def _organisations(parsed: ParsedReqIF) -> dict[str, Organisation]:
    names = {
        name
        for requirement in parsed.requirements
        for _relation, name in requirement.stakeholders or ()
    }
    if not names:
        return {}
    return {o.name: o for o in Organisation.objects.filter(name__in=names)}


def _stakeholders(
    spec: RequirementSpec,
    organisations: dict[str, Organisation],
    problems: list[Problem],
    *,
    existing: bool,
) -> list[tuple[Organisation, str]] | None:
    """The stakeholders the file gives, as organisations. For a requirement
    that exists, an organisation Kravspor does not know (renamed since the
    export, say) leaves its stakeholders as they are rather than dropping
    one."""
    if spec.stakeholders is None:
        return None
    pairs = []
    for relation, name in spec.stakeholders:
        organisation = organisations.get(name)
        if organisation is not None and relation in Relation.values:
            pairs.append((organisation, relation))
            continue
        if existing:
            message = _(
                "%(key)s: the stakeholder “%(value)s” is not a known organisation "
                "with a relation (raised, endorsed, owner); the requirement's "
                "stakeholders are left as they are."
            )
        else:
            message = _(
                "%(key)s: the stakeholder “%(value)s” is not a known organisation "
                "with a relation (raised, endorsed, owner); it is left out."
            )
        problems.append(
            Problem(
                "stakeholder_unknown",
                message % {"key": spec.key, "value": f"{relation}:{name}"},
            )
        )
        if existing:
            return None
    return pairs


def _plan_create(
    spec: RequirementSpec,
    sections: _SectionPlanner,
    stakeholders: list[tuple[Organisation, str]] | None,
    problems: list[Problem],
) -> PlannedRequirement:
    fields = dict(spec.fields)
    if "kind" not in fields:
        fields["kind"] = Kind.V if fields.get("weight") is not None else Kind.I
    if fields["kind"] in (Kind.V, Kind.AV) and fields.get("weight") is None:
        problems.append(
            Problem(
                "weight_required",
                _("%(key)s is of kind %(kind)s but has no weight in the file.")
                % {"key": spec.key, "kind": fields["kind"]},
                blocking=True,
            )
        )
    fields["extra_attributes"] = dict(spec.extra)
    return PlannedRequirement(
        key=spec.key,
        title=fields["title"],
        section=sections.of(spec.section),
        fields=fields,
        tags=spec.tags,
        stakeholders=stakeholders,
    )


def _plan_change(
    spec: RequirementSpec,
    requirement: Requirement,
    sections: _SectionPlanner,
    stakeholders: list[tuple[Organisation, str]] | None,
    problems: list[Problem],
) -> PlannedRequirement:
    fields = dict(spec.fields)
    fields["extra_attributes"] = dict(spec.extra)
    section = sections.of(spec.section) if spec.section is not None else None
    status = fields.get("status")
    if status and status != requirement.status:
        if status not in TRANSITIONS.get(requirement.status, set()):
            problems.append(
                Problem(
                    "status_kept",
                    _(
                        "%(key)s stays %(old)s: the file says %(new)s, which cannot "
                        "follow %(old)s directly."
                    )
                    % {
                        "key": requirement.key,
                        "old": Status(requirement.status).label,
                        "new": Status(status).label,
                    },
                )
            )
            del fields["status"]
    changed = [
        name for name, value in fields.items() if getattr(requirement, name) != value
    ]
    if section is not None and (
        section.existing is None or section.existing.pk != requirement.section_id
    ):
        changed.insert(0, "section")
    kind = fields.get("kind", requirement.kind)
    weight = fields.get("weight", requirement.weight)
    if kind in (Kind.V, Kind.AV) and weight is None:
        problems.append(
            Problem(
                "weight_required",
                _("%(key)s would be of kind %(kind)s without a weight.")
                % {"key": requirement.key, "kind": kind},
                blocking=True,
            )
        )
    tags = None
    if spec.tags is not None:
        if sorted(t.name for t in requirement.tags.all()) != spec.tags:
            tags = spec.tags
            changed.append("tags")
    if stakeholders is not None:
        now = {
            (link.organisation_id, link.relation)
            for link in requirement.stakeholder_links.all()
        }
        if now != {(o.pk, relation) for o, relation in stakeholders}:
            changed.append("stakeholders")
        else:
            stakeholders = None
    return PlannedRequirement(
        key=requirement.key,
        title=fields.get("title", requirement.title),
        section=section,
        fields={n: v for n, v in fields.items() if n in changed},
        tags=tags,
        stakeholders=stakeholders,
        existing=requirement,
        version=requirement.version,
        changed_fields=changed,
    )


def _plan_links(
    procurement: Procurement,
    links: list[LinkSpec],
    existing: dict[str, Requirement],
) -> tuple[list[LinkSpec], int]:
    if not links:
        return [], 0
    stored = set()
    if existing:
        for source, target, link_type in RequirementLink.objects.filter(
            source__procurement=procurement
        ).values_list("source__key", "target__key", "link_type"):
            stored.add(LinkSpec(source, target, link_type))
    new = [link for link in links if link not in stored]
    return new, len(links) - len(new)


# Apply -------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportResult:
    sections: int
    created: int
    changed: int
    links: int


@transaction.atomic
def apply_plan(
    plan: ImportPlan, *, procurement: Procurement, by: AbstractBaseUser | None
) -> ImportResult:
    """Carry out an error-free plan, all or nothing, through the services.
    Raises PlanOutdated (and writes nothing) when the specification changed
    after the plan was made."""
    if plan.errors:
        raise ValueError("a plan with errors cannot be applied")
    if spec_fingerprint(procurement) != plan.fingerprint:
        raise PlanOutdated
    for planned in plan.sections:
        if planned.existing is not None:
            planned.saved = planned.existing
            continue
        planned.saved = section_save(
            by=by,
            procurement=procurement,
            number=planned.number,
            title=planned.title,
            description=planned.description,
            prefix=planned.prefix,
            parent=planned.parent.saved if planned.parent else None,
        )
    requirements_bulk_create(
        by=by,
        procurement=procurement,
        requirements=[
            {
                **planned.fields,
                "key": planned.key,
                "section": planned.section.saved,
                "tags": planned.tags or (),
                "stakeholders": planned.stakeholders or (),
            }
            for planned in plan.created
        ],
    )
    try:
        for planned in plan.changed:
            fields = dict(planned.fields)
            if planned.section is not None and "section" in planned.changed_fields:
                fields["section"] = planned.section.saved
            requirement_update(
                by=by,
                requirement=planned.existing,
                expected_version=planned.version,
                tags=planned.tags,
                stakeholders=planned.stakeholders,
                **fields,
            )
    except ConcurrentEditError as exc:
        raise PlanOutdated from exc
    if plan.links:
        keys = {key for link in plan.links for key in (link.source, link.target)}
        by_key = {}
        key_list = sorted(keys)
        for start in range(0, len(key_list), 500):
            for requirement in Requirement.objects.filter(
                procurement=procurement, key__in=key_list[start : start + 500]
            ).only("pk", "key", "procurement_id"):
                by_key[requirement.key] = requirement
        requirement_links_bulk_create(
            by=by,
            links=[
                (by_key[link.source], by_key[link.target], link.link_type)
                for link in plan.links
            ],
        )
    result = ImportResult(
        sections=len(plan.new_sections),
        created=len(plan.created),
        changed=len(plan.changed),
        links=len(plan.links),
    )
    if plan.has_changes:
        event_record(
            action="specification.imported",
            by=by,
            procurement=procurement,
            data={
                "file": plan.name,
                "format": "ReqIF",
                "sections": result.sections,
                "created": result.created,
                "changed": result.changed,
                "links": result.links,
            },
        )
    return result
