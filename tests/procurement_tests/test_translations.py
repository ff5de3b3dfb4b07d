"""Bokmål is complete and the committed .mo files match the .po files."""

import gettext
import re
from pathlib import Path

from django.test import SimpleTestCase

from tests.base import KravsporTestCase

LOCALE = Path(__file__).resolve().parents[2] / "locale"


def _unquote(chunk: str) -> str:
    parts = re.findall(r'"((?:[^"\\]|\\.)*)"', chunk)
    return "".join(parts).encode("raw_unicode_escape").decode("unicode_escape")


def read_po(path: Path) -> list[dict]:
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        msgid = re.search(r"^msgid ((?:\".*\"\n?)+)", block, re.M)
        if not msgid:
            continue
        entry = {
            "msgid": _unquote(msgid.group(1)),
            "fuzzy": bool(re.search(r"^#,.*fuzzy", block, re.M)),
            "msgstr": [
                _unquote(m)
                for m in re.findall(r"^msgstr(?:\[\d\])? ((?:\".*\"\n?)+)", block, re.M)
            ],
        }
        plural = re.search(r"^msgid_plural ((?:\".*\"\n?)+)", block, re.M)
        entry["plural"] = _unquote(plural.group(1)) if plural else None
        if entry["msgid"]:
            entries.append(entry)
    return entries


class CatalogueTests(SimpleTestCase):
    def test_every_bokmal_string_is_translated(self):
        entries = read_po(LOCALE / "nb" / "LC_MESSAGES" / "django.po")
        self.assertGreater(len(entries), 100)
        untranslated = [
            e["msgid"] for e in entries if e["fuzzy"] or not all(e["msgstr"])
        ]
        self.assertEqual(untranslated, [])

    def test_placeholders_survive_translation(self):
        for entry in read_po(LOCALE / "nb" / "LC_MESSAGES" / "django.po"):
            wanted = set(re.findall(r"%\(\w+\)s", entry["msgid"]))
            for msgstr in entry["msgstr"]:
                self.assertEqual(
                    set(re.findall(r"%\(\w+\)s", msgstr)), wanted, entry["msgid"]
                )

    def test_the_compiled_catalogues_are_up_to_date(self):
        for language in ("nb", "en"):
            folder = LOCALE / language / "LC_MESSAGES"
            with open(folder / "django.mo", "rb") as handle:
                compiled = gettext.GNUTranslations(handle)
            for entry in read_po(folder / "django.po"):
                if not all(entry["msgstr"]):
                    continue
                if entry["plural"]:
                    got = compiled.ngettext(entry["msgid"], entry["plural"], 1)
                else:
                    got = compiled.gettext(entry["msgid"])
                self.assertEqual(
                    got, entry["msgstr"][0], f"{language}: {entry['msgid']}"
                )


class LanguageTests(KravsporTestCase):
    def test_bokmal_is_the_default_whatever_the_browser_asks(self):
        self.login(self.staff)
        response = self.client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
        self.assertContains(response, '<html lang="nb">')
        self.assertContains(response, "Oversikt")
        self.assertContains(response, "Organisasjoner etter nivå")

    def test_the_switch_changes_to_english_and_back(self):
        self.login(self.staff)
        response = self.client.post(
            "/i18n/setlang/", {"language": "en", "next": "/organisations/"}
        )
        self.assertRedirects(response, "/organisations/")
        response = self.client.get("/organisations/")
        self.assertContains(response, '<html lang="en">')
        self.assertContains(response, "New organisation")
        self.client.post("/i18n/setlang/", {"language": "nb", "next": "/"})
        self.assertContains(self.client.get("/"), "Oversikt")

    def test_the_login_page_can_switch_language_before_login(self):
        response = self.client.post(
            "/i18n/setlang/", {"language": "en", "next": "/accounts/login/"}
        )
        self.assertRedirects(response, "/accounts/login/")
        self.assertContains(self.client.get("/accounts/login/"), "Log in to Kravspor")

    def test_errors_are_translated(self):
        self.login(self.staff)
        response = self.client.post(
            "/organisations/new/",
            {
                "name": "X",
                "org_number": "942110465",
                "kind": "municipality",
                "level": "municipal",
            },
        )
        self.assertContains(response, "kontrollsifferet stemmer ikke")
