"""A criterion with many requirements is scored one section of the
specification at a time: the page shows one section with links to the
others and the progress of each, saves only what it shows, and takes the
same number of queries however large the section is. Small criteria keep
their single page (the limit is lowered here so a few requirements do)."""

from __future__ import annotations

from decimal import Decimal
from unittest import mock

from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from evaluation.models import RequirementMapping, Score
from procurement.models import Requirement, Response
from procurement.services import specification as spec
from tests.evaluation_tests.test_scoring_base import ScoringWorld
from tests.evaluation_tests.test_scoring_views import row_data

D = Decimal


@mock.patch("evaluation.views.scoring.SECTION_PAGES_FROM", 4)
class SectionPagesTests(ScoringWorld):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        # Funksjon's three requirements are in section 1 Journal; three more
        # in section 2 Legemidler make six, over the (lowered) limit of four.
        cls.section2 = spec.section_save(
            by=cls.staff,
            procurement=cls.procurement,
            number="2",
            title="Legemidler & <kurve>",
            prefix="LEGE",
        )
        cls.second = [cls.mapped_requirement(cls.section2, n) for n in range(3)]

    @classmethod
    def mapped_requirement(cls, section, number: int) -> Requirement:
        requirement = Requirement.objects.create(
            procurement=cls.procurement,
            section=section,
            key=f"{section.prefix}-{number:04d}",
            title=f"Legemiddelkrav {number}",
            description="Tekst.",
            kind="V",
            weight=D("1"),
            status="approved",
        )
        RequirementMapping.objects.create(
            evaluation=cls.evaluation, criterion=cls.function, requirement=requirement
        )
        Response.objects.create(
            tender=cls.t_alfa, requirement=requirement, compliance="yes", answer="Ja."
        )
        return requirement

    def setUp(self):
        super().setUp()
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    def shown(self, response) -> set[int]:
        return {view.row.requirement.pk for view in response.context["rows"]}

    def first(self) -> set[int]:
        return {self.r_allergy.pk, self.r_overview.pk, self.r_print.pk}

    def test_it_shows_the_first_section_with_links_to_the_others(self):
        self.login(self.evaluator)
        self.give(self.evaluator, self.second[0], "6")
        response = self.client.get(self.score_url())
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.shown(response), self.first())
        self.assertEqual(response.context["section"].pk, self.section.pk)
        self.assertContains(response, f'href="?section={self.section2.pk}"')
        # The section title is text, never markup.
        self.assertContains(response, "Legemidler &amp; &lt;kurve&gt;")
        self.assertNotContains(response, "<kurve>")
        # Progress counts the whole criterion; each section has its own.
        self.assertEqual((response.context["done"], response.context["total"]), (1, 6))
        self.assertEqual(
            [(s.number, s.done, s.total) for s in response.context["sections"]],
            [("1", 0, 3), ("2", 1, 3)],
        )
        self.assertContains(response, "scored for this criterion")

        other = self.client.get(self.score_url() + f"?section={self.section2.pk}")
        self.assertEqual(self.shown(other), {r.pk for r in self.second})
        self.assertContains(other, f'action="{self.score_url()}?section=')

    def test_without_a_choice_it_opens_the_first_section_with_scores_left(self):
        self.login(self.evaluator)
        for requirement in (self.r_allergy, self.r_overview, self.r_print):
            self.give(self.evaluator, requirement, "5")
        response = self.client.get(self.score_url())
        self.assertEqual(response.context["section"].pk, self.section2.pk)
        # An unknown or foreign section falls back the same way.
        response = self.client.get(self.score_url() + "?section=999999")
        self.assertEqual(response.context["section"].pk, self.section2.pk)

    def test_save_all_saves_the_section_shown_and_returns_to_it(self):
        self.login(self.evaluator)
        data = {}
        for requirement in self.second:
            data.update(row_data(requirement, "7", "Godt dekket."))
        # A row of another section in the same post is not on this page.
        data.update(row_data(self.r_allergy, "2", "Ikke på denne siden."))
        url = self.score_url() + f"?section={self.section2.pk}"
        response = self.client.post(url, data)
        self.assertRedirects(response, url, fetch_redirect_response=False)
        self.assertEqual(
            set(
                Score.objects.filter(evaluator=self.evaluator).values_list(
                    "requirement_id", flat=True
                )
            ),
            {r.pk for r in self.second},
        )

    def test_saving_one_row_returns_to_its_section(self):
        self.login(self.evaluator)
        requirement = self.second[1]
        response = self.client.post(
            self.score_url(save=True),
            {"item": f"r{requirement.pk}", **row_data(requirement, "8", "Bra.")},
        )
        self.assertRedirects(
            response,
            self.score_url() + f"?section={self.section2.pk}#row-r{requirement.pk}",
            fetch_redirect_response=False,
        )
        answer = self.client.post(
            self.score_url(save=True),
            {
                "item": f"r{self.r_print.pk}",
                **row_data(self.r_print, "6", "Bra."),
            },
            headers={"accept": "application/json"},
        ).json()
        self.assertEqual((answer["done"], answer["total"]), (2, 6))

    def test_the_number_of_queries_does_not_grow_with_the_section(self):
        self.login(self.evaluator)
        url = self.score_url() + f"?section={self.section2.pk}"
        self.client.get(url)  # warm the session
        with CaptureQueriesContext(connection) as small:
            self.assertEqual(self.client.get(url).status_code, 200)
        for number in range(3, 40):
            self.mapped_requirement(self.section2, number)
        with self.assertNumQueries(len(small.captured_queries)):
            response = self.client.get(url)
        self.assertEqual(len(response.context["rows"]), 40)

    def test_a_small_criterion_keeps_one_page(self):
        self.login(self.evaluator)
        with mock.patch("evaluation.views.scoring.SECTION_PAGES_FROM", 6):
            response = self.client.get(self.score_url())
        self.assertEqual(len(response.context["rows"]), 6)
        self.assertIsNone(response.context["section"])
        self.assertNotContains(response, 'id="score-sections"')
        self.assertContains(response, "scored on this page")
