"""Writing the specification, or a baseline, as ReqIF 1.2.

One SPECIFICATION whose hierarchy is the section tree (heading objects with
ReqIF.ChapterName), requirements with ReqIF.ForeignID (the key), ReqIF.Name,
ReqIF.Text and Kravspor's own attributes, and the links as SPEC-RELATIONs.
Identifiers are derived from the procurement and the key, so exporting again
gives the same identifiers, which other tools use to match objects.
"""

from __future__ import annotations

import hashlib
import io
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any

from django.utils import timezone
from django.utils.text import slugify
from lxml import etree

from procurement.documents.safety import ILLEGAL_CHARACTERS_RE
from procurement.models import (
    Baseline,
    Procurement,
    Requirement,
    RequirementLink,
    Section,
)
from procurement.models.specification import section_sort_key
from procurement.selectors.specification import (
    baseline_snapshots,
    requirements_for_snapshot,
)
from procurement.spec_reqif.mapping import RESERVED_NAMES
from procurement.spec_reqif.reading import REQIF_NS, XHTML_NS
from procurement.spec_reqif.text import text_lines_for_xhtml

Kind = Requirement.Kind
Status = Requirement.Status


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


def _q(tag: str) -> str:
    return f"{{{REQIF_NS}}}{tag}"


def _sub(parent: Any, tag: str, text: str | None = None, **attrib: str) -> Any:
    element = etree.SubElement(parent, _q(tag), attrib)
    if text is not None:
        element.text = text
    return element


def _ref(parent: Any, wrapper: str, tag: str, value: str) -> None:
    _sub(_sub(parent, wrapper), tag, value)


def _value(values: Any, kind: str, definition: str, value: Any) -> None:
    if kind == "XHTML":
        element = _sub(values, "ATTRIBUTE-VALUE-XHTML")
        _ref(element, "DEFINITION", "ATTRIBUTE-DEFINITION-XHTML-REF", definition)
        div = etree.SubElement(_sub(element, "THE-VALUE"), f"{{{XHTML_NS}}}div")
        previous = None
        for index, line in enumerate(text_lines_for_xhtml(_xml_text(value))):
            if index:
                previous = etree.SubElement(div, f"{{{XHTML_NS}}}br")
            if not line:
                continue
            if previous is None:
                div.text = line
            else:
                previous.tail = line
    elif kind == "ENUMERATION":
        element = _sub(values, "ATTRIBUTE-VALUE-ENUMERATION")
        _ref(element, "DEFINITION", "ATTRIBUTE-DEFINITION-ENUMERATION-REF", definition)
        _ref(element, "VALUES", "ENUM-VALUE-REF", value)
    else:
        element = _sub(
            values, f"ATTRIBUTE-VALUE-{kind}", **{"THE-VALUE": _xml_text(value)}
        )
        _ref(element, "DEFINITION", f"ATTRIBUTE-DEFINITION-{kind}-REF", definition)


class _Ids:
    """Identifiers derived from the procurement and what they name, so a new
    export of the same specification gives the same identifiers."""

    def __init__(self, reference: str):
        self.reference = reference

    def __call__(self, *parts: str) -> str:
        name = "/".join(("kravspor", self.reference, *parts))
        return f"_{uuid.uuid5(uuid.NAMESPACE_URL, name)}"


