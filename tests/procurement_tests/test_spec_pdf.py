import io
import re
from decimal import Decimal

from django.utils import translation
from pypdf import PdfReader

from procurement.models import Requirement
from procurement.services.specification import (
    baseline_publish,
    requirement_create,
    requirement_update,
    section_save,
)
from procurement.spec_pdf import DOCUMENT_TITLE, write_specification_pdf
from tests.base import KravsporTestCase

MARKUP_TITLE = "Vis <b>fet</b> tekst & <a href='https://x.example'>lenke</a>"


def pdf_pages(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


class SpecificationFixture(KravsporTestCase):
    """Two chapters with two subsections and seven requirements, one of them
    withdrawn and one with markup in its text."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()

        def section(number, title, prefix="", parent=None):
            return section_save(
                by=cls.staff,
                procurement=cls.procurement,
                number=number,
                title=title,
                prefix=prefix,
                parent=parent,
            )

        journal = section("1", "Pasientjournal", "JOURN")
        cls.notes = section("1.1", "Journalføring", parent=journal)
        cls.charts = section("1.2", "Kurve og observasjoner", parent=journal)
        security = section("2", "Informasjonssikkerhet", "SIKK")
        cls.access = section("2.1", "Tilgangsstyring", parent=security)
        cls.empty = section("2.2", "Logging", parent=security)

        def requirement(section, title, **fields):
            fields.setdefault("status", Requirement.Status.APPROVED)
            fields.setdefault("weight", Decimal("3"))
            return requirement_create(
                by=cls.staff,
                procurement=cls.procurement,
                section=section,
                title=title,
                **fields,
            )

        cls.first = requirement(
            cls.notes,
            "Strukturerte notater",
            description="Løsningen skal la legen skrive strukturerte notater.",
            response_instructions="Beskriv hvordan notatmaler lages og vedlikeholdes.",
        )
        cls.markup = requirement(
            cls.notes,
            MARKUP_TITLE,
            kind=Requirement.Kind.AV,
            weight=Decimal("2.5"),
            description="Tekst med <i>kursiv</i>, &amp; og 5 < 7 > 3.",
            response_instructions="Svar med <br/> og &nbsp; som tekst.",
        )
        cls.absolute = requirement(
            cls.charts,
            "Vitale parametere",
            kind=Requirement.Kind.A,
            weight=None,
            description="Løsningen skal vise vitale parametere i kurven.",
        )
        cls.draft = requirement(
            cls.charts,
            "Væskebalanse",
            status=Requirement.Status.DRAFT,
        )
        cls.withdrawn = requirement(cls.access, "Trukket krav om passord")
        requirement_update(
            by=cls.staff,
            requirement=cls.withdrawn,
            status=Requirement.Status.WITHDRAWN,
        )
        cls.access_requirement = requirement(
            cls.access,
            "Rollebasert tilgang",
            kind=Requirement.Kind.I,
            weight=None,
        )

    def write(self, baseline=None) -> list[str]:
        out = io.BytesIO()
        write_specification_pdf(self.procurement, out, baseline=baseline)
        return pdf_pages(out.getvalue())


class SpecificationPdfTests(SpecificationFixture):
    def test_the_cover_names_the_procurement_version_and_title(self):
        with translation.override("en"):
            cover = self.write()[0]
        self.assertIn(DOCUMENT_TITLE, cover)
        self.assertIn("HP-EPJ-2016", cover)
        self.assertIn("Felles pasientjournal", cover)
        self.assertIn("Working version", cover)
        self.assertIn("Helseplattformen", cover)

    def test_the_contents_list_every_section_with_the_page_it_starts_on(self):
        with translation.override("en"):
            pages = self.write()
        contents = pages[1]
        self.assertIn("Contents", contents)
        for heading in (
            "1 Pasientjournal",
            "1.1 Journalføring",
            "1.2 Kurve og observasjoner",
            "2 Informasjonssikkerhet",
            "2.1 Tilgangsstyring",
            "2.2 Logging",
        ):
            match = re.search(re.escape(heading) + r"\s*\n\s*(\d+)", contents)
            self.assertIsNotNone(match, heading)
            page = int(match[1])
            self.assertIn(heading, pages[page - 1].split("Page")[-1], heading)

    def test_every_page_is_numbered(self):
        with translation.override("en"):
            pages = self.write()
        for number, text in enumerate(pages, start=1):
            self.assertIn(f"Page {number} of {len(pages)}", text)

    def test_every_active_key_is_printed_and_withdrawn_ones_are_not(self):
        with translation.override("en"):
            pages = self.write()
        text = "\n".join(pages)
        for requirement in (
            self.first,
            self.markup,
            self.absolute,
            self.draft,
            self.access_requirement,
        ):
            self.assertIn(requirement.key, text)
        self.assertNotIn(self.withdrawn.key, text)
        self.assertNotIn("Trukket krav om passord", text)
        self.assertIn(
            "Withdrawn requirements are left out of this document (1 requirement).",
            pages[0],
        )

    def test_it_prints_kind_weight_text_and_response_instructions(self):
        with translation.override("en"):
            text = "\n".join(self.write())
        self.assertIn("Løsningen skal la legen skrive strukturerte notater.", text)
        self.assertIn(
            "Response instructions\nBeskriv hvordan notatmaler lages og vedlikeholdes.",
            text,
        )
        self.assertRegex(text, rf"{self.markup.key}\s*AV\s*2.5")
        self.assertRegex(text, rf"{self.absolute.key}\s*A\s*\n")
        self.assertIn("Status: Draft", text)
        self.assertIn("No requirements in this section.", text)

    def test_markup_in_the_text_prints_literally(self):
        text = "\n".join(self.write())
        self.assertIn("<b>fet</b> tekst &", text)
        self.assertIn("<a href='https://x.example'>lenke</a>", text)
        self.assertIn("Tekst med <i>kursiv</i>, &amp; og 5 < 7 > 3.", text)
        self.assertIn("Svar med <br/> og &nbsp; som tekst.", text)

    def test_a_baseline_prints_what_was_published_and_today_what_is_now(self):
        baseline = baseline_publish(
            by=self.staff,
            procurement=self.procurement,
            label="Konkurransegrunnlag 2017-05",
        )
        requirement_update(
            by=self.staff, requirement=self.first, title="Maler for notater"
        )
        later = requirement_create(
            by=self.staff,
            procurement=self.procurement,
            section=self.empty,
            title="Logg over oppslag",
            kind=Requirement.Kind.I,
        )
        with translation.override("en"):
            published = "\n".join(self.write(baseline))
            today = "\n".join(self.write())
        self.assertIn("Konkurransegrunnlag 2017-05", published)
        self.assertNotIn("Working version", published)
        self.assertIn("Strukturerte notater", published)
        self.assertNotIn("Maler for notater", published)
        self.assertNotIn(later.key, published)
        self.assertNotIn(self.withdrawn.key, published)
        self.assertIn("Maler for notater", today)
        self.assertIn(later.key, today)
        # The baseline keeps only sections with requirements, plus the chapters.
        self.assertIn("2 Informasjonssikkerhet", published)
        self.assertNotIn("2.2 Logging", published)

    def test_a_requirement_longer_than_a_page_flows_over_pages(self):
        requirement_create(
            by=self.staff,
            procurement=self.procurement,
            section=self.empty,
            title="Langt krav",
            kind=Requirement.Kind.I,
            description="\n".join(f"Linje {n} av et langt krav." for n in range(400)),
        )
        text = "\n".join(self.write())
        self.assertIn("Linje 0 av et langt krav.", text)
        self.assertIn("Linje 399 av et langt krav.", text)

    def test_a_foreign_baseline_is_refused(self):
        baseline = baseline_publish(by=None, procurement=self.foreign, label="Annen")
        with self.assertRaises(ValueError):
            write_specification_pdf(self.procurement, io.BytesIO(), baseline=baseline)

    def test_an_empty_specification_still_makes_a_document(self):
        out = io.BytesIO()
        with translation.override("en"):
            write_specification_pdf(self.foreign, out)
        text = "\n".join(pdf_pages(out.getvalue()))
        self.assertIn("The specification has no requirements.", text)


class SpecificationPdfViewTests(SpecificationFixture):
    def url(self, procurement=None):
        return f"/procurements/{(procurement or self.procurement).pk}/spec/bilag1.pdf"

    def test_it_downloads_today_s_specification(self):
        self.login(self.staff)
        response = self.client.get(self.url())
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/pdf")
        self.assertIn(
            'attachment; filename="HP-EPJ-2016-bilag1.pdf"',
            response["Content-Disposition"],
        )
        text = "\n".join(pdf_pages(b"".join(response.streaming_content)))
        self.assertIn(self.first.key, text)

    def test_it_downloads_a_baseline(self):
        baseline = baseline_publish(
            by=self.staff,
            procurement=self.procurement,
            label="Konkurransegrunnlag 2017-05",
        )
        self.login(self.manager)
        response = self.client.get(self.url(), {"baseline": baseline.pk})
        self.assertEqual(response.status_code, 200)
        self.assertIn(
            "HP-EPJ-2016-bilag1-konkurransegrunnlag-2017-05.pdf",
            response["Content-Disposition"],
        )
        text = "\n".join(pdf_pages(b"".join(response.streaming_content)))
        self.assertIn("Konkurransegrunnlag 2017-05", text)

    def test_every_role_on_the_procurement_may_download_it(self):
        for user in (self.evaluator, self.lead, self.manager, self.admin):
            self.login(user)
            with self.subTest(user=user.username):
                self.assertEqual(self.client.get(self.url()).status_code, 200)

    def test_it_hides_from_outsiders(self):
        self.login(self.outsider)
        self.assertEqual(self.client.get(self.url()).status_code, 404)
        self.login(self.foreign_lead)
        self.assertEqual(self.client.get(self.url()).status_code, 404)

    def test_a_baseline_of_another_procurement_is_not_found(self):
        baseline = baseline_publish(by=None, procurement=self.foreign, label="Annen")
        self.login(self.staff)
        response = self.client.get(self.url(), {"baseline": baseline.pk})
        self.assertEqual(response.status_code, 404)
        response = self.client.get(self.url(), {"baseline": "x"})
        self.assertEqual(response.status_code, 404)

    def test_it_asks_strangers_to_log_in(self):
        response = self.client.get(self.url())
        self.assertEqual(response.status_code, 302)
        self.assertIn("/accounts/login/", response["Location"])

    def test_it_rejects_post_and_delete(self):
        self.login(self.staff)
        self.assertEqual(self.client.post(self.url()).status_code, 405)
        self.assertEqual(self.client.delete(self.url()).status_code, 405)

    def test_head_answers_with_the_headers_only(self):
        self.login(self.evaluator)
        response = self.client.head(self.url())
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/pdf")
        self.assertIn("HP-EPJ-2016-bilag1.pdf", response["Content-Disposition"])
        self.login(self.outsider)
        self.assertEqual(self.client.head(self.url()).status_code, 404)

    def test_the_url_has_a_name(self):
        from django.urls import reverse

        self.assertEqual(
            reverse("procurement:spec-pdf", args=[self.procurement.pk]), self.url()
        )
