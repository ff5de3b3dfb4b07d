from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from evaluation.models import Evaluation, Score
from tests.evaluation_tests.test_scoring_base import ScoringWorld

D = Decimal


def row_data(requirement, value, justification, version=0):
    prefix = f"r{requirement.pk}"
    return {
        f"{prefix}-value": value,
        f"{prefix}-justification": justification,
        f"{prefix}-version": version,
    }


class WorklistViewTests(ScoringWorld):
    def test_it_lists_the_evaluators_assignments_with_progress(self):
        self.give(self.evaluator, self.r_allergy, "5")
        self.login(self.evaluator)
        response = self.client.get(self.base() + "worklist/")
        self.assertEqual(response.status_code, 200)
        worklist = response.context["worklist"]
        self.assertEqual((worklist.done, worklist.total), (1, 8))
        self.assertContains(response, f'id="work-{self.t_alfa.pk}-{self.function.pk}"')

    def test_a_conflicted_vendor_never_appears(self):
        self.login(self.evaluator)
        response = self.client.get(self.base() + "worklist/")
        tenders = {item.tender for item in response.context["worklist"].items}
        self.assertEqual(tenders, {self.t_alfa, self.t_beta})
        self.assertNotContains(response, self.gamma.name)

    def test_without_a_declaration_it_sends_to_the_declaration(self):
        self.login(self.unsigned)
        response = self.client.get(self.base() + "worklist/")
        self.assertRedirects(
            response, self.base() + "declaration/", fetch_redirect_response=False
        )

    def test_outsiders_get_404_and_management_403(self):
        self.login(self.outsider)
        self.assertEqual(self.client.get(self.base() + "worklist/").status_code, 404)
        self.login(self.manager)
        self.assertEqual(self.client.get(self.base() + "worklist/").status_code, 403)
        self.login(self.staff)
        self.assertEqual(self.client.get(self.base() + "worklist/").status_code, 403)

    def test_it_refuses_a_post(self):
        self.login(self.evaluator)
        self.assertEqual(self.client.post(self.base() + "worklist/").status_code, 405)


class ScorePageTests(ScoringWorld):
    def test_it_shows_requirements_answers_and_the_scale(self):
        self.login(self.evaluator)
        response = self.client.get(self.score_url())
        self.assertEqual(response.status_code, 200)
        for requirement in (self.r_allergy, self.r_overview, self.r_print):
            self.assertContains(response, f'id="row-r{requirement.pk}"')
        self.assertContains(response, "Allergier vises i pasientlisten.")
        self.assertContains(response, "Vedlegg 3, kap. 2")
        self.assertContains(response, "Svært god")
        self.assertEqual(len(response.context["scale"]), 11)

    def test_another_evaluators_score_is_never_in_the_page(self):
        self.give(self.evaluator2, self.r_allergy, "3", text="HEMMELIG-VURDERING")
        self.login(self.evaluator)
        response = self.client.get(self.score_url())
        self.assertNotContains(response, "HEMMELIG-VURDERING")
        self.assertEqual(response.context["done"], 0)
        for view in response.context["rows"]:
            self.assertIsNone(view.row.score)

    def test_a_conflicted_tender_is_404(self):
        self.login(self.evaluator)
        self.assertEqual(self.client.get(self.score_url(self.t_gamma)).status_code, 404)
        response = self.client.post(
            self.score_url(self.t_gamma, save=True),
            {"item": f"r{self.r_allergy.pk}", **row_data(self.r_allergy, "5", "Ok.")},
        )
        self.assertEqual(response.status_code, 404)
        self.assertFalse(Score.objects.exists())

    def test_a_withdrawn_tender_and_a_price_criterion_are_404(self):
        self.login(self.evaluator)
        self.assertEqual(self.client.get(self.score_url(self.t_delta)).status_code, 404)
        self.assertEqual(
            self.client.get(self.score_url(criterion=self.price)).status_code, 404
        )

    def test_an_evaluator_not_assigned_gets_403(self):
        self.login(self.evaluator2)
        self.assertEqual(self.client.get(self.score_url(self.t_beta)).status_code, 403)
        self.assertEqual(
            self.client.get(self.score_url(criterion=self.risk)).status_code, 403
        )

    def test_refusals_outsider_management_declaration_and_method(self):
        self.login(self.outsider)
        self.assertEqual(self.client.get(self.score_url()).status_code, 404)
        self.login(self.manager)
        self.assertEqual(self.client.get(self.score_url()).status_code, 403)
        self.login(self.unsigned)
        response = self.client.get(self.score_url())
        self.assertRedirects(
            response, self.base() + "declaration/", fetch_redirect_response=False
        )
        self.login(self.evaluator)
        self.assertEqual(self.client.put(self.score_url()).status_code, 405)
        self.assertEqual(self.client.get(self.score_url(save=True)).status_code, 405)

    def test_the_number_of_queries_does_not_grow_with_the_requirements(self):
        self.login(self.evaluator)
        self.add_requirements(2)  # 5 in all
        self.client.get(self.score_url())  # warm the session
        with CaptureQueriesContext(connection) as five:
            self.assertEqual(self.client.get(self.score_url()).status_code, 200)
        self.add_requirements(45)  # 50 in all
        with self.assertNumQueries(len(five.captured_queries)):
            response = self.client.get(self.score_url())
        self.assertEqual(len(response.context["rows"]), 50)


