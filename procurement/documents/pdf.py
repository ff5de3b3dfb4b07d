"""Building blocks for Kravspor's PDF documents: a page layout with a header
and a "page X of Y" footer on every page, a cover, a table of contents,
paragraph styles, and tables cut into page-sized chunks.

Documents are laid out in one pass, however long they are. Two things are only
known at the end: the total number of pages, and the page each heading lands
on (which the table of contents shows before the headings come). Both are drawn
as PDF form objects that are defined after the last page; a PDF may use a form
before it defines it. Long bodies go into the story as a ``DeferredStory``, so
their flowables are made only when the layout reaches them and memory stays
flat.

Text from users goes through ``safety.pdf_text`` (use ``para``), so markup
characters print literally. Fonts are reportlab's built-in Helvetica family,
which holds the Norwegian letters.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from html import escape
from typing import IO, Any

from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from procurement.documents.safety import pdf_text

FONT = "Helvetica"
FONT_BOLD = "Helvetica-Bold"
FONT_ITALIC = "Helvetica-Oblique"
MARGIN = 2 * cm
HEADER_GAP = 0.9 * cm
FOOTER_SIZE = 8
MUTED = colors.HexColor("#555555")
RULE = colors.HexColor("#9a9a9a")
HEADER_FILL = colors.HexColor("#e6e9ee")


@functools.cache
def styles() -> dict[str, ParagraphStyle]:
    """The paragraph styles every Kravspor document uses. Shared: derive a new
    style with ``ParagraphStyle(name, parent=styles()[...])`` to change one."""
    base = ParagraphStyle("body", fontName=FONT, fontSize=10, leading=13)
    cell = ParagraphStyle("cell", parent=base, fontSize=8.5, leading=10.5)
    return {
        "body": base,
        "cover_title": ParagraphStyle(
            "cover_title",
            parent=base,
            fontName=FONT_BOLD,
            fontSize=22,
            leading=27,
            spaceAfter=14,
        ),
        "cover_subtitle": ParagraphStyle(
            "cover_subtitle", parent=base, fontSize=15, leading=19, spaceAfter=24
        ),
        "h1": ParagraphStyle(
            "h1",
            parent=base,
            fontName=FONT_BOLD,
            fontSize=14,
            leading=17,
            spaceBefore=6,
            spaceAfter=8,
        ),
        "h2": ParagraphStyle(
            "h2",
            parent=base,
            fontName=FONT_BOLD,
            fontSize=11.5,
            leading=14,
            spaceBefore=10,
            spaceAfter=5,
        ),
        "h3": ParagraphStyle(
            "h3",
            parent=base,
            fontName=FONT_BOLD,
            fontSize=10,
            leading=12.5,
            spaceBefore=8,
            spaceAfter=4,
        ),
        "note": ParagraphStyle(
            "note",
            parent=base,
            fontName=FONT_ITALIC,
            fontSize=9,
            leading=11.5,
            textColor=MUTED,
            spaceBefore=4,
            spaceAfter=4,
        ),
        "cell": cell,
        "cell_bold": ParagraphStyle("cell_bold", parent=cell, fontName=FONT_BOLD),
        "cell_note": ParagraphStyle(
            "cell_note", parent=cell, fontName=FONT_ITALIC, textColor=MUTED
        ),
        "cell_right": ParagraphStyle("cell_right", parent=cell, alignment=TA_RIGHT),
        "toc_0": ParagraphStyle(
            "toc_0", parent=base, fontName=FONT_BOLD, leading=14, spaceBefore=4
        ),
        "toc_1": ParagraphStyle("toc_1", parent=base, leftIndent=14),
        "toc_2": ParagraphStyle("toc_2", parent=base, fontSize=9, leftIndent=28),
    }


class Para(Paragraph):
    """A paragraph that keeps its line breaks for the width it was last
    wrapped to. A table measures each cell several times (to size its rows,
    to split itself, to draw), and breaking lines is most of the work of a
    long document. Takes markup: escape user text with ``pdf_text``."""

    _wrapped_width: float | None = None

    def wrap(self, available_width, available_height):
        # Splitting a paragraph drops its line breaks (blPara).
        if available_width == self._wrapped_width and hasattr(self, "blPara"):
            return self.width, self.height
        size = super().wrap(available_width, available_height)
        self._wrapped_width = available_width
        return size


def para(text: Any, style: str | ParagraphStyle = "body") -> Para:
    """A paragraph of plain text: markup characters print as they are."""
    return Para(pdf_text(text), _style(style))


def _style(style: str | ParagraphStyle) -> ParagraphStyle:
    return styles()[style] if isinstance(style, str) else style


# Headings and the table of contents ---------------------------------------


class Heading(Para):
    """A heading that becomes a bookmark and an outline entry of the PDF, and
    whose page the table of contents shows (through ``PageRef``)."""

    def __init__(self, text: str, *, key: str, level: int = 0, style=None):
        self.key = key
        self.level = level
        self.plain_text = text
        super().__init__(pdf_text(text), _style(style or f"h{min(level, 2) + 1}"))


@dataclass(frozen=True)
class ContentsEntry:
    key: str  # the Heading's key
    level: int
    text: str


class PageRef(Flowable):
    """The number of the page a heading lands on, right-aligned. Drawn as a
    form object the document defines once the heading has been placed."""

    def __init__(self, key: str, *, font: str = FONT, size: float = 10):
        super().__init__()
        self.key = key
        self.font = font
        self.size = size

    def wrap(self, available_width, available_height):
        self.width = available_width
        self.height = self.size * 1.2
        return self.width, self.height

    def draw(self) -> None:
        self._doctemplate.use_page_ref(self.key, self.font, self.size)
        self.canv.saveState()
        self.canv.translate(self.width, self.size * 0.25)
        self.canv.doForm(_page_ref_form(self.key))
        self.canv.restoreState()


def contents_tables(
    entries: Sequence[ContentsEntry], *, width: float, rows_per_chunk: int = 40
) -> Iterator[Table]:
    """A table of contents for headings made with the same keys: one line per
    entry (linked to the heading) and the page it lands on."""
    page_width = 1.6 * cm
    rows = (
        [
            Para(
                f'<a href="#{escape(entry.key)}">{pdf_text(entry.text)}</a>',
                styles()[f"toc_{min(entry.level, 2)}"],
            ),
            PageRef(
                entry.key,
                font=FONT_BOLD if entry.level == 0 else FONT,
                size=styles()[f"toc_{min(entry.level, 2)}"].fontSize,
            ),
        ]
        for entry in entries
    )
    style = [
        ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, -1), 1),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
    ]
    return table_chunks(
        None,
        rows,
        col_widths=[width - page_width, page_width],
        rows_per_chunk=rows_per_chunk,
        style=style,
    )


# Tables -------------------------------------------------------------------

GRID_STYLE = [
    ("FONT", (0, 0), (-1, -1), FONT, 8.5, 10.5),
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ("GRID", (0, 0), (-1, -1), 0.4, RULE),
    ("LEFTPADDING", (0, 0), (-1, -1), 4),
    ("RIGHTPADDING", (0, 0), (-1, -1), 4),
    ("TOPPADDING", (0, 0), (-1, -1), 3),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
]
HEADER_STYLE = [
    ("FONT", (0, 0), (-1, 0), FONT_BOLD, 8.5, 10.5),
    ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
]


def table_chunks(
    header: Sequence | None,
    rows: Iterable[Sequence],
    *,
    col_widths: Sequence[float],
    rows_per_chunk: int = 12,
    style: Sequence[tuple] | None = None,
) -> Iterator[Table]:
    """Many rows as a run of small tables, each about a page or less and each
    starting with ``header`` (if given). A table that does not fit where it
    starts still splits between rows, and a row taller than a page splits
    inside itself, but reportlab never has to measure one giant table again
    and again. Rows are read lazily."""
    commands = list(GRID_STYLE if style is None else style)
    if header is not None and style is None:
        commands += HEADER_STYLE
    table_style = TableStyle(commands)
    chunk: list[Sequence] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == rows_per_chunk:
            yield _table(header, chunk, col_widths, table_style)
            chunk = []
    if chunk:
        yield _table(header, chunk, col_widths, table_style)


def _table(header, rows, col_widths, table_style) -> Table:
    data = [list(header), *rows] if header is not None else rows
    return Table(
        data,
        colWidths=list(col_widths),
        style=table_style,
        repeatRows=1 if header is not None else 0,
        splitInRow=2 * cm,
        hAlign="LEFT",
    )


# The cover ----------------------------------------------------------------


def cover(
    *,
    title: str,
    subtitle: str = "",
    facts: Sequence[tuple[str, Any]] = (),
    notes: Sequence[str] = (),
    width: float,
) -> list[Flowable]:
    """The flowables of a cover page: title, subtitle, a table of label–value
    facts and notes. Everything is plain text."""
    parts: list[Flowable] = [Spacer(1, 3 * cm), para(title, "cover_title")]
    if subtitle:
        parts.append(para(subtitle, "cover_subtitle"))
    if facts:
        label_width = 4.2 * cm
        parts.append(
            Table(
                [[para(label, "cell_bold"), para(value)] for label, value in facts],
                colWidths=[label_width, width - label_width],
                hAlign="LEFT",
                style=TableStyle(
                    [
                        ("VALIGN", (0, 0), (-1, -1), "TOP"),
                        ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
                        ("LEFTPADDING", (0, 0), (-1, -1), 0),
                        ("TOPPADDING", (0, 0), (-1, -1), 4),
                        ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
                    ]
                ),
            )
        )
    if notes:
        parts.append(Spacer(1, 0.6 * cm))
        parts.extend(para(note, "note") for note in notes)
    return parts


# Lazy story ---------------------------------------------------------------


class DeferredStory(Flowable):
    """Stands in the story for flowables that are made only when the layout
    reaches them: ``batches`` yields lists of flowables. Keep a heading and
    what it must stay with in one batch."""

    def __init__(self, batches: Iterable[list[Flowable]]):
        super().__init__()
        self._batches = iter(batches)

    def wrap(self, available_width, available_height):
        return 0, 0

    def draw(self) -> None:
        pass

    def next_batch(self) -> list[Flowable] | None:
        return next(self._batches, None)


# The document -------------------------------------------------------------


def _page_form(number: int) -> str:
    return f"kravspor-page-{number}"


def _page_ref_form(key: str) -> str:
    # Hex keeps any key a valid PDF name.
    return f"kravspor-ref-{key.encode().hex()}"


class KravsporDocTemplate(BaseDocTemplate):
    """A4 portrait. The first page uses the "cover" template (footer only);
    switch with ``NextPageTemplate("body")`` before the first ``PageBreak`` to
    get the header on the rest. Every page gets "Page X of Y" (translated)."""

    def __init__(
        self,
        out: IO[bytes],
        *,
        title: str,
        header_left: str = "",
        header_right: str = "",
        footer_left: str = "",
        subject: str = "",
    ):
        super().__init__(
            out,
            pagesize=A4,
            leftMargin=MARGIN,
            rightMargin=MARGIN,
            topMargin=MARGIN + 0.3 * cm,
            bottomMargin=MARGIN,
            title=title,
            subject=subject,
            author="Kravspor",
            creator="Kravspor",
            pageCompression=1,
        )
        self.header_left = header_left
        self.header_right = header_right
        self.footer_left = footer_left
        frame = Frame(
            self.leftMargin, self.bottomMargin, self.width, self.height, id="main"
        )
        self.addPageTemplates(
            [
                PageTemplate(id="cover", frames=[frame], onPage=self._draw_footer),
                PageTemplate(id="body", frames=[frame], onPage=self._draw_body_page),
            ]
        )
        self.heading_pages: dict[str, int] = {}
        self._page_refs: dict[str, tuple[str, float]] = {}
        self._outline_level = -1

    # Building

    def build(self, flowables: list[Flowable]) -> None:  # type: ignore[override]
        # Save only after the forms for late numbers are defined. multiBuild
        # (for reportlab's own TableOfContents) has already turned saving off
        # and saves after its last pass; a DeferredStory cannot be built twice.
        save = getattr(self, "_doSave", 1)
        self._doSave = 0
        super().build(flowables)
        self._define_late_forms()
        if save:
            self.canv.save()
        self._doSave = save

    def filterFlowables(self, flowables: list) -> None:
        while flowables and isinstance(flowables[0], DeferredStory):
            batch = flowables[0].next_batch()
            if batch is None:
                flowables[0] = None  # reportlab drops it
                return
            flowables[0:0] = batch

    def afterFlowable(self, flowable: Flowable) -> None:
        if not isinstance(flowable, Heading):
            return
        key = flowable.key
        top = self.frame._y + flowable.height + flowable.getSpaceAfter()
        self.canv.bookmarkPage(key, fit="XYZ", left=0, top=top)
        # An outline may go down only one level at a time.
        level = min(flowable.level, self._outline_level + 1)
        self._outline_level = level
        self.canv.addOutlineEntry(flowable.plain_text, key, level=level)
        self.heading_pages[key] = self.page
        self.notify("TOCEntry", (flowable.level, flowable.plain_text, self.page, key))

    def use_page_ref(self, key: str, font: str, size: float) -> None:
        self._page_refs[key] = (font, size)
        if key not in self.heading_pages:
            # Until the heading comes (if ever), its link leads to this page;
            # the heading binds it anew.
            self.canv.bookmarkPage(key)

    def _define_late_forms(self) -> None:
        total = self.page
        for number in range(1, total + 1):
            text = _("Page %(page)s of %(total)s") % {"page": number, "total": total}
            self._right_aligned_form(
                _page_form(number), text, FONT, FOOTER_SIZE, colors.black
            )
        for key, (font, size) in self._page_refs.items():
            page = self.heading_pages.get(key)
            self._right_aligned_form(
                _page_ref_form(key),
                str(page) if page else "–",
                font,
                size,
                colors.black,
            )

    def _right_aligned_form(self, name, text, font, size, color) -> None:
        canvas = self.canv
        canvas.beginForm(name, lowerx=-12 * cm, lowery=-size, upperx=0, uppery=size)
        canvas.setFont(font, size)
        canvas.setFillColor(color)
        canvas.drawRightString(0, 0, text)
        canvas.endForm()

    # Page decoration

    def _draw_footer(self, canvas, doc) -> None:
        canvas.saveState()
        y = self.bottomMargin - HEADER_GAP
        canvas.setFont(FONT, FOOTER_SIZE)
        canvas.setFillColor(MUTED)
        if self.footer_left:
            canvas.drawString(self.leftMargin, y, self.footer_left)
        canvas.translate(self.pagesize[0] - self.rightMargin, y)
        canvas.doForm(_page_form(self.page))
        canvas.restoreState()

    def _draw_body_page(self, canvas, doc) -> None:
        canvas.saveState()
        top = self.pagesize[1] - self.topMargin + HEADER_GAP * 0.6
        canvas.setFont(FONT, FOOTER_SIZE)
        canvas.setFillColor(MUTED)
        canvas.drawString(self.leftMargin, top, self.header_left)
        canvas.drawRightString(
            self.pagesize[0] - self.rightMargin, top, self.header_right
        )
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.4)
        canvas.line(
            self.leftMargin, top - 4, self.pagesize[0] - self.rightMargin, top - 4
        )
        canvas.restoreState()
        self._draw_footer(canvas, doc)


def section_break(min_space: float = 5 * cm) -> Flowable:
    """Start a new page unless ``min_space`` is left: keeps a heading from
    standing alone at the foot of a page."""
    return CondPageBreak(min_space)
