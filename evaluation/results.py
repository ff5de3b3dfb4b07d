"""Kravspor's results engine: plain data in, plain data out, no database.

Everything the result pages, the exports and `manage.py evaluation_results`
show comes from here, so the numbers are the same wherever they are read. The
rules are DESIGN.md's "Evaluation rules (exact)"; the code lives in
`evaluation/engine/` and this module is the one place to import it from.

Input (frozen dataclasses; Decimals, never floats)
--------------------------------------------------
    Criterion(id, name, weight, *, kind="quality", parent_id=None,
              weight_min=None, weight_max=None, method="requirements",
              scale_max=Decimal(10), normalise=False, price_model=None,
              price_params={"pmin", "pmax" | "a"}, requirement_weights={req: w})
        weight and its range are fractions of the parent (0.30 = 30 %).
        kind: quality | price | risk | other           (enum Kind)
        method: requirements | direct | price          (enum Method)
        price_model: linear | linear_floor | proportional | range | logarithmic
    Tender(id, name, *, rejected=False, evaluated_price=None)
    ItemKey(kind, id)  -- ("req", requirement_id) or ("crit", criterion_id);
                          a plain tuple works as well
    Aggregate(count, total, minimum, maximum)  -- one GROUP BY row
    EvaluationData(criteria, tenders,
                   consensus={(tender_id, item): Decimal},
                   individual={(tender_id, item): Aggregate},
                   evaluator_criterion_scores={(evaluator, criterion, tender): Decimal},
                   award_model="points" | "money",
                   disagreement_threshold=Decimal("0.3"))
    EvaluationData.from_rows(criteria, tenders, scores=[IndividualScore(
        evaluator_id, tender_id, item, value)], consensus=...)  -- convenience;
        `aggregate_scores()` documents what the database adapter must compute.

Functions
---------
    compute_results(data) -> Results
    sensitivity(data, results, *, chart_steps=10) -> Sensitivity
    ahp_weights(matrix) -> AHPResult          (raises AHPMatrixError)
    check_weights(criteria) -> list[Problem]  (sums, ranges)
    check_model(criteria) -> list[Problem]    (check_weights + methods, prices)
    price_points(model, pe, pb, scale_max, *, pmin=, pmax=, a=) -> Decimal
    evaluated_price(lines) -> Decimal         (Σ quantity × unit price)
    kendall_w(rankings) -> (W, S) | None;  competition_ranks(values, highest_first=)
    display_points / display_price / display_percent  (rounding for display only)

Output
------
    Results: tenders (TenderResult per tender, input order: criteria[leaf] =
    CriterionPoints(raw, points, weighted, provisional), total, money_value,
    evaluated_price, price_points, rank, provisional, reasons), ranking, winner,
    winners, leaf_ids, effective_weights, lowest_price, provisional, problems
    (Problem codes: see `evaluation.engine.tree`), agreement[criterion]
    (Kendall's W), `tender(id)`, `spreads` and `flagged_spreads` (computed on
    first use), `to_dict(spreads="flagged" | "all" | "none")`.
    Sensitivity: shifts (WeightShift per ordered pair of leaves), smallest,
    smallest_feasible, range_check (RangeCheck), charts (ChartSeries), `to_dict()`.
    Every value is unrounded; `to_dict()` writes Decimals as strings, item keys
    as "req:17" and mapping keys as strings.

Example
-------
    data = EvaluationData(
        criteria=[
            Criterion(1, "Ytelse", Decimal("0.7"), requirement_weights={10: 1}),
            Criterion(2, "Pris", Decimal("0.3"), kind="price", method="price",
                      price_model="proportional"),
        ],
        tenders=[Tender(7, "A", evaluated_price=Decimal(100)), ...],
        consensus={(7, ItemKey("req", 10)): Decimal(8)},
    )
    results = compute_results(data)
    results.winner, results.tender(7).total, sensitivity(data, results).smallest

Decisions (beyond DESIGN.md's rules)
------------------------------------
- Rule 1: an item's score is its consensus score, else the mean of the
  submitted individual scores (provisional: reason `individual_mean`). A
  mapped requirement with no score at all for a tender is left out of both
  sums and the result is provisional (`missing_score`); a criterion with none
  of its requirements scored gets 0. A directly scored criterion is its own
  single item `("crit", id)`.
- Rule 2: the maximum is over ranked (not rejected) tenders; when it is 0
  everyone gets 0. Rejected tenders are scaled by the same factor. A price
  criterion may normalise too (only the buyer's range can leave the best
  price short of M).
- Rule 3: Pb is the lowest positive evaluated price among tenders that are
  not rejected. A tender without a positive price gets 0 price points and is
  provisional (`missing_price`). Rejected tenders get points against the same
  Pb (shown, never ranked), which can exceed M when they are cheaper.
- The results as a whole are provisional when a tender that is not
  rejected is; a rejected tender's own result may stay provisional (its
  consensus is often never set) without making the ranking provisional.
- Rule 4: totals use each leaf's own points scale; a shared scale keeps T
  within 0..M. Equal totals are compared exactly and share a rank (1, 1, 3);
  `winner` is None when rank 1 is shared.
- Rule 5: "quality" is every leaf that is neither of kind price nor priced by
  formula (quality, risk and other); the price criterion takes no part.
  `E = Pe·(1 − Σ W_c·P_c/M_c)` with the effective weights as configured (no
  rescaling to the quality share). Tenders without a price are not ranked.
- Rule 6: spreads are listed for tender × item scored by two or more
  evaluators (one score cannot disagree); flagged when spread ≥ threshold.
  An item's M is the scale of the criterion it belongs to.
- Rule 7: per criterion, the tenders anyone scored; evaluators who did not
  score all of them (e.g. a declared conflict) are left out. Average ranks
  for ties, no tie correction. None below 2 evaluators or 2 tenders.
- Rule 8: see `evaluation.engine.sensitivity` (the money model is handled by
  the same formula on E; the range check is exact for nested trees).
- Rule 9: floats for the eigenvector, Decimal weights out; matrices of 1–10
  criteria (Saaty's RI table); CI is 0 for n ≤ 2.
- Arithmetic: Decimal with 40 significant digits; logarithms by Decimal.ln().
"""

