"""The results engine (rules 1–6 of DESIGN.md) against examples worked by hand.

No database: the engine is plain data in, plain data out.
"""

import json
import subprocess
import sys
from decimal import Decimal as D

import pytest

from evaluation.results import (
    Aggregate,
    Criterion,
    EvaluationData,
    IndividualScore,
    ItemKey,
    Reason,
    Tender,
    compute_results,
    display_percent,
    display_points,
    display_price,
    req_item,
)

R1, R2 = req_item("r1"), req_item("r2")


def quality(id="Q", weight="1", **kwargs):
    kwargs.setdefault("requirement_weights", {"r1": 3, "r2": 1})
    return Criterion(id, "Ytelse", D(weight), **kwargs)


def direct(id, weight, **kwargs):
    return Criterion(id, id, D(weight), method="direct", **kwargs)


def price(weight="0.4", model="proportional", **kwargs):
    return Criterion(
        "P",
        "Pris",
        D(weight),
        kind="price",
        method="price",
        price_model=model,
        **kwargs,
    )


def tenders(*names, rejected=(), prices=None):
    prices = prices or {}
    return [
        Tender(
            n, f"Leverandør {n}", rejected=n in rejected, evaluated_price=prices.get(n)
        )
        for n in names
    ]


def crit(id):
    return ItemKey("crit", id)


# Rule 1: requirement-scored criteria


def test_it_weights_consensus_scores_by_requirement_weight():
    # (3·8 + 1·4)/(3 + 1) = 28/4 = 7
    data = EvaluationData(
        [quality()], tenders("A"), consensus={("A", R1): D(8), ("A", R2): D(4)}
    )
    result = compute_results(data).tender("A")
    assert result.criteria["Q"].raw == D(7)
    assert result.total == D(7)
    assert not result.provisional


def test_it_uses_the_mean_of_individual_scores_while_consensus_is_missing():
    # r2 has no consensus: individual 3 and 6 → mean 4.5
    # (3·8 + 1·4.5)/4 = 28.5/4 = 7.125
    data = EvaluationData(
        [quality()],
        tenders("A"),
        consensus={("A", R1): D(8)},
        individual={("A", R2): Aggregate(2, D(9), D(3), D(6))},
    )
    result = compute_results(data).tender("A")
    assert result.criteria["Q"].raw == D("7.125")
    assert result.provisional
    assert result.criteria["Q"].provisional
    assert result.reasons == (Reason("individual_mean", "Q", 1),)


def test_consensus_overrides_the_individual_scores():
    data = EvaluationData(
        [quality()],
        tenders("A"),
        consensus={("A", R1): D(8), ("A", R2): D(4)},
        individual={("A", R2): Aggregate(2, D(18), D(8), D(10))},
    )
    result = compute_results(data)
    assert result.tender("A").total == D(7)
    assert not result.provisional


def test_a_requirement_without_any_score_is_left_out_and_marked_provisional():
    # r2 unscored: (3·8)/3 = 8, not (3·8 + 1·0)/4 = 6
    data = EvaluationData([quality()], tenders("A"), consensus={("A", R1): D(8)})
    result = compute_results(data).tender("A")
    assert result.criteria["Q"].raw == D(8)
    assert result.reasons == (Reason("missing_score", "Q", 1),)


def test_a_criterion_with_nothing_scored_gives_zero_provisionally():
    result = compute_results(EvaluationData([quality()], tenders("A"))).tender("A")
    assert result.total == 0
    assert result.reasons == (Reason("missing_score", "Q", 2),)


def test_a_directly_scored_criterion_takes_its_own_score():
    # Consensus 7 for A; B only has individual 6 and 9 → 7.5, provisional
    data = EvaluationData(
        [direct("D", "1")],
        tenders("A", "B"),
        consensus={("A", crit("D")): D(7)},
        individual={("B", crit("D")): Aggregate(2, D(15), D(6), D(9))},
    )
    results = compute_results(data)
    assert results.tender("A").total == D(7)
    assert results.tender("B").total == D("7.5")
    assert results.tender("B").reasons == (Reason("individual_mean", "D", 1),)
    assert results.provisional


