"""The evaluation of one tender round: the criteria tree and its weights,
the panel and their declarations of impartiality, individual and consensus
scores, absolute-requirement checks and the lock.

Rules (see shared/DESIGN.md "Evaluation rules (exact)") are computed by the
pure engine in ``evaluation.results``; these models only store the inputs.
Once an evaluation is locked, nothing that belongs to it can be saved or
deleted through any path: ``LockedEvaluationError`` is raised by ``save`` and
``delete`` of every model here and by their querysets' ``update``/``delete``.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from procurement.models import (
    Organisation,
    Procurement,
    Requirement,
    Tender,
    TenderRound,
)

HUNDRED = Decimal("100")


class LockedEvaluationError(ValidationError):
    """Raised on any attempt to change a locked evaluation."""

    def __init__(self):
        super().__init__(
            _("The evaluation is locked; nothing in it can be changed."),
            code="locked",
        )


class EvaluationQuerySet(models.QuerySet):
    """Bulk update/delete refuse locked evaluations too."""

    def update(self, **kwargs):
        if self.filter(status=Evaluation.Status.LOCKED).exists():
            raise LockedEvaluationError
        return super().update(**kwargs)

    def delete(self):
        if self.filter(status=Evaluation.Status.LOCKED).exists():
            raise LockedEvaluationError
        return super().delete()


class Evaluation(models.Model):
    """The evaluation of one tender round of one procurement."""

    class Status(models.TextChoices):
        SETUP = "setup", _("Setting up")
        SCORING = "scoring", _("Scoring")
        CONSENSUS = "consensus", _("Consensus")
        LOCKED = "locked", _("Locked")

    class AwardModel(models.TextChoices):
        POINTS = "points", _("Points (best ratio of price and quality)")
        MONEY = "money", _("Quality priced in money")

    class PriceModel(models.TextChoices):
        LINEAR = "linear", _("Linear (DFØ), may go below 0")
        LINEAR_FLOOR = "linear_floor", _("Linear (DFØ) with a floor at 0")
        PROPORTIONAL = "proportional", _("Proportional (DFØ)")
        RANGE = "range", _("Buyer's price range")
        LOG = "log", _("Logarithmic")

    procurement = models.ForeignKey(
        Procurement,
        verbose_name=_("procurement"),
        on_delete=models.CASCADE,
        related_name="evaluations",
    )
    round = models.OneToOneField(
        TenderRound,
        verbose_name=_("round"),
        on_delete=models.PROTECT,
        related_name="evaluation",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.SETUP
    )
    award_model = models.CharField(
        _("award model"),
        max_length=16,
        choices=AwardModel.choices,
        default=AwardModel.POINTS,
    )
    price_model = models.CharField(
        _("price model"),
        max_length=16,
        choices=PriceModel.choices,
        default=PriceModel.LINEAR,
    )
    price_range_min = models.DecimalField(
        _("lowest price of the buyer's range (NOK)"),
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
    )
    price_range_max = models.DecimalField(
        _("highest price of the buyer's range (NOK)"),
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
    )
    price_log_multiple = models.DecimalField(
        _("price multiple that gets 0 points"),
        max_digits=6,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("1.001"))],
    )
    disagreement_threshold = models.DecimalField(
        _("disagreement threshold"),
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.3"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
    )
    scale_descriptors = models.JSONField(
        _("scale descriptors"),
        default=list,
        blank=True,
        help_text=_('A list of {"value": 0–10, "text": "…"} shown when scoring.'),
    )
    standstill_days = models.PositiveSmallIntegerField(
        _("standstill period (days)"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text=_(
            "Days from the award letters to the end of the standstill period "
            "(karensperiode); the end date is printed in every letter."
        ),
    )
    scoring_started_at = models.DateTimeField(
        _("scoring started"), null=True, blank=True
    )
    consensus_opened_at = models.DateTimeField(
        _("consensus opened"), null=True, blank=True
    )
    quality_locked_at = models.DateTimeField(
        _("quality consensus locked"), null=True, blank=True
    )
    released_at = models.DateTimeField(
        _("results released to management"), null=True, blank=True
    )
    locked_at = models.DateTimeField(_("locked"), null=True, blank=True)
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("locked by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    history = HistoricalRecords()

    objects = EvaluationQuerySet.as_manager()

    class Meta:
        ordering = ["procurement", "round__number"]
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")

    def __str__(self) -> str:
        return f"{self.procurement.reference} – {self.round.name}"

    def save(self, *args, **kwargs):
        # The row that locks the evaluation is saved once with status locked;
        # every later save of a locked evaluation is refused.
        if (
            self.pk
            and Evaluation.objects.filter(
                pk=self.pk, status=Evaluation.Status.LOCKED
            ).exists()
        ):
            raise LockedEvaluationError
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse(
            "evaluation:evaluation-detail",
            kwargs={"pk": self.procurement_id, "evaluation_pk": self.pk},
        )

    def delete(self, *args, **kwargs):
        if self.is_locked:
            raise LockedEvaluationError
        return super().delete(*args, **kwargs)

    @property
    def is_locked(self) -> bool:
        return self.status == Evaluation.Status.LOCKED

    @property
    def prices_sealed(self) -> bool:
        return self.round.prices_sealed


class LockGuardQuerySet(models.QuerySet):
    """Bulk update/delete refuse rows of a locked evaluation."""

    evaluation_path = "evaluation"

    def _touches_locked(self) -> bool:
        return self.filter(
            **{f"{self.evaluation_path}__status": Evaluation.Status.LOCKED}
        ).exists()

    def update(self, **kwargs):
        if self._touches_locked():
            raise LockedEvaluationError
        return super().update(**kwargs)

    def delete(self):
        if self._touches_locked():
            raise LockedEvaluationError
        return super().delete()


class LockGuardMixin(models.Model):
    """Refuses save/delete when the evaluation the row belongs to is locked."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self._evaluation_locked():
            raise LockedEvaluationError
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self._evaluation_locked():
            raise LockedEvaluationError
        return super().delete(*args, **kwargs)

    def _evaluation_locked(self) -> bool:
        return Evaluation.objects.filter(
            pk=self.evaluation_id, status=Evaluation.Status.LOCKED
        ).exists()


