"""Workshops, the people taking part and the input (innspill) they raise,
triaged into requirements of the specification."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from procurement.models import Organisation, Procurement, Requirement, Section


class Workshop(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        HELD = "held", _("Held")
        REPORTED = "reported", _("Reported")

    procurement = models.ForeignKey(
        Procurement,
        verbose_name=_("procurement"),
        on_delete=models.CASCADE,
        related_name="workshops",
    )
    title = models.CharField(_("title"), max_length=200)
    area = models.ForeignKey(
        Section,
        verbose_name=_("area"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="workshops",
        help_text=_("The top-level section of the specification it works on."),
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    location = models.CharField(_("where"), max_length=200, blank=True)
    facilitator = models.CharField(_("facilitator"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PLANNED
    )
    summary = models.TextField(_("summary"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["-starts_at", "pk"]
        verbose_name = _("workshop")
        verbose_name_plural = _("workshops")
        indexes = [models.Index(fields=["procurement", "starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gte=models.F("starts_at")),
                name="workshop_ends_after_it_starts",
                violation_error_message=_("A workshop cannot end before it starts."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse(
            "workshops:workshop-detail",
            kwargs={"pk": self.procurement_id, "workshop_pk": self.pk},
        )

    def clean(self) -> None:
        if self.starts_at and self.ends_at and self.ends_at < self.starts_at:
            raise ValidationError(
                {"ends_at": _("A workshop cannot end before it starts.")},
                code="ends_before_start",
            )


class Participant(models.Model):
    """A person taking part in workshops: no more personal data than name,
    profession/role, organisation and whether they represent users."""

    class Profession(models.TextChoices):
        DOCTOR = "doctor", _("Doctor")
        NURSE = "nurse", _("Nurse")
        HEALTH_WORKER = "health_worker", _("Health care worker")
        PHARMACIST = "pharmacist", _("Pharmacist")
        PSYCHOLOGIST = "psychologist", _("Psychologist")
        THERAPIST = "therapist", _("Physio- or occupational therapist")
        BIOMEDICAL = "biomedical", _("Biomedical laboratory scientist")
        SECRETARY = "secretary", _("Medical secretary")
        ICT = "ict", _("ICT")
        MANAGER = "manager", _("Manager")
        USER_REPRESENTATIVE = "user_representative", _("User representative")
        OTHER = "other", _("Other")

    procurement = models.ForeignKey(
        Procurement,
        verbose_name=_("procurement"),
        on_delete=models.CASCADE,
        related_name="participants",
    )
    name = models.CharField(_("name"), max_length=200)
    profession = models.CharField(
        _("profession / role"), max_length=32, choices=Profession.choices
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="participants",
    )
    user_representative = models.BooleanField(_("user representative"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        constraints = [
            models.UniqueConstraint(
                fields=["procurement", "name", "organisation"],
                name="participant_unique_per_organisation",
                violation_error_message=_(
                    "A participant with this name is already registered "
                    "for this organisation."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation.name})"


class Attendance(models.Model):
    workshop = models.ForeignKey(
        Workshop,
        verbose_name=_("workshop"),
        on_delete=models.CASCADE,
        related_name="attendances",
    )
    participant = models.ForeignKey(
        Participant,
        verbose_name=_("participant"),
        on_delete=models.CASCADE,
        related_name="attendances",
    )
    attended = models.BooleanField(_("attended"), default=True)

    class Meta:
        ordering = ["workshop", "participant__name"]
        verbose_name = _("attendance")
        verbose_name_plural = _("attendances")
        constraints = [
            models.UniqueConstraint(
                fields=["workshop", "participant"],
                name="attendance_once_per_workshop",
                violation_error_message=_(
                    "This participant is already registered for this workshop."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.participant} – {self.workshop}"


class InputQuerySet(models.QuerySet):
    def untriaged(self) -> InputQuerySet:
        return self.filter(status=Input.Status.NEW)


class Input(models.Model):
    """One piece of stakeholder input (innspill) raised in a workshop, and
    what became of it in triage."""

    class Kind(models.TextChoices):
        NEED = "need", _("Need")
        REQUIREMENT_PROPOSAL = "proposal", _("Requirement proposal")
        PROBLEM = "problem", _("Problem")
        IDEA = "idea", _("Idea")

    class Status(models.TextChoices):
        NEW = "new", _("New")
        ACCEPTED = "accepted", _("Accepted as new requirement")
        MERGED = "merged", _("Linked to existing requirement")
        DUPLICATE = "duplicate", _("Duplicate")
        REJECTED = "rejected", _("Rejected")

    workshop = models.ForeignKey(
        Workshop,
        verbose_name=_("workshop"),
        on_delete=models.CASCADE,
        related_name="inputs",
    )
    number = models.PositiveIntegerField(_("number"))
    text = models.TextField(_("text"))
    kind = models.CharField(
        _("kind"), max_length=16, choices=Kind.choices, default=Kind.NEED
    )
    area = models.ForeignKey(
        Section,
        verbose_name=_("area"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inputs",
    )
    raised_by_organisations = models.ManyToManyField(
        Organisation,
        verbose_name=_("raised by organisations"),
        related_name="raised_inputs",
        blank=True,
    )
    raised_by_participants = models.ManyToManyField(
        Participant,
        verbose_name=_("raised by participants"),
        related_name="raised_inputs",
        blank=True,
    )
    status = models.CharField(
        _("triage status"),
        max_length=16,
        choices=Status.choices,
        default=Status.NEW,
        db_index=True,
    )
    reason = models.TextField(_("reason"), blank=True)
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("duplicate of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duplicates",
    )
    requirements = models.ManyToManyField(
        Requirement,
        verbose_name=_("resulting requirements"),
        related_name="origin_inputs",
        blank=True,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    client_token = models.UUIDField(
        default=uuid.uuid4,
        editable=False,
        help_text="Lets a capture page resend a draft without creating it twice.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("captured by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("captured"), auto_now_add=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    history = HistoricalRecords(excluded_fields=["client_token"])

    objects = InputQuerySet.as_manager()

    class Meta:
        ordering = ["workshop", "number"]
        verbose_name = _("input")
        verbose_name_plural = _("inputs")
        indexes = [models.Index(fields=["status", "created_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["workshop", "number"], name="input_number_unique_per_workshop"
            ),
            models.UniqueConstraint(
                fields=["client_token"], name="input_client_token_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.workshop_id}-{self.number}"