def test_plain_tuples_work_as_item_keys():
    data = EvaluationData(
        [quality()], tenders("A"), consensus={("A", ("req", "r1")): 8}
    )
    assert compute_results(data).tender("A").criteria["Q"].raw == 8


# Rule 2: relative normalisation


def scored(normalise, scores, rejected=()):
    data = EvaluationData(
        [direct("D", "1", normalise=normalise)],
        tenders(*scores, rejected=rejected),
        consensus={(t, crit("D")): D(s) for t, s in scores.items()},
    )
    return compute_results(data)


def test_without_normalisation_points_are_the_scores():
    results = scored(False, {"A": 8, "B": 6})
    assert [results.tender(t).total for t in "AB"] == [8, 6]


def test_normalisation_gives_the_best_ranked_tender_full_points():
    # max over ranked tenders = 8 (C is rejected): A 10·8/8 = 10, B 10·6/8 = 7.5,
    # and C is scaled by the same factor: 10·9/8 = 11.25
    results = scored(True, {"A": 8, "B": 6, "C": 9}, rejected={"C"})
    assert results.tender("A").criteria["D"].raw == 8
    assert [results.tender(t).total for t in "ABC"] == [10, D("7.5"), D("11.25")]


def test_a_rejected_tender_without_consensus_leaves_the_ranking_final():
    data = EvaluationData(
        [direct("D", "1")],
        tenders("A", "B", "C", rejected={"C"}),
        consensus={("A", crit("D")): D(8), ("B", crit("D")): D(6)},
    )
    results = compute_results(data)
    assert results.tender("C").provisional
    assert not results.tender("A").provisional
    assert not results.provisional
    # The same gap on a ranked tender makes the whole result provisional.
    data = EvaluationData(
        [direct("D", "1")],
        tenders("A", "B", "C"),
        consensus={("A", crit("D")): D(8), ("B", crit("D")): D(6)},
    )
    assert compute_results(data).provisional


def test_normalisation_with_nobody_above_zero_gives_everyone_zero():
    results = scored(True, {"A": 0, "B": 0})
    assert [results.tender(t).total for t in "AB"] == [0, 0]


# Rules 3 and 4: price, totals and the ranking


def priced_example():
    # Ytelse 60 %, Pris 40 % proportional. C is rejected and cheapest.
    # Pb = 100 (A), not 80 (C).
    # A: 0.6·8 + 0.4·(10·100/100 = 10)  = 4.8 + 4.0 = 8.8
    # B: 0.6·9 + 0.4·(10·100/125 = 8)   = 5.4 + 3.2 = 8.6
    # C: 0.6·7 + 0.4·(10·100/80 = 12.5) = 4.2 + 5.0 = 9.2, not ranked
    criteria = [
        Criterion("Q", "Ytelse", D("0.6"), method="direct"),
        price(),
    ]
    data = EvaluationData(
        criteria,
        tenders("A", "B", "C", rejected={"C"}, prices={"A": 100, "B": 125, "C": 80}),
        consensus={
            ("A", crit("Q")): D(8),
            ("B", crit("Q")): D(9),
            ("C", crit("Q")): D(7),
        },
    )
    return compute_results(data)


def test_the_totals_add_weighted_points():
    results = priced_example()
    assert [results.tender(t).total for t in "ABC"] == [
        D("8.8"),
        D("8.6"),
        D("9.2"),
    ]
    assert results.tender("B").criteria["P"].weighted == D("3.2")
    assert results.tender("B").price_points == D(8)


