"""ReqIF import and export of the requirement specification: the sample files
from other tools, broken files, safe text, re-import and the round trip."""

import io
import os
import zipfile
from decimal import Decimal
from pathlib import Path

from django.core.exceptions import ValidationError
from django.test import SimpleTestCase, override_settings
from lxml import etree
from reqif.parser import ReqIFParser

from procurement.documents.safety import UploadProblem
from procurement.models import (
    KeySequence,
    Organisation,
    Requirement,
    RequirementLink,
    RequirementStakeholder,
    Section,
)
from procurement.models.specification import snapshot_hash
from procurement.selectors.specification import current_snapshots
from procurement.services import specification as spec
from procurement.spec_reqif import (
    REQIF_NS,
    apply_plan,
    parse_reqif,
    plan_import,
    reqif_bytes,
    xhtml_to_text,
)
from tests.base import KravsporTestCase

# Exports from other tools (see PROVENANCE.md there); read-only.
# The team's shared folder sits beside the repository (in CI too).
SAMPLES = Path(
    os.environ.get(
        "KRAVSPOR_REQIF_SAMPLES",
        Path(__file__).resolve().parents[3] / "shared" / "data" / "reqif",
    )
)

XHTML_NS = "http://www.w3.org/1999/xhtml"

SPEC_TYPES = """
    <SPEC-TYPES>
      <SPEC-OBJECT-TYPE IDENTIFIER="REQ-TYPE" LONG-NAME="Requirement">
        <SPEC-ATTRIBUTES>
          <ATTRIBUTE-DEFINITION-STRING IDENTIFIER="A-ID" LONG-NAME="ReqIF.ForeignID">
            <TYPE><DATATYPE-DEFINITION-STRING-REF>T-STRING</DATATYPE-DEFINITION-STRING-REF></TYPE>
          </ATTRIBUTE-DEFINITION-STRING>
          <ATTRIBUTE-DEFINITION-XHTML IDENTIFIER="A-TEXT" LONG-NAME="ReqIF.Text">
            <TYPE><DATATYPE-DEFINITION-XHTML-REF>T-XHTML</DATATYPE-DEFINITION-XHTML-REF></TYPE>
          </ATTRIBUTE-DEFINITION-XHTML>
        </SPEC-ATTRIBUTES>
      </SPEC-OBJECT-TYPE>
      <SPEC-RELATION-TYPE IDENTIFIER="REL-TYPE" LONG-NAME="refines"/>
    </SPEC-TYPES>"""  # noqa: E501


def spec_object(identifier: str, key: str, text: str) -> str:
    return f"""
      <SPEC-OBJECT IDENTIFIER="{identifier}">
        <TYPE><SPEC-OBJECT-TYPE-REF>REQ-TYPE</SPEC-OBJECT-TYPE-REF></TYPE>
        <VALUES>
          <ATTRIBUTE-VALUE-STRING THE-VALUE="{key}">
            <DEFINITION><ATTRIBUTE-DEFINITION-STRING-REF>A-ID</ATTRIBUTE-DEFINITION-STRING-REF></DEFINITION>
          </ATTRIBUTE-VALUE-STRING>
          <ATTRIBUTE-VALUE-XHTML>
            <DEFINITION><ATTRIBUTE-DEFINITION-XHTML-REF>A-TEXT</ATTRIBUTE-DEFINITION-XHTML-REF></DEFINITION>
            <THE-VALUE>{text}</THE-VALUE>
          </ATTRIBUTE-VALUE-XHTML>
        </VALUES>
      </SPEC-OBJECT>"""  # noqa: E501


def relation(identifier: str, source: str, target: str) -> str:
    return f"""
      <SPEC-RELATION IDENTIFIER="{identifier}">
        <TYPE><SPEC-RELATION-TYPE-REF>REL-TYPE</SPEC-RELATION-TYPE-REF></TYPE>
        <SOURCE><SPEC-OBJECT-REF>{source}</SPEC-OBJECT-REF></SOURCE>
        <TARGET><SPEC-OBJECT-REF>{target}</SPEC-OBJECT-REF></TARGET>
      </SPEC-RELATION>"""


