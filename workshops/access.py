"""Who may see and change workshops, participants and inputs.

Everyone who may see the procurement may read its workshops; changing them
is for those who may edit the procurement (programme staff). Strangers get
404, read-only roles (management, evaluators, leads) 403. Views fetch
workshop objects only through these helpers."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from procurement.access import can_edit_procurement, get_procurement_for_user
from workshops.models import Participant, Workshop


def can_edit_workshops(user, procurement) -> bool:
    return can_edit_procurement(user, procurement)


def get_workshop_for_user(
    user, pk: int, workshop_pk: int, *, write: bool = False
) -> Workshop:
    """The workshop ``workshop_pk`` of procurement ``pk`` if the user may see
    it (else 404); with ``write``, also check they may change it (else 403).
    The procurement is attached (``workshop.procurement``) without a query."""
    procurement = get_procurement_for_user(user, pk, write=write)
    try:
        workshop = get_object_or_404(
            Workshop.objects.select_related("area"),
            procurement=procurement,
            pk=workshop_pk,
        )
    except (ValueError, TypeError) as exc:
        raise Http404 from exc
    workshop.procurement = procurement
    return workshop


def get_participant_for_user(
    user, pk: int, participant_pk: int, *, write: bool = False
) -> Participant:
    """The participant ``participant_pk`` of procurement ``pk``, under the same
    rules as ``get_workshop_for_user``."""
    procurement = get_procurement_for_user(user, pk, write=write)
    try:
        participant = get_object_or_404(
            Participant.objects.select_related("organisation"),
            procurement=procurement,
            pk=participant_pk,
        )
    except (ValueError, TypeError) as exc:
        raise Http404 from exc
    participant.procurement = procurement
    return participant


def require_workshop_editor(user, procurement) -> None:
    if not can_edit_workshops(user, procurement):
        raise PermissionDenied
