"""Writes to tender rounds, tenders, their price lines and their answers.

Every service validates with ``full_clean()`` before it saves and writes its
event row in the same transaction, so a refusal leaves nothing half-saved.
Who may call what is decided by the views (``procurement.tenders.access``);
the rules that hold whoever calls are kept here:

- one tender per vendor and round, and only organisations of kind vendor;
- no new tender in a round once it has been opened;
- a rejection carries a reason (checked for personal data);
- the sealed price envelope is opened once, and only when the round has one,
  and the seal cannot be switched off once the round is opened or prices are in;
- once the round's evaluation is locked, nothing that feeds it (status,
  prices, answers, the round) changes;
- price lines and imported answers replace what was there all at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from procurement.models import (
    Baseline,
    Organisation,
    PriceLine,
    Procurement,
    Requirement,
    Response,
    Tender,
    TenderRound,
)
from procurement.models.tenders import round_evaluation_locked
from procurement.personal_data import validate_no_personal_data
from procurement.services.core import _json_value, event_record

Status = Tender.Status

# The fields tender_update may change; status and prices have their own services.
TENDER_FIELDS = ("vendor", "received_at", "total_price", "note")
ROUND_FIELDS = ("number", "kind", "name", "baseline", "deadline", "sealed_prices")


class _Keep:
    def __repr__(self) -> str:
        return "KEEP"


# Passed for ``total_price`` to leave the tender's total as it is.
KEEP: Any = _Keep()


class ConcurrentEditError(Exception):
    """Someone else saved the tender after the user loaded it."""

    def __init__(self, tender: Tender):
        super().__init__(f"{tender} was changed by someone else")
        self.tender = tender


@dataclass(frozen=True)
class PriceLineData:
    item: str
    quantity: Decimal
    unit_price: Decimal


@dataclass(frozen=True)
class ResponseData:
    requirement_id: int
    compliance: str = ""
    answer: str = ""
    reference: str = ""


def _json(value: Any) -> Any:
    """A value for an event's data: amounts as exact strings."""
    if isinstance(value, Decimal):
        return str(value)
    return _json_value(value)


def _changes(instance, fields: dict[str, Any]) -> dict[str, list[Any]]:
    """Field name → [old, new] for the fields that would change."""
    return {
        name: [_json(getattr(instance, name)), _json(new)]
        for name, new in fields.items()
        if getattr(instance, name) != new
    }


def _user(by: AbstractBaseUser | None) -> AbstractBaseUser | None:
    return by if by is not None and by.is_authenticated else None


def evaluation_locked(round: TenderRound) -> bool:
    """True when the round's evaluation is locked."""
    return round_evaluation_locked(round.pk)


def _refuse_if_evaluation_locked(round: TenderRound) -> None:
    """A locked evaluation must never change through its tenders."""
    if evaluation_locked(round):
        raise ValidationError(
            _(
                "The evaluation of %(round)s is locked; its tenders, prices and "
                "answers can no longer change."
            )
            % {"round": round},
            code="evaluation_locked",
        )


# Rounds -----------------------------------------------------------------------


@transaction.atomic
def round_create(
    *,
    procurement: Procurement,
    number: int,
    kind: str,
    name: str,
    baseline: Baseline | None = None,
    deadline: datetime | None = None,
    sealed_prices: bool = False,
    by: AbstractBaseUser | None,
) -> TenderRound:
    """Create a dialogue round; the baseline must belong to the procurement."""
    round = TenderRound(
        procurement=procurement,
        number=number,
        kind=kind,
        name=name,
        baseline=baseline,
        deadline=deadline,
        sealed_prices=sealed_prices,
    )
    _check_baseline(round)
    round.full_clean()
    round.save()
    event_record(action="round.created", by=by, obj=round, procurement=procurement)
    return round


def _check_baseline(round: TenderRound) -> None:
    if round.baseline is not None and (
        round.baseline.procurement_id != round.procurement_id
    ):
        raise ValidationError(
            {
                "baseline": ValidationError(
                    _("This baseline belongs to another procurement."),
                    code="foreign_baseline",
                )
            }
        )


