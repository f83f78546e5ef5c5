"""The maintenance calendar: an iCalendar file (RFC 5545) of what is due, and when.

Each schedule of a recurring procedure becomes one series (a procedure without
schedules has one, from its frequency): an RRULE naming the days, months and day of
the month it is due, starting on its first occurrence on or after the effective date,
at its time in its time zone (with a VTIMEZONE) or all day, with a reminder (VALARM).
The SOP's next review (and any procedure review that falls due before it) becomes a
one-off event. The file is written by hand — it needs a dozen
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
from zoneinfo import ZoneInfo

from sopgen.core import model
from sopgen.core.catalogue import Catalogue
from sopgen.core.model import Document, Handbook, Procedure, add_months, review_due
from sopgen.core.schedule import LAST_DAY, WEEK_DAYS, Rule, describe_rule, rules

PRODID = "-//sopgen//SOP maintenance calendar//EN"
RRULE_FREQ = {"daily": "FREQ=DAILY", "weekly": "FREQ=WEEKLY", "monthly": "FREQ=MONTHLY",
              "quarterly": "FREQ=MONTHLY;INTERVAL=3", "yearly": "FREQ=YEARLY"}
BYDAY = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
TIMED_DURATION = "PT1H"  # a slot in the day, for a schedule with a time
ZONE_YEARS = 10  # the offsets a VTIMEZONE spells out; clients know IANA names beyond
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
    time: dt.time | None = None  # None: all day
    timezone: str = ""  # TZID; "" with a time: local time wherever it is opened
    alarm: str = ""  # TRIGGER of a reminder, e.g. -PT30M
    days: int = 1  # how many days an all-day event lasts


def rrule(rule: Rule) -> str:
    """The RRULE of a resolved schedule: FREQ plus the BY-parts that pin it down.

    A working day of the month is the n-th (BYSETPOS) of the month's Mondays to Fridays.
    A week of the month is its days 1–7, 8–14 … or last seven: a weekday in it is the
    month's n-th (or last) such weekday (BYDAY=1MO); with no weekday named, the series
    starts on the week's first day (BYMONTHDAY) and each event lasts the week.
    Quarterly is every third month from the first occurrence, which falls in a month
    the schedule names. A yearly rule counting from the end of the month or by working
    days is every twelfth month: ical.js misreads negative days inside FREQ=YEARLY.
    """
    counted = rule.working_day_number or (rule.day == LAST_DAY) or rule.week == LAST_DAY
    parts = [RRULE_FREQ[rule.frequency]]
    if rule.frequency == "yearly" and counted:
        parts = ["FREQ=MONTHLY;INTERVAL=12" if len(rule.months) == 1 else "FREQ=MONTHLY"]
    if rule.frequency == "yearly" and not (counted and len(rule.months) == 1):
        parts.append("BYMONTH=" + ",".join(str(m) for m in rule.months))
    if rule.whole_week:
        parts.append(f"BYMONTHDAY={week_days(rule.week or 1)[0]}")
    elif rule.week is not None:  # the n-th Monday is the Monday of days 1–7, 8–14 …
        parts.append("BYDAY=" + ",".join(f"{rule.week}{BYDAY[d]}" for d in rule.weekdays))
    elif rule.day is not None and not rule.working_day_number:
        parts.append(f"BYMONTHDAY={'-1' if rule.day == LAST_DAY else rule.day}")
    if rule.week is None and rule.weekdays and len(rule.weekdays) < len(BYDAY):
        parts.append("BYDAY=" + ",".join(BYDAY[d] for d in rule.weekdays))
    if rule.working_day_number:
        parts.append(f"BYSETPOS={-1 if rule.day == LAST_DAY else rule.day}")
    return ";".join(parts)


def week_days(week: int) -> list[int]:
    """BYMONTHDAY values of a week of the month: 1–7 … 22–28, or -7 to -1 for the last."""
    if week == LAST_DAY:
        return list(range(-WEEK_DAYS, 0))
    return list(range((week - 1) * WEEK_DAYS + 1, week * WEEK_DAYS + 1))


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

    def procedure_events(self, p: Procedure) -> list[Event]:
        """A series per schedule; the first keeps the procedure's own UID, so a calendar
        that imported an earlier version updates that series instead of doubling it."""
        label = self.words.label
        url = page_url(self.site_url, self.doc, model.page_name(p.id),
                       draft=self.draft)
        roles = [f"{label('responsible')}: {self.roles(p.responsible)}"]
        if p.accountable:
            roles.append(f"{label('accountable')}: {self.roles([p.accountable])}")
        roles += self.checker_lines(p)
        events = []
        for number, rule in enumerate(rules(p, self.doc), start=1):
            when = describe_rule(rule, self.words) if p.schedules else self.words.choice(
                p.frequency)
            lines = [*roles, f"{label('frequency')}: {when}", "", plain(p.purpose), "",
                     *self.footer(url)]
            suffix = "" if number == 1 else f"-{number}"
            events.append(Event(uid=f"{p.id}{suffix}.{self.doc.id}@sopgen", start=rule.first,
                                summary=self.summary(f"{p.id} {p.title}"),
                                description="\n".join(lines), rrule=rrule(rule), url=url,
                                category=getattr(self.handbook.pillars, p.pillar).title,
                                time=rule.time, timezone=rule.timezone, alarm=rule.reminder,
                                days=WEEK_DAYS if rule.whole_week else 1))
        return events

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
        return ([e for p in recurring for e in self.procedure_events(p)]
                + [self.review_event()] + self.procedure_review_events())

    def calendar_name(self) -> str:
        name = (f"{self.words.label('calendar_name')}: {self.doc.short_title or self.doc.title}"
                f" ({self.doc.id} {self.words.label('version')} {self.doc.version})")
        return self.summary(name)


def when_lines(event: Event) -> list[str]:
    """DTSTART and its end: a whole day, or a time in a zone (or floating local time)."""
    if event.time is None:
        end = event.start + dt.timedelta(days=event.days)
        return [f"DTSTART;VALUE=DATE:{event.start:%Y%m%d}", f"DTEND;VALUE=DATE:{end:%Y%m%d}"]
    zone = f";TZID={event.timezone}" if event.timezone else ""
    start = dt.datetime.combine(event.start, event.time)
    return [f"DTSTART{zone}:{start:%Y%m%dT%H%M%S}", f"DURATION:{TIMED_DURATION}"]


def event_lines(event: Event, stamp: str) -> list[str]:
    lines = ["BEGIN:VEVENT", f"UID:{event.uid}", f"DTSTAMP:{stamp}", *when_lines(event)]
    if event.rrule:
        lines.append(f"RRULE:{event.rrule}")
    lines += [f"SUMMARY:{escape_text(event.summary)}",
              f"DESCRIPTION:{escape_text(event.description)}"]
    if event.url:
        lines.append(f"URL:{event.url}")
    if event.category:
        lines.append(f"CATEGORIES:{escape_text(event.category)}")
    lines.append("TRANSP:TRANSPARENT")
    if event.alarm:
        lines += ["BEGIN:VALARM", "ACTION:DISPLAY", f"DESCRIPTION:{escape_text(event.summary)}",
                  f"TRIGGER:{event.alarm}", "END:VALARM"]
    return [*lines, "END:VEVENT"]


def offset_text(offset: dt.timedelta) -> str:
    """+0700, -0330: an RFC 5545 UTC-OFFSET."""
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"


def transitions(zone: ZoneInfo, begin: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    """The UTC instants at which ``zone`` changes its offset between ``begin`` and
    ``end``: found day by day, then to the second by halving."""
    found = []
    day, step = begin, dt.timedelta(days=1)
    while day < end:
        if day.astimezone(zone).utcoffset() != (day + step).astimezone(zone).utcoffset():
            low, high = day, day + step
            while high - low > dt.timedelta(seconds=1):
                middle = low + (high - low) / 2
                same = middle.astimezone(zone).utcoffset() == low.astimezone(zone).utcoffset()
                low, high = (middle, high) if same else (low, middle)
            found.append(high.replace(microsecond=0))
        day += step
    return found


def vtimezone_lines(name: str, first: dt.date) -> list[str]:
    """A VTIMEZONE for ``name`` from the year of ``first``: its offset then, and each
    change over the next ZONE_YEARS years, from the system's time zone database."""
    zone = ZoneInfo(name)
    begin = dt.datetime(first.year, 1, 1, tzinfo=dt.UTC)
    end = begin.replace(year=first.year + ZONE_YEARS)
    lines = ["BEGIN:VTIMEZONE", f"TZID:{name}"]
    before = begin.astimezone(zone)
    changes = [(begin, before)] + [(t, t.astimezone(zone)) for t in transitions(zone, begin,
                                                                                   end)]
    for instant, local in changes:
        old = (instant - dt.timedelta(seconds=1)).astimezone(zone).utcoffset() \
            if instant != begin else local.utcoffset()
        new = local.utcoffset()
        assert old is not None and new is not None
        kind = "DAYLIGHT" if local.dst() else "STANDARD"
        wall = (instant.replace(tzinfo=None) + old) if instant != begin else \
            local.replace(tzinfo=None)
        lines += [f"BEGIN:{kind}", f"DTSTART:{wall:%Y%m%dT%H%M%S}",
                  f"TZOFFSETFROM:{offset_text(old)}", f"TZOFFSETTO:{offset_text(new)}"]
        if local.tzname():
            lines.append(f"TZNAME:{escape_text(local.tzname() or '')}")
        lines.append(f"END:{kind}")
    return [*lines, "END:VTIMEZONE"]


def ics_bytes(handbook: Handbook, words: Catalogue, *, draft: bool, edition: str,
              site_url: str = "") -> bytes:
    """The whole calendar; the same handbook always gives the same bytes."""
    builder = CalendarBuilder(handbook, words, draft=draft, edition=edition, site_url=site_url)
    stamp = f"{handbook.document.effective_date:%Y%m%d}T000000Z"
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH", f"X-WR-CALNAME:{escape_text(builder.calendar_name())}"]
    events = builder.events()
    zones: dict[str, dt.date] = {}
    for event in events:  # each zone once, from its earliest series
        if event.timezone:
            zones[event.timezone] = min(zones.get(event.timezone, event.start), event.start)
    for name in sorted(zones):
        lines += vtimezone_lines(name, zones[name])
    for event in events:
        lines += event_lines(event, stamp)
    lines.append("END:VCALENDAR")
    return b"".join(fold(line) for line in lines)
