"""The Excel download and the import pages (upload → preview → apply)."""

from __future__ import annotations

import io
import shutil
import tempfile
import zipfile
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.test import override_settings
from openpyxl import Workbook, load_workbook

from procurement.documents.xlsx import XLSX_CONTENT_TYPE
from procurement.models import Requirement
from procurement.services.specification import baseline_publish, requirement_update
from tests.procurement_tests.test_spec_excel import SpecWorld


class TempVarDirMixin:
    def setUp(self):
        super().setUp()
        self.var_dir = Path(tempfile.mkdtemp(prefix="kravspor-test-"))
        self.addCleanup(shutil.rmtree, self.var_dir, ignore_errors=True)
        settings = override_settings(VAR_DIR=self.var_dir)
        settings.enable()
        self.addCleanup(settings.disable)

    def pending_files(self) -> list[Path]:
        uploads = self.var_dir / "uploads"
        return sorted(uploads.iterdir()) if uploads.exists() else []


class ExportViewTests(TempVarDirMixin, SpecWorld):
    def url(self, procurement=None):
        return f"/procurements/{(procurement or self.procurement).pk}/spec/export.xlsx"

    def download(self, url=None) -> list[list]:
        response = self.client.get(url or self.url())
        self.assertEqual(response.status_code, 200)
        data = b"".join(response.streaming_content)
        sheet = load_workbook(io.BytesIO(data)).active
        return [list(row) for row in sheet.iter_rows(values_only=True)]

    def test_every_role_that_sees_the_procurement_can_download(self):
        for user in (self.staff, self.evaluator, self.lead, self.manager):
            with self.subTest(user=user.username):
                self.login(user)
                response = self.client.get(self.url())
                self.assertEqual(response.status_code, 200)
                self.assertEqual(response["Content-Type"], XLSX_CONTENT_TYPE)
                self.assertIn("attachment;", response["Content-Disposition"])
                self.assertIn("hp-epj-2016", response["Content-Disposition"])

    def test_the_workbook_has_every_requirement_under_a_translated_header(self):
        self.login(self.manager)
        rows = self.download()
        self.assertEqual(rows[0][0], "Nøkkel")
        self.assertEqual(len(rows), 5)
        self.client.cookies["django_language"] = "en"
        self.assertEqual(self.download()[0][0], "Key")

    def test_it_hides_from_outsiders(self):
        self.login(self.outsider)
        self.assertEqual(self.client.get(self.url()).status_code, 404)
        self.login(self.manager)
        self.assertEqual(self.client.get(self.url(self.foreign)).status_code, 404)

    def test_it_answers_head_and_rejects_post(self):
        self.login(self.staff)
        self.assertEqual(self.client.head(self.url()).status_code, 200)
        self.assertEqual(self.client.post(self.url()).status_code, 405)

    def test_a_baseline_can_be_downloaded(self):
        baseline = baseline_publish(
            by=self.staff, procurement=self.procurement, label="Bilag 1 v1"
        )
        requirement_update(by=self.staff, requirement=self.info, title="Senere")
        self.login(self.manager)
        rows = self.download(f"{self.url()}?baseline={baseline.pk}")
        self.assertEqual(rows[4][3], "Informasjon om dagens løsning")
        self.assertEqual(self.download()[4][3], "Senere")

    def test_a_baseline_of_another_procurement_is_not_found(self):
        other = baseline_publish(
            by=self.foreign_lead, procurement=self.foreign, label="Lab v1"
        )
        self.login(self.staff)
        for value in (other.pk, "x", "99999"):
            with self.subTest(value=value):
                response = self.client.get(f"{self.url()}?baseline={value}")
                self.assertEqual(response.status_code, 404)


