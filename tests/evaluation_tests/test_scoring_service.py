from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import translation

from evaluation.forms.scoring import ScoreForm
from evaluation.models import AbsoluteCheck, Evaluation, LockedEvaluationError, Score
from evaluation.selectors.scoring import ScoringRow, worklist
from evaluation.services.scoring import (
    ScoreConflictError,
    ScoringRefused,
    absolute_check_save,
    score_submit,
)
from tests.evaluation_tests.test_scoring_base import ScoringWorld

D = Decimal


def codes(error: ValidationError) -> set[str]:
    return {e.code for e in error.error_list}


class ScoreSubmitTests(ScoringWorld):
    def submit(self, **overrides):
        fields = {
            "evaluation": self.evaluation,
            "evaluator": self.evaluator,
            "tender": self.t_alfa,
            "requirement": self.r_allergy,
            "value": "7,5",
            "justification": "Allergier vises tydelig.",
            "version": 0,
        }
        fields.update(overrides)
        return score_submit(**fields)

    def test_it_stores_a_score_with_history(self):
        score = self.submit()
        self.assertEqual(score.value, D("7.50"))
        self.assertEqual(score.version, 1)
        self.assertEqual(score.history.count(), 1)
        self.assertEqual(score.history.first().history_user, self.evaluator)

    def test_a_change_bumps_the_version_and_keeps_the_old_in_history(self):
        first = self.submit()
        second = self.submit(value="8", version=first.version)
        self.assertEqual(second.pk, first.pk)
        self.assertEqual(second.version, 2)
        self.assertEqual(
            [h.value for h in second.history.order_by("history_date")],
            [D("7.50"), D("8.00")],
        )

    def test_a_direct_criterion_is_scored_once(self):
        score = self.submit(requirement=None, criterion=self.risk, value="4")
        self.assertEqual(score.criterion, self.risk)
        self.assertIsNone(score.requirement)

    def test_it_refuses_an_evaluator_who_is_not_assigned(self):
        with self.assertRaises(ScoringRefused) as refused:
            self.submit(evaluator=self.evaluator2, tender=self.t_beta)
        self.assertEqual(refused.exception.code, "not_assigned")
        self.assertFalse(Score.objects.exists())

    def test_it_refuses_a_conflicted_vendor(self):
        with self.assertRaises(ScoringRefused) as refused:
            self.submit(tender=self.t_gamma)
        self.assertEqual(refused.exception.code, "conflict_of_interest")

    def test_it_refuses_without_a_declaration(self):
        with self.assertRaises(ScoringRefused) as refused:
            self.submit(evaluator=self.unsigned)
        self.assertEqual(refused.exception.code, "no_declaration")

    def test_it_refuses_a_withdrawn_tender(self):
        with self.assertRaises(ScoringRefused) as refused:
            self.submit(tender=self.t_delta)
        self.assertEqual(refused.exception.code, "tender_not_scored")

    def test_it_refuses_a_requirement_not_mapped(self):
        with self.assertRaises(ScoringRefused) as refused:
            self.submit(requirement=self.a_backup)
        self.assertEqual(refused.exception.code, "not_scored_item")

    def test_it_refuses_a_score_outside_the_scale_naming_the_key(self):
        for value in ("10.5", "-1"):
            with self.subTest(value=value), translation.override("en"):
                with self.assertRaises(ValidationError) as refused:
                    self.submit(value=value)
                self.assertEqual(codes(refused.exception), {"out_of_scale"})
                self.assertIn(self.r_allergy.key, refused.exception.messages[0])
        self.assertFalse(Score.objects.exists())

    def test_it_refuses_what_is_not_a_number(self):
        with self.assertRaises(ValidationError) as refused:
            self.submit(value="sju")
        self.assertEqual(codes(refused.exception), {"not_a_number"})

    def test_it_refuses_a_missing_justification(self):
        with self.assertRaises(ValidationError) as refused:
            self.submit(justification="   ")
        self.assertEqual(codes(refused.exception), {"justification_required"})

    def test_it_refuses_personal_data_in_the_justification(self):
        with self.assertRaises(ValidationError) as refused:
            self.submit(justification="Ring Kari på 412 34 567 for detaljer.")
        self.assertEqual(codes(refused.exception), {"personal_data"})
        self.assertFalse(Score.objects.exists())

    def test_it_refuses_before_scoring_starts_and_after_consensus(self):
        for status, code in (
            ("setup", "not_started"),
            ("consensus", "consensus_opened"),
        ):
            self.set_status(status)
            with self.subTest(status=status):
                with self.assertRaises(ValidationError) as refused:
                    self.submit()
                self.assertEqual(refused.exception.code, code)
        self.assertFalse(Score.objects.exists())

    def test_it_refuses_a_locked_evaluation(self):
        score = self.submit()
        self.set_status(Evaluation.Status.LOCKED)
        with self.assertRaises(LockedEvaluationError):
            self.submit(value="3", version=score.version)
        score.refresh_from_db()
        self.assertEqual(score.value, D("7.50"))

    def test_a_version_conflict_keeps_the_stored_score_and_shows_both(self):
        mine = self.submit(value="6")
        # Another tab saved meanwhile.
        self.submit(value="9", justification="Endret i en annen fane.", version=1)
        with self.assertRaises(ScoreConflictError) as conflict:
            self.submit(value="2", justification="Min vurdering.", version=mine.version)
        self.assertEqual(conflict.exception.stored.value, D("9.00"))
        self.assertEqual(conflict.exception.value, "2")
        self.assertEqual(conflict.exception.justification, "Min vurdering.")
        self.assertEqual(Score.objects.get().value, D("9.00"))

    def test_a_new_score_loaded_as_none_conflicts_with_one_saved_meanwhile(self):
        self.submit(value="6")
        with self.assertRaises(ScoreConflictError):
            self.submit(value="2", version=0)

    def test_saving_one_score_takes_a_fixed_handful_of_queries(self):
        self.submit()
        # savepoint, evaluation status, declaration, mapping, assignment,
        # criteria (the assignment is to the parent Kvalitet), stored score,
        # lock guard, update, history row, release.
        with self.assertNumQueries(11):
            self.submit(value="3", version=1)
        score_submit(
            evaluation=self.evaluation,
            evaluator=self.evaluator2,
            tender=self.t_alfa,
            requirement=self.r_allergy,
            value="4",
            justification="Greit.",
            version=0,
        )
        # Assigned to Funksjon itself: no criteria lookup.
        with self.assertNumQueries(10):
            score_submit(
                evaluation=self.evaluation,
                evaluator=self.evaluator2,
                tender=self.t_alfa,
                requirement=self.r_allergy,
                value="5",
                justification="Greit.",
                version=1,
            )


