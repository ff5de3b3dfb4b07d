"""Report downloads are recorded: who downloaded which report and when."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest

from procurement.models import Procurement, ReportDownload

_LABEL_MAX = ReportDownload._meta.get_field("label").max_length
_FILENAME_MAX = ReportDownload._meta.get_field("filename").max_length


def report_download_record(
    *,
    report: str,
    request: HttpRequest | None = None,
    user: AbstractBaseUser | None = None,
    procurement: Procurement | None = None,
    label: str = "",
    filename: str = "",
) -> ReportDownload | None:
    """Write one download row. A view calls it with its ``request`` after the
    permission check and before the response is returned; a HEAD request
    (headers only, no file) records nothing. A command run by an operator
    passes no request and ``user=None``."""
    if request is not None:
        if request.method == "HEAD":
            return None
        user = request.user
    return ReportDownload.objects.create(
        procurement=procurement,
        user=user if user is not None and user.is_authenticated else None,
        report=report[:64],
        label=str(label)[:_LABEL_MAX],
        filename=str(filename)[:_FILENAME_MAX],
    )
