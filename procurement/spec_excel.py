"""The requirement specification as an Excel workbook, out and back in.

Export writes one row per requirement in document order (today's
specification or a baseline). Import runs in three steps:

- ``parse_workbook``: open the upload safely and map its header to our columns
  (nb or en); file-level problems raise ``UploadProblem``;
- ``plan_import``: compare every row with the stored specification and say
  what would be created, changed (field by field) and left alone, with every
  row error; nothing is written;
- ``apply_plan``: carry out an error-free plan in one transaction through the
  specification services, so history and version checks apply.

An exported workbook imported again unchanged plans no changes at all.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl.utils import get_column_letter

from procurement.documents.safety import EXCEL_CELL_LIMIT, UploadProblem, excel_text
from procurement.documents.xlsx import (
    Column,
    new_workbook,
    open_workbook,
    sheet_rows,
    write_sheet,
)
from procurement.models import (
    Baseline,
    Organisation,
    Procurement,
    Requirement,
    RequirementStakeholder,
    Section,
)
from procurement.selectors.specification import (
    PlanOutdated,
    baseline_snapshots,
    spec_fingerprint,
)
from procurement.services.core import event_record
from procurement.services.specification import (
    TRANSITIONS,
    ConcurrentEditError,
    requirement_create,
    requirement_update,
)
from procurement.spec_compare import DiffPart, word_diff

Kind = Requirement.Kind
Status = Requirement.Status
Relation = RequirementStakeholder.Relation

LANGUAGES = ("nb", "en")
MAX_ROWS = 100_000
TAG_MAX_LENGTH = 60
TEXT_FIELDS = ("title", "description", "response_instructions", "rationale")


@dataclass(frozen=True)
class SpecColumn:
    name: str
    label: Promise
    width: float
    wrap: bool = False
    required: bool = False


# The one table of the workbook's columns: export order, headers (translated
# when written, recognised in every language when read) and layout.
COLUMNS: tuple[SpecColumn, ...] = (
    SpecColumn("key", gettext_lazy("Key"), 13, required=True),
    SpecColumn("section_number", gettext_lazy("Section number"), 10, required=True),
    SpecColumn("section_title", gettext_lazy("Section title"), 24, wrap=True),
    SpecColumn("title", gettext_lazy("Title"), 40, wrap=True, required=True),
    SpecColumn("description", gettext_lazy("Need / description"), 60, wrap=True),
    SpecColumn(
        "response_instructions", gettext_lazy("Response instructions"), 45, wrap=True
    ),
    SpecColumn("kind", gettext_lazy("Kind"), 8),
    SpecColumn("weight", gettext_lazy("Weight"), 9),
    SpecColumn("status", gettext_lazy("Status"), 16),
    SpecColumn("rationale", gettext_lazy("Rationale"), 40, wrap=True),
    SpecColumn("tags", gettext_lazy("Tags"), 24, wrap=True),
    SpecColumn("stakeholders", gettext_lazy("Stakeholders"), 45, wrap=True),
)
COLUMN_BY_NAME = {column.name: column for column in COLUMNS}


def _fold(text: str) -> str:
    return " ".join(str(text).split()).casefold()


def _in_every_language(label: Promise) -> set[str]:
    names = set()
    for language in LANGUAGES:
        with translation.override(language):
            names.add(_fold(label))
    return names


# Export ---------------------------------------------------------------------------


def relation_label(relation: str) -> str:
    try:
        return str(Relation(relation).label).lower()
    except ValueError:
        return relation


def status_label(status: str) -> str:
    try:
        return str(Status(status).label)
    except ValueError:
        return status


RELATION_ORDER = {relation: index for index, relation in enumerate(Relation.values)}


def format_stakeholders(pairs: Iterable[str]) -> str:
    """["endorsed:Trondheim kommune", "raised:St. Olavs hospital HF"] →
    "raised: St. Olavs hospital HF; endorsed: Trondheim kommune"."""
    split = [pair.partition(":")[::2] for pair in pairs]
    split.sort(key=lambda item: (RELATION_ORDER.get(item[0], 99), item[1]))
    return "; ".join(f"{relation_label(relation)}: {name}" for relation, name in split)


def _export_row(snapshot: dict) -> list[Any]:
    weight = snapshot["weight"]
    return [
        snapshot["key"],
        snapshot["section_number"],
        snapshot["section_title"],
        snapshot["title"],
        snapshot["description"],
        snapshot["response_instructions"],
        snapshot["kind"],
        None if weight is None else float(weight),
        status_label(snapshot["status"]),
        snapshot["rationale"],
        ", ".join(snapshot["tags"]),
        format_stakeholders(snapshot["stakeholders"]),
    ]


@dataclass(slots=True)
class StoredRequirement:
    """A requirement as stored, read with plain value queries: tens of
    thousands load in a fraction of the time model instances with prefetched
    tags and stakeholders take."""

    pk: int
    key: str
    version: int
    section_id: int
    section_number: str
    section_title: str
    section_sort_key: str
    title: str
    description: str
    response_instructions: str
    kind: str
    weight: Decimal | None
    status: str
    rationale: str
    tags: list[str] = field(default_factory=list)
    # (organisation pk, relation, organisation name)
    stakeholders: list[tuple[int, str, str]] = field(default_factory=list)

    def snapshot(self) -> dict:
        """The same fields as ``Requirement.snapshot()``."""
        return {
            "key": self.key,
            "section_number": self.section_number,
            "section_title": self.section_title,
            "section_sort_key": self.section_sort_key,
            "title": self.title,
            "description": self.description,
            "response_instructions": self.response_instructions,
            "kind": self.kind,
            "weight": self.weight,
            "status": self.status,
            "rationale": self.rationale,
            "tags": sorted(self.tags),
            "stakeholders": sorted(
                f"{relation}:{name}" for _pk, relation, name in self.stakeholders
            ),
        }


STORED_FIELDS = (
    "pk",
    "key",
    "version",
    "section_id",
    "section__number",
    "section__title",
    "section__sort_key",
    "title",
    "description",
    "response_instructions",
    "kind",
    "weight",
    "status",
    "rationale",
)


def stored_requirements(procurement: Procurement) -> Iterator[StoredRequirement]:
    """Every requirement of ``procurement`` in document order, with its tags
    and stakeholders: three queries, rows streamed."""
    tags: dict[int, list[str]] = defaultdict(list)
    for requirement_id, name in (
        Requirement.tags.through.objects.filter(requirement__procurement=procurement)
        .values_list("requirement_id", "tag__name")
        .iterator(chunk_size=5000)
    ):
        tags[requirement_id].append(name)
    stakeholders: dict[int, list[tuple[int, str, str]]] = defaultdict(list)
    for requirement_id, *link in (
        RequirementStakeholder.objects.filter(requirement__procurement=procurement)
        .values_list(
            "requirement_id", "organisation_id", "relation", "organisation__name"
        )
        .iterator(chunk_size=5000)
    ):
        stakeholders[requirement_id].append(tuple(link))
    rows = (
        Requirement.objects.filter(procurement=procurement)
        .order_by("section__sort_key", "key")
        .values_list(*STORED_FIELDS)
        .iterator(chunk_size=2000)
    )
    for row in rows:
        stored = StoredRequirement(*row)
        stored.tags = sorted(tags.get(stored.pk, ()))
        stored.stakeholders = stakeholders.get(stored.pk, [])
        yield stored


def _snapshots(procurement: Procurement, baseline: Baseline | None) -> Iterator[dict]:
    if baseline is not None:
        yield from baseline_snapshots(baseline).values()
        return
    for stored in stored_requirements(procurement):
        yield stored.snapshot()


def write_specification_xlsx(
    procurement: Procurement, out: IO[bytes], *, baseline: Baseline | None = None
) -> int:
    """Write the specification (or ``baseline``'s snapshot) as a workbook to
    ``out``, headers in the active language; returns the number of rows."""
    columns = [
        Column(
            header=str(column.label),
            width=column.width,
            wrap=column.wrap,
            choices=_choices_for(column.name),
        )
        for column in COLUMNS
    ]
    workbook = new_workbook()
    rows = write_sheet(
        workbook,
        _("Requirements"),
        columns,
        (_export_row(snapshot) for snapshot in _snapshots(procurement, baseline)),
    )
    workbook.save(out)
    return rows


def _choices_for(name: str) -> list[str]:
    if name == "kind":
        return list(Kind.values)
    if name == "status":
        return [str(label) for label in Status.labels]
    return []


def export_filename(procurement: Procurement, baseline: Baseline | None) -> str:
    stamp = (
        slugify(baseline.label)
        if baseline is not None
        else timezone.localdate().isoformat()
    )
    return f"{slugify(procurement.reference)}-{slugify(_('requirements'))}-{stamp}.xlsx"


# Parse ----------------------------------------------------------------------------


@dataclass
class SheetRow:
    number: int
    cells: dict[str, Any]


@dataclass
class ParsedSheet:
    name: str
    letters: dict[str, str]  # column name → column letter in the file
    headers: dict[str, str]  # column name → header as written in the file
    rows: list[SheetRow]


def parse_workbook(
    handle: IO[bytes], *, name: str, size: int | None = None
) -> ParsedSheet:
    """Read the first sheet of an uploaded workbook. Raises UploadProblem for
    a file that is not a workbook, is empty or has wrong or missing columns."""
    workbook = open_workbook(handle, name=name, size=size)
    try:
        if not workbook.worksheets:
            raise _empty(name)
        rows = sheet_rows(workbook.worksheets[0], name=name)
        header = next(rows, None)
        if header is None or not any(_cell_text(v) for v in header[1]):
            raise _empty(name)
        positions, headers = _read_header(header[1], name=name)
        parsed: list[SheetRow] = []
        for number, values in rows:
            cells = {
                column: values[index] if index < len(values) else None
                for column, index in positions.items()
            }
            if all(not _cell_text(value).strip() for value in cells.values()):
                continue
            if len(parsed) >= MAX_ROWS:
                raise UploadProblem(
                    "too_many_rows",
                    _("%(name)s has more than %(limit)s requirement rows.")
                    % {"name": name, "limit": f"{MAX_ROWS:,}".replace(",", " ")},
                )
            parsed.append(SheetRow(number, cells))
    finally:
        workbook.close()
    if not parsed:
        raise UploadProblem(
            "no_rows",
            _("%(name)s has a header but no requirement rows below it.")
            % {"name": name},
        )
    letters = {
        column: get_column_letter(index + 1) for column, index in positions.items()
    }
    return ParsedSheet(name=name, letters=letters, headers=headers, rows=parsed)


def _empty(name: str) -> UploadProblem:
    return UploadProblem(
        "empty_sheet",
        _("%(name)s has nothing on its first sheet; Kravspor expects a header row.")
        % {"name": name},
    )


def _read_header(values: tuple, *, name: str) -> tuple[dict[str, int], dict[str, str]]:
    known: dict[str, str] = {}
    for column in COLUMNS:
        known[_fold(column.name)] = column.name
        for header in _in_every_language(column.label):
            known[header] = column.name
    positions: dict[str, int] = {}
    headers: dict[str, str] = {}
    unknown, repeated = [], []
    for index, value in enumerate(values):
        text = _cell_text(value)
        if not text:
            continue
        column = known.get(_fold(text))
        letter = get_column_letter(index + 1)
        if column is None:
            unknown.append(f"{letter} «{text}»")
        elif column in positions:
            repeated.append(f"{letter} «{text}»")
        else:
            positions[column] = index
            headers[column] = text
    problems = []
    if unknown:
        problems.append(
            _("Kravspor does not know these columns: %(columns)s.")
            % {"columns": ", ".join(unknown)}
        )
    if repeated:
        problems.append(
            _("These columns appear twice: %(columns)s.")
            % {"columns": ", ".join(repeated)}
        )
    missing = [
        str(column.label)
        for column in COLUMNS
        if column.required and column.name not in positions
    ]
    if missing:
        problems.append(
            _("These columns are missing: %(columns)s.")
            % {"columns": ", ".join(missing)}
        )
    if problems:
        expected = ", ".join(str(column.label) for column in COLUMNS)
        raise UploadProblem(
            "wrong_columns",
            _(
                "%(name)s does not have the columns of a requirement workbook "
                "(header in row 1). %(problems)s Expected: %(expected)s."
            )
            % {"name": name, "problems": " ".join(problems), "expected": expected},
        )
    return positions, headers


def _cell_text(value: Any) -> str:
    """A cell's value as text: numbers without a trailing .0, nothing as ""."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat(sep=" ") if hasattr(value, "hour") else str(value)
    return str(value)


# Plan -----------------------------------------------------------------------------


@dataclass(frozen=True)
class RowProblem:
    row: int
    column: str  # the header as written in the file, or our label
    letter: str  # the column letter in the file, "" when not in it
    code: str
    message: str

    def __str__(self) -> str:
        where = f"{self.column} ({self.letter})" if self.letter else self.column
        if self.row:
            return _("Row %(row)s, %(column)s: %(message)s") % {
                "row": self.row,
                "column": where,
                "message": self.message,
            }
        return f"{where}: {self.message}" if where else self.message


@dataclass(frozen=True)
class FieldChange:
    name: str
    label: str
    old: str
    new: str
    diff: list[DiffPart] | None = None


@dataclass
class PlannedRow:
    row: int
    key: str
    title: str
    section: Section
    requirement: StoredRequirement | None = None
    version: int | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    tags: list[str] | None = None
    stakeholders: list[tuple[Organisation, str]] | None = None
    changes: list[FieldChange] = field(default_factory=list)


@dataclass
class ImportPlan:
    name: str
    fingerprint: str
    created: list[PlannedRow] = field(default_factory=list)
    changed: list[PlannedRow] = field(default_factory=list)
    unchanged: int = 0
    not_in_file: int = 0
    errors: list[RowProblem] = field(default_factory=list)
    warnings: list[RowProblem] = field(default_factory=list)

    @property
    def has_changes(self) -> bool:
        return bool(self.created or self.changed)

    @property
    def can_apply(self) -> bool:
        return self.has_changes and not self.errors

    def lines(self) -> Iterator[str]:
        """The plan as plain text lines, for the commands."""
        yield self.summary()
        for problem in self.errors:
            yield _("Error: %(problem)s") % {"problem": problem}
        for problem in self.warnings:
            yield _("Note: %(problem)s") % {"problem": problem}
        for row in self.created:
            yield _("Row %(row)s: new in %(section)s: %(title)s") % {
                "row": row.row,
                "section": row.section.number,
                "title": row.title,
            }
        for row in self.changed:
            yield _("Row %(row)s: %(key)s changes") % {"row": row.row, "key": row.key}
            for change in row.changes:
                old, new = _short(change.old), _short(change.new)
                yield f"    {change.label}: «{old}» → «{new}»"

    def summary(self) -> str:
        if not self.has_changes and not self.errors:
            return _(
                "No changes: the workbook matches the specification "
                "(%(unchanged)s rows unchanged)."
            ) % {"unchanged": self.unchanged}
        return _(
            "%(created)s to create, %(changed)s to change, %(unchanged)s unchanged, "
            "%(absent)s not in the file and left alone; %(errors)s errors."
        ) % {
            "created": len(self.created),
            "changed": len(self.changed),
            "unchanged": self.unchanged,
            "absent": self.not_in_file,
            "errors": len(self.errors),
        }


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _Lookups:
    """Everything a plan looks rows up in, loaded once."""

    def __init__(self, procurement: Procurement):
        self.requirements = {
            stored.key: stored for stored in stored_requirements(procurement)
        }
        self.sections = {
            section.number: section
            for section in Section.objects.filter(procurement=procurement)
        }
        self.organisations: dict[str, list[Organisation]] = defaultdict(list)
        for organisation in Organisation.objects.only("pk", "name"):
            self.organisations[_fold(organisation.name)].append(organisation)
        self.kinds = _choice_lookup(Kind)
        self.statuses = _choice_lookup(Status)
        self.relations = _choice_lookup(Relation)


def _choice_lookup(choices) -> dict[str, str]:
    lookup = {}
    for language in LANGUAGES:
        with translation.override(language):
            for value, label in choices.choices:
                lookup[_fold(label)] = value
    for value in choices.values:
        lookup[_fold(value)] = value
    return lookup


class _RowReader:
    """Turns one sheet row into field values, collecting its problems."""

    def __init__(self, sheet: ParsedSheet, row: SheetRow, lookups: _Lookups):
        self.sheet = sheet
        self.row = row
        self.lookups = lookups
        self.problems: list[RowProblem] = []

    def has(self, name: str) -> bool:
        return name in self.sheet.letters

    def text(self, name: str) -> str:
        return _cell_text(self.row.cells.get(name))

    def problem(self, name: str, code: str, message: str) -> None:
        column = COLUMN_BY_NAME.get(name)
        self.problems.append(
            RowProblem(
                row=self.row.number,
                column=self.sheet.headers.get(name)
                or (str(column.label) if column else ""),
                letter=self.sheet.letters.get(name, ""),
                code=code,
                message=message,
            )
        )

    def choice(self, name: str, lookup: dict[str, str], labels) -> str | None:
        text = self.text(name).strip()
        if not text:
            return None
        value = lookup.get(_fold(text))
        if value is None:
            self.problem(
                name,
                "unknown_choice",
                _("«%(value)s» is not one of: %(choices)s.")
                % {"value": text, "choices": ", ".join(str(x) for x in labels)},
            )
        return value

    def weight(self) -> tuple[bool, Decimal | None]:
        """(valid, weight); an empty cell is a valid None."""
        value = self.row.cells.get("weight")
        if value is None or (isinstance(value, str) and not value.strip()):
            return True, None
        if isinstance(value, bool):
            value = str(value)
        if isinstance(value, (int, float)):
            text = repr(value)
        else:
            text = str(value).strip().replace("\u00a0", "").replace(" ", "")
            text = text.replace(",", ".")
        try:
            weight = Decimal(text)
        except InvalidOperation:
            weight = None
        if weight is None or not weight.is_finite():
            self.problem(
                "weight",
                "invalid_weight",
                _("«%(value)s» is not a number.") % {"value": _cell_text(value)},
            )
            return False, None
        if weight < 0:
            self.problem("weight", "negative_weight", _("A weight cannot be below 0."))
            return False, None
        if weight != weight.quantize(Decimal("0.001")):
            self.problem(
                "weight",
                "weight_decimals",
                _("A weight has at most 3 decimals."),
            )
            return False, None
        return True, weight.quantize(Decimal("0.001"))

    def tags(self) -> list[str]:
        names = []
        for part in self.text("tags").split(","):
            name = " ".join(part.split())
            if not name or name in names:
                continue
            if len(name) > TAG_MAX_LENGTH:
                self.problem(
                    "tags",
                    "tag_too_long",
                    _("The tag «%(tag)s» is longer than %(limit)s characters.")
                    % {"tag": _short(name, 30), "limit": TAG_MAX_LENGTH},
                )
                continue
            names.append(name)
        return sorted(names)

    def stakeholders(self) -> list[tuple[Organisation, str]]:
        pairs: list[tuple[Organisation, str]] = []
        for part in self.text("stakeholders").split(";"):
            part = part.strip()
            if not part:
                continue
            relation_text, colon, name = part.partition(":")
            name = name.strip()
            if not colon or not name:
                self.problem(
                    "stakeholders",
                    "stakeholder_format",
                    _(
                        "«%(item)s» should be written as relation: organisation, "
                        "e.g. «%(example)s»."
                    )
                    % {
                        "item": part,
                        "example": f"{relation_label(Relation.RAISED)}: "
                        "St. Olavs hospital HF",
                    },
                )
                continue
            relation = self.lookups.relations.get(_fold(relation_text))
            if relation is None:
                self.problem(
                    "stakeholders",
                    "unknown_relation",
                    _("«%(relation)s» is not a relation; use one of: %(choices)s.")
                    % {
                        "relation": relation_text.strip(),
                        "choices": ", ".join(relation_label(r) for r in Relation),
                    },
                )
                continue
            matches = self.lookups.organisations.get(_fold(name), [])
            if len(matches) != 1:
                self.problem(
                    "stakeholders",
                    "unknown_organisation" if not matches else "ambiguous_organisation",
                    (
                        _("No organisation is called «%(name)s».")
                        if not matches
                        else _(
                            "More than one organisation is called «%(name)s»; "
                            "rename one of them first."
                        )
                    )
                    % {"name": name},
                )
                continue
            pair = (matches[0], relation)
            if pair not in pairs:
                pairs.append(pair)
        return pairs


def plan_import(procurement: Procurement, sheet: ParsedSheet) -> ImportPlan:
    """What importing ``sheet`` would do; writes nothing. The plan carries
    the specification's fingerprint, so it is applied only to the same spec."""
    plan = ImportPlan(name=sheet.name, fingerprint=spec_fingerprint(procurement))
    lookups = _Lookups(procurement)
    key_rows = Counter(_cell_text(row.cells.get("key")).strip() for row in sheet.rows)
    seen_keys = set()
    warned_sections = set()
    for row in sheet.rows:
        reader = _RowReader(sheet, row, lookups)
        key = reader.text("key").strip()
        requirement = None
        if key:
            requirement = lookups.requirements.get(key)
            if requirement is not None:
                seen_keys.add(key)
            if key_rows[key] > 1:
                reader.problem(
                    "key",
                    "duplicate_key",
                    _("The key %(key)s is on more than one row; each key once.")
                    % {"key": key},
                )
            elif requirement is None:
                reader.problem(
                    "key",
                    "unknown_key",
                    _(
                        "No requirement has the key %(key)s in this procurement. "
                        "Leave the key empty to create a new requirement."
                    )
                    % {"key": key},
                )
        planned = _plan_row(reader, requirement, key, warned_sections, plan)
        if reader.problems:
            plan.errors.extend(reader.problems)
        elif planned is None:
            plan.unchanged += 1
        elif requirement is None:
            plan.created.append(planned)
        else:
            plan.changed.append(planned)
    plan.not_in_file = len(set(lookups.requirements) - seen_keys)
    return plan


def _plan_row(
    reader: _RowReader,
    requirement: StoredRequirement | None,
    key: str,
    warned_sections: set[str],
    plan: ImportPlan,
) -> PlannedRow | None:
    lookups = reader.lookups
    section_number = reader.text("section_number").strip()
    section = lookups.sections.get(section_number)
    if not section_number:
        reader.problem(
            "section_number", "section_missing", _("Every row needs a section number.")
        )
    elif section is None:
        reader.problem(
            "section_number",
            "unknown_section",
            _("There is no section %(number)s in this specification.")
            % {"number": section_number},
        )
    elif reader.has("section_title") and section_number not in warned_sections:
        title = reader.text("section_title").strip()
        if title and title != excel_text(section.title).strip():
            warned_sections.add(section_number)
            plan.warnings.append(
                RowProblem(
                    row=reader.row.number,
                    column=reader.sheet.headers["section_title"],
                    letter=reader.sheet.letters["section_title"],
                    code="section_title_differs",
                    message=_(
                        "Section %(number)s is called «%(title)s» in Kravspor; "
                        "an import does not rename sections."
                    )
                    % {"number": section_number, "title": section.title},
                )
            )
    if key and requirement is None:
        return None

    values: dict[str, Any] = {}
    for name in TEXT_FIELDS:
        if reader.has(name):
            values[name] = _text_value(reader, name, requirement)
    if reader.has("kind"):
        kind = reader.choice("kind", lookups.kinds, Kind.values)
        if kind is not None:
            values["kind"] = kind
        elif requirement is not None and not reader.text("kind").strip():
            reader.problem("kind", "kind_missing", _("The kind cannot be empty."))
    if reader.has("weight"):
        valid, weight = reader.weight()
        if valid:
            values["weight"] = weight
    if reader.has("status"):
        status = reader.choice("status", lookups.statuses, Status.labels)
        if status is not None:
            values["status"] = status
        elif requirement is not None and not reader.text("status").strip():
            reader.problem("status", "status_missing", _("The status cannot be empty."))
    tags = reader.tags() if reader.has("tags") else None
    stakeholders = reader.stakeholders() if reader.has("stakeholders") else None
    if section is None:
        return None

    planned = PlannedRow(
        row=reader.row.number,
        key=key,
        title=values.get("title") or (requirement.title if requirement else ""),
        section=section,
        requirement=requirement,
        version=requirement.version if requirement else None,
    )
    if requirement is None:
        planned.fields = {name: value for name, value in values.items() if value}
        if "weight" in values:
            planned.fields["weight"] = values["weight"]
        planned.tags = tags or []
        planned.stakeholders = stakeholders or []
        _validate(reader, Requirement(), section, values)
        return planned

    changes = _changes(reader, requirement, section, values)
    if section.pk != requirement.section_id:
        planned.fields["section"] = section
    for change in changes:
        if change.name in values:
            planned.fields[change.name] = values[change.name]
    current_tags = requirement.tags
    if tags is not None and tags != current_tags:
        planned.tags = tags
        changes.append(
            FieldChange(
                "tags",
                str(COLUMN_BY_NAME["tags"].label),
                ", ".join(current_tags),
                ", ".join(tags),
            )
        )
    current_pairs = {
        (organisation_id, relation): name
        for organisation_id, relation, name in requirement.stakeholders
    }
    if stakeholders is not None and {
        (organisation.pk, relation) for organisation, relation in stakeholders
    } != set(current_pairs):
        planned.stakeholders = stakeholders
        changes.append(
            FieldChange(
                "stakeholders",
                str(COLUMN_BY_NAME["stakeholders"].label),
                _format_pairs(
                    (name, relation) for (_pk, relation), name in current_pairs.items()
                ),
                _format_pairs(
                    (organisation.name, relation)
                    for organisation, relation in stakeholders
                ),
            )
        )
    if not changes:
        return None
    if "status" in planned.fields and planned.fields["status"] not in TRANSITIONS.get(
        requirement.status, set()
    ):
        reader.problem(
            "status",
            "invalid_transition",
            _("%(key)s cannot go from %(old)s to %(new)s.")
            % {
                "key": requirement.key,
                "old": Status(requirement.status).label,
                "new": Status(planned.fields["status"]).label,
            },
        )
    _validate(reader, requirement, section, values)
    planned.changes = changes
    return planned


def _text_value(
    reader: _RowReader, name: str, requirement: StoredRequirement | None
) -> str:
    text = reader.text(name)
    if requirement is None:
        return text.strip()
    current = getattr(requirement, name)
    exported = excel_text(current)
    if text == exported or text.strip() == exported.strip():
        return current
    if len(current) > EXCEL_CELL_LIMIT:
        reader.problem(
            name,
            "cut_on_export",
            _(
                "This text is longer than a spreadsheet cell holds (%(limit)s "
                "characters) and was cut in the export; change it in Kravspor."
            )
            % {"limit": f"{EXCEL_CELL_LIMIT:,}".replace(",", " ")},
        )
        return current
    return text.strip()


def _changes(
    reader: _RowReader,
    requirement: StoredRequirement,
    section: Section,
    values: dict,
) -> list[FieldChange]:
    changes = []
    if section.pk != requirement.section_id:
        changes.append(
            FieldChange(
                "section",
                str(COLUMN_BY_NAME["section_number"].label),
                f"{requirement.section_number} {requirement.section_title}",
                str(section),
            )
        )
    for name, value in values.items():
        old = getattr(requirement, name)
        if old == value:
            continue
        label = str(COLUMN_BY_NAME[name].label)
        if name in TEXT_FIELDS:
            changes.append(FieldChange(name, label, old, value, word_diff(old, value)))
        elif name == "status":
            changes.append(
                FieldChange(name, label, status_label(old), status_label(value))
            )
        else:
            changes.append(FieldChange(name, label, _display(old), _display(value)))
    return changes


def _display(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def _format_pairs(pairs: Iterable[tuple[str, str]]) -> str:
    return format_stakeholders(f"{relation}:{name}" for name, relation in pairs)


def _validate(
    reader: _RowReader,
    requirement: StoredRequirement | Requirement,
    section: Section,
    values: dict,
) -> None:
    """Run the model's own checks on the row's values, as the service will."""
    candidate = Requirement(
        procurement_id=section.procurement_id,
        section=section,
        key=requirement.key or "NEW",
        title=requirement.title,
        description=requirement.description,
        response_instructions=requirement.response_instructions,
        kind=requirement.kind,
        weight=requirement.weight,
        status=requirement.status,
        rationale=requirement.rationale,
    )
    for name, value in values.items():
        setattr(candidate, name, value)
    try:
        candidate.full_clean(
            exclude=["procurement", "section", "status_changed_by", "key"],
            validate_unique=False,
            validate_constraints=False,
        )
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            column = name if name in COLUMN_BY_NAME else ""
            for message in messages:
                reader.problem(column, "invalid", message)


# Apply ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportResult:
    created: list[Requirement]
    changed: list[Requirement]


@transaction.atomic
def apply_plan(
    plan: ImportPlan,
    *,
    procurement: Procurement,
    by: AbstractBaseUser | None,
) -> ImportResult:
    """Carry out an error-free plan, all or nothing, through the services.
    Raises PlanOutdated (and writes nothing) when the specification changed
    after the plan was made."""
    if plan.errors:
        raise ValueError("a plan with errors cannot be applied")
    if spec_fingerprint(procurement) != plan.fingerprint:
        raise PlanOutdated
    changed = []
    stored = Requirement.objects.in_bulk([row.requirement.pk for row in plan.changed])
    try:
        for row in plan.changed:
            requirement = stored.get(row.requirement.pk)
            if requirement is None:
                raise PlanOutdated
            changed.append(
                requirement_update(
                    by=by,
                    requirement=requirement,
                    expected_version=row.version,
                    tags=row.tags,
                    stakeholders=row.stakeholders,
                    **row.fields,
                )
            )
    except ConcurrentEditError as exc:
        raise PlanOutdated from exc
    created = [
        requirement_create(
            by=by,
            procurement=procurement,
            section=row.section,
            tags=row.tags or (),
            stakeholders=row.stakeholders or (),
            **row.fields,
        )
        for row in plan.created
    ]
    if created or changed:
        event_record(
            action="specification.imported",
            by=by,
            procurement=procurement,
            data={
                "file": plan.name,
                "created": len(created),
                "changed": len(changed),
            },
        )
    return ImportResult(created=created, changed=changed)
