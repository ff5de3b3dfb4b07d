"""The shared PDF building blocks, without a database."""

import io
import itertools
import re

from django.test import SimpleTestCase
from django.utils import translation
from pypdf import PdfReader
from reportlab.lib.units import cm
from reportlab.platypus import NextPageTemplate, PageBreak, Table
from reportlab.platypus.tableofcontents import TableOfContents

from procurement.documents.pdf import (
    ContentsEntry,
    DeferredStory,
    Heading,
    KravsporDocTemplate,
    Para,
    contents_tables,
    cover,
    para,
    section_break,
    table_chunks,
)


def build(story_for, **doc_options) -> PdfReader:
    out = io.BytesIO()
    doc = KravsporDocTemplate(
        out, title="Prøvedokument", header_left="HP-EPJ-2016", **doc_options
    )
    doc.build(story_for(doc))
    return PdfReader(io.BytesIO(out.getvalue()))


def texts(reader: PdfReader) -> list[str]:
    return [page.extract_text() for page in reader.pages]


def long_rows(count: int, words: int = 120):
    for number in range(count):
        yield [f"K-{number:04d}", para(f"Rad {number}. " + "ord " * words, "cell")]


class TableChunkTests(SimpleTestCase):
    def test_rows_come_out_as_small_tables_each_with_the_header(self):
        tables = list(
            table_chunks(
                ["Nøkkel", "Tekst"],
                ([str(n), "x"] for n in range(25)),
                col_widths=[3 * cm, 10 * cm],
                rows_per_chunk=10,
            )
        )
        self.assertEqual([len(t._cellvalues) for t in tables], [11, 11, 6])
        for table in tables:
            self.assertIsInstance(table, Table)
            self.assertEqual(table._cellvalues[0], ["Nøkkel", "Tekst"])
            self.assertEqual(table.repeatRows, 1)

    def test_rows_are_read_only_as_tables_are_needed(self):
        rows = iter([str(n)] for n in range(100))
        tables = table_chunks(None, rows, col_widths=[5 * cm], rows_per_chunk=10)
        next(tables)
        self.assertEqual(next(rows), ["10"])

    def test_without_a_header_no_row_repeats(self):
        (table,) = table_chunks(None, [["a"], ["b"]], col_widths=[5 * cm])
        self.assertEqual(table.repeatRows, 0)
        self.assertEqual(len(table._cellvalues), 2)


