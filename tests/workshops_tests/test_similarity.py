"""The text similarity behind duplicate suggestions: pure, no database."""

from workshops.similarity import (
    PREFILTER_TERM_MAX,
    cosine,
    jaccard,
    prefilter_terms,
    profile,
    rank,
    similarity,
    stem,
    terms,
)


def test_terms_drop_stop_words_domain_words_numbers_and_short_words():
    assert terms("Systemet skal vise at pasienten har 2 allergier i 2017") == [
        "vise",
        "pasient",
        "allergi",
    ]


def test_inflections_meet_at_one_stem():
    assert stem("allergier") == stem("allergiene") == stem("allergi") == "allergi"
    assert stem("journalen") == stem("journal") == "journal"


def test_a_short_word_keeps_its_ending():
    assert stem("vise") == "vise"


def test_letters_of_any_alphabet_are_words_and_case_does_not_matter():
    assert terms("ØYEBLIKKELIG Hjelp") == terms("øyeblikkelig hjelp")


def test_identical_texts_score_one_and_unrelated_texts_zero():
    text = "Allergier skal vises øverst i pasientjournalen"
    assert similarity(profile(text), profile(text)) == 1.0
    assert similarity(profile(text), profile("Innlogging med smartkort")) == 0.0


def test_reworded_duplicates_score_higher_than_neighbours():
    target = profile("Allergier må vises tydelig øverst i pasientjournalen")
    reworded = profile("Pasientjournalen bør vise allergiene tydelig øverst")
    neighbour = profile("Pasientjournalen bør vise legemidler i bruk")
    assert similarity(target, reworded) > similarity(target, neighbour) > 0


def test_set_measures():
    a, b = frozenset("abc"), frozenset("bcd")
    assert cosine(a, b) == 2 / 3
    assert jaccard(a, b) == 2 / 4
    assert cosine(a, frozenset()) == jaccard(frozenset(), b) == 0.0


def test_prefilter_takes_the_longest_distinct_stems_cut_to_a_prefix():
    chosen = prefilter_terms(
        "Legemiddelhåndteringen på sengepost må støtte allergier og kurve",
        limit=3,
    )
    assert chosen == ["legemiddel", "sengepost", "allergi"]
    assert all(len(term) <= PREFILTER_TERM_MAX for term in chosen)


def test_prefilter_drops_a_term_that_a_shorter_one_inside_it_covers():
    assert prefilter_terms("journalsystem og journal", limit=4) == ["journal"]
    assert prefilter_terms("allergivarsel allergivarslene") == ["allergivar"]


def test_prefilter_of_text_without_content_words_is_empty():
    assert prefilter_terms("Det skal være slik, og så") == []


def test_rank_orders_by_score_applies_the_threshold_and_the_limit():
    candidates = [
        (1, "Innlogging med smartkort"),
        (2, "Allergier vises øverst"),
        (3, "Allergier skal vises øverst i journalen"),
        (4, "Allergier skal vises øverst i journalen"),
    ]
    found = rank("Allergier vises øverst i journalen", candidates, limit=2)
    assert [match.key for match in found] == [3, 4]
    assert found[0].score == found[1].score
    assert 1 not in [m.key for m in rank("Allergier", candidates, limit=10)]


def test_rank_of_an_empty_text_is_empty():
    assert rank("  og så  ", [(1, "og så")]) == []
