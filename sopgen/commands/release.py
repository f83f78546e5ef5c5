"""``release``: freeze the current content as its version, then build it.

A release is for good: it needs status ``approved``, an approval and a revision-history
entry, finished text, and a version number not used for other content.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from sopgen.commands.build import BuildResult, build_checked
from sopgen.core.problems import Loc, Problem
from sopgen.core.svg import Unreadable, is_svg, sanitise
from sopgen.core.write import write_file
from sopgen.reading.handbook import Checked, fail_on_errors, read_handbook
from sopgen.reading.releases import (
    is_released,
    next_version,
    released_versions,
    snapshot_path,
    snapshot_text,
    version_key,
)
from sopgen.reading.yamlread import located


def release_project(folder: Path | str, *, output: Path | None = None,
                    report: Callable[[str], None] | None = None) -> tuple[Path, BuildResult]:
    """Freeze the current content as its version, then build it in every format."""
    checked = read_handbook(folder)
    snapshot = freeze(checked)
    return snapshot, build_checked(checked, output=output, draft=False, report=report)


def release_problems(checked: Checked) -> list[Problem]:
    """Why the current content cannot be released as its version, if it cannot."""
    doc = checked.handbook.document
    where = located(doc.version, Loc(checked.project.show(checked.project.content)))
    params: dict[str, object] = {"version": doc.version, "status": doc.status}
    if doc.status != "approved":
        return [Problem(located(doc.status, where), "release_not_approved", params)]
    if not doc.approvals:
        return [Problem(where, "release_no_approval", params)]
    if not any(r.version == doc.version for r in checked.handbook.revisions):
        return [Problem(where, "release_no_revision", params)]
    unfinished = ("placeholder", "starter_value", "imported_review")
    placeholders = [p for p in checked.problems if p.code in unfinished]
    if placeholders:  # a release is for good: the text must be finished
        return [replace(p, severity="error") for p in placeholders]
    snapshot = snapshot_path(checked)
    if snapshot.is_file() and not is_released(checked):
        return [Problem(where, "release_changed", {**params,
                                                   "suggestion": next_version(doc.version)})]
    known = released_versions(checked.project.releases)
    newer = [v for v in known if version_key(v) > version_key(doc.version)]
    if newer and not snapshot.is_file():
        return [Problem(where, "release_older", {**params, "latest": known[-1],
                                                 "suggestion": next_version(known[-1])})]
    return []


def freeze(checked: Checked) -> Path:
    """Write the snapshot of the current content (atomically); refuse if not releasable."""
    fail_on_errors(release_problems(checked), checked.handbook.document.language)
    path = snapshot_path(checked)
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        _freeze_assets(checked, path.parent / checked.handbook.document.version / "assets")
        write_file(path, snapshot_text(checked.raw).encode())
    return path


def _freeze_assets(checked: Checked, target: Path) -> None:
    """Copy the images with the release: renaming or changing one later must not change
    (or break) a released version."""
    source = checked.project.assets
    if source.is_dir() and not target.exists():
        shutil.copytree(source, target, ignore=lambda folder, names: [
            name for name in names if (Path(folder) / name).is_symlink()])  # links stay out
        for path in target.rglob("*"):
            if is_svg(path.name) and path.is_file():  # stored as it is published: inert
                _store_safe_svg(path)


def _store_safe_svg(path: Path) -> None:
    try:
        path.write_bytes(sanitise(path.read_bytes())[0])
    except Unreadable:  # validate refused it if it is used; an unused one is not kept
        path.unlink()
