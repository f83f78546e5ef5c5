"""The maintenance calendar: an iCalendar file (RFC 5545) of what is due, and when.

Each recurring procedure becomes one all-day event repeating at its frequency from the
document's effective date; the SOP's next review (and any procedure review that falls
due before it) becomes a one-off event. The file is written by hand — it needs a dozen
properties, and the format is small enough that a dependency would not pay for itself —
and deterministically: DTSTAMP comes from the effective date, UIDs from the ids, so the
same content always gives the same bytes and re-importing a new version updates the
events instead of duplicating them. (Named ``ical`` so it never shadows the standard
library's ``calendar`` module.)
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sopgen.core import model
from sopgen.core.catalogue import Catalogue
from sopgen.core.model import Document, Handbook, Procedure, add_months, review_due

PRODID = "-//sopgen//SOP maintenance calendar//EN"
RRULES = {
    "daily": "FREQ=DAILY",
    "weekly": "FREQ=WEEKLY",
    "monthly": "FREQ=MONTHLY",
    "quarterly": "FREQ=MONTHLY;INTERVAL=3",
    "yearly": "FREQ=YEARLY",
}
SITE_URL = re.compile(r"^https?://[^\s\"'<>\\^`{|}]+$", re.IGNORECASE)
LINE_OCTETS = 75  # RFC 5545 §3.1: fold content lines longer than this
DESCRIPTION_PURPOSE = 280  # characters of the purpose a calendar pop-up can show
# A procedure review falling due this close to the SOP's own review is done as part of it.
COVERED_BY_SOP_REVIEW = dt.timedelta(days=31)


@dataclass(frozen=True)
class Event:
    """One VEVENT; ``rrule`` empty for a one-off date."""

    uid: str
    start: dt.date
    summary: str
    description: str
    rrule: str = ""
    url: str = ""
    category: str = ""


def escape_text(value: str) -> str:
    """A TEXT value (RFC 5545 §3.3.11): \\ ; , and newlines escaped, controls dropped."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = "".join(c for c in value if c in "\n\t" or c.isprintable())
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\n", "\\n")


def fold(line: str) -> bytes:
    """One content line as UTF-8, folded at 75 octets without splitting a character."""
    pieces: list[bytes] = []
    current = b""
    for char in line:
        encoded = char.encode("utf-8")
        if len(current) + len(encoded) > LINE_OCTETS:
            pieces.append(current)
            current = b" "
        current += encoded
    pieces.append(current)
    return b"\r\n".join(pieces) + b"\r\n"


def series_start(effective: dt.date, frequency: str) -> dt.date:
    """First day of a series: the effective date, unless a monthly or yearly rule would
    skip months from it (the 29th–31st do not exist every month); then the 1st after."""
    if frequency == "daily" or frequency == "weekly" or effective.day <= 28:
        return effective
    return add_months(effective.replace(day=1), 1)


def page_url(site_url: str, doc: Document, page: str, *, draft: bool) -> str:
    """Where ``page`` is in the published site; a draft is not published, so: latest."""
    if not site_url:
        return ""
    folder = "latest" if draft else doc.version
    return f"{site_url.rstrip('/')}/{folder}/{page}"


def plain(text: str, limit: int = DESCRIPTION_PURPOSE) -> str:
    """The first paragraph of a Markdown field as short plain text."""
    text = re.split(r"\n\s*\n", text.strip())[0]
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"\s+", " ", re.sub(r"[*_`#>|]+", "", text)).strip()
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + " …"


