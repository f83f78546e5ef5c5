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
from dataclasses import dataclass
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sopgen.core.catalogue import Catalogue
from sopgen.core.model import (
    MONTHS,
    RECURRING,
    TIMEZONE,
    WEEKDAYS,
    WORKING_DAYS,
    Document,
    Month,
    Procedure,
    Schedule,
)

LAST_DAY = -1  # ``Rule.day`` / ``Rule.week``: the last day / last 7 days of the month
WEEKS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "last": LAST_DAY}
WEEK_DAYS = 7
SEARCH_DAYS = 800  # every rule occurs within two years of any day
REMINDER_UNITS = {"m": "M", "h": "H", "d": "D"}
TIMED_REMINDER = "-PT30M"
ALL_DAY_REMINDER = "-PT15H"  # 09:00 on the day before an all-day event


@dataclass(frozen=True)
class Rule:
    """A schedule with nothing left out: what the calendar and the sheets need."""

    frequency: str  # daily, weekly, monthly, quarterly or yearly
    weekdays: tuple[int, ...]  # 0 = Monday; empty: any day
    day: int | None  # 1–28, LAST_DAY, or None: any day (a working day's number: see below)
    months: tuple[int, ...]  # 1 = January; empty: any month
    time: dt.time | None
    timezone: str  # IANA name, or "" for local time wherever the calendar is opened
    reminder: str  # an RFC 5545 duration before the start (TRIGGER), or ""
    first: dt.date  # the first occurrence on or after the effective date
    working_days: bool = False
    week: int | None = None  # 1–4 or LAST_DAY: due in that week of the month
    month_only: bool = False  # only months named ("every January"): due from the 1st

    @property
    def working_day_number(self) -> bool:
        """Whether ``day`` counts working days: "the second working day of the month"."""
        return self.working_days and self.day is not None

    @property
    def whole_week(self) -> bool:
        """Due some time in a week of the month, no day of it named: a 7-day event."""
        return self.week is not None and not self.weekdays

    def occurs_on(self, day: dt.date) -> bool:
        """Whether an occurrence starts on ``day``."""
        if self.months and day.month not in self.months:
            return False
        if self.working_day_number:
            return day in _working_day(day.year, day.month, self.day or 1)
        if self.weekdays and day.weekday() not in self.weekdays:
            return False
        if self.week is not None:
            week_days = _week(day.year, day.month, self.week)
            return day == week_days[0] if self.whole_week else day in week_days
        if self.day == LAST_DAY:
            return (day + dt.timedelta(days=1)).month != day.month
        return self.day is None or day.day == self.day


def _month_days(year: int, month: int) -> list[dt.date]:
    first = dt.date(year, month, 1)
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return [first + dt.timedelta(days=n) for n in range((following - first).days)]


def _working_day(year: int, month: int, number: int) -> tuple[dt.date, ...]:
    """The ``number``-th working day (Monday–Friday) of the month, or its last."""
    working = [d for d in _month_days(year, month) if d.weekday() < len(WORKING_DAYS)]
    return (working[-1 if number == LAST_DAY else number - 1],)


def _week(year: int, month: int, week: int) -> list[dt.date]:
    """Days 1–7, 8–14, 15–21, 22–28, or the last seven of the month."""
    days = _month_days(year, month)
    return days[-WEEK_DAYS:] if week == LAST_DAY else days[(week - 1) * WEEK_DAYS:][:WEEK_DAYS]


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
    week = WEEKS[schedule.week] if schedule.week else None
    month_only = bool(schedule.months) and day is None and week is None
    if frequency in ("monthly", "quarterly", "yearly") and day is None and week is None:
        day = 1 if month_only or effective.day > 28 else effective.day  # 29–31 skip months
    months = _months(schedule.months, frequency)
    probe = Rule(frequency, tuple(sorted(weekdays)), day, months, None, "", "", effective,
                 schedule.working_days, week)
    first = _first(probe, effective)
    if frequency in ("quarterly", "yearly") and not months:
        step = 3 if frequency == "quarterly" else 12
        months = tuple(sorted((first.month - 1 + step * n) % 12 + 1 for n in range(12 // step)))
    time = dt.time.fromisoformat(schedule.time) if schedule.time else None
    return Rule(frequency=frequency, weekdays=tuple(sorted(weekdays)), day=day, months=months,
                time=time, timezone=(schedule.timezone or doc.timezone) if time else "",
                reminder=reminder_trigger(schedule.reminder, timed=time is not None),
                first=first, working_days=schedule.working_days, week=week,
                month_only=month_only)


def _day(written: str) -> int | None:
    if not written:
        return None
    return LAST_DAY if written == "last" else int(written)


def _months(written: list[Month], frequency: str) -> tuple[int, ...]:
    months = {MONTHS.index(m) + 1 for m in written}
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
    if not TIMEZONE.fullmatch(name):  # never a path the zone loader would open
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
    if rule.working_day_number:
        nth = words.labels.get(f"ordinal_{rule.day}", "")
        key = ("schedule_last_working_day" if rule.day == LAST_DAY
               else "schedule_nth_working_day" if nth else "schedule_working_day")
        parts.append(label(key).format(day=rule.day, nth=nth))
    elif rule.working_days and set(rule.weekdays) == set(range(5)):
        parts.append(label("schedule_working_days"))
    elif rule.weekdays and len(rule.weekdays) < len(WEEKDAYS):
        names = [words.choice(WEEKDAYS[d]) for d in rule.weekdays]
        key = "schedule_weekdays_in_week" if rule.week is not None else "schedule_weekdays"
        parts.append(label(key).format(days=listed(names, words)))
    if rule.week is not None:
        name = next(key for key, value in WEEKS.items() if value == rule.week)
        parts.append(label("schedule_week").format(week=label(f"week_{name}")))
    elif rule.day is not None and not rule.working_day_number and not rule.month_only:
        parts.append(label("schedule_last_day") if rule.day == LAST_DAY
                     else label("schedule_day").format(day=rule.day))
    if rule.months:
        key = "schedule_in_months" if rule.month_only else "schedule_months"
        names = [words.choice(MONTHS[m - 1]) for m in rule.months]
        parts.append(label(key).format(months=listed(names, words)))
    elif rule.day == LAST_DAY and not rule.working_day_number:
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
