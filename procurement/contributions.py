"""Other apps contribute to two procurement pages without procurement
importing them (imports run one way): the Reports page lists every report of
a procurement, the management dashboard shows its panels.

Each app registers its providers in its ``AppConfig.ready``. A provider is a
function ``(user, procurement) -> list[...]`` that returns only what the user
may see; the pages sort what they get by ``order``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ReportEntry:
    """One report on the Reports page."""

    group: str  # heading the report is listed under ("Specification", "Round 1" …)
    title: str
    contains: str  # what the report holds, in one sentence
    audience: str  # who may download it
    url: str | None  # None: not available to this user now (see ``note``)
    note: str = ""  # why it is not available, or what to know before opening it
    order: int = 0


@dataclass(frozen=True)
class DashboardPanel:
    """One panel of the management dashboard, rendered from its own template."""

    title: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    order: int = 0


ReportProvider = Callable[[Any, Any], list[ReportEntry]]
PanelProvider = Callable[[Any, Any], list[DashboardPanel]]

_report_providers: list[ReportProvider] = []
_panel_providers: list[PanelProvider] = []


def register_reports(provider: ReportProvider) -> ReportProvider:
    if provider not in _report_providers:
        _report_providers.append(provider)
    return provider


def register_dashboard_panels(provider: PanelProvider) -> PanelProvider:
    if provider not in _panel_providers:
        _panel_providers.append(provider)
    return provider


def reports_for(user, procurement) -> list[ReportEntry]:
    entries = [e for p in _report_providers for e in p(user, procurement)]
    return sorted(entries, key=lambda e: e.order)


def dashboard_panels_for(user, procurement) -> list[DashboardPanel]:
    panels = [panel for p in _panel_providers for panel in p(user, procurement)]
    return sorted(panels, key=lambda panel: panel.order)
