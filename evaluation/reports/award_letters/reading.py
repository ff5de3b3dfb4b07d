"""The award letters of one evaluation, read from the database: the numbers
through ``evaluation_results`` (the one calculation), the words from the
consensus scores, the requirements and the rejections."""

from __future__ import annotations

import datetime
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field

from django.utils import timezone

from evaluation import results as engine
from evaluation.models import AbsoluteCheck, ConsensusScore, Evaluation
from evaluation.reports.award_letters.content import (
    AwardLetter,
    Deviation,
    Rejection,
    build_award_letters,
    letter_filename,
    letter_refusals,
    standstill_end,
)
from evaluation.selectors.results import evaluation_results
from procurement.models import Requirement, Tender


class AwardLettersRefused(Exception):
    """Award letters cannot be written now; ``messages`` say why."""

    def __init__(self, messages: Sequence[str]):
        super().__init__(" ".join(messages))
        self.messages = list(messages)


@dataclass
class AwardLetterSet:
    """The letters of one evaluation as one user may have them, or the
    reasons they cannot be written (``refusals``); ``vendors`` lists every
    tender the evaluation covers, (tender id, vendor name)."""

    evaluation: Evaluation
    letter_date: datetime.date
    standstill_end: datetime.date
    vendors: list[tuple[Hashable, str]]
    refusals: list[str] = field(default_factory=list)
    letters: list[AwardLetter] = field(default_factory=list)

    def letter(self, tender_id: Hashable) -> AwardLetter | None:
        return next((x for x in self.letters if x.tender_id == tender_id), None)

    def filenames(self) -> dict[Hashable, str]:
        """A distinct file name per letter (a vendor name that slugifies like
        another's gets the tender's id added)."""
        reference = self.evaluation.procurement.reference
        number = self.evaluation.round.number
        names: dict[Hashable, str] = {}
        taken: set[str] = set()
        for letter in self.letters:
            base = letter_filename(reference, number, letter)[: -len(".pdf")]
            name, suffix = f"{base}.pdf", 1
            while name in taken:
                # A vendor whose name slugifies like another's, or like that
                # name with the tender's id added.
                extra = (
                    letter.tender_id if suffix == 1 else f"{letter.tender_id}-{suffix}"
                )
                name, suffix = f"{base}-{extra}.pdf", suffix + 1
            taken.add(name)
            names[letter.tender_id] = name
        return names


def _justifications(
    evaluation: Evaluation, tender_ids: Iterable[Hashable]
) -> dict[tuple[Hashable, engine.ItemKey], str]:
    rows = (
        ConsensusScore.objects.filter(
            evaluation=evaluation, tender_id__in=list(tender_ids)
        )
        .order_by()
        .values_list("tender_id", "requirement_id", "criterion_id", "justification")
    )
    return {
        (
            tender_id,
            engine.req_item(requirement_id)
            if requirement_id is not None
            else engine.crit_item(criterion_id),
        ): text
        for tender_id, requirement_id, criterion_id, text in rows
    }


def _item_labels(evaluation: Evaluation) -> dict[engine.ItemKey, str]:
    rows = Requirement.objects.filter(
        evaluation_mappings__evaluation=evaluation
    ).values_list("pk", "key", "title")
    return {engine.req_item(pk): f"{key} {title}" for pk, key, title in rows}


def _rejections(
    evaluation: Evaluation, tender_ids: Iterable[Hashable]
) -> dict[Hashable, Rejection]:
    ids = list(tender_ids)
    deviations: dict[Hashable, list[Deviation]] = {}
    for check in (
        AbsoluteCheck.objects.filter(
            evaluation=evaluation,
            tender_id__in=ids,
            fulfilled=False,
            substantial_deviation=True,
        )
        .select_related("requirement")
        .order_by("requirement__key")
    ):
        deviations.setdefault(check.tender_id, []).append(
            Deviation(
                requirement=f"{check.requirement.key} {check.requirement.title}",
                justification=check.justification,
            )
        )
    reasons = dict(
        Tender.objects.filter(pk__in=ids).values_list("pk", "rejection_reason")
    )
    return {
        pk: Rejection(
            reason=reasons.get(pk, ""), deviations=tuple(deviations.get(pk, ()))
        )
        for pk in ids
    }


def award_letter_set(
    evaluation: Evaluation,
    *,
    user=None,
    letter_date: datetime.date | None = None,
    tender_id: Hashable | None = None,
) -> AwardLetterSet:
    """The award letters of ``evaluation`` as ``user`` may read the results
    (``user=None``: an operator at the command line), dated ``letter_date``
    (default today), or only the letter to ``tender_id``. Refused letters come
    back as ``refusals`` with no letters."""
    letter_date = letter_date or timezone.localdate()
    data, results = evaluation_results(evaluation, user=user)
    letter_set = AwardLetterSet(
        evaluation=evaluation,
        letter_date=letter_date,
        standstill_end=standstill_end(letter_date, evaluation.standstill_days),
        vendors=[(t.tender_id, t.name) for t in results.tenders],
        refusals=letter_refusals(locked=evaluation.is_locked, results=results),
    )
    if letter_set.refusals:
        return letter_set
    if tender_id is None:
        wanted = [t.tender_id for t in results.tenders]
    else:
        wanted = [t.tender_id for t in results.tenders if t.tender_id == tender_id]
    if not wanted:
        return letter_set
    runner_up = next((t for t in results.ranking if t != results.winner), None)
    read = {results.winner, *wanted} | ({runner_up} if runner_up else set())
    excluded = [t.tender_id for t in results.tenders if t.rejected]
    letter_set.letters = build_award_letters(
        data,
        results,
        justifications=_justifications(evaluation, read),
        item_labels=_item_labels(evaluation),
        rejections=_rejections(evaluation, [t for t in excluded if t in wanted]),
        letter_date=letter_date,
        standstill_days=evaluation.standstill_days,
        tender_ids=wanted,
    )
    return letter_set
