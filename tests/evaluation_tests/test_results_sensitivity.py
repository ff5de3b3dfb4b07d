"""Sensitivity to the weights (rule 8), solved by hand."""

from decimal import Decimal as D

from evaluation.results import (
    CONTEXT,
    Criterion,
    EvaluationData,
    ItemKey,
    Tender,
    compute_results,
    sensitivity,
)


def direct(id, weight, low=None, high=None, parent=None, **kwargs):
    return Criterion(
        id,
        id,
        D(weight),
        method="direct",
        parent_id=parent,
        weight_min=None if low is None else D(low),
        weight_max=None if high is None else D(high),
        **kwargs,
    )


def run(criteria, scores, **options):
    consensus = {
        (t, ItemKey("crit", c)): D(v)
        for t, row in scores.items()
        for c, v in row.items()
    }
    tenders = [Tender(t, t, evaluated_price=options.pop(t, None)) for t in scores]
    data = EvaluationData(criteria, tenders, consensus=consensus, **options)
    results = compute_results(data)
    return results, sensitivity(data, results)


def two_by_two(q_range=("0.5", "0.7"), r_range=("0.3", "0.5")):
    # Q 60 %, R 40 %.
    # A: Q 9, R 5 → T = 5.4 + 2.0 = 7.4 (winner)
    # B: Q 6, R 9 → T = 3.6 + 3.6 = 7.2
    return run(
        [direct("Q", "0.6", *q_range), direct("R", "0.4", *r_range)],
        {"A": {"Q": 9, "R": 5}, "B": {"Q": 6, "R": 9}},
    )


def test_the_smallest_shift_that_changes_the_winner():
    # From Q to R: Δ = (7.4 − 7.2)/((9 − 5) − (6 − 9)) = 0.2/7 ≈ 2.857 pp.
    # Check: at Q 0.6 − Δ, R 0.4 + Δ, A = 7.4 − 4Δ and B = 7.2 + 3Δ meet.
    results, s = two_by_two()
    assert results.winner == "A"
    assert s.runner_up == "B"
    (shift,) = s.shifts
    assert (shift.source_id, shift.target_id, shift.challenger) == ("Q", "R", "B")
    assert shift.delta == CONTEXT.divide(D("0.2"), D(7))
    assert shift.percentage_points == CONTEXT.scaleb(shift.delta, 2)  # × 100
    assert shift.feasible
    assert s.smallest == s.smallest_feasible == shift


def test_shifting_towards_the_winners_strength_never_changes_the_order():
    # From R to Q: denominator (6 − 9) − (9 − 5) = −7 < 0 → no pair reported.
    _, s = two_by_two()
    assert not [x for x in s.shifts if x.source_id == "R"]


def test_the_declared_ranges_can_change_the_winner():
    # Worst case for A: Q at its lowest 0.5, R at 0.5.
    # A = 4.5 + 2.5 = 7.0, B = 3.0 + 4.5 = 7.5 → B wins by 0.5
    _, s = two_by_two()
    check = s.range_check
    assert check.feasible
    assert check.winner_changes
    assert check.challenger == "B"
    assert check.margin == D("0.5")
    assert check.weights == {"Q": D("0.5"), "R": D("0.5")}


def test_narrow_declared_ranges_keep_the_winner():
    # Q 58–62 %, R 38–42 %. Worst case Q 0.58, R 0.42:
    # A = 5.22 + 2.10 = 7.32, B = 3.48 + 3.78 = 7.26 → A stays ahead by 0.06
    _, s = two_by_two(("0.58", "0.62"), ("0.38", "0.42"))
    check = s.range_check
    assert not check.winner_changes
    assert not check.tie_possible
    assert check.margin == D("-0.06")
    assert check.weights == {"Q": D("0.58"), "R": D("0.42")}


