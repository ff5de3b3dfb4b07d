"""Consensus, the sealed price envelope, results and the lock.

- consensus: the lead opens it; then the lead and the panel see every
  individual score side by side (spread flags, Kendall's W) and the lead sets
  the consensus scores. Programme staff who do not lead, and management, never
  see individual scores (403).
- the lead locks the quality consensus, opens the price envelope, releases the
  results to management and locks the evaluation.
- results: points, totals, ranking and sensitivity, all from the engine
  (``evaluation.selectors.results.evaluation_results``), with prices hidden
  from everyone but the lead while the envelope is sealed.

Every POST here on a locked evaluation is refused with the lock page (409).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import (
    require_http_methods,
    require_POST,
    require_safe,
)

from evaluation import access
from evaluation import results as engine
from evaluation.charts import sensitivity_chart, stacked_bar_chart
from evaluation.forms.consensus import ConsensusScoreForm
from evaluation.models import (
    ConsensusScore,
    Criterion,
    Evaluation,
    LockedEvaluationError,
    RequirementMapping,
    Score,
)
from evaluation.selectors.results import (
    consensus_gaps,
    evaluation_results,
    prices_visible,
    rejection_reasons,
)
from evaluation.services import consensus as services
from procurement.models import Tender

ITEMS_PER_PAGE = 50


def _evaluation(request: HttpRequest, pk: int, evaluation_pk: int) -> Evaluation:
    return access.get_evaluation_for_user(request.user, pk, evaluation_pk)


def _context(request: HttpRequest, evaluation: Evaluation, **extra) -> dict:
    procurement = evaluation.procurement
    return {
        "procurement": procurement,
        "evaluation": evaluation,
        "is_lead": access.is_lead(request.user, procurement),
        **access.evaluation_tabs(request.user, evaluation),
        **extra,
    }


def _refused_locked(request: HttpRequest, evaluation: Evaluation) -> HttpResponse:
    return render(
        request,
        "evaluation/lock_refused.html",
        _context(request, evaluation),
        status=409,
    )


def _url(name: str, evaluation: Evaluation, **kwargs) -> str:
    return reverse(
        f"evaluation:{name}",
        kwargs={"pk": evaluation.procurement_id, "evaluation_pk": evaluation.pk}
        | kwargs,
    )


def _report(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


# Consensus overview ------------------------------------------------------------


def _sheet_counts(data: engine.EvaluationData, results: engine.Results) -> dict:
    """Per (criterion, tender): items, items still open, flagged spreads.
    Only leaves are scored: a parent's method means nothing."""
    crit_of: dict[engine.ItemKey, object] = {}
    items: dict[object, int] = {}
    parents = {c.parent_id for c in data.criteria}
    for c in data.criteria:
        if c.id in parents:
            continue
        if c.method == engine.Method.DIRECT:
            crit_of[engine.crit_item(c.id)] = c.id
            items[c.id] = 1
        elif c.method == engine.Method.REQUIREMENTS:
            for r in c.requirement_weights:
                crit_of[engine.req_item(r)] = c.id
            items[c.id] = len(c.requirement_weights)
    flagged: dict[tuple, int] = defaultdict(int)
    for spread in results.flagged_spreads:
        criterion_id = crit_of.get(spread.item)
        if criterion_id is not None:
            flagged[criterion_id, spread.tender_id] += 1
    open_items: dict[tuple, int] = defaultdict(int)
    for tender in results.tenders:
        for reason in tender.reasons:
            if reason.code in ("individual_mean", "missing_score"):
                open_items[reason.criterion_id, tender.tender_id] += reason.count
    return {"items": items, "flagged": flagged, "open": open_items}


