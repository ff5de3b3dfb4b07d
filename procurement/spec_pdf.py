"""Bilag 1 – Kundens kravspesifikasjon: the requirement specification as a PDF,
as it stands today or as a published baseline froze it.

The cover names the procurement, the version (the baseline's label, or a
working version) and the date; then come a table of contents of the sections
and, section by section, every requirement with its key, kind, weight, title,
need/description and response instructions. Withdrawn requirements are left
out and the cover says how many. Requirements are read from the database in
chunks while the pages are laid out, so a specification of tens of thousands
of requirements does not sit in memory.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from operator import itemgetter
from typing import IO

from django.db.models import Count, F
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.platypus import Flowable, NextPageTemplate, PageBreak

from procurement.documents.pdf import (
    FONT_BOLD,
    GRID_STYLE,
    HEADER_STYLE,
    ContentsEntry,
    DeferredStory,
    Heading,
    KravsporDocTemplate,
    Para,
    contents_tables,
    cover,
    para,
    section_break,
    styles,
    table_chunks,
)
from procurement.documents.safety import pdf_text
from procurement.models import (
    Baseline,
    BaselineRequirement,
    Procurement,
    Requirement,
    Section,
)
from procurement.models.specification import section_sort_key

# The appendix's fixed Norwegian name in the contract documents; not translated.
DOCUMENT_TITLE = "Bilag 1 – Kundens kravspesifikasjon"

WITHDRAWN = Requirement.Status.WITHDRAWN
ROW_FIELDS = [
    "key",
    "section_number",
    "section_title",
    "section_sort_key",
    "title",
    "description",
    "response_instructions",
    "kind",
    "weight",
    "status",
]
# Requirements per table: a table is never much more than a page.
ROWS_PER_TABLE = 10


@dataclass(frozen=True)
class _Section:
    number: str
    title: str
    sort_key: str
    has_children: bool = False

    @property
    def level(self) -> int:
        return self.number.count(".")

    @property
    def key(self) -> str:
        return f"section-{self.number}"

    @property
    def heading(self) -> str:
        return f"{self.number} {self.title}".strip()


def write_specification_pdf(
    procurement: Procurement, out: IO[bytes], *, baseline: Baseline | None = None
) -> None:
    """Write Bilag 1 of ``procurement`` to ``out`` (a binary file): the
    requirements frozen in ``baseline``, or without it the specification as it
    is now. Withdrawn requirements are left out; the cover says how many."""
    if baseline is not None and baseline.procurement_id != procurement.pk:
        raise ValueError("The baseline belongs to another procurement.")
    source = _Source(procurement, baseline)
    sections = source.sections()
    by_kind = source.count_by_kind()
    if baseline is not None:
        version = baseline.label
        day = timezone.localdate(baseline.published_at)
    else:
        version = _("Working version")
        day = timezone.localdate()

    doc = KravsporDocTemplate(
        out,
        title=f"{procurement.reference} {DOCUMENT_TITLE}",
        subject=procurement.title,
        header_left=f"{procurement.reference} · {DOCUMENT_TITLE}",
        header_right=version,
    )
    story: list[Flowable] = cover(
        title=DOCUMENT_TITLE,
        subtitle=f"{procurement.reference} – {procurement.title}",
        facts=_cover_facts(procurement, version, day, by_kind, len(sections)),
        notes=_cover_notes(baseline, source.withdrawn_count()),
        width=doc.width,
    )
    story += [
        NextPageTemplate("body"),
        PageBreak(),
        Heading(_("Contents"), key="contents", level=0),
        *contents_tables(
            [ContentsEntry(s.key, s.level, s.heading) for s in sections],
            width=doc.width - 12,
        ),
        DeferredStory(_body(sections, source.rows(), width=doc.width - 12)),
    ]
    doc.build(story)


class _Source:
    """Where the content comes from: a baseline's frozen rows, or the
    requirements as they are now. Rows are dicts with ``ROW_FIELDS``."""

    def __init__(self, procurement: Procurement, baseline: Baseline | None):
        self.procurement = procurement
        self.baseline = baseline

    def _all(self):
        if self.baseline is not None:
            return BaselineRequirement.objects.filter(baseline=self.baseline)
        return Requirement.objects.filter(procurement=self.procurement)

    def _active(self):
        return self._all().exclude(status=WITHDRAWN)

    def withdrawn_count(self) -> int:
        return self._all().filter(status=WITHDRAWN).count()

    def count_by_kind(self) -> dict[str, int]:
        return dict(
            self._active()
            .order_by()
            .values_list("kind")
            .annotate(n=Count("pk"))
            .values_list("kind", "n")
        )

    def rows(self) -> Iterator[dict]:
        if self.baseline is not None:
            rows = (
                self._active().order_by("section_sort_key", "key").values(*ROW_FIELDS)
            )
        else:
            rows = (
                self._active()
                .order_by("section__sort_key", "key")
                .values(
                    *(f for f in ROW_FIELDS if not f.startswith("section_")),
                    section_number=F("section__number"),
                    section_title=F("section__title"),
                    section_sort_key=F("section__sort_key"),
                )
            )
        return rows.iterator(chunk_size=2000)

    def sections(self) -> list[_Section]:
        """The sections in document order. Today: every section. A baseline
        keeps only the sections its requirements were in; the sections above
        them are added with today's titles (a number alone if gone)."""
        current = {
            number: (title, sort_key)
            for number, title, sort_key in Section.objects.filter(
                procurement=self.procurement
            ).values_list("number", "title", "sort_key")
        }
        if self.baseline is None:
            found = current
        else:
            found = {
                number: (title, sort_key)
                for number, title, sort_key in self._active()
                .order_by()
                .values_list("section_number", "section_title", "section_sort_key")
                .distinct()
            }
            for number in list(found):
                parts = number.split(".")
                for depth in range(1, len(parts)):
                    parent = ".".join(parts[:depth])
                    if parent not in found:
                        title = current.get(parent, ("", ""))[0]
                        found[parent] = (title, section_sort_key(parent))
        parents = {number.rsplit(".", 1)[0] for number in found if "." in number}
        return sorted(
            (
                _Section(number, title, sort_key, has_children=number in parents)
                for number, (title, sort_key) in found.items()
            ),
            key=lambda section: section.sort_key,
        )


