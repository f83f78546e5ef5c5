"""Schedules: the calendar and the log sheets tell the days the procedures' texts say.

The table below was written by reading each recurring procedure of the sample ("Setiap
Selasa pukul 09.30 WIB", "minggu pertama Januari, April, Juli dan Oktober", "hari kerja
kedua setiap bulan" …), not from sopgen's output; the calendar is read back with
icalendar and each RRULE expanded with dateutil, independently of sopgen's own rules.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr
from icalendar import Calendar

from sopgen.commands.build import build_project
from sopgen.core.catalogue import catalogue
from sopgen.core.model import Document, Procedure, Schedule
from sopgen.core.schedule import describe, resolve, rules
from sopgen.outputs.sheets import log_sheet
from sopgen.outputs.table import BuildOptions
from sopgen.reading.handbook import read_handbook
from tests.conftest import ROOT
from tests.pdfread import Pdf

Allowed = Callable[[dt.date], bool]
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)
QUARTERS = (1, 4, 7, 10)
YEARS = 2  # how far each series is expanded


def weekday(*days: int) -> Allowed:
    return lambda d: d.weekday() in days


def days_of_month(first: int, last: int, months: tuple[int, ...] = ()) -> Allowed:
    return lambda d: first <= d.day <= last and (not months or d.month in months)


def last_week(months: tuple[int, ...] = ()) -> Allowed:
    return lambda d: (d + dt.timedelta(days=7)).month != d.month and (
        not months or d.month in months)


def in_months(*months: int) -> Allowed:
    return lambda d: d.month in months


def working_day(number: int, months: tuple[int, ...] = ()) -> Allowed:
    """The ``number``-th Monday-to-Friday of its month."""
    def allowed(d: dt.date) -> bool:
        if d.weekday() > FRI or (months and d.month not in months):
            return False
        before = [d.replace(day=n) for n in range(1, d.day)]
        return sum(1 for b in before if b.weekday() <= FRI) == number - 1
    return allowed


@dataclass(frozen=True)
class Due:
    """What a procedure's text says about one of its series: the days it may fall on,
    and whether it falls on every such day (``every``) or once in each month that has
    them (a week, a window of days, a whole month); and its time, if the text gives one."""

    allowed: Allowed
    every: bool = False
    time: str = ""


# From the texts (steps quoted in the comments).
EXPECTED: dict[str, list[Due]] = {
    # "Setiap Selasa pukul 09.30 WIB, setelah tinjauan mingguan TEK-14"
    "TEK-01": [Due(weekday(TUE), every=True, time="09:30")],
    "TEK-02": [Due(weekday(TUE), every=True)],  # "Setiap Selasa setelah TEK-01"
    "TEK-04": [Due(days_of_month(1, 7, QUARTERS))],  # "minggu pertama Januari, April, …"
    # "Setiap hari kerja sebelum pukul 10.00 WIB" and "Setiap Jumat, buka folder …"
    "TEK-05": [Due(weekday(MON, TUE, WED, THU, FRI), every=True),
               Due(weekday(FRI), every=True)],
    "TEK-06": [Due(weekday(MON), every=True)],  # "Setiap Senin, buka email laporan"
    "TEK-07": [Due(working_day(1), every=True)],  # "hari kerja pertama setiap bulan"
    "TEK-08": [Due(days_of_month(8, 14, QUARTERS))],  # "minggu kedua Januari, April, …"
    "TEK-09": [Due(days_of_month(1, 7, QUARTERS))],  # "minggu pertama Januari, April, …"
    "TEK-10": [Due(in_months(1))],  # "Setiap Januari"
    "TEK-11": [Due(days_of_month(15, 21, QUARTERS))],  # "minggu ketiga Januari, April, …"
    "TEK-12": [Due(days_of_month(1, 7))],  # "minggu pertama setiap bulan"
    "TEK-13": [Due(in_months(2))],  # "Tinjau setiap Februari"
    "TEK-14": [Due(weekday(TUE), every=True, time="09:00")],  # "Setiap Selasa pukul 09.00"
    "TEK-15": [Due(last_week())],  # "minggu terakhir setiap bulan"
    "TEK-20": [Due(last_week((3, 6, 9, 12)))],  # "minggu terakhir Maret, Juni, …"
    "KON-01": [Due(days_of_month(20, 25))],  # "antara tanggal 20 dan 25 setiap bulan"
    "KON-02": [Due(days_of_month(8, 14, (1,)))],  # "minggu kedua Januari"
    # "Setiap hari pukul 09.00–10.00 WIB (termasuk akhir pekan)"; "hari kerja pertama
    # setiap triwulan, periksa bahwa pengaturan …"
    "KON-08": [Due(lambda d: True, every=True, time="09:00"),
               Due(working_day(1, QUARTERS), every=True)],
    # "Setiap Senin pukul 10.00 WIB"; "Pada Senin pertama setiap bulan, hapus entri …"
    "KON-12": [Due(weekday(MON), every=True, time="10:00"),
               Due(lambda d: d.weekday() == MON and d.day <= 7, every=True)],
    "KON-13": [Due(days_of_month(1, 7, QUARTERS))],  # "minggu pertama Januari, April, …"
    # "Setiap Jumat"; "Pada hari kerja pertama setiap bulan, catat jangkauan …"
    "KON-14": [Due(weekday(FRI), every=True), Due(working_day(1), every=True)],
    "KON-15": [Due(days_of_month(8, 21, (2,)))],  # "minggu kedua dan ketiga Februari"
    "KON-16": [Due(working_day(2), every=True)],  # "hari kerja kedua setiap bulan"
    "MAN-01": [Due(days_of_month(8, 14, (10,)))],  # "minggu kedua Oktober"
    "MAN-02": [Due(in_months(1))],  # "disahkan pada rapat bulan Januari"
    "MAN-03": [Due(in_months(11))],  # "paling lambat 30 November"
    # "Pada minggu pertama Januari, buka inventaris …"; "Cek akun Project Galileo: 1 Juli"
    "MAN-04": [Due(days_of_month(1, 7, (1,))), Due(lambda d: (d.month, d.day) == (7, 1),
                                                   every=True)],
    "MAN-05": [Due(days_of_month(1, 7, QUARTERS))],  # "minggu pertama Januari, April, …"
    "MAN-07": [Due(days_of_month(15, 21, (10,)))],  # "minggu ketiga Oktober"
    # "Pada hari kerja ketiga setiap bulan" (report "paling lambat tanggal 7"); "Setiap
    # Januari, April, Juli dan Oktober, gabungkan tiga laporan bulanan …"
    "MAN-08": [Due(lambda d: working_day(3)(d) and d.day <= 7, every=True),
               Due(in_months(*QUARTERS))],
    "MAN-10": [Due(days_of_month(8, 14, QUARTERS))],  # "minggu kedua Januari, April, …"
    "MAN-11": [Due(days_of_month(1, 7, QUARTERS))],  # "minggu pertama Januari, April, …"
    "MAN-13": [Due(lambda d: (d.month, d.day) == (12, 1), every=True)],  # "Pada 1 Desember"
    "MAN-14": [Due(days_of_month(15, 21, (9,)))],  # "minggu ketiga September"
}


@pytest.fixture(scope="module")
def sample_calendar(tmp_path_factory: pytest.TempPathFactory) -> tuple[Calendar, Document]:
    output = tmp_path_factory.mktemp("calendar")
    result = build_project(ROOT, BuildOptions(formats=[], artefacts=("calendar",)),
                           output=output)
    ics = next(result.folder.glob("*.ics"))
    return Calendar.from_ical(ics.read_bytes()), read_handbook(ROOT).handbook.document


def series_of(calendar: Calendar) -> dict[str, list[object]]:
    """The recurring events by procedure id, in the order of their UIDs (TEK-05, TEK-05-2)."""
    numbered: list[tuple[str, int, object]] = []
    for event in calendar.walk("VEVENT"):
        if "RRULE" in event:
            prefix, number, *more = str(event["UID"]).split(".")[0].split("-")
            numbered.append((f"{prefix}-{number}", int(more[0]) if more else 1, event))
    found: dict[str, list[object]] = {}
    for pid, _, event in sorted(numbered, key=lambda item: item[:2]):
        found.setdefault(pid, []).append(event)
    return found


def occurrences(event: object, until: dt.date) -> list[tuple[dt.date, dt.date]]:
    """(first day, last day) of each occurrence, expanded by dateutil from the RRULE."""
    start = event["DTSTART"].dt  # type: ignore[index]
    first_day = start.date() if isinstance(start, dt.datetime) else start
    ends = "DTEND" in event  # type: ignore[operator]
    length = event["DTEND"].dt - start if ends else dt.timedelta(days=1)  # type: ignore
    rule = event["RRULE"].to_ical().decode()  # type: ignore[index]
    naive = dt.datetime.combine(first_day, dt.time())
    days = [d.date() for d in rrulestr(rule, dtstart=naive).between(
        naive, dt.datetime.combine(until, dt.time()), inc=True) if d.date() < until]
    span = max(length.days, 1)
    return [(d, d + dt.timedelta(days=span - 1)) for d in days]


def test_the_table_covers_every_recurring_procedure_of_the_sample() -> None:
    handbook = read_handbook(ROOT).handbook
    recurring = {p.id for p in handbook.procedures if p.frequency != "event"}
    assert set(EXPECTED) == recurring


@pytest.mark.parametrize("pid", sorted(EXPECTED))
def test_every_series_falls_on_the_days_its_procedure_says(
        sample_calendar: tuple[Calendar, Document], pid: str) -> None:
    calendar, doc = sample_calendar
    events = series_of(calendar)[pid]
    assert len(events) == len(EXPECTED[pid]), pid
    begin = doc.effective_date
    until = begin.replace(year=begin.year + YEARS)
    for event, due in zip(events, EXPECTED[pid], strict=True):
        found = occurrences(event, until)
        assert found and found[0][0] >= begin
        for first, last in found:  # every day an occurrence covers is one the text allows
            day = first
            while day <= last:
                assert due.allowed(day), (pid, first, day)
                day += dt.timedelta(days=1)
        days = [begin + dt.timedelta(days=n) for n in range((until - begin).days)]
        allowed = [d for d in days if due.allowed(d) and d < found[-1][0] + dt.timedelta(1)]
        if due.every:  # nothing skipped, from the effective date on
            assert [f for f, _ in found] == allowed, pid
        else:  # once in every month that has such days (after the first, all inside)
            months = sorted({(d.year, d.month) for d in allowed if d >= found[0][0]})
            assert [(f.year, f.month) for f, _ in found] == months, pid
        start = event["DTSTART"].dt  # type: ignore[index]
        if due.time:
            assert isinstance(start, dt.datetime) and f"{start:%H:%M}" == due.time
            assert start.tzinfo is not None and start.utcoffset() == dt.timedelta(hours=7)
            assert str(event["DTSTART"].params["TZID"]) == "Asia/Jakarta"  # type: ignore
        else:
            assert not isinstance(start, dt.datetime), pid
        alarm = event.walk("VALARM")  # type: ignore[attr-defined]
        assert len(alarm) == 1 and alarm[0]["TRIGGER"].dt < dt.timedelta(0)


def test_series_uids_are_unique_and_stable(sample_calendar: tuple[Calendar, Document]) -> None:
    calendar, _ = sample_calendar
    uids = [str(e["UID"]) for e in calendar.walk("VEVENT")]
    assert len(uids) == len(set(uids))
    assert "TEK-05.SOP-SK-WEB@sopgen" in uids and "TEK-05-2.SOP-SK-WEB@sopgen" in uids


def test_the_calendar_time_zone_is_the_documents(sample_calendar: tuple[Calendar, Document]
                                                 ) -> None:
    calendar, _ = sample_calendar
    zones = calendar.walk("VTIMEZONE")
    assert [str(z["TZID"]) for z in zones] == ["Asia/Jakarta"]
    standard = zones[0].walk("STANDARD")[0]
    assert standard["TZOFFSETTO"].td == dt.timedelta(hours=7) and str(standard["TZNAME"]) == "WIB"


# ------------------------------------------------------------------ rules of their own

def document(effective: dt.date, timezone: str = "") -> Document:
    handbook = read_handbook(ROOT / "tests" / "fixtures" / "mini").handbook
    return dataclasses.replace(handbook.document, effective_date=effective, timezone=timezone)


def procedure(frequency: str, *schedules: Schedule) -> Procedure:
    handbook = read_handbook(ROOT / "tests" / "fixtures" / "mini").handbook
    return dataclasses.replace(handbook.procedures[0], frequency=frequency,
                               schedules=list(schedules))


@pytest.mark.parametrize(("schedule", "frequency", "first"), [
    (Schedule(weekdays=["tuesday"]), "weekly", dt.date(2026, 2, 3)),  # effective: Sunday 1 Feb
    (Schedule(day_of_month="7"), "monthly", dt.date(2026, 2, 7)),
    (Schedule(day_of_month="last"), "monthly", dt.date(2026, 2, 28)),
    (Schedule(months=["october"]), "yearly", dt.date(2026, 10, 1)),
    (Schedule(months=["january"], day_of_month="15"), "quarterly", dt.date(2026, 4, 15)),
    (Schedule(day_of_month="1", working_days=True), "monthly", dt.date(2026, 2, 2)),
    (Schedule(day_of_month="last", working_days=True), "monthly", dt.date(2026, 2, 27)),
    (Schedule(week="first", weekdays=["monday"]), "monthly", dt.date(2026, 2, 2)),
    (Schedule(working_days=True), "daily", dt.date(2026, 2, 2)),
    (Schedule(), "monthly", dt.date(2026, 2, 1)),  # none named: from the effective date
])
def test_first_occurrence_is_on_or_after_the_effective_date(schedule: Schedule, frequency: str,
                                                            first: dt.date) -> None:
    doc = document(dt.date(2026, 2, 1))
    assert resolve(schedule, procedure(frequency), doc).first == first


def test_a_series_never_starts_on_a_day_some_months_lack() -> None:
    doc = document(dt.date(2025, 1, 31))
    assert rules(procedure("monthly"), doc)[0].first == dt.date(2025, 2, 1)
    assert rules(procedure("weekly"), doc)[0].first == dt.date(2025, 1, 31)


@pytest.mark.parametrize(("language", "expected"), [
    ("id", "Mingguan, setiap Selasa pukul 09.30 WIB; "
           "Triwulanan, pada hari kerja pertama bulan Januari, April, Juli dan Oktober; "
           "Bulanan, hari Senin pada minggu pertama; Tahunan, setiap bulan Oktober"),
    ("en", "Weekly, every Tuesday at 09:30 WIB; "
           "Quarterly, on the first working day of January, April, July and October; "
           "Monthly, on Monday in the first week; Yearly, in October"),
])
def test_schedules_in_words(language: str, expected: str) -> None:
    p = procedure("weekly", Schedule(weekdays=["tuesday"], time="09:30"),
                  Schedule(frequency="quarterly", months=["january"], day_of_month="1",
                           working_days=True),
                  Schedule(frequency="monthly", week="first", weekdays=["monday"]),
                  Schedule(frequency="yearly", months=["october"]))
    assert describe(p, document(dt.date(2026, 2, 1), "Asia/Jakarta"),
                    catalogue(language)) == expected


def test_a_zone_with_daylight_saving_gets_its_changes(tmp_path: Path) -> None:
    from sopgen.outputs.calendar import vtimezone_lines

    lines = vtimezone_lines("Europe/Amsterdam", dt.date(2026, 2, 1))
    text = "\r\n".join(lines)
    calendar = Calendar.from_ical(f"BEGIN:VCALENDAR\r\n{text}\r\nEND:VCALENDAR\r\n")
    zone = calendar.walk("VTIMEZONE")[0]
    daylight = zone.walk("DAYLIGHT")
    assert [str(d["DTSTART"].to_ical().decode()) for d in daylight][:2] == \
        ["20260329T020000", "20270328T020000"]  # last Sunday of March, 02:00 local
    assert daylight[0]["TZOFFSETTO"].td == dt.timedelta(hours=2)
    at = dt.datetime(2026, 7, 1, 9, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
    assert at.utcoffset() == dt.timedelta(hours=2)


# ------------------------------------------------------------------ log sheets

@pytest.fixture(scope="module")
def sheets(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The sample's checklist sheets, printed and fillable."""
    found = {}
    for fillable in (False, True):
        output = tmp_path_factory.mktemp("sheets")
        options = BuildOptions(formats=[], artefacts=("checklists",), fillable=fillable)
        result = build_project(ROOT, options, output=output)
        found["fillable" if fillable else "print"] = next(result.folder.glob("*-checklists*.pdf"))
    return found


