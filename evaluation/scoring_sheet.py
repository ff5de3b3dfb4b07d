"""An evaluator's scoring sheet as an Excel workbook, out and back in.

Download writes one row per tender × requirement (or per tender × criterion
scored directly) the evaluator is assigned to, with the vendor's answer and
their own current score; tenders of a conflicted vendor are never in it. A
hidden sheet carries a signed marker (procurement, evaluation, evaluator) and
the version of each score as downloaded.

Upload runs like the specification import: ``parse_scoring_sheet`` opens the
file safely and refuses a sheet that is not this evaluator's for this
evaluation; ``plan_scoring_sheet`` says what would be new, changed and
unchanged and lists every row error (nothing is written); ``apply_scoring_plan``
stores an error-free plan in one transaction through ``score_submit``, so the
same checks and the same history apply, and any refusal leaves nothing saved.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.functional import Promise
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl.utils import get_column_letter

from evaluation.models import Criterion, Evaluation, RequirementMapping, Score
from evaluation.selectors.scoring import CriteriaTree, assigned_pairs
from evaluation.services.scoring import (
    check_justification,
    check_value,
    declared_conflicts,
    score_submit,
    scoring_state_error,
)
from procurement.documents.safety import UploadProblem
from procurement.documents.xlsx import (
    Column,
    SheetWriter,
    new_workbook,
    open_workbook,
    sheet_rows,
)
from procurement.models import Requirement, Response, Tender
from procurement.services.core import event_record
from procurement.spec_excel import RowProblem

LANGUAGES = ("nb", "en")
MARKER_SHEET = "kravspor"
MARKER_TAG = "kravspor-scoring-sheet"
SIGNING_SALT = "kravspor.evaluation.scoring-sheet"
#: The vendor's answer is cut here in the sheet (the page has it in full).
ANSWER_MAX = 2000
MAX_ROWS = 50_000


@dataclass(frozen=True)
class SheetColumn:
    name: str
    label: Promise
    width: float
    wrap: bool = False
    required: bool = False


COLUMNS: tuple[SheetColumn, ...] = (
    SheetColumn("tender", gettext_lazy("Tender"), 22, wrap=True, required=True),
    SheetColumn("criterion", gettext_lazy("Criterion"), 22, wrap=True, required=True),
    SheetColumn("key", gettext_lazy("Key"), 13, required=True),
    SheetColumn("title", gettext_lazy("Title"), 34, wrap=True),
    SheetColumn("answer", gettext_lazy("Vendor's answer"), 60, wrap=True),
    SheetColumn("compliance", gettext_lazy("Compliance"), 11),
    SheetColumn("reference", gettext_lazy("Reference"), 16, wrap=True),
    SheetColumn("score", gettext_lazy("Score"), 9, required=True),
    SheetColumn(
        "justification", gettext_lazy("Justification"), 60, wrap=True, required=True
    ),
)
COLUMN_BY_NAME = {column.name: column for column in COLUMNS}


def _fold(text: Any) -> str:
    return " ".join(str(text or "").split()).casefold()


def _signature(evaluation: Evaluation, evaluator) -> str:
    payload = f"{evaluation.procurement_id}:{evaluation.pk}:{evaluator.pk}"
    return signing.Signer(salt=SIGNING_SALT).sign(payload)


# The evaluator's scope -----------------------------------------------------------


@dataclass
class Target:
    """One thing the evaluator may score in the sheet."""

    tender: Tender
    criterion: Criterion
    criterion_label: str
    requirement: Requirement | None

    @property
    def ident(self) -> tuple[int, int, int | None]:
        return (
            self.tender.pk,
            self.criterion.pk,
            self.requirement.pk if self.requirement else None,
        )

    @property
    def key(self) -> str:
        return self.requirement.key if self.requirement else ""

    @property
    def place(self) -> str:
        return self.requirement.key if self.requirement else self.criterion_label


def _conflicts(evaluation: Evaluation, evaluator) -> set[int]:
    return declared_conflicts(evaluation, evaluator) or set()


def sheet_targets(
    evaluation: Evaluation, evaluator, *, criterion: Criterion | None = None
) -> list[Target]:
    """Everything the evaluator scores (only under ``criterion`` if given),
    in tender, criterion and key order; conflicted vendors never appear."""
    tree = CriteriaTree(evaluation)
    pairs = assigned_pairs(
        evaluation=evaluation,
        evaluator=evaluator,
        conflicted_vendor_ids=_conflicts(evaluation, evaluator),
        tree=tree,
    )
    if criterion is not None:
        wanted = {c.pk for c in tree.scoreable_under(criterion.pk)}
        pairs = [pair for pair in pairs if pair[1].pk in wanted]
    mapped: dict[int, list[Requirement]] = {}
    for mapping in (
        RequirementMapping.objects.filter(evaluation=evaluation)
        .select_related("requirement")
        .order_by("requirement__key")
    ):
        mapped.setdefault(mapping.criterion_id, []).append(mapping.requirement)
    targets = []
    for tender, item_criterion, label in pairs:
        if item_criterion.method == Criterion.Method.DIRECT:
            targets.append(Target(tender, item_criterion, label, None))
            continue
        for requirement in mapped.get(item_criterion.pk, []):
            targets.append(Target(tender, item_criterion, label, requirement))
    return targets


def _own_scores(evaluation: Evaluation, evaluator) -> dict[tuple, Score]:
    mapped_criterion = dict(
        RequirementMapping.objects.filter(evaluation=evaluation).values_list(
            "requirement_id", "criterion_id"
        )
    )
    scores = {}
    for score in Score.objects.filter(evaluation=evaluation, evaluator=evaluator):
        if score.requirement_id is not None:
            ident = (
                score.tender_id,
                mapped_criterion.get(score.requirement_id),
                score.requirement_id,
            )
        else:
            ident = (score.tender_id, score.criterion_id, None)
        scores[ident] = score
    return scores


# Download ------------------------------------------------------------------------


def write_scoring_sheet(
    *,
    evaluation: Evaluation,
    evaluator,
    out: IO[bytes],
    criterion: Criterion | None = None,
) -> int:
    """Write the evaluator's own scoring sheet to ``out``; returns the number
    of rows. Headers are in the active language."""
    targets = sheet_targets(evaluation, evaluator, criterion=criterion)
    scores = _own_scores(evaluation, evaluator)
    tender_ids = {t.tender.pk for t in targets}
    requirement_ids = {t.requirement.pk for t in targets if t.requirement}
    responses = {
        (response.tender_id, response.requirement_id): response
        for response in Response.objects.filter(
            tender_id__in=tender_ids, requirement_id__in=requirement_ids
        )
    }
    workbook = new_workbook()
    writer = SheetWriter(
        workbook,
        _("Scores"),
        [
            Column(header=str(column.label), width=column.width, wrap=column.wrap)
            for column in COLUMNS
        ],
    )
    marker = workbook.create_sheet(title=MARKER_SHEET)
    marker.sheet_state = "hidden"
    marker.append(
        [MARKER_TAG, evaluation.pk, evaluator.pk, _signature(evaluation, evaluator)]
    )
    for target in targets:
        score = scores.get(target.ident)
        response = (
            responses.get((target.tender.pk, target.requirement.pk))
            if target.requirement
            else None
        )
        writer.append(
            [
                target.tender.vendor.name,
                target.criterion_label,
                target.key,
                target.requirement.title
                if target.requirement
                else target.criterion.description,
                _cut(response.answer) if response else "",
                response.get_compliance_display()
                if response and response.compliance
                else "",
                response.reference if response else "",
                score.value if score else None,
                score.justification if score else "",
            ]
        )
        tender_id, criterion_id, requirement_id = target.ident
        marker.append(
            [tender_id, criterion_id, requirement_id, score.version if score else 0]
        )
    writer.close()
    workbook.save(out)
    return writer.rows


def _cut(text: str) -> str:
    text = text or ""
    if len(text) <= ANSWER_MAX:
        return text
    return text[: ANSWER_MAX - 4] + " […]"


def sheet_filename(evaluation: Evaluation, evaluator) -> str:
    return (
        "-".join(
            [
                slugify(evaluation.procurement.reference),
                slugify(evaluation.round.name) or str(evaluation.round.number),
                slugify(evaluator.get_username()),
                slugify(_("scores")),
            ]
        )
        + ".xlsx"
    )


# Parse ---------------------------------------------------------------------------


@dataclass
class SheetRow:
    number: int
    cells: dict[str, Any]


@dataclass
class ParsedScoringSheet:
    name: str
    letters: dict[str, str]
    headers: dict[str, str]
    rows: list[SheetRow]
    versions: dict[tuple, int]


def _foreign(name: str) -> UploadProblem:
    return UploadProblem(
        "foreign_sheet",
        _(
            "%(name)s is not your scoring sheet for this evaluation. Download "
            "your own sheet from this evaluation and fill that in."
        )
        % {"name": name},
    )


def parse_scoring_sheet(
    handle: IO[bytes],
    *,
    name: str,
    evaluation: Evaluation,
    evaluator,
    size: int | None = None,
) -> ParsedScoringSheet:
    """Read an uploaded scoring sheet; raises UploadProblem for a file that
    is not a workbook, is not a Kravspor scoring sheet, belongs to another
    evaluator or evaluation, or has wrong columns."""
    workbook = open_workbook(handle, name=name, size=size)
    try:
        if MARKER_SHEET not in workbook.sheetnames or not workbook.worksheets:
            raise _foreign(name)
        versions = _read_marker(workbook[MARKER_SHEET], name, evaluation, evaluator)
        rows = sheet_rows(workbook.worksheets[0], name=name)
        header = next(rows, None)
        if header is None:
            raise _foreign(name)
        positions, headers = _read_header(header[1], name=name)
        parsed = []
        for number, values in rows:
            cells = {
                column: values[index] if index < len(values) else None
                for column, index in positions.items()
            }
            if all(not _text(value).strip() for value in cells.values()):
                continue
            if len(parsed) >= MAX_ROWS:
                raise UploadProblem(
                    "too_many_rows",
                    _("%(name)s has more than %(limit)s rows.")
                    % {"name": name, "limit": MAX_ROWS},
                )
            parsed.append(SheetRow(number, cells))
    finally:
        workbook.close()
    letters = {
        column: get_column_letter(index + 1) for column, index in positions.items()
    }
    return ParsedScoringSheet(name, letters, headers, parsed, versions)


def _read_marker(sheet, name: str, evaluation: Evaluation, evaluator) -> dict:
    rows = sheet_rows(sheet, name=name)
    first = next(rows, None)
    if first is None or len(first[1]) < 4 or first[1][0] != MARKER_TAG:
        raise _foreign(name)
    _tag, evaluation_pk, evaluator_pk, signature = first[1][:4]
    try:
        payload = signing.Signer(salt=SIGNING_SALT).unsign(str(signature))
    except signing.BadSignature as exc:
        raise _foreign(name) from exc
    expected = f"{evaluation.procurement_id}:{evaluation.pk}:{evaluator.pk}"
    if payload != expected or (evaluation_pk, evaluator_pk) != (
        evaluation.pk,
        evaluator.pk,
    ):
        raise _foreign(name)
    versions = {}
    for _number, values in rows:
        try:
            tender_id, criterion_id, requirement_id, version = (
                int(values[0]),
                int(values[1]),
                int(values[2]) if values[2] not in (None, "") else None,
                int(values[3]),
            )
        except (TypeError, ValueError, IndexError):
            continue
        versions[(tender_id, criterion_id, requirement_id)] = version
    return versions


def _in_every_language(label: Promise) -> set[str]:
    names = set()
    for language in LANGUAGES:
        with translation.override(language):
            names.add(_fold(label))
    return names


def _read_header(values: tuple, *, name: str) -> tuple[dict[str, int], dict[str, str]]:
    known = {}
    for column in COLUMNS:
        known[_fold(column.name)] = column.name
        for header in _in_every_language(column.label):
            known[header] = column.name
    positions: dict[str, int] = {}
    headers: dict[str, str] = {}
    for index, value in enumerate(values):
        column = known.get(_fold(_text(value)))
        if column is not None and column not in positions:
            positions[column] = index
            headers[column] = _text(value)
    missing = [
        str(column.label)
        for column in COLUMNS
        if column.required and column.name not in positions
    ]
    if missing:
        raise UploadProblem(
            "wrong_columns",
            _("%(name)s is missing these columns of a scoring sheet: %(columns)s.")
            % {"name": name, "columns": ", ".join(missing)},
        )
    return positions, headers


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# Plan ----------------------------------------------------------------------------


@dataclass
class PlannedScore:
    row: int
    target: Target
    value: Decimal
    justification: str
    version: int
    old: Score | None = None


@dataclass
class ScoringPlan:
    name: str
    fingerprint: str = ""
    new: list[PlannedScore] = field(default_factory=list)
    changed: list[PlannedScore] = field(default_factory=list)
    unchanged: int = 0
    blank: int = 0
    errors: list[RowProblem] = field(default_factory=list)

    @property
    def has_changes(self) -> bool:
        return bool(self.new or self.changed)

    @property
    def can_apply(self) -> bool:
        return self.has_changes and not self.errors


class _Row:
    def __init__(self, sheet: ParsedScoringSheet, row: SheetRow, plan: ScoringPlan):
        self.sheet, self.row, self.plan = sheet, row, plan
        self.failed = False

    def text(self, name: str) -> str:
        return _text(self.row.cells.get(name)).strip()

    def problem(self, name: str, code: str, message: str) -> None:
        self.failed = True
        self.plan.errors.append(
            RowProblem(
                row=self.row.number,
                column=self.sheet.headers.get(name) or str(COLUMN_BY_NAME[name].label),
                letter=self.sheet.letters.get(name, ""),
                code=code,
                message=message,
            )
        )


def plan_scoring_sheet(
    sheet: ParsedScoringSheet, *, evaluation: Evaluation, evaluator
) -> ScoringPlan:
    """Compare every row with the evaluator's stored scores; write nothing."""
    plan = ScoringPlan(name=sheet.name)
    evaluation.refresh_from_db(fields=["status"])
    state = scoring_state_error(evaluation)
    if state is not None:
        plan.errors.append(
            RowProblem(
                row=0, column="", letter="", code=state.code, message=state.messages[0]
            )
        )
        return plan
    targets = sheet_targets(evaluation, evaluator)
    by_place: dict[tuple[str, str, str], Target] = {}
    vendors = set()
    for target in targets:
        vendors.add(_fold(target.tender.vendor.name))
        by_place[
            (
                _fold(target.tender.vendor.name),
                _fold(target.criterion_label),
                _fold(target.key),
            )
        ] = target
    scores = _own_scores(evaluation, evaluator)
    seen: dict[tuple, int] = {}
    for sheet_row in sheet.rows:
        row = _Row(sheet, sheet_row, plan)
        vendor = _fold(row.text("tender"))
        target = by_place.get(
            (vendor, _fold(row.text("criterion")), _fold(row.text("key")))
        )
        if target is None:
            if vendor not in vendors:
                row.problem(
                    "tender",
                    "unknown_tender",
                    _("«%(value)s» is not a tender you score in this evaluation.")
                    % {"value": row.text("tender")},
                )
            else:
                row.problem(
                    "key",
                    "unknown_key",
                    _(
                        "«%(key)s» under «%(criterion)s» is not something you "
                        "score for this tender."
                    )
                    % {"key": row.text("key"), "criterion": row.text("criterion")},
                )
            continue
        if target.ident in seen:
            row.problem(
                "key",
                "repeated",
                _("This item is also in row %(row)s.") % {"row": seen[target.ident]},
            )
            continue
        seen[target.ident] = sheet_row.number
        _plan_row(row, target, scores.get(target.ident), sheet.versions, plan)
    plan.fingerprint = _fingerprint(seen, scores)
    return plan


