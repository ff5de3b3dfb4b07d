"""Anonymous page feedback: "Did you find what you were looking for?"."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PageFeedback(models.Model):
    """Stored without any user identity on purpose: the box promises that."""

    path = models.CharField(_("page"), max_length=500, db_index=True)
    url_name = models.CharField(_("page name"), max_length=200, blank=True)
    found = models.BooleanField(_("found what they looked for"))
    comment = models.TextField(_("comment"), blank=True)
    language = models.CharField(_("language"), max_length=8, blank=True)
    created_at = models.DateTimeField(_("received"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("page feedback")
        verbose_name_plural = _("page feedback")

    def __str__(self) -> str:
        return self.path
