"""The database side of the results engine: read one evaluation into the
engine's plain data (``engine_data``) and compute its results
(``evaluation_results``). Pages, exports and ``manage.py evaluation_results``
all call ``evaluation_results``; nothing else computes points or ranks.

The work that grows with the number of scores is done by the database:

- per tender × item: COUNT/SUM/MIN/MAX of the individual scores (one GROUP BY);
  read only when first used: the engine needs them where consensus is missing
  and for the spreads, so a ranking on complete consensus never reads them;
- per evaluator × criterion × tender: Σ w·s and Σ w over the requirements the
  evaluator scored, joined to the requirement mappings (one GROUP BY over two
  covering indexes); the division is done here in Decimal, as
  ``evaluation.results.aggregate_scores`` documents;
- consensus scores are one row per tender × item.

Rows in the hundreds of thousands are read with the cursor and converted the
way the ORM converts them (``_rows``), each distinct value once: the numbers
are the ORM's to the last digit, without a Decimal built per row.

Prices are read through ``procurement.selectors.tenders.evaluated_prices`` and
left out (``None``) while the round's price envelope is sealed to the reader:
``user`` is the person looking (the lead sees sealed prices), ``user=None``
an operator running a command, who sees prices only once the envelope is open.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, connections
from django.db.models import (
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    Max,
    Min,
    QuerySet,
    Sum,
)
from django.utils.translation import gettext as _

from evaluation import access
from evaluation import results as engine
from evaluation.models import (
    AbsoluteCheck,
    ConsensusScore,
    Criterion,
    Evaluation,
    RequirementMapping,
    Score,
)
from procurement.models import Tender

HUNDRED = Decimal(100)

# Sums are read with enough places to be exact: scores carry 2 decimals,
# mapping weights 3, so a weighted score carries 5.
_SUM = DecimalField(max_digits=30, decimal_places=2)
_WEIGHTED = DecimalField(max_digits=32, decimal_places=5)
_FIVE_PLACES = Decimal("0.00001")
_THREE_PLACES = Decimal("0.001")

# The engine's names for the evaluation's price models.
PRICE_MODELS = {
    Evaluation.PriceModel.LINEAR: engine.PriceModel.LINEAR,
    Evaluation.PriceModel.LINEAR_FLOOR: engine.PriceModel.LINEAR_FLOOR,
    Evaluation.PriceModel.PROPORTIONAL: engine.PriceModel.PROPORTIONAL,
    Evaluation.PriceModel.RANGE: engine.PriceModel.RANGE,
    Evaluation.PriceModel.LOG: engine.PriceModel.LOGARITHMIC,
}


def _fraction(percent: Decimal | None) -> Decimal | None:
    return None if percent is None else percent / HUNDRED


def price_params(evaluation: Evaluation) -> dict[str, Decimal]:
    """The parameters the evaluation's price model needs, as the engine names them."""
    if evaluation.price_model == Evaluation.PriceModel.RANGE:
        params = {
            "pmin": evaluation.price_range_min,
            "pmax": evaluation.price_range_max,
        }
    elif evaluation.price_model == Evaluation.PriceModel.LOG:
        params = {"a": evaluation.price_log_multiple}
    else:
        params = {}
    return {name: value for name, value in params.items() if value is not None}


def engine_criteria(evaluation: Evaluation) -> list[engine.Criterion]:
    """The criteria tree with weights as fractions and each requirement-scored
    criterion's mapped requirements and their weights."""
    mapped: dict[int, dict[int, Decimal]] = {}
    for criterion_id, requirement_id, weight in (
        RequirementMapping.objects.filter(evaluation=evaluation)
        .order_by()
        .values_list("criterion_id", "requirement_id", "weight")
    ):
        mapped.setdefault(criterion_id, {})[requirement_id] = weight
    model = PRICE_MODELS.get(evaluation.price_model)
    params = price_params(evaluation)
    criteria = []
    for c in Criterion.objects.filter(evaluation=evaluation).order_by(
        "parent_id", "position", "pk"
    ):
        priced = c.method == Criterion.Method.PRICE
        criteria.append(
            engine.Criterion(
                id=c.pk,
                name=c.name,
                weight=c.weight / HUNDRED,
                kind=c.kind,
                parent_id=c.parent_id,
                weight_min=_fraction(c.weight_min),
                weight_max=_fraction(c.weight_max),
                method=c.method,
                scale_max=c.scale_max,
                normalise=c.normalise,
                price_model=model if priced else None,
                price_params=params if priced else {},
                requirement_weights=mapped.get(c.pk, {})
                if c.method == Criterion.Method.REQUIREMENTS
                else {},
            )
        )
    return criteria


