"""Core domain: organisations, the programme, option agreements, announcements,
procurements and who may do what in them."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength
from stdnum.no import orgnr

PROGRAMME_STAFF_GROUP = "programme-staff"
ADMINISTRATORS_GROUP = "administrators"


def validate_org_number(value: str) -> None:
    """Refuse anything that is not a valid Norwegian organisation number."""
    try:
        orgnr.validate(value)
    except InvalidChecksum as exc:
        raise ValidationError(
            _("%(value)s is not a valid organisation number: the checksum fails."),
            code="invalid_checksum",
            params={"value": value},
        ) from exc
    except InvalidLength as exc:
        raise ValidationError(
            _("An organisation number has exactly 9 digits; %(value)s does not."),
            code="invalid_length",
            params={"value": value},
        ) from exc
    except InvalidFormat as exc:
        raise ValidationError(
            _("An organisation number has digits only; %(value)s does not."),
            code="invalid_format",
            params={"value": value},
        ) from exc


class County(models.TextChoices):
    AGDER = "agder", "Agder"
    AKERSHUS = "akershus", "Akershus"
    BUSKERUD = "buskerud", "Buskerud"
    FINNMARK = "finnmark", "Finnmark"
    INNLANDET = "innlandet", "Innlandet"
    MORE_OG_ROMSDAL = "more_og_romsdal", "Møre og Romsdal"
    NORDLAND = "nordland", "Nordland"
    OSLO = "oslo", "Oslo"
    ROGALAND = "rogaland", "Rogaland"
    TELEMARK = "telemark", "Telemark"
    TROMS = "troms", "Troms"
    TRONDELAG = "trondelag", "Trøndelag"
    VESTFOLD = "vestfold", "Vestfold"
    VESTLAND = "vestland", "Vestland"
    OSTFOLD = "ostfold", "Østfold"


class Organisation(models.Model):
    class Kind(models.TextChoices):
        REGIONAL_HEALTH_AUTHORITY = (
            "regional_health_authority",
            _("Regional health authority"),
        )
        HEALTH_TRUST = "health_trust", _("Health trust / hospital")
        MUNICIPALITY = "municipality", _("Municipality")
        GP_PRACTICE = "gp_practice", _("GP practice")
        PRIVATE_PROVIDER = "private_provider", _("Private provider")
        USER_ORGANISATION = "user_organisation", _("User / patient organisation")
        VENDOR = "vendor", _("Vendor")
        OTHER = "other", _("Other")

    class Level(models.TextChoices):
        SPECIALIST = "specialist", _("Specialist health service")
        MUNICIPAL = "municipal", _("Municipal health service")
        PRIMARY = "primary", _("Primary care / GP")
        PRIVATE = "private", _("Private")
        NATIONAL = "national", _("National")

    name = models.CharField(_("name"), max_length=200)
    org_number = models.CharField(
        _("organisation number"),
        max_length=9,
        blank=True,
        validators=[validate_org_number],
        help_text=_(
            "Nine digits from the Register of Legal Entities; may be left empty."
        ),
    )
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    county = models.CharField(
        _("county"), max_length=32, choices=County.choices, blank=True
    )
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [
            models.UniqueConstraint(
                fields=["org_number"],
                condition=~Q(org_number=""),
                name="organisation_unique_org_number",
                violation_error_message=_("Another organisation has this number."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("procurement:organisation-detail", args=[self.pk])

    @property
    def org_number_display(self) -> str:
        return orgnr.format(self.org_number) if self.org_number else ""

    def clean(self) -> None:
        if self.parent_id and self.pk:
            ancestor = self.parent
            while ancestor is not None:
                if ancestor.pk == self.pk:
                    raise ValidationError(
                        {
                            "parent": ValidationError(
                                _("An organisation cannot be its own ancestor."),
                                code="parent_cycle",
                            )
                        }
                    )
                ancestor = ancestor.parent


class Programme(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    description = models.TextField(_("description"), blank=True)
    owners = models.ManyToManyField(
        Organisation,
        verbose_name=_("owners"),
        related_name="owned_programmes",
        blank=True,
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("procurement:programme-detail", args=[self.pk])


class OptionAgreement(models.Model):
    class Status(models.TextChoices):
        OFFERED = "offered", _("Offered")
        SIGNED = "signed", _("Signed")
        EXERCISED = "exercised", _("Exercised")
        DECLINED = "declined", _("Declined")

    programme = models.ForeignKey(
        Programme,
        verbose_name=_("programme"),
        on_delete=models.CASCADE,
        related_name="option_agreements",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="option_agreements",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OFFERED
    )
    offered_on = models.DateField(_("offered on"), null=True, blank=True)
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    exercised_on = models.DateField(_("exercised on"), null=True, blank=True)
    declined_on = models.DateField(_("declined on"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["organisation__name"]
        verbose_name = _("option agreement")
        verbose_name_plural = _("option agreements")
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "organisation"],
                name="option_agreement_one_per_organisation",
                violation_error_message=_(
                    "This organisation already has an option agreement "
                    "in the programme."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} – {self.get_status_display()}"

    def clean(self) -> None:
        errors = {}
        for field in ("signed_on", "exercised_on", "declined_on"):
            value = getattr(self, field)
            if value and self.offered_on and value < self.offered_on:
                errors[field] = ValidationError(
                    _("This date is before the date the option was offered."),
                    code="before_offer",
                )
        if self.exercised_on and self.signed_on and self.exercised_on < self.signed_on:
            errors["exercised_on"] = ValidationError(
                _("An option cannot be exercised before it is signed."),
                code="exercised_before_signed",
            )
        if self.status == self.Status.DECLINED and (
            self.signed_on or self.exercised_on
        ):
            errors["status"] = ValidationError(
                _("A declined option cannot have a signing or exercise date."),
                code="declined_with_dates",
            )
        if errors:
            raise ValidationError(errors)


class Announcement(models.Model):
    programme = models.ForeignKey(
        Programme,
        verbose_name=_("programme"),
        on_delete=models.CASCADE,
        related_name="announcements",
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    published_on = models.DateField(_("published on"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-published_on", "-pk"]
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("procurement:announcement-detail", args=[self.pk])


class ProcurementQuerySet(models.QuerySet):
    def visible_to(self, user) -> ProcurementQuerySet:
        """Procurements the user may see: all for programme staff and
        administrators, otherwise those where the user holds a membership."""
        from procurement.access import is_programme_staff

        if not user.is_authenticated or not user.is_active:
            return self.none()
        if is_programme_staff(user):
            return self
        return self.filter(
            pk__in=Membership.objects.filter(user=user).values("procurement")
        )


class Procurement(models.Model):
    class Procedure(models.TextChoices):
        OPEN = "open", _("Open procedure")
        RESTRICTED = "restricted", _("Restricted procedure")
        NEGOTIATED = "negotiated", _("Negotiated procedure")
        COMPETITIVE_DIALOGUE = "competitive_dialogue", _("Competitive dialogue")
        INNOVATION_PARTNERSHIP = "innovation_partnership", _("Innovation partnership")

    class Phase(models.TextChoices):
        NEEDS = "needs", _("Needs")
        SPECIFICATION = "specification", _("Specification")
        PUBLISHED = "published", _("Published")
        TENDERING = "tendering", _("Tendering")
        EVALUATION = "evaluation", _("Evaluation")
        AWARD = "award", _("Award")
        CONTRACT = "contract", _("Contract")
        CANCELLED = "cancelled", _("Cancelled")

    programme = models.ForeignKey(
        Programme,
        verbose_name=_("programme"),
        on_delete=models.PROTECT,
        related_name="procurements",
    )
    reference = models.CharField(
        _("reference"),
        max_length=40,
        unique=True,
        help_text=_("Short unique reference, e.g. HP-EPJ-2016."),
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    procedure = models.CharField(
        _("procedure"), max_length=32, choices=Procedure.choices
    )
    phase = models.CharField(
        _("phase"), max_length=16, choices=Phase.choices, default=Phase.NEEDS
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ProcurementQuerySet.as_manager()

    class Meta:
        ordering = ["reference"]
        verbose_name = _("procurement")
        verbose_name_plural = _("procurements")

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("procurement:procurement-detail", args=[self.pk])


class KeyDate(models.Model):
    """A milestone on a procurement's timeline, planned or done."""

    procurement = models.ForeignKey(
        Procurement,
        verbose_name=_("procurement"),
        on_delete=models.CASCADE,
        related_name="key_dates",
    )
    label = models.CharField(_("milestone"), max_length=200)
    date = models.DateField(_("date"))

    class Meta:
        ordering = ["date", "pk"]
        verbose_name = _("key date")
        verbose_name_plural = _("key dates")

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.label}"


