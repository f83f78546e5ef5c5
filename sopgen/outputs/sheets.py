"""Printable sheets: a checklist-and-log page per recurring procedure, and an
acknowledgement page per role.

Every sheet is exactly one page, because a sheet is handed out, pinned up and filed
one page at a time. A sheet whose text does not fit is laid out again in a denser
style (smaller type) — up to ``MAX_DENSITY`` times — so a long procedure still gets
one page instead of spilling onto a page without its heading.

A log sheet covers a period chosen so its rows stay tall enough to write in on one
landscape A4 page: see ``SHEET_ROWS``. A procedure with schedules gets a row for each
day it is due in that period, named as far as the schedule fixes it: "Sel" (Tuesday)
for a weekly task on Tuesdays, Monday to Friday week by week for a task on working
days (no weekend rows), "7 Jan" … "7 Des" for the 7th of each month, the schedule's
months for a quarterly or yearly one. The date itself is written in.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sopgen.core import model
from sopgen.core.catalogue import Catalogue
from sopgen.core.model import WEEKDAYS, Document, Handbook, Procedure, Role, flatten
from sopgen.core.schedule import LAST_DAY, Rule, rules
from sopgen.outputs.roles import role_procedures
from sopgen.reading.handbook import Checked
from sopgen.rendering.render import Renderer, theme_folder

# frequency → (rows on one sheet, label key of the period the sheet covers)
SHEET_ROWS: dict[str, tuple[int, str]] = {
    "daily": (31, "sheet_period_daily"),  # a month: one row a day
    "weekly": (13, "sheet_period_weekly"),  # a quarter: 53 rows a year would be 3 mm tall
    "monthly": (12, "sheet_period_monthly"),  # a year
    "quarterly": (4, "sheet_period_quarterly"),  # a year
    "yearly": (5, "sheet_period_yearly"),  # five years
}
LOG_HEIGHT_MM = 148.0  # what the log table's rows share on a landscape A4 sheet
MAX_ROW_MM = 16.0  # a few rows get room for notes, not a whole page each
MAX_TICK_COLUMNS = 6  # checklist items ticked per row in the log; more would not fit
MAX_DENSITY = 3
# Text length (characters, each step or check counting ITEM_WEIGHT more) from which
# sheets of the sample SOP in the default theme needed density 1, 2 and 3.
DENSITY_FROM = (2900, 3250, 4000)
ITEM_WEIGHT = 40
SIGNATURE_ROWS = 5  # a role is often held by several people: each signs a line
# Weeks on a sheet: a month's working days fall in at most 5 weeks; a quarter is 13.
WEEKS_ON_SHEET = {"daily": 5, "weekly": 13}


@dataclass(frozen=True)
class LogSheet:
    """What the checklist template needs for one procedure."""

    procedure: Procedure
    anchor: str
    rows: list[str]
    row_height: float
    period: str
    checks: int
    density: int = 0
    number: int = 0  # its place among the sheets, printed as "Sheet 3 of 32"


@dataclass(frozen=True)
class AckSheet:
    """What the acknowledgement template needs for one role."""

    role: Role
    anchor: str
    procedures: list[Procedure]
    density: int = 0
    number: int = 0


def row_labels(frequency: str, words: Catalogue) -> list[str]:
    """The first column of the log: month names for a monthly sheet, else 1, 2, 3 …"""
    count = SHEET_ROWS[frequency][0]
    if frequency == "monthly":
        from babel.dates import get_month_names

        names = get_month_names("wide", locale=words.meta["babel_locale"])
        return [names[month] for month in range(1, 13)]
    return [str(number) for number in range(1, count + 1)]


def scheduled_rows(procedure: Procedure, doc: Document, words: Catalogue) -> list[str]:
    """The rows of a procedure with schedules: one per day it is due in the sheet's
    period, from the schedules of its own frequency (less frequent ones fall on those)."""
    from babel.dates import get_day_names, get_month_names

    locale = words.meta["babel_locale"]
    own = [r for r in rules(procedure, doc) if r.frequency == procedure.frequency]
    if procedure.frequency in WEEKS_ON_SHEET:
        days = sorted({day for r in own for day in r.weekdays})
        if not days or len(days) == len(WEEKDAYS):
            return row_labels(procedure.frequency, words)  # every day: 1 … 31
        names = get_day_names("abbreviated", locale=locale)
        return [names[day] for _ in range(WEEKS_ON_SHEET[procedure.frequency])
                for day in days]
    months = sorted({m for r in own for m in r.months}) or list(range(1, 13))
    if procedure.frequency == "yearly":  # five years, from the first occurrence's
        short = get_month_names("abbreviated", locale=locale)
        first = min(r.first for r in own).year
        return [f"{short[m]} {year}" for year in range(first, first + SHEET_ROWS["yearly"][0])
                for m in months]
    day = _fixed_day(own)
    names = get_month_names("abbreviated" if day else "wide", locale=locale)
    return [f"{day} {names[m]}" if day else str(names[m]) for m in months]


def _fixed_day(own: list[Rule]) -> str:
    """The day of the month every row shares, when one schedule names a plain day."""
    if len(own) != 1 or own[0].month_only or own[0].working_day_number:
        return ""
    day = own[0].day
    return "" if day is None or day == LAST_DAY or own[0].week is not None else str(day)


def log_sheet(procedure: Procedure, words: Catalogue, doc: Document) -> LogSheet:
    rows = (scheduled_rows(procedure, doc, words) if procedure.schedules
            else row_labels(procedure.frequency, words))
    checks = len(procedure.checklist)
    return LogSheet(procedure=procedure, anchor=model.anchor("procedure", procedure.id),
                    rows=rows, row_height=round(min(MAX_ROW_MM, LOG_HEIGHT_MM / len(rows)), 2),
                    period=SHEET_ROWS[procedure.frequency][1],
                    checks=checks if checks <= MAX_TICK_COLUMNS else 0)


def run_sheet(procedure: Procedure) -> LogSheet:
    """An event procedure's run sheet: its steps with a time and initials each, its
    checks, and room for what happened; no log of dates (it runs when it must)."""
    return LogSheet(procedure=procedure, anchor=model.anchor("procedure", procedure.id),
                    rows=[], row_height=0.0, period="", checks=0)


def sheet_procedures(handbook: Handbook) -> list[Procedure]:
    """The procedures with a sheet: recurring ones (a log), then event ones (a run sheet)."""
    events = [p for p in model.in_pillar_order(handbook) if p.frequency == "event"]
    return model.recurring(handbook) + events


def ack_sheets(handbook: Handbook, role_id: str | None) -> list[AckSheet]:
    """One sheet per role, or only the role a role build is for; none for a vendor or a
    system, which signs no acknowledgement of the organisation's SOP."""
    roles = [r for r in handbook.roles if (role_id is None or r.id == role_id)
             and not model.outside(r)]
    return [AckSheet(role=r, anchor=model.anchor("role", r.id),
                     procedures=role_procedures(handbook, r.id), number=number)
            for number, r in enumerate(roles, start=1)]


