"""Spreadsheet writing and reading shared by every Kravspor export and import.

Writing streams rows through openpyxl's write-only mode (lxml underneath), so
memory stays flat however many rows a sheet has. Every value goes through
``safety.excel_value``; text that a spreadsheet would run as a formula is kept
as a text cell with Excel's quote prefix, so it reads back unchanged and never
runs. Reading refuses oversized files and zip bombs before openpyxl sees them
and parses in read-only mode with only cached values, never formulas.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import IO, Any
from zipfile import ZIP_DEFLATED, ZipFile

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell import Cell
from openpyxl.cell.cell import ERROR_CODES as _ERROR_CODES
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.writer.excel import ExcelWriter
from openpyxl.xml.constants import SHEET_MAIN_NS
from openpyxl.xml.functions import xmlfile

from procurement.documents.safety import (
    UploadProblem,
    check_upload_size,
    check_zip_container,
    excel_text,
    excel_value,
    is_formula_like,
)

# Text a spreadsheet would show as an error value (#N/A …) unless marked text.
ERROR_CODES = frozenset(_ERROR_CODES)
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXCEL_MAX_ROW = 1_048_576
SHEET_TITLE_MAX = 31
SHEET_TITLE_FORBIDDEN = str.maketrans({char: " " for char in "[]:*?/\\"})
# Excel keeps a list validation's inline items in one formula of at most 255
# characters, separated by commas; longer lists go to a hidden sheet.
INLINE_LIST_MAX = 255

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
HEADER_BORDER = Border(bottom=Side(style="thin", color="000000"))


@dataclass(frozen=True)
class Column:
    """One column of an exported sheet. ``header`` is already translated;
    ``choices`` gives the cells a drop-down list of allowed values."""

    header: str
    width: float = 15
    wrap: bool = False
    number_format: str | None = None
    choices: Sequence[str] = ()


def new_workbook() -> Workbook:
    """An empty streaming workbook: add sheets with ``SheetWriter``."""
    return Workbook(write_only=True)


def sheet_title(text: str) -> str:
    """A name Excel accepts for a sheet: no []:*?/\\ and at most 31 characters."""
    cleaned = " ".join(str(text).translate(SHEET_TITLE_FORBIDDEN).split())
    return cleaned[:SHEET_TITLE_MAX].strip("' ") or "Sheet"


class _StreamCell(Cell):
    """A styled cell for a write-only sheet. openpyxl formats the repr of
    every styled cell it is handed (in an error message it then discards);
    a constant repr keeps that from costing seconds in large exports."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<StreamCell>"


