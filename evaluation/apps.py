from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "evaluation"
    verbose_name = _("Evaluation")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The Reports page and the management dashboard of a procurement list
        # what this app contributes (see procurement.contributions).
        from evaluation.reports import dashboard_panels, report_list  # noqa: F401
