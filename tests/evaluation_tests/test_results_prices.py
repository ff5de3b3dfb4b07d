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