def test_a_rejected_tender_is_shown_but_not_ranked_and_does_not_set_pb():
    results = priced_example()
    assert results.lowest_price == D(100)
    assert results.tender("C").rank is None
    assert results.tender("C").price_points == D("12.5")
    assert results.ranking == ("A", "B")
    assert [results.tender(t).rank for t in "AB"] == [1, 2]
    assert results.winner == "A"


def test_it_ranks_equal_totals_together():
    results = scored(False, {"A": 9, "B": 7, "C": 7, "D": 5})
    assert [results.tender(t).rank for t in "ABCD"] == [1, 2, 2, 4]


def test_a_shared_first_place_has_no_single_winner():
    results = scored(False, {"A": 8, "B": 8, "C": 6})
    assert [results.tender(t).rank for t in "ABC"] == [1, 1, 3]
    assert results.winners == ("A", "B")
    assert results.winner is None


def test_totals_equal_in_exact_arithmetic_share_a_rank():
    # Worked by hand: Kvalitet 60 % normalised over seven requirements, Pris
    # 40 % proportional, prices 120 / 150 / 120. Score sums A 35, B 45, C 39.
    #   B: 0.6 · 10 + 0.4 · 10 · 120/150 = 6 + 3.2          = 9.2
    #   C: 0.6 · 10 · 39/45 + 0.4 · 10   = 5.2 + 4          = 9.2
    #   A: 0.6 · 10 · 35/45 + 0.4 · 10   = 4.666… + 4       = 8.666…
    # In 40-digit arithmetic C comes out as 9.1999…9; it still ties with B.
    criteria = [
        Criterion(
            "Q",
            "Kvalitet",
            D("0.6"),
            requirement_weights=dict.fromkeys(range(7), 1),
            normalise=True,
        ),
        price("0.4"),
    ]
    scores = {"A": [5] * 7, "B": [9, 9, 9, 9, 9, 0, 0], "C": [6] * 6 + [3]}
    data = EvaluationData(
        criteria,
        tenders("A", "B", "C", prices={"A": 120, "B": 150, "C": 120}),
        consensus={
            (t, req_item(i)): D(v) for t, vs in scores.items() for i, v in enumerate(vs)
        },
    )
    results = compute_results(data)
    assert [display_points(results.tender(t).total) for t in "ABC"] == [
        D("8.67"),
        D("9.20"),
        D("9.20"),
    ]
    assert [results.tender(t).rank for t in "ABC"] == [3, 1, 1]
    assert results.winner is None
    assert results.winners == ("B", "C")


def test_totals_that_differ_in_the_last_places_that_matter_do_not_tie():
    from evaluation.results import competition_ranks

    values = {"A": D("7.000000000000000000000000001"), "B": D("7")}
    assert competition_ranks(values, highest_first=True)[1] == {"A": 1, "B": 2}
    values = {"A": D("7.000000000000000000000000000000000001"), "B": D("7")}
    assert competition_ranks(values, highest_first=True)[1] == {"A": 1, "B": 1}


def test_effective_weights_multiply_down_the_tree():
    # Kvalitet 70 % split 50/50 → 35 % each; Pris 30 %
    criteria = [
        Criterion("K", "Kvalitet", D("0.7")),
        direct("K1", "0.5", parent_id="K"),
        direct("K2", "0.5", parent_id="K"),
        price("0.3"),
    ]
    data = EvaluationData(
        criteria,
        tenders("A", prices={"A": 100}),
        consensus={("A", crit("K1")): D(6), ("A", crit("K2")): D(8)},
    )
    results = compute_results(data)
    assert results.effective_weights == {
        "K": D("0.7"),
        "K1": D("0.35"),
        "K2": D("0.35"),
        "P": D("0.3"),
    }
    assert results.leaf_ids == ("K1", "K2", "P")
    # 0.35·6 + 0.35·8 + 0.3·10 = 2.1 + 2.8 + 3.0 = 7.9
    assert results.tender("A").total == D("7.9")


