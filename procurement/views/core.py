"""Core pages: dashboard, organisations, programme, option agreements,
announcements and procurements. Views are thin: check access, validate a form,
call a service, redirect."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from procurement import selectors, services
from procurement.access import (
    can_edit_procurement,
    can_edit_programme,
    get_procurement_for_user,
    require_programme_editor,
)
from procurement.charts import horizontal_bar_chart
from procurement.filters import (
    OptionAgreementFilter,
    OrganisationFilter,
    ProcurementFilter,
)
from procurement.forms import (
    AnnouncementForm,
    KeyDateFormSet,
    OptionAgreementForm,
    OrganisationForm,
    ProcurementForm,
    ProgrammeForm,
)
from procurement.models import Announcement, OptionAgreement, Organisation, Programme
from procurement.tables import (
    CappedPaginationMixin,
    OptionAgreementTable,
    OrganisationTable,
    ProcurementTable,
)
from procurement.tenders.access import can_read_tenders

FORM_METHODS = ["GET", "POST"]


def _saved(request: HttpRequest, obj) -> None:
    messages.success(request, _("Saved: %(object)s") % {"object": obj})


def login_locked_out(request: HttpRequest, original_response=None, credentials=None):
    """Shown instead of the login form while a login is locked (django-axes)."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(
        request,
        "registration/locked_out.html",
        {"cooloff_minutes": minutes, "failure_limit": settings.AXES_FAILURE_LIMIT},
        status=429,
    )


# Dashboard ------------------------------------------------------------------


@require_safe
def dashboard(request: HttpRequest) -> HttpResponse:
    by_level = selectors.organisations_by_level()
    options = selectors.option_agreements_by_status()
    programmes = Programme.objects.order_by("name")
    context = {
        "organisations_by_level": by_level,
        "organisation_total": sum(figure.count for figure in by_level),
        "options_by_status": options,
        "option_total": sum(figure.count for figure in options),
        "options_chart": horizontal_bar_chart(
            [(str(figure.label), figure.count) for figure in options],
            title=_("Option agreements by status"),
        ),
        "procurements": selectors.procurement_list(user=request.user).order_by(
            "reference"
        ),
        "announcements": selectors.latest_announcements(),
        "programmes": programmes,
    }
    return render(request, "procurement/dashboard.html", context)


# Organisations ----------------------------------------------------------------


