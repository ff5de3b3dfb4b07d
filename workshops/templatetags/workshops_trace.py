"""Template helpers that let the organisation page (a procurement template,
which may not import workshops) link to what became of its input."""

from __future__ import annotations

from django import template

from workshops.selectors.triage import procurements_with_input_from

register = template.Library()


@register.simple_tag
def raised_input_procurements(organisation, user):
    """``{% raised_input_procurements organisation user as procurements %}``:
    the procurements the user may see in which the organisation raised
    workshop input, each with ``raised_count``."""
    return list(procurements_with_input_from(user, organisation))
