"""Who may see and change tender rounds and tenders.

- Programme staff (``can_edit_procurement``) register and edit them.
- The evaluation lead may read them, except a tender of a vendor named as a
  conflict in the lead's declaration of impartiality (404, as anyone with
  such a conflict).
- Evaluators and management get 403 here: evaluators see tender content only
  through the evaluation pages, which ask for a declaration of impartiality.
- Everyone else gets 404, as for the procurement itself.
- While a round's price envelope is sealed, prices are shown to the lead only,
  and only the lead may enter or change them.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from procurement.access import (
    can_edit_procurement,
    get_procurement_for_user,
    procurement_roles,
)
from procurement.models import Membership, Procurement, Tender, TenderRound


def is_lead(user, procurement: Procurement) -> bool:
    return Membership.Role.LEAD in procurement_roles(user, procurement)


def can_read_tenders(user, procurement: Procurement) -> bool:
    return can_edit_procurement(user, procurement) or is_lead(user, procurement)


def get_procurement_for_tenders(user, pk: int, *, write: bool = False) -> Procurement:
    """The procurement for a tender page: 404 for strangers, 403 for roles that
    may not read tenders (or, with ``write``, not change them)."""
    procurement = get_procurement_for_user(user, pk)
    allowed = (
        can_edit_procurement(user, procurement)
        if write
        else can_read_tenders(user, procurement)
    )
    if not allowed:
        raise PermissionDenied
    return procurement


def get_round_for_user(
    user, pk: int, round_pk: int, *, write: bool = False
) -> TenderRound:
    procurement = get_procurement_for_tenders(user, pk, write=write)
    try:
        round = TenderRound.objects.select_related(
            "baseline", "opened_by", "prices_opened_by"
        ).get(procurement=procurement, pk=round_pk)
    except (TenderRound.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    round.procurement = procurement
    return round


def get_tender_for_user(
    user, pk: int, tender_pk: int, *, write: bool = False, prices: bool = False
) -> Tender:
    """The tender if the user may see it. With ``write``, the user must be
    allowed to change it; with ``prices``, to change its prices (the lead
    only while they are sealed, else programme staff)."""
    procurement = get_procurement_for_tenders(user, pk, write=write and not prices)
    try:
        tender = Tender.objects.select_related(
            "round__baseline", "vendor", "status_changed_by"
        ).get(round__procurement=procurement, pk=tender_pk)
    except (Tender.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    tender.round.procurement = procurement
    if declared_conflict(user, tender):
        # As on the evaluation pages: never a vendor one declared a conflict
        # with, whatever one's role.
        raise Http404
    if prices and not may_edit_prices(user, tender.round):
        raise PermissionDenied
    return tender


def declared_conflict(user, tender: Tender) -> bool:
    """Whether ``user`` named the tender's vendor as a conflict of interest in
    their declaration of impartiality for this procurement (asked through the
    reverse relation, so this app does not import the evaluation app)."""
    return (
        user.is_authenticated
        and tender.vendor.declared_conflicts.filter(
            procurement_id=tender.round.procurement_id, evaluator=user
        ).exists()
    )


def may_see_prices(user, round: TenderRound) -> bool:
    if round.prices_sealed:
        return is_lead(user, round.procurement)
    return can_read_tenders(user, round.procurement)


def may_edit_prices(user, round: TenderRound) -> bool:
    if round.prices_sealed:
        return is_lead(user, round.procurement)
    return can_edit_procurement(user, round.procurement)