class ImportViewTests(TempVarDirMixin, SpecWorld):
    def url(self, procurement=None):
        return f"/procurements/{(procurement or self.procurement).pk}/spec/import/"

    def upload(self, data: bytes, name="krav.xlsx"):
        return self.client.post(
            self.url(),
            {"action": "preview", "file": SimpleUploadedFile(name, data)},
        )

    def apply(self, token: str):
        return self.client.post(self.url(), {"action": "apply", "token": token})

    def file_error_codes(self, response) -> list[str]:
        return [
            error.code for error in response.context["form"].errors.as_data()["file"]
        ]

    def changed_title(self) -> bytes:
        return self.edited(self.export(), {(2, "Title"): "Tittel fra regnearket"})

    # Access --------------------------------------------------------------------

    def test_staff_get_the_upload_form(self):
        self.login(self.staff)
        response = self.client.get(self.url())
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'enctype="multipart/form-data"')
        self.assertContains(
            response, f"/procurements/{self.procurement.pk}/spec/export.xlsx"
        )

    def test_read_only_roles_are_refused(self):
        for user in (self.manager, self.evaluator, self.lead):
            with self.subTest(user=user.username):
                self.login(user)
                self.assertEqual(self.client.get(self.url()).status_code, 403)
                response = self.upload(self.changed_title())
                self.assertEqual(response.status_code, 403)
                self.assertEqual(self.apply("x" * 43).status_code, 403)
        self.assertEqual(self.pending_files(), [])

    def test_it_hides_from_outsiders(self):
        self.login(self.outsider)
        self.assertEqual(self.client.get(self.url()).status_code, 404)
        self.assertEqual(self.upload(self.changed_title()).status_code, 404)
        self.login(self.foreign_lead)
        self.assertEqual(self.client.get(self.url()).status_code, 404)

    def test_it_rejects_other_methods(self):
        self.login(self.staff)
        self.assertEqual(self.client.put(self.url()).status_code, 405)
        self.assertEqual(self.client.delete(self.url()).status_code, 405)

    # Preview and apply -------------------------------------------------------

    def test_an_unchanged_workbook_previews_as_no_changes(self):
        self.login(self.staff)
        response = self.upload(self.export())
        self.assertEqual(response.status_code, 200)
        plan = response.context["plan"]
        self.assertFalse(plan.has_changes or plan.errors)
        self.assertEqual(response.context["token"], "")
        self.assertNotContains(response, 'value="apply"')
        self.assertEqual(self.pending_files(), [])

    def test_preview_then_apply_changes_the_specification(self):
        self.login(self.staff)
        self.client.cookies["django_language"] = "en"
        response = self.upload(self.changed_title())
        self.assertContains(response, "1 requirement will be changed.")
        self.assertContains(response, "<ins>fra regnearket</ins>", html=False)
        self.assertContains(response, 'value="apply"')
        token = response.context["token"]
        self.assertEqual(len(self.pending_files()), 1)
        self.assertIn(token, self.pending_files()[0].name)
        self.structured.refresh_from_db()
        self.assertEqual(self.structured.title, "Strukturert journal")

        response = self.apply(token)

        self.assertRedirects(response, f"/procurements/{self.procurement.pk}/spec/")
        self.structured.refresh_from_db()
        self.assertEqual(self.structured.title, "Tittel fra regnearket")
        self.assertEqual(self.structured.history.first().history_user, self.staff)
        self.assertEqual(self.pending_files(), [])
        self.assertEqual(self.client.session.get("pending-uploads-spec-xlsx"), {})
        # The same preview cannot be applied twice.
        response = self.apply(token)
        self.assertRedirects(response, self.url())

    def test_new_rows_are_listed_and_created(self):
        data = self.edited(
            self.export(),
            {(6, "Section number"): "2", (6, "Title"): "Ny rad", (6, "Kind"): "I"},
        )
        self.login(self.staff)
        response = self.upload(data)
        self.assertEqual(len(response.context["created_shown"]), 1)
        self.assertContains(response, "<ins>Ny rad</ins>", html=False)
        self.apply(response.context["token"])
        self.assertEqual(Requirement.objects.get(title="Ny rad").key, "LEGE-0003")

    def test_row_errors_are_listed_and_nothing_can_be_applied(self):
        data = self.edited(
            self.export(),
            {(2, "Weight"): "mye", (3, "Key"): self.weighted.key},
        )
        self.login(self.staff)
        response = self.upload(data)
        plan = response.context["plan"]
        self.assertEqual(
            [(e.row, e.letter, e.code) for e in plan.errors],
            [
                (2, "H", "invalid_weight"),
                (3, "A", "duplicate_key"),
                (4, "A", "duplicate_key"),
            ],
        )
        self.assertContains(response, "mye")
        self.assertNotContains(response, 'value="apply"')
        self.assertEqual(self.pending_files(), [])

    def test_a_forged_token_applies_nothing(self):
        self.login(self.staff)
        self.upload(self.changed_title())
        for token in ("../../kravspor.sqlite3", "x" * 43, ""):
            with self.subTest(token=token):
                response = self.apply(token)
                self.assertRedirects(response, self.url())
        self.structured.refresh_from_db()
        self.assertEqual(self.structured.title, "Strukturert journal")

    def test_apply_is_refused_when_the_spec_changed_since_the_preview(self):
        self.login(self.staff)
        token = self.upload(self.changed_title()).context["token"]
        requirement_update(by=self.lead, requirement=self.info, rationale="Endret")

        response = self.apply(token)

        self.assertEqual(response.status_code, 409)
        self.structured.refresh_from_db()
        self.assertEqual(self.structured.title, "Strukturert journal")
        # The fresh preview shows that the workbook would undo the other change.
        self.assertEqual(
            {
                row.key: [c.name for c in row.changes]
                for row in response.context["plan"].changed
            },
            {self.structured.key: ["title"], self.info.key: ["rationale"]},
        )
        # It can be applied once it has been seen.
        self.apply(response.context["token"])
        self.structured.refresh_from_db()
        self.assertEqual(self.structured.title, "Tittel fra regnearket")

    def test_cancel_forgets_the_upload(self):
        self.login(self.staff)
        token = self.upload(self.changed_title()).context["token"]
        response = self.client.post(self.url(), {"action": "cancel", "token": token})
        self.assertRedirects(response, f"/procurements/{self.procurement.pk}/spec/")
        self.assertEqual(self.pending_files(), [])
        self.assertRedirects(self.apply(token), self.url())

    # Broken files ------------------------------------------------------------

    def test_a_file_that_is_not_a_workbook_is_refused(self):
        self.login(self.staff)
        self.client.cookies["django_language"] = "en"
        response = self.upload(b"Key;Title\n", name="krav.csv")
        self.assertEqual(self.file_error_codes(response), ["not_a_zip"])
        self.assertContains(response, "krav.csv is not a valid file")
        self.assertEqual(self.pending_files(), [])

    def test_wrong_columns_are_refused(self):
        workbook_bytes = io.BytesIO()
        workbook = Workbook()
        workbook.active.append(["Navn", "Telefon"])
        workbook.active.append(["Ola", "99"])
        workbook.save(workbook_bytes)
        self.login(self.staff)
        response = self.upload(workbook_bytes.getvalue())
        self.assertEqual(self.file_error_codes(response), ["wrong_columns"])

    def test_an_empty_file_is_refused(self):
        self.login(self.staff)
        response = self.upload(b"")
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.context["form"].errors)

    @override_settings(UPLOAD_MAX_BYTES=2000)
    def test_a_file_over_the_size_cap_is_refused(self):
        self.login(self.staff)
        response = self.upload(self.export())
        self.assertEqual(self.file_error_codes(response), ["too_large"])

    def test_a_zip_bomb_is_refused(self):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("[Content_Types].xml", "<Types/>")
            archive.writestr("xl/worksheets/sheet1.xml", b"\0" * 30 * 2**20)
        self.login(self.staff)
        response = self.upload(buffer.getvalue())
        self.assertEqual(self.file_error_codes(response), ["compression_ratio"])
        self.assertEqual(self.pending_files(), [])


class LinksPartialTests(SpecWorld):
    """templates/procurement/spec_import_links.html, for the spec and baseline
    pages to include."""

    def render(self, **context) -> str:
        return render_to_string(
            "procurement/spec_import_links.html",
            {"procurement": self.procurement, **context},
        )

    def test_editors_get_download_and_import(self):
        html = self.render(can_edit=True)
        self.assertIn(f"/procurements/{self.procurement.pk}/spec/export.xlsx", html)
        self.assertIn(f"/procurements/{self.procurement.pk}/spec/import/", html)

    def test_readers_get_only_the_download(self):
        html = self.render(can_edit=False)
        self.assertIn("/spec/export.xlsx", html)
        self.assertNotIn("/spec/import/", html)

    def test_a_baseline_links_to_its_own_snapshot(self):
        baseline = baseline_publish(
            by=self.staff, procurement=self.procurement, label="v1"
        )
        html = self.render(baseline=baseline, can_edit=True)
        self.assertIn(f"export.xlsx?baseline={baseline.pk}", html)
        self.assertNotIn("/spec/import/", html)
