"""Triage of workshop input into requirements, and traceability both ways:
the triage queue with bulk decisions, one input with its decisions and
duplicate suggestions, what became of an organisation's input, and the
traceability matrix.

Everyone who may see the procurement may read these pages; decisions are for
those who may edit it (programme staff): read-only roles get 403, strangers
404."""

from __future__ import annotations

import io

import django_filters
import django_tables2 as tables
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import truncatechars
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import (
    require_http_methods,
    require_POST,
    require_safe,
)
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from procurement.access import can_edit_procurement, get_procurement_for_user
from procurement.documents.xlsx import XLSX_CONTENT_TYPE
from procurement.models import Organisation, Procurement
from procurement.services.reports import report_download_record
from procurement.tables import CappedPaginationMixin
from workshops.forms.triage import (
    BulkTriageForm,
    InputAcceptForm,
    InputDuplicateForm,
    InputLinkForm,
    InputRejectForm,
    InputReopenForm,
    TriageFilter,
)
from workshops.models import Input
from workshops.selectors import triage as selectors
from workshops.services import triage as services
from workshops.traceability import matrix_filename, write_trace_matrix

TEXT_PREVIEW = 160


def _input_for_user(
    request: HttpRequest, pk: int, input_pk: int, *, write: bool = False
) -> tuple[Procurement, Input]:
    procurement = get_procurement_for_user(request.user, pk, write=write)
    return procurement, selectors.input_for_procurement(procurement, input_pk)


def _input_url(item: Input, procurement_pk: int) -> str:
    return reverse(
        "workshops:input-detail", kwargs={"pk": procurement_pk, "input_pk": item.pk}
    )


# Tables ------------------------------------------------------------------------


class InputSelectColumn(tables.CheckBoxColumn):
    """A checkbox per row tied to the bulk form by its ``form`` attribute."""

    @property
    def header(self):
        return format_html('<span class="visually-hidden">{}</span>', _("Select"))

    def render(self, value, bound_column, record):
        return format_html(
            '<input type="checkbox" name="selected" value="{}" form="triage-bulk-form"'
            ' aria-label="{}">',
            value,
            _("Select input #%(ref)s") % {"ref": value},
        )


class _InputColumns(tables.Table):
    ref = tables.Column(
        accessor="pk", verbose_name=gettext_lazy("Input"), order_by=("pk",)
    )
    workshop = tables.Column(
        verbose_name=gettext_lazy("Workshop"),
        order_by=("workshop__starts_at", "workshop__title"),
    )
    text = tables.Column(verbose_name=gettext_lazy("Text"), orderable=False)
    status = tables.Column(verbose_name=gettext_lazy("Status"))

    def render_ref(self, record: Input) -> str:
        return format_html(
            '<a href="{}">#{}</a>',
            _input_url(record, record.workshop.procurement_id),
            record.pk,
        )

    def render_workshop(self, record: Input) -> str:
        workshop = record.workshop
        return format_html(
            '{} <span class="muted">{}</span>',
            workshop.title,
            workshop.starts_at.date().isoformat(),
        )

    def render_text(self, record: Input) -> str:
        return truncatechars(record.text, TEXT_PREVIEW)

    def render_status(self, record: Input) -> str:
        return format_html(
            '<span class="badge triage-{}">{}</span>',
            record.status,
            record.get_status_display(),
        )


class TriageTable(_InputColumns):
    selected = InputSelectColumn(accessor="pk", orderable=False)
    kind = tables.Column(verbose_name=gettext_lazy("Kind"))
    area = tables.Column(
        verbose_name=gettext_lazy("Area"), order_by=("area__sort_key",)
    )
    raised_by = tables.Column(
        verbose_name=gettext_lazy("Raised by"), empty_values=(), orderable=False
    )
    created_at = tables.DateTimeColumn(
        verbose_name=gettext_lazy("Captured"), format="SHORT_DATE_FORMAT"
    )

    class Meta:
        model = Input
        fields = [
            "selected",
            "ref",
            "workshop",
            "text",
            "kind",
            "area",
            "raised_by",
            "status",
            "created_at",
        ]
        order_by = "created_at"
        empty_text = gettext_lazy("No input matches.")
        attrs = {"class": "table triage-table", "id": "triage-table"}

    def render_area(self, record: Input) -> str:
        return record.area.number if record.area else "–"

    def render_raised_by(self, record: Input) -> str:
        return ", ".join(org.name for org in record.raised_by_organisations.all())


