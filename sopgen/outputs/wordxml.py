"""The Word document's parts that python-docx has no API for, and Markdown as runs.

Numbering definitions (a multi-level list that restarts per procedure), complex fields
(TOC, PAGE, NUMPAGES), bookmarks and internal hyperlinks, shaded paragraph styles, the
document language, and a package written the same way every time. ``MarkdownWriter``
turns markdown-it tokens, after sopgen's Markdown policy, into paragraphs, runs and tables
through the ``Writer`` that owns the document.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import re
import typing
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol

import docx
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Emu
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph
from docx.text.run import Run
from markdown_it.token import Token

from sopgen.core.problems import Loc, Problem

TABLE_STYLE = "Light Grid Accent 1"
MAX_LEVELS = 9  # Word numbering has nine levels; deeper sub-steps stay at the ninth
Container = docx.document.Document | _Cell
PICTURE = re.compile(r"^data:(image/(?:png|jpeg|gif|bmp));base64,(.*)$", re.DOTALL)


class Writer(Protocol):
    """What ``MarkdownWriter`` needs of the document's writer."""

    numbering: Numbering

    def paragraph(self, style: str | None = None,
                  container: Container | None = None) -> Paragraph: ...

    def run(self, paragraph: Paragraph, text: str, style: str | None = None) -> Run: ...

    def table(self, rows: int, columns: int,
              container: Container | None = None) -> Table: ...

    def picture(self, run: Run, data: bytes, max_width: Emu | None = None) -> None: ...

    def warn(self, problem: Problem) -> None: ...


def bookmark_name(anchor: str) -> str:
    """Word bookmark names are letters, digits and underscores, at most 40 characters."""
    return re.sub(r"[^A-Za-z0-9_]", "_", anchor)[:40]


@dataclass
class _Inline:
    """Where inline Markdown is being written: the paragraph, and open bold/italic/link."""

    paragraph: Paragraph
    bold: int = 0
    italic: int = 0
    link: BaseOxmlElement | None = None


