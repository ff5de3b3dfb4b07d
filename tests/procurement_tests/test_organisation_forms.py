from django.test import TestCase

from procurement.forms import OrganisationForm
from procurement.models import Organisation


def form_data(**overrides):
    data = {
        "name": "Melhus kommune",
        "org_number": "",
        "kind": Organisation.Kind.MUNICIPALITY,
        "level": Organisation.Level.MUNICIPAL,
        "county": "trondelag",
        "note": "",
    }
    data.update(overrides)
    return data


class OrganisationFormTests(TestCase):
    def test_it_accepts_an_empty_number(self):
        form = OrganisationForm(data=form_data())
        self.assertTrue(form.is_valid(), form.errors)
        self.assertEqual(form.cleaned_data["org_number"], "")

    def test_it_removes_spaces_from_a_valid_number(self):
        form = OrganisationForm(data=form_data(org_number="942 110 464"))
        self.assertTrue(form.is_valid(), form.errors)
        self.assertEqual(form.cleaned_data["org_number"], "942110464")

    def test_it_says_the_checksum_fails(self):
        form = OrganisationForm(data=form_data(org_number="942110465"))
        self.assertFalse(form.is_valid())
        self.assertEqual(
            form.errors.as_data()["org_number"][0].code, "invalid_checksum"
        )
        self.assertIn("kontrollsifferet stemmer ikke", form.errors["org_number"][0])

    def test_it_says_the_length_is_wrong(self):
        form = OrganisationForm(data=form_data(org_number="94211046"))
        self.assertFalse(form.is_valid())
        self.assertEqual(form.errors.as_data()["org_number"][0].code, "invalid_length")

    def test_it_refuses_letters(self):
        form = OrganisationForm(data=form_data(org_number="94211046X"))
        self.assertFalse(form.is_valid())
        self.assertEqual(form.errors.as_data()["org_number"][0].code, "invalid_format")

    def test_a_duplicate_number_names_the_existing_organisation(self):
        Organisation.objects.create(
            name="Trondheim kommune",
            org_number="942110464",
            kind=Organisation.Kind.MUNICIPALITY,
            level=Organisation.Level.MUNICIPAL,
        )
        form = OrganisationForm(data=form_data(org_number="942110464"))
        self.assertFalse(form.is_valid())
        self.assertEqual(form.errors.as_data()["org_number"][0].code, "duplicate")
        self.assertIn("Trondheim kommune", form.errors["org_number"][0])
        self.assertEqual(len(form.errors["org_number"]), 1)

    def test_an_organisation_keeps_its_own_number_on_edit(self):
        own = Organisation.objects.create(
            name="Trondheim kommune",
            org_number="942110464",
            kind=Organisation.Kind.MUNICIPALITY,
            level=Organisation.Level.MUNICIPAL,
        )
        form = OrganisationForm(
            data=form_data(org_number="942110464", loaded=own.updated_at.isoformat()),
            instance=own,
        )
        self.assertTrue(form.is_valid(), form.errors)

    def test_a_save_by_someone_else_since_loading_is_refused(self):
        own = Organisation.objects.create(
            name="Trondheim kommune",
            kind=Organisation.Kind.MUNICIPALITY,
            level=Organisation.Level.MUNICIPAL,
        )
        loaded = own.updated_at.isoformat()
        own.note = "Endret av en annen"
        own.save()
        form = OrganisationForm(data=form_data(loaded=loaded), instance=own)
        self.assertFalse(form.is_valid())
        self.assertEqual(form.errors.as_data()["__all__"][0].code, "concurrent_edit")

    def test_it_refuses_a_parent_cycle(self):
        top = Organisation.objects.create(
            name="Top", kind=Organisation.Kind.OTHER, level=Organisation.Level.NATIONAL
        )
        child = Organisation.objects.create(
            name="Child",
            kind=Organisation.Kind.OTHER,
            level=Organisation.Level.NATIONAL,
            parent=top,
        )
        form = OrganisationForm(
            data=form_data(name="Top", parent=child.pk), instance=top
        )
        self.assertFalse(form.is_valid())
        self.assertEqual(form.errors.as_data()["parent"][0].code, "parent_cycle")
