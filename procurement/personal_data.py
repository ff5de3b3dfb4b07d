"""The personal-data guard: finds national identity numbers, e-mail addresses and
phone numbers in free text, so that workshop inputs, score justifications and
page feedback never store them.

Pure functions over plain strings (no ORM); the form mixin at the end is the
only part that knows about Django forms.

Choices where the text is ambiguous (each one pinned by a test):

- National identity numbers (fødselsnummer, D-numbers included) are 11 digits
  written as one run or as ``DDMMYY NNNNN`` / ``DDMMYY-NNNNN``, and must pass
  python-stdnum's checks (both control digits, a real birth date, not in the
  future). ``DDMMYY.NNNNN`` is not read as one: dotted digit groups are account
  and version numbers. The checks make an accidental hit rare (about one random
  11-digit run in 1,500), so a number glued to letters ("fnr01019012345",
  "ref01019012345X") is still reported: a missed identity number costs more than
  a second look. It is not reported when it is part of a longer number: next to
  another digit, or joined to one by ``.``, ``,`` or ``-`` (account numbers,
  decimals, codes); the spaced form also not when a space joins it to more
  digits (a longer grouped number). Phone numbers follow the same rule.
- Phone numbers are Norwegian: 8 digits starting with 2–9, written ``41234567``,
  ``412 34 567`` or ``41 23 45 67``; with ``+47``/``0047`` in front any 8 digits
  in any grouping count. Having no checksum, they need a clean edge: a phone
  number glued to letters ("ABC41234567") is taken for a code and not reported.
  Not read as phone numbers: ``12 345 678`` (the thousands grouping of an
  amount), ``2017 2018`` (4+4, two years), an 8-digit run that is a date
  (``20170501``, ``25052017``) or an amount (``kr 45000000``,
  ``45000000,-``), and digits inside longer numbers as above. The price of
  ``41 23 45 67``: a list of four two-digit numbers such as weights
  "40 30 25 20" is reported; the message says where, and "40, 30, 25 og 20"
  passes.
- E-mail addresses: a pragmatic pattern; letters of any alphabet (æ, ø, å) in
  the local part and the domain, dotted subdomains, a top-level domain of
  letters. "ola@localhost" is not reported.
- Positions are 1-based lines and characters; ``\\r\\n``, ``\\r`` and ``\\n``
  each end a line.
- What the user is shown is masked: the birth-date half of an identity number,
  the first letter and the domain of an e-mail address, the last two digits of
  a phone number.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils.translation import gettext, gettext_lazy, ngettext
from stdnum.no import fodselsnummer

Kind = Literal["national_id", "d_number", "email", "phone"]
_Span = tuple[Kind, int, int, str]  # kind, start, end, masked excerpt

#: How many findings are described one by one before "… and N more".
MESSAGE_LIMIT = 5

_SPACE = " \u00a0\u202f"  # space, no-break space, narrow no-break space

# A candidate is part of a longer number when a digit touches it or when ".",
# "," or "-" joins it to one ("1234.56.78903", "3,45678901"); a grouped one
# ("41 23 45 67") also when a space joins it to more digits ("41 23 45 67 89").
# A space after a compact one is only a space: "41234567 22334455" are two.
_NOT_AFTER_NUMBER = r"(?<![0-9])(?<![0-9][.,-])"
_NOT_BEFORE_NUMBER = r"(?![0-9])(?![.,-][0-9])"
_SPACE_AFTER_DIGIT = re.compile(rf"[0-9][{_SPACE}]\Z")
_SPACE_BEFORE_DIGIT = re.compile(rf"[{_SPACE}][0-9]")

_NATIONAL_ID = re.compile(
    rf"{_NOT_AFTER_NUMBER}(?P<birth>[0-9]{{6}})(?P<sep>[{_SPACE}-]?)"
    rf"(?P<serial>[0-9]{{5}}){_NOT_BEFORE_NUMBER}"
)

_PHONE = re.compile(
    rf"{_NOT_AFTER_NUMBER}(?<!\w)"
    r"(?:"
    rf"(?P<prefix>\(?(?:\+|00)47\)?[{_SPACE}-]?)"
    rf"(?P<intl>[0-9](?:[{_SPACE}-]?[0-9]){{7}})"
    r"|"
    r"(?P<local>[2-9][0-9]{7}"
    rf"|[2-9][0-9]{{2}}[{_SPACE}][0-9]{{2}}[{_SPACE}][0-9]{{3}}"
    rf"|[2-9][0-9](?:[{_SPACE}][0-9]{{2}}){{3}})"
    r")"
    rf"{_NOT_BEFORE_NUMBER}(?!\w)"
)

_EMAIL = re.compile(
    # The look-behind makes each run of address characters one attempt, which
    # keeps the search linear on long texts without an "@".
    r"(?<![\w.+'%-])\.*+(?P<address>[\w+'%-][\w.+'%-]*+"
    r"@(?:[^\W_][\w-]*+\.)+[^\W\d_]{2,}(?![\w-]))"
)

_MONEY_BEFORE = re.compile(r"(?:\bkr\.?|\bNOK)[" + _SPACE + r"]*\Z", re.IGNORECASE)
_MONEY_AFTER = re.compile(
    r"\A(?:,-|[" + _SPACE + r"]*(?:kr\b|kroner\b|NOK\b))", re.IGNORECASE
)
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class Finding:
    """One piece of personal data: where it is in the text and a masked excerpt
    that is safe to show back to the user."""

    kind: Kind
    start: int
    end: int
    excerpt: str
    line: int
    column: int


def find_personal_data(text: str) -> list[Finding]:
    """Every national identity number, D-number, e-mail address and Norwegian
    phone number in ``text``, in reading order. Where two overlap (an identity
    number used as an e-mail address) only the one that starts first, or the
    longer one, is kept."""
    if not text:
        return []
    spans = [*_national_ids(text), *_emails(text), *_phones(text)]
    spans.sort(key=lambda span: (span[1], -(span[2] - span[1])))
    findings: list[Finding] = []
    taken_until = 0
    for kind, start, end, excerpt in spans:
        if start < taken_until:
            continue
        line, column = _position(text, start)
        findings.append(Finding(kind, start, end, excerpt, line, column))
        taken_until = end
    return findings


def _national_ids(text: str) -> Iterator[_Span]:
    for match in _NATIONAL_ID.finditer(text):
        digits = match["birth"] + match["serial"]
        if match["sep"] and _continues_grouped_number(text, match):
            continue
        if not fodselsnummer.is_valid(digits):
            continue
        kind = "d_number" if digits[0] in "4567" else "national_id"
        excerpt = match["birth"] + match["sep"] + "*" * 5
        yield kind, match.start(), match.end(), excerpt


def _emails(text: str) -> Iterator[_Span]:
    for match in _EMAIL.finditer(text):
        local, domain = match["address"].split("@", 1)
        yield "email", match.start("address"), match.end(), f"{local[0]}***@{domain}"


def _phones(text: str) -> Iterator[_Span]:
    for match in _PHONE.finditer(text):
        if match["local"] and _is_date_or_amount(text, match):
            continue
        prefix = match["prefix"] or ""
        number = match["intl"] or match["local"]
        if not number.isdigit() and _continues_grouped_number(text, match):
            continue
        yield "phone", match.start(), match.end(), prefix + _mask_digits(number, 2)


def _continues_grouped_number(text: str, match: re.Match) -> bool:
    start, end = match.span()
    return bool(
        _SPACE_AFTER_DIGIT.search(text[max(0, start - 2) : start])
        or _SPACE_BEFORE_DIGIT.match(text[end : end + 2])
    )


def _is_date_or_amount(text: str, match: re.Match) -> bool:
    number = match["local"]
    if number.isdigit() and (
        _is_date(number[:4], number[4:6], number[6:])
        or (_is_date(number[4:], number[2:4], number[:2]))
    ):
        return True
    before = text[max(0, match.start() - 6) : match.start()]
    after = text[match.end() : match.end() + 9]
    return bool(_MONEY_BEFORE.search(before) or _MONEY_AFTER.match(after))


def _is_date(year: str, month: str, day: str) -> bool:
    if year[:2] not in ("19", "20"):
        return False
    try:
        datetime.date(int(year), int(month), int(day))
    except ValueError:
        return False
    return True


def _mask_digits(value: str, keep: int) -> str:
    """Replace every digit but the last ``keep`` with ``*``, keeping the layout."""
    digits_seen = 0
    total = sum(char.isdigit() for char in value)
    masked = []
    for char in value:
        if char.isdigit():
            digits_seen += 1
            masked.append(char if digits_seen > total - keep else "*")
        else:
            masked.append(char)
    return "".join(masked)


def _position(text: str, index: int) -> tuple[int, int]:
    line = 1
    line_start = 0
    for line_break in _LINE_BREAK.finditer(text, 0, index):
        line += 1
        line_start = line_break.end()
    return line, index - line_start + 1


# One whole sentence per kind, so translators never assemble fragments.
def _message(kind: Kind, *, where: str | None) -> str:
    if where is None:
        return {
            "national_id": gettext(
                "The text seems to contain a national identity number "
                '(line %(line)s, character %(column)s: "%(excerpt)s").'
            ),
            "d_number": gettext(
                "The text seems to contain a D-number "
                '(line %(line)s, character %(column)s: "%(excerpt)s").'
            ),
            "email": gettext(
                "The text seems to contain an e-mail address "
                '(line %(line)s, character %(column)s: "%(excerpt)s").'
            ),
            "phone": gettext(
                "The text seems to contain a phone number "
                '(line %(line)s, character %(column)s: "%(excerpt)s").'
            ),
        }[kind]
    return {
        "national_id": gettext(
            "%(where)s: the text seems to contain a national identity number "
            '(line %(line)s, character %(column)s: "%(excerpt)s").'
        ),
        "d_number": gettext(
            "%(where)s: the text seems to contain a D-number "
            '(line %(line)s, character %(column)s: "%(excerpt)s").'
        ),
        "email": gettext(
            "%(where)s: the text seems to contain an e-mail address "
            '(line %(line)s, character %(column)s: "%(excerpt)s").'
        ),
        "phone": gettext(
            "%(where)s: the text seems to contain a phone number "
            '(line %(line)s, character %(column)s: "%(excerpt)s").'
        ),
    }[kind]


def describe(
    findings: list[Finding], *, where: str | None = None, limit: int = MESSAGE_LIMIT
) -> list[str]:
    """One translated sentence per finding saying what was found and where,
    with a masked excerpt; past ``limit`` findings, one sentence counts the
    rest. ``where`` names the place in the caller's terms ("row 14, column
    Text") and is put in front of each sentence."""
    messages = [
        _message(finding.kind, where=where)
        % {
            "where": where,
            "line": finding.line,
            "column": finding.column,
            "excerpt": finding.excerpt,
        }
        for finding in findings[:limit]
    ]
    rest = len(findings) - limit
    if rest > 0:
        messages.append(
            ngettext(
                "… and %(count)s more place that looks like personal data.",
                "… and %(count)s more places that look like personal data.",
                rest,
            )
            % {"count": rest}
        )
    return messages


