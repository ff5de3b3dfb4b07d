"""Setting an evaluation up: the evaluations of a procurement, the model
(criteria tree, weights, price model), requirement mappings, AHP weights,
the start of scoring, the panel and the declarations of impartiality.

Pages that change the model are the lead's (others get 403); strangers to
the procurement get 404 from the access helpers."""

from __future__ import annotations

from fractions import Fraction

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, Q, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import (
    require_http_methods,
    require_POST,
    require_safe,
)

from evaluation import results as engine
from evaluation.access import (
    EVALUATOR,
    LEAD,
    declaration_for,
    evaluation_tabs,
    get_evaluation_for_user,
    is_lead,
    may_see_results,
)
from evaluation.forms.setup import (
    AHPForm,
    AssignmentForm,
    CriterionForm,
    DeclarationForm,
    EvaluationForm,
    MappingBulkForm,
    MappingWeightForm,
)
from evaluation.models import (
    Assignment,
    Criterion,
    Evaluation,
    PairwiseComparison,
    RequirementMapping,
)
from evaluation.selectors import setup as selectors
from evaluation.services import setup as services
from procurement.access import get_procurement_for_user, procurement_roles
from procurement.models import Section, Tender, TenderRound

FORM_METHODS = ["GET", "POST"]
UNMAPPED_PAGE_LIMIT = 300


def _evaluation_url(evaluation: Evaluation, name: str = "evaluation-detail") -> str:
    return reverse(
        f"evaluation:{name}",
        kwargs={"pk": evaluation.procurement_id, "evaluation_pk": evaluation.pk},
    )


def _page(request: HttpRequest, template: str, context: dict) -> HttpResponse:
    """Render an evaluation page with what its tabs need to know."""
    if context.get("evaluation") is not None:
        for name, value in evaluation_tabs(request.user, context["evaluation"]).items():
            context.setdefault(name, value)
    return render(request, template, context)


def _criterion(evaluation: Evaluation, criterion_pk: int) -> Criterion:
    return get_object_or_404(Criterion, evaluation=evaluation, pk=criterion_pk)


