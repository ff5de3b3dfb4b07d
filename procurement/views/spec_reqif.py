"""ReqIF pages: import a .reqif/.reqifz file with a preview, and export the
specification or a baseline.

The upload is kept between preview and apply in a server-side file under
VAR_DIR/uploads, named by a random token that only this user's session knows;
the form carries the token, never a path."""

from __future__ import annotations

import tempfile

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from procurement.access import get_procurement_for_user
from procurement.documents.safety import UploadProblem, check_upload_size
from procurement.documents.uploads import PendingUploads
from procurement.models import Baseline, Procurement, Requirement
from procurement.services.reports import report_download_record
from procurement.spec_reqif import (
    ImportPlan,
    PlanOutdated,
    apply_plan,
    export_filename,
    field_label,
    parse_reqif,
    plan_import,
    write_reqif,
)

PENDING = PendingUploads("reqif", ".upload")
# The preview lists this many rows per table; the counts are always complete.
PREVIEW_ROWS = 200

Status = Requirement.Status


class ReqIFUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("ReqIF file"),
        help_text=gettext_lazy(
            "A .reqif file, or a .reqifz archive, exported from a requirements tool "
            "or from Kravspor."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".reqif", ".reqifz", ".xml")):
            raise ValidationError(
                _("%(name)s is not a .reqif or .reqifz file.") % {"name": upload.name},
                code="extension",
            )
        try:
            check_upload_size(
                upload.size, name=upload.name, max_bytes=settings.UPLOAD_MAX_BYTES
            )
        except UploadProblem as problem:
            raise ValidationError(problem.message, code=problem.code) from problem
        return upload


def _import_url(procurement: Procurement, token: str = "") -> str:
    url = reverse("procurement:spec-import-reqif", kwargs={"pk": procurement.pk})
    return f"{url}?upload={token}" if token else url


def _parse_stored(stored: dict):
    data = stored["path"].read_bytes()
    return parse_reqif(data, name=stored["name"])


