"""Blocks of an existing SOP (see ``wordread``) → procedures, as plain data to write.

Headings become procedures, numbered and nested lists steps and sub-steps, and sections
with a title sopgen knows (Tujuan/Purpose, Ruang lingkup/Scope, Pelaksana, Penanggung
jawab/Responsible, Frekuensi/Frequency, Catatan/Note, Peringatan/Warning,
Rujukan/Referensi/References … in either language) fill their fields. Role names are
matched to the project's roles. Whatever has no field is listed in the draft's ``review``:
``sopgen import`` keeps it in the procedure, marked, so nothing is dropped.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from sopgen.core.catalogue import Catalogue, catalogue, languages
from sopgen.core.model import PILLARS, ROLE_ID, Pillar
from sopgen.reading.wordread import Block, step_of_bookmark
from sopgen.reading.yamlread import LMap

FIELD_SECTIONS = ("purpose", "scope", "out_of_scope", "responsible", "accountable",
                  "consulted", "informed", "frequency", "trigger", "prerequisites", "tools",
                  "steps", "checklist", "records", "references", "related", "last_reviewed",
                  "note", "warning", "applies_to", "checked_by")
# Titles people give these sections, besides sopgen's own labels in every language.
SYNONYMS = {
    "tujuan": "purpose", "maksud dan tujuan": "purpose", "objective": "purpose",
    "ruang lingkup": "scope", "lingkup": "scope", "cakupan": "scope",
    "penanggung jawab": "accountable", "responsible": "responsible",
    "responsibility": "responsible", "responsibilities": "responsible",
    "pelaksana": "responsible", "frekuensi": "frequency", "frequency": "frequency",
    "langkah": "steps", "langkah-langkah": "steps", "prosedur": "steps",
    "procedure": "steps", "uraian prosedur": "steps", "catatan": "note", "notes": "note",
    "peringatan": "warning", "perhatian": "warning", "warnings": "warning",
    "referensi": "references", "rujukan": "references", "dasar hukum": "references",
    "prasyarat": "prerequisites", "persyaratan": "prerequisites", "alat": "tools",
    "peralatan": "tools", "pemicu": "trigger", "daftar periksa": "checklist",
    "ceklis": "checklist", "catatan yang disimpan": "records", "rekaman": "records",
    "records": "records", "prosedur terkait": "related",
}
# Sections sopgen writes from the whole project: an exported handbook's, not imported.
GENERATED = ("contents", "document_control", "raci", "roles", "glossary",
             "revision_history", "contacts_title")
FREQUENCY_WORDS = {
    "harian": "daily", "setiap hari": "daily", "mingguan": "weekly", "setiap minggu": "weekly",
    "bulanan": "monthly", "setiap bulan": "monthly", "triwulanan": "quarterly",
    "kuartalan": "quarterly", "setiap triwulan": "quarterly", "tahunan": "yearly",
    "setiap tahun": "yearly", "annually": "yearly", "annual": "yearly",
    "sesuai kebutuhan": "event", "saat diperlukan": "event", "as needed": "event",
    "when needed": "event", "ad hoc": "event",
}
CALLOUTS = ("note", "warning", "tip", "important", "caution")
HEADING_ID = re.compile(r"^([A-Z][A-Z0-9]{1,9}-[0-9]{1,4})\s+(.+)$")
LINK = re.compile(r"^\[(.+)\]\((\S+)\)$")
LABELLED = re.compile(r"^(?:\*\*)?([^*:]{2,40}?)\s*:(?:\*\*)?\s*(.*)$", re.DOTALL)



@dataclass
class Draft:
    """A procedure being assembled from blocks."""

    title: str
    given_id: str
    where: str
    pillar: str = ""
    fields: dict[str, Any] = field(default_factory=dict)
    steps: list[dict[str, Any]] = field(default_factory=list)
    review: list[str] = field(default_factory=list)
    opening: list[str] = field(default_factory=list)  # text before the first section


# ------------------------------------------------------------------ what the project knows


@dataclass
class Known:
    """The project's roles, pillars and ids, to map names in the source onto."""

    language: str
    roles: dict[str, str]  # casefolded id or title → role id
    pillar_titles: dict[str, Pillar]  # casefolded title → pillar key
    procedures: list[LMap]
    owner: str
    new_roles: dict[str, str] = field(default_factory=dict)  # role id → title

    @classmethod
    def of(cls, raw: LMap, language: str) -> Known:
        roles: dict[str, str] = {}
        for role in raw.get("roles") or []:
            if isinstance(role, LMap) and role.get("id"):
                roles[str(role["id"]).casefold()] = str(role["id"])
                roles[str(role.get("title", "")).casefold()] = str(role["id"])
        titles: dict[str, Pillar] = {catalogue(code).choice(key).casefold(): key
                                     for code in languages() for key in PILLARS}
        pillars = raw.get("pillars")
        for key in PILLARS:
            text = pillars.get(key) if isinstance(pillars, LMap) else None
            if isinstance(text, LMap) and text.get("title"):
                titles[str(text["title"]).casefold()] = key
        document = raw.get("document")
        owner = str(document.get("owner", "")) if isinstance(document, LMap) else ""
        procedures = [p for p in raw.get("procedures") or [] if isinstance(p, LMap)]
        return cls(language, roles, titles, procedures, owner)

    def role(self, name: str) -> tuple[str, bool]:
        """The id of the role called ``name``, and whether it is new."""
        key = name.strip().casefold()
        if key in self.roles:
            return self.roles[key], False
        folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
        ident = re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")[:40].strip("-")
        if not ROLE_ID.fullmatch(ident):
            ident = f"role-{len(self.new_roles) + 1}"
        self.roles[key] = ident
        self.new_roles[ident] = name.strip()
        return ident, True