def write_reqif(
    out: IO[bytes], *, procurement: Procurement, baseline: Baseline | None = None
) -> int:
    """Write today's specification (or ``baseline``) to ``out`` as ReqIF 1.2
    (links only for today's specification: baselines keep none). Objects are
    written one at a time, so a specification of tens of thousands of
    requirements is never one XML tree in memory. Returns the number of
    requirements written."""
    stamp = timezone.now().isoformat(timespec="seconds")
    ids = _Ids(procurement.reference)
    sections, snapshots, extras = _export_content(procurement, baseline)
    extra_names = sorted(
        {
            name
            for extra in extras.values()
            for name in extra
            if name.casefold() not in RESERVED_NAMES
        }
    )
    links = []
    if baseline is None:
        links = list(
            RequirementLink.objects.filter(source__procurement=procurement)
            .order_by("link_type", "source__key", "target__key")
            .values_list("source__key", "target__key", "link_type")
        )
    link_types = sorted({link_type for _source, _target, link_type in links})
    nsmap = {None: REQIF_NS, "xhtml": XHTML_NS}

    with etree.xmlfile(out, encoding="UTF-8") as xf:
        xf.write_declaration()
        with xf.element(_q("REQ-IF"), nsmap=nsmap):
            xf.write("\n")
            header = etree.Element(_q("THE-HEADER"), nsmap=nsmap)
            fields = _sub(header, "REQ-IF-HEADER", IDENTIFIER=ids("header"))
            title = f"{procurement.reference} {procurement.title}"
            if baseline is not None:
                title += f" ({baseline.label})"
            _sub(fields, "CREATION-TIME", stamp)
            _sub(fields, "REQ-IF-TOOL-ID", "Kravspor")
            # ReqIF 1.2 keeps the 2011 schema, whose version string is 1.0.
            _sub(fields, "REQ-IF-VERSION", "1.0")
            _sub(fields, "SOURCE-TOOL-ID", "Kravspor")
            _sub(fields, "TITLE", _xml_text(title))
            xf.write(header, pretty_print=True)
            with xf.element(_q("CORE-CONTENT")), xf.element(_q("REQ-IF-CONTENT")):
                xf.write("\n")
                xf.write(_datatypes(stamp), pretty_print=True)
                xf.write(
                    _spec_types(ids, stamp, extra_names, link_types),
                    pretty_print=True,
                )
                with xf.element(_q("SPEC-OBJECTS")):
                    xf.write("\n")
                    for section in _walk(sections):
                        xf.write(_heading(ids, stamp, section), pretty_print=True)
                    for snapshot in snapshots:
                        extra = extras.get(snapshot["key"], {})
                        xf.write(
                            _requirement(ids, stamp, snapshot, extra, extra_names),
                            pretty_print=True,
                        )
                xf.write("\n")
                relations = etree.Element(_q("SPEC-RELATIONS"), nsmap=nsmap)
                for source, target, link_type in links:
                    relation = _sub(
                        relations,
                        "SPEC-RELATION",
                        IDENTIFIER=ids("link", source, target, link_type),
                        **{"LAST-CHANGE": stamp},
                    )
                    _ref(
                        relation,
                        "TYPE",
                        "SPEC-RELATION-TYPE-REF",
                        ids("link-type", link_type),
                    )
                    _ref(
                        relation,
                        "SOURCE",
                        "SPEC-OBJECT-REF",
                        ids("requirement", source),
                    )
                    _ref(
                        relation,
                        "TARGET",
                        "SPEC-OBJECT-REF",
                        ids("requirement", target),
                    )
                xf.write(relations, pretty_print=True)
                specifications = etree.Element(_q("SPECIFICATIONS"), nsmap=nsmap)
                specification = _sub(
                    specifications,
                    "SPECIFICATION",
                    IDENTIFIER=ids("specification"),
                    **{
                        "LAST-CHANGE": stamp,
                        "LONG-NAME": _xml_text(procurement.title),
                    },
                )
                _ref(
                    specification,
                    "TYPE",
                    "SPECIFICATION-TYPE-REF",
                    "kravspor-specification-type",
                )
                children = _sub(specification, "CHILDREN")
                for section in sections:
                    _node(ids, stamp, children, section)
                xf.write(specifications, pretty_print=True)
    return len(snapshots)


def reqif_bytes(procurement: Procurement, baseline: Baseline | None = None) -> bytes:
    out = io.BytesIO()
    write_reqif(out, procurement=procurement, baseline=baseline)
    return out.getvalue()