class SheetWriter:
    """Write one sheet row by row: a styled, frozen header with an autofilter,
    column widths, wrapped text and drop-down lists, and safe cells::

        writer = SheetWriter(workbook, _("Requirements"), columns)
        for row in rows:
            writer.append(row)
        writer.close()
        workbook.save(out)
    """

    def __init__(
        self,
        workbook: Workbook,
        title: str,
        columns: Sequence[Column],
        *,
        freeze_header: bool = True,
        autofilter: bool = True,
    ):
        self.workbook = workbook
        self.columns = list(columns)
        self.autofilter = autofilter
        self.rows = 0
        self.sheet = self._create_sheet(workbook, sheet_title(title))
        sheet = self.sheet
        for index, column in enumerate(self.columns, 1):
            sheet.column_dimensions[get_column_letter(index)].width = column.width
        if freeze_header:
            sheet.freeze_panes = "A2"
        # Style arrays made once per column and copied into each cell: far
        # cheaper than assigning fonts and alignments cell by cell.
        self._plain = [self._style(column) for column in self.columns]
        self._quoted = [
            self._style(column, quote_prefix=True) for column in self.columns
        ]
        header_style = self._style(
            Column(header="", wrap=True),
            font=HEADER_FONT,
            fill=HEADER_FILL,
            border=HEADER_BORDER,
        )
        self._header = header_style
        sheet.append(
            [
                self._cell(column.header, header_style, header_style)
                for column in self.columns
            ]
        )

    def _create_sheet(self, workbook: Workbook, title: str):
        return workbook.create_sheet(title=title)

    def heading(self, values: Sequence[Any]) -> None:
        """Add a row styled like the header, e.g. the head of a second table
        further down the sheet; short rows are padded with empty cells."""
        values = list(values) + [""] * (len(self.columns) - len(values))
        self.sheet.append(
            [self._cell(value, self._header, self._header) for value in values]
        )
        self.rows += 1

    def _style(
        self,
        column: Column,
        *,
        quote_prefix: bool = False,
        font: Font | None = None,
        fill: PatternFill | None = None,
        border: Border | None = None,
    ):
        cell = Cell(self.sheet, row=1, column=1)
        if column.wrap:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        if column.number_format:
            cell.number_format = column.number_format
        if quote_prefix:
            cell.quotePrefix = True
        if font is not None:
            cell.font = font
        if fill is not None:
            cell.fill = fill
        if border is not None:
            cell.border = border
        return cell._style if cell.has_style else None

    def _cell(self, value: Any, plain, quoted) -> Any:
        if isinstance(value, Promise):
            value = str(value)
        if isinstance(value, str):
            value = excel_text(value)
            if is_formula_like(value) or value in ERROR_CODES:
                # Kept as text: reads back as written and never runs.
                return self._text_cell(value, quoted)
            if plain is not None and value:
                return self._text_cell(value, plain)
            return value
        value = excel_value(value)
        if plain is None or value is None:
            return value
        return _StreamCell(self.sheet, row=1, column=1, value=value, style_array=plain)

    def _text_cell(self, text: str, style) -> Cell:
        # The text is already fit for a cell (excel_text did what openpyxl's
        # own check would), so it is set as a string directly: this skips
        # openpyxl's type guessing, which would turn "=…" into a formula, and
        # halves the cost of styled cells in large exports.
        cell = _StreamCell(self.sheet, row=1, column=1, style_array=style)
        cell._value = text
        cell.data_type = "s"
        return cell

    def append(self, values: Sequence[Any]) -> None:
        """Add one row; values are matched to the columns in order."""
        self.sheet.append(
            [
                self._cell(value, plain, quoted)
                for value, plain, quoted in zip(
                    values, self._plain, self._quoted, strict=True
                )
            ]
        )
        self.rows += 1

    def close(self) -> None:
        """Add the autofilter and drop-down lists; call after the last row."""
        last_column = get_column_letter(len(self.columns))
        if self.autofilter:
            self.sheet.auto_filter.ref = f"A1:{last_column}{self.rows + 1}"
        for index, column in enumerate(self.columns, 1):
            if column.choices:
                self._add_list(index, column.choices)

    def _add_list(self, index: int, choices: Sequence[str]) -> None:
        items = [excel_value(str(choice)) for choice in choices]
        inline = '"' + ",".join(items) + '"'
        if len(inline) <= INLINE_LIST_MAX and not any(
            "," in item or '"' in item for item in items
        ):
            formula = inline
        else:
            formula = self._list_sheet_range(items)
        validation = DataValidation(
            type="list",
            formula1=formula,
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=_("Not in the list"),
            error=_("Choose one of the values in the list."),
        )
        letter = get_column_letter(index)
        validation.add(f"{letter}2:{letter}{EXCEL_MAX_ROW}")
        self.sheet.data_validations.append(validation)

    def _list_sheet_range(self, items: list[str]) -> str:
        """Write a long list to its own hidden sheet and return its range."""
        lists = self.workbook.create_sheet(
            title=sheet_title(f"{self.sheet.title[:24]} lists")
        )
        lists.sheet_state = "hidden"
        for item in items:
            lists.append([self._cell(item, None, None)])
        return f"'{lists.title}'!$A$1:$A${len(items)}"


class _RawXML(tuple):
    """Rows already written as XML text: ``_RawXML((text,))``."""


