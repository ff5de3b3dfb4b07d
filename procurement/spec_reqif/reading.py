"""Reading a ReqIF file into plain data: sections, requirements and links.

The file is parsed once, with a hardened lxml parser (no DTD, no entity
expansion, no network). The ``reqif`` package then reads the header, data
types, spec types, the specification hierarchy and the relations. SPEC-OBJECT
values are read here from the same tree: the package would turn every XHTML
value into two re-serialised strings that Kravspor does not use, which is
most of the time of a 30,000-requirement import. No database access.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from lxml import etree
from reqif.parser import ReqIFParser

from procurement.documents.safety import UploadProblem, check_zip_container
from procurement.spec_reqif.mapping import (
    Mapper,
    ParsedReqIF,
    Problem,
    RawValue,
    SpecObject,
    cut,
)
from procurement.spec_reqif.text import localname, xhtml_to_text

REQIF_NS = "http://www.omg.org/spec/ReqIF/20110401/reqif.xsd"
XHTML_NS = "http://www.w3.org/1999/xhtml"
VALUE_KINDS = frozenset(
    {"STRING", "INTEGER", "REAL", "BOOLEAN", "DATE", "ENUMERATION", "XHTML"}
)


def parse_reqif(data: bytes, *, name: str) -> ParsedReqIF:
    """Read a .reqif or .reqifz file. Raises UploadProblem, naming what is
    wrong or missing, when Kravspor cannot use the file at all; everything
    else it noticed is in the result's problems."""
    tree, objects = _read_xml(_unpack(data, name=name), name=name)
    problems: list[Problem] = []
    content = _check_structure(tree, objects, name=name, problems=problems)
    # Read already, and emptied while parsing; the package skips them.
    _child(content, "SPEC-OBJECTS").clear()
    try:
        # The package's own entry point would parse the text again with
        # lxml's default parser; it gets the tree parsed above instead.
        bundle = ReqIFParser._parse_reqif(tree)
    except Exception as exc:  # the package asserts rather than reports
        raise UploadProblem(
            "unreadable",
            _(
                "%(name)s could not be read as ReqIF (%(detail)s). Check that it "
                "is a complete ReqIF export."
            )
            % {"name": name, "detail": cut(f"{type(exc).__name__}: {exc}", 200)},
        ) from exc
    return Mapper(bundle, objects, name=name, problems=problems).run()


# The file ------------------------------------------------------------------------


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


