"""The opening record of a tender round (protokoll fra tilbudsåpning): which
tenders arrived and when, whether before the deadline, and when and by whom
the round was opened. The same facts feed the page and the PDF. Prices are not
part of the record, so it can be shown while the price envelope is sealed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import IO

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from reportlab.lib.units import cm
from reportlab.platypus import Flowable, Spacer

from procurement.documents.pdf import (
    Heading,
    KravsporDocTemplate,
    cover,
    para,
    table_chunks,
)
from procurement.models import Tender, TenderRound


@dataclass(frozen=True)
class OpeningLine:
    number: int
    vendor: str
    received_at: datetime
    late: bool
    status: str
    status_label: str


def opening_lines(round: TenderRound) -> list[OpeningLine]:
    """The round's tenders in order of receipt, numbered from 1."""
    tenders = (
        Tender.objects.filter(round=round)
        .select_related("vendor")
        .order_by("received_at", "vendor__name")
    )
    return [
        OpeningLine(
            number=number,
            vendor=tender.vendor.name,
            received_at=tender.received_at,
            late=round.deadline is not None and tender.received_at > round.deadline,
            status=tender.status,
            status_label=str(tender.get_status_display()),
        )
        for number, tender in enumerate(tenders, 1)
    ]


def _when(value: datetime | None) -> str:
    if value is None:
        return "–"
    return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")


def _person(user) -> str:
    if user is None:
        return "–"
    return user.get_full_name() or user.get_username()


def opening_facts(round: TenderRound) -> list[tuple[str, str]]:
    procurement = round.procurement
    return [
        (_("Procurement"), f"{procurement.reference} – {procurement.title}"),
        (_("Round"), f"{round.number}. {round.name} ({round.get_kind_display()})"),
        (_("Baseline answered"), round.baseline.label if round.baseline else "–"),
        (_("Deadline"), _when(round.deadline)),
        (_("Opened"), _when(round.opened_at)),
        (_("Opened by"), _person(round.opened_by) if round.opened_at else "–"),
        (_("Price envelope"), envelope_state(round)),
    ]


def envelope_state(round: TenderRound) -> str:
    if not round.sealed_prices:
        return _("No sealed price envelope")
    if round.prices_sealed:
        return _("Sealed")
    return _("Opened %(when)s by %(who)s") % {
        "when": _when(round.prices_opened_at),
        "who": _person(round.prices_opened_by),
    }


def write_opening_record_pdf(round: TenderRound, out: IO[bytes]) -> None:
    """Write the round's opening record as a PDF to ``out``."""
    procurement = round.procurement
    title = _("Opening record")
    doc = KravsporDocTemplate(
        out,
        title=f"{procurement.reference} {title} {round.name}",
        subject=procurement.title,
        header_left=f"{procurement.reference} · {title}",
        header_right=round.name,
    )
    lines = opening_lines(round)
    story: list[Flowable] = cover(
        title=f"{title}: {round.name}",
        subtitle=f"{procurement.reference} – {procurement.title}",
        facts=opening_facts(round),
        notes=[] if round.opened_at else [_("The round has not been opened yet.")],
        width=doc.width,
    )
    story.append(Spacer(1, 0.8 * cm))
    story.append(Heading(_("Tenders received"), key="tenders", level=1))
    if not lines:
        story.append(para(_("No tenders were received.")))
    header = [
        para(_("No."), "cell_bold"),
        para(_("Vendor"), "cell_bold"),
        para(_("Received"), "cell_bold"),
        para(_("Before the deadline"), "cell_bold"),
        para(_("Status"), "cell_bold"),
    ]
    rows = (
        [
            para(line.number, "cell_right"),
            para(line.vendor, "cell"),
            para(_when(line.received_at), "cell"),
            para(_("No – late") if line.late else _("Yes"), "cell"),
            para(line.status_label, "cell"),
        ]
        for line in lines
    )
    width = doc.width - 12
    story.extend(
        table_chunks(
            header,
            rows,
            col_widths=[1.2 * cm, width - 11.2 * cm, 4 * cm, 3 * cm, 3 * cm],
            rows_per_chunk=25,
        )
    )
    story.append(Spacer(1, 0.6 * cm))
    story.append(
        para(
            _("%(count)s tenders received. Printed %(when)s from Kravspor.")
            % {"count": len(lines), "when": _when(timezone.now())},
            "note",
        )
    )
    doc.build(story)
