from io import StringIO

from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import TestCase, override_settings
from stdnum.no import orgnr

from procurement import demo_data
from procurement.access import is_administrator, is_programme_staff
from procurement.models import Membership, OptionAgreement, Organisation, Procurement

User = get_user_model()


def load(*args):
    out = StringIO()
    call_command("load_demo", *args, stdout=out)
    return out.getvalue()


@override_settings(DEBUG=True)
class LoadDemoTests(TestCase):
    def test_it_builds_the_demo_world(self):
        output = load()
        self.assertIn("kravspor-demo", output)
        procurement = Procurement.objects.get(reference="HP-EPJ-2016")
        self.assertEqual(procurement.procedure, "competitive_dialogue")
        self.assertEqual(procurement.programme.name, "Helseplattformen")
        owners = set(procurement.programme.owners.values_list("name", flat=True))
        self.assertEqual(owners, {"Helse Midt-Norge RHF", "Trondheim kommune"})
        dates = [str(kd.date) for kd in procurement.key_dates.all()]
        for day in ("2016-08-29", "2017-05-03", "2017-12-01"):
            self.assertIn(day, dates)
        self.assertTrue(any(d.startswith("2016-11") for d in dates))
        self.assertTrue(any(d.startswith("2018") for d in dates))

    def test_every_demo_user_holds_the_role_of_its_name(self):
        load()
        roles = dict(
            Membership.objects.filter(procurement__reference="HP-EPJ-2016").values_list(
                "user__username", "role"
            )
        )
        # The evaluation step's panel: evaluator01 … evaluator40.
        panel = {name for name in roles if name.startswith("evaluator") and name[9:]}
        self.assertEqual({roles.pop(name) for name in panel}, {"evaluator"})
        self.assertEqual(len(panel), 40)
        self.assertEqual(
            roles,
            {
                "staff": "staff",
                "evaluator": "evaluator",
                "lead": "lead",
                "manager": "management",
            },
        )
        for name in ("staff", "evaluator", "lead", "manager", "admin"):
            self.assertTrue(
                User.objects.get(username=name).check_password("kravspor-demo")
            )
        admin = User.objects.get(username="admin")
        self.assertTrue(is_administrator(admin))
        self.assertFalse(admin.is_superuser)
        self.assertTrue(admin.has_perm("procurement.change_membership"))
        self.assertTrue(admin.has_perm("auth.add_user"))
        self.assertTrue(is_programme_staff(User.objects.get(username="staff")))
        self.assertFalse(is_programme_staff(User.objects.get(username="manager")))

    def test_every_municipality_has_an_option_agreement_with_a_mix_of_statuses(self):
        load()
        municipalities = Organisation.objects.filter(kind="municipality")
        self.assertEqual(municipalities.count(), len(demo_data.MUNICIPALITIES))
        with_option = OptionAgreement.objects.values_list("organisation", flat=True)
        missing = municipalities.exclude(pk__in=with_option)
        self.assertEqual(
            list(missing.values_list("name", flat=True)), ["Trondheim kommune"]
        )
        statuses = set(OptionAgreement.objects.values_list("status", flat=True))
        self.assertEqual(statuses, {"offered", "signed", "exercised", "declined"})

    def test_only_the_numbers_verified_in_demo_data_are_stored(self):
        load()
        verified = {
            entry["org_number"]
            for group in (
                demo_data.REGIONAL_BODIES,
                demo_data.MUNICIPALITIES,
                demo_data.USER_ORGANISATIONS,
                demo_data.VENDORS,
            )
            for entry in group
            if entry["org_number"]
        }
        stored = set(
            Organisation.objects.exclude(org_number="").values_list(
                "org_number", flat=True
            )
        )
        self.assertEqual(stored, verified)
        self.assertTrue(all(orgnr.is_valid(number) for number in stored))
        self.assertFalse(
            Organisation.objects.filter(kind__in=["vendor", "gp_practice"])
            .exclude(org_number="")
            .exists()
        )

    def test_it_is_deterministic(self):
        def options():
            return list(
                OptionAgreement.objects.order_by("organisation__name").values_list(
                    "organisation__name", "status", "offered_on", "signed_on"
                )
            )

        savepoint = transaction.savepoint()
        load()
        first = options()
        transaction.savepoint_rollback(savepoint)
        self.assertFalse(OptionAgreement.objects.exists())
        load()
        self.assertEqual(options(), first)

    def test_scale_multiplies_the_volume(self):
        load("--scale", "3")
        practices = Organisation.objects.filter(kind="gp_practice").count()
        self.assertEqual(practices, 3 * len(demo_data.GP_PRACTICE_NAMES))

    def test_it_refuses_a_database_that_holds_data(self):
        load()
        with self.assertRaisesMessage(CommandError, "already holds data"):
            load()
        output = load("--if-empty")
        self.assertIn("not loaded again", output)
        self.assertIn("kravspor-demo", output)
        self.assertEqual(Procurement.objects.count(), 1)

    @override_settings(DEBUG=False)
    def test_it_refuses_to_run_with_debug_off(self):
        with self.assertRaisesMessage(CommandError, "DEBUG off"):
            load()
        self.assertFalse(User.objects.exists())
        load("--force")
        self.assertTrue(User.objects.filter(username="admin").exists())