def _read_xml(data: bytes, *, name: str) -> tuple[Any, dict[str, SpecObject]]:
    """The parsed tree, and the spec objects read on the way: each SPEC-OBJECT
    is read as soon as it is complete and then emptied, so a file of tens of
    thousands of requirements never sits in memory whole."""
    start = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not start.startswith((b"<", b"\xff\xfe", b"\xfe\xff")):
        raise UploadProblem(
            "not_xml",
            _("%(name)s is not an XML file, so it cannot be a ReqIF file.")
            % {"name": name},
        )
    parsing = etree.iterparse(
        io.BytesIO(data),
        events=("end",),
        tag="{*}SPEC-OBJECT",
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    objects: dict[str, SpecObject] = {}
    try:
        for _event, element in parsing:
            parent = element.getparent()
            if parent is None or localname(parent) != "SPEC-OBJECTS":
                continue
            spec_object = _read_object(element, name=name)
            objects[spec_object.identifier] = spec_object
            element.clear()
            while element.getprevious() is not None:
                del parent[0]
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
    tree = parsing.root.getroottree()
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
    return tree, objects


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


def _broken(name: str, element: Any, code: str, what: str) -> UploadProblem:
    return UploadProblem(
        code,
        _("%(name)s, line %(line)s: %(what)s.")
        % {"name": name, "line": element.sourceline, "what": what},
    )


def _check_structure(
    tree: Any, objects: dict, *, name: str, problems: list[Problem]
) -> Any:
    """Name the missing part before anything trips over it; returns the
    REQ-IF-CONTENT element. Incomplete relations are removed with a warning so
    that the rest can still be read."""
    root = tree.getroot()
    if localname(root) != "REQ-IF":
        raise UploadProblem(
            "not_reqif",
            _("%(name)s is XML, but not ReqIF: its root element is <%(root)s>.")
            % {"name": name, "root": localname(root)},
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
    if not objects or _child(content, "SPEC-OBJECTS") is None:
        raise UploadProblem(
            "no_spec_objects",
            _("%(name)s has no SPEC-OBJECTS: it holds nothing to import.")
            % {"name": name},
        )
    specifications = _child(content, "SPECIFICATIONS")
    if not _children(specifications, "SPECIFICATION"):
        raise UploadProblem(
            "no_specifications",
            _(
                "%(name)s has no SPECIFICATIONS: the file does not say how its "
                "objects are ordered into chapters."
            )
            % {"name": name},
        )
    for spec_type in spec_types:
        if not spec_type.get("IDENTIFIER"):
            raise _broken(
                name,
                spec_type,
                "incomplete_type",
                _("%(tag)s has no IDENTIFIER") % {"tag": localname(spec_type)},
            )
        for definition in _children(_child(spec_type, "SPEC-ATTRIBUTES"), "*"):
            type_ref = _child(definition, "TYPE")
            if (
                not definition.get("IDENTIFIER")
                or type_ref is None
                or not len(type_ref)
                or not (type_ref[0].text or "").strip()
            ):
                raise _broken(
                    name,
                    definition,
                    "incomplete_attribute_definition",
                    _("attribute definition %(id)s has no IDENTIFIER or TYPE")
                    % {"id": definition.get("IDENTIFIER", "")},
                )
    for specification in _children(specifications, "SPECIFICATION"):
        if not specification.get("IDENTIFIER"):
            raise _broken(
                name,
                specification,
                "incomplete_specification",
                _("a SPECIFICATION has no IDENTIFIER"),
            )
    for node in specifications.iter("{*}SPEC-HIERARCHY"):
        if not node.get("IDENTIFIER") or not _ref_text(
            node, "OBJECT", "SPEC-OBJECT-REF"
        ):
            raise _broken(
                name,
                node,
                "incomplete_hierarchy",
                _("a SPEC-HIERARCHY has no IDENTIFIER or no OBJECT"),
            )
    for relation in _children(_child(content, "SPEC-RELATIONS"), "SPEC-RELATION"):
        missing = [
            part
            for part, path in (
                ("SOURCE", ("SOURCE", "SPEC-OBJECT-REF")),
                ("TARGET", ("TARGET", "SPEC-OBJECT-REF")),
                ("TYPE", ("TYPE", "SPEC-RELATION-TYPE-REF")),
            )
            if not _ref_text(relation, *path)
        ]
        if not relation.get("IDENTIFIER"):
            missing.insert(0, "IDENTIFIER")
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
    return content


# Spec objects --------------------------------------------------------------------


def _read_object(spec_object: Any, *, name: str) -> SpecObject:
    identifier = spec_object.get("IDENTIFIER")
    if not identifier:
        raise _broken(
            name,
            spec_object,
            "incomplete_object",
            _("a SPEC-OBJECT has no IDENTIFIER"),
        )
    type_ref = ""
    values: list[RawValue] = []
    for part in spec_object:
        tag = localname(part)
        if tag == "TYPE" and len(part):
            type_ref = (part[0].text or "").strip()
        elif tag == "VALUES":
            values.extend(_read_value(v, identifier, name) for v in part)
    if not type_ref:
        raise _broken(
            name,
            spec_object,
            "object_without_type",
            _("SPEC-OBJECT %(id)s has no TYPE") % {"id": identifier},
        )
    return SpecObject(
        identifier=identifier,
        type_ref=type_ref,
        long_name=spec_object.get("LONG-NAME") or "",
        description=spec_object.get("DESC") or "",
        values=values,
    )


def _read_value(element: Any, identifier: str, name: str) -> RawValue:
    kind = localname(element).removeprefix("ATTRIBUTE-VALUE-")
    if kind not in VALUE_KINDS:
        raise _broken(
            name,
            element,
            "unknown_value",
            _("SPEC-OBJECT %(id)s has a value of unknown kind <%(tag)s>")
            % {"id": identifier, "tag": localname(element)},
        )
    definition = ""
    content: Any = None
    for part in element:
        tag = localname(part)
        if tag == "DEFINITION" and len(part):
            definition = (part[0].text or "").strip()
        elif tag == "THE-VALUE":
            content = part
        elif tag == "VALUES":
            content = [(ref.text or "").strip() for ref in part]
    if not definition:
        raise _broken(
            name,
            element,
            "value_without_definition",
            _("SPEC-OBJECT %(id)s has a value without DEFINITION") % {"id": identifier},
        )
    if kind == "ENUMERATION":
        content = content if isinstance(content, list) else []
    elif kind == "XHTML":
        content = xhtml_to_text(content) if content is not None else None
    else:
        content = element.get("THE-VALUE")
    if content is None:
        raise _broken(
            name,
            element,
            "value_without_content",
            _("SPEC-OBJECT %(id)s has a value without THE-VALUE") % {"id": identifier},
        )
    return RawValue(definition, kind, content)
