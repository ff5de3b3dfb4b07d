"""Individual scoring pages: the evaluator's worklist, the scoring page per
tender × criterion (save one row, or the whole page at once), the offline
scoring sheet, and the absolute-requirement checks with the lead's decision
on proposed rejections.

Every view passes the same gate: strangers to the procurement get 404, roles
that do not score (management, programme staff) 403, a lead or evaluator
without a signed declaration is sent to sign one, and a conflicted vendor's
tender is a 404 — it does not exist for them.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import (
    require_http_methods,
    require_POST,
    require_safe,
)

from evaluation.access import (
    conflicted_vendor_ids,
    declaration_for,
    evaluation_tabs,
    get_evaluation_for_user,
    is_evaluator,
    is_lead,
)
from evaluation.forms.scoring import (
    AbsoluteCheckForm,
    RejectionDecisionForm,
    ScoreForm,
    ScoringSheetUploadForm,
)
from evaluation.models import (
    Criterion,
    Evaluation,
    LockedEvaluationError,
    RequirementMapping,
    Score,
)
from evaluation.scoring_sheet import (
    ScoringPlan,
    apply_scoring_plan,
    parse_scoring_sheet,
    plan_scoring_sheet,
    sheet_filename,
    write_scoring_sheet,
)
from evaluation.selectors import scoring as selectors
from evaluation.selectors.scoring import (
    SCOREABLE_METHODS,
    SCORED_TENDER_STATUSES,
    ScoringRow,
    ScoringSection,
)
from evaluation.services import scoring as services
from evaluation.services.scoring import ScoreConflictError, scoring_state_error
from procurement.documents.safety import UploadProblem
from procurement.documents.uploads import PendingUploads
from procurement.documents.xlsx import XLSX_CONTENT_TYPE
from procurement.models import Requirement, Tender

PENDING = PendingUploads("scoring-sheet", ".xlsx")
PREVIEW_MAX_ROWS = 500
#: A criterion with more mapped requirements than this is scored one section
#: of the specification at a time: a page of thousands of requirements takes
#: seconds to draw, and "save all" would post them all.
SECTION_PAGES_FROM = 300


# The gate ------------------------------------------------------------------------


class _SendTo(Exception):
    def __init__(self, response: HttpResponse):
        super().__init__("redirect")
        self.response = response


def _gated(view):
    """Turn a gate's redirect (to the declaration) into the view's answer."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except _SendTo as send:
            return send.response

    return wrapper


@dataclass
class Gate:
    evaluation: Evaluation
    conflicts: frozenset[int]
    lead: bool


def _gate(request: HttpRequest, pk: int, evaluation_pk: int) -> Gate:
    evaluation = get_evaluation_for_user(request.user, pk, evaluation_pk)
    procurement = evaluation.procurement
    lead = is_lead(request.user, procurement)
    if not lead and not is_evaluator(request.user, procurement):
        raise PermissionDenied
    if declaration_for(request.user, procurement) is None:
        messages.info(
            request,
            _("Sign the declaration of impartiality before you see any tender."),
        )
        raise _SendTo(redirect(_declaration_url(evaluation)))
    return Gate(evaluation, conflicted_vendor_ids(request.user, procurement), lead)


def _declaration_url(evaluation: Evaluation) -> str:
    return reverse(
        "evaluation:declaration",
        kwargs={"pk": evaluation.procurement_id, "evaluation_pk": evaluation.pk},
    )


def _tender(gate: Gate, tender_pk: int, *, scored_only: bool = True) -> Tender:
    """A tender of the evaluation's round; a conflicted vendor's is 404."""
    tenders = Tender.objects.filter(round_id=gate.evaluation.round_id)
    if scored_only:
        tenders = tenders.filter(status__in=SCORED_TENDER_STATUSES)
    tender = tenders.select_related("vendor").filter(pk=tender_pk).first()
    if tender is None or tender.vendor_id in gate.conflicts:
        raise Http404
    return tender


