"""Who may see and do what in an evaluation.

Views fetch evaluations only through ``get_evaluation_for_user``: strangers
to the procurement get 404, roles that may not do the thing asked get 403.

- The evaluation lead (membership role ``lead``) sets the model up, assigns
  the panel, runs consensus, decides rejections, opens the price envelope,
  releases results and locks.
- Evaluators see tender content only after signing a declaration of
  impartiality, never for a vendor they declared a conflict with, and only
  their own scores until consensus is opened.
- Programme staff see the set-up but never individual scores of a running
  evaluation unless they are also lead.
- Management reads results only once the lead has released them or locked the
  evaluation.
- Prices of a round with a sealed envelope are seen by the lead only until
  the envelope is opened.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from evaluation.models import Declaration, Evaluation
from procurement.access import (
    get_procurement_for_user,
    is_programme_staff,
    procurement_roles,
)
from procurement.models import Membership, Tender

LEAD = Membership.Role.LEAD
EVALUATOR = Membership.Role.EVALUATOR
MANAGEMENT = Membership.Role.MANAGEMENT


def is_lead(user, procurement) -> bool:
    return LEAD in procurement_roles(user, procurement)


def is_evaluator(user, procurement) -> bool:
    return EVALUATOR in procurement_roles(user, procurement)


def is_management(user, procurement) -> bool:
    return MANAGEMENT in procurement_roles(user, procurement)


def get_evaluation_for_user(
    user, pk: int, evaluation_pk: int, *, lead: bool = False
) -> Evaluation:
    """The evaluation if the user may see its procurement (else 404); with
    ``lead``, also check that the user leads the evaluation (else 403)."""
    procurement = get_procurement_for_user(user, pk)
    try:
        evaluation = (
            Evaluation.objects.select_related("round", "procurement")
            .filter(procurement=procurement)
            .get(pk=evaluation_pk)
        )
    except (Evaluation.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    if lead and not is_lead(user, procurement):
        raise PermissionDenied
    return evaluation


def require_lead(user, evaluation: Evaluation) -> None:
    if not is_lead(user, evaluation.procurement):
        raise PermissionDenied


def declaration_for(user, procurement) -> Declaration | None:
    cache = user.__dict__.setdefault("_kravspor_declarations", {})
    if procurement.pk not in cache:
        cache[procurement.pk] = (
            Declaration.objects.filter(procurement=procurement, evaluator=user)
            .prefetch_related("conflicts")
            .first()
        )
    return cache[procurement.pk]


def conflicted_vendor_ids(user, procurement) -> frozenset[int]:
    declaration = declaration_for(user, procurement)
    if declaration is None:
        return frozenset()
    return frozenset(v.pk for v in declaration.conflicts.all())


def may_see_tender_content(user, tender: Tender, procurement) -> bool:
    """Evaluators and leads: only after a declaration, never a conflicted
    vendor. Programme staff registering tenders see them without one."""
    roles = procurement_roles(user, procurement)
    if LEAD in roles or EVALUATOR in roles:
        declaration = declaration_for(user, procurement)
        if declaration is None:
            return False
        return tender.vendor_id not in conflicted_vendor_ids(user, procurement)
    return is_programme_staff(user)


def scoring_is_blind(evaluation: Evaluation) -> bool:
    """Before the lead opens consensus nobody, the lead included, sees anyone
    else's individual scores: not on the pages, not in any report."""
    return evaluation.consensus_opened_at is None and not evaluation.is_locked


def may_see_individual_scores_of_others(user, evaluation: Evaluation) -> bool:
    """Blind scoring: others' individual scores stay hidden until the lead
    opens consensus; then the lead and the panel see them side by side."""
    if scoring_is_blind(evaluation):
        return False
    roles = procurement_roles(user, evaluation.procurement)
    return LEAD in roles or EVALUATOR in roles


def may_see_prices(user, evaluation: Evaluation) -> bool:
    if evaluation.round.prices_sealed:
        return is_lead(user, evaluation.procurement)
    return True


def may_see_results(user, evaluation: Evaluation) -> bool:
    """The lead always; management once released or locked; evaluators and
    programme staff once locked."""
    procurement = evaluation.procurement
    if is_lead(user, procurement):
        return True
    if is_management(user, procurement):
        return evaluation.released_at is not None or evaluation.is_locked
    return evaluation.is_locked and (
        is_evaluator(user, procurement) or is_programme_staff(user)
    )


def evaluation_tabs(user, evaluation: Evaluation) -> dict[str, bool]:
    """What the tabs of an evaluation's pages offer ``user``: the lead's
    pages, the scoring pages, and the results only to those who may see
    them (a tab that answers 403 is not offered)."""
    roles = procurement_roles(user, evaluation.procurement)
    return {
        "nav_is_lead": LEAD in roles,
        "nav_scores": LEAD in roles or EVALUATOR in roles,
        "nav_results": may_see_results(user, evaluation),
    }


def may_download_evaluation_reports(user, evaluation: Evaluation) -> bool:
    """The evaluation workbook, the evaluation report PDF and the award
    letters hold every evaluator's scores, the prices and the ranking.

    The lead may always download them (the lead sees all of that on the
    pages); management once the lead has released the results or locked the
    evaluation. Evaluators and programme staff get none of them: a report
    must never show what their pages hide (others' scores before consensus,
    sealed prices, a conflicted vendor's tender)."""
    procurement = evaluation.procurement
    if is_lead(user, procurement):
        return True
    if is_management(user, procurement):
        return evaluation.released_at is not None or evaluation.is_locked
    return False
