"""The requirement specification: the section tree, the requirement list with
bulk actions, requirement detail with history, create and edit, status steps,
baselines and the comparison of any two states."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
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
from procurement.filters import RequirementFilter
from procurement.forms import (
    BaselineForm,
    BulkActionForm,
    RequirementForm,
    RequirementStatusForm,
    SectionForm,
)
from procurement.models import (
    Baseline,
    Procurement,
    Requirement,
    RequirementLink,
    RequirementStakeholder,
    Section,
    Tag,
)
from procurement.selectors.specification import (
    baseline_snapshots,
    current_snapshots,
    latest_baseline,
    section_tree,
)
from procurement.services import specification as spec
from procurement.spec_compare import compare, compare_requirement
from procurement.tables import CappedPaginationMixin, RequirementTable

FORM_METHODS = ["GET", "POST"]

# Labels of the fields a baseline keeps, for the comparison pages.
FIELD_LABELS = {
    "section_number": gettext_lazy("Section number"),
    "section_title": gettext_lazy("Section title"),
    "title": gettext_lazy("Title"),
    "description": gettext_lazy("Need / description"),
    "response_instructions": gettext_lazy("Response instructions"),
    "kind": gettext_lazy("Kind"),
    "weight": gettext_lazy("Weight"),
    "status": gettext_lazy("Status"),
    "rationale": gettext_lazy("Rationale"),
    "tags": gettext_lazy("Tags"),
    "stakeholders": gettext_lazy("Stakeholders"),
}


def _requirement(procurement: Procurement, rid: int) -> Requirement:
    return get_object_or_404(
        Requirement.objects.select_related("section", "status_changed_by"),
        procurement=procurement,
        pk=rid,
    )


def procurement_url(procurement: Procurement, name: str) -> str:
    return reverse(f"procurement:{name}", kwargs={"pk": procurement.pk})


def _baseline(procurement: Procurement, value: str | int | None) -> Baseline | None:
    if value in (None, "", "today"):
        return None
    try:
        return procurement.baselines.get(pk=int(value))
    except (ValueError, TypeError, Baseline.DoesNotExist) as exc:
        raise Http404 from exc


# Tree ---------------------------------------------------------------------------


@require_safe
def spec_tree(request: HttpRequest, pk: int) -> HttpResponse:
    procurement = get_procurement_for_user(request.user, pk)
    tree = section_tree(procurement)
    kinds = Requirement.Kind.choices
    totals = {kind: sum(row["by_kind"][kind] for row in tree) for kind, _ in kinds}
    baseline = latest_baseline(procurement)
    changed = 0
    if baseline is not None:
        changed = (
            Requirement.objects.filter(procurement=procurement)
            .with_changed_since(baseline)
            .filter(changed_since_baseline=True)
            .count()
        )
    return render(
        request,
        "procurement/spec_tree.html",
        {
            "procurement": procurement,
            "tree": tree,
            "kinds": kinds,
            "totals": totals,
            "total": sum(totals.values()),
            "baseline": baseline,
            "changed_count": changed,
            "can_edit": can_edit_procurement(request.user, procurement),
        },
    )


@require_http_methods(FORM_METHODS)
def section_edit(request: HttpRequest, pk: int, sid: int | None = None) -> HttpResponse:
    procurement = get_procurement_for_user(request.user, pk, write=True)
    section = None
    if sid is not None:
        section = get_object_or_404(Section, procurement=procurement, pk=sid)
    initial = {}
    if section is None and request.GET.get("parent"):
        parent = Section.objects.filter(
            procurement=procurement, pk=request.GET["parent"]
        ).first()
        if parent:
            initial["parent"] = parent
            initial["number"] = f"{parent.number}.{parent.children.count() + 1}"
    form = SectionForm(
        request.POST or None, instance=section, procurement=procurement, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
        stored = Section.objects.get(pk=section.pk) if section else None
        saved = spec.section_save(
            by=request.user, procurement=procurement, section=stored, **fields
        )
        messages.success(request, _("Saved: %(object)s") % {"object": saved})
        return redirect("procurement:spec", pk=procurement.pk)
    return render(
        request,
        "procurement/spec_form.html",
        {
            "procurement": procurement,
            "form": form,
            "title": _("Edit section %(number)s") % {"number": section.number}
            if section
            else _("New section"),
            "cancel_url": procurement_url(procurement, "spec"),
        },
    )


# Requirement list and bulk actions -------------------------------------------------


class RequirementListView(CappedPaginationMixin, SingleTableMixin, FilterView):
    table_class = RequirementTable
    filterset_class = RequirementFilter
    template_name = "procurement/requirement_list.html"

    def dispatch(self, request, *args, **kwargs):
        self.procurement = get_procurement_for_user(request.user, kwargs["pk"])
        self.baseline = latest_baseline(self.procurement)
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        return (
            Requirement.objects.filter(procurement=self.procurement)
            .select_related("section")
            .prefetch_related("tags")
            .with_changed_since(self.baseline)
        )

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        kwargs["procurement"] = self.procurement
        return kwargs

    def get_table_kwargs(self):
        if can_edit_procurement(self.request.user, self.procurement):
            return {}
        return {"exclude": ("selected",)}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        can_edit = can_edit_procurement(self.request.user, self.procurement)
        context.update(
            procurement=self.procurement,
            baseline=self.baseline,
            can_edit=can_edit,
            bulk_form=BulkActionForm(procurement=self.procurement)
            if can_edit
            else None,
        )
        return context


requirement_list = require_safe(RequirementListView.as_view())


@require_POST
def requirement_bulk(request: HttpRequest, pk: int) -> HttpResponse:
    procurement = get_procurement_for_user(request.user, pk, write=True)
    form = BulkActionForm(request.POST, procurement=procurement)
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = procurement_url(procurement, "requirement-list")
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    try:
        changed = spec.requirements_bulk(
            by=request.user,
            requirements=list(form.cleaned_data["selected"]),
            action=form.cleaned_data["action"],
            status=form.cleaned_data.get("status") or "",
            section=form.cleaned_data.get("section"),
            tag=form.cleaned_data.get("tag") or "",
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(back)
    messages.success(request, _("%(count)s requirements changed.") % {"count": changed})
    return redirect(back)


# One requirement --------------------------------------------------------------------


HISTORY_FIELDS = [
    "section",
    "title",
    "description",
    "response_instructions",
    "kind",
    "weight",
    "status",
    "rationale",
    "tags",
]


def _history_entries(requirement: Requirement) -> list[dict]:
    """Newest first: who, when, and each field that changed with a word diff."""
    from procurement.spec_compare import list_diff, word_diff

    records = list(
        requirement.history.select_related("history_user").order_by(
            "history_date", "history_id"
        )
    )
    sections = dict(
        Section.objects.filter(procurement=requirement.procurement).values_list(
            "pk", "number"
        )
    )
    tag_names = dict(
        Tag.objects.filter(procurement=requirement.procurement).values_list(
            "pk", "name"
        )
    )
    labels = {
        field.name: field.verbose_name
        for field in Requirement._meta.get_fields()
        if hasattr(field, "verbose_name")
    }
    entries = []
    previous = None
    for record in records:
        changes = []
        if previous is not None:
            delta = record.diff_against(previous, included_fields=HISTORY_FIELDS)
            for change in delta.changes:
                old, new = change.old, change.new
                if change.field == "section":
                    old, new = sections.get(old, old), sections.get(new, new)
                elif change.field == "tags":
                    old = sorted(tag_names.get(item["tag"], "?") for item in old or [])
                    new = sorted(tag_names.get(item["tag"], "?") for item in new or [])
                    if old != new:
                        changes.append(
                            {
                                "label": labels.get(change.field, change.field),
                                "diff": list_diff(old, new),
                            }
                        )
                    continue
                old_text = "" if old is None else str(old)
                new_text = "" if new is None else str(new)
                changes.append(
                    {
                        "label": labels.get(change.field, change.field),
                        "diff": word_diff(old_text, new_text),
                    }
                )
            if not changes:
                previous = record
                continue
        entries.append(
            {
                "record": record,
                "created": previous is None,
                "changes": changes,
            }
        )
        previous = record
    entries.reverse()
    return entries


@require_safe
def requirement_detail(request: HttpRequest, pk: int, rid: int) -> HttpResponse:
    procurement = get_procurement_for_user(request.user, pk)
    requirement = _requirement(procurement, rid)
    # The origins section shows each workshop input with its workshop and
    # raising organisations (named by relation: procurement does not import
    # workshops).
    prefetch_related_objects(
        [requirement],
        "origin_inputs__workshop",
        "origin_inputs__raised_by_organisations",
    )
    baseline = latest_baseline(procurement)
    baseline_changes = None
    in_baseline = False
    if baseline is not None:
        item = baseline.items.filter(key=requirement.key).values().first()
        in_baseline = item is not None
        if item is not None and item["content_hash"] != requirement.content_hash:
            baseline_changes = compare_requirement(item, requirement.snapshot())
    can_edit = can_edit_procurement(request.user, procurement)
    return render(
        request,
        "procurement/requirement_detail.html",
        {
            "procurement": procurement,
            "requirement": requirement,
            "stakeholders": requirement.stakeholder_links.select_related(
                "organisation"
            ),
            "tags": requirement.tags.all(),
            "links_out": RequirementLink.objects.filter(
                source=requirement
            ).select_related("target"),
            "links_in": RequirementLink.objects.filter(
                target=requirement
            ).select_related("source"),
            "history": _history_entries(requirement),
            "baseline": baseline,
            "in_baseline": in_baseline,
            "baseline_changes": baseline_changes,
            "field_labels": FIELD_LABELS,
            "transitions": [
                (status, Requirement.Status(status).label)
                for status in spec.TRANSITIONS[requirement.status]
            ]
            if can_edit
            else [],
            "can_edit": can_edit,
        },
    )


def _requirement_form_page(
    request: HttpRequest, procurement: Procurement, requirement: Requirement | None
) -> HttpResponse:
    initial = {}
    if requirement is None and request.GET.get("section"):
        initial["section"] = Section.objects.filter(
            procurement=procurement, pk=request.GET["section"]
        ).first()
    form = RequirementForm(
        request.POST or None,
        instance=requirement,
        procurement=procurement,
        initial=initial,
    )
    conflict = None
    if request.method == "POST" and form.is_valid():
        fields = form.service_fields()
        try:
            if requirement is None:
                saved = spec.requirement_create(
                    by=request.user,
                    procurement=procurement,
                    tags=form.cleaned_data["tags_text"],
                    stakeholders=form.stakeholders(),
                    **fields,
                )
            else:
                saved = spec.requirement_update(
                    by=request.user,
                    requirement=requirement,
                    expected_version=form.cleaned_data.get("version"),
                    tags=form.cleaned_data["tags_text"],
                    stakeholders=form.stakeholders(),
                    **fields,
                )
        except spec.ConcurrentEditError as error:
            conflict = error.requirement
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Saved: %(object)s") % {"object": saved})
            return redirect(saved)
    return render(
        request,
        "procurement/requirement_form.html",
        {
            "procurement": procurement,
            "requirement": requirement,
            "form": form,
            "conflict": conflict,
            "title": _("Edit %(key)s") % {"key": requirement.key}
            if requirement
            else _("New requirement"),
        },
        status=409 if conflict else 200,
    )


@require_http_methods(FORM_METHODS)
def requirement_create(request: HttpRequest, pk: int) -> HttpResponse:
    procurement = get_procurement_for_user(request.user, pk, write=True)
    if not procurement.sections.exists():
        messages.error(
            request, _("Create a section first; every requirement sits in one.")
        )
        return redirect("procurement:section-create", pk=procurement.pk)
    return _requirement_form_page(request, procurement, None)


@require_http_methods(FORM_METHODS)
def requirement_edit(request: HttpRequest, pk: int, rid: int) -> HttpResponse:
    procurement = get_procurement_for_user(request.user, pk, write=True)
    requirement = get_object_or_404(
        Requirement.objects.prefetch_related(
            "tags",
            Prefetch(
                "stakeholder_links",
                queryset=RequirementStakeholder.objects.select_related("organisation"),
            ),
        ),
        procurement=procurement,
        pk=rid,
    )
    return _requirement_form_page(request, procurement, requirement)


@require_POST
def requirement_status(request: HttpRequest, pk: int, rid: int) -> HttpResponse:
    procurement = get_procurement_for_user(request.user, pk, write=True)
    requirement = _requirement(procurement, rid)
    form = RequirementStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a valid status."))
        return redirect(requirement)
    try:
        spec.requirement_set_status(
            by=request.user,
            requirement=requirement,
            status=form.cleaned_data["status"],
            expected_version=form.cleaned_data["version"],
        )
    except spec.ConcurrentEditError:
        messages.error(
            request,
            _(
                "Someone else changed %(key)s while you were reading it; nothing was "
                "changed. Here is the current version."
            )
            % {"key": requirement.key},
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("%(key)s is now %(status)s.")
            % {
                "key": requirement.key,
                "status": Requirement.Status(form.cleaned_data["status"]).label,
            },
        )
    return redirect(requirement)


# Baselines and comparison -------------------------------------------------------------


@require_safe
def baseline_list(request: HttpRequest, pk: int) -> HttpResponse:
    procurement = get_procurement_for_user(request.user, pk)
    can_edit = can_edit_procurement(request.user, procurement)
    return render(
        request,
        "procurement/baseline_list.html",
        {
            "procurement": procurement,
            "baselines": procurement.baselines.select_related("published_by"),
            "form": BaselineForm(procurement=procurement) if can_edit else None,
            "can_edit": can_edit,
        },
    )


@require_POST
def baseline_publish(request: HttpRequest, pk: int) -> HttpResponse:
    procurement = get_procurement_for_user(request.user, pk, write=True)
    form = BaselineForm(request.POST, procurement=procurement)
    if form.is_valid():
        baseline = spec.baseline_publish(
            by=request.user,
            procurement=procurement,
            label=form.cleaned_data["label"],
            description=form.cleaned_data["description"],
        )
        messages.success(
            request,
            _("Baseline %(label)s published with %(count)s requirements.")
            % {"label": baseline.label, "count": baseline.requirement_count},
        )
        return redirect(baseline)
    return render(
        request,
        "procurement/baseline_list.html",
        {
            "procurement": procurement,
            "baselines": procurement.baselines.select_related("published_by"),
            "form": form,
            "can_edit": True,
        },
        status=400,
    )


@require_safe
def baseline_detail(request: HttpRequest, pk: int, bid: int) -> HttpResponse:
    procurement = get_procurement_for_user(request.user, pk)
    baseline = _baseline(procurement, bid)
    items = baseline.items.order_by("section_sort_key", "key")
    return render(
        request,
        "procurement/baseline_detail.html",
        {
            "procurement": procurement,
            "baseline": baseline,
            "items": items,
            "others": procurement.baselines.exclude(pk=baseline.pk),
        },
    )


@require_safe
def spec_compare(request: HttpRequest, pk: int) -> HttpResponse:
    procurement = get_procurement_for_user(request.user, pk)
    baselines = list(procurement.baselines.all())
    if not baselines:
        messages.info(request, _("Publish a baseline first; then you can compare."))
        return redirect("procurement:baseline-list", pk=procurement.pk)
    old_value = request.GET.get("from") or str(baselines[0].pk)
    new_value = request.GET.get("to") or "today"
    old = _baseline(procurement, old_value)
    new = _baseline(procurement, new_value)
    old_items = baseline_snapshots(old) if old else current_snapshots(procurement)
    new_items = baseline_snapshots(new) if new else current_snapshots(procurement)
    result = compare(old_items, new_items)
    return render(
        request,
        "procurement/spec_compare.html",
        {
            "procurement": procurement,
            "baselines": baselines,
            "old": old,
            "new": new,
            "old_value": old_value if old else "today",
            "new_value": new_value if new else "today",
            "result": result,
            "field_labels": FIELD_LABELS,
        },
    )


urlpatterns = [
    path("spec/", spec_tree, name="spec"),
    path("spec/sections/new/", section_edit, name="section-create"),
    path("spec/sections/<int:sid>/edit/", section_edit, name="section-edit"),
    path("spec/compare/", spec_compare, name="spec-compare"),
    path("requirements/", requirement_list, name="requirement-list"),
    path("requirements/bulk/", requirement_bulk, name="requirement-bulk"),
    path("requirements/new/", requirement_create, name="requirement-create"),
    path("requirements/<int:rid>/", requirement_detail, name="requirement-detail"),
    path("requirements/<int:rid>/edit/", requirement_edit, name="requirement-edit"),
    path(
        "requirements/<int:rid>/status/", requirement_status, name="requirement-status"
    ),
    path("baselines/", baseline_list, name="baseline-list"),
    path("baselines/publish/", baseline_publish, name="baseline-publish"),
    path("baselines/<int:bid>/", baseline_detail, name="baseline-detail"),
]
