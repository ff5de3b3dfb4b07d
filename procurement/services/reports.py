"""Report downloads are recorded: who downloaded which report and when."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser

from procurement.models import Procurement, ReportDownload

_LABEL_MAX = ReportDownload._meta.get_field("label").max_length
_FILENAME_MAX = ReportDownload._meta.get_field("filename").max_length


def report_download_record(
    *,
    user: AbstractBaseUser | None,
    report: str,
    procurement: Procurement | None = None,
    label: str = "",
    filename: str = "",
) -> ReportDownload:
    """Write one download row. Call it in the view that hands out the file,
    after the permission check and before the response is returned; a
    command run by an operator passes ``user=None``."""
    return ReportDownload.objects.create(
        procurement=procurement,
        user=user if user is not None and user.is_authenticated else None,
        report=report[:64],
        label=str(label)[:_LABEL_MAX],
        filename=str(filename)[:_FILENAME_MAX],
    )