def node(identifier: str, obj: str) -> str:
    return (
        f'<SPEC-HIERARCHY IDENTIFIER="{identifier}"><OBJECT><SPEC-OBJECT-REF>'
        f"{obj}</SPEC-OBJECT-REF></OBJECT></SPEC-HIERARCHY>"
    )


def reqif_file(
    *,
    spec_types: str = SPEC_TYPES,
    objects: str | None = None,
    relations: str = "",
    specifications: str | None = None,
) -> bytes:
    if objects is None:
        objects = spec_object("O-1", "KRAV-1", "<xhtml:div>Første krav</xhtml:div>")
        objects += spec_object("O-2", "KRAV-2", "<xhtml:div>Andre krav</xhtml:div>")
    if specifications is None:
        specifications = (
            '<SPECIFICATIONS><SPECIFICATION IDENTIFIER="S-1"><CHILDREN>'
            + node("H-1", "O-1")
            + node("H-2", "O-2")
            + "</CHILDREN></SPECIFICATION></SPECIFICATIONS>"
        )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<REQ-IF xmlns="{REQIF_NS}" xmlns:xhtml="{XHTML_NS}">
  <CORE-CONTENT><REQ-IF-CONTENT>
    <DATATYPES>
      <DATATYPE-DEFINITION-STRING IDENTIFIER="T-STRING" MAX-LENGTH="1000"/>
      <DATATYPE-DEFINITION-XHTML IDENTIFIER="T-XHTML"/>
    </DATATYPES>
    {spec_types}
    <SPEC-OBJECTS>{objects}</SPEC-OBJECTS>
    <SPEC-RELATIONS>{relations}</SPEC-RELATIONS>
    {specifications}
  </REQ-IF-CONTENT></CORE-CONTENT>