def _titles() -> dict[str, str]:
    """Casefolded section title → field (or generated section) key, in every language."""
    found = dict(SYNONYMS)
    for code in languages():
        labels = catalogue(code).labels
        for key in (*FIELD_SECTIONS, *GENERATED):
            found[labels[key].casefold()] = key
    return found


# ------------------------------------------------------------------ blocks → procedures


class Mapper:
    """Walks the blocks once, filling drafts; everything without a place goes to review."""

    def __init__(self, blocks: list[Block], known: Known, words: Catalogue,
                 pillar: str) -> None:
        self.blocks = blocks
        self.known = known
        self.words = words
        self.default_pillar = pillar
        self.titles = _titles()
        self.drafts: list[Draft] = []
        self.current: Draft | None = None  # None between procedures (under a pillar heading)
        self.callout: tuple[dict[str, Any], str] | None = None  # (step, kind) just written
        self.verifying: dict[str, Any] | None = None  # the step whose checks are being read
        self.section: str | None = None
        self.unknown_section = ""
        self.skipping: int | None = None  # the level of a generated section being skipped
        self.pillar = ""
        self.pending: list[str] = []  # front matter, kept for the first procedure
        self.images: list[tuple[str, Block]] = []  # (asset path, picture)
        self.exported = any(b.kind == "heading" and self.titles.get(b.text.casefold())
                            in GENERATED for b in blocks)
        self.level = self._procedure_level()

    def _procedure_level(self) -> int:
        headings = [b for b in self.blocks if b.kind == "heading"]
        with_ids = [b.level for b in headings if HEADING_ID.match(b.text)]
        if with_ids:
            return min(with_ids)
        others = [b for b in headings if b.text.casefold() not in self.titles
                  and b.text.casefold() not in self.known.pillar_titles]
        sections = [b.level for b in headings if self.titles.get(b.text.casefold())
                    in FIELD_SECTIONS]
        if sections and any(b.level == min(sections) - 1 for b in others):
            return min(sections) - 1  # procedures are what "Purpose", "Steps" … sit under
        levels = sorted({b.level for b in others if b.level > 0})
        if not levels:
            return 0 if any(b.level == 0 for b in headings) else -1
        top = [b for b in others if b.level == levels[0]]
        below = [b for b in others if len(levels) > 1 and b.level == levels[1]]
        return levels[1] if len(top) == 1 and len(below) > 1 else levels[0]  # a title above

    @property
    def draft(self) -> Draft | None:
        return self.current

    def run(self) -> list[Draft]:
        if self.level == -1 and self.blocks:  # no headings: the whole file is one procedure
            self._start(Block("heading", "", where=self.blocks[0].where))
        for block in self.blocks:
            self._block(block)
        for draft in self.drafts:
            self._finish(draft)
        return self.drafts

    def _block(self, block: Block) -> None:
        if block.kind == "heading" and self._heading(block):
            return
        if self.skipping is not None:
            return
        if block.kind not in (*CALLOUTS, "table", "more", "image"):
            self.callout = None
        if block.kind != "more":
            self.verifying = None
        if self.draft is None:
            if not self.exported and block.kind != "image":
                self.pending.append(f"{block.where} — {block.text}")
            return
        handler = getattr(self, f"_on_{block.kind}")
        handler(self.draft, block)

    def _heading(self, block: Block) -> bool:
        """Handle a heading that opens a procedure, a pillar or a section; False when it
        is a heading inside a procedure that names no section (kept for review)."""
        key = self.titles.get(block.text.casefold())
        if block.level < self.level or (block.level == self.level and key in GENERATED):
            self.skipping = block.level if key in GENERATED else None
            self.current = None
            pillar = self.known.pillar_titles.get(block.text.casefold())
            if pillar:
                self.pillar = pillar
            elif key not in GENERATED and not self.exported:
                self.pending.append(f"{block.where} — {block.text}")
            return True
        if self.skipping is not None and block.level > self.skipping:
            return True
        self.skipping = None
        if block.level == self.level:
            self._start(block)
            return True
        if self.draft is None:
            return False
        if key in FIELD_SECTIONS:
            self.section, self.unknown_section = key, ""
        else:
            self.section, self.unknown_section = None, block.text
            self.draft.review.append(f"{block.where} — {self.words.label('review_section')}"
                                     f" '{block.text}'")
        return True

    def _start(self, block: Block) -> None:
        match = HEADING_ID.match(block.text)
        title, given = (match.group(2), match.group(1)) if match else (block.text, "")
        draft = Draft(title.strip(), given, block.where, pillar=self.pillar)
        if self.pending:
            draft.review += [f"{line}" for line in self.pending]
            self.pending = []
        self.drafts.append(draft)
        self.current = draft
        self.section, self.unknown_section = None, ""

    # --- one handler per kind of block

    def _on_heading(self, draft: Draft, block: Block) -> None:  # below a section: a paragraph
        self._on_para(draft, block)

    def _on_para(self, draft: Draft, block: Block) -> None:
        text = block.text
        callout = self._callout(text)
        if callout:
            self._attach(draft, callout[0], callout[1], block.where)
            return
        labelled = LABELLED.match(text)
        key = self.titles.get(labelled.group(1).strip().casefold()) if labelled else None
        if labelled and key in FIELD_SECTIONS:
            value = labelled.group(2).strip()
            if not value:  # "**Tujuan:**" on its own line starts a section
                self.section, self.unknown_section = key, ""
            else:
                self._assign(draft, key, value, block)
            return
        bold = re.fullmatch(r"\*\*(.+)\*\*", text)
        if bold and self.titles.get(bold.group(1).rstrip(":").casefold()) in FIELD_SECTIONS:
            self.section = self.titles[bold.group(1).rstrip(":").casefold()]
            self.unknown_section = ""
            return
        self._place(draft, text, block)

    def _place(self, draft: Draft, text: str, block: Block) -> None:
        """A paragraph (or table, or picture) in the current section."""
        if self.section is None and not self.unknown_section:
            draft.opening.append(text)
        elif self.section == "steps" and draft.steps:
            _last_step(draft)["text"] += "\n\n" + text
        elif self.section in ("note", "warning"):
            self._attach(draft, self.section, text, block.where)
        elif self.section in FIELD_SECTIONS and self.section != "steps":
            self._assign(draft, self.section, text, block)
        else:
            where = f"'{self.unknown_section}'" if self.unknown_section else block.where
            draft.review.append(f"{block.where} — {where}: {text}")

    def _on_item(self, draft: Draft, block: Block) -> None:
        text = re.sub(r"^☐\s*", "", block.text)
        if self.section is None and not self.unknown_section and block.numbered:
            self.section = "steps"
        if self.section == "steps":
            self._add_step(draft, text, block.level)
            if _step_id(block.anchor):
                _last_step(draft)["id"] = _step_id(block.anchor)
        elif self.section in FIELD_SECTIONS:
            self._assign(draft, self.section, text, block, item=True)
        else:
            self._place(draft, f"- {text}", block)

    def _on_more(self, draft: Draft, block: Block) -> None:
        if self._on_verify(draft, block):
            return
        if not self._continue_callout(block.text):
            self._place(draft, block.text, block)

    # --- sopgen's own Word files: checks after a step, a decision, steps' ids

    def _on_verify(self, draft: Draft, block: Block) -> bool:
        """"**Periksa:**" under a step, then "☐ …" lines: that step's checks. Its list
        level is in the style ("List Continue 2": a substep's)."""
        if self.verifying is not None and block.text.startswith("☐"):
            self.verifying.setdefault("verify", []).append(block.text.lstrip("☐").strip())
            return True
        if self.section != "steps" or not draft.steps or not _is_label(block.text, "verify"):
            return False
        level = re.search(r"(\d)$", block.style)
        step = draft.steps[-1]
        for _ in range(int(level.group(1)) - 1 if level else 0):
            step = step["substeps"][-1] if step.get("substeps") else step
        self.verifying, self.callout = step, None
        return True

    def _decision(self, draft: Draft, block: Block) -> bool:
        """A two-column table headed "Jika | Maka" ("If | Then") under a step: its
        decision; a last line linking to a step ("go to step 4") is its goto."""
        rows = block.rows
        if self.section != "steps" or not draft.steps or len(rows) < 2 or \
                any(len(row) != 2 for row in rows) or \
                not (_is_label(rows[0][0], "decision_when", colon=False)
                     and _is_label(rows[0][1], "decision_then", colon=False)):
            return False
        step = self.verifying or _last_step(draft)
        for (when, then), (anchor, last) in zip(rows[1:], block.row_links[1:], strict=True):
            row = {"when": when, "then": then}
            goto = _step_id(anchor)
            if goto and last != then and then.endswith(last):  # "… go to TEK-01#restore"
                row["then"], row["goto"] = then[:-len(last)].strip(), goto
            step.setdefault("decision", []).append(row)
        return True

    def _continue_callout(self, text: str) -> bool:
        """A table or paragraph right after a note belongs to the note."""
        if self.callout is None:
            return False
        step, kind = self.callout
        step[kind] = f"{step[kind]}\n\n{text}" if step[kind] else text
        return True

    def _on_note(self, draft: Draft, block: Block) -> None:
        callout = self._callout(block.text)
        self._attach(draft, block.kind, callout[1] if callout else block.text, block.where)

    _on_warning = _on_tip = _on_important = _on_caution = _on_note

    def _attach(self, draft: Draft, kind: str, text: str, where: str) -> None:
        """A note or warning belongs to the step above it."""
        if not draft.steps:
            draft.review.append(f"{where} — {self.words.label(kind)}: {text}")
            return
        step = _last_step(draft)
        step[kind] = f"{step[kind]}\n\n{text}" if step.get(kind) and text \
            else step.get(kind) or text
        self.callout = (step, kind)

    def _on_table(self, draft: Draft, block: Block) -> None:
        rows = block.rows
        labels = [self.titles.get(_bare(row[0]).casefold()) for row in rows if row]
        if len(rows[0]) == 2 and any(key in FIELD_SECTIONS for key in labels):
            for row, key in zip(rows, labels, strict=True):  # the procedure's facts table
                if key in FIELD_SECTIONS and row[1].strip():
                    self._assign(draft, str(key), row[1], block)
                elif row[1].strip():
                    draft.review.append(f"{block.where} — {' | '.join(row)}")
            return
        if self._decision(draft, block):
            return
        if not self._continue_callout(block.text):
            self._place(draft, block.text, block)

    def _on_image(self, draft: Draft, block: Block) -> None:
        name = f"assets/imported/picture-{len(self.images) + 1}.{_extension(block)}"
        self.images.append((name, block))
        picture = f"![{_escape_alt(block.text)}]({name})"
        # Markdown's own paragraph already shows it (the writer points it at the copy)
        if not block.source and not self._continue_callout(picture):
            self._place(draft, picture, block)

    def _on_unknown(self, draft: Draft, block: Block) -> None:
        draft.review.append(f"{block.where} — {self.words.label('review_text_box')}: "
                            f"{block.text}")

    # --- filling fields

    def _assign(self, draft: Draft, key: str, value: str, block: Block,
                item: bool = False) -> None:
        value = value.strip()
        if key in ("responsible", "consulted", "informed", "accountable"):
            ids = [self._role(draft, name, block) for name in _names(value)]
            if key == "accountable":
                draft.fields.setdefault("accountable", ids[0] if ids else "")
            else:
                draft.fields.setdefault(key, [])
                draft.fields[key] += [i for i in ids if i not in draft.fields[key]]
        elif key == "frequency":
            self._frequency(draft, value, block)
        elif key in ("applies_to", "checked_by"):
            self._outside_fact(draft, key, value, block)
        elif key == "related":
            draft.fields.setdefault("related", [])
            draft.fields["related"] += re.findall(r"[A-Z][A-Z0-9]{1,9}-[0-9]{1,4}", value)
        elif key == "references":
            self._reference(draft, value, block)
        elif key == "last_reviewed":
            day = _date(_bare(value))
            if day is None:
                draft.review.append(f"{block.where} — {self.words.label(key)}: {value}")
            else:
                draft.fields["last_reviewed"] = day
        elif key in ("prerequisites", "tools", "checklist", "records"):
            draft.fields.setdefault(key, []).append(re.sub(r"^☐\s*", "", value))
        elif key in ("note", "warning"):
            self._attach(draft, key, value, block.where)
        elif key == "steps":
            self._add_step(draft, value, 0)
        else:  # purpose, scope, out_of_scope, trigger: Markdown text
            before = draft.fields.get(key, "")
            text = f"- {value}" if item else value
            joiner = "\n" if item and before.split("\n")[-1].startswith("- ") else "\n\n"
            draft.fields[key] = f"{before}{joiner}{text}" if before else text

    def _role(self, draft: Draft, name: str, block: Block) -> str:
        ident, new = self.known.role(name)
        if new:
            draft.review.append(f"{block.where} — {self.words.label('review_new_role')}: "
                                f"{ident} ({name})")
        return ident

    def _outside_fact(self, draft: Draft, key: str, value: str, block: Block) -> None:
        """"Checked by" names a role; "Applies to" is everyone, as the export words it."""
        if key == "checked_by":
            draft.fields["checked_by"] = self._role(draft, _bare(value), block)
            return
        everyone = {catalogue(code).label("applies_to_everyone").casefold()
                    for code in languages()}
        if _bare(value).casefold() in everyone:
            draft.fields["applies_to"] = "everyone"
        else:
            draft.review.append(f"{block.where} — {self.words.label(key)}: {value}")

    def _frequency(self, draft: Draft, value: str, block: Block) -> None:
        words = {catalogue(code).choice(key).casefold(): key for code in languages()
                 for key in ("daily", "weekly", "monthly", "quarterly", "yearly", "event")}
        words.update(FREQUENCY_WORDS)
        words.update({key: key for key in ("daily", "weekly", "monthly", "quarterly",
                                           "yearly", "event")})
        name, _, schedule = _bare(value).partition(",")  # "Mingguan, setiap Selasa …"
        key = words.get(name.strip().casefold())
        if key:
            draft.fields["frequency"] = key
        else:
            draft.review.append(f"{block.where} — {self.words.label('frequency')}: {value}")
        if key and schedule.strip():  # a schedule in words: written back as `schedules`
            draft.review.append(f"{block.where} — {self.words.label('review_schedule')}: "
                                f"{_bare(value)}")

    def _reference(self, draft: Draft, value: str, block: Block) -> None:
        link = LINK.match(value)
        if link and re.match(r"^(https?://|mailto:)", link.group(2)):
            draft.fields.setdefault("references", []).append(
                {"title": _unescape(link.group(1)), "url": link.group(2)})
        else:
            draft.review.append(f"{block.where} — {self.words.label('review_reference')}: "
                                f"{value}")

    def _add_step(self, draft: Draft, text: str, level: int) -> None:
        steps = draft.steps
        for _ in range(level):
            if not steps:
                break
            steps = steps[-1].setdefault("substeps", [])
        step: dict[str, Any] = {"text": text}
        role = self._step_role(text)
        if role:
            step["text"], step["role"] = role
        steps.append(step)

    def _step_role(self, text: str) -> tuple[str, str] | None:
        """"… *(oleh Editor)*", as sopgen's own Word files write a step's role."""
        by = "|".join(re.escape(catalogue(code).label("step_by")) for code in languages())
        match = re.search(rf"\s*\*\((?:{by}) ([^()*]+)\)\*$", text)
        if match is None:
            return None
        key = match.group(1).strip().casefold()
        if key not in self.known.roles:
            return None
        return text[:match.start()].rstrip(), self.known.roles[key]

    def _callout(self, text: str) -> tuple[str, str] | None:
        """"**Catatan:** …" / "Note: …" as a note or a warning."""
        names = {catalogue(code).label(key).casefold(): key for code in languages()
                 for key in CALLOUTS}
        match = re.match(r"^(?:\*\*)?([^*:]{2,20}):(?:\*\*)?(?:\s+(.+))?$", text, re.DOTALL)
        if match and match.group(1).strip().casefold() in names:
            return names[match.group(1).strip().casefold()], (match.group(2) or "").strip()
        return None

    # --- a procedure's last touches

    def _finish(self, draft: Draft) -> None:
        words, fill = self.words, self.words.fields["placeholder"]
        if draft.opening:
            if not draft.fields.get("purpose"):
                draft.fields["purpose"] = "\n\n".join(draft.opening)
            else:
                draft.review += [f"{draft.where} — {text}" for text in draft.opening]
        if not draft.title:
            draft.title = f"{fill} {words.fields['title']}"
        if not draft.fields.get("purpose"):
            draft.fields["purpose"] = f"{fill} {words.fields['purpose']}"
        if not draft.fields.get("responsible"):
            if draft.fields.get("accountable"):  # "Penanggung jawab" alone: who does it
                draft.fields["responsible"] = [draft.fields["accountable"]]
            else:
                draft.fields["responsible"] = [self.known.owner or "ROLE-ID"]
                draft.review.append(f"{draft.where} — {words.label('review_no_responsible')}")
        if "frequency" not in draft.fields:
            draft.fields["frequency"] = "event"
            draft.review.append(f"{draft.where} — {words.label('review_no_frequency')}")
        if draft.fields["frequency"] == "event" and not draft.fields.get("trigger"):
            draft.fields["trigger"] = f"{fill} {words.fields['trigger']}"
        if not draft.steps:
            draft.steps = [{"text": f"{fill} {words.fields['steps']}"}]
        draft.pillar = draft.pillar or self.default_pillar