class CalendarBuilder:
    """The events of one handbook, with the words of its language."""

    def __init__(self, handbook: Handbook, words: Catalogue, *, draft: bool,
                 edition: str, site_url: str = "") -> None:
        self.handbook = handbook
        self.edition = edition
        self.doc = handbook.document
        self.words = words
        self.draft = draft
        self.site_url = site_url

    def roles(self, ids: list[str]) -> str:
        return ", ".join(self.handbook.role(role_id).title for role_id in ids)

    def summary(self, text: str) -> str:
        return f"{text} ({self.words.label('draft')})" if self.draft else text

    def footer(self, url: str) -> list[str]:
        """Document id and version (and draft) closing every description, then the link."""
        doc_line = self.words.label("calendar_document").format(id=self.doc.id,
                                                                version=self.doc.version)
        if self.draft:
            doc_line += f" ({self.words.label('draft')})"
        doc_line += f" · {self.words.edition(self.edition)}"
        return [doc_line, url] if url else [doc_line]

    def procedure_event(self, p: Procedure) -> Event:
        label = self.words.label
        url = page_url(self.site_url, self.doc, model.page_name(p.id),
                       draft=self.draft)
        lines = [f"{label('responsible')}: {self.roles(p.responsible)}"]
        if p.accountable:
            lines.append(f"{label('accountable')}: {self.roles([p.accountable])}")
        lines += self.checker_lines(p)
        lines.append(f"{label('frequency')}: {self.words.choice(p.frequency)}")
        lines += ["", plain(p.purpose), "", *self.footer(url)]
        return Event(uid=f"{p.id}.{self.doc.id}@sopgen",
                     start=series_start(self.doc.effective_date, p.frequency),
                     summary=self.summary(f"{p.id} {p.title}"), description="\n".join(lines),
                     rrule=RRULES[p.frequency], url=url,
                     category=getattr(self.handbook.pillars, p.pillar).title)

    def checker_lines(self, p: Procedure) -> list[str]:
        """Work a vendor or system does is due for the role that checks it."""
        role_id = model.checker(p, self.handbook)
        return [f"{self.words.label('checked_by')}: {self.roles([role_id])}"] if role_id else []

    def review_event(self) -> Event:
        label = self.words.label
        url = page_url(self.site_url, self.doc, "index.html", draft=self.draft)
        title = self.doc.short_title or self.doc.title
        lines = [f"{label('owner')}: {self.roles([self.doc.owner])}",
                 f"{label('review_cycle')}: {self.doc.review_cycle_months} {label('months')}",
                 "", *self.footer(url)]
        return Event(uid=f"next-review.{self.doc.id}@sopgen", start=review_due(self.doc),
                     summary=self.summary(label("calendar_review").format(title=title)),
                     description="\n".join(lines), url=url)

    def procedure_review_events(self) -> list[Event]:
        """Procedure reviews due well before the SOP's own review; that review covers the
        rest, so a calendar does not fill up with reviews a week apart from it."""
        events = []
        covered_from = review_due(self.doc) - COVERED_BY_SOP_REVIEW
        for p in model.in_pillar_order(self.handbook):
            if p.last_reviewed is None:
                continue
            due = add_months(p.last_reviewed, self.doc.review_cycle_months)
            if due >= covered_from:
                continue
            url = page_url(self.site_url, self.doc, model.page_name(p.id),
                           draft=self.draft)
            text = self.words.label("calendar_procedure_review").format(id=p.id, title=p.title)
            lines = [f"{self.words.label('last_reviewed')}: {self.words.date(p.last_reviewed)}",
                     f"{self.words.label('responsible')}: {self.roles(p.responsible)}",
                     "", *self.footer(url)]
            events.append(Event(uid=f"review-{p.id}.{self.doc.id}@sopgen",
                                start=max(due, self.doc.effective_date),
                                summary=self.summary(text), description="\n".join(lines),
                                url=url))
        return events

    def events(self) -> list[Event]:
        recurring = model.recurring(self.handbook)
        return ([self.procedure_event(p) for p in recurring] + [self.review_event()]
                + self.procedure_review_events())

    def calendar_name(self) -> str:
        name = (f"{self.words.label('calendar_name')}: {self.doc.short_title or self.doc.title}"
                f" ({self.doc.id} {self.words.label('version')} {self.doc.version})")
        return self.summary(name)


def event_lines(event: Event, stamp: str) -> list[str]:
    day = f"{event.start:%Y%m%d}"
    end = f"{event.start + dt.timedelta(days=1):%Y%m%d}"
    lines = ["BEGIN:VEVENT", f"UID:{event.uid}", f"DTSTAMP:{stamp}",
             f"DTSTART;VALUE=DATE:{day}", f"DTEND;VALUE=DATE:{end}"]
    if event.rrule:
        lines.append(f"RRULE:{event.rrule}")
    lines += [f"SUMMARY:{escape_text(event.summary)}",
              f"DESCRIPTION:{escape_text(event.description)}"]
    if event.url:
        lines.append(f"URL:{event.url}")
    if event.category:
        lines.append(f"CATEGORIES:{escape_text(event.category)}")
    return [*lines, "TRANSP:TRANSPARENT", "END:VEVENT"]


def ics_bytes(handbook: Handbook, words: Catalogue, *, draft: bool, edition: str,
              site_url: str = "") -> bytes:
    """The whole calendar; the same handbook always gives the same bytes."""
    builder = CalendarBuilder(handbook, words, draft=draft, edition=edition, site_url=site_url)
    stamp = f"{handbook.document.effective_date:%Y%m%d}T000000Z"
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH", f"X-WR-CALNAME:{escape_text(builder.calendar_name())}"]
    for event in builder.events():
        lines += event_lines(event, stamp)
    lines.append("END:VCALENDAR")
    return b"".join(fold(line) for line in lines)
