"""Print an evaluation's results, from the same engine as the results page."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from evaluation import results as engine
from evaluation.management.lookup import (
    add_evaluation_arguments,
    evaluation_for_command,
)
from evaluation.selectors.results import evaluation_results, prices_visible


class Command(BaseCommand):
    help = (
        "Print the results of a procurement's evaluation: points per criterion, "
        "totals, ranking and sensitivity, computed by the same engine as the "
        "results page. It runs as an operator, not as the evaluation lead: "
        "while the round's price envelope is sealed, prices and price points "
        "are left out (shown as sealed) and totals leave the price out. "
        "Nothing is written."
    )

    def add_arguments(self, parser):
        add_evaluation_arguments(parser)
        parser.add_argument(
            "--format",
            choices=["json", "table"],
            default="table",
            help="json: the engine's results and sensitivity; table: for reading.",
        )

    def handle(self, *args, procurement: str, round, format: str, **options):
        evaluation = evaluation_for_command(procurement, round)
        data, results = evaluation_results(evaluation, user=None)
        sealed = not prices_visible(evaluation, None)
        priced = [c.id for c in data.criteria if c.method == engine.Method.PRICE]
        analysis = None if sealed and priced else engine.sensitivity(data, results)
        if format == "json":
            self.stdout.write(
                json.dumps(
                    self._json(evaluation, data, results, analysis, sealed, priced),
                    indent=2,
                    ensure_ascii=False,
                )
            )
        else:
            self.stdout.write(self._table(evaluation, data, results, analysis, sealed))

    def _json(self, evaluation, data, results, analysis, sealed, priced) -> dict:
        plain = results.to_dict()
        if sealed:
            for tender in plain["tenders"]:
                tender["evaluated_price"] = tender["price_points"] = "sealed"
                tender["money_value"] = "sealed"
                for criterion_id in priced:
                    tender["criteria"][str(criterion_id)] = "sealed"
            plain["lowest_price"] = "sealed"
        return {
            "procurement": evaluation.procurement.reference,
            "round": evaluation.round.number,
            "round_name": evaluation.round.name,
            "status": evaluation.status,
            "price_model": evaluation.price_model,
            "prices_sealed": sealed,
            "criteria": [
                {
                    "id": c.id,
                    "name": c.name,
                    "parent_id": c.parent_id,
                    "kind": str(c.kind),
                    "method": str(c.method),
                    "weight": str(c.weight),
                    "normalise": c.normalise,
                    "scale_max": str(c.scale_max),
                    "price_model": str(c.price_model) if c.price_model else None,
                }
                for c in data.criteria
            ],
            "results": plain,
            "sensitivity": analysis.to_dict() if analysis else None,
        }

    def _table(self, evaluation, data, results, analysis, sealed) -> str:
        names = {c.id: c.name for c in data.criteria}
        kinds = {c.id: c.method for c in data.criteria}
        tender_names = {t.tender_id: t.name for t in results.tenders}
        yes, no = _("yes"), _("no")
        lines = [
            f"{evaluation.procurement.reference} – {evaluation.round}",
            f"{_('Status')}: {evaluation.get_status_display()}",
            f"{_('Award model')}: {evaluation.get_award_model_display()}",
            f"{_('Price model')}: {evaluation.get_price_model_display()}",
            f"{_('Provisional')}: {yes if results.provisional else no}",
        ]
        if sealed:
            lines.append(
                _("The price envelope is sealed: prices are left out of this table.")
            )
        lines.append("")
        leaves = list(results.leaf_ids)
        header = [_("Rank"), _("Tender")]
        header += [
            f"{names[c]} ({engine.display_percent(results.effective_weights[c])} %)"
            for c in leaves
        ]
        header += [_("Total"), _("Price (NOK)")]
        if results.award_model == engine.AwardModel.MONEY:
            header.append(_("Evaluated price E (NOK)"))
        rows = []
        ordered = sorted(
            results.tenders, key=lambda r: (r.rank is None, r.rank or 0, r.name)
        )
        for t in ordered:
            row = [
                str(t.rank) if t.rank else "–",
                t.name
                + (f" ({_('rejected')})" if t.rejected else "")
                + (" *" if t.provisional else ""),
            ]
            for c in leaves:
                if sealed and kinds[c] == engine.Method.PRICE:
                    row.append(_("sealed"))
                else:
                    row.append(str(engine.display_points(t.criteria[c].points)))
            row.append(str(engine.display_points(t.total)))
            row.append(_("sealed") if sealed else _price(t.evaluated_price))
            if results.award_model == engine.AwardModel.MONEY:
                row.append(_("sealed") if sealed else _price(t.money_value))
            rows.append(row)
        widths = [
            max(len(line[i]) for line in [header, *rows]) for i in range(len(header))
        ]
        for line in [header, ["-" * w for w in widths], *rows]:
            cells = [
                cell.ljust(width) if i < 2 else cell.rjust(width)
                for i, (cell, width) in enumerate(zip(line, widths, strict=True))
            ]
            lines.append("  ".join(cells).rstrip())
        if results.provisional:
            lines.append(_("* provisional: consensus is not complete."))
        lines.append("")
        lines.append(_("Sensitivity"))
        if analysis is None:
            lines.append(_("Shown once the price envelope is open."))
        elif analysis.reason:
            lines.append(
                _("No single winner, nothing to test.")
                if analysis.reason == "no_unique_winner"
                else _("Only one tender is ranked.")
            )
        else:
            lines.append(f"{_('Winner')}: {tender_names[analysis.winner]}")
            for shift in sorted(analysis.shifts, key=lambda s: s.delta):
                lines.append(
                    _(
                        "%(points)s percentage points from %(source)s to %(target)s: "
                        "%(challenger)s would win%(note)s"
                    )
                    % {
                        "points": engine.display_points(shift.percentage_points),
                        "source": names[shift.source_id],
                        "target": names[shift.target_id],
                        "challenger": tender_names[shift.challenger],
                        "note": "" if shift.feasible else _(" (not possible)"),
                    }
                )
            check = analysis.range_check
            if check and check.feasible:
                if check.winner_changes:
                    lines.append(
                        _(
                            "Weights inside the declared ranges can change the winner "
                            "to %(challenger)s."
                        )
                        % {"challenger": tender_names[check.challenger]}
                    )
                else:
                    lines.append(
                        _("No weights inside the declared ranges change the winner.")
                    )
        return "\n".join(lines) + "\n"


def _price(value) -> str:
    shown = engine.display_price(value)
    return "–" if shown is None else f"{shown:,}".replace(",", " ")