def _export_content(
    procurement: Procurement, baseline: Baseline | None
) -> tuple[list[_ExportSection], list[dict], dict[str, dict]]:
    """The section tree (its top level), the requirement snapshots in document
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
            if number not in by_number:
                by_number[number] = _ExportSection(
                    number=number, title=snapshot["section_title"]
                )
        # A section that only holds subsections has no requirement in the
        # baseline; it gets the title it has today, or its number.
        for number in list(by_number):
            parts = number.split(".")
            for depth in range(1, len(parts)):
                ancestor = ".".join(parts[:depth])
                if ancestor not in by_number:
                    by_number[ancestor] = _ExportSection(
                        number=ancestor, title=titles.get(ancestor, ancestor)
                    )
    top = []
    for number in sorted(by_number, key=section_sort_key):
        section = by_number[number]
        parent = by_number.get(number.rpartition(".")[0])
        (parent.children if parent else top).append(section)
    for snapshot in snapshots:
        by_number[snapshot["section_number"]].requirements.append(snapshot["key"])
    return top, snapshots, extras


def _walk(sections: list[_ExportSection]) -> Iterator[_ExportSection]:
    for section in sections:
        yield section
        yield from _walk(section.children)


def _datatypes(stamp: str) -> Any:
    datatypes = etree.Element(_q("DATATYPES"), nsmap={None: REQIF_NS})
    _sub(
        datatypes,
        "DATATYPE-DEFINITION-STRING",
        IDENTIFIER="kravspor-string",
        **{"LAST-CHANGE": stamp, "LONG-NAME": "Text", "MAX-LENGTH": "1000000"},
    )
    _sub(
        datatypes,
        "DATATYPE-DEFINITION-XHTML",
        IDENTIFIER="kravspor-xhtml",
        **{"LAST-CHANGE": stamp, "LONG-NAME": "Formatted text"},
    )
    enumerations = (
        ("kravspor-kind-type", "Kravspor kind", [(v, v) for v in Kind.values]),
        (
            "kravspor-status-type",
            "Kravspor status",
            [(v, STATUS_EXPORT_NAMES[v]) for v in Status.values],
        ),
    )
    for identifier, long_name, values in enumerations:
        enumeration = _sub(
            datatypes,
            "DATATYPE-DEFINITION-ENUMERATION",
            IDENTIFIER=identifier,
            **{"LAST-CHANGE": stamp, "LONG-NAME": long_name},
        )
        specified = _sub(enumeration, "SPECIFIED-VALUES")
        for position, (value, label) in enumerate(values):
            enum_value = _sub(
                specified,
                "ENUM-VALUE",
                IDENTIFIER=f"{identifier}-{value}",
                **{"LAST-CHANGE": stamp, "LONG-NAME": label},
            )
            _sub(
                _sub(enum_value, "PROPERTIES"),
                "EMBEDDED-VALUE",
                KEY=str(position),
                **{"OTHER-CONTENT": value},
            )
    return datatypes


def _spec_types(ids: _Ids, stamp: str, extra_names: list[str], link_types) -> Any:
    spec_types = etree.Element(_q("SPEC-TYPES"), nsmap={None: REQIF_NS})
    _sub(
        spec_types,
        "SPECIFICATION-TYPE",
        IDENTIFIER="kravspor-specification-type",
        **{"LAST-CHANGE": stamp, "LONG-NAME": "Requirement specification"},
    )
    requirement_attributes = EXPORT_ATTRIBUTES + [
        (_extra_id(name), name, "STRING") for name in extra_names
    ]
    for identifier, long_name, attributes in (
        ("kravspor-heading", "Heading", HEADING_ATTRIBUTES),
        ("kravspor-requirement", "Requirement", requirement_attributes),
    ):
        object_type = _sub(
            spec_types,
            "SPEC-OBJECT-TYPE",
            IDENTIFIER=identifier,
            **{"LAST-CHANGE": stamp, "LONG-NAME": long_name},
        )
        definitions = _sub(object_type, "SPEC-ATTRIBUTES")
        for attribute_id, name, kind in attributes:
            attrib = {"LAST-CHANGE": stamp, "LONG-NAME": _xml_text(name)}
            if kind == "ENUMERATION":
                attrib["MULTI-VALUED"] = "false"
            definition = _sub(
                definitions,
                f"ATTRIBUTE-DEFINITION-{kind}",
                IDENTIFIER=attribute_id,
                **attrib,
            )
            _ref(
                definition,
                "TYPE",
                f"DATATYPE-DEFINITION-{kind}-REF",
                DATATYPES.get(attribute_id, DATATYPES.get(kind)),
            )
    for link_type in link_types:
        _sub(
            spec_types,
            "SPEC-RELATION-TYPE",
            IDENTIFIER=ids("link-type", link_type),
            **{"LAST-CHANGE": stamp, "LONG-NAME": _xml_text(link_type)},
        )
    return spec_types


# The datatype of each kind of attribute, and of the two enumerations.
DATATYPES = {
    "STRING": "kravspor-string",
    "XHTML": "kravspor-xhtml",
    "kravspor-kind": "kravspor-kind-type",
    "kravspor-status": "kravspor-status-type",
}


def _extra_id(name: str) -> str:
    return "kravspor-extra-" + hashlib.sha1(name.encode()).hexdigest()[:12]


def _heading(ids: _Ids, stamp: str, section: _ExportSection) -> Any:
    element = etree.Element(
        _q("SPEC-OBJECT"),
        {"IDENTIFIER": ids("section", section.number), "LAST-CHANGE": stamp},
        nsmap={None: REQIF_NS, "xhtml": XHTML_NS},
    )
    _ref(element, "TYPE", "SPEC-OBJECT-TYPE-REF", "kravspor-heading")
    values = _sub(element, "VALUES")
    _value(values, "STRING", "kravspor-chapter-name", section.title)
    if section.description:
        _value(values, "XHTML", "kravspor-heading-text", section.description)
    _value(values, "STRING", "kravspor-section-number", section.number)
    if section.prefix:
        _value(values, "STRING", "kravspor-key-prefix", section.prefix)
    return element


def _requirement(
    ids: _Ids, stamp: str, snapshot: dict, extra: dict, extra_names: list[str]
) -> Any:
    key = snapshot["key"]
    weight = snapshot["weight"]
    element = etree.Element(
        _q("SPEC-OBJECT"),
        {"IDENTIFIER": ids("requirement", key), "LAST-CHANGE": stamp},
        nsmap={None: REQIF_NS, "xhtml": XHTML_NS},
    )
    _ref(element, "TYPE", "SPEC-OBJECT-TYPE-REF", "kravspor-requirement")
    values = _sub(element, "VALUES")
    _value(values, "STRING", "kravspor-foreign-id", key)
    _value(values, "STRING", "kravspor-name", snapshot["title"])
    _value(values, "XHTML", "kravspor-text", snapshot["description"])
    _value(
        values, "ENUMERATION", "kravspor-kind", f"kravspor-kind-type-{snapshot['kind']}"
    )
    _value(
        values,
        "ENUMERATION",
        "kravspor-status",
        f"kravspor-status-type-{snapshot['status']}",
    )
    _value(
        values,
        "STRING",
        "kravspor-weight",
        "" if weight is None else format(Decimal(weight).normalize(), "f"),
    )
    _value(values, "XHTML", "kravspor-response", snapshot["response_instructions"])
    _value(values, "XHTML", "kravspor-rationale", snapshot["rationale"])
    _value(values, "STRING", "kravspor-tags", "\n".join(snapshot["tags"]))
    _value(
        values, "STRING", "kravspor-stakeholders", "\n".join(snapshot["stakeholders"])
    )
    for name in extra_names:
        if name in extra:
            _value(values, "STRING", _extra_id(name), extra[name])
    return element


def _node(ids: _Ids, stamp: str, parent: Any, section: _ExportSection) -> None:
    node = _sub(
        parent,
        "SPEC-HIERARCHY",
        IDENTIFIER=ids("node", "section", section.number),
        **{"LAST-CHANGE": stamp},
    )
    _ref(node, "OBJECT", "SPEC-OBJECT-REF", ids("section", section.number))
    if not (section.requirements or section.children):
        return
    children = _sub(node, "CHILDREN")
    for key in section.requirements:
        child = _sub(
            children,
            "SPEC-HIERARCHY",
            IDENTIFIER=ids("node", "requirement", key),
            **{"LAST-CHANGE": stamp},
        )
        _ref(child, "OBJECT", "SPEC-OBJECT-REF", ids("requirement", key))
    for child_section in section.children:
        _node(ids, stamp, children, child_section)