def pages_by_sheet(document: Any, anchors: list[str]) -> dict[str, list[Any]]:
    """The pages each sheet took. WeasyPrint lists a split element's anchor on every
    page it reaches; a page with no sheet anchor at all continues the sheet before it."""
    found: dict[str, list[Any]] = {}
    wanted, current = set(anchors), None
    for page in document.pages:
        here = [name for name in page.anchors if name in wanted]
        current = here[0] if here else current
        if current is not None:
            found.setdefault(current, []).append(page)
    return found


def first_density(procedure: Procedure) -> int:
    """A starting guess at the density a sheet needs, from the length of its text.

    Only a guess, to save layout passes (a pass costs ~0.15 s a sheet): the fitting
    loop corrects it either way. ``DENSITY_FROM`` errs low, so no sheet starts smaller
    than it needs to be.
    """
    items = [step for _, step in flatten(procedure.steps)]
    weight = sum(len(s.text) + len(s.warning) + len(s.caution) + ITEM_WEIGHT
                 + sum(len(check) + ITEM_WEIGHT for check in s.verify) for s in items)
    weight += sum(len(check) + ITEM_WEIGHT for check in procedure.checklist)
    return sum(weight >= limit for limit in DENSITY_FROM)


def fitted_pdf(checked: Checked, html_for: Callable[[dict[str, int]], str],
               start: dict[str, int], identifier: str, *, forms: bool = False) -> bytes:
    """Lay the sheets out at their first density, then only those that spilled, denser,
    until each fits its page. ``start`` maps each sheet's anchor to its first density,
    in order; ``html_for`` renders just the sheets it is given, at those densities.

    The pages of every pass are then put together in order (WeasyPrint can join pages
    of several laid-out documents) — which is why a sheet prints its own number ("Sheet 3
    of 32", known before layout) rather than a page counter.
    """
    from sopgen.rendering.pdf import lay_out, pdf_bytes

    theme = theme_folder()
    density = dict(start)
    pages: dict[str, list[Any]] = {}
    documents: list[Any] = []
    todo = list(start)
    while todo:
        document = lay_out(html_for({a: density[a] for a in todo}), theme,
                           [theme, checked.project.assets], forms=forms)
        documents.append(document)
        found = pages_by_sheet(document, todo)
        pages.update(found)
        todo = [a for a in todo if len(found.get(a, [])) > 1 and density[a] < MAX_DENSITY]
        for anchor in todo:
            density[anchor] += 1
    joined = documents[0].copy([page for a in start for page in pages.get(a, [])])
    return pdf_bytes(joined, identifier, forms=forms)