class TraceTable(_InputColumns):
    outcome = tables.Column(
        verbose_name=gettext_lazy("What became of it"),
        empty_values=(),
        orderable=False,
    )

    class Meta:
        model = Input
        fields = ["ref", "workshop", "text", "status", "outcome"]
        order_by = "ref"
        empty_text = gettext_lazy("No input matches.")
        attrs = {"class": "table trace-table", "id": "trace-table"}

    def render_outcome(self, record: Input) -> str:
        Status = Input.Status
        if record.status in (Status.ACCEPTED, Status.MERGED):
            return (
                format_html_join(
                    ", ",
                    '<a href="{}">{}</a>',
                    (
                        (requirement.get_absolute_url(), requirement.key)
                        for requirement in record.requirements.all()
                    ),
                )
                or "–"
            )
        if record.status == Status.DUPLICATE and record.duplicate_of_id:
            return format_html(
                '{} <a href="{}">#{}</a>',
                _("Duplicate of"),
                _input_url(record.duplicate_of, record.workshop.procurement_id),
                record.duplicate_of_id,
            )
        if record.status == Status.REJECTED:
            return record.reason
        return format_html('<span class="muted">{}</span>', _("Awaiting triage"))


# /procurements/<pk>/triage/ ---------------------------------------------------------


class TriageView(CappedPaginationMixin, SingleTableMixin, FilterView):
    table_class = TriageTable
    filterset_class = TriageFilter
    template_name = "workshops/triage.html"

    def dispatch(self, request, *args, **kwargs):
        self.procurement = get_procurement_for_user(request.user, kwargs["pk"])
        self.can_edit = can_edit_procurement(request.user, self.procurement)
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.triage_queue(self.procurement)

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        kwargs["procurement"] = self.procurement
        return kwargs

    def get_table_kwargs(self):
        return {} if self.can_edit else {"exclude": ("selected",)}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            procurement=self.procurement,
            can_edit=self.can_edit,
            bulk_form=BulkTriageForm(procurement=self.procurement)
            if self.can_edit
            else None,
        )
        return context


triage = require_safe(TriageView.as_view())


def _back(request: HttpRequest, fallback: str) -> str:
    back = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return back
    return fallback


