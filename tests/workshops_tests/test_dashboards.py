"""The workshop dashboard: exact figures on a small hand-built world, the
collaboration balance flags, a query count that does not grow with the data,
and who may see it."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from procurement.models import Organisation, Requirement
from procurement.services import specification as spec
from tests.base import KravsporTestCase
from workshops.models import Attendance, Input, Participant, Workshop
from workshops.selectors.dashboards import (
    NO_AREA,
    dashboard,
    organisation_participation,
)

Profession = Participant.Profession
Status = Input.Status


def at(year: int, month: int, day: int, hour: int = 9) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(year, month, day, hour))


MARKUP_TEXT = "Vis <b>fet</b> & <a href='https://example.org'>lenke</a> som tekst"
FORMULA_TEXT = "=SUM(A1:A2)"


class DashboardWorld(KravsporTestCase):
    """Three areas (1 with subsection 1.1, 2, 3), three workshops, seven
    participants, nine inputs; see each figure's test for the sums."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.gp = Organisation.objects.create(
            name="Elvebakken legesenter",
            kind=Organisation.Kind.GP_PRACTICE,
            level=Organisation.Level.PRIMARY,
        )
        cls.user_org = Organisation.objects.create(
            name="Brukerforum",
            kind=Organisation.Kind.USER_ORGANISATION,
            level=Organisation.Level.NATIONAL,
        )
        cls.national = Organisation.objects.create(
            name="Norsk helsenett SF",
            kind=Organisation.Kind.OTHER,
            level=Organisation.Level.NATIONAL,
        )
        cls.journal = spec.section_save(
            by=cls.staff,
            procurement=cls.procurement,
            number="1",
            title="Journal",
            prefix="JOURN",
        )
        cls.notes = spec.section_save(
            by=cls.staff,
            procurement=cls.procurement,
            number="1.1",
            title="Notater",
            parent=cls.journal,
        )
        cls.medicine = spec.section_save(
            by=cls.staff,
            procurement=cls.procurement,
            number="2",
            title="Legemidler",
            prefix="LEGEM",
        )
        cls.operations = spec.section_save(
            by=cls.staff,
            procurement=cls.procurement,
            number="3",
            title="Drift",
            prefix="DRIFT",
        )

        def requirement(section, title, status="approved"):
            return spec.requirement_create(
                by=cls.staff,
                procurement=cls.procurement,
                section=section,
                title=title,
                kind="V",
                weight=Decimal("3"),
                status=status,
            )

        cls.r1 = requirement(cls.notes, "Notater")
        cls.r2 = requirement(cls.journal, "Journal")
        cls.r3 = requirement(cls.medicine, "Kurve")
        cls.r4 = requirement(cls.medicine, "Resept")
        cls.r5 = requirement(cls.operations, "Oppetid")
        cls.r6 = requirement(cls.journal, "Trukket", status="withdrawn")

        def workshop(title, area, when, status):
            return Workshop.objects.create(
                procurement=cls.procurement,
                title=title,
                area=area,
                starts_at=when,
                ends_at=when + datetime.timedelta(hours=3),
                location="St. Olavs hospital",
                facilitator="Kari Fasilitator",
                summary="Vi gikk gjennom <i>journalen</i> & kurven.",
                status=status,
            )

        cls.w1 = workshop("Journal i sykehus", cls.journal, at(2016, 3, 10), "held")
        cls.w2 = workshop("Legemidler", cls.medicine, at(2016, 4, 5), "reported")
        cls.w3 = workshop("Planlagt", None, at(2016, 4, 20), "planned")

        def person(name, organisation, profession, user_representative=False):
            return Participant.objects.create(
                procurement=cls.procurement,
                name=name,
                organisation=organisation,
                profession=profession,
                user_representative=user_representative,
            )

        cls.p1 = person("Ola Lege", cls.hospital, Profession.DOCTOR)
        cls.p2 = person("Kari Sykepleier", cls.hospital, Profession.NURSE)
        cls.p3 = person("Per Kommune", cls.trondheim, Profession.NURSE)
        cls.p4 = person("Lise Fastlege", cls.gp, Profession.DOCTOR)
        cls.p5 = person(
            "Bjørn Bruker", cls.user_org, Profession.USER_REPRESENTATIVE, True
        )
        cls.p6 = person("Eva IKT", cls.trondheim, Profession.ICT, True)
        cls.p7 = person("Nils Molde", cls.molde, Profession.MANAGER)
        for workshop_, people in [
            (cls.w1, [cls.p1, cls.p2, cls.p3, cls.p4]),
            (cls.w2, [cls.p1, cls.p5, cls.p6]),
        ]:
            for participant in people:
                Attendance.objects.create(workshop=workshop_, participant=participant)
        Attendance.objects.create(workshop=cls.w3, participant=cls.p7, attended=False)

        numbers = {}

        def item(workshop_, text, organisations, status, *, area, **more):
            numbers[workshop_.pk] = numbers.get(workshop_.pk, 0) + 1
            created = Input.objects.create(
                workshop=workshop_,
                number=numbers[workshop_.pk],
                text=text,
                area=area,
                status=status,
                **more,
            )
            created.raised_by_organisations.set(organisations)
            return created

        cls.i1 = item(
            cls.w1,
            "Notater på tvers",
            [cls.hospital, cls.trondheim, cls.gp],
            Status.ACCEPTED,
            area=cls.notes,
        )
        cls.i1.requirements.set([cls.r1])
        cls.i1.raised_by_participants.set([cls.p1, cls.p4])
        cls.i2 = item(
            cls.w1, "Journal", [cls.hospital], Status.MERGED, area=cls.journal
        )
        cls.i2.requirements.set([cls.r2])
        cls.i3 = item(
            cls.w1,
            "Notater igjen",
            [cls.hospital],
            Status.DUPLICATE,
            area=cls.journal,
            duplicate_of=cls.i1,
        )
        cls.i4 = item(
            cls.w1,
            MARKUP_TEXT,
            [cls.gp],
            Status.REJECTED,
            area=cls.journal,
            reason="Utenfor <b>omfang</b> & tidsplan",
        )
        cls.i5 = item(cls.w1, "Nasjonalt", [cls.national], Status.NEW, area=cls.journal)
        cls.i6 = item(
            cls.w2, "Kurve", [cls.trondheim], Status.ACCEPTED, area=cls.medicine
        )
        cls.i6.requirements.set([cls.r3])
        cls.i7 = item(
            cls.w2, "Resept", [cls.hospital], Status.MERGED, area=cls.medicine
        )
        cls.i7.requirements.set([cls.r4])
        cls.i8 = item(
            cls.w2, "Gammelt", [cls.hospital], Status.ACCEPTED, area=cls.medicine
        )
        cls.i8.requirements.set([cls.r6])
        cls.i9 = item(cls.w2, FORMULA_TEXT, [cls.user_org], Status.NEW, area=None)
        cls.i9.raised_by_participants.set([cls.p5])

    def url(self, procurement=None) -> str:
        return (
            f"/procurements/{(procurement or self.procurement).pk}/workshops/dashboard/"
        )


