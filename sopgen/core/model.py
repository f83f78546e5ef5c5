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
from operator import itemgetter
from typing import Any, Literal, get_args, get_origin

Pillar = Literal["management", "technical", "content"]
Status = Literal["draft", "approved", "superseded", "retired"]
Language = str  # a code with a label catalogue: sopgen's (id, en) or the project's
Frequency = Literal["daily", "weekly", "monthly", "quarterly", "yearly", "event"]
ScheduleFrequency = Literal["daily", "weekly", "monthly", "quarterly", "yearly"]
Classification = Literal["public", "internal", "confidential"]
Visibility = Literal["public", "internal", "restricted"]
RoleKind = Literal["staff", "board", "volunteer", "vendor", "system"]
AppliesTo = Literal["named", "everyone"]

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
STEP_ID = re.compile(r"^(?:[a-z][a-z0-9-]{0,39})$")  # as ROLE_ID, but its own (messages)
LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}$")  # names labels/<code>.toml
ASSET_PATH = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_./-]{0,199}$")
MAX_ASSET_BYTES = 10 * 1024 * 1024  # assets are inlined into every output format
ASSET_REF = re.compile(r"^assets/[A-Za-z0-9_][A-Za-z0-9_./-]*$")  # how a text names an asset
# Records, attachments and figures (issue 16): a retention is a period people write,
# "12 bulan" / "90 days", optionally followed by when it starts, or "permanen"/"permanent".
RETENTION = re.compile(
    r"^(?:(?:(?:minimal|paling sedikit|at least) )?"
    r"[1-9][0-9]{0,3} (?:hari|minggu|bulan|tahun|days?|weeks?|months?|years?)"
    r"(?:,? [^\n]{1,200})?|[Pp]ermanen|[Pp]ermanent)$")
ATTACHMENT_MIME = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".csv": "text/csv",
}
ATTACHMENT_TYPES = tuple(ATTACHMENT_MIME)
FIGURE_WIDTH = re.compile(r"^(?:[1-9][0-9]?%|100%|[1-9][0-9]{0,3}px)$")
# Roles held by outside parties: no acknowledgement page, and their work is checked by
# a role of the organisation's own (staff, board or volunteer).
OUTSIDE_KINDS: tuple[RoleKind, ...] = ("vendor", "system")
EMAIL = re.compile(r"^[A-Za-z0-9._+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})+$")
PHONE = re.compile(r"^\+?[0-9][0-9 ]{3,23}[0-9]$")
RACI_KINDS = ("r", "a", "c", "i")  # label keys raci_r … raci_i, in the order a cell lists them

# ---- schedules: when a recurring procedure is due
Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
Month = Literal["january", "february", "march", "april", "may", "june", "july", "august",
                "september", "october", "november", "december"]
WeekOfMonth = Literal["first", "second", "third", "fourth", "last"]
WEEKDAYS: tuple[Weekday, ...] = get_args(Weekday)
MONTHS: tuple[Month, ...] = get_args(Month)
WORKING_DAYS: tuple[Weekday, ...] = WEEKDAYS[:5]  # Monday to Friday
# 1–28 or "last": the 29th–31st are missing from some months, and a rule that skips
# those months silently would not be the schedule the text means.
DAY_OF_MONTH = re.compile(r"^(?:[1-9]|1[0-9]|2[0-8]|last)$")
TIME_OF_DAY = re.compile(r"^(?:[01][0-9]|2[0-3]):[0-5][0-9]$")
REMINDER = re.compile(r"^(?:none|(?:0|[1-9][0-9]{0,2})[mhd])$")
TIMEZONE = re.compile(r"^[A-Za-z][A-Za-z0-9_+-]*(?:/[A-Za-z0-9_+-]+){0,2}$")


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
    timezone: str = spec(
        "Time zone of the times in schedules, as an IANA name such as Asia/Jakarta or "
        "Europe/Amsterdam. Without one, a time is local time wherever the calendar is "
        "opened.", "", pattern=TIMEZONE, example="Asia/Jakarta")


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
class Contact:
    """One way to reach a role: an e-mail address, a phone number or a web address."""

    label: str = spec("What this contact is for, e.g. Dukungan 24 jam or Tiket.", "")
    email: str = spec("E-mail address, e.g. support@example.org.", "", pattern=EMAIL,
                      example="support@example.org")
    phone: str = spec("Phone number: digits and spaces, with a leading + for the country "
                      "code. Printed as written, linked as tel: with the digits only.", "",
                      pattern=PHONE, example="+62 21 5550 100")
    url: str = spec("Web address of a portal or form: https://... or mailto:...", "")


