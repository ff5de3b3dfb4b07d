"""The vendor answer workbook: the requirements of a tender round out to the
vendors, their answers back in as a tender's responses.

Export: one row per requirement the round answers (its baseline, or without
one the current requirements that are not withdrawn), in document order. Key,
section, kind, title, text and response instructions are locked; compliance
(a drop-down of yes/partly/no in the workbook's language), answer and
reference are open to fill in. The sheet is protected without a password:
protection keeps vendors from editing the requirement by mistake, not from
trying, and the import reads nothing from the locked columns except the key.

The workbook is written in openpyxl's write-only mode. Write-only sheets keep
what protection needs: ``WriteOnlyWorksheet`` has the same ``protection`` as a
normal sheet and writes it with the sheet's tail, and each cell's locked flag
is part of its style, which streamed cells carry. So no normal (in-memory)
workbook is needed, even for tens of thousands of rows.

A very hidden sheet named ``Kravspor`` identifies the workbook: the
procurement's reference, the round number and a fingerprint of the round's
requirements. The import refuses a workbook without it, or for another
procurement or round; a fingerprint that differs (the requirements changed
after the download) is shown as a note.

Import runs like the specification import: ``read_answer_sheet`` opens the
upload safely and plans the answers with every row error (row number and
column), writing nothing; the view keeps the upload between preview and apply
and then calls ``procurement.services.tenders.responses_import``, which
replaces the tender's answers all at once.
"""

from __future__ import annotations

from copy import copy
from dataclasses import dataclass, field
from typing import IO, Any

from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl.cell import Cell
from openpyxl.styles import Protection
from openpyxl.utils import get_column_letter

from procurement.documents.safety import UploadProblem
from procurement.documents.xlsx import (
    Column,
    SheetWriter,
    _StreamCell,
    new_workbook,
    open_workbook,
    sheet_rows,
)
from procurement.models import Requirement, Response, TenderRound
from procurement.selectors.tenders import (
    round_requirement_fingerprint,
    round_requirements,
)
from procurement.services.tenders import ResponseData
from procurement.spec_excel import RowProblem

META_SHEET = "Kravspor"
MARKER = "kravspor-answer-sheet"
FORMAT_VERSION = "1"
LANGUAGES = ("nb", "en")
MAX_ROWS = 100_000
REFERENCE_MAX = Response._meta.get_field("reference").max_length
Compliance = Response.Compliance


@dataclass(frozen=True)
class AnswerColumn:
    name: str
    label: Promise
    width: float
    wrap: bool = False
    locked: bool = True
    required: bool = False


COLUMNS: tuple[AnswerColumn, ...] = (
    AnswerColumn("key", gettext_lazy("Key"), 13, required=True),
    AnswerColumn("section", gettext_lazy("Section"), 24, wrap=True),
    AnswerColumn("kind", gettext_lazy("Kind"), 7),
    AnswerColumn("title", gettext_lazy("Title"), 40, wrap=True),
    AnswerColumn("text", gettext_lazy("Requirement text"), 60, wrap=True),
    AnswerColumn("instructions", gettext_lazy("Response instructions"), 45, wrap=True),
    AnswerColumn(
        "compliance", gettext_lazy("Compliance"), 13, locked=False, required=True
    ),
    AnswerColumn(
        "answer", gettext_lazy("Answer"), 60, wrap=True, locked=False, required=True
    ),
    AnswerColumn(
        "reference",
        gettext_lazy("Reference"),
        24,
        wrap=True,
        locked=False,
        required=True,
    ),
)
COLUMN_BY_NAME = {column.name: column for column in COLUMNS}


def _fold(text: Any) -> str:
    return " ".join(str(text).split()).casefold()


def _in_every_language(label: Promise) -> set[str]:
    names = set()
    for language in LANGUAGES:
        with translation.override(language):
            names.add(_fold(label))
    return names


def compliance_labels() -> list[str]:
    """The drop-down values in the active language: Yes, Partly, No."""
    return [str(label) for label in Compliance.labels]