from evaluation.engine.agreement import (
    Agreement,
    Spread,
    average_ranks,
    kendall_w,
)
from evaluation.engine.ahp import (
    CR_LIMIT,
    RANDOM_INDEX,
    AHPMatrixError,
    AHPResult,
    ahp_weights,
    saaty_ri,
)
from evaluation.engine.compute import (
    CriterionPoints,
    Reason,
    Results,
    TenderResult,
    competition_ranks,
    compute_results,
)
from evaluation.engine.model import (
    CRIT,
    DEFAULT_SCALE,
    DEFAULT_THRESHOLD,
    REQ,
    Aggregate,
    AwardModel,
    Criterion,
    EvaluationData,
    IndividualScore,
    ItemKey,
    Kind,
    Method,
    PriceModel,
    Tender,
    aggregate_scores,
    crit_item,
    req_item,
    to_plain,
)
from evaluation.engine.precision import (
    CONTEXT,
    display_percent,
    display_points,
    display_price,
)
from evaluation.engine.prices import evaluated_price, price_points
from evaluation.engine.sensitivity import (
    ChartSeries,
    RangeCheck,
    Sensitivity,
    WeightShift,
    sensitivity,
)
from evaluation.engine.tree import Problem, check_model, check_weights

__all__ = [
    "CONTEXT",
    "CRIT",
    "CR_LIMIT",
    "DEFAULT_SCALE",
    "DEFAULT_THRESHOLD",
    "RANDOM_INDEX",
    "REQ",
    "AHPMatrixError",
    "AHPResult",
    "Aggregate",
    "Agreement",
    "AwardModel",
    "ChartSeries",
    "Criterion",
    "CriterionPoints",
    "EvaluationData",
    "IndividualScore",
    "ItemKey",
    "Kind",
    "Method",
    "PriceModel",
    "Problem",
    "RangeCheck",
    "Reason",
    "Results",
    "Sensitivity",
    "Spread",
    "Tender",
    "TenderResult",
    "WeightShift",
    "aggregate_scores",
    "ahp_weights",
    "average_ranks",
    "check_model",
    "check_weights",
    "competition_ranks",
    "compute_results",
    "crit_item",
    "display_percent",
    "display_points",
    "display_price",
    "evaluated_price",
    "kendall_w",
    "price_points",
    "req_item",
    "saaty_ri",
    "sensitivity",
    "to_plain",
]