def _refuse(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _setup_only(request: HttpRequest, evaluation: Evaluation) -> HttpResponse | None:
    """A redirect back to the evaluation with the reason, once the model is
    frozen; None while it is being set up."""
    if evaluation.status == Evaluation.Status.SETUP:
        return None
    error = (
        services.LockedEvaluationError()
        if evaluation.is_locked
        else services.FrozenModelError()
    )
    _refuse(request, error)
    return redirect(evaluation.get_absolute_url())


# Evaluation list, create, edit --------------------------------------------------


@require_safe
def evaluation_list(request: HttpRequest, pk: int) -> HttpResponse:
    procurement = get_procurement_for_user(request.user, pk)
    rounds = (
        TenderRound.objects.filter(procurement=procurement)
        .select_related("evaluation")
        .order_by("number")
    )
    rows = [(r, getattr(r, "evaluation", None)) for r in rounds]
    return _page(
        request,
        "evaluation/evaluation_list.html",
        {
            "procurement": procurement,
            "rows": rows,
            "can_lead": is_lead(request.user, procurement),
        },
    )


@require_http_methods(FORM_METHODS)
def evaluation_create(request: HttpRequest, pk: int) -> HttpResponse:
    procurement = get_procurement_for_user(request.user, pk)
    if not is_lead(request.user, procurement):
        raise PermissionDenied
    initial = {}
    if request.GET.get("round", "").isdigit():
        initial["round"] = request.GET["round"]
    form = EvaluationForm(
        request.POST or None, procurement=procurement, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["scale_descriptors"] = data.pop("descriptors")
        try:
            evaluation = services.evaluation_create(
                by=request.user, procurement=procurement, **data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The evaluation was created."))
            return redirect(evaluation.get_absolute_url())
    return _page(
        request,
        "evaluation/evaluation_form.html",
        {
            "procurement": procurement,
            "form": form,
            "title": _("New evaluation"),
            "cancel_url": reverse("evaluation:evaluation-list", kwargs={"pk": pk}),
        },
    )


@require_http_methods(FORM_METHODS)
def evaluation_edit(request: HttpRequest, pk: int, evaluation_pk: int) -> HttpResponse:
    evaluation = get_evaluation_for_user(request.user, pk, evaluation_pk, lead=True)
    if refused := _setup_only(request, evaluation):
        return refused
    form = EvaluationForm(
        request.POST or None, instance=evaluation, procurement=evaluation.procurement
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["scale_descriptors"] = data.pop("descriptors")
        try:
            services.evaluation_update(
                by=request.user,
                evaluation=Evaluation.objects.get(pk=evaluation.pk),
                **data,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The evaluation was saved."))
            return redirect(evaluation.get_absolute_url())
    return _page(
        request,
        "evaluation/evaluation_form.html",
        {
            "procurement": evaluation.procurement,
            "evaluation": evaluation,
            "form": form,
            "title": _("Edit the evaluation"),
            "cancel_url": evaluation.get_absolute_url(),
        },
    )


# Evaluation detail --------------------------------------------------------------


@require_safe
def evaluation_detail(
    request: HttpRequest, pk: int, evaluation_pk: int
) -> HttpResponse:
    evaluation = get_evaluation_for_user(request.user, pk, evaluation_pk)
    procurement = evaluation.procurement
    user = request.user
    lead = is_lead(user, procurement)
    if (
        not lead
        and selectors.needs_declaration(user, evaluation)
        and Tender.objects.filter(round=evaluation.round).exists()
    ):
        messages.info(
            request,
            _("Sign your declaration of impartiality before you evaluate tenders."),
        )
        return redirect(_evaluation_url(evaluation, "declaration"))
    criteria = selectors.criteria_with_counts(evaluation)
    names = {c.pk: c.name for c in criteria}
    check = selectors.model_check(evaluation)
    tree = selectors.criteria_tree(criteria, check.effective)
    counts = selectors.mapping_counts(evaluation)
    problems = [selectors.problem_message(p, names) for p in check.problems]
    context = {
        "procurement": procurement,
        "evaluation": evaluation,
        "tree": tree,
        "problems": problems,
        "counts": counts,
        "is_lead": lead,
        "is_setup": evaluation.status == Evaluation.Status.SETUP,
        "roles": procurement_roles(user, procurement),
        "tenders": selectors.visible_round_tenders(user, evaluation),
        "declaration": declaration_for(user, procurement),
        "links": {
            name: _evaluation_url(evaluation, name)
            for name in ("worklist", "consensus", "results")
            if name != "results" or may_see_results(user, evaluation)
        },
    }
    if lead:
        leaves = selectors.scored_leaves(criteria)
        context["leaves"] = leaves
        context["panel"] = selectors.panel_table(evaluation, leaves)
        if evaluation.status == Evaluation.Status.SETUP:
            context["blockers"] = selectors.start_blockers(
                evaluation, criteria=criteria, check=check, counts=counts
            )
    elif EVALUATOR in context["roles"]:
        context["my_assignments"] = list(
            Assignment.objects.filter(evaluation=evaluation, evaluator=user)
            .select_related("criterion", "tender__vendor")
            .order_by("criterion__position", "criterion_id")
        )
    return _page(request, "evaluation/evaluation_detail.html", context)


@require_POST
def evaluation_start(request: HttpRequest, pk: int, evaluation_pk: int) -> HttpResponse:
    evaluation = get_evaluation_for_user(request.user, pk, evaluation_pk, lead=True)
    try:
        services.scoring_start(by=request.user, evaluation=evaluation)
    except services.StartRefused as refused:
        messages.error(request, _("Scoring cannot start yet:"))
        for reason in refused.reasons:
            messages.error(request, reason)
    except ValidationError as error:
        _refuse(request, error)
    else:
        messages.success(request, _("Scoring has started; the model is now frozen."))
    return redirect(evaluation.get_absolute_url())


# Criteria -----------------------------------------------------------------------


@require_http_methods(FORM_METHODS)
def criterion_create(request: HttpRequest, pk: int, evaluation_pk: int) -> HttpResponse:
    evaluation = get_evaluation_for_user(request.user, pk, evaluation_pk, lead=True)
    if refused := _setup_only(request, evaluation):
        return refused
    parent = None
    parent_pk = request.GET.get("parent", "")
    if parent_pk:
        if not parent_pk.isdigit():
            parent_pk = "0"
        parent = _criterion(evaluation, int(parent_pk))
    form = CriterionForm(request.POST or None, evaluation=evaluation, parent=parent)
    if request.method == "POST" and form.is_valid():
        try:
            services.criterion_create(
                by=request.user,
                evaluation=evaluation,
                parent=parent,
                **form.cleaned_data,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The criterion was added."))
            return redirect(evaluation.get_absolute_url())
    title = (
        _("New sub-criterion of “%(name)s”") % {"name": parent.name}
        if parent
        else _("New criterion")
    )
    return _page(
        request,
        "evaluation/criterion_form.html",
        {
            "procurement": evaluation.procurement,
            "evaluation": evaluation,
            "form": form,
            "title": title,
            "cancel_url": evaluation.get_absolute_url(),
        },
    )


@require_http_methods(FORM_METHODS)
def criterion_edit(
    request: HttpRequest, pk: int, evaluation_pk: int, criterion_pk: int
) -> HttpResponse:
    evaluation = get_evaluation_for_user(request.user, pk, evaluation_pk, lead=True)
    criterion = _criterion(evaluation, criterion_pk)
    if refused := _setup_only(request, evaluation):
        return refused
    form = CriterionForm(
        request.POST or None, instance=criterion, evaluation=evaluation
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.criterion_update(
                by=request.user,
                criterion=Criterion.objects.get(pk=criterion.pk),
                **form.cleaned_data,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The criterion was saved."))
            return redirect(evaluation.get_absolute_url())
    history = list(
        Criterion.history.filter(id=criterion.pk)
        .select_related("history_user")
        .order_by("-history_date")[:20]
    )
    return _page(
        request,
        "evaluation/criterion_form.html",
        {
            "procurement": evaluation.procurement,
            "evaluation": evaluation,
            "criterion": criterion,
            "history": history,
            "form": form,
            "title": _("Edit “%(name)s”") % {"name": criterion.name},
            "cancel_url": evaluation.get_absolute_url(),
        },
    )


@require_http_methods(FORM_METHODS)
def criterion_delete(
    request: HttpRequest, pk: int, evaluation_pk: int, criterion_pk: int
) -> HttpResponse:
    evaluation = get_evaluation_for_user(request.user, pk, evaluation_pk, lead=True)
    criterion = _criterion(evaluation, criterion_pk)
    if refused := _setup_only(request, evaluation):
        return refused
    if request.method == "POST":
        try:
            services.criterion_delete(by=request.user, criterion=criterion)
        except ValidationError as error:
            _refuse(request, error)
        else:
            messages.success(
                request, _("“%(name)s” was removed.") % {"name": criterion.name}
            )
        return redirect(evaluation.get_absolute_url())
    return _page(
        request,
        "evaluation/criterion_delete.html",
        {
            "procurement": evaluation.procurement,
            "evaluation": evaluation,
            "criterion": criterion,
            "children": criterion.children.count(),
            "mappings": criterion.mappings.count(),
        },
    )


# Requirement mappings -----------------------------------------------------------


def _mappable_criteria(evaluation: Evaluation):
    return (
        Criterion.objects.filter(
            evaluation=evaluation,
            method=Criterion.Method.REQUIREMENTS,
            children__isnull=True,
        )
        .order_by("parent_id", "position", "pk")
        .distinct()
    )


@require_http_methods(FORM_METHODS)
def evaluation_unmapped(
    request: HttpRequest, pk: int, evaluation_pk: int
) -> HttpResponse:
    evaluation = get_evaluation_for_user(request.user, pk, evaluation_pk, lead=True)
    procurement = evaluation.procurement
    unmapped = selectors.unmapped_requirements(evaluation)
    sections = Section.objects.filter(procurement=procurement).order_by("sort_key")
    chosen_section = None
    section_pk = request.GET.get("section", "")
    if section_pk.isdigit():
        chosen_section = sections.filter(pk=section_pk).first()
    form = MappingBulkForm(
        request.POST or None,
        criteria=_mappable_criteria(evaluation),
        requirements=unmapped,
        sections=sections,
    )
    if request.method == "POST":
        if refused := _setup_only(request, evaluation):
            return refused
        if form.is_valid():
            ticked = [r.pk for r in form.cleaned_data["requirements"]]
            section = form.cleaned_data["section"]
            chosen = unmapped.filter(pk__in=ticked)
            if section is not None:
                chosen = unmapped.filter(
                    selectors.section_subtree_q(section) | Q(pk__in=ticked)
                )
            try:
                created = services.mappings_add(
                    by=request.user,
                    evaluation=evaluation,
                    criterion=form.cleaned_data["criterion"],
                    requirements=chosen,
                    weight=form.cleaned_data["weight"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request,
                    _("%(count)s requirements mapped to “%(name)s”.")
                    % {
                        "count": len(created),
                        "name": form.cleaned_data["criterion"].name,
                    },
                )
                return redirect(request.get_full_path())
    listed = unmapped.select_related("section").order_by("section__sort_key", "key")
    if chosen_section is not None:
        listed = listed.filter(selectors.section_subtree_q(chosen_section))
    listed = list(listed[: UNMAPPED_PAGE_LIMIT + 1])
    return _page(
        request,
        "evaluation/mapping_unmapped.html",
        {
            "procurement": procurement,
            "evaluation": evaluation,
            "form": form,
            "requirements": listed[:UNMAPPED_PAGE_LIMIT],
            "more": len(listed) > UNMAPPED_PAGE_LIMIT,
            "limit": UNMAPPED_PAGE_LIMIT,
            "by_section": selectors.unmapped_by_section(evaluation),
            "chosen_section": chosen_section,
            "counts": selectors.mapping_counts(evaluation),
            "is_setup": evaluation.status == Evaluation.Status.SETUP,
        },
    )


@require_safe
def criterion_mappings(
    request: HttpRequest, pk: int, evaluation_pk: int, criterion_pk: int
) -> HttpResponse:
    evaluation = get_evaluation_for_user(request.user, pk, evaluation_pk, lead=True)
    criterion = _criterion(evaluation, criterion_pk)
    mappings = list(
        criterion.mappings.select_related("requirement__section").order_by(
            "requirement__key"
        )
    )
    return _page(
        request,
        "evaluation/mapping_list.html",
        {
            "procurement": evaluation.procurement,
            "evaluation": evaluation,
            "criterion": criterion,
            "mappings": mappings,
            "total_weight": sum((m.weight for m in mappings), start=0),
            "is_setup": evaluation.status == Evaluation.Status.SETUP,
        },
    )


def _mapping(evaluation: Evaluation, mapping_pk: int) -> RequirementMapping:
    return get_object_or_404(
        RequirementMapping.objects.select_related("requirement", "criterion"),
        evaluation=evaluation,
        pk=mapping_pk,
    )


def _mappings_url(mapping: RequirementMapping, evaluation: Evaluation) -> str:
    return reverse(
        "evaluation:criterion-mappings",
        kwargs={
            "pk": evaluation.procurement_id,
            "evaluation_pk": evaluation.pk,
            "criterion_pk": mapping.criterion_id,
        },
    )


@require_POST
def mapping_edit(
    request: HttpRequest, pk: int, evaluation_pk: int, mapping_pk: int
) -> HttpResponse:
    evaluation = get_evaluation_for_user(request.user, pk, evaluation_pk, lead=True)
    mapping = _mapping(evaluation, mapping_pk)
    form = MappingWeightForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, f"{mapping.requirement.key}: {error}")
    else:
        try:
            services.mapping_update(
                by=request.user, mapping=mapping, weight=form.cleaned_data["weight"]
            )
        except ValidationError as error:
            _refuse(request, error)
        else:
            messages.success(
                request,
                _("Weight of %(key)s saved.") % {"key": mapping.requirement.key},
            )
    return redirect(_mappings_url(mapping, evaluation))


@require_POST
def mapping_remove(
    request: HttpRequest, pk: int, evaluation_pk: int, mapping_pk: int
) -> HttpResponse:
    evaluation = get_evaluation_for_user(request.user, pk, evaluation_pk, lead=True)
    mapping = _mapping(evaluation, mapping_pk)
    try:
        services.mapping_remove(by=request.user, mapping=mapping)
    except ValidationError as error:
        _refuse(request, error)
    else:
        messages.success(
            request,
            _("%(key)s is no longer mapped.") % {"key": mapping.requirement.key},
        )
    return redirect(_mappings_url(mapping, evaluation))


# AHP ----------------------------------------------------------------------------


def _ahp_message(error: engine.AHPMatrixError) -> str:
    if error.code == "too_large":
        return _("AHP compares at most 10 criteria at one level.")
    return _("The comparison matrix cannot be used (%(code)s).") % {"code": error.code}


def _stored_matrix(evaluation, parent, criteria) -> list[list[str]] | None:
    stored = PairwiseComparison.objects.filter(
        evaluation=evaluation, parent=parent
    ).first()
    if stored is None or stored.criterion_ids != [c.pk for c in criteria]:
        return None
    return stored.matrix


@require_http_methods(FORM_METHODS)
def evaluation_ahp(
    request: HttpRequest, pk: int, evaluation_pk: int, criterion_pk: int | None = None
) -> HttpResponse:
    evaluation = get_evaluation_for_user(request.user, pk, evaluation_pk, lead=True)
    parent = None if criterion_pk is None else _criterion(evaluation, criterion_pk)
    criteria = services.ahp_level(evaluation, parent)
    stored = _stored_matrix(evaluation, parent, criteria)
    form = AHPForm(request.POST or None, criteria=criteria, initial_matrix=stored)
    result = None
    if stored is not None and request.method == "GET":
        result = engine.ahp_weights([[Fraction(x) for x in row] for row in stored])
    if request.method == "POST":
        if refused := _setup_only(request, evaluation):
            return refused
        if len(criteria) < 2:
            messages.error(request, _("AHP compares two or more criteria."))
        elif form.is_valid():
            matrix = services.full_matrix(form.upper(), len(criteria))
            try:
                if "apply" in request.POST:
                    result = services.ahp_apply(
                        by=request.user,
                        evaluation=evaluation,
                        parent=parent,
                        matrix=matrix,
                    )
                    messages.success(request, _("The weights were applied."))
                    return redirect(evaluation.get_absolute_url())
                _comparison, result = services.comparison_save(
                    by=request.user,
                    evaluation=evaluation,
                    parent=parent,
                    criteria=criteria,
                    matrix=matrix,
                )
            except engine.AHPMatrixError as error:
                form.add_error(None, _ahp_message(error))
            except ValidationError as error:
                form.add_error(None, error)
    weights = []
    if result is not None:
        weights = list(
            zip(criteria, result.weights, result.percent_weights(2), strict=True)
        )
    return _page(
        request,
        "evaluation/ahp.html",
        {
            "procurement": evaluation.procurement,
            "evaluation": evaluation,
            "parent": parent,
            "criteria": criteria,
            "form": form,
            "result": result,
            "weights": weights,
            "cr_limit": engine.CR_LIMIT,
            "is_setup": evaluation.status == Evaluation.Status.SETUP,
        },
    )


# Panel --------------------------------------------------------------------------


def _panel_form(evaluation: Evaluation, criteria, data=None) -> AssignmentForm:
    in_tree_order = [When(pk=c.pk, then=i) for i, c in enumerate(criteria)]
    return AssignmentForm(
        data,
        evaluators=selectors.panel_candidates(evaluation.procurement),
        criteria=Criterion.objects.filter(pk__in=[c.pk for c in criteria]).order_by(
            Case(*in_tree_order, default=0) if in_tree_order else "pk"
        ),
        tenders=Tender.objects.filter(round=evaluation.round)
        .select_related("vendor")
        .order_by("vendor__name"),
    )


@require_http_methods(FORM_METHODS)
def evaluation_panel(request: HttpRequest, pk: int, evaluation_pk: int) -> HttpResponse:
    evaluation = get_evaluation_for_user(request.user, pk, evaluation_pk, lead=True)
    leaves = selectors.scored_leaves(
        Criterion.objects.filter(evaluation=evaluation).order_by(
            "parent_id", "position", "pk"
        )
    )
    form = _panel_form(evaluation, leaves, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.assignments_add(
                by=request.user,
                evaluation=evaluation,
                evaluator=form.cleaned_data["evaluator"],
                criteria=form.cleaned_data["criteria"],
                tender=form.cleaned_data["tender"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("%(count)s assignments added.") % {"count": len(created)},
            )
            return redirect(_evaluation_url(evaluation, "evaluation-panel"))
    return _page(
        request,
        "evaluation/panel.html",
        {
            "procurement": evaluation.procurement,
            "evaluation": evaluation,
            "form": form,
            "leaves": leaves,
            "panel": selectors.panel_table(evaluation, leaves),
            "is_open": not evaluation.is_locked,
        },
    )


@require_POST
def assignment_remove(
    request: HttpRequest, pk: int, evaluation_pk: int, assignment_pk: int
) -> HttpResponse:
    evaluation = get_evaluation_for_user(request.user, pk, evaluation_pk, lead=True)
    assignment = get_object_or_404(
        Assignment.objects.select_related("evaluator", "criterion", "tender__vendor"),
        evaluation=evaluation,
        pk=assignment_pk,
    )
    try:
        services.assignment_remove(by=request.user, assignment=assignment)
    except ValidationError as error:
        _refuse(request, error)
    else:
        messages.success(request, _("The assignment was removed."))
    return redirect(_evaluation_url(evaluation, "evaluation-panel"))


# Declaration of impartiality ----------------------------------------------------


@require_http_methods(FORM_METHODS)
def declaration(request: HttpRequest, pk: int, evaluation_pk: int) -> HttpResponse:
    evaluation = get_evaluation_for_user(request.user, pk, evaluation_pk)
    procurement = evaluation.procurement
    roles = procurement_roles(request.user, procurement)
    if LEAD not in roles and EVALUATOR not in roles:
        raise PermissionDenied
    signed = declaration_for(request.user, procurement)
    vendors = selectors.procurement_vendors(procurement)
    form = None
    if signed is None:
        form = DeclarationForm(request.POST or None, vendors=vendors)
        if request.method == "POST" and form.is_valid():
            try:
                services.declaration_sign(
                    by=request.user,
                    procurement=procurement,
                    conflicts=form.cleaned_data["conflicts"],
                    note=form.cleaned_data["note"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Your declaration is signed."))
                return redirect(evaluation.get_absolute_url())
    elif request.method == "POST":
        messages.error(
            request,
            _(
                "Your declaration is signed and cannot be changed. Report any new "
                "conflict of interest to the evaluation lead."
            ),
        )
        return redirect(_evaluation_url(evaluation, "declaration"))
    return _page(
        request,
        "evaluation/declaration.html",
        {
            "procurement": procurement,
            "evaluation": evaluation,
            "form": form,
            "signed": signed,
            "has_vendors": vendors.exists(),
        },
    )


urlpatterns = [
    # /procurements/<pk>/evaluations/
    path("evaluations/", evaluation_list, name="evaluation-list"),
    path("evaluations/new/", evaluation_create, name="evaluation-create"),
    # /procurements/<pk>/evaluations/<evaluation_pk>/
    path(
        "evaluations/<int:evaluation_pk>/",
        evaluation_detail,
        name="evaluation-detail",
    ),
    path(
        "evaluations/<int:evaluation_pk>/edit/",
        evaluation_edit,
        name="evaluation-edit",
    ),
    path(
        "evaluations/<int:evaluation_pk>/start/",
        evaluation_start,
        name="evaluation-start",
    ),
    # /procurements/<pk>/evaluations/<evaluation_pk>/criteria/
    path(
        "evaluations/<int:evaluation_pk>/criteria/new/",
        criterion_create,
        name="criterion-create",
    ),
    path(
        "evaluations/<int:evaluation_pk>/criteria/<int:criterion_pk>/edit/",
        criterion_edit,
        name="criterion-edit",
    ),
    path(
        "evaluations/<int:evaluation_pk>/criteria/<int:criterion_pk>/delete/",
        criterion_delete,
        name="criterion-delete",
    ),
    path(
        "evaluations/<int:evaluation_pk>/criteria/<int:criterion_pk>/mappings/",
        criterion_mappings,
        name="criterion-mappings",
    ),
    path(
        "evaluations/<int:evaluation_pk>/criteria/<int:criterion_pk>/ahp/",
        evaluation_ahp,
        name="evaluation-ahp",
    ),
    # /procurements/<pk>/evaluations/<evaluation_pk>/ahp/ (top level)
    path("evaluations/<int:evaluation_pk>/ahp/", evaluation_ahp, name="evaluation-ahp"),
    # /procurements/<pk>/evaluations/<evaluation_pk>/unmapped/, mappings/
    path(
        "evaluations/<int:evaluation_pk>/unmapped/",
        evaluation_unmapped,
        name="evaluation-unmapped",
    ),
    path(
        "evaluations/<int:evaluation_pk>/mappings/<int:mapping_pk>/edit/",
        mapping_edit,
        name="mapping-edit",
    ),
    path(
        "evaluations/<int:evaluation_pk>/mappings/<int:mapping_pk>/remove/",
        mapping_remove,
        name="mapping-remove",
    ),
    # /procurements/<pk>/evaluations/<evaluation_pk>/panel/
    path(
        "evaluations/<int:evaluation_pk>/panel/",
        evaluation_panel,
        name="evaluation-panel",
    ),
    path(
        "evaluations/<int:evaluation_pk>/panel/<int:assignment_pk>/remove/",
        assignment_remove,
        name="assignment-remove",
    ),
    # /procurements/<pk>/evaluations/<evaluation_pk>/declaration/
    path(
        "evaluations/<int:evaluation_pk>/declaration/",
        declaration,
        name="declaration",
    ),
]