</REQ-IF>""".encode()


def zipped(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


class ImportHelpers:
    def import_bytes(self, data: bytes, procurement=None, name="spec.reqif"):
        procurement = procurement or self.procurement
        plan = plan_import(procurement, parse_reqif(data, name=name))
        self.assertEqual(plan.errors, [])
        apply_plan(plan, procurement=procurement, by=self.staff)
        return plan

    def import_sample(self, name: str):
        return self.import_bytes((SAMPLES / name).read_bytes(), name=name)

    def counts(self, procurement=None):
        procurement = procurement or self.procurement
        return (
            Section.objects.filter(procurement=procurement).count(),
            Requirement.objects.filter(procurement=procurement).count(),
            RequirementLink.objects.filter(source__procurement=procurement).count(),
        )


class SampleFileTests(ImportHelpers, KravsporTestCase):
    """The expected numbers were counted in the files themselves (by reading
    them and with a separate lxml count of SPEC-OBJECT, SPEC-HIERARCHY and
    SPEC-RELATION elements), not with the importer."""

    def test_polarion_export_gives_one_section_and_one_requirement(self):
        # 2 SPEC-OBJECTs: "Section 1" of type "Heading" (a section) and
        # LOREM-818 of type "System Requirement" below it; no SPEC-RELATIONS.
        plan = self.import_sample("polarion_roundtrip_sample.reqif")
        self.assertEqual(self.counts(), (1, 1, 0))
        section = Section.objects.get(procurement=self.procurement)
        self.assertEqual((section.number, section.title), ("1", "Section 1"))
        self.assertEqual(section.description, "Section text...")
        requirement = Requirement.objects.get(procurement=self.procurement)
        self.assertEqual(requirement.key, "LOREM-818")
        self.assertEqual(requirement.title, "SW: Lorem Ipsum")
        self.assertEqual(requirement.description, "The Lorem Ipsum shall do something.")
        self.assertEqual(requirement.section, section)
        # Status "Draft" maps; the creator and date are kept as they are.
        self.assertEqual(requirement.status, Requirement.Status.DRAFT)
        self.assertEqual(
            requirement.extra_attributes,
            {
                "ReqIF.ForeignCreatedBy": "redacted@mail.com",
                "ReqIF.ForeignCreatedOn": "2023-03-15T10:46:58.611Z",
            },
        )
        self.assertEqual(
            dict(plan.unmapped),
            {"ReqIF.ForeignCreatedBy": 1, "ReqIF.ForeignCreatedOn": 1},
        )
        self.assertEqual(requirement.history.count(), 1)

    def test_reqif_studio_export_gives_136_requirements_in_two_sections(self):
        # 137 SPEC-OBJECTs of one type "Requirement Type"; exactly one carries
        # ReqIF.ChapterName, so it is the only heading → 136 requirements.
        # 138 SPEC-HIERARCHY nodes: 137 objects + 1 node pointing to
        # _B9RbAGunEeuNUYnTveUm8Q, which is not in the file. Of the 10
        # top-level nodes, the first is the heading with 19 requirements below
        # it; the other 9 subtrees hold 117 requirements and no heading, so
        # they go to the section for imported requirements → 2 sections.
        # 14 SPEC-RELATIONs, all between requirements, all different.
        plan = self.import_sample("reqif_studio_anonymized_137objs.reqif")
        self.assertEqual(self.counts(), (2, 136, 14))
        heading, imported = Section.objects.filter(procurement=self.procurement)
        self.assertEqual((heading.number, imported.number), ("1", "2"))
        self.assertEqual(heading.requirements.count(), 19)
        self.assertEqual(imported.requirements.count(), 117)
        codes = [problem.code for problem in plan.problems]
        self.assertIn("hierarchy_unknown_object", codes)
        self.assertIn(
            "_B9RbAGunEeuNUYnTveUm8Q",
            next(
                p.message for p in plan.problems if p.code == "hierarchy_unknown_object"
            ),
        )
        # Every ReqIF.ForeignID is "...Anonymized...": the identifiers are
        # the keys, and the shared ForeignID is kept.
        self.assertIn("duplicate_foreign_id", codes)
        requirement = Requirement.objects.get(key="_gFhrZ2ojEeuExICsU7Acmg")
        self.assertEqual(
            requirement.extra_attributes["ReqIF.ForeignID"], "...Anonymized..."
        )
        self.assertEqual(requirement.extra_attributes["DESC"], "sdfgftg")
        # The relation type is not declared in the file: its identifier types
        # the links.
        self.assertEqual(
            set(
                RequirementLink.objects.filter(
                    source__procurement=self.procurement
                ).values_list("link_type", flat=True)
            ),
            {"_gFhrYGojEeuExICsU7Acmg"},
        )

    def test_enterprise_architect_export_gives_three_requirements(self):
        # 3 SPEC-OBJECTs (R001–R003, types Functional/Performance Requirement)
        # with their text in FUNC-REQ-TXT/PERF-REQ-TXT and status "Proposed".
        # The file's hierarchy and its one SPEC-RELATION point to FUNC-REQ-1
        # and FUNC-REQ-2, which are not objects in the file: no heading, no
        # link, all three in the section for imported requirements.
        plan = self.import_sample("sparx_ea8_instep_relations.reqif")
        self.assertEqual(self.counts(), (1, 3, 0))
        requirements = list(
            Requirement.objects.filter(procurement=self.procurement).order_by("key")
        )
        self.assertEqual([r.key for r in requirements], ["R001", "R002", "R003"])
        self.assertEqual(
            [r.title for r in requirements],
            ["Observe earths surface.", "Spotting fire", "Fast system"],
        )
        self.assertEqual(
            requirements[0].description, "The system shall observe the earths surface."
        )
        self.assertEqual({r.status for r in requirements}, {"draft"})
        missing = [p for p in plan.problems if p.code == "relation_unknown_object"]
        self.assertEqual(len(missing), 1)
        self.assertIn("ADB3C6E4-8014-4167-9D21-A8E13D98C6CA", missing[0].message)
        self.assertIn("FUNC-REQ-1", missing[0].message)
        self.assertEqual(
            sum(p.code == "hierarchy_unknown_object" for p in plan.problems), 2
        )

    def test_a_new_requirement_without_kind_is_information_only(self):
        plan = self.import_sample("sparx_ea8_instep_relations.reqif")
        self.assertIn("kind_assumed", [p.code for p in plan.warnings])
        self.assertEqual(
            set(
                Requirement.objects.filter(procurement=self.procurement).values_list(
                    "kind", flat=True
                )
            ),
            {"I"},
        )


class ReimportTests(ImportHelpers, KravsporTestCase):
    def test_importing_the_same_file_again_changes_nothing(self):
        self.import_sample("reqif_studio_anonymized_137objs.reqif")
        data = (SAMPLES / "reqif_studio_anonymized_137objs.reqif").read_bytes()
        plan = plan_import(self.procurement, parse_reqif(data, name="again.reqif"))
        self.assertEqual((len(plan.created), len(plan.changed)), (0, 0))
        self.assertEqual((plan.unchanged, len(plan.links)), (136, 0))
        self.assertEqual(plan.new_sections, [])
        self.assertFalse(plan.has_changes)

    def test_a_changed_text_updates_the_requirement_with_history(self):
        self.import_sample("polarion_roundtrip_sample.reqif")
        data = (SAMPLES / "polarion_roundtrip_sample.reqif").read_bytes()
        changed = data.replace(b"shall do something.", b"shall do something else.")
        plan = self.import_bytes(changed)
        self.assertEqual([row.key for row in plan.changed], ["LOREM-818"])
        self.assertEqual(plan.changed[0].changed_fields, ["description"])
        requirement = Requirement.objects.get(key="LOREM-818")
        self.assertEqual(
            requirement.description, "The Lorem Ipsum shall do something else."
        )
        self.assertEqual(requirement.version, 2)
        self.assertEqual(requirement.history.count(), 2)
        self.assertEqual(Requirement.objects.count(), 1)

    def test_a_status_step_that_is_not_allowed_keeps_the_status(self):
        self.import_sample("polarion_roundtrip_sample.reqif")
        data = (SAMPLES / "polarion_roundtrip_sample.reqif").read_bytes()
        # Draft → Approved skips the review.
        approved = data.replace(
            b"<ENUM-VALUE-REF>rmf-9515c994-87fa-4dff-b66b-ad407bcffbf5",
            b"<ENUM-VALUE-REF>rmf-586f21e7-bcea-4ec6-bff6-52262ffe9735",
        )
        plan = plan_import(self.procurement, parse_reqif(approved, name="a.reqif"))
        self.assertIn("status_kept", [p.code for p in plan.warnings])
        self.assertEqual(plan.changed, [])

    def test_headings_do_not_clash_with_existing_section_numbers(self):
        spec.section_save(
            by=self.staff, procurement=self.procurement, number="1", title="Journal"
        )
        self.import_sample("polarion_roundtrip_sample.reqif")
        self.assertEqual(
            list(
                Section.objects.filter(procurement=self.procurement).values_list(
                    "number", "title"
                )
            ),
            [("1", "Journal"), ("2", "Section 1")],
        )

    def test_an_import_is_all_or_nothing(self):
        objects = spec_object("O-1", "KRAV-1", "<xhtml:div>Tekst</xhtml:div>")
        data = reqif_file(objects=objects, specifications=None).replace(
            node("H-2", "O-2").encode(), b""
        )
        plan = plan_import(self.procurement, parse_reqif(data, name="a.reqif"))
        plan.created[0].fields["weight"] = Decimal("-1")
        with self.assertRaises(ValidationError):
            apply_plan(plan, procurement=self.procurement, by=self.staff)
        self.assertEqual(self.counts(), (0, 0, 0))

    def test_imported_keys_are_never_generated_later(self):
        self.import_sample("polarion_roundtrip_sample.reqif")
        self.assertEqual(
            KeySequence.objects.get(
                procurement=self.procurement, prefix="LOREM"
            ).last_number,
            818,
        )


class BrokenFileTests(SimpleTestCase):
    def problem(self, data: bytes, name: str = "broken.reqif") -> UploadProblem:
        with self.assertRaises(UploadProblem) as caught:
            parse_reqif(data, name=name)
        self.assertIn(name, caught.exception.message)
        return caught.exception

    def test_a_file_that_is_not_xml(self):
        self.assertEqual(self.problem(b"Krav;Tekst\nK-1;Noe\n").code, "not_xml")

    def test_an_empty_file(self):
        self.assertEqual(self.problem(b"").code, "empty")

    def test_bad_xml_names_the_line(self):
        problem = self.problem(b"<REQ-IF>\n<THE-HEADER>\n</REQ-IF>")
        self.assertEqual(problem.code, "bad_xml")
        self.assertIn("3", problem.message)

    def test_xml_that_is_not_reqif(self):
        problem = self.problem(b"<html><body/></html>")
        self.assertEqual(problem.code, "not_reqif")
        self.assertIn("<html>", problem.message)

    def test_a_reqif_without_spec_types(self):
        problem = self.problem(reqif_file(spec_types=""))
        self.assertEqual(problem.code, "no_spec_types")
        self.assertIn("SPEC-TYPES", problem.message)

    def test_a_reqif_without_spec_objects(self):
        problem = self.problem(reqif_file(objects=""))
        self.assertEqual(problem.code, "no_spec_objects")
        self.assertIn("SPEC-OBJECTS", problem.message)

    def test_a_reqif_without_specifications(self):
        problem = self.problem(reqif_file(specifications=""))
        self.assertEqual(problem.code, "no_specifications")
        self.assertIn("SPECIFICATIONS", problem.message)

    def test_a_reqif_without_content(self):
        data = f'<REQ-IF xmlns="{REQIF_NS}"><THE-HEADER/></REQ-IF>'.encode()
        self.assertEqual(self.problem(data).code, "no_content")

    def test_an_object_without_type_names_its_line(self):
        data = reqif_file().replace(
            b"<TYPE><SPEC-OBJECT-TYPE-REF>REQ-TYPE</SPEC-OBJECT-TYPE-REF></TYPE>",
            b"",
            1,
        )
        problem = self.problem(data)
        self.assertEqual(problem.code, "object_without_type")
        self.assertIn("O-1", problem.message)

    def test_a_relation_to_a_missing_object_is_named_and_skipped(self):
        data = reqif_file(relations=relation("REL-1", "O-1", "O-404"))
        parsed = parse_reqif(data, name="a.reqif")
        missing = [p for p in parsed.problems if p.code == "relation_unknown_object"]
        self.assertEqual(len(missing), 1)
        self.assertIn("REL-1", missing[0].message)
        self.assertIn("O-404", missing[0].message)
        self.assertEqual(parsed.links, [])
        self.assertEqual([r.key for r in parsed.requirements], ["KRAV-1", "KRAV-2"])

    def test_a_relation_between_objects_becomes_a_typed_link(self):
        data = reqif_file(relations=relation("REL-1", "O-1", "O-2"))
        parsed = parse_reqif(data, name="a.reqif")
        self.assertEqual(
            [(link.source, link.target, link.link_type) for link in parsed.links],
            [("KRAV-1", "KRAV-2", "refines")],
        )

    def test_entity_declarations_are_refused(self):
        data = (
            b'<?xml version="1.0"?><!DOCTYPE REQ-IF [<!ENTITY a "aaaaaaaaaa">'
            b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><REQ-IF>&b;</REQ-IF>'
        )
        self.assertEqual(self.problem(data).code, "doctype")

    def test_a_reqifz_is_unpacked(self):
        data = zipped({"spec.reqif": reqif_file(), "images/logo.png": b"\x89PNG"})
        parsed = parse_reqif(data, name="spec.reqifz")
        self.assertEqual(len(parsed.requirements), 2)

    def test_a_reqifz_without_a_reqif_file(self):
        data = zipped({"readme.txt": b"Ingenting her"})
        self.assertEqual(self.problem(data, "x.reqifz").code, "no_reqif_in_zip")

    def test_a_reqifz_that_is_not_a_zip(self):
        self.assertEqual(self.problem(b"not a zip", "x.reqifz").code, "not_a_zip")

    @override_settings(UPLOAD_MAX_RATIO=100)
    def test_a_reqifz_that_expands_too_much_is_refused_before_parsing(self):
        data = zipped({"spec.reqif": b"<REQ-IF>" + b" " * 5_000_000 + b"</REQ-IF>"})
        self.assertEqual(self.problem(data, "x.reqifz").code, "compression_ratio")


class XhtmlTextTests(SimpleTestCase):
    def text(self, markup: str) -> str:
        element = etree.fromstring(
            f'<THE-VALUE xmlns:xhtml="{XHTML_NS}">{markup}</THE-VALUE>'
        )
        return xhtml_to_text(element)

    def test_markup_becomes_plain_lines_and_scripts_vanish(self):
        markup = (
            "<xhtml:div><xhtml:script>alert('x')</xhtml:script>"
            "<xhtml:style>p { color: red }</xhtml:style>"
            "<xhtml:p>Pasienten skal <xhtml:b>alltid</xhtml:b> se</xhtml:p>"
            "<xhtml:ul><xhtml:li>første</xhtml:li><xhtml:li>andre</xhtml:li></xhtml:ul>"
            "A &amp; B &lt;i&gt;</xhtml:div>"
        )
        self.assertEqual(
            self.text(markup),
            "Pasienten skal alltid se\n• første\n• andre\nA & B <i>",
        )

    def test_indentation_of_the_markup_is_not_text(self):
        markup = """
            <xhtml:div>
              <xhtml:p>En</xhtml:p>
              <xhtml:p>To   og
                 tre</xhtml:p>
            </xhtml:div>"""
        self.assertEqual(self.text(markup), "En\nTo og tre")

    def test_line_breaks_and_non_breaking_spaces_are_kept(self):
        markup = "<xhtml:div>a<xhtml:br/><xhtml:br/>\xa0\xa0b\xa0</xhtml:div>"
        self.assertEqual(self.text(markup), "a\n\n  b ")

    def test_a_plain_division_reads_as_any_other_markup(self):
        # Kravspor's own <div>…<br/>… values take a shorter path.
        for body in (
            "  Linje  én <xhtml:br/>\n   to\xa0\xa0<xhtml:br/><xhtml:br/>",
            "<xhtml:br/>a",
            "",
        ):
            with self.subTest(body=body):
                self.assertEqual(
                    self.text(f"<xhtml:div>{body}</xhtml:div>"),
                    self.text(f'<xhtml:div class="x">{body}</xhtml:div>'),
                )
        self.assertEqual(
            self.text("<xhtml:div>  Linje  én <xhtml:br/>\n   to\xa0\xa0</xhtml:div>"),
            "Linje én\nto  ",
        )

    def test_table_cells_are_separated(self):
        markup = (
            "<xhtml:table><xhtml:tr><xhtml:td>a</xhtml:td><xhtml:td>b</xhtml:td>"
            "</xhtml:tr></xhtml:table>"
        )
        self.assertEqual(self.text(markup), "a | b")

    def test_a_script_in_a_requirement_text_never_reaches_the_description(self):
        text = (
            "<xhtml:div><xhtml:script>document.location='https://x'</xhtml:script>"
            '<xhtml:p onclick="steal()">Krav <xhtml:a href="javascript:x()">lenke'
            "</xhtml:a></xhtml:p></xhtml:div>"
        )
        data = reqif_file(objects=spec_object("O-1", "K-1", text)).replace(
            node("H-2", "O-2").encode(), b""
        )
        parsed = parse_reqif(data, name="a.reqif")
        self.assertEqual(parsed.requirements[0].fields["description"], "Krav lenke")


class ExportTests(ImportHelpers, KravsporTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        journal = spec.section_save(
            by=cls.staff,
            procurement=cls.procurement,
            number="1",
            title="Pasientjournal",
            prefix="FUNK",
            description="Krav til journalen.",
        )
        medicines = spec.section_save(
            by=cls.staff,
            procurement=cls.procurement,
            number="1.2",
            title="Legemiddelhåndtering",
            parent=journal,
        )
        integration = spec.section_save(
            by=cls.staff,
            procurement=cls.procurement,
            number="3",
            title="Integrasjon & samhandling",
            prefix="INT",
        )
        cls.first = spec.requirement_create(
            by=cls.staff,
            procurement=cls.procurement,
            section=journal,
            title="Felles journal for sykehus og kommuner",
            kind="AV",
            weight=Decimal("12.5"),
            description=(
                "Linje én\n\nLinje  to med  doble mellomrom\n  innrykk\n"
                "<script>alert(1)</script> & «sitat»"
            ),
            response_instructions="Beskriv løsningen.\nLegg ved skjermbilder.",
            rationale="Pasientsikkerhet.",
            tags=["journal", "kjerne"],
            stakeholders=[(cls.hospital, "raised"), (cls.trondheim, "endorsed")],
            status="in_review",
        )
        cls.second = spec.requirement_create(
            by=cls.staff,
            procurement=cls.procurement,
            section=medicines,
            title="Lukket legemiddelsløyfe",
            kind="A",
        )
        cls.third = spec.requirement_create(
            by=cls.staff,
            procurement=cls.procurement,
            section=integration,
            title="Meldinger etter Helsedirektoratets standarder",
            kind="V",
            weight=Decimal("3"),
            status="withdrawn",
            extra_attributes={"Prioritet": "Høy", "Kilde": "Workshop 12"},
        )
        cls.fourth = spec.requirement_create(
            by=cls.staff,
            procurement=cls.procurement,
            section=integration,
            title="Kun informasjon",
            kind="I",
        )
        spec.requirement_link(
            by=cls.staff, source=cls.second, target=cls.first, link_type="refines"
        )
        spec.requirement_link(
            by=cls.staff, source=cls.third, target=cls.first, link_type="depends on"
        )

    def test_the_export_is_reqif_that_the_reqif_package_reads(self):
        data = reqif_bytes(self.procurement)
        bundle = ReqIFParser.parse_from_string(data.decode("utf-8"))
        self.assertEqual(bundle.namespace_info.namespace, REQIF_NS)
        content = bundle.core_content.req_if_content
        self.assertEqual(len(content.specifications), 1)
        # 3 headings and 4 requirements; 2 relations.
        self.assertEqual(len(content.spec_objects), 7)
        self.assertEqual(len(content.spec_relations), 2)
        self.assertEqual(bundle.exceptions, [])

    def test_markup_in_texts_is_escaped(self):
        data = reqif_bytes(self.procurement)
        self.assertNotIn(b"<script>", data)
        self.assertIn(b"&lt;script&gt;alert(1)&lt;/script&gt; &amp;", data)

    def test_an_export_imported_into_an_empty_procurement_gives_the_same_spec(self):
        plan = self.import_bytes(reqif_bytes(self.procurement), self.foreign)
        self.assertEqual(plan.warnings, [])
        # The other attributes of the third requirement travel along.
        self.assertEqual(plan.unmapped, [("Kilde", 1), ("Prioritet", 1)])

        def comparable(snapshots):
            return {
                key: {n: v for n, v in snapshot.items() if n != "section_sort_key"}
                for key, snapshot in snapshots.items()
            }

        self.assertEqual(
            comparable(current_snapshots(self.foreign)),
            comparable(current_snapshots(self.procurement)),
        )

        def sections(procurement):
            return list(
                Section.objects.filter(procurement=procurement).values_list(
                    "number", "title", "prefix", "description", "parent__number"
                )
            )

        self.assertEqual(sections(self.foreign), sections(self.procurement))

        def links(procurement):
            return set(
                RequirementLink.objects.filter(
                    source__procurement=procurement
                ).values_list("source__key", "target__key", "link_type")
            )

        self.assertEqual(links(self.foreign), links(self.procurement))
        copy = Requirement.objects.get(procurement=self.foreign, key=self.third.key)
        self.assertEqual(
            copy.extra_attributes, {"Prioritet": "Høy", "Kilde": "Workshop 12"}
        )
        self.assertEqual(copy.content_hash, self.third.content_hash)
        # Keys given by the file are reserved in the new procurement too.
        new = spec.requirement_create(
            by=self.staff,
            procurement=self.foreign,
            section=copy.section,
            title="Ny",
            kind="I",
        )
        self.assertEqual(new.key, "INT-0003")

    def test_an_export_imported_again_changes_nothing(self):
        data = reqif_bytes(self.procurement)
        plan = plan_import(self.procurement, parse_reqif(data, name="spec.reqif"))
        self.assertFalse(plan.has_changes, [r.changed_fields for r in plan.changed])
        self.assertEqual(plan.unchanged, 4)
        self.assertEqual(plan.links_existing, 2)

    def test_an_unknown_stakeholder_leaves_the_stakeholders_as_they_are(self):
        data = reqif_bytes(self.procurement)
        Organisation.objects.filter(pk=self.hospital.pk).update(name="St. Olavs HF")
        plan = plan_import(self.procurement, parse_reqif(data, name="spec.reqif"))
        self.assertIn("stakeholder_unknown", [p.code for p in plan.warnings])
        self.assertEqual(plan.changed, [])
        self.assertEqual(self.first.stakeholder_links.count(), 2)

    def test_a_baseline_exports_what_it_froze_without_links(self):
        baseline = spec.baseline_publish(
            by=self.staff, procurement=self.procurement, label="Konkurransegrunnlag"
        )
        spec.requirement_update(
            by=self.staff, requirement=self.second, title="Endret etter baseline"
        )
        data = reqif_bytes(self.procurement, baseline)
        self.assertIn("Lukket legemiddelsløyfe".encode(), data)
        self.assertNotIn(b"Endret etter baseline", data)
        root = etree.fromstring(data)
        self.assertEqual(len(root.findall(f".//{{{REQIF_NS}}}SPEC-RELATION")), 0)
        self.import_bytes(data, self.foreign)
        self.assertEqual(
            Requirement.objects.get(
                procurement=self.foreign, key=self.second.key
            ).title,
            "Lukket legemiddelsløyfe",
        )
        self.assertEqual(
            Requirement.objects.filter(procurement=self.foreign).count(), 4
        )


class BulkCreateServiceTests(KravsporTestCase):
    def setUp(self):
        self.section = spec.section_save(
            by=self.staff, procurement=self.procurement, number="1", title="Journal"
        )

    def test_it_writes_what_requirement_create_would(self):
        created = spec.requirements_bulk_create(
            by=self.staff,
            procurement=self.procurement,
            requirements=[
                {
                    "section": self.section,
                    "key": "FUNK-0007",
                    "title": "Krav",
                    "kind": "V",
                    "weight": Decimal("2"),
                    "status": "approved",
                    "tags": ["b", "a"],
                    "stakeholders": [(self.hospital, "raised")],
                },
                {"section": self.section, "key": "X-1", "title": "Info", "kind": "I"},
            ],
        )
        requirement = Requirement.objects.get(pk=created[0].pk)
        self.assertEqual(
            requirement.content_hash, snapshot_hash(requirement.snapshot())
        )
        self.assertEqual(requirement.status_changed_by, self.staff)
        first = requirement.history.get()
        self.assertEqual(first.history_user, self.staff)
        self.assertEqual(sorted(tag.tag.name for tag in first.tags.all()), ["a", "b"])
        self.assertEqual(
            RequirementStakeholder.history.filter(
                requirement_id=requirement.pk
            ).count(),
            1,
        )
        self.assertEqual(spec.next_key(self.procurement, "FUNK"), "FUNK-0008")

    def test_one_invalid_requirement_stops_them_all(self):
        with self.assertRaises(ValidationError) as caught:
            spec.requirements_bulk_create(
                by=self.staff,
                procurement=self.procurement,
                requirements=[
                    {"section": self.section, "key": "K-1", "title": "Ok", "kind": "I"},
                    {"section": self.section, "key": "K-2", "title": "V", "kind": "V"},
                    {"section": self.section, "key": "K-1", "title": "To", "kind": "I"},
                ],
            )
        self.assertEqual(len(caught.exception.messages), 2)
        self.assertFalse(Requirement.objects.exists())
