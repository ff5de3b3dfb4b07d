from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkshopsConfig(AppConfig):
    name = "workshops"
    verbose_name = _("Workshops")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The Reports page and the management dashboard of a procurement list
        # what this app contributes (see procurement.contributions).
        from workshops import dashboard_panels, report_list  # noqa: F401
