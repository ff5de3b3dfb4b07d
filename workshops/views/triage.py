"""Triage of workshop input into requirements, and traceability both ways:
the triage queue with bulk decisions, one input with its decisions and
duplicate suggestions, what became of an organisation's input, and the
traceability matrix.

Everyone who may see the procurement may read these pages; decisions are for
those who may edit it (programme staff): read-only roles get 403, strangers
404."""

from __future__ import annotations

import copy
import io
from urllib.parse import urlsplit

import django_filters
import django_tables2 as tables
from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import truncatechars
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
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

    def render(self, value, table):
        return format_html(
            '<input type="checkbox" name="selected" value="{}" form="triage-bulk-form"'
            ' aria-label="{}"{}>',
            value,
            _("Select input #%(ref)s") % {"ref": value},
            mark_safe(" checked") if str(value) in table.ticked else "",
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

    def __init__(self, *args, ticked=(), **kwargs):
        super().__init__(*args, **kwargs)
        # Inputs ticked in a refused bulk decision stay ticked.
        self.ticked = {str(pk) for pk in ticked}

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
    # Set by ``triage_bulk`` to show a refused bulk decision again.
    bulk_form: BulkTriageForm | None = None
    next_url = ""
    status = 200

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
        if not self.can_edit:
            return {"exclude": ("selected",)}
        if self.bulk_form is not None:
            return {"ticked": self.bulk_form["selected"].value() or ()}
        return {}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        bulk_form = self.bulk_form
        if self.can_edit and bulk_form is None:
            bulk_form = BulkTriageForm(procurement=self.procurement)
        context.update(
            procurement=self.procurement,
            can_edit=self.can_edit,
            bulk_form=bulk_form,
            next_url=self.next_url or self.request.get_full_path(),
        )
        return context

    def render_to_response(self, context, **response_kwargs):
        response_kwargs.setdefault("status", self.status)
        return super().render_to_response(context, **response_kwargs)


triage = require_safe(TriageView.as_view())


def _back(request: HttpRequest, fallback: str) -> str:
    back = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return back
    return fallback


def _refused_bulk(
    request: HttpRequest, procurement: Procurement, form: BulkTriageForm, back: str
) -> HttpResponse:
    """The queue page again (400) as the user left it, with the filters and
    page they came from and the bulk form as they filled it in: the reason,
    the decision, the original or requirement and the ticked inputs kept,
    the errors next to the fields."""
    queue_url = reverse("workshops:triage", kwargs={"pk": procurement.pk})
    back_url = urlsplit(back)
    queue = copy.copy(request)
    queue.method = "GET"
    queue.GET = QueryDict(back_url.query if back_url.path == queue_url else "")
    queue.path = queue_url
    view = TriageView.as_view(bulk_form=form, next_url=back, status=400)
    return view(queue, pk=procurement.pk)


def _add_service_error(form: BulkTriageForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


@require_http_methods(["GET", "HEAD", "POST"])
def triage_bulk(request: HttpRequest, pk: int) -> HttpResponse:
    if request.method != "POST":
        # Links on a re-shown queue page (filter, sort, pages) land here.
        procurement = get_procurement_for_user(request.user, pk)
        url = reverse("workshops:triage", kwargs={"pk": procurement.pk})
        query = request.META.get("QUERY_STRING", "")
        return redirect(f"{url}?{query}" if query else url)
    procurement = get_procurement_for_user(request.user, pk, write=True)
    back = _back(request, reverse("workshops:triage", kwargs={"pk": procurement.pk}))
    form = BulkTriageForm(request.POST, procurement=procurement)
    if not form.is_valid():
        return _refused_bulk(request, procurement, form, back)
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
        _add_service_error(form, error)
        return _refused_bulk(request, procurement, form, back)
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
    decision_forms = {}
    for name, form_class in DECISION_FORMS.items():
        kwargs = {"input": item, "prefix": name}
        if form_class in (InputLinkForm, InputDuplicateForm):
            kwargs["procurement"] = procurement
        decision_forms[name] = (bound or {}).get(name) or form_class(**kwargs)
    return decision_forms


def _detail_page(
    request: HttpRequest,
    procurement: Procurement,
    item: Input,
    *,
    bound: dict | None = None,
    conflict: Input | None = None,
    attempted: str = "",
    typed: list[tuple[str, str]] | None = None,
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
        "typed": typed or [],
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


def _typed(form: forms.BaseForm) -> list[tuple[str, str]]:
    """What the user entered in a valid decision form, as (label, text) for
    each visible field they filled in: the text as typed, a choice by its
    label."""
    typed = []
    for field in form:
        if field.is_hidden:
            continue
        value = form.cleaned_data.get(field.name)
        if isinstance(field.field, forms.ModelMultipleChoiceField):
            text = ", ".join(str(choice) for choice in value or ())
        elif isinstance(field.field, forms.ModelChoiceField):
            text = str(value) if value is not None else ""
        elif isinstance(field.field, forms.ChoiceField):
            labels = dict(field.field.choices)
            text = str(labels.get(value, value) if value not in (None, "") else "")
        else:
            raw = field.value()
            text = "" if raw is None else str(raw)
        if text.strip():
            typed.append((str(field.label), text))
    return typed


def _conflict(
    request: HttpRequest,
    procurement: Procurement,
    item: Input,
    error: services.TriageConflict,
    decision: str,
    form: forms.BaseForm,
) -> HttpResponse:
    """The input as it is now (409), what the other user decided, and what
    this user entered for their decision, so they can copy or re-apply it.
    When the input is new again, that decision's form is filled in with it."""
    current = selectors.input_for_procurement(procurement, error.input.pk)
    bound = None
    is_new = current.status == Input.Status.NEW
    if decision in DECISION_FORMS and is_new != (decision == "reopen"):
        # The form for this decision is on the page: fill it in with what
        # the user entered, against the input's current version.
        kwargs = {
            "input": current,
            "prefix": decision,
            "initial": {
                name: form.data.get(form.add_prefix(name), "")
                for name in form.fields
                if name != "version"
            },
        }
        if decision in ("link", "duplicate"):
            kwargs["procurement"] = procurement
        bound = {decision: DECISION_FORMS[decision](**kwargs)}
    return _detail_page(
        request,
        procurement,
        current,
        bound=bound,
        conflict=current,
        attempted=str(DECISION_LABELS[decision]),
        typed=_typed(form),
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
                return _conflict(request, procurement, item, error, name, form)
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
            return _conflict(request, procurement, item, error, "accept", form)
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