def _criterion(gate: Gate, criterion_pk: int) -> Criterion:
    criterion = Criterion.objects.filter(
        evaluation=gate.evaluation, pk=criterion_pk, method__in=SCOREABLE_METHODS
    ).first()
    if criterion is None:
        raise Http404
    return criterion


def _state_message(evaluation: Evaluation) -> str | None:
    error = scoring_state_error(evaluation)
    return error.messages[0] if error is not None else None


# /procurements/<pk>/evaluations/<evaluation_pk>/worklist/ ---------------------------


@require_safe
@_gated
def worklist(request: HttpRequest, pk: int, evaluation_pk: int) -> HttpResponse:
    gate = _gate(request, pk, evaluation_pk)
    items = selectors.worklist(
        evaluation=gate.evaluation,
        evaluator=request.user,
        conflicted_vendor_ids=gate.conflicts,
    )
    tenders = selectors.tenders_in_scope(
        gate.evaluation, exclude_vendors=gate.conflicts
    )
    return render(
        request,
        "evaluation/worklist.html",
        {
            "evaluation": gate.evaluation,
            "procurement": gate.evaluation.procurement,
            **evaluation_tabs(request.user, gate.evaluation),
            "worklist": items,
            "tenders": tenders,
            "state_message": _state_message(gate.evaluation),
        },
    )


# /procurements/<pk>/evaluations/<evaluation_pk>/tenders/<tender_pk>/criteria/
# <criterion_pk>/score/


@dataclass
class RowView:
    row: ScoringRow
    form: ScoreForm
    response_conflict: ScoreConflictError | None = None

    @property
    def version(self) -> int:
        if self.response_conflict is not None:
            return self.response_conflict.stored.version
        if self.form.is_bound:
            return self.form.data.get(self.form.add_prefix("version")) or 0
        return self.row.version


def _score_target(request, pk, evaluation_pk, tender_pk, criterion_pk):
    gate = _gate(request, pk, evaluation_pk)
    tender = _tender(gate, tender_pk)
    criterion = _criterion(gate, criterion_pk)
    if not selectors.is_assigned(
        evaluation=gate.evaluation,
        evaluator=request.user,
        tender=tender,
        criterion=criterion,
    ):
        raise PermissionDenied
    return gate, tender, criterion


def _score_url(
    evaluation: Evaluation,
    tender: Tender,
    criterion: Criterion,
    section_id: int | None = None,
) -> str:
    url = reverse(
        "evaluation:score",
        kwargs={
            "pk": evaluation.procurement_id,
            "evaluation_pk": evaluation.pk,
            "tender_pk": tender.pk,
            "criterion_pk": criterion.pk,
        },
    )
    return f"{url}?section={section_id}" if section_id is not None else url


@dataclass
class SectionPage:
    """Which part of a tender × criterion a scoring page shows: all of it
    (``section`` None), or one section when the criterion is large and
    spans several. ``done`` and ``total`` count the whole criterion."""

    sections: list[ScoringSection]
    section: ScoringSection | None = None

    @property
    def section_id(self) -> int | None:
        return self.section.pk if self.section is not None else None

    @property
    def done(self) -> int:
        return sum(section.done for section in self.sections)

    @property
    def total(self) -> int:
        return sum(section.total for section in self.sections)


def _section_page(
    request: HttpRequest,
    gate: Gate,
    tender: Tender,
    criterion: Criterion,
    section_id: int | None = None,
) -> SectionPage:
    """The section to show: ``section_id``, else the ``section`` asked for in
    the address, else the first with requirements left to score (the first
    of all when every one is scored). One query."""
    sections = selectors.scoring_sections(
        evaluation=gate.evaluation,
        evaluator=request.user,
        tender=tender,
        criterion=criterion,
    )
    page = SectionPage(sections)
    if len(sections) < 2 or page.total <= SECTION_PAGES_FROM:
        return SectionPage([])
    if section_id is None:
        asked = request.GET.get("section", "")
        section_id = int(asked) if asked.isdigit() else None
    page.section = next(
        (section for section in sections if section.pk == section_id), None
    ) or next((section for section in sections if section.left), sections[0])
    return page