class DashboardFiguresTests(DashboardWorld):
    def test_it_counts_workshops_participants_organisations_and_inputs(self):
        totals = dashboard(self.procurement).totals
        self.assertEqual(totals.workshops, 3)
        self.assertEqual(totals.workshops_held, 2)
        # p7 was registered but did not attend.
        self.assertEqual(totals.participants, 6)
        # hospital, Trondheim, the GP practice, the user organisation, and
        # the national body that only raised input; not Molde.
        self.assertEqual(totals.organisations, 5)
        self.assertEqual(totals.inputs, 9)

    def test_it_groups_participation_by_level_with_user_representatives_apart(self):
        groups = {row.key: row for row in dashboard(self.procurement).groups}
        self.assertEqual(
            {key: row.participants for key, row in groups.items()},
            {"specialist": 2, "municipal": 1, "primary": 1, "user": 2, "other": 0},
        )
        self.assertEqual(
            {key: row.organisations for key, row in groups.items()},
            {"specialist": 1, "municipal": 1, "primary": 1, "user": 1, "other": 1},
        )

    def test_it_counts_professions_most_first(self):
        professions = [
            (figure.key, figure.count)
            for figure in dashboard(self.procurement).professions
        ]
        self.assertEqual(professions[:2], [("doctor", 2), ("nurse", 2)])
        self.assertEqual(
            dict(professions),
            {"doctor": 2, "nurse": 2, "user_representative": 1, "ict": 1},
        )

    def test_it_counts_triage_by_status_and_workshop_month(self):
        board = dashboard(self.procurement)
        self.assertEqual(
            {figure.key: figure.count for figure in board.statuses},
            {"new": 2, "accepted": 3, "merged": 2, "duplicate": 1, "rejected": 1},
        )
        self.assertEqual(
            [(row.month, row.counts) for row in board.months],
            [
                (datetime.date(2016, 3, 1), (1, 1, 1, 1, 1)),
                (datetime.date(2016, 4, 1), (1, 2, 1, 0, 0)),
            ],
        )

    def test_it_covers_each_top_level_area_and_folds_subsections_in(self):
        areas = {area.key: area for area in dashboard(self.procurement).areas}
        self.assertEqual(list(areas), ["1", "2", "3", NO_AREA])
        journal, medicine, operations, none = areas.values()
        self.assertEqual(
            (journal.workshops, journal.inputs, journal.requirements, journal.traced),
            (1, 5, 2, 2),
        )
        # r6 is withdrawn: its origin does not count.
        self.assertEqual(
            (
                medicine.workshops,
                medicine.inputs,
                medicine.requirements,
                medicine.traced,
            ),
            (1, 3, 2, 2),
        )
        self.assertEqual((operations.requirements, operations.traced), (1, 0))
        self.assertEqual((none.workshops, none.inputs), (1, 1))

    def test_it_measures_the_collaboration_balance_and_flags_missing_voices(self):
        areas = {area.key: area for area in dashboard(self.procurement).areas}
        journal, medicine, operations = areas["1"], areas["2"], areas["3"]
        self.assertEqual(
            (
                journal.specialist,
                journal.municipal,
                journal.primary,
                journal.all_levels,
            ),
            (2, 1, 1, 1),
        )
        self.assertEqual(journal.primary_share, 0.5)
        self.assertFalse(journal.flagged)
        self.assertEqual(
            (medicine.specialist, medicine.municipal, medicine.primary),
            (1, 1, 0),
        )
        self.assertTrue(medicine.lacks_primary)
        self.assertFalse(medicine.lacks_municipal)
        # Nothing traced yet: nothing to weigh, no flag.
        self.assertIsNone(operations.primary_share)
        self.assertFalse(operations.flagged)
        self.assertEqual(
            [area.key for area in dashboard(self.procurement).flagged_areas], ["2"]
        )

    def test_an_origin_raised_by_no_organisation_still_traces_its_requirement(self):
        silent = Input.objects.create(
            workshop=self.w1, number=99, text="Uten avsender", area=self.operations
        )
        silent.requirements.set([self.r5])
        operations = next(
            area for area in dashboard(self.procurement).areas if area.key == "3"
        )
        self.assertEqual((operations.traced, operations.specialist), (1, 0))
        self.assertTrue(operations.lacks_municipal)

    def test_it_sums_participation_per_organisation(self):
        rows = {row.name: row for row in organisation_participation(self.procurement)}
        self.assertEqual(
            sorted(rows),
            sorted(
                [
                    "St. Olavs hospital HF",
                    "Trondheim kommune",
                    "Elvebakken legesenter",
                    "Brukerforum",
                    "Norsk helsenett SF",
                ]
            ),
        )
        hospital = rows["St. Olavs hospital HF"]
        self.assertEqual(
            (hospital.participants, hospital.workshops, hospital.inputs), (2, 2, 5)
        )
        # new, accepted, merged, duplicate, rejected
        self.assertEqual(hospital.outcomes, (0, 2, 2, 1, 0))
        self.assertEqual(rows["Elvebakken legesenter"].outcomes, (0, 1, 0, 0, 1))
        national = rows["Norsk helsenett SF"]
        self.assertEqual((national.participants, national.workshops), (0, 0))
        self.assertEqual(national.group, "other")
        self.assertEqual(rows["Brukerforum"].group, "user")

    def test_another_procurement_sees_nothing_of_these(self):
        board = dashboard(self.foreign)
        self.assertEqual(board.totals.inputs, 0)
        self.assertEqual(board.totals.participants, 0)
        self.assertEqual(organisation_participation(self.foreign), [])


