"""Contributions to the procurement pages (see procurement.contributions).

The management dashboard's workshop panel: the workshops held and how far
triage of their input has come, counted like the collaboration dashboard
(``workshops.selectors.dashboards``) and drawn with its charts, with a link
to that dashboard for the detail. Two queries however many inputs there are.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from procurement.contributions import DashboardPanel, register_dashboard_panels
from procurement.models import Procurement
from workshops.charts import status_chart, svg
from workshops.models import Input, Workshop
from workshops.selectors.dashboards import HELD, Figure, inputs_of


@dataclass(frozen=True)
class TriageProgress:
    workshops: int
    workshops_held: int
    statuses: list[Figure]  # in ``Input.Status`` order

    @property
    def inputs(self) -> int:
        return sum(figure.count for figure in self.statuses)

    @property
    def waiting(self) -> int:
        return sum(f.count for f in self.statuses if f.key == Input.Status.NEW)

    @property
    def decided(self) -> int:
        return self.inputs - self.waiting

    @property
    def decided_percent(self) -> int:
        return int(100 * self.decided / self.inputs) if self.inputs else 0


def triage_progress(procurement: Procurement) -> TriageProgress:
    """Workshops (all, and held or reported) and inputs by triage status."""
    workshops = Workshop.objects.filter(procurement=procurement).aggregate(
        total=Count("pk"), held=Count("pk", filter=Q(status__in=HELD))
    )
    by_status = dict(
        inputs_of(procurement)
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    return TriageProgress(
        workshops=workshops["total"],
        workshops_held=workshops["held"],
        statuses=[
            Figure(key, str(label), by_status.get(key, 0))
            for key, label in Input.Status.choices
        ],
    )


@register_dashboard_panels
def workshop_panels(user, procurement: Procurement) -> list[DashboardPanel]:
    """Everyone who may see the procurement may see the workshop figures
    (the collaboration dashboard is open to them too)."""
    progress = triage_progress(procurement)
    chart = status_chart(progress.statuses, key="management-triage")
    return [
        DashboardPanel(
            title=_("Workshops and triage"),
            template="workshops/dashboard/_management_panel.html",
            context={"progress": progress, "chart": chart, "svg": svg(chart)},
            order=30,
        )
    ]
