"""Export a procurement's requirement specification as Excel or PDF."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from procurement.models import Baseline, Procurement
from procurement.spec_excel import write_specification_xlsx


def procurement_by_reference(reference: str) -> Procurement:
    try:
        return Procurement.objects.get(reference=reference)
    except Procurement.DoesNotExist as exc:
        raise CommandError(
            _("No procurement has the reference %(reference)s.")
            % {"reference": reference}
        ) from exc


class Command(BaseCommand):
    help = (
        "Export the requirement specification of a procurement (today, or a "
        "published baseline) as an Excel workbook (-o FILE.xlsx) or as Bilag 1 "
        "in PDF (-o FILE.pdf)."
    )

    def add_arguments(self, parser):
        parser.add_argument("reference", help="The procurement's reference.")
        parser.add_argument(
            "-o", "--output", required=True, help="FILE.xlsx or FILE.pdf"
        )
        parser.add_argument(
            "--baseline", metavar="LABEL", help="Export this baseline, not today."
        )
        parser.add_argument(
            "--language",
            choices=[code for code, _name in settings.LANGUAGES],
            help="Language of headers and labels (default: the site's).",
        )

    def handle(self, *args, reference, output, baseline, language, **options):
        with translation.override(language or translation.get_language()):
            self._export(reference, Path(output), baseline)

    def _export(self, reference: str, output: Path, label: str | None) -> None:
        procurement = procurement_by_reference(reference)
        baseline = None
        if label:
            baseline = Baseline.objects.filter(
                procurement=procurement, label=label
            ).first()
            if baseline is None:
                raise CommandError(
                    _("%(reference)s has no baseline labelled %(label)s.")
                    % {"reference": reference, "label": label}
                )
        suffix = output.suffix.lower()
        if suffix == ".pdf":
            # Imported here: the PDF writer pulls in reportlab, which the
            # Excel export does not need.
            from procurement.spec_pdf import write_specification_pdf

            def write(out):
                write_specification_pdf(procurement, out, baseline=baseline)
        elif suffix == ".xlsx":

            def write(out):
                write_specification_xlsx(procurement, out, baseline=baseline)
        else:
            raise CommandError(
                _("The output file must end in .xlsx or .pdf, not %(name)s.")
                % {"name": output.name}
            )
        if not output.parent.is_dir():
            raise CommandError(
                _("The folder %(folder)s does not exist.") % {"folder": output.parent}
            )
        # Written beside the target and moved into place at the end, so a
        # failed export never leaves half a file behind.
        handle, partial = tempfile.mkstemp(
            dir=output.parent, prefix=f".{output.name}.", suffix=".part"
        )
        try:
            with os.fdopen(handle, "wb") as out:
                write(out)
            os.replace(partial, output)
        except BaseException:
            Path(partial).unlink(missing_ok=True)
            raise
        what = baseline.label if baseline else _("today's specification")
        self.stdout.write(
            self.style.SUCCESS(
                _("Wrote %(what)s of %(reference)s to %(file)s.")
                % {"what": what, "reference": reference, "file": output}
            )
        )
