"""Weights from pairwise comparison (AHP, rule 9)."""

from decimal import Decimal as D
from fractions import Fraction as F

import pytest

from evaluation.results import AHPMatrixError, ahp_weights, saaty_ri


def test_a_consistent_matrix_gives_the_weights_it_was_built_from():
    # a_ij = w_i/w_j for w = (0.5, 0.3, 0.2): λmax = 3, CI = CR = 0
    matrix = [
        [1, F(5, 3), F(5, 2)],
        [F(3, 5), 1, F(3, 2)],
        [F(2, 5), F(2, 3), 1],
    ]
    result = ahp_weights(matrix)
    for got, want in zip(result.weights, (D("0.5"), D("0.3"), D("0.2")), strict=True):
        assert abs(got - want) < D("1e-12")
    assert result.lambda_max == pytest.approx(3)
    assert result.cr == pytest.approx(0, abs=1e-12)
    assert not result.warning
    assert result.percent_weights() == (D("50.00"), D("30.00"), D("20.00"))


def test_saatys_example_is_acceptably_consistent():
    # The common textbook matrix (1, 3, 5 / 1/3, 1, 3 / 1/5, 1/3, 1):
    # w ≈ (0.637, 0.258, 0.105), λmax ≈ 3.039, CR ≈ 0.033
    result = ahp_weights([[1, 3, 5], [F(1, 3), 1, 3], [F(1, 5), F(1, 3), 1]])
    assert [float(x) for x in result.weights] == pytest.approx(
        [0.637, 0.258, 0.105], abs=5e-4
    )
    assert result.lambda_max == pytest.approx(3.039, abs=1e-3)
    assert result.cr == pytest.approx(0.033, abs=1e-3)
    assert not result.warning
    assert sum(result.percent_weights()) == 100


def test_an_inconsistent_matrix_is_warned_about():
    # A beats B 9:1, B beats C 9:1, C beats A 9:1: circular.
    # Circulant matrix: λmax = 1 + 9 + 1/9 = 10.111…, CI = 3.5556, CR = CI/0.58 ≈ 6.13
    nine, ninth = 9, F(1, 9)
    result = ahp_weights([[1, nine, ninth], [ninth, 1, nine], [nine, ninth, 1]])
    assert result.lambda_max == pytest.approx(10 + 1 / 9)
    assert result.cr == pytest.approx((7 + 1 / 9) / 2 / 0.58)
    assert result.warning
    assert [float(x) for x in result.weights] == pytest.approx([1 / 3] * 3)


def test_percent_weights_sum_to_exactly_one_hundred():
    # Equal thirds: 33.33 + 33.33 + 33.34
    result = ahp_weights([[1, 1, 1]] * 3)
    assert sum(result.percent_weights()) == D(100)
    assert sorted(result.percent_weights()) == [D("33.33"), D("33.33"), D("33.34")]


def test_saatys_random_index():
    expected = {3: 0.58, 4: 0.90, 5: 1.12, 6: 1.24, 7: 1.32, 8: 1.41, 9: 1.45}
    expected[10] = 1.51
    for n, ri in expected.items():
        assert saaty_ri(n) == ri
    assert saaty_ri(1) == saaty_ri(2) == 0


def test_two_criteria_are_always_consistent():
    result = ahp_weights([[1, 3], [F(1, 3), 1]])
    assert result.cr == 0
    assert result.percent_weights() == (D("75.00"), D("25.00"))


@pytest.mark.parametrize(
    ("matrix", "code", "where"),
    [
        ([], "empty", (None, None)),
        ([[1, 2], [0.5]], "not_square", (1, None)),
        ([[1, 0], [0, 1]], "not_positive", (0, 1)),
        ([[1, "x"], [1, 1]], "not_a_number", (0, 1)),
        ([[2, 1], [1, 1]], "diagonal", (0, 0)),
        ([[1, 3], [0.5, 1]], "not_reciprocal", (1, 0)),
        ([[1] * 11] * 11, "too_large", (None, None)),
    ],
)
def test_a_bad_matrix_is_refused_with_the_place(matrix, code, where):
    with pytest.raises(AHPMatrixError) as error:
        ahp_weights(matrix)
    assert error.value.code == code
    assert (error.value.row, error.value.column) == where
