"""Import an edited requirement workbook into a procurement's specification."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from procurement.documents.safety import UploadProblem
from procurement.management.commands.export_requirements import (
    procurement_by_reference,
)
from procurement.spec_excel import (
    PlanOutdated,
    apply_plan,
    parse_workbook,
    plan_import,
)


class Command(BaseCommand):
    help = (
        "Import an Excel workbook (as exported by export_requirements) into a "
        "procurement's specification: print what would be created and changed "
        "and every row error, then apply it all or nothing. Exits non-zero on "
        "errors, with nothing changed."
    )

    def add_arguments(self, parser):
        parser.add_argument("reference", help="The procurement's reference.")
        parser.add_argument("file", help="FILE.xlsx")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Print the plan and the errors; change nothing.",
        )
        parser.add_argument(
            "--user",
            metavar="USERNAME",
            help="Record the changes in the history as made by this user.",
        )
        parser.add_argument(
            "--language",
            choices=[code for code, _name in settings.LANGUAGES],
            help="Language of the report (default: the site's).",
        )

    def handle(self, *args, reference, file, dry_run, user, language, **options):
        with translation.override(language or translation.get_language()):
            self._import(reference, Path(file), dry_run=dry_run, username=user)

    def _import(
        self, reference: str, path: Path, *, dry_run: bool, username: str | None
    ) -> None:
        procurement = procurement_by_reference(reference)
        by = None
        if username:
            by = get_user_model().objects.filter(username=username).first()
            if by is None:
                raise CommandError(
                    _("No user is called %(name)s.") % {"name": username}
                )
        if not path.is_file():
            raise CommandError(_("There is no file %(file)s.") % {"file": path})
        try:
            with path.open("rb") as handle:
                sheet = parse_workbook(handle, name=path.name, size=path.stat().st_size)
        except UploadProblem as problem:
            raise CommandError(problem.message) from problem
        plan = plan_import(procurement, sheet)
        for line in plan.lines():
            self.stdout.write(line)
        if plan.errors:
            raise CommandError(
                _("%(count)s errors in %(file)s; nothing was imported.")
                % {"count": len(plan.errors), "file": path.name}
            )
        if dry_run:
            self.stdout.write(_("Dry run: nothing was changed."))
            return
        if not plan.has_changes:
            return
        try:
            result = apply_plan(plan, procurement=procurement, by=by)
        except PlanOutdated as exc:
            raise CommandError(
                _(
                    "The specification changed while the workbook was being "
                    "read; nothing was imported. Run the import again."
                )
            ) from exc
        self.stdout.write(
            self.style.SUCCESS(
                _("Imported %(name)s: %(created)s created, %(changed)s changed.")
                % {
                    "name": path.name,
                    "created": len(result.created),
                    "changed": len(result.changed),
                }
            )
        )