def round_tenders(evaluation: Evaluation) -> list[Tender]:
    """The tenders the evaluation covers: every tender of its round except the
    withdrawn ones, in the round's order (vendor name)."""
    return list(
        Tender.objects.filter(round_id=evaluation.round_id)
        .exclude(status=Tender.Status.WITHDRAWN)
        .select_related("vendor")
        .order_by("vendor__name", "pk")
    )


def proposed_rejections(evaluation: Evaluation) -> dict[Hashable, list[str]]:
    """Tenders with a substantial deviation on an absolute requirement that
    the lead has not yet confirmed or dismissed: tender id → requirement keys.
    Rule 4 of the evaluation: such a tender is shown but not ranked."""
    proposed: dict[Hashable, list[str]] = {}
    rows = (
        AbsoluteCheck.objects.filter(
            evaluation=evaluation, fulfilled=False, substantial_deviation=True
        )
        .exclude(tender__status=Tender.Status.REJECTED)
        .order_by("tender_id", "requirement__key")
        .values_list("tender_id", "requirement__key")
    )
    for tender_id, key in rows:
        proposed.setdefault(tender_id, []).append(key)
    return proposed


def rejection_reasons(evaluation: Evaluation) -> dict[Hashable, str]:
    """Why each rejected tender of the round is not ranked: the lead's reason,
    or for a proposed rejection the requirements with the substantial
    deviation."""
    reasons = dict(
        Tender.objects.filter(
            round_id=evaluation.round_id, status=Tender.Status.REJECTED
        ).values_list("pk", "rejection_reason")
    )
    for tender_id, keys in proposed_rejections(evaluation).items():
        reasons[tender_id] = _(
            "Proposed for rejection: substantial deviation on %(keys)s; the "
            "lead has not yet decided."
        ) % {"keys": ", ".join(keys)}
    return reasons


def prices_visible(evaluation: Evaluation, user=None) -> bool:
    """Whether ``user`` (None: an operator at the command line) may see the
    round's prices now."""
    if user is None:
        return not evaluation.round.prices_sealed
    return access.may_see_prices(user, evaluation)


def _evaluated_prices(evaluation: Evaluation) -> dict[int, Decimal | None]:
    try:
        from procurement.selectors.tenders import evaluated_prices
    except ImportError:
        # Integration point: procurement's tender selectors are on their way;
        # until then the price basket is summed here the same way.
        return _price_baskets(evaluation)
    return evaluated_prices(evaluation.round)


def _price_baskets(evaluation: Evaluation) -> dict[int, Decimal | None]:
    prices: dict[int, Decimal | None] = {}
    for tender in Tender.objects.filter(round_id=evaluation.round_id).annotate(
        lines=Count("price_lines"),
        basket=Sum(
            ExpressionWrapper(
                F("price_lines__quantity") * F("price_lines__unit_price"),
                output_field=_WEIGHTED,
            )
        ),
    ):
        prices[tender.pk] = tender.basket if tender.lines else tender.total_price
    return prices


def _item(requirement_id: int | None, criterion_id: int | None) -> engine.ItemKey:
    if requirement_id is not None:
        return engine.ItemKey(engine.REQ, requirement_id)
    return engine.ItemKey(engine.CRIT, criterion_id)


class _ItemKeys(dict):
    """One ``ItemKey`` per requirement or criterion, made on first use and
    shared by every tender's row."""

    def __missing__(self, key: tuple[int | None, int | None]) -> engine.ItemKey:
        item = self[key] = _item(*key)
        return item


class _Converted(dict):
    """A column's database values converted by the ORM's converters, each
    distinct value converted once (scores take a few hundred values)."""

    def __init__(self, converters, expression, db_connection):
        super().__init__()
        self.converters = converters
        self.expression = expression
        self.connection = db_connection

    def __missing__(self, value):
        converted = value
        for convert in self.converters:
            converted = convert(converted, self.expression, self.connection)
        self[value] = converted
        return converted


def _identity(value):
    return value


