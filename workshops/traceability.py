"""The traceability matrix (.xlsx): which workshop input each requirement came
from, and which organisation levels raised it.

Sheet 1 has one row per requirement × origin input (requirement key, title,
section, status, input, workshop, its date, raising organisations and their
levels); a requirement without origins gets one row with the origin columns
empty, so gaps show. Sheet 2 has one row per requirement with, for each
organisation level, how many distinct organisations of that level raised its
origin inputs.

Written in openpyxl's write-only mode through ``procurement.documents.xlsx``,
so cells are safe (text starting with "=" stays text) and memory stays flat;
the link tables are read once as plain values, never row by row."""

from __future__ import annotations

from collections import defaultdict
from typing import IO

from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from procurement.documents.xlsx import Column, SheetWriter, new_workbook
from procurement.models import Organisation, Procurement, Requirement
from workshops.models import Input

LEVELS = Organisation.Level


def matrix_filename(procurement: Procurement) -> str:
    return (
        f"{slugify(procurement.reference)}-{slugify(_('traceability'))}-"
        f"{timezone.localdate().isoformat()}.xlsx"
    )


def _origins(procurement: Procurement) -> dict[int, list[int]]:
    """requirement id → its origin input ids, in input order."""
    origins: dict[int, list[int]] = defaultdict(list)
    rows = (
        Input.requirements.through.objects.filter(requirement__procurement=procurement)
        .order_by("input__workshop__starts_at", "input__number", "input_id")
        .values_list("requirement_id", "input_id")
    )
    for requirement_id, input_id in rows.iterator(chunk_size=5000):
        origins[requirement_id].append(input_id)
    return origins


def _inputs(procurement: Procurement) -> dict[int, dict]:
    """Input id → number, workshop title and start of every input that is an
    origin of some requirement in the procurement."""
    rows = (
        Input.objects.filter(
            workshop__procurement=procurement, requirements__isnull=False
        )
        .distinct()
        .values_list("pk", "number", "workshop__title", "workshop__starts_at")
    )
    return {
        pk: {"number": number, "workshop": title, "starts_at": starts_at}
        for pk, number, title, starts_at in rows.iterator(chunk_size=5000)
    }


def _raisers(procurement: Procurement) -> dict[int, list[tuple[str, str]]]:
    """Input id → (organisation name, level) of its raising organisations."""
    raisers: dict[int, list[tuple[str, str]]] = defaultdict(list)
    rows = (
        Input.raised_by_organisations.through.objects.filter(
            input__workshop__procurement=procurement,
            input__requirements__isnull=False,
        )
        .distinct()
        .order_by("organisation__name")
        .values_list("input_id", "organisation__name", "organisation__level")
    )
    for input_id, name, level in rows.iterator(chunk_size=5000):
        raisers[input_id].append((name, level))
    return raisers


def write_trace_matrix(procurement: Procurement, out: IO[bytes]) -> int:
    """Write the matrix for ``procurement`` to ``out``, headers in the active
    language; returns the number of rows on the first sheet."""
    origins = _origins(procurement)
    inputs = _inputs(procurement)
    raisers = _raisers(procurement)
    level_labels = dict(LEVELS.choices)
    statuses = dict(Requirement.Status.choices)

    workbook = new_workbook()
    matrix = SheetWriter(
        workbook,
        _("Traceability"),
        [
            Column(_("Key"), width=14),
            Column(_("Title"), width=50, wrap=True),
            Column(_("Section"), width=30, wrap=True),
            Column(_("Status"), width=14),
            Column(_("Input"), width=10),
            Column(_("Workshop"), width=40, wrap=True),
            Column(_("Workshop date"), width=14, number_format="yyyy-mm-dd"),
            Column(_("Raised by"), width=45, wrap=True),
            Column(_("Organisation levels"), width=35, wrap=True),
        ],
    )
    coverage = SheetWriter(
        workbook,
        _("Coverage by level"),
        [
            Column(_("Key"), width=14),
            Column(_("Title"), width=50, wrap=True),
            Column(_("Section"), width=30, wrap=True),
            Column(_("Origins"), width=10, number_format="0"),
            *[
                Column(str(label), width=18, number_format="0")
                for label in LEVELS.labels
            ],
            Column(_("Levels covered"), width=12, number_format="0"),
        ],
    )
    requirements = (
        Requirement.objects.filter(procurement=procurement)
        .order_by("section__sort_key", "key")
        .values_list(
            "pk", "key", "title", "status", "section__number", "section__title"
        )
    )
    for pk, key, title, status, section_number, section_title in requirements.iterator(
        chunk_size=2000
    ):
        section = f"{section_number} {section_title}"
        head = [key, title, section, str(statuses.get(status, status))]
        per_level: dict[str, set[str]] = {level: set() for level in LEVELS.values}
        input_ids = origins.get(pk, [])
        for input_id in input_ids:
            item = inputs[input_id]
            raised = raisers.get(input_id, [])
            levels = sorted({level for _name, level in raised})
            for name, level in raised:
                per_level[level].add(name)
            starts_at = item["starts_at"]
            matrix.append(
                [
                    *head,
                    f"#{input_id}",
                    item["workshop"],
                    timezone.localtime(starts_at).date() if starts_at else None,
                    ", ".join(name for name, _level in raised),
                    ", ".join(str(level_labels.get(level, level)) for level in levels),
                ]
            )
        if not input_ids:
            matrix.append([*head, None, None, None, None, None])
        counts = [len(per_level[level]) for level in LEVELS.values]
        coverage.append(
            [
                key,
                title,
                section,
                len(input_ids),
                *counts,
                sum(1 for count in counts if count),
            ]
        )
    matrix.close()
    coverage.close()
    workbook.save(out)
    return matrix.rows