class ScoreSaveTests(ScoringWorld):
    def test_saving_one_row_stores_it_and_returns_to_the_row(self):
        self.login(self.evaluator)
        response = self.client.post(
            self.score_url(save=True),
            {
                "item": f"r{self.r_allergy.pk}",
                **row_data(self.r_allergy, "7,5", "Tydelig."),
            },
        )
        self.assertRedirects(
            response,
            self.score_url() + f"#row-r{self.r_allergy.pk}",
            fetch_redirect_response=False,
        )
        score = Score.objects.get()
        self.assertEqual((score.value, score.evaluator), (D("7.5"), self.evaluator))

    def test_saving_one_row_answers_json_with_the_progress(self):
        self.login(self.evaluator)
        response = self.client.post(
            self.score_url(save=True),
            {"item": f"r{self.r_allergy.pk}", **row_data(self.r_allergy, "6", "Bra.")},
            headers={"accept": "application/json"},
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            {k: response.json()[k] for k in ("ok", "version", "done", "total")},
            {"ok": True, "version": 1, "done": 1, "total": 3},
        )

    def test_a_missing_justification_keeps_the_typed_score(self):
        self.login(self.evaluator)
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        response = self.client.post(
            self.score_url(save=True),
            {"item": f"r{self.r_allergy.pk}", **row_data(self.r_allergy, "8", "")},
        )
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, 'value="8"', status_code=400)
        self.assertContains(
            response, f"{self.r_allergy.key}, Justification", status_code=400
        )
        self.assertFalse(Score.objects.exists())

    def test_a_version_conflict_is_409_and_shows_both_values(self):
        self.give(self.evaluator, self.r_allergy, "9", text="LAGRET-I-ANNEN-FANE")
        self.login(self.evaluator)
        response = self.client.post(
            self.score_url(save=True),
            {
                "item": f"r{self.r_allergy.pk}",
                **row_data(self.r_allergy, "2", "MIN-NYE-TEKST", version=0),
            },
        )
        self.assertEqual(response.status_code, 409)
        self.assertContains(response, "LAGRET-I-ANNEN-FANE", status_code=409)
        self.assertContains(response, "MIN-NYE-TEKST", status_code=409)
        self.assertContains(
            response, f'id="conflict-r{self.r_allergy.pk}"', status_code=409
        )
        self.assertEqual(Score.objects.get().value, D("9"))

    def test_a_version_conflict_as_json_carries_both(self):
        self.give(self.evaluator, self.r_allergy, "9", text="Lagret.")
        self.login(self.evaluator)
        response = self.client.post(
            self.score_url(save=True),
            {"item": f"r{self.r_allergy.pk}", **row_data(self.r_allergy, "2", "Min.")},
            headers={"accept": "application/json"},
        )
        self.assertEqual(response.status_code, 409)
        conflict = response.json()["conflict"]
        self.assertEqual(conflict["stored"]["value"], "9.00")
        self.assertEqual(conflict["yours"]["justification"], "Min.")

    def test_not_in_scoring_refuses_with_409(self):
        for status in ("setup", "consensus", "locked"):
            self.set_status(status)
            self.login(self.evaluator)
            with self.subTest(status=status):
                response = self.client.post(
                    self.score_url(save=True),
                    {
                        "item": f"r{self.r_allergy.pk}",
                        **row_data(self.r_allergy, "5", "Ok."),
                    },
                )
                self.assertEqual(response.status_code, 409)
                self.assertContains(response, 'id="page-error"', status_code=409)
        self.assertFalse(Score.objects.exists())

    def test_an_unknown_item_is_404(self):
        self.login(self.evaluator)
        for item in ("", "x1", f"r{self.a_backup.pk}", f"c{self.risk.pk}"):
            with self.subTest(item=item):
                response = self.client.post(self.score_url(save=True), {"item": item})
                self.assertEqual(response.status_code, 404)


