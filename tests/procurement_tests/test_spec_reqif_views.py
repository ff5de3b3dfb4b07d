"""The ReqIF pages: import with a preview, and export."""

import tempfile
from decimal import Decimal
from pathlib import Path

from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from reqif.parser import ReqIFParser

from procurement.models import Event, Requirement, Section
from procurement.services import specification as spec
from tests.base import KravsporTestCase
from tests.procurement_tests.test_spec_reqif import SAMPLES, reqif_file

POLARION = "polarion_roundtrip_sample.reqif"


class ReqIFPageCase(KravsporTestCase):
    def setUp(self):
        directory = tempfile.TemporaryDirectory()
        self.addCleanup(directory.cleanup)
        self.var_dir = Path(directory.name)
        overrides = self.settings(VAR_DIR=self.var_dir)
        overrides.enable()
        self.addCleanup(overrides.disable)

    def messages(self, response) -> list[str]:
        """The levels of the messages waiting for the next page."""
        return [message.level_tag for message in get_messages(response.wsgi_request)]


class ReqIFImportPageTests(ReqIFPageCase):
    def url(self, procurement=None):
        return (
            f"/procurements/{(procurement or self.procurement).pk}/spec/import-reqif/"
        )

    def upload(self, data: bytes | None = None, name: str = POLARION):
        if data is None:
            data = (SAMPLES / POLARION).read_bytes()
        return self.client.post(
            self.url(),
            {"action": "upload", "file": SimpleUploadedFile(name, data)},
        )

    def preview(self, data: bytes | None = None, name: str = POLARION):
        response = self.upload(data, name)
        self.assertEqual(response.status_code, 302)
        return self.client.get(response["Location"])

    def stored_files(self) -> list[Path]:
        return list((self.var_dir / "uploads").glob("*"))

    def test_staff_see_a_preview_and_then_apply_it(self):
        self.login(self.staff)
        self.assertEqual(self.client.get(self.url()).status_code, 200)
        response = self.preview()
        self.assertEqual(response.status_code, 200)
        plan = response.context["plan"]
        self.assertEqual([row.key for row in plan.created], ["LOREM-818"])
        self.assertContains(response, "LOREM-818")
        self.assertContains(response, "ReqIF.ForeignCreatedBy")
        self.assertFalse(Requirement.objects.exists())
        self.assertEqual(len(self.stored_files()), 1)

        response = self.client.post(
            self.url(),
            {
                "action": "apply",
                "token": response.context["token"],
                "state": plan.fingerprint,
            },
        )
        self.assertRedirects(
            response,
            f"/procurements/{self.procurement.pk}/spec/",
            fetch_redirect_response=False,
        )
        self.assertEqual(self.messages(response), ["success"])
        requirement = Requirement.objects.get(procurement=self.procurement)
        self.assertEqual(requirement.key, "LOREM-818")
        self.assertEqual(requirement.history.get().history_user, self.staff)
        self.assertEqual(
            Section.objects.filter(procurement=self.procurement).count(), 1
        )
        self.assertTrue(
            Event.objects.filter(
                procurement=self.procurement, action="specification.imported"
            ).exists()
        )
        self.assertEqual(self.stored_files(), [])

    def test_management_evaluators_and_evaluation_leads_are_refused(self):
        # The specification is programme staff's work (procurement.access).
        for user in (self.manager, self.evaluator, self.lead):
            self.login(user)
            with self.subTest(user=user.username):
                self.assertEqual(self.client.get(self.url()).status_code, 403)
                self.assertEqual(self.upload().status_code, 403)
        self.assertEqual(self.stored_files(), [])

    def test_outsiders_get_404(self):
        for user in (self.outsider, self.foreign_lead):
            self.login(user)
            with self.subTest(user=user.username):
                self.assertEqual(self.client.get(self.url()).status_code, 404)
                self.assertEqual(self.upload().status_code, 404)

    def test_it_rejects_other_methods(self):
        self.login(self.staff)
        self.assertEqual(self.client.put(self.url()).status_code, 405)
        self.assertEqual(self.client.delete(self.url()).status_code, 405)

    def test_a_broken_file_is_named_and_nothing_is_kept(self):
        self.login(self.staff)
        response = self.preview(reqif_file(spec_types=""), "broken.reqif")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.context["problem"].code, "no_spec_types")
        self.assertContains(response, "SPEC-TYPES")
        self.assertNotIn("plan", response.context)
        self.assertEqual(self.stored_files(), [])

    def test_a_file_that_is_not_xml_gets_a_clear_error(self):
        self.login(self.staff)
        response = self.preview(b"\x00\x01 no xml", "noise.reqif")
        self.assertEqual(response.context["problem"].code, "not_xml")

    def test_a_file_over_the_limit_is_refused_before_it_is_stored(self):
        self.login(self.staff)
        with self.settings(UPLOAD_MAX_BYTES=100):
            response = self.upload()
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response.context["form"].errors.as_data()["file"][0].code, "too_large"
        )
        self.assertEqual(self.stored_files(), [])

    def test_other_file_types_are_refused(self):
        self.login(self.staff)
        response = self.upload(b"<REQ-IF/>", "spec.docx")
        self.assertEqual(
            response.context["form"].errors.as_data()["file"][0].code, "extension"
        )

    def test_a_plan_with_errors_cannot_be_applied(self):
        kind_type = """
          <SPEC-TYPES>
            <SPEC-OBJECT-TYPE IDENTIFIER="REQ-TYPE" LONG-NAME="Requirement">
              <SPEC-ATTRIBUTES>
                <ATTRIBUTE-DEFINITION-STRING IDENTIFIER="A-ID" LONG-NAME="ReqIF.ForeignID">
                  <TYPE><DATATYPE-DEFINITION-STRING-REF>T-STRING</DATATYPE-DEFINITION-STRING-REF></TYPE>
                </ATTRIBUTE-DEFINITION-STRING>
                <ATTRIBUTE-DEFINITION-XHTML IDENTIFIER="A-TEXT" LONG-NAME="Kravspor.Kind">
                  <TYPE><DATATYPE-DEFINITION-XHTML-REF>T-XHTML</DATATYPE-DEFINITION-XHTML-REF></TYPE>
                </ATTRIBUTE-DEFINITION-XHTML>
              </SPEC-ATTRIBUTES>
            </SPEC-OBJECT-TYPE>
          </SPEC-TYPES>"""  # noqa: E501
        # The "text" attribute is now the kind: V, and the file has no weight.
        data = reqif_file(spec_types=kind_type).replace("Første krav".encode(), b"V")
        self.login(self.staff)
        response = self.preview(data, "v.reqif")
        plan = response.context["plan"]
        self.assertEqual([p.code for p in plan.errors], ["weight_required"])
        self.assertNotContains(response, 'value="apply"')
        response = self.client.post(
            self.url(),
            {
                "action": "apply",
                "token": response.context["token"],
                "state": plan.fingerprint,
            },
        )
        self.assertEqual(self.messages(response), ["error"])
        self.assertFalse(Requirement.objects.exists())

    def test_a_change_after_the_preview_stops_the_apply(self):
        self.login(self.staff)
        response = self.preview()
        spec.section_save(
            by=self.lead, procurement=self.procurement, number="1", title="Journal"
        )
        response = self.client.post(
            self.url(),
            {
                "action": "apply",
                "token": response.context["token"],
                "state": response.context["plan"].fingerprint,
            },
        )
        self.assertEqual(response.status_code, 302)
        self.assertIn("?upload=", response["Location"])
        self.assertEqual(self.messages(response), ["warning"])
        self.assertFalse(Requirement.objects.exists())

    def test_cancel_forgets_the_upload(self):
        self.login(self.staff)
        token = self.preview().context["token"]
        response = self.client.post(self.url(), {"action": "cancel", "token": token})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(self.stored_files(), [])
        self.assertFalse(Requirement.objects.exists())

    def test_a_token_works_only_in_the_session_that_uploaded_it(self):
        self.login(self.staff)
        response = self.preview()
        token, state = response.context["token"], response.context["plan"].fingerprint
        self.client.logout()
        self.login(self.admin)
        response = self.client.post(
            self.url(), {"action": "apply", "token": token, "state": state}
        )
        self.assertEqual(self.messages(response), ["error"])
        self.assertFalse(Requirement.objects.exists())
        response = self.client.get(self.url(), {"upload": token})
        self.assertEqual(response.status_code, 302)

    def test_a_token_is_never_a_path(self):
        self.login(self.staff)
        for token in ("../../kravspor.sqlite3", "/etc/passwd", "A" * 32):
            with self.subTest(token=token):
                response = self.client.post(
                    self.url(), {"action": "apply", "token": token, "state": "x"}
                )
                self.assertEqual(response.status_code, 302)
                self.assertEqual(self.messages(response)[-1], "error")

    def test_the_token_belongs_to_its_procurement(self):
        self.login(self.staff)
        token = self.preview().context["token"]
        response = self.client.get(self.url(self.foreign), {"upload": token})
        self.assertEqual(response.status_code, 302)


