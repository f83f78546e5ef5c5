"""``build``: read and check the project, make every output in memory, then write once.

Nothing is written until every output has been made, so a mistake found late (a PDF
that cannot be laid out) leaves earlier outputs exactly as they were.
"""

from __future__ import annotations

import datetime as dt
from contextlib import suppress
from dataclasses import dataclass, replace
from pathlib import Path

from sopgen.core.cache import Store, content_key
from sopgen.core.errors import speaking
from sopgen.core.parallel import ForkedCall, can_fork
from sopgen.core.problems import Loc, Problem
from sopgen.core.write import write_folder
from sopgen.outputs.table import BuildOptions, Report, render_outputs
from sopgen.reading.checkcache import ProcedureChecks
from sopgen.reading.handbook import Checked, fail_on_errors, read_handbook, reviewed
from sopgen.reading.load import Project
from sopgen.reading.releases import edited_release, is_released, read_release
from sopgen.reading.validate import conversion_context
from sopgen.reading.yamlcache import YamlCache


@dataclass(frozen=True)
class BuildResult:
    folder: Path
    written: list[Path]
    kept: list[Path]
    warnings: list[str]
    draft: bool
    language: str  # the document's: what to say the result in


def build_project(folder: Path | str, options: BuildOptions | None = None, *,
                  output: Path | None = None, report: Report | None = None,
                  private: Path | None = None) -> BuildResult:
    """Build the project's current content into ``output/<version>[-draft]/``; with
    ``private``, the cache and lock go there instead of into ``output``."""
    readings = YamlCache(_cache_folder(folder, private or output))
    cold = not readings.kept_any()  # nothing kept by an earlier build: see ``Review``
    if cold:
        readings.defer_encoding()  # by forked processes, if they are
    try:
        return _build_read(folder, options, output, report, private, readings, cold)
    finally:
        readings.cancel()  # its forked process, if the build was refused


def _build_read(folder: Path | str, options: BuildOptions | None, output: Path | None,
                report: Report | None, private: Path | None, readings: YamlCache,
                cold: bool) -> BuildResult:
    checked = read_handbook(folder, cache=readings, review=not cold)
    checks = readings.checks(conversion_context())  # the one the reading used
    if cold:  # once, before the forks: the HTML, the Markdown and the cache all need it
        for procedure in checked.handbook.procedures:
            content_key(procedure)
    review = Review.start(checked, checks, readings) if cold else \
        Review.done(checked, checks, readings)
    try:
        released = is_released(checked, cache_of(checked, private or output))
        if not released:
            checked = replace(checked,
                              problems=checked.problems + edited_release(checked, False))
        result = build_checked(checked, options, output=output, draft=not released,
                               report=report, private=private, review=review)
    finally:
        review.cancel()
    readings.save()  # only now: a build that is refused writes nothing
    return result


def _cache_folder(folder: Path | str, output: Path | None) -> Path:
    """Where ``cache_of`` will be, known before the handbook is read."""
    return (output if output is not None else Project.at(folder).root / "output") / ".cache"


def build_release(folder: Path | str, version: str, options: BuildOptions | None = None, *,
                  output: Path | None = None, report: Report | None = None) -> BuildResult:
    """Rebuild a released version from its snapshot; existing files are kept as they are."""
    return build_checked(read_release(folder, version), options, output=output, draft=False,
                         report=report)


def cache_of(checked: Checked, output: Path | None) -> Store:
    """The build's cache: ``output/.cache/`` (see ``core/cache.py``)."""
    return Store(output_folder(checked, output) / ".cache")


def output_folder(checked: Checked, output: Path | None) -> Path:
    return output if output is not None else checked.project.root / "output"


def build_checked(checked: Checked, options: BuildOptions | None = None, *,
                  output: Path | None = None, draft: bool = True,
                  report: Report | None = None, private: Path | None = None,
                  review: Review | None = None) -> BuildResult:
    """``review``: reviewer warnings still being found for ``checked`` (see ``Review``)."""
    output_root = output_folder(checked, output)
    work = private or output_root  # where the cache and the lock live
    language = checked.handbook.document.language
    with speaking(language):
        files, warnings = render_outputs(checked, options or BuildOptions(), draft=draft,
                                         report=report, cache=work / ".cache" / "pdf",
                                         store=cache_of(checked, work))
        if review is not None:
            checked = review.added_to(checked)
        version = checked.handbook.document.version
        name = f"{version}-draft" if draft else version
        if not draft:
            refuse_changed_release_files(checked, output_root / name, files)
        written = write_folder(output_root, name, files, immutable=not draft,
                               lock_folder=private)
    return BuildResult(output_root / name, written.written, written.kept,
                       checked.warnings + warnings, draft, language)


