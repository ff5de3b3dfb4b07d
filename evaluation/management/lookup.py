"""What the evaluation commands share: finding the evaluation of a round."""

from __future__ import annotations

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from evaluation.models import Evaluation
from procurement.models import Procurement


def evaluation_for_command(reference: str, number: int | None) -> Evaluation:
    """The evaluation of round ``number`` of the procurement with this
    reference (the latest round with an evaluation when ``number`` is None),
    or a CommandError that says what is missing."""
    procurement = Procurement.objects.filter(reference=reference).first()
    if procurement is None:
        raise CommandError(
            _("No procurement has the reference %(reference)s.")
            % {"reference": reference}
        )
    evaluations = Evaluation.objects.filter(procurement=procurement).select_related(
        "round", "procurement", "procurement__programme"
    )
    if number is None:
        evaluation = evaluations.order_by("-round__number").first()
        if evaluation is None:
            raise CommandError(
                _("%(reference)s has no evaluation yet.") % {"reference": reference}
            )
        return evaluation
    if not procurement.tender_rounds.filter(number=number).exists():
        raise CommandError(
            _("%(reference)s has no round %(number)s.")
            % {"reference": reference, "number": number}
        )
    evaluation = evaluations.filter(round__number=number).first()
    if evaluation is None:
        raise CommandError(
            _("Round %(number)s of %(reference)s has no evaluation.")
            % {"reference": reference, "number": number}
        )
    return evaluation