def raw_rows(
    queryset: QuerySet, *, converted: Iterable[str], stream: bool = False
) -> tuple[Iterable[tuple], dict[str, Callable]]:
    """The raw rows of a ``values_list`` queryset and, for each column named
    in ``converted``, the function that turns its raw value into the value the
    ORM returns.

    The statement is the ORM's own and so are the converters; on SQLite (which
    hands out floats and ints for decimals) the converted value of each
    distinct raw value is remembered, so 230,000 rows of scores cost a few
    hundred Decimal conversions. The caller converts only the columns it
    names; any other column the ORM would convert is refused here, so the
    values are always the ORM's to the last digit. With ``stream`` the rows
    come in chunks through the cursor ``iterator()`` uses (server-side on
    PostgreSQL) instead of all at once."""
    query = queryset.query
    names = [*query.extra_select, *query.values_select, *query.annotation_select]
    fields = [
        *queryset._fields,
        *(f for f in query.annotation_select if f not in queryset._fields),
    ]
    if not queryset._fields or fields != names:
        # The ORM would reorder these columns; this reader does not.
        raise ValueError("raw_rows reads values_list querysets in select order")
    db = queryset.db
    db_connection = connections[db]
    compiler = query.get_compiler(using=db)
    sql, params = compiler.as_sql()
    converters = compiler.get_converters(
        [expression for expression, _sql, _alias in compiler.select]
    )
    wanted = set(converted)
    unexpected = {names[i] for i in converters} - wanted
    if unexpected:
        raise ValueError(f"columns the ORM converts: {sorted(unexpected)}")
    convert: dict[str, Callable] = dict.fromkeys(wanted, _identity)
    memoise = db_connection.vendor == "sqlite"
    for position, (functions, expression) in converters.items():
        memo = _Converted(functions, expression, db_connection)
        convert[names[position]] = memo.__getitem__ if memoise else memo.__missing__
    if stream:
        return _streamed(db_connection, sql, params), convert
    with db_connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return rows, convert


def _streamed(db_connection, sql: str, params, chunk: int = 10_000) -> Iterator[tuple]:
    with db_connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(chunk):
            yield from rows


class LazyMapping(Mapping):
    """A read-only mapping filled by ``load()`` the first time it is used.

    ``engine_data`` hands the engine the individual aggregates this way: the
    engine reads them only for items without a consensus score and for the
    spreads, so a ranking on complete consensus never pays for them."""

    __slots__ = ("_data", "_load")

    def __init__(self, load: Callable[[], dict]):
        self._load = load
        self._data: dict | None = None

    @property
    def loaded(self) -> bool:
        return self._data is not None

    def _rows(self) -> dict:
        if self._data is None:
            self._data = self._load()
            self._load = None
        return self._data

    def __getitem__(self, key):
        return self._rows()[key]

    def get(self, key, default=None):
        return self._rows().get(key, default)

    def __contains__(self, key) -> bool:
        return key in self._rows()

    def __iter__(self) -> Iterator:
        return iter(self._rows())

    def __len__(self) -> int:
        return len(self._rows())

    def keys(self):
        return self._rows().keys()

    def items(self):
        return self._rows().items()

    def values(self):
        return self._rows().values()

    def __eq__(self, other) -> bool:
        if isinstance(other, LazyMapping):
            other = other._rows()
        return self._rows() == other

    __hash__ = None

    def __repr__(self) -> str:
        state = f"{len(self._data)} items" if self._data is not None else "not read"
        return f"<LazyMapping {state}>"


def individual_aggregates(
    evaluation: Evaluation, tender_ids: Iterable[int]
) -> dict[tuple[int, engine.ItemKey], engine.Aggregate]:
    """COUNT/SUM/MIN/MAX of the individual scores per tender × item."""
    rows, convert = raw_rows(
        Score.objects.filter(evaluation=evaluation, tender_id__in=list(tender_ids))
        .order_by()
        .values_list("tender_id", "requirement_id", "criterion_id")
        .annotate(
            n=Count("pk"),
            total=Sum("value", output_field=_SUM),
            low=Min("value"),
            high=Max("value"),
        ),
        converted=("n", "total", "low", "high"),
    )
    Aggregate, items = engine.Aggregate, _ItemKeys()
    n, total, low, high = (convert[name] for name in ("n", "total", "low", "high"))
    return {
        (tender_id, items[requirement_id, criterion_id]): Aggregate(
            n(count), total(summed), low(lowest), high(highest)
        )
        for tender_id, requirement_id, criterion_id, count, summed, lowest, highest in (
            rows
        )
    }


