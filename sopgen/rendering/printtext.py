"""Text made ready for print: hyphens only in prose, code blocks that fit the page.

What print may hyphenate: prose, never a name a reader types or searches for.

The PDF's paragraphs are hyphenated (``hyphens: auto``), which keeps a narrow measure
even. But a hyphen inserted into ``wordpress.org``, ``help@example.org``, ``DB_PASSWORD``
or "UpdraftPlus" makes a name that does not exist. Code, ``pre`` and links are
excluded by the print stylesheets; words in running text that look like such names are
wrapped here in ``<span class="nh">``, which the stylesheets never hyphenate. Only
markup is added, no characters: copied or extracted text stays exactly the content.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from html import unescape

from sopgen.core.model import Handbook, markdown_texts

# A token (a run without spaces) that is a URL, an e-mail address, a file or domain name,
# an identifier (DB_PASSWORD, TEK-07), an acronym (FIDO2, HTTPS) or a product name written
# in CamelCase (WordPress, cPanel, phpMyAdmin).
NAME_LIKE = r"[^\s<>]*(?:://|@|_|\w[./\\]\w|[a-z][A-Z]|[A-Z]{2}|[A-Za-z]\d)[^\s<>]*"
TAG_OR_TEXT = re.compile(r"(<[^>]*>)")
SKIPPED = re.compile(r"<(style|script|title|pre|code)\b", re.IGNORECASE)
CAPITALISED = re.compile(r"[A-Z][\w-]*\w")
CODE_SPAN = re.compile(r"`([^`]+)`")
WORD = re.compile(r"\w[\w-]*\w")
# An amount of money, never split over two lines ("Rp 2.500.000").
AMOUNT = r"|(?:Rp|IDR|USD|EUR|US\$|\$|€|£)\s?\d[\d.,]*\d"
_CELL_NUMBER = r"(?:(?:Rp|IDR|USD|EUR|US\$|\$|€|£)\s?)?[-+]?\d[\d.,]*(?:\s?%)?"
# A cell holding only a number, an amount or a range of them ("Rp 250.000 – 350.000"),
# possibly already with its amounts marked (the span protect_names adds).
NUMBER_CELL = re.compile(
    rf"<td>((?:<span class=\"nw\">)?{_CELL_NUMBER}(?:</span>)?"
    rf"(?:\s?[–-]\s?(?:<span class=\"nw\">)?{_CELL_NUMBER}(?:</span>)?)?)</td>")
BLOCK_TAG = re.compile(r"</?(?:p|li|div|td|th|dd|dt|h[1-6]|blockquote|section|article)\b")
PRE = re.compile(r"<pre>(.*?)</pre>", re.DOTALL)
INLINE_CODE = re.compile(r"<code>([^<]*)</code>")  # in a <pre> it has a class or a tag
LONG_NAME = 32  # characters; a longer name or code may break over lines
# A code block never wraps (a wrapped line pasted into a shell or a config file is a
# different command): its type shrinks to fit its longest line, down to MIN_PRE_PT.
# The width is what a block in a step's note gets (136 mm less list indent and padding).
PRE_WIDTH_PT = 116 / 25.4 * 72
PRE_PT, MIN_PRE_PT = 8.5, 6.0
MONO_ADVANCE = 0.602  # DejaVu Sans Mono: every character is 0.602 em wide


def for_print(html: str, names: re.Pattern[str]) -> str:
    """Every rule of this module applied to the HTML of a printed document; ``names`` is
    the ``protector`` of its product names."""
    html = protect_names(bare_nested_xrefs(unlinked_assets(html)), names)
    return align_numbers(mark_long_code(fit_code_blocks(html)))


# A link to a file of content/assets/ (an attachment, a form named in a text). Content is
# escaped and raw HTML is off, so such tags come only from the theme and the policy.
_ASSET_LINK = re.compile(r'<a href="assets/[^"]*"[^>]*>(.*?)</a>', re.S)


def unlinked_assets(html: str) -> str:
    """Links to assets as their text in print: a PDF cannot link to a file beside it (its
    viewer resolves the link against where it was made), so it names the file instead."""
    return _ASSET_LINK.sub(r"\1", html) if 'href="assets/' in html else html


def product_names(handbook: Handbook) -> set[str]:
    """Names from the glossary's terms and the procedures' tools — every capitalised word
    but an entry's first ("Plugin Wordfence Security" gives Wordfence and Security) — and
    every word the content writes as code somewhere (`sopgen`, `hosts`): such a word is
    a name wherever it appears."""
    entries = [entry.term for entry in handbook.glossary]
    entries += [tool for procedure in handbook.procedures for tool in procedure.tools]
    names = set()
    for entry in entries:
        words = CAPITALISED.findall(entry)
        names.update(words[1:] if entry.startswith(tuple(words[:1])) else words)
    for text in markdown_texts(handbook):
        if "`" in text:
            names.update(WORD.findall(" ".join(CODE_SPAN.findall(text))))
    return {name for name in names if len(name) > 3}


def protector(names: Iterable[str]) -> re.Pattern[str]:
    listed = "|".join(re.escape(name) for name in sorted(names, key=len, reverse=True))
    words = rf"|(?<![\w-])(?:{listed})(?![\w-])" if listed else ""
    # A name-like word can only start where a run of non-spaces starts, or right after
    # an amount's last digit: where it failed at a run's start it fails in the rest of
    # the run. The look-behind skips those doomed tries (same matches, half the time).
    return re.compile(r"(?<![^\s<>\d])" + NAME_LIKE + AMOUNT + words)


def protect_names(html: str, pattern: re.Pattern[str]) -> str:
    """``html`` with every name-like word of its body's text in ``<span class="nh">``."""
    start = html.find("<body")
    if start < 0:
        return html
    pieces = TAG_OR_TEXT.split(html[start:])
    skipping: str | None = None  # the element whose text is left alone, if inside one
    for index, piece in enumerate(pieces):
        if index % 2:  # a tag
            opened = SKIPPED.match(piece)
            if skipping is None and opened:
                skipping = opened.group(1).lower()
            elif skipping and piece.lower().startswith(f"</{skipping}"):
                skipping = None
        elif piece.strip() and skipping is None:
            pieces[index] = pattern.sub(_wrap, piece)
    return html[:start] + "".join(pieces)