@dataclass(frozen=True)
class Role:
    """A role people hold; procedures name roles, never people."""

    id: str = spec("Short id used to refer to the role, lowercase with dashes.",
                   pattern=ROLE_ID, example="editor")
    title: str = spec("Name of the role as people know it.")
    description: str = spec("What this role is.", "", markdown=True)
    responsibilities: list[str] = spec("What this role is responsible for.", [], markdown=True)
    kind: RoleKind = spec(
        "Who holds the role: staff, board, volunteer, vendor (an outside company or service "
        "provider) or system (automated work, e.g. a nightly backup). A vendor or system "
        "gets no acknowledgement page, and its work is checked by a role of the "
        "organisation (see checked_by).", "staff")
    organisation: str = spec("For a vendor: the company or body that holds the role.", "")
    contacts: list[Contact] = spec(
        "How to reach the role, most urgent first; listed in the contacts table of the "
        "roles chapter.", [])
    response_time: str = spec("How soon the role answers, e.g. 4 jam kerja.", "")


# --- step callouts, checks and decisions (anchors and references to steps)
# Kinds of callout a step may carry, in the order printed when the YAML does not say.
CALLOUT_KINDS: tuple[str, ...] = ("note", "tip", "important", "warning", "caution")
# A reference to a step from any text: a procedure id, "#", the step's id (TEK-01#restore).
STEP_REF_SUFFIX = r"(?:#[a-z][a-z0-9-]{0,39})?"


@dataclass(frozen=True)
class Decision:
    """One row of a decision step: a condition, what to do then, and perhaps where to go."""

    when: str = spec("The condition, e.g. the site does not load.", markdown=True)
    then: str = spec("What to do when it holds.", markdown=True)
    goto: str = spec("The id of the step to go to next, in this procedure.", "",
                     pattern=STEP_ID, example="restore")


@dataclass(frozen=True)
class Figure:
    """A picture shown with a step: a file in content/assets/, with its alt text and caption."""

    file: str = spec("The image inside content/assets/ (PNG, JPEG or SVG).", pattern=ASSET_PATH,
                     example="assets/backup-settings.png")
    alt: str = spec("What the picture shows, for readers who cannot see it (alt text).")
    caption: str = spec("A caption printed under the picture.", "")
    width: str = spec("How wide it is shown: a share of the text width (60%) or pixels "
                      "(400px); never wider than the page or the screen.", "",
                      pattern=FIGURE_WIDTH, example="60%")


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
    tip: str = spec("A tip: an easier or better way, shown under the step.", "",
                    markdown=True)
    important: str = spec("Something not to miss, shown under the step.", "", markdown=True)
    caution: str = spec("A risk of losing work or data, shown prominently under the step.",
                        "", markdown=True)
    verify: list[str] = spec("Checks that the step worked, done after it and its substeps "
                             "(e.g. the site loads); ticked on the checklist sheets.", [],
                             markdown=True)
    decision: list[Decision] = spec("A decision: rows of when (a condition), then (what to "
                                    "do) and optionally goto (the id of the step to go to).",
                                    [])
    figures: list[Figure] = spec("Pictures shown under the step, each with alt text and an "
                                 "optional caption and width.", [])
    # Computed when read: the callout kinds in the order the YAML wrote them.
    callout_order: tuple[str, ...] = dataclasses.field(
        default=(), compare=False, metadata={"computed": True})

    def callouts(self) -> list[tuple[str, str]]:
        """(kind, text) of each callout, in the order written (else ``CALLOUT_KINDS``)."""
        order = [*self.callout_order, *(k for k in CALLOUT_KINDS if k not in self.callout_order)]
        return [(kind, getattr(self, kind)) for kind in order if getattr(self, kind)]


