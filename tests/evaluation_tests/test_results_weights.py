"""The weight and model checks that must pass before scoring can start."""

from decimal import Decimal as D

from evaluation.results import (
    Criterion,
    EvaluationData,
    Problem,
    check_model,
    check_weights,
    compute_results,
)


def c(id, weight, low=None, high=None, parent=None, **kwargs):
    kwargs.setdefault("method", "direct")
    return Criterion(
        id,
        id,
        D(weight),
        parent_id=parent,
        weight_min=None if low is None else D(low),
        weight_max=None if high is None else D(high),
        **kwargs,
    )


def codes(problems):
    return [(p.code, p.criterion_id) for p in problems]


def test_a_sound_tree_has_no_problems():
    criteria = [
        c("K", "0.7", "0.6", "0.8"),
        c("K1", "0.25", parent="K"),
        c("K2", "0.75", parent="K"),
        c("P", "0.3", "0.2", "0.4"),
    ]
    assert check_weights(criteria) == []
    assert check_model(criteria) == []


def test_top_level_weights_must_sum_to_exactly_one():
    problems = check_weights([c("A", "0.6"), c("B", "0.3")])
    assert problems == [Problem("level_sum", None, {"total": D("0.9")})]


def test_each_level_of_the_tree_is_checked():
    criteria = [
        c("K", "1"),
        c("K1", "0.5", parent="K"),
        c("K2", "0.6", parent="K"),
    ]
    assert check_weights(criteria) == [Problem("level_sum", "K", {"total": D("1.1")})]


def test_a_weight_outside_its_declared_range_is_named():
    problems = check_weights([c("A", "0.5", "0.2", "0.4"), c("B", "0.5", "0.5", "0.8")])
    assert problems == [
        Problem(
            "weight_outside_range",
            "A",
            {"weight": D("0.5"), "min": D("0.2"), "max": D("0.4")},
        )
    ]


def test_a_weight_inside_its_range_passes_at_the_edges():
    assert check_weights([c("A", "0.4", "0.3", "0.4"), c("B", "0.6", "0.6")]) == []


def test_ranges_that_cannot_reach_one_hundred_percent_are_reported():
    problems = check_weights(
        [c("A", "0.5", "0.45", "0.5"), c("B", "0.4", "0.35", "0.45")]
    )
    assert codes(problems) == [("level_sum", None), ("range_infeasible", None)]
    assert problems[1].params == {"lowest": D("0.80"), "highest": D("0.95")}


def test_inverted_or_impossible_ranges_and_weights():
    problems = check_weights([c("A", "1.2"), c("B", "0.3", "0.4", "0.2")])
    assert ("weight_invalid", "A") in codes(problems)
    assert ("range_invalid", "B") in codes(problems)


def test_a_broken_tree_is_reported():
    problems = check_weights(
        [
            c("A", "1"),
            c("X", "1", parent="Y"),
            c("Y", "1", parent="X"),
            c("Z", "1", parent="nope"),
        ]
    )
    assert ("unknown_parent", "Z") in codes(problems)
    assert ("cycle", "X") in codes(problems)
    assert ("cycle", "Y") in codes(problems)


def test_no_criteria_at_all():
    assert codes(check_weights([])) == [("no_criteria", None)]


def test_the_model_check_covers_methods_and_price_settings():
    criteria = [
        c("Q", "0.2", method="requirements"),
        c("Q2", "0.2", method="requirements", requirement_weights={"r1": 1}),
        c("Q3", "0.1", method="requirements", requirement_weights={"r1": 1}),
        c("P1", "0.1", method="price"),
        c("P2", "0.1", method="price", price_model="range", price_params={"pmin": 5}),
        c("P3", "0.1", method="price", price_model="logarithmic"),
        c(
            "P4",
            "0.1",
            method="price",
            price_model="logarithmic",
            price_params={"a": 3},
        ),
        c("S", "0.1", scale_max=0),
    ]
    assert codes(check_model(criteria)) == [
        ("requirement_mapped_twice", "Q3"),
        ("no_requirements", "Q"),
        ("price_model_missing", "P1"),
        ("price_params", "P2"),
        ("price_params", "P3"),
        ("scale_invalid", "S"),
    ]


def test_results_carry_the_model_problems():
    data = EvaluationData([c("A", "0.6"), c("B", "0.3")], [])
    assert codes(compute_results(data).problems) == [("level_sum", None)]
