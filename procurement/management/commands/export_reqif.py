"""Export a procurement's requirement specification (or a baseline) as ReqIF."""

import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from procurement.models import Procurement
from procurement.spec_reqif import write_reqif


class Command(BaseCommand):
    help = (
        "Write a procurement's requirement specification, or one of its baselines, "
        "as a ReqIF 1.2 file that other requirements tools (and Kravspor) import."
    )

    def add_arguments(self, parser):
        parser.add_argument("procurement", help="The procurement's reference.")
        parser.add_argument(
            "-o", "--output", required=True, help="The .reqif file to write."
        )
        parser.add_argument(
            "--baseline", help="The label of a baseline to export instead of today's."
        )

    def handle(self, *args, procurement: str, output: str, baseline, **options):
        target = Procurement.objects.filter(reference=procurement).first()
        if target is None:
            raise CommandError(
                _("No procurement has the reference %(reference)s.")
                % {"reference": procurement}
            )
        chosen = None
        if baseline is not None:
            chosen = target.baselines.filter(label=baseline).first()
            if chosen is None:
                raise CommandError(
                    _("%(reference)s has no baseline labelled %(label)s.")
                    % {"reference": target.reference, "label": baseline}
                )
        path = Path(output)
        partial = path.with_name(path.name + ".part")
        try:
            with open(partial, "wb") as out:
                count = write_reqif(out, procurement=target, baseline=chosen)
            os.replace(partial, path)
        except OSError as exc:
            partial.unlink(missing_ok=True)
            raise CommandError(
                _("%(file)s cannot be written: %(error)s")
                % {"file": output, "error": exc.strerror}
            ) from exc
        self.stdout.write(
            self.style.SUCCESS(
                _("Wrote %(count)s requirements to %(file)s.")
                % {"count": count, "file": output}
            )
        )
