"""The handbook as a Word document, for partners who review and sign in Word or LibreOffice.

Built with python-docx on its default template, using Word's own styles so the navigation
pane, the table of contents and "restyle the whole document" work: Title, Heading 1–3
(pillars, procedures, sections), List Number 1–3 with one multi-level numbering per
procedure (steps 1, 2, 2.1 …), Note and Warning paragraph styles (shaded boxes) and a table
style for document control and RACI. Markdown fields go through the same policy as every
other format (``TextRenderer.tokens``) and become runs; procedure ids become internal
hyperlinks to bookmarks. The same content gives the same bytes: core properties and zip
entries carry the effective date, never the time of the build.

The draft mark is a "DRAFT" line in every page header and on the cover, not a rotated
watermark shape (VML in the header, which Word and LibreOffice draw differently).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import typing

import docx
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_BREAK
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Emu, Pt, RGBColor
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from sopgen.core import model
from sopgen.core.catalogue import Catalogue, catalogue
from sopgen.core.model import Handbook, Procedure, Step, mention_pattern, raci_kinds
from sopgen.core.problems import Loc, Problem
from sopgen.core.schedule import describe
from sopgen.outputs import wordparts
from sopgen.outputs.wordxml import (
    MAX_LEVELS,
    TABLE_STYLE,
    Container,
    MarkdownWriter,
    Numbering,
    bookmark_name,
    deterministic_zip,
    field_begin,
    field_end,
    hyperlink,
    number,
    set_language,
    shade,
    simple_field,
    update_fields_on_open,
)
from sopgen.reading.handbook import Checked
from sopgen.rendering.markdown import TextRenderer
from sopgen.rendering.render import Links, step_targets, tel_uri

LANGUAGE_TAGS = {"id": "id-ID", "en": "en-GB"}
NOTE_STYLES = {"note": ("Note", "EAF2FB", "2E74B5"), "warning": ("Warning", "FDF1E0", "C55A11"),
               "tip": ("Tip", "EAF6EC", "2E7D32"), "important": ("Important", "F3EEFB", "6A3AB2"),
               "caution": ("Caution", "FCE8E8", "B3261E")}
CODE_FONT = "Courier New"


def docx_bytes(checked: Checked, *, draft: bool, changes: dict[str, list[str]],
               problems: list[Problem]) -> bytes:
    """The handbook (or a role's edition) as the bytes of a .docx file."""
    writer = WordWriter(checked, draft=draft, changes=changes)
    data = writer.write()
    problems += [p for p in writer.text.problems if p not in problems]
    return deterministic_zip(data, checked.handbook.document.effective_date)


class WordWriter:
    """Writes one handbook into a python-docx document."""

    def __init__(self, checked: Checked, *, draft: bool, changes: dict[str, list[str]]) -> None:
        self.handbook: Handbook = checked.handbook
        self.doc = self.handbook.document
        self.words: Catalogue = catalogue(self.doc.language)
        self.draft = draft
        self.changes = changes
        self.assets = checked.project.assets
        targets = {p.id: "#" + model.anchor("procedure", p.id) for p in self.handbook.procedures}
        steps, shown = step_targets(self.handbook, Links().step_href, self.words)
        targets.update(steps)
        self.text = TextRenderer(targets, mention_pattern(set(targets)), self.assets,
                                 shown=shown)
        self.word = docx.Document()
        self._bookmarks = 0
        self.style_ids: dict[str, str] = {}
        self.numbering = Numbering(self.word)

    # --- the document, top to bottom

    def write(self) -> bytes:
        self._styles()
        self._properties()
        self._cover()
        self._contents()
        self._document_control()
        for pillar in model.PILLARS:
            self._pillar(pillar)
        self._raci()
        if wordparts.has_records(self.handbook):
            wordparts.records_chapter(self)
        self._roles()
        self._glossary()
        self._revisions()
        self._header_and_footer()
        out = io.BytesIO()
        self.word.save(out)
        return out.getvalue()

    def _cover(self) -> None:
        if self.draft:
            self._para(self.words.label("draft_banner"), style="Intense Quote")
        self._logo()
        self._para(self.doc.title, style="Title")
        self._para(self.doc.organisation.name, style="Subtitle")
        facts = [(self.words.label("document_id"), self.doc.id),
                 (self.words.label("version"), self.doc.version),
                 (self.words.label("status"), self.words.choice(self.doc.status)),
                 (self.words.label("effective_date"), self.words.date(self.doc.effective_date))]
        for label, value in facts:
            paragraph = self.word.add_paragraph()
            paragraph.add_run(f"{label}: ").bold = True
            paragraph.add_run(value)
        self._page_break()

    def _logo(self) -> None:
        logo = self.doc.organisation.logo
        if not logo:
            return
        path = self.assets.parent / logo
        if path.suffix.lower() == ".svg":  # Word cannot hold SVG alone: use a PNG beside it
            path = path.with_suffix(".png")
            if not path.is_file():
                self.warn(Problem(Loc("content"), "docx_svg_logo",
                                  {"path": logo, "png": f"{logo[:-4]}.png"}, severity="warning"))
                return
        if path.is_file() and path.stat().st_size <= model.MAX_ASSET_BYTES:
            self.picture(self.word.add_paragraph().add_run(), path.read_bytes(),
                          max_width=Emu(1800000))

    def _contents(self) -> None:
        """A real TOC field (Word fills in page numbers when it updates fields), whose
        shown text until then is the list of headings, each a link to its bookmark."""
        self._para(self.words.label("contents"), style="TOC Heading")
        entries = [(self.words.label("document_control"), "document-control", 1)]
        for pillar in model.PILLARS:
            entries.append((getattr(self.handbook.pillars, pillar).title,
                            model.anchor("pillar", pillar), 1))
            entries += [(f"{p.id} {p.title}", model.anchor("procedure", p.id), 2)
                        for p in self.handbook.procedures_in(pillar)]
        entries += [(label, anchor, 1) for label, anchor in self._closing_sections()]
        paragraphs = []
        for title, anchor, level in entries:
            paragraph = self.word.add_paragraph()
            paragraph.paragraph_format.left_indent = Pt(14 * (level - 1))
            self._hyperlink_text(paragraph, title, anchor)
            paragraphs.append(paragraph)
        begin, end = paragraphs[0], paragraphs[-1]
        field_begin(begin, r'TOC \o "1-2" \h \z \u')
        field_end(end)
        self._page_break()

    def _closing_sections(self) -> list[tuple[str, str]]:
        sections = [(self.words.label("raci"), "raci")]
        if wordparts.has_records(self.handbook):
            sections.append((self.words.label("records_chapter"), "records-retention"))
        sections.append((self.words.label("roles"), "roles"))
        if self.handbook.glossary:
            sections.append((self.words.label("glossary"), "glossary"))
        if self.handbook.revisions:
            sections.append((self.words.label("revision_history"), "revisions"))
        return sections

    def _document_control(self) -> None:
        doc, words = self.doc, self.words
        self._heading(words.label("document_control"), 1, "document-control")
        rows = [("document_id", doc.id), ("version", doc.version),
                ("status", words.choice(doc.status)),
                ("effective_date", words.date(doc.effective_date)),
                ("review_cycle", f"{doc.review_cycle_months} {words.label('months')}"),
                ("next_review", words.date(model.review_due(doc))),
                ("owner", self._role_title(doc.owner)),
                ("organisation", doc.organisation.name)]
        rows += [(key, ", ".join(values)) for key, values in
                 (("authors", doc.authors), ("reviewers", doc.reviewers),
                  ("distribution", doc.distribution)) if values]
        rows += [("classification", words.choice(doc.classification)),
                 ("language", words.choice(doc.language))]
        self._facts_table([(words.label(key), value) for key, value in rows])
        if doc.approvals:
            self._para(words.label("approvals"), bold=True)
            header = [words.label(key) for key in ("name", "role", "date")]
            self._grid([header, *[[a.name, a.role, words.date(a.date)]
                                  for a in doc.approvals]])
        if doc.summary:
            self._heading(words.label("summary"), 2)
            self._markdown(doc.summary)

    def _pillar(self, key: str) -> None:
        text: model.PillarText = getattr(self.handbook.pillars, key)
        procedures = self.handbook.procedures_in(key)
        self._page_break()
        self._heading(text.title, 1, model.anchor("pillar", key))
        if text.introduction:
            self._markdown(text.introduction)
        for procedure in procedures:
            self._procedure(procedure)

    def _procedure(self, p: Procedure) -> None:
        words = self.words
        self._heading(f"{p.id} {p.title}", 2, model.anchor("procedure", p.id))
        facts = [(words.label("responsible"), self._role_titles(p.responsible))]
        if p.accountable:
            facts.append((words.label("accountable"), self._role_title(p.accountable)))
        for key, ids in (("consulted", p.consulted), ("informed", p.informed)):
            if ids:
                facts.append((words.label(key), self._role_titles(ids)))
        facts += self._outside_facts(p)
        facts.append((words.label("frequency"),
                      describe(p, self.handbook.document, words)))
        if p.trigger:
            facts.append((words.label("trigger"), p.trigger))
        if p.last_reviewed:
            facts.append((words.label("last_reviewed"), words.date(p.last_reviewed)))
        if p.adopted:  # the source line of a procedure adopted from a workspace library
            facts.append((words.label("adopted_from"),
                          f"{p.adopted.library} {p.adopted.id}, "
                          f"{words.label('version').lower()} {p.adopted.version}"))
        self._facts_table(facts, markdown={words.label("trigger")})
        for key in ("purpose", "scope", "out_of_scope"):
            if getattr(p, key):
                self._heading(words.label(key), 3)
                self._markdown(getattr(p, key))
        self._bullets("prerequisites", p.prerequisites)
        self._bullets("tools", p.tools)
        self._heading(words.label("steps"), 3)
        self._steps(p.steps, 0, self.numbering.new_steps(), p.id)
        self._bullets("checklist", p.checklist, box=True)
        wordparts.records(self, p)
        wordparts.attachments(self, p)
        if p.references:
            self._heading(words.label("references"), 3)
            for ref in p.references:
                paragraph = self.paragraph("List Bullet")
                self._external_link(paragraph, ref.title, ref.url)
        if p.related:
            paragraph = self.word.add_paragraph()
            paragraph.add_run(f"{words.label('related')}: ").bold = True
            for index, other in enumerate(p.related):
                if index:
                    paragraph.add_run(", ")
                self._hyperlink_text(paragraph, other, model.anchor("procedure", other))

    def _steps(self, steps: list[Step], level: int, num_id: int, procedure_id: str) -> None:
        for step in steps:
            depth = min(level, MAX_LEVELS - 1)
            style = "List Number" if depth == 0 else f"List Number {min(depth + 1, 3)}"
            paragraph = self.paragraph(style)
            number(paragraph, num_id, depth)
            if step.id:
                self._bookmark(paragraph, model.step_anchor(procedure_id, step.id))
            self._markdown(step.text, first=paragraph, continuation="List Continue")
            if step.role:
                run = paragraph.add_run(
                    f" ({self.words.label('step_by')} {self._role_title(step.role)})")
                run.italic = True
            for kind, text in step.callouts():
                self._callout(kind, text)
            wordparts.figures(self, step.figures)
            self._steps(step.substeps, level + 1, num_id, procedure_id)
            self._verify(step.verify, min(level, MAX_LEVELS - 1))
            self._decision(step, procedure_id)

    def _verify(self, checks: list[str], depth: int) -> None:
        """Checks after a step, each with a box to tick, indented as the step's own list
        level ("List Continue 2" under a substep), so an import knows whose they are."""
        style = "List Continue" if depth == 0 else f"List Continue {min(depth + 1, 3)}"
        if checks:
            self._para(f"{self.words.label('verify')}:", style=style, bold=True)
        for check in checks:
            paragraph = self.paragraph(style)
            paragraph.add_run("☐ ")
            self._markdown(check, first=paragraph, continuation=style)

    def _decision(self, step: Step, procedure_id: str) -> None:
        """A decision as a table: if (condition) | then (what to do, and where to go)."""
        if not step.decision:
            return
        numbers = model.step_numbers(self.handbook.procedure(procedure_id))
        table = self.table(1 + len(step.decision), 2)
        _cell_text(table, 0, 0, self.words.label("decision_when"), bold=True)
        _cell_text(table, 0, 1, self.words.label("decision_then"), bold=True)
        for row, choice in enumerate(step.decision, start=1):
            self._markdown(choice.when, first=table.cell(row, 0).paragraphs[0])
            cell = table.cell(row, 1)
            self._markdown(choice.then, first=cell.paragraphs[0])
            number = numbers.get(choice.goto)
            if number is not None:  # a step left out of an edition is not gone to
                paragraph = cell.add_paragraph()
                before, _, after = self.words.label("goto_step").partition("{ref}")
                paragraph.add_run(before)
                self._hyperlink_text(paragraph,
                                     self.words.label("step_ref_short").format(number=number),
                                     model.step_anchor(procedure_id, choice.goto))
                paragraph.add_run(after)

    def _callout(self, kind: str, text: str) -> None:
        style = NOTE_STYLES[kind][0]
        paragraph = self.paragraph(style)
        paragraph.add_run(f"{self.words.label(kind)}: ").bold = True
        self._markdown(text, first=paragraph, continuation=style)

    def _bullets(self, key: str, items: list[str], *, box: bool = False) -> None:
        if not items:
            return
        self._heading(self.words.label(key), 3)
        for item in items:
            paragraph = self.paragraph("List Bullet")
            if box:
                paragraph.add_run("☐ ")
            self._markdown(item, first=paragraph, continuation="List Continue")

    def _raci(self) -> None:
        words = self.words
        self._page_break()
        self._heading(words.label("raci"), 1, "raci")
        legend = " · ".join(f"{words.label('raci_' + kind)} = {words.label(key)}" for kind, key in
                            zip(model.RACI_KINDS, ("responsible", "accountable", "consulted",
                                                   "informed"), strict=True))
        self._para(legend)
        roles = self.handbook.roles
        table = self.table(1 + len(model.in_pillar_order(self.handbook)), 1 + len(roles))
        _cell_text(table, 0, 0, words.label("procedure"), bold=True)
        for column, role in enumerate(roles, start=1):
            _cell_text(table, 0, column, role.title, bold=True)
        for row, p in enumerate(model.in_pillar_order(self.handbook), start=1):
            paragraph = table.cell(row, 0).paragraphs[0]
            self._hyperlink_text(paragraph, p.id, model.anchor("procedure", p.id))
            paragraph.add_run(f" {p.title}")
            for column, role in enumerate(roles, start=1):
                cell = "/".join(words.label(f"raci_{k}") for k in raci_kinds(p, role.id))
                _cell_text(table, row, column, cell)

    def _roles(self) -> None:
        self._heading(self.words.label("roles"), 1, "roles")
        for role in self.handbook.roles:
            self._heading(role.title, 2, model.anchor("role", role.id))
            if role.kind != "staff":
                kind = self.words.choice(role.kind)
                self.paragraph().add_run(
                    f"{kind}: {role.organisation}" if role.organisation else kind).italic = True
            if role.description:
                self._markdown(role.description)
            for item in role.responsibilities:
                self._markdown(item, first=self.paragraph("List Bullet"),
                               continuation="List Continue")
        self._contacts()

    # --- roles held outside, contacts, procedures for everyone

    def _outside_facts(self, p: Procedure) -> list[tuple[str, str]]:
        facts = []
        if model.checker(p, self.handbook):
            facts.append((self.words.label("checked_by"),
                          self._role_title(model.checker(p, self.handbook))))
        if model.for_everyone(p):
            facts.append((self.words.label("applies_to"),
                          self.words.label("applies_to_everyone")))
        return facts

    def _contacts(self) -> None:
        """The contacts and escalation table, built from the roles: phone as tel:,
        e-mail as mailto:."""
        listed = [r for r in self.handbook.roles if r.contacts or r.response_time]
        if not listed:
            return
        words = self.words
        self._heading(words.label("contacts_title"), 2, "contacts")
        self.paragraph().add_run(words.label("contacts_intro"))
        table = self.table(1 + len(listed), 4)
        for column, key in enumerate(("role", "role_kind", "contact", "response_time")):
            _cell_text(table, 0, column, words.label(key), bold=True)
        for row, role in enumerate(listed, start=1):
            title = f"{role.title} — {role.organisation}" if role.organisation else role.title
            _cell_text(table, row, 0, title)
            _cell_text(table, row, 1, words.choice(role.kind))
            _cell_text(table, row, 3, role.response_time)
            cell = table.cell(row, 2)
            for index, contact in enumerate(role.contacts):
                paragraph = cell.paragraphs[0] if index == 0 else cell.add_paragraph()
                if contact.label:
                    paragraph.add_run(f"{contact.label}: ")
                links = [(contact.phone, tel_uri(contact.phone)),
                         (contact.email, f"mailto:{contact.email}"), (contact.url, contact.url)]
                shown = [(text, url) for text, url in links if text]
                for place, (text, url) in enumerate(shown):
                    self._external_link(paragraph, text, url)
                    if place < len(shown) - 1:
                        paragraph.add_run(" · ")

    def _glossary(self) -> None:
        if not self.handbook.glossary:
            return
        self._heading(self.words.label("glossary"), 1, "glossary")
        table = self.table(1 + len(self.handbook.glossary), 2)
        _cell_text(table, 0, 0, self.words.label("term"), bold=True)
        _cell_text(table, 0, 1, self.words.label("definition"), bold=True)
        anchors = model.term_anchors(self.handbook.glossary)
        for row, (entry, anchor) in enumerate(zip(self.handbook.glossary, anchors, strict=True),
                                              start=1):
            paragraph = table.cell(row, 0).paragraphs[0]
            self._bookmark(paragraph, anchor)
            paragraph.add_run(entry.term)
            self._markdown(entry.definition, first=table.cell(row, 1).paragraphs[0])

    def _revisions(self) -> None:
        if not self.handbook.revisions:
            return
        words = self.words
        self._heading(words.label("revision_history"), 1, "revisions")
        header = [words.label(key) for key in ("version", "date", "author", "changes")]
        table = self.table(1 + len(self.handbook.revisions), 4)
        for column, text in enumerate(header):
            _cell_text(table, 0, column, text, bold=True)
        for row, rev in enumerate(self.handbook.revisions, start=1):
            for column, text in enumerate((rev.version, words.date(rev.date), rev.author)):
                _cell_text(table, row, column, text)
            cell = table.cell(row, 3)
            self._markdown(rev.summary, first=cell.paragraphs[0])
            for line in self.changes.get(rev.version, []):
                cell.add_paragraph(line)

    def _header_and_footer(self) -> None:
        section = self.word.sections[0]
        header = section.header.paragraphs[0]
        header.style = self.word.styles["Header"]
        title = self.doc.short_title or self.doc.title
        header.add_run(f"{self.doc.id} · {self.words.label('version')} {self.doc.version}"
                       f" · {title}")
        if self.draft:
            run = header.add_run(f" · {self.words.label('draft')}")
            run.bold = True
            run.font.color.rgb = RGBColor(0xC0, 0x00, 0x00)
        footer = section.footer.paragraphs[0]
        footer.style = self.word.styles["Footer"]
        for index, piece in enumerate(re.split(r"\{(page|pages)\}",
                                               self.words.label("page_of"))):
            if index % 2:
                simple_field(footer, "PAGE" if piece == "page" else "NUMPAGES", "1")
            elif piece:
                footer.add_run(piece)

    # --- styles and properties

    def _styles(self) -> None:
        styles = self.word.styles
        tag = LANGUAGE_TAGS.get(self.doc.language, self.doc.language)
        defaults = styles.element.find(qn("w:docDefaults"))
        assert defaults is not None
        run_defaults = defaults.find(qn("w:rPrDefault"))
        assert run_defaults is not None
        rpr = run_defaults.find(qn("w:rPr"))
        assert rpr is not None
        set_language(rpr, tag)
        normal_rpr = styles["Normal"].element.get_or_add_rPr()
        set_language(normal_rpr, tag)
        for name, fill, border in NOTE_STYLES.values():
            style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
            style.base_style = styles["Normal"]
            style.paragraph_format.left_indent = Pt(24)
            shade(style.element.get_or_add_pPr(), fill, border)
        code = styles.add_style("Code", WD_STYLE_TYPE.CHARACTER)
        code.font.name = CODE_FONT
        link = styles.add_style("Hyperlink", WD_STYLE_TYPE.CHARACTER)
        link.font.color.rgb = RGBColor(0x05, 0x63, 0xC1)
        link.font.underline = True
        update_fields_on_open(self.word)
        self.style_ids = {str(s.name): str(s.style_id) for s in styles}

    def _properties(self) -> None:
        doc, words = self.doc, self.words
        props = self.word.core_properties
        when = dt.datetime.combine(doc.effective_date, dt.time(0, 0))
        props.title = doc.title
        props.subject = doc.organisation.name
        props.author = ", ".join(doc.authors) or doc.organisation.name
        props.last_modified_by = props.author
        props.identifier = doc.id
        props.version = doc.version
        props.language = LANGUAGE_TAGS.get(doc.language, doc.language)
        props.content_status = words.choice(doc.status)
        props.category = words.choice(doc.classification)
        props.keywords = ""
        props.comments = words.label("draft_banner") if self.draft else ""
        props.revision = 1
        props.created = when
        props.modified = when
        props.last_printed = when

    # --- building blocks

    def _para(self, text: str, *, style: str | None = None, bold: bool = False) -> Paragraph:
        paragraph = self.paragraph(style)
        paragraph.add_run(text).bold = bold or None
        return paragraph

    def paragraph(self, style: str | None = None, container: Container | None = None
                  ) -> Paragraph:
        """A new paragraph at the end of the body (or a cell). Styles are set by id:
        python-docx looks a name up by scanning every style, for every paragraph."""
        paragraph = (container or self.word).add_paragraph()
        if style:
            paragraph._p.style = self.style_ids[style]
        return paragraph

    def run(self, paragraph: Paragraph, text: str, style: str | None = None) -> Run:
        run = paragraph.add_run(text)
        if style:
            run._r.style = self.style_ids[style]
        return run

    def _page_break(self) -> None:
        self.word.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    def _heading(self, text: str, level: int, anchor: str = "") -> None:
        paragraph = self.paragraph(f"Heading {level}")
        if anchor:
            self._bookmark(paragraph, anchor)
        paragraph.add_run(text)

    def _bookmark(self, paragraph: Paragraph, anchor: str) -> None:
        self._bookmarks += 1
        start = OxmlElement("w:bookmarkStart")
        start.set(qn("w:id"), str(self._bookmarks))
        start.set(qn("w:name"), bookmark_name(anchor))
        end = OxmlElement("w:bookmarkEnd")
        end.set(qn("w:id"), str(self._bookmarks))
        paragraph._p.append(start)
        paragraph._p.append(end)

    def table(self, rows: int, columns: int, container: Container | None = None) -> Table:
        """A table at the end of the body, or inside a table cell."""
        if isinstance(container, _Cell):
            table = container.add_table(rows, columns)
        else:
            table = typing.cast(Table, self.word.add_table(rows=rows, cols=columns))
        table._tbl.tblStyle_val = self.style_ids[TABLE_STYLE]
        return table

    def _facts_table(self, facts: list[tuple[str, str]],
                     markdown: set[str] | None = None) -> None:
        """Two columns, label and value: document control, a procedure's roles."""
        table = self.table(len(facts), 2)
        for row, (label, value) in enumerate(facts):
            _cell_text(table, row, 0, label, bold=True)
            if label in (markdown or set()):
                self._markdown(value, first=table.cell(row, 1).paragraphs[0])
            else:
                _cell_text(table, row, 1, value)

    def _grid(self, rows: list[list[str]]) -> None:
        table = self.table(len(rows), len(rows[0]))
        for r, values in enumerate(rows):
            for c, value in enumerate(values):
                _cell_text(table, r, c, value, bold=r == 0)

    def _role_title(self, role_id: str) -> str:
        return next((r.title for r in self.handbook.roles if r.id == role_id), role_id)

    def _role_titles(self, ids: list[str]) -> str:
        return ", ".join(self._role_title(role_id) for role_id in ids)

    # --- links and pictures

    def _hyperlink_text(self, paragraph: Paragraph, text: str, anchor: str) -> None:
        link = hyperlink(paragraph, anchor=bookmark_name(anchor))
        run = self.run(paragraph, text, "Hyperlink")
        link.append(run._r)

    def _external_link(self, paragraph: Paragraph, text: str, url: str) -> None:
        rel = paragraph.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
        link = hyperlink(paragraph, rel_id=rel)
        run = self.run(paragraph, text, "Hyperlink")
        link.append(run._r)

    def picture(self, run: Run, data: bytes, max_width: Emu | None = None) -> None:
        """A picture no wider than the text column (or ``max_width``), in proportion."""
        section = self.word.sections[0]
        assert section.page_width and section.left_margin and section.right_margin
        width = max_width or Emu(section.page_width - section.left_margin
                                 - section.right_margin)
        shape = run.add_picture(io.BytesIO(data))
        if shape.width > width:
            shape.height = Emu(int(shape.height * width / shape.width))
            shape.width = width

    # --- used by wordparts (records, attachments, figures)

    def heading(self, text: str, level: int, anchor: str = "") -> None:
        self._heading(text, level, anchor)

    def para(self, text: str, *, style: str | None = None) -> None:
        self._para(text, style=style)

    def markdown(self, text: str, *, first: Paragraph | None = None,
                 continuation: str | None = None) -> None:
        self._markdown(text, first=first, continuation=continuation)

    def warn(self, problem: Problem) -> None:
        self.text.problems.append(problem)

    # --- Markdown fields

    def _markdown(self, text: str, *, first: Paragraph | None = None,
                  continuation: str | None = None) -> None:
        """A Markdown field as paragraphs, its first paragraph's runs into ``first`` when
        given (a list item, a table cell), later blocks in ``continuation`` style."""
        MarkdownWriter(self, first, continuation).blocks(self.text.tokens(text))

def _cell_text(table: Table, row: int, column: int, text: str, *, bold: bool = False) -> None:
    run = table.cell(row, column).paragraphs[0].add_run(text)
    run.bold = bold or None