def _cover_facts(procurement, version, day, by_kind, section_count):
    total = sum(by_kind.values())
    kinds = ", ".join(
        f"{kind}: {formats.number_format(by_kind[kind], force_grouping=True)}"
        for kind in Requirement.Kind.values
        if by_kind.get(kind)
    )
    count = formats.number_format(total, force_grouping=True)
    return [
        (_("Procurement"), f"{procurement.reference} – {procurement.title}"),
        (_("Programme"), procurement.programme.name),
        (_("Version"), version),
        (_("Date"), formats.date_format(day, "DATE_FORMAT")),
        (_("Requirements"), f"{count} ({kinds})" if kinds else count),
        (_("Sections"), formats.number_format(section_count, force_grouping=True)),
    ]


def _cover_notes(baseline: Baseline | None, withdrawn: int) -> list[str]:
    notes = []
    if baseline is None:
        notes.append(
            _(
                "Working version: the specification as it stands today. It is "
                "not a published baseline and may still change."
            )
        )
    elif baseline.description:
        notes.append(baseline.description)
    notes.append(
        ngettext(
            "Withdrawn requirements are left out of this document "
            "(%(count)s requirement).",
            "Withdrawn requirements are left out of this document "
            "(%(count)s requirements).",
            withdrawn,
        )
        % {"count": formats.number_format(withdrawn, force_grouping=True)}
    )
    notes.append(
        _("Kinds: %(kinds)s. Weights apply to kinds V and AV.")
        % {"kinds": "; ".join(str(label) for label in Requirement.Kind.labels)}
    )
    return notes


# The body -----------------------------------------------------------------