@require_safe
def consensus(request: HttpRequest, pk: int, evaluation_pk: int) -> HttpResponse:
    """The lead's consensus desk; the panel's read-only view of it."""
    evaluation = _evaluation(request, pk, evaluation_pk)
    lead = access.is_lead(request.user, evaluation.procurement)
    if not access.may_see_individual_scores_of_others(request.user, evaluation):
        if not lead:
            raise PermissionDenied
        # Before consensus the lead sees how far scoring has come, never the
        # scores themselves.
        return render(
            request,
            "evaluation/consensus_open.html",
            _context(
                request,
                evaluation,
                scores=Score.objects.filter(evaluation=evaluation).count(),
                scorers=Score.objects.filter(evaluation=evaluation)
                .values("evaluator")
                .distinct()
                .count(),
            ),
        )
    data, results = evaluation_results(evaluation, user=request.user)
    counts = _sheet_counts(data, results)
    # A panel member never sees a vendor they declared a conflict with, not
    # even as a column of counts.
    conflicts = access.conflicted_vendor_ids(request.user, evaluation.procurement)
    hidden = (
        set(
            Tender.objects.filter(
                round_id=evaluation.round_id, vendor_id__in=conflicts
            ).values_list("pk", flat=True)
        )
        if conflicts
        else set()
    )
    tenders = [t for t in results.tenders if t.tender_id not in hidden]
    rows = []
    for c in data.criteria:
        if c.id not in counts["items"]:
            continue
        cells = []
        for t in tenders:
            key = (c.id, t.tender_id)
            total = counts["items"][c.id]
            cells.append(
                {
                    "tender": t,
                    "agreed": total - counts["open"].get(key, 0),
                    "total": total,
                    "flagged": counts["flagged"].get(key, 0),
                    "url": _url(
                        "consensus-criterion",
                        evaluation,
                        criterion_pk=c.id,
                        tender_pk=t.tender_id,
                    ),
                }
            )
        rows.append(
            {"criterion": c, "agreement": results.agreement.get(c.id), "cells": cells}
        )
    return render(
        request,
        "evaluation/consensus.html",
        _context(
            request,
            evaluation,
            rows=rows,
            tenders=tenders,
            gaps=consensus_gaps(data, results),
            threshold=evaluation.disagreement_threshold,
            lock_problems=services.lock_problems(evaluation, request.user)
            if lead and evaluation.status == Evaluation.Status.CONSENSUS
            else [],
        ),
    )


# One criterion × tender --------------------------------------------------------


def _criterion_and_tender(
    evaluation: Evaluation, criterion_pk: int, tender_pk: int
) -> tuple[Criterion, Tender]:
    criterion = get_object_or_404(
        Criterion.objects.exclude(method=Criterion.Method.PRICE),
        evaluation=evaluation,
        pk=criterion_pk,
        children__isnull=True,
    )
    tender = get_object_or_404(
        Tender.objects.select_related("vendor").exclude(status=Tender.Status.WITHDRAWN),
        round_id=evaluation.round_id,
        pk=tender_pk,
    )
    return criterion, tender


def _may_see_tender(request: HttpRequest, evaluation: Evaluation, tender) -> None:
    """A panel member never sees a vendor they declared a conflict with."""
    if tender.vendor_id in access.conflicted_vendor_ids(
        request.user, evaluation.procurement
    ):
        raise PermissionDenied


def _sheet(evaluation: Evaluation, criterion: Criterion, tender: Tender, page):
    """Rows of the side-by-side table for the requirements on ``page`` (or
    the criterion itself when it is scored directly)."""
    if criterion.method == Criterion.Method.DIRECT:
        items = [(engine.crit_item(criterion.pk), criterion, None)]
        scores = Score.objects.filter(
            evaluation=evaluation, tender=tender, criterion=criterion
        )
        agreed = ConsensusScore.objects.filter(
            evaluation=evaluation, tender=tender, criterion=criterion
        )
    else:
        mappings = list(page.object_list)
        requirement_ids = [m.requirement_id for m in mappings]
        items = [
            (engine.req_item(m.requirement_id), m.requirement, m.weight)
            for m in mappings
        ]
        scores = Score.objects.filter(
            evaluation=evaluation, tender=tender, requirement_id__in=requirement_ids
        )
        agreed = ConsensusScore.objects.filter(
            evaluation=evaluation, tender=tender, requirement_id__in=requirement_ids
        )
    values: dict = defaultdict(dict)
    evaluators = {}
    for score in scores.select_related("evaluator").order_by():
        key = engine.ItemKey(
            *(
                (engine.REQ, score.requirement_id)
                if score.requirement_id
                else (engine.CRIT, score.criterion_id)
            )
        )
        values[key][score.evaluator_id] = score
        evaluators[score.evaluator_id] = score.evaluator
    consensus_of = {}
    for score in agreed.select_related("decided_by").order_by():
        key = engine.ItemKey(
            *(
                (engine.REQ, score.requirement_id)
                if score.requirement_id
                else (engine.CRIT, score.criterion_id)
            )
        )
        consensus_of[key] = score
    return items, values, consensus_of, evaluators


def _auto_id(key: engine.ItemKey) -> str:
    return f"id_{key.kind}{key.id}_%s"


def _item_form(
    criterion: Criterion, key: engine.ItemKey, stored: ConsensusScore | None
) -> ConsensusScoreForm:
    initial = {"version": stored.version if stored else 0}
    if stored:
        initial |= {"value": stored.value, "justification": stored.justification}
    return ConsensusScoreForm(
        initial=initial, scale_max=criterion.scale_max, auto_id=_auto_id(key)
    )