@transaction.atomic
def round_update(
    *, round: TenderRound, by: AbstractBaseUser | None, **fields: Any
) -> TenderRound:
    """Change a round's number, kind, name, baseline, deadline or seal. The
    seal cannot be switched off once the round is opened or a price is in,
    and the opening itself is only recorded by ``round_open``."""
    unknown = set(fields) - set(ROUND_FIELDS)
    if unknown:
        raise TypeError(f"round_update cannot change {', '.join(sorted(unknown))}")
    current = TenderRound.objects.select_for_update().get(pk=round.pk)
    _refuse_if_evaluation_locked(current)
    changes = _changes(current, fields)
    if "sealed_prices" in changes:
        _check_seal_change(current, fields["sealed_prices"])
    for name, value in fields.items():
        setattr(current, name, value)
    _check_baseline(current)
    current.full_clean()
    current.save()
    if changes:
        event_record(
            action="round.changed",
            by=by,
            obj=current,
            procurement=current.procurement,
            data={"changes": changes},
        )
    return current


def _check_seal_change(round: TenderRound, sealed: bool) -> None:
    if round.opened_at is not None:
        raise ValidationError(
            {
                "sealed_prices": ValidationError(
                    _(
                        "The round has been opened; whether its prices are sealed "
                        "can no longer change."
                    ),
                    code="seal_fixed",
                )
            }
        )
    if not sealed and _round_has_prices(round):
        raise ValidationError(
            {
                "sealed_prices": ValidationError(
                    _(
                        "Prices have already been entered under seal in this round; "
                        "the envelope can only be opened by the evaluation lead."
                    ),
                    code="sealed_prices_entered",
                )
            }
        )


def _round_has_prices(round: TenderRound) -> bool:
    return (
        PriceLine.objects.filter(tender__round=round).exists()
        or Tender.objects.filter(round=round, total_price__isnull=False).exists()
    )


@transaction.atomic
def round_open(*, round: TenderRound, by: AbstractBaseUser | None) -> TenderRound:
    """Record the opening of the tenders: when and by whom. From now on the
    round takes no new tenders. A round is opened once."""
    current = TenderRound.objects.select_for_update().get(pk=round.pk)
    if current.opened_at is not None:
        raise ValidationError(
            _("This round was already opened on %(when)s.")
            % {
                "when": timezone.localtime(current.opened_at).strftime("%Y-%m-%d %H:%M")
            },
            code="already_opened",
        )
    current.opened_at = timezone.now()
    current.opened_by = _user(by)
    current.full_clean()
    current.save(update_fields=["opened_at", "opened_by"])
    tenders = list(
        current.tenders.order_by("received_at", "pk").values_list(
            "vendor__name", "received_at"
        )
    )
    event_record(
        action="round.opened",
        by=by,
        obj=current,
        procurement=current.procurement,
        data={
            "tenders": [
                {"vendor": name, "received_at": received.isoformat()}
                for name, received in tenders
            ]
        },
    )
    return current


@transaction.atomic
def round_open_prices(
    *, round: TenderRound, by: AbstractBaseUser | None
) -> TenderRound:
    """Open the sealed price envelope: from now on everyone who may see the
    tenders sees their prices. The caller (the evaluation) checks that the
    quality consensus is locked; this refuses a round without a seal and a
    second opening."""
    current = TenderRound.objects.select_for_update().get(pk=round.pk)
    if not current.sealed_prices:
        raise ValidationError(
            _("The prices of %(round)s are not sealed, so there is nothing to open.")
            % {"round": current},
            code="not_sealed",
        )
    if current.prices_opened_at is not None:
        raise ValidationError(
            _("The price envelope of %(round)s is already open.") % {"round": current},
            code="prices_already_opened",
        )
    current.prices_opened_at = timezone.now()
    current.prices_opened_by = _user(by)
    current.full_clean()
    current.save(update_fields=["prices_opened_at", "prices_opened_by"])
    event_record(
        action="round.prices_opened",
        by=by,
        obj=current,
        procurement=current.procurement,
    )
    return current


# Tenders ----------------------------------------------------------------------


def _check_vendor(round: TenderRound, vendor: Organisation, tender_pk=None) -> None:
    if vendor.kind != Organisation.Kind.VENDOR:
        raise ValidationError(
            {
                "vendor": ValidationError(
                    _(
                        "%(name)s is not a vendor; only an organisation of kind "
                        "vendor can submit a tender."
                    )
                    % {"name": vendor.name},
                    code="not_a_vendor",
                )
            }
        )
    others = Tender.objects.filter(round=round, vendor=vendor)
    if tender_pk is not None:
        others = others.exclude(pk=tender_pk)
    if others.exists():
        raise ValidationError(
            {
                "vendor": ValidationError(
                    _(
                        "%(name)s already has a tender in %(round)s; a vendor "
                        "submits one tender per round. Edit that tender instead."
                    )
                    % {"name": vendor.name, "round": round},
                    code="duplicate_vendor",
                )
            }
        )