@dataclass(frozen=True)
class Reference:
    """An authoritative source, with its web address."""

    title: str = spec("Title of the source.")
    url: str = spec("Address of the source: https://... or mailto:...")


@dataclass(frozen=True)
class Schedule:
    """When a recurring procedure is due: its frequency narrowed to days and a time."""

    frequency: ScheduleFrequency | None = spec(
        "daily, weekly, monthly, quarterly or yearly; defaults to the procedure's. May be "
        "less frequent than the procedure's (a weekly full backup of a daily procedure).",
        None)
    weekdays: list[Weekday] = spec(
        "The days of the week it is due: monday … sunday. Weekly: which day(s); daily: "
        "only these days.", [])
    day_of_month: str = spec(
        "Monthly, quarterly or yearly: the day of the month, 1 to 28, or last; with "
        "working_days, the working day of the month (2: the second working day).", "",
        pattern=DAY_OF_MONTH, example="7")
    week: WeekOfMonth | None = spec(
        "Monthly, quarterly or yearly: the week of the month it is due in — first (days "
        "1–7), second (8–14), third (15–21), fourth (22–28) or last (its last 7 days); "
        "with weekdays, that day of the week in it (first + monday: the first Monday).",
        None)
    months: list[Month] = spec(
        "Quarterly or yearly: the month(s) it is due, january … december; a quarterly "
        "schedule names one month of each quarter (january: also april, july, october) "
        "or all four.", [])
    time: str = spec("Time of day it is due, HH:MM (24-hour clock); without it, all day.",
                     "", pattern=TIME_OF_DAY, example="09:00")
    working_days: bool = spec(
        "true: only on working days, Monday to Friday: a daily schedule skips weekends; "
        "with day_of_month, it counts working days (1: the first working day).", False)
    timezone: str = spec("Time zone of the time; defaults to the document's.", "",
                         pattern=TIMEZONE, example="Asia/Jakarta")
    reminder: str = spec(
        "How long before it a calendar reminds: a number and m, h or d (30m, 2h, 1d), or "
        "none. Defaults to 30m before a time, and 09:00 the day before an all-day "
        "schedule.", "", pattern=REMINDER, example="30m")


@dataclass(frozen=True)
class Record:
    """A record kept as evidence. A plain string is a record with only its name."""

    name: str = spec("What is kept, e.g. Log Pemeliharaan Website.", markdown=True)
    retention: str = spec("How long it is kept: a number and a unit (hari, minggu, bulan, "
                          "tahun or days, weeks, months, years), optionally after minimal / "
                          "at least and followed by when the period starts, or "
                          "permanen/permanent.", "", pattern=RETENTION,
                          example="12 bulan")
    location: str = spec("Where it is kept, e.g. a folder.", "", markdown=True)
    format: str = spec("In what form it is kept, e.g. PDF or spreadsheet.", "")
    owner: str = spec("Role id of who keeps it.", "", pattern=ROLE_ID)


@dataclass(frozen=True)
class Attachment:
    """A file handed out with a procedure, e.g. a form to fill in."""

    title: str = spec("What the file is, as readers see it.")
    file: str = spec("The file inside content/assets/ (PDF, DOCX, XLSX, ODT or CSV).",
                     pattern=ASSET_PATH, example="assets/restore-request.pdf")