@pytest.mark.parametrize(("pid", "rows"), [
    ("TEK-05", ["Sen", "Sel", "Rab", "Kam", "Jum"] * 5),  # working days: no weekend rows
    ("TEK-01", ["Sel"] * 13),  # every Tuesday, for a quarter
    ("KON-01", [f"20 {m}" for m in ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu",
                                    "Sep", "Okt", "Nov", "Des")]),  # the 20th of each month
    ("TEK-20", ["Maret", "Juni", "September", "Desember"]),  # the quarters' last weeks
    ("MAN-01", [f"Okt {year}" for year in range(2027, 2032)]),  # first due October 2027
])
def test_log_rows_are_the_days_the_schedules_say(sheets: dict[str, Path], pid: str,
                                                  rows: list[str]) -> None:
    """In the print and the fillable sheet alike, read back from the PDF's text."""
    handbook = read_handbook(ROOT).handbook
    assert log_sheet(handbook.procedure(pid), catalogue("id"), handbook.document).rows == rows
    for variant, path in sheets.items():
        pdf = Pdf.open(path)
        page = next(page for _, title, page in pdf.outline() if title.startswith(pid))
        text = pdf.reader.pages[page - 1].extract_text()
        log = text.split("Keterangan", 1)[1].split("Satu baris setiap kali", 1)[0]
        assert log.split() == " ".join(rows).split(), (variant, log)