def _body(
    sections: list[_Section], rows: Iterator[dict], *, width: float
) -> Iterator[list[Flowable]]:
    """Batches of flowables, section by section; each heading comes in one
    batch with its first table."""
    if not sections:
        yield [PageBreak(), para(_("The specification has no requirements."), "note")]
        return
    writer = _RowWriter()
    widths = [2.5 * cm, 1.0 * cm, 1.2 * cm]
    widths.append(width - sum(widths))
    header = [_("Key"), _("Kind"), _("Weight"), _("Requirement")]
    style = [*GRID_STYLE, *HEADER_STYLE, ("FONT", (0, 1), (0, -1), FONT_BOLD)]
    groups = itertools.groupby(rows, key=itemgetter("section_sort_key"))
    for section, section_rows in _merge(sections, groups):
        lead: list[Flowable] = [
            PageBreak() if section.level == 0 else section_break(),
            Heading(section.heading, key=section.key, level=section.level),
        ]
        if section_rows is None:
            if not section.has_children:
                lead.append(para(_("No requirements in this section."), "note"))
            yield lead
            continue
        tables = table_chunks(
            header,
            (writer.row(row) for row in section_rows),
            col_widths=widths,
            rows_per_chunk=ROWS_PER_TABLE,
            style=style,
        )
        yield [*lead, next(tables)]
        for table in tables:
            yield [table]


def _merge(
    sections: list[_Section], groups: Iterable[tuple[str, Iterator[dict]]]
) -> Iterator[tuple[_Section, Iterator[dict] | None]]:
    """Sections in order with their rows (None: no requirements). Rows of a
    section made after the section list was read get a section of their own."""
    index = 0
    for sort_key, section_rows in groups:
        while index < len(sections) and sections[index].sort_key < sort_key:
            yield sections[index], None
            index += 1
        if index < len(sections) and sections[index].sort_key == sort_key:
            yield sections[index], section_rows
            index += 1
        else:
            first = next(section_rows)
            section = _Section(
                first["section_number"], first["section_title"], sort_key
            )
            yield section, itertools.chain([first], section_rows)
    for section in sections[index:]:
        yield section, None


class _RowWriter:
    """One requirement as a table row: key, kind, weight, then title, text,
    response instructions and (when not approved) the status."""

    def __init__(self):
        cell = styles()["cell"]
        self.title_style = styles()["cell_bold"]
        self.text_style = ParagraphStyle("requirement_text", parent=cell, spaceBefore=3)
        self.note_style = ParagraphStyle(
            "requirement_note", parent=styles()["cell_note"], spaceBefore=3
        )
        self.label_style = ParagraphStyle(
            "requirement_label", parent=styles()["cell_bold"], spaceBefore=3
        )
        self.instructions_style = cell
        self.key_style = styles()["cell_bold"]
        self.instructions_label = pdf_text(_("Response instructions"))
        self.status_labels = dict(Requirement.Status.choices)

    def row(self, row: dict) -> list:
        content = [Para(pdf_text(row["title"]), self.title_style)]
        if row["description"]:
            content.append(Para(pdf_text(row["description"]), self.text_style))
        if row["response_instructions"]:
            # Label and text as two one-font paragraphs: a paragraph that mixes
            # fonts takes reportlab about twice as long to lay out.
            content.append(Para(self.instructions_label, self.label_style))
            content.append(
                Para(pdf_text(row["response_instructions"]), self.instructions_style)
            )
        if row["status"] != Requirement.Status.APPROVED:
            label = self.status_labels.get(row["status"], row["status"])
            content.append(
                Para(
                    pdf_text(_("Status: %(status)s") % {"status": label}),
                    self.note_style,
                )
            )
        key = row["key"]
        # Plain strings are drawn as they are; long keys need a paragraph to wrap.
        key_cell = key if len(key) <= 14 else Para(pdf_text(key), self.key_style)
        return [key_cell, row["kind"], _weight(row["weight"]), content]


def _weight(weight: Decimal | None) -> str:
    if weight is None:
        return ""
    if weight == weight.to_integral_value():
        return formats.number_format(int(weight))
    return formats.number_format(weight.normalize())
