"""Kravspor's URLs: the core pages under app_name "procurement", plus login,
language switch and the admin."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from procurement.views import core as views
from procurement.views import (
    feedback,
    procurement_dashboard,
    reports,
    spec_excel,
    spec_pdf,
    spec_reqif,
    specification,
    tenders,
)

core_patterns = [
    # /
    path("", views.dashboard, name="dashboard"),
    # /organisations/
    path("organisations/", views.organisation_list, name="organisation-list"),
    path("organisations/new/", views.organisation_create, name="organisation-create"),
    path(
        "organisations/<int:pk>/", views.organisation_detail, name="organisation-detail"
    ),
    path(
        "organisations/<int:pk>/edit/",
        views.organisation_edit,
        name="organisation-edit",
    ),
    # /programmes/
    path("programmes/", views.programme_list, name="programme-list"),
    path("programmes/<int:pk>/", views.programme_detail, name="programme-detail"),
    path("programmes/<int:pk>/edit/", views.programme_edit, name="programme-edit"),
    path(
        "programmes/<int:pk>/options/new/",
        views.option_agreement_create,
        name="option-create",
    ),
    path("options/<int:pk>/edit/", views.option_agreement_edit, name="option-edit"),
    # /announcements/
    path("announcements/", views.announcement_list, name="announcement-list"),
    path("announcements/new/", views.announcement_create, name="announcement-create"),
    path(
        "announcements/<int:pk>/", views.announcement_detail, name="announcement-detail"
    ),
    path(
        "announcements/<int:pk>/edit/",
        views.announcement_edit,
        name="announcement-edit",
    ),
    # /procurements/
    path("procurements/", views.procurement_list, name="procurement-list"),
    path("procurements/new/", views.procurement_create, name="procurement-create"),
    path("procurements/<int:pk>/", views.procurement_detail, name="procurement-detail"),
    path(
        "procurements/<int:pk>/edit/", views.procurement_edit, name="procurement-edit"
    ),
    # /procurements/<pk>/spec/, requirements/, baselines/ and the documents
    path("procurements/<int:pk>/", include(specification.urlpatterns)),
    path("procurements/<int:pk>/", include(spec_excel.urlpatterns)),
    path("procurements/<int:pk>/", include(spec_reqif.urlpatterns)),
    path("procurements/<int:pk>/", include(spec_pdf.urlpatterns)),
    # /procurements/<pk>/rounds/, tenders/
    path("procurements/<int:pk>/", include(tenders.urlpatterns)),
    # /procurements/<pk>/dashboard/
    path("procurements/<int:pk>/", include(procurement_dashboard.urlpatterns)),
    # /procurements/<pk>/reports/ and /report-downloads/
    path("procurements/<int:pk>/", include(reports.urlpatterns)),
    *reports.core_urlpatterns,
    # /feedback/
    *feedback.urlpatterns,
]

urlpatterns = [
    path("", include((core_patterns, "procurement"))),
    # The workshop and evaluation apps hang under one procurement; the
    # project's URLconf is the one place that names them.
    path("procurements/<int:pk>/", include("workshops.urls")),
    path("procurements/<int:pk>/", include("evaluation.urls")),
    # /accounts/
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # /i18n/setlang/ works before login too, so the login page can switch.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("admin/", admin.site.urls),
]