class _RawRowsWorksheet(WriteOnlyWorksheet):
    """A write-only sheet that also takes rows already written as XML text."""

    def _get_writer(self):
        if self._writer is None:
            self._writer = _RawRowsWriter(self)
            self._writer.write_top()

    def _values_to_row(self, values, row_idx):
        if isinstance(values, _RawXML):
            return values
        return super()._values_to_row(values, row_idx)


class _RawRowsWriter(WorksheetWriter):
    def get_stream(self):
        # As openpyxl's own, but keeping the file so rows written as XML text
        # can go straight to it between the elements lxml writes.
        with open(self.out, "wb") as handle, xmlfile(handle) as xf:
            self._handle = handle
            with xf.element("worksheet", xmlns=SHEET_MAIN_NS):
                try:
                    while True:
                        element = yield
                        if element is True:
                            yield xf
                        elif element is not None:
                            xf.write(element)
                except GeneratorExit:
                    pass

    def write_row(self, xf, row, row_idx):
        if isinstance(row, _RawXML):
            xf.flush()
            self._handle.write(row[0].encode("utf-8"))
        else:
            super().write_row(xf, row, row_idx)


class FastSheetWriter(SheetWriter):
    """A ``SheetWriter`` for sheets of hundreds of thousands of rows.

    The cells are the same (text through ``excel_text``, formula-like text
    and error codes kept as quoted text, inline strings, the columns' number
    formats), but each row is written as XML text here and handed to the
    sheet in batches, skipping openpyxl's cell objects: about ten times
    faster. Values are text, numbers (Decimals are written as floats),
    booleans, dates and None."""

    BATCH = 2000

    def __init__(self, workbook: Workbook, title: str, columns, **options):
        super().__init__(workbook, title, columns, **options)
        styles = workbook._cell_styles
        self._letters = [get_column_letter(i) for i in range(1, len(columns) + 1)]
        self._plain_ids = [
            "" if style is None else f' s="{styles.add(style)}"'
            for style in self._plain
        ]
        self._quoted_ids = [f' s="{styles.add(style)}"' for style in self._quoted]
        self._texts: dict[str, tuple[bool, str | None]] = {}
        self._batch: list[str] = []

    def _create_sheet(self, workbook: Workbook, title: str):
        sheet = _RawRowsWorksheet(parent=workbook, title=title)
        workbook._add_sheet(sheet)
        return sheet

    def append(self, values: Sequence[Any]) -> None:
        self._batch.append(self._row(values, self._plain_ids, self._quoted_ids))
        self.rows += 1
        if len(self._batch) >= self.BATCH:
            self._flush()

    def heading(self, values: Sequence[Any]) -> None:
        values = list(values) + [""] * (len(self.columns) - len(values))
        header = f' s="{self.workbook._cell_styles.add(self._header)}"'
        self._batch.append(self._row(values, [header] * len(values), None))
        self.rows += 1

    def _row(self, values, plain_ids, quoted_ids) -> str:
        number = self.rows + 2
        letters = self._letters
        texts = self._texts
        cells = []
        for index, value in enumerate(values):
            if value is None:
                continue
            kind = type(value)
            if kind is float or kind is int:
                if value != value or value in _INFINITIES:
                    continue
                cells.append(
                    f'<c r="{letters[index]}{number}"{plain_ids[index]}>'
                    f"<v>{value!r}</v></c>"
                )
                continue
            if isinstance(value, Promise):
                value = str(value)
            if isinstance(value, str):
                text = texts.get(value)
                if text is None:
                    text = self._text(value)
                if text[1] is None:
                    continue
                style = (
                    quoted_ids[index] if text[0] and quoted_ids else plain_ids[index]
                )
                cells.append(
                    f'<c r="{letters[index]}{number}"{style} t="inlineStr">'
                    f"{text[1]}</c>"
                )
            elif isinstance(value, bool):
                cells.append(
                    f'<c r="{letters[index]}{number}"{plain_ids[index]} t="b">'
                    f"<v>{value:d}</v></c>"
                )
            elif isinstance(value, date | datetime):
                cells.append(
                    f'<c r="{letters[index]}{number}"{plain_ids[index]}>'
                    f"<v>{to_excel(excel_value(value))!r}</v></c>"
                )
            else:
                values = list(values)
                values[index] = float(value)
                return self._row(values, plain_ids, quoted_ids)
        return f'<row r="{number}">{"".join(cells)}</row>'

    def _text(self, raw: str) -> tuple[bool, str | None]:
        """(to be quoted, inline string element or None when empty) for one
        text, as openpyxl would write it; short texts (names, keys, repeated
        words) are worked out once."""
        text = excel_text(raw)
        if not text:
            result = (False, None)
        else:
            escaped = (
                text.replace("&", "&amp;")
                .replace("<", "&lt;")
                .replace(">", "&gt;")
                .replace("\r", "&#13;")
            )
            space = ' xml:space="preserve"' if text != text.strip() else ""
            result = (
                is_formula_like(text) or text in ERROR_CODES,
                f"<is><t{space}>{escaped}</t></is>",
            )
        if len(raw) <= 200 and len(self._texts) < 200_000:
            self._texts[raw] = result
        return result

    def _flush(self) -> None:
        if self._batch:
            self.sheet.append(_RawXML(("".join(self._batch),)))
            self._batch = []

    def close(self) -> None:
        self._flush()
        super().close()


