"""The engine's vocabulary: what goes in (criteria, tenders, scores) and what comes out.

Everything here is immutable plain data. Inputs are Decimals (ints and numeric
strings are accepted and converted; floats are refused because they are not exact).
The two high-volume shapes, `ItemKey` and `Aggregate` (one per tender × scored item,
some 300,000 at scale 10), are NamedTuples because they are built far more cheaply
than dataclasses; a plain tuple `("req", 17)` works wherever an `ItemKey` is asked for.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import KW_ONLY, dataclass, field, fields, is_dataclass
from decimal import Decimal
from enum import Enum, StrEnum
from types import MappingProxyType
from typing import Any, NamedTuple

DEFAULT_SCALE = Decimal(10)
DEFAULT_THRESHOLD = Decimal("0.3")

REQ = "req"
CRIT = "crit"


class Kind(StrEnum):
    QUALITY = "quality"
    PRICE = "price"
    RISK = "risk"
    OTHER = "other"


class Method(StrEnum):
    REQUIREMENTS = "requirements"
    DIRECT = "direct"
    PRICE = "price"


class PriceModel(StrEnum):
    LINEAR = "linear"
    LINEAR_FLOOR = "linear_floor"
    PROPORTIONAL = "proportional"
    RANGE = "range"
    LOGARITHMIC = "logarithmic"


class AwardModel(StrEnum):
    POINTS = "points"
    MONEY = "money"


def to_decimal(value: Any, what: str = "value") -> Decimal:
    """Return `value` as a Decimal; ints and numeric strings convert, floats do not."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool) or isinstance(value, float):
        raise TypeError(
            f"{what} must be a Decimal, int or numeric string, not {value!r}"
        )
    if isinstance(value, int | str):
        return Decimal(value)
    raise TypeError(f"{what} must be a Decimal, int or numeric string, not {value!r}")


def _optional_decimal(value: Any, what: str) -> Decimal | None:
    return None if value is None else to_decimal(value, what)


class ItemKey(NamedTuple):
    """A scored item: `("req", requirement_id)` or `("crit", criterion_id)`."""

    kind: str
    id: Hashable

    def __str__(self) -> str:
        return f"{self.kind}:{self.id}"


def req_item(requirement_id: Hashable) -> ItemKey:
    return ItemKey(REQ, requirement_id)


def crit_item(criterion_id: Hashable) -> ItemKey:
    return ItemKey(CRIT, criterion_id)


class Aggregate(NamedTuple):
    """Individual scores of one tender × item, as a SQL GROUP BY gives them:
    `COUNT(value), SUM(value), MIN(value), MAX(value)`."""

    count: int
    total: Decimal
    minimum: Decimal
    maximum: Decimal

    @property
    def mean(self) -> Decimal:
        return self.total / self.count

    @classmethod
    def of(cls, values: Iterable[Decimal]) -> Aggregate:
        values = [to_decimal(v, "score") for v in values]
        if not values:
            raise ValueError("an aggregate needs at least one score")
        return cls(len(values), sum(values, Decimal(0)), min(values), max(values))


class IndividualScore(NamedTuple):
    """One evaluator's submitted score: the raw row the convenience builder takes."""

    evaluator_id: Hashable
    tender_id: Hashable
    item: ItemKey
    value: Decimal