class MarkdownWriter:
    """markdown-it tokens (after sopgen's policy) → Word paragraphs, runs and tables."""

    def __init__(self, writer: Writer, first: Paragraph | None,
                 continuation: str | None) -> None:
        self.writer = writer
        self.first = first
        self.continuation = continuation
        self.lists: list[tuple[str, int]] = []  # (bullet or ordered, numbering id)
        self.quote = 0
        self.container = typing.cast(Container, first._parent) if first is not None else None
        self.current: Paragraph | None = None

    def _paragraph(self, style: str | None = None) -> Paragraph:
        if self.first is not None:
            paragraph, self.first = self.first, None
            return paragraph
        style = style or self.continuation
        if self.container is not None:  # a table cell's, or the body's
            return self.writer.paragraph(style, self.container)
        return self.writer.paragraph(style)

    def blocks(self, tokens: list[Token]) -> None:
        index = 0
        while index < len(tokens):
            token = tokens[index]
            if token.type == "table_open":
                end = next(i for i in range(index, len(tokens))
                           if tokens[i].type == "table_close")
                self._table(tokens[index:end + 1])
                index = end + 1
                continue
            self._block(token, tokens, index)
            index += 1

    def _block(self, token: Token, tokens: list[Token], index: int) -> None:
        kind = token.type
        if kind in ("bullet_list_open", "ordered_list_open"):
            ordered = kind == "ordered_list_open"
            self.lists.append(("ordered" if ordered else "bullet",
                               self.writer.numbering.new_list() if ordered else 0))
        elif kind in ("bullet_list_close", "ordered_list_close"):
            self.lists.pop()
        elif kind == "blockquote_open":
            self.quote += 1
        elif kind == "blockquote_close":
            self.quote -= 1
        elif kind in ("paragraph_open", "heading_open"):
            self._open_paragraph(token, tokens, index)
        elif kind == "inline" and self.current is not None:
            self.inline(self.current, token.children or [])
        elif kind in ("fence", "code_block"):
            paragraph = self._paragraph()
            for number, line in enumerate(token.content.rstrip("\n").split("\n")):
                if number:
                    paragraph.add_run().add_break()
                self.writer.run(paragraph, line, "Code")

    def _open_paragraph(self, token: Token, tokens: list[Token], index: int) -> None:
        if token.type == "heading_open":
            self.current = self._paragraph(f"Heading {min(int(token.tag[1]), 9)}")
            return
        in_item = index > 0 and tokens[index - 1].type == "list_item_open"
        if self.lists and in_item:
            kind, num_id = self.lists[-1]
            depth = min(len(self.lists), 3)
            base = "List Bullet" if kind == "bullet" else "List Number"
            style = base if depth == 1 else f"{base} {depth}"
            self.current = self._paragraph(style)
            if kind == "ordered":
                number(self.current, num_id, depth - 1)
        elif self.lists:
            self.current = self._paragraph("List Continue")
        else:
            self.current = self._paragraph("Quote" if self.quote else None)

    def _table(self, tokens: list[Token]) -> None:
        self.first = None  # a note that opens with a table: its label stays on its own line
        rows: list[list[Token]] = []
        for token in tokens:
            if token.type == "tr_open":
                rows.append([])
            elif token.type == "inline" and rows:
                rows[-1].append(token)
        if not rows:
            return
        columns = max(len(row) for row in rows)
        table = self.writer.table(len(rows), columns, self.container)
        for r, row in enumerate(rows):
            for c, cell_token in enumerate(row):
                paragraph = table.cell(r, c).paragraphs[0]
                self.inline(paragraph, cell_token.children or [], bold=r == 0)

    def inline(self, paragraph: Paragraph, children: list[Token], *, bold: bool = False) -> None:
        state = _Inline(paragraph, bold=int(bold))
        for token in children:
            self._inline_token(state, token)

    def _inline_token(self, state: _Inline, token: Token) -> None:
        kind = token.type
        if kind == "text":
            self._run(state, token.content)
        elif kind == "softbreak":
            self._run(state, " ")
        elif kind == "hardbreak":
            state.paragraph.add_run().add_break()
        elif kind == "code_inline":
            self._run(state, token.content, style="Code")
        elif kind in ("strong_open", "strong_close"):
            state.bold += 1 if kind == "strong_open" else -1
        elif kind in ("em_open", "em_close"):
            state.italic += 1 if kind == "em_open" else -1
        elif kind == "link_open":
            href = str(token.attrs.get("href", ""))
            if href.startswith("#"):
                state.link = hyperlink(state.paragraph, anchor=bookmark_name(href[1:]))
            else:
                rel = state.paragraph.part.relate_to(href, RELATIONSHIP_TYPE.HYPERLINK,
                                                     is_external=True)
                state.link = hyperlink(state.paragraph, rel_id=rel)
        elif kind == "link_close":
            state.link = None
        elif kind == "image":
            self._image(state, token)

    def _run(self, state: _Inline, text: str, style: str | None = None) -> None:
        if state.link is not None and style is None:
            style = "Hyperlink"
        run = self.writer.run(state.paragraph, text, style)
        run.bold = True if state.bold else None
        run.italic = True if state.italic else None
        if state.link is not None:
            state.link.append(run._r)

    def _image(self, state: _Inline, token: Token) -> None:
        """A picture from content/assets/ (the policy inlined it); SVG, which a Word
        document cannot hold alone, shows its description, with a warning."""
        src = str(token.meta.get("inline_src") or token.attrs.get("src", ""))
        match = PICTURE.match(src)
        if match is None:
            if src.startswith("data:image/svg"):
                self.writer.warn(Problem(Loc("content"), "docx_svg_image", {"text": token.content},
                                         severity="warning"))
            self._run(state, token.content)
            return
        self.writer.picture(state.paragraph.add_run(), base64.b64decode(match.group(2)))


class Numbering:
    """The document's numbering definitions: one multi-level list for steps (1, 2, 2.1)
    and one for numbered lists in text, and a fresh instance of either for each
    procedure or list, so numbering starts at 1 again."""

    def __init__(self, word: docx.document.Document) -> None:
        self.root = word.part.numbering_part.element
        self.steps = self._abstract(lambda level: "".join(f"%{n + 1}." for n in
                                                          range(level + 1)))
        self.plain = self._abstract(lambda level: f"%{level + 1}.")

    def new_steps(self) -> int:
        return self._instance(self.steps)

    def new_list(self) -> int:
        return self._instance(self.plain)

    def _abstract(self, text: Callable[[int], str]) -> int:
        ident = 1 + max((int(e.get(qn("w:abstractNumId"))) for e in
                         self.root.findall(qn("w:abstractNum"))), default=-1)
        abstract = OxmlElement("w:abstractNum")
        abstract.set(qn("w:abstractNumId"), str(ident))
        multi = OxmlElement("w:multiLevelType")
        multi.set(qn("w:val"), "multilevel")
        abstract.append(multi)
        for level in range(MAX_LEVELS):
            abstract.append(_level(level, text(level)))
        first_num = self.root.find(qn("w:num"))
        if first_num is not None:
            first_num.addprevious(abstract)
        else:
            self.root.append(abstract)
        return ident

    def _instance(self, abstract: int) -> int:
        ident = 1 + max((int(e.get(qn("w:numId"))) for e in self.root.findall(qn("w:num"))),
                        default=0)
        num = OxmlElement("w:num")
        num.set(qn("w:numId"), str(ident))
        ref = OxmlElement("w:abstractNumId")
        ref.set(qn("w:val"), str(abstract))
        num.append(ref)
        for level in range(MAX_LEVELS):  # Word continues a list unless told to restart
            override = OxmlElement("w:lvlOverride")
            override.set(qn("w:ilvl"), str(level))
            start = OxmlElement("w:startOverride")
            start.set(qn("w:val"), "1")
            override.append(start)
            num.append(override)
        self.root.append(num)
        return ident