@require_POST
def triage_bulk(request: HttpRequest, pk: int) -> HttpResponse:
    procurement = get_procurement_for_user(request.user, pk, write=True)
    back = _back(request, reverse("workshops:triage", kwargs={"pk": procurement.pk}))
    form = BulkTriageForm(request.POST, procurement=procurement)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else None
            for error in errors:
                messages.error(request, f"{label}: {error}" if label else error)
        return redirect(back)
    try:
        count = services.inputs_bulk_triage(
            by=request.user,
            procurement=procurement,
            inputs=list(form.cleaned_data["selected"]),
            decision=form.cleaned_data["decision"],
            reason=form.cleaned_data["reason"],
            original=form.cleaned_data.get("original"),
            requirement=form.cleaned_data.get("requirement"),
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(back)
    messages.success(request, _("%(count)s inputs triaged.") % {"count": count})
    return redirect(back)


# /procurements/<pk>/inputs/<input_pk>/

DECISION_FORMS = {
    "link": InputLinkForm,
    "duplicate": InputDuplicateForm,
    "reject": InputRejectForm,
    "reopen": InputReopenForm,
}


def _decision_forms(
    item: Input, procurement: Procurement, bound: dict | None = None
) -> dict:
    forms = {}
    for name, form_class in DECISION_FORMS.items():
        kwargs = {"input": item, "prefix": name}
        if form_class in (InputLinkForm, InputDuplicateForm):
            kwargs["procurement"] = procurement
        forms[name] = (bound or {}).get(name) or form_class(**kwargs)
    return forms


def _detail_page(
    request: HttpRequest,
    procurement: Procurement,
    item: Input,
    *,
    bound: dict | None = None,
    conflict: Input | None = None,
    attempted: str = "",
    status: int = 200,
) -> HttpResponse:
    can_edit = can_edit_procurement(request.user, procurement)
    requirement_query = request.GET.get("rq", "")
    input_query = request.GET.get("iq", "")
    context = {
        "procurement": procurement,
        "input": item,
        "raising_organisations": item.raised_by_organisations.all(),
        "raising_participants": item.raised_by_participants.all(),
        "history": selectors.input_history(item),
        "can_edit": can_edit,
        "conflict": conflict,
        "attempted": attempted,
        "original": selectors.resolve_original(item.duplicate_of)
        if item.duplicate_of_id
        else None,
    }
    if can_edit:
        context.update(
            forms=_decision_forms(item, procurement, bound),
            suggestions=selectors.suggestions(item)
            if item.status == Input.Status.NEW
            else None,
            requirement_query=requirement_query,
            input_query=input_query,
            requirement_results=selectors.search_requirements(
                procurement, requirement_query
            ),
            input_results=selectors.search_inputs(
                procurement, input_query, exclude=item
            ),
        )
    return render(request, "workshops/input_detail.html", context, status=status)


@require_safe
def input_detail(request: HttpRequest, pk: int, input_pk: int) -> HttpResponse:
    procurement, item = _input_for_user(request, pk, input_pk)
    return _detail_page(request, procurement, item)


DECISION_LABELS = {
    "accept": gettext_lazy("accept it as a new requirement"),
    "link": gettext_lazy("link it to a requirement"),
    "duplicate": gettext_lazy("mark it as a duplicate"),
    "reject": gettext_lazy("reject it"),
    "reopen": gettext_lazy("re-open it"),
}


def _conflict(
    request: HttpRequest,
    procurement: Procurement,
    item: Input,
    error: services.TriageConflict,
    decision: str,
) -> HttpResponse:
    current = selectors.input_for_procurement(procurement, error.input.pk)
    return _detail_page(
        request,
        procurement,
        current,
        conflict=current,
        attempted=str(DECISION_LABELS[decision]),
        status=409,
    )


def _decided(request: HttpRequest, item: Input, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect(_input_url(item, item.workshop.procurement_id))


def _decision_view(name: str):
    """A POST-only view that validates the ``name`` decision form and calls
    its service; a bad form re-renders the page (400) with the text kept."""

    @require_POST
    def view(request: HttpRequest, pk: int, input_pk: int) -> HttpResponse:
        procurement, item = _input_for_user(request, pk, input_pk, write=True)
        kwargs = {"input": item, "prefix": name}
        if name in ("link", "duplicate"):
            kwargs["procurement"] = procurement
        form = DECISION_FORMS[name](request.POST, **kwargs)
        if form.is_valid():
            data = form.cleaned_data
            common = {
                "by": request.user,
                "input": item,
                "reason": data["reason"],
                "expected_version": data["version"],
            }
            try:
                if name == "link":
                    services.input_link(requirement=data["requirement"], **common)
                    message = _("Input #%(ref)s linked to %(key)s.") % {
                        "ref": item.pk,
                        "key": data["requirement"].key,
                    }
                elif name == "duplicate":
                    done = services.input_mark_duplicate(
                        original=data["original"], **common
                    )
                    message = _(
                        "Input #%(ref)s marked as a duplicate of #%(orig)s."
                    ) % {
                        "ref": item.pk,
                        "orig": done.duplicate_of_id,
                    }
                elif name == "reject":
                    services.input_reject(**common)
                    message = _("Input #%(ref)s rejected.") % {"ref": item.pk}
                else:
                    services.input_reopen(**common)
                    message = _("Input #%(ref)s is back in the triage queue.") % {
                        "ref": item.pk
                    }
            except services.TriageConflict as error:
                return _conflict(request, procurement, item, error, name)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                return _decided(request, item, message)
        return _detail_page(request, procurement, item, bound={name: form}, status=400)

    view.__name__ = f"input_{name}"
    return view


input_link = _decision_view("link")
input_duplicate = _decision_view("duplicate")
input_reject = _decision_view("reject")
input_reopen = _decision_view("reopen")


# /procurements/<pk>/inputs/<input_pk>/accept/


@require_http_methods(["GET", "POST"])
def input_accept(request: HttpRequest, pk: int, input_pk: int) -> HttpResponse:
    procurement, item = _input_for_user(request, pk, input_pk, write=True)
    if item.status != Input.Status.NEW and request.method == "GET":
        messages.error(
            request,
            _("Input #%(ref)s is already triaged; re-open it first.")
            % {"ref": item.pk},
        )
        return redirect(_input_url(item, procurement.pk))
    form = InputAcceptForm(request.POST or None, input=item, procurement=procurement)
    if request.method == "POST" and form.is_valid():
        try:
            requirement = services.input_accept(
                by=request.user,
                input=item,
                tags=form.cleaned_data["tags_text"],
                stakeholders=form.stakeholders(),
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["input_version"],
                **form.service_fields(),
            )
        except services.TriageConflict as error:
            return _conflict(request, procurement, item, error, "accept")
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Input #%(ref)s accepted as %(key)s.")
                % {"ref": item.pk, "key": requirement.key},
            )
            return redirect(requirement)
    return render(
        request,
        "workshops/input_accept.html",
        {"procurement": procurement, "input": item, "form": form},
        status=400 if form.is_bound else 200,
    )


# /procurements/<pk>/organisations/<org_pk>/trace/ ------------------------------------


class TraceFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        label=gettext_lazy("Status"),
        choices=Input.Status.choices,
        empty_label=gettext_lazy("All statuses"),
    )

    class Meta:
        model = Input
        fields = ["status"]


