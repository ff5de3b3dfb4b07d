"""The management dashboard of one procurement: where it stands, what its
specification holds, how triage and evaluation are coming along and, once
released, the results.

The panels come from the apps through ``procurement.contributions`` (the
procurement imports neither workshops nor evaluation); each provider returns
only what the user may see. Read-only: everyone who may see the procurement
may open it, strangers get 404.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import path
from django.views.decorators.http import require_safe

from procurement.access import get_procurement_for_user
from procurement.contributions import dashboard_panels_for

# /procurements/<pk>/dashboard/ ------------------------------------------------


@require_safe
def procurement_dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    procurement = get_procurement_for_user(request.user, pk)
    panels = [
        (
            panel,
            render_to_string(
                panel.template,
                {**panel.context, "procurement": procurement},
                request=request,
            ),
        )
        for panel in dashboard_panels_for(request.user, procurement)
    ]
    return render(
        request,
        "procurement/dashboard/procurement_dashboard.html",
        {"procurement": procurement, "panels": panels},
    )


urlpatterns = [
    # /procurements/<pk>/dashboard/
    path("dashboard/", procurement_dashboard, name="procurement-dashboard"),
]
