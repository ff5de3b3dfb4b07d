"""The personal-data guard finds what must not be stored, and only that."""

import time

from django import forms
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.test import SimpleTestCase
from django.utils import translation

from procurement.personal_data import (
    REMEDY,
    Finding,
    PersonalDataGuardMixin,
    check_text,
    describe,
    find_personal_data,
    validate_no_personal_data,
)


def _control_digit(digits: str, weights: tuple[int, ...]) -> int | None:
    digit = (11 - sum(w * int(d) for w, d in zip(weights, digits, strict=True))) % 11
    return None if digit == 10 else digit


def national_id(birth: str, first_serial: int = 123) -> str:
    """An identity number (or D-number, when the day is raised by 40) that passes
    both control digits: the first individual number from ``first_serial`` on
    whose control digits are not 10. Written without python-stdnum, so the tests
    do not grade the library with itself."""
    for serial in range(first_serial, 1000):
        nine = f"{birth}{serial:03d}"
        k1 = _control_digit(nine, (3, 7, 6, 1, 8, 9, 4, 5, 2))
        if k1 is None:
            continue
        k2 = _control_digit(f"{nine}{k1}", (5, 4, 3, 2, 7, 6, 5, 4, 3, 2))
        if k2 is not None:
            return f"{nine}{k1}{k2}"
    raise AssertionError(f"no valid number for {birth}")


FNR = national_id("010190")  # born 1 January 1990
D_NUMBER = national_id("410190")  # the same day, as a D-number (first digit + 4)


def broken(number: str, position: int) -> str:
    """The number with one control digit changed, so its checksum fails."""
    digit = str((int(number[position]) + 1) % 10)
    return number[:position] + digit + number[position + 1 :]


def kinds(text: str) -> list[str]:
    return [finding.kind for finding in find_personal_data(text)]


class NationalIdTests(SimpleTestCase):
    def test_the_helper_makes_numbers_whose_checksum_holds(self):
        self.assertEqual(len(FNR), 11)
        self.assertTrue(FNR.startswith("010190"))
        self.assertTrue(D_NUMBER.startswith("410190"))

    def test_a_valid_number_is_found_with_its_place(self):
        text = f"Pasienten har fnr {FNR} i journalen."
        self.assertEqual(
            find_personal_data(text),
            [Finding("national_id", 18, 29, "010190*****", 1, 19)],
        )

    def test_a_d_number_is_found_as_a_d_number(self):
        self.assertEqual(kinds(f"D-nummer {D_NUMBER}"), ["d_number"])

    def test_a_wrong_first_or_second_control_digit_is_not_found(self):
        self.assertEqual(kinds(f"fnr {broken(FNR, 9)}"), [])
        self.assertEqual(kinds(f"fnr {broken(FNR, 10)}"), [])
        self.assertEqual(kinds(f"dnr {broken(D_NUMBER, 10)}"), [])

    def test_eleven_digits_that_are_no_date_are_not_found(self):
        self.assertEqual(kinds("Saksnummer 12345678901 og 99999999999."), [])

    def test_the_spaced_and_hyphenated_forms_are_found(self):
        for text, excerpt in (
            (f"{FNR[:6]} {FNR[6:]}", "010190 *****"),
            (f"{FNR[:6]}-{FNR[6:]}", "010190-*****"),
            (f"{FNR[:6]}\u00a0{FNR[6:]}", "010190\u00a0*****"),
        ):
            with self.subTest(text=text):
                [finding] = find_personal_data(text)
                self.assertEqual(finding.excerpt, excerpt)
                self.assertEqual((finding.start, finding.end), (0, 12))

    def test_a_dotted_form_is_read_as_an_account_or_version_number(self):
        self.assertEqual(kinds(f"{FNR[:6]}.{FNR[6:]}"), [])
        self.assertEqual(kinds(f"konto {FNR[:4]}.{FNR[4:6]}.{FNR[6:]}"), [])

    def test_punctuation_around_the_number_does_not_hide_it(self):
        for text in (
            f"fnr:{FNR}",
            f"({FNR})",
            f"«{FNR}»",
            f"fnr={FNR};",
            f"Fødselsnummeret er {FNR}.",
            f"{FNR}, født 1990",
            f"journal_{FNR}.pdf",
        ):
            with self.subTest(text=text):
                self.assertEqual(kinds(text), ["national_id"])

    def test_it_is_found_at_the_very_start_and_end_of_the_text(self):
        self.assertEqual(find_personal_data(FNR)[0].start, 0)
        text = f"slutt {FNR}"
        self.assertEqual(find_personal_data(text)[0].end, len(text))

    def test_a_number_glued_to_letters_is_still_found(self):
        # The documented choice: the checksum makes chance hits rare, a missed
        # identity number is the costlier mistake.
        self.assertEqual(kinds(f"ref{FNR}"), ["national_id"])
        self.assertEqual(kinds(f"ABC{FNR}X"), ["national_id"])

    def test_digits_inside_a_longer_number_are_not_found(self):
        for text in (
            f"9{FNR}",
            f"{FNR}0",
            f"12{FNR}",  # 13 digits
            f"KID 4{FNR}77 betalt",
            f"NO12{FNR}",  # IBAN-like
            f"Sum 3,{FNR}",
            f"{FNR}.5 poeng",
            f"{FNR},25",
            f"12-{FNR}",
            f"{FNR}-2",
            f"{FNR[:6]} {FNR[6:]} 12",
            f"1 {FNR[:6]} {FNR[6:]}",
        ):
            with self.subTest(text=text):
                self.assertEqual(kinds(text), [])

    def test_a_compact_number_next_to_another_number_is_still_found(self):
        self.assertEqual(kinds(f"{FNR} 12 år"), ["national_id"])
        self.assertEqual(kinds(f"Rom 3 {FNR}"), ["national_id"])

    def test_organisation_numbers_and_account_numbers_are_not_found(self):
        text = (
            "Org.nr. 983 658 776 (983658776), konto 1234.56.78903, NO93 8601 1117 947"
        )
        self.assertEqual(kinds(text), [])

    def test_a_birth_date_in_the_future_is_not_a_person(self):
        next_year = f"{(time.localtime().tm_year + 1) % 100:02d}"
        self.assertEqual(kinds(national_id(f"0101{next_year}", first_serial=500)), [])


