"""Kendall's W (rule 7), worked by hand."""

from decimal import Decimal as D

from evaluation.results import (
    CONTEXT,
    Criterion,
    EvaluationData,
    IndividualScore,
    ItemKey,
    Tender,
    average_ranks,
    compute_results,
    kendall_w,
)


def w(*rankings):
    outcome = kendall_w([[D(x) for x in r] for r in rankings])
    return None if outcome is None else outcome[0]


def test_perfect_agreement_gives_one():
    assert w([9, 7, 5, 3], [9, 7, 5, 3], [9, 7, 5, 3]) == 1


def test_reversed_rankings_of_two_evaluators_give_zero():
    # Ranks (1,2,3) and (3,2,1): rank sums 4, 4, 4 → S = 0
    assert w([3, 2, 1], [1, 2, 3]) == 0


def test_three_evaluators_four_tenders():
    # Ranks (1,2,3,4), (2,1,3,4), (1,3,2,4): sums 4, 6, 8, 12; mean k(n+1)/2 = 7.5
    # S = 3.5² + 1.5² + 0.5² + 4.5² = 12.25 + 2.25 + 0.25 + 20.25 = 35
    # W = 12·35/(3²·(4³ − 4)) = 420/540 = 7/9
    outcome = kendall_w(
        [
            [D(4), D(3), D(2), D(1)],
            [D(3), D(4), D(2), D(1)],
            [D(4), D(2), D(3), D(1)],
        ]
    )
    assert outcome[1] == 35
    assert outcome[0] == CONTEXT.divide(D(7), D(9))


def test_two_evaluators_match_the_spearman_identity():
    # Textbook identity for k = 2 without ties: W = (ρ + 1)/2.
    # Ranks (1,2,3,4,5) and (2,1,4,3,5): Σd² = 4, ρ = 1 − 6·4/(5·24) = 0.8 → W = 0.9
    # Directly: sums 3, 3, 7, 7, 10; mean 6; S = 9 + 9 + 1 + 1 + 16 = 36;
    # W = 12·36/(4·120) = 0.9
    assert w([5, 4, 3, 2, 1], [4, 5, 2, 3, 1]) == D("0.9")


def test_ties_share_the_average_rank_without_correction():
    assert average_ranks([D(8), D(8), D(5)]) == [D("1.5"), D("1.5"), D(3)]
    # Both give ranks (1.5, 1.5, 3): sums 3, 3, 6; mean 4; S = 1 + 1 + 4 = 6;
    # W = 12·6/(4·24) = 0.75 (tie correction would give 1)
    assert w([8, 8, 5], [8, 8, 5]) == D("0.75")


def test_w_needs_two_evaluators_and_two_tenders():
    assert w([1, 2, 3]) is None
    assert w([1], [2]) is None


def test_results_give_w_per_criterion_from_each_evaluators_own_scores():
    # Two requirements on Q; each evaluator's criterion score is their own
    # weighted mean. e3 has a conflict with C and never scored it: left out.
    criteria = [
        Criterion("Q", "Ytelse", D("0.5"), requirement_weights={"r1": 1, "r2": 1}),
        Criterion("D", "Risiko", D("0.5"), kind="risk", method="direct"),
    ]
    tenders = [Tender(t, t) for t in "ABC"]
    r1, r2, d = ItemKey("req", "r1"), ItemKey("req", "r2"), ItemKey("crit", "D")
    rows = []
    for evaluator, a, b, c in [("e1", 9, 6, 3), ("e2", 8, 7, 2), ("e3", 9, 5, None)]:
        for tender, value in zip("ABC", (a, b, c), strict=True):
            if value is not None:
                rows.append(IndividualScore(evaluator, tender, r1, D(value)))
                rows.append(IndividualScore(evaluator, tender, r2, D(value)))
                rows.append(IndividualScore(evaluator, tender, d, D(value)))
    data = EvaluationData.from_rows(criteria, tenders, rows)
    agreement = compute_results(data).agreement
    assert set(agreement) == {"Q", "D"}
    # e1 and e2 both rank A, B, C → W = 1
    assert agreement["Q"].w == 1
    assert agreement["Q"].evaluators == 2
    assert agreement["Q"].tenders == 3
    assert agreement["Q"].excluded_evaluators == 1
    assert agreement["D"].w == 1


def test_no_individual_scores_means_no_w():
    data = EvaluationData([Criterion("Q", "Ytelse", D(1), method="direct")], [])
    agreement = compute_results(data).agreement["Q"]
    assert agreement.w is None
    assert agreement.evaluators == 0
