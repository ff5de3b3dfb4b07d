"""Weights from a pairwise comparison matrix (AHP, rule 9).

The matrix entry a_ij says how much more important criterion i is than j
(Saaty's 1–9 scale; a_ji = 1/a_ij). This is the one part of the engine that
computes in floating point (an eigenvector has no exact Decimal form); the
weights are handed back as Decimals, and `percent_weights()` rounds them so
they sum to exactly 100 % for storing as criterion weights.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import Any

import numpy as np

from .model import to_plain

# Saaty's random consistency index by matrix size.
RANDOM_INDEX = {
    1: 0.0,
    2: 0.0,
    3: 0.58,
    4: 0.90,
    5: 1.12,
    6: 1.24,
    7: 1.32,
    8: 1.41,
    9: 1.45,
    10: 1.51,
}
CR_LIMIT = 0.10
RECIPROCAL_TOLERANCE = 1e-6


class AHPMatrixError(ValueError):
    """A comparison matrix that cannot be used. `code` is one of `empty`,
    `not_square`, `too_large`, `not_a_number`, `not_positive`, `diagonal`,
    `not_reciprocal`; `row` and `column` (0-based) say where."""

    def __init__(
        self, code: str, message: str, row: int | None = None, column: int | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.row = row
        self.column = column


@dataclass(frozen=True)
class AHPResult:
    """`weights` sum to 1 (up to float precision); `warning` when CR > 0.10."""

    weights: tuple[Decimal, ...]
    lambda_max: float
    ci: float
    ri: float
    cr: float
    warning: bool

    def percent_weights(self, places: int = 2) -> tuple[Decimal, ...]:
        """Weights in percent, rounded to `places` decimals so that they sum
        to exactly 100 (largest remainder: the shares that lost most in
        rounding down get the leftover units)."""
        unit = Decimal(1).scaleb(-places)
        exact = [w * 100 for w in self.weights]
        floored = [x.quantize(unit, rounding=ROUND_DOWN) for x in exact]
        left = int(((Decimal(100) - sum(floored)) / unit).to_integral_value())
        order = sorted(
            range(len(exact)), key=lambda i: exact[i] - floored[i], reverse=True
        )
        for i in order[: max(left, 0)]:
            floored[i] += unit
        return tuple(floored)

    def to_dict(self) -> dict[str, Any]:
        return to_plain(self)


def saaty_ri(n: int) -> float:
    """Saaty's random index for an n × n matrix (0 for n ≤ 2)."""
    if n not in RANDOM_INDEX:
        raise AHPMatrixError("too_large", f"AHP supports 1 to 10 criteria, not {n}")
    return RANDOM_INDEX[n]


def _validated(matrix: Sequence[Sequence[Any]]) -> np.ndarray:
    rows = list(matrix)
    n = len(rows)
    if n == 0:
        raise AHPMatrixError("empty", "the comparison matrix is empty")
    saaty_ri(n)
    values = np.empty((n, n))
    for i, row in enumerate(rows):
        row = list(row)
        if len(row) != n:
            raise AHPMatrixError(
                "not_square", f"row {i + 1} has {len(row)} entries, not {n}", i
            )
        for j, entry in enumerate(row):
            try:
                x = float(entry)
            except (TypeError, ValueError):
                raise AHPMatrixError(
                    "not_a_number", f"entry ({i + 1}, {j + 1}) is not a number", i, j
                ) from None
            if not math.isfinite(x) or x <= 0:
                raise AHPMatrixError(
                    "not_positive", f"entry ({i + 1}, {j + 1}) must be positive", i, j
                )
            values[i, j] = x
    for i in range(n):
        if abs(values[i, i] - 1) > RECIPROCAL_TOLERANCE:
            raise AHPMatrixError(
                "diagonal", f"entry ({i + 1}, {i + 1}) must be 1", i, i
            )
        for j in range(i + 1, n):
            if abs(values[i, j] * values[j, i] - 1) > RECIPROCAL_TOLERANCE:
                raise AHPMatrixError(
                    "not_reciprocal",
                    f"entry ({j + 1}, {i + 1}) must be 1/({i + 1}, {j + 1})",
                    j,
                    i,
                )
    return values


def ahp_weights(matrix: Sequence[Sequence[Any]]) -> AHPResult:
    """Principal eigenvector weights, λmax, CI = (λmax − n)/(n − 1) and
    CR = CI/RI of a positive reciprocal matrix (entries may be Decimals,
    Fractions, ints or floats). Raises AHPMatrixError for a bad matrix."""
    values = _validated(matrix)
    n = len(values)
    eigenvalues, eigenvectors = np.linalg.eig(values)
    k = int(np.argmax(eigenvalues.real))
    lambda_max = float(eigenvalues[k].real)
    vector = np.abs(eigenvectors[:, k].real)
    vector = vector / vector.sum()
    ci = (lambda_max - n) / (n - 1) if n > 2 else 0.0
    ri = saaty_ri(n)
    cr = ci / ri if ri else 0.0
    # A consistent matrix has λmax = n; float noise must not read as inconsistency.
    ci, cr = max(ci, 0.0), max(cr, 0.0)
    return AHPResult(
        weights=tuple(Decimal(repr(float(x))) for x in vector),
        lambda_max=lambda_max,
        ci=ci,
        ri=ri,
        cr=cr,
        warning=cr > CR_LIMIT,
    )
