"""Reading an existing SOP written in Word (.docx) or Markdown (.md) as a list of blocks.

A block is a heading, a paragraph, a list item (with its level, numbered or not), a note
or warning, a table, a picture, or something sopgen cannot map (a text box, an embedded
object): ``sopgen import`` turns blocks into procedures. Text keeps its emphasis, code
and links as Markdown.

The file is untrusted content: it must be a plain ``.docx`` (no macros) within the size
limits; only the document body and its own pictures are read — headers, comments,
embedded objects and anything a relationship points to outside the package (linked
pictures, linked files) are never followed, and are listed for review instead.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

from markdown_it import MarkdownIt
from markdown_it.token import Token

from sopgen.core.errors import SopgenError
from sopgen.core.model import MAX_ASSET_BYTES
from sopgen.core.problems import Loc
from sopgen.reading.yamlread import MAX_FILE_BYTES

BlockKind = Literal["heading", "para", "item", "more", "note", "warning", "table", "image",
                    "unknown", "tip", "important", "caution"]
CALLOUT_STYLES = ("note", "warning", "tip", "important", "caution")  # sopgen's own
MAX_PACKAGE_BYTES = 100 * 1024 * 1024  # every part of a .docx, uncompressed
MAX_PARTS = 2000
MONOSPACE = {"courier new", "courier", "consolas", "dejavu sans mono", "liberation mono",
             "lucida console", "menlo", "monaco"}
SAFE_URL = re.compile(r"^(https?://|mailto:)[^\s<>\"'`\\]+$", re.IGNORECASE)
TYPED_NUMBER = re.compile(r"^(\d{1,3}(?:\.\d{1,3})*)[.)]?\s+(?=\S)")
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
WP = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}"
MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
WPS = "{http://schemas.microsoft.com/office/word/2010/wordprocessingShape}"


@dataclass
class Block:
    """One piece of the source document, in reading order."""

    kind: BlockKind
    text: str = ""  # Markdown: inline for paragraphs and items, a whole table for tables
    level: int = 0  # a heading's level (0 = title), a list item's nesting
    numbered: bool = False
    where: str = ""  # "paragraph 12": how a person finds it in the source
    rows: list[list[str]] = field(default_factory=list)  # a table's cells, as Markdown
    image: bytes = b""
    image_type: str = ""  # "png", "jpeg" …
    style: str = ""  # the source's paragraph style, for recognising sopgen's own
    source: str = ""  # a Markdown picture's own path, which its paragraph still names
    anchor: str = ""  # the first bookmark in a paragraph (sopgen marks steps with ids so)
    # per table row: the bookmark its last paragraph links to, and that paragraph ("go to
    # step 4" in a decision, as TEK-01#restore)
    row_links: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Source:
    """A document read as blocks, with what was left out and why (shown for review)."""

    blocks: list[Block]
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (where, message code)


def read_source(path: Path, shown_as: str) -> Source:
    """The blocks of a .docx or .md file; anything else is refused."""
    suffix = path.suffix.lower()
    if suffix not in (".docx", ".md", ".markdown"):
        raise SopgenError.of("import_unknown_type", Loc(shown_as), file=shown_as)
    size = path.stat().st_size
    limit = MAX_FILE_BYTES if suffix != ".docx" else MAX_PACKAGE_BYTES // 2
    if size > limit:
        raise SopgenError.of("import_too_large", Loc(shown_as), size=size, limit=limit)
    if suffix == ".docx":
        return DocxReader(path.read_bytes(), shown_as).read()
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise SopgenError.of("not_utf8", Loc(shown_as)) from None
    return read_markdown(text, path.parent)


# ------------------------------------------------------------------------------ Word


class DocxReader:
    """The body of a .docx, paragraph by paragraph and table by table."""

    def __init__(self, data: bytes, shown_as: str) -> None:
        self.shown_as = shown_as
        self.document = self._open(data)
        part = self.document.part
        self.styles = {s.style_id: str(s.name) for s in self.document.styles}
        self.rels = part.rels
        self.numbering = self._numbering(part)
        self.source = Source([])
        self.count = 0
        self.in_toc = False

    def _open(self, data: bytes) -> Any:
        where = Loc(self.shown_as)
        try:
            package = zipfile.ZipFile(io.BytesIO(data))
            infos = package.infolist()
        except (zipfile.BadZipFile, OSError):
            raise SopgenError.of("import_unreadable", where, file=self.shown_as) from None
        if any(info.filename.lower().endswith("vbaproject.bin") for info in infos):
            raise SopgenError.of("import_macros", where, file=self.shown_as)
        total = sum(info.file_size for info in infos)
        if len(infos) > MAX_PARTS or total > MAX_PACKAGE_BYTES:
            raise SopgenError.of("import_too_large", where, size=total,
                                 limit=MAX_PACKAGE_BYTES)
        import docx

        try:
            return docx.Document(io.BytesIO(data))
        except Exception:  # python-docx raises many kinds on a broken or foreign package
            raise SopgenError.of("import_unreadable", where, file=self.shown_as) from None

    def _numbering(self, part: Any) -> dict[tuple[str, str], str]:
        """(numId, level) → number format ("decimal", "bullet" …)."""
        try:
            root = part.numbering_part.element
        except (KeyError, NotImplementedError):
            return {}
        formats: dict[str, dict[str, str]] = {}
        for abstract in root.findall(f"{W}abstractNum"):
            formats[abstract.get(f"{W}abstractNumId")] = {
                lvl.get(f"{W}ilvl"): _val(lvl.find(f"{W}numFmt")) or "decimal"
                for lvl in abstract.findall(f"{W}lvl")}
        found = {}
        for num in root.findall(f"{W}num"):
            levels = formats.get(_val(num.find(f"{W}abstractNumId")), {})
            for level, fmt in levels.items():
                found[num.get(f"{W}numId"), level] = fmt
        return found

    def read(self) -> Source:
        self._container(self.document.element.body)
        return self.source

    def _container(self, element: Any) -> None:
        for child in element:
            if child.tag == f"{W}p":
                self._paragraph(child)
            elif child.tag == f"{W}tbl":
                self._table(child)
            elif child.tag == f"{W}sdt":  # a content control: its content is ordinary text
                content = child.find(f"{W}sdtContent")
                if content is not None:
                    self._container(content)
            elif child.tag in (f"{W}altChunk",):
                self._skip("import_linked_content")

    def _where(self) -> str:
        return f"{self.shown_as}: ¶{self.count}"

    def _skip(self, code: str) -> None:
        self.source.skipped.append((self._where(), code))

    def _add(self, block: Block) -> None:
        block.where = block.where or self._where()
        self.source.blocks.append(block)

    def _paragraph(self, p: Any) -> None:
        self.count += 1
        style = self.styles.get(_val(p.find(f"{W}pPr/{W}pStyle")), "Normal")
        runs = Runs(self)
        text = runs.markdown(p)
        if runs.toc_started:
            self.in_toc = True
        if self.in_toc:
            if runs.field_ended:
                self.in_toc = False
            return
        for extra in runs.extras:
            self._add(extra)
        if not text.strip():
            return
        block = self._classify(p, style, text.strip())
        mark = p.find(f"{W}bookmarkStart")
        block.anchor = (mark.get(f"{W}name") or "") if mark is not None else ""
        self._add(block)

    def _classify(self, p: Any, style: str, text: str) -> Block:
        heading = _heading_level(style, p)
        if heading is not None:
            return Block("heading", _plain(text), level=heading, style=style)
        lowered = style.lower()
        if lowered in CALLOUT_STYLES:
            return Block(cast(BlockKind, lowered), text, style=style)
        if lowered.startswith("list continue"):
            return Block("more", text, style=style)
        num_pr = p.find(f"{W}pPr/{W}numPr")
        if num_pr is not None and num_pr.find(f"{W}numId") is not None:
            level = int(_val(num_pr.find(f"{W}ilvl")) or 0)
            fmt = self.numbering.get((_val(num_pr.find(f"{W}numId")), str(level)), "decimal")
            if _val(num_pr.find(f"{W}numId")) != "0":
                return Block("item", text, level=level, numbered=fmt != "bullet", style=style)
        if lowered.startswith(("list number", "list bullet")):
            suffix = lowered.rsplit(" ", 1)[-1]
            level = int(suffix) - 1 if suffix.isdigit() else 0
            return Block("item", text, level=level, numbered=lowered.startswith("list number"),
                         style=style)
        typed = TYPED_NUMBER.match(text)
        if typed:  # "1. Buka …", "2.1 Periksa …" typed by hand
            return Block("item", text[typed.end():], level=typed.group(1).count("."),
                         numbered=True, style=style)
        return Block("para", text, style=style)

    def _table(self, tbl: Any) -> None:
        self.count += 1
        rows: list[list[str]] = []
        links: list[tuple[str, str]] = []
        for tr in tbl.findall(f"{W}tr"):
            cells, texts = [], [""]
            for tc in tr.findall(f"{W}tc"):
                texts = [Runs(self).markdown(p).strip() for p in tc.iter(f"{W}p")]
                cells.append(" ".join(t for t in texts if t))
            rows.append(cells)
            links.append((_last_link(tr), texts[-1] if texts else ""))
        if rows:  # a header row's bold is the table's, not the text's
            rows[0] = [re.sub(r"^\*\*(.+)\*\*$", r"\1", cell) for cell in rows[0]]
            self._add(Block("table", markdown_table(rows), rows=rows, row_links=links))

    def picture(self, blip: Any, description: str) -> Block | None:
        """A picture stored in the package; a linked one is never fetched."""
        if blip.get(f"{R}link"):
            self._skip("import_linked_picture")
            return None
        rel = self.rels.get(blip.get(f"{R}embed") or "")
        if rel is None or rel.is_external:
            self._skip("import_linked_picture")
            return None
        kind = rel.target_part.content_type.split("/")[-1]
        blob = rel.target_part.blob
        if kind not in ("png", "jpeg", "gif") or len(blob) > MAX_ASSET_BYTES:
            self._skip("import_picture_refused")
            return None
        return Block("image", description, image=blob, image_type=kind)

    def link_target(self, rel_id: str) -> str:
        rel = self.rels.get(rel_id)
        return str(rel.target_ref) if rel is not None and rel.is_external else ""


def _last_link(tr: Any) -> str:
    """The bookmark a link in a row's last paragraph goes to, or ""."""
    paragraphs = list(tr.iter(f"{W}p"))
    link = paragraphs[-1].find(f"{W}hyperlink") if paragraphs else None
    return str(link.get(f"{W}anchor") or "") if link is not None else ""


