"""Uploads waiting between an import's preview and its apply.

The file waits under VAR_DIR/uploads, named by a random token; the session
records which tokens this user uploaded, for which procurement. A form only
ever echoes the token, never a path, so a token from another session, another
procurement or of the wrong shape finds nothing. Files nobody applied or
cancelled are swept away after a day."""

from __future__ import annotations

import re
import secrets
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import HttpRequest

TOKEN_RE = re.compile(r"^[0-9a-f]{32}$")
MAX_AGE_SECONDS = 24 * 60 * 60


class PendingUploads:
    """One kind of pending upload (``kind`` names the files and the session
    entry, e.g. "spec-xlsx")."""

    def __init__(self, kind: str, suffix: str):
        self.kind = kind
        self.suffix = suffix
        self.session_key = f"pending-uploads-{kind}"

    def _directory(self) -> Path:
        return Path(settings.VAR_DIR) / "uploads"

    def path(self, token: str) -> Path | None:
        """The file for a token; None for anything that is not a token we make."""
        if not TOKEN_RE.match(token or ""):
            return None
        return self._directory() / f"{self.kind}-{token}{self.suffix}"

    def keep(self, request: HttpRequest, procurement, upload, **extra: Any) -> str:
        """Store ``upload`` (a Django UploadedFile) and return its new token."""
        self._sweep()
        token = secrets.token_hex(16)
        target = self.path(token)
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        pending = request.session.get(self.session_key, {})
        pending[token] = {"procurement": procurement.pk, "name": upload.name, **extra}
        request.session[self.session_key] = pending
        return token

    def get(self, request: HttpRequest, procurement, token: str) -> dict | None:
        """The record of this session's upload for this procurement, with
        ``token`` and ``path``; None when any of that does not hold."""
        path = self.path(token)
        record = request.session.get(self.session_key, {}).get(token or "")
        if path is None or not record or record.get("procurement") != procurement.pk:
            return None
        if not path.is_file():
            return None
        return {**record, "token": token, "path": path}

    def update(self, request: HttpRequest, token: str, **fields: Any) -> None:
        pending = request.session.get(self.session_key, {})
        if token in pending:
            pending[token].update(fields)
            request.session[self.session_key] = pending

    def forget(self, request: HttpRequest, token: str) -> None:
        pending = request.session.get(self.session_key, {})
        pending.pop(token or "", None)
        request.session[self.session_key] = pending
        path = self.path(token)
        if path is not None:
            path.unlink(missing_ok=True)

    def forget_all(self, request: HttpRequest, procurement) -> None:
        """Drop this session's pending uploads for ``procurement``."""
        pending = request.session.get(self.session_key, {})
        for token, record in list(pending.items()):
            if record.get("procurement") == procurement.pk:
                self.forget(request, token)

    def _sweep(self) -> None:
        directory = self._directory()
        if not directory.is_dir():
            return
        cutoff = time.time() - MAX_AGE_SECONDS
        for stale in directory.glob(f"{self.kind}-*{self.suffix}"):
            try:
                if stale.stat().st_mtime < cutoff:
                    stale.unlink()
            except OSError:
                continue