class DocumentTests(SimpleTestCase):
    def story(self, doc, sections=4):
        entries = [
            ContentsEntry(f"s{n}", 0 if n % 2 == 0 else 1, f"{n} Kapittel <{n}>")
            for n in range(sections)
        ]

        def batches():
            for entry in entries:
                rows = long_rows(12)
                tables = table_chunks(
                    ["Nøkkel", "Tekst"],
                    rows,
                    col_widths=[3 * cm, doc.width - 12 - 3 * cm],
                    rows_per_chunk=5,
                )
                yield [
                    section_break(),
                    Heading(entry.text, key=entry.key, level=entry.level),
                    next(tables),
                ]
                for table in tables:
                    yield [table]

        return [
            *cover(
                title="Bilag 1 – Kundens kravspesifikasjon",
                subtitle="HP-EPJ-2016 – Felles <b>pasientjournal</b>",
                facts=[("Versjon", "Arbeidsversjon & utkast")],
                notes=["Merknad med <a href='x'>lenke</a>."],
                width=doc.width,
            ),
            NextPageTemplate("body"),
            PageBreak(),
            Heading("Innhold", key="contents"),
            *contents_tables(entries, width=doc.width - 12),
            DeferredStory(batches()),
        ]

    def test_every_page_says_page_x_of_y(self):
        with translation.override("en"):
            pages = texts(build(self.story))
        self.assertGreater(len(pages), 4)
        for number, text in enumerate(pages, start=1):
            self.assertIn(f"Page {number} of {len(pages)}", text)

    def test_the_contents_give_and_link_the_page_each_heading_lands_on(self):
        reader = build(self.story)
        pages = texts(reader)
        links = [
            reader.get_page_number(annotation.get_object()["/Dest"][0].get_object())
            for annotation in reader.pages[1]["/Annots"]
        ]
        for n in range(4):
            heading = f"{n} Kapittel <{n}>"
            match = re.search(re.escape(heading) + r"\s*\n\s*(\d+)", pages[1])
            self.assertIsNotNone(match, heading)
            page = int(match[1])
            self.assertIn(heading, pages[page - 1])
            self.assertNotIn(heading, "".join(pages[2 : page - 1]))
            self.assertEqual(links[n], page - 1)

    def test_headings_become_the_outline_of_the_pdf(self):
        reader = build(self.story)
        outline = reader.outline
        titles = [item.title for item in outline if not isinstance(item, list)]
        self.assertEqual(titles, ["Innhold", "0 Kapittel <0>", "2 Kapittel <2>"])
        nested = [item for item in outline if isinstance(item, list)]
        self.assertEqual(nested[0][0].title, "1 Kapittel <1>")

    def test_text_is_printed_literally(self):
        pages = texts(build(self.story))
        self.assertIn("Felles <b>pasientjournal</b>", pages[0])
        self.assertIn("Arbeidsversjon & utkast", pages[0])
        self.assertIn("Merknad med <a href='x'>lenke</a>.", pages[0])
        self.assertIn("HP-EPJ-2016", pages[2])

    def test_the_body_is_made_while_it_is_laid_out(self):
        made_on = []

        def story(doc):
            def batches():
                for n in range(6):
                    made_on.append(doc.page)
                    yield [
                        Heading(f"Del {n}", key=f"d{n}", level=0),
                        *table_chunks(
                            None,
                            long_rows(6),
                            col_widths=[3 * cm, 12 * cm],
                            rows_per_chunk=6,
                        ),
                    ]

            return [para("Start"), DeferredStory(batches())]

        pages = texts(build(story))
        self.assertEqual(len(made_on), 6)
        self.assertEqual(made_on, sorted(made_on))
        self.assertGreater(made_on[-1], made_on[0])
        self.assertIn("Del 5", "".join(pages))

    def test_a_heading_that_skips_a_level_and_an_unused_reference_are_fine(self):
        def story(doc):
            return [
                *contents_tables(
                    [ContentsEntry("missing", 0, "Finnes ikke")], width=doc.width - 12
                ),
                Heading("Kapittel", key="a", level=0),
                Heading("Dypt nede", key="b", level=3),
            ]

        pages = texts(build(story))
        self.assertIn("Finnes ikke", pages[0])
        self.assertIn("–", pages[0])

    def test_a_cell_taller_than_a_page_flows_over_pages(self):
        def story(doc):
            text = "\n".join(f"Linje {n}" for n in range(300))
            return list(
                table_chunks(
                    ["A", "B"],
                    [["K-1", [Para("Tittel", para("").style), para(text, "cell")]]],
                    col_widths=[3 * cm, 12 * cm],
                )
            )

        pages = texts(build(story))
        self.assertGreater(len(pages), 2)
        joined = "\n".join(pages)
        for n in itertools.chain(range(3), range(297, 300)):
            self.assertIn(f"Linje {n}", joined)

    def test_reportlab_s_own_contents_work_in_several_passes(self):
        out = io.BytesIO()
        with translation.override("en"):
            doc = KravsporDocTemplate(out, title="Flere runder")
            contents = TableOfContents()
            story = [contents, PageBreak()]
            for n in range(3):
                story += [Heading(f"Del {n}", key=f"d{n}"), PageBreak()]
            doc.multiBuild(story)
        pages = texts(PdfReader(io.BytesIO(out.getvalue())))
        self.assertEqual(len(pages), 4)
        self.assertIn("Page 4 of 4", pages[3])
        self.assertRegex(pages[0], r"2\s+Del 0\s+3\s+Del 1\s+4\s+Del 2")
