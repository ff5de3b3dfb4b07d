"""Requirement text between ReqIF's XHTML and Kravspor's plain text. Pure
functions over lxml elements; no database."""

from __future__ import annotations

import re
from typing import Any

from procurement.documents.safety import ILLEGAL_CHARACTERS_RE

# XHTML elements whose content is never text for a reader.
SKIPPED_ELEMENTS = frozenset(
    {"script", "style", "head", "title", "template", "noscript"}
)
# Elements that start and end a line.
BLOCK_ELEMENTS = frozenset(
    "address blockquote caption dd div dl dt h1 h2 h3 h4 h5 h6 hr li ol p pre "
    "table tr ul".split()
)
CELL_ELEMENTS = frozenset({"td", "th"})
XML_SPACE_RE = re.compile(r"[ \t\r\n]+")
SPACE_RUN_RE = re.compile(r" {2,}")


def localname(element: Any) -> str:
    """The tag without its namespace; "" for comments and other non-elements."""
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2]


def xhtml_to_text(element: Any) -> str:
    """The text of the XHTML fragment inside ``element``, for a reader:
    paragraphs, divisions and line breaks become lines, list items lines
    starting with "• ", table cells are separated by " | "; script and style
    content is dropped and no markup is kept (entities were decoded by the
    XML parser). Runs of spaces collapse as in a browser, except inside <pre>
    or ``white-space: pre…``; non-breaking spaces become spaces."""
    if element is None:
        return ""
    simple = _simple_lines(element)
    if simple is not None:
        return _join_lines(simple)
    lines: list[str] = []
    current: list[str] = []

    def flush(force: bool) -> None:
        line = "".join(current).strip(" ").replace("\xa0", " ")
        if line or force:
            lines.append(line)
        current.clear()

    def add(text: str | None, pre: bool) -> None:
        if not text:
            return
        if not pre:
            current.append(XML_SPACE_RE.sub(" ", text))
            return
        for index, part in enumerate(text.replace("\r\n", "\n").split("\n")):
            if index:
                flush(True)
            current.append(part)

    def walk(node: Any, pre: bool) -> None:
        tag = localname(node).lower()
        if tag and tag not in SKIPPED_ELEMENTS:
            if tag == "br":
                flush(True)
            else:
                style = node.get("style")
                inner = pre or tag == "pre"
                if style and "white-space:pre" in style.replace(" ", "").lower():
                    inner = True
                block = tag in BLOCK_ELEMENTS
                if block:
                    flush(False)
                    if tag == "li":
                        current.append("• ")
                elif tag in CELL_ELEMENTS and node.getprevious() is not None:
                    current.append(" | ")
                add(node.text, inner)
                for child in node:
                    walk(child, inner)
                if block:
                    flush(False)
        add(node.tail, pre)

    add(element.text, False)
    for child in element:
        walk(child, False)
    flush(False)
    return _join_lines(lines)


def _join_lines(lines: list[str]) -> str:
    start, end = 0, len(lines)
    while end > start and not lines[end - 1]:
        end -= 1
    while start < end and not lines[start]:
        start += 1
    return "\n".join(lines[start:end])


def _simple_lines(element: Any) -> list[str] | None:
    """The lines of the commonest value, one plain <div> (or <p>) of text and
    <br/>s, as Kravspor writes it; None for anything else."""
    if len(element) != 1 or (element.text or "").strip():
        return None
    block = element[0]
    if (
        localname(block) not in ("div", "p")
        or block.attrib
        or (block.tail or "").strip()
    ):
        return None
    parts = [block.text or ""]
    for child in block:
        if localname(child) != "br" or len(child) or child.text:
            return None
        parts.append(child.tail or "")
    return [
        XML_SPACE_RE.sub(" ", part).strip(" ").replace("\xa0", " ") for part in parts
    ]


def text_lines_for_xhtml(text: str) -> list[str]:
    """Plain text as the lines of an XHTML <div> separated by <br/>: runs of
    spaces and spaces at either end of a line become non-breaking spaces, so
    that ``xhtml_to_text`` gives back the same text."""
    text = ILLEGAL_CHARACTERS_RE.sub("", text or "")
    lines = []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = SPACE_RUN_RE.sub(
            lambda m: "\xa0" * len(m.group()), line.replace("\t", " ")
        )
        if line.startswith(" "):
            line = "\xa0" + line[1:]
        if line.endswith(" "):
            line = line[:-1] + "\xa0"
        lines.append(line)
    return lines
