"""What the evaluation commands share: naming the evaluation of a round on
the command line, and finding it."""

from __future__ import annotations

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from evaluation.models import Evaluation
from procurement.models import Procurement


def add_evaluation_arguments(parser) -> None:
    """The procurement's reference and ``--round``, read back by
    ``evaluation_for_command``."""
    parser.add_argument("procurement", help="The procurement's reference.")
    parser.add_argument(
        "--round",
        type=int,
        help="The round number (default: the latest round with an evaluation).",
    )


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