def test_a_tender_without_a_price_gets_no_price_points_and_is_provisional():
    data = EvaluationData(
        [Criterion("Q", "Ytelse", D("0.6"), method="direct"), price()],
        tenders("A", "B", prices={"A": 100}),
        consensus={("A", crit("Q")): D(5), ("B", crit("Q")): D(5)},
    )
    result = compute_results(data).tender("B")
    assert result.criteria["P"].points == 0
    assert Reason("missing_price") in result.reasons
    assert result.provisional


# Rule 5: quality priced in money


def money_example(**extra):
    # Ytelse 50 %, Risiko 20 %, Pris 30 % (not used by the money model); M = 10.
    # A: Pe 1000, Σ W·P/M = 0.5·8/10 + 0.2·5/10 = 0.5  → E = 1000·0.5  = 500
    # B: Pe  800,           0.5·5/10 + 0.2·5/10 = 0.35 → E =  800·0.65 = 520
    # C: Pe  900,           0.5·6/10 + 0.2·10/10 = 0.5 → E =  900·0.5  = 450
    scores = {"A": (8, 5), "B": (5, 5), "C": (6, 10), "D": (10, 10)}
    consensus = {}
    for t, (q, r) in scores.items():
        consensus[(t, crit("Q"))] = D(q)
        consensus[(t, crit("R"))] = D(r)
    criteria = [
        direct("Q", "0.5"),
        direct("R", "0.2", kind="risk"),
        price("0.3"),
    ]
    prices = {"A": D(1000), "B": D(800), "C": D(900)}
    return EvaluationData(
        criteria,
        tenders("A", "B", "C", "D", prices=prices),
        consensus=consensus,
        award_model="money",
        **extra,
    )


def test_the_money_model_discounts_the_price_by_quality():
    results = compute_results(money_example())
    assert [results.tender(t).money_value for t in "ABC"] == [500, 520, 450]


def test_the_money_model_ranks_the_lowest_evaluated_price_first():
    results = compute_results(money_example())
    assert results.ranking == ("C", "A", "B")
    assert [results.tender(t).rank for t in "CAB"] == [1, 2, 3]
    assert results.winner == "C"


def test_the_money_model_cannot_rank_a_tender_without_a_price():
    results = compute_results(money_example())
    assert results.tender("D").money_value is None
    assert results.tender("D").rank is None
    assert Reason("missing_price") in results.tender("D").reasons


def test_the_money_model_ignores_the_price_criterion():
    # Logarithmic price points instead of proportional: E stays the same.
    data = money_example()
    criteria = [*data.criteria[:2], price("0.3", "logarithmic", price_params={"a": 2})]
    changed = EvaluationData(
        criteria, data.tenders, consensus=data.consensus, award_model="money"
    )
    results = compute_results(changed)
    assert [results.tender(t).money_value for t in "ABC"] == [500, 520, 450]


# Rule 6: spreads


def spread_data(aggregates, threshold="0.3", scale=10):
    criteria = [quality(scale_max=scale)]
    return EvaluationData(
        criteria,
        tenders("A", "B"),
        individual=aggregates,
        disagreement_threshold=D(threshold),
    )


def test_a_spread_of_exactly_the_threshold_is_flagged():
    # (7 − 4)/10 = 0.3 ≥ 0.3 → flagged; (6.9 − 4)/10 = 0.29 → not
    data = spread_data(
        {
            ("A", R1): Aggregate(3, D(17), D(4), D(7)),
            ("B", R1): Aggregate(2, D("10.9"), D(4), D("6.9")),
        }
    )
    spreads = {s.tender_id: s for s in compute_results(data).spreads}
    assert spreads["A"].spread == D("0.3")
    assert spreads["A"].flagged
    assert spreads["B"].spread == D("0.29")
    assert not spreads["B"].flagged


def test_the_spread_threshold_is_configurable():
    data = spread_data({("A", R1): Aggregate(2, D(11), D(4), D(7))}, threshold="0.5")
    (spread,) = compute_results(data).spreads
    assert not spread.flagged


