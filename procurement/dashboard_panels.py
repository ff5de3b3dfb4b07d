"""Contributions to the procurement pages (see procurement.contributions).

The management dashboard's own panels: where the procurement stands (phase
and key dates) and what its specification holds (requirements by status and
by kind). Read-only; every count is one GROUP BY in the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from procurement.charts import horizontal_bar_chart
from procurement.contributions import DashboardPanel, register_dashboard_panels
from procurement.models import Procurement, Requirement
from procurement.selectors.core import Figure

# The phases a procurement passes through, in order; "cancelled" is shown
# only when it is the phase.
PHASES = [phase for phase in Procurement.Phase if phase != Procurement.Phase.CANCELLED]


@dataclass(frozen=True)
class PhaseStep:
    key: str
    label: str
    state: str  # "done", "current" or "ahead"


@dataclass(frozen=True)
class Milestone:
    label: str
    date: date
    past: bool


def phase_steps(procurement: Procurement) -> list[PhaseStep]:
    if procurement.phase == Procurement.Phase.CANCELLED:
        phase = Procurement.Phase.CANCELLED
        return [PhaseStep(phase.value, str(phase.label), "current")]
    current = PHASES.index(Procurement.Phase(procurement.phase))
    return [
        PhaseStep(
            phase.value,
            str(phase.label),
            "done" if index < current else "current" if index == current else "ahead",
        )
        for index, phase in enumerate(PHASES)
    ]


def milestones(procurement: Procurement, today: date) -> list[Milestone]:
    return [
        Milestone(label, day, day < today)
        for label, day in procurement.key_dates.order_by("date", "pk").values_list(
            "label", "date"
        )
    ]


@dataclass(frozen=True)
class RequirementCounts:
    by_status: list[Figure]
    by_kind: list[Figure]

    @property
    def total(self) -> int:
        return sum(figure.count for figure in self.by_status)


def requirement_counts(procurement: Procurement) -> RequirementCounts:
    """Requirements by status and by kind: one GROUP BY over both columns,
    folded into the two lists in choice order. Withdrawn requirements count
    under their status but not under a kind."""
    status_totals: dict[str, int] = {}
    kind_totals: dict[str, int] = {}
    for status, kind, count in (
        Requirement.objects.filter(procurement=procurement)
        .order_by()
        .values_list("status", "kind")
        .annotate(n=Count("pk"))
    ):
        status_totals[status] = status_totals.get(status, 0) + count
        if status != Requirement.Status.WITHDRAWN:
            kind_totals[kind] = kind_totals.get(kind, 0) + count
    return RequirementCounts(
        by_status=[
            Figure(value, str(label), status_totals.get(value, 0))
            for value, label in Requirement.Status.choices
        ],
        by_kind=[
            Figure(value, str(label), kind_totals.get(value, 0))
            for value, label in Requirement.Kind.choices
        ],
    )


@register_dashboard_panels
def procurement_panels(user, procurement: Procurement) -> list[DashboardPanel]:
    """Phase and timeline, and the specification's requirements. Everyone
    who may see the procurement may see these."""
    today = timezone.localdate()
    counts = requirement_counts(procurement)
    return [
        DashboardPanel(
            title=_("Phase and timeline"),
            template="procurement/dashboard/_phase.html",
            context={
                "steps": phase_steps(procurement),
                "milestones": milestones(procurement, today),
                "today": today,
            },
            order=10,
        ),
        DashboardPanel(
            title=_("Requirements"),
            template="procurement/dashboard/_requirements.html",
            context={
                "counts": counts,
                "status_chart": horizontal_bar_chart(
                    [(figure.label, figure.count) for figure in counts.by_status],
                    title=_("Requirements by status"),
                ),
                "kind_chart": horizontal_bar_chart(
                    [(figure.label, figure.count) for figure in counts.by_kind],
                    title=_("Requirements by kind (not withdrawn)"),
                    width=600,
                    label_width=280,
                ),
            },
            order=20,
        ),
    ]
