"""The workshop reports on a procurement's Reports page (see
procurement.contributions): the participation report (PDF and Excel), the
traceability matrix and one report per workshop.

Everyone who may see the procurement may download them, as the views
(``workshops.views.dashboards``, ``workshops.views.triage``) allow.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from procurement.contributions import ReportEntry, register_reports
from procurement.models import Procurement
from procurement.report_list import register_report_names
from workshops.models import Workshop

ORDER = 200
# Up to this many workshops get an entry each; more are one entry pointing to
# the workshop list, so the page stays short with a thousand workshops.
WORKSHOPS_LISTED = 12

register_report_names(
    {
        "workshop-report": gettext_lazy("Workshop report (PDF)"),
        "participation-pdf": gettext_lazy("Participation report (PDF)"),
        "participation-xlsx": gettext_lazy("Participation report (Excel)"),
        "trace-matrix": gettext_lazy("Traceability matrix (.xlsx)"),
    }
)


def _url(name: str, procurement: Procurement, **kwargs) -> str:
    return reverse(name, kwargs={"pk": procurement.pk, **kwargs})


def _workshop_entries(procurement: Procurement, group: str, audience: str):
    workshops = Workshop.objects.filter(procurement=procurement)
    count = workshops.count()
    contains = _(
        "When and where the workshop was held, who led it, its summary, who "
        "took part by organisation, and every input with its outcome."
    )
    if count == 0:
        return [
            ReportEntry(
                group=group,
                title=_("Workshop reports (PDF)"),
                contains=contains,
                audience=audience,
                url=None,
                note=_("No workshops yet."),
                order=ORDER + 10,
            )
        ]
    if count > WORKSHOPS_LISTED:
        return [
            ReportEntry(
                group=group,
                title=ngettext(
                    "Workshop reports (PDF), %(count)s workshop",
                    "Workshop reports (PDF), %(count)s workshops",
                    count,
                )
                % {"count": formats.number_format(count, force_grouping=True)},
                contains=contains,
                audience=audience,
                url=_url("workshops:workshop-list", procurement),
                note=_(
                    "One report per workshop: open the workshop in the list to "
                    "download its report."
                ),
                order=ORDER + 10,
            )
        ]
    entries = []
    for index, workshop in enumerate(
        workshops.order_by("starts_at", "pk").only("pk", "title", "starts_at")
    ):
        when = formats.date_format(
            timezone.localtime(workshop.starts_at), "SHORT_DATE_FORMAT"
        )
        entries.append(
            ReportEntry(
                group=group,
                title=_("Workshop report (PDF): %(title)s, %(date)s")
                % {"title": workshop.title, "date": when},
                contains=contains,
                audience=audience,
                url=_url(
                    "workshops:workshop-report", procurement, workshop_pk=workshop.pk
                ),
                order=ORDER + 10 + index,
            )
        )
    return entries


@register_reports
def workshop_reports(user, procurement: Procurement) -> list[ReportEntry]:
    """Called by the Reports page once it has checked that the user may see
    the procurement."""
    group = _("Workshops")
    audience = _("Everyone with access to this procurement")
    return [
        ReportEntry(
            group=group,
            title=_("Participation report (PDF)"),
            contains=_(
                "The collaboration dashboard's figures and charts, and per "
                "organisation its participants, workshops attended and the "
                "inputs it raised with their outcomes."
            ),
            audience=audience,
            url=_url("workshops:participation-report", procurement),
            order=ORDER,
        ),
        ReportEntry(
            group=group,
            title=_("Participation report (Excel)"),
            contains=_(
                "Key figures, organisations and areas in sheets, and each "
                "chart's figures with an Excel chart."
            ),
            audience=audience,
            url=_url("workshops:participation-report-xlsx", procurement),
            order=ORDER + 1,
        ),
        ReportEntry(
            group=group,
            title=_("Traceability matrix (.xlsx)"),
            contains=_(
                "Each requirement with the inputs, workshops and organisations "
                "it comes from, and its coverage by organisation level."
            ),
            audience=audience,
            url=_url("workshops:trace-matrix", procurement),
            order=ORDER + 2,
        ),
        *_workshop_entries(procurement, group, audience),
    ]
