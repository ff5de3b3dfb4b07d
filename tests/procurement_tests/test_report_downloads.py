"""Every report download is recorded (who, which report, which procurement,
the file name), and administrators read the record in a filtered list."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from procurement.models import Baseline, ReportDownload, TenderRound
from procurement.services.reports import report_download_record
from tests.base import KravsporTestCase
from workshops.models import Workshop


class ReportDownloadRecordTests(KravsporTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.round = TenderRound.objects.create(
            procurement=cls.procurement,
            number=1,
            kind=TenderRound.Kind.INITIAL,
            name="Første tilbud",
        )
        start = timezone.make_aware(datetime.datetime(2016, 9, 5, 9))
        cls.workshop = Workshop.objects.create(
            procurement=cls.procurement,
            title="Legemidler",
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=3),
        )

    def base(self) -> str:
        return f"/procurements/{self.procurement.pk}/"

    def download(self, user, suffix: str) -> ReportDownload:
        self.client.force_login(user)
        response = self.client.get(self.base() + suffix)
        self.assertEqual(response.status_code, 200, suffix)
        b"".join(response.streaming_content)
        record = ReportDownload.objects.get()
        self.assertEqual(record.user, user)
        self.assertEqual(record.procurement, self.procurement)
        self.assertIn(f'filename="{record.filename}"', response["Content-Disposition"])
        return record

    def cases(self):
        return [
            (self.manager, "spec/bilag1.pdf", "spec-pdf", ""),
            (self.manager, "spec/export.xlsx", "spec-xlsx", ""),
            (self.manager, "spec/export.reqif", "spec-reqif", ""),
            (
                self.lead,
                f"rounds/{self.round.pk}/opening.pdf",
                "opening-record",
                "Første tilbud",
            ),
            (
                self.staff,
                f"rounds/{self.round.pk}/answers.xlsx",
                "answer-sheet",
                "Første tilbud",
            ),
            (
                self.evaluator,
                f"workshops/{self.workshop.pk}/report.pdf",
                "workshop-report",
                "Legemidler",
            ),
            (self.manager, "workshops/participation.pdf", "participation-pdf", ""),
            (self.manager, "workshops/participation.xlsx", "participation-xlsx", ""),
            (self.evaluator, "trace/matrix.xlsx", "trace-matrix", ""),
        ]

    def test_each_report_download_is_recorded_once(self):
        for user, suffix, code, label in self.cases():
            with self.subTest(code):
                ReportDownload.objects.all().delete()
                record = self.download(user, suffix)
                self.assertEqual(record.report, code)
                self.assertEqual(record.label, label)
                self.assertTrue(record.filename)

    def test_a_baseline_download_names_the_baseline(self):
        baseline = Baseline.objects.create(
            procurement=self.procurement, label="Konkurransegrunnlag"
        )
        record = self.download(self.manager, f"spec/bilag1.pdf?baseline={baseline.pk}")
        self.assertEqual(record.label, "Konkurransegrunnlag")

    def test_refused_downloads_are_not_recorded(self):
        self.client.force_login(self.outsider)
        self.assertEqual(
            self.client.get(self.base() + "spec/bilag1.pdf").status_code, 404
        )
        self.client.force_login(self.manager)
        response = self.client.get(self.base() + f"rounds/{self.round.pk}/opening.pdf")
        self.assertEqual(response.status_code, 403)
        self.assertFalse(ReportDownload.objects.exists())

    def test_asking_for_the_headers_only_is_not_a_download(self):
        for user, suffix, code, _label in self.cases():
            with self.subTest(code):
                self.client.force_login(user)
                response = self.client.head(self.base() + suffix)
                self.assertEqual(response.status_code, 200)
                self.assertFalse(ReportDownload.objects.exists())


class ReportDownloadListTests(KravsporTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()

        def record(user, report, procurement, day, label=""):
            row = report_download_record(
                user=user,
                report=report,
                procurement=procurement,
                label=label,
                filename=f"{report}.pdf",
            )
            when = timezone.make_aware(datetime.datetime(2018, 3, day, 12))
            ReportDownload.objects.filter(pk=row.pk).update(downloaded_at=when)
            return row

        cls.first = record(cls.manager, "spec-pdf", cls.procurement, 1)
        cls.second = record(cls.lead, "evaluation-workbook", cls.procurement, 10)
        cls.third = record(cls.foreign_lead, "spec-pdf", cls.foreign, 20)
        cls.odd = record(cls.staff, "something-new", cls.procurement, 25)

    def rows(self, **query) -> list[ReportDownload]:
        self.client.force_login(self.admin)
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        response = self.client.get("/report-downloads/", query)
        self.assertEqual(response.status_code, 200)
        return list(response.context["table"].data)

    def test_administrators_see_every_download_newest_first(self):
        self.assertEqual(self.rows(), [self.odd, self.third, self.second, self.first])
        response = self.client.get("/report-downloads/")
        self.assertContains(response, "Requirement specification (PDF)")
        self.assertContains(response, "Evaluation workbook (.xlsx)")
        self.assertContains(response, "something-new")
        self.assertContains(response, "HP-LAB-2020")

    def test_it_filters_by_procurement_report_user_and_dates(self):
        self.assertEqual(self.rows(procurement=self.foreign.pk), [self.third])
        self.assertEqual(self.rows(report="spec-pdf"), [self.third, self.first])
        self.assertEqual(self.rows(report="something-new"), [self.odd])
        self.assertEqual(self.rows(user=self.lead.pk), [self.second])
        self.assertEqual(
            self.rows(downloaded_after="2018-03-05", downloaded_before="2018-03-20"),
            [self.third, self.second],
        )

    def test_others_are_refused(self):
        for user in (
            self.staff,
            self.lead,
            self.manager,
            self.evaluator,
            self.outsider,
        ):
            self.client.force_login(user)
            self.assertEqual(
                self.client.get("/report-downloads/").status_code, 403, user
            )

    def test_login_is_required(self):
        self.assertEqual(self.client.get("/report-downloads/").status_code, 302)

    def test_other_methods_are_refused(self):
        self.client.force_login(self.admin)
        self.assertEqual(self.client.post("/report-downloads/").status_code, 405)

    def test_the_list_costs_the_same_queries_for_more_rows(self):
        self.rows()
        with CaptureQueriesContext(connection) as few:
            self.client.get("/report-downloads/")
        for _ in range(20):
            report_download_record(
                user=self.manager, report="spec-xlsx", procurement=self.procurement
            )
        with CaptureQueriesContext(connection) as many:
            self.client.get("/report-downloads/")
        self.assertEqual(len(many), len(few))

    def test_administrators_find_it_in_the_menu(self):
        self.client.force_login(self.admin)
        self.assertContains(self.client.get("/"), 'href="/report-downloads/"')
        self.client.force_login(self.manager)
        self.assertNotContains(self.client.get("/"), 'href="/report-downloads/"')

    def test_the_admin_shows_the_record_read_only(self):
        self.client.force_login(self.admin)
        base = "/admin/procurement/reportdownload/"
        self.assertEqual(self.client.get(base).status_code, 200)
        self.assertEqual(self.client.get(base + "add/").status_code, 403)
        response = self.client.post(base + f"{self.first.pk}/delete/", {"post": "yes"})
        self.assertEqual(response.status_code, 403)
        self.assertTrue(ReportDownload.objects.filter(pk=self.first.pk).exists())
