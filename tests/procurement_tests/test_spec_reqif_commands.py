"""manage.py import_reqif and export_reqif."""

import tempfile
from decimal import Decimal
from io import StringIO
from pathlib import Path

from django.core.management import CommandError, call_command

from procurement.models import Requirement, RequirementLink, Section
from procurement.services import specification as spec
from tests.base import KravsporTestCase
from tests.procurement_tests.test_spec_reqif import SAMPLES, reqif_file

STUDIO = SAMPLES / "reqif_studio_anonymized_137objs.reqif"


class CommandCase(KravsporTestCase):
    def setUp(self):
        directory = tempfile.TemporaryDirectory()
        self.addCleanup(directory.cleanup)
        self.dir = Path(directory.name)

    def run_command(self, *args) -> str:
        out = StringIO()
        call_command(*args, stdout=out, stderr=StringIO())
        return out.getvalue()


class ImportReqIFCommandTests(CommandCase):
    def test_it_imports_a_file_into_the_procurement(self):
        self.run_command("import_reqif", "HP-EPJ-2016", str(STUDIO))
        self.assertEqual(
            Requirement.objects.filter(procurement=self.procurement).count(), 136
        )
        self.assertEqual(
            RequirementLink.objects.filter(
                source__procurement=self.procurement
            ).count(),
            14,
        )

    def test_a_dry_run_writes_nothing(self):
        output = self.run_command(
            "import_reqif", "HP-EPJ-2016", str(STUDIO), "--dry-run"
        )
        self.assertIn("136", output)
        self.assertFalse(Requirement.objects.exists())
        self.assertFalse(Section.objects.exists())

    def test_a_broken_file_is_an_error_and_writes_nothing(self):
        path = self.dir / "broken.reqif"
        path.write_bytes(reqif_file(spec_types=""))
        with self.assertRaisesMessage(CommandError, "SPEC-TYPES"):
            self.run_command("import_reqif", "HP-EPJ-2016", str(path))
        self.assertFalse(Requirement.objects.exists())

    def test_an_unknown_procurement_or_file_is_an_error(self):
        with self.assertRaisesMessage(CommandError, "NOPE"):
            self.run_command("import_reqif", "NOPE", str(STUDIO))
        with self.assertRaisesMessage(CommandError, "missing.reqif"):
            self.run_command(
                "import_reqif", "HP-EPJ-2016", str(self.dir / "missing.reqif")
            )


class ExportReqIFCommandTests(CommandCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        section = spec.section_save(
            by=cls.staff, procurement=cls.procurement, number="1", title="Journal"
        )
        cls.requirement = spec.requirement_create(
            by=cls.staff,
            procurement=cls.procurement,
            section=section,
            title="Felles journal",
            kind="V",
            weight=Decimal("5"),
        )

    def test_export_and_import_give_the_same_requirements(self):
        path = self.dir / "spec.reqif"
        self.run_command("export_reqif", "HP-EPJ-2016", "-o", str(path))
        self.run_command("import_reqif", "HP-LAB-2020", str(path))
        copy = Requirement.objects.get(procurement=self.foreign)
        self.assertEqual(
            (copy.key, copy.title, copy.kind, copy.weight, copy.section.title),
            (self.requirement.key, "Felles journal", "V", Decimal("5"), "Journal"),
        )

    def test_it_exports_a_baseline_by_its_label(self):
        spec.baseline_publish(by=self.staff, procurement=self.procurement, label="B1")
        spec.requirement_update(by=self.staff, requirement=self.requirement, title="Ny")
        path = self.dir / "b1.reqif"
        self.run_command(
            "export_reqif", "HP-EPJ-2016", "-o", str(path), "--baseline", "B1"
        )
        self.assertIn(b"Felles journal", path.read_bytes())

    def test_an_unknown_baseline_is_an_error_and_no_file_is_written(self):
        path = self.dir / "x.reqif"
        with self.assertRaisesMessage(CommandError, "B9"):
            self.run_command(
                "export_reqif", "HP-EPJ-2016", "-o", str(path), "--baseline", "B9"
            )
        self.assertFalse(path.exists())
