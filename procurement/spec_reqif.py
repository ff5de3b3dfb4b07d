"""The requirement specification as ReqIF, out and back in.

ReqIF is how requirements tools (DOORS, Polarion, ReqIF Studio, Enterprise
Architect …) exchange specifications. Import runs in three steps, like the
Excel round trip:

- ``parse_reqif``: open the upload safely (a ``.reqifz`` after the zip check),
  parse it once with a hardened lxml parser, read it with the ``reqif``
  package and map it to plain data: headings become numbered sections, other
  spec objects requirements, SPEC-RELATIONs typed links. A file Kravspor
  cannot use at all raises ``UploadProblem`` naming what is missing; parts it
  can do without (a relation to an object that is not in the file) become
  warnings that the preview shows.
- ``plan_import``: compare with the stored specification: sections and
  requirements to create, requirements to change (field by field), links to
  add; nothing is written.
- ``apply_plan``: carry out an error-free plan in one transaction through the
  specification services, so history, key reservation and version checks
  apply.

``write_reqif`` exports today's specification or a baseline as ReqIF 1.2 that
imports back to the same content.
"""

from __future__ import annotations

import hashlib
import io
import re
import uuid
import zipfile
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from lxml import etree
from reqif.models.reqif_spec_object_type import ReqIFSpecObjectType
from reqif.models.reqif_types import SpecObjectAttributeType
from reqif.parser import ReqIFParser

