"""Workshops and the people taking part: the workshop list and overview by
month, one workshop with its participants, attendance and inputs, create
and edit; the participant list, create, edit and the spreadsheet import."""

from __future__ import annotations

import io

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import (
    require_http_methods,
    require_POST,
    require_safe,
)
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from procurement.access import get_procurement_for_user
from procurement.documents.safety import UploadProblem
from procurement.documents.uploads import PendingUploads
from procurement.documents.xlsx import XLSX_CONTENT_TYPE
from procurement.models import Procurement
from procurement.tables import CappedPaginationMixin
from workshops.access import (
    can_edit_workshops,
    get_participant_for_user,
    get_workshop_for_user,
)
from workshops.filters import ParticipantFilter, WorkshopFilter
from workshops.forms.workshops import (
    AttendanceAddForm,
    ParticipantForm,
    ParticipantImportForm,
    WorkshopForm,
)
from workshops.models import Workshop
from workshops.selectors.workshops import (
    participants_of,
    workshop_attendances,
    workshop_inputs,
    workshop_months,
    workshops_with_counts,
)
from workshops.services import workshops as services
from workshops.spreadsheets import (
    ParticipantPlan,
    parse_participants,
    participant_template_filename,
    plan_participants,
    write_participant_template,
)
from workshops.tables import ParticipantTable, WorkshopTable

FORM_METHODS = ["GET", "POST"]
PARTICIPANT_UPLOADS = PendingUploads("participants-xlsx", ".xlsx")


def _url(procurement: Procurement, name: str, **kwargs) -> str:
    return reverse(f"workshops:{name}", kwargs={"pk": procurement.pk, **kwargs})


# /procurements/<pk>/workshops/ ------------------------------------------------------


class WorkshopListView(CappedPaginationMixin, SingleTableMixin, FilterView):
    table_class = WorkshopTable
    filterset_class = WorkshopFilter
    template_name = "workshops/workshop_list.html"

    def dispatch(self, request, *args, **kwargs):
        self.procurement = get_procurement_for_user(request.user, kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        return workshops_with_counts(self.procurement)

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        kwargs["procurement"] = self.procurement
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            procurement=self.procurement,
            can_edit=can_edit_workshops(self.request.user, self.procurement),
        )
        return context


workshop_list = require_safe(WorkshopListView.as_view())


@require_safe
def workshop_months_view(request: HttpRequest, pk: int) -> HttpResponse:
    procurement = get_procurement_for_user(request.user, pk)
    return render(
        request,
        "workshops/workshop_months.html",
        {"procurement": procurement, "months": workshop_months(procurement)},
    )


@require_safe
def workshop_detail(request: HttpRequest, pk: int, workshop_pk: int) -> HttpResponse:
    workshop = get_workshop_for_user(request.user, pk, workshop_pk)
    procurement = workshop.procurement
    can_edit = can_edit_workshops(request.user, procurement)
    search = request.GET.get("q", "").strip()
    return render(
        request,
        "workshops/workshop_detail.html",
        {
            "procurement": procurement,
            "workshop": workshop,
            "attendances": workshop_attendances(workshop),
            "inputs": workshop_inputs(workshop),
            "can_edit": can_edit,
            "attendance_form": AttendanceAddForm(workshop=workshop, search=search)
            if can_edit
            else None,
            "search": search,
        },
    )


def _workshop_form_page(
    request: HttpRequest, procurement: Procurement, workshop: Workshop | None
) -> HttpResponse:
    form = WorkshopForm(
        request.POST or None, procurement=procurement, workshop=workshop
    )
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            if workshop is None:
                saved = services.workshop_create(
                    procurement=procurement, by=request.user, **form.service_fields()
                )
            else:
                saved = services.workshop_update(
                    workshop=workshop,
                    by=request.user,
                    expected_version=form.cleaned_data.get("version"),
                    **form.service_fields(),
                )
        except services.ConcurrentEditError as error:
            conflict = error.workshop
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Saved: %(object)s") % {"object": saved})
            return redirect(saved)
    return render(
        request,
        "workshops/workshop_form.html",
        {
            "procurement": procurement,
            "workshop": workshop,
            "form": form,
            "conflict": conflict,
            "title": _("Edit workshop") if workshop else _("New workshop"),
        },
        status=409 if conflict else 200,
    )


@require_http_methods(FORM_METHODS)
def workshop_create(request: HttpRequest, pk: int) -> HttpResponse:
    procurement = get_procurement_for_user(request.user, pk, write=True)
    return _workshop_form_page(request, procurement, None)


@require_http_methods(FORM_METHODS)
def workshop_edit(request: HttpRequest, pk: int, workshop_pk: int) -> HttpResponse:
    workshop = get_workshop_for_user(request.user, pk, workshop_pk, write=True)
    return _workshop_form_page(request, workshop.procurement, workshop)


# /procurements/<pk>/workshops/<workshop_pk>/attendance/ -------------------------------