class SaveAllTests(ScoringWorld):
    def test_it_saves_every_filled_row_and_skips_empty_ones(self):
        self.login(self.evaluator)
        data = {
            **row_data(self.r_allergy, "7", "God."),
            **row_data(self.r_overview, "4", "Middels."),
            **row_data(self.r_print, "", ""),
        }
        response = self.client.post(self.score_url(), data)
        self.assertRedirects(response, self.score_url(), fetch_redirect_response=False)
        self.assertEqual(
            dict(Score.objects.values_list("requirement__key", "value")),
            {self.r_allergy.key: D("7"), self.r_overview.key: D("4")},
        )

    def test_one_bad_row_saves_nothing(self):
        self.login(self.evaluator)
        data = {
            **row_data(self.r_allergy, "7", "God."),
            **row_data(self.r_overview, "11", "For høyt."),
            **row_data(self.r_print, "3", ""),
        }
        response = self.client.post(self.score_url(), data)
        self.assertEqual(response.status_code, 400)
        self.assertFalse(Score.objects.exists())
        errors = response.context["rows"]
        codes = {
            view.row.key: {
                e.code for es in view.form.errors.as_data().values() for e in es
            }
            for view in errors
        }
        self.assertEqual(codes[self.r_overview.key], {"out_of_scale"})
        self.assertEqual(codes[self.r_print.key], {"justification_required"})

    def test_a_conflict_in_one_row_saves_nothing(self):
        self.give(self.evaluator, self.r_overview, "9", text="Fra en annen fane.")
        self.login(self.evaluator)
        data = {
            **row_data(self.r_allergy, "7", "God."),
            **row_data(self.r_overview, "2", "Min.", version=0),
        }
        response = self.client.post(self.score_url(), data)
        self.assertEqual(response.status_code, 409)
        self.assertEqual(Score.objects.count(), 1)
        self.assertEqual(Score.objects.get().value, D("9"))

    def test_a_direct_criterion_is_scored_on_its_own_page(self):
        self.login(self.evaluator)
        prefix = f"c{self.risk.pk}"
        response = self.client.post(
            self.score_url(criterion=self.risk),
            {f"{prefix}-value": "6", f"{prefix}-justification": "Lav risiko."},
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(Score.objects.get().criterion, self.risk)

    def test_a_locked_evaluation_refuses_save_all(self):
        self.set_status(Evaluation.Status.LOCKED)
        self.login(self.evaluator)
        response = self.client.post(
            self.score_url(), row_data(self.r_allergy, "7", "God.")
        )
        self.assertEqual(response.status_code, 409)
        self.assertFalse(Score.objects.exists())
