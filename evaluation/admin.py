"""Admin for the evaluation models: history visible (who, when, old, new)
through simple_history, every change an event row, and nothing of a locked
evaluation changeable or deletable here either."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from simple_history.admin import SimpleHistoryAdmin

from evaluation.models import (
    AbsoluteCheck,
    Assignment,
    ConsensusScore,
    Criterion,
    Declaration,
    Evaluation,
    LockedEvaluationError,
    PairwiseComparison,
    RequirementMapping,
    Score,
)
from procurement.admin import EventAdminMixin


class LockCheckedForm(forms.ModelForm):
    """Refuses to add a row to a locked evaluation (change and delete are
    already refused by the permissions below)."""

    def clean(self):
        cleaned_data = super().clean()
        evaluation = cleaned_data.get("evaluation")
        if evaluation is None and self.instance.evaluation_id:
            evaluation = self.instance.evaluation
        if evaluation is not None and evaluation.is_locked:
            raise LockedEvaluationError
        return cleaned_data


class LockedReadOnlyAdmin(EventAdminMixin, SimpleHistoryAdmin):
    """Objects of a locked evaluation are shown read-only: no change, no
    delete, and the history view cannot revert them."""

    form = LockCheckedForm
    show_full_result_count = False

    def evaluation_of(self, obj) -> Evaluation | None:
        return getattr(obj, "evaluation", None)

    def is_locked(self, obj) -> bool:
        evaluation = self.evaluation_of(obj) if obj is not None else None
        return evaluation is not None and evaluation.is_locked

    def _procurement_of(self, obj):
        evaluation = self.evaluation_of(obj)
        return evaluation.procurement if evaluation else super()._procurement_of(obj)

    def has_change_permission(self, request, obj=None):
        if self.is_locked(obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if self.is_locked(obj):
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request):
        # Bulk deletion would reach locked rows without asking per object;
        # the querysets refuse it, but the admin should not offer it either.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


class CriterionInline(admin.TabularInline):
    model = Criterion
    extra = 0
    fields = ["name", "parent", "kind", "weight", "weight_min", "weight_max", "method"]
    show_change_link = True

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_locked:
            return False
        return super().has_change_permission(request, obj)

    has_add_permission = has_change_permission
    has_delete_permission = has_change_permission


@admin.register(Evaluation)
class EvaluationAdmin(LockedReadOnlyAdmin):
    list_display = ["__str__", "status", "award_model", "price_model", "locked_at"]
    list_filter = ["status", "award_model"]
    list_select_related = ["procurement", "round"]
    search_fields = ["procurement__reference", "round__name"]
    readonly_fields = [
        "scoring_started_at",
        "consensus_opened_at",
        "quality_locked_at",
        "released_at",
        "locked_at",
        "locked_by",
    ]
    inlines = [CriterionInline]

    def evaluation_of(self, obj):
        return obj

    def get_form(self, request, obj=None, **kwargs):
        kwargs["form"] = forms.ModelForm
        return super().get_form(request, obj, **kwargs)


@admin.register(Criterion)
class CriterionAdmin(LockedReadOnlyAdmin):
    list_display = ["name", "evaluation", "kind", "weight", "method"]
    list_filter = ["kind", "method"]
    list_select_related = ["evaluation__procurement", "evaluation__round"]
    search_fields = ["name"]
    raw_id_fields = ["evaluation", "parent"]


@admin.register(RequirementMapping)
class RequirementMappingAdmin(LockedReadOnlyAdmin):
    list_display = ["requirement", "criterion", "weight"]
    list_select_related = ["requirement", "criterion"]
    search_fields = ["requirement__key", "criterion__name"]
    raw_id_fields = ["evaluation", "criterion", "requirement"]


@admin.register(PairwiseComparison)
class PairwiseComparisonAdmin(LockedReadOnlyAdmin):
    list_display = ["__str__", "updated_at", "updated_by"]
    raw_id_fields = ["evaluation", "parent", "updated_by"]


@admin.register(Assignment)
class AssignmentAdmin(LockedReadOnlyAdmin):
    list_display = ["evaluator", "criterion", "tender", "evaluation"]
    list_select_related = [
        "evaluator",
        "criterion",
        "tender__vendor",
        "tender__round",
        "evaluation__procurement",
        "evaluation__round",
    ]
    raw_id_fields = ["evaluation", "evaluator", "criterion", "tender"]


@admin.register(Score)
class ScoreAdmin(LockedReadOnlyAdmin):
    list_display = ["evaluator", "tender", "requirement", "criterion", "value"]
    list_select_related = [
        "evaluator",
        "tender__vendor",
        "tender__round",
        "requirement",
        "criterion",
    ]
    search_fields = ["evaluator__username", "requirement__key"]
    raw_id_fields = ["evaluation", "evaluator", "tender", "requirement", "criterion"]


@admin.register(ConsensusScore)
class ConsensusScoreAdmin(LockedReadOnlyAdmin):
    list_display = ["tender", "requirement", "criterion", "value", "decided_by"]
    list_select_related = [
        "decided_by",
        "tender__vendor",
        "tender__round",
        "requirement",
        "criterion",
    ]
    search_fields = ["requirement__key"]
    raw_id_fields = ["evaluation", "decided_by", "tender", "requirement", "criterion"]


@admin.register(AbsoluteCheck)
class AbsoluteCheckAdmin(LockedReadOnlyAdmin):
    list_display = ["tender", "requirement", "fulfilled", "substantial_deviation"]
    list_select_related = ["tender__vendor", "tender__round", "requirement"]
    search_fields = ["requirement__key"]
    raw_id_fields = ["evaluation", "checked_by", "tender", "requirement"]


class DeclarationForm(forms.ModelForm):
    def clean(self):
        cleaned_data = super().clean()
        procurement = cleaned_data.get("procurement") or getattr(
            self.instance, "procurement", None
        )
        if procurement is not None and _has_locked_evaluation(procurement):
            raise ValidationError(LockedEvaluationError().message, code="locked")
        return cleaned_data


def _has_locked_evaluation(procurement) -> bool:
    return procurement.evaluations.filter(status=Evaluation.Status.LOCKED).exists()


@admin.register(Declaration)
class DeclarationAdmin(EventAdminMixin, SimpleHistoryAdmin):
    """A declaration belongs to the procurement; once one of its evaluations
    is locked, what the panel declared is part of that record and stays."""

    form = DeclarationForm
    list_display = ["evaluator", "procurement", "signed_at"]
    list_select_related = ["evaluator", "procurement"]
    search_fields = ["evaluator__username", "procurement__reference"]
    raw_id_fields = ["evaluator", "procurement"]
    filter_horizontal = ["conflicts"]

    def has_change_permission(self, request, obj=None):
        if obj is not None and _has_locked_evaluation(obj.procurement):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and _has_locked_evaluation(obj.procurement):
            return False
        return super().has_delete_permission(request, obj)