class OrganisationListView(CappedPaginationMixin, SingleTableMixin, FilterView):
    table_class = OrganisationTable
    filterset_class = OrganisationFilter
    template_name = "procurement/organisation_list.html"

    def get_queryset(self):
        return selectors.organisation_list(user=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_edit"] = can_edit_programme(self.request.user)
        return context


organisation_list = require_safe(OrganisationListView.as_view())


@require_safe
def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = get_object_or_404(
        selectors.organisation_list(user=request.user), pk=pk
    )
    context = {
        "organisation": organisation,
        "children": organisation.children.order_by("name"),
        "option_agreements": organisation.option_agreements.select_related("programme"),
        "owned_programmes": organisation.owned_programmes.order_by("name"),
        "can_edit": can_edit_programme(request.user),
    }
    return render(request, "procurement/organisation_detail.html", context)


@require_http_methods(FORM_METHODS)
def organisation_create(request: HttpRequest) -> HttpResponse:
    require_programme_editor(request.user)
    form = OrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        organisation = services.organisation_create(
            by=request.user, **form.cleaned_data
        )
        _saved(request, organisation)
        return redirect(organisation)
    return render(
        request,
        "procurement/form.html",
        {
            "form": form,
            "title": _("New organisation"),
            "cancel_url": "procurement:organisation-list",
        },
    )


@require_http_methods(FORM_METHODS)
def organisation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = get_object_or_404(
        selectors.organisation_list(user=request.user), pk=pk
    )
    require_programme_editor(request.user)
    form = OrganisationForm(request.POST or None, instance=organisation)
    if request.method == "POST" and form.is_valid():
        # The form has already set the fields on the instance; reload so that
        # the service sees the stored values and records what changed.
        stored = Organisation.objects.get(pk=organisation.pk)
        services.organisation_update(
            organisation=stored, by=request.user, **form.cleaned_data
        )
        _saved(request, stored)
        return redirect(stored)
    return render(
        request,
        "procurement/form.html",
        {
            "form": form,
            "title": _("Edit %(name)s") % {"name": organisation.name},
            "cancel_object": organisation,
        },
    )


# Programme and option agreements ------------------------------------------------


class ProgrammeDetailView(CappedPaginationMixin, SingleTableMixin, FilterView):
    table_class = OptionAgreementTable
    filterset_class = OptionAgreementFilter
    template_name = "procurement/programme_detail.html"

    def dispatch(self, request, *args, **kwargs):
        self.programme = get_object_or_404(Programme, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        return self.programme.option_agreements.select_related("organisation")

    def get_table_kwargs(self):
        if can_edit_programme(self.request.user):
            return {}
        return {"exclude": ("edit",)}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        options = selectors.option_agreements_by_status(self.programme)
        context.update(
            programme=self.programme,
            owners=self.programme.owners.order_by("name"),
            procurements=selectors.procurement_list(user=self.request.user).filter(
                programme=self.programme
            ),
            options_by_status=options,
            options_chart=horizontal_bar_chart(
                [(str(figure.label), figure.count) for figure in options],
                title=_("Option agreements by status"),
            ),
            can_edit=can_edit_programme(self.request.user),
        )
        return context


programme_detail = require_safe(ProgrammeDetailView.as_view())


@require_safe
def programme_list(request: HttpRequest) -> HttpResponse:
    programmes = Programme.objects.annotate(
        option_count=Count("option_agreements", distinct=True),
        procurement_count=Count("procurements", distinct=True),
    ).order_by("name")
    if len(programmes) == 1:
        return redirect(programmes[0])
    return render(
        request, "procurement/programme_list.html", {"programmes": programmes}
    )


@require_http_methods(FORM_METHODS)
def programme_edit(request: HttpRequest, pk: int) -> HttpResponse:
    programme = get_object_or_404(Programme, pk=pk)
    require_programme_editor(request.user)
    form = ProgrammeForm(request.POST or None, instance=programme)
    if request.method == "POST" and form.is_valid():
        stored = Programme.objects.get(pk=programme.pk)
        data = dict(form.cleaned_data)
        services.programme_update(
            programme=stored, by=request.user, owners=data.pop("owners"), **data
        )
        _saved(request, stored)
        return redirect(stored)
    return render(
        request,
        "procurement/form.html",
        {
            "form": form,
            "title": _("Edit %(name)s") % {"name": programme.name},
            "cancel_object": programme,
        },
    )


@require_http_methods(FORM_METHODS)
def option_agreement_create(request: HttpRequest, pk: int) -> HttpResponse:
    programme = get_object_or_404(Programme, pk=pk)
    require_programme_editor(request.user)
    form = OptionAgreementForm(request.POST or None, programme=programme)
    if request.method == "POST" and form.is_valid():
        agreement = services.option_agreement_save(
            by=request.user, programme=programme, **form.cleaned_data
        )
        _saved(request, agreement)
        return redirect(programme)
    return render(
        request,
        "procurement/form.html",
        {"form": form, "title": _("New option agreement"), "cancel_object": programme},
    )


@require_http_methods(FORM_METHODS)
def option_agreement_edit(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = get_object_or_404(
        OptionAgreement.objects.select_related("programme", "organisation"), pk=pk
    )
    require_programme_editor(request.user)
    form = OptionAgreementForm(
        request.POST or None, instance=agreement, programme=agreement.programme
    )
    if request.method == "POST" and form.is_valid():
        stored = OptionAgreement.objects.get(pk=agreement.pk)
        services.option_agreement_save(
            by=request.user, agreement=stored, **form.cleaned_data
        )
        _saved(request, stored)
        return redirect(agreement.programme)
    return render(
        request,
        "procurement/form.html",
        {
            "form": form,
            "title": _("Option agreement: %(name)s")
            % {"name": agreement.organisation.name},
            "cancel_object": agreement.programme,
        },
    )


# Announcements -------------------------------------------------------------------


@require_safe
def announcement_list(request: HttpRequest) -> HttpResponse:
    announcements = Announcement.objects.select_related("programme")
    return render(
        request,
        "procurement/announcement_list.html",
        {"announcements": announcements, "can_edit": can_edit_programme(request.user)},
    )


@require_safe
def announcement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    announcement = get_object_or_404(
        Announcement.objects.select_related("programme"), pk=pk
    )
    return render(
        request,
        "procurement/announcement_detail.html",
        {"announcement": announcement, "can_edit": can_edit_programme(request.user)},
    )


@require_http_methods(FORM_METHODS)
def announcement_create(request: HttpRequest) -> HttpResponse:
    require_programme_editor(request.user)
    initial = {}
    if Programme.objects.count() == 1:
        initial["programme"] = Programme.objects.get()
    form = AnnouncementForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        announcement = services.announcement_save(by=request.user, **form.cleaned_data)
        _saved(request, announcement)
        return redirect(announcement)
    return render(
        request,
        "procurement/form.html",
        {
            "form": form,
            "title": _("New announcement"),
            "cancel_url": "procurement:announcement-list",
        },
    )


@require_http_methods(FORM_METHODS)
def announcement_edit(request: HttpRequest, pk: int) -> HttpResponse:
    announcement = get_object_or_404(Announcement, pk=pk)
    require_programme_editor(request.user)
    form = AnnouncementForm(request.POST or None, instance=announcement)
    if request.method == "POST" and form.is_valid():
        stored = Announcement.objects.get(pk=announcement.pk)
        services.announcement_save(
            by=request.user, announcement=stored, **form.cleaned_data
        )
        _saved(request, stored)
        return redirect(stored)
    return render(
        request,
        "procurement/form.html",
        {"form": form, "title": _("Edit announcement"), "cancel_object": announcement},
    )


# Procurements ----------------------------------------------------------------------


class ProcurementListView(CappedPaginationMixin, SingleTableMixin, FilterView):
    table_class = ProcurementTable
    filterset_class = ProcurementFilter
    template_name = "procurement/procurement_list.html"

    def get_queryset(self):
        return selectors.procurement_list(user=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_create"] = can_edit_programme(self.request.user)
        return context


procurement_list = require_safe(ProcurementListView.as_view())


@require_safe
def procurement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    procurement = get_procurement_for_user(request.user, pk)
    memberships = selectors.memberships_of(procurement)
    context = {
        "procurement": procurement,
        "key_dates": procurement.key_dates.all(),
        "memberships": memberships,
        "events": procurement.events.select_related("actor")[:10],
        "can_edit": can_edit_procurement(request.user, procurement),
        "can_read_tenders": can_read_tenders(request.user, procurement),
    }
    return render(request, "procurement/procurement_detail.html", context)


def _key_date_initial(procurement) -> list[dict]:
    if procurement is None:
        return []
    return [{"date": kd.date, "label": kd.label} for kd in procurement.key_dates.all()]


def _procurement_form_page(request: HttpRequest, procurement=None) -> HttpResponse:
    form = ProcurementForm(request.POST or None, instance=procurement)
    key_dates = KeyDateFormSet(
        request.POST or None, initial=_key_date_initial(procurement), prefix="dates"
    )
    if request.method == "POST" and form.is_valid() and key_dates.is_valid():
        dates = [
            (row["date"], row["label"])
            for row in key_dates.cleaned_data
            if row and not row.get("DELETE") and row.get("date")
        ]
        stored = None
        if procurement is not None:
            stored = type(procurement).objects.get(pk=procurement.pk)
        saved = services.procurement_save(
            by=request.user, procurement=stored, key_dates=dates, **form.cleaned_data
        )
        _saved(request, saved)
        return redirect(saved)
    title = (
        _("Edit %(reference)s") % {"reference": procurement.reference}
        if procurement
        else _("New procurement")
    )
    return render(
        request,
        "procurement/procurement_form.html",
        {
            "form": form,
            "key_dates": key_dates,
            "title": title,
            "procurement": procurement,
        },
    )


@require_http_methods(FORM_METHODS)
def procurement_create(request: HttpRequest) -> HttpResponse:
    if not can_edit_programme(request.user):
        raise PermissionDenied
    return _procurement_form_page(request)


@require_http_methods(FORM_METHODS)
def procurement_edit(request: HttpRequest, pk: int) -> HttpResponse:
    procurement = get_procurement_for_user(request.user, pk, write=True)
    return _procurement_form_page(request, procurement)