class Criterion(LockGuardMixin):
    """A node of the criteria tree; ``weight`` is the percentage of its
    parent (siblings sum to 100), with a declared range around it."""

    class Kind(models.TextChoices):
        QUALITY = "quality", _("Quality")
        PRICE = "price", _("Price")
        RISK = "risk", _("Risk")
        OTHER = "other", _("Other")

    class Method(models.TextChoices):
        REQUIREMENTS = "requirements", _("From requirement scores")
        DIRECT = "direct", _("Scored directly")
        PRICE = "price", _("Price formula")

    evaluation = models.ForeignKey(
        Evaluation,
        verbose_name=_("evaluation"),
        on_delete=models.CASCADE,
        related_name="criteria",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent criterion"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
    )
    position = models.PositiveIntegerField(_("order"), default=0)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    weight = models.DecimalField(
        _("weight (%)"),
        max_digits=7,
        decimal_places=4,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(HUNDRED)],
    )
    weight_min = models.DecimalField(
        _("lowest weight in the declared range (%)"),
        max_digits=7,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(HUNDRED)],
    )
    weight_max = models.DecimalField(
        _("highest weight in the declared range (%)"),
        max_digits=7,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(HUNDRED)],
    )
    method = models.CharField(
        _("method"),
        max_length=16,
        choices=Method.choices,
        default=Method.REQUIREMENTS,
    )
    normalise = models.BooleanField(
        _("normalise relative to the best tender"), default=False
    )
    scale_max = models.DecimalField(
        _("scale maximum"),
        max_digits=6,
        decimal_places=2,
        default=Decimal("10"),
        validators=[MinValueValidator(Decimal("1"))],
    )
    # Grows with every change, so an edit made on a stale page is refused.
    version = models.PositiveIntegerField(default=1, editable=False)
    history = HistoricalRecords()

    objects = LockGuardQuerySet.as_manager()

    class Meta:
        ordering = ["evaluation", "parent_id", "position", "pk"]
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        constraints = [
            models.CheckConstraint(
                condition=Q(weight__gte=0) & Q(weight__lte=100),
                name="criterion_weight_0_100",
                violation_error_message=_("A weight lies between 0 and 100 %."),
            ),
            models.UniqueConstraint(
                fields=["evaluation", "parent", "name"],
                name="criterion_name_unique_among_siblings",
                violation_error_message=_(
                    "Another criterion at this level already has this name."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = {}
        low, high = self.weight_min, self.weight_max
        if (low is None) != (high is None):
            errors["weight_max"] = ValidationError(
                _("Give both ends of the declared weight range, or neither."),
                code="range_incomplete",
            )
        elif low is not None and low > high:
            errors["weight_max"] = ValidationError(
                _("The declared range ends below where it starts."),
                code="range_reversed",
            )
        elif (
            low is not None
            and self.weight is not None
            and not (low <= self.weight <= high)
        ):
            errors["weight"] = ValidationError(
                _(
                    "The weight %(weight)s %% lies outside its declared range "
                    "%(low)s–%(high)s %%."
                ),
                code="outside_range",
                params={"weight": self.weight, "low": low, "high": high},
            )
        if self.kind == Criterion.Kind.PRICE and self.method not in (
            Criterion.Method.PRICE,
            "",
        ):
            errors["method"] = ValidationError(
                _("A price criterion is scored with the price formula."),
                code="price_method",
            )
        if errors:
            raise ValidationError(errors)


class RequirementMapping(LockGuardMixin):
    """A V or AV requirement counted in a requirement-scored criterion."""

    evaluation = models.ForeignKey(
        Evaluation,
        verbose_name=_("evaluation"),
        on_delete=models.CASCADE,
        related_name="mappings",
    )
    criterion = models.ForeignKey(
        Criterion,
        verbose_name=_("criterion"),
        on_delete=models.CASCADE,
        related_name="mappings",
    )
    requirement = models.ForeignKey(
        Requirement,
        verbose_name=_("requirement"),
        on_delete=models.PROTECT,
        related_name="evaluation_mappings",
    )
    weight = models.DecimalField(
        _("weight"),
        max_digits=9,
        decimal_places=3,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    history = HistoricalRecords()

    objects = LockGuardQuerySet.as_manager()

    class Meta:
        ordering = ["criterion", "requirement__key"]
        verbose_name = _("requirement mapping")
        verbose_name_plural = _("requirement mappings")
        indexes = [
            # Covering index for the results adapter's evaluator × criterion
            # sums: requirement → criterion and weight without the table.
            models.Index(
                fields=["evaluation", "requirement", "criterion", "weight"],
                name="mapping_requirement_cover",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "requirement"],
                name="mapping_one_criterion_per_requirement",
                violation_error_message=_(
                    "This requirement is already mapped to a criterion."
                ),
            ),
            models.CheckConstraint(
                condition=Q(weight__gte=0), name="mapping_weight_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.requirement.key} → {self.criterion.name}"


class PairwiseComparison(LockGuardMixin):
    """An AHP comparison matrix over the children of one criterion (or the
    top level); the derived weights can be applied to the criteria."""

    evaluation = models.ForeignKey(
        Evaluation,
        verbose_name=_("evaluation"),
        on_delete=models.CASCADE,
        related_name="comparisons",
    )
    parent = models.ForeignKey(
        Criterion,
        verbose_name=_("parent criterion"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    criterion_ids = models.JSONField(default=list)
    matrix = models.JSONField(default=list)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = LockGuardQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("pairwise comparison")
        verbose_name_plural = _("pairwise comparisons")
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "parent"],
                name="comparison_one_per_level",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.evaluation} – {self.parent or '–'}"


class Declaration(models.Model):
    """An evaluator's declaration of impartiality for one procurement, naming
    the vendors they are in conflict with (none, if impartial)."""

    procurement = models.ForeignKey(
        Procurement,
        verbose_name=_("procurement"),
        on_delete=models.CASCADE,
        related_name="declarations",
    )
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("evaluator"),
        on_delete=models.PROTECT,
        related_name="declarations",
    )
    conflicts = models.ManyToManyField(
        Organisation,
        verbose_name=_("vendors in conflict"),
        related_name="declared_conflicts",
        blank=True,
        limit_choices_to={"kind": Organisation.Kind.VENDOR},
    )
    conflict_note = models.TextField(_("about the conflicts"), blank=True)
    signed_at = models.DateTimeField(_("signed"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["procurement", "evaluator__username"]
        verbose_name = _("declaration of impartiality")
        verbose_name_plural = _("declarations of impartiality")
        constraints = [
            models.UniqueConstraint(
                fields=["procurement", "evaluator"],
                name="declaration_once_per_procurement",
                violation_error_message=_(
                    "This evaluator has already signed a declaration here."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.evaluator} – {self.procurement.reference}"


class Assignment(LockGuardMixin):
    """An evaluator assigned to score one criterion, for every tender or
    (with ``tender``) for one."""

    evaluation = models.ForeignKey(
        Evaluation,
        verbose_name=_("evaluation"),
        on_delete=models.CASCADE,
        related_name="assignments",
    )
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("evaluator"),
        on_delete=models.PROTECT,
        related_name="evaluation_assignments",
    )
    criterion = models.ForeignKey(
        Criterion,
        verbose_name=_("criterion"),
        on_delete=models.CASCADE,
        related_name="assignments",
    )
    tender = models.ForeignKey(
        Tender,
        verbose_name=_("tender"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="assignments",
        help_text=_("Leave empty to assign every tender."),
    )
    history = HistoricalRecords()

    objects = LockGuardQuerySet.as_manager()

    class Meta:
        ordering = ["evaluation", "evaluator__username", "criterion"]
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "evaluator", "criterion", "tender"],
                name="assignment_unique",
                violation_error_message=_("This assignment exists already."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.evaluator} – {self.criterion}"


class ScoreBase(LockGuardMixin):
    """What individual and consensus scores share: the tender and the item
    scored — a requirement, or a criterion scored directly."""

    evaluation = models.ForeignKey(
        Evaluation,
        verbose_name=_("evaluation"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    tender = models.ForeignKey(
        Tender, verbose_name=_("tender"), on_delete=models.CASCADE, related_name="+"
    )
    requirement = models.ForeignKey(
        Requirement,
        verbose_name=_("requirement"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    criterion = models.ForeignKey(
        Criterion,
        verbose_name=_("criterion"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    value = models.DecimalField(
        _("score"),
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )
    justification = models.TextField(_("justification"))
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True

    def clean(self) -> None:
        if (self.requirement_id is None) == (self.criterion_id is None):
            raise ValidationError(
                _("A score is given either to a requirement or to a criterion."),
                code="item",
            )
        if not (self.justification or "").strip():
            raise ValidationError(
                {"justification": _("A score needs a written justification.")},
                code="justification_required",
            )


def _one_item_constraints(prefix: str, who: list[str]) -> list:
    return [
        models.CheckConstraint(
            condition=(Q(requirement__isnull=True) & Q(criterion__isnull=False))
            | (Q(requirement__isnull=False) & Q(criterion__isnull=True)),
            name=f"{prefix}_one_item",
        ),
        models.CheckConstraint(
            condition=Q(value__gte=0), name=f"{prefix}_not_negative"
        ),
        models.UniqueConstraint(
            fields=[*who, "tender", "requirement"],
            condition=Q(requirement__isnull=False),
            name=f"{prefix}_once_per_requirement",
        ),
        models.UniqueConstraint(
            fields=[*who, "tender", "criterion"],
            condition=Q(criterion__isnull=False),
            name=f"{prefix}_once_per_criterion",
        ),
    ]


class Score(ScoreBase):
    """One evaluator's own score; never shown to others before consensus."""

    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("evaluator"),
        on_delete=models.PROTECT,
        related_name="evaluation_scores",
    )
    history = HistoricalRecords()

    objects = LockGuardQuerySet.as_manager()

    class Meta:
        ordering = ["evaluation", "tender", "evaluator"]
        verbose_name = _("individual score")
        verbose_name_plural = _("individual scores")
        indexes = [
            # Covering indexes for the results adapter's two GROUP BYs.
            models.Index(
                fields=["evaluation", "tender", "requirement", "criterion", "value"],
                name="score_item_cover",
            ),
            models.Index(
                fields=["evaluation", "requirement", "evaluator", "tender", "value"],
                name="score_evaluator_cover",
            ),
            models.Index(fields=["evaluation", "evaluator"]),
        ]
        constraints = _one_item_constraints("score", ["evaluator"])

    def __str__(self) -> str:
        return f"{self.evaluator} – {self.tender_id} – {self.value}"


class ConsensusScore(ScoreBase):
    """The panel's agreed score, set by the lead; individual scores stay."""

    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    history = HistoricalRecords()

    objects = LockGuardQuerySet.as_manager()

    class Meta:
        ordering = ["evaluation", "tender"]
        verbose_name = _("consensus score")
        verbose_name_plural = _("consensus scores")
        indexes = [
            # Covering index for the results adapter's consensus read.
            models.Index(
                fields=["evaluation", "tender", "requirement", "criterion", "value"],
                name="consensus_item_cover",
            ),
        ]
        constraints = _one_item_constraints("consensus", ["evaluation"])

    def __str__(self) -> str:
        return f"{self.tender_id} – {self.value}"


class AbsoluteCheck(LockGuardMixin):
    """Pass/fail of one A or AV requirement for one tender; a fail carries
    the judgement whether the deviation is substantial (FOA § 9-6)."""

    evaluation = models.ForeignKey(
        Evaluation,
        verbose_name=_("evaluation"),
        on_delete=models.CASCADE,
        related_name="absolute_checks",
    )
    tender = models.ForeignKey(
        Tender,
        verbose_name=_("tender"),
        on_delete=models.CASCADE,
        related_name="absolute_checks",
    )
    requirement = models.ForeignKey(
        Requirement,
        verbose_name=_("requirement"),
        on_delete=models.PROTECT,
        related_name="absolute_checks",
    )
    fulfilled = models.BooleanField(_("fulfilled"))
    substantial_deviation = models.BooleanField(
        _("substantial deviation"), null=True, blank=True
    )
    justification = models.TextField(_("justification"), blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("checked by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    checked_at = models.DateTimeField(_("checked"), auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    history = HistoricalRecords()

    objects = LockGuardQuerySet.as_manager()

    class Meta:
        ordering = ["evaluation", "tender", "requirement__key"]
        verbose_name = _("absolute requirement check")
        verbose_name_plural = _("absolute requirement checks")
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "tender", "requirement"],
                name="absolute_check_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tender} – {self.requirement.key}"

    def clean(self) -> None:
        if not self.fulfilled:
            if self.substantial_deviation is None:
                raise ValidationError(
                    {
                        "substantial_deviation": _(
                            "Judge whether the deviation is substantial."
                        )
                    },
                    code="judgement_required",
                )
            if not (self.justification or "").strip():
                raise ValidationError(
                    {"justification": _("A failed requirement needs a justification.")},
                    code="justification_required",
                )