@require_POST
def attendance_add(request: HttpRequest, pk: int, workshop_pk: int) -> HttpResponse:
    workshop = get_workshop_for_user(request.user, pk, workshop_pk, write=True)
    form = AttendanceAddForm(request.POST, workshop=workshop)
    if form.is_valid():
        try:
            added = services.attendance_add(
                workshop=workshop,
                participants=form.cleaned_data["participants"],
                attended=form.cleaned_data["attended"],
                by=request.user,
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(
                request,
                _("%(count)s participants added to the workshop.")
                % {"count": len(added)},
            )
            return redirect(workshop.get_absolute_url() + "#participants")
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect(workshop.get_absolute_url() + "#add-participants")


@require_POST
def attendance_set(
    request: HttpRequest, pk: int, workshop_pk: int, participant_pk: int
) -> HttpResponse:
    workshop = get_workshop_for_user(request.user, pk, workshop_pk, write=True)
    participant = get_participant_for_user(request.user, pk, participant_pk)
    if not workshop.attendances.filter(participant=participant).exists():
        messages.error(
            request,
            _("%(name)s is not registered for this workshop.")
            % {"name": participant.name},
        )
        return redirect(workshop)
    action = request.POST.get("action", "")
    if action == "remove":
        try:
            services.attendance_remove(
                workshop=workshop, participant=participant, by=request.user
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(
                request,
                _("%(name)s was removed from the workshop.")
                % {"name": participant.name},
            )
    elif action in ("attended", "absent"):
        services.attendance_set(
            workshop=workshop,
            participant=participant,
            attended=action == "attended",
            by=request.user,
        )
    else:
        messages.error(request, _("Choose attended, absent or remove."))
    return redirect(workshop.get_absolute_url() + "#participants")


# /procurements/<pk>/participants/ ---------------------------------------------------


class ParticipantListView(CappedPaginationMixin, SingleTableMixin, FilterView):
    table_class = ParticipantTable
    filterset_class = ParticipantFilter
    template_name = "workshops/participant_list.html"

    def dispatch(self, request, *args, **kwargs):
        self.procurement = get_procurement_for_user(request.user, kwargs["pk"])
        self.can_edit = can_edit_workshops(request.user, self.procurement)
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        return participants_of(self.procurement)

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        kwargs["procurement"] = self.procurement
        return kwargs

    def get_table_kwargs(self):
        return {} if self.can_edit else {"exclude": ("edit",)}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(procurement=self.procurement, can_edit=self.can_edit)
        return context


participant_list = require_safe(ParticipantListView.as_view())


def _participant_form_page(request, procurement, participant) -> HttpResponse:
    form = ParticipantForm(
        request.POST or None, procurement=procurement, participant=participant
    )
    if request.method == "POST" and form.is_valid():
        try:
            if participant is None:
                saved = services.participant_create(
                    procurement=procurement, by=request.user, **form.cleaned_data
                )
            else:
                saved = services.participant_update(
                    participant=participant, by=request.user, **form.cleaned_data
                )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Saved: %(object)s") % {"object": saved})
            return redirect(_url(procurement, "participant-list"))
    return render(
        request,
        "workshops/participant_form.html",
        {
            "procurement": procurement,
            "participant": participant,
            "form": form,
            "title": _("Edit participant") if participant else _("New participant"),
        },
    )


@require_http_methods(FORM_METHODS)
def participant_create(request: HttpRequest, pk: int) -> HttpResponse:
    procurement = get_procurement_for_user(request.user, pk, write=True)
    return _participant_form_page(request, procurement, None)


@require_http_methods(FORM_METHODS)
def participant_edit(
    request: HttpRequest, pk: int, participant_pk: int
) -> HttpResponse:
    participant = get_participant_for_user(request.user, pk, participant_pk, write=True)
    return _participant_form_page(request, participant.procurement, participant)


# /procurements/<pk>/participants/import/ --------------------------------------------


@require_safe
def participant_template(request: HttpRequest, pk: int) -> HttpResponse:
    procurement = get_procurement_for_user(request.user, pk)
    buffer = io.BytesIO()
    write_participant_template(buffer)
    buffer.seek(0)
    return FileResponse(
        buffer,
        as_attachment=True,
        filename=participant_template_filename(procurement),
        content_type=XLSX_CONTENT_TYPE,
    )


@require_http_methods(FORM_METHODS)
def participant_import(request: HttpRequest, pk: int) -> HttpResponse:
    procurement = get_procurement_for_user(request.user, pk, write=True)
    action = request.POST.get("action", "preview")
    if request.method == "POST" and action == "apply":
        return _apply_participants(request, procurement)
    if request.method == "POST" and action == "cancel":
        PARTICIPANT_UPLOADS.forget(request, request.POST.get("token", ""))
        messages.info(request, _("The import was cancelled; nothing was changed."))
        return redirect(_url(procurement, "participant-list"))
    initial = {}
    if request.GET.get("workshop"):
        initial["workshop"] = request.GET["workshop"]
    form = ParticipantImportForm(
        request.POST or None,
        request.FILES or None,
        procurement=procurement,
        initial=initial,
    )
    context = {"procurement": procurement, "form": form}
    status = 200
    if request.method == "POST" and form.is_valid():
        PARTICIPANT_UPLOADS.forget_all(request, procurement)
        upload = form.cleaned_data["file"]
        workshop = form.cleaned_data["workshop"]
        try:
            sheet = parse_participants(upload, name=upload.name, size=upload.size)
        except UploadProblem as problem:
            form.add_error("file", forms.ValidationError(problem.message, problem.code))
            status = 400
        else:
            plan = plan_participants(procurement, sheet)
            token = ""
            if plan.can_apply:
                token = PARTICIPANT_UPLOADS.keep(
                    request,
                    procurement,
                    upload,
                    fingerprint=plan.fingerprint,
                    workshop=workshop.pk if workshop else None,
                )
            context.update(plan=plan, token=token, workshop=workshop)
    elif request.method == "POST":
        status = 400
    return render(request, "workshops/participant_import.html", context, status=status)


def _apply_participants(request: HttpRequest, procurement: Procurement) -> HttpResponse:
    pending = PARTICIPANT_UPLOADS.get(
        request, procurement, request.POST.get("token", "")
    )
    if pending is None:
        messages.error(
            request,
            _(
                "This preview is no longer current, so nothing was imported. "
                "Upload the workbook again."
            ),
        )
        return redirect(_url(procurement, "participant-import"))
    workshop = None
    if pending.get("workshop"):
        workshop = Workshop.objects.filter(
            procurement=procurement, pk=pending["workshop"]
        ).first()
    try:
        with pending["path"].open("rb") as handle:
            sheet = parse_participants(handle, name=pending["name"])
    except UploadProblem as problem:
        PARTICIPANT_UPLOADS.forget(request, pending["token"])
        messages.error(request, problem.message)
        return redirect(_url(procurement, "participant-import"))
    plan = plan_participants(procurement, sheet)
    if plan.fingerprint != pending["fingerprint"] or not plan.can_apply:
        return _participants_outdated(request, procurement, plan, pending, workshop)
    try:
        result = services.participants_import(
            procurement=procurement,
            rows=plan.rows,
            workshop=workshop,
            by=request.user,
            file_name=pending["name"],
        )
    except ValidationError:
        fresh = plan_participants(procurement, sheet)
        return _participants_outdated(request, procurement, fresh, pending, workshop)
    PARTICIPANT_UPLOADS.forget(request, pending["token"])
    messages.success(
        request,
        _(
            "Imported %(name)s: %(created)s new participants, %(updated)s "
            "updated, %(registered)s registered for the workshop."
        )
        % {
            "name": pending["name"],
            "created": len(result.created),
            "updated": len(result.updated),
            "registered": len(result.registered),
        },
    )
    if workshop is not None:
        return redirect(workshop)
    return redirect(_url(procurement, "participant-list"))


def _participants_outdated(
    request: HttpRequest,
    procurement: Procurement,
    plan: ParticipantPlan,
    pending: dict,
    workshop: Workshop | None,
) -> HttpResponse:
    token = pending["token"]
    if plan.can_apply:
        PARTICIPANT_UPLOADS.update(request, token, fingerprint=plan.fingerprint)
    else:
        PARTICIPANT_UPLOADS.forget(request, token)
        token = ""
    messages.error(
        request,
        _(
            "The participants changed after your preview, so nothing was "
            "imported. Here is the preview again as things are now; check it "
            "before you apply."
        ),
    )
    context = {
        "procurement": procurement,
        "form": ParticipantImportForm(procurement=procurement),
        "plan": plan,
        "token": token,
        "workshop": workshop,
    }
    return render(request, "workshops/participant_import.html", context, status=409)


urlpatterns = [
    # /procurements/<pk>/workshops/
    path("workshops/", workshop_list, name="workshop-list"),
    path("workshops/new/", workshop_create, name="workshop-create"),
    path("workshops/months/", workshop_months_view, name="workshop-months"),
    path("workshops/<int:workshop_pk>/", workshop_detail, name="workshop-detail"),
    path("workshops/<int:workshop_pk>/edit/", workshop_edit, name="workshop-edit"),
    # /procurements/<pk>/workshops/<workshop_pk>/attendance/
    path(
        "workshops/<int:workshop_pk>/attendance/",
        attendance_add,
        name="attendance-add",
    ),
    path(
        "workshops/<int:workshop_pk>/attendance/<int:participant_pk>/",
        attendance_set,
        name="attendance-set",
    ),
    # /procurements/<pk>/participants/
    path("participants/", participant_list, name="participant-list"),
    path("participants/new/", participant_create, name="participant-create"),
    path(
        "participants/<int:participant_pk>/edit/",
        participant_edit,
        name="participant-edit",
    ),
    path("participants/import/", participant_import, name="participant-import"),
    path(
        "participants/import/template.xlsx",
        participant_template,
        name="participant-template",
    ),
]