def test_the_range_check_follows_the_tree_level_by_level():
    # Kvalitet 60 % (50–70) with K1, K2 at 50 % each (40–60); Pris 40 % (30–50).
    # Winner i: K1 5, K2 8, P 8 → T = 0.3·5 + 0.3·8 + 0.4·8 = 1.5 + 2.4 + 3.2 = 7.1
    # j:        K1 7, K2 7, P 7 → T = 2.1 + 2.1 + 2.8 = 7.0
    # Challenger's gains d = (K1 +2, K2 −1, P −1).
    # Inside Kvalitet: K1 0.6, K2 0.4 → 1.2 − 0.4 = 0.8 per unit of Kvalitet.
    # At the top: Kvalitet 0.7 (0.8 > −1), Pris 0.3 → 0.56 − 0.3 = 0.26 > 0.
    # Effective: K1 0.42, K2 0.28, P 0.3; i = 2.1 + 2.24 + 2.4 = 6.74 < 7.
    criteria = [
        direct("K", "0.6", "0.5", "0.7"),
        direct("K1", "0.5", "0.4", "0.6", parent="K"),
        direct("K2", "0.5", "0.4", "0.6", parent="K"),
        direct("P", "0.4", "0.3", "0.5"),
    ]
    results, s = run(
        criteria,
        {"i": {"K1": 5, "K2": 8, "P": 8}, "j": {"K1": 7, "K2": 7, "P": 7}},
    )
    assert results.winner == "i"
    check = s.range_check
    assert check.winner_changes
    assert check.margin == D("0.26")
    assert check.weights == {
        "K": D("0.7"),
        "K1": D("0.42"),
        "K2": D("0.28"),
        "P": D("0.3"),
    }


def test_ranges_that_cannot_sum_to_one_are_reported_not_solved():
    _, s = run(
        [direct("Q", "0.6", "0.6", "0.6"), direct("R", "0.4", "0.3", "0.35")],
        {"A": {"Q": 9, "R": 5}, "B": {"Q": 6, "R": 9}},
    )
    assert not s.range_check.feasible
    assert s.range_check.challenger is None


def test_a_shift_larger_than_the_source_weight_is_marked_infeasible():
    # Q 90 %, R 10 %. A: Q 6, R 10 → 5.4 + 1.0 = 6.4; B: Q 1, R 0 → 0.9.
    # Q → R: denominator (0 − 10) − (1 − 6) = −5 → none.
    # R → Q: Δ = 5.5/((1 − 6) − (0 − 10)) = 5.5/5 = 1.1 > W_R = 0.1
    _, s = run(
        [direct("Q", "0.9"), direct("R", "0.1")],
        {"A": {"Q": 6, "R": 10}, "B": {"Q": 1, "R": 0}},
    )
    (shift,) = s.shifts
    assert (shift.source_id, shift.delta) == ("R", D("1.1"))
    assert not shift.feasible
    assert s.smallest == shift
    assert s.smallest_feasible is None


def test_the_money_model_uses_the_same_shift_on_evaluated_prices():
    # Ytelse 50 %, Pris 50 % (no part in E), M = 10.
    # A: Pe 100, Q 10 → E = 100·(1 − 0.5) = 50 (winner); B: Pe 60, Q 0 → E = 60.
    # Moving Δ from Ytelse: E_A = 100·(1 − (0.5 − Δ)) = 50 + 100Δ = 60 at Δ = 0.1
    price = Criterion(
        "P", "Pris", D("0.5"), kind="price", method="price", price_model="linear"
    )
    results, s = run(
        [direct("Q", "0.5"), price],
        {"A": {"Q": 10}, "B": {"Q": 0}},
        award_model="money",
        A=D(100),
        B=D(60),
    )
    assert results.winner == "A"
    (shift,) = s.shifts
    assert (shift.source_id, shift.target_id, shift.delta) == ("Q", "P", D("0.1"))
    assert s.charts[0].values["A"][0] == D(100)


def test_chart_data_moves_one_weight_across_its_range():
    # Q from 0.5 to 0.7, R = 1 − Q:
    # A: 0.5·9 + 0.5·5 = 7.0 … 0.7·9 + 0.3·5 = 7.8
    # B: 0.5·6 + 0.5·9 = 7.5 … 0.7·6 + 0.3·9 = 6.9
    _, s = two_by_two()
    chart = next(c for c in s.charts if c.criterion_id == "Q")
    assert (chart.low, chart.high, chart.current) == (D("0.5"), D("0.7"), D("0.6"))
    assert len(chart.weights) == 11
    assert (chart.values["A"][0], chart.values["A"][-1]) == (D(7), D("7.8"))
    assert (chart.values["B"][0], chart.values["B"][-1]) == (D("7.5"), D("6.9"))
    assert chart.values["A"][5] == D("7.4")


def test_without_a_single_winner_there_is_nothing_to_test():
    _, s = run([direct("Q", "1")], {"A": {"Q": 8}, "B": {"Q": 8}})
    assert s.reason == "no_unique_winner"
    _, s = run([direct("Q", "1")], {"A": {"Q": 8}})
    assert s.reason == "no_challenger"


def test_sensitivity_serialises_to_plain_data():
    _, s = two_by_two()
    plain = s.to_dict()
    assert plain["smallest"]["source_id"] == "Q"
    assert plain["range_check"]["weights"] == {"Q": "0.5", "R": "0.5"}