@require_safe
def consensus_criterion(
    request: HttpRequest, pk: int, evaluation_pk: int, criterion_pk: int, tender_pk: int
) -> HttpResponse:
    """Every individual score of one criterion for one tender, side by side."""
    evaluation = _evaluation(request, pk, evaluation_pk)
    if not access.may_see_individual_scores_of_others(request.user, evaluation):
        raise PermissionDenied
    criterion, tender = _criterion_and_tender(evaluation, criterion_pk, tender_pk)
    _may_see_tender(request, evaluation, tender)
    return _criterion_page(request, evaluation, criterion, tender)


def _criterion_page(
    request: HttpRequest,
    evaluation: Evaluation,
    criterion: Criterion,
    tender: Tender,
    *,
    posted: tuple | None = None,
    status: int = 200,
) -> HttpResponse:
    show = request.GET.get("show", "all")
    mappings = (
        RequirementMapping.objects.filter(evaluation=evaluation, criterion=criterion)
        .select_related("requirement")
        .order_by("requirement__key")
    )
    data, results = evaluation_results(evaluation, user=request.user)
    spreads = {s.item: s for s in results.spreads if s.tender_id == tender.pk}
    if show == "flagged":
        flagged = [s.item.id for s in spreads.values() if s.flagged]
        mappings = mappings.filter(requirement_id__in=flagged)
    elif show == "open":
        mappings = mappings.exclude(
            requirement_id__in=ConsensusScore.objects.filter(
                evaluation=evaluation, tender=tender, requirement__isnull=False
            ).values("requirement_id")
        )
    page = Paginator(mappings, ITEMS_PER_PAGE).get_page(request.GET.get("page"))
    items, values, consensus_of, evaluators = _sheet(
        evaluation, criterion, tender, page
    )
    panel = sorted(evaluators.values(), key=lambda u: u.get_username())
    lead = access.is_lead(request.user, evaluation.procurement)
    editable = (
        lead
        and evaluation.status == Evaluation.Status.CONSENSUS
        and evaluation.quality_locked_at is None
    )
    rows = []
    for key, item, weight in items:
        stored = consensus_of.get(key)
        form = None
        if editable:
            if posted and posted[0] == key:
                form = posted[1]
            else:
                form = _item_form(criterion, key, stored)
        rows.append(
            {
                "key": key,
                "item": item,
                "weight": weight,
                "scores": [values[key].get(person.pk) for person in panel],
                "spread": spreads.get(key),
                "consensus": stored,
                "form": form,
                "conflict": posted[2] if posted and posted[0] == key else None,
                "action": _url(
                    "consensus-set",
                    evaluation,
                    criterion_pk=criterion.pk,
                    tender_pk=tender.pk,
                )
                + (f"?requirement={key.id}" if key.kind == engine.REQ else ""),
            }
        )
    tender_result = results.tender(tender.pk)
    return render(
        request,
        "evaluation/consensus_criterion.html",
        _context(
            request,
            evaluation,
            criterion=criterion,
            tender=tender,
            panel=panel,
            rows=rows,
            page=page,
            show=show,
            agreement=results.agreement.get(criterion.pk),
            points=tender_result.criteria.get(criterion.pk),
            editable=editable,
            threshold=evaluation.disagreement_threshold,
        ),
        status=status,
    )


