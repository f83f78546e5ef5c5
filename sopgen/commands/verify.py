"""``verify``: are the releases, and the files built from them, what was released?

Each release's snapshot and images are checked against the digests recorded when it was
released (``releases/<version>.sha256``). Then each file in ``output/<version>/`` that
sopgen can make again is made again in memory and compared byte for byte: builds are
reproducible, so a difference means the file is not the released one. Laying out PDFs
takes minutes, so they are compared only with ``pdf``.

``record`` writes the digests of releases that have none — releases made before sopgen
recorded digests. It never replaces a recorded digest: an edited snapshot cannot be made
to pass by recording it again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sopgen.core.catalogue import catalogue
from sopgen.core.errors import ValidationFailed
from sopgen.core.model import VISIBILITIES, Visibility
from sopgen.core.problems import Loc, Problem
from sopgen.outputs.table import BuildOptions, render_outputs
from sopgen.reading.handbook import Checked, fail_on_errors
from sopgen.reading.load import Project
from sopgen.reading.releases import (
    digests,
    integrity_problems,
    read_release,
    recorded,
    released_versions,
    snapshot_language,
    write_manifest,
)
from sopgen.rendering.render import file_stem


@dataclass
class Verified:
    """What verify found: a line per release, and the problems (none when all is well)."""

    lines: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    unchecked: int = 0


def verify_project(folder: Path | str, *, output: Path | None = None, pdf: bool = False,
                   record: bool = False) -> list[str]:
    """Check every release and its outputs; raise with every problem, or return the report."""
    project = Project.at(folder)
    versions = released_versions(project.releases)
    if not versions:
        fail_on_errors([Problem(Loc(project.show(project.releases)), "nothing_released")], "en")
    language = snapshot_language(project.releases / f"{versions[-1]}.yaml")
    words = catalogue(language)
    found = Verified()
    for version in versions:
        if record and recorded(project.releases, version) is None:
            path = write_manifest(project.releases, version)
            found.lines.append(words.label("verify_recorded").format(
                version=version, manifest=project.show(path)))
        verify_version(project, version, output or project.root / "output", pdf, found)
    if found.problems:
        raise ValidationFailed(found.problems, language)
    if found.unchecked:
        found.lines.append(words.label("verify_not_checked").format(count=found.unchecked))
    return found.lines


def verify_version(project: Project, version: str, output_root: Path, pdf: bool,
                   found: Verified) -> None:
    problems = integrity_problems(project, version)
    if problems:
        found.problems += problems
        return
    checked = read_release(project.root, version)
    matched, differing, unchecked = compare_outputs(checked, output_root / version, pdf)
    found.problems += differing
    found.unchecked += unchecked
    images = len(digests(project.releases, version)) - 1
    words = catalogue(checked.handbook.document.language)
    found.lines.append(words.label("verify_ok").format(version=version, count=images,
                                                          checked=matched))


def compare_outputs(checked: Checked, folder: Path,
                    pdf: bool) -> tuple[int, list[Problem], int]:
    """Files in ``folder`` made again and compared: (matching, a problem per differing one,
    how many could not be checked)."""
    on_disk = {p.name for p in folder.iterdir() if p.is_file()} if folder.is_dir() else set()
    remaining = set(on_disk)
    matched, problems = 0, []
    for edition in (None, *VISIBILITIES):
        options = _options(checked, edition, on_disk, pdf)
        if options is None:
            continue
        files, _ = render_outputs(checked, options, draft=False)
        for name, data in files.items():
            if name not in remaining:
                continue
            remaining.discard(name)
            if (folder / name).read_bytes() == data:
                matched += 1
            else:
                shown = checked.project.show(folder / name)
                problems.append(Problem(Loc(shown), "output_differs", {
                    "file": shown, "version": checked.handbook.document.version}))
    return matched, problems, len(remaining)


def _options(checked: Checked, edition: Visibility | None, on_disk: set[str],
             pdf: bool) -> BuildOptions | None:
    """The build that makes the files of one edition found on disk, or ``None``."""
    stem = file_stem(checked.handbook.document, draft=False, edition=edition)
    formats = [f for f in ("md", "html", "pdf") if f"{stem}.{f}" in on_disk
               and (pdf or f != "pdf")]
    artefacts = [name for name, suffix in (("raci", "-raci.csv"),
                                          ("checklists", "-checklists.pdf"),
                                          ("acknowledgements", "-acknowledgements.pdf"))
                 if f"{stem}{suffix}" in on_disk and (pdf or suffix.endswith(".csv"))]
    if not formats and not artefacts:
        return None
    return BuildOptions(formats=formats, artefacts=artefacts, edition=edition)

