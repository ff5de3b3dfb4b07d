"""The specification as an Excel workbook: export, parse, plan and apply."""

from __future__ import annotations

import io
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import translation
from openpyxl import Workbook, load_workbook

from procurement.documents.safety import (
    EXCEL_CELL_LIMIT,
    TRUNCATION_MARK,
    UploadProblem,
)
from procurement.models import Event, Requirement
from procurement.selectors.specification import current_snapshots
from procurement.services.specification import (
    baseline_publish,
    requirement_create,
    requirement_update,
    section_save,
)
from procurement.spec_excel import (
    COLUMNS,
    PlanOutdated,
    apply_plan,
    parse_workbook,
    plan_import,
    stored_requirements,
    write_specification_xlsx,
)
from tests.base import KravsporTestCase

FORMULA = '=HYPERLINK("http://evil.example","Klikk her")'
HEADERS_EN = [
    "Key",
    "Section number",
    "Section title",
    "Title",
    "Need / description",
    "Response instructions",
    "Kind",
    "Weight",
    "Status",
    "Rationale",
    "Tags",
    "Stakeholders",
]


class SpecWorld(KravsporTestCase):
    """A small specification: three sections, four requirements, one of them
    with a formula-like title and text that spreadsheets mangle."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        procurement = cls.procurement
        cls.journal = section_save(
            by=None,
            procurement=procurement,
            number="1",
            title="Pasientjournal",
            prefix="FUNK",
        )
        cls.documentation = section_save(
            by=None,
            procurement=procurement,
            number="1.1",
            title="Dokumentasjon",
            parent=cls.journal,
        )
        cls.medication = section_save(
            by=None,
            procurement=procurement,
            number="2",
            title="Legemiddelhåndtering",
            prefix="LEGE",
        )
        cls.structured = requirement_create(
            by=cls.staff,
            procurement=procurement,
            section=cls.journal,
            title="Strukturert journal",
            description="Journalen skal være strukturert.\r\nDet gir bedre data.",
            response_instructions="Beskriv hvordan løsningen strukturerer journalen.",
            kind=Requirement.Kind.V,
            weight=Decimal("10"),
            rationale="Felles språk på tvers av nivåene.",
            tags=["journal", "struktur"],
            stakeholders=[
                (cls.hospital, "raised"),
                (cls.trondheim, "endorsed"),
            ],
        )
        cls.formula = requirement_create(
            by=cls.staff,
            procurement=procurement,
            section=cls.documentation,
            title=FORMULA,
            description="-5 % avvik er lov\n  med innrykk  ",
            kind=Requirement.Kind.A,
            status=Requirement.Status.IN_REVIEW,
        )
        cls.weighted = requirement_create(
            by=cls.staff,
            procurement=procurement,
            section=cls.medication,
            title="Legemiddelliste",
            kind=Requirement.Kind.AV,
            weight=Decimal("2.125"),
            status=Requirement.Status.APPROVED,
            tags=["legemidler"],
        )
        cls.info = requirement_create(
            by=cls.staff,
            procurement=procurement,
            section=cls.medication,
            title="Informasjon om dagens løsning",
            kind=Requirement.Kind.I,
        )
        requirement_create(
            by=cls.foreign_lead,
            procurement=cls.foreign,
            section=section_save(
                by=None, procurement=cls.foreign, number="1", title="Lab"
            ),
            title="Ikke vår",
            kind=Requirement.Kind.I,
        )

    # Helpers ----------------------------------------------------------------

    def export(self, baseline=None, language="en") -> bytes:
        buffer = io.BytesIO()
        with translation.override(language):
            write_specification_xlsx(self.procurement, buffer, baseline=baseline)
        return buffer.getvalue()

    def sheet(self, data: bytes):
        return load_workbook(io.BytesIO(data)).active

    def rows(self, data: bytes) -> list[list]:
        return [list(row) for row in self.sheet(data).iter_rows(values_only=True)]

    def edited(self, data: bytes, edits: dict[tuple[int, str], object]) -> bytes:
        """The workbook with cells changed: (row, header) → value; a row past
        the end adds a row."""
        workbook = load_workbook(io.BytesIO(data))
        sheet = workbook.active
        headers = [cell.value for cell in sheet[1]]
        for (row, header), value in edits.items():
            sheet.cell(row, headers.index(header) + 1).value = value
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()

    def plan(self, data: bytes, name="krav.xlsx"):
        sheet = parse_workbook(io.BytesIO(data), name=name)
        return plan_import(self.procurement, sheet)

    def row_of(self, data: bytes, key: str) -> int:
        for number, row in enumerate(self.rows(data), 1):
            if row[0] == key:
                return number
        raise AssertionError(key)

    def error_codes(self, plan) -> list[tuple[int, str, str]]:
        return [(error.row, error.letter, error.code) for error in plan.errors]


class ExportTests(SpecWorld):
    def test_one_row_per_requirement_in_document_order(self):
        rows = self.rows(self.export())
        self.assertEqual(rows[0], HEADERS_EN)
        self.assertEqual(
            [row[0] for row in rows[1:]],
            [
                self.structured.key,
                self.formula.key,
                self.weighted.key,
                self.info.key,
            ],
        )
        self.assertEqual(
            rows[1],
            [
                "FUNK-0001",
                "1",
                "Pasientjournal",
                "Strukturert journal",
                "Journalen skal være strukturert.\r\nDet gir bedre data.",
                "Beskriv hvordan løsningen strukturerer journalen.",
                "V",
                10,
                "Draft",
                "Felles språk på tvers av nivåene.",
                "journal, struktur",
                "raised: St. Olavs hospital HF; endorsed: Trondheim kommune",
            ],
        )
        self.assertEqual(rows[3][7], 2.125)
        self.assertIsNone(rows[4][7])

    def test_headers_and_labels_follow_the_active_language(self):
        rows = self.rows(self.export(language="nb"))
        self.assertEqual(
            rows[0][:4], ["Nøkkel", "Seksjonsnummer", "Seksjonstittel", "Tittel"]
        )
        self.assertEqual(rows[0][5], "Krav til besvarelse")
        self.assertEqual(rows[1][8], "Utkast")
        self.assertTrue(rows[1][11].startswith("spilt inn: St. Olavs hospital HF"))

    def test_a_formula_title_is_a_text_cell_not_a_formula(self):
        sheet = self.sheet(self.export())
        cell = sheet.cell(3, 4)
        self.assertNotEqual(cell.data_type, "f")
        self.assertEqual(cell.value, FORMULA)
        self.assertTrue(cell.quotePrefix)
        self.assertEqual(sheet.cell(3, 5).data_type, "s")

    def test_the_sheet_is_ready_to_work_in(self):
        sheet = self.sheet(self.export())
        self.assertEqual(sheet.freeze_panes, "A2")
        self.assertEqual(sheet.auto_filter.ref, "A1:L5")
        self.assertGreater(sheet.column_dimensions["E"].width, 40)
        self.assertTrue(sheet.cell(2, 5).alignment.wrap_text)
        lists = {
            str(validation.sqref): validation.formula1
            for validation in sheet.data_validations.dataValidation
        }
        self.assertEqual(lists["G2:G1048576"], '"A,V,AV,I"')
        self.assertEqual(lists["I2:I1048576"], '"Draft,In review,Approved,Withdrawn"')

    def test_characters_excel_cannot_hold_are_stripped(self):
        requirement_update(
            by=self.staff, requirement=self.info, description="Bjel\x07le\x00"
        )
        row = self.rows(self.export())[4]
        self.assertEqual(row[4], "Bjelle")
        self.info.refresh_from_db()
        self.assertEqual(self.info.description, "Bjel\x07le")  # NUL never stored

    def test_text_longer_than_a_cell_is_cut_with_the_mark(self):
        requirement_update(
            by=self.staff, requirement=self.info, description="å" * 40_000
        )
        text = self.rows(self.export())[4][4]
        self.assertEqual(len(text), EXCEL_CELL_LIMIT)
        self.assertTrue(text.endswith(TRUNCATION_MARK))

    def test_a_baseline_exports_its_snapshot_not_today(self):
        baseline = baseline_publish(
            by=self.staff, procurement=self.procurement, label="Bilag 1 v1"
        )
        requirement_update(
            by=self.staff, requirement=self.info, title="Ny tittel etter baseline"
        )
        requirement_create(
            by=self.staff,
            procurement=self.procurement,
            section=self.medication,
            title="Kom etter baseline",
            kind=Requirement.Kind.I,
        )
        rows = self.rows(self.export(baseline=baseline))
        self.assertEqual(len(rows), 5)
        self.assertEqual(rows[4][3], "Informasjon om dagens løsning")
        self.assertEqual(rows[1][11], self.rows(self.export())[1][11])

    def test_the_fast_reader_agrees_with_the_model(self):
        stored = {s.key: s.snapshot() for s in stored_requirements(self.procurement)}
        expected = {
            requirement.key: requirement.snapshot()
            for requirement in Requirement.objects.filter(procurement=self.procurement)
        }
        self.assertEqual(stored, expected)
        self.assertEqual(list(stored), list(current_snapshots(self.procurement)))

    def test_an_empty_specification_exports_the_header(self):
        Requirement.objects.filter(procurement=self.procurement).delete()
        rows = self.rows(self.export())
        self.assertEqual(rows, [HEADERS_EN])


class RoundTripTests(SpecWorld):
    def test_an_unchanged_workbook_changes_nothing(self):
        plan = self.plan(self.export())
        self.assertEqual(plan.errors, [])
        self.assertFalse(plan.has_changes)
        self.assertEqual(plan.unchanged, 4)
        self.assertEqual(plan.not_in_file, 0)
        history = Requirement.history.count()
        result = apply_plan(plan, procurement=self.procurement, by=self.staff)
        self.assertEqual((result.created, result.changed), ([], []))
        self.assertEqual(Requirement.history.count(), history)
        self.assertFalse(Event.objects.filter(action="specification.imported"))

    def test_headers_are_recognised_in_either_language(self):
        with translation.override("nb"):
            plan = self.plan(self.export(language="en"))
        self.assertFalse(plan.has_changes or plan.errors)
        with translation.override("en"):
            plan = self.plan(self.export(language="nb"))
        self.assertFalse(plan.has_changes or plan.errors)

    def test_formula_text_survives_a_save_in_a_spreadsheet(self):
        data = self.edited(self.export(), {(2, "Rationale"): "Endret begrunnelse"})
        plan = self.plan(data)
        self.assertEqual([row.key for row in plan.changed], [self.structured.key])
        self.assertEqual(self.sheet(data).cell(3, 4).value, FORMULA)

    def test_stripped_characters_do_not_count_as_a_change(self):
        requirement_update(
            by=self.staff, requirement=self.info, rationale="Fordi\x0b slik"
        )
        plan = self.plan(self.export())
        self.assertFalse(plan.has_changes or plan.errors)

    def test_text_cut_on_export_does_not_count_as_a_change(self):
        requirement_update(
            by=self.staff, requirement=self.info, description="å" * 40_000
        )
        data = self.export()
        self.assertFalse(self.plan(data).has_changes)
        edited = self.edited(data, {(5, "Need / description"): "Kortere tekst"})
        plan = self.plan(edited)
        self.assertEqual(self.error_codes(plan), [(5, "E", "cut_on_export")])

    def test_rows_left_out_of_the_file_are_left_alone(self):
        workbook = load_workbook(io.BytesIO(self.export()))
        workbook.active.delete_rows(3, 2)
        buffer = io.BytesIO()
        workbook.save(buffer)
        plan = self.plan(buffer.getvalue())
        self.assertFalse(plan.has_changes or plan.errors)
        self.assertEqual((plan.unchanged, plan.not_in_file), (2, 2))

    def test_missing_optional_columns_leave_those_fields_alone(self):
        workbook = load_workbook(io.BytesIO(self.export()))
        workbook.active.delete_cols(10, 3)  # rationale, tags, stakeholders
        workbook.active.cell(2, 4).value = "Ny tittel"
        buffer = io.BytesIO()
        workbook.save(buffer)
        plan = self.plan(buffer.getvalue())
        self.assertEqual([c.name for c in plan.changed[0].changes], ["title"])
        apply_plan(plan, procurement=self.procurement, by=self.staff)
        self.structured.refresh_from_db()
        self.assertEqual(self.structured.rationale, "Felles språk på tvers av nivåene.")
        self.assertEqual(self.structured.stakeholder_links.count(), 2)


class EditTests(SpecWorld):
    def test_edits_are_found_field_by_field_and_applied_with_history(self):
        data = self.edited(
            self.export(),
            {
                (2, "Section number"): "1.1",
                (2, "Title"): "Strukturert og kodet journal",
                (2, "Need / description"): "Journalen skal være strukturert.",
                (2, "Kind"): "AV",
                (2, "Weight"): "12,5",
                (2, "Status"): "Til gjennomgang",
                (2, "Tags"): "struktur, kodeverk",
                (2, "Stakeholders"): "owner: Helse Midt-Norge RHF",
            },
        )
        plan = self.plan(data)
        self.assertEqual(plan.errors, [])
        self.assertEqual((len(plan.changed), plan.unchanged), (1, 3))
        change = plan.changed[0]
        self.assertEqual(
            [c.name for c in change.changes],
            [
                "section",
                "title",
                "description",
                "kind",
                "weight",
                "status",
                "tags",
                "stakeholders",
            ],
        )
        by_name = {c.name: c for c in change.changes}
        self.assertEqual(by_name["weight"].old, "10")
        self.assertEqual(by_name["weight"].new, "12.5")
        self.assertEqual(by_name["title"].old, "Strukturert journal")
        self.assertIn("insert", [part.op for part in by_name["title"].diff])
        history = self.structured.history.count()

        apply_plan(plan, procurement=self.procurement, by=self.staff)

        requirement = Requirement.objects.get(pk=self.structured.pk)
        self.assertEqual(requirement.section, self.documentation)
        self.assertEqual(requirement.title, "Strukturert og kodet journal")
        self.assertEqual(requirement.kind, "AV")
        self.assertEqual(requirement.weight, Decimal("12.5"))
        self.assertEqual(requirement.status, "in_review")
        self.assertEqual(requirement.status_changed_by, self.staff)
        self.assertEqual(
            sorted(tag.name for tag in requirement.tags.all()),
            ["kodeverk", "struktur"],
        )
        self.assertEqual(
            [
                (link.organisation, link.relation)
                for link in requirement.stakeholder_links.all()
            ],
            [(self.rhf, "owner")],
        )
        self.assertEqual(requirement.version, self.structured.version + 1)
        self.assertGreater(requirement.history.count(), history)
        self.assertEqual(requirement.history.first().history_user, self.staff)
        self.assertTrue(Event.objects.filter(action="specification.imported"))
        self.assertFalse(self.plan(self.export()).has_changes)

    def test_choices_accept_codes_and_labels_in_both_languages(self):
        data = self.edited(
            self.export(),
            {
                (2, "Kind"): "a – absolute (pass/fail)",
                (2, "Status"): "in_review",
                (4, "Kind"): "I – informasjon",
                (4, "Status"): "withdrawn",
                (5, "Status"): "Trukket",
            },
        )
        plan = self.plan(data)
        self.assertEqual(self.error_codes(plan), [(4, "G", "unknown_choice")])
        data = self.edited(data, {(4, "Kind"): "i"})
        plan = self.plan(data)
        self.assertEqual(plan.errors, [])
        self.assertEqual(
            {row.key: row.fields for row in plan.changed},
            {
                self.structured.key: {"kind": "A", "status": "in_review"},
                self.weighted.key: {"kind": "I", "status": "withdrawn"},
                self.info.key: {"status": "withdrawn"},
            },
        )

    def test_an_impossible_status_step_is_a_row_error(self):
        data = self.edited(self.export(), {(2, "Status"): "Approved"})
        plan = self.plan(data)
        self.assertEqual(self.error_codes(plan), [(2, "I", "invalid_transition")])
        self.assertFalse(plan.can_apply)

    def test_bad_values_are_row_errors_with_row_and_column(self):
        data = self.edited(
            self.export(),
            {
                (2, "Weight"): "mye",
                (3, "Weight"): -1,
                (4, "Weight"): "1,2345",
                (5, "Section number"): "9.9",
                (5, "Stakeholders"): "raised: Ukjent sykehus; likte: Trondheim kommune",
                (3, "Tags"): "x" * 61,
            },
        )
        plan = self.plan(data)
        self.assertEqual(
            self.error_codes(plan),
            [
                (2, "H", "invalid_weight"),
                (3, "H", "negative_weight"),
                (3, "K", "tag_too_long"),
                (4, "H", "weight_decimals"),
                (5, "B", "unknown_section"),
                (5, "L", "unknown_organisation"),
                (5, "L", "unknown_relation"),
            ],
        )
        self.assertFalse(plan.has_changes)

    def test_error_messages_say_where(self):
        data = self.edited(self.export(), {(3, "Section number"): "7"})
        with translation.override("en"):
            plan = self.plan(data)
            message = str(plan.errors[0])
        self.assertEqual(
            message,
            "Row 3, Section number (B): There is no section 7 in this specification.",
        )

    def test_a_weighted_requirement_without_weight_is_refused(self):
        data = self.edited(self.export(), {(2, "Weight"): None})
        plan = self.plan(data)
        self.assertEqual(self.error_codes(plan), [(2, "H", "invalid")])

    def test_an_empty_title_is_refused(self):
        data = self.edited(self.export(), {(2, "Title"): None})
        self.assertEqual(self.error_codes(self.plan(data)), [(2, "D", "invalid")])

    def test_a_changed_section_title_is_noted_not_applied(self):
        data = self.edited(self.export(), {(2, "Section title"): "Journal"})
        plan = self.plan(data)
        self.assertFalse(plan.has_changes or plan.errors)
        self.assertEqual([w.code for w in plan.warnings], ["section_title_differs"])


class NewRowTests(SpecWorld):
    def test_rows_without_a_key_create_requirements_with_the_section_prefix(self):
        data = self.edited(
            self.export(),
            {
                (6, "Section number"): "1.1",
                (6, "Title"): "Maler for dokumentasjon",
                (6, "Kind"): "V",
                (6, "Weight"): 3,
                (6, "Tags"): "maler",
                (6, "Stakeholders"): "raised: Molde kommune",
                (7, "Section number"): "2",
                (7, "Title"): "Legemiddelsamstemming",
                (7, "Kind"): "A",
            },
        )
        plan = self.plan(data)
        self.assertEqual(plan.errors, [])
        self.assertEqual([row.row for row in plan.created], [6, 7])
        result = apply_plan(plan, procurement=self.procurement, by=self.staff)
        first, second = result.created
        self.assertEqual(first.key, "FUNK-0003")
        self.assertEqual(first.section, self.documentation)
        self.assertEqual(first.weight, Decimal("3"))
        self.assertEqual([t.name for t in first.tags.all()], ["maler"])
        self.assertEqual(first.stakeholders.get(), self.molde)
        self.assertEqual(second.key, "LEGE-0003")
        self.assertEqual(second.status, "draft")
        self.assertFalse(self.plan(self.export()).has_changes)

    def test_rows_of_blanks_are_skipped(self):
        data = self.edited(self.export(), {(6, "Title"): "   ", (7, "Tags"): None})
        plan = self.plan(data)
        self.assertFalse(plan.has_changes or plan.errors)

    def test_a_new_row_needs_a_known_section(self):
        data = self.edited(self.export(), {(6, "Title"): "Uten seksjon"})
        plan = self.plan(data)
        self.assertEqual(self.error_codes(plan), [(6, "B", "section_missing")])


class KeyTests(SpecWorld):
    def test_a_key_twice_in_the_file_is_an_error_on_both_rows(self):
        data = self.edited(self.export(), {(3, "Key"): self.structured.key})
        plan = self.plan(data)
        self.assertEqual(
            self.error_codes(plan),
            [(2, "A", "duplicate_key"), (3, "A", "duplicate_key")],
        )
        self.assertFalse(plan.can_apply)

    def test_an_unknown_key_is_an_error_never_a_new_key(self):
        data = self.edited(self.export(), {(2, "Key"): "FUNK-9999"})
        self.assertEqual(self.error_codes(self.plan(data)), [(2, "A", "unknown_key")])

    def test_a_key_from_another_procurement_is_unknown(self):
        foreign_key = Requirement.objects.get(procurement=self.foreign).key
        data = self.edited(self.export(), {(6, "Key"): foreign_key})
        data = self.edited(data, {(6, "Section number"): "1", (6, "Title"): "x"})
        self.assertEqual(self.error_codes(self.plan(data)), [(6, "A", "unknown_key")])


class ApplyTests(SpecWorld):
    def test_a_plan_is_refused_when_the_spec_changed_since(self):
        data = self.edited(self.export(), {(2, "Title"): "Fra regnearket"})
        plan = self.plan(data)
        requirement_update(
            by=self.lead, requirement=self.info, title="Endret i mellomtiden"
        )
        with self.assertRaises(PlanOutdated):
            apply_plan(plan, procurement=self.procurement, by=self.staff)
        self.structured.refresh_from_db()
        self.assertEqual(self.structured.title, "Strukturert journal")

    def test_it_is_all_or_nothing(self):
        data = self.edited(
            self.export(),
            {
                (2, "Title"): "Endret",
                (6, "Section number"): "2",
                (6, "Title"): "Ny",
                (6, "Kind"): "I",
            },
        )
        plan = self.plan(data)
        # A refusal from the service on the last row, after the change row has
        # been written, undoes the change too.
        plan.created[0].fields["kind"] = "X"
        with self.assertRaises(ValidationError):
            apply_plan(plan, procurement=self.procurement, by=self.staff)
        self.structured.refresh_from_db()
        self.assertEqual(self.structured.title, "Strukturert journal")
        self.assertEqual(Requirement.objects.filter(title="Ny").count(), 0)

    def test_a_plan_with_errors_cannot_be_applied(self):
        data = self.edited(self.export(), {(2, "Kind"): "Z"})
        with self.assertRaises(ValueError):
            apply_plan(self.plan(data), procurement=self.procurement, by=self.staff)


class BrokenFileTests(SpecWorld):
    def workbook(self, rows) -> bytes:
        workbook = Workbook()
        for row in rows:
            workbook.active.append(row)
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()

    def problem(self, data: bytes) -> UploadProblem:
        with self.assertRaises(UploadProblem) as caught:
            self.plan(data)
        return caught.exception

    def test_not_a_workbook(self):
        self.assertEqual(self.problem(b"%PDF-1.4 ...").code, "not_a_zip")

    def test_an_empty_file(self):
        self.assertEqual(self.problem(b"").code, "empty_file")

    def test_an_empty_sheet(self):
        self.assertEqual(self.problem(self.workbook([])).code, "empty_sheet")

    def test_a_header_without_rows(self):
        self.assertEqual(self.problem(self.workbook([HEADERS_EN])).code, "no_rows")

    def test_wrong_columns_are_named(self):
        data = self.workbook([["Key", "Titel", "Seksjonsnummer", "Key"], ["x"]])
        with translation.override("en"):
            problem = self.problem(data)
        self.assertEqual(problem.code, "wrong_columns")
        self.assertIn("B «Titel»", problem.message)
        self.assertIn("D «Key»", problem.message)
        self.assertIn("missing: Title", problem.message)

    def test_a_sheet_from_somewhere_else(self):
        data = self.workbook([["Navn", "Telefon"], ["Ola", "99"]])
        self.assertEqual(self.problem(data).code, "wrong_columns")

    def test_the_column_table_covers_every_export_column(self):
        with translation.override("en"):
            self.assertEqual([str(c.label) for c in COLUMNS], HEADERS_EN)
