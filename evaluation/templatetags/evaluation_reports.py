"""Template helpers for the evaluation reports."""

from django import template

from evaluation import access

register = template.Library()


@register.simple_tag(takes_context=True)
def may_download_evaluation_reports(context, evaluation) -> bool:
    """``{% may_download_evaluation_reports evaluation as may_download %}``:
    whether the user viewing the page may download the evaluation's reports
    (see ``evaluation.access.may_download_evaluation_reports``)."""
    request = context.get("request")
    if request is None or evaluation is None:
        return False
    return access.may_download_evaluation_reports(request.user, evaluation)