@dataclass(frozen=True)
class Adoption:
    """Where an adopted procedure comes from: the workspace's shared library, pinned."""

    library: str = spec("Document id of the library the procedure was adopted from.",
                        pattern=DOCUMENT_ID, example="SOP-LIBRARY")
    id: str = spec("The procedure's id in the library.", pattern=PROCEDURE_ID,
                   example="TEK-05")
    version: str = spec("The library version adopted (the pin).", pattern=VERSION,
                        example="1.2.0")


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
    records: list[Record] = spec("Records to keep as evidence: a text, or a name with its "
                                 "retention, location, format and owner.", [])
    attachments: list[Attachment] = spec("Files handed out with the procedure (forms, "
                                         "templates), each with a title.", [])
    references: list[Reference] = spec("Authoritative sources.", [])
    related: list[str] = spec("Ids of related procedures.", [])
    last_reviewed: dt.date | None = spec("When this procedure was last reviewed.", None)
    visibility: Visibility | None = spec(
        "Who may read this procedure: public (anyone, e.g. the website), internal (staff, "
        "e.g. an intranet) or restricted (named roles only). Defaults to the document's "
        "classification (confidential is restricted). An edition holds only what its "
        "audience may read.", None)
    schedules: list[Schedule] = spec(
        "When a recurring procedure is due: one or more schedules (days, months, time). "
        "Without any, it is due every period of its frequency, from the effective date. "
        "An event procedure has none.", [])
    applies_to: AppliesTo = spec(
        "named (the roles it names, the default) or everyone: a procedure every member "
        "of the organisation must know, such as escalation or emergency contacts. It is "
        "then in every role's edition and acknowledgement.", "named")
    checked_by: str = spec(
        "For work a vendor or system does: the role of the organisation that checks it; "
        "defaults to the accountable role. The log sheet and the calendar go to this "
        "role, at the procedure's frequency, which is then how often it checks.", "",
        pattern=ROLE_ID)
    adopted: Adoption | None = spec(
        "Written by sopgen for a procedure adopted from the workspace's shared library "
        "(an adopt entry): the library, the procedure's id there and the version adopted. "
        "Kept in release snapshots; not written by hand.", None)


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
        marks |= {own, *(step.visibility or own for _, step in flat_steps(procedure))}
    return max(marks, key=VISIBILITIES.index)


def flatten(steps: list[Step], prefix: str = "") -> list[tuple[str, Step]]:
    """Steps with their printed numbers: 1, 2, 2.1, 2.2, 3 …"""
    result = []
    for index, step in enumerate(steps, start=1):
        number = f"{prefix}{index}"
        result.append((number, step))
        if step.substeps:  # most have none: no call for them
            result += flatten(step.substeps, f"{number}.")
    return result


_FLAT_MEMO = "_flat_steps_memo"


