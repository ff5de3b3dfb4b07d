"""The requirement specification: a numbered section tree, requirements with
their full history, typed links between them, and immutable baselines."""

from __future__ import annotations

import hashlib
import json
import re
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from procurement.models.core import Organisation, Procurement

KEY_PREFIX_RE = re.compile(r"^[A-ZÆØÅ][A-ZÆØÅ0-9]{0,11}$")
SECTION_NUMBER_RE = re.compile(r"^\d+(\.\d+)*$")


def section_sort_key(number: str) -> str:
    """ "3.10" sorts after "3.9": each part zero-padded to six digits."""
    return ".".join(part.zfill(6) for part in number.split("."))


class Section(models.Model):
    procurement = models.ForeignKey(
        Procurement,
        verbose_name=_("procurement"),
        on_delete=models.CASCADE,
        related_name="sections",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent section"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    number = models.CharField(
        _("number"), max_length=40, help_text=_("Like 3 or 3.2; sets the order.")
    )
    title = models.CharField(_("title"), max_length=300)
    prefix = models.CharField(
        _("key prefix"),
        max_length=12,
        blank=True,
        help_text=_(
            "Capital letters and digits, e.g. FUNK. New requirements in the section "
            "get keys like FUNK-0042. Empty: the parent section's prefix."
        ),
    )
    description = models.TextField(_("description"), blank=True)
    sort_key = models.CharField(max_length=200, editable=False, db_index=True)

    class Meta:
        ordering = ["procurement", "sort_key"]
        verbose_name = _("section")
        verbose_name_plural = _("sections")
        constraints = [
            models.UniqueConstraint(
                fields=["procurement", "number"],
                name="section_unique_number",
                violation_error_message=_("Another section has this number."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def save(self, *args, **kwargs):
        self.sort_key = section_sort_key(self.number)
        super().save(*args, **kwargs)

    @property
    def depth(self) -> int:
        return self.number.count(".")

    def effective_prefix(self) -> str:
        section = self
        while section is not None:
            if section.prefix:
                return section.prefix
            section = section.parent
        return "KRAV"

    def clean(self) -> None:
        errors = {}
        if self.number and not SECTION_NUMBER_RE.match(self.number):
            errors["number"] = ValidationError(
                _("A section number is digits separated by dots, like 3 or 3.2."),
                code="invalid_number",
            )
        if self.prefix and not KEY_PREFIX_RE.match(self.prefix):
            errors["prefix"] = ValidationError(
                _(
                    "A key prefix is 1–12 capital letters or digits, "
                    "starting with a letter."
                ),
                code="invalid_prefix",
            )
        if self.parent_id:
            if self.parent.procurement_id != self.procurement_id:
                errors["parent"] = ValidationError(
                    _("The parent section belongs to another procurement."),
                    code="foreign_parent",
                )
            ancestor = self.parent
            while ancestor is not None and self.pk:
                if ancestor.pk == self.pk:
                    errors["parent"] = ValidationError(
                        _("A section cannot be inside itself."), code="parent_cycle"
                    )
                    break
                ancestor = ancestor.parent
        if errors:
            raise ValidationError(errors)


class KeySequence(models.Model):
    """The last number used per key prefix in a procurement. It only grows, so a
    key is never given out twice, even after its requirement is gone."""

    procurement = models.ForeignKey(
        Procurement, on_delete=models.CASCADE, related_name="+"
    )
    prefix = models.CharField(max_length=12)
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["procurement", "prefix"], name="key_sequence_unique_prefix"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.last_number:04d}"


class Tag(models.Model):
    procurement = models.ForeignKey(
        Procurement,
        verbose_name=_("procurement"),
        on_delete=models.CASCADE,
        related_name="tags",
    )
    name = models.CharField(_("name"), max_length=60)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        constraints = [
            models.UniqueConstraint(
                fields=["procurement", "name"], name="tag_unique_name"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class RequirementQuerySet(models.QuerySet):
    def evaluated(self) -> RequirementQuerySet:
        """Requirements that are scored: kinds V and AV, not withdrawn."""
        return self.filter(kind__in=[Requirement.Kind.V, Requirement.Kind.AV]).exclude(
            status=Requirement.Status.WITHDRAWN
        )

    def absolute(self) -> RequirementQuerySet:
        return self.filter(kind__in=[Requirement.Kind.A, Requirement.Kind.AV]).exclude(
            status=Requirement.Status.WITHDRAWN
        )

    def with_changed_since(self, baseline: Baseline | None) -> RequirementQuerySet:
        """Annotate ``changed_since_baseline``: true when the requirement differs
        from (or is missing in) ``baseline``; false for all without a baseline."""
        if baseline is None:
            return self.annotate(changed_since_baseline=models.Value(False))
        same = BaselineRequirement.objects.filter(
            baseline=baseline,
            key=OuterRef("key"),
            content_hash=OuterRef("content_hash"),
        )
        return self.annotate(changed_since_baseline=~Exists(same))


class Requirement(models.Model):
    class Kind(models.TextChoices):
        A = "A", _("A – absolute (pass/fail)")
        V = "V", _("V – weighted (evaluated)")
        AV = "AV", _("AV – absolute and weighted")
        I = "I", _("I – information only")  # noqa: E741

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_REVIEW = "in_review", _("In review")
        APPROVED = "approved", _("Approved")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    procurement = models.ForeignKey(
        Procurement,
        verbose_name=_("procurement"),
        on_delete=models.CASCADE,
        related_name="requirements",
    )
    section = models.ForeignKey(
        Section,
        verbose_name=_("section"),
        on_delete=models.PROTECT,
        related_name="requirements",
    )
    key = models.CharField(_("key"), max_length=60)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("need / description"), blank=True)
    response_instructions = models.TextField(_("response instructions"), blank=True)
    kind = models.CharField(
        _("kind"), max_length=2, choices=Kind.choices, default=Kind.V
    )
    weight = models.DecimalField(
        _("weight"),
        max_digits=9,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    status_changed_at = models.DateTimeField(_("status changed"), null=True, blank=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("status changed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    rationale = models.TextField(_("rationale"), blank=True)
    tags = models.ManyToManyField(
        Tag, verbose_name=_("tags"), blank=True, related_name="requirements"
    )
    stakeholders = models.ManyToManyField(
        Organisation,
        verbose_name=_("stakeholders"),
        through="RequirementStakeholder",
        related_name="requirements",
        blank=True,
    )
    extra_attributes = models.JSONField(
        _("other attributes"),
        default=dict,
        blank=True,
        help_text=_("Attributes from an imported file that have no field here."),
    )
    content_hash = models.CharField(max_length=64, editable=False, db_index=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = RequirementQuerySet.as_manager()
    history = HistoricalRecords(
        m2m_fields=[tags], excluded_fields=["content_hash", "updated_at"]
    )

    class Meta:
        ordering = ["section__sort_key", "key"]
        verbose_name = _("requirement")
        verbose_name_plural = _("requirements")
        constraints = [
            models.UniqueConstraint(
                fields=["procurement", "key"],
                name="requirement_unique_key",
                violation_error_message=_("Another requirement has this key."),
            ),
            models.CheckConstraint(
                condition=Q(weight__isnull=True) | Q(weight__gte=0),
                name="requirement_weight_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse(
            "procurement:requirement-detail", args=[self.procurement_id, self.pk]
        )

    def snapshot(self) -> dict:
        """The baseline fields of this requirement (prefetch section, tags and
        stakeholder links with organisations when calling this in a loop)."""
        return build_snapshot(
            self,
            tags=[tag.name for tag in self.tags.all()],
            stakeholders=[
                (link.organisation, link.relation)
                for link in self.stakeholder_links.all()
            ],
        )

    def clean(self) -> None:
        errors = {}
        if self.section_id and self.section.procurement_id != self.procurement_id:
            errors["section"] = ValidationError(
                _("The section belongs to another procurement."), code="foreign_section"
            )
        if self.kind in (self.Kind.V, self.Kind.AV) and self.weight is None:
            errors["weight"] = ValidationError(
                _("A weighted requirement (V or AV) needs a weight."),
                code="weight_required",
            )
        if errors:
            raise ValidationError(errors)


class RequirementStakeholder(models.Model):
    class Relation(models.TextChoices):
        RAISED = "raised", _("Raised")
        ENDORSED = "endorsed", _("Endorsed")
        OWNER = "owner", _("Owner")

    requirement = models.ForeignKey(
        Requirement, on_delete=models.CASCADE, related_name="stakeholder_links"
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="requirement_links",
    )
    relation = models.CharField(_("relation"), max_length=16, choices=Relation.choices)

    history = HistoricalRecords()

    class Meta:
        ordering = ["relation", "organisation__name"]
        verbose_name = _("stakeholder")
        verbose_name_plural = _("stakeholders")
        constraints = [
            models.UniqueConstraint(
                fields=["requirement", "organisation", "relation"],
                name="stakeholder_unique_relation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} ({self.get_relation_display()})"


class RequirementLink(models.Model):
    """A typed link between two requirements, e.g. from a ReqIF SPEC-RELATION."""

    source = models.ForeignKey(
        Requirement,
        verbose_name=_("from"),
        on_delete=models.CASCADE,
        related_name="links_out",
    )
    target = models.ForeignKey(
        Requirement,
        verbose_name=_("to"),
        on_delete=models.CASCADE,
        related_name="links_in",
    )
    link_type = models.CharField(_("link type"), max_length=100)

    history = HistoricalRecords()

    class Meta:
        ordering = ["link_type", "pk"]
        verbose_name = _("requirement link")
        verbose_name_plural = _("requirement links")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "target", "link_type"], name="requirement_link_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source.key} –{self.link_type}→ {self.target.key}"


class Baseline(models.Model):
    """An immutable, labelled snapshot of the whole specification."""

    procurement = models.ForeignKey(
        Procurement,
        verbose_name=_("procurement"),
        on_delete=models.CASCADE,
        related_name="baselines",
    )
    label = models.CharField(_("label"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    published_at = models.DateTimeField(_("published"), auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    requirement_count = models.PositiveIntegerField(_("requirements"), default=0)

    class Meta:
        ordering = ["-published_at", "-pk"]
        get_latest_by = "published_at"
        verbose_name = _("baseline")
        verbose_name_plural = _("baselines")
        constraints = [
            models.UniqueConstraint(
                fields=["procurement", "label"],
                name="baseline_unique_label",
                violation_error_message=_("Another baseline has this label."),
            ),
        ]

    def __str__(self) -> str:
        return self.label

    def save(self, *args, **kwargs):
        if self.pk and not kwargs.pop("_allow_update", False):
            raise ValueError("A published baseline cannot be changed.")
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse(
            "procurement:baseline-detail", args=[self.procurement_id, self.pk]
        )


class BaselineRequirement(models.Model):
    """One requirement as it stood when the baseline was published."""

    baseline = models.ForeignKey(
        Baseline, on_delete=models.CASCADE, related_name="items"
    )
    key = models.CharField(max_length=60)
    section_number = models.CharField(max_length=40)
    section_title = models.CharField(max_length=300)
    section_sort_key = models.CharField(max_length=200)
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    response_instructions = models.TextField(blank=True)
    kind = models.CharField(max_length=2)
    weight = models.DecimalField(max_digits=9, decimal_places=3, null=True, blank=True)
    status = models.CharField(max_length=16)
    rationale = models.TextField(blank=True)
    tags = models.JSONField(default=list, blank=True)
    stakeholders = models.JSONField(default=list, blank=True)
    content_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["section_sort_key", "key"]
        constraints = [
            models.UniqueConstraint(
                fields=["baseline", "key"], name="baseline_item_unique_key"
            ),
        ]
        indexes = [models.Index(fields=["baseline", "key", "content_hash"])]

    def __str__(self) -> str:
        return f"{self.baseline.label}: {self.key}"


# The fields a baseline keeps and compares, in display order.
SNAPSHOT_FIELDS = [
    "section_number",
    "section_title",
    "title",
    "description",
    "response_instructions",
    "kind",
    "weight",
    "status",
    "rationale",
    "tags",
    "stakeholders",
]


def build_snapshot(requirement: Requirement, *, tags, stakeholders) -> dict:
    """The baseline fields of ``requirement`` with the given tag names and
    (organisation, relation) pairs: the one place the snapshot is shaped, for
    code that already holds tags and stakeholders (bulk imports, the demo)."""
    section = requirement.section
    return {
        "key": requirement.key,
        "section_number": section.number,
        "section_title": section.title,
        "section_sort_key": section.sort_key,
        "title": requirement.title,
        "description": requirement.description,
        "response_instructions": requirement.response_instructions,
        "kind": requirement.kind,
        "weight": requirement.weight,
        "status": requirement.status,
        "rationale": requirement.rationale,
        "tags": sorted(tags),
        "stakeholders": sorted(
            f"{relation}:{organisation.name}" for organisation, relation in stakeholders
        ),
    }


def snapshot_hash(snapshot: dict) -> str:
    """A stable fingerprint of a requirement's snapshot fields."""
    values = {}
    for name in SNAPSHOT_FIELDS:
        value = snapshot.get(name)
        if isinstance(value, Decimal):
            value = format(value.normalize(), "f")
        values[name] = value
    payload = json.dumps(values, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()
