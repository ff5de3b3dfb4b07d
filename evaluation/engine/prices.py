"""Price: the evaluated price of a price basket and the price formulas (rule 3)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, localcontext
from typing import Any

from .model import PriceModel, to_decimal
from .precision import CONTEXT

ZERO = Decimal(0)


def evaluated_price(lines: Iterable[Any]) -> Decimal:
    """Σ quantity × unit price over a tender's price lines (the price basket).

    A line is a `(quantity, unit_price)` pair or any object with `quantity` and
    `unit_price` attributes. An empty basket costs 0.
    """
    with localcontext(CONTEXT):
        total = ZERO
        for line in lines:
            if hasattr(line, "quantity"):
                quantity, unit_price = line.quantity, line.unit_price
            else:
                quantity, unit_price = line
            total += to_decimal(quantity, "quantity") * to_decimal(
                unit_price, "unit price"
            )
        return total


def price_points(
    model: PriceModel | str,
    pe: Decimal,
    pb: Decimal | None,
    scale_max: Decimal,
    *,
    pmin: Decimal | None = None,
    pmax: Decimal | None = None,
    a: Decimal | None = None,
) -> Decimal:
    """Points for evaluated price `pe` given the lowest valid price `pb`.

    - linear (DFØ): `M − M·(Pe − Pb)/Pb`, below 0 for prices over 2·Pb;
    - linear_floor: the same, floored at 0;
    - proportional (DFØ): `M·Pb/Pe`;
    - range (buyer's range): `M·(Pmax − Pe)/(Pmax − Pmin)` clipped to [0, M];
      needs `pmin < pmax` and ignores `pb`;
    - logarithmic: `M·(1 − ln(Pe/Pb)/ln A)` floored at 0; needs `a > 1`.

    Prices must be positive. Raises ValueError for a missing or invalid
    parameter, so callers find configuration errors instead of wrong points.
    """
    model = PriceModel(model)
    with localcontext(CONTEXT):
        pe = to_decimal(pe, "pe")
        m = to_decimal(scale_max, "scale_max")
        if pe <= 0:
            raise ValueError("the evaluated price must be positive")
        if model is PriceModel.RANGE:
            if pmin is None or pmax is None:
                raise ValueError("the buyer's range needs pmin and pmax")
            pmin, pmax = to_decimal(pmin, "pmin"), to_decimal(pmax, "pmax")
            if pmax <= pmin:
                raise ValueError("the buyer's range needs pmin < pmax")
            return min(m, max(ZERO, m * (pmax - pe) / (pmax - pmin)))
        if pb is None:
            raise ValueError(f"{model.value} needs the lowest price")
        pb = to_decimal(pb, "pb")
        if pb <= 0:
            raise ValueError("the lowest price must be positive")
        if model is PriceModel.LINEAR:
            return m - m * (pe - pb) / pb
        if model is PriceModel.LINEAR_FLOOR:
            return max(ZERO, m - m * (pe - pb) / pb)
        if model is PriceModel.PROPORTIONAL:
            return m * pb / pe
        # Logarithmic.
        if a is None:
            raise ValueError("the logarithmic model needs a")
        a = to_decimal(a, "a")
        if a <= 1:
            raise ValueError("the logarithmic model needs a > 1")
        return max(ZERO, m * (1 - (pe / pb).ln() / a.ln()))