@dataclass(frozen=True)
class Criterion:
    """A node of the criteria tree.

    `weight`, `weight_min` and `weight_max` are fractions of the parent
    (0.30 = 30 %); a missing bound means the weight is fixed on that side.
    Internal nodes (those that are some criterion's parent) only carry weight;
    `method` and everything after it matter on leaves. `requirement_weights`
    maps the V/AV requirements of a requirement-scored criterion to their weights.
    `price_params` holds `pmin` and `pmax` (buyer's range) or `a` (logarithmic:
    the price multiple of the lowest price that gets 0 points).
    """

    id: Hashable
    name: str
    weight: Decimal
    _: KW_ONLY
    kind: Kind = Kind.QUALITY
    parent_id: Hashable | None = None
    weight_min: Decimal | None = None
    weight_max: Decimal | None = None
    method: Method = Method.REQUIREMENTS
    scale_max: Decimal = DEFAULT_SCALE
    normalise: bool = False
    price_model: PriceModel | None = None
    price_params: Mapping[str, Decimal] = field(default_factory=dict)
    requirement_weights: Mapping[Hashable, Decimal] = field(default_factory=dict)

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "kind", Kind(self.kind))
        set_(self, "method", Method(self.method))
        if self.price_model is not None:
            set_(self, "price_model", PriceModel(self.price_model))
        set_(self, "weight", to_decimal(self.weight, "weight"))
        set_(self, "weight_min", _optional_decimal(self.weight_min, "weight_min"))
        set_(self, "weight_max", _optional_decimal(self.weight_max, "weight_max"))
        set_(self, "scale_max", to_decimal(self.scale_max, "scale_max"))
        params = {k: to_decimal(v, k) for k, v in self.price_params.items()}
        set_(self, "price_params", MappingProxyType(params))
        mapped = {
            r: to_decimal(w, "requirement weight")
            for r, w in self.requirement_weights.items()
        }
        set_(self, "requirement_weights", MappingProxyType(mapped))

    @property
    def lower(self) -> Decimal:
        """The declared lowest fraction of the parent (the weight if none)."""
        return self.weight if self.weight_min is None else self.weight_min

    @property
    def upper(self) -> Decimal:
        """The declared highest fraction of the parent (the weight if none)."""
        return self.weight if self.weight_max is None else self.weight_max

    @property
    def counts_as_quality(self) -> bool:
        """In the money model every criterion except price discounts the price."""
        return self.kind is not Kind.PRICE and self.method is not Method.PRICE


@dataclass(frozen=True)
class Tender:
    """A tender as the engine sees it. `evaluated_price` is the price basket
    total (see `evaluated_price()`), or None while the price is unknown/sealed."""

    id: Hashable
    name: str
    _: KW_ONLY
    rejected: bool = False
    evaluated_price: Decimal | None = None

    def __post_init__(self) -> None:
        object.__setattr__(
            self,
            "evaluated_price",
            _optional_decimal(self.evaluated_price, "evaluated_price"),
        )


ScoreKey = tuple[Hashable, ItemKey]
EvaluatorKey = tuple[Hashable, Hashable, Hashable]


@dataclass(frozen=True)
class EvaluationData:
    """Everything the engine needs for one evaluation (procurement × round).

    - `consensus[(tender_id, item)]`: the consensus score.
    - `individual[(tender_id, item)]`: `Aggregate` of the submitted individual
      scores (used while consensus is missing, and for the spreads).
    - `evaluator_criterion_scores[(evaluator_id, criterion_id, tender_id)]`: the
      evaluator's own score of a leaf criterion, computed like rule 1 over their
      own scores, `Σ w_r·s_r / Σ w_r` over the requirements they scored (for a
      directly scored criterion: their score of it). Feeds Kendall's W.

    The mappings are not copied or converted (they can be large): values must
    already be Decimals. `from_rows()` builds all three from raw score rows.
    """

    criteria: Sequence[Criterion]
    tenders: Sequence[Tender]
    consensus: Mapping[ScoreKey, Decimal] = field(default_factory=dict)
    individual: Mapping[ScoreKey, Aggregate] = field(default_factory=dict)
    evaluator_criterion_scores: Mapping[EvaluatorKey, Decimal] = field(
        default_factory=dict
    )
    award_model: AwardModel = AwardModel.POINTS
    disagreement_threshold: Decimal = DEFAULT_THRESHOLD

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "criteria", tuple(self.criteria))
        set_(self, "tenders", tuple(self.tenders))
        set_(self, "award_model", AwardModel(self.award_model))
        set_(
            self,
            "disagreement_threshold",
            to_decimal(self.disagreement_threshold, "disagreement_threshold"),
        )
        ids = [c.id for c in self.criteria]
        if len(set(ids)) != len(ids):
            raise ValueError("criterion ids must be unique")
        ids = [t.id for t in self.tenders]
        if len(set(ids)) != len(ids):
            raise ValueError("tender ids must be unique")

    @classmethod
    def from_rows(
        cls,
        criteria: Sequence[Criterion],
        tenders: Sequence[Tender],
        scores: Iterable[IndividualScore | tuple],
        consensus: Mapping[ScoreKey, Decimal] | None = None,
        **options: Any,
    ) -> EvaluationData:
        """Build the data from raw individual score rows
        `(evaluator_id, tender_id, item, value)`; see `aggregate_scores()`."""
        individual, per_evaluator = aggregate_scores(criteria, scores)
        return cls(
            criteria=criteria,
            tenders=tenders,
            consensus=dict(consensus or {}),
            individual=individual,
            evaluator_criterion_scores=per_evaluator,
            **options,
        )