def _compliance_lookup() -> dict[str, str]:
    lookup = {_fold(value): value for value in Compliance.values}
    for value, label in Compliance.choices:
        for name in _in_every_language(label):
            lookup[name] = value
    return lookup


# Export ---------------------------------------------------------------------------


class _AnswerSheetWriter(SheetWriter):
    """A SheetWriter whose fill-in columns are unlocked, empty cells included
    (an empty cell without a style would be locked)."""

    def __init__(self, workbook, title, columns, *, unlocked: set[int]):
        self._unlocked_headers = unlocked
        super().__init__(workbook, title, columns)

    def _style(self, column: Column, **kwargs):
        style = super()._style(column, **kwargs)
        if kwargs.get("font") is not None or column.header not in (
            self._unlocked_headers
        ):
            return style
        cell = Cell(self.sheet, row=1, column=1)
        if style is not None:
            cell._style = copy(style)
        cell.protection = Protection(locked=False)
        return cell._style

    def _cell(self, value: Any, plain, quoted) -> Any:
        if (value is None or value == "") and plain is not None:
            return _StreamCell(self.sheet, row=1, column=1, style_array=plain)
        return super()._cell(value, plain, quoted)


def write_answer_sheet(round: TenderRound, out: IO[bytes]) -> int:
    """Write the answer workbook of ``round`` to ``out`` (headers, drop-down
    and instructions in the active language); returns the number of rows."""
    columns = [
        Column(
            header=str(column.label),
            width=column.width,
            wrap=column.wrap,
            choices=compliance_labels() if column.name == "compliance" else (),
        )
        for column in COLUMNS
    ]
    workbook = new_workbook()
    writer = _AnswerSheetWriter(
        workbook,
        _("Answers"),
        columns,
        unlocked={str(column.label) for column in COLUMNS if not column.locked},
    )
    for row in round_requirements(round).iterator(chunk_size=2000):
        writer.append(
            [
                row["key"],
                f"{row['section_number']} {row['section_title']}".strip(),
                row["kind"],
                row["title"],
                row["description"],
                row["response_instructions"],
                None,
                None,
                None,
            ]
        )
    writer.close()
    protection = writer.sheet.protection
    protection.sheet = True
    # What stays allowed on the protected sheet: filtering, sorting and
    # resizing, so vendors can find their way in thousands of rows.
    protection.autoFilter = False
    protection.sort = False
    protection.formatColumns = False
    protection.formatRows = False

    instructions = workbook.create_sheet(_("Instructions")[:31])
    instructions.column_dimensions["A"].width = 110
    for line in _instructions(round):
        instructions.append([line])

    meta = workbook.create_sheet(META_SHEET)
    meta.sheet_state = "veryHidden"
    for key, value in _metadata(round).items():
        meta.append([key, value])
    workbook.save(out)
    return writer.rows


def _instructions(round: TenderRound) -> list[str]:
    labels = ", ".join(compliance_labels())
    return [
        _("%(reference)s – %(round)s: answers to the requirements")
        % {"reference": round.procurement.reference, "round": round.name},
        "",
        _("Fill in one row per requirement on the first sheet:"),
        _("• %(compliance)s: one of %(labels)s.")
        % {"compliance": COLUMN_BY_NAME["compliance"].label, "labels": labels},
        _("• %(answer)s: how the solution meets the requirement.")
        % {"answer": COLUMN_BY_NAME["answer"].label},
        _("• %(reference)s: where in the tender documents the answer is described.")
        % {"reference": COLUMN_BY_NAME["reference"].label},
        "",
        _(
            "The other columns are locked. Do not add, remove or rename columns, "
            "and do not change the keys: the answers are matched to the "
            "requirements by key."
        ),
    ]


