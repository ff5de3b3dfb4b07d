from decimal import Decimal

from django.test import SimpleTestCase

from procurement.spec_compare import DiffPart, compare, word_diff


def snapshot(**fields):
    base = {
        "section_number": "1",
        "section_title": "Journal",
        "title": "Vise allergier",
        "description": "Allergier skal vises øverst.",
        "response_instructions": "",
        "kind": "V",
        "weight": Decimal("5.000"),
        "status": "approved",
        "rationale": "",
        "tags": ["journal"],
        "stakeholders": ["raised:St. Olavs hospital HF"],
    }
    base.update(fields)
    return base


class WordDiffTests(SimpleTestCase):
    def test_it_marks_inserted_and_deleted_words(self):
        parts = word_diff(
            "Allergier skal vises øverst.", "Alle allergier skal vises øverst."
        )
        self.assertIn(DiffPart("delete", "Allergier"), parts)
        self.assertIn(DiffPart("insert", "Alle allergier"), parts)
        self.assertEqual(
            "".join(p.text for p in parts if p.op != "delete"),
            "Alle allergier skal vises øverst.",
        )
        self.assertEqual(
            "".join(p.text for p in parts if p.op != "insert"),
            "Allergier skal vises øverst.",
        )

    def test_equal_text_is_one_equal_run(self):
        self.assertEqual(word_diff("a b", "a b"), [DiffPart("equal", "a b")])


class CompareTests(SimpleTestCase):
    def test_it_finds_added_removed_changed_and_unchanged(self):
        old = {"A-1": snapshot(), "A-2": snapshot(title="Fjernes"), "A-3": snapshot()}
        new = {
            "A-1": snapshot(),
            "A-3": snapshot(description="Alle allergier skal vises øverst."),
            "A-4": snapshot(title="Nytt"),
        }
        result = compare(old, new)
        self.assertEqual([item["key"] for item in result.added], ["A-4"])
        self.assertEqual([item["key"] for item in result.removed], ["A-2"])
        self.assertEqual([change.key for change in result.changed], ["A-3"])
        self.assertEqual([c.field for c in result.changed[0].changes], ["description"])
        self.assertEqual(result.unchanged, 1)
        self.assertTrue(result.has_changes)

    def test_equal_numbers_in_another_form_are_not_a_change(self):
        result = compare(
            {"A": snapshot(weight=Decimal("5.000"))},
            {"A": snapshot(weight=Decimal("5"))},
        )
        self.assertFalse(result.has_changes)

    def test_tag_order_is_not_a_change_but_a_new_tag_is(self):
        old = {"A": snapshot(tags=["a", "b"])}
        self.assertFalse(compare(old, {"A": snapshot(tags=["b", "a"])}).has_changes)
        changed = compare(old, {"A": snapshot(tags=["a", "b", "c"])}).changed[0]
        self.assertEqual(changed.changes[0].field, "tags")


class ListDiffTests(SimpleTestCase):
    def test_it_shows_kept_removed_and_added_items(self):
        from procurement.spec_compare import list_diff

        parts = list_diff(["a", "b"], ["a", "c"])
        self.assertEqual(
            [(p.op, p.text) for p in parts if p.text != ", "],
            [("equal", "a"), ("delete", "b"), ("insert", "c")],
        )
