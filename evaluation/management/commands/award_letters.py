"""Write the award letters of an evaluation, one PDF per vendor."""

from __future__ import annotations

import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from evaluation.management.lookup import (
    add_evaluation_arguments,
    evaluation_for_command,
)
from evaluation.reports.award_letters import award_letter_set, render_award_letter_pdf
from procurement.services.reports import report_download_record


class Command(BaseCommand):
    help = (
        "Write the award letters of a procurement's evaluation into a folder: "
        "an award letter to the winner and a rejection letter to every other "
        "vendor, one PDF each, from the same results as the results page. "
        "Refused until the evaluation is locked with a single winner and final "
        "results. Each letter written is recorded as a download by an operator."
    )

    def add_arguments(self, parser):
        add_evaluation_arguments(parser)
        parser.add_argument(
            "-o",
            "--output",
            required=True,
            help="The folder to write the letters to (made if missing).",
        )
        parser.add_argument(
            "--date",
            help="The date of the letters, YYYY-MM-DD (default: today). The "
            "standstill period ends the evaluation's number of days after it.",
        )

    def handle(self, *args, procurement: str, round, output: str, date, **options):
        letter_date = self._date(date)
        folder = Path(output)
        if folder.exists() and not folder.is_dir():
            raise CommandError(_("%(path)s is not a folder.") % {"path": str(folder)})
        evaluation = evaluation_for_command(procurement, round)
        letter_set = award_letter_set(evaluation, user=None, letter_date=letter_date)
        if letter_set.refusals:
            raise CommandError(
                _("The award letters cannot be written yet: %(reasons)s")
                % {"reasons": " ".join(letter_set.refusals)}
            )
        folder.mkdir(parents=True, exist_ok=True)
        verbose = options["verbosity"] > 0
        names = letter_set.filenames()
        total = len(letter_set.letters)
        for number, letter in enumerate(letter_set.letters, 1):
            path = folder / names[letter.tender_id]
            if verbose:
                self.stderr.write(
                    _("[%(number)s/%(total)s] %(vendor)s → %(file)s")
                    % {
                        "number": number,
                        "total": total,
                        "vendor": letter.vendor,
                        "file": path.name,
                    }
                )
            with path.open("wb") as handle:
                render_award_letter_pdf(evaluation, letter, handle)
            report_download_record(
                user=None,
                report="award-letter",
                procurement=evaluation.procurement,
                label=letter.vendor,
                filename=path.name,
            )
        if verbose:
            self.stdout.write(
                _(
                    "Wrote %(count)s award letters to %(folder)s; the standstill "
                    "period ends %(end)s."
                )
                % {
                    "count": total,
                    "folder": str(folder),
                    "end": letter_set.standstill_end.isoformat(),
                }
            )

    def _date(self, value: str | None) -> datetime.date | None:
        if value is None:
            return None
        try:
            return datetime.date.fromisoformat(value)
        except ValueError as exc:
            raise CommandError(
                _("%(value)s is not a date of the form YYYY-MM-DD.") % {"value": value}
            ) from exc