@require_POST
def consensus_set(
    request: HttpRequest, pk: int, evaluation_pk: int, criterion_pk: int, tender_pk: int
) -> HttpResponse:
    """The lead sets one consensus score; a conflict answers 409 showing the
    stored score beside the lead's."""
    evaluation = _evaluation(request, pk, evaluation_pk)
    access.require_lead(request.user, evaluation)
    if evaluation.is_locked:
        return _refused_locked(request, evaluation)
    criterion, tender = _criterion_and_tender(evaluation, criterion_pk, tender_pk)
    _may_see_tender(request, evaluation, tender)
    requirement = None
    if criterion.method == Criterion.Method.REQUIREMENTS:
        mapping = get_object_or_404(
            RequirementMapping.objects.select_related("requirement"),
            evaluation=evaluation,
            criterion=criterion,
            requirement_id=request.GET.get("requirement") or 0,
        )
        requirement = mapping.requirement
        key = engine.req_item(requirement.pk)
    else:
        key = engine.crit_item(criterion.pk)
    form = ConsensusScoreForm(
        request.POST, scale_max=criterion.scale_max, auto_id=_auto_id(key)
    )
    conflict = None
    if form.is_valid():
        try:
            services.consensus_score_set(
                evaluation=evaluation,
                tender=tender,
                requirement=requirement,
                criterion=None if requirement else criterion,
                value=form.cleaned_data["value"],
                justification=form.cleaned_data["justification"],
                expected_version=form.cleaned_data["version"],
                by=request.user,
            )
        except LockedEvaluationError:
            return _refused_locked(request, evaluation)
        except services.ConsensusConflict as error:
            conflict = {"stored": error.current, "mine": form.cleaned_data}
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Consensus score saved: %(item)s, %(tender)s.")
                % {
                    "item": requirement.key if requirement else criterion.name,
                    "tender": tender.vendor.name,
                },
            )
            url = _url(
                "consensus-criterion",
                evaluation,
                criterion_pk=criterion.pk,
                tender_pk=tender.pk,
            )
            return redirect(f"{url}?{request.GET.urlencode()}#item-{key.kind}-{key.id}")
    if conflict:
        # Show the stored score in the form's place so a second save is a
        # deliberate choice; the lead's own text is shown beside it.
        form = _item_form(criterion, key, conflict["stored"])
        form.initial |= {
            "value": conflict["mine"]["value"],
            "justification": conflict["mine"]["justification"],
        }
    return _criterion_page(
        request,
        evaluation,
        criterion,
        tender,
        posted=(key, form, conflict),
        status=409 if conflict else 400,
    )


# The lead's steps ----------------------------------------------------------------


def _lead_step(request, pk, evaluation_pk, step, done_message, next_name):
    evaluation = _evaluation(request, pk, evaluation_pk)
    access.require_lead(request.user, evaluation)
    if evaluation.is_locked:
        return _refused_locked(request, evaluation)
    try:
        step(evaluation=evaluation, by=request.user)
    except LockedEvaluationError:
        return _refused_locked(request, evaluation)
    except ValidationError as error:
        _report(request, error)
    else:
        messages.success(request, done_message)
    return redirect(_url(next_name, evaluation))


@require_POST
def consensus_open(request: HttpRequest, pk: int, evaluation_pk: int) -> HttpResponse:
    return _lead_step(
        request,
        pk,
        evaluation_pk,
        services.consensus_open,
        _("Consensus is open: the panel now sees every individual score."),
        "consensus",
    )


@require_POST
def quality_lock(request: HttpRequest, pk: int, evaluation_pk: int) -> HttpResponse:
    return _lead_step(
        request,
        pk,
        evaluation_pk,
        services.quality_lock,
        _("The quality consensus is locked."),
        "consensus",
    )


@require_POST
def prices_open(request: HttpRequest, pk: int, evaluation_pk: int) -> HttpResponse:
    return _lead_step(
        request,
        pk,
        evaluation_pk,
        services.prices_open,
        _("The price envelope is open."),
        "results",
    )


@require_POST
def results_release(request: HttpRequest, pk: int, evaluation_pk: int) -> HttpResponse:
    return _lead_step(
        request,
        pk,
        evaluation_pk,
        services.results_release,
        _("The results are released to management."),
        "results",
    )


@require_http_methods(["GET", "HEAD", "POST"])
def evaluation_lock(request: HttpRequest, pk: int, evaluation_pk: int) -> HttpResponse:
    """GET: what locking means and what still stands in the way; POST: lock."""
    evaluation = _evaluation(request, pk, evaluation_pk)
    access.require_lead(request.user, evaluation)
    if request.method == "POST":
        return _lead_step(
            request,
            pk,
            evaluation_pk,
            services.evaluation_lock,
            _("The evaluation is locked; nothing in it can change any more."),
            "results",
        )
    problems = (
        [] if evaluation.is_locked else services.lock_problems(evaluation, request.user)
    )
    return render(
        request,
        "evaluation/lock.html",
        _context(request, evaluation, problems=[p.message for p in problems]),
    )


# Results -----------------------------------------------------------------------


def _points(value: Decimal | None) -> Decimal | None:
    return engine.display_points(value)