def _render_score_page(
    request: HttpRequest,
    gate: Gate,
    tender: Tender,
    criterion: Criterion,
    rows: list[RowView],
    *,
    page: SectionPage,
    status: int = 200,
    page_error: str | None = None,
) -> HttpResponse:
    evaluation = gate.evaluation
    if page.section is None:
        done, total = sum(1 for view in rows if view.row.score is not None), len(rows)
    else:
        done, total = page.done, page.total
    return render(
        request,
        "evaluation/score_page.html",
        {
            "evaluation": evaluation,
            "procurement": evaluation.procurement,
            **evaluation_tabs(request.user, gate.evaluation),
            "tender": tender,
            "criterion": criterion,
            "rows": rows,
            "done": done,
            "total": total,
            "sections": page.sections,
            "section": page.section,
            "page_url": _score_url(evaluation, tender, criterion, page.section_id),
            "scale": selectors.scale_points(evaluation, criterion.scale_max),
            "state_message": _state_message(evaluation),
            "page_error": page_error,
            "errors": [
                (view.form.place, error)
                for view in rows
                if view.form.is_bound
                for field_errors in view.form.errors.values()
                for error in field_errors
            ],
            "save_url": reverse(
                "evaluation:score-save",
                kwargs={
                    "pk": evaluation.procurement_id,
                    "evaluation_pk": evaluation.pk,
                    "tender_pk": tender.pk,
                    "criterion_pk": criterion.pk,
                },
            ),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@_gated
def score(
    request: HttpRequest, pk: int, evaluation_pk: int, tender_pk: int, criterion_pk: int
) -> HttpResponse:
    """GET shows the page; POST saves the whole page, all or nothing."""
    gate, tender, criterion = _score_target(
        request, pk, evaluation_pk, tender_pk, criterion_pk
    )
    page = _section_page(request, gate, tender, criterion)
    rows = selectors.scoring_rows(
        evaluation=gate.evaluation,
        evaluator=request.user,
        tender=tender,
        criterion=criterion,
        section_id=page.section_id,
    )
    if request.method != "POST":
        views = [RowView(row, ScoreForm(row=row)) for row in rows]
        return _render_score_page(request, gate, tender, criterion, views, page=page)

    views = [
        RowView(row, ScoreForm(request.POST, row=row, allow_blank=True)) for row in rows
    ]
    state = scoring_state_error(gate.evaluation)
    if state is not None:
        return _render_score_page(
            request,
            gate,
            tender,
            criterion,
            views,
            page=page,
            status=409,
            page_error=state.messages[0],
        )
    if not all([view.form.is_valid() for view in views]):
        return _render_score_page(
            request, gate, tender, criterion, views, page=page, status=400
        )
    to_save = [
        view for view in views if not view.form.is_blank and not view.form.unchanged()
    ]
    try:
        with transaction.atomic():
            for view in to_save:
                _submit(gate.evaluation, request.user, tender, view)
    except ScoreConflictError as conflict:
        _mark_conflict(views, conflict)
        return _render_score_page(
            request, gate, tender, criterion, views, page=page, status=409
        )
    except ValidationError as error:
        return _render_score_page(
            request,
            gate,
            tender,
            criterion,
            views,
            page=page,
            status=409 if _is_state_error(error) else 400,
            page_error=" ".join(error.messages),
        )
    messages.success(
        request,
        _("Saved %(count)s scores.") % {"count": len(to_save)}
        if to_save
        else _("Nothing to save: no score changed."),
    )
    return redirect(_score_url(gate.evaluation, tender, criterion, page.section_id))


def _is_state_error(error: ValidationError) -> bool:
    codes = (
        {getattr(e, "code", None) for e in error.error_list}
        if hasattr(error, "error_list")
        else set()
    )
    return bool(codes & {"locked", "not_started", "consensus_opened"})


def _submit(evaluation, evaluator, tender, view: RowView) -> Score:
    data = view.form.cleaned_data
    return services.score_submit(
        evaluation=evaluation,
        evaluator=evaluator,
        tender=tender,
        requirement=view.row.requirement,
        criterion=None if view.row.requirement else view.row.criterion,
        value=data["value"],
        justification=data["justification"],
        version=data["version"],
    )


def _mark_conflict(views: list[RowView], conflict: ScoreConflictError) -> None:
    for view in views:
        score = conflict.stored
        if (
            view.row.requirement is not None
            and view.row.requirement.pk == score.requirement_id
        ) or (
            view.row.requirement is None and view.row.criterion.pk == score.criterion_id
        ):
            view.response_conflict = conflict


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@require_POST
@_gated
def score_save(
    request: HttpRequest, pk: int, evaluation_pk: int, tender_pk: int, criterion_pk: int
) -> HttpResponse:
    """Save one row of the scoring page (``item`` names it: r<requirement pk>
    or c<criterion pk>). Without JavaScript the page comes back; with it
    (Accept: application/json) the answer is JSON for the row."""
    gate, tender, criterion = _score_target(
        request, pk, evaluation_pk, tender_pk, criterion_pk
    )
    row = _one_row(
        gate.evaluation, request.user, tender, criterion, request.POST.get("item", "")
    )
    form = ScoreForm(request.POST, row=row)
    view = RowView(row, form)
    state = scoring_state_error(gate.evaluation)
    error_text = None
    status = 200
    if state is not None:
        error_text, status = state.messages[0], 409
    elif not form.is_valid():
        status = 400
    else:
        try:
            saved = _submit(gate.evaluation, request.user, tender, view)
        except ScoreConflictError as conflict:
            view.response_conflict = conflict
            status = 409
        except ValidationError as error:
            error_text = " ".join(error.messages)
            status = 409 if _is_state_error(error) else 400
        else:
            return _saved(request, gate, tender, criterion, row, saved)
    if _wants_json(request):
        return _row_json(view, status=status, error_text=error_text)
    page = _section_page(request, gate, tender, criterion, _section_of(row))
    rows = selectors.scoring_rows(
        evaluation=gate.evaluation,
        evaluator=request.user,
        tender=tender,
        criterion=criterion,
        section_id=page.section_id,
    )
    views = [
        view if other.prefix == row.prefix else RowView(other, ScoreForm(row=other))
        for other in rows
    ]
    return _render_score_page(
        request,
        gate,
        tender,
        criterion,
        views,
        page=page,
        status=status,
        page_error=error_text,
    )


def _section_of(row: ScoringRow) -> int | None:
    return row.requirement.section_id if row.requirement is not None else None


def _one_row(evaluation, evaluator, tender, criterion, item: str) -> ScoringRow:
    kind, number = item[:1], item[1:]
    if not number.isdigit():
        raise Http404
    lookup = {"evaluation": evaluation, "evaluator": evaluator, "tender": tender}
    if kind == "r" and criterion.method == Criterion.Method.REQUIREMENTS:
        mapping = (
            RequirementMapping.objects.filter(
                evaluation=evaluation, criterion=criterion, requirement_id=int(number)
            )
            .select_related("requirement")
            .first()
        )
        if mapping is None:
            raise Http404
        score = Score.objects.filter(requirement=mapping.requirement, **lookup).first()
        return ScoringRow(mapping.requirement, criterion, None, score)
    if (
        kind == "c"
        and int(number) == criterion.pk
        and criterion.method == (Criterion.Method.DIRECT)
    ):
        score = Score.objects.filter(criterion=criterion, **lookup).first()
        return ScoringRow(None, criterion, None, score)
    raise Http404


def _saved(request, gate, tender, criterion, row, saved: Score) -> HttpResponse:
    if _wants_json(request):
        # The worklist's count for this tender × criterion alone: one query.
        progress = selectors.work_item_progress(
            evaluation=gate.evaluation,
            evaluator=request.user,
            tender=tender,
            criterion=criterion,
        )
        return JsonResponse(
            {
                "ok": True,
                "item": row.prefix,
                "version": saved.version,
                "value": format(saved.value, "f"),
                "message": _("Saved %(where)s.") % {"where": row.key or criterion.name},
                "done": progress[0] if progress else None,
                "total": progress[1] if progress else None,
            }
        )
    messages.success(
        request, _("Saved %(where)s.") % {"where": row.key or criterion.name}
    )
    # Back to the row, on its section's page when the criterion is scored
    # section by section.
    page = _section_page(request, gate, tender, criterion, _section_of(row))
    return HttpResponseRedirect(
        _score_url(gate.evaluation, tender, criterion, page.section_id)
        + f"#row-{row.prefix}"
    )


def _row_json(view: RowView, *, status: int, error_text: str | None) -> JsonResponse:
    payload: dict = {"ok": False, "item": view.row.prefix, "errors": {}}
    if view.form.is_bound and view.form.errors:
        payload["errors"] = {
            name: [str(e) for e in errors] for name, errors in view.form.errors.items()
        }
    if error_text:
        payload["errors"]["__all__"] = [error_text]
    conflict = view.response_conflict
    if conflict is not None:
        payload["conflict"] = {
            "message": _(
                "%(where)s was changed elsewhere after you loaded the page. "
                "Nothing of yours was saved."
            )
            % {"where": view.form.place},
            "stored": {
                "value": format(conflict.stored.value, "f"),
                "justification": conflict.stored.justification,
                "version": conflict.stored.version,
            },
            "yours": {
                "value": str(conflict.value),
                "justification": conflict.justification,
            },
        }
    return JsonResponse(payload, status=status)


# /procurements/<pk>/evaluations/<evaluation_pk>/scoring-sheet.xlsx -------------------


@require_safe
@_gated
def scoring_sheet_download(
    request: HttpRequest, pk: int, evaluation_pk: int
) -> HttpResponse:
    gate = _gate(request, pk, evaluation_pk)
    criterion = None
    if request.GET.get("criterion"):
        try:
            criterion = Criterion.objects.get(
                evaluation=gate.evaluation, pk=int(request.GET["criterion"])
            )
        except (ValueError, Criterion.DoesNotExist) as exc:
            raise Http404 from exc
    buffer = io.BytesIO()
    write_scoring_sheet(
        evaluation=gate.evaluation,
        evaluator=request.user,
        out=buffer,
        criterion=criterion,
    )
    buffer.seek(0)
    return FileResponse(
        buffer,
        as_attachment=True,
        filename=sheet_filename(gate.evaluation, request.user),
        content_type=XLSX_CONTENT_TYPE,
    )


# /procurements/<pk>/evaluations/<evaluation_pk>/scoring-sheet/upload/ ----------------


@require_http_methods(["GET", "POST"])
@_gated
def scoring_sheet_upload(
    request: HttpRequest, pk: int, evaluation_pk: int
) -> HttpResponse:
    gate = _gate(request, pk, evaluation_pk)
    evaluation = gate.evaluation
    worklist_url = reverse(
        "evaluation:worklist",
        kwargs={"pk": evaluation.procurement_id, "evaluation_pk": evaluation.pk},
    )
    action = request.POST.get("action", "preview")
    if request.method == "POST" and action == "apply":
        return _sheet_apply(request, gate, worklist_url)
    if request.method == "POST" and action == "cancel":
        PENDING.forget(request, request.POST.get("token", ""))
        messages.info(request, _("The upload was cancelled; nothing was changed."))
        return redirect(worklist_url)
    form = ScoringSheetUploadForm(request.POST or None, request.FILES or None)
    context = {
        "evaluation": evaluation,
        "procurement": evaluation.procurement,
        **evaluation_tabs(request.user, evaluation),
        "form": form,
        "worklist_url": worklist_url,
        "state_message": _state_message(evaluation),
    }
    if request.method == "POST" and form.is_valid():
        PENDING.forget_all(request, evaluation.procurement)
        upload = form.cleaned_data["file"]
        try:
            sheet = parse_scoring_sheet(
                upload,
                name=upload.name,
                size=upload.size,
                evaluation=evaluation,
                evaluator=request.user,
            )
        except UploadProblem as problem:
            form.add_error("file", ValidationError(problem.message, code=problem.code))
        else:
            plan = plan_scoring_sheet(
                sheet, evaluation=evaluation, evaluator=request.user
            )
            token = ""
            if plan.can_apply:
                token = PENDING.keep(
                    request,
                    evaluation.procurement,
                    upload,
                    fingerprint=plan.fingerprint,
                    evaluation=evaluation.pk,
                )
            context.update(_preview_context(plan, token))
    return render(request, "evaluation/score_sheet_upload.html", context)


def _sheet_apply(request: HttpRequest, gate: Gate, worklist_url: str) -> HttpResponse:
    evaluation = gate.evaluation
    upload_url = reverse(
        "evaluation:scoring-sheet-upload",
        kwargs={"pk": evaluation.procurement_id, "evaluation_pk": evaluation.pk},
    )
    pending = PENDING.get(
        request, evaluation.procurement, request.POST.get("token", "")
    )
    if pending is None or pending.get("evaluation") != evaluation.pk:
        messages.error(
            request,
            _(
                "This preview is no longer current, so nothing was saved. "
                "Upload the sheet again."
            ),
        )
        return redirect(upload_url)
    try:
        with pending["path"].open("rb") as handle:
            sheet = parse_scoring_sheet(
                handle,
                name=pending["name"],
                evaluation=evaluation,
                evaluator=request.user,
            )
    except UploadProblem as problem:
        PENDING.forget(request, pending["token"])
        messages.error(request, problem.message)
        return redirect(upload_url)
    plan = plan_scoring_sheet(sheet, evaluation=evaluation, evaluator=request.user)
    if plan.fingerprint != pending["fingerprint"] or not plan.can_apply:
        return _sheet_outdated(request, gate, plan, pending["token"], worklist_url)
    try:
        result = apply_scoring_plan(plan, evaluation=evaluation, evaluator=request.user)
    except (ScoreConflictError, ValidationError):
        fresh = plan_scoring_sheet(sheet, evaluation=evaluation, evaluator=request.user)
        return _sheet_outdated(request, gate, fresh, pending["token"], worklist_url)
    PENDING.forget(request, pending["token"])
    messages.success(
        request,
        _("Saved the scoring sheet %(name)s: %(new)s new, %(changed)s changed.")
        % {"name": pending["name"], "new": result.new, "changed": result.changed},
    )
    return redirect(worklist_url)


def _sheet_outdated(request, gate, plan: ScoringPlan, token: str, worklist_url: str):
    if plan.can_apply:
        PENDING.update(request, token, fingerprint=plan.fingerprint)
    else:
        PENDING.forget(request, token)
        token = ""
    messages.error(
        request,
        _(
            "Your scores changed after the preview, so nothing was saved. Here "
            "is the preview again as things are now; check it before you apply."
        ),
    )
    context = {
        "evaluation": gate.evaluation,
        "procurement": gate.evaluation.procurement,
        **evaluation_tabs(request.user, gate.evaluation),
        "form": ScoringSheetUploadForm(),
        "worklist_url": worklist_url,
        "state_message": _state_message(gate.evaluation),
    }
    context.update(_preview_context(plan, token))
    return render(request, "evaluation/score_sheet_upload.html", context, status=409)


def _preview_context(plan: ScoringPlan, token: str) -> dict:
    return {
        "plan": plan,
        "token": token,
        "new_shown": plan.new[:PREVIEW_MAX_ROWS],
        "changed_shown": plan.changed[:PREVIEW_MAX_ROWS],
        "more": max(0, len(plan.new) + len(plan.changed) - 2 * PREVIEW_MAX_ROWS),
    }


# /procurements/<pk>/evaluations/<evaluation_pk>/tenders/<tender_pk>/absolute/ --------


def _absolute_page(
    request: HttpRequest,
    gate: Gate,
    tender: Tender,
    *,
    bound: AbsoluteCheckForm | None = None,
    decision_form: RejectionDecisionForm | None = None,
    status: int = 200,
    page_error: str | None = None,
) -> HttpResponse:
    evaluation = gate.evaluation
    rows = selectors.absolute_rows(evaluation=evaluation, tender=tender)
    forms = []
    for row in rows:
        if bound is not None and bound.prefix == f"a{row.requirement.pk}":
            bound.row = row
            forms.append(bound)
        else:
            forms.append(AbsoluteCheckForm(row=row))
    proposed = selectors.proposed_for_rejection(evaluation)
    tenders = [
        other
        for other in Tender.objects.filter(round_id=evaluation.round_id)
        .select_related("vendor")
        .order_by("vendor__name")
        if other.vendor_id not in gate.conflicts
    ]
    return render(
        request,
        "evaluation/absolute_checks.html",
        {
            "evaluation": evaluation,
            "procurement": evaluation.procurement,
            **evaluation_tabs(request.user, gate.evaluation),
            "tender": tender,
            "forms": forms,
            "tenders": tenders,
            "proposed": proposed,
            "is_proposed": tender.pk in proposed,
            "is_lead": gate.lead,
            "decision_form": decision_form or RejectionDecisionForm(),
            "locked": evaluation.is_locked,
            "page_error": page_error,
        },
        status=status,
    )


def _absolute_url(evaluation: Evaluation, tender: Tender) -> str:
    return reverse(
        "evaluation:absolute-checks",
        kwargs={
            "pk": evaluation.procurement_id,
            "evaluation_pk": evaluation.pk,
            "tender_pk": tender.pk,
        },
    )


@require_http_methods(["GET", "POST"])
@_gated
def absolute_checks(
    request: HttpRequest, pk: int, evaluation_pk: int, tender_pk: int
) -> HttpResponse:
    """Each A/AV requirement with the vendor's answer; POST records one
    check (``item`` is the requirement pk)."""
    gate = _gate(request, pk, evaluation_pk)
    tender = _tender(gate, tender_pk, scored_only=False)
    if request.method != "POST":
        return _absolute_page(request, gate, tender)
    requirement = Requirement.objects.filter(
        procurement_id=gate.evaluation.procurement_id,
        pk=request.POST.get("item")
        if str(request.POST.get("item", "")).isdigit()
        else None,
    ).first()
    if requirement is None:
        raise Http404
    form = AbsoluteCheckForm(request.POST, prefix=f"a{requirement.pk}")
    if not form.is_valid():
        return _absolute_page(request, gate, tender, bound=form, status=400)
    try:
        services.absolute_check_save(
            evaluation=gate.evaluation,
            tender=tender,
            requirement=requirement,
            fulfilled=form.cleaned_data["fulfilled_bool"],
            substantial_deviation=form.cleaned_data["substantial_bool"],
            justification=form.cleaned_data["justification"],
            by=request.user,
            version=form.cleaned_data.get("version") or None,
        )
    except services.AbsoluteConflictError as conflict:
        stored = conflict.stored
        return _absolute_page(
            request,
            gate,
            tender,
            bound=form,
            status=409,
            page_error=_(
                "%(key)s was checked by %(who)s after you loaded the page; "
                "nothing of yours was saved. Stored now: %(state)s «%(text)s»."
            )
            % {
                "key": requirement.key,
                "who": stored.checked_by,
                "state": _("fulfilled") if stored.fulfilled else _("not fulfilled"),
                "text": stored.justification,
            },
        )
    except LockedEvaluationError as error:
        return _absolute_page(
            request, gate, tender, bound=form, status=409, page_error=error.messages[0]
        )
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            for field, errors in error.error_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, error)
        return _absolute_page(request, gate, tender, bound=form, status=400)
    messages.success(
        request, _("Saved the check of %(key)s.") % {"key": requirement.key}
    )
    return HttpResponseRedirect(
        _absolute_url(gate.evaluation, tender) + f"#check-{requirement.pk}"
    )


# /procurements/<pk>/evaluations/<evaluation_pk>/tenders/<tender_pk>/absolute/decision/


@require_POST
@_gated
def absolute_decision(
    request: HttpRequest, pk: int, evaluation_pk: int, tender_pk: int
) -> HttpResponse:
    """The lead confirms or dismisses a proposed rejection, with a reason."""
    gate = _gate(request, pk, evaluation_pk)
    if not gate.lead:
        raise PermissionDenied
    tender = _tender(gate, tender_pk, scored_only=False)
    form = RejectionDecisionForm(request.POST)
    if not form.is_valid():
        return _absolute_page(request, gate, tender, decision_form=form, status=400)
    decide = (
        services.rejection_confirm
        if form.cleaned_data["decision"] == "confirm"
        else services.rejection_dismiss
    )
    try:
        decide(
            evaluation=gate.evaluation,
            tender=tender,
            reason=form.cleaned_data["reason"],
            by=request.user,
        )
    except LockedEvaluationError as error:
        return _absolute_page(
            request,
            gate,
            tender,
            decision_form=form,
            status=409,
            page_error=error.messages[0],
        )
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            for field, errors in error.error_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, error)
        return _absolute_page(request, gate, tender, decision_form=form, status=400)
    if form.cleaned_data["decision"] == "confirm":
        messages.success(request, _("The tender is rejected."))
    else:
        messages.success(request, _("The proposal to reject the tender is dismissed."))
    return redirect(_absolute_url(gate.evaluation, tender))


