"""Vendors' tenders: dialogue rounds, the tenders received in each, their
price lines and their answers to the published requirements."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from procurement.models.core import Organisation, Procurement
from procurement.models.specification import Baseline, Requirement


class TenderRound(models.Model):
    """One round of the competitive dialogue (initial, revised, final …)."""

    class Kind(models.TextChoices):
        INITIAL = "initial", _("Initial tenders")
        REVISED = "revised", _("Revised tenders")
        FINAL = "final", _("Final tenders")
        OTHER = "other", _("Other round")

    procurement = models.ForeignKey(
        Procurement,
        verbose_name=_("procurement"),
        on_delete=models.CASCADE,
        related_name="tender_rounds",
    )
    number = models.PositiveSmallIntegerField(_("round number"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200)
    baseline = models.ForeignKey(
        Baseline,
        verbose_name=_("baseline answered"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tender_rounds",
        help_text=_("The published specification the vendors answer in this round."),
    )
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    opened_at = models.DateTimeField(_("opened"), null=True, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opened by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    sealed_prices = models.BooleanField(
        _("sealed price envelope"),
        default=False,
        help_text=_(
            "Prices stay hidden from everyone but the evaluation lead until the "
            "quality consensus is locked and the lead opens the envelope."
        ),
    )
    prices_opened_at = models.DateTimeField(
        _("price envelope opened"), null=True, blank=True
    )
    prices_opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("price envelope opened by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["procurement", "number"]
        verbose_name = _("tender round")
        verbose_name_plural = _("tender rounds")
        constraints = [
            models.UniqueConstraint(
                fields=["procurement", "number"],
                name="tender_round_number_unique",
                violation_error_message=_(
                    "This procurement already has a round with this number."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.name}"

    @property
    def prices_sealed(self) -> bool:
        """True while the price envelope of this round is still closed."""
        return self.sealed_prices and self.prices_opened_at is None


def round_evaluation_locked(round_id) -> bool:
    """Whether the evaluation of the round is locked. Asked through the
    reverse relation, so this app does not import the evaluation app."""
    return (
        round_id is not None
        and TenderRound.objects.filter(
            pk=round_id, evaluation__status="locked"
        ).exists()
    )


def refuse_if_evaluation_locked(round_id) -> None:
    """The backstop of the lock: a tender, price line or answer of a round
    whose evaluation is locked is never saved or deleted, by any path (the
    services refuse first, with the round's name)."""
    if round_evaluation_locked(round_id):
        raise ValidationError(
            _(
                "The evaluation of this round is locked; its tenders, prices and "
                "answers can no longer change."
            ),
            code="evaluation_locked",
        )


class LockedRoundGuard(models.Model):
    """Refuses save and delete of a row of a round whose evaluation is locked."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        refuse_if_evaluation_locked(self._guarded_round_id())
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        refuse_if_evaluation_locked(self._guarded_round_id())
        return super().delete(*args, **kwargs)

    def _guarded_round_id(self):
        raise NotImplementedError


class Tender(LockedRoundGuard):
    """A vendor's tender in one round; the evaluated price is the price
    basket (sum of quantity × unit price over the lines) or, without lines,
    the single total."""

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        VALID = "valid", _("Valid")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    round = models.ForeignKey(
        TenderRound,
        verbose_name=_("round"),
        on_delete=models.CASCADE,
        related_name="tenders",
    )
    vendor = models.ForeignKey(
        Organisation,
        verbose_name=_("vendor"),
        on_delete=models.PROTECT,
        related_name="tenders",
        limit_choices_to={"kind": Organisation.Kind.VENDOR},
    )
    received_at = models.DateTimeField(_("received"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.RECEIVED
    )
    total_price = models.DecimalField(
        _("total price (NOK)"),
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Only used when the tender has no price lines."),
    )
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)
    status_changed_at = models.DateTimeField(_("status changed"), null=True, blank=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("status changed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["round", "vendor__name"]
        verbose_name = _("tender")
        verbose_name_plural = _("tenders")
        constraints = [
            models.UniqueConstraint(
                fields=["round", "vendor"],
                name="tender_one_per_vendor_and_round",
                violation_error_message=_(
                    "This vendor already has a tender in this round."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.vendor.name} – {self.round.name}"

    def get_absolute_url(self) -> str:
        return reverse(
            "procurement:tender-detail",
            kwargs={"pk": self.round.procurement_id, "tender_pk": self.pk},
        )

    def clean(self) -> None:
        if self.vendor_id and self.vendor.kind != Organisation.Kind.VENDOR:
            raise ValidationError(
                {
                    "vendor": _(
                        "Only an organisation of kind vendor can submit a tender."
                    )
                },
                code="not_a_vendor",
            )

    def _guarded_round_id(self):
        return self.round_id


class PriceLine(LockedRoundGuard):
    """One line of the price basket: item × quantity × unit price."""

    tender = models.ForeignKey(
        Tender,
        verbose_name=_("tender"),
        on_delete=models.CASCADE,
        related_name="price_lines",
    )
    position = models.PositiveIntegerField(_("line"), default=0)
    item = models.CharField(_("item"), max_length=300)
    quantity = models.DecimalField(
        _("quantity"),
        max_digits=14,
        decimal_places=3,
        validators=[MinValueValidator(Decimal("0"))],
    )
    unit_price = models.DecimalField(
        _("unit price (NOK)"),
        max_digits=16,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["tender", "position", "pk"]
        verbose_name = _("price line")
        verbose_name_plural = _("price lines")

    def __str__(self) -> str:
        return self.item

    @property
    def amount(self) -> Decimal:
        return self.quantity * self.unit_price

    def _guarded_round_id(self):
        return self.tender.round_id


class Response(LockedRoundGuard):
    """A vendor's answer to one requirement in one tender."""

    class Compliance(models.TextChoices):
        YES = "yes", _("Yes")
        PARTLY = "partly", _("Partly")
        NO = "no", _("No")

    tender = models.ForeignKey(
        Tender,
        verbose_name=_("tender"),
        on_delete=models.CASCADE,
        related_name="responses",
    )
    requirement = models.ForeignKey(
        Requirement,
        verbose_name=_("requirement"),
        on_delete=models.PROTECT,
        related_name="responses",
    )
    compliance = models.CharField(
        _("compliance"), max_length=8, choices=Compliance.choices, blank=True
    )
    answer = models.TextField(_("answer"), blank=True)
    reference = models.CharField(_("reference"), max_length=500, blank=True)
    imported_at = models.DateTimeField(_("imported"), auto_now=True)

    class Meta:
        ordering = ["tender", "requirement__key"]
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        constraints = [
            models.UniqueConstraint(
                fields=["tender", "requirement"],
                name="response_one_per_requirement",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tender} – {self.requirement.key}"

    def _guarded_round_id(self):
        return self.tender.round_id