def evaluator_criterion_scores(
    evaluation: Evaluation, tender_ids: Iterable[int]
) -> dict[tuple[int, int, int], Decimal]:
    """Per evaluator × criterion × tender the evaluator's own criterion score,
    ``Σ w·s / Σ w`` over the mapped requirements they scored (rule 1 over
    their own scores), or their direct score of a directly scored criterion."""
    wanted = set(tender_ids)
    # One GROUP BY over the mappings joined to the scores, each read from a
    # covering index in requirement order (mapping_requirement_cover, then
    # score_evaluator_cover): CROSS JOIN keeps SQLite's join order, and is a
    # plain inner join elsewhere. Straight from scores to mappings, SQLite
    # reads every score row from the table and is four times slower.
    sql = (
        f"SELECT s.evaluator_id, m.criterion_id, s.tender_id, "
        f"SUM(s.value * m.weight), SUM(m.weight) "
        f"FROM {RequirementMapping._meta.db_table} m "
        f"CROSS JOIN {Score._meta.db_table} s "
        f"WHERE m.evaluation_id = %s AND s.evaluation_id = m.evaluation_id "
        f"AND s.requirement_id = m.requirement_id GROUP BY 1, 2, 3"
    )
    result: dict[tuple[int, int, int], Decimal] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, [evaluation.pk])
        for evaluator_id, criterion_id, tender_id, num, den in cursor.fetchall():
            if tender_id in wanted and den:
                result[evaluator_id, criterion_id, tender_id] = _exact(
                    num, _FIVE_PLACES
                ) / _exact(den, _THREE_PLACES)
    # Direct scores are those without a requirement (each score has exactly
    # one item): the covering index finds them without reading the others.
    direct = (
        Score.objects.filter(evaluation=evaluation, requirement__isnull=True)
        .order_by()
        .values_list("evaluator_id", "criterion_id", "tender_id", "value")
    )
    for evaluator_id, criterion_id, tender_id, value in direct:
        if tender_id in wanted:
            result[evaluator_id, criterion_id, tender_id] = value
    return result


def _exact(value, places: Decimal) -> Decimal:
    """A database sum as an exact Decimal: SQLite sums decimals as floats,
    which hold these few places exactly once rounded back to them."""
    if isinstance(value, Decimal):
        return value
    return Decimal(repr(value)).quantize(places)


def consensus_scores(
    evaluation: Evaluation, tender_ids: Iterable[int]
) -> dict[tuple[int, engine.ItemKey], Decimal]:
    rows, convert = raw_rows(
        ConsensusScore.objects.filter(
            evaluation=evaluation, tender_id__in=list(tender_ids)
        )
        .order_by()
        .values_list("tender_id", "requirement_id", "criterion_id", "value"),
        converted=("value",),
    )
    items, value = _ItemKeys(), convert["value"]
    return {
        (tender_id, items[requirement_id, criterion_id]): value(raw)
        for tender_id, requirement_id, criterion_id, raw in rows
    }


def engine_data(evaluation: Evaluation, *, user=None) -> engine.EvaluationData:
    """Everything the engine needs for ``evaluation``, as ``user`` may see it
    (prices left out while sealed to them; ``user=None`` is an operator)."""
    tenders = round_tenders(evaluation)
    ids = [t.pk for t in tenders]
    prices = _evaluated_prices(evaluation) if prices_visible(evaluation, user) else {}
    proposed = proposed_rejections(evaluation)
    return engine.EvaluationData(
        criteria=engine_criteria(evaluation),
        tenders=[
            engine.Tender(
                id=t.pk,
                name=t.vendor.name,
                rejected=t.status == Tender.Status.REJECTED or t.pk in proposed,
                evaluated_price=prices.get(t.pk),
            )
            for t in tenders
        ],
        consensus=consensus_scores(evaluation, ids),
        individual=LazyMapping(lambda: individual_aggregates(evaluation, ids)),
        evaluator_criterion_scores=evaluator_criterion_scores(evaluation, ids),
        award_model=evaluation.award_model,
        disagreement_threshold=evaluation.disagreement_threshold,
    )


def evaluation_results(
    evaluation: Evaluation, *, user=None
) -> tuple[engine.EvaluationData, engine.Results]:
    """The engine's data and results for ``evaluation`` as ``user`` may see
    them: the one way Kravspor computes points, totals and ranks."""
    data = engine_data(evaluation, user=user)
    return data, engine.compute_results(data)


@dataclass(frozen=True)
class ConsensusGap:
    """Items of one tender and criterion still without a consensus score."""

    tender_id: Hashable
    tender_name: str
    criterion_id: Hashable
    criterion_name: str
    count: int


def consensus_gaps(
    data: engine.EvaluationData, results: engine.Results
) -> list[ConsensusGap]:
    """Where consensus is incomplete, read from the engine's provisional
    reasons: quality items (every criterion not priced by formula) of tenders
    that are not rejected, scored on individual means or not at all."""
    names = {c.id: c.name for c in data.criteria}
    gaps = []
    for tender in results.tenders:
        if tender.rejected:
            continue
        open_items: dict[Hashable, int] = {}
        for reason in tender.reasons:
            if reason.code in ("individual_mean", "missing_score"):
                open_items[reason.criterion_id] = (
                    open_items.get(reason.criterion_id, 0) + reason.count
                )
        gaps.extend(
            ConsensusGap(
                tender.tender_id,
                tender.name,
                criterion_id,
                names.get(criterion_id, ""),
                count,
            )
            for criterion_id, count in open_items.items()
        )
    return gaps