@transaction.atomic
def tender_register(
    *,
    round: TenderRound,
    vendor: Organisation,
    received_at: datetime,
    by: AbstractBaseUser | None,
    total_price: Decimal | None = None,
    note: str = "",
) -> Tender:
    """Register a tender as received. Refuses a round already opened, an
    organisation that is not a vendor and a second tender from one vendor."""
    locked_round = TenderRound.objects.select_for_update().get(pk=round.pk)
    if locked_round.opened_at is not None:
        raise ValidationError(
            _("%(round)s has been opened; no more tenders can be registered in it.")
            % {"round": locked_round},
            code="round_opened",
        )
    _check_vendor(locked_round, vendor)
    tender = Tender(
        round=locked_round,
        vendor=vendor,
        received_at=received_at,
        total_price=total_price,
        note=note,
    )
    tender._history_user = _user(by)
    tender.full_clean()
    tender.save()
    event_record(
        action="tender.registered",
        by=by,
        obj=tender,
        procurement=locked_round.procurement,
        data={"received_at": received_at.isoformat()},
    )
    return tender


@transaction.atomic
def tender_update(
    *,
    tender: Tender,
    by: AbstractBaseUser | None,
    expected_version: int | None = None,
    **fields: Any,
) -> Tender:
    """Change a tender's vendor, time of receipt, total price or note. With
    ``expected_version`` (the version the user loaded), a save by someone else
    in between raises ConcurrentEditError and nothing is written."""
    unknown = set(fields) - set(TENDER_FIELDS)
    if unknown:
        raise TypeError(f"tender_update cannot change {', '.join(sorted(unknown))}")
    current = _locked_tender(tender, expected_version)
    _refuse_if_evaluation_locked(current.round)
    if "vendor" in fields and fields["vendor"].pk != current.vendor_id:
        _check_vendor(current.round, fields["vendor"], tender_pk=current.pk)
    changes = _changes(current, fields)
    if not changes:
        return current
    _save_tender(current, fields, by)
    event_record(
        action="tender.changed",
        by=by,
        obj=current,
        procurement=current.round.procurement,
        data={"changes": changes},
    )
    return current


def _locked_tender(tender: Tender, expected_version: int | None) -> Tender:
    current = (
        Tender.objects.select_for_update()
        .select_related("round__procurement", "vendor")
        .get(pk=tender.pk)
    )
    if expected_version is not None and current.version != expected_version:
        raise ConcurrentEditError(current)
    return current


def _save_tender(tender: Tender, fields: dict[str, Any], by) -> None:
    for name, value in fields.items():
        setattr(tender, name, value)
    tender.version += 1
    tender._history_user = _user(by)
    tender.full_clean()
    tender.save()


@transaction.atomic
def tender_set_status(
    *,
    tender: Tender,
    status: str,
    reason: str = "",
    by: AbstractBaseUser | None,
    expected_version: int | None = None,
) -> Tender:
    """Set a tender's status. A rejection needs a reason (no personal data in
    it); it is kept on the tender and in the event. Leaving rejected clears
    the reason (the history keeps it)."""
    reason = (reason or "").strip()
    if status not in Status.values:
        raise ValidationError(
            {"status": ValidationError(_("Choose a valid status."), code="invalid")}
        )
    if status == Status.REJECTED:
        if not reason:
            raise ValidationError(
                {
                    "reason": ValidationError(
                        _("Say why the tender is rejected."), code="reason_required"
                    )
                }
            )
        try:
            validate_no_personal_data(reason)
        except ValidationError as error:
            raise ValidationError({"reason": error.error_list}) from error
    current = _locked_tender(tender, expected_version)
    _refuse_if_evaluation_locked(current.round)
    old = current.status
    if old == status and current.rejection_reason == (
        reason if status == Status.REJECTED else ""
    ):
        return current
    current.status_changed_at = timezone.now()
    current.status_changed_by = _user(by)
    _save_tender(
        current,
        {
            "status": status,
            "rejection_reason": reason if status == Status.REJECTED else "",
        },
        by,
    )
    event_record(
        action="tender.rejected"
        if status == Status.REJECTED
        else "tender.status_changed",
        by=by,
        obj=current,
        procurement=current.round.procurement,
        data={"status": [old, status], "reason": reason},
    )
    return current


