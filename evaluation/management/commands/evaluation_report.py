"""Write an evaluation's workbook (.xlsx) or report (PDF) to a file."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from evaluation.management.lookup import (
    add_evaluation_arguments,
    evaluation_for_command,
)
from procurement.services.reports import report_download_record

REPORTS = {
    "xlsx": ("evaluation-workbook", gettext_lazy("Evaluation workbook")),
    "pdf": ("evaluation-report", gettext_lazy("Evaluation report")),
}


class Command(BaseCommand):
    help = (
        "Write the evaluation workbook (--format xlsx) or the evaluation report "
        "(--format pdf) of a procurement's round to a file, from the same "
        "engine as the results page. It runs as an operator: while the round's "
        "price envelope is sealed, prices are left out. Progress goes to "
        "stderr (quiet with --verbosity 0); the download is recorded."
    )

    def add_arguments(self, parser):
        add_evaluation_arguments(parser)
        parser.add_argument(
            "--format", choices=sorted(REPORTS), required=True, help="xlsx or pdf."
        )
        parser.add_argument("-o", "--output", required=True, help="The file to write.")

    def handle(self, *args, procurement: str, round, format: str, output, **options):
        evaluation = evaluation_for_command(procurement, round)
        target = Path(output)
        if target.is_dir():
            raise CommandError(_("%(path)s is a folder.") % {"path": str(target)})
        if not target.parent.is_dir():
            raise CommandError(
                _("The folder %(path)s does not exist.") % {"path": str(target.parent)}
            )
        verbose = options["verbosity"] > 0
        started = time.perf_counter()

        def progress(message: str) -> None:
            if verbose:
                self.stderr.write(f"[{time.perf_counter() - started:6.1f} s] {message}")
                sys.stderr.flush()

        if format == "xlsx":
            from evaluation.reports.workbook import write_evaluation_workbook

            writer = write_evaluation_workbook
        else:
            from evaluation.reports.report_pdf import write_evaluation_report_pdf

            writer = write_evaluation_report_pdf
        # Written next to the target and moved into place when complete, so
        # an interrupted run never leaves half a file under the given name.
        partial = target.with_name(f".{target.name}.partial")
        try:
            writer(evaluation, str(partial), user=None, progress=progress)
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)
        code, label = REPORTS[format]
        report_download_record(
            user=None,
            report=code,
            procurement=evaluation.procurement,
            label=f"{label}, {evaluation.round}",
            filename=target.name,
        )
        if verbose:
            self.stdout.write(
                _("Wrote %(path)s (%(size)s kB) in %(seconds)s s.")
                % {
                    "path": str(target),
                    "size": f"{target.stat().st_size / 1024:.0f}",
                    "seconds": f"{time.perf_counter() - started:.1f}",
                }
            )
