"""The management dashboard of a procurement: what each role sees in its
panels (phase and timeline, requirements by status and kind, triage
progress, scoring progress per evaluator and criterion, released results),
what it hides, and that its queries do not grow with the data."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from evaluation.models import (
    Assignment,
    Declaration,
    Evaluation,
    RequirementMapping,
    Score,
)
from evaluation.selectors.results import evaluation_results
from procurement.models import KeyDate, Membership, Procurement, Requirement
from tests.evaluation_tests.test_consensus_adapter import ConsensusWorld, User
from workshops.models import Input, Workshop

D = Decimal


class DashboardWorld(ConsensusWorld):
    """ConsensusWorld (round 1 scored by two evaluators, price envelope
    sealed) plus key dates, more requirements, two workshops and six inputs."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        KeyDate.objects.create(
            procurement=cls.procurement,
            label="Kunngjøring",
            date=datetime.date(2016, 6, 1),
        )
        KeyDate.objects.create(
            procurement=cls.procurement,
            label="Kontrakt",
            date=datetime.date(2099, 6, 1),
        )
        section = cls.r1.section
        for key, kind, status in [
            ("FUNK-0003", Requirement.Kind.A, Requirement.Status.APPROVED),
            ("FUNK-0004", Requirement.Kind.V, Requirement.Status.IN_REVIEW),
            ("FUNK-0005", Requirement.Kind.I, Requirement.Status.WITHDRAWN),
        ]:
            Requirement.objects.create(
                procurement=cls.procurement,
                section=section,
                key=key,
                title=key,
                kind=kind,
                status=status,
            )
        when = timezone.make_aware(datetime.datetime(2016, 3, 10, 9))
        cls.held, cls.planned = (
            Workshop.objects.create(
                procurement=cls.procurement,
                title=title,
                starts_at=when,
                ends_at=when + datetime.timedelta(hours=3),
                status=status,
            )
            for title, status in [("Journal", "held"), ("Kurve", "planned")]
        )
        for number, status in enumerate(
            ["new", "new", "accepted", "merged", "duplicate", "rejected"], start=1
        ):
            Input.objects.create(
                workshop=cls.held,
                number=number,
                text=f"Innspill {number}",
                status=status,
            )

    def setUp(self):
        cache.clear()

    def url(self, procurement: Procurement | None = None) -> str:
        return f"/procurements/{(procurement or self.procurement).pk}/dashboard/"

    def page(self, user, *, language: str = "en"):
        self.login(user)
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        response = self.client.get(self.url())
        self.assertEqual(response.status_code, 200)
        return response

    def panel_of(self, response, template: str, index: int = 0):
        found = [p for p, _html in response.context["panels"] if p.template == template]
        return found[index]

    def evaluation_panel(self, response):
        return self.panel_of(response, "evaluation/dashboard/_management_panel.html")

    def release(self) -> None:
        Evaluation.objects.filter(pk=self.evaluation.pk).update(
            status=Evaluation.Status.CONSENSUS,
            consensus_opened_at="2018-01-10T10:00:00Z",
            released_at="2018-01-12T10:00:00Z",
        )
        self.reload()

    def lock(self) -> None:
        Evaluation.objects.filter(pk=self.evaluation.pk).update(
            status=Evaluation.Status.LOCKED,
            consensus_opened_at="2018-01-10T10:00:00Z",
            locked_at="2018-01-14T10:00:00Z",
        )
        self.reload()


class AccessTests(DashboardWorld):
    def test_everyone_with_access_may_open_it(self):
        for person in (self.staff, self.evaluator, self.lead, self.manager):
            self.page(person)

    def test_outsiders_get_404(self):
        self.login(self.outsider)
        self.assertEqual(self.client.get(self.url()).status_code, 404)
        self.login(self.foreign_lead)
        self.assertEqual(self.client.get(self.url()).status_code, 404)
        self.login(self.manager)
        self.assertEqual(self.client.get(self.url(self.foreign)).status_code, 404)

    def test_it_is_read_only(self):
        self.login(self.manager)
        self.assertEqual(self.client.post(self.url()).status_code, 405)

    def test_the_procurement_page_links_it(self):
        self.login(self.manager)
        response = self.client.get(f"/procurements/{self.procurement.pk}/")
        self.assertContains(response, f'href="{self.url()}"')

    def test_it_renders_in_bokmal(self):
        response = self.page(self.manager, language="nb")
        self.assertContains(response, '<html lang="nb">')
        self.assertContains(response, "<h3>Resultater</h3>")
        self.assertContains(response, "Kunngjøring")


