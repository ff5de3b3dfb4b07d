"""The Reports page of a procurement: every report listed with what it holds
and who may download it, the link only for those who may download it now and
otherwise the reason; every listed link works for the user who sees it."""

from __future__ import annotations

import datetime
from unittest import mock

from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from evaluation.models import Evaluation
from procurement.models import Baseline
from tests.evaluation_tests.world import EvaluationWorld
from workshops import report_list as workshop_report_list
from workshops.models import Workshop

EVALUATION_REPORTS = [
    "Evaluation workbook (.xlsx)",
    "Evaluation report (PDF)",
    "Award letters",
]
SPECIFICATION_REPORTS = [
    "Requirement specification (PDF)",
    "Requirement specification (Excel)",
    "Requirement specification (ReqIF)",
]
WORKSHOP_REPORTS = [
    "Participation report (PDF)",
    "Participation report (Excel)",
    "Traceability matrix (.xlsx)",
]


def make_workshop(procurement, title: str, day: int) -> Workshop:
    start = timezone.make_aware(datetime.datetime(2016, 9, day, 9))
    return Workshop.objects.create(
        procurement=procurement,
        title=title,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=3),
    )


class ReportsPageTests(EvaluationWorld):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.workshop = make_workshop(cls.procurement, "Legemidler <b>&</b> allergi", 5)

    def url(self, suffix: str = "") -> str:
        return f"/procurements/{self.procurement.pk}/reports/{suffix}"

    def page(self, user, language: str = "en"):
        self.client.force_login(user)
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        return self.client.get(self.url())

    def entries(self, user) -> dict:
        response = self.page(user)
        self.assertEqual(response.status_code, 200)
        return {
            entry.title: entry
            for _group, entries in response.context["groups"]
            for entry in entries
        }

    def groups(self, user) -> list[str]:
        return [group for group, _entries in self.page(user).context["groups"]]

    def evaluation_entries(self, user) -> list:
        entries = self.entries(user)
        return [entries[title] for title in EVALUATION_REPORTS]

    def release(self) -> None:
        Evaluation.objects.filter(pk=self.evaluation.pk).update(
            released_at=timezone.now()
        )

    # Who sees what ------------------------------------------------------------

    def test_strangers_get_404(self):
        for user in (self.outsider, self.foreign_lead):
            self.client.force_login(user)
            self.assertEqual(self.client.get(self.url()).status_code, 404, user)

    def test_login_is_required(self):
        response = self.client.get(self.url())
        self.assertEqual(response.status_code, 302)

    def test_other_methods_are_refused(self):
        self.client.force_login(self.lead)
        self.assertEqual(self.client.post(self.url()).status_code, 405)

    def test_groups_come_in_the_order_of_the_work(self):
        self.assertEqual(
            self.groups(self.lead),
            [
                "Requirement specification",
                "Workshops",
                "Tender rounds",
                "Evaluation of round 1: Første tilbud",
            ],
        )

    def test_the_lead_may_download_every_report(self):
        entries = self.entries(self.lead)
        for title in SPECIFICATION_REPORTS + WORKSHOP_REPORTS + EVALUATION_REPORTS:
            self.assertTrue(entries[title].url, title)
        self.assertTrue(entries["Opening record (PDF), Round 1: Første tilbud"].url)
        self.assertTrue(entries["Opening record (PDF), Round 2: Reviderte tilbud"].url)

    def test_management_sees_evaluation_reports_only_once_released(self):
        for entry in self.evaluation_entries(self.manager):
            self.assertIsNone(entry.url)
            self.assertIn("when the lead releases the results", entry.note)
        response = self.page(self.manager)
        self.assertContains(response, "when the lead releases the results")
        self.release()
        workbook, report, letters = self.evaluation_entries(self.manager)
        for entry in (workbook, report, letters):
            self.assertTrue(entry.url, entry.title)
        self.assertIn("not locked yet", workbook.note)
        self.assertIn(
            "once the evaluation is locked with a single winner", letters.note
        )

    def test_management_may_download_the_reports_of_a_locked_evaluation(self):
        Evaluation.objects.filter(pk=self.evaluation.pk).update(
            status=Evaluation.Status.LOCKED, locked_at=timezone.now()
        )
        for entry in self.evaluation_entries(self.manager):
            self.assertTrue(entry.url, entry.title)
            self.assertEqual(entry.note, "")

    def test_management_reads_the_specification_and_workshops_but_not_tenders(self):
        entries = self.entries(self.manager)
        for title in SPECIFICATION_REPORTS + WORKSHOP_REPORTS:
            self.assertTrue(entries[title].url, title)
        opening = entries["Opening record (PDF), Round 1: Første tilbud"]
        self.assertIsNone(opening.url)
        self.assertIn("Only for programme staff and the evaluation lead", opening.note)
        self.assertNotIn("Opening record (page), Round 1: Første tilbud", entries)

    def test_evaluators_get_no_evaluation_report_even_after_release(self):
        self.release()
        for user in (self.evaluator, self.evaluator2):
            for entry in self.evaluation_entries(user):
                self.assertIsNone(entry.url)
                self.assertIn("Only for the evaluation lead and management", entry.note)
        response = self.page(self.evaluator)
        for suffix in ("report", "award"):
            self.assertNotContains(
                response, f"/evaluations/{self.evaluation.pk}/{suffix}"
            )

    def test_programme_staff_get_tender_reports_but_no_evaluation_report(self):
        self.release()
        entries = self.entries(self.staff)
        self.assertTrue(entries["Opening record (PDF), Round 1: Første tilbud"].url)
        self.assertTrue(entries["Opening record (page), Round 1: Første tilbud"].url)
        for title in EVALUATION_REPORTS:
            self.assertIsNone(entries[title].url, title)

    def test_a_round_not_yet_opened_says_so(self):
        entry = self.entries(self.staff)["Opening record (PDF), Round 1: Første tilbud"]
        self.assertIn("Not opened yet", entry.note)

    def test_the_latest_baseline_is_listed(self):
        Baseline.objects.create(
            procurement=self.procurement, label="Konkurransegrunnlag 2017-05"
        )
        entry = self.entries(self.manager)["Baseline Konkurransegrunnlag 2017-05 (PDF)"]
        self.assertIn("?baseline=", entry.url)

    def assert_links_follow_the_views(self) -> None:
        lead_urls = {e.url for e in self.entries(self.lead).values() if e.url}
        for user in (self.lead, self.staff, self.manager, self.evaluator):
            offered = {e.url for e in self.entries(user).values() if e.url}
            self.assertLessEqual(offered, lead_urls, user)
            self.client.force_login(user)
            for url in sorted(lead_urls):
                with self.subTest(user=user.username, url=url):
                    response = self.client.get(url)
                    self.assertEqual(
                        response.status_code, 200 if url in offered else 403
                    )
                    if response.streaming:
                        b"".join(response.streaming_content)

    def test_every_link_works_for_its_user_and_the_others_are_refused(self):
        """The page's links follow the report views' own checks: what a user
        is offered opens for them, what the lead is offered and they are not
        is refused to them, before and after the lead releases the results."""
        self.complete()
        self.assert_links_follow_the_views()
        self.release()
        self.assert_links_follow_the_views()

    # Workshops ----------------------------------------------------------------

    def test_each_workshop_has_its_report_while_there_are_few(self):
        entries = self.entries(self.evaluator)
        titles = [t for t in entries if t.startswith("Workshop report (PDF): ")]
        self.assertEqual(len(titles), 1)
        entry = entries[titles[0]]
        self.assertIn("Legemidler <b>&</b> allergi", entry.title)
        self.assertTrue(entry.url.endswith(f"/workshops/{self.workshop.pk}/report.pdf"))
        response = self.page(self.evaluator)
        self.assertContains(response, "Legemidler &lt;b&gt;&amp;&lt;/b&gt; allergi")

    def test_many_workshops_are_one_entry_pointing_to_the_list(self):
        for day in range(6, 10):
            make_workshop(self.procurement, f"Workshop {day}", day)
        with mock.patch.object(workshop_report_list, "WORKSHOPS_LISTED", 3):
            entries = self.entries(self.manager)
        self.assertFalse(any(t.startswith("Workshop report (PDF): ") for t in entries))
        entry = entries["Workshop reports (PDF), 5 workshops"]
        self.assertEqual(entry.url, f"/procurements/{self.procurement.pk}/workshops/")

    def test_the_page_costs_the_same_queries_for_many_workshops(self):
        for day in range(6, 10):
            make_workshop(self.procurement, f"Workshop {day}", day)
        self.page(self.lead)
        with mock.patch.object(workshop_report_list, "WORKSHOPS_LISTED", 3):
            with CaptureQueriesContext(connection) as few:
                self.page(self.lead)
            for day in range(10, 28):
                make_workshop(self.procurement, f"Workshop {day}", day)
            with CaptureQueriesContext(connection) as many:
                self.page(self.lead)
        self.assertEqual(len(many), len(few))

    def test_the_page_reads_in_bokmal(self):
        response = self.page(self.manager, language="nb")
        self.assertContains(response, '<html lang="nb">')
        self.assertContains(response, '<h2 id="report-group-1">Kravspesifikasjon</h2>')

    def test_the_procurement_page_links_the_reports(self):
        self.client.force_login(self.manager)
        response = self.client.get(f"/procurements/{self.procurement.pk}/")
        self.assertContains(response, f'href="{self.url()}"')
