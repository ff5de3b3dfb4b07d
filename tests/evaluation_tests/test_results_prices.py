"""Price formulas (rule 3) and the price basket, worked by hand."""

from decimal import Decimal as D

import pytest

from evaluation.results import evaluated_price, price_points

M = D(10)


def test_linear_gives_the_lowest_price_full_points():
    assert price_points("linear", D(100), D(100), M) == M


def test_linear_takes_points_in_proportion_to_the_excess():
    # 10 − 10·(125 − 100)/100 = 10 − 2.5 = 7.5
    assert price_points("linear", D(125), D(100), M) == D("7.5")


def test_linear_goes_below_zero_beyond_twice_the_lowest_price():
    # 10 − 10·(250 − 100)/100 = 10 − 15 = −5
    assert price_points("linear", D(250), D(100), M) == D(-5)


def test_linear_with_floor_stops_at_zero():
    assert price_points("linear_floor", D(250), D(100), M) == 0
    # Above the floor it is the plain linear formula: 10 − 10·50/100 = 5
    assert price_points("linear_floor", D(150), D(100), M) == D(5)


def test_proportional_divides_the_lowest_price_by_the_tenders():
    # 10·100/125 = 8
    assert price_points("proportional", D(125), D(100), M) == D(8)
    assert price_points("proportional", D(100), D(100), M) == M


def test_buyers_range_is_linear_between_pmin_and_pmax():
    # 10·(200 − 150)/(200 − 100) = 5; the lowest price plays no part
    assert price_points("range", D(150), None, M, pmin=D(100), pmax=D(200)) == 5


def test_buyers_range_is_clipped_to_the_scale():
    # Below pmin: 10·(200 − 90)/100 = 11 → 10; above pmax: 10·(−50)/100 → 0
    assert price_points("range", D(90), None, M, pmin=D(100), pmax=D(200)) == M
    assert price_points("range", D(250), None, M, pmin=D(100), pmax=D(200)) == 0


def test_buyers_range_needs_pmin_below_pmax():
    with pytest.raises(ValueError):
        price_points("range", D(150), None, M, pmin=D(100))
    with pytest.raises(ValueError):
        price_points("range", D(150), None, M, pmin=D(200), pmax=D(200))


def test_logarithmic_gives_full_points_to_the_lowest_price():
    # ln(1) = 0 → 10·(1 − 0) = 10
    assert price_points("logarithmic", D(100), D(100), M, a=D(2)) == M


def test_logarithmic_gives_zero_at_a_times_the_lowest_price():
    # ln(2)/ln(2) = 1 → 10·(1 − 1) = 0
    assert price_points("logarithmic", D(200), D(100), M, a=D(2)) == 0


def test_logarithmic_halves_at_the_square_root_of_a():
    # A = 4, Pe = 2·Pb: ln 2 / ln 4 = 1/2 → 10·(1 − 1/2) = 5
    points = price_points("logarithmic", D(200), D(100), M, a=D(4))
    assert abs(points - 5) < D("1e-35")


def test_logarithmic_is_floored_at_zero():
    # Pe = 4·Pb with A = 2: 10·(1 − 2) = −10 → 0
    assert price_points("logarithmic", D(400), D(100), M, a=D(2)) == 0


def test_logarithmic_needs_a_multiple_above_one():
    with pytest.raises(ValueError):
        price_points("logarithmic", D(200), D(100), M, a=D(1))
    with pytest.raises(ValueError):
        price_points("logarithmic", D(200), D(100), M)


def test_a_price_must_be_positive_and_exact():
    with pytest.raises(ValueError):
        price_points("linear", D(0), D(100), M)
    with pytest.raises(ValueError):
        price_points("proportional", D(100), None, M)
    with pytest.raises(TypeError):
        price_points("linear", 125.0, D(100), M)
    with pytest.raises(ValueError):
        price_points("cheapest", D(100), D(100), M)


def test_the_price_basket_sums_quantity_times_unit_price():
    # 3 × 100.50 + 2 × 1000 = 301.50 + 2000 = 2301.50
    assert evaluated_price([(3, D("100.50")), (2, D(1000))]) == D("2301.50")


def test_the_price_basket_reads_price_line_objects():
    class Line:
        def __init__(self, quantity, unit_price):
            self.quantity, self.unit_price = quantity, unit_price

    # 12 × 250 000 + 1 × 1 500 000 = 4 500 000
    lines = [Line(12, D(250_000)), Line(1, D(1_500_000))]
    assert evaluated_price(lines) == D(4_500_000)
    assert evaluated_price([]) == 0