def _plan_row(row: _Row, target: Target, stored: Score | None, versions, plan) -> None:
    raw_value = row.row.cells.get("score")
    value_text = row.text("score")
    justification = _text(row.row.cells.get("justification")).strip()
    if not value_text and not justification:
        plan.blank += 1
        return
    value = None
    if not value_text:
        row.problem(
            "score",
            "required",
            _("%(where)s: enter a score.") % {"where": target.place},
        )
    else:
        if isinstance(raw_value, (int, float)) and not isinstance(raw_value, bool):
            value_text = repr(raw_value)
        try:
            value = check_value(
                value_text, scale_max=target.criterion.scale_max, where=target.place
            )
        except ValidationError as error:
            row.problem("score", error.code or "invalid", error.messages[0])
    try:
        justification = check_justification(justification, where=target.place)
    except ValidationError as error:
        for message in error.messages:
            row.problem("justification", error.error_list[0].code or "invalid", message)
    if row.failed:
        return
    if (
        stored is not None
        and stored.value == value
        and stored.justification == justification
    ):
        plan.unchanged += 1
        return
    loaded = versions.get(target.ident, 0)
    if (stored.version if stored else 0) != loaded:
        if stored is None:
            row.problem(
                "score",
                "score_gone",
                _(
                    "%(where)s: the score you downloaded is gone; download a "
                    "fresh sheet."
                )
                % {"where": target.place},
            )
            return
        row.problem(
            "score",
            "changed_on_server",
            _(
                "%(where)s: the score was changed after you downloaded the sheet. "
                "Stored now: %(stored)s («%(stored_text)s»); your sheet: "
                "%(yours)s («%(your_text)s»). Download a fresh sheet, or enter "
                "the score on the scoring page."
            )
            % {
                "where": target.place,
                "stored": _plain(stored.value),
                "stored_text": _short(stored.justification),
                "yours": _plain(value),
                "your_text": _short(justification),
            },
        )
        return
    planned = PlannedScore(row.row.number, target, value, justification, loaded, stored)
    (plan.changed if stored is not None else plan.new).append(planned)


