"""Tender rounds and tenders: the rounds of a procurement, the tenders in a
round, the opening record (page and PDF), each tender with its status, price
lines and answers, and the vendor answer workbook out and back in.

Programme staff change; the evaluation lead reads; evaluators and management
get 403; strangers 404 (see ``procurement.tenders.access``). While a round's
price envelope is sealed, only the lead sees or enters its prices.
"""

from __future__ import annotations

import io

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import (
    require_http_methods,
    require_POST,
    require_safe,
)

from procurement.access import can_edit_procurement
from procurement.documents.safety import UploadProblem
from procurement.documents.uploads import PendingUploads
from procurement.documents.xlsx import XLSX_CONTENT_TYPE
from procurement.models import PriceLine, Response, Tender, TenderRound
from procurement.selectors import tenders as selectors
from procurement.services import tenders as services
from procurement.services.reports import report_download_record
from procurement.tables import CappedPaginator
from procurement.tenders.access import (
    get_procurement_for_tenders,
    get_round_for_user,
    get_tender_for_user,
    is_lead,
    may_edit_prices,
    may_see_prices,
)
from procurement.tenders.answer_sheet import (
    AnswerPlan,
    answer_sheet_filename,
    read_answer_sheet,
    write_answer_sheet,
)
from procurement.tenders.forms import (
    AnswerFilterForm,
    AnswerImportForm,
    PriceLineFormSet,
    PriceTotalForm,
    RoundForm,
    TenderForm,
    TenderStatusForm,
)
from procurement.tenders.opening_record import (
    envelope_state,
    opening_facts,
    opening_lines,
    write_opening_record_pdf,
)
from procurement.views.downloads import report_file_response

FORM_METHODS = ["GET", "POST"]
PENDING = PendingUploads("tender-answers", ".xlsx")
# The preview lists at most this many errors (the count is always complete).
PREVIEW_MAX_ERRORS = 500


def _round_url(round: TenderRound) -> str:
    return reverse(
        "procurement:tender-round-detail",
        kwargs={"pk": round.procurement_id, "round_pk": round.pk},
    )