class EmailTests(SimpleTestCase):
    def test_addresses_are_found_without_surrounding_punctuation(self):
        for text, address in (
            ("ola.nordmann@stolav.no", "ola.nordmann@stolav.no"),
            ("Skriv til <kari@helse-midt.no>.", "kari@helse-midt.no"),
            ("kåre.ødegård@trondheim.kommune.no", "kåre.ødegård@trondheim.kommune.no"),
            ("mailto:per+krav@post.helse-midt.no, takk", "per+krav@post.helse-midt.no"),
            ("(Åse_O'Neil-Berg@Example.COM)", "Åse_O'Neil-Berg@Example.COM"),
            ("...ola@stolav.no", "ola@stolav.no"),
        ):
            with self.subTest(text=text):
                [finding] = find_personal_data(text)
                self.assertEqual(finding.kind, "email")
                self.assertEqual(text[finding.start : finding.end], address)

    def test_the_excerpt_shows_only_the_first_letter_and_the_domain(self):
        [finding] = find_personal_data("ola.nordmann@stolav.no")
        self.assertEqual(finding.excerpt, "o***@stolav.no")

    def test_things_that_only_look_a_bit_like_addresses_are_not_found(self):
        for text in (
            "ola@localhost",
            "@stolav.no",
            "Følg @helseplattformen",
            "ola@ stolav.no",
            "a @ b",
            "versjon 2.1@3",
        ):
            with self.subTest(text=text):
                self.assertEqual(kinds(text), [])

    def test_an_identity_number_used_as_an_address_is_one_finding(self):
        self.assertEqual(kinds(f"{FNR}@sms.example.no"), ["email"])
        self.assertEqual(kinds(f"pas.{FNR}@sms.example.no"), ["email"])

    def test_a_long_text_without_an_address_is_checked_quickly(self):
        text = "a" * 100_000 + " " + "b." * 50_000 + " x@y" + "z" * 50_000
        started = time.perf_counter()
        find_personal_data(text)
        self.assertLess(time.perf_counter() - started, 2)


