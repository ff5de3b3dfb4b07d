"""Workshop pages, all under /procurements/<pk>/ (namespace "workshops")."""

from workshops.views import capture, dashboards, triage, workshops

app_name = "workshops"

urlpatterns = [
    *workshops.urlpatterns,
    *capture.urlpatterns,
    *triage.urlpatterns,
    *dashboards.urlpatterns,
]
