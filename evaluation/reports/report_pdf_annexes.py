"""The detailed sections of the evaluation report PDF: the consensus
justifications per criterion and the annexes (individual scores per criterion
and per item, declarations of impartiality). ``AnnexSections`` is mixed into
the report (``evaluation.reports.report_pdf``), which provides ``evaluation``,
``data``, ``results``, ``leaves``, ``ordered``, ``names`` and
``individual_visible``.

Two things are bounded so the report stays readable at any scale; the
evaluation workbook has them all:

- justifications of a requirement-scored criterion: per tender, all of them
  when the criterion has at most ``ALL_JUSTIFICATIONS_UP_TO`` requirements,
  else the ``STRENGTHS`` requirements that lift the tender's points most
  above the other tenders' and the ``STRENGTHS`` that pull them down most;
- individual scores per item (evaluator × tender × item): every item when
  there are at most ``ITEM_ROWS`` tender × item pairs, else the flagged pairs
  with the largest spreads, ``ITEM_ROWS`` of them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.platypus import Flowable

from evaluation import results as engine
from evaluation.models import ConsensusScore, Declaration, Score
from evaluation.reports.report_pdf_parts import (
    _STYLES,
    _chunked,
    _chunks,
    _people,
    _person,
    _points,
    _requirement_labels,
    _score,
    _when,
    blind_scoring_note,
)
from procurement.documents.pdf import (
    FONT_BOLD,
    GRID_STYLE,
    HEADER_STYLE,
    Heading,
    para,
    section_break,
    styles,
)

ALL_JUSTIFICATIONS_UP_TO = 6
STRENGTHS = 3
ITEM_ROWS = 1500
TENDERS_PER_TABLE = 5


class AnnexSections:
    """Justifications and annexes; see the module's docstring."""

    # 3 Consensus justifications

    def justifications(
        self, criteria: list[engine.Criterion], width: float
    ) -> Iterator[list[Flowable]]:
        wanted, notes = self._chosen_justifications(criteria)
        texts = self._consensus_texts(wanted)
        keys = _requirement_labels(
            {
                item.id
                for picks in wanted.values()
                for _kind, item in picks
                if item.kind == engine.REQ
            }
        )
        widths = [5.2 * cm, 1.8 * cm, width - 7 * cm]
        header = [_("Requirement"), _("Score"), _("Justification")]
        labels = {"strength": _("Strengths"), "weakness": _("Weaknesses")}
        yield [
            para(
                _(
                    "The panel's agreed scores and their justifications. For a "
                    "criterion scored through many requirements, each tender "
                    "shows the requirements that lift its points most above the "
                    "other tenders' (strengths) and those that pull them down "
                    "most (weaknesses); every justification is in the evaluation "
                    "workbook."
                ),
                "note",
            )
        ]
        for c in criteria:
            batch: list[Flowable] = [
                section_break(),
                Heading(c.name, key=f"justifications-{c.id}", level=1),
            ]
            for t in self.ordered:
                picks = wanted.get((c.id, t.tender_id), [])
                batch.append(para(t.name, _STYLES["tender"]))
                if c.method == engine.Method.DIRECT:
                    found = texts.get((t.tender_id, engine.crit_item(c.id)))
                    if found is None:
                        batch.append(
                            para(_("No consensus score has been set yet."), "note")
                        )
                    else:
                        value, text = found
                        batch.append(
                            para(
                                _("Consensus score: %(score)s")
                                % {"score": _score(value)},
                                _STYLES["label"],
                            )
                        )
                        batch.append(para(text or "–"))
                    yield batch
                    batch = []
                    continue
                if not picks:
                    batch.append(
                        para(_("No consensus scores have been set yet."), "note")
                    )
                    yield batch
                    batch = []
                    continue
                groups: dict[str, list] = defaultdict(list)
                for kind, item in picks:
                    groups[kind].append(item)
                for kind in ("all", "strength", "weakness"):
                    if kind not in groups:
                        continue
                    if kind in labels:
                        batch.append(para(labels[kind], _STYLES["label"]))
                    rows = []
                    for item in groups[kind]:
                        value, text = texts.get((t.tender_id, item), (None, ""))
                        rows.append(
                            [
                                para(keys.get(item.id, str(item.id)), "cell"),
                                _score(value),
                                para(text or "–", "cell"),
                            ]
                        )
                    batch.extend(_chunks(header, rows, widths))
                    yield batch
                    batch = []
                note = notes.get((c.id, t.tender_id))
                if note:
                    yield [para(note, "note")]
            if batch:
                yield batch

    def _chosen_justifications(self, criteria):
        """Per (criterion, tender) the items whose justifications are shown,
        as (group, item): "all", or "strength"/"weakness"; and a note where
        some are left out."""
        consensus = self.data.consensus
        ranked = [t.tender_id for t in self.results.tenders if not t.rejected]
        wanted: dict[tuple, list[tuple[str, engine.ItemKey]]] = {}
        notes: dict[tuple, str] = {}
        for c in criteria:
            if c.method != engine.Method.REQUIREMENTS:
                continue
            items = [engine.req_item(r) for r in c.requirement_weights]
            if len(items) <= ALL_JUSTIFICATIONS_UP_TO:
                for t in self.results.tenders:
                    picks = [
                        ("all", item)
                        for item in items
                        if (t.tender_id, item) in consensus
                    ]
                    if picks:
                        wanted[c.id, t.tender_id] = picks
                continue
            # Per item the sum and count of the ranked tenders' consensus scores:
            # another tender's mean is then one subtraction away.
            sums: dict[engine.ItemKey, tuple[Decimal, int]] = {}
            for item in items:
                total, count = Decimal(0), 0
                for tender_id in ranked:
                    value = consensus.get((tender_id, item))
                    if value is not None:
                        total += value
                        count += 1
                sums[item] = (total, count)
            for t in self.results.tenders:
                lifts = []
                agreed = 0
                for item in items:
                    value = consensus.get((t.tender_id, item))
                    if value is None:
                        continue
                    agreed += 1
                    total, count = sums[item]
                    if not t.rejected:
                        total, count = total - value, count - 1
                    if count == 0:
                        continue
                    weight = c.requirement_weights[item.id]
                    lifts.append((weight * (value - total / count), item))
                strengths = sorted(
                    (lift for lift in lifts if lift[0] > 0),
                    key=lambda lift: (-lift[0], str(lift[1].id)),
                )[:STRENGTHS]
                weaknesses = sorted(
                    (lift for lift in lifts if lift[0] < 0),
                    key=lambda lift: (lift[0], str(lift[1].id)),
                )[:STRENGTHS]
                picks = [("strength", item) for _lift, item in strengths]
                picks += [("weakness", item) for _lift, item in weaknesses]
                if picks:
                    wanted[c.id, t.tender_id] = picks
                if agreed > len(picks):
                    notes[c.id, t.tender_id] = ngettext(
                        "%(shown)s of %(count)s justification shown; all are in "
                        "the evaluation workbook.",
                        "%(shown)s of %(count)s justifications shown; all are in "
                        "the evaluation workbook.",
                        agreed,
                    ) % {
                        "shown": len(picks),
                        "count": formats.number_format(agreed, force_grouping=True),
                    }
        return wanted, notes

    def _consensus_texts(self, wanted) -> dict[tuple, tuple[Decimal, str]]:
        pairs = {
            (tender_id, item)
            for (_c, tender_id), picks in wanted.items()
            for _kind, item in picks
        }
        requirement_ids = sorted({item.id for _t, item in pairs})
        texts: dict[tuple, tuple[Decimal, str]] = {}
        base = ConsensusScore.objects.filter(evaluation=self.evaluation).order_by()
        for chunk in _chunked(requirement_ids, 500):
            for tender_id, requirement_id, value, text in base.filter(
                requirement_id__in=chunk
            ).values_list("tender_id", "requirement_id", "value", "justification"):
                key = (tender_id, engine.req_item(requirement_id))
                if key in pairs:
                    texts[key] = (value, text)
        direct = [c.id for c in self.leaves if c.method == engine.Method.DIRECT]
        for tender_id, criterion_id, value, text in base.filter(
            criterion_id__in=direct
        ).values_list("tender_id", "criterion_id", "value", "justification"):
            texts[tender_id, engine.crit_item(criterion_id)] = (value, text)
        return texts

    # Annex A: individual scores per criterion

    def _blind_note(self) -> list[Flowable] | None:
        if self.individual_visible:
            return None
        return [para(blind_scoring_note())]

    def annex_criteria(
        self, criteria: list[engine.Criterion], width: float
    ) -> Iterator[list[Flowable]]:
        blind = self._blind_note()
        if blind:
            yield blind
            return
        per_evaluator = self.data.evaluator_criterion_scores
        evaluators = _people({e for e, _c, _t in per_evaluator})
        yield [
            para(
                _(
                    "Each evaluator's own points per criterion and tender, "
                    "computed from their individual scores like the panel's "
                    "(weighted mean over the requirements they scored). The "
                    "last row holds the panel's points before normalisation. "
                    "Kendall's W measures how far the evaluators agree on the "
                    "order of the tenders (1: fully)."
                ),
                "note",
            )
        ]
        tenders = self.ordered
        for c in criteria:
            scorers = sorted(
                {e for e, crit, _t in per_evaluator if crit == c.id},
                key=lambda e: (evaluators.get(e, ""), e),
            )
            agreement = self.results.agreement.get(c.id)
            batch: list[Flowable] = [
                section_break(),
                para(c.name, "h2"),
            ]
            if agreement is not None and agreement.w is not None:
                text = _(
                    "Kendall's W = %(w)s (%(evaluators)s evaluators, "
                    "%(tenders)s tenders)."
                ) % {
                    "w": formats.number_format(
                        agreement.w.quantize(Decimal("0.001")), 3
                    ),
                    "evaluators": agreement.evaluators,
                    "tenders": agreement.tenders,
                }
                if agreement.excluded_evaluators:
                    text += " " + ngettext(
                        "%(count)s evaluator who did not score every tender is "
                        "left out.",
                        "%(count)s evaluators who did not score every tender are "
                        "left out.",
                        agreement.excluded_evaluators,
                    ) % {"count": agreement.excluded_evaluators}
                batch.append(para(text, "note"))
            if not scorers:
                batch.append(para(_("No individual scores."), "note"))
                yield batch
                continue
            for start in range(0, len(tenders), TENDERS_PER_TABLE):
                group = tenders[start : start + TENDERS_PER_TABLE]
                name_width = width - 2.4 * cm * len(group)
                header = [_("Evaluator"), *(para(t.name, "cell_bold") for t in group)]
                rows = [
                    [
                        para(evaluators.get(e, str(e)), "cell"),
                        *(
                            _points(per_evaluator.get((e, c.id, t.tender_id)))
                            for t in group
                        ),
                    ]
                    for e in scorers
                ]
                rows.append(
                    [
                        para(_("Panel"), "cell_bold"),
                        *(_points(t.criteria[c.id].raw) for t in group),
                    ]
                )
                style = [
                    *GRID_STYLE,
                    *HEADER_STYLE,
                    ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
                    ("FONT", (0, -1), (-1, -1), FONT_BOLD),
                ]
                for table in _chunks(
                    header,
                    rows,
                    [name_width, *([2.4 * cm] * len(group))],
                    rows_per_chunk=40,
                    style=style,
                ):
                    batch.append(table)
                    yield batch
                    batch = []

    # Annex B: individual scores per item

    def annex_items(self, width: float) -> Iterator[list[Flowable]]:
        blind = self._blind_note()
        if blind:
            yield blind
            return
        individual = self.data.individual
        score_count = sum(aggregate.count for aggregate in individual.values())
        pair_count = len(individual)
        spreads = {(s.tender_id, s.item): s for s in self.results.flagged_spreads}
        if pair_count <= ITEM_ROWS:
            pairs = list(individual)
            all_spreads = {(s.tender_id, s.item): s for s in self.results.spreads}
            note = _(
                "Every individual score: %(scores)s scores on %(pairs)s tender × "
                "item pairs. Flagged: the spread (highest − lowest score, as a "
                "share of the scale) reaches the disagreement threshold."
            ) % {
                "scores": formats.number_format(score_count, force_grouping=True),
                "pairs": formats.number_format(pair_count, force_grouping=True),
            }
        else:
            largest = sorted(spreads.values(), key=lambda s: -s.spread)[:ITEM_ROWS]
            pairs = [(s.tender_id, s.item) for s in largest]
            all_spreads = spreads
            note = _(
                "%(shown)s of the %(flagged)s flagged tender × item pairs, those "
                "with the largest spreads (highest − lowest score, as a share of "
                "the scale). All %(scores)s individual scores on %(pairs)s pairs "
                "are in the evaluation workbook."
            ) % {
                "shown": formats.number_format(len(pairs), force_grouping=True),
                "flagged": formats.number_format(len(spreads), force_grouping=True),
                "scores": formats.number_format(score_count, force_grouping=True),
                "pairs": formats.number_format(pair_count, force_grouping=True),
            }
        yield [para(note, "note")]
        if not pairs:
            yield [para(_("No individual scores."), "note")]
            return
        scores = self._item_scores(pairs)
        people = _people({e for per_pair in scores.values() for e, _v in per_pair})
        labels = _requirement_labels(
            {item.id for _t, item in pairs if item.kind == engine.REQ}
        )
        criterion_of = {}
        position = {}
        for index, c in enumerate(self.leaves):
            position[c.id] = index
            criterion_of[engine.crit_item(c.id)] = c
            for r in c.requirement_weights:
                criterion_of[engine.req_item(r)] = c
        tender_position = {t.tender_id: i for i, t in enumerate(self.ordered)}

        def order(pair):
            tender_id, item = pair
            c = criterion_of.get(item)
            return (
                position.get(c.id, len(position)) if c else len(position),
                tender_position.get(tender_id, 0),
                labels.get(item.id, "") if item.kind == engine.REQ else "",
            )

        header = [
            _("Item"),
            _("Tender"),
            _("Individual scores"),
            _("Spread"),
            _("Flag"),
        ]
        widths = [5 * cm, 3 * cm, width - 11.4 * cm, 1.7 * cm, 1.7 * cm]
        item_style = ParagraphStyle("item", parent=styles()["cell"], spaceBefore=2)
        separator = " · "

        def rows():
            for pair in sorted(pairs, key=order):
                tender_id, item = pair
                c = criterion_of.get(item)
                spread = all_spreads.get(pair)
                given = sorted(
                    scores.get(pair, []),
                    key=lambda row: (people.get(row[0], ""), row[0]),
                )
                yield [
                    [
                        para(c.name if c else "–", "cell_bold"),
                        para(
                            labels.get(item.id, str(item.id))
                            if item.kind == engine.REQ
                            else _("The criterion (scored directly)"),
                            item_style,
                        ),
                    ],
                    para(self.names.get(tender_id, ""), "cell"),
                    para(
                        separator.join(
                            f"{people.get(e, e)}: {_score(v)}" for e, v in given
                        ),
                        "cell",
                    ),
                    _points(spread.spread) if spread else "–",
                    _("flagged") if spread and spread.flagged else "",
                ]

        style = [*GRID_STYLE, *HEADER_STYLE, ("ALIGN", (3, 1), (3, -1), "RIGHT")]
        for table in _chunks(header, rows(), widths, style=style):
            yield [table]

    def _item_scores(self, pairs) -> dict[tuple, list[tuple[int, Decimal]]]:
        wanted = set(pairs)
        found: dict[tuple, list[tuple[int, Decimal]]] = defaultdict(list)
        base = Score.objects.filter(evaluation=self.evaluation).order_by()
        requirement_ids = sorted(
            {item.id for _t, item in wanted if item.kind == engine.REQ}
        )
        for chunk in _chunked(requirement_ids, 500):
            for evaluator_id, tender_id, requirement_id, value in base.filter(
                requirement_id__in=chunk
            ).values_list("evaluator_id", "tender_id", "requirement_id", "value"):
                key = (tender_id, engine.req_item(requirement_id))
                if key in wanted:
                    found[key].append((evaluator_id, value))
        criterion_ids = sorted(
            {item.id for _t, item in wanted if item.kind == engine.CRIT}
        )
        if criterion_ids:
            for evaluator_id, tender_id, criterion_id, value in base.filter(
                criterion_id__in=criterion_ids
            ).values_list("evaluator_id", "tender_id", "criterion_id", "value"):
                key = (tender_id, engine.crit_item(criterion_id))
                if key in wanted:
                    found[key].append((evaluator_id, value))
        return found

    # Annex C: declarations of impartiality

    def annex_declarations(self, width: float) -> Iterator[list[Flowable]]:
        declarations = (
            Declaration.objects.filter(procurement=self.evaluation.procurement)
            .select_related("evaluator")
            .prefetch_related("conflicts")
            .order_by("evaluator__last_name", "evaluator__first_name", "pk")
        )
        header = [_("Evaluator"), _("Signed"), _("Conflicts of interest")]
        widths = [5 * cm, 3.4 * cm, width - 8.4 * cm]
        rows = []
        for declaration in declarations:
            conflicts = sorted(vendor.name for vendor in declaration.conflicts.all())
            text = ", ".join(conflicts) if conflicts else _("None declared")
            if declaration.conflict_note:
                text += f" – {declaration.conflict_note}"
            rows.append(
                [
                    para(_person(declaration.evaluator), "cell"),
                    _when(declaration.signed_at),
                    para(text, "cell"),
                ]
            )
        if not rows:
            yield [para(_("No declarations have been signed."))]
            return
        yield [
            para(
                _(
                    "Every declaration of impartiality signed for this "
                    "procurement. An evaluator never sees the tender of a vendor "
                    "they declared a conflict with."
                ),
                "note",
            ),
            *_chunks(header, rows, widths, rows_per_chunk=40),
        ]
