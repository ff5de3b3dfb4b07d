"""The "Did you find what you were looking for?" box on every page, and the
administrators' list of what came in."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from procurement.access import is_administrator
from procurement.filters import PageFeedbackFilter
from procurement.forms import PageFeedbackForm
from procurement.models import PageFeedback
from procurement.services.feedback import feedback_submit
from procurement.tables import CappedPaginationMixin, PageFeedbackTable


def _safe_path(request: HttpRequest, value: str) -> str:
    if value.startswith("/") and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return "/"


@require_POST
def feedback_submit_view(request: HttpRequest) -> HttpResponse:
    form = PageFeedbackForm(request.POST)
    if form.is_valid():
        back = _safe_path(request, form.cleaned_data["path"])
        try:
            feedback_submit(
                path=back,
                found=form.cleaned_data["found"],
                comment=form.cleaned_data["comment"],
                language=get_language() or "",
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Thank you for your feedback."))
            return redirect(back)
    # Shown on its own page so that nothing typed is lost.
    return render(
        request,
        "procurement/feedback_form.html",
        {"form": form, "back": _safe_path(request, request.POST.get("path", "/"))},
        status=400,
    )


class PageFeedbackListView(CappedPaginationMixin, SingleTableMixin, FilterView):
    table_class = PageFeedbackTable
    filterset_class = PageFeedbackFilter
    template_name = "procurement/feedback_list.html"

    def dispatch(self, request, *args, **kwargs):
        if not is_administrator(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        return PageFeedback.objects.all()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["per_page"] = (
            self.filterset.qs.order_by()
            .values("path")
            .annotate(
                answers=Count("pk"),
                found_it=Count("pk", filter=Q(found=True)),
                not_found=Count("pk", filter=Q(found=False)),
                comments=Count("pk", filter=~Q(comment="")),
            )
            .order_by("-not_found", "-answers", "path")[:20]
        )
        return context


feedback_list = PageFeedbackListView.as_view()


def feedback(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return feedback_submit_view(request)
    if request.method in ("GET", "HEAD"):
        return feedback_list(request)
    return HttpResponse(status=405, headers={"Allow": "GET, HEAD, POST"})


urlpatterns = [
    # /feedback/ — POST from the box on every page; GET lists it (administrators)
    path("feedback/", feedback, name="feedback"),
]
