"""The library API the CLI and the tests call: read a project into a checked handbook.

``read_handbook`` runs load → validate and raises ``ValidationFailed`` with every
problem (in the document's language) if anything is wrong; warnings are returned.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from pathlib import Path

from sopgen.core.catalogue import format_problems
from sopgen.core.errors import ValidationFailed
from sopgen.core.gcpause import paused_gc
from sopgen.core.model import Handbook
from sopgen.core.problems import Problem
from sopgen.reading.adopt import Pin, expand_adoptions
from sopgen.reading.attachments import attachment_problems
from sopgen.reading.checkcache import NO_CHECKS, ProcedureChecks
from sopgen.reading.labels import bring_labels
from sopgen.reading.load import Project, load_file, load_project
from sopgen.reading.procedurecache import materialised
from sopgen.reading.review import reviewer_warnings
from sopgen.reading.validate import asset_problems, conversion_context, language_of, validate
from sopgen.reading.yamlcache import YamlCache
from sopgen.reading.yamlread import LMap


@dataclass(frozen=True)
class Checked:
    """A handbook that passed validation, with what a reviewer should still see."""

    project: Project
    handbook: Handbook
    raw: LMap
    problems: list[Problem] = field(default_factory=list)  # warnings, before formatting
    pins: list[Pin] = field(default_factory=list)  # procedures adopted from the library

    @property
    def warnings(self) -> list[str]:
        """The warnings as lines, in the document's language and in file order."""
        return format_problems(self.problems, self.handbook.document.language)


def read_handbook(folder: Path | str, snapshot: Path | None = None, *,
                  today: dt.date | None = None, assets: Path | None = None,
                  review: bool = True, cache: YamlCache | None = None) -> Checked:
    """Load and validate a project (or one of its release snapshots); ``cache`` holds the
    files' readings kept by earlier builds (its caller saves it once the build is done).

    Current content also gets reviewer warnings (reviews due on ``today``, unused roles
    and terms, thin steps); a frozen snapshot is not reviewed again. ``review=False``
    leaves them for ``reviewed`` to add later (the preview shows the page first).
    """
    with paused_gc(keep=True):
        return _read_handbook(folder, snapshot, today, assets, review, cache)


def reviewed(checked: Checked, today: dt.date | None = None,
             checks: ProcedureChecks = NO_CHECKS) -> Checked:
    """``checked`` read with ``review=False``, with the reviewer warnings added: the same
    as reading it with them (``checks``: what the reading cache kept of them)."""
    with paused_gc(keep=True):
        found = reviewer_warnings(checked.handbook, today or dt.date.today(), checked.raw.loc,
                                  checks)
    return replace(checked, problems=checked.problems + found)


def _read_handbook(folder: Path | str, snapshot: Path | None, today: dt.date | None,
                   assets: Path | None, review: bool = True,
                   cache: YamlCache | None = None) -> Checked:
    project = Project.at(folder)
    if assets is not None:
        project = replace(project, assets_dir=assets)
    pins: list[Pin] = []
    if snapshot is None:
        raw, problems = load_project(project, cache)
        if "adopt" in raw:  # adoption reads the procedures' YAML
            materialised(raw)
        if not any(p.severity == "error" for p in problems):
            pins, found = expand_adoptions(project, raw)
            problems += found
        raw.pop("adopt", None)  # not read for now: the files' own mistakes come first
    else:
        raw, problems = load_file(snapshot, project.show(snapshot))
    problems += bring_labels(project.root)
    context = conversion_context()
    materialised(raw, keep=lambda converted: converted.context == context)
    language = language_of(raw)
    handbook: Handbook | None = None
    checks = cache.checks(context) if cache is not None else NO_CHECKS
    if not any(p.severity == "error" for p in problems):
        handbook, found = validate(raw, checks)
        problems += found
        if handbook is not None and cache is not None:
            cache.keep(handbook.procedures, problems, context)
    else:  # report the readable files' own mistakes now too, not in a second round
        problems += [p for p in validate(raw)[1] if _local(p, raw)]
    if handbook is not None:
        problems += asset_problems(handbook, project.assets)
        problems += attachment_problems(handbook, project.assets)
        if snapshot is None and review:
            problems += reviewer_warnings(handbook, today or dt.date.today(), raw.loc, checks)
    fail_on_errors(problems, language)
    assert handbook is not None
    return Checked(project, handbook, raw, problems, pins)


# Problems that may only be echoes of a file that could not be read.
_NEEDS_EVERY_FILE = {"unknown_role", "unknown_procedure", "unknown_mention", "duplicate_role",
                     "duplicate_procedure", "duplicate_term", "duplicate_procedure_hides",
                     "duplicate_role_hides", "procedure_renamed",
                     "unknown_language"}  # its catalogue may be the file that failed


def _local(problem: Problem, raw: LMap) -> bool:
    return problem.code not in _NEEDS_EVERY_FILE and problem.loc.file != raw.loc.file


def fail_on_errors(problems: list[Problem], language: str | None = None) -> None:
    if any(p.severity == "error" for p in problems):
        raise ValidationFailed(problems, language)
