"""Arithmetic context and display rounding.

The engine computes with 40 significant digits (Python's default is 28) so
that sums of hundreds of thousands of weighted scores keep every digit that
matters; results carry those unrounded values. Rounding happens only for
display, through the helpers below.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Context, Decimal

CONTEXT = Context(prec=40, rounding=ROUND_HALF_EVEN)

#: Two totals are equal when they agree to this many significant digits. A
#: total such as 0.6 · 10 · 39/45 + 0.4 · 10 (exactly 9.2) comes out of
#: 40-digit arithmetic as 9.1999…9; comparing all 40 digits would rank it
#: below a tender with exactly 9.2 although the totals are equal. Ten digits
#: of head-room is far below any difference the inputs (scores, weights and
#: prices to 2 decimals) can make.
TIE_DIGITS = 30

_TIE = Decimal(1).scaleb(-TIE_DIGITS)
_CENT = Decimal("0.01")
_KRONE = Decimal(1)
_HUNDRED = Decimal(100)


def equal_totals(a: Decimal, b: Decimal) -> bool:
    """Whether two computed totals are the same number (see TIE_DIGITS)."""
    if a == b:
        return True
    scale = max(abs(a), abs(b), Decimal(1))
    return abs(a - b) <= scale * _TIE


def display_points(value: Decimal | None) -> Decimal | None:
    """Points to 2 decimals, half up (7.345 → 7.35)."""
    return None if value is None else value.quantize(_CENT, rounding=ROUND_HALF_UP)


def display_price(value: Decimal | None) -> Decimal | None:
    """A price to whole kroner, half up (1 234 567.50 → 1 234 568)."""
    return None if value is None else value.quantize(_KRONE, rounding=ROUND_HALF_UP)


def display_percent(value: Decimal | None, places: int = 2) -> Decimal | None:
    """A weight fraction as percent, half up (0.123456 → 12.35)."""
    if value is None:
        return None
    return (value * _HUNDRED).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)
