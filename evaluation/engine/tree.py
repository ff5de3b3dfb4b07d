"""The criteria tree: effective weights, and the checks the model must pass.

Problems are plain data (`Problem(code, criterion_id, params)`) for the UI to
translate. Codes:

- `no_criteria`: the evaluation has no criteria;
- `unknown_parent` (params `parent`): the parent id names no criterion;
- `cycle`: following parents comes back to the criterion;
- `weight_invalid` (`weight`): a weight below 0 or above 1;
- `range_invalid` (`min`, `max`): a declared bound outside [0, 1] or min > max;
- `weight_outside_range` (`weight`, `min`, `max`);
- `level_sum` (`total`): the weights under one parent (`criterion_id` = the
  parent, None for the top level) do not sum to exactly 1;
- `range_infeasible` (`lowest`, `highest`): under a parent where some
  criterion declares a range, no choice inside the ranges sums to 1;
- `no_requirements`: a requirement-scored leaf has no requirements mapped;
- `requirement_weight_invalid` (`requirement`, `weight`): negative weight;
- `requirement_mapped_twice` (`requirement`, `first`): mapped to two criteria;
- `price_model_missing`: a price-formula leaf without a price model;
- `price_params` (`model`, `needs`): the buyer's range needs 0 < pmin < pmax,
  the logarithmic model needs a > 1;
- `scale_invalid` (`scale_max`): the scale maximum is not positive.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from types import MappingProxyType
from typing import Any

from .model import Criterion, Method, PriceModel
from .precision import CONTEXT

ONE = Decimal(1)
ZERO = Decimal(0)


@dataclass(frozen=True)
class Problem:
    code: str
    criterion_id: Hashable | None = None
    params: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", MappingProxyType(dict(self.params)))


class Tree:
    """Parent/child structure of a list of criteria, in input order."""

    def __init__(self, criteria: Sequence[Criterion]) -> None:
        self.criteria = tuple(criteria)
        self.by_id = {c.id: c for c in self.criteria}
        self.children: dict[Hashable | None, list[Criterion]] = {}
        self.problems: list[Problem] = []
        for c in self.criteria:
            parent = c.parent_id
            if parent is not None and parent not in self.by_id:
                self.problems.append(
                    Problem("unknown_parent", c.id, {"parent": parent})
                )
            self.children.setdefault(parent, []).append(c)
        self.cyclic = {c.id for c in self.criteria if self._in_cycle(c)}
        self.problems.extend(Problem("cycle", i) for i in sorted(self.cyclic, key=str))
        self.leaves = tuple(
            c
            for c in self.criteria
            if c.id not in self.children and c.id not in self.cyclic
        )

    def _in_cycle(self, criterion: Criterion) -> bool:
        seen = {criterion.id}
        parent = criterion.parent_id
        while parent is not None and parent in self.by_id:
            if parent in seen:
                return True
            seen.add(parent)
            parent = self.by_id[parent].parent_id
        return False

    def path(self, criterion: Criterion) -> list[Criterion]:
        """The criterion and its ancestors, leaf first (cycles are cut)."""
        path = [criterion]
        seen = {criterion.id}
        parent = criterion.parent_id
        while parent in self.by_id and parent not in seen:
            seen.add(parent)
            path.append(self.by_id[parent])
            parent = self.by_id[parent].parent_id
        return path

    def effective_weights(self) -> dict[Hashable, Decimal]:
        """W for every criterion: the product of the fractions down the tree."""
        with localcontext(CONTEXT):
            result = {}
            for c in self.criteria:
                w = ONE
                for node in self.path(c):
                    w *= node.weight
                result[c.id] = w
            return result

    def effective_bounds(self) -> dict[Hashable, tuple[Decimal, Decimal]]:
        """Per criterion the product of the declared lower and upper fractions
        down the tree (for charts; the range check uses the levels exactly)."""
        with localcontext(CONTEXT):
            result = {}
            for c in self.criteria:
                lo = hi = ONE
                for node in self.path(c):
                    lo *= node.lower
                    hi *= node.upper
                result[c.id] = (lo, hi)
            return result


def check_weights(criteria: Iterable[Criterion]) -> list[Problem]:
    """Weight problems: every level sums to exactly 1 (100 %), each weight lies
    inside its declared range and the ranges leave room to sum to 1."""
    tree = criteria if isinstance(criteria, Tree) else Tree(tuple(criteria))
    problems = list(tree.problems)
    if not tree.criteria:
        return [Problem("no_criteria")]
    with localcontext(CONTEXT):
        for c in tree.criteria:
            if not ZERO <= c.weight <= ONE:
                problems.append(Problem("weight_invalid", c.id, {"weight": c.weight}))
            bounds = [b for b in (c.weight_min, c.weight_max) if b is not None]
            if any(not ZERO <= b <= ONE for b in bounds) or c.lower > c.upper:
                problems.append(
                    Problem(
                        "range_invalid",
                        c.id,
                        {"min": c.weight_min, "max": c.weight_max},
                    )
                )
            elif not c.lower <= c.weight <= c.upper:
                problems.append(
                    Problem(
                        "weight_outside_range",
                        c.id,
                        {"weight": c.weight, "min": c.lower, "max": c.upper},
                    )
                )
        for parent, children in tree.children.items():
            if parent is not None and parent not in tree.by_id:
                continue
            total = sum((c.weight for c in children), ZERO)
            if total != ONE:
                problems.append(Problem("level_sum", parent, {"total": total}))
            lowest = sum((c.lower for c in children), ZERO)
            highest = sum((c.upper for c in children), ZERO)
            declared = any(
                c.weight_min is not None or c.weight_max is not None for c in children
            )
            if declared and not lowest <= ONE <= highest:
                problems.append(
                    Problem(
                        "range_infeasible",
                        parent,
                        {"lowest": lowest, "highest": highest},
                    )
                )
    return problems


def check_model(criteria: Iterable[Criterion]) -> list[Problem]:
    """`check_weights()` plus the leaves' methods, mappings and price settings."""
    tree = criteria if isinstance(criteria, Tree) else Tree(tuple(criteria))
    problems = check_weights(tree)
    mapped: dict[Hashable, Hashable] = {}
    for c in tree.criteria:
        for r, w in c.requirement_weights.items():
            if w < 0:
                problems.append(
                    Problem(
                        "requirement_weight_invalid",
                        c.id,
                        {"requirement": r, "weight": w},
                    )
                )
            if r in mapped:
                problems.append(
                    Problem(
                        "requirement_mapped_twice",
                        c.id,
                        {"requirement": r, "first": mapped[r]},
                    )
                )
            else:
                mapped[r] = c.id
    for c in tree.leaves:
        if c.scale_max <= 0:
            problems.append(Problem("scale_invalid", c.id, {"scale_max": c.scale_max}))
        if c.method is Method.REQUIREMENTS and not c.requirement_weights:
            problems.append(Problem("no_requirements", c.id))
        if c.method is not Method.PRICE:
            continue
        if c.price_model is None:
            problems.append(Problem("price_model_missing", c.id))
            continue
        p = c.price_params
        if c.price_model is PriceModel.RANGE and not (
            "pmin" in p and "pmax" in p and 0 < p["pmin"] < p["pmax"]
        ):
            problems.append(
                Problem(
                    "price_params",
                    c.id,
                    {"model": c.price_model.value, "needs": "0 < pmin < pmax"},
                )
            )
        if c.price_model is PriceModel.LOGARITHMIC and not ("a" in p and p["a"] > 1):
            problems.append(
                Problem(
                    "price_params",
                    c.id,
                    {"model": c.price_model.value, "needs": "a > 1"},
                )
            )
    return problems