STEP_BOOKMARK = re.compile(r"^([a-z][a-z0-9]{1,9})_([0-9]{1,4})_step_([a-z][a-z0-9_]*)$")


def step_of_bookmark(bookmark: str) -> tuple[str, str] | None:
    """(procedure id, step id) of a bookmark sopgen put on a step (``tek_01_step_restore``);
    a name Word cut at 40 characters may have lost part of the id, so it names none."""
    match = STEP_BOOKMARK.match(bookmark)
    if match is None or len(bookmark) >= 40:
        return None
    return f"{match.group(1).upper()}-{match.group(2)}", match.group(3).replace("_", "-")


class Runs:
    """A paragraph's runs as Markdown: bold, italic, code, links; and what else it holds
    (pictures, text boxes, embedded objects) as blocks of their own."""

    def __init__(self, reader: DocxReader) -> None:
        self.reader = reader
        self.extras: list[Block] = []
        self.toc_started = False
        self.field_ended = False
        self.in_instruction = False

    def markdown(self, p: Any) -> str:
        pieces: list[tuple[str, str]] = []  # (text, formatting) with formatting in "bic"
        for child in p:
            if child.tag == f"{W}r":
                pieces += self._run(child)
            elif child.tag == f"{W}hyperlink":
                inner = "".join(_wrap(text, marks) for text, marks in
                                _merge([piece for r in child.findall(f"{W}r")
                                        for piece in self._run(r)]))
                url = self.reader.link_target(child.get(f"{R}id") or "")
                step = step_of_bookmark(child.get(f"{W}anchor") or "")
                if step is not None:  # "step 3 of TEK-01" in sopgen's own file: the reference
                    pieces.append((f"{step[0]}#{step[1]}", "raw"))
                    continue
                pieces.append((f"[{inner}]({url})" if SAFE_URL.match(url) else inner, "raw"))
            elif child.tag in (f"{W}ins", f"{W}smartTag", f"{W}fldSimple"):
                pieces += [piece for r in child.iter(f"{W}r") for piece in self._run(r)]
        return "".join(text if marks == "raw" else _wrap(text, marks)
                       for text, marks in _merge(pieces))

    def _run(self, r: Any) -> list[tuple[str, str]]:
        marks = self._marks(r)
        out: list[tuple[str, str]] = []
        for child in r:
            tag = child.tag
            if tag == f"{W}fldChar":
                self._field(child.get(f"{W}fldCharType"))
            elif tag == f"{W}instrText":
                if child.text and child.text.strip().upper().startswith("TOC"):
                    self.toc_started = True
            elif self.in_instruction:
                continue
            elif tag == f"{W}t" and child.text:
                out.append((_escape(child.text) if "c" not in marks else child.text, marks))
            elif tag in (f"{W}tab", f"{W}br", f"{W}cr"):
                out.append((" ", marks))
            elif tag == f"{W}drawing":
                self._drawing(child)
            elif tag in (f"{W}pict", f"{W}object", f"{MC}AlternateContent"):
                self._object(child)
        return out

    def _field(self, kind: str | None) -> None:
        if kind == "begin":
            self.in_instruction = True
        elif kind == "separate":
            self.in_instruction = False
        elif kind == "end":
            self.in_instruction = False
            self.field_ended = True

    def _marks(self, r: Any) -> str:
        rpr = r.find(f"{W}rPr")
        if rpr is None:
            return ""
        style = self.reader.styles.get(_val(rpr.find(f"{W}rStyle")), "")
        fonts = rpr.find(f"{W}rFonts")
        font = (fonts.get(f"{W}ascii") or "") if fonts is not None else ""
        marks = ""
        if _on(rpr.find(f"{W}b")) or style == "Strong":
            marks += "b"
        if _on(rpr.find(f"{W}i")) or style == "Emphasis":
            marks += "i"
        if style == "Code" or font.lower() in MONOSPACE:
            marks += "c"
        return marks

    def _drawing(self, drawing: Any) -> None:
        doc_pr = next(drawing.iter(f"{WP}docPr"), None)
        description = (doc_pr.get("descr") or doc_pr.get("name") or "") \
            if doc_pr is not None else ""
        for blip in drawing.iter(f"{A}blip"):
            block = self.reader.picture(blip, description)
            if block is not None:
                self.extras.append(block)
        for box in drawing.iter(f"{WPS}txbx"):
            self._text_box(box)

    def _object(self, element: Any) -> None:
        """A text box or an embedded object: its text is kept for review, nothing of it
        is opened or followed."""
        boxes = list(element.iter(f"{W}txbxContent"))
        if not boxes:
            self.reader._skip("import_embedded_object")
            return
        self._text_box(boxes[0])  # AlternateContent holds the same box twice

    def _text_box(self, box: Any) -> None:
        texts = [Runs(self.reader).markdown(p).strip() for p in box.iter(f"{W}p")]
        text = " ".join(t for t in texts if t)
        if text:
            self.extras.append(Block("unknown", text, style="text box"))


