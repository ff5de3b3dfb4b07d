"""Page feedback: stored without the identity of whoever sent it."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.urls import Resolver404, resolve

from procurement.models import PageFeedback
from procurement.personal_data import validate_no_personal_data

PATH_MAX = PageFeedback._meta.get_field("path").max_length


def feedback_submit(
    *, path: str, found: bool, comment: str = "", language: str = ""
) -> PageFeedback:
    """Store one answer to "Did you find what you were looking for?".

    The path is stored without its query string (which can carry search
    words); the comment is refused when it holds personal data. No user,
    session or address is kept, as the box promises."""
    path = (path or "/").split("?", 1)[0][:PATH_MAX] or "/"
    comment = (comment or "").replace("\x00", "").strip()
    if comment:
        try:
            validate_no_personal_data(comment)
        except ValidationError as exc:
            raise ValidationError({"comment": exc.error_list}) from exc
    try:
        url_name = resolve(path).view_name
    except Resolver404:
        url_name = ""
    feedback = PageFeedback(
        path=path,
        url_name=url_name,
        found=found,
        comment=comment,
        language=(language or "")[:8],
    )
    feedback.full_clean()
    feedback.save()
    return feedback