class PhoneTests(SimpleTestCase):
    def test_every_written_form_is_found(self):
        for text in (
            "41234567",
            "412 34 567",
            "41 23 45 67",
            "22\u00a033\u00a044\u00a055",
            "+47 41234567",
            "+4741234567",
            "+47 412 34 567",
            "+47 41 23 45 67",
            "+47-412-34-567",
            "0047 41234567",
            "(+47) 22334455",
            "+47 12345678",  # with +47 even a number starting with 1
        ):
            with self.subTest(text=text):
                found = find_personal_data(f"Ring {text}, takk.")
                self.assertEqual([f.kind for f in found], ["phone"])
                self.assertEqual((found[0].start, found[0].end), (5, 5 + len(text)))

    def test_punctuation_and_the_ends_of_the_text_do_not_hide_a_number(self):
        for text in ("tlf:41234567", "tlf. 41234567", "(41234567)", "41234567."):
            with self.subTest(text=text):
                self.assertEqual(kinds(text), ["phone"])

    def test_the_excerpt_keeps_the_layout_but_only_the_last_two_digits(self):
        excerpts = [
            f.excerpt
            for f in find_personal_data("412 34 567 / +47 41 23 45 67 / 0047 22334455")
        ]
        self.assertEqual(excerpts, ["*** ** *67", "+47 ** ** ** 67", "0047 ******55"])

    def test_eight_digits_after_a_foreign_country_code_are_still_found(self):
        [finding] = find_personal_data("Dansk nummer: +45 41234567")
        self.assertEqual((finding.kind, finding.start), ("phone", 18))

    def test_numbers_separated_by_spaces_are_each_found(self):
        self.assertEqual(kinds("22334455 41234567 99887766"), ["phone"] * 3)

    def test_eight_digits_starting_with_0_or_1_are_not_a_norwegian_number(self):
        self.assertEqual(kinds("12345678 og 01234567"), [])

    def test_digits_inside_longer_numbers_or_codes_are_not_a_phone_number(self):
        for text in (
            "412345678",
            "Saksnr 412345678901",
            "41 23 45 67 89",
            "1 41 23 45 67",
            "412 34 567 8",
            "ABC41234567",  # glued to letters: read as a code
            "krav_41234567",
            "versjon 1.41234567",
            "versjon 41234567.2",
            "Sum 3,41234567",
        ):
            with self.subTest(text=text):
                self.assertEqual(kinds(text), [])

    def test_dates_written_as_eight_digits_are_not_phone_numbers(self):
        self.assertEqual(kinds("Tilbud mottatt 20170501 og 25052017."), [])

    def test_a_date_written_with_the_country_code_is_a_phone_number(self):
        self.assertEqual(kinds("+47 20170501"), ["phone"])

    def test_eight_digits_that_are_no_real_date_are_still_a_phone_number(self):
        self.assertEqual(kinds("20171301 og 32052017"), ["phone", "phone"])

    def test_amounts_are_not_phone_numbers(self):
        for text in (
            "12 345 678 kr",
            "45 000 000",
            "kr 45000000",
            "Kr. 45000000",
            "NOK 45000000",
            "45000000 kr",
            "45000000 kroner",
            "45000000,-",
            "45,000,000",
        ):
            with self.subTest(text=text):
                self.assertEqual(kinds(text), [])

    def test_org_numbers_keys_years_and_versions_are_not_phone_numbers(self):
        text = (
            "Org.nr. 983 658 776 (983658776), krav FUNK-0042, år 2017 2018, "
            "versjon 10.4.2, 2016-2019, 01.05.2017, 12:30"
        )
        self.assertEqual(kinds(text), [])

    def test_a_list_of_two_digit_numbers_is_taken_for_a_phone_number(self):
        # The documented price of finding "41 23 45 67".
        self.assertEqual(kinds("Vektene er 40 30 25 20."), ["phone"])
        self.assertEqual(kinds("Vektene er 40, 30, 25 og 20."), [])