urlpatterns = [
    # /procurements/<pk>/evaluations/<evaluation_pk>/worklist/
    path("evaluations/<int:evaluation_pk>/worklist/", worklist, name="worklist"),
    # /procurements/<pk>/evaluations/<evaluation_pk>/tenders/<tender_pk>/criteria/
    # <criterion_pk>/score/ and score/save/
    path(
        "evaluations/<int:evaluation_pk>/tenders/<int:tender_pk>/criteria/"
        "<int:criterion_pk>/score/",
        score,
        name="score",
    ),
    path(
        "evaluations/<int:evaluation_pk>/tenders/<int:tender_pk>/criteria/"
        "<int:criterion_pk>/score/save/",
        score_save,
        name="score-save",
    ),
    # /procurements/<pk>/evaluations/<evaluation_pk>/scoring-sheet…
    path(
        "evaluations/<int:evaluation_pk>/scoring-sheet.xlsx",
        scoring_sheet_download,
        name="scoring-sheet-download",
    ),
    path(
        "evaluations/<int:evaluation_pk>/scoring-sheet/upload/",
        scoring_sheet_upload,
        name="scoring-sheet-upload",
    ),
    # /procurements/<pk>/evaluations/<evaluation_pk>/tenders/<tender_pk>/absolute/
    path(
        "evaluations/<int:evaluation_pk>/tenders/<int:tender_pk>/absolute/",
        absolute_checks,
        name="absolute-checks",
    ),
    path(
        "evaluations/<int:evaluation_pk>/tenders/<int:tender_pk>/absolute/decision/",
        absolute_decision,
        name="absolute-decision",
    ),
]