def checklists_pdf(checked: Checked, stem: str, *, draft: bool, edition: str,
                   fillable: bool = False) -> bytes:
    """One landscape page per recurring procedure: steps and checks to tick, and a log;
    and one per event procedure: a run sheet with time and initials per step."""
    handbook = checked.handbook
    # Only the sheets' procedures are link targets, so a mention of another stays text.
    sheet_book = dataclasses.replace(handbook, procedures=sheet_procedures(handbook))
    renderer = Renderer(sheet_book, checked.project.root, draft=draft,
                        assets=checked.project.assets, edition=edition)
    sheets = [dataclasses.replace(run_sheet(p) if p.frequency == "event"
                                  else log_sheet(p, renderer.words, handbook.document),
                                  number=number)
              for number, p in enumerate(sheet_book.procedures, start=1)]

    def html_for(density: dict[str, int]) -> str:
        chosen = [dataclasses.replace(s, density=density[s.anchor]) for s in sheets
                  if s.anchor in density]
        return renderer.render_print("checklists.html.j2", sheets=chosen, fillable=fillable,
                                     sheet_total=len(sheets))

    start = {s.anchor: first_density(s.procedure) for s in sheets}
    name = f"{stem}-checklists" + ("-fillable" if fillable else "")
    return fitted_pdf(checked, html_for, start, name, forms=fillable)


def acknowledgements_pdf(checked: Checked, stem: str, *, draft: bool, edition: str,
                         role_id: str | None = None) -> bytes:
    """One page per role: "I have read and understood version X", its procedures, lines
    for name, signature and date."""
    renderer = Renderer(checked.handbook, checked.project.root, draft=draft,
                        assets=checked.project.assets, edition=edition)
    sheets = ack_sheets(checked.handbook, role_id)

    def html_for(density: dict[str, int]) -> str:
        chosen = [dataclasses.replace(s, density=density[s.anchor]) for s in sheets
                  if s.anchor in density]
        return renderer.render_print("acknowledgements.html.j2", sheets=chosen,
                                     signature_rows=SIGNATURE_ROWS, sheet_total=len(sheets))

    return fitted_pdf(checked, html_for, {s.anchor: 0 for s in sheets},
                      f"{stem}-acknowledgements")
