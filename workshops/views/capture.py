"""Live capture of inputs during a workshop, and the import of a workshop's
notes from the spreadsheet template.

The capture page works as a plain form (post, redirect back) and, with
static/js/capture.js, without leaving the page: the script posts with
``Accept: application/json`` and gets the new input's list item back, or the
errors by field. Each submission carries a client token, so a resend after a
dropped connection returns the input already made instead of a second one."""

from __future__ import annotations

import hashlib
import io
import uuid

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from procurement.documents.safety import UploadProblem
from procurement.documents.uploads import PendingUploads
from procurement.documents.xlsx import XLSX_CONTENT_TYPE
from procurement.models import Organisation
from workshops.access import get_workshop_for_user
from workshops.forms.capture import InputCaptureForm, NotesImportForm
from workshops.models import Input, Workshop
from workshops.selectors.workshops import workshop_attendances, workshop_inputs
from workshops.services.capture import input_capture, inputs_import
from workshops.spreadsheets import (
    NotesPlan,
    notes_template_filename,
    parse_notes,
    plan_notes,
    write_notes_template,
)

NOTES_UPLOADS = PendingUploads("notes-xlsx", ".xlsx")


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _capture_url(workshop: Workshop) -> str:
    return reverse(
        "workshops:workshop-capture",
        kwargs={"pk": workshop.procurement_id, "workshop_pk": workshop.pk},
    )


# /procurements/<pk>/workshops/<workshop_pk>/capture/ ---------------------------


@require_http_methods(["GET", "POST"])
def workshop_capture(request: HttpRequest, pk: int, workshop_pk: int) -> HttpResponse:
    workshop = get_workshop_for_user(request.user, pk, workshop_pk, write=True)
    if request.method == "POST":
        return _capture_post(request, workshop)
    initial = {"client_token": uuid.uuid4()}
    if request.GET.get("kind") in Input.Kind.values:
        initial["kind"] = request.GET["kind"]
    if request.GET.get("area", "").isdigit():
        initial["area"] = int(request.GET["area"])
    form = InputCaptureForm(workshop=workshop, initial=initial)
    return _capture_page(request, workshop, form)


def _capture_page(
    request: HttpRequest, workshop: Workshop, form: InputCaptureForm, status=200
) -> HttpResponse:
    inputs = list(workshop_inputs(workshop))
    inputs.reverse()
    return render(
        request,
        "workshops/capture.html",
        {
            "procurement": workshop.procurement,
            "workshop": workshop,
            "form": form,
            "inputs": inputs,
            "attendances": workshop_attendances(workshop),
            "organisation_names": Organisation.objects.exclude(
                kind=Organisation.Kind.VENDOR
            )
            .order_by("name")
            .values_list("name", flat=True),
        },
        status=status,
    )