@transaction.atomic
def price_lines_save(
    *,
    tender: Tender,
    lines: Sequence[PriceLineData],
    by: AbstractBaseUser | None,
    total_price: Decimal | None = KEEP,
    expected_version: int | None = None,
) -> Tender:
    """Replace the tender's price lines with ``lines`` (in that order), and
    with ``total_price`` given also its single total, all at once: if one line
    is invalid nothing changes. Who may do this while the prices are sealed
    (the evaluation lead only) is the caller's check."""
    current = _locked_tender(tender, expected_version)
    _refuse_if_evaluation_locked(current.round)
    new_lines = []
    errors = []
    for position, line in enumerate(lines, 1):
        price_line = PriceLine(
            tender=current,
            position=position,
            item=(line.item or "").strip(),
            quantity=line.quantity,
            unit_price=line.unit_price,
        )
        try:
            price_line.full_clean(exclude=["tender"])
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                errors.append(
                    ValidationError(
                        _("Line %(line)s, %(field)s: %(message)s")
                        % {
                            "line": position,
                            "field": PriceLine._meta.get_field(field).verbose_name
                            if field != "__all__"
                            else "",
                            "message": " ".join(messages),
                        },
                        code="invalid_line",
                    )
                )
        new_lines.append(price_line)
    if errors:
        raise ValidationError(errors)
    old_lines = [
        [line.item, str(line.quantity), str(line.unit_price)]
        for line in current.price_lines.all()
    ]
    user = _user(by)
    for line in current.price_lines.all():
        line._history_user = user
        line.delete()
    for line in new_lines:
        line._history_user = user
        line.save()
    fields: dict[str, Any] = {}
    if total_price is not KEEP:
        fields["total_price"] = total_price
    old_total = current.total_price
    _save_tender(current, fields, by)
    event_record(
        action="tender.changed",
        by=by,
        obj=current,
        procurement=current.round.procurement,
        data={
            "price_lines": [len(old_lines), len(new_lines)],
            **(
                {"total_price": [_json(old_total), _json(total_price)]}
                if total_price is not KEEP and old_total != total_price
                else {}
            ),
        },
    )
    return current


# Answers ----------------------------------------------------------------------


@transaction.atomic
def responses_import(
    *,
    tender: Tender,
    rows: Iterable[ResponseData],
    by: AbstractBaseUser | None,
    source: str = "",
) -> int:
    """Replace all of the tender's answers with ``rows`` (one per requirement
    of the procurement), all or nothing; returns how many were stored."""
    current = _locked_tender(tender, None)
    _refuse_if_evaluation_locked(current.round)
    procurement_id = current.round.procurement_id
    responses = []
    seen: set[int] = set()
    for row in rows:
        if row.requirement_id in seen:
            raise ValidationError(
                _("A requirement is answered twice."), code="duplicate_requirement"
            )
        seen.add(row.requirement_id)
        response = Response(
            tender=current,
            requirement_id=row.requirement_id,
            compliance=row.compliance,
            answer=row.answer.replace("\x00", ""),
            reference=row.reference.replace("\x00", ""),
        )
        # The uniqueness checks are one query per row; the set above and the
        # database constraint keep them instead.
        response.full_clean(
            exclude=["tender", "requirement"],
            validate_unique=False,
            validate_constraints=False,
        )
        responses.append(response)
    known = set(
        Requirement.objects.filter(
            procurement_id=procurement_id, pk__in=seen
        ).values_list("pk", flat=True)
    )
    if known != seen:
        raise ValidationError(
            _("Some answers are for requirements of another procurement."),
            code="foreign_requirement",
        )
    replaced = Response.objects.filter(tender=current).delete()[0]
    Response.objects.bulk_create(responses, batch_size=1000)
    event_record(
        action="responses.imported",
        by=by,
        obj=current,
        procurement=current.round.procurement,
        data={"source": source, "stored": len(responses), "replaced": replaced},
    )
    return len(responses)