def test_the_spread_uses_the_criterion_scale():
    # M = 5: (3.5 − 2)/5 = 0.3
    data = spread_data({("A", R1): Aggregate(2, D("5.5"), D(2), D("3.5"))}, scale=5)
    (spread,) = compute_results(data).spreads
    assert spread.spread == D("0.3")
    assert spread.flagged
    assert spread.item == R1


def test_a_single_score_has_no_spread():
    data = spread_data({("A", R1): Aggregate(1, D(7), D(7), D(7))})
    assert compute_results(data).spreads == ()


# Building from raw rows


def test_raw_score_rows_aggregate_like_the_database_would():
    rows = [
        IndividualScore("e1", "A", R1, D(6)),
        IndividualScore("e2", "A", R1, D(9)),
        IndividualScore("e1", "A", R2, D(2)),
    ]
    data = EvaluationData.from_rows([quality()], tenders("A"), rows)
    assert data.individual[("A", R1)] == Aggregate(2, D(15), D(6), D(9))
    # e1's own criterion score: (3·6 + 1·2)/4 = 5; e2 only scored r1: 9
    assert data.evaluator_criterion_scores[("e1", "Q", "A")] == D(5)
    assert data.evaluator_criterion_scores[("e2", "Q", "A")] == D(9)
    # Rule 1 on the means: (3·7.5 + 1·2)/4 = 24.5/4 = 6.125
    assert compute_results(data).tender("A").total == D("6.125")


# Plain data out


def test_results_serialise_to_json_with_decimals_as_strings():
    plain = priced_example().to_dict()
    text = json.dumps(plain, ensure_ascii=False)
    assert plain["tenders"][0]["total"] == "8.8"
    assert plain["tenders"][0]["criteria"]["P"]["points"] == "10"
    assert plain["award_model"] == "points"
    assert "Leverandør A" in text


def test_display_rounding_is_half_up_and_only_for_display():
    assert display_points(D("7.345")) == D("7.35")
    assert display_points(D("7.3449999")) == D("7.34")
    assert display_price(D("1234567.5")) == D(1234568)
    assert display_percent(D("0.123456")) == D("12.35")
    assert display_points(None) is None


def test_floats_are_refused_because_they_are_not_exact():
    with pytest.raises(TypeError):
        Criterion("Q", "Ytelse", 0.6)
    with pytest.raises(TypeError):
        Tender("A", "A", evaluated_price=100.0)


def test_ids_must_be_unique():
    with pytest.raises(ValueError):
        EvaluationData([quality(), quality()], tenders("A"))


def test_the_engine_imports_no_django():
    code = (
        "import sys, evaluation.results; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


def test_spreads_come_in_tender_then_requirement_order_whatever_the_input_order():
    data = spread_data(
        {
            ("B", R1): Aggregate(2, D(10), D(5), D(5)),
            ("A", R2): Aggregate(2, D(10), D(1), D(9)),
            ("A", R1): Aggregate(2, D(10), D(2), D(8)),
        }
    )
    results = compute_results(data)
    assert [(s.tender_id, s.item) for s in results.spreads] == [
        ("A", R1),
        ("A", R2),
        ("B", R1),
    ]
    assert [(s.tender_id, s.item) for s in results.flagged_spreads] == [
        ("A", R1),
        ("A", R2),
    ]


def test_results_json_carries_flagged_spreads_unless_asked_otherwise():
    data = spread_data(
        {
            ("A", R1): Aggregate(2, D(10), D(2), D(8)),
            ("B", R1): Aggregate(2, D(10), D(5), D(5)),
        }
    )
    results = compute_results(data)
    assert [s["tender_id"] for s in results.to_dict()["spreads"]] == ["A"]
    assert len(results.to_dict(spreads="all")["spreads"]) == 2
    assert results.to_dict(spreads="none")["spreads"] == []
    assert results.to_dict()["spreads"][0]["item"] == "req:r1"