def _capture_post(request: HttpRequest, workshop: Workshop) -> HttpResponse:
    form = InputCaptureForm(request.POST, workshop=workshop)
    captured = None
    if form.is_valid():
        token = form.cleaned_data.get("client_token")
        resent = token is not None and Input.objects.filter(client_token=token).exists()
        try:
            captured = input_capture(
                workshop=workshop,
                text=form.cleaned_data["text"],
                kind=form.cleaned_data["kind"],
                area=form.cleaned_data["area"],
                organisations=form.all_organisations(),
                participants=form.cleaned_data["participants"],
                client_token=token,
                by=request.user,
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                form.add_error(None, error)
            else:
                form.add_error("text", error)
    if captured is None:
        if _wants_json(request):
            return JsonResponse(
                {"ok": False, "errors": form.errors.get_json_data()}, status=400
            )
        return _capture_page(request, workshop, form, status=400)
    if _wants_json(request):
        captured = workshop_inputs(workshop).get(pk=captured.pk)
        return JsonResponse(
            {
                "ok": True,
                "resent": resent,
                "number": captured.number,
                "html": render_to_string(
                    "workshops/capture_input.html",
                    {"input": captured, "workshop": workshop},
                    request=request,
                ),
            },
            status=200 if resent else 201,
        )
    messages.success(
        request,
        _("Input %(number)s added.") % {"number": captured.number},
    )
    sticky = {"kind": captured.kind}
    if captured.area_id:
        sticky["area"] = captured.area_id
    return redirect(f"{_capture_url(workshop)}?{urlencode(sticky)}")


# /procurements/<pk>/workshops/<workshop_pk>/notes/ -----------------------------


@require_safe
def notes_template(request: HttpRequest, pk: int, workshop_pk: int) -> HttpResponse:
    workshop = get_workshop_for_user(request.user, pk, workshop_pk)
    buffer = io.BytesIO()
    write_notes_template(workshop, buffer)
    buffer.seek(0)
    return FileResponse(
        buffer,
        as_attachment=True,
        filename=notes_template_filename(workshop),
        content_type=XLSX_CONTENT_TYPE,
    )


def _fingerprint(plan: NotesPlan) -> str:
    """Changes when the same file would now give other inputs (a participant
    removed, a section renumbered meanwhile)."""
    digest = hashlib.sha256()
    for row in plan.rows:
        digest.update(
            f"{row.row}:{row.kind}:{row.area.pk if row.area else ''}:"
            f"{sorted(o.pk for o in row.organisations)}:"
            f"{sorted(p.pk for p in row.participants)};".encode()
        )
    return digest.hexdigest()


@require_http_methods(["GET", "POST"])
def notes_import(request: HttpRequest, pk: int, workshop_pk: int) -> HttpResponse:
    workshop = get_workshop_for_user(request.user, pk, workshop_pk, write=True)
    procurement = workshop.procurement
    action = request.POST.get("action", "preview")
    if request.method == "POST" and action == "apply":
        return _apply_notes(request, workshop)
    if request.method == "POST" and action == "cancel":
        NOTES_UPLOADS.forget(request, request.POST.get("token", ""))
        messages.info(request, _("The import was cancelled; nothing was changed."))
        return redirect(workshop)
    form = NotesImportForm(request.POST or None, request.FILES or None)
    context = {"procurement": procurement, "workshop": workshop, "form": form}
    status = 200
    if request.method == "POST" and form.is_valid():
        NOTES_UPLOADS.forget_all(request, procurement)
        upload = form.cleaned_data["file"]
        try:
            sheet = parse_notes(upload, name=upload.name, size=upload.size)
        except UploadProblem as problem:
            form.add_error("file", forms.ValidationError(problem.message, problem.code))
            status = 400
        else:
            plan = plan_notes(workshop, sheet)
            token = ""
            if plan.can_apply:
                token = NOTES_UPLOADS.keep(
                    request,
                    procurement,
                    upload,
                    fingerprint=_fingerprint(plan),
                    workshop=workshop.pk,
                )
            context.update(plan=plan, token=token)
    elif request.method == "POST":
        status = 400
    return render(request, "workshops/notes_import.html", context, status=status)


def _apply_notes(request: HttpRequest, workshop: Workshop) -> HttpResponse:
    procurement = workshop.procurement
    import_url = reverse(
        "workshops:notes-import",
        kwargs={"pk": procurement.pk, "workshop_pk": workshop.pk},
    )
    pending = NOTES_UPLOADS.get(request, procurement, request.POST.get("token", ""))
    if pending is None or pending.get("workshop") != workshop.pk:
        messages.error(
            request,
            _(
                "This preview is no longer current, so nothing was imported. "
                "Upload the workbook again."
            ),
        )
        return redirect(import_url)
    try:
        with pending["path"].open("rb") as handle:
            sheet = parse_notes(handle, name=pending["name"])
    except UploadProblem as problem:
        NOTES_UPLOADS.forget(request, pending["token"])
        messages.error(request, problem.message)
        return redirect(import_url)
    plan = plan_notes(workshop, sheet)
    try:
        if _fingerprint(plan) != pending["fingerprint"] or not plan.can_apply:
            raise ValidationError("outdated", code="outdated")
        created = inputs_import(
            workshop=workshop,
            rows=plan.rows,
            by=request.user,
            file_name=pending["name"],
        )
    except ValidationError:
        token = pending["token"]
        fresh = plan_notes(workshop, sheet)
        if fresh.can_apply:
            NOTES_UPLOADS.update(request, token, fingerprint=_fingerprint(fresh))
        else:
            NOTES_UPLOADS.forget(request, token)
            token = ""
        messages.error(
            request,
            _(
                "The workshop changed after your preview, so nothing was "
                "imported. Here is the preview again as things are now; check "
                "it before you apply."
            ),
        )
        return render(
            request,
            "workshops/notes_import.html",
            {
                "procurement": procurement,
                "workshop": workshop,
                "form": NotesImportForm(),
                "plan": fresh,
                "token": token,
            },
            status=409,
        )
    NOTES_UPLOADS.forget(request, pending["token"])
    messages.success(
        request,
        _("Imported %(name)s: %(count)s inputs added.")
        % {"name": pending["name"], "count": len(created)},
    )
    return redirect(workshop.get_absolute_url() + "#inputs")


urlpatterns = [
    # /procurements/<pk>/workshops/<workshop_pk>/capture/
    path(
        "workshops/<int:workshop_pk>/capture/",
        workshop_capture,
        name="workshop-capture",
    ),
    # /procurements/<pk>/workshops/<workshop_pk>/notes/
    path(
        "workshops/<int:workshop_pk>/notes/import/",
        notes_import,
        name="notes-import",
    ),
    path(
        "workshops/<int:workshop_pk>/notes/template.xlsx",
        notes_template,
        name="notes-template",
    ),
]