def _is_label(text: str, key: str, *, colon: bool = True) -> bool:
    """``text`` is the label ``key`` in some catalogue ("**Periksa:**", "Verify:")."""
    bare = re.sub(r"^\*\*(.*)\*\*$", r"\1", text.strip()).strip()
    if colon:
        if not bare.endswith(":"):
            return False
        bare = bare[:-1]
    return bare.casefold() in {catalogue(code).label(key).casefold() for code in languages()}


def _step_id(bookmark: str) -> str:
    """The step id a sopgen bookmark names (``tek_01_step_restore`` → ``restore``)."""
    step = step_of_bookmark(bookmark)
    return step[1] if step else ""


def _last_step(draft: Draft) -> dict[str, Any]:
    step = draft.steps[-1]
    while step.get("substeps"):
        step = step["substeps"][-1]
    return step


def _names(value: str) -> list[str]:
    parts = re.split(r",|;|/|\s+dan\s+|\s+and\s+", _bare(value))
    return [part.strip() for part in parts if part.strip()]


def _bare(text: str) -> str:
    """Text without emphasis markers or escapes: a label or a name."""
    return _unescape(re.sub(r"\*\*|(?<!\\)\*|`", "", text)).strip().rstrip(":").strip()


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def _escape_alt(text: str) -> str:
    return re.sub(r"([\\\[\]])", r"\\\1", text)


def _extension(block: Block) -> str:
    return {"jpeg": "jpg"}.get(block.image_type, block.image_type)


def first_at(drafts: list[Draft], where: str) -> Draft:
    """The procedure a skipped part belongs to: the last one starting before it."""
    number = _paragraph_number(where)
    found = drafts[0]
    for draft in drafts:
        if _paragraph_number(draft.where) <= number:
            found = draft
    return found


def _paragraph_number(where: str) -> int:
    match = re.search(r"(\d+)$", where)
    return int(match.group(1)) if match else 0


def _date(text: str) -> dt.date | None:
    """2026-05-31, or "31 Mei 2026" / "31 May 2026" as sopgen prints dates."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    match = re.fullmatch(r"(\d{1,2}) (\w+) (\d{4})", text)
    if match is None:
        return None
    from babel.dates import get_month_names

    for code in languages():
        names = get_month_names("wide", locale=catalogue(code).meta["babel_locale"])
        month = next((n for n, name in names.items()
                      if name.casefold() == match.group(2).casefold()), None)
        if month:
            try:
                return dt.date(int(match.group(3)), month, int(match.group(1)))
            except ValueError:
                return None
    return None
