"""Formats, styles, tables and lookups shared by the sections of the
evaluation report PDF (``evaluation.reports.report_pdf``); the criteria's tree
order and the verdict on the declared weight ranges serve the evaluation
workbook too."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Iterator
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.platypus import Table, TableStyle

from evaluation import results as engine
from procurement.documents.pdf import (
    FONT_BOLD,
    GRID_STYLE,
    HEADER_STYLE,
    RULE,
    para,
    styles,
    table_chunks,
)
from procurement.models import Requirement

ROWS_PER_TABLE = 25


# Styles and formats -----------------------------------------------------------


def _make_styles() -> dict[str, ParagraphStyle]:
    body = styles()["body"]
    return {
        "marking": ParagraphStyle(
            "marking",
            parent=body,
            fontName=FONT_BOLD,
            fontSize=16,
            leading=20,
            textColor=colors.HexColor("#9c2f2f"),
            borderColor=colors.HexColor("#9c2f2f"),
            borderWidth=1,
            borderPadding=6,
            spaceAfter=6,
        ),
        "provisional": ParagraphStyle(
            "provisional",
            parent=body,
            fontName=FONT_BOLD,
            fontSize=13,
            leading=16,
            textColor=colors.HexColor("#8a5a00"),
            spaceBefore=14,
        ),
        "tender": ParagraphStyle(
            "tender", parent=styles()["h3"], spaceBefore=10, keepWithNext=1
        ),
        "label": ParagraphStyle(
            "label", parent=styles()["cell_bold"], spaceBefore=4, spaceAfter=2
        ),
    }


_STYLES = _make_styles()


def _points(value: Decimal | None) -> str:
    if value is None:
        return "–"
    return formats.number_format(engine.display_points(value), 2)


def _price(value: Decimal | None) -> str:
    if value is None:
        return "–"
    return formats.number_format(
        engine.display_price(value), 0, use_l10n=True, force_grouping=True
    )


def _percent(fraction: Decimal | None) -> str:
    if fraction is None:
        return "–"
    value = engine.display_percent(fraction)
    if value == value.to_integral_value():
        return f"{formats.number_format(int(value))}\u00a0%"
    return f"{formats.number_format(value.normalize())}\u00a0%"


def _score(value: Decimal | None) -> str:
    if value is None:
        return "–"
    if value == value.to_integral_value():
        return formats.number_format(int(value))
    return formats.number_format(value.normalize())


def _when(value) -> str:
    if value is None:
        return "–"
    return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")


def _person(user) -> str:
    return user.get_full_name() or user.get_username()


def _facts_table(facts: Iterable[tuple[str, str]], width: float) -> Table:
    label_width = 5 * cm
    return Table(
        [[para(label, "cell_bold"), para(value, "cell")] for label, value in facts],
        colWidths=[label_width, width - label_width],
        hAlign="LEFT",
        style=TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ]
        ),
    )


def _chunks(header, rows, widths, *, rows_per_chunk=ROWS_PER_TABLE, style=None):
    """Rows in page-sized tables under a header whose labels wrap."""
    return table_chunks(
        [
            para(label, "cell_bold") if isinstance(label, str) else label
            for label in header
        ],
        rows,
        col_widths=widths,
        rows_per_chunk=rows_per_chunk,
        style=style or [*GRID_STYLE, *HEADER_STYLE],
    )


# Helpers ------------------------------------------------------------------------


def _tree_order(
    criteria: Iterable[engine.Criterion],
) -> list[tuple[engine.Criterion, int]]:
    """The criteria depth first, each with its depth."""
    children: dict[Hashable | None, list[engine.Criterion]] = defaultdict(list)
    ids = {c.id for c in criteria}
    for c in criteria:
        children[c.parent_id if c.parent_id in ids else None].append(c)
    ordered: list[tuple[engine.Criterion, int]] = []

    def visit(parent, depth):
        for c in children.get(parent, []):
            ordered.append((c, depth))
            if c.id != parent:
                visit(c.id, depth + 1)

    visit(None, 0)
    return ordered


def blind_scoring_note() -> str:
    """What the reports say in place of individual scores while scoring is
    blind (``evaluation.access.scoring_is_blind``)."""
    return _(
        "Scoring is still blind: the individual scores are shown once the lead "
        "has opened consensus."
    )


def range_check_verdict(check: engine.RangeCheck, challenger: str) -> str:
    """What the check of the declared weight ranges found, as the results
    page says it; ``challenger`` is the name of the tender it names."""
    if not check.feasible:
        return _(
            "The declared weight ranges cannot sum to 100 %, so they were not tested."
        )
    if check.winner_changes:
        return _(
            "Weights inside the declared ranges can change the winner: "
            "%(challenger)s would win."
        ) % {"challenger": challenger}
    if check.tie_possible:
        return _(
            "Weights inside the declared ranges can at most tie the winner "
            "with %(challenger)s."
        ) % {"challenger": challenger}
    return _(
        "No weights inside the declared ranges (still summing to 100 %) "
        "change the winner."
    )


def _people(ids: set) -> dict[int, str]:
    return {
        user.pk: _person(user)
        for user in get_user_model().objects.filter(pk__in=list(ids))
    }


def _requirement_labels(ids: set) -> dict[int, str]:
    labels = {}
    for chunk in _chunked(sorted(ids), 500):
        for pk, key, title in Requirement.objects.filter(pk__in=chunk).values_list(
            "pk", "key", "title"
        ):
            labels[pk] = f"{key} {title}"
    return labels


def _chunked(values: list, size: int) -> Iterator[list]:
    for start in range(0, len(values), size):
        yield values[start : start + size]
