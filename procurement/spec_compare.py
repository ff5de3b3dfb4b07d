"""Compare two states of a specification: pure functions over snapshots.

A snapshot maps requirement key → {field: value}, as made by
``Requirement.snapshot()`` or read from a baseline. The result says which keys
were added, removed and changed, and for each change every field with its old
and new value and a word-level diff of text."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from procurement.models.specification import SNAPSHOT_FIELDS

TOKEN_RE = re.compile(r"\s+|[^\s]+")


@dataclass(frozen=True)
class DiffPart:
    op: str  # "equal", "insert" or "delete"
    text: str


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: Any
    new: Any
    diff: list[DiffPart]


@dataclass
class RequirementChange:
    key: str
    title: str
    changes: list[FieldChange]


@dataclass
class Comparison:
    added: list[dict] = field(default_factory=list)
    removed: list[dict] = field(default_factory=list)
    changed: list[RequirementChange] = field(default_factory=list)
    unchanged: int = 0

    @property
    def has_changes(self) -> bool:
        return bool(self.added or self.removed or self.changed)


def word_diff(old: str, new: str) -> list[DiffPart]:
    """Word-level diff: runs of equal, deleted and inserted words (white space
    kept), so a reader sees exactly which words changed."""
    old_tokens = TOKEN_RE.findall(old or "")
    new_tokens = TOKEN_RE.findall(new or "")
    parts: list[DiffPart] = []
    matcher = difflib.SequenceMatcher(a=old_tokens, b=new_tokens, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            parts.append(DiffPart("equal", "".join(old_tokens[i1:i2])))
            continue
        if tag in ("delete", "replace"):
            parts.append(DiffPart("delete", "".join(old_tokens[i1:i2])))
        if tag in ("insert", "replace"):
            parts.append(DiffPart("insert", "".join(new_tokens[j1:j2])))
    return parts


def list_diff(old: list | None, new: list | None) -> list[DiffPart]:
    """Items kept, removed and added, in a stable order, separated by commas."""
    old_items, new_items = list(old or []), list(new or [])
    parts: list[DiffPart] = []
    for item in sorted(set(old_items) | set(new_items), key=str):
        if item in old_items and item in new_items:
            op = "equal"
        elif item in old_items:
            op = "delete"
        else:
            op = "insert"
        if parts:
            parts.append(DiffPart("equal", ", "))
        parts.append(DiffPart(op, str(item)))
    return parts


def _normalise(value: Any) -> Any:
    if isinstance(value, Decimal):
        return value.normalize()
    if value == "":
        return None
    return value


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def compare_requirement(
    old: Mapping[str, Any], new: Mapping[str, Any]
) -> list[FieldChange]:
    changes = []
    for name in SNAPSHOT_FIELDS:
        before, after = old.get(name), new.get(name)
        if name in ("tags", "stakeholders"):
            if sorted(before or []) != sorted(after or []):
                changes.append(
                    FieldChange(name, before, after, list_diff(before, after))
                )
        elif _normalise(before) != _normalise(after):
            diff = word_diff(_as_text(before), _as_text(after))
            changes.append(FieldChange(name, before, after, diff))
    return changes


def compare(old: Mapping[str, Mapping], new: Mapping[str, Mapping]) -> Comparison:
    """What changed from ``old`` to ``new`` (both key → snapshot)."""
    result = Comparison()
    for key, snapshot in new.items():
        if key not in old:
            result.added.append(dict(snapshot, key=key))
            continue
        changes = compare_requirement(old[key], snapshot)
        if changes:
            result.changed.append(
                RequirementChange(key, snapshot.get("title", ""), changes)
            )
        else:
            result.unchanged += 1
    for key, snapshot in old.items():
        if key not in new:
            result.removed.append(dict(snapshot, key=key))
    return result