class PositionTests(SimpleTestCase):
    def test_several_findings_come_in_reading_order_with_line_and_column(self):
        text = (
            "Første linje uten noe.\n"
            "Ring 41234567 eller skriv til ola@stolav.no\r\n"
            f"\tfnr {FNR} og {D_NUMBER}"
        )
        found = [(f.kind, f.line, f.column) for f in find_personal_data(text)]
        self.assertEqual(
            found,
            [
                ("phone", 2, 6),
                ("email", 2, 31),
                ("national_id", 3, 6),
                ("d_number", 3, 21),
            ],
        )

    def test_a_lone_carriage_return_also_ends_a_line(self):
        [finding] = find_personal_data("a\rb\r\n\nc 41234567")
        self.assertEqual((finding.line, finding.column), (4, 3))

    def test_start_and_end_cut_out_exactly_the_value(self):
        text = f"x\ny {FNR} z 412 34 567 w"
        values = [text[f.start : f.end] for f in find_personal_data(text)]
        self.assertEqual(values, [FNR, "412 34 567"])

    def test_text_without_personal_data_gives_no_findings(self):
        self.assertEqual(find_personal_data(""), [])
        self.assertEqual(
            find_personal_data("Systemet skal vise legemiddellisten (FUNK-0042)."),
            [],
        )


class MaskingTests(SimpleTestCase):
    TEXT = (
        f"{FNR} {FNR[:6]}-{FNR[6:]} {D_NUMBER} ola.nordmann@stolav.no "
        "41234567 +47 412 34 567"
    )

    def test_no_excerpt_holds_the_whole_value(self):
        for finding in find_personal_data(self.TEXT):
            value = self.TEXT[finding.start : finding.end]
            with self.subTest(value=value):
                self.assertNotEqual(finding.excerpt, value)
                digits = "".join(c for c in value if c.isdigit())
                shown = "".join(c for c in finding.excerpt if c.isdigit())
                if finding.kind == "email":
                    self.assertNotIn("nordmann", finding.excerpt)
                else:
                    self.assertLess(len(shown), len(digits) - 2)

    def test_no_message_holds_any_whole_value(self):
        with translation.override("en"):
            messages = describe(find_personal_data(self.TEXT))
        joined = "\n".join(messages)
        for value in (FNR, D_NUMBER, "ola.nordmann", "41234567", "412 34 567"):
            self.assertNotIn(value, joined)
        self.assertNotIn(FNR[6:], joined)


class MessageTests(SimpleTestCase):
    def setUp(self):
        self.enterContext(translation.override("en"))

    def test_it_says_what_was_found_and_where(self):
        messages = describe(find_personal_data(f"Ok.\nFnr: {FNR}"))
        self.assertEqual(
            messages,
            [
                "The text seems to contain a national identity number "
                '(line 2, character 6: "010190*****").'
            ],
        )

    def test_each_kind_is_named(self):
        text = f"{D_NUMBER} ola@stolav.no 41234567"
        messages = describe(find_personal_data(text))
        self.assertIn("a D-number", messages[0])
        self.assertIn("an e-mail address", messages[1])
        self.assertIn("a phone number", messages[2])

    def test_after_five_findings_the_rest_are_counted(self):
        six = describe(find_personal_data("22334455 " * 6))
        self.assertEqual(len(six), 6)
        self.assertEqual(six[-1], "… and 1 more place that looks like personal data.")
        eight = describe(find_personal_data("22334455 " * 8))
        self.assertEqual(eight[-1], "… and 3 more places that look like personal data.")
        self.assertEqual(len(describe(find_personal_data("22334455 " * 5))), 5)

    def test_check_text_names_the_callers_place(self):
        self.assertEqual(
            check_text("Ring 412 34 567", where="Row 14, column Text"),
            [
                "Row 14, column Text: the text seems to contain a phone number "
                '(line 1, character 6: "*** ** *67").'
            ],
        )

    def test_check_text_leaves_the_advice_to_the_caller(self):
        # An import lists many rows and says "remove personal data" once.
        messages = check_text(f"{FNR}\n{FNR}", where="Row 3")
        self.assertEqual(len(messages), 2)
        self.assertNotIn(str(REMEDY), messages)

    def test_check_text_is_quiet_about_clean_or_missing_text(self):
        self.assertEqual(check_text("Behov for felles kurve", where="Row 2"), [])
        self.assertEqual(check_text(None, where="Row 2"), [])


