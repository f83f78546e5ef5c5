"""The .docx handbook's records, attachments and figures, written through ``WordWriter``.

Records list their retention and location after the name; the records-and-retention
chapter gathers every record in one table. Attachments are listed (title, file name, type
and size), never embedded. A figure is its picture scaled to the text column (or to the
width asked for), with its alt text as the picture's description and its caption below.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from docx.document import Document as WordDocument
from docx.shared import Emu
from docx.table import Table
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from sopgen.core import model
from sopgen.core.catalogue import Catalogue
from sopgen.core.model import Figure, Procedure, Record
from sopgen.core.problems import size_text


class WordWriter(Protocol):
    """What these parts use of ``docx.WordWriter``."""

    words: Catalogue
    handbook: model.Handbook
    assets: Path
    word: WordDocument

    def heading(self, text: str, level: int, anchor: str = "") -> None: ...
    def para(self, text: str, *, style: str | None = None) -> None: ...
    def paragraph(self, style: str | None = None, container: Any = None) -> Paragraph: ...
    def markdown(self, text: str, *, first: Paragraph | None = None,
                 continuation: str | None = None) -> None: ...
    def table(self, rows: int, columns: int, container: Any = None) -> Table: ...
    def picture(self, run: Run, data: bytes, max_width: Emu | None = None) -> None: ...


def has_records(handbook: model.Handbook) -> bool:
    return any(p.records for p in handbook.procedures)


def record_facts(writer: WordWriter, record: Record) -> list[str]:
    """"Retention: 12 months", "Location: …" — what is stated of a record, in order."""
    words = writer.words
    facts = [(words.label("retention"), record.retention),
             (words.label("location"), record.location),
             (words.label("record_format"), record.format),
             (words.label("owner"), writer.handbook.role(record.owner).title
              if record.owner else "")]
    return [f"{label}: {value}" for label, value in facts if value]


def records(writer: WordWriter, procedure: Procedure) -> None:
    if not procedure.records:
        return
    writer.heading(writer.words.label("records"), 3)
    for record in procedure.records:
        paragraph = writer.paragraph("List Bullet")
        writer.markdown(record.name, first=paragraph, continuation="List Continue")
        facts = record_facts(writer, record)
        if facts:
            paragraph.add_run(" — " + " · ".join(facts)).italic = True


def attachments(writer: WordWriter, procedure: Procedure) -> None:
    if not procedure.attachments:
        return
    writer.heading(writer.words.label("attachments"), 3)
    for attachment in procedure.attachments:
        path = writer.assets.parent / attachment.file
        paragraph = writer.paragraph("List Bullet")
        paragraph.add_run(attachment.title).bold = True
        paragraph.add_run(f" ({path.name} · {path.suffix.lstrip('.').upper()}, "
                          f"{size_text(_size(path))})")


def records_chapter(writer: WordWriter) -> None:
    """Every record with its procedure, retention and location, in print order."""
    words = writer.words
    rows = [(r, p) for p in model.in_pillar_order(writer.handbook) for r in p.records]
    writer.heading(words.label("records_chapter"), 1, "records-retention")
    writer.para(words.label("records_intro"))
    table = writer.table(1 + len(rows), 4)
    for column, key in enumerate(("record", "procedure", "retention", "location")):
        table.cell(0, column).paragraphs[0].add_run(words.label(key)).bold = True
    for row, (record, procedure) in enumerate(rows, start=1):
        writer.markdown(record.name, first=table.cell(row, 0).paragraphs[0])
        table.cell(row, 1).paragraphs[0].add_run(procedure.id)
        table.cell(row, 2).paragraphs[0].add_run(record.retention or words.label("not_stated"))
        if record.location:
            writer.markdown(record.location, first=table.cell(row, 3).paragraphs[0])
        else:
            table.cell(row, 3).paragraphs[0].add_run(words.label("not_stated"))


def figures(writer: WordWriter, figures: list[Figure]) -> None:
    for figure in figures:
        path = writer.assets.parent / figure.file
        if path.suffix.lower() == ".svg" or not path.is_file():
            writer.para(figure.alt)  # Word cannot hold SVG alone: its description instead
        else:
            run = writer.paragraph("List Continue").add_run()
            writer.picture(run, path.read_bytes(), max_width=_width(writer, figure.width))
            _describe(run, figure.alt)
        if figure.caption:
            writer.para(figure.caption, style="Caption")


def _width(writer: WordWriter, width: str) -> Emu | None:
    """The width asked for, never more than the text column (``picture`` caps it)."""
    section = writer.word.sections[0]
    assert section.page_width and section.left_margin and section.right_margin
    column = section.page_width - section.left_margin - section.right_margin
    if width.endswith("%"):
        return Emu(int(column * int(width[:-1]) / 100))
    if width.endswith("px"):
        return Emu(min(column, int(width[:-2]) * 9525))  # 96 px to the inch
    return None


def _describe(run: Run, alt: str) -> None:
    """The alt text as the picture's description (wp:docPr/@descr), read by screen readers."""
    for element in run._r.iter():
        if element.tag.endswith("}docPr"):
            element.set("descr", alt)


def _size(path: Path) -> int:
    return path.stat().st_size if path.is_file() else 0
