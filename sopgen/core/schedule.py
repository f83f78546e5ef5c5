"""When a recurring procedure is due: its schedules resolved into plain rules.

A ``Schedule`` as written leaves things out (a weekly one without a weekday, a monthly
one without a day); ``resolve`` fills them in from the document's effective date, the
way the calendar has always started a series, so that every later stage — the
calendar's RRULE, the log sheet's rows, the handbook's sentence — reads one complete
``Rule`` and they cannot disagree. A procedure without schedules has one implicit
schedule: its frequency, from the effective date.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sopgen.core.catalogue import Catalogue
from sopgen.core.model import (
    MONTHS,
    RECURRING,
    WEEKDAYS,
    WORKING_DAYS,
    Document,
    Procedure,
    Schedule,
)

LAST_DAY = -1  # ``Rule.day`` of a schedule due on the last day of the month
SEARCH_DAYS = 800  # every rule occurs within two years of any day
REMINDER_UNITS = {"m": "M", "h": "H", "d": "D"}
TIMED_REMINDER = "-PT30M"
ALL_DAY_REMINDER = "-PT15H"  # 09:00 on the day before an all-day event


@dataclass(frozen=True)
class Rule:
    """A schedule with nothing left out: what the calendar and the sheets need."""

    frequency: str  # daily, weekly, monthly, quarterly or yearly
    weekdays: tuple[int, ...]  # 0 = Monday; empty: any day
    day: int | None  # 1–28, LAST_DAY, or None: any day
    months: tuple[int, ...]  # 1 = January; empty: any month
    time: dt.time | None
    timezone: str  # IANA name, or "" for local time wherever the calendar is opened
    reminder: str  # an RFC 5545 duration before the start (TRIGGER), or ""
    first: dt.date  # the first occurrence on or after the effective date
    working_days: bool = False

    def occurs_on(self, day: dt.date) -> bool:
        if self.weekdays and day.weekday() not in self.weekdays:
            return False
        if self.months and day.month not in self.months:
            return False
        if self.day == LAST_DAY:
            return (day + dt.timedelta(days=1)).month != day.month
        return self.day is None or day.day == self.day


def schedules_of(procedure: Procedure) -> list[Schedule]:
    """The written schedules, or the one its frequency implies; none for an event."""
    if procedure.frequency not in RECURRING:
        return []
    return procedure.schedules or [Schedule()]


def rules(procedure: Procedure, doc: Document) -> list[Rule]:
    return [resolve(s, procedure, doc) for s in schedules_of(procedure)]


def resolve(schedule: Schedule, procedure: Procedure, doc: Document) -> Rule:
    """``schedule`` completed from the effective date (validated before it gets here)."""
    frequency = schedule.frequency or procedure.frequency
    effective = doc.effective_date
    weekdays = tuple(WEEKDAYS.index(d) for d in schedule.weekdays)
    if schedule.working_days:
        weekdays = tuple(sorted(set(weekdays) or set(range(len(WORKING_DAYS)))))
    if frequency == "weekly" and not weekdays:
        weekdays = (effective.weekday(),)
    day = _day(schedule.day_of_month)
    if frequency in ("monthly", "quarterly", "yearly") and day is None:
        day = effective.day if effective.day <= 28 else 1  # the 29th–31st skip months
    months = _months(schedule.months, frequency)
    probe = Rule(frequency, tuple(sorted(weekdays)), day, months, None, "", "", effective)
    first = _first(probe, effective)
    if frequency in ("quarterly", "yearly") and not months:
        step = 3 if frequency == "quarterly" else 12
        months = tuple(sorted((first.month - 1 + step * n) % 12 + 1 for n in range(12 // step)))
    time = dt.time.fromisoformat(schedule.time) if schedule.time else None
    return Rule(frequency=frequency, weekdays=tuple(sorted(weekdays)), day=day, months=months,
                time=time, timezone=(schedule.timezone or doc.timezone) if time else "",
                reminder=reminder_trigger(schedule.reminder, timed=time is not None),
                first=first, working_days=schedule.working_days)


def _day(written: str) -> int | None:
    if not written:
        return None
    return LAST_DAY if written == "last" else int(written)


def _months(written: list[str], frequency: str) -> tuple[int, ...]:
    months = {MONTHS.index(m) + 1 for m in written}  # type: ignore[arg-type]
    if frequency == "quarterly" and months:  # one month names its quarter's three others
        start = min(months)
        months |= {(start - 1 + 3 * n) % 12 + 1 for n in range(4)}
    return tuple(sorted(months))


def _first(rule: Rule, start: dt.date) -> dt.date:
    day = start
    for _ in range(SEARCH_DAYS):
        if rule.occurs_on(day):
            return day
        day += dt.timedelta(days=1)
    raise AssertionError(f"schedule never occurs: {rule}")  # validation rules this out


def reminder_trigger(written: str, *, timed: bool) -> str:
    """The VALARM TRIGGER for ``reminder``: "30m" → -PT30M, "1d" → -P1D, "none" → ""."""
    if written == "none":
        return ""
    if not written:
        return TIMED_REMINDER if timed else ALL_DAY_REMINDER
    amount, unit = int(written[:-1]), REMINDER_UNITS[written[-1]]
    return f"-P{amount}D" if unit == "D" else f"-PT{amount}{unit}"


@cache
def known_timezone(name: str) -> bool:
    """Whether ``name`` is a time zone of the IANA database this system has."""
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_+-]*(?:/[A-Za-z0-9_+-]+){0,2}", name):
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


# ---------------------------------------------------------------- in words

def describe(procedure: Procedure, doc: Document, words: Catalogue) -> str:
    """The frequency as the handbook prints it: "Mingguan, setiap Selasa pukul 09.30 WIB";
    just the frequency's name when no schedule says more."""
    if not procedure.schedules:
        return words.choice(procedure.frequency)
    return "; ".join(describe_rule(rule, words) for rule in rules(procedure, doc))