def _heading_level(style: str, p: Any) -> int | None:
    lowered = style.lower()
    if lowered == "title":
        return 0
    if lowered.startswith("heading ") and lowered[8:].isdigit():
        return int(lowered[8:])
    outline = _val(p.find(f"{W}pPr/{W}outlineLvl"))
    return int(outline) + 1 if outline.isdigit() and int(outline) < 9 else None


def _val(element: Any) -> str:
    return str(element.get(f"{W}val")) if element is not None and element.get(f"{W}val") \
        is not None else ""


def _on(element: Any) -> bool:
    return element is not None and _val(element) not in ("0", "false", "off")


def _merge(pieces: list[tuple[str, str]]) -> Iterator[tuple[str, str]]:
    """Neighbouring runs with the same formatting as one (Word splits runs freely)."""
    text, marks = "", ""
    for piece, piece_marks in pieces:
        if piece_marks == marks or (not piece.strip() and marks != "raw" \
                and piece_marks != "raw" and "c" not in marks):
            text += piece
        else:
            if text:
                yield text, marks
            text, marks = piece, piece_marks
    if text:
        yield text, marks


def _wrap(text: str, marks: str) -> str:
    """Markdown for a stretch of text with its formatting, spaces kept outside markers."""
    core = text.strip()
    if not core or not marks or marks == "raw":
        return text
    lead, trail = text[:len(text) - len(text.lstrip())], text[len(text.rstrip()):]
    if "c" in marks:
        fence = "``" if "`" in core else "`"
        core = f"{fence}{core}{fence}" if fence == "`" else f"{fence} {core} {fence}"
    if "i" in marks:
        core = f"*{core}*"
    if "b" in marks:
        core = f"**{core}**"
    return f"{lead}{core}{trail}"


