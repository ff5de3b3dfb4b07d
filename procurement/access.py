"""Who may see and change what.

Programme-wide roles are Django groups (programme staff, administrators); roles
in one procurement are Membership rows. Views fetch objects only through the
``get_*_for_user`` helpers here: strangers get 404, read-only roles 403.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from procurement.models import (
    ADMINISTRATORS_GROUP,
    PROGRAMME_STAFF_GROUP,
    Membership,
    Procurement,
)


def _group_names(user) -> frozenset[str]:
    # Cached on the user object for the length of the request.
    if not hasattr(user, "_kravspor_groups"):
        user._kravspor_groups = frozenset(user.groups.values_list("name", flat=True))
    return user._kravspor_groups


def is_administrator(user) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or ADMINISTRATORS_GROUP in _group_names(user)


def is_programme_staff(user) -> bool:
    """Programme staff (and administrators) work across every procurement."""
    if not user.is_authenticated or not user.is_active:
        return False
    return is_administrator(user) or PROGRAMME_STAFF_GROUP in _group_names(user)


def can_edit_programme(user) -> bool:
    """Organisations, the programme, option agreements and announcements."""
    return is_programme_staff(user)


def procurement_roles(user, procurement: Procurement) -> frozenset[str]:
    if not user.is_authenticated:
        return frozenset()
    cache = user.__dict__.setdefault("_kravspor_roles", {})
    if procurement.pk not in cache:
        cache[procurement.pk] = frozenset(
            Membership.objects.filter(user=user, procurement=procurement).values_list(
                "role", flat=True
            )
        )
    return cache[procurement.pk]


def can_edit_procurement(user, procurement: Procurement) -> bool:
    """The procurement itself and its specification: programme staff only
    (the group, or the staff role here). Leads run the evaluation, which has
    its own rules."""
    if is_programme_staff(user):
        return True
    return Membership.Role.STAFF in procurement_roles(user, procurement)


def require_programme_editor(user) -> None:
    if not can_edit_programme(user):
        raise PermissionDenied


def get_procurement_for_user(user, pk: int, *, write: bool = False) -> Procurement:
    """The procurement if the user may see it (else 404); with ``write``, also
    check that the user may change it (else 403)."""
    try:
        procurement = get_object_or_404(
            Procurement.objects.visible_to(user).select_related("programme"), pk=pk
        )
    except (ValueError, TypeError) as exc:
        raise Http404 from exc
    if write and not can_edit_procurement(user, procurement):
        raise PermissionDenied
    return procurement
