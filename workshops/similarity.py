"""Text similarity for duplicate suggestions in triage. Pure functions over
plain strings (no ORM), tested without a database.

A text becomes a list of *terms*: lower-cased word tokens (letters of any
alphabet and digits), Norwegian stop words and the words every requirement
uses ("systemet skal …") dropped, and each word cut to a rough stem with a
light suffix list (after Snowball's Norwegian step 1), so "allergier",
"allergiene" and "allergi" meet. Two texts are compared by

- the cosine of their term sets (Otsuka–Ochiai), which rewards shared words,
  and
- the Jaccard index of their character trigrams, which catches spelling
  variants and Norwegian compounds ("legemiddelliste" / "legemidler");

the score is the mean of the two, from 0 (nothing shared) to 1 (same terms).

How suggestions stay fast at scale (50,000 inputs, 30,000 requirements) is the
selector's business (``workshops.selectors.triage.suggestions``): it asks the
database for a few hundred candidates that contain one of the input's rarest
terms (``prefilter_terms``) and scores only those here. We chose this over a
per-process token index because it needs no warm-up, no memory per worker and
can never serve a stale index after another worker's write.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

WORD_RE = re.compile(r"[^\W_]+", re.UNICODE)

# Norwegian (bokmål and nynorsk) function words, after the Snowball list.
STOP_WORDS = frozenset(
    """
    alle at av bare begge ble blei bli blir blitt både båe da de deg dei deim
    deira deires dem den denne der dere deres det dette di din disse ditt du
    dykk dykkar då eg ein eit eitt eller elles en enn er et ett etter for fordi
    fra før ha hadde han hans har hennar henne hennes her hjå ho hoe honom hoss
    hossen hun hva hvem hver hvilke hvilken hvis hvor hvordan hvorfor i ikke
    ikkje ingen ingi inkje inn inni ja jeg kan kom korleis korso kun kunne kva
    kvar kvarhelst kven kvi kvifor man mange me med medan meg meget mellom men
    mi min mine mitt mot mykje ned no noe noen noka noko nokon nokor nokre nå
    når og også om opp oss over på samme seg selv si sia sidan siden sin sine
    sitt sjøl skal skulle slik so som somme somt så sånn til um upp ut uten
    var vart varte ved vere verte vi vil ville vore vors vort vår være vært å
    bør må få
    """.split()
)

# Words nearly every requirement and input uses; they say nothing about which
# need a text is about.
DOMAIN_WORDS = frozenset(
    """
    system systemet systemer systemene løsning løsningen løsninger
    leverandør leverandøren funksjon funksjonalitet mulighet muligheten
    ønsker ønske behov bruker brukeren brukere brukerne
    """.split()
)

# Longest first; a suffix is only cut when at least MIN_STEM letters remain.
SUFFIXES = (
    "hetenes",
    "hetene",
    "hetens",
    "heten",
    "heter",
    "endes",
    "ande",
    "ende",
    "edes",
    "enes",
    "erte",
    "ede",
    "ane",
    "ene",
    "ens",
    "ers",
    "ets",
    "het",
    "ast",
    "ert",
    "en",
    "ar",
    "er",
    "as",
    "es",
    "et",
    "a",
    "e",
    "s",
)
MIN_STEM = 4
MIN_TERM = 3
# A prefilter term longer than this is cut: a compound's first part still
# finds its inflections and relatives in the database.
PREFILTER_TERM_MAX = 10


def stem(word: str) -> str:
    """A rough stem: the longest known suffix cut off, keeping MIN_STEM letters."""
    for suffix in SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= MIN_STEM:
            return word[: -len(suffix)]
    return word


def terms(text: str) -> list[str]:
    """The stemmed content words of ``text``, in order (repeats kept)."""
    text = unicodedata.normalize("NFKC", text or "").casefold()
    found = []
    for word in WORD_RE.findall(text):
        if word in STOP_WORDS or word in DOMAIN_WORDS or word.isdigit():
            continue
        if len(word) < MIN_TERM:
            continue
        found.append(stem(word))
    return found


def trigrams(term_list: Iterable[str]) -> frozenset[str]:
    """Character trigrams of each term, padded so word starts and ends count."""
    grams = set()
    for term in term_list:
        padded = f" {term} "
        grams.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return frozenset(grams)


@dataclass(frozen=True)
class Profile:
    """What a text is compared by; build it once per text."""

    terms: frozenset[str]
    grams: frozenset[str]


def profile(text: str) -> Profile:
    found = terms(text)
    return Profile(terms=frozenset(found), grams=trigrams(found))


def cosine(a: frozenset[str], b: frozenset[str]) -> float:
    """Cosine of two sets (Otsuka–Ochiai): shared / sqrt(|a|·|b|)."""
    if not a or not b:
        return 0.0
    return len(a & b) / math.sqrt(len(a) * len(b))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def similarity(a: Profile, b: Profile) -> float:
    """0 (nothing shared) to 1 (the same terms)."""
    return (cosine(a.terms, b.terms) + jaccard(a.grams, b.grams)) / 2


def prefilter_terms(text: str, *, limit: int = 4) -> list[str]:
    """The few terms of ``text`` most likely to be rare, for a database
    prefilter (``icontains``): the longest distinct stems, cut to
    PREFILTER_TERM_MAX letters. Long words are the rare ones in Norwegian
    (compounds); this needs no word statistics, so no index to keep fresh."""
    distinct = sorted(set(terms(text)), key=lambda term: (-len(term), term))
    chosen: list[str] = []
    for term in distinct:
        term = term[:PREFILTER_TERM_MAX]
        if len(term) < MIN_STEM or term in chosen:
            continue
        # This shorter term finds everything a longer one holding it would.
        chosen = [other for other in chosen if term not in other]
        chosen.append(term)
        if len(chosen) == limit:
            break
    return chosen


@dataclass(frozen=True)
class Match:
    key: object
    score: float


def rank(
    target: str,
    candidates: Sequence[tuple[object, str]],
    *,
    limit: int = 5,
    threshold: float = 0.2,
) -> list[Match]:
    """The ``limit`` candidates (key, text) most similar to ``target`` with a
    score of at least ``threshold``, best first; ties keep the given order."""
    wanted = profile(target)
    if not wanted.terms:
        return []
    scored = []
    for index, (key, text) in enumerate(candidates):
        score = similarity(wanted, profile(text))
        if score >= threshold:
            scored.append((-score, index, Match(key=key, score=score)))
    scored.sort(key=lambda item: (item[0], item[1]))
    return [match for _score, _index, match in scored[:limit]]
