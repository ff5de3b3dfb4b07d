"""Import a ReqIF file into a procurement's requirement specification."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from procurement.documents.safety import UploadProblem
from procurement.models import Procurement
from procurement.spec_reqif import PlanOutdated, apply_plan, parse_reqif, plan_import


class Command(BaseCommand):
    help = (
        "Import a .reqif or .reqifz file into a procurement's requirement "
        "specification: headings become sections, other objects requirements "
        "(matched by key, so existing ones are updated), relations links. All or "
        "nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("procurement", help="The procurement's reference.")
        parser.add_argument("file", help="The .reqif or .reqifz file.")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Show what the import would do; write nothing.",
        )

    def handle(self, *args, procurement: str, file: str, dry_run: bool, **options):
        target = Procurement.objects.filter(reference=procurement).first()
        if target is None:
            raise CommandError(
                _("No procurement has the reference %(reference)s.")
                % {"reference": procurement}
            )
        path = Path(file)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(
                _("%(file)s cannot be read: %(error)s")
                % {"file": file, "error": exc.strerror}
            ) from exc
        try:
            parsed = parse_reqif(data, name=path.name)
        except UploadProblem as problem:
            raise CommandError(problem.message) from problem
        plan = plan_import(target, parsed)
        self.stdout.write(plan.summary())
        for problem in plan.errors:
            self.stderr.write(self.style.ERROR(problem.message))
        for problem in plan.warnings:
            self.stdout.write(self.style.WARNING(problem.message))
        if plan.unmapped:
            self.stdout.write(
                _("Kept as other attributes: %(names)s")
                % {
                    "names": ", ".join(
                        f"{name} ({count})" for name, count in plan.unmapped
                    )
                }
            )
        if plan.errors:
            raise CommandError(
                _("Nothing was imported: the file has %(count)s errors.")
                % {"count": len(plan.errors)}
            )
        if dry_run:
            self.stdout.write(_("Dry run: nothing was written."))
            return
        try:
            result = apply_plan(plan, procurement=target, by=None)
        except PlanOutdated as exc:
            raise CommandError(
                _("The specification changed during the import; nothing was written.")
            ) from exc
        except ValidationError as exc:
            raise CommandError(
                _("Nothing was imported: %(problems)s")
                % {"problems": " ".join(exc.messages[:20])}
            ) from exc
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Imported %(file)s into %(reference)s: %(sections)s new sections, "
                    "%(created)s new requirements, %(changed)s changed, %(links)s new "
                    "links."
                )
                % {
                    "file": path.name,
                    "reference": target.reference,
                    "sections": result.sections,
                    "created": result.created,
                    "changed": result.changed,
                    "links": result.links,
                }
            )
        )