class ValidatorTests(SimpleTestCase):
    def setUp(self):
        self.enterContext(translation.override("en"))

    def test_clean_text_passes(self):
        validate_no_personal_data("Pasientens legemiddelliste skal vises samlet.")
        validate_no_personal_data("")
        validate_no_personal_data(None)

    def test_personal_data_is_refused_with_the_personal_data_code(self):
        with self.assertRaises(ValidationError) as caught:
            validate_no_personal_data(f"fnr {FNR}, e-post ola@stolav.no")
        errors = caught.exception.error_list
        self.assertEqual({e.code for e in errors}, {"personal_data"})
        self.assertEqual(len(errors), 3)
        self.assertIn("national identity number", errors[0].message)
        self.assertIn("e-mail address", errors[1].message)
        self.assertEqual(
            str(errors[2].message), "Remove personal data before you save."
        )
        self.assertEqual(str(errors[2].message), str(REMEDY))

    def test_a_refusal_lists_at_most_five_findings_then_a_count(self):
        with self.assertRaises(ValidationError) as caught:
            validate_no_personal_data("41234567\n" * 9)
        messages = caught.exception.messages
        self.assertEqual(len(messages), 7)
        self.assertIn("(line 5, character 1", messages[4])
        self.assertEqual(
            messages[5], "… and 4 more places that look like personal data."
        )


class InputForm(PersonalDataGuardMixin, forms.Form):
    title = forms.CharField()
    text = forms.CharField(widget=forms.Textarea)
    note = forms.CharField(required=False)

    personal_data_fields = ("text", "note")


class MixinTests(SimpleTestCase):
    def setUp(self):
        self.enterContext(translation.override("en"))

    def test_clean_text_is_accepted_unchanged(self):
        form = InputForm({"title": "Kurve", "text": "Felles kurve for sykehus"})
        self.assertTrue(form.is_valid(), form.errors)
        self.assertEqual(form.cleaned_data["text"], "Felles kurve for sykehus")

    def test_the_error_is_on_the_field_that_holds_the_data(self):
        form = InputForm(
            {"title": f"Tittel {FNR}", "text": "Ring 41234567", "note": "ok"}
        )
        self.assertFalse(form.is_valid())
        self.assertTrue(form.has_error("text", code="personal_data"))
        self.assertFalse(form.has_error("note"))
        # "title" is not guarded by this form.
        self.assertFalse(form.has_error("title"))

    def test_every_guarded_field_gets_its_own_error(self):
        form = InputForm({"title": "T", "text": "ola@stolav.no", "note": f"fnr {FNR}"})
        self.assertFalse(form.is_valid())
        self.assertIn("e-mail address", form.errors["text"][0])
        self.assertIn("national identity number", form.errors["note"][0])

    def test_a_refused_form_shows_the_text_as_typed(self):
        typed = f"Innspill fra verkstedet.\r\nKontakt: {FNR}"
        form = InputForm({"title": "Kurve", "text": typed})
        self.assertFalse(form.is_valid())
        self.assertEqual(form["text"].value(), typed)
        self.assertIn(
            typed.replace("\r\n", "\n"), str(form["text"]).replace("\r\n", "\n")
        )
        self.assertEqual(form["title"].value(), "Kurve")

    def test_positions_count_the_text_as_typed(self):
        form = InputForm({"title": "T", "text": "\n\n  Ring 41234567"})
        self.assertFalse(form.is_valid())
        self.assertIn("(line 3, character 8", form.errors["text"][0])

    def test_a_field_that_already_failed_keeps_only_its_own_error(self):
        form = InputForm({"title": "T", "text": ""})
        self.assertFalse(form.is_valid())
        self.assertEqual([e.code for e in form.errors.as_data()["text"]], ["required"])

    def test_a_misspelt_field_name_stops_the_form_at_once(self):
        class Misspelt(PersonalDataGuardMixin, forms.Form):
            text = forms.CharField()
            personal_data_fields = ("txet",)

        with self.assertRaisesMessage(ImproperlyConfigured, "txet"):
            Misspelt()