def _escape(text: str) -> str:
    return re.sub(r"([\\`*_\[\]<>])", r"\\\1", text)


def _plain(markdown: str) -> str:
    """A heading's text without emphasis markers or escapes."""
    return re.sub(r"\\(.)", r"\1", re.sub(r"\*\*|(?<!\\)\*|`", "", markdown)).strip()


def markdown_table(rows: list[list[str]]) -> str:
    width = max(len(row) for row in rows)
    lines = []
    for index, row in enumerate(rows):
        cells = [cell.replace("|", "\\|") for cell in row] + [""] * (width - len(row))
        lines.append("| " + " | ".join(cells) + " |")
        if index == 0:
            lines.append("|" + " --- |" * width)
    return "\n".join(lines)


# ------------------------------------------------------------------------------ Markdown


def read_markdown(text: str, folder: Path) -> Source:
    """A Markdown SOP: the author's own Markdown is kept for every paragraph and item."""
    parser = MarkdownIt("commonmark", {"html": False}).enable("table")
    tokens = parser.parse(text)
    lines = text.splitlines()
    source = Source([])
    MarkdownBlocks(tokens, lines, folder, source).walk()
    return source


@dataclass
class MarkdownBlocks:
    tokens: list[Token]
    lines: list[str]
    folder: Path
    source: Source
    lists: list[bool] = field(default_factory=list)  # numbered?, per open list
    quote: int = 0

    def walk(self) -> None:
        index = 0
        while index < len(self.tokens):
            index = self._token(index)

    def _where(self, token: Token) -> str:
        return f"line {token.map[0] + 1}" if token.map else ""

    def _token(self, index: int) -> int:
        token = self.tokens[index]
        kind = token.type
        if kind in ("bullet_list_open", "ordered_list_open"):
            self.lists.append(kind == "ordered_list_open")
        elif kind in ("bullet_list_close", "ordered_list_close"):
            self.lists.pop()
        elif kind == "blockquote_open":
            self.quote += 1
        elif kind == "blockquote_close":
            self.quote -= 1
        elif kind == "heading_open":
            inline = self.tokens[index + 1]
            self._add(Block("heading", _plain(inline.content), level=int(token.tag[1]),
                            where=self._where(token)))
            return index + 3
        elif kind == "paragraph_open":
            return self._paragraph(index)
        elif kind == "table_open":
            end = next(i for i in range(index, len(self.tokens))
                       if self.tokens[i].type == "table_close")
            self._table(index, end)
            return end + 1
        elif kind in ("fence", "code_block") and token.map:
            source = "\n".join(self.lines[token.map[0]:token.map[1]])
            self._add(Block("para", _dedent_quote(source) if self.quote else source,
                            where=self._where(token)))
        return index + 1

    def _paragraph(self, index: int) -> int:
        token, inline = self.tokens[index], self.tokens[index + 1]
        text = inline.content
        for image in (c for c in inline.children or [] if c.type == "image"):
            self._image(image, token)
        in_item = index > 0 and self.tokens[index - 1].type == "list_item_open"
        if self.quote:
            self._add(Block("para", text, where=self._where(token), style="quote"))
        elif self.lists and in_item:
            self._add(Block("item", text, level=len(self.lists) - 1, numbered=self.lists[-1],
                            where=self._where(token)))
        elif self.lists:
            self._add(Block("more", text, where=self._where(token)))
        else:
            self._add(Block("para", text, where=self._where(token)))
        return index + 3

    def _table(self, start: int, end: int) -> None:
        rows: list[list[str]] = []
        for token in self.tokens[start:end]:
            if token.type == "tr_open":
                rows.append([])
            elif token.type == "inline" and rows:
                rows[-1].append(token.content)
        if rows:
            self._add(Block("table", markdown_table(rows), rows=rows,
                            where=self._where(self.tokens[start])))

    def _image(self, image: Token, token: Token) -> None:
        """A picture beside the Markdown file is copied to assets; a web address is not
        fetched, and a path leading out of the file's folder is not followed."""
        src = str(image.attrs.get("src", ""))
        where = self._where(token)
        if re.match(r"^[a-z][a-z0-9+.-]*:", src, re.IGNORECASE):
            self.source.skipped.append((where, "import_linked_picture"))
            return
        try:
            path = (self.folder / src).resolve()
            inside = self.folder.resolve() in path.parents and path.is_file()
            size = path.stat().st_size if inside else 0
        except (OSError, ValueError):
            inside, size = False, 0
        kind = {".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg", ".gif": "gif"}.get(
            path.suffix.lower() if inside else "", "")
        if not inside or not kind or size > MAX_ASSET_BYTES:
            self.source.skipped.append((where, "import_picture_refused"))
            return
        self.source.blocks.append(Block("image", image.content, image=path.read_bytes(),
                                        image_type=kind, where=where, source=src))

    def _add(self, block: Block) -> None:
        self.source.blocks.append(block)


def _dedent_quote(text: str) -> str:
    return "\n".join(re.sub(r"^\s*>\s?", "", line) for line in text.splitlines())