def _plain(number: Decimal) -> str:
    text = format(number, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _short(text: str, limit: int = 80) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _fingerprint(seen: dict, scores: dict) -> str:
    digest = hashlib.sha256()
    for ident in sorted(seen, key=repr):
        score = scores.get(ident)
        digest.update(f"{ident}:{score.version if score else 0};".encode())
    return digest.hexdigest()


# Apply ---------------------------------------------------------------------------


@dataclass
class ApplyResult:
    new: int
    changed: int


@transaction.atomic
def apply_scoring_plan(
    plan: ScoringPlan, *, evaluation: Evaluation, evaluator
) -> ApplyResult:
    """Store every planned score through ``score_submit`` in one
    transaction, then record the import as an event. Any refusal
    (ValidationError, ScoreConflictError, LockedEvaluationError) propagates
    and the transaction rolls back: nothing is saved."""
    if not plan.can_apply:
        raise ValueError("a plan with errors or without changes cannot be applied")
    for planned in (*plan.new, *plan.changed):
        score_submit(
            evaluation=evaluation,
            evaluator=evaluator,
            tender=planned.target.tender,
            requirement=planned.target.requirement,
            criterion=None if planned.target.requirement else planned.target.criterion,
            value=planned.value,
            justification=planned.justification,
            version=planned.version,
        )
    event_record(
        action="scores.imported",
        by=evaluator,
        obj=evaluation,
        procurement=evaluation.procurement,
        data={"file": plan.name, "new": len(plan.new), "changed": len(plan.changed)},
    )
    return ApplyResult(new=len(plan.new), changed=len(plan.changed))
