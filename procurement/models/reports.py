"""Every report download is recorded: who, what, when (for administrators)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from procurement.models.core import Procurement


class ReportDownload(models.Model):
    """One download of one report by one user.

    ``report`` is a short code of the kind of report (``spec-pdf``,
    ``evaluation-workbook``, ``award-letter`` …); ``label`` says which one in
    words (round, vendor, workshop) as the user saw it; ``filename`` is the
    file name the user received."""

    procurement = models.ForeignKey(
        Procurement,
        verbose_name=_("procurement"),
        on_delete=models.CASCADE,
        related_name="report_downloads",
        null=True,
        blank=True,
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        related_name="report_downloads",
        null=True,
        blank=True,
    )
    report = models.CharField(_("report"), max_length=64, db_index=True)
    label = models.CharField(_("which"), max_length=300, blank=True)
    filename = models.CharField(_("file name"), max_length=300, blank=True)
    downloaded_at = models.DateTimeField(
        _("downloaded"), auto_now_add=True, db_index=True
    )

    class Meta:
        ordering = ["-downloaded_at", "-pk"]
        verbose_name = _("report download")
        verbose_name_plural = _("report downloads")

    def __str__(self) -> str:
        return f"{self.report} {self.filename}"