@require_http_methods(["GET", "POST"])
def spec_import_reqif(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload → preview of what would be created and changed, with every
    problem → apply (all or nothing) or cancel."""
    procurement = get_procurement_for_user(request.user, pk, write=True)
    form = ReqIFUploadForm()
    problem = None
    if request.method == "POST":
        action = request.POST.get("action", "upload")
        if action in ("apply", "cancel"):
            stored = PENDING.get(request, procurement, request.POST.get("token", ""))
            if stored is None:
                messages.error(
                    request,
                    _("The uploaded file is no longer available; upload it again."),
                )
                return redirect(_import_url(procurement))
            if action == "cancel":
                PENDING.forget(request, stored["token"])
                messages.info(request, _("The import was cancelled; nothing changed."))
                return redirect(_import_url(procurement))
            return _apply(request, procurement, stored)
        form = ReqIFUploadForm(request.POST, request.FILES)
        if form.is_valid():
            token = PENDING.keep(request, procurement, form.cleaned_data["file"])
            return redirect(_import_url(procurement, token))
    elif request.GET.get("upload"):
        stored = PENDING.get(request, procurement, request.GET["upload"])
        if stored is None:
            messages.error(
                request, _("The uploaded file is no longer available; upload it again.")
            )
            return redirect(_import_url(procurement))
        try:
            parsed = _parse_stored(stored)
        except UploadProblem as unusable:
            PENDING.forget(request, stored["token"])
            problem = unusable
        else:
            plan = plan_import(procurement, parsed)
            return render(
                request,
                "procurement/reqif_import.html",
                {
                    "procurement": procurement,
                    "plan": plan,
                    "token": stored["token"],
                    **_preview_rows(plan),
                },
            )
    return render(
        request,
        "procurement/reqif_import.html",
        {"procurement": procurement, "form": form, "problem": problem},
    )


def _preview_rows(plan: ImportPlan) -> dict:
    """The first rows of each preview table, and how many more there are."""

    def cap(name: str, rows: list) -> dict:
        return {
            f"{name}_shown": rows[:PREVIEW_ROWS],
            f"{name}_more": max(len(rows) - PREVIEW_ROWS, 0),
        }

    created = [
        {
            "key": row.key,
            "section": f"{row.section.number} {row.section.title}",
            "title": row.title,
            "kind": row.fields["kind"],
            "status": Status(row.fields.get("status", Status.DRAFT)).label,
        }
        for row in plan.created[:PREVIEW_ROWS]
    ]
    changed = [
        {
            "key": row.key,
            "title": row.title,
            "fields": ", ".join(field_label(name) for name in row.changed_fields),
        }
        for row in plan.changed[:PREVIEW_ROWS]
    ]
    return {
        **cap("sections", plan.new_sections),
        **cap("links", plan.links),
        "created_shown": created,
        "created_more": max(len(plan.created) - PREVIEW_ROWS, 0),
        "changed_shown": changed,
        "changed_more": max(len(plan.changed) - PREVIEW_ROWS, 0),
    }


def _apply(request: HttpRequest, procurement: Procurement, stored: dict):
    token = stored["token"]
    try:
        parsed = _parse_stored(stored)
    except UploadProblem as problem:
        PENDING.forget(request, token)
        messages.error(request, problem.message)
        return redirect(_import_url(procurement))
    plan = plan_import(procurement, parsed)
    if request.POST.get("state") != plan.fingerprint:
        messages.warning(
            request,
            _(
                "The specification changed after the preview. Check the new "
                "preview, then apply again."
            ),
        )
        return redirect(_import_url(procurement, token))
    if plan.errors:
        messages.error(request, _("The file has errors; nothing was imported."))
        return redirect(_import_url(procurement, token))
    try:
        result = apply_plan(plan, procurement=procurement, by=request.user)
    except PlanOutdated:
        messages.warning(
            request,
            _(
                "The specification changed while the import ran; nothing was "
                "imported. Check the new preview, then apply again."
            ),
        )
        return redirect(_import_url(procurement, token))
    except ValidationError as exc:
        messages.error(
            request,
            _("Nothing was imported: %(problems)s")
            % {"problems": " ".join(exc.messages[:20])},
        )
        return redirect(_import_url(procurement, token))
    PENDING.forget(request, token)
    messages.success(
        request,
        _(
            "Imported %(name)s: %(sections)s new sections, %(created)s new "
            "requirements, %(changed)s changed, %(links)s new links."
        )
        % {
            "name": stored["name"],
            "sections": result.sections,
            "created": result.created,
            "changed": result.changed,
            "links": result.links,
        },
    )
    return redirect("procurement:spec", pk=procurement.pk)


@require_safe
def spec_export_reqif(request: HttpRequest, pk: int) -> HttpResponse:
    """Today's specification, or with ``?baseline=<id>`` a baseline, as a
    ReqIF 1.2 file."""
    procurement = get_procurement_for_user(request.user, pk)
    baseline = None
    if "baseline" in request.GET:
        try:
            baseline = procurement.baselines.get(pk=int(request.GET["baseline"]))
        except (ValueError, Baseline.DoesNotExist) as exc:
            raise Http404 from exc
    # A spooled file keeps small exports in memory and large ones on disk.
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    write_reqif(out, procurement=procurement, baseline=baseline)
    out.seek(0)
    filename = export_filename(procurement, baseline)
    report_download_record(
        request=request,
        report="spec-reqif",
        procurement=procurement,
        label=baseline.label if baseline else "",
        filename=filename,
    )
    return FileResponse(
        out,
        as_attachment=True,
        filename=filename,
        content_type="application/xml",
    )


urlpatterns = [
    path("spec/import-reqif/", spec_import_reqif, name="spec-import-reqif"),
    path("spec/export.reqif", spec_export_reqif, name="spec-export-reqif"),
]