def flat_steps(procedure: Procedure) -> tuple[tuple[str, Step], ...]:
    """``flatten(procedure.steps)``, walked once a procedure: checks and outputs ask for it
    many times a build, and a procedure's steps do not change once it is read."""
    memo: tuple[tuple[str, Step], ...] | None = procedure.__dict__.get(_FLAT_MEMO)
    if memo is None:
        memo = tuple(flatten(procedure.steps))
        object.__setattr__(procedure, _FLAT_MEMO, memo)
    return memo


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus whole months, kept inside the target month (31 Jan + 1 → 28/29 Feb)."""
    import calendar

    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def review_due(doc: Document) -> dt.date:
    """The stated next review, or the effective date plus the review cycle."""
    return doc.next_review or add_months(doc.effective_date, doc.review_cycle_months)


def step_anchor(procedure_id: str, step_id: str) -> str:
    """The HTML id of a step with an id: ``tek-01-step-restore``."""
    return f"{anchor('procedure', procedure_id)}-step-{step_id}"


def step_numbers(procedure: Procedure) -> dict[str, str]:
    """Each step id of ``procedure`` → its printed number now ("3", "2.1")."""
    return {step.id: number for number, step in flat_steps(procedure) if step.id}


@cache  # the same few thousand ids asked for by every template and check, every build
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


def outside(role: Role) -> bool:
    """Whether ``role`` is held outside the organisation: a vendor or a system."""
    return role.kind in OUTSIDE_KINDS


def done_outside(procedure: Procedure, handbook: Handbook) -> bool:
    """Whether every role responsible for ``procedure`` is a vendor or a system."""
    kinds = {r.id: outside(r) for r in handbook.roles}
    return all(kinds.get(role_id, False) for role_id in procedure.responsible)


def checker(procedure: Procedure, handbook: Handbook) -> str:
    """The role that checks work done outside: ``checked_by``, else the accountable role;
    "" for work the organisation does itself."""
    if not done_outside(procedure, handbook):
        return ""
    return procedure.checked_by or procedure.accountable


def for_everyone(procedure: Procedure) -> bool:
    return procedure.applies_to == "everyone"


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
    return re.compile(r"\b(?:" + "|".join(map(re.escape, prefixes)) + r")-[0-9]{1,4}"
                      + STEP_REF_SUFFIX + r"\b")


def markdown_texts(obj: object) -> Iterator[str]:
    """Every Markdown text value in the handbook, for checks that read prose."""
    texts: tuple[str, ...] | None = getattr(obj, _TEXTS_MEMO, None)
    if texts is None:
        texts = tuple(map(itemgetter(1), _markdown_of(obj)))  # each (field, text)
        if isinstance(obj, Procedure | Handbook):
            object.__setattr__(obj, _TEXTS_MEMO, texts)
    return iter(texts)


def markdown_fields(obj: object) -> Iterator[tuple[str, str]]:
    """Every Markdown text value in the handbook, with the name of its field."""
    return iter(_markdown_of(obj))


# The walk above runs many times a build (validation, reviewer warnings, every output) over
# the same frozen objects: a procedure's and the handbook's result is kept on the object.
_MEMO = "_markdown_fields_memo"
_TEXTS_MEMO = "_markdown_texts_memo"


def _markdown_of(obj: object) -> tuple[tuple[str, str], ...]:
    memo: tuple[tuple[str, str], ...] | None = getattr(obj, _MEMO, None)
    if memo is not None:
        return memo
    found: list[tuple[str, str]] = []
    _collect_markdown(obj, found)
    kept = tuple(found)
    if isinstance(obj, Procedure | Handbook):
        object.__setattr__(obj, _MEMO, kept)
    return kept


def _collect_markdown(obj: object, found: list[tuple[str, str]]) -> None:
    plan = _PROSE_FIELDS.get(obj.__class__)
    for name, markdown in plan if plan is not None else _prose_fields(obj.__class__):
        value = getattr(obj, name)
        for item in value if isinstance(value, list) else (value,):
            if isinstance(item, str):
                if markdown and item:
                    found.append((name, item))
            elif item is not None:
                if isinstance(item, Procedure):
                    found += _markdown_of(item)
                else:
                    _collect_markdown(item, found)


_PROSE_FIELDS: dict[type, tuple[tuple[str, bool], ...]] = {}


def _prose_fields(cls: type) -> tuple[tuple[str, bool], ...]:
    """The fields of ``cls`` that hold Markdown or other model objects (walked once)."""
    if cls in _PROSE_FIELDS:
        return _PROSE_FIELDS[cls]
    plan = []
    for f in model_fields(cls):
        inner = hints(cls)[f.name]
        nested = any(dataclasses.is_dataclass(arg) for arg in (inner, *get_args(inner)))
        if f.metadata.get("markdown") or nested:
            plan.append((f.name, bool(f.metadata.get("markdown"))))
    _PROSE_FIELDS[cls] = tuple(plan)
    return _PROSE_FIELDS[cls]


# --- a procedure made by the reading cache, its Markdown found while it was made

def prose_plan(cls: type) -> dict[str, bool]:
    """The fields of ``cls`` that ``markdown_fields`` walks: name → holds Markdown itself
    (else: holds model objects)."""
    return dict(_prose_fields(cls))


def remember_markdown(procedure: Procedure, fields: tuple[tuple[str, str], ...]) -> None:
    """Keep ``fields`` as what ``markdown_fields(procedure)`` gives: found by whoever made
    the procedure, in the walk's order, so the walk is not repeated."""
    object.__setattr__(procedure, _MEMO, fields)


def model_fields(cls: type) -> list[dataclasses.Field[Any]]:
    """The fields a YAML file may set: not those computed when it is read."""
    return [f for f in dataclasses.fields(cls) if not f.metadata.get("computed")]


@cache
def hints(cls: type) -> dict[str, Any]:
    """The resolved type hints of a model class."""
    return typing.get_type_hints(cls, globals())


FieldKind = Literal["list", "choice", "record", "date", "integer", "boolean", "text"]


def field_kind(tp: Any) -> tuple[FieldKind, Any]:
    """What a field's type asks of its YAML value, with what it needs to know more:
    ``("list", item type)``, ``("choice", allowed values)``, ``("record", dataclass)``,
    ``("date", None)``, ``("integer", None)``, ``("boolean", None)`` or ``("text", None)``.
    Optional types are read as their inner type. The one dispatcher the validator and the
    schema share."""
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
    if tp is bool:
        return "boolean", None
    return "text", None
