"""Setting an evaluation up: weights, ranges, mappings, AHP, the start of
scoring with its reasons, freezing, the panel and declarations."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from django.core.exceptions import ValidationError
from django.utils import translation

from evaluation.models import (
    Assignment,
    Criterion,
    Declaration,
    Evaluation,
    LockedEvaluationError,
    PairwiseComparison,
    RequirementMapping,
)
from evaluation.selectors import setup as selectors
from evaluation.services import setup as services
from procurement.models import (
    Baseline,
    BaselineRequirement,
    Event,
    Requirement,
    Tender,
)
from tests.evaluation_tests.world import EvaluationWorld

D = Decimal


def codes(error: ValidationError) -> set[str]:
    if hasattr(error, "error_dict"):
        return {e.code for errors in error.error_dict.values() for e in errors}
    return {e.code for e in error.error_list}


class WeightCheckTests(EvaluationWorld):
    def test_a_complete_tree_has_no_weight_problems_and_effective_weights(self):
        criteria = self.model()
        check = selectors.model_check(self.evaluation)
        self.assertNotIn("level_sum", {p.code for p in check.problems})
        self.assertEqual(check.effective[criteria["function"].pk], D("0.42"))
        self.assertEqual(check.effective[criteria["risk"].pk], D("0.28"))
        self.assertEqual(check.effective[criteria["price"].pk], D("0.3"))

    def test_a_level_not_summing_to_100_is_named_with_its_sum(self):
        criteria = self.model()
        services.criterion_update(
            by=self.lead, criterion=criteria["risk"], weight=D("30")
        )
        check = selectors.model_check(self.evaluation)
        sums = [p for p in check.problems if p.code == "level_sum"]
        self.assertEqual(len(sums), 1)
        self.assertEqual(sums[0].criterion_id, criteria["quality"].pk)
        with translation.override("en"):
            message = selectors.problem_message(
                sums[0], {criteria["quality"].pk: "Kvalitet"}
            )
        self.assertIn("Kvalitet", message)
        self.assertIn("90", message)

    def test_top_level_sum_is_named_as_the_top_level(self):
        criteria = self.model()
        services.criterion_update(
            by=self.lead, criterion=criteria["price"], weight=D("25")
        )
        problem = next(
            p
            for p in selectors.model_check(self.evaluation).problems
            if p.code == "level_sum"
        )
        self.assertIsNone(problem.criterion_id)
        with translation.override("en"):
            self.assertIn(
                "top-level weights sum to 95", selectors.problem_message(problem, {})
            )

    def test_a_weight_outside_its_declared_range_is_refused(self):
        with self.assertRaises(ValidationError) as caught:
            services.criterion_create(
                by=self.lead,
                evaluation=self.evaluation,
                name="Pris",
                kind="price",
                method="price",
                weight=D("50"),
                weight_min=D("20"),
                weight_max=D("40"),
            )
        self.assertIn("outside_range", codes(caught.exception))
        self.assertFalse(Criterion.objects.exists())

    def test_a_reversed_or_incomplete_range_is_refused(self):
        for low, high, code in (
            (D("40"), D("20"), "range_reversed"),
            (D("20"), None, "range_incomplete"),
        ):
            with self.subTest(code=code), self.assertRaises(ValidationError) as caught:
                services.criterion_create(
                    by=self.lead,
                    evaluation=self.evaluation,
                    name="Pris",
                    kind="price",
                    method="price",
                    weight=D("30"),
                    weight_min=low,
                    weight_max=high,
                )
            self.assertIn(code, codes(caught.exception))

    def test_names_are_unique_among_siblings_at_the_top_level_too(self):
        self.model()
        with self.assertRaises(ValidationError) as caught:
            services.criterion_create(
                by=self.lead,
                evaluation=self.evaluation,
                name="pris",
                kind="other",
                method="direct",
                weight=D("0"),
            )
        self.assertEqual(codes(caught.exception), {"name_taken"})

    def test_only_a_price_criterion_uses_the_price_formula(self):
        with self.assertRaises(ValidationError) as caught:
            services.criterion_create(
                by=self.lead,
                evaluation=self.evaluation,
                name="Kvalitet",
                kind="quality",
                method="price",
                weight=D("30"),
            )
        self.assertIn("price_kind", codes(caught.exception))

    def test_changes_are_kept_in_history_with_the_user(self):
        criteria = self.model()
        services.criterion_update(
            by=self.lead, criterion=criteria["price"], weight=D("35")
        )
        rows = criteria["price"].history.order_by("history_date")
        self.assertEqual([r.weight for r in rows], [D("30"), D("35")])
        self.assertEqual(rows.last().history_user, self.lead)


class MappingTests(EvaluationWorld):
    def test_evaluated_requirements_are_the_live_v_and_av_ones(self):
        keys = set(
            selectors.evaluated_requirements(self.evaluation).values_list(
                "pk", flat=True
            )
        )
        self.assertEqual(
            keys, {self.v_allergy.pk, self.v_overview.pk, self.av_login.pk}
        )

    def test_with_a_baseline_the_published_v_av_keys_count_with_their_weights(self):
        baseline = Baseline.objects.create(
            procurement=self.procurement, label="Mai 2017"
        )
        for r, weight in ((self.v_allergy, D("3")), (self.a_backup, None)):
            BaselineRequirement.objects.create(
                baseline=baseline,
                key=r.key,
                section_number="1",
                section_title="Journal",
                section_sort_key="000001",
                title=r.title,
                kind=r.kind,
                weight=weight,
                status="approved",
                content_hash="x",
            )
        self.round.baseline = baseline
        self.round.save()
        evaluation = Evaluation.objects.get(pk=self.evaluation.pk)
        rows = list(selectors.evaluated_requirements(evaluation))
        self.assertEqual([r.pk for r in rows], [self.v_allergy.pk])
        self.assertEqual(rows[0].default_weight, D("3"))

    def test_mapping_uses_the_requirement_weight_or_1(self):
        criteria = self.model()
        services.mappings_add(
            by=self.lead,
            evaluation=self.evaluation,
            criterion=criteria["function"],
            requirements=[self.v_allergy, self.v_overview],
        )
        weights = dict(
            RequirementMapping.objects.values_list("requirement_id", "weight")
        )
        self.assertEqual(
            weights, {self.v_allergy.pk: D("5"), self.v_overview.pk: D("1")}
        )
        self.assertEqual(selectors.mapping_counts(self.evaluation)["unmapped"], 1)

    def test_a_whole_section_maps_from_a_queryset(self):
        criteria = self.model()
        section = selectors.unmapped_requirements(self.evaluation).filter(
            selectors.section_subtree_q(self.journal)
        )
        services.mappings_add(
            by=self.lead,
            evaluation=self.evaluation,
            criterion=criteria["function"],
            requirements=section,
        )
        mapped = set(
            RequirementMapping.objects.values_list("requirement_id", flat=True)
        )
        self.assertEqual(mapped, {self.v_allergy.pk, self.v_overview.pk})
        self.assertEqual(
            Event.objects.filter(action="evaluation.changed", data__mapped=2).count(), 1
        )

    def test_a_batch_with_one_bad_requirement_maps_nothing(self):
        criteria = self.model()
        with self.assertRaises(ValidationError) as caught:
            services.mappings_add(
                by=self.lead,
                evaluation=self.evaluation,
                criterion=criteria["function"],
                requirements=[self.v_allergy, self.a_backup],
            )
        self.assertEqual(codes(caught.exception), {"not_evaluated"})
        self.assertFalse(RequirementMapping.objects.exists())

    def test_a_requirement_is_mapped_once(self):
        criteria = self.model()
        services.mappings_add(
            by=self.lead,
            evaluation=self.evaluation,
            criterion=criteria["function"],
            requirements=[self.v_allergy],
        )
        with self.assertRaises(ValidationError) as caught:
            services.mappings_add(
                by=self.lead,
                evaluation=self.evaluation,
                criterion=criteria["function"],
                requirements=[self.v_allergy, self.v_overview],
            )
        self.assertEqual(codes(caught.exception), {"already_mapped"})
        self.assertEqual(RequirementMapping.objects.count(), 1)

    def test_only_requirement_scored_leaves_take_mappings(self):
        criteria = self.model()
        for name, code in (
            ("risk", "not_requirement_scored"),
            ("quality", "not_a_leaf"),
        ):
            with self.subTest(name), self.assertRaises(ValidationError) as caught:
                services.mappings_add(
                    by=self.lead,
                    evaluation=self.evaluation,
                    criterion=criteria[name],
                    requirements=[self.v_allergy],
                )
            self.assertEqual(codes(caught.exception), {code})

    def test_a_criterion_with_mappings_cannot_get_sub_criteria(self):
        criteria = self.model()
        services.mappings_add(
            by=self.lead,
            evaluation=self.evaluation,
            criterion=criteria["function"],
            requirements=[self.v_allergy],
        )
        with self.assertRaises(ValidationError) as caught:
            services.criterion_create(
                by=self.lead,
                evaluation=self.evaluation,
                parent=criteria["function"],
                name="Del",
                kind="quality",
                weight=D("100"),
            )
        self.assertEqual(codes(caught.exception), {"parent_has_mappings"})


class StartTests(EvaluationWorld):
    def test_start_is_refused_with_every_reason(self):
        criteria = self.model()
        services.criterion_update(
            by=self.lead, criterion=criteria["risk"], weight=D("30")
        )
        with (
            translation.override("en"),
            self.assertRaises(services.StartRefused) as caught,
        ):
            services.scoring_start(by=self.lead, evaluation=self.evaluation)
        reasons = " | ".join(caught.exception.reasons)
        self.assertIn("under “Kvalitet” sum to 90", reasons)
        self.assertIn("“Funksjon” is scored from requirements but has none", reasons)
        self.assertIn("3 V/AV requirements are not mapped", reasons)
        self.assertIn("No evaluator is assigned to “Funksjon”", reasons)
        evaluation = Evaluation.objects.get(pk=self.evaluation.pk)
        self.assertEqual(evaluation.status, Evaluation.Status.SETUP)
        self.assertFalse(
            Event.objects.filter(action="evaluation.scoring_started").exists()
        )

    def test_the_points_model_needs_a_price_criterion(self):
        criteria = self.complete()
        services.criterion_delete(by=self.lead, criterion=criteria["price"])
        services.criterion_update(
            by=self.lead,
            criterion=Criterion.objects.get(pk=criteria["quality"].pk),
            weight=D("100"),
            weight_min=None,
            weight_max=None,
        )
        with (
            translation.override("en"),
            self.assertRaises(services.StartRefused) as caught,
        ):
            services.scoring_start(by=self.lead, evaluation=self.evaluation)
        self.assertEqual(len(caught.exception.reasons), 1)
        self.assertIn("no criterion is priced", caught.exception.reasons[0])
        services.evaluation_update(
            by=self.lead, evaluation=self.evaluation, award_model="money"
        )
        services.scoring_start(by=self.lead, evaluation=self.evaluation)

    def test_the_logarithmic_model_needs_its_multiple(self):
        self.complete()
        services.evaluation_update(
            by=self.lead, evaluation=self.evaluation, price_model="log"
        )
        with (
            translation.override("en"),
            self.assertRaises(services.StartRefused) as caught,
        ):
            services.scoring_start(by=self.lead, evaluation=self.evaluation)
        self.assertIn("price multiple", caught.exception.reasons[0])

    def test_a_complete_model_starts_and_freezes(self):
        criteria = self.complete()
        services.scoring_start(by=self.lead, evaluation=self.evaluation)
        evaluation = Evaluation.objects.get(pk=self.evaluation.pk)
        self.assertEqual(evaluation.status, Evaluation.Status.SCORING)
        self.assertIsNotNone(evaluation.scoring_started_at)
        self.assertTrue(
            Event.objects.filter(action="evaluation.scoring_started").exists()
        )
        frozen = [
            lambda: services.criterion_update(
                by=self.lead, criterion=criteria["price"], weight=D("31")
            ),
            lambda: services.criterion_create(
                by=self.lead,
                evaluation=evaluation,
                name="Ny",
                kind="other",
                weight=D("1"),
            ),
            lambda: services.criterion_delete(by=self.lead, criterion=criteria["risk"]),
            lambda: services.mapping_update(
                by=self.lead, mapping=RequirementMapping.objects.first(), weight=D("9")
            ),
            lambda: services.mapping_remove(
                by=self.lead, mapping=RequirementMapping.objects.first()
            ),
            lambda: services.evaluation_update(
                by=self.lead, evaluation=evaluation, price_model="proportional"
            ),
            lambda: services.scoring_start(by=self.lead, evaluation=evaluation),
        ]
        for change in frozen:
            with self.subTest(change), self.assertRaises(services.FrozenModelError):
                change()
        self.assertEqual(Criterion.objects.get(pk=criteria["price"].pk).weight, D("30"))
        self.assertEqual(RequirementMapping.objects.count(), 3)

    def test_a_locked_evaluation_says_locked(self):
        criteria = self.model()
        Evaluation.objects.filter(pk=self.evaluation.pk).update(status="locked")
        with self.assertRaises(LockedEvaluationError):
            services.criterion_update(
                by=self.lead, criterion=criteria["price"], weight=D("31")
            )


class AHPTests(EvaluationWorld):
    def test_apply_sets_weights_from_the_engine_and_keeps_the_matrix(self):
        criteria = self.model()
        matrix = services.full_matrix({(0, 1): Fraction(3)}, 2)
        result = services.ahp_apply(
            by=self.lead,
            evaluation=self.evaluation,
            parent=criteria["quality"],
            matrix=matrix,
        )
        self.assertEqual(result.percent_weights(2), (D("75.00"), D("25.00")))
        function = Criterion.objects.get(pk=criteria["function"].pk)
        risk = Criterion.objects.get(pk=criteria["risk"].pk)
        self.assertEqual((function.weight, risk.weight), (D("75"), D("25")))
        self.assertEqual(function.history.count(), 2)
        stored = PairwiseComparison.objects.get(parent=criteria["quality"])
        self.assertEqual(stored.matrix, [["1", "3"], ["1/3", "1"]])
        self.assertEqual(stored.criterion_ids, [function.pk, risk.pk])

    def test_every_saved_matrix_is_in_the_history_with_who_saved_it(self):
        criteria = self.model()
        for upper in (Fraction(3), Fraction(5)):
            services.ahp_apply(
                by=self.lead,
                evaluation=self.evaluation,
                parent=criteria["quality"],
                matrix=services.full_matrix({(0, 1): upper}, 2),
            )
        stored = PairwiseComparison.objects.get(parent=criteria["quality"])
        history = list(stored.history.order_by("history_date"))
        self.assertEqual(
            [(h.history_type, h.history_user, h.matrix) for h in history],
            [
                ("+", self.lead, [["1", "3"], ["1/3", "1"]]),
                ("~", self.lead, [["1", "5"], ["1/5", "1"]]),
            ],
        )

    def test_applying_weights_makes_an_open_criterion_form_stale(self):
        criteria = self.model()
        function = Criterion.objects.get(pk=criteria["function"].pk)
        services.ahp_apply(
            by=self.lead,
            evaluation=self.evaluation,
            parent=criteria["quality"],
            matrix=services.full_matrix({(0, 1): Fraction(3)}, 2),
        )
        with self.assertRaises(ValidationError) as caught:
            services.criterion_update(
                by=self.lead,
                criterion=function,
                loaded_version=function.version,
                name="Funksjonalitet",
            )
        self.assertEqual(codes(caught.exception), {"concurrent_edit"})
        self.assertEqual(Criterion.objects.get(pk=function.pk).name, function.name)

    def test_a_weight_outside_the_declared_range_refuses_the_whole_apply(self):
        criteria = self.model()
        # 1/9: quality 10 %, price 90 % – both outside their declared ranges.
        matrix = services.full_matrix({(0, 1): Fraction(1, 9)}, 2)
        with self.assertRaises(ValidationError) as caught:
            services.ahp_apply(
                by=self.lead, evaluation=self.evaluation, parent=None, matrix=matrix
            )
        self.assertEqual(codes(caught.exception), {"ahp_weight"})
        self.assertEqual(
            Criterion.objects.get(pk=criteria["quality"].pk).weight, D("70")
        )
        self.assertFalse(PairwiseComparison.objects.exists())

    def test_an_inconsistent_matrix_warns(self):
        criteria = [
            services.criterion_create(
                by=self.lead,
                evaluation=self.evaluation,
                name=n,
                kind="quality",
                weight=D("25"),
            )
            for n in "ABCD"
        ]
        upper = {
            (0, 1): 9,
            (0, 2): Fraction(1, 9),
            (0, 3): 1,
            (1, 2): 9,
            (1, 3): Fraction(1, 9),
            (2, 3): 9,
        }
        _c, result = services.comparison_save(
            by=self.lead,
            evaluation=self.evaluation,
            parent=None,
            criteria=criteria,
            matrix=services.full_matrix(upper, 4),
        )
        self.assertTrue(result.warning)
        self.assertGreater(result.cr, 0.10)


class PanelAndDeclarationTests(EvaluationWorld):
    def test_signing_names_the_conflicts_and_writes_an_event(self):
        declaration = services.declaration_sign(
            by=self.evaluator,
            procurement=self.procurement,
            conflicts=[self.beta],
            note="Tidligere arbeidsgiver",
        )
        self.assertEqual(list(declaration.conflicts.all()), [self.beta])
        self.assertTrue(
            Event.objects.filter(
                action="declaration.signed", actor=self.evaluator
            ).exists()
        )
        tenders = selectors.visible_round_tenders(self.evaluator, self.evaluation)
        self.assertEqual([t.vendor for t in tenders], [self.alfa, self.gamma])

    def test_one_declaration_per_procurement(self):
        services.declaration_sign(
            by=self.evaluator, procurement=self.procurement, conflicts=[]
        )
        with self.assertRaises(ValidationError) as caught:
            services.declaration_sign(
                by=self.evaluator, procurement=self.procurement, conflicts=[self.alfa]
            )
        self.assertEqual(codes(caught.exception), {"already_signed"})
        self.assertFalse(Declaration.objects.get().conflicts.exists())

    def test_nobody_signs_before_any_vendor_is_known(self):
        Tender.objects.all().delete()
        with self.assertRaises(ValidationError) as caught:
            services.declaration_sign(
                by=self.evaluator, procurement=self.procurement, conflicts=[]
            )
        self.assertEqual(codes(caught.exception), {"no_vendors"})

    def test_only_evaluators_and_leads_sign(self):
        for user in (self.manager, self.staff):
            with self.subTest(user.username), self.assertRaises(ValidationError):
                services.declaration_sign(
                    by=user, procurement=self.procurement, conflicts=[]
                )
        self.assertFalse(Declaration.objects.exists())

    def test_personal_data_in_the_note_is_refused(self):
        with self.assertRaises(ValidationError) as caught:
            services.declaration_sign(
                by=self.evaluator,
                procurement=self.procurement,
                conflicts=[self.alfa],
                note="ring 912 34 567",
            )
        self.assertIn("personal_data", codes(caught.exception))
        self.assertFalse(Declaration.objects.exists())

    def test_needs_declaration(self):
        self.assertTrue(selectors.needs_declaration(self.evaluator, self.evaluation))
        self.assertTrue(selectors.needs_declaration(self.lead, self.evaluation))
        self.assertFalse(selectors.needs_declaration(self.manager, self.evaluation))
        self.assertFalse(selectors.needs_declaration(self.staff, self.evaluation))
        services.declaration_sign(
            by=self.evaluator, procurement=self.procurement, conflicts=[]
        )
        self.assertFalse(selectors.needs_declaration(self.evaluator, self.evaluation))

    def test_an_assignment_to_a_conflicted_vendor_is_refused(self):
        criteria = self.model()
        services.declaration_sign(
            by=self.evaluator, procurement=self.procurement, conflicts=[self.beta]
        )
        with translation.override("en"), self.assertRaises(ValidationError) as caught:
            services.assignments_add(
                by=self.lead,
                evaluation=self.evaluation,
                evaluator=self.evaluator,
                criteria=[criteria["function"]],
                tender=self.tender_beta,
            )
        self.assertEqual(codes(caught.exception), {"conflict"})
        self.assertIn("Beta Helse AS", caught.exception.messages[0])
        self.assertFalse(Assignment.objects.exists())
        services.assignments_add(
            by=self.lead,
            evaluation=self.evaluation,
            evaluator=self.evaluator,
            criteria=[criteria["function"]],
            tender=self.tender_alfa,
        )
        self.assertEqual(Assignment.objects.count(), 1)

    def test_only_panel_candidates_and_scored_criteria_are_assigned(self):
        criteria = self.model()
        with self.assertRaises(ValidationError) as caught:
            services.assignments_add(
                by=self.lead,
                evaluation=self.evaluation,
                evaluator=self.manager,
                criteria=[criteria["function"]],
            )
        self.assertEqual(codes(caught.exception), {"not_an_evaluator"})
        with self.assertRaises(ValidationError) as caught:
            services.assignments_add(
                by=self.lead,
                evaluation=self.evaluation,
                evaluator=self.evaluator,
                criteria=[criteria["price"]],
            )
        self.assertEqual(codes(caught.exception), {"price_criterion"})

    def test_the_panel_can_change_while_scoring(self):
        criteria = self.complete()
        services.scoring_start(by=self.lead, evaluation=self.evaluation)
        assignment = Assignment.objects.filter(evaluator=self.evaluator2).first()
        services.assignment_remove(by=self.lead, assignment=assignment)
        services.assignments_add(
            by=self.lead,
            evaluation=self.evaluation,
            evaluator=self.lead,
            criteria=[criteria["risk"]],
        )
        self.assertTrue(Assignment.objects.filter(evaluator=self.lead).exists())
        self.assertEqual(
            Event.objects.filter(action="evaluation.panel_changed").count(), 2 + 1 + 1
        )

    def test_the_panel_table_flags_a_conflict_declared_after_assignment(self):
        criteria = self.model()
        services.assignments_add(
            by=self.lead,
            evaluation=self.evaluation,
            evaluator=self.evaluator,
            criteria=[criteria["function"]],
            tender=self.tender_gamma,
        )
        services.declaration_sign(
            by=self.evaluator, procurement=self.procurement, conflicts=[self.gamma]
        )
        leaves = selectors.scored_leaves(self.evaluation.criteria.all())
        row = next(
            m
            for m in selectors.panel_table(self.evaluation, leaves)
            if m.user == self.evaluator
        )
        self.assertEqual(len(row.conflicted_assignments), 1)
        self.assertEqual(row.conflicts, [self.gamma])


class RequirementQuerySanityTests(EvaluationWorld):
    def test_withdrawn_requirements_are_not_offered(self):
        self.assertEqual(
            Requirement.objects.get(pk=self.v_withdrawn.pk).status,
            Requirement.Status.WITHDRAWN,
        )
        self.assertNotIn(
            self.v_withdrawn.pk,
            selectors.unmapped_requirements(self.evaluation).values_list(
                "pk", flat=True
            ),
        )
