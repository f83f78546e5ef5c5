"""The SOP model: what a handbook is made of, typed, with a sentence for every field.

The YAML keys are exactly the field names below. The docs in ``metadata`` feed the
JSON Schema (``sopgen schema``), the comments in new files and the reference in the
README, so there is one description of each field. Fields marked ``markdown`` accept
CommonMark (with tables); all others are plain text and are escaped everywhere.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import types
import typing
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal, get_args, get_origin

Pillar = Literal["management", "technical", "content"]
Status = Literal["draft", "approved", "superseded", "retired"]
Language = str  # a code with a label catalogue: sopgen's (id, en) or the project's
Frequency = Literal["daily", "weekly", "monthly", "quarterly", "yearly", "event"]
Classification = Literal["public", "internal", "confidential"]
Visibility = Literal["public", "internal", "restricted"]

PILLARS: tuple[Pillar, ...] = ("management", "technical", "content")
RECURRING: tuple[Frequency, ...] = ("daily", "weekly", "monthly", "quarterly", "yearly")
VISIBILITIES: tuple[Visibility, ...] = ("public", "internal", "restricted")  # widening audience
# A document's classification is the default visibility of everything in it.
CLASSIFIED_AS: dict[str, Visibility] = {"public": "public", "internal": "internal",
                                        "confidential": "restricted"}

# Patterns for values that become file names, URLs or HTML ids: strict on purpose.
PROCEDURE_ID = re.compile(r"^[A-Z][A-Z0-9]{1,9}-[0-9]{1,4}$")
ROLE_ID = re.compile(r"^[a-z][a-z0-9-]{0,39}$")
DOCUMENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
VERSION = re.compile(r"^(0|[1-9][0-9]{0,5})\.(0|[1-9][0-9]{0,5})\.(0|[1-9][0-9]{0,5})$")
STEP_ID = re.compile(r"^[a-z][a-z0-9-]{0,39}$")
LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}$")  # names labels/<code>.toml
ASSET_PATH = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_./-]{0,199}$")
MAX_ASSET_BYTES = 10 * 1024 * 1024  # assets are inlined into every output format
ASSET_REF = re.compile(r"^assets/[A-Za-z0-9_][A-Za-z0-9_./-]*$")  # how a text names an asset
RACI_KINDS = ("r", "a", "c", "i")  # label keys raci_r … raci_i, in the order a cell lists them


def spec(doc: str, default: Any = dataclasses.MISSING, *, markdown: bool = False,
         pattern: re.Pattern[str] | None = None, example: str = "") -> Any:
    """A dataclass field with its user-facing description and rules."""
    meta = {"doc": doc, "markdown": markdown, "pattern": pattern, "example": example}
    if isinstance(default, list):
        return dataclasses.field(default_factory=list, metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


@dataclass(frozen=True)
class Organisation:
    """The organisation that owns the SOP."""

    name: str = spec("Full legal name, as on the cover.", example="Perkumpulan Suara Kita")
    short_name: str = spec("Short name used in running headers.", "", example="Suara Kita")
    logo: str = spec("Logo file inside content/assets/ (PNG, JPEG or SVG).", "",
                     pattern=ASSET_PATH, example="assets/logo.svg")
    address: str = spec("Postal address for the cover page.", "")
    website: str = spec("The organisation's web address (https://...).", "")


@dataclass(frozen=True)
class Approval:
    """A signature on this version: who approved it, in what role, when."""

    name: str = spec("Name of the person who approved.")
    role: str = spec("Their position, e.g. Ketua Badan Pengurus.")
    date: dt.date = spec("Date of approval, YYYY-MM-DD: on or after the revision-history "
                         "entry of the version it approves.")
    version: str = spec("The version this approval is for, e.g. 2.1.0. Quote it. A release "
                        "needs an approval of its own version.", "", pattern=VERSION,
                        example="2.0.0")


@dataclass(frozen=True)
class Document:
    """Document control: what ISO 9001 §7.5 expects of a controlled document."""

    id: str = spec("Document identifier; also used in file names.", pattern=DOCUMENT_ID,
                   example="SOP-SK-WEB")
    title: str = spec("Full title of the handbook.")
    organisation: Organisation = spec("The organisation that owns this SOP.")
    version: str = spec("Semantic version MAJOR.MINOR.PATCH, e.g. 2.0.0. Quote it.",
                        pattern=VERSION, example="2.0.0")
    status: Status = spec("draft, approved, superseded or retired.")
    language: Language = spec("Language of the text and labels: id or en, or the code of "
                              "a catalogue the project brings in labels/CODE.toml (for "
                              "example jv).", pattern=LANGUAGE_CODE, example="id")
    effective_date: dt.date = spec("Date from which this version is in force, YYYY-MM-DD.")
    owner: str = spec("Role id of the owner of this document (see roles).", pattern=ROLE_ID)
    review_cycle_months: int = spec("Months between reviews of the whole SOP.", 12)
    short_title: str = spec("Short title for running headers; defaults to the title.", "")
    next_review: dt.date | None = spec(
        "Date of the next review; defaults to effective date plus the review cycle.", None)
    authors: list[str] = spec("Names of the authors.", [])
    reviewers: list[str] = spec("Names of the reviewers.", [])
    approvals: list[Approval] = spec("Approvals of this version.", [])
    distribution: list[str] = spec("Who receives a controlled copy.", [])
    classification: Classification = spec("public, internal or confidential.", "internal")
    summary: str = spec("A short introduction printed before the contents.", "", markdown=True)


@dataclass(frozen=True)
class PillarText:
    """Title and introduction of one of the three pillars."""

    title: str = spec("Heading of the pillar, e.g. Pengelolaan Teknis.")
    introduction: str = spec("What this pillar covers and why.", "", markdown=True)


@dataclass(frozen=True)
class Pillars:
    """The three pillars, always in this order."""

    management: PillarText = spec("Management: who decides what.")
    technical: PillarText = spec("Technical: how the system is run and kept safe.")
    content: PillarText = spec("Content: how content is written, approved and published.")


@dataclass(frozen=True)
class Role:
    """A role people hold; procedures name roles, never people."""

    id: str = spec("Short id used to refer to the role, lowercase with dashes.",
                   pattern=ROLE_ID, example="editor")
    title: str = spec("Name of the role as people know it.")
    description: str = spec("What this role is.", "", markdown=True)
    responsibilities: list[str] = spec("What this role is responsible for.", [], markdown=True)


@dataclass(frozen=True)
class Step:
    """One step of a procedure. A plain string is a step with only text."""

    text: str = spec("What to do, starting with a verb.", markdown=True)
    role: str = spec("Role id of who does this step, when not the responsible role.", "",
                     pattern=ROLE_ID)
    note: str = spec("A helpful note shown under the step.", "", markdown=True)
    warning: str = spec("A warning shown prominently under the step.", "", markdown=True)
    substeps: list[Step] = spec("Smaller steps that make up this one.", [])
    visibility: Visibility | None = spec(
        "Who may read this step: public, internal or restricted; defaults to its "
        "procedure's. A public edition leaves out a step that is not public.", None)
    id: str = spec("A short name for the step, lowercase with dashes, so that other steps, "
                   "procedures and adopting partners can refer to it when steps are "
                   "renumbered.", "", pattern=STEP_ID, example="restore")


@dataclass(frozen=True)
class Reference:
    """An authoritative source, with its web address."""

    title: str = spec("Title of the source.")
    url: str = spec("Address of the source: https://... or mailto:...")


@dataclass(frozen=True)
class Procedure:
    """One standard operating procedure."""

    id: str = spec("Procedure id: a prefix, a dash and a number, e.g. TEK-05.",
                   pattern=PROCEDURE_ID, example="TEK-05")
    title: str = spec("Title of the procedure.")
    pillar: Pillar = spec("management, technical or content.")
    purpose: str = spec("Why this procedure exists.", markdown=True)
    responsible: list[str] = spec("Role id(s) who do the work (R in RACI).")
    frequency: Frequency = spec("daily, weekly, monthly, quarterly, yearly or event.")
    steps: list[Step] = spec("The steps, in order.")
    scope: str = spec("What the procedure covers.", "", markdown=True)
    out_of_scope: str = spec("What it deliberately does not cover.", "", markdown=True)
    accountable: str = spec("Role id answerable for the result (A in RACI).", "",
                            pattern=ROLE_ID)
    consulted: list[str] = spec("Role ids consulted before or during (C in RACI).", [])
    informed: list[str] = spec("Role ids told of the result (I in RACI).", [])
    trigger: str = spec("For frequency 'event': the event that starts the procedure.", "",
                        markdown=True)
    prerequisites: list[str] = spec("What must be true or ready before starting.", [],
                                    markdown=True)
    tools: list[str] = spec("Tools, accounts and access needed.", [], markdown=True)
    checklist: list[str] = spec("Checks to confirm the procedure was done right.", [],
                                markdown=True)
    records: list[str] = spec("Records to keep as evidence.", [], markdown=True)
    references: list[Reference] = spec("Authoritative sources.", [])
    related: list[str] = spec("Ids of related procedures.", [])
    last_reviewed: dt.date | None = spec("When this procedure was last reviewed.", None)
    visibility: Visibility | None = spec(
        "Who may read this procedure: public (anyone, e.g. the website), internal (staff, "
        "e.g. an intranet) or restricted (named roles only). Defaults to the document's "
        "classification (confidential is restricted). An edition holds only what its "
        "audience may read.", None)


@dataclass(frozen=True)
class Term:
    """A glossary entry."""

    term: str = spec("The word or phrase.")
    definition: str = spec("What it means, in plain words.", markdown=True)


@dataclass(frozen=True)
class Revision:
    """One line of the revision history."""

    version: str = spec("The version this entry describes.", pattern=VERSION)
    date: dt.date = spec("Date of the version, YYYY-MM-DD.")
    author: str = spec("Who made the changes.")
    summary: str = spec("What changed and why.", markdown=True)


@dataclass(frozen=True)
class Handbook:
    """A whole SOP: the merge of every YAML file in content/."""

    document: Document = spec("Document control data.")
    pillars: Pillars = spec("Titles and introductions of the three pillars.")
    roles: list[Role] = spec("The roles named by procedures.")
    procedures: list[Procedure] = spec("The procedures.")
    glossary: list[Term] = spec("Terms a reader may not know.", [])
    revisions: list[Revision] = spec("Revision history, oldest first.", [])

    def procedures_in(self, pillar: str) -> list[Procedure]:
        return [p for p in self.procedures if p.pillar == pillar]

    def role(self, role_id: str) -> Role:
        return next(r for r in self.roles if r.id == role_id)

    def procedure(self, procedure_id: str) -> Procedure:
        return next(p for p in self.procedures if p.id == procedure_id)


def default_visibility(doc: Document) -> Visibility:
    return CLASSIFIED_AS[doc.classification]


def visibility_of(procedure: Procedure, doc: Document) -> Visibility:
    """Who may read ``procedure``: its own mark, or the document's classification."""
    return procedure.visibility or default_visibility(doc)