class ProcurementPanelTests(DashboardWorld):
    def test_phase_and_key_dates(self):
        response = self.page(self.manager)
        self.assertContains(
            response,
            '<li class="phase-step phase-step-current" data-phase="tendering" '
            'aria-current="step">',
        )
        self.assertContains(
            response, 'class="phase-step phase-step-done" data-phase="needs"'
        )
        self.assertContains(
            response, 'class="phase-step phase-step-ahead" data-phase="award"'
        )
        panel = self.panel_of(response, "procurement/dashboard/_phase.html")
        self.assertEqual(
            [(m.label, m.past) for m in panel.context["milestones"]],
            [("Kunngjøring", True), ("Kontrakt", False)],
        )

    def test_requirements_by_status_and_kind(self):
        response = self.page(self.manager)
        for figure, count in [
            ("status-draft", 2),  # r1 and r2
            ("status-in_review", 1),
            ("status-approved", 1),
            ("status-withdrawn", 1),
            ("requirements-total", 5),
            # The withdrawn one counts under no kind.
            ("kind-A", 1),
            ("kind-V", 2),
            ("kind-AV", 1),
            ("kind-I", 0),
        ]:
            self.assertContains(
                response, f'data-figure="{figure}">{count}</td>', msg_prefix=figure
            )
        self.assertContains(response, 'id="requirements-by-status"')
        self.assertContains(response, '<svg xmlns="http://www.w3.org/2000/svg"')


class WorkshopPanelTests(DashboardWorld):
    def test_triage_progress_and_workshops_held(self):
        response = self.page(self.manager)
        for figure, count in [
            ("workshops-held", "1"),
            ("inputs", "6"),
            ("triage-new", "2"),
            ("triage-accepted", "1"),
            ("triage-merged", "1"),
            ("triage-duplicate", "1"),
            ("triage-rejected", "1"),
            ("triaged-percent", "66&nbsp;%"),
        ]:
            self.assertContains(response, f'data-figure="{figure}">{count}<')
        self.assertContains(response, "4 of 6 inputs decided; 2 waiting for triage.")
        self.assertContains(response, 'id="chart-management-triage"')
        self.assertContains(
            response,
            f'href="/procurements/{self.procurement.pk}/workshops/dashboard/"',
        )


class EvaluationProgressTests(DashboardWorld):
    def test_share_scored_per_evaluator_and_criterion(self):
        # evaluator2 has not yet scored r2 for Alfa and Beta.
        Score.objects.filter(
            evaluator=self.evaluator2,
            requirement=self.r2,
            tender__in=[self.tenders["Alfa"], self.tenders["Beta"]],
        ).delete()
        response = self.page(self.manager)
        progress = self.evaluation_panel(response).context["progress"]
        # Three tenders in scope (Delta is rejected, Epsilon withdrawn):
        # Ytelse 2 requirements × 3, Risiko 1 × 3 for each evaluator.
        self.assertEqual(
            [
                (row.label, row.done, row.total, row.percent)
                for row in progress.by_evaluator
            ],
            [("evaluator", 9, 9, 100), ("evaluator2", 7, 9, 77)],
        )
        self.assertEqual(
            [(row.label, row.done, row.total) for row in progress.by_criterion],
            [("Ytelse", 10, 12), ("Risiko", 6, 6)],
        )
        self.assertEqual(
            (progress.done, progress.total, progress.percent), (16, 18, 88)
        )
        self.assertContains(response, "16 of 18 items scored (88 %).")
        self.assertContains(
            response,
            f'<tr data-evaluator="{self.evaluator2.pk}"><th scope="row">evaluator2'
            '</th><td class="number" data-figure="done">7</td>'
            '<td class="number" data-figure="total">9</td>',
        )
        self.assertContains(response, "chart-stacked")

    def test_a_declared_conflict_takes_the_vendor_out_of_the_evaluators_share(self):
        declaration = Declaration.objects.get(evaluator=self.evaluator2)
        declaration.conflicts.add(self.vendors["Gamma"])
        progress = self.evaluation_panel(self.page(self.manager)).context["progress"]
        self.assertEqual(
            [(row.label, row.done, row.total) for row in progress.by_evaluator],
            [("evaluator", 9, 9), ("evaluator2", 6, 6)],
        )

    def test_progress_shows_counts_and_never_a_score(self):
        self.release()
        for person in (self.evaluator, self.evaluator2, self.staff):
            response = self.page(person)
            context = self.evaluation_panel(response).context
            self.assertIsNone(context["results"])
            self.assertContains(
                response, f'id="evaluation-{self.evaluation.pk}-not-yours"'
            )
            self.assertNotContains(response, "Vurdering av")
            self.assertNotContains(response, "results-table")
            for row in context["progress"].by_evaluator:
                self.assertEqual(set(vars(row)), {"key", "label", "done", "total"})

    def test_an_evaluation_being_set_up_shows_no_progress(self):
        Evaluation.objects.filter(pk=self.evaluation.pk).update(
            status=Evaluation.Status.SETUP
        )
        response = self.page(self.manager)
        self.assertIsNone(self.evaluation_panel(response).context["progress"])
        self.assertContains(response, "Scoring has not started.")