def refuse_changed_release_files(checked: Checked, folder: Path, files: dict[str, bytes]) -> None:
    """Stop, before writing anything, when a released file on disk differs from what this
    build made of it: it is never replaced, so going on would leave the user believing they
    got what they asked for (say, a calendar with links to the site)."""
    project = checked.project
    problems = []
    for relative, data in files.items():
        path = folder / relative
        if path.is_file() and path.read_bytes() != data:
            shown = project.show(path)
            problems.append(Problem(Loc(shown), "output_kept_differs", {"file": shown}))
    fail_on_errors(problems, checked.handbook.document.language)


# --- reviewer warnings, found on another core while the handbook renders

REVIEW_ALONGSIDE_FROM = 150  # procedures; below this a forked process costs more than it saves
# Rendering the HTML is the longest task: the review takes the core the Markdown handbook
# leaves free when done, rather than slow the HTML down by sharing a core with it.
REVIEW_YIELDS = 5
# What the child finds: the warnings, the check results and the reading cache's entries.
Found = tuple[list[Problem], dict[str, str], list[str | None]]


class Review:
    """The reviewer warnings of a handbook read with ``review=False``: found in a forked
    process while this one renders (reading them is a fifth of a large cold build, and
    rendering waits for nothing they say: they are warnings), or here, when forking does
    not pay. They go where ``read_handbook`` puts them, so the build reports the same,
    and what each procedure's checks found goes into the reading cache as if they had
    run here. Only a cold build (no reading cache) does this: a rebuild reads them as it
    reads the rest, with what an earlier build kept."""

    def __init__(self, checked: Checked, checks: ProcedureChecks, readings: YamlCache,
                 today: dt.date, pending: ForkedCall[Found] | None,
                 found: list[Problem] | None = None) -> None:
        self.read, self.checks, self.readings, self.today = checked, checks, readings, today
        self.pending, self.found = pending, found

    @classmethod
    def done(cls, checked: Checked, checks: ProcedureChecks, readings: YamlCache) -> Review:
        """For a handbook read with its reviewer warnings: a rebuild reads them with what
        the reading cache kept, which is quicker than forking."""
        return cls(checked, checks, readings, dt.date.today(), None, found=[])

    @classmethod
    def start(cls, checked: Checked, checks: ProcedureChecks, readings: YamlCache) -> Review:
        """The child also encodes the reading cache's entries still left for later
        (``YamlCache.defer_encoding``; most are encoded while the handbook is read)."""
        review = cls(checked, checks, readings, dt.date.today(), None)
        if len(checked.handbook.procedures) >= REVIEW_ALONGSIDE_FROM and can_fork():
            with suppress(OSError):  # the system could not fork: found here, when asked
                review.pending = ForkedCall(review._found_with_checks, yielding=REVIEW_YIELDS)
        return review

    def found_here(self) -> list[Problem]:
        return reviewed(self.read, self.today, self.checks).problems[len(self.read.problems):]

    def _found_with_checks(self) -> Found:
        """In the child: the warnings, every check result the reading cache is to keep,
        and its entries left to encode."""
        return self.found_here(), self.checks.used, self.readings.encoded_later()

    def added_to(self, checked: Checked) -> Checked:
        """``checked`` (``self.read`` with more problems after its own) with the reviewer
        warnings right after ``self.read``'s problems."""
        found = self.found
        if self.pending is not None:
            forked = self.pending.result()
            if forked is not None:
                found, used, encoded = forked
                self.checks.used.update(used)
                self.readings.take_encoded(encoded)
        if found is None:
            found = self.found_here()
        at = len(self.read.problems)
        return replace(checked, problems=checked.problems[:at] + found + checked.problems[at:])

    def cancel(self) -> None:
        if self.pending is not None:
            self.pending.cancel()
