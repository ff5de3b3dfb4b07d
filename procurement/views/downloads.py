"""Handing out a report file: built on disk, streamed, its download recorded."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from typing import IO

from django.http import FileResponse, HttpRequest, HttpResponse

from procurement.models import Procurement
from procurement.services.reports import report_download_record


def report_file_response(
    request: HttpRequest,
    *,
    write: Callable[[IO[bytes]], None],
    filename: str,
    content_type: str,
    report: str,
    procurement: Procurement,
    label: str = "",
) -> HttpResponse:
    """The file ``write`` makes, built in a temporary file on disk (a large
    PDF never sits in memory whole) and streamed from there, its download
    recorded. HEAD answers with the headers only, builds nothing and records
    nothing. Call it after the permission check."""
    if request.method == "HEAD":
        response = HttpResponse(content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    handle = tempfile.TemporaryFile()
    try:
        write(handle)
    except BaseException:
        handle.close()
        raise
    handle.seek(0)
    report_download_record(
        request=request,
        report=report,
        procurement=procurement,
        label=label,
        filename=filename,
    )
    return FileResponse(
        handle, as_attachment=True, filename=filename, content_type=content_type
    )
