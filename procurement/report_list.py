"""The procurement's own reports on its Reports page (see
procurement.contributions): the requirement specification and, per tender
round, the opening record.

It also keeps the names of the report codes that downloads are recorded
under (``ReportDownload.report``), so the administrators' list can say which
report a row is about; the other apps add theirs with
``register_report_names``.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from procurement.contributions import ReportEntry, register_reports
from procurement.models import Procurement, TenderRound
from procurement.selectors.specification import latest_baseline
from procurement.tenders.access import can_read_tenders

# Page order of the groups: specification, workshops (100s), tender rounds
# (300s); the evaluations follow from 1000.
ORDER_SPECIFICATION = 100
ORDER_TENDERS = 300

_report_names: dict[str, str | Promise] = {
    "spec-pdf": gettext_lazy("Requirement specification (PDF)"),
    "spec-xlsx": gettext_lazy("Requirement specification (Excel)"),
    "spec-reqif": gettext_lazy("Requirement specification (ReqIF)"),
    "opening-record": gettext_lazy("Opening record (PDF)"),
    "answer-sheet": gettext_lazy("Answer workbook for vendors (.xlsx)"),
}


def register_report_names(names: dict[str, str | Promise]) -> None:
    """Name the report codes an app records its downloads under."""
    _report_names.update(names)


def report_name(code: str) -> str:
    """The name of a report code; a code nobody named is shown as it is."""
    return str(_report_names.get(code, code))


def report_codes() -> list[tuple[str, str]]:
    """Every named code with its name, sorted by name."""
    return sorted(
        ((code, str(name)) for code, name in _report_names.items()),
        key=lambda pair: pair[1].casefold(),
    )


def _url(name: str, procurement: Procurement, **kwargs) -> str:
    return reverse(name, kwargs={"pk": procurement.pk, **kwargs})


def specification_reports(user, procurement: Procurement) -> list[ReportEntry]:
    """Everyone who may see the procurement may download its specification."""
    group = _("Requirement specification")
    audience = _("Everyone with access to this procurement")
    entries = [
        ReportEntry(
            group=group,
            title=_("Requirement specification (PDF)"),
            contains=_(
                "Today's specification as Bilag 1: sections, requirements with "
                "kind, weight and response instructions."
            ),
            audience=audience,
            url=_url("procurement:spec-pdf", procurement),
            order=ORDER_SPECIFICATION,
        ),
        ReportEntry(
            group=group,
            title=_("Requirement specification (Excel)"),
            contains=_(
                "Every requirement on one row with its key, section, kind, "
                "weight, status and text; can be edited and imported again."
            ),
            audience=audience,
            url=_url("procurement:spec-export-xlsx", procurement),
            order=ORDER_SPECIFICATION + 1,
        ),
        ReportEntry(
            group=group,
            title=_("Requirement specification (ReqIF)"),
            contains=_("The specification as a ReqIF 1.2 file for requirements tools."),
            audience=audience,
            url=_url("procurement:spec-export-reqif", procurement),
            order=ORDER_SPECIFICATION + 2,
        ),
    ]
    baseline = latest_baseline(procurement)
    if baseline is not None:
        entries.append(
            ReportEntry(
                group=group,
                title=_("Baseline %(label)s (PDF)") % {"label": baseline.label},
                contains=_(
                    "The specification as it stood in the latest baseline, "
                    "unchanged since it was published."
                ),
                audience=audience,
                url=_url("procurement:spec-pdf", procurement)
                + f"?baseline={baseline.pk}",
                note=_("Older baselines are on the baselines page."),
                order=ORDER_SPECIFICATION + 3,
            )
        )
    return entries


def tender_reports(user, procurement: Procurement) -> list[ReportEntry]:
    """The opening record of each round: for those who may read tenders
    (``procurement.tenders.access.can_read_tenders``)."""
    rounds = TenderRound.objects.filter(procurement=procurement).order_by("number")
    allowed = can_read_tenders(user, procurement)
    audience = _("Programme staff and the evaluation lead")
    refused = _(
        "Only for programme staff and the evaluation lead; evaluators and "
        "management see the tenders through the evaluation."
    )
    entries = []
    for round in rounds:
        name = _("Round %(number)s: %(name)s") % {
            "number": round.number,
            "name": round.name,
        }
        note = (
            ""
            if round.opened_at
            else _("Not opened yet: the record lists the tenders received so far.")
        )
        order = ORDER_TENDERS + 2 * round.number
        entries.append(
            ReportEntry(
                group=_("Tender rounds"),
                title=_("Opening record (PDF), %(round)s") % {"round": name},
                contains=_(
                    "The tenders received with the time of receipt, late "
                    "tenders, and when and by whom the round was opened; no "
                    "prices."
                ),
                audience=audience,
                url=(
                    _url(
                        "procurement:tender-round-opening-pdf",
                        procurement,
                        round_pk=round.pk,
                    )
                    if allowed
                    else None
                ),
                note=note if allowed else refused,
                order=order,
            )
        )
        if allowed:
            entries.append(
                ReportEntry(
                    group=_("Tender rounds"),
                    title=_("Opening record (page), %(round)s") % {"round": name},
                    contains=_("The same record as a page in Kravspor."),
                    audience=audience,
                    url=_url(
                        "procurement:tender-round-opening",
                        procurement,
                        round_pk=round.pk,
                    ),
                    order=order + 1,
                )
            )
    return entries


@register_reports
def procurement_reports(user, procurement: Procurement) -> list[ReportEntry]:
    """Called by the Reports page once it has checked that the user may see
    the procurement."""
    return specification_reports(user, procurement) + tender_reports(user, procurement)