class DashboardPageTests(DashboardWorld):
    def test_it_shows_the_figures_and_charts(self):
        self.login(self.staff)
        response = self.client.get(self.url())
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'data-figure="inputs">9<')
        self.assertContains(response, 'data-figure="participants">6<')
        for key in [
            "groups",
            "professions",
            "statuses",
            "months",
            "coverage",
            "balance",
        ]:
            self.assertContains(response, f'id="chart-{key}"')
            self.assertContains(response, f'data-chart="{key}"')
        self.assertContains(response, 'data-lacks-gp="yes"', count=1)
        self.assertContains(response, 'id="balance-flags"')

    def test_it_speaks_english_when_asked(self):
        self.login(self.staff)
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        response = self.client.get(self.url())
        self.assertContains(response, "Collaboration balance by area")
        self.assertContains(response, "2 Legemidler: no GP voice")

    def test_management_and_every_role_may_read_it(self):
        for user in [self.manager, self.evaluator, self.lead, self.admin]:
            with self.subTest(user=user.username):
                self.login(user)
                self.assertEqual(self.client.get(self.url()).status_code, 200)

    def test_it_hides_from_outsiders(self):
        self.login(self.outsider)
        self.assertEqual(self.client.get(self.url()).status_code, 404)
        self.login(self.foreign_lead)
        self.assertEqual(self.client.get(self.url()).status_code, 404)

    def test_it_asks_strangers_to_log_in(self):
        response = self.client.get(self.url())
        self.assertEqual(response.status_code, 302)

    def test_it_rejects_posts(self):
        self.login(self.staff)
        self.assertEqual(self.client.post(self.url()).status_code, 405)

    def test_its_query_count_does_not_grow_with_the_data(self):
        self.login(self.manager)
        self.client.get(self.url())  # warm the session and caches
        with CaptureQueriesContext(connection) as before:
            self.client.get(self.url())
        # More of everything: a workshop with inputs, a participant, an area.
        extra_area = spec.section_save(
            by=self.staff, procurement=self.procurement, number="4", title="Ny"
        )
        extra = Workshop.objects.create(
            procurement=self.procurement,
            title="Ekstra",
            area=extra_area,
            starts_at=at(2017, 1, 5),
            ends_at=at(2017, 1, 5, 12),
            status="held",
        )
        newcomer = Participant.objects.create(
            procurement=self.procurement,
            name="Ny Person",
            organisation=self.molde,
            profession=Profession.OTHER,
        )
        Attendance.objects.create(workshop=extra, participant=newcomer)
        for number in range(1, 6):
            created = Input.objects.create(workshop=extra, number=number, text="x")
            created.raised_by_organisations.set([self.molde])
            created.requirements.set(
                [Requirement.objects.filter(procurement=self.procurement).first()]
            )
        with self.assertNumQueries(len(before.captured_queries)):
            response = self.client.get(self.url())
        self.assertContains(response, 'data-figure="inputs">14<')
        self.assertLessEqual(len(before.captured_queries), 20)
