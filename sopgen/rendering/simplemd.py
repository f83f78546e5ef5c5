"""Paragraphs of words, *emphasis*, **strong** and `code`: markdown-it's HTML, without it.

Most Markdown fields are a sentence or a few lines with a menu name in bold or a file
name in code; the CommonMark parser spends about a tenth of a millisecond on each. This
takes only texts made of nothing else, under conditions that leave CommonMark's rules no
choice (no other syntax character, no line that could start a block, a bold run with a
space or the line's edge outside, no backticks side by side), and
gives up on anything else, which then goes to the parser. tests/test_simplemd.py checks
it against markdown-it-py on random texts and on every text of the sample.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from markdown_it.common.utils import escapeHtml

# Any character another inline or block rule reacts to (escapes, links, images, raw HTML,
# entities, headings, tables, strikethrough, underscores), whitespace other than space and
# newline (tabs, carriage returns, no-break spaces) and control characters: not handled here.
OTHER_SYNTAX = re.compile(r"[\\\[\]<>&!#|~_]|[^\S \n]|[\x00-\x08\x0e-\x1f\x7f-\x9f]")
# A line CommonMark could read as a list item, a thematic break, a setext underline or a
# code fence rather than as more of the paragraph.
BLOCK_LINE = re.compile(r" *(?:[-+=]|\*(?: |$|\*(?:[ *]|$))|\d{1,9}[.)](?: |$)|``)")
MARKUP = re.compile(r"(\*\*?)([^*`\n]+)\1|`([^`\n]+)`")
# What may stand before an opening "*" or "**" whose text starts with a letter or digit,
# and after a closing one whose text ends in one.
BEFORE_EMPHASIS = " ("
AFTER_EMPHASIS = " .,;:?)"
TAGS = {"*": "em", "**": "strong"}


def is_simple(text: str) -> bool:
    """Whether ``simple_html`` takes ``text``, found without rendering its words."""
    return simple_html(text, _nothing) is not None


def _nothing(_text: str) -> str:
    return ""


def simple_html(text: str, text_html: Callable[[str], str]) -> str | None:
    """The inside of the ``<p>`` markdown-it-py renders ``text`` as, or ``None`` when the
    text is not one of the simple kind. ``text_html`` renders a run of plain text (escaped,
    with mentions linked), as the policy does with a text token."""
    if not text or text[0] in " \n" or OTHER_SYNTAX.search(text):
        return None
    lines = text.rstrip(" \n").split("\n")
    rendered = []
    for number, line in enumerate(lines):
        if BLOCK_LINE.match(line) or not line.strip(" "):
            return None
        body = line.strip(" ")  # the next line's indent is skipped, trailing spaces break
        inline = _inline(body, text_html)
        if inline is None:
            return None
        last = number == len(lines) - 1
        rendered.append(inline if last else inline + _line_break(line))
    return "".join(rendered)


def _line_break(line: str) -> str:
    """Two spaces or more at the end of a line make a hard break, else it is soft."""
    return "<br />\n" if line.endswith("  ") else "\n"


def _inline(line: str, text_html: Callable[[str], str]) -> str | None:
    rendered, position = [], 0
    for match in MARKUP.finditer(line):
        before = line[position:match.start()]
        if "*" in before or "`" in before:
            return None
        rendered.append(text_html(before))
        marker, emphasised, code = match.groups()
        piece = _code(code, line, match) if code is not None else _emphasis(
            marker, emphasised, line, match, text_html)
        if piece is None:
            return None
        rendered.append(piece)
        position = match.end()
    rest = line[position:]
    if "*" in rest or "`" in rest:
        return None
    rendered.append(text_html(rest))
    return "".join(rendered)


def _code(code: str, line: str, match: re.Match[str]) -> str | None:
    """`code`, neither padded (CommonMark strips one space each side) nor next to another
    backtick (a run of another length does not close it)."""
    if code[0] == " " or code[-1] == " " or line[match.end():match.end() + 1] == "`":
        return None
    return f"<code>{escapeHtml(code)}</code>"


def _emphasis(marker: str, inside: str, line: str, match: re.Match[str],
              text_html: Callable[[str], str]) -> str | None:
    """*emphasis* or **strong**, where the opening run can only open and the closing run
    only close: a space or the line's start before it (or "(" before a letter or digit),
    no space inside at either end, and after it a space, the line's end, or a punctuation
    mark that follows a letter or digit."""
    before = line[match.start() - 1] if match.start() else " "
    after = line[match.end()] if match.end() < len(line) else " "
    if inside[0] == " " or inside[-1] == " ":
        return None
    if before != " " and not (before in BEFORE_EMPHASIS and inside[0].isalnum()):
        return None
    if after != " " and not (after in AFTER_EMPHASIS and inside[-1].isalnum()):
        return None
    tag = TAGS[marker]
    return f"<{tag}>{text_html(inside)}</{tag}>"