def readable(visibility: Visibility, edition: Visibility) -> bool:
    """Whether an edition for ``edition``'s audience may hold what is marked ``visibility``."""
    return VISIBILITIES.index(visibility) <= VISIBILITIES.index(edition)


def edition_of(handbook: Handbook) -> Visibility:
    """The narrowest audience that may read all of ``handbook``: its edition."""
    doc = handbook.document
    marks = {default_visibility(doc)}
    for procedure in handbook.procedures:
        own = visibility_of(procedure, doc)
        marks |= {own, *(step.visibility or own for _, step in flatten(procedure.steps))}
    return max(marks, key=VISIBILITIES.index)


def flatten(steps: list[Step], prefix: str = "") -> list[tuple[str, Step]]:
    """Steps with their printed numbers: 1, 2, 2.1, 2.2, 3 …"""
    result = []
    for index, step in enumerate(steps, start=1):
        number = f"{prefix}{index}"
        result.append((number, step))
        result += flatten(step.substeps, f"{number}.")
    return result


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus whole months, kept inside the target month (31 Jan + 1 → 28/29 Feb)."""
    import calendar

    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def review_due(doc: Document) -> dt.date:
    """The stated next review, or the effective date plus the review cycle."""
    return doc.next_review or add_months(doc.effective_date, doc.review_cycle_months)


def anchor(kind: str, ident: str) -> str:
    """The HTML id of a procedure, role, term or pillar; ids are validated ASCII."""
    slug = re.sub(r"[^a-z0-9]+", "-", ident.lower()).strip("-")
    return slug if kind == "procedure" else f"{kind}-{slug}"


def term_anchors(glossary: list[Term]) -> list[str]:
    """An HTML id per glossary entry, made from its term, so that a link to a term keeps
    working when other terms are added or reordered. Accents are dropped
    ("Kebijakan privasi" → ``term-kebijakan-privasi``); a term with no Latin letters or
    digits gets its position, and an id already taken a number."""
    taken: set[str] = set()
    ids = []
    for position, entry in enumerate(glossary, start=1):
        folded = unicodedata.normalize("NFKD", entry.term).encode("ascii", "ignore").decode()
        base = anchor("term", folded)
        ident = base if base != "term-" else f"term-{position}"
        suffix = 2
        while ident in taken:
            ident, suffix = f"{base}-{suffix}", suffix + 1
        taken.add(ident)
        ids.append(ident)
    return ids


def in_pillar_order(handbook: Handbook) -> list[Procedure]:
    """Procedures in the order the handbook prints them: pillar by pillar."""
    return [p for pillar in PILLARS for p in handbook.procedures_in(pillar)]


def recurring(handbook: Handbook) -> list[Procedure]:
    """The procedures done on a schedule, in print order."""
    return [p for p in in_pillar_order(handbook) if p.frequency in RECURRING]


def raci_kinds(procedure: Procedure, role_id: str) -> list[str]:
    """The parts ``role_id`` plays in ``procedure``, as keys of ``RACI_KINDS``."""
    found = {
        "r": role_id in procedure.responsible,
        "a": procedure.accountable == role_id,
        "c": role_id in procedure.consulted,
        "i": role_id in procedure.informed,
    }
    return [kind for kind in RACI_KINDS if found[kind]]


def page_name(procedure_id: str) -> str:
    """The file name of a procedure's own page on the site."""
    return f"{anchor('procedure', procedure_id)}.html"


