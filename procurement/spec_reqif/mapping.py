"""From a ReqIF file's objects to Kravspor's sections, requirements and links.

Which objects are headings, which attribute fills which field, how keys are
chosen and how statuses of other tools map: the rules live here, over plain
data read from the file (see reading.py). No database access.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _
from reqif.models.reqif_spec_object_type import ReqIFSpecObjectType

from procurement.documents.safety import ILLEGAL_CHARACTERS_RE
from procurement.models import Requirement, RequirementLink, Section
from procurement.models.specification import KEY_PREFIX_RE, SECTION_NUMBER_RE

Kind = Requirement.Kind
Status = Requirement.Status
KIND_CODES = frozenset(Kind.values)

KEY_MAX = Requirement._meta.get_field("key").max_length
TITLE_MAX = Requirement._meta.get_field("title").max_length
NUMBER_MAX = Section._meta.get_field("number").max_length
LINK_TYPE_MAX = RequirementLink._meta.get_field("link_type").max_length
TAG_MAX = 60
# A title made from the first line of the text is cut here.
DERIVED_TITLE_MAX = 120

# Attribute long names (compared case-insensitively) and what they fill.
FOREIGN_ID = "reqif.foreignid"
NAME = "reqif.name"
CHAPTER_NAME = "reqif.chaptername"
TEXT_NAMES = ("reqif.text", "reqif.description")
KIND_NAMES = ("kravspor.kind", "kind", "kravtype", "requirement kind")
WEIGHT_NAMES = ("kravspor.weight", "weight", "vekt")
STATUS_NAMES = ("kravspor.status", "status", "tilstand")
RESPONSE_NAMES = (
    "kravspor.responseinstructions",
    "response instructions",
    "krav til besvarelse",
)
RATIONALE_NAMES = ("kravspor.rationale", "rationale", "begrunnelse")
TAG_NAMES = ("kravspor.tags", "tags", "stikkord", "emneord")
STAKEHOLDER_NAMES = ("kravspor.stakeholders",)
SECTION_NUMBER_NAME = "kravspor.sectionnumber"
KEY_PREFIX_NAME = "kravspor.keyprefix"
RESERVED_NAMES = frozenset(
    {
        FOREIGN_ID,
        NAME,
        CHAPTER_NAME,
        SECTION_NUMBER_NAME,
        KEY_PREFIX_NAME,
        *TEXT_NAMES,
        *KIND_NAMES,
        *WEIGHT_NAMES,
        *STATUS_NAMES,
        *RESPONSE_NAMES,
        *RATIONALE_NAMES,
        *TAG_NAMES,
        *STAKEHOLDER_NAMES,
    }
)

# Spec object types whose objects are headings, in the languages tools use.
HEADING_TYPE_RE = re.compile(
    r"heading|headline|überschrift|ueberschrift|overskrift|kapittel|chapter|"
    r"section|seksjon|abschnitt",
    re.IGNORECASE,
)
# A string attribute with one of these in its name holds the requirement text
# when the file has no ReqIF.Text (Enterprise Architect: FUNC-REQ-TXT).
TEXT_NAME_RE = re.compile(r"text|txt|tekst|description|beskrivelse", re.IGNORECASE)

TAG_SEPARATOR_RE = re.compile(r"[\n;,]")
# "A – absolute (pass/fail)" → "A"
KIND_LABEL_RE = re.compile(r"\s+[–-]\s+")

# Status values of other tools → our statuses (folded: lower case, "_" and
# "-" as spaces).
STATUS_WORDS = {
    Status.APPROVED: ("approved", "godkjent", "accepted", "akseptert"),
    Status.DRAFT: ("draft", "utkast", "proposed", "foreslått", "forslag", "new"),
    Status.IN_REVIEW: (
        "in review",
        "reviewed",
        "under review",
        "review",
        "til vurdering",
        "til gjennomgang",
        "under behandling",
    ),
    Status.WITHDRAWN: (
        "rejected",
        "withdrawn",
        "obsolete",
        "deleted",
        "avvist",
        "trukket",
        "trukket tilbake",
        "utgått",
    ),
}
STATUS_LOOKUP = {
    word: status for status, words in STATUS_WORDS.items() for word in words
}


def fold(text: str) -> str:
    return " ".join(text.replace("_", " ").replace("-", " ").casefold().split())


def one_line(text: str) -> str:
    return " ".join(text.split())


def cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@dataclass(frozen=True)
class Problem:
    """Something in the file the user should know about. A blocking problem
    stops the import; the others say what is skipped or assumed."""

    code: str
    message: str
    blocking: bool = False


@dataclass(eq=False)
class SectionSpec:
    """A heading of the file, numbered from its place in the hierarchy."""

    ref: str
    number: str
    title: str
    description: str = ""
    prefix: str = ""
    parent: SectionSpec | None = None
    explicit_number: str = ""


@dataclass(eq=False)
class RequirementSpec:
    """A requirement of the file. ``fields`` holds only what the file gives
    (and the title); ``section`` is None when no heading is above it."""

    ref: str
    key: str
    section: SectionSpec | None
    fields: dict[str, Any]
    tags: list[str] | None = None
    stakeholders: list[tuple[str, str]] | None = None
    extra: dict[str, str] = field(default_factory=dict)
    foreign_id: str = ""
    title_candidates: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class LinkSpec:
    source: str
    target: str
    link_type: str


@dataclass
class ParsedReqIF:
    name: str
    title: str
    tool: str
    sections: list[SectionSpec]
    requirements: list[RequirementSpec]
    links: list[LinkSpec]
    problems: list[Problem]
    unmapped: Counter


@dataclass
class RawValue:
    definition: str
    kind: str  # STRING, ENUMERATION, XHTML …
    value: str | list[str]  # the text (XHTML as plain text) or enum value refs


@dataclass
class SpecObject:
    identifier: str
    type_ref: str
    long_name: str
    description: str
    values: list[RawValue]


@dataclass
class _Value:
    name: str
    text: str
    kind: str


class Mapper:
    """From the file's objects to sections, requirements and links."""

    def __init__(
        self,
        bundle: Any,
        objects: dict[str, SpecObject],
        *,
        name: str,
        problems: list[Problem],
    ):
        content = bundle.core_content.req_if_content
        self.name = name
        self.content = content
        self.header = bundle.req_if_header
        self.problems = problems
        self.objects = objects
        self.datatypes = bundle.lookup.data_types_lookup
        self.spec_types = bundle.lookup.spec_types_lookup
        self.definitions: dict[str, Any] = {}
        for spec_type in content.spec_types or []:
            for definition in getattr(spec_type, "attribute_definitions", None) or []:
                self.definitions[definition.identifier] = definition
        self.heading_types = {
            spec_type.identifier
            for spec_type in content.spec_types or []
            if isinstance(spec_type, ReqIFSpecObjectType)
            and HEADING_TYPE_RE.search(spec_type.long_name or spec_type.identifier)
        }
        self.sections: list[SectionSpec] = []
        self.section_by_ref: dict[str, SectionSpec] = {}
        self.requirements: list[RequirementSpec] = []
        self.requirement_by_ref: dict[str, RequirementSpec] = {}
        self.placed: set[str] = set()
        self.counters: dict[int, int] = defaultdict(int)
        self.unmapped: Counter = Counter()

    def warn(self, code: str, message: str, *, blocking: bool = False) -> None:
        self.problems.append(Problem(code, message, blocking))

    def run(self) -> ParsedReqIF:
        specifications = self.content.specifications or []
        for specification in specifications:
            parent = None
            if len(specifications) > 1:
                parent = self.add_section(
                    ref=f"specification:{specification.identifier}",
                    title=specification.long_name or specification.identifier,
                    parent=None,
                )
            self.visit_all(specification.children or [], parent)
        self.add_unplaced()
        self.assign_keys()
        self.use_explicit_numbers()
        for section in self.sections:
            if len(section.number) > NUMBER_MAX:
                self.warn(
                    "too_deep",
                    _(
                        "The heading “%(title)s” is nested too deeply: its number "
                        "%(number)s is longer than %(max)s characters."
                    )
                    % {
                        "title": section.title,
                        "number": section.number,
                        "max": NUMBER_MAX,
                    },
                    blocking=True,
                )
        header = self.header
        return ParsedReqIF(
            name=self.name,
            title=(header.title or "") if header else "",
            tool=(header.source_tool_id or header.req_if_tool_id or "")
            if header
            else "",
            sections=self.sections,
            requirements=self.requirements,
            links=self.links(),
            problems=self.problems,
            unmapped=self.unmapped,
        )

    # Values

    def values(self, spec_object: SpecObject) -> dict[str, _Value]:
        """Folded attribute name → value, in the order of the file."""
        values: dict[str, _Value] = {}
        for raw in spec_object.values:
            definition = self.definitions.get(raw.definition)
            name = (
                definition.long_name
                if definition is not None and definition.long_name
                else raw.definition
            )
            text = self.display(raw, definition)
            key = name.casefold()
            if key in values:
                joined = (values[key].text, text)
                values[key].text = "\n".join(t for t in joined if t)
            else:
                values[key] = _Value(name, text, raw.kind)
        return values

    def display(self, raw: RawValue, definition: Any) -> str:
        if raw.kind == "XHTML":
            return raw.value
        if raw.kind == "ENUMERATION":
            datatype = (
                self.datatypes.get(definition.datatype_definition)
                if definition is not None
                else None
            )
            values_map = getattr(datatype, "values_map", None) or {}
            names = []
            for ref in raw.value:
                enum_value = values_map.get(ref)
                if enum_value is not None:
                    names.append(enum_value.long_name or enum_value.identifier)
                elif ref:
                    names.append(ref)
            return ", ".join(names)
        return ILLEGAL_CHARACTERS_RE.sub("", raw.value).strip()

    @staticmethod
    def text_of(values: dict[str, _Value]) -> _Value | None:
        """ReqIF.Text; else the first other XHTML value; else a string value
        whose name says it is the text."""
        for name in TEXT_NAMES:
            if name in values:
                return values[name]
        for key, value in values.items():
            if key not in RESERVED_NAMES and value.kind == "XHTML":
                return value
        for key, value in values.items():
            if (
                key not in RESERVED_NAMES
                and value.kind == "STRING"
                and TEXT_NAME_RE.search(value.name)
            ):
                return value
        return None

    # Hierarchy

    def is_heading(self, spec_object: SpecObject, values: dict, children) -> bool:
        """A heading type decides where the file has one (Polarion puts
        ReqIF.ChapterName on requirements too); else ReqIF.ChapterName does.
        An object without text that has objects below it is a heading too."""
        if self.heading_types:
            if spec_object.type_ref in self.heading_types:
                return True
        elif CHAPTER_NAME in values and values[CHAPTER_NAME].text:
            return True
        if not children:
            return False
        text = self.text_of(values)
        return not (text and text.text)

    def visit_all(self, nodes: list, heading: SectionSpec | None) -> None:
        # Iterative, so a deep hierarchy cannot exhaust the stack.
        stack = [(node, heading) for node in reversed(nodes)]
        while stack:
            node, context = stack.pop()
            context = self.visit(node, context)
            for child in reversed(node.children or []):
                stack.append((child, context))

    def visit(self, node: Any, heading: SectionSpec | None) -> SectionSpec | None:
        ref = node.spec_object
        spec_object = self.objects.get(ref)
        if spec_object is None:
            self.warn(
                "hierarchy_unknown_object",
                _(
                    "SPEC-HIERARCHY %(node)s points to SPEC-OBJECT %(object)s, which "
                    "is not in the file; that place in the hierarchy is skipped."
                )
                % {"node": node.identifier, "object": ref},
            )
            return heading
        if ref in self.placed:
            self.warn(
                "placed_twice",
                _(
                    "SPEC-OBJECT %(object)s appears more than once in the hierarchy; "
                    "it is imported at its first place."
                )
                % {"object": ref},
            )
            return self.section_by_ref.get(ref, heading)
        self.placed.add(ref)
        values = self.values(spec_object)
        if self.is_heading(spec_object, values, node.children):
            return self.add_heading(spec_object, values, heading)
        self.add_requirement(spec_object, values, heading)
        return heading

    def add_unplaced(self) -> None:
        unplaced = 0
        for spec_object in self.objects.values():
            if spec_object.identifier in self.placed:
                continue
            self.placed.add(spec_object.identifier)
            values = self.values(spec_object)
            if self.is_heading(spec_object, values, None):
                self.warn(
                    "unplaced_heading",
                    _(
                        "The heading SPEC-OBJECT %(object)s is in no SPECIFICATION; "
                        "it is skipped."
                    )
                    % {"object": spec_object.identifier},
                )
                continue
            self.add_requirement(spec_object, values, None)
            unplaced += 1
        if unplaced:
            self.warn(
                "unplaced_objects",
                _(
                    "%(count)s SPEC-OBJECTs have no place in a SPECIFICATION; they "
                    "are imported into the section for imported requirements."
                )
                % {"count": unplaced},
            )

    def add_section(
        self, *, ref: str, title: str, parent: SectionSpec | None, **extra: str
    ) -> SectionSpec:
        self.counters[id(parent)] += 1
        position = str(self.counters[id(parent)])
        number = f"{parent.number}.{position}" if parent else position
        section = SectionSpec(
            ref=ref,
            number=number,
            title=cut(one_line(title), TITLE_MAX) or number,
            parent=parent,
            **extra,
        )
        self.sections.append(section)
        self.section_by_ref[ref] = section
        return section

    def add_heading(
        self, spec_object: SpecObject, values: dict, parent: SectionSpec | None
    ) -> SectionSpec:
        text = self.text_of(values)
        candidates = (
            values[CHAPTER_NAME].text if CHAPTER_NAME in values else "",
            values[NAME].text if NAME in values else "",
            spec_object.long_name,
            text.text.split("\n")[0] if text else "",
        )
        title = next((c for c in candidates if c.strip()), spec_object.identifier)
        description = text.text if text else ""
        if description.strip() == title.strip():
            description = ""
        prefix = values[KEY_PREFIX_NAME].text if KEY_PREFIX_NAME in values else ""
        number = (
            values[SECTION_NUMBER_NAME].text if SECTION_NUMBER_NAME in values else ""
        )
        return self.add_section(
            ref=spec_object.identifier,
            title=title,
            parent=parent,
            description=description,
            prefix=prefix if KEY_PREFIX_RE.match(prefix) else "",
            explicit_number=number,
        )

    def use_explicit_numbers(self) -> None:
        """A file exported by Kravspor carries each heading's number; keep them
        when every heading has one that fits its parent's, else number all
        headings from their place."""
        numbers = [section.explicit_number for section in self.sections]
        if not numbers or len(set(numbers)) != len(numbers):
            return
        for section in self.sections:
            number = section.explicit_number
            if not SECTION_NUMBER_RE.match(number):
                return
            expected = section.parent.explicit_number if section.parent else ""
            if number.rpartition(".")[0] != expected:
                return
        for section in self.sections:
            section.number = section.explicit_number

    def add_requirement(
        self, spec_object: SpecObject, values: dict, heading: SectionSpec | None
    ) -> None:
        used: set[str] = set()

        def pick(names: Iterable[str]) -> _Value | None:
            for name in names:
                if name in values:
                    used.add(name)
                    return values[name]
            return None

        fields: dict[str, Any] = {}
        text = self.text_of(values)
        if text is not None:
            used.add(text.name.casefold())
            fields["description"] = text.text
        candidates = []
        for names in ((NAME,), (CHAPTER_NAME,)):
            value = pick(names)
            if value is not None and value.text:
                candidates.append(one_line(value.text))
        if spec_object.long_name.strip():
            candidates.append(one_line(spec_object.long_name))
        if text is not None and text.text:
            first_line = one_line(text.text.split("\n")[0])
            candidates.append(cut(first_line, DERIVED_TITLE_MAX))
        foreign = pick((FOREIGN_ID,))
        self.read_kravspor_fields(spec_object, values, pick, used, fields)
        requirement = RequirementSpec(
            ref=spec_object.identifier,
            key="",
            section=heading,
            fields=fields,
            foreign_id=one_line(foreign.text) if foreign else "",
            title_candidates=candidates,
        )
        tags = pick(TAG_NAMES)
        if tags is not None:
            requirement.tags = sorted(
                {
                    cut(tag.strip(), TAG_MAX)
                    for tag in TAG_SEPARATOR_RE.split(tags.text)
                    if tag.strip()
                }
            )
        stakeholders = pick(STAKEHOLDER_NAMES)
        if stakeholders is not None:
            requirement.stakeholders = [
                (relation.strip(), organisation.strip())
                for relation, _sep, organisation in (
                    line.partition(":") for line in stakeholders.text.split("\n")
                )
                if organisation.strip()
            ]
        for key, value in values.items():
            if key not in used and value.text:
                requirement.extra[value.name] = value.text
        if spec_object.description.strip():
            requirement.extra.setdefault("DESC", spec_object.description.strip())
        self.unmapped.update(requirement.extra.keys())
        self.requirements.append(requirement)
        self.requirement_by_ref[spec_object.identifier] = requirement

    def read_kravspor_fields(
        self, spec_object: SpecObject, values: dict, pick, used: set, fields: dict
    ) -> None:
        """Kind, weight, status, response instructions and rationale; a value
        that does not fit stays among the other attributes."""
        kind = pick(KIND_NAMES)
        if kind is not None:
            code = KIND_LABEL_RE.split(kind.text.strip())[0].upper()
            if code in KIND_CODES:
                fields["kind"] = code
            else:
                used.discard(kind.name.casefold())
        weight = pick(WEIGHT_NAMES)
        if weight is not None:
            parsed = parse_weight(weight.text)
            if parsed is False:
                self.warn(
                    "weight_invalid",
                    _(
                        "SPEC-OBJECT %(object)s: the weight “%(value)s” is not a "
                        "number of 0 or more with at most three decimals; it is kept "
                        "among the other attributes."
                    )
                    % {"object": spec_object.identifier, "value": weight.text},
                )
                used.discard(weight.name.casefold())
            else:
                fields["weight"] = parsed
        status = pick(STATUS_NAMES)
        if status is None:
            # An attribute called e.g. FUNC-REQ-STATUS holds the status too.
            status = pick(
                [k for k in values if k not in RESERVED_NAMES and "status" in k][:1]
            )
        if status is not None:
            mapped = STATUS_LOOKUP.get(fold(status.text))
            if mapped:
                fields["status"] = mapped
            else:
                used.discard(status.name.casefold())
        for names, name in (
            (RESPONSE_NAMES, "response_instructions"),
            (RATIONALE_NAMES, "rationale"),
        ):
            value = pick(names)
            if value is not None:
                fields[name] = value.text

    # Keys and links

    def assign_keys(self) -> None:
        """ReqIF.ForeignID is the key where it is unique in the file; else the
        object's IDENTIFIER. Keys are cut to the key field's length and stay
        unique."""
        counts = Counter(r.foreign_id for r in self.requirements if r.foreign_id)
        for foreign_id, count in sorted(counts.items()):
            if count > 1:
                self.warn(
                    "duplicate_foreign_id",
                    _(
                        "%(count)s objects share ReqIF.ForeignID “%(value)s”; they "
                        "get their IDENTIFIER as key instead."
                    )
                    % {"count": count, "value": foreign_id},
                )
        used: set[str] = set()
        for requirement in self.requirements:
            unique = requirement.foreign_id and counts[requirement.foreign_id] == 1
            key = requirement.foreign_id if unique else one_line(requirement.ref)
            if len(key) > KEY_MAX:
                self.warn(
                    "key_cut",
                    _("The key “%(key)s” is cut to %(max)s characters.")
                    % {"key": key, "max": KEY_MAX},
                )
                key = key[:KEY_MAX]
            if key in used:
                digest = hashlib.sha1(requirement.ref.encode()).hexdigest()[:8]
                key = f"{key[: KEY_MAX - 9]}~{digest}"
            used.add(key)
            requirement.key = key
            if requirement.foreign_id and not unique:
                requirement.extra.setdefault("ReqIF.ForeignID", requirement.foreign_id)
            requirement.fields["title"] = cut(
                next(iter(requirement.title_candidates), key), TITLE_MAX
            )

    def links(self) -> list[LinkSpec]:
        links: dict[LinkSpec, None] = {}
        for relation in self.content.spec_relations or []:
            ends = []
            for ref in (relation.source, relation.target):
                requirement = self.requirement_by_ref.get(ref)
                if requirement is not None:
                    ends.append(requirement.key)
                    continue
                if ref in self.section_by_ref:
                    self.warn(
                        "relation_to_heading",
                        _(
                            "SPEC-RELATION %(relation)s connects the heading "
                            "%(object)s; Kravspor links requirements only, so it is "
                            "skipped."
                        )
                        % {"relation": relation.identifier, "object": ref},
                    )
                else:
                    self.warn(
                        "relation_unknown_object",
                        _(
                            "SPEC-RELATION %(relation)s points to SPEC-OBJECT "
                            "%(object)s, which is not in the file; the relation is "
                            "skipped."
                        )
                        % {"relation": relation.identifier, "object": ref},
                    )
                break
            if len(ends) != 2:
                continue
            relation_type = self.spec_types.get(relation.relation_type_ref)
            link_type = (
                getattr(relation_type, "long_name", None) or relation.relation_type_ref
            )
            link_type = cut(one_line(link_type or "relation"), LINK_TYPE_MAX)
            links[LinkSpec(ends[0], ends[1], link_type)] = None
        return list(links)


def parse_weight(text: str) -> Decimal | None | bool:
    """The weight in a file's value: None when empty, False when it is not a
    weight Kravspor can hold (0 or more, three decimals at most)."""
    text = text.strip().replace(" ", "").replace(",", ".")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return False
    if not value.is_finite() or value < 0 or value >= Decimal("1000000"):
        return False
    if value != value.quantize(Decimal("0.001")):
        return False
    return value.quantize(Decimal("0.001"))
