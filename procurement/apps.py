from django.apps import AppConfig
from django.core import checks
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

# What the administrators group may manage in the admin (users, organisations,
# memberships and the rest of the core); permissions exist only after migrate.
# Not "evaluation": blind scoring means no one, administrators included, reads
# individual scores outside the evaluation's own rules.
ADMINISTRATOR_APPS = ("auth", "procurement", "workshops", "axes")


def grant_administrator_permissions(sender, using="default", **kwargs) -> None:
    from django.contrib.auth.models import Group, Permission

    from procurement.models import ADMINISTRATORS_GROUP, PROGRAMME_STAFF_GROUP

    administrators, _ = Group.objects.using(using).get_or_create(
        name=ADMINISTRATORS_GROUP
    )
    Group.objects.using(using).get_or_create(name=PROGRAMME_STAFF_GROUP)
    permissions = Permission.objects.using(using).filter(
        content_type__app_label__in=ADMINISTRATOR_APPS
    )
    administrators.permissions.add(*permissions)


def check_safe_xml_parsing(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """Spreadsheets must be parsed with defusedxml (and lxml for speed)."""
    from openpyxl import xml

    problems = []
    if not xml.DEFUSEDXML:
        problems.append(
            checks.Error(
                "openpyxl does not use defusedxml; install defusedxml.",
                id="kravspor.E001",
            )
        )
    if not xml.LXML:
        problems.append(
            checks.Warning(
                "openpyxl does not use lxml; install lxml.", id="kravspor.W001"
            )
        )
    return problems


class ProcurementConfig(AppConfig):
    name = "procurement"
    verbose_name = _("Procurement")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from procurement import unicode_search

        checks.register(check_safe_xml_parsing)
        # Searches ignore the case of Æ, Ø and Å on SQLite as well.
        unicode_search.install()
        connection_created.connect(
            unicode_search.register_sqlite_function,
            dispatch_uid="procurement.unicode_search",
        )
        post_migrate.connect(
            grant_administrator_permissions,
            dispatch_uid="procurement.grant_administrator_permissions",
        )
        # Its own contributions to the Reports page and the management
        # dashboard (see procurement.contributions).
        from procurement import dashboard_panels, report_list  # noqa: F401