def _wrap(match: re.Match[str]) -> str:
    text = match.group()
    kind = "nw" if text[0] in "RIUE$€£" and re.match(AMOUNT[1:], text) else _name_class(text)
    return f'<span class="{kind}">{text}</span>'


def _name_class(text: str) -> str:
    """A short name stays on one line (a break at its own hyphen reads as hyphenation);
    a long one may break, but never with a hyphen added."""
    return "nh long" if len(unescape(text)) > LONG_NAME else "nh"


def mark_long_code(html: str) -> str:
    """Inline code stays on one line unless it is long (class ``long``)."""
    return INLINE_CODE.sub(lambda m: m.group() if len(unescape(m.group(1))) <= LONG_NAME
                           else f'<code class="long">{m.group(1)}</code>', html)


def align_numbers(html: str) -> str:
    """A table cell holding only a number or an amount: right-aligned, never split."""
    return NUMBER_CELL.sub(r'<td class="num">\1</td>', html)


def bare_nested_xrefs(html: str) -> str:
    """A cross-reference already inside parentheses prints its page without its own:
    "(see TEK-16 p. 87)", not "(see TEK-16 (p. 87))" — class ``xref-bare``."""
    pieces = TAG_OR_TEXT.split(html)
    depth = 0
    for index, piece in enumerate(pieces):
        if not index % 2:
            depth = max(0, depth + piece.count("(") - piece.count(")"))
        elif BLOCK_TAG.match(piece):
            depth = 0
        elif depth and piece.startswith("<a ") and 'class="xref"' in piece:
            pieces[index] = piece.replace('class="xref"', 'class="xref-bare"')
    return "".join(pieces)


def fit_code_blocks(html: str) -> str:
    """Each ``<pre>`` with the type size at which its longest line fits; one that would
    need less than MIN_PRE_PT wraps instead (class ``wrap``), at any character."""

    def fit(match: re.Match[str]) -> str:
        lines = unescape(re.sub(r"<[^>]+>", "", match.group(1))).split("\n")
        longest = max(len(line.expandtabs(4)) for line in lines) or 1
        size = min(PRE_PT, PRE_WIDTH_PT / (longest * MONO_ADVANCE))
        if size < MIN_PRE_PT:
            return f'<pre class="wrap">{match.group(1)}</pre>'
        return f'<pre style="font-size: {size:.2f}pt">{match.group(1)}</pre>'

    return PRE.sub(fit, html)


def list_items(text: str) -> list[str]:
    """"KON-01 (Tools, Steps), KON-02 (Title)" → one item per procedure: the text split at
    the commas that are not inside parentheses."""
    items, depth, start = [], 0, 0
    for index, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            items.append(text[start:index].strip())
            start = index + 1
    items.append(text[start:].strip())
    return [item for item in items if item]
