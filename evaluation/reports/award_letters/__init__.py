"""Award letters: one PDF per vendor once the evaluation is locked.

The winner gets a tildelingsbrev (award letter), every other ranked vendor an
avslag (their tender is not awarded the contract), and a vendor whose tender
was rejected an avslag that gives the reason for the rejection. Each letter
states the decision and the winner, the vendor's own and the winner's points
per criterion and totals (or evaluated prices in the money award model), the
reasons drawn from the panel's consensus justifications, and the end of the
standstill period (karensperiode).

- ``content``: pure. ``letter_refusals`` and ``build_award_letters`` take the
  engine's data and results, the consensus justifications, labels of the
  items and rejection reasons, and give plain ``AwardLetter`` records.
- ``reading``: ``award_letter_set`` reads one evaluation from the database
  (numbers only through ``evaluation_results``).
- ``pdf``: ``write_award_letter_pdf`` / ``render_award_letter_pdf`` draw a
  letter with ``procurement.documents.pdf``.

Letters are final decisions: they are refused while the evaluation is not
locked, while a tender's result is provisional (rejected tenders aside), and
while there is no single winner.
"""

from evaluation.reports.award_letters.content import (
    AwardLetter,
    CriterionReasons,
    Deviation,
    ItemReason,
    LetterKind,
    PointsLine,
    Rejection,
    build_award_letters,
    compare_items,
    letter_filename,
    letter_refusals,
    standstill_end,
)
from evaluation.reports.award_letters.pdf import (
    render_award_letter_pdf,
    write_award_letter_pdf,
)
from evaluation.reports.award_letters.reading import (
    AwardLetterSet,
    AwardLettersRefused,
    award_letter_set,
)

__all__ = [
    "AwardLetter",
    "AwardLetterSet",
    "AwardLettersRefused",
    "CriterionReasons",
    "Deviation",
    "ItemReason",
    "LetterKind",
    "PointsLine",
    "Rejection",
    "award_letter_set",
    "build_award_letters",
    "compare_items",
    "letter_filename",
    "letter_refusals",
    "render_award_letter_pdf",
    "standstill_end",
    "write_award_letter_pdf",
]