_INFINITIES = (float("inf"), float("-inf"))


def save_workbook(workbook: Workbook, out, *, compresslevel: int = 1) -> None:
    """Save like ``workbook.save(out)`` (a path or a binary stream), with
    faster compression: a workbook of a million rows otherwise spends most of
    its save in zlib's default level for a file only a little smaller."""
    if not workbook.worksheets:
        workbook.create_sheet()
    workbook.properties.modified = datetime.now(tz=UTC).replace(tzinfo=None)
    archive = ZipFile(
        out, "w", ZIP_DEFLATED, allowZip64=True, compresslevel=compresslevel
    )
    ExcelWriter(workbook, archive).save()


def write_sheet(
    workbook: Workbook,
    title: str,
    columns: Sequence[Column],
    rows: Iterable[Sequence[Any]],
) -> int:
    """Write a whole sheet from an iterable of rows; returns the row count."""
    writer = SheetWriter(workbook, title, columns)
    for row in rows:
        writer.append(row)
    writer.close()
    return writer.rows


# Reading ------------------------------------------------------------------------


def open_workbook(handle: IO[bytes], *, name: str, size: int | None = None):
    """Open an uploaded workbook safely, or raise UploadProblem saying why not.

    The size cap and the zip check run before openpyxl reads anything; the
    workbook is opened read-only with cached values only (formulas never
    run). Close it with ``workbook.close()``."""
    if size is None:
        position = handle.tell()
        size = handle.seek(0, 2)
        handle.seek(position)
    check_upload_size(size, name=name, max_bytes=settings.UPLOAD_MAX_BYTES)
    if size == 0:
        raise UploadProblem("empty_file", _("%(name)s is empty.") % {"name": name})
    check_zip_container(handle, name=name, max_ratio=settings.UPLOAD_MAX_RATIO)
    try:
        return load_workbook(handle, read_only=True, data_only=True)
    except Exception as exc:
        # Anything openpyxl cannot make sense of is simply not a workbook to
        # the user; the parser's own message would only confuse them.
        raise _not_a_workbook(name) from exc


def _not_a_workbook(name: str) -> UploadProblem:
    return UploadProblem(
        "not_a_workbook",
        _("%(name)s is not an Excel workbook (.xlsx) that Kravspor can read.")
        % {"name": name},
    )


def sheet_rows(sheet, *, name: str) -> Iterator[tuple[int, tuple]]:
    """(row number, values) for every row of a read-only sheet, row 1 first.
    A sheet whose XML breaks half-way raises UploadProblem, not a traceback."""
    try:
        sheet.reset_dimensions()
        yield from enumerate(sheet.iter_rows(values_only=True), 1)
    except Exception as exc:
        raise _not_a_workbook(name) from exc
