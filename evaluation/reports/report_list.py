"""The evaluation reports on a procurement's Reports page (see
procurement.contributions): per evaluation the workbook, the report PDF and
the award letters.

Who may download them is ``evaluation.access.may_download_evaluation_reports``,
the same check the report views make: the lead always, management once the
lead releases the results or locks the evaluation, nobody else.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from evaluation.access import is_management, may_download_evaluation_reports
from evaluation.models import Evaluation
from procurement.contributions import ReportEntry, register_reports
from procurement.models import Procurement
from procurement.report_list import register_report_names

ORDER = 1000

register_report_names(
    {
        "evaluation-workbook": gettext_lazy("Evaluation workbook (.xlsx)"),
        "evaluation-report": gettext_lazy("Evaluation report (PDF)"),
        "award-letter": gettext_lazy("Award letter (PDF)"),
        "award-letters-zip": gettext_lazy("Award letters (.zip)"),
    }
)


def _why_not(user, evaluation: Evaluation) -> str:
    if is_management(user, evaluation.procurement):
        return _(
            "Released to management when the lead releases the results or "
            "locks the evaluation."
        )
    return _(
        "Only for the evaluation lead and management: the reports hold every "
        "evaluator's scores, the prices and the ranking."
    )


@register_reports
def evaluation_reports(user, procurement: Procurement) -> list[ReportEntry]:
    """Called by the Reports page once it has checked that the user may see
    the procurement."""
    evaluations = (
        Evaluation.objects.filter(procurement=procurement)
        .select_related("round")
        .order_by("round__number")
    )
    audience = _(
        "The evaluation lead; management once the lead releases the results "
        "or locks the evaluation"
    )
    unlocked = _("The evaluation is not locked yet: figures may still change.")
    letters_unlocked = _(
        "Letters are written once the evaluation is locked with a single "
        "winner; the page says what is still missing."
    )
    entries = []
    for evaluation in evaluations:
        evaluation.procurement = procurement
        allowed = may_download_evaluation_reports(user, evaluation)
        refused = "" if allowed else _why_not(user, evaluation)
        group = _("Evaluation of round %(number)s: %(name)s") % {
            "number": evaluation.round.number,
            "name": evaluation.round.name,
        }
        kwargs = {"pk": procurement.pk, "evaluation_pk": evaluation.pk}
        order = ORDER + 10 * evaluation.round.number
        reports = [
            (
                _("Evaluation workbook (.xlsx)"),
                _(
                    "Summary and ranking, points per criterion, consensus and "
                    "individual scores with spread flags, justifications, "
                    "absolute requirements, prices and sensitivity."
                ),
                "evaluation:report-workbook",
                unlocked,
            ),
            (
                _("Evaluation report (PDF)"),
                _(
                    "Summary, ranking, weighted points per criterion as a "
                    "chart, consensus justifications, rejected tenders, "
                    "sensitivity, and annexes with individual scores and the "
                    "signed declarations."
                ),
                "evaluation:report-pdf",
                unlocked,
            ),
            (
                _("Award letters"),
                _(
                    "One letter per vendor: the award to the winner and the "
                    "rejection to the others, with the points, the reasons and "
                    "the end of the standstill period."
                ),
                "evaluation:award-letters",
                letters_unlocked,
            ),
        ]
        for index, (title, contains, url_name, pending) in enumerate(reports):
            if not allowed:
                note = refused
            else:
                note = "" if evaluation.is_locked else pending
            entries.append(
                ReportEntry(
                    group=group,
                    title=title,
                    contains=contains,
                    audience=audience,
                    url=reverse(url_name, kwargs=kwargs) if allowed else None,
                    note=note,
                    order=order + index,
                )
            )
    return entries
