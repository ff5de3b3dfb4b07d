"""manage.py export_requirements and import_requirements."""

from __future__ import annotations

import importlib.util
import io
import shutil
import tempfile
from pathlib import Path
from unittest import skipUnless

from django.core.management import CommandError, call_command
from django.utils import translation
from openpyxl import load_workbook

from procurement.models import Requirement
from procurement.services.specification import baseline_publish, requirement_update
from tests.procurement_tests.test_spec_excel import SpecWorld

HAS_PDF = importlib.util.find_spec("procurement.spec_pdf") is not None


class CommandCase(SpecWorld):
    def setUp(self):
        super().setUp()
        self.folder = Path(tempfile.mkdtemp(prefix="kravspor-test-"))
        self.addCleanup(shutil.rmtree, self.folder, ignore_errors=True)

    def run_command(self, *args) -> str:
        out = io.StringIO()
        with translation.override("en"):
            call_command(*args, stdout=out, stderr=io.StringIO())
        return out.getvalue()

    def sheet_rows(self, path: Path) -> list[list]:
        sheet = load_workbook(path).active
        return [list(row) for row in sheet.iter_rows(values_only=True)]


class ExportCommandTests(CommandCase):
    def test_it_writes_the_specification_as_a_workbook(self):
        target = self.folder / "krav.xlsx"
        output = self.run_command("export_requirements", "HP-EPJ-2016", "-o", target)
        rows = self.sheet_rows(target)
        self.assertEqual(rows[0][0], "Key")
        self.assertEqual([row[0] for row in rows[1:]][0], self.structured.key)
        self.assertEqual(len(rows), 5)
        self.assertIn(str(target), output)

    def test_the_language_can_be_chosen(self):
        target = self.folder / "krav.xlsx"
        self.run_command(
            "export_requirements", "HP-EPJ-2016", "-o", target, "--language", "nb"
        )
        self.assertEqual(self.sheet_rows(target)[0][0], "Nøkkel")

    def test_it_exports_a_baseline_by_label(self):
        baseline_publish(by=self.staff, procurement=self.procurement, label="v1")
        requirement_update(by=self.staff, requirement=self.info, title="Senere")
        target = self.folder / "v1.xlsx"
        self.run_command(
            "export_requirements", "HP-EPJ-2016", "-o", target, "--baseline", "v1"
        )
        self.assertEqual(self.sheet_rows(target)[4][3], "Informasjon om dagens løsning")

    def test_wrong_arguments_are_clear_errors_and_write_nothing(self):
        cases = [
            ("HP-XXX", self.folder / "a.xlsx", []),
            ("HP-EPJ-2016", self.folder / "a.xlsx", ["--baseline", "ingen"]),
            ("HP-EPJ-2016", self.folder / "a.csv", []),
            ("HP-EPJ-2016", self.folder / "nope" / "a.xlsx", []),
        ]
        for reference, target, extra in cases:
            with self.subTest(target=target.name, extra=extra):
                with self.assertRaises(CommandError):
                    self.run_command(
                        "export_requirements", reference, "-o", target, *extra
                    )
        self.assertEqual(list(self.folder.iterdir()), [])

    @skipUnless(HAS_PDF, "procurement.spec_pdf (Bilag 1 as PDF) is not there yet")
    def test_a_pdf_file_name_writes_bilag_1(self):
        target = self.folder / "bilag1.pdf"
        self.run_command("export_requirements", "HP-EPJ-2016", "-o", target)
        self.assertTrue(target.read_bytes().startswith(b"%PDF"))


class ImportCommandTests(CommandCase):
    def write(self, data: bytes, name="krav.xlsx") -> Path:
        path = self.folder / name
        path.write_bytes(data)
        return path

    def test_an_unchanged_workbook_changes_nothing(self):
        path = self.write(self.export())
        history = Requirement.history.count()
        output = self.run_command("import_requirements", "HP-EPJ-2016", path)
        self.assertIn("No changes", output)
        self.assertEqual(Requirement.history.count(), history)

    def test_a_dry_run_prints_the_plan_and_changes_nothing(self):
        path = self.write(
            self.edited(self.export(), {(2, "Title"): "Fra kommandolinjen"})
        )
        output = self.run_command(
            "import_requirements", "HP-EPJ-2016", path, "--dry-run"
        )
        self.assertIn("1 to change", output)
        self.assertIn("«Strukturert journal» → «Fra kommandolinjen»", output)
        self.assertIn("Dry run", output)
        self.structured.refresh_from_db()
        self.assertEqual(self.structured.title, "Strukturert journal")

    def test_it_applies_the_plan_as_the_given_user(self):
        path = self.write(
            self.edited(
                self.export(),
                {
                    (2, "Title"): "Fra kommandolinjen",
                    (6, "Section number"): "1",
                    (6, "Title"): "Ny",
                    (6, "Kind"): "I",
                },
            )
        )
        output = self.run_command(
            "import_requirements", "HP-EPJ-2016", path, "--user", "staff"
        )
        self.assertIn("1 created, 1 changed", output)
        self.structured.refresh_from_db()
        self.assertEqual(self.structured.title, "Fra kommandolinjen")
        self.assertEqual(self.structured.history.first().history_user, self.staff)
        self.assertTrue(Requirement.objects.filter(key="FUNK-0003").exists())

    def test_row_errors_are_printed_and_exit_non_zero(self):
        path = self.write(
            self.edited(
                self.export(),
                {(2, "Title"): "Endret", (3, "Key"): self.structured.key},
            )
        )
        out = io.StringIO()
        with translation.override("en"), self.assertRaises(CommandError) as caught:
            call_command("import_requirements", "HP-EPJ-2016", path, stdout=out)
        self.assertIn("2 errors", str(caught.exception))
        self.assertIn("Row 3, Key (A): The key FUNK-0001", out.getvalue())
        self.structured.refresh_from_db()
        self.assertEqual(self.structured.title, "Strukturert journal")

    def test_a_broken_file_is_a_clear_error(self):
        path = self.write(b"this is no workbook", name="krav.xlsx")
        with self.assertRaises(CommandError) as caught:
            self.run_command("import_requirements", "HP-EPJ-2016", path)
        self.assertIn("krav.xlsx", str(caught.exception))

    def test_missing_files_users_and_procurements_are_clear_errors(self):
        path = self.write(self.export())
        cases = [
            ("HP-EPJ-2016", self.folder / "borte.xlsx", []),
            ("HP-XXX", path, []),
            ("HP-EPJ-2016", path, ["--user", "ingen"]),
        ]
        for reference, target, extra in cases:
            with self.subTest(target=target.name, extra=extra):
                with self.assertRaises(CommandError):
                    self.run_command("import_requirements", reference, target, *extra)