def test_without_a_time_zone_a_time_is_local_wherever_the_calendar_is_opened(
        mini: Path, tmp_path: Path) -> None:
    """The fixture's document names no time zone: TEK-01's 09:00 is a floating time, which
    icalendar reads as a date-time without a zone, and no VTIMEZONE is written."""
    result = build_project(mini, BuildOptions(formats=[], artefacts=("calendar",)),
                           output=tmp_path)
    calendar = Calendar.from_ical(next(result.folder.glob("*.ics")).read_bytes())
    event = next(e for e in calendar.walk("VEVENT") if str(e["UID"]).startswith("TEK-01."))
    start = event["DTSTART"].dt
    assert start == dt.datetime(2024, 3, 5, 9, 0) and start.tzinfo is None  # a Tuesday
    assert calendar.walk("VTIMEZONE") == []
    assert event.walk("VALARM")[0]["TRIGGER"].dt == -dt.timedelta(minutes=30)


# ------------------------------------------------------------------ another reader: ical.js

ICALJS = Path(os.environ.get("SOPGEN_ICALJS", ROOT / "node_modules" / "ical.js"))
EXPAND = """
const ICAL = (await import(process.argv[1])).default;
const text = require("fs").readFileSync(0, "utf8");
const calendar = new ICAL.Component(ICAL.parse(text));
for (const zone of calendar.getAllSubcomponents("vtimezone")) ICAL.TimezoneService.register(zone);
const until = ICAL.Time.fromDateString(process.argv[2]);
const found = {};
for (const component of calendar.getAllSubcomponents("vevent")) {
  const event = new ICAL.Event(component);
  if (!event.isRecurring()) continue;
  const days = [], it = event.iterator();
  for (let next = it.next(); next && next.compare(until) < 0; next = it.next())
    days.push(next.toString());
  found[event.uid] = days;
}
console.log(JSON.stringify(found));
"""


@pytest.mark.skipif(not (ICALJS / "package.json").is_file() or not shutil.which("node"),
                    reason="ical.js is installed by scripts/setup --test")
def test_icaljs_expands_every_series_to_the_same_days(
        sample_calendar: tuple[Calendar, Document]) -> None:
    calendar, doc = sample_calendar
    until = doc.effective_date.replace(year=doc.effective_date.year + YEARS)
    entry = json.loads((ICALJS / "package.json").read_text())["main"]
    run = subprocess.run(
        ["node", "--input-type=commonjs", "-e", f"(async () => {{{EXPAND}}})()",
         (ICALJS / entry).as_uri(), until.isoformat()],
        input=calendar.to_ical(), capture_output=True, check=True)
    expanded = json.loads(run.stdout)
    series = [e for e in calendar.walk("VEVENT") if "RRULE" in e]
    assert set(expanded) == {str(e["UID"]) for e in series}
    for event in series:
        days = [first.isoformat() for first, _ in occurrences(event, until)]
        assert [day[:10] for day in expanded[str(event["UID"])]] == days, event["UID"]
