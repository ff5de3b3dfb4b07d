"""Safety rules for every import and export. Pure functions, no database.

- Spreadsheet cells: text that a spreadsheet would run as a formula is marked
  as text, characters Excel cannot hold are dropped, over-long text is cut with
  a visible mark, and aware datetimes become local naive time.
- PDF: text is escaped before reportlab's paragraph parser sees it.
- Uploads: a size cap, and for zip containers (xlsx, reqifz) a check of the
  expansion ratio and total size before anything is parsed.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from html import escape
from typing import IO, Any

from django.utils import timezone

# A cell starting with one of these is a formula (or part of one) in Excel,
# LibreOffice or Google Sheets.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# Control characters the OOXML format cannot hold (same set openpyxl refuses).
ILLEGAL_CHARACTERS_RE = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
EXCEL_CELL_LIMIT = 32_767
TRUNCATION_MARK = " […]"

DEFAULT_MAX_UPLOAD_BYTES = 20 * 1024 * 1024
DEFAULT_MAX_RATIO = 100
DEFAULT_MAX_UNPACKED_BYTES = 500 * 1024 * 1024


def is_formula_like(text: str) -> bool:
    return text.startswith(FORMULA_TRIGGERS)


def excel_text(text: str) -> str:
    """Text fit for one spreadsheet cell: illegal characters removed and cut
    to Excel's limit with a mark that shows it was cut."""
    text = ILLEGAL_CHARACTERS_RE.sub("", text)
    if len(text) > EXCEL_CELL_LIMIT:
        text = text[: EXCEL_CELL_LIMIT - len(TRUNCATION_MARK)] + TRUNCATION_MARK
    return text


def excel_value(value: Any) -> Any:
    """A value fit for a cell: text cleaned (see ``excel_text``), aware
    datetimes as local naive time; numbers, dates and None unchanged."""
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(tzinfo=None)
    if isinstance(value, date) or value is None or isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        return excel_text(value)
    return value


def pdf_text(text: Any) -> str:
    """Text for a reportlab Paragraph: markup characters escaped so they print
    literally, line breaks kept."""
    if text is None:
        return ""
    escaped = escape(str(text), quote=False)
    escaped = ILLEGAL_CHARACTERS_RE.sub("", escaped)
    return escaped.replace("\r\n", "\n").replace("\n", "<br/>")


@dataclass(frozen=True)
class UploadProblem(Exception):
    """Why an uploaded file was refused; ``message`` is for the user."""

    code: str
    message: str

    def __str__(self) -> str:
        return self.message


def check_upload_size(size: int, *, name: str, max_bytes: int) -> None:
    from django.utils.translation import gettext as _

    if size > max_bytes:
        raise UploadProblem(
            "too_large",
            _("%(name)s is %(size)s MB; the limit is %(limit)s MB.")
            % {
                "name": name,
                "size": f"{size / 2**20:.1f}",
                "limit": f"{max_bytes / 2**20:.0f}",
            },
        )


def check_zip_container(
    handle: IO[bytes],
    *,
    name: str,
    max_ratio: int = DEFAULT_MAX_RATIO,
    max_unpacked: int = DEFAULT_MAX_UNPACKED_BYTES,
) -> None:
    """Refuse a zip (xlsx, reqifz) that is not a zip, or that would unpack to
    far more than it weighs: a decompression bomb. Reads only the directory."""
    from django.utils.translation import gettext as _

    position = handle.tell()
    try:
        try:
            archive = zipfile.ZipFile(handle)
        except (zipfile.BadZipFile, OSError) as exc:
            raise UploadProblem(
                "not_a_zip",
                _(
                    "%(name)s is not a valid file of this type "
                    "(it is not a zip container)."
                )
                % {"name": name},
            ) from exc
        total = 0
        for info in archive.infolist():
            total += info.file_size
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > 1024 * 1024 and ratio > max_ratio:
                raise UploadProblem(
                    "compression_ratio",
                    _(
                        "%(name)s is refused: %(member)s would unpack to "
                        "%(ratio)s times its packed size."
                    )
                    % {"name": name, "member": info.filename, "ratio": int(ratio)},
                )
        if total > max_unpacked:
            raise UploadProblem(
                "unpacked_too_large",
                _("%(name)s is refused: it would unpack to %(size)s MB.")
                % {"name": name, "size": f"{total / 2**20:.0f}"},
            )
    finally:
        handle.seek(position)
