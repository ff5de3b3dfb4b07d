"""Spreadsheet templates and imports for workshops: participants, and a
workshop's notes (its inputs).

Each import runs in three steps, like the specification import:
``parse_*`` opens the upload safely and maps its header (bokmål or English)
to our columns, refusing wrong or missing columns; ``plan_*`` checks every
row and says what would happen, with each problem naming its row and column,
and writes nothing; the services apply an error-free plan all or nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from django.utils import translation
from django.utils.functional import Promise
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl.utils import get_column_letter

from procurement.documents.safety import UploadProblem
from procurement.documents.xlsx import (
    Column,
    SheetWriter,
    new_workbook,
    open_workbook,
    sheet_rows,
    write_sheet,
)
from procurement.models import Organisation, Procurement, Section
from procurement.personal_data import describe, find_personal_data
from procurement.spec_excel import RowProblem
from workshops.models import Input, Participant, Workshop
from workshops.selectors.workshops import OrganisationLookup, top_level_sections
from workshops.services.capture import NoteRow, clean_input_text
from workshops.services.workshops import ParticipantRow

LANGUAGES = ("nb", "en")
MAX_ROWS = 5000
YES = (gettext_lazy("Yes"), "yes", "ja", "y", "j", "true", "1", "x")
NO = (gettext_lazy("No"), "no", "nei", "n", "false", "0")


@dataclass(frozen=True)
class SheetColumn:
    name: str
    label: Promise
    width: float
    help: Promise
    wrap: bool = False
    required: bool = False


PARTICIPANT_COLUMNS: tuple[SheetColumn, ...] = (
    SheetColumn(
        "name",
        gettext_lazy("Name"),
        30,
        gettext_lazy("The participant's full name. Required."),
        required=True,
    ),
    SheetColumn(
        "profession",
        gettext_lazy("Profession / role"),
        28,
        gettext_lazy("One of the values in the list. Required."),
        required=True,
    ),
    SheetColumn(
        "organisation",
        gettext_lazy("Organisation"),
        40,
        gettext_lazy(
            "The organisation's name as in Kravspor, or its organisation "
            "number (9 digits). Required."
        ),
        required=True,
    ),
    SheetColumn(
        "user_representative",
        gettext_lazy("User representative"),
        18,
        gettext_lazy("Yes if the participant represents patients or users; else No."),
    ),
)

NOTE_COLUMNS: tuple[SheetColumn, ...] = (
    SheetColumn(
        "text",
        gettext_lazy("Text"),
        70,
        gettext_lazy(
            "The input as it was said or written. Required. No personal data: "
            "no identity numbers, e-mail addresses or phone numbers."
        ),
        wrap=True,
        required=True,
    ),
    SheetColumn(
        "kind",
        gettext_lazy("Kind"),
        22,
        gettext_lazy("One of the values in the list; empty means Need."),
    ),
    SheetColumn(
        "area",
        gettext_lazy("Area"),
        28,
        gettext_lazy(
            "The section of the specification: its number (e.g. 3) or its "
            "title. Empty means the workshop's area."
        ),
        wrap=True,
    ),
    SheetColumn(
        "organisations",
        gettext_lazy("Raised by organisations"),
        40,
        gettext_lazy(
            "Names or organisation numbers, separated by ; (semicolon). The "
            "organisations of the participants below are added by themselves."
        ),
        wrap=True,
    ),
    SheetColumn(
        "participants",
        gettext_lazy("Raised by participants"),
        40,
        gettext_lazy(
            "Names of participants registered for the workshop, separated "
            "by ; (semicolon)."
        ),
        wrap=True,
    ),
)


def _fold(text: Any) -> str:
    return " ".join(str(text).split()).casefold()


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _in_every_language(label: Promise) -> set[str]:
    names = set()
    for language in LANGUAGES:
        with translation.override(language):
            names.add(_fold(label))
    return names


def _choice_lookup(choices) -> dict[str, str]:
    lookup = {_fold(value): value for value in choices.values}
    for language in LANGUAGES:
        with translation.override(language):
            for value, label in choices.choices:
                lookup[_fold(label)] = value
    return lookup


def _yes_no_lookup() -> dict[str, bool]:
    lookup: dict[str, bool] = {}
    for answers, meaning in ((YES, True), (NO, False)):
        for answer in answers:
            if isinstance(answer, Promise):
                for word in _in_every_language(answer):
                    lookup[word] = meaning
            else:
                lookup[answer] = meaning
    return lookup


# Templates ------------------------------------------------------------------------


def _write_explanations(workbook, columns: Sequence[SheetColumn], extra=()) -> None:
    rows = [(str(column.label), str(column.help)) for column in columns]
    rows.extend(extra)
    write_sheet(
        workbook,
        _("About the columns"),
        [
            Column(header=_("Column"), width=28),
            Column(header=_("What to write"), width=90, wrap=True),
        ],
        rows,
    )


def write_participant_template(out: IO[bytes]) -> None:
    """An empty participant sheet with drop-down lists, and a sheet that
    explains each column."""
    organisations = list(
        Organisation.objects.exclude(kind=Organisation.Kind.VENDOR)
        .order_by("name")
        .values_list("name", flat=True)
    )
    columns = [
        Column(header=str(PARTICIPANT_COLUMNS[0].label), width=30),
        Column(
            header=str(PARTICIPANT_COLUMNS[1].label),
            width=28,
            choices=[str(label) for label in Participant.Profession.labels],
        ),
        Column(
            header=str(PARTICIPANT_COLUMNS[2].label), width=40, choices=organisations
        ),
        Column(
            header=str(PARTICIPANT_COLUMNS[3].label),
            width=18,
            choices=[_("Yes"), _("No")],
        ),
    ]
    workbook = new_workbook()
    writer = SheetWriter(workbook, _("Participants"), columns)
    writer.close()
    _write_explanations(
        workbook,
        PARTICIPANT_COLUMNS,
        extra=[
            ("", ""),
            (
                _("Good to know"),
                _(
                    "Keep to these four columns: Kravspor stores no other personal "
                    "data about participants. A participant already registered "
                    "(same name and organisation) is updated, not added twice."
                ),
            ),
        ],
    )
    workbook.save(out)


def participant_template_filename(procurement: Procurement) -> str:
    return f"{slugify(procurement.reference)}-{slugify(_('participants'))}.xlsx"


def _area_label(section: Section) -> str:
    return f"{section.number} {section.title}"


def write_notes_template(workshop: Workshop, out: IO[bytes]) -> None:
    """An empty notes sheet for ``workshop`` with drop-down lists for kind and
    area, a sheet explaining the columns and one listing who takes part."""
    attendances = workshop.attendances.select_related(
        "participant__organisation"
    ).order_by("participant__name")
    columns = [
        Column(header=str(NOTE_COLUMNS[0].label), width=70, wrap=True),
        Column(
            header=str(NOTE_COLUMNS[1].label),
            width=22,
            choices=[str(label) for label in Input.Kind.labels],
        ),
        Column(
            header=str(NOTE_COLUMNS[2].label),
            width=28,
            wrap=True,
            choices=[
                _area_label(section)
                for section in top_level_sections(workshop.procurement)
            ],
        ),
        Column(header=str(NOTE_COLUMNS[3].label), width=40, wrap=True),
        Column(header=str(NOTE_COLUMNS[4].label), width=40, wrap=True),
    ]
    workbook = new_workbook()
    writer = SheetWriter(workbook, _("Notes"), columns)
    writer.close()
    _write_explanations(workbook, NOTE_COLUMNS)
    write_sheet(
        workbook,
        _("Participants"),
        [
            Column(header=_("Name"), width=30),
            Column(header=_("Organisation"), width=40),
            Column(header=_("Organisation number"), width=20),
        ],
        (
            (
                attendance.participant.name,
                attendance.participant.organisation.name,
                attendance.participant.organisation.org_number,
            )
            for attendance in attendances
        ),
    )
    workbook.save(out)


def notes_template_filename(workshop: Workshop) -> str:
    stamp = workshop.starts_at.date().isoformat()
    return f"{slugify(_('notes'))}-{stamp}-{slugify(workshop.title)[:40]}.xlsx"


# Parse ----------------------------------------------------------------------------


@dataclass
class SheetRow:
    number: int
    cells: dict[str, Any]


@dataclass
class ParsedSheet:
    name: str
    letters: dict[str, str]
    headers: dict[str, str]
    rows: list[SheetRow]


def parse_sheet(
    handle: IO[bytes],
    *,
    name: str,
    columns: Sequence[SheetColumn],
    size: int | None = None,
) -> ParsedSheet:
    """Read the first sheet of an upload. Raises UploadProblem for a file that
    is not a workbook, has no rows, or has wrong or missing columns."""
    workbook = open_workbook(handle, name=name, size=size)
    try:
        if not workbook.worksheets:
            raise _empty(name)
        rows = sheet_rows(workbook.worksheets[0], name=name)
        header = next(rows, None)
        if header is None or not any(_cell_text(v).strip() for v in header[1]):
            raise _empty(name)
        positions, headers = _read_header(header[1], name=name, columns=columns)
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
                    _("%(name)s has more than %(limit)s rows.")
                    % {"name": name, "limit": MAX_ROWS},
                )
            parsed.append(SheetRow(number, cells))
    finally:
        workbook.close()
    if not parsed:
        raise UploadProblem(
            "no_rows",
            _("%(name)s has a header but no rows below it.") % {"name": name},
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


def _read_header(
    values: tuple, *, name: str, columns: Sequence[SheetColumn]
) -> tuple[dict[str, int], dict[str, str]]:
    known: dict[str, str] = {}
    for column in columns:
        known[_fold(column.name)] = column.name
        for header in _in_every_language(column.label):
            known[header] = column.name
    positions: dict[str, int] = {}
    headers: dict[str, str] = {}
    unknown, repeated = [], []
    for index, value in enumerate(values):
        text = _cell_text(value).strip()
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
        for column in columns
        if column.required and column.name not in positions
    ]
    if missing:
        problems.append(
            _("These columns are missing: %(columns)s.")
            % {"columns": ", ".join(missing)}
        )
    if problems:
        expected = ", ".join(str(column.label) for column in columns)
        raise UploadProblem(
            "wrong_columns",
            _(
                "%(name)s does not have the columns of the template (header in "
                "row 1). %(problems)s Expected: %(expected)s."
            )
            % {"name": name, "problems": " ".join(problems), "expected": expected},
        )
    return positions, headers


class _RowReader:
    def __init__(
        self, sheet: ParsedSheet, row: SheetRow, columns: Sequence[SheetColumn]
    ):
        self.sheet = sheet
        self.row = row
        self.labels = {column.name: str(column.label) for column in columns}
        self.problems: list[RowProblem] = []

    def text(self, name: str) -> str:
        return _cell_text(self.row.cells.get(name))

    def problem(self, name: str, code: str, message: str) -> None:
        self.problems.append(
            RowProblem(
                row=self.row.number,
                column=self.sheet.headers.get(name) or self.labels.get(name, ""),
                letter=self.sheet.letters.get(name, ""),
                code=code,
                message=message,
            )
        )

    def organisations(self, name: str, lookup: OrganisationLookup) -> list:
        found = []
        for part in self.text(name).split(";"):
            part = part.strip()
            if not part:
                continue
            organisation, code = lookup.find(part)
            if organisation is None:
                self.problem(
                    name,
                    code,
                    (
                        _("No organisation is called «%(name)s».")
                        if code == "unknown_organisation"
                        else _(
                            "More than one organisation is called «%(name)s»; "
                            "use its organisation number."
                        )
                    )
                    % {"name": part},
                )
            elif organisation not in found:
                found.append(organisation)
        return found


# Participants ------------------------------------------------------------------


@dataclass
class ParticipantPlan:
    name: str
    rows: list[ParticipantRow] = field(default_factory=list)
    errors: list[RowProblem] = field(default_factory=list)

    @property
    def new(self) -> list[ParticipantRow]:
        return [row for row in self.rows if row.existing is None]

    @property
    def existing(self) -> list[ParticipantRow]:
        return [row for row in self.rows if row.existing is not None]

    @property
    def can_apply(self) -> bool:
        return bool(self.rows) and not self.errors

    @property
    def fingerprint(self) -> str:
        """Changes when the same file would now do something else (someone
        registered one of its new participants meanwhile)."""
        digest = hashlib.sha256()
        for row in self.rows:
            digest.update(
                f"{row.row}:{row.existing.pk if row.existing else ''};".encode()
            )
        return digest.hexdigest()


def parse_participants(handle: IO[bytes], *, name: str, size: int | None = None):
    return parse_sheet(handle, name=name, columns=PARTICIPANT_COLUMNS, size=size)


def plan_participants(procurement: Procurement, sheet: ParsedSheet) -> ParticipantPlan:
    """Check every row: a name, a known profession and organisation, yes/no,
    no row twice. Writes nothing."""
    plan = ParticipantPlan(name=sheet.name)
    lookup = OrganisationLookup()
    professions = _choice_lookup(Participant.Profession)
    yes_no = _yes_no_lookup()
    existing = {
        (_fold(participant.name), participant.organisation_id): participant
        for participant in Participant.objects.filter(procurement=procurement)
    }
    seen: dict[tuple[str, int], int] = {}
    for row in sheet.rows:
        reader = _RowReader(sheet, row, PARTICIPANT_COLUMNS)
        person = " ".join(reader.text("name").split())
        if not person:
            reader.problem("name", "missing_name", _("Every row needs a name."))
        elif len(person) > 200:
            reader.problem(
                "name", "name_too_long", _("A name has at most 200 characters.")
            )
        else:
            for message in describe(find_personal_data(person)):
                reader.problem("name", "personal_data", message)
        profession_text = reader.text("profession").strip()
        profession = professions.get(_fold(profession_text))
        if not profession_text:
            reader.problem(
                "profession",
                "missing_profession",
                _("Every row needs a profession or role."),
            )
        elif profession is None:
            reader.problem(
                "profession",
                "unknown_profession",
                _("«%(value)s» is not one of: %(choices)s.")
                % {
                    "value": profession_text,
                    "choices": ", ".join(
                        str(label) for label in Participant.Profession.labels
                    ),
                },
            )
        organisation_text = reader.text("organisation").strip()
        organisation = None
        if not organisation_text:
            reader.problem(
                "organisation",
                "missing_organisation",
                _("Every row needs an organisation."),
            )
        else:
            organisations = reader.organisations("organisation", lookup)
            organisation = organisations[0] if organisations else None
        answer = reader.text("user_representative").strip()
        representative = False
        if answer:
            if _fold(answer) in yes_no:
                representative = yes_no[_fold(answer)]
            else:
                reader.problem(
                    "user_representative",
                    "invalid_yes_no",
                    _("Write Yes or No, not «%(value)s».") % {"value": answer},
                )
        if person and organisation is not None:
            key = (_fold(person), organisation.pk)
            if key in seen:
                reader.problem(
                    "name",
                    "duplicate_row",
                    _(
                        "%(name)s from %(organisation)s is also on row %(row)s; "
                        "each participant once."
                    )
                    % {
                        "name": person,
                        "organisation": organisation.name,
                        "row": seen[key],
                    },
                )
            else:
                seen[key] = row.number
        if reader.problems:
            plan.errors.extend(reader.problems)
            continue
        plan.rows.append(
            ParticipantRow(
                row=row.number,
                name=person,
                profession=profession,
                organisation=organisation,
                user_representative=representative,
                existing=existing.get((_fold(person), organisation.pk)),
            )
        )
    return plan


# Workshop notes ----------------------------------------------------------------


@dataclass
class NotesPlan:
    name: str
    rows: list[NoteRow] = field(default_factory=list)
    errors: list[RowProblem] = field(default_factory=list)

    @property
    def can_apply(self) -> bool:
        return bool(self.rows) and not self.errors


def parse_notes(handle: IO[bytes], *, name: str, size: int | None = None):
    return parse_sheet(handle, name=name, columns=NOTE_COLUMNS, size=size)


def plan_notes(workshop: Workshop, sheet: ParsedSheet) -> NotesPlan:
    """Check every row: text without personal data, a known kind, area,
    organisations and participants registered for the workshop. Writes
    nothing."""
    plan = NotesPlan(name=sheet.name)
    lookup = OrganisationLookup()
    kinds = _choice_lookup(Input.Kind)
    sections: dict[str, Section | None] = {}
    for section in Section.objects.filter(procurement=workshop.procurement):
        sections[_fold(section.number)] = section
        title = _fold(section.title)
        # A title shared by two sections is no way to name one of them.
        sections[title] = None if title in sections else section
        sections[_fold(_area_label(section))] = section
    people: dict[str, list[Participant]] = {}
    for attendance in workshop.attendances.select_related("participant__organisation"):
        participant = attendance.participant
        people.setdefault(_fold(participant.name), []).append(participant)
        people.setdefault(
            _fold(f"{participant.name} ({participant.organisation.name})"), []
        ).append(participant)
    for row in sheet.rows:
        reader = _RowReader(sheet, row, NOTE_COLUMNS)
        raw = reader.text("text")
        text = clean_input_text(raw)
        if not text:
            reader.problem("text", "empty_text", _("Every row needs the input's text."))
        else:
            for message in describe(find_personal_data(raw)):
                reader.problem("text", "personal_data", message)
        kind_text = reader.text("kind").strip()
        kind = Input.Kind.NEED
        if kind_text:
            kind = kinds.get(_fold(kind_text))
            if kind is None:
                reader.problem(
                    "kind",
                    "unknown_kind",
                    _("«%(value)s» is not one of: %(choices)s.")
                    % {
                        "value": kind_text,
                        "choices": ", ".join(str(x) for x in Input.Kind.labels),
                    },
                )
        area_text = reader.text("area").strip()
        area = workshop.area
        if area_text:
            area = sections.get(_fold(area_text))
            if area is None:
                reader.problem(
                    "area",
                    "unknown_area",
                    _(
                        "No section of this specification has the number or "
                        "title «%(value)s»."
                    )
                    % {"value": area_text},
                )
        organisations = reader.organisations("organisations", lookup)
        participants = []
        for part in reader.text("participants").split(";"):
            part = part.strip()
            if not part:
                continue
            matches = people.get(_fold(part), [])
            if len(matches) == 1:
                if matches[0] not in participants:
                    participants.append(matches[0])
            elif matches:
                reader.problem(
                    "participants",
                    "ambiguous_participant",
                    _(
                        "More than one participant is called «%(name)s»; write "
                        "it as «%(name)s (organisation)»."
                    )
                    % {"name": part},
                )
            else:
                reader.problem(
                    "participants",
                    "unknown_participant",
                    _("«%(name)s» is not registered for this workshop.")
                    % {"name": part},
                )
        if reader.problems:
            plan.errors.extend(reader.problems)
            continue
        plan.rows.append(
            NoteRow(
                row=row.number,
                text=text,
                kind=kind,
                area=area,
                organisations=organisations,
                participants=participants,
            )
        )
    return plan