#: The closing advice: the validator adds it after its list; callers that list
#: findings from many places (imports) say it once.
REMEDY = gettext_lazy("Remove personal data before you save.")


def check_text(value: Any, *, where: str) -> list[str]:
    """For services and imports: translated messages naming ``where`` for each
    piece of personal data in ``value`` (empty when there is none). Say
    ``REMEDY`` once after the list."""
    if not isinstance(value, str):
        return []
    return describe(find_personal_data(value), where=where)


def validate_no_personal_data(value: Any) -> None:
    """A Django validator: raises ``ValidationError`` (code ``personal_data`` on
    every message) when ``value`` holds personal data."""
    if not isinstance(value, str):
        return
    messages = describe(find_personal_data(value))
    if messages:
        raise ValidationError(
            [ValidationError(m, code="personal_data") for m in [*messages, REMEDY]]
        )


class PersonalDataGuardMixin:
    """Refuses personal data in the form fields named in
    ``personal_data_fields``, with the error on the field it was found in.

    Put it before the form class: ``class InputForm(PersonalDataGuardMixin,
    forms.ModelForm)``. A refused form re-renders the text as typed (Django
    shows the submitted data), so nothing is lost; positions are counted in the
    text as typed, leading blank lines included."""

    personal_data_fields: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A misspelt name would switch the guard off without anyone noticing.
        unknown = [n for n in self.personal_data_fields if n not in self.fields]
        if unknown:
            raise ImproperlyConfigured(
                f"{type(self).__name__}.personal_data_fields names fields the form "
                f"does not have: {', '.join(unknown)}"
            )

    def clean(self):
        cleaned_data = super().clean()
        for name in self.personal_data_fields:
            if name not in self.cleaned_data:
                continue
            value = self.cleaned_data[name]
            typed = self[name].data
            # Scan what will be saved, but count positions in what the user sees.
            if isinstance(typed, str) and isinstance(value, str):
                if typed.strip() == value.strip():
                    value = typed
            try:
                validate_no_personal_data(value)
            except ValidationError as error:
                self.add_error(name, error)
        return cleaned_data


__all__ = [
    "MESSAGE_LIMIT",
    "REMEDY",
    "Finding",
    "PersonalDataGuardMixin",
    "check_text",
    "describe",
    "find_personal_data",
    "validate_no_personal_data",
]
