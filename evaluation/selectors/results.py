"""The database side of the results engine: read one evaluation into the
engine's plain data (``engine_data``) and compute its results
(``evaluation_results``). Pages, exports and ``manage.py evaluation_results``
all call ``evaluation_results``; nothing else computes points or ranks.

The work that grows with the number of scores is done by the database:

- per tender × item: COUNT/SUM/MIN/MAX of the individual scores (one GROUP BY);
- per evaluator × criterion × tender: Σ w·s and Σ w over the requirements the
  evaluator scored, joined to the requirement mappings (one GROUP BY); the
  division is done here in Decimal, as ``evaluation.results.aggregate_scores``
  documents;
- consensus scores are one row per tender × item.

Prices are read through ``procurement.selectors.tenders.evaluated_prices`` and
left out (``None``) while the round's price envelope is sealed to the reader:
``user`` is the person looking (the lead sees sealed prices), ``user=None``
an operator running a command, who sees prices only once the envelope is open.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import (
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    Max,
    Min,
    Sum,
)

from evaluation import access
from evaluation import results as engine
from evaluation.models import (
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


def individual_aggregates(
    evaluation: Evaluation, tender_ids: Iterable[int]
) -> dict[tuple[int, engine.ItemKey], engine.Aggregate]:
    """COUNT/SUM/MIN/MAX of the individual scores per tender × item."""
    rows = (
        Score.objects.filter(evaluation=evaluation, tender_id__in=list(tender_ids))
        .order_by()
        .values_list("tender_id", "requirement_id", "criterion_id")
        .annotate(
            n=Count("pk"),
            total=Sum("value", output_field=_SUM),
            low=Min("value"),
            high=Max("value"),
        )
    )
    Aggregate, item = engine.Aggregate, _item
    return {
        (tender_id, item(requirement_id, criterion_id)): Aggregate(n, total, low, high)
        for tender_id, requirement_id, criterion_id, n, total, low, high in rows
    }


def evaluator_criterion_scores(
    evaluation: Evaluation, tender_ids: Iterable[int]
) -> dict[tuple[int, int, int], Decimal]:
    """Per evaluator × criterion × tender the evaluator's own criterion score,
    ``Σ w·s / Σ w`` over the mapped requirements they scored (rule 1 over
    their own scores), or their direct score of a directly scored criterion."""
    wanted = set(tender_ids)
    # One GROUP BY over the scores joined straight to the mappings (the ORM
    # would join the requirement table in between, a third slower at scale).
    sql = (
        f"SELECT s.evaluator_id, m.criterion_id, s.tender_id, "
        f"SUM(s.value * m.weight), SUM(m.weight) "
        f"FROM {Score._meta.db_table} s "
        f"JOIN {RequirementMapping._meta.db_table} m "
        f"ON m.requirement_id = s.requirement_id "
        f"AND m.evaluation_id = s.evaluation_id "
        f"WHERE s.evaluation_id = %s GROUP BY 1, 2, 3"
    )
    result: dict[tuple[int, int, int], Decimal] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, [evaluation.pk])
        for evaluator_id, criterion_id, tender_id, num, den in cursor.fetchall():
            if tender_id in wanted and den:
                result[evaluator_id, criterion_id, tender_id] = _exact(
                    num, _FIVE_PLACES
                ) / _exact(den, _THREE_PLACES)
    direct = (
        Score.objects.filter(evaluation=evaluation, criterion__isnull=False)
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
    rows = (
        ConsensusScore.objects.filter(
            evaluation=evaluation, tender_id__in=list(tender_ids)
        )
        .order_by()
        .values_list("tender_id", "requirement_id", "criterion_id", "value")
    )
    return {
        (tender_id, _item(requirement_id, criterion_id)): value
        for tender_id, requirement_id, criterion_id, value in rows
    }


def engine_data(evaluation: Evaluation, *, user=None) -> engine.EvaluationData:
    """Everything the engine needs for ``evaluation``, as ``user`` may see it
    (prices left out while sealed to them; ``user=None`` is an operator)."""
    tenders = round_tenders(evaluation)
    ids = [t.pk for t in tenders]
    prices = _evaluated_prices(evaluation) if prices_visible(evaluation, user) else {}
    return engine.EvaluationData(
        criteria=engine_criteria(evaluation),
        tenders=[
            engine.Tender(
                id=t.pk,
                name=t.vendor.name,
                rejected=t.status == Tender.Status.REJECTED,
                evaluated_price=prices.get(t.pk),
            )
            for t in tenders
        ],
        consensus=consensus_scores(evaluation, ids),
        individual=individual_aggregates(evaluation, ids),
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
