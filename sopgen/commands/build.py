"""``build``: read and check the project, make every output in memory, then write once.

Nothing is written until every output has been made, so a mistake found late (a PDF
that cannot be laid out) leaves earlier outputs exactly as they were.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from sopgen.core.cache import Store
from sopgen.core.errors import speaking
from sopgen.core.problems import Loc, Problem
from sopgen.core.write import write_folder
from sopgen.outputs.table import BuildOptions, Report, render_outputs
from sopgen.reading.handbook import Checked, fail_on_errors, read_handbook
from sopgen.reading.load import Project
from sopgen.reading.releases import edited_release, is_released, read_release
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
    checked = read_handbook(folder, cache=readings)
    released = is_released(checked, cache_of(checked, private or output))
    if not released:
        checked = replace(checked, problems=checked.problems + edited_release(checked, False))
    result = build_checked(checked, options, output=output, draft=not released, report=report,
                           private=private)
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
                  report: Report | None = None, private: Path | None = None) -> BuildResult:
    output_root = output_folder(checked, output)
    work = private or output_root  # where the cache and the lock live
    language = checked.handbook.document.language
    with speaking(language):
        files, warnings = render_outputs(checked, options or BuildOptions(), draft=draft,
                                         report=report, cache=work / ".cache" / "pdf",
                                         store=cache_of(checked, work))
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
