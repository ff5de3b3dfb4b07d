"""The specification as an Excel workbook: download it, and import an edited
workbook through a preview that shows every change and error before anything
is applied.

Between preview and apply the upload waits in a server-side file under
VAR_DIR/uploads, named by a random token kept in the session; the form only
echoes the token so a stale preview in another tab cannot be applied."""

from __future__ import annotations

import io

from django import forms
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from procurement.access import get_procurement_for_user
from procurement.documents.safety import UploadProblem
from procurement.documents.uploads import PendingUploads
from procurement.documents.xlsx import XLSX_CONTENT_TYPE
from procurement.models import Baseline, Procurement
from procurement.services.reports import report_download_record
from procurement.spec_excel import (
    ImportPlan,
    PlanOutdated,
    apply_plan,
    export_filename,
    parse_workbook,
    plan_import,
    write_specification_xlsx,
)

PENDING = PendingUploads("spec-xlsx", ".xlsx")
# The preview lists at most this many created and changed rows each (the
# counts are always complete, and every error is listed).
PREVIEW_MAX_ROWS = 1000


class SpecImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Workbook (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": f".xlsx,{XLSX_CONTENT_TYPE}"}),
        help_text=gettext_lazy(
            "Start from an export of this specification; rows without a key "
            "become new requirements."
        ),
    )


# /procurements/<pk>/spec/export.xlsx ------------------------------------------------


@require_safe
def spec_export_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    procurement = get_procurement_for_user(request.user, pk)
    baseline = None
    if request.GET.get("baseline"):
        try:
            baseline = get_object_or_404(
                Baseline, procurement=procurement, pk=int(request.GET["baseline"])
            )
        except ValueError as exc:
            raise Http404 from exc
    buffer = io.BytesIO()
    write_specification_xlsx(procurement, buffer, baseline=baseline)
    buffer.seek(0)
    filename = export_filename(procurement, baseline)
    report_download_record(
        request=request,
        report="spec-xlsx",
        procurement=procurement,
        label=baseline.label if baseline else "",
        filename=filename,
    )
    return FileResponse(
        buffer,
        as_attachment=True,
        filename=filename,
        content_type=XLSX_CONTENT_TYPE,
    )


# /procurements/<pk>/spec/import/ -----------------------------------------------------


@require_http_methods(["GET", "POST"])
def spec_import(request: HttpRequest, pk: int) -> HttpResponse:
    procurement = get_procurement_for_user(request.user, pk, write=True)
    action = request.POST.get("action", "preview")
    if request.method == "POST" and action == "apply":
        return _apply(request, procurement)
    if request.method == "POST" and action == "cancel":
        PENDING.forget(request, request.POST.get("token", ""))
        messages.info(request, _("The import was cancelled; nothing was changed."))
        return redirect("procurement:spec", procurement.pk)

    form = SpecImportForm(request.POST or None, request.FILES or None)
    context = {"procurement": procurement, "form": form}
    if request.method == "POST" and form.is_valid():
        PENDING.forget_all(request, procurement)
        upload = form.cleaned_data["file"]
        try:
            sheet = parse_workbook(upload, name=upload.name, size=upload.size)
        except UploadProblem as problem:
            form.add_error("file", forms.ValidationError(problem.message, problem.code))
        else:
            plan = plan_import(procurement, sheet)
            token = ""
            if plan.can_apply:
                token = PENDING.keep(
                    request, procurement, upload, fingerprint=plan.fingerprint
                )
            context.update(_preview_context(plan, token))
    return render(request, "procurement/spec_import.html", context)


def _apply(request: HttpRequest, procurement: Procurement) -> HttpResponse:
    pending = PENDING.get(request, procurement, request.POST.get("token", ""))
    if pending is None:
        messages.error(
            request,
            _(
                "This preview is no longer current, so nothing was imported. "
                "Upload the workbook again."
            ),
        )
        return redirect("procurement:spec-import", procurement.pk)
    try:
        with pending["path"].open("rb") as handle:
            sheet = parse_workbook(handle, name=pending["name"])
    except UploadProblem as problem:
        PENDING.forget(request, pending["token"])
        messages.error(request, problem.message)
        return redirect("procurement:spec-import", procurement.pk)
    plan = plan_import(procurement, sheet)
    if plan.fingerprint != pending["fingerprint"] or not plan.can_apply:
        return _outdated(request, procurement, plan, pending["token"])
    try:
        result = apply_plan(plan, procurement=procurement, by=request.user)
    except PlanOutdated:
        fresh = plan_import(procurement, sheet)
        return _outdated(request, procurement, fresh, pending["token"])
    PENDING.forget(request, pending["token"])
    messages.success(
        request,
        _("Imported %(name)s: %(created)s created, %(changed)s changed.")
        % {
            "name": pending["name"],
            "created": len(result.created),
            "changed": len(result.changed),
        },
    )
    return redirect("procurement:spec", procurement.pk)


def _outdated(
    request: HttpRequest, procurement: Procurement, plan: ImportPlan, token: str
) -> HttpResponse:
    """The spec changed after the preview: show the preview made now instead,
    to be checked and applied again."""
    if plan.can_apply:
        PENDING.update(request, token, fingerprint=plan.fingerprint)
    else:
        PENDING.forget(request, token)
        token = ""
    messages.error(
        request,
        _(
            "The specification changed after your preview, so nothing was "
            "imported. Here is the preview again as things are now; check it "
            "before you apply."
        ),
    )
    context = {"procurement": procurement, "form": SpecImportForm()}
    context.update(_preview_context(plan, token))
    return render(request, "procurement/spec_import.html", context, status=409)


def _preview_context(plan: ImportPlan, token: str) -> dict:
    return {
        "plan": plan,
        "token": token,
        "created_shown": plan.created[:PREVIEW_MAX_ROWS],
        "created_more": max(0, len(plan.created) - PREVIEW_MAX_ROWS),
        "changed_shown": plan.changed[:PREVIEW_MAX_ROWS],
        "changed_more": max(0, len(plan.changed) - PREVIEW_MAX_ROWS),
    }


urlpatterns = [
    # /procurements/<pk>/spec/export.xlsx
    path("spec/export.xlsx", spec_export_xlsx, name="spec-export-xlsx"),
    # /procurements/<pk>/spec/import/
    path("spec/import/", spec_import, name="spec-import"),
]