class ReqIFExportPageTests(ReqIFPageCase):
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

    def url(self, procurement=None):
        return f"/procurements/{(procurement or self.procurement).pk}/spec/export.reqif"

    def download(self, response) -> bytes:
        return b"".join(response.streaming_content)

    def test_everyone_who_sees_the_procurement_may_download_it(self):
        for user in (self.staff, self.evaluator, self.lead, self.manager):
            self.login(user)
            with self.subTest(user=user.username):
                response = self.client.get(self.url())
                self.assertEqual(response.status_code, 200)
                self.assertIn(
                    'attachment; filename="hp-epj-2016-kravspesifikasjon.reqif"',
                    response["Content-Disposition"],
                )
                bundle = ReqIFParser.parse_from_string(
                    self.download(response).decode("utf-8")
                )
                self.assertEqual(
                    len(bundle.core_content.req_if_content.spec_objects), 2
                )

    def test_outsiders_get_404(self):
        for user in (self.outsider, self.foreign_lead):
            self.login(user)
            with self.subTest(user=user.username):
                self.assertEqual(self.client.get(self.url()).status_code, 404)

    def test_a_baseline_is_exported_as_it_was(self):
        baseline = spec.baseline_publish(
            by=self.staff, procurement=self.procurement, label="Kunngjort"
        )
        spec.requirement_update(
            by=self.staff, requirement=self.requirement, title="Endret"
        )
        self.login(self.manager)
        response = self.client.get(self.url(), {"baseline": baseline.pk})
        self.assertEqual(response.status_code, 200)
        self.assertIn("kunngjort", response["Content-Disposition"])
        body = self.download(response)
        self.assertIn(b"Felles journal", body)
        self.assertNotIn(b"Endret", body)

    def test_a_baseline_of_another_procurement_or_none_is_404(self):
        other = spec.baseline_publish(
            by=self.foreign_lead, procurement=self.foreign, label="Annen"
        )
        self.login(self.staff)
        for value in (other.pk, "x", ""):
            with self.subTest(value=value):
                response = self.client.get(self.url(), {"baseline": value})
                self.assertEqual(response.status_code, 404)

    def test_it_rejects_post(self):
        self.login(self.staff)
        self.assertEqual(self.client.post(self.url()).status_code, 405)
        self.assertEqual(self.client.head(self.url()).status_code, 200)
