"""Reads of tender rounds, tenders, their prices and their answers.

The evaluated price of a tender is its price basket, the sum of quantity ×
unit price over its price lines, or, for a tender without lines, its single
total. The sum is taken in the database on whole numbers (quantity in
thousandths times unit price in øre), so it is exact on SQLite, whose decimals
are floating point, as well as on PostgreSQL.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal

from django.db.models import (
    BigIntegerField,
    Count,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Round

from procurement.models import (
    BaselineRequirement,
    Procurement,
    Requirement,
    Response,
    Tender,
    TenderRound,
)
from procurement.models.specification import section_sort_key

# quantity has 3 decimals and unit price 2: their product counts 1/100,000 NOK.
_QUANTITY_SCALE = 1000
_PRICE_SCALE = 100
_AMOUNT_SCALE = Decimal(_QUANTITY_SCALE * _PRICE_SCALE)

# The fields of one requirement as the round's vendors answer it.
REQUIREMENT_FIELDS = (
    "key",
    "section_number",
    "section_title",
    "kind",
    "title",
    "description",
    "response_instructions",
)


def _basket_units():
    """Sum of quantity × unit price over a tender's lines, in 1/100,000 NOK."""
    quantity = Cast(
        Round(F("price_lines__quantity") * _QUANTITY_SCALE), BigIntegerField()
    )
    unit_price = Cast(
        Round(F("price_lines__unit_price") * _PRICE_SCALE), BigIntegerField()
    )
    return Sum(quantity * unit_price, output_field=BigIntegerField())


def _from_units(units) -> Decimal | None:
    if units is None:
        return None
    return Decimal(units) / _AMOUNT_SCALE


def evaluated_prices(round: TenderRound) -> dict[int, Decimal | None]:
    """tender id → evaluated price for every tender of ``round`` (rejected and
    withdrawn ones included): the price basket, or the single total for a
    tender without price lines, or None when it has neither. One query."""
    return evaluated_prices_for(Tender.objects.filter(round=round))


def evaluated_price(tender: Tender) -> Decimal | None:
    return evaluated_prices_for(Tender.objects.filter(pk=tender.pk)).get(tender.pk)


def evaluated_prices_for(tenders: QuerySet[Tender]) -> dict[int, Decimal | None]:
    """Like ``evaluated_prices`` for any set of tenders."""
    rows = (
        tenders.order_by().values("pk", "total_price").annotate(units=_basket_units())
    )
    return {
        row["pk"]: _from_units(row["units"])
        if row["units"] is not None
        else row["total_price"]
        for row in rows
    }


def round_list(procurement: Procurement) -> QuerySet[TenderRound]:
    """The procurement's rounds with their number of tenders and valid ones."""
    return (
        TenderRound.objects.filter(procurement=procurement)
        .select_related("baseline", "opened_by")
        .annotate(
            tender_count=Count("tenders"),
            valid_count=Count("tenders", filter=Q(tenders__status="valid")),
        )
        .order_by("number")
    )


def tender_list(round: TenderRound) -> list[Tender]:
    """The round's tenders in order of receipt, each with ``response_count``,
    ``line_count`` and ``evaluated_price``: two queries."""
    tenders = list(
        Tender.objects.filter(round=round)
        .select_related("vendor", "status_changed_by")
        .annotate(
            response_count=Count("responses", distinct=True),
            line_count=Count("price_lines", distinct=True),
        )
        .order_by("received_at", "vendor__name")
    )
    prices = evaluated_prices(round)
    for tender in tenders:
        tender.round = round
        tender.evaluated_price = prices.get(tender.pk)
    return tenders


# The requirements a round answers -----------------------------------------------


def round_requirements(round: TenderRound) -> QuerySet:
    """The requirements the vendors answer in ``round``, in document order, as
    dicts with ``REQUIREMENT_FIELDS`` and ``content_hash``: the round's
    baseline (without its withdrawn requirements), or without a baseline the
    current requirements that are not withdrawn."""
    withdrawn = Requirement.Status.WITHDRAWN
    if round.baseline_id is not None:
        return (
            BaselineRequirement.objects.filter(baseline_id=round.baseline_id)
            .exclude(status=withdrawn)
            .order_by("section_sort_key", "key")
            .values(*REQUIREMENT_FIELDS, "content_hash")
        )
    return (
        Requirement.objects.filter(procurement_id=round.procurement_id)
        .exclude(status=withdrawn)
        .order_by("section__sort_key", "key")
        .values(
            *(f for f in REQUIREMENT_FIELDS if not f.startswith("section_")),
            "content_hash",
            section_number=F("section__number"),
            section_title=F("section__title"),
        )
    )


def round_requirement_fingerprint(round: TenderRound) -> str:
    """Changes when a requirement the round answers is added, removed or
    changed; written into the answer workbook to spot an outdated one."""
    digest = hashlib.sha256()
    for key, content_hash in (
        round_requirements(round)
        .values_list("key", "content_hash")
        .iterator(chunk_size=5000)
    ):
        digest.update(f"{key}\t{content_hash}\n".encode())
    return digest.hexdigest()


def round_sections(round: TenderRound) -> list[tuple[str, str]]:
    """(number, title) of the sections the round's requirements are in."""
    rows = (
        round_requirements(round)
        .order_by()
        .values_list("section_number", "section_title")
        .distinct()
    )
    return sorted(set(rows), key=lambda row: section_sort_key(row[0]))


NO_ANSWER = "none"


def tender_answers(
    tender: Tender, *, section: str = "", compliance: str = ""
) -> QuerySet:
    """Each requirement of the tender's round with the vendor's answer, as
    dicts with ``REQUIREMENT_FIELDS`` and ``compliance``, ``answer`` and
    ``reference`` (None where the vendor gave none). ``section`` keeps that
    section and its subsections; ``compliance`` keeps one compliance value,
    or ``NO_ANSWER`` the requirements without one."""
    round = tender.round
    responses = Response.objects.filter(tender=tender)
    if round.baseline_id is not None:
        responses = responses.filter(
            requirement__procurement_id=round.procurement_id,
            requirement__key=OuterRef("key"),
        )
    else:
        responses = responses.filter(requirement_id=OuterRef("pk"))
    rows = round_requirements(round).annotate(
        compliance=Subquery(responses.values("compliance")[:1]),
        answer=Subquery(responses.values("answer")[:1]),
        reference=Subquery(responses.values("reference")[:1]),
    )
    if section:
        rows = rows.filter(
            Q(section_number=section) | Q(section_number__startswith=f"{section}.")
        )
    if compliance == NO_ANSWER:
        rows = rows.filter(Q(compliance__isnull=True) | Q(compliance=Value("")))
    elif compliance:
        rows = rows.filter(compliance=compliance)
    return rows


def compliance_counts(tender: Tender) -> dict[str, int]:
    """How many answers the tender has per compliance value (blank as "")."""
    return dict(
        Response.objects.filter(tender=tender)
        .order_by()
        .values_list("compliance")
        .annotate(n=Count("pk"))
        .values_list("compliance", "n")
    )


__all__ = [
    "NO_ANSWER",
    "REQUIREMENT_FIELDS",
    "compliance_counts",
    "evaluated_price",
    "evaluated_prices",
    "evaluated_prices_for",
    "round_list",
    "round_requirement_fingerprint",
    "round_requirements",
    "round_sections",
    "tender_answers",
    "tender_list",
]