@require_safe
def results(request: HttpRequest, pk: int, evaluation_pk: int) -> HttpResponse:
    """Points per criterion, totals, ranking and sensitivity, from the engine."""
    evaluation = _evaluation(request, pk, evaluation_pk)
    if not access.may_see_results(request.user, evaluation):
        raise PermissionDenied
    data, outcome = evaluation_results(evaluation, user=request.user)
    analysis = engine.sensitivity(data, outcome)
    show_prices = prices_visible(evaluation, request.user)
    criteria = {c.id: c for c in data.criteria}
    leaves = [criteria[i] for i in outcome.leaf_ids]
    db_criteria = {c.pk: c for c in Criterion.objects.filter(evaluation=evaluation)}
    priced = {c.id for c in leaves if c.method == engine.Method.PRICE}
    reasons = rejection_reasons(evaluation)
    names = {t.tender_id: t.name for t in outcome.tenders}
    rows = []
    for t in sorted(
        outcome.tenders,
        key=lambda r: (r.rank is None, r.rank or 0, r.name),
    ):
        cells = []
        for c in leaves:
            points = t.criteria[c.id]
            sealed = c.id in priced and not show_prices
            cells.append(
                {
                    "sealed": sealed,
                    "points": None if sealed else _points(points.points),
                    "weighted": None if sealed else _points(points.weighted),
                    "provisional": points.provisional and not sealed,
                }
            )
        rows.append(
            {
                "result": t,
                "cells": cells,
                "total": _points(t.total),
                "money": engine.display_price(t.money_value) if show_prices else None,
                "price": engine.display_price(t.evaluated_price)
                if show_prices
                else None,
                "reason": reasons.get(t.tender_id, ""),
            }
        )
    chart = stacked_bar_chart(
        [
            (
                t.name,
                [
                    (
                        c.name,
                        0.0
                        if c.id in priced and not show_prices
                        else float(t.criteria[c.id].weighted),
                    )
                    for c in leaves
                ],
            )
            for t in outcome.tenders
        ],
        title=_("Weighted points per criterion"),
    )
    shifts = [
        {
            "source": criteria[s.source_id].name,
            "target": criteria[s.target_id].name,
            "points": engine.display_points(s.percentage_points),
            "challenger": names.get(s.challenger, ""),
            "feasible": s.feasible,
        }
        for s in sorted(analysis.shifts, key=lambda s: s.delta)
    ]
    charts = [
        {
            "criterion": criteria[series.criterion_id].name,
            "svg": sensitivity_chart(
                [float(w) for w in series.weights],
                {
                    names[t]: [float(v) for v in values]
                    for t, values in series.values.items()
                },
                current=float(series.current),
                title=_("Total as the weight of %(criterion)s changes")
                % {"criterion": criteria[series.criterion_id].name},
            ),
        }
        for series in analysis.charts
    ]
    return render(
        request,
        "evaluation/results.html",
        _context(
            request,
            evaluation,
            results=outcome,
            leaves=[
                {
                    "criterion": c,
                    "weight": engine.display_percent(outcome.effective_weights[c.id]),
                    "record": db_criteria.get(c.id),
                    "sealed": c.id in priced and not show_prices,
                }
                for c in leaves
            ],
            rows=rows,
            chart=chart,
            analysis=analysis,
            shifts=shifts,
            charts=charts,
            winner=names.get(analysis.winner),
            range_challenger=names.get(
                analysis.range_check.challenger if analysis.range_check else None
            ),
            show_prices=show_prices,
            sealed=evaluation.round.prices_sealed,
            money=outcome.award_model == engine.AwardModel.MONEY,
        ),
    )


urlpatterns = [
    # /procurements/<pk>/evaluations/<evaluation_pk>/consensus/…
    path("evaluations/<int:evaluation_pk>/consensus/", consensus, name="consensus"),
    path(
        "evaluations/<int:evaluation_pk>/consensus/open/",
        consensus_open,
        name="consensus-open",
    ),
    path(
        "evaluations/<int:evaluation_pk>/consensus/<int:criterion_pk>/"
        "tenders/<int:tender_pk>/",
        consensus_criterion,
        name="consensus-criterion",
    ),
    path(
        "evaluations/<int:evaluation_pk>/consensus/<int:criterion_pk>/"
        "tenders/<int:tender_pk>/set/",
        consensus_set,
        name="consensus-set",
    ),
    path(
        "evaluations/<int:evaluation_pk>/consensus/lock-quality/",
        quality_lock,
        name="quality-lock",
    ),
    # /procurements/<pk>/evaluations/<evaluation_pk>/prices/open/
    path(
        "evaluations/<int:evaluation_pk>/prices/open/",
        prices_open,
        name="prices-open",
    ),
    # /procurements/<pk>/evaluations/<evaluation_pk>/results/…
    path("evaluations/<int:evaluation_pk>/results/", results, name="results"),
    path(
        "evaluations/<int:evaluation_pk>/results/release/",
        results_release,
        name="results-release",
    ),
    # /procurements/<pk>/evaluations/<evaluation_pk>/lock/
    path(
        "evaluations/<int:evaluation_pk>/lock/",
        evaluation_lock,
        name="evaluation-lock",
    ),
]