class EvaluationResultsTests(DashboardWorld):
    def test_management_sees_no_results_before_release(self):
        for person in (self.manager, self.lead):
            response = self.page(person)
            self.assertIsNone(self.evaluation_panel(response).context["results"])
            self.assertContains(
                response, f'id="evaluation-{self.evaluation.pk}-not-released"'
            )
            self.assertContains(response, "Results not yet released.")
            self.assertNotContains(response, "results-table")
            self.assertNotContains(response, "Journal AS</th>")
        self.assertNotContains(self.page(self.manager), "/results/")

    def test_management_sees_ranking_and_totals_from_the_engine_after_release(self):
        self.open_consensus()
        self.agree_all()
        self.release()
        response = self.page(self.manager)
        summary = self.evaluation_panel(response).context["results"]
        _data, results = evaluation_results(self.evaluation, user=self.manager)
        ranked = [results.tender(pk) for pk in results.ranking]
        self.assertEqual(
            [(t.name, t.rank, t.total) for t in summary.tenders[: len(ranked)]],
            [(t.name, t.rank, t.total.quantize(D("0.01"))) for t in ranked],
        )
        self.assertEqual(summary.tenders[-1].name, "Delta Journal AS")
        self.assertIsNone(summary.tenders[-1].rank)
        first = ranked[0]
        self.assertContains(
            response,
            f'<td class="number total">{first.total.quantize(D("0.01"))}</td>',
        )
        self.assertContains(response, "rejected, not ranked")
        self.assertContains(response, "chart-stacked", count=2)
        # The envelope is still sealed: totals leave the price out.
        self.assertTrue(summary.prices_hidden)
        self.assertContains(response, "The price envelope is sealed")
        self.assertContains(
            response,
            f'href="/procurements/{self.procurement.pk}/evaluations/'
            f'{self.evaluation.pk}/results/"',
        )

    def test_evaluators_see_results_only_once_locked(self):
        self.lock()
        response = self.page(self.evaluator)
        summary = self.evaluation_panel(response).context["results"]
        self.assertIsNotNone(summary)
        self.assertNotContains(response, "Vurdering av")

    def test_a_locked_evaluations_results_are_read_once(self):
        self.lock()
        with CaptureQueriesContext(connection) as first:
            self.page(self.manager)
        with CaptureQueriesContext(connection) as again:
            self.page(self.manager)
        self.assertLess(len(again), len(first))


class QueryCountTests(DashboardWorld):
    def grow(self, size: int) -> None:
        """``size`` more evaluators who score everything, ``size`` more mapped
        requirements scored by everyone, ``size`` more inputs."""
        self.evaluation.refresh_from_db()
        tenders = [self.tenders[name] for name in ("Alfa", "Beta", "Gamma")]
        panel = list(self.panel_members)
        for index in range(size):
            person = User.objects.create_user(username=f"extra{len(panel)}{index}")
            Membership.objects.create(
                user=person,
                procurement=self.procurement,
                role=Membership.Role.EVALUATOR,
            )
            Declaration.objects.create(procurement=self.procurement, evaluator=person)
            for criterion in (self.ytelse, self.risiko):
                Assignment.objects.create(
                    evaluation=self.evaluation, evaluator=person, criterion=criterion
                )
            panel.append(person)
        self.panel_members = panel
        for index in range(size):
            requirement = Requirement.objects.create(
                procurement=self.procurement,
                section=self.r1.section,
                key=f"FUNK-{100 + len(self.grown) + index}",
                title="Ekstra",
                kind=Requirement.Kind.V,
            )
            RequirementMapping.objects.create(
                evaluation=self.evaluation,
                criterion=self.ytelse,
                requirement=requirement,
                weight=D("1"),
            )
            self.grown.append(requirement)
        Score.objects.bulk_create(
            Score(
                evaluation=self.evaluation,
                evaluator=person,
                tender=tender,
                requirement=requirement,
                value=D("5"),
                justification="Godt",
            )
            for person in panel
            for tender in tenders
            for requirement in self.grown
            if not Score.objects.filter(
                evaluator=person, tender=tender, requirement=requirement
            ).exists()
        )
        start = Input.objects.filter(workshop=self.held).count()
        Input.objects.bulk_create(
            Input(workshop=self.held, number=start + i + 1, text="Mer", status="new")
            for i in range(size)
        )

    def queries(self, user) -> int:
        self.page(user)
        with CaptureQueriesContext(connection) as captured:
            self.assertEqual(self.client.get(self.url()).status_code, 200)
        return len(captured)

    def test_queries_do_not_grow_with_evaluators_and_requirements(self):
        self.panel_members = [self.evaluator, self.evaluator2]
        self.grown = []
        self.open_consensus()
        self.release()
        small = {user: self.queries(user) for user in (self.manager, self.lead)}
        self.grow(5)
        cache.clear()
        large = {user: self.queries(user) for user in (self.manager, self.lead)}
        self.assertEqual(small, large)
        progress = self.evaluation_panel(self.page(self.manager)).context["progress"]
        self.assertEqual(len(progress.by_evaluator), 7)
        with self.assertNumQueries(small[self.manager]):
            self.client.get(self.url())