class Membership(models.Model):
    """A user's role in one procurement."""

    class Role(models.TextChoices):
        STAFF = "staff", _("Programme staff")
        EVALUATOR = "evaluator", _("Evaluator")
        LEAD = "lead", _("Evaluation lead")
        MANAGEMENT = "management", _("Management")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    procurement = models.ForeignKey(
        Procurement,
        verbose_name=_("procurement"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["procurement", "user__username", "role"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "procurement", "role"],
                name="membership_one_role_once",
                violation_error_message=_("The user already holds this role here."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} – {self.procurement.reference}"


EVENT_ACTIONS = {
    "organisation.created": _("Organisation created"),
    "organisation.changed": _("Organisation changed"),
    "programme.created": _("Programme created"),
    "programme.changed": _("Programme changed"),
    "option.created": _("Option agreement created"),
    "option.changed": _("Option agreement changed"),
    "announcement.published": _("Announcement published"),
    "announcement.changed": _("Announcement changed"),
    "procurement.created": _("Procurement created"),
    "procurement.changed": _("Procurement changed"),
    "procurement.phase_changed": _("Phase changed"),
    "membership.granted": _("Role granted"),
    "section.created": _("Section created"),
    "section.changed": _("Section changed"),
    "baseline.published": _("Baseline published"),
    "specification.imported": _("Specification imported"),
    "round.created": _("Tender round created"),
    "round.changed": _("Tender round changed"),
    "round.opened": _("Tenders opened"),
    "round.prices_opened": _("Price envelope opened"),
    "tender.registered": _("Tender registered"),
    "tender.changed": _("Tender changed"),
    "tender.status_changed": _("Tender status changed"),
    "tender.rejected": _("Tender rejected"),
    "tender.rejection_dismissed": _("Proposed rejection dismissed"),
    "responses.imported": _("Vendor answers imported"),
    "workshop.created": _("Workshop created"),
    "workshop.changed": _("Workshop changed"),
    "participants.imported": _("Participants imported"),
    "inputs.imported": _("Workshop notes imported"),
    "inputs.triaged": _("Inputs triaged"),
    "evaluation.created": _("Evaluation created"),
    "evaluation.changed": _("Evaluation model changed"),
    "evaluation.panel_changed": _("Evaluation panel changed"),
    "evaluation.scoring_started": _("Scoring started"),
    "evaluation.consensus_opened": _("Consensus opened"),
    "evaluation.quality_locked": _("Quality consensus locked"),
    "evaluation.released": _("Results released to management"),
    "evaluation.locked": _("Evaluation locked"),
    "declaration.signed": _("Declaration of impartiality signed"),
    "scores.imported": _("Scoring sheet imported"),
}
ADMIN_ACTIONS = {
    "created_in_admin": _("Created in the administration"),
    "changed_in_admin": _("Changed in the administration"),
    "deleted_in_admin": _("Deleted in the administration"),
}


class Event(models.Model):
    """One row for every state change: who did what, to what, and when."""

    procurement = models.ForeignKey(
        Procurement,
        verbose_name=_("procurement"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="events",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=64)
    object_repr = models.CharField(_("object"), max_length=300, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("event")
        verbose_name_plural = _("events")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"

    @property
    def action_label(self) -> str:
        suffix = self.action.rpartition(".")[2]
        label = str(
            EVENT_ACTIONS.get(self.action, ADMIN_ACTIONS.get(suffix, self.action))
        )
        if self.action == "procurement.phase_changed":
            phases = dict(Procurement.Phase.choices)
            old, new = self.data.get("phase", ["", ""])
            label += f" ({phases.get(old, old)} → {phases.get(new, new)})"
        return label