def _show_errors(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


# /procurements/<pk>/rounds/ -----------------------------------------------------------


@require_safe
def round_list(request: HttpRequest, pk: int) -> HttpResponse:
    procurement = get_procurement_for_tenders(request.user, pk)
    return render(
        request,
        "procurement/round_list.html",
        {
            "procurement": procurement,
            "rounds": selectors.round_list(procurement),
            "can_edit": can_edit_procurement(request.user, procurement),
        },
    )


def _round_form_page(request, procurement, round: TenderRound | None):
    initial = {}
    if round is None:
        last = procurement.tender_rounds.order_by("-number").first()
        initial["number"] = (last.number + 1) if last else 1
    form = RoundForm(
        request.POST or None,
        instance=round,
        procurement=procurement,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        try:
            if round is None:
                saved = services.round_create(
                    procurement=procurement, by=request.user, **form.service_fields()
                )
            else:
                fields = form.service_fields()
                if form.fields["sealed_prices"].disabled:
                    fields.pop("sealed_prices")
                saved = services.round_update(round=round, by=request.user, **fields)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Saved: %(object)s") % {"object": saved})
            return redirect(_round_url(saved))
    return render(
        request,
        "procurement/round_form.html",
        {
            "procurement": procurement,
            "round": round,
            "form": form,
            "title": _("Edit %(round)s") % {"round": round}
            if round
            else _("New tender round"),
        },
        status=400 if form.errors else 200,
    )


@require_http_methods(FORM_METHODS)
def round_create(request: HttpRequest, pk: int) -> HttpResponse:
    procurement = get_procurement_for_tenders(request.user, pk, write=True)
    return _round_form_page(request, procurement, None)


@require_http_methods(FORM_METHODS)
def round_edit(request: HttpRequest, pk: int, round_pk: int) -> HttpResponse:
    round = get_round_for_user(request.user, pk, round_pk, write=True)
    return _round_form_page(request, round.procurement, round)


# /procurements/<pk>/rounds/<round_pk>/ ------------------------------------------------


@require_safe
def round_detail(request: HttpRequest, pk: int, round_pk: int) -> HttpResponse:
    round = get_round_for_user(request.user, pk, round_pk)
    procurement = round.procurement
    can_edit = can_edit_procurement(request.user, procurement)
    return render(
        request,
        "procurement/round_detail.html",
        {
            "procurement": procurement,
            "round": round,
            "tenders": selectors.tender_list(round),
            "requirement_count": selectors.round_requirements(round).count(),
            "show_prices": may_see_prices(request.user, round),
            "envelope": envelope_state(round),
            "can_edit": can_edit,
            "can_register": can_edit and round.opened_at is None,
        },
    )


@require_POST
def round_open(request: HttpRequest, pk: int, round_pk: int) -> HttpResponse:
    round = get_round_for_user(request.user, pk, round_pk, write=True)
    try:
        services.round_open(round=round, by=request.user)
    except ValidationError as error:
        _show_errors(request, error)
        return redirect(_round_url(round))
    messages.success(
        request,
        _("%(round)s is opened; the opening record is below.") % {"round": round},
    )
    return redirect(
        "procurement:tender-round-opening", pk=round.procurement_id, round_pk=round.pk
    )


@require_safe
def round_opening(request: HttpRequest, pk: int, round_pk: int) -> HttpResponse:
    round = get_round_for_user(request.user, pk, round_pk)
    return render(
        request,
        "procurement/round_opening.html",
        {
            "procurement": round.procurement,
            "round": round,
            "facts": opening_facts(round),
            "lines": opening_lines(round),
            "can_edit": can_edit_procurement(request.user, round.procurement),
        },
    )


@require_safe
def round_opening_pdf(request: HttpRequest, pk: int, round_pk: int) -> HttpResponse:
    round = get_round_for_user(request.user, pk, round_pk)
    reference = slugify(round.procurement.reference) or "kravspor"
    filename = f"{reference}-{round.number}-{slugify(_('opening record'))}.pdf"
    return report_file_response(
        request,
        write=lambda handle: write_opening_record_pdf(round, handle),
        filename=filename,
        content_type="application/pdf",
        report="opening-record",
        procurement=round.procurement,
        label=round.name,
    )


@require_safe
def round_answer_sheet(request: HttpRequest, pk: int, round_pk: int) -> HttpResponse:
    round = get_round_for_user(request.user, pk, round_pk)
    buffer = io.BytesIO()
    write_answer_sheet(round, buffer)
    buffer.seek(0)
    filename = answer_sheet_filename(round)
    report_download_record(
        request=request,
        report="answer-sheet",
        procurement=round.procurement,
        label=round.name,
        filename=filename,
    )
    return FileResponse(
        buffer,
        as_attachment=True,
        filename=filename,
        content_type=XLSX_CONTENT_TYPE,
    )


# /procurements/<pk>/rounds/<round_pk>/tenders/new/ ------------------------------------


@require_http_methods(FORM_METHODS)
def tender_create(request: HttpRequest, pk: int, round_pk: int) -> HttpResponse:
    round = get_round_for_user(request.user, pk, round_pk, write=True)
    if round.opened_at is not None:
        messages.error(
            request,
            _("%(round)s has been opened; no more tenders can be registered in it.")
            % {"round": round},
        )
        return redirect(_round_url(round))
    show_price = may_edit_prices(request.user, round)
    form = TenderForm(
        request.POST or None,
        round=round,
        show_price=show_price,
        initial={"received_at": timezone.localtime().replace(second=0, microsecond=0)},
    )
    if request.method == "POST" and form.is_valid():
        fields = form.service_fields()
        try:
            tender = services.tender_register(round=round, by=request.user, **fields)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, _("Tender registered: %(tender)s") % {"tender": tender}
            )
            return redirect(tender)
    return render(
        request,
        "procurement/tender_form.html",
        {
            "procurement": round.procurement,
            "round": round,
            "form": form,
            "title": _("Register a tender in %(round)s") % {"round": round},
            "sealed": not show_price,
        },
        status=400 if form.errors else 200,
    )


# /procurements/<pk>/tenders/<tender_pk>/ ----------------------------------------------


@require_safe
def tender_detail(request: HttpRequest, pk: int, tender_pk: int) -> HttpResponse:
    tender = get_tender_for_user(request.user, pk, tender_pk)
    round = tender.round
    procurement = round.procurement
    show_prices = may_see_prices(request.user, round)
    sections = selectors.round_sections(round)
    filter_form = AnswerFilterForm(request.GET or None, sections=sections)
    section = compliance = ""
    if filter_form.is_valid():
        section = filter_form.cleaned_data["section"]
        compliance = filter_form.cleaned_data["compliance"]
    answers = selectors.tender_answers(tender, section=section, compliance=compliance)
    per_page = request.GET.get("per_page", "")
    paginator = CappedPaginator(
        answers,
        int(per_page) if per_page.isdigit() else settings.TABLE_DEFAULT_PER_PAGE,
    )
    page = paginator.get_page(request.GET.get("page"))
    can_edit = can_edit_procurement(request.user, procurement)
    context = {
        "procurement": procurement,
        "round": round,
        "tender": tender,
        "filter_form": filter_form,
        "page": page,
        "compliance_labels": dict(Response.Compliance.choices),
        "compliance_counts": selectors.compliance_counts(tender),
        "show_prices": show_prices,
        "can_edit": can_edit,
        "can_edit_prices": may_edit_prices(request.user, round),
        "is_lead": is_lead(request.user, procurement),
    }
    if show_prices:
        context["price_lines"] = list(tender.price_lines.all())
        context["evaluated_price"] = selectors.evaluated_price(tender)
    return render(request, "procurement/tender_detail.html", context)


@require_http_methods(FORM_METHODS)
def tender_edit(request: HttpRequest, pk: int, tender_pk: int) -> HttpResponse:
    tender = get_tender_for_user(request.user, pk, tender_pk, write=True)
    round = tender.round
    show_price = may_edit_prices(request.user, round)
    form = TenderForm(
        request.POST or None, instance=tender, round=round, show_price=show_price
    )
    conflict = None
    if request.method == "POST" and form.is_valid():
        stored = Tender.objects.get(pk=tender.pk)
        try:
            saved = services.tender_update(
                tender=stored,
                by=request.user,
                expected_version=form.cleaned_data.get("version"),
                **form.service_fields(),
            )
        except services.ConcurrentEditError as error:
            conflict = error.tender
            form.add_error(
                None,
                ValidationError(
                    _(
                        "Someone else changed this tender while you were editing "
                        "it; nothing was saved. Open it again to see their changes."
                    ),
                    code="concurrent_edit",
                ),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Saved: %(object)s") % {"object": saved})
            return redirect(saved)
    return render(
        request,
        "procurement/tender_form.html",
        {
            "procurement": round.procurement,
            "round": round,
            "tender": tender,
            "form": form,
            "title": _("Edit %(tender)s") % {"tender": tender},
            "sealed": not show_price,
            "conflict": conflict,
        },
        status=409 if conflict else 400 if form.errors else 200,
    )


@require_http_methods(FORM_METHODS)
def tender_status(request: HttpRequest, pk: int, tender_pk: int) -> HttpResponse:
    tender = get_tender_for_user(request.user, pk, tender_pk, write=True)
    form = TenderStatusForm(
        request.POST or None,
        initial={
            "status": tender.status,
            "reason": tender.rejection_reason,
            "version": tender.version,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.tender_set_status(
                tender=tender,
                status=form.cleaned_data["status"],
                reason=form.cleaned_data["reason"],
                by=request.user,
                expected_version=form.cleaned_data["version"],
            )
        except services.ConcurrentEditError:
            form.add_error(
                None,
                ValidationError(
                    _(
                        "Someone else changed this tender while you were editing "
                        "it; nothing was saved. Open it again to see their changes."
                    ),
                    code="concurrent_edit",
                ),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("%(tender)s is now %(status)s.")
                % {
                    "tender": tender,
                    "status": Tender.Status(form.cleaned_data["status"]).label,
                },
            )
            return redirect(tender)
    return render(
        request,
        "procurement/tender_status.html",
        {
            "procurement": tender.round.procurement,
            "round": tender.round,
            "tender": tender,
            "form": form,
        },
        status=400 if form.errors else 200,
    )


@require_http_methods(FORM_METHODS)
def tender_prices(request: HttpRequest, pk: int, tender_pk: int) -> HttpResponse:
    tender = get_tender_for_user(request.user, pk, tender_pk, prices=True)
    queryset = PriceLine.objects.filter(tender=tender).order_by("position", "pk")
    formset = PriceLineFormSet(request.POST or None, queryset=queryset, prefix="lines")
    total_form = PriceTotalForm(
        request.POST or None,
        initial={"total_price": tender.total_price, "version": tender.version},
    )
    if request.method == "POST":
        formset_ok = formset.is_valid()
        total_ok = total_form.is_valid()
        if formset_ok and total_ok:
            lines = [
                services.PriceLineData(
                    item=form.cleaned_data["item"],
                    quantity=form.cleaned_data["quantity"],
                    unit_price=form.cleaned_data["unit_price"],
                )
                for form in formset.forms
                if form.cleaned_data and not form.cleaned_data.get("DELETE")
            ]
            try:
                services.price_lines_save(
                    tender=tender,
                    lines=lines,
                    total_price=total_form.cleaned_data["total_price"],
                    by=request.user,
                    expected_version=total_form.cleaned_data["version"],
                )
            except services.ConcurrentEditError:
                total_form.add_error(
                    None,
                    ValidationError(
                        _(
                            "Someone else changed this tender while you were "
                            "editing it; nothing was saved. Open it again to see "
                            "their changes."
                        ),
                        code="concurrent_edit",
                    ),
                )
            except ValidationError as error:
                total_form.add_error(None, error)
            else:
                messages.success(
                    request,
                    _("Prices saved: %(count)s lines.") % {"count": len(lines)},
                )
                return redirect(tender)
    return render(
        request,
        "procurement/tender_prices.html",
        {
            "procurement": tender.round.procurement,
            "round": tender.round,
            "tender": tender,
            "formset": formset,
            "total_form": total_form,
            "failed": request.method == "POST",
        },
        status=400 if request.method == "POST" else 200,
    )


# /procurements/<pk>/tenders/<tender_pk>/answers/import/ -------------------------------


@require_http_methods(FORM_METHODS)
def tender_answers_import(
    request: HttpRequest, pk: int, tender_pk: int
) -> HttpResponse:
    tender = get_tender_for_user(request.user, pk, tender_pk, write=True)
    procurement = tender.round.procurement
    action = request.POST.get("action", "preview")
    if request.method == "POST" and action == "apply":
        return _answers_apply(request, tender)
    if request.method == "POST" and action == "cancel":
        PENDING.forget(request, request.POST.get("token", ""))
        messages.info(request, _("The import was cancelled; nothing was changed."))
        return redirect(tender)
    form = AnswerImportForm(request.POST or None, request.FILES or None)
    context = {"procurement": procurement, "round": tender.round, "tender": tender}
    status = 200
    if request.method == "POST" and form.is_valid():
        PENDING.forget_all(request, procurement)
        upload = form.cleaned_data["file"]
        try:
            plan = read_answer_sheet(
                upload, name=upload.name, size=upload.size, round=tender.round
            )
        except UploadProblem as problem:
            form.add_error("file", forms.ValidationError(problem.message, problem.code))
        else:
            token = ""
            if plan.can_apply:
                token = PENDING.keep(
                    request,
                    procurement,
                    upload,
                    tender=tender.pk,
                    fingerprint=plan.fingerprint,
                )
            context.update(_preview_context(plan, token))
    if form.errors:
        status = 400
    context["form"] = form
    return render(
        request, "procurement/tender_answers_import.html", context, status=status
    )


def _preview_context(plan: AnswerPlan, token: str) -> dict:
    return {
        "plan": plan,
        "token": token,
        "errors_shown": plan.errors[:PREVIEW_MAX_ERRORS],
        "errors_more": max(0, len(plan.errors) - PREVIEW_MAX_ERRORS),
        "compliance_rows": [
            (label, plan.by_compliance.get(value, 0))
            for value, label in [*Response.Compliance.choices, ("", _("(blank)"))]
        ],
    }


def _answers_apply(request: HttpRequest, tender: Tender) -> HttpResponse:
    procurement = tender.round.procurement
    pending = PENDING.get(request, procurement, request.POST.get("token", ""))
    back = reverse(
        "procurement:tender-answers-import",
        kwargs={"pk": procurement.pk, "tender_pk": tender.pk},
    )
    if pending is None or pending.get("tender") != tender.pk:
        messages.error(
            request,
            _(
                "This preview is no longer current, so nothing was imported. "
                "Upload the workbook again."
            ),
        )
        return redirect(back)
    try:
        with pending["path"].open("rb") as handle:
            plan = read_answer_sheet(handle, name=pending["name"], round=tender.round)
    except UploadProblem as problem:
        PENDING.forget(request, pending["token"])
        messages.error(request, problem.message)
        return redirect(back)
    if plan.fingerprint != pending["fingerprint"] or not plan.can_apply:
        PENDING.forget(request, pending["token"])
        messages.error(
            request,
            _(
                "The requirements of the round changed after your preview, so "
                "nothing was imported. Upload the workbook again."
            ),
        )
        return redirect(back)
    try:
        stored = services.responses_import(
            tender=tender, rows=plan.rows, by=request.user, source=pending["name"]
        )
    except ValidationError as error:
        _show_errors(request, error)
        return redirect(back)
    PENDING.forget(request, pending["token"])
    messages.success(
        request,
        _("Imported %(name)s: %(count)s answers stored.")
        % {"name": pending["name"], "count": stored},
    )
    return redirect(tender)


urlpatterns = [
    # /procurements/<pk>/rounds/
    path("rounds/", round_list, name="tender-round-list"),
    path("rounds/new/", round_create, name="tender-round-create"),
    # /procurements/<pk>/rounds/<round_pk>/
    path("rounds/<int:round_pk>/", round_detail, name="tender-round-detail"),
    path("rounds/<int:round_pk>/edit/", round_edit, name="tender-round-edit"),
    path("rounds/<int:round_pk>/open/", round_open, name="tender-round-open"),
    path("rounds/<int:round_pk>/opening/", round_opening, name="tender-round-opening"),
    path(
        "rounds/<int:round_pk>/opening.pdf",
        round_opening_pdf,
        name="tender-round-opening-pdf",
    ),
    path(
        "rounds/<int:round_pk>/answers.xlsx",
        round_answer_sheet,
        name="tender-round-answer-sheet",
    ),
    # /procurements/<pk>/rounds/<round_pk>/tenders/new/
    path("rounds/<int:round_pk>/tenders/new/", tender_create, name="tender-create"),
    # /procurements/<pk>/tenders/<tender_pk>/
    path("tenders/<int:tender_pk>/", tender_detail, name="tender-detail"),
    path("tenders/<int:tender_pk>/edit/", tender_edit, name="tender-edit"),
    path("tenders/<int:tender_pk>/status/", tender_status, name="tender-status"),
    path("tenders/<int:tender_pk>/prices/", tender_prices, name="tender-prices"),
    path(
        "tenders/<int:tender_pk>/answers/import/",
        tender_answers_import,
        name="tender-answers-import",
    ),
]