def _metadata(round: TenderRound) -> dict[str, str]:
    return {
        "marker": MARKER,
        "format": FORMAT_VERSION,
        "procurement": round.procurement.reference,
        "round": str(round.number),
        "round_name": round.name,
        "baseline": round.baseline.label if round.baseline_id else "",
        "fingerprint": round_requirement_fingerprint(round),
        "language": translation.get_language() or "",
        "created": timezone.localtime().replace(microsecond=0).isoformat(),
    }


def answer_sheet_filename(round: TenderRound) -> str:
    reference = slugify(round.procurement.reference) or "kravspor"
    return f"{reference}-{round.number}-{slugify(_('answers'))}.xlsx"


# Import ---------------------------------------------------------------------------


@dataclass
class AnswerPlan:
    """What importing a workbook would store, and every problem found."""

    name: str
    fingerprint: str
    requirement_count: int
    rows: list[ResponseData] = field(default_factory=list)
    errors: list[RowProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    unanswered: int = 0
    by_compliance: dict[str, int] = field(default_factory=dict)

    @property
    def can_apply(self) -> bool:
        return bool(self.rows) and not self.errors

    @property
    def answered(self) -> int:
        return len(self.rows)

    @property
    def missing(self) -> int:
        """Requirements of the round that have no row in the workbook."""
        return max(0, self.requirement_count - self.answered - self.unanswered)


def read_answer_sheet(
    handle: IO[bytes], *, name: str, round: TenderRound, size: int | None = None
) -> AnswerPlan:
    """Read an uploaded answer workbook for ``round`` and plan its answers.
    Raises UploadProblem for a file that is not an answer workbook of this
    procurement and round, or whose columns are wrong; row problems are in the
    plan's ``errors``. Nothing is written."""
    workbook = open_workbook(handle, name=name, size=size)
    try:
        metadata = _read_metadata(workbook, name=name)
        _check_metadata(metadata, round, name=name)
        rows = sheet_rows(workbook.worksheets[0], name=name)
        header = next(rows, None)
        if header is None:
            raise _wrong_columns(name, [_("The first sheet is empty.")])
        positions, headers = _read_header(header[1], name=name)
        plan = _plan(round, name, rows, positions, headers)
    finally:
        workbook.close()
    if metadata.get("fingerprint") != plan.fingerprint:
        plan.notes.append(
            _(
                "The requirements of this round have changed since the workbook "
                "was downloaded; answers are matched by key."
            )
        )
    return plan


def _read_metadata(workbook, *, name: str) -> dict[str, str]:
    if META_SHEET not in workbook.sheetnames:
        raise _not_an_answer_sheet(name)
    metadata = {}
    for _number, values in sheet_rows(workbook[META_SHEET], name=name):
        if len(values) >= 2 and values[0] is not None:
            metadata[str(values[0])] = "" if values[1] is None else str(values[1])
        if len(metadata) > 50:
            break
    if metadata.get("marker") != MARKER:
        raise _not_an_answer_sheet(name)
    return metadata


def _not_an_answer_sheet(name: str) -> UploadProblem:
    return UploadProblem(
        "not_an_answer_sheet",
        _(
            "%(name)s is not a Kravspor answer workbook. Download the answer "
            "workbook of the round, fill it in and upload that."
        )
        % {"name": name},
    )


def _check_metadata(metadata: dict[str, str], round: TenderRound, *, name: str):
    reference = metadata.get("procurement", "")
    if reference != round.procurement.reference:
        raise UploadProblem(
            "foreign_procurement",
            _(
                "%(name)s is the answer workbook of procurement %(other)s, not of "
                "%(this)s. Nothing was imported."
            )
            % {"name": name, "other": reference, "this": round.procurement.reference},
        )
    number = metadata.get("round", "")
    if number != str(round.number):
        raise UploadProblem(
            "foreign_round",
            _(
                "%(name)s is the answer workbook of round %(other)s, not of round "
                "%(this)s (%(round)s). Nothing was imported."
            )
            % {
                "name": name,
                "other": number,
                "this": round.number,
                "round": round.name,
            },
        )


def _wrong_columns(name: str, problems: list[str]) -> UploadProblem:
    expected = ", ".join(str(column.label) for column in COLUMNS)
    return UploadProblem(
        "wrong_columns",
        _(
            "%(name)s does not have the columns of an answer workbook (header in "
            "row 1 of the first sheet). %(problems)s Expected: %(expected)s."
        )
        % {"name": name, "problems": " ".join(problems), "expected": expected},
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
        raise _wrong_columns(name, problems)
    return positions, headers


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat(sep=" ") if hasattr(value, "hour") else str(value)
    return str(value)


def _plan(round, name, rows, positions, headers) -> AnswerPlan:
    requirement_keys = list(round_requirements(round).values_list("key", flat=True))
    requirement_ids = dict(
        Requirement.objects.filter(
            procurement_id=round.procurement_id, key__in=requirement_keys
        ).values_list("key", "pk")
    )
    in_round = set(requirement_keys)
    plan = AnswerPlan(
        name=name,
        fingerprint=round_requirement_fingerprint(round),
        requirement_count=len(requirement_keys),
    )
    lookup = _compliance_lookup()
    letters = {column: get_column_letter(i + 1) for column, i in positions.items()}
    seen: dict[str, int] = {}
    count = 0

    def problem(row: int, column: str, code: str, message: str) -> None:
        plan.errors.append(
            RowProblem(
                row=row,
                column=headers.get(column, str(COLUMN_BY_NAME[column].label)),
                letter=letters.get(column, ""),
                code=code,
                message=message,
            )
        )

    for number, values in rows:
        cells = {
            column: values[index] if index < len(values) else None
            for column, index in positions.items()
        }
        texts = {column: _cell_text(value).strip() for column, value in cells.items()}
        if not any(texts.values()):
            continue
        count += 1
        if count > MAX_ROWS:
            raise UploadProblem(
                "too_many_rows",
                _("%(name)s has more than %(limit)s rows.")
                % {"name": name, "limit": f"{MAX_ROWS:,}".replace(",", " ")},
            )
        key = texts.get("key", "")
        compliance_text = texts.get("compliance", "")
        answer = texts.get("answer", "")
        reference = texts.get("reference", "")
        ok = True
        if not key:
            problem(number, "key", "key_missing", _("The key is missing."))
            continue
        if key in seen:
            problem(
                number,
                "key",
                "key_repeated",
                _("%(key)s is also on row %(row)s; each requirement is answered once.")
                % {"key": key, "row": seen[key]},
            )
            continue
        seen[key] = number
        if key not in in_round:
            problem(
                number,
                "key",
                "unknown_key",
                _("%(key)s is not a requirement of this round.") % {"key": key},
            )
            ok = False
        elif key not in requirement_ids:
            problem(
                number,
                "key",
                "requirement_gone",
                _(
                    "%(key)s is in the round's baseline but no longer in the "
                    "specification, so its answer cannot be stored."
                )
                % {"key": key},
            )
            ok = False
        compliance = ""
        if compliance_text:
            compliance = lookup.get(_fold(compliance_text), "")
            if not compliance:
                problem(
                    number,
                    "compliance",
                    "invalid_compliance",
                    _("«%(value)s» is not a compliance value; use one of %(labels)s.")
                    % {
                        "value": compliance_text,
                        "labels": ", ".join(compliance_labels()),
                    },
                )
                ok = False
        if len(reference) > REFERENCE_MAX:
            problem(
                number,
                "reference",
                "reference_too_long",
                _("The reference has %(length)s characters; at most %(max)s.")
                % {"length": len(reference), "max": REFERENCE_MAX},
            )
            ok = False
        if not ok:
            continue
        if not (compliance or answer or reference):
            plan.unanswered += 1
            continue
        plan.rows.append(
            ResponseData(
                requirement_id=requirement_ids[key],
                compliance=compliance,
                answer=answer,
                reference=reference,
            )
        )
        plan.by_compliance[compliance] = plan.by_compliance.get(compliance, 0) + 1
    return plan
