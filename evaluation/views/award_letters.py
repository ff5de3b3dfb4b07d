"""Award letters: the page listing one letter per vendor, each letter as a
PDF and all of them as one .zip.

Access: strangers to the procurement get 404; everyone but the lead and (once
the results are released or the evaluation locked) management gets 403.
Letters are final decisions: while they cannot be written (evaluation not
locked, provisional results, no single winner) the page says why and the
downloads answer 409 with the same reasons. Every download is recorded.
"""

from __future__ import annotations

import zipfile

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from evaluation import access
from evaluation.models import Evaluation
from evaluation.reports.award_letters import (
    AwardLetterSet,
    LetterKind,
    award_letter_set,
    render_award_letter_pdf,
)
from procurement.views.downloads import report_file_response

PDF = "application/pdf"


def _evaluation(request: HttpRequest, pk: int, evaluation_pk: int) -> Evaluation:
    evaluation = access.get_evaluation_for_user(request.user, pk, evaluation_pk)
    if not access.may_download_evaluation_reports(request.user, evaluation):
        raise PermissionDenied
    return evaluation


def _page(
    request: HttpRequest, letter_set: AwardLetterSet, *, status: int = 200
) -> HttpResponse:
    evaluation = letter_set.evaluation
    procurement = evaluation.procurement
    names = letter_set.filenames()
    rows = [
        {
            "vendor": letter.vendor,
            "kind": letter.kind,
            "award": letter.kind is LetterKind.AWARD,
            "excluded": letter.kind is LetterKind.EXCLUDED,
            "rank": letter.rank,
            "filename": names[letter.tender_id],
            "url": reverse(
                "evaluation:award-letter",
                kwargs={
                    "pk": procurement.pk,
                    "evaluation_pk": evaluation.pk,
                    "tender_pk": letter.tender_id,
                },
            ),
        }
        for letter in sorted(
            letter_set.letters,
            key=lambda x: (x.rank is None, x.rank or 0, x.vendor),
        )
    ]
    return render(
        request,
        "evaluation/award_letters.html",
        {
            "procurement": procurement,
            "evaluation": evaluation,
            "letter_set": letter_set,
            "rows": rows,
            "winner": letter_set.letters[0].winner if letter_set.letters else "",
            **access.evaluation_tabs(request.user, evaluation),
        },
        status=status,
    )


@require_safe
def award_letters(request: HttpRequest, pk: int, evaluation_pk: int) -> HttpResponse:
    """The letters per vendor with their download links, or why there are none."""
    evaluation = _evaluation(request, pk, evaluation_pk)
    return _page(request, award_letter_set(evaluation, user=request.user))


@require_safe
def award_letter(
    request: HttpRequest, pk: int, evaluation_pk: int, tender_pk: int
) -> HttpResponse:
    """One vendor's letter as a PDF."""
    evaluation = _evaluation(request, pk, evaluation_pk)
    letter_set = award_letter_set(evaluation, user=request.user, tender_id=tender_pk)
    if letter_set.refusals:
        return _page(request, letter_set, status=409)
    letter = letter_set.letter(tender_pk)
    if letter is None:
        raise Http404
    return report_file_response(
        request,
        procurement=evaluation.procurement,
        filename=letter_set.filenames()[letter.tender_id],
        content_type=PDF,
        write=lambda handle: render_award_letter_pdf(evaluation, letter, handle),
        report="award-letter",
        label=letter.vendor,
    )


@require_safe
def award_letters_zip(
    request: HttpRequest, pk: int, evaluation_pk: int
) -> HttpResponse:
    """Every vendor's letter in one .zip."""
    evaluation = _evaluation(request, pk, evaluation_pk)
    letter_set = award_letter_set(evaluation, user=request.user)
    if letter_set.refusals:
        return _page(request, letter_set, status=409)
    reference = slugify(evaluation.procurement.reference) or "kravspor"
    filename = (
        f"{reference}-{evaluation.round.number}-{slugify(_('award letters'))}.zip"
    )
    names = letter_set.filenames()

    def write(handle) -> None:
        with zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as archive:
            for letter in letter_set.letters:
                with archive.open(names[letter.tender_id], "w") as member:
                    render_award_letter_pdf(evaluation, letter, member)

    return report_file_response(
        request,
        procurement=evaluation.procurement,
        filename=filename,
        content_type="application/zip",
        write=write,
        report="award-letters-zip",
        label=str(evaluation.round),
    )


urlpatterns = [
    # /procurements/<pk>/evaluations/<evaluation_pk>/reports/award-letters/…
    path(
        "evaluations/<int:evaluation_pk>/reports/award-letters/",
        award_letters,
        name="award-letters",
    ),
    path(
        "evaluations/<int:evaluation_pk>/reports/award-letters.zip",
        award_letters_zip,
        name="award-letters-zip",
    ),
    path(
        "evaluations/<int:evaluation_pk>/reports/award-letters/<int:tender_pk>.pdf",
        award_letter,
        name="award-letter",
    ),
]