def mention_pattern(procedure_ids: set[str]) -> re.Pattern[str] | None:
    """Matches ids that look like procedure ids with a prefix this handbook uses."""
    prefixes = sorted({ident.split("-")[0] for ident in procedure_ids})
    if not prefixes:
        return None
    return re.compile(r"\b(?:" + "|".join(map(re.escape, prefixes)) + r")-[0-9]{1,4}\b")


def markdown_texts(obj: object) -> Iterator[str]:
    """Every Markdown text value in the handbook, for checks that read prose."""
    return (text for _, text in markdown_fields(obj))


def markdown_fields(obj: object) -> Iterator[tuple[str, str]]:
    """Every Markdown text value in the handbook, with the name of its field."""
    for name, markdown in _prose_fields(obj.__class__):
        value = getattr(obj, name)
        for item in value if isinstance(value, list) else (value,):
            if isinstance(item, str):
                if markdown and item:
                    yield name, item
            elif item is not None:
                yield from markdown_fields(item)


_PROSE_FIELDS: dict[type, tuple[tuple[str, bool], ...]] = {}


def _prose_fields(cls: type) -> tuple[tuple[str, bool], ...]:
    """The fields of ``cls`` that hold Markdown or other model objects (walked once)."""
    if cls in _PROSE_FIELDS:
        return _PROSE_FIELDS[cls]
    plan = []
    for f in dataclasses.fields(cls):
        inner = hints(cls)[f.name]
        nested = any(dataclasses.is_dataclass(arg) for arg in (inner, *get_args(inner)))
        if f.metadata.get("markdown") or nested:
            plan.append((f.name, bool(f.metadata.get("markdown"))))
    _PROSE_FIELDS[cls] = tuple(plan)
    return _PROSE_FIELDS[cls]


@cache
def hints(cls: type) -> dict[str, Any]:
    """The resolved type hints of a model class."""
    return typing.get_type_hints(cls, globals())


FieldKind = Literal["list", "choice", "record", "date", "integer", "text"]


def field_kind(tp: Any) -> tuple[FieldKind, Any]:
    """What a field's type asks of its YAML value, with what it needs to know more:
    ``("list", item type)``, ``("choice", allowed values)``, ``("record", dataclass)``,
    ``("date", None)``, ``("integer", None)`` or ``("text", None)``. Optional types are
    read as their inner type. The one dispatcher the validator and the schema share."""
    origin = get_origin(tp)
    if origin in (types.UnionType, typing.Union):
        return field_kind(next(arg for arg in get_args(tp) if arg is not type(None)))
    if origin is list:
        return "list", get_args(tp)[0]
    if origin is Literal:
        return "choice", get_args(tp)
    if dataclasses.is_dataclass(tp):
        return "record", tp
    if tp is dt.date:
        return "date", None
    if tp is int:
        return "integer", None
    return "text", None