def describe_rule(rule: Rule, words: Catalogue) -> str:
    label = words.label
    parts: list[str] = []
    if rule.working_days and set(rule.weekdays) == set(range(5)):
        parts.append(label("schedule_working_days"))
    elif rule.weekdays and len(rule.weekdays) < len(WEEKDAYS):
        names = [words.choice(WEEKDAYS[d]) for d in rule.weekdays]
        parts.append(label("schedule_weekdays").format(days=listed(names, words)))
    if rule.day == LAST_DAY:
        parts.append(label("schedule_last_day"))
    elif rule.day is not None:
        parts.append(label("schedule_day").format(day=rule.day))
    if rule.months:
        key = "schedule_months" if rule.day is not None else "schedule_in_months"
        names = [words.choice(MONTHS[m - 1]) for m in rule.months]
        parts.append(label(key).format(months=listed(names, words)))
    elif rule.day is not None:
        parts.append(label("schedule_of_month"))
    if rule.time is not None:
        parts.append(label("schedule_time").format(hour=f"{rule.time:%H}",
                                                   minute=f"{rule.time:%M}")
                     + zone_suffix(rule))
    text = words.choice(rule.frequency)
    return f"{text}, {' '.join(parts)}" if parts else text


def listed(names: list[str], words: Catalogue) -> str:
    """"Senin, Rabu dan Jumat"; "Monday, Wednesday and Friday"."""
    if len(names) < 2:
        return "".join(names)
    return f"{', '.join(names[:-1])}{words.label('list_and')}{names[-1]}"


def zone_suffix(rule: Rule) -> str:
    """" WIB" after a time in a named zone (its abbreviation on the first occurrence, or
    its name when it has none); nothing for local time."""
    if not rule.timezone:
        return ""
    at = dt.datetime.combine(rule.first, rule.time or dt.time(), ZoneInfo(rule.timezone))
    abbreviation = at.tzname() or ""
    return f" {abbreviation if abbreviation.isalpha() else rule.timezone}"
