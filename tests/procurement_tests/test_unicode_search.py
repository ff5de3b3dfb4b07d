"""Searches ignore the case of Æ, Ø and Å on SQLite as on PostgreSQL."""

from django.test import SimpleTestCase

from procurement.models import Organisation
from procurement.unicode_search import like_matches
from tests.base import KravsporTestCase


class LikeMatchesTests(SimpleTestCase):
    def test_norwegian_letters_match_in_either_case(self):
        self.assertTrue(like_matches("Ørland kommune", "%ørland%"))
        self.assertTrue(like_matches("ålesund", "%ÅLESUND%"))
        self.assertTrue(like_matches("Bærum", "bÆrum"))
        self.assertFalse(like_matches("Orland kommune", "%ørland%"))

    def test_percent_and_underscore_are_wildcards(self):
        self.assertTrue(like_matches("Sør-Trøndelag", "s_r-%lag"))
        self.assertFalse(like_matches("Sør-Trøndelag", "s_r-lag"))
        self.assertTrue(like_matches("Røros\nkommune", "%røros%kommune"))

    def test_escaped_wildcards_are_literal(self):
        self.assertTrue(like_matches("Økt 50% bruk", "%ø%50\\%%"))
        self.assertFalse(like_matches("Økt 50 bruk", "%ø%50\\%%"))
        self.assertTrue(like_matches("ø_a", "Ø\\_A"))
        self.assertFalse(like_matches("øxa", "Ø\\_A"))
        self.assertTrue(like_matches("ø\\", "Ø\\\\"))

    def test_regex_characters_in_the_text_are_literal(self):
        self.assertTrue(like_matches("Å (a+b)*", "%å (a+b)*"))
        self.assertFalse(like_matches("Å aab", "%å (a+b)%"))

    def test_null_gives_null(self):
        self.assertIsNone(like_matches(None, "%ø%"))
        self.assertIsNone(like_matches("ø", None))


class SearchPagesTests(KravsporTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        Organisation.objects.create(
            name="Ørland kommune",
            kind=Organisation.Kind.MUNICIPALITY,
            level=Organisation.Level.MUNICIPAL,
            county="trondelag",
        )
        Organisation.objects.create(
            name="Åfjord kommune",
            kind=Organisation.Kind.MUNICIPALITY,
            level=Organisation.Level.MUNICIPAL,
            county="trondelag",
        )

    def test_the_organisation_search_finds_norwegian_letters_in_either_case(self):
        self.login(self.staff)
        response = self.client.get("/organisations/", {"q": "ørland"})
        self.assertContains(response, "Ørland kommune")
        self.assertNotContains(response, "Åfjord kommune")
        response = self.client.get("/organisations/", {"q": "ÅFJORD"})
        self.assertContains(response, "Åfjord kommune")
        self.assertNotContains(response, "Ørland kommune")

    def test_lookups_other_than_contains_fold_case_too(self):
        names = Organisation.objects.values_list("name", flat=True)
        self.assertEqual(
            list(names.filter(name__iexact="ØRLAND KOMMUNE")), ["Ørland kommune"]
        )
        self.assertEqual(list(names.filter(name__istartswith="åf")), ["Åfjord kommune"])
        self.assertEqual(sorted(names.filter(name__iendswith="ORLAND KOMMUNE")), [])
        self.assertEqual(
            list(names.filter(name__iendswith="RLAND KOMMUNE")), ["Ørland kommune"]
        )

    def test_a_wildcard_typed_by_the_user_is_a_plain_character(self):
        self.assertFalse(Organisation.objects.filter(name__icontains="ø%d").exists())
        self.assertTrue(Organisation.objects.filter(name__icontains="ørland").exists())


class LikeShapesTests(SimpleTestCase):
    """Each pattern shape that takes a plain string test matches as LIKE does."""

    def test_shapes(self):
        cases = [
            ("%ø%", "Bø", True),
            ("%ø%", "Bo", False),
            ("ø%", "Øst", True),
            ("ø%", "Søst", False),
            ("%ø", "Bø", True),
            ("%ø", "Bøa", False),
            ("ø", "Ø", True),
            ("ø", "Øø", False),
            ("%", "", True),
            ("", "", True),
            ("", "ø", False),
            ("%%ø%%", "aØa", True),
            ("ø%å", "ØxxÅ", True),
            ("ø%å", "ØxxÅx", False),
            ("_ø", "xØ", True),
            ("_ø", "Ø", False),
        ]
        for pattern, value, expected in cases:
            with self.subTest(pattern=pattern, value=value):
                self.assertIs(like_matches(value, pattern), expected)