def _level(level: int, text: str) -> BaseOxmlElement:
    lvl = OxmlElement("w:lvl")
    lvl.set(qn("w:ilvl"), str(level))
    for tag, value in (("w:start", "1"), ("w:numFmt", "decimal"), ("w:lvlText", text),
                       ("w:lvlJc", "left")):
        element = OxmlElement(tag)
        element.set(qn("w:val"), value)
        lvl.append(element)
    ppr = OxmlElement("w:pPr")
    ind = OxmlElement("w:ind")
    ind.set(qn("w:left"), str(425 * (level + 1) + 142 * level))
    ind.set(qn("w:hanging"), str(425 + 142 * level))
    ppr.append(ind)
    lvl.append(ppr)
    return lvl


def number(paragraph: Paragraph, num_id: int, level: int) -> None:
    ppr = paragraph._p.get_or_add_pPr()
    ppr.get_or_add_numPr().get_or_add_ilvl().val = level
    ppr.get_or_add_numPr().get_or_add_numId().val = num_id


def hyperlink(paragraph: Paragraph, *, anchor: str = "", rel_id: str = "") -> BaseOxmlElement:
    link = OxmlElement("w:hyperlink")
    if anchor:
        link.set(qn("w:anchor"), anchor)
    if rel_id:
        link.set(qn("r:id"), rel_id)
    link.set(qn("w:history"), "1")
    paragraph._p.append(link)
    return link


def field_begin(paragraph: Paragraph, instruction: str) -> None:
    """Open a complex field before the paragraph's content; its shown result follows."""
    runs = [_field_char("begin"), _instruction(instruction), _field_char("separate")]
    ppr = paragraph._p.pPr
    position = 1 if ppr is not None else 0
    for offset, run in enumerate(runs):
        paragraph._p.insert(position + offset, run)


def field_end(paragraph: Paragraph) -> None:
    paragraph._p.append(_field_char("end"))


def simple_field(paragraph: Paragraph, instruction: str, shown: str) -> None:
    paragraph._p.append(_field_char("begin"))
    paragraph._p.append(_instruction(instruction))
    paragraph._p.append(_field_char("separate"))
    paragraph.add_run(shown)
    paragraph._p.append(_field_char("end"))


def _field_char(kind: str) -> BaseOxmlElement:
    run = OxmlElement("w:r")
    char = OxmlElement("w:fldChar")
    char.set(qn("w:fldCharType"), kind)
    if kind == "begin":
        char.set(qn("w:dirty"), "true")  # Word recomputes it on opening
    run.append(char)
    return run


def _instruction(text: str) -> BaseOxmlElement:
    run = OxmlElement("w:r")
    instr = OxmlElement("w:instrText")
    instr.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    instr.text = f" {text} "
    run.append(instr)
    return run




def set_language(rpr: BaseOxmlElement, tag: str) -> None:
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), tag)


def shade(ppr: BaseOxmlElement, fill: str, border: str) -> None:
    """A shaded box with a coloured bar on the left: a callout that survives restyling."""
    borders = OxmlElement("w:pBdr")
    left = OxmlElement("w:left")
    for key, value in (("w:val", "single"), ("w:sz", "24"), ("w:space", "6"),
                       ("w:color", border)):
        left.set(qn(key), value)
    borders.append(left)
    shading = OxmlElement("w:shd")
    for key, value in (("w:val", "clear"), ("w:color", "auto"), ("w:fill", fill)):
        shading.set(qn(key), value)
    ppr.append(borders)
    ppr.append(shading)


SETTINGS_AFTER_UPDATE_FIELDS = ("w:hdrShapeDefaults", "w:footnotePr", "w:endnotePr",
                                "w:compat", "w:docVars", "w:rsids")


def update_fields_on_open(word: docx.document.Document) -> None:
    """Ask Word to fill in the TOC and page counts when the file is opened."""
    settings = word.settings.element
    update = OxmlElement("w:updateFields")
    update.set(qn("w:val"), "true")
    later = (settings.find(qn(tag)) for tag in SETTINGS_AFTER_UPDATE_FIELDS)
    anchor = next((element for element in later if element is not None), None)
    if anchor is not None:
        anchor.addprevious(update)
    else:
        settings.append(update)


def deterministic_zip(data: bytes, day: dt.date) -> bytes:
    """The same package with every entry dated ``day`` and in the same order, so the same
    content gives the same bytes."""
    stamp = (max(day.year, 1980), day.month, day.day, 0, 0, 0)
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in _ordered(source.namelist()):
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, source.read(name))
    return out.getvalue()


def _ordered(names: list[str]) -> Iterator[str]:
    """[Content_Types].xml first (some readers expect it there), then by name."""
    yield from sorted(names, key=lambda name: (name != "[Content_Types].xml", name))