class OrganisationTraceView(CappedPaginationMixin, SingleTableMixin, FilterView):
    table_class = TraceTable
    filterset_class = TraceFilter
    template_name = "workshops/trace_organisation.html"

    def dispatch(self, request, *args, **kwargs):
        self.procurement = get_procurement_for_user(request.user, kwargs["pk"])
        self.organisation = get_object_or_404(Organisation, pk=kwargs["org_pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.organisation_inputs(self.procurement, self.organisation)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        counts = selectors.outcome_counts(self.procurement, self.organisation)
        context.update(
            procurement=self.procurement,
            organisation=self.organisation,
            total=counts.pop("total"),
            outcomes=[
                (status, label, counts[status])
                for status, label in Input.Status.choices
            ],
        )
        return context


organisation_trace = require_safe(OrganisationTraceView.as_view())


# /procurements/<pk>/trace/matrix.xlsx


@require_safe
def trace_matrix(request: HttpRequest, pk: int) -> HttpResponse:
    procurement = get_procurement_for_user(request.user, pk)
    buffer = io.BytesIO()
    write_trace_matrix(procurement, buffer)
    buffer.seek(0)
    filename = matrix_filename(procurement)
    report_download_record(
        request=request,
        report="trace-matrix",
        procurement=procurement,
        filename=filename,
    )
    return FileResponse(
        buffer,
        as_attachment=True,
        filename=filename,
        content_type=XLSX_CONTENT_TYPE,
    )


urlpatterns = [
    # /procurements/<pk>/triage/
    path("triage/", triage, name="triage"),
    path("triage/bulk/", triage_bulk, name="triage-bulk"),
    # /procurements/<pk>/inputs/<input_pk>/
    path("inputs/<int:input_pk>/", input_detail, name="input-detail"),
    path("inputs/<int:input_pk>/accept/", input_accept, name="input-accept"),
    path("inputs/<int:input_pk>/link/", input_link, name="input-link"),
    path("inputs/<int:input_pk>/duplicate/", input_duplicate, name="input-duplicate"),
    path("inputs/<int:input_pk>/reject/", input_reject, name="input-reject"),
    path("inputs/<int:input_pk>/reopen/", input_reopen, name="input-reopen"),
    # /procurements/<pk>/organisations/<org_pk>/trace/
    path(
        "organisations/<int:org_pk>/trace/",
        organisation_trace,
        name="organisation-trace",
    ),
    # /procurements/<pk>/trace/matrix.xlsx
    path("trace/matrix.xlsx", trace_matrix, name="trace-matrix"),
]
