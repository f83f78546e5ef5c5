"""From handbook to practice: the artefacts built next to the handbook, and role builds.

``Extras`` says what a build adds to the handbook formats: the RACI matrix as CSV,
checklist-and-log sheets, the maintenance calendar, acknowledgement sheets — and,
with ``role``, whether the whole build is cut down to one role's handbook. Every file
name carries the document id and version (and ``-draft``, and the role):

    <id>-<version>[-draft][-<role>]{-raci.csv, -checklists.pdf, .ics, -acknowledgements.pdf}
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .errors import Loc, Problem
from .ical import SITE_URL, ics_bytes
from .labels import catalogue, format_problems
from .pipeline import Checked
from .render import file_stem
from .roles import UsageError, role_handbook

ARTEFACTS = ("raci", "checklists", "calendar", "acknowledgements")


@dataclass(frozen=True)
class Extras:
    """What a build makes besides the handbook formats."""

    artefacts: tuple[str, ...] = ()
    role: str | None = None
    fillable: bool = False  # checklist sheets with PDF form fields
    site_url: str = ""  # where the published site is, for links in the calendar


def check_site_url(url: str, language: str) -> None:
    """Refuse a --site-url that is not an absolute web address: it goes into the calendar
    as a URI as it is, so it must be one a calendar may open."""
    if url and not SITE_URL.fullmatch(url):
        problem = Problem(Loc("--site-url"), "bad_site_url", {"url": url})
        raise UsageError(format_problems([problem], language))


def focus(checked: Checked, role: str | None) -> Checked:
    """The build's handbook: the whole one, or one role's."""
    if role is None:
        return checked
    return dataclasses.replace(checked, handbook=role_handbook(checked.handbook, role))


def render_with_extras(checked: Checked, formats: list[str] | tuple[str, ...], extras: Extras,
                       *, draft: bool, report: Callable[[str], None] | None = None,
                       cache: Path | None = None) -> tuple[dict[str, bytes], list[str]]:
    """The handbook formats (of the role's handbook, for a role build) plus the artefacts."""
    from .build import render_files
    from .releases import revision_changes

    check_site_url(extras.site_url, checked.handbook.document.language)
    focused = focus(checked, extras.role)  # changes stay those of the whole document
    files, warnings = render_files(focused, formats, draft=draft, report=report,
                                   changes=revision_changes(checked), cache=cache)
    doc = focused.handbook.document
    base, stem = file_stem(doc, draft=draft), file_stem(doc, draft=draft, role=extras.role)
    files = {stem + name.removeprefix(base): data for name, data in files.items()}
    files.update(artefact_files(focused, stem, extras, draft=draft, report=report))
    return files, warnings


def artefact_files(checked: Checked, stem: str, extras: Extras, *, draft: bool,
                   report: Callable[[str], None] | None = None) -> dict[str, bytes]:
    """Each artefact asked for, by file name, in memory."""
    from . import raci, sheets

    handbook = checked.handbook
    words = catalogue(handbook.document.language)
    wanted = set(extras.artefacts)
    files: dict[str, bytes] = {}
    if "raci" in wanted:
        files[f"{stem}-raci.csv"] = raci.csv_bytes(handbook, words)
    if "calendar" in wanted:
        files[f"{stem}.ics"] = ics_bytes(handbook, words, draft=draft,
                                         site_url=extras.site_url)
    if "checklists" in wanted and sheets.recurring(handbook):  # no sheets, no file
        if report:
            report("laying out the checklists …")
        files[f"{stem}-checklists.pdf"] = sheets.checklists_pdf(
            checked, stem, draft=draft, fillable=extras.fillable)
    if "acknowledgements" in wanted:
        if report:
            report("laying out the acknowledgements …")
        files[f"{stem}-acknowledgements.pdf"] = sheets.acknowledgements_pdf(
            checked, stem, draft=draft, role_id=extras.role)
    return files