def aggregate_scores(
    criteria: Sequence[Criterion], scores: Iterable[IndividualScore | tuple]
) -> tuple[dict[ScoreKey, Aggregate], dict[EvaluatorKey, Decimal]]:
    """Fold raw individual score rows into the two aggregated inputs.

    This is the reference for the database adapter, which should get the same
    numbers from two GROUP BY queries:

    - per (tender, item): `Aggregate(count, sum, min, max)`;
    - per (evaluator, criterion, tender): `Σ w_r·s_r / Σ w_r` over the
      requirements of the criterion the evaluator scored, or their direct score
      of the criterion. Requirements they did not score are left out of both sums.
    """
    req_to_crit: dict[Hashable, tuple[Hashable, Decimal]] = {}
    for c in criteria:
        for r, w in c.requirement_weights.items():
            req_to_crit.setdefault(r, (c.id, w))

    values: dict[ScoreKey, list[Decimal]] = {}
    sums: dict[EvaluatorKey, list[Decimal]] = {}
    for evaluator_id, tender_id, item, value in scores:
        item = ItemKey(*item)
        value = to_decimal(value, "score")
        values.setdefault((tender_id, item), []).append(value)
        if item.kind == REQ:
            if item.id not in req_to_crit:
                continue
            crit_id, weight = req_to_crit[item.id]
        else:
            crit_id, weight = item.id, Decimal(1)
        acc = sums.setdefault((evaluator_id, crit_id, tender_id), [Decimal(0)] * 2)
        acc[0] += weight * value
        acc[1] += weight

    individual = {key: Aggregate.of(vs) for key, vs in values.items()}
    per_evaluator = {key: num / den for key, (num, den) in sums.items() if den}
    return individual, per_evaluator


def to_plain(value: Any) -> Any:
    """JSON-ready copy: Decimals as strings, dataclasses and NamedTuples as
    dicts, item keys as `"req:17"`, mapping keys as strings, tuples as lists."""
    if isinstance(value, Enum):
        return value.value
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, float):
        return value
    if isinstance(value, ItemKey):
        return str(value)
    if is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: to_plain(getattr(value, f.name))
            for f in fields(value)
            if not f.name.startswith("_")
        }
    if isinstance(value, tuple) and hasattr(value, "_asdict"):
        return {k: to_plain(v) for k, v in value._asdict().items()}
    if isinstance(value, Mapping):
        return {_plain_key(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_plain(v) for v in value]
    raise TypeError(f"cannot make {type(value).__name__} plain")


def _plain_key(key: Any) -> str:
    if isinstance(key, ItemKey):
        return str(key)
    if isinstance(key, tuple):
        return ":".join(_plain_key(k) for k in key)
    return str(key)