class ScoreFormTests(ScoringWorld):
    def form(self, data, *, allow_blank=False):
        row = ScoringRow(self.r_allergy, self.function, None, None)
        prefixed = {f"r{self.r_allergy.pk}-{key}": value for key, value in data.items()}
        return ScoreForm(prefixed, row=row, allow_blank=allow_blank)

    def test_not_a_number_names_the_requirement_and_field(self):
        with translation.override("en"):
            form = self.form({"value": "abc", "justification": "Ok."})
            self.assertFalse(form.is_valid())
            error = form.errors.as_data()["value"][0]
        self.assertEqual(error.code, "not_a_number")
        self.assertIn(self.r_allergy.key, error.message % (error.params or {}))
        self.assertIn("Score", str(error.message))

    def test_both_score_and_justification_are_required(self):
        form = self.form({"value": "", "justification": ""})
        self.assertFalse(form.is_valid())
        self.assertEqual(form.errors.as_data()["value"][0].code, "required")
        self.assertEqual(
            form.errors.as_data()["justification"][0].code, "justification_required"
        )

    def test_a_blank_row_is_skipped_when_saving_the_page(self):
        form = self.form({"value": "", "justification": ""}, allow_blank=True)
        self.assertTrue(form.is_valid())
        self.assertTrue(form.is_blank)

    def test_personal_data_is_refused_on_the_justification(self):
        form = self.form({"value": "5", "justification": "Se kari@example.no"})
        self.assertFalse(form.is_valid())
        self.assertEqual(
            {e.code for e in form.errors.as_data()["justification"]}, {"personal_data"}
        )


class WorklistTests(ScoringWorld):
    def test_it_counts_done_and_left_per_tender_and_criterion(self):
        self.give(self.evaluator, self.r_allergy, "5")
        self.give(self.evaluator, self.r_print, "5")
        items = worklist(
            evaluation=self.evaluation,
            evaluator=self.evaluator,
            conflicted_vendor_ids={self.gamma.pk},
        )
        pairs = {(i.tender.pk, i.criterion.pk): (i.done, i.total) for i in items.items}
        self.assertEqual(
            pairs,
            {
                (self.t_alfa.pk, self.function.pk): (2, 3),
                (self.t_alfa.pk, self.risk.pk): (0, 1),
                (self.t_beta.pk, self.function.pk): (0, 3),
                (self.t_beta.pk, self.risk.pk): (0, 1),
            },
        )
        self.assertEqual((items.done, items.total, items.left), (2, 8, 6))

    def test_an_assignment_to_one_tender_covers_only_that_tender(self):
        items = worklist(
            evaluation=self.evaluation,
            evaluator=self.evaluator2,
            conflicted_vendor_ids=set(),
        )
        self.assertEqual(
            [(i.tender, i.criterion) for i in items.items],
            [(self.t_alfa, self.function)],
        )


class AbsoluteCheckServiceTests(ScoringWorld):
    def save(self, **overrides):
        fields = {
            "evaluation": self.evaluation,
            "tender": self.t_alfa,
            "requirement": self.a_backup,
            "fulfilled": False,
            "substantial_deviation": True,
            "justification": "Kun ukentlig sikkerhetskopi.",
            "by": self.evaluator,
        }
        fields.update(overrides)
        return absolute_check_save(**fields)

    def test_a_fail_needs_a_judgement_and_a_justification(self):
        with self.assertRaises(ValidationError) as refused:
            self.save(substantial_deviation=None)
        self.assertIn("substantial_deviation", refused.exception.error_dict)
        with self.assertRaises(ValidationError) as refused:
            self.save(justification="")
        self.assertIn("justification", refused.exception.error_dict)
        self.assertFalse(AbsoluteCheck.objects.exists())

    def test_only_absolute_requirements_are_checked(self):
        with self.assertRaises(ValidationError) as refused:
            self.save(requirement=self.r_allergy)
        self.assertEqual(refused.exception.code, "not_absolute")

    def test_a_pass_clears_the_judgement(self):
        check = self.save(fulfilled=True, substantial_deviation=True, justification="")
        self.assertIsNone(check.substantial_deviation)

    def test_nothing_changes_after_lock(self):
        self.set_status(Evaluation.Status.LOCKED)
        with self.assertRaises(LockedEvaluationError):
            self.save()