from procurement.documents.safety import (
    ILLEGAL_CHARACTERS_RE,
    UploadProblem,
    check_zip_container,
)
from procurement.models import (
    Baseline,
    Organisation,
    Procurement,
    Requirement,
    RequirementLink,
    RequirementStakeholder,
    Section,
)
from procurement.models.specification import KEY_PREFIX_RE, SECTION_NUMBER_RE
from procurement.selectors.specification import (
    baseline_snapshots,
    requirements_for_snapshot,
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

REQIF_NS = "http://www.omg.org/spec/ReqIF/20110401/reqif.xsd"
XHTML_NS = "http://www.w3.org/1999/xhtml"

Kind = Requirement.Kind
Status = Requirement.Status
Relation = RequirementStakeholder.Relation

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
KIND_NAMES = {"kravspor.kind", "kind", "kravtype", "requirement kind"}
WEIGHT_NAMES = {"kravspor.weight", "weight", "vekt"}
STATUS_NAMES = {"kravspor.status", "status", "tilstand"}
RESPONSE_NAMES = {
    "kravspor.responseinstructions",
    "response instructions",
    "krav til besvarelse",
}
RATIONALE_NAMES = {"kravspor.rationale", "rationale", "begrunnelse"}
TAG_NAMES = {"kravspor.tags", "tags", "stikkord", "emneord"}
STAKEHOLDER_NAMES = {"kravspor.stakeholders"}
SECTION_NUMBER_NAME = "kravspor.sectionnumber"
KEY_PREFIX_NAME = "kravspor.keyprefix"

# Spec object types whose objects are headings, in the languages tools use.
HEADING_TYPE_RE = re.compile(
    r"heading|headline|überschrift|ueberschrift|overskrift|kapittel|chapter|"
    r"section|seksjon|abschnitt",
    re.IGNORECASE,
)
# A string attribute with one of these in its name holds the requirement text
# when the file has no ReqIF.Text (Enterprise Architect: FUNC-REQ-TXT).
TEXT_NAME_RE = re.compile(r"text|txt|tekst|description|beskrivelse", re.IGNORECASE)

# Status values of other tools → our statuses (folded: lower case, "_" and
# "-" as spaces).
STATUS_WORDS = {
    Status.APPROVED: {"approved", "godkjent", "accepted", "akseptert"},
    Status.DRAFT: {"draft", "utkast", "proposed", "foreslått", "forslag", "new"},
    Status.IN_REVIEW: {
        "in review",
        "reviewed",
        "under review",
        "review",
        "til vurdering",
        "til gjennomgang",
        "under behandling",
    },
    Status.WITHDRAWN: {
        "rejected",
        "withdrawn",
        "obsolete",
        "deleted",
        "avvist",
        "trukket",
        "trukket tilbake",
        "utgått",
    },
}
STATUS_LOOKUP = {
    word: status for status, words in STATUS_WORDS.items() for word in words
}

# XHTML elements whose content is never text for a reader.
SKIPPED_ELEMENTS = {"script", "style", "head", "title", "template", "noscript"}
BLOCK_ELEMENTS = {
    "address",
    "blockquote",
    "caption",
    "dd",
    "div",
    "dl",
    "dt",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "li",
    "ol",
    "p",
    "pre",
    "table",
    "tr",
    "ul",
}
XML_SPACE_RE = re.compile(r"[ \t\r\n]+")


def _fold(text: str) -> str:
    return " ".join(text.replace("_", " ").replace("-", " ").casefold().split())


def _localname(element: Any) -> str:
    if not isinstance(element.tag, str):
        return ""
    return etree.QName(element).localname


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# XHTML → plain text ------------------------------------------------------------


def xhtml_to_text(element: Any) -> str:
    """The text of an XHTML fragment (the children of ``element``) for a
    reader: paragraphs, divisions and line breaks become lines, list items
    lines starting with "• ", table cells are separated by " | "; script and
    style content is dropped, entities are already decoded by the parser, and
    no markup is kept. Runs of spaces are collapsed as a browser would, except
    inside <pre> or ``white-space: pre…``; non-breaking spaces become spaces."""
    lines: list[str] = []
    current: list[str] = []

    def flush(force: bool) -> None:
        line = "".join(current).strip(" ").replace("\xa0", " ")
        if line or force:
            lines.append(line)
        current.clear()

    def add(text: str | None, pre: bool) -> None:
        if not text:
            return
        if pre:
            parts = text.replace("\r\n", "\n").split("\n")
            for index, part in enumerate(parts):
                if index:
                    flush(True)
                current.append(part)
        else:
            current.append(XML_SPACE_RE.sub(" ", text))

    def walk(node: Any, pre: bool) -> None:
        tag = _localname(node).lower()
        if tag and tag not in SKIPPED_ELEMENTS:
            style = (node.get("style") or "").replace(" ", "").lower()
            inner_pre = pre or tag == "pre" or "white-space:pre" in style
            if tag == "br":
                flush(True)
            elif tag in BLOCK_ELEMENTS or tag in ("td", "th"):
                if tag in ("td", "th"):
                    if node.getprevious() is not None:
                        current.append(" | ")
                else:
                    flush(False)
                if tag == "li":
                    current.append("• ")
                add(node.text, inner_pre)
                for child in node:
                    walk(child, inner_pre)
                if tag not in ("td", "th"):
                    flush(False)
            else:
                add(node.text, inner_pre)
                for child in node:
                    walk(child, inner_pre)
        add(node.tail, pre)

    if element is not None:
        add(element.text, False)
        for child in element:
            walk(child, False)
    flush(False)
    while lines and not lines[-1]:
        lines.pop()
    while lines and not lines[0]:
        lines.pop(0)
    return "\n".join(lines)


# Parse -------------------------------------------------------------------------


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
    """A requirement of the file. ``fields`` holds only what the file gives;
    ``section`` is None when no heading is above it."""

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


def read_upload(handle: IO[bytes], *, name: str) -> bytes:
    """The bytes of an uploaded ReqIF file, after the size checks that apply
    to every upload (the zip check follows in ``parse_reqif``)."""
    from procurement.documents.safety import check_upload_size

    handle.seek(0, io.SEEK_END)
    check_upload_size(handle.tell(), name=name, max_bytes=settings.UPLOAD_MAX_BYTES)
    handle.seek(0)
    return handle.read()


def parse_reqif(data: bytes, *, name: str) -> ParsedReqIF:
    """Read a .reqif or .reqifz file. Raises UploadProblem when Kravspor
    cannot use it at all; everything else is in the result's problems."""
    xml = _unpack(data, name=name)
    tree = _read_xml(xml, name=name)
    problems: list[Problem] = []
    _check_structure(tree, name=name, problems=problems)
    try:
        # The package's own entry point would parse the text a second time
        # with lxml's default (entity-resolving) parser; hand it the tree
        # parsed above with the hardened one instead.
        bundle = ReqIFParser._parse_reqif(tree)
    except Exception as exc:  # the package asserts rather than reports
        raise UploadProblem(
            "unreadable",
            _(
                "%(name)s could not be read as ReqIF (%(detail)s). Check that it "
                "is a complete ReqIF export."
            )
            % {"name": name, "detail": _cut(f"{type(exc).__name__}: {exc}", 200)},
        ) from exc
    return _Mapper(bundle, name=name, problems=problems).run()


def _unpack(data: bytes, *, name: str) -> bytes:
    if not data:
        raise UploadProblem("empty", _("%(name)s is empty.") % {"name": name})
    if not (data[:4] == b"PK\x03\x04" or name.lower().endswith(".reqifz")):
        return data
    handle = io.BytesIO(data)
    check_zip_container(handle, name=name, max_ratio=settings.UPLOAD_MAX_RATIO)
    try:
        with zipfile.ZipFile(handle) as archive:
            members = [
                info
                for info in archive.infolist()
                if not info.is_dir() and info.filename.lower().endswith(".reqif")
            ]
            if not members:
                raise UploadProblem(
                    "no_reqif_in_zip",
                    _("%(name)s holds no .reqif file.") % {"name": name},
                )
            if len(members) > 1:
                raise UploadProblem(
                    "several_reqif_in_zip",
                    _(
                        "%(name)s holds %(count)s ReqIF files (%(files)s); import "
                        "them one at a time."
                    )
                    % {
                        "name": name,
                        "count": len(members),
                        "files": ", ".join(m.filename for m in members),
                    },
                )
            return archive.read(members[0])
    except (zipfile.BadZipFile, zlib.error, RuntimeError, NotImplementedError) as exc:
        raise UploadProblem(
            "bad_zip",
            _("%(name)s is a damaged or encrypted zip file.") % {"name": name},
        ) from exc


def _read_xml(data: bytes, *, name: str) -> Any:
    start = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not start.startswith((b"<", b"\xff\xfe", b"\xfe\xff")):
        raise UploadProblem(
            "not_xml",
            _("%(name)s is not an XML file, so it cannot be a ReqIF file.")
            % {"name": name},
        )
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        tree = etree.parse(io.BytesIO(data), parser)
    except etree.XMLSyntaxError as exc:
        line, column = exc.position
        raise UploadProblem(
            "bad_xml",
            _(
                "%(name)s is not well-formed XML: %(error)s (line %(line)s, column "
                "%(column)s)."
            )
            % {"name": name, "error": exc.msg, "line": line, "column": column},
        ) from exc
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise UploadProblem(
            "doctype",
            _(
                "%(name)s contains a document type declaration (DOCTYPE). ReqIF "
                "files do not use one, and Kravspor refuses them because they can "
                "make a parser expand text without limit or fetch other files."
            )
            % {"name": name},
        )
    return tree


def _child(element: Any, *path: str) -> Any:
    for tag in path:
        if element is None:
            return None
        element = element.find("{*}" + tag)
    return element


def _children(element: Any, tag: str) -> list[Any]:
    if element is None:
        return []
    return element.findall("{*}" + tag)


def _ref_text(element: Any, *path: str) -> str:
    found = _child(element, *path)
    return (found.text or "").strip() if found is not None else ""


def _check_structure(tree: Any, *, name: str, problems: list[Problem]) -> None:
    """Name the missing part before the package trips over it. Incomplete
    relations are removed (with a warning) so the rest can still be read."""
    root = tree.getroot()
    if _localname(root) != "REQ-IF":
        raise UploadProblem(
            "not_reqif",
            _("%(name)s is XML, but not ReqIF: its root element is <%(root)s>.")
            % {"name": name, "root": _localname(root)},
        )
    content = _child(root, "CORE-CONTENT", "REQ-IF-CONTENT")
    if content is None:
        raise UploadProblem(
            "no_content",
            _(
                "%(name)s has no CORE-CONTENT/REQ-IF-CONTENT, the part of a ReqIF "
                "file that holds the requirements."
            )
            % {"name": name},
        )
    spec_types = _child(content, "SPEC-TYPES")
    if spec_types is None or not _children(spec_types, "SPEC-OBJECT-TYPE"):
        raise UploadProblem(
            "no_spec_types",
            _(
                "%(name)s has no SPEC-TYPES with a SPEC-OBJECT-TYPE: the file does "
                "not say what its objects are, so headings cannot be told from "
                "requirements."
            )
            % {"name": name},
        )
    objects = _children(_child(content, "SPEC-OBJECTS"), "SPEC-OBJECT")
    if not objects:
        raise UploadProblem(
            "no_spec_objects",
            _("%(name)s has no SPEC-OBJECTS: it holds nothing to import.")
            % {"name": name},
        )
    if not _children(_child(content, "SPECIFICATIONS"), "SPECIFICATION"):
        raise UploadProblem(
            "no_specifications",
            _(
                "%(name)s has no SPECIFICATIONS: the file does not say how its "
                "objects are ordered into chapters."
            )
            % {"name": name},
        )

    def broken(code: str, element: Any, what: str) -> UploadProblem:
        return UploadProblem(
            code,
            _("%(name)s, line %(line)s: %(what)s.")
            % {"name": name, "line": element.sourceline, "what": what},
        )

    for spec_type in spec_types:
        if not spec_type.get("IDENTIFIER"):
            raise broken(
                "incomplete_type",
                spec_type,
                _("%(tag)s has no IDENTIFIER") % {"tag": _localname(spec_type)},
            )
        for definition in _children(_child(spec_type, "SPEC-ATTRIBUTES"), "*"):
            type_ref = _child(definition, "TYPE")
            if (
                not definition.get("IDENTIFIER")
                or type_ref is None
                or not len(type_ref)
                or not (type_ref[0].text or "").strip()
            ):
                raise broken(
                    "incomplete_attribute_definition",
                    definition,
                    _("attribute definition %(id)s has no IDENTIFIER or TYPE")
                    % {"id": definition.get("IDENTIFIER", "")},
                )
    for spec_object in objects:
        identifier = spec_object.get("IDENTIFIER")
        if not identifier:
            raise broken(
                "incomplete_object", spec_object, _("a SPEC-OBJECT has no IDENTIFIER")
            )
        if not _ref_text(spec_object, "TYPE", "SPEC-OBJECT-TYPE-REF"):
            raise broken(
                "object_without_type",
                spec_object,
                _("SPEC-OBJECT %(id)s has no TYPE") % {"id": identifier},
            )
        for value in _children(_child(spec_object, "VALUES"), "*"):
            _check_value(value, identifier, broken)
    for node in _child(content, "SPECIFICATIONS").iter("{*}SPEC-HIERARCHY"):
        if not node.get("IDENTIFIER") or not _ref_text(
            node, "OBJECT", "SPEC-OBJECT-REF"
        ):
            raise broken(
                "incomplete_hierarchy",
                node,
                _("a SPEC-HIERARCHY has no IDENTIFIER or no OBJECT"),
            )
    for relation in _children(_child(content, "SPEC-RELATIONS"), "SPEC-RELATION"):
        missing = [
            part
            for part, path in (
                ("IDENTIFIER", None),
                ("SOURCE", ("SOURCE", "SPEC-OBJECT-REF")),
                ("TARGET", ("TARGET", "SPEC-OBJECT-REF")),
                ("TYPE", ("TYPE", "SPEC-RELATION-TYPE-REF")),
            )
            if (
                not relation.get("IDENTIFIER")
                if path is None
                else not _ref_text(relation, *path)
            )
        ]
        if missing:
            problems.append(
                Problem(
                    "incomplete_relation",
                    _(
                        "Line %(line)s: SPEC-RELATION %(id)s has no %(missing)s; it "
                        "is skipped."
                    )
                    % {
                        "line": relation.sourceline,
                        "id": relation.get("IDENTIFIER", ""),
                        "missing": ", ".join(missing),
                    },
                )
            )
            relation.getparent().remove(relation)


def _check_value(value: Any, identifier: str, broken) -> None:
    tag = _localname(value)
    kinds = {f"ATTRIBUTE-VALUE-{kind.name}" for kind in SpecObjectAttributeType}
    if tag not in kinds:
        raise broken(
            "unknown_value",
            value,
            _("SPEC-OBJECT %(id)s has a value of unknown kind <%(tag)s>")
            % {"id": identifier, "tag": tag},
        )
    definition = _child(value, "DEFINITION")
    if (
        definition is None
        or not len(definition)
        or not (definition[0].text or "").strip()
    ):
        raise broken(
            "value_without_definition",
            value,
            _("SPEC-OBJECT %(id)s has a value without DEFINITION") % {"id": identifier},
        )
    if tag == "ATTRIBUTE-VALUE-XHTML":
        missing = _child(value, "THE-VALUE") is None
    elif tag == "ATTRIBUTE-VALUE-ENUMERATION":
        missing = False
    else:
        missing = value.get("THE-VALUE") is None
    if missing:
        raise broken(
            "value_without_content",
            value,
            _("SPEC-OBJECT %(id)s has a value without THE-VALUE") % {"id": identifier},
        )


@dataclass
class _Value:
    name: str
    text: str
    kind: SpecObjectAttributeType


class _Mapper:
    """From the package's object model to sections, requirements and links."""

    def __init__(self, bundle: Any, *, name: str, problems: list[Problem]):
        content = bundle.core_content.req_if_content
        self.name = name
        self.content = content
        self.header = bundle.req_if_header
        self.problems = problems
        self.datatypes = bundle.lookup.data_types_lookup
        self.spec_types = bundle.lookup.spec_types_lookup
        self.objects = bundle.lookup.spec_objects_lookup
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
            for node in specification.children or []:
                self.visit(node, parent)
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

    def values(self, spec_object: Any) -> dict[str, _Value]:
        """Folded attribute name → value, in the order of the file."""
        values: dict[str, _Value] = {}
        for attribute in spec_object.attributes:
            definition = self.definitions.get(attribute.definition_ref)
            name = (
                definition.long_name
                if definition is not None and definition.long_name
                else attribute.definition_ref
            )
            text = self.display(attribute, definition)
            key = name.casefold()
            if key in values:
                values[key].text = "\n".join(t for t in (values[key].text, text) if t)
            else:
                values[key] = _Value(name, text, attribute.attribute_type)
        return values

    def display(self, attribute: Any, definition: Any) -> str:
        kind = attribute.attribute_type
        if kind == SpecObjectAttributeType.XHTML:
            node = attribute.xml_node
            return xhtml_to_text(node.find("THE-VALUE") if node is not None else None)
        if kind == SpecObjectAttributeType.ENUMERATION:
            datatype = (
                self.datatypes.get(definition.datatype_definition)
                if definition is not None
                else None
            )
            values_map = getattr(datatype, "values_map", {}) or {}
            names = []
            for ref in attribute.value or []:
                enum_value = values_map.get(ref)
                names.append(
                    (enum_value.long_name or enum_value.identifier)
                    if enum_value is not None
                    else (ref or "")
                )
            return ", ".join(n for n in names if n)
        return ILLEGAL_CHARACTERS_RE.sub("", str(attribute.value or "")).strip()

    def text_of(self, values: dict[str, _Value]) -> _Value | None:
        for name in TEXT_NAMES:
            if name in values:
                return values[name]
        reserved = self.reserved()
        for key, value in values.items():
            if key not in reserved and value.kind == SpecObjectAttributeType.XHTML:
                return value
        for key, value in values.items():
            if (
                key not in reserved
                and value.kind == SpecObjectAttributeType.STRING
                and TEXT_NAME_RE.search(value.name)
            ):
                return value
        return None

    @staticmethod
    def reserved() -> set[str]:
        return {
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

    # Hierarchy

    def is_heading(self, spec_object: Any, values: dict, has_children: bool) -> bool:
        if self.heading_types:
            if spec_object.spec_object_type in self.heading_types:
                return True
        elif values.get(CHAPTER_NAME) and values[CHAPTER_NAME].text:
            return True
        text = self.text_of(values)
        return has_children and not (text and text.text)

    def visit(self, node: Any, heading: SectionSpec | None) -> None:
        ref = node.spec_object
        spec_object = self.objects.get(ref)
        context = heading
        if spec_object is None:
            self.warn(
                "hierarchy_unknown_object",
                _(
                    "SPEC-HIERARCHY %(node)s points to SPEC-OBJECT %(object)s, which "
                    "is not in the file; that place in the hierarchy is skipped."
                )
                % {"node": node.identifier, "object": ref},
            )
        elif ref in self.placed:
            context = self.section_by_ref.get(ref, heading)
            self.warn(
                "placed_twice",
                _(
                    "SPEC-OBJECT %(object)s appears more than once in the hierarchy; "
                    "it is imported at its first place."
                )
                % {"object": ref},
            )
        else:
            self.placed.add(ref)
            values = self.values(spec_object)
            if self.is_heading(spec_object, values, bool(node.children)):
                context = self.add_heading(spec_object, values, heading)
            else:
                self.add_requirement(spec_object, values, heading)
        for child in node.children or []:
            self.visit(child, context)

    def add_unplaced(self) -> None:
        unplaced = 0
        for spec_object in self.content.spec_objects or []:
            if spec_object.identifier in self.placed:
                continue
            self.placed.add(spec_object.identifier)
            values = self.values(spec_object)
            if self.is_heading(spec_object, values, False):
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
                    "%(count)s SPEC-OBJECTs are in no SPECIFICATION; they are "
                    "imported into the section for imported requirements."
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
            title=_cut(_one_line(title), TITLE_MAX) or number,
            parent=parent,
            **extra,
        )
        self.sections.append(section)
        self.section_by_ref[ref] = section
        return section

    def add_heading(
        self, spec_object: Any, values: dict[str, _Value], parent: SectionSpec | None
    ) -> SectionSpec:
        text = self.text_of(values)
        title = next(
            (
                candidate
                for candidate in (
                    values[CHAPTER_NAME].text if CHAPTER_NAME in values else "",
                    values[NAME].text if NAME in values else "",
                    spec_object.long_name or "",
                    text.text.split("\n")[0] if text else "",
                )
                if candidate.strip()
            ),
            spec_object.identifier,
        )
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
            parent_number = number.rpartition(".")[0]
            expected = section.parent.explicit_number if section.parent else ""
            if parent_number != expected:
                return
        for section in self.sections:
            section.number = section.explicit_number

    def add_requirement(
        self, spec_object: Any, values: dict[str, _Value], heading: SectionSpec | None
    ) -> None:
        consumed: set[str] = set()
        fields: dict[str, Any] = {}

        def take(names: Iterable[str]) -> _Value | None:
            for name in names:
                if name in values:
                    consumed.add(name)
                    return values[name]
            return None

        text = self.text_of(values)
        if text is not None:
            consumed.add(text.name.casefold())
            fields["description"] = text.text
        candidates = []
        for names in ((NAME,), (CHAPTER_NAME,)):
            value = take(names)
            if value is not None and value.text:
                candidates.append(_one_line(value.text))
        if spec_object.long_name and spec_object.long_name.strip():
            candidates.append(_one_line(spec_object.long_name))
        if text is not None and text.text:
            candidates.append(
                _cut(_one_line(text.text.split("\n")[0]), DERIVED_TITLE_MAX)
            )
        foreign = take((FOREIGN_ID,))
        self.read_kravspor_fields(spec_object, values, take, fields)
        requirement = RequirementSpec(
            ref=spec_object.identifier,
            key="",
            section=heading,
            fields=fields,
            foreign_id=_one_line(foreign.text) if foreign else "",
            title_candidates=candidates,
        )
        tags = take(TAG_NAMES)
        if tags is not None:
            requirement.tags = sorted(
                {
                    _cut(name.strip(), TAG_MAX)
                    for name in re.split(r"[\n;,]", tags.text)
                    if name.strip()
                }
            )
        stakeholders = take(STAKEHOLDER_NAMES)
        if stakeholders is not None:
            requirement.stakeholders = []
            for line in stakeholders.text.split("\n"):
                relation, _sep, organisation = line.partition(":")
                if line.strip():
                    requirement.stakeholders.append(
                        (relation.strip(), organisation.strip())
                    )
        for key, value in values.items():
            if key in consumed or not value.text:
                continue
            requirement.extra[value.name] = value.text
        if spec_object.description and spec_object.description.strip():
            requirement.extra.setdefault("DESC", spec_object.description.strip())
        self.unmapped.update(requirement.extra.keys())
        self.requirements.append(requirement)
        self.requirement_by_ref[spec_object.identifier] = requirement

    def read_kravspor_fields(
        self, spec_object: Any, values: dict, take, fields: dict[str, Any]
    ) -> None:
        where = spec_object.identifier
        kind = take(KIND_NAMES)
        if kind is not None:
            code = re.split(r"\s+[–-]\s+", kind.text.strip())[0].upper()
            if code in Kind.values:
                fields["kind"] = code
            else:
                values[f"\0{kind.name}"] = kind
        weight = take(WEIGHT_NAMES)
        if weight is not None:
            parsed = _parse_weight(weight.text)
            if parsed is False:
                self.warn(
                    "weight_invalid",
                    _(
                        "SPEC-OBJECT %(object)s: the weight “%(value)s” is not a "
                        "number of 0 or more with at most three decimals; it is kept "
                        "among the other attributes."
                    )
                    % {"object": where, "value": weight.text},
                )
                values[f"\0{weight.name}"] = weight
            else:
                fields["weight"] = parsed
        status = take(STATUS_NAMES) or self.status_like(values, take)
        if status is not None:
            mapped = STATUS_LOOKUP.get(_fold(status.text))
            if mapped:
                fields["status"] = mapped
            else:
                values[f"\0{status.name}"] = status
        for names, name in (
            (RESPONSE_NAMES, "response_instructions"),
            (RATIONALE_NAMES, "rationale"),
        ):
            value = take(names)
            if value is not None:
                fields[name] = value.text

    def status_like(self, values: dict, take) -> _Value | None:
        """An attribute called e.g. FUNC-REQ-STATUS holds the status too."""
        reserved = self.reserved()
        for key in values:
            if key not in reserved and "status" in key:
                return take((key,))
        return None

    # Keys

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
            key = requirement.foreign_id if unique else _one_line(requirement.ref)
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
            requirement.fields["title"] = _cut(
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
                elif ref in self.section_by_ref:
                    self.warn(
                        "relation_to_heading",
                        _(
                            "SPEC-RELATION %(relation)s connects the heading "
                            "%(object)s; Kravspor links requirements only, so it is "
                            "skipped."
                        )
                        % {"relation": relation.identifier, "object": ref},
                    )
                    break
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
            link_type = _cut(_one_line(link_type or "relation"), LINK_TYPE_MAX)
            links[LinkSpec(ends[0], ends[1], link_type)] = None
        return list(links)


def _parse_weight(text: str) -> Decimal | None | bool:
    """None for an empty value, False for one that is not a weight."""
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
    return value.quantize(Decimal("0.001")).normalize()


# Plan --------------------------------------------------------------------------


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


def spec_state(procurement: Procurement) -> str:
    """A fingerprint of the stored specification, so a plan made earlier is
    not applied to a specification that has changed since."""
    digest = hashlib.sha256()
    queries = (
        Requirement.objects.filter(procurement=procurement)
        .order_by("pk")
        .values_list("pk", "key", "version", "content_hash", "section_id"),
        Section.objects.filter(procurement=procurement)
        .order_by("pk")
        .values_list("pk", "number", "title", "parent_id"),
        RequirementLink.objects.filter(source__procurement=procurement)
        .order_by("pk")
        .values_list("pk", "source_id", "target_id", "link_type"),
    )
    for query in queries:
        for row in query.iterator(chunk_size=5000):
            digest.update(repr(row).encode())
        digest.update(b"|")
    return digest.hexdigest()


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
    if name == "tags":
        return str(Requirement._meta.get_field("tags").verbose_name)
    if name == "stakeholders":
        return str(Requirement._meta.get_field("stakeholders").verbose_name)
    return str(Requirement._meta.get_field(name).verbose_name)


def plan_import(procurement: Procurement, parsed: ParsedReqIF) -> ImportPlan:
    """What importing ``parsed`` would do to the procurement's specification;
    nothing is written."""
    fingerprint = spec_state(procurement)
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
        stakeholders = _stakeholders(spec, organisations, problems)
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
                if _fold(section.title) == _fold(spec.title)
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
                if _fold(section.title) == _fold(title)
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
) -> list[tuple[Organisation, str]] | None:
    if spec.stakeholders is None:
        return None
    pairs = []
    for relation, name in spec.stakeholders:
        organisation = organisations.get(name)
        if organisation is None or relation not in Relation.values:
            problems.append(
                Problem(
                    "stakeholder_unknown",
                    _(
                        "%(key)s: the stakeholder “%(value)s” is not a known "
                        "organisation with a relation (raised, endorsed, owner); it "
                        "is left out."
                    )
                    % {"key": spec.key, "value": f"{relation}:{name}"},
                )
            )
            continue
        pairs.append((organisation, relation))
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


class PlanOutdated(Exception):
    """The specification changed after the plan was made."""


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
    if spec_state(procurement) != plan.fingerprint:
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


# Export ------------------------------------------------------------------------

EXPORT_ATTRIBUTES = [
    # (identifier, long name, datatype) of the requirement type's attributes.
    ("kravspor-foreign-id", "ReqIF.ForeignID", "STRING"),
    ("kravspor-name", "ReqIF.Name", "STRING"),
    ("kravspor-text", "ReqIF.Text", "XHTML"),
    ("kravspor-kind", "Kravspor.Kind", "ENUMERATION"),
    ("kravspor-status", "Kravspor.Status", "ENUMERATION"),
    ("kravspor-weight", "Kravspor.Weight", "STRING"),
    ("kravspor-response", "Kravspor.ResponseInstructions", "XHTML"),
    ("kravspor-rationale", "Kravspor.Rationale", "XHTML"),
    ("kravspor-tags", "Kravspor.Tags", "STRING"),
    ("kravspor-stakeholders", "Kravspor.Stakeholders", "STRING"),
]
HEADING_ATTRIBUTES = [
    ("kravspor-chapter-name", "ReqIF.ChapterName", "STRING"),
    ("kravspor-heading-text", "ReqIF.Text", "XHTML"),
    ("kravspor-section-number", "Kravspor.SectionNumber", "STRING"),
    ("kravspor-key-prefix", "Kravspor.KeyPrefix", "STRING"),
]
# Enumeration values are written in English, as tools expect; the import
# understands them and the Norwegian words.
STATUS_EXPORT_NAMES = {
    Status.DRAFT: "Draft",
    Status.IN_REVIEW: "In review",
    Status.APPROVED: "Approved",
    Status.WITHDRAWN: "Withdrawn",
}


def export_filename(procurement: Procurement, baseline: Baseline | None) -> str:
    parts = [procurement.reference, "kravspesifikasjon"]
    if baseline is not None:
        parts.append(baseline.label)
    return slugify("-".join(parts)) + ".reqif"


@dataclass
class _ExportSection:
    number: str
    title: str
    description: str = ""
    prefix: str = ""
    children: list[_ExportSection] = field(default_factory=list)
    requirements: list[str] = field(default_factory=list)


def _xml_text(value: Any) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("", "" if value is None else str(value))


class _Writer:
    """Streams the document with lxml's incremental writer, so a specification
    of tens of thousands of requirements is never held as one XML tree."""

    def __init__(self, xf: Any, reference: str):
        self.xf = xf
        self.reference = reference

    def ident(self, *parts: str) -> str:
        name = "/".join(("kravspor", self.reference, *parts))
        return f"_{uuid.uuid5(uuid.NAMESPACE_URL, name)}"

    def element(self, tag: str, attrib: dict | None = None, **extra: str):
        return self.xf.element(f"{{{REQIF_NS}}}{tag}", attrib or {}, **extra)

    def leaf(self, tag: str, text: str | None = None, **attrib: str) -> None:
        with self.element(tag, attrib):
            if text is not None:
                self.xf.write(text)

    def ref(self, wrapper: str, tag: str, value: str) -> None:
        with self.element(wrapper):
            self.leaf(tag, value)

    def xhtml(self, text: str) -> None:
        """Lines become <br/>-separated text in one <div>; runs of spaces and
        spaces at the ends of a line are written as non-breaking spaces, so
        the import gives back the same text."""
        lines = _xml_text(text).replace("\r\n", "\n").replace("\r", "\n").split("\n")
        with self.xf.element(f"{{{XHTML_NS}}}div"):
            for index, line in enumerate(lines):
                if index:
                    with self.xf.element(f"{{{XHTML_NS}}}br"):
                        pass
                line = line.replace("\t", " ")
                line = re.sub(r" {2,}", lambda m: "\xa0" * len(m.group()), line)
                if line.startswith(" "):
                    line = "\xa0" + line[1:]
                if line.endswith(" "):
                    line = line[:-1] + "\xa0"
                if line:
                    self.xf.write(line)

    def value(self, kind: str, definition: str, value: Any) -> None:
        tag = f"ATTRIBUTE-VALUE-{kind}"
        if kind == "XHTML":
            with self.element(tag):
                self.ref("DEFINITION", "ATTRIBUTE-DEFINITION-XHTML-REF", definition)
                with self.element("THE-VALUE"):
                    self.xhtml(value)
        elif kind == "ENUMERATION":
            with self.element(tag):
                self.ref(
                    "DEFINITION", "ATTRIBUTE-DEFINITION-ENUMERATION-REF", definition
                )
                self.ref("VALUES", "ENUM-VALUE-REF", value)
        else:
            with self.element(tag, {"THE-VALUE": _xml_text(value)}):
                self.ref("DEFINITION", f"ATTRIBUTE-DEFINITION-{kind}-REF", definition)


def write_reqif(
    out: IO[bytes], *, procurement: Procurement, baseline: Baseline | None = None
) -> int:
    """Write today's specification (or ``baseline``) to ``out`` as ReqIF 1.2:
    one SPECIFICATION whose hierarchy is the section tree (heading objects
    with ReqIF.ChapterName), requirements with ReqIF.ForeignID (the key),
    ReqIF.Name, ReqIF.Text and Kravspor's own attributes, and the links as
    SPEC-RELATIONs (today's specification only: baselines keep no links).
    Returns the number of requirements written."""
    now = timezone.now()
    stamp = now.isoformat(timespec="seconds")
    sections, snapshots, extras = _export_content(procurement, baseline)
    extra_names = sorted({name for extra in extras.values() for name in extra})
    reserved = {name.casefold() for name in _Mapper.reserved()}
    extra_names = [name for name in extra_names if name.casefold() not in reserved]
    links = []
    if baseline is None:
        links = list(
            RequirementLink.objects.filter(source__procurement=procurement)
            .order_by("link_type", "source__key", "target__key")
            .values_list("source__key", "target__key", "link_type")
        )
    link_types = sorted({link_type for _s, _t, link_type in links})

    with etree.xmlfile(out, encoding="UTF-8") as xf:
        xf.write_declaration()
        w = _Writer(xf, procurement.reference)
        with xf.element(
            f"{{{REQIF_NS}}}REQ-IF", nsmap={None: REQIF_NS, "xhtml": XHTML_NS}
        ):
            with w.element("THE-HEADER"):
                with w.element("REQ-IF-HEADER", {"IDENTIFIER": w.ident("header")}):
                    title = procurement.reference + " " + procurement.title
                    if baseline is not None:
                        title += f" ({baseline.label})"
                    w.leaf("CREATION-TIME", stamp)
                    # ReqIF 1.2 keeps the 2011 schema, whose version string is 1.0.
                    w.leaf("REQ-IF-TOOL-ID", "Kravspor")
                    w.leaf("REQ-IF-VERSION", "1.0")
                    w.leaf("SOURCE-TOOL-ID", "Kravspor")
                    w.leaf("TITLE", _xml_text(title))
            with w.element("CORE-CONTENT"), w.element("REQ-IF-CONTENT"):
                _write_types(w, stamp, extra_names, link_types)
                with w.element("SPEC-OBJECTS"):
                    _write_headings(w, stamp, sections)
                    for snapshot in snapshots:
                        _write_requirement(
                            w,
                            stamp,
                            snapshot,
                            extras.get(snapshot["key"], {}),
                            extra_names,
                        )
                with w.element("SPEC-RELATIONS"):
                    for source, target, link_type in links:
                        ident = w.ident("link", source, target, link_type)
                        with w.element(
                            "SPEC-RELATION", {"IDENTIFIER": ident, "LAST-CHANGE": stamp}
                        ):
                            w.ref(
                                "TYPE",
                                "SPEC-RELATION-TYPE-REF",
                                w.ident("link-type", link_type),
                            )
                            w.ref(
                                "SOURCE",
                                "SPEC-OBJECT-REF",
                                w.ident("requirement", source),
                            )
                            w.ref(
                                "TARGET",
                                "SPEC-OBJECT-REF",
                                w.ident("requirement", target),
                            )
                with w.element("SPECIFICATIONS"):
                    with w.element(
                        "SPECIFICATION",
                        {
                            "IDENTIFIER": w.ident("specification"),
                            "LAST-CHANGE": stamp,
                            "LONG-NAME": _xml_text(procurement.title),
                        },
                    ):
                        w.ref(
                            "TYPE",
                            "SPECIFICATION-TYPE-REF",
                            "kravspor-specification-type",
                        )
                        with w.element("CHILDREN"):
                            for section in sections:
                                _write_node(w, stamp, section)
    return len(snapshots)


def _export_content(
    procurement: Procurement, baseline: Baseline | None
) -> tuple[list[_ExportSection], list[dict], dict[str, dict]]:
    """The section tree (top level), the requirement snapshots in document
    order and the other attributes per key."""
    by_number: dict[str, _ExportSection] = {}
    extras: dict[str, dict] = {}
    if baseline is None:
        for section in Section.objects.filter(procurement=procurement).order_by(
            "sort_key"
        ):
            by_number[section.number] = _ExportSection(
                number=section.number,
                title=section.title,
                description=section.description,
                prefix=section.prefix,
            )
        snapshots = []
        for requirement in requirements_for_snapshot(procurement).iterator(
            chunk_size=2000
        ):
            snapshots.append(requirement.snapshot())
            if requirement.extra_attributes:
                extras[requirement.key] = requirement.extra_attributes
    else:
        snapshots = list(baseline_snapshots(baseline).values())
        titles = dict(
            Section.objects.filter(procurement=procurement).values_list(
                "number", "title"
            )
        )
        for snapshot in snapshots:
            number = snapshot["section_number"]
            by_number.setdefault(
                number, _ExportSection(number=number, title=snapshot["section_title"])
            )
        # A section that only holds subsections has no requirement in the
        # baseline; give it the title it has today, or its number.
        for number in list(by_number):
            parts = number.split(".")
            for depth in range(1, len(parts)):
                ancestor = ".".join(parts[:depth])
                by_number.setdefault(
                    ancestor,
                    _ExportSection(
                        number=ancestor, title=titles.get(ancestor, ancestor)
                    ),
                )
    top = []
    from procurement.models.specification import section_sort_key

    for number in sorted(by_number, key=section_sort_key):
        section = by_number[number]
        parent = by_number.get(number.rpartition(".")[0])
        (parent.children if parent else top).append(section)
    for snapshot in snapshots:
        by_number[snapshot["section_number"]].requirements.append(snapshot["key"])
    return top, snapshots, extras


def _write_types(w: _Writer, stamp: str, extra_names: list[str], link_types) -> None:
    with w.element("DATATYPES"):
        with w.element(
            "DATATYPE-DEFINITION-STRING",
            {
                "IDENTIFIER": "kravspor-string",
                "LAST-CHANGE": stamp,
                "LONG-NAME": "Text",
                "MAX-LENGTH": "1000000",
            },
        ):
            pass
        with w.element(
            "DATATYPE-DEFINITION-XHTML",
            {
                "IDENTIFIER": "kravspor-xhtml",
                "LAST-CHANGE": stamp,
                "LONG-NAME": "Formatted text",
            },
        ):
            pass
        for identifier, long_name, values in (
            ("kravspor-kind-type", "Kravspor kind", [(v, v) for v in Kind.values]),
            (
                "kravspor-status-type",
                "Kravspor status",
                [(v, STATUS_EXPORT_NAMES[v]) for v in Status.values],
            ),
        ):
            with w.element(
                "DATATYPE-DEFINITION-ENUMERATION",
                {
                    "IDENTIFIER": identifier,
                    "LAST-CHANGE": stamp,
                    "LONG-NAME": long_name,
                },
            ):
                with w.element("SPECIFIED-VALUES"):
                    for position, (value, label) in enumerate(values):
                        with w.element(
                            "ENUM-VALUE",
                            {
                                "IDENTIFIER": f"{identifier}-{value}",
                                "LAST-CHANGE": stamp,
                                "LONG-NAME": label,
                            },
                        ):
                            with w.element("PROPERTIES"):
                                w.leaf(
                                    "EMBEDDED-VALUE",
                                    **{"KEY": str(position), "OTHER-CONTENT": value},
                                )
    with w.element("SPEC-TYPES"):
        with w.element(
            "SPECIFICATION-TYPE",
            {
                "IDENTIFIER": "kravspor-specification-type",
                "LAST-CHANGE": stamp,
                "LONG-NAME": "Requirement specification",
            },
        ):
            pass
        requirement_attributes = EXPORT_ATTRIBUTES + [
            (_extra_id(name), name, "STRING") for name in extra_names
        ]
        for identifier, long_name, attributes in (
            ("kravspor-heading", "Heading", HEADING_ATTRIBUTES),
            ("kravspor-requirement", "Requirement", requirement_attributes),
        ):
            with w.element(
                "SPEC-OBJECT-TYPE",
                {
                    "IDENTIFIER": identifier,
                    "LAST-CHANGE": stamp,
                    "LONG-NAME": long_name,
                },
            ):
                with w.element("SPEC-ATTRIBUTES"):
                    for attribute_id, name, kind in attributes:
                        _write_definition(w, stamp, attribute_id, name, kind)
        for link_type in link_types:
            with w.element(
                "SPEC-RELATION-TYPE",
                {
                    "IDENTIFIER": w.ident("link-type", link_type),
                    "LAST-CHANGE": stamp,
                    "LONG-NAME": _xml_text(link_type),
                },
            ):
                pass


def _extra_id(name: str) -> str:
    return "kravspor-extra-" + hashlib.sha1(name.encode()).hexdigest()[:12]


def _write_definition(w: _Writer, stamp: str, identifier: str, name: str, kind: str):
    attrib = {
        "IDENTIFIER": identifier,
        "LAST-CHANGE": stamp,
        "LONG-NAME": _xml_text(name),
    }
    datatype = {
        "STRING": "kravspor-string",
        "XHTML": "kravspor-xhtml",
        "ENUMERATION": {
            "kravspor-kind": "kravspor-kind-type",
            "kravspor-status": "kravspor-status-type",
        }.get(identifier, ""),
    }[kind]
    if kind == "ENUMERATION":
        attrib["MULTI-VALUED"] = "false"
    with w.element(f"ATTRIBUTE-DEFINITION-{kind}", attrib):
        w.ref("TYPE", f"DATATYPE-DEFINITION-{kind}-REF", datatype)


def _walk_sections(sections: list[_ExportSection]) -> Iterator[_ExportSection]:
    for section in sections:
        yield section
        yield from _walk_sections(section.children)


def _write_headings(w: _Writer, stamp: str, sections: list[_ExportSection]) -> None:
    for section in _walk_sections(sections):
        with w.element(
            "SPEC-OBJECT",
            {"IDENTIFIER": w.ident("section", section.number), "LAST-CHANGE": stamp},
        ):
            w.ref("TYPE", "SPEC-OBJECT-TYPE-REF", "kravspor-heading")
            with w.element("VALUES"):
                w.value("STRING", "kravspor-chapter-name", section.title)
                if section.description:
                    w.value("XHTML", "kravspor-heading-text", section.description)
                w.value("STRING", "kravspor-section-number", section.number)
                if section.prefix:
                    w.value("STRING", "kravspor-key-prefix", section.prefix)


def _write_requirement(
    w: _Writer, stamp: str, snapshot: dict, extra: dict, extra_names: list[str]
) -> None:
    key = snapshot["key"]
    weight = snapshot["weight"]
    with w.element(
        "SPEC-OBJECT",
        {"IDENTIFIER": w.ident("requirement", key), "LAST-CHANGE": stamp},
    ):
        w.ref("TYPE", "SPEC-OBJECT-TYPE-REF", "kravspor-requirement")
        with w.element("VALUES"):
            w.value("STRING", "kravspor-foreign-id", key)
            w.value("STRING", "kravspor-name", snapshot["title"])
            w.value("XHTML", "kravspor-text", snapshot["description"])
            w.value(
                "ENUMERATION", "kravspor-kind", f"kravspor-kind-type-{snapshot['kind']}"
            )
            w.value(
                "ENUMERATION",
                "kravspor-status",
                f"kravspor-status-type-{snapshot['status']}",
            )
            w.value(
                "STRING",
                "kravspor-weight",
                "" if weight is None else format(Decimal(weight).normalize(), "f"),
            )
            w.value("XHTML", "kravspor-response", snapshot["response_instructions"])
            w.value("XHTML", "kravspor-rationale", snapshot["rationale"])
            w.value("STRING", "kravspor-tags", "\n".join(snapshot["tags"]))
            w.value(
                "STRING", "kravspor-stakeholders", "\n".join(snapshot["stakeholders"])
            )
            for name in extra_names:
                if name in extra:
                    w.value("STRING", _extra_id(name), extra[name])


def _write_node(w: _Writer, stamp: str, section: _ExportSection) -> None:
    with w.element(
        "SPEC-HIERARCHY",
        {
            "IDENTIFIER": w.ident("node", "section", section.number),
            "LAST-CHANGE": stamp,
        },
    ):
        w.ref("OBJECT", "SPEC-OBJECT-REF", w.ident("section", section.number))
        if section.requirements or section.children:
            with w.element("CHILDREN"):
                for key in section.requirements:
                    with w.element(
                        "SPEC-HIERARCHY",
                        {
                            "IDENTIFIER": w.ident("node", "requirement", key),
                            "LAST-CHANGE": stamp,
                        },
                    ):
                        w.ref("OBJECT", "SPEC-OBJECT-REF", w.ident("requirement", key))
                for child in section.children:
                    _write_node(w, stamp, child)


def reqif_bytes(procurement: Procurement, baseline: Baseline | None = None) -> bytes:
    out = io.BytesIO()
    write_reqif(out, procurement=procurement, baseline=baseline)
    return out.getvalue()
