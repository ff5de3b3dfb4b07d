import io
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from openpyxl import load_workbook

from procurement.models import Requirement
from tests.workshops_tests.triage_world import TriageTestCase
from workshops.services import triage


class TracedWorld(TriageTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.accepted = triage.input_accept(
            by=cls.staff,
            input=cls.allergy_input,
            section=cls.medicine,
            title='=HYPERLINK("http://x")',
            kind="V",
            weight=Decimal("2"),
        )
        triage.input_link(
            by=cls.staff, input=cls.allergy_again, requirement=cls.allergy
        )
        cls.duplicate = cls.make_input(
            cls.workshop, "Allergier øverst", organisations=[cls.trondheim]
        )
        triage.input_mark_duplicate(
            by=cls.staff, input=cls.duplicate, original=cls.allergy_input
        )
        triage.input_reject(by=cls.staff, input=cls.login_input, reason="Utenfor.")
        cls.still_new = cls.make_input(
            cls.workshop_2, "=1+1 regnes ikke ut", organisations=[cls.trondheim]
        )


class RequirementOriginsTests(TracedWorld):
    def test_the_requirement_page_lists_its_origins_with_workshop_and_raisers(self):
        self.login(self.manager)
        response = self.client.get(self.accepted.get_absolute_url())
        self.assertEqual(response.status_code, 200)
        base = self.base()
        self.assertContains(response, f'href="{base}/inputs/{self.allergy_input.pk}/"')
        self.assertContains(response, f'href="{self.workshop.get_absolute_url()}"')
        self.assertContains(
            response, f'href="{base}/organisations/{self.trondheim.pk}/trace/"'
        )
        self.assertContains(response, 'class="origin"', count=1)

    def test_origins_are_prefetched(self):
        self.login(self.staff)
        url = self.allergy.get_absolute_url()
        with CaptureQueriesContext(connection) as few:
            self.client.get(url)
        for n in range(5):
            extra = self.make_input(
                self.workshop_2, f"Mer om allergi {n}", organisations=[self.rhf]
            )
            # Straight to the link table: the requirement's history (and
            # its queries) stays as it was.
            extra.requirements.add(self.allergy)
        with self.assertNumQueries(len(few)):
            response = self.client.get(url)
        self.assertContains(response, 'class="origin"', count=6)


class OrganisationTraceTests(TracedWorld):
    def url(self, organisation, query: str = "") -> str:
        return f"{self.base()}/organisations/{organisation.pk}/trace/{query}"

    def test_it_shows_every_outcome_with_counts(self):
        self.login(self.manager)
        response = self.client.get(self.url(self.trondheim))
        self.assertEqual(response.status_code, 200)
        counts = {s: c for s, _label, c in response.context["outcomes"]}
        self.assertEqual(
            counts,
            {"new": 1, "accepted": 1, "merged": 0, "duplicate": 1, "rejected": 1},
        )
        self.assertEqual(response.context["total"], 4)
        rows = {
            row.record.pk: row.get_cell("outcome")
            for row in response.context["table"].page.object_list
        }
        self.assertIn(self.accepted.key, rows[self.allergy_input.pk])
        self.assertIn(f"#{self.allergy_input.pk}", rows[self.duplicate.pk])
        self.assertEqual(rows[self.login_input.pk], "Utenfor.")
        self.assertIn("muted", rows[self.still_new.pk])

    def test_merged_input_shows_the_requirement_key(self):
        self.login(self.staff)
        response = self.client.get(self.url(self.molde))
        rows = [
            r.get_cell("outcome") for r in response.context["table"].page.object_list
        ]
        self.assertEqual(len(rows), 1)
        self.assertIn(self.allergy.key, rows[0])

    def test_it_filters_by_status(self):
        self.login(self.staff)
        response = self.client.get(self.url(self.trondheim, "?status=rejected"))
        self.assertEqual(
            [r.record for r in response.context["table"].page.object_list],
            [self.login_input],
        )

    def test_refusals(self):
        self.login(self.outsider)
        self.assertEqual(self.client.get(self.url(self.trondheim)).status_code, 404)
        self.login(self.staff)
        self.assertEqual(
            self.client.get(f"{self.base()}/organisations/99999/trace/").status_code,
            404,
        )
        self.assertEqual(self.client.post(self.url(self.trondheim)).status_code, 405)

    def test_the_organisation_page_links_to_the_trace(self):
        self.login(self.manager)
        response = self.client.get(self.trondheim.get_absolute_url())
        self.assertContains(response, f'href="{self.url(self.trondheim)}"')
        self.login(self.outsider)
        response = self.client.get(self.trondheim.get_absolute_url())
        self.assertNotContains(response, 'id="raised-input"')


class MatrixTests(TracedWorld):
    def url(self) -> str:
        return f"{self.base()}/trace/matrix.xlsx"

    def workbook(self):
        self.login(self.manager)
        response = self.client.get(self.url())
        self.assertEqual(response.status_code, 200)
        self.assertIn("attachment", response["Content-Disposition"])
        return load_workbook(io.BytesIO(b"".join(response.streaming_content)))

    def test_one_row_per_requirement_and_origin(self):
        sheet = self.workbook().worksheets[0]
        rows = list(sheet.iter_rows(min_row=2, values_only=True))
        by_key = {}
        for row in rows:
            by_key.setdefault(row[0], []).append(row)
        self.assertEqual(set(by_key), {self.allergy.key, self.accepted.key})
        (allergy_row,) = by_key[self.allergy.key]
        self.assertEqual(allergy_row[4], f"#{self.allergy_again.pk}")
        self.assertEqual(allergy_row[5], self.workshop.title)
        self.assertEqual(allergy_row[6].date().isoformat(), "2016-09-14")
        self.assertEqual(allergy_row[7], "Molde kommune")
        (accepted_row,) = by_key[self.accepted.key]
        self.assertEqual(accepted_row[7], "St. Olavs hospital HF, Trondheim kommune")
        with translation.override(settings.LANGUAGE_CODE):
            self.assertEqual(accepted_row[3], str(Requirement.Status.DRAFT.label))

    def test_text_starting_with_equals_stays_text(self):
        sheet = self.workbook().worksheets[0]
        cells = [row[1] for row in sheet.iter_rows(min_row=2)]
        title = next(c for c in cells if str(c.value).startswith("="))
        self.assertEqual(title.value, '=HYPERLINK("http://x")')
        self.assertEqual(title.data_type, "s")

    def test_coverage_sheet_counts_organisations_per_level(self):
        sheet = self.workbook().worksheets[1]
        header = [c.value for c in next(sheet.iter_rows(max_row=1))]
        rows = {
            r[0]: dict(zip(header, r, strict=True))
            for r in sheet.iter_rows(min_row=2, values_only=True)
        }
        accepted = list(rows[self.accepted.key].values())
        # origins, specialist, municipal, primary, private, national, covered
        self.assertEqual(accepted[3:], [1, 1, 1, 0, 0, 0, 2])

    def test_refusals(self):
        self.login(self.outsider)
        self.assertEqual(self.client.get(self.url()).status_code, 404)
        self.login(self.staff)
        self.assertEqual(self.client.post(self.url()).status_code, 405)
