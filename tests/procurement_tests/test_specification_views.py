from decimal import Decimal

from django.db import IntegrityError, transaction

from procurement.models import (
    Baseline,
    BaselineRequirement,
    Requirement,
    RequirementLink,
)
from procurement.services import specification as spec
from tests.base import KravsporTestCase


class SpecTestCase(KravsporTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.journal = spec.section_save(
            by=cls.staff,
            procurement=cls.procurement,
            number="1",
            title="Journal",
            prefix="JOURN",
        )
        cls.medicine = spec.section_save(
            by=cls.staff,
            procurement=cls.procurement,
            number="1.1",
            title="Legemidler",
            parent=cls.journal,
        )
        cls.security = spec.section_save(
            by=cls.staff,
            procurement=cls.procurement,
            number="2",
            title="Sikkerhet",
            prefix="SIKK",
        )
        cls.allergy = spec.requirement_create(
            by=cls.staff,
            procurement=cls.procurement,
            section=cls.medicine,
            title="Vise allergier",
            description="Allergier skal vises øverst.",
            kind="V",
            weight=Decimal("5"),
            tags=["pasientsikkerhet"],
            stakeholders=[(cls.hospital, "raised"), (cls.trondheim, "endorsed")],
        )
        cls.login_req = spec.requirement_create(
            by=cls.staff,
            procurement=cls.procurement,
            section=cls.security,
            title="Innlogging med to faktorer",
            kind="A",
            status="in_review",
        )

    def base(self):
        return f"/procurements/{self.procurement.pk}"


class KeyTests(SpecTestCase):
    def test_keys_come_from_the_section_prefix_and_are_never_reused(self):
        self.assertEqual(self.allergy.key, "JOURN-0001")  # inherited from section 1
        self.assertEqual(self.login_req.key, "SIKK-0001")
        Requirement.objects.filter(pk=self.login_req.pk).delete()
        again = spec.requirement_create(
            by=self.staff,
            procurement=self.procurement,
            section=self.security,
            title="Ny",
            kind="I",
        )
        self.assertEqual(again.key, "SIKK-0002")

    def test_a_key_is_unique_in_its_procurement(self):
        with self.assertRaises(IntegrityError), transaction.atomic():
            Requirement.objects.create(
                procurement=self.procurement,
                section=self.security,
                key="SIKK-0001",
                title="Dobbel",
                kind="I",
            )


class SpecTreeTests(SpecTestCase):
    def test_it_counts_requirements_per_section_and_kind(self):
        self.login(self.manager)
        response = self.client.get(f"{self.base()}/spec/")
        tree = {row["section"].number: row for row in response.context["tree"]}
        self.assertEqual(tree["1.1"]["by_kind"]["V"], 1)
        self.assertEqual(tree["2"]["by_kind"]["A"], 1)
        self.assertEqual(response.context["total"], 2)
        self.assertNotContains(response, "/spec/sections/new/")

    def test_it_hides_from_outsiders(self):
        self.login(self.outsider)
        self.assertEqual(self.client.get(f"{self.base()}/spec/").status_code, 404)


class RequirementListTests(SpecTestCase):
    def keys(self, **params):
        response = self.client.get(f"{self.base()}/requirements/", params)
        return [row.record.key for row in response.context["table"].page.object_list]

    def test_it_filters(self):
        self.login(self.evaluator)
        self.assertEqual(self.keys(q="allergi"), ["JOURN-0001"])
        self.assertEqual(self.keys(q="SIKK"), ["SIKK-0001"])
        self.assertEqual(self.keys(section=self.journal.pk), ["JOURN-0001"])
        self.assertEqual(self.keys(kind="A"), ["SIKK-0001"])
        self.assertEqual(self.keys(status="in_review"), ["SIKK-0001"])
        self.assertEqual(self.keys(organisation=self.trondheim.pk), ["JOURN-0001"])
        self.assertEqual(self.keys(level="municipal"), ["JOURN-0001"])
        self.assertEqual(self.keys(level="primary"), [])
        tag = self.allergy.tags.get()
        self.assertEqual(self.keys(tag=tag.pk), ["JOURN-0001"])

    def test_it_marks_and_filters_what_changed_since_the_baseline(self):
        spec.baseline_publish(by=self.staff, procurement=self.procurement, label="B1")
        spec.requirement_update(
            by=self.staff, requirement=self.allergy, title="Vise alle allergier"
        )
        self.login(self.staff)
        self.assertEqual(self.keys(changed="yes"), ["JOURN-0001"])
        self.assertEqual(self.keys(changed="no"), ["SIKK-0001"])
        response = self.client.get(f"{self.base()}/requirements/")
        self.assertContains(response, "changed-mark", count=1)

    def test_the_number_of_queries_does_not_grow_with_rows(self):
        self.login(self.staff)
        with self.assertNumQueries(15) as first:
            self.client.get(f"{self.base()}/requirements/")
        for n in range(30):
            spec.requirement_create(
                by=self.staff,
                procurement=self.procurement,
                section=self.security,
                title=f"Krav {n}",
                kind="V",
                weight=Decimal(1),
                tags=[f"t{n}"],
            )
        with self.assertNumQueries(len(first.captured_queries)):
            self.client.get(f"{self.base()}/requirements/", {"per_page": 100})

    def test_read_only_roles_get_no_checkboxes(self):
        self.login(self.manager)
        response = self.client.get(f"{self.base()}/requirements/")
        self.assertNotContains(response, 'name="selected"')
        self.assertIsNone(response.context["bulk_form"])


class BulkActionTests(SpecTestCase):
    def post(self, **data):
        return self.client.post(f"{self.base()}/requirements/bulk/", data)

    def test_staff_set_status_on_many_with_history(self):
        extra = spec.requirement_create(
            by=self.staff,
            procurement=self.procurement,
            section=self.security,
            title="Logg",
            kind="I",
            status="in_review",
        )
        self.login(self.staff)
        before = self.login_req.history.count()
        response = self.post(
            selected=[self.login_req.pk, extra.pk],
            action="set_status",
            status="approved",
        )
        self.assertEqual(response.status_code, 302)
        self.login_req.refresh_from_db()
        self.assertEqual(self.login_req.status, "approved")
        self.assertEqual(self.login_req.status_changed_by, self.staff)
        self.assertEqual(self.login_req.history.count(), before + 1)
        self.assertEqual(self.login_req.history.first().history_user, self.staff)

    def test_an_impossible_step_changes_nothing(self):
        self.login(self.staff)
        # draft → approved is not allowed; in_review → approved is.
        self.post(
            selected=[self.allergy.pk, self.login_req.pk],
            action="set_status",
            status="approved",
        )
        self.allergy.refresh_from_db()
        self.login_req.refresh_from_db()
        self.assertEqual(self.allergy.status, "draft")
        self.assertEqual(self.login_req.status, "in_review")

    def test_move_and_tag(self):
        self.login(self.staff)
        self.post(selected=[self.allergy.pk], action="move", section=self.security.pk)
        self.post(
            selected=[self.allergy.pk, self.login_req.pk],
            action="add_tag",
            tag="sikkerhet",
        )
        self.allergy.refresh_from_db()
        self.assertEqual(self.allergy.section, self.security)
        self.assertEqual(self.allergy.key, "JOURN-0001")
        self.assertEqual(
            sorted(self.allergy.tags.values_list("name", flat=True)),
            ["pasientsikkerhet", "sikkerhet"],
        )
        self.assertTrue(self.login_req.tags.filter(name="sikkerhet").exists())

    def test_a_requirement_of_another_procurement_cannot_be_selected(self):
        other_section = spec.section_save(
            by=self.staff, procurement=self.foreign, number="1", title="X", prefix="X"
        )
        other = spec.requirement_create(
            by=self.staff,
            procurement=self.foreign,
            section=other_section,
            title="X",
            kind="I",
        )
        self.login(self.staff)
        self.post(selected=[other.pk], action="add_tag", tag="inntrenger")
        self.assertFalse(other.tags.exists())

    def test_read_only_roles_are_refused(self):
        for user in (self.manager, self.evaluator, self.lead):
            self.login(user)
            response = self.post(selected=[self.allergy.pk], action="add_tag", tag="x")
            self.assertEqual(response.status_code, 403)
        self.assertFalse(self.allergy.tags.filter(name="x").exists())

    def test_outsiders_get_404(self):
        self.login(self.outsider)
        response = self.post(selected=[self.allergy.pk], action="add_tag", tag="x")
        self.assertEqual(response.status_code, 404)

    def test_get_is_not_allowed(self):
        self.login(self.staff)
        self.assertEqual(
            self.client.get(f"{self.base()}/requirements/bulk/").status_code, 405
        )


class RequirementDetailTests(SpecTestCase):
    def url(self, requirement=None):
        return f"{self.base()}/requirements/{(requirement or self.allergy).pk}/"

    def test_it_shows_stakeholders_links_and_history_with_a_word_diff(self):
        spec.requirement_update(
            by=self.staff,
            requirement=self.allergy,
            description="Alle allergier skal vises øverst.",
        )
        RequirementLink.objects.create(
            source=self.allergy, target=self.login_req, link_type="refine"
        )
        self.login(self.evaluator)
        response = self.client.get(self.url())
        self.assertContains(response, "St. Olavs hospital HF")
        self.assertContains(response, "Trondheim kommune")
        self.assertContains(response, "refine")
        spec.requirement_update(
            by=self.staff, requirement=self.allergy, tags=["journal"]
        )
        response = self.client.get(self.url())
        self.assertContains(response, "<del>pasientsikkerhet</del>", html=True)
        self.assertContains(response, "<ins>journal</ins>", html=True)
        self.assertContains(response, "<ins>Alle allergier</ins>", html=True)
        self.assertContains(response, "<del>Allergier</del>", html=True)
        history = response.context["history"]
        self.assertTrue(history[-1]["created"])
        self.assertEqual(history[0]["record"].history_user, self.staff)
        back = self.client.get(self.url(self.login_req))
        self.assertContains(back, "JOURN-0001")

    def test_a_requirement_of_another_procurement_is_404(self):
        self.login(self.foreign_lead)
        self.assertEqual(self.client.get(self.url()).status_code, 404)
        self.login(self.staff)
        response = self.client.get(
            f"/procurements/{self.foreign.pk}/requirements/{self.allergy.pk}/"
        )
        self.assertEqual(response.status_code, 404)


def form_data(requirement, **overrides):
    data = {
        "section": requirement.section_id,
        "title": requirement.title,
        "description": requirement.description,
        "response_instructions": requirement.response_instructions,
        "kind": requirement.kind,
        "weight": "" if requirement.weight is None else str(requirement.weight),
        "rationale": requirement.rationale,
        "tags_text": ", ".join(t.name for t in requirement.tags.all()),
        "version": requirement.version,
    }
    data.update(overrides)
    return data


class RequirementEditTests(SpecTestCase):
    def url(self):
        return f"{self.base()}/requirements/{self.allergy.pk}/edit/"

    def test_staff_create_a_requirement_with_a_generated_key(self):
        self.login(self.staff)
        response = self.client.post(
            f"{self.base()}/requirements/new/",
            {
                "section": self.security.pk,
                "title": "Logge innsyn",
                "kind": "V",
                "weight": "3",
                "tags_text": "logg, innsyn",
                "raised_by": [self.molde.pk],
            },
        )
        created = Requirement.objects.get(title="Logge innsyn")
        self.assertRedirects(response, f"{self.base()}/requirements/{created.pk}/")
        self.assertEqual(created.key, "SIKK-0002")
        self.assertEqual(
            sorted(created.tags.values_list("name", flat=True)), ["innsyn", "logg"]
        )
        self.assertEqual(created.stakeholder_links.get().organisation, self.molde)

    def test_personal_data_in_a_requirement_is_refused_and_the_text_kept(self):
        self.login(self.staff)
        description = "Kontakt kari@example.no om loggen."
        response = self.client.post(
            f"{self.base()}/requirements/new/",
            {
                "section": self.security.pk,
                "title": "Logge innsyn",
                "description": description,
                "kind": "V",
                "weight": "3",
            },
        )
        self.assertEqual(response.status_code, 200)
        errors = response.context["form"].errors.as_data()
        self.assertEqual({e.code for e in errors["description"]}, {"personal_data"})
        self.assertContains(response, description)
        self.assertFalse(Requirement.objects.filter(title="Logge innsyn").exists())

    def test_a_weighted_requirement_needs_a_weight(self):
        self.login(self.staff)
        response = self.client.post(
            f"{self.base()}/requirements/new/",
            {
                "section": self.security.pk,
                "title": "Uten vekt",
                "kind": "V",
                "weight": "",
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response.context["form"].errors.as_data()["weight"][0].code,
            "weight_required",
        )
        self.assertFalse(Requirement.objects.filter(title="Uten vekt").exists())

    def test_an_edit_keeps_the_key_and_writes_history(self):
        self.login(self.staff)
        response = self.client.post(
            self.url(), form_data(self.allergy, title="Vise alle allergier")
        )
        self.assertRedirects(response, f"{self.base()}/requirements/{self.allergy.pk}/")
        self.allergy.refresh_from_db()
        self.assertEqual(self.allergy.title, "Vise alle allergier")
        self.assertEqual(self.allergy.key, "JOURN-0001")
        self.assertEqual(self.allergy.version, 2)

    def test_a_concurrent_edit_is_told_and_nothing_is_overwritten(self):
        self.login(self.staff)
        loaded = form_data(self.allergy)
        spec.requirement_update(
            by=self.lead, requirement=self.allergy, title="Endret av leder"
        )
        response = self.client.post(self.url(), dict(loaded, title="Min tittel"))
        self.assertEqual(response.status_code, 409)
        self.assertContains(response, "Endret av leder", status_code=409)
        self.allergy.refresh_from_db()
        self.assertEqual(self.allergy.title, "Endret av leder")
        # The form now carries the new version: saving again keeps the user's text.
        self.assertContains(
            response, f'name="version" value="{self.allergy.version}"', status_code=409
        )
        response = self.client.post(
            self.url(), dict(loaded, title="Min tittel", version=self.allergy.version)
        )
        self.allergy.refresh_from_db()
        self.assertEqual(self.allergy.title, "Min tittel")

    def test_read_only_roles_are_refused(self):
        for user in (self.manager, self.evaluator):
            self.login(user)
            self.assertEqual(self.client.get(self.url()).status_code, 403)
            response = self.client.post(self.url(), form_data(self.allergy, title="X"))
            self.assertEqual(response.status_code, 403)
        self.allergy.refresh_from_db()
        self.assertEqual(self.allergy.title, "Vise allergier")


class StatusTests(SpecTestCase):
    def post(self, requirement, status, version=None):
        return self.client.post(
            f"{self.base()}/requirements/{requirement.pk}/status/",
            {
                "status": status,
                "version": requirement.version if version is None else version,
            },
        )

    def test_status_steps_record_who_and_when(self):
        self.login(self.staff)
        self.post(self.login_req, "approved")
        self.login_req.refresh_from_db()
        self.assertEqual(self.login_req.status, "approved")
        self.assertEqual(self.login_req.status_changed_by, self.staff)
        self.assertIsNotNone(self.login_req.status_changed_at)

    def test_an_impossible_step_is_refused(self):
        self.login(self.staff)
        self.post(self.allergy, "approved")
        self.allergy.refresh_from_db()
        self.assertEqual(self.allergy.status, "draft")

    def test_a_stale_version_changes_nothing(self):
        self.login(self.staff)
        self.post(self.login_req, "approved", version=self.login_req.version - 1)
        self.login_req.refresh_from_db()
        self.assertEqual(self.login_req.status, "in_review")

    def test_management_is_refused(self):
        self.login(self.manager)
        self.assertEqual(self.post(self.login_req, "approved").status_code, 403)


class BaselineTests(SpecTestCase):
    def test_staff_publish_a_frozen_baseline(self):
        self.login(self.staff)
        response = self.client.post(
            f"{self.base()}/baselines/publish/", {"label": "Publisert 2017"}
        )
        baseline = Baseline.objects.get(label="Publisert 2017")
        self.assertRedirects(response, f"{self.base()}/baselines/{baseline.pk}/")
        self.assertEqual(baseline.requirement_count, 2)
        self.assertEqual(baseline.published_by, self.staff)
        item = baseline.items.get(key="JOURN-0001")
        self.assertEqual(item.title, "Vise allergier")
        self.assertEqual(
            item.stakeholders,
            ["endorsed:Trondheim kommune", "raised:St. Olavs hospital HF"],
        )
        spec.requirement_update(by=self.staff, requirement=self.allergy, title="Endret")
        item.refresh_from_db()
        self.assertEqual(item.title, "Vise allergier")
        with self.assertRaises(ValueError):
            baseline.label = "Endret"
            baseline.save()

    def test_a_duplicate_label_is_refused(self):
        spec.baseline_publish(by=self.staff, procurement=self.procurement, label="B1")
        self.login(self.staff)
        response = self.client.post(
            f"{self.base()}/baselines/publish/", {"label": "B1"}
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(Baseline.objects.filter(label="B1").count(), 1)

    def test_management_cannot_publish(self):
        self.login(self.manager)
        response = self.client.post(
            f"{self.base()}/baselines/publish/", {"label": "B9"}
        )
        self.assertEqual(response.status_code, 403)
        self.assertFalse(Baseline.objects.exists())
        self.assertEqual(self.client.get(f"{self.base()}/baselines/").status_code, 200)

    def test_a_baseline_of_another_procurement_is_404(self):
        baseline = spec.baseline_publish(
            by=self.staff, procurement=self.procurement, label="B1"
        )
        self.login(self.staff)
        response = self.client.get(
            f"/procurements/{self.foreign.pk}/baselines/{baseline.pk}/"
        )
        self.assertEqual(response.status_code, 404)


class CompareViewTests(SpecTestCase):
    def test_it_compares_a_baseline_with_today_and_two_baselines(self):
        first = spec.baseline_publish(
            by=self.staff, procurement=self.procurement, label="B1"
        )
        spec.requirement_update(
            by=self.staff,
            requirement=self.allergy,
            description="Alle allergier skal vises øverst.",
        )
        spec.requirement_create(
            by=self.staff,
            procurement=self.procurement,
            section=self.security,
            title="Nytt krav",
            kind="I",
        )
        Requirement.objects.filter(pk=self.login_req.pk).delete()
        second = spec.baseline_publish(
            by=self.staff, procurement=self.procurement, label="B2"
        )
        self.login(self.manager)
        for to in ("today", second.pk):
            response = self.client.get(
                f"{self.base()}/spec/compare/", {"from": first.pk, "to": to}
            )
            result = response.context["result"]
            self.assertEqual([item["key"] for item in result.added], ["SIKK-0002"])
            self.assertEqual([item["key"] for item in result.removed], ["SIKK-0001"])
            self.assertEqual([c.key for c in result.changed], ["JOURN-0001"])
            self.assertContains(response, "<ins>Alle allergier</ins>", html=True)

    def test_without_a_baseline_it_says_what_to_do(self):
        self.login(self.staff)
        response = self.client.get(f"{self.base()}/spec/compare/")
        self.assertRedirects(response, f"{self.base()}/baselines/")

    def test_an_unknown_baseline_is_404(self):
        spec.baseline_publish(by=self.staff, procurement=self.procurement, label="B1")
        self.login(self.staff)
        response = self.client.get(f"{self.base()}/spec/compare/", {"from": "99999"})
        self.assertEqual(response.status_code, 404)
        self.assertFalse(
            BaselineRequirement.objects.filter(baseline__label="X").exists()
        )


class DocumentLinkTests(SpecTestCase):
    def test_the_spec_page_offers_every_document_and_imports_to_editors(self):
        self.login(self.staff)
        response = self.client.get(f"{self.base()}/spec/")
        for url in (
            "spec/bilag1.pdf",
            "spec/export.xlsx",
            "spec/export.reqif",
            "spec/import/",
            "spec/import-reqif/",
        ):
            self.assertContains(response, f'href="{self.base()}/{url}"')
        self.login(self.manager)
        response = self.client.get(f"{self.base()}/spec/")
        self.assertContains(response, f'href="{self.base()}/spec/bilag1.pdf"')
        self.assertNotContains(response, "spec/import/")

    def test_the_baseline_page_offers_the_baseline_documents(self):
        baseline = spec.baseline_publish(
            by=self.staff, procurement=self.procurement, label="B1"
        )
        self.login(self.evaluator)
        response = self.client.get(f"{self.base()}/baselines/{baseline.pk}/")
        self.assertContains(response, f"spec/bilag1.pdf?baseline={baseline.pk}")
        self.assertContains(response, f"spec/export.xlsx?baseline={baseline.pk}")
        self.assertContains(response, f"spec/export.reqif?baseline={baseline.pk}")


class SpecTreeRollupTests(SpecTestCase):
    def test_a_section_counts_its_subsections_and_the_total_counts_each_once(self):
        self.login(self.staff)
        response = self.client.get(f"{self.base()}/spec/")
        rows = {row["section"].number: row for row in response.context["tree"]}
        self.assertEqual(rows["1"]["total_with_subsections"], 1)
        self.assertEqual(rows["1"]["with_subsections"]["V"], 1)
        self.assertEqual(rows["1"]["total"], 0)
        self.assertEqual(response.context["total"], 2)
