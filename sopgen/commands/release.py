"""``release``: freeze the current content as its version, then build it.

A release is for good: it needs status ``approved``, a revision-history entry, an
approval of this very version dated on or after that entry, an effective date on or after
the approval and later than the previous release's, finished text, and a version number
not used for other content. Every unmet requirement is listed at once.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from sopgen.commands.build import BuildResult, build_checked
from sopgen.core.model import Approval, Document, Revision
from sopgen.core.problems import Loc, Problem
from sopgen.core.svg import Unreadable, is_svg, sanitise
from sopgen.core.write import write_file
from sopgen.reading.handbook import Checked, fail_on_errors, read_handbook
from sopgen.reading.releases import (
    is_released,
    next_version,
    read_release,
    released_versions,
    snapshot_path,
    snapshot_text,
    version_key,
    write_manifest,
)
from sopgen.reading.yamlread import LMap, located


def release_project(folder: Path | str, *, output: Path | None = None,
                    report: Callable[[str], None] | None = None,
                    private: Path | None = None) -> tuple[Path, BuildResult]:
    """Freeze the current content as its version, then build it in every format (with
    ``private``, the cache and lock go there, as for ``build_project``)."""
    checked = read_handbook(folder)
    snapshot = freeze(checked)
    return snapshot, build_checked(checked, output=output, draft=False, report=report,
                                   private=private)


# Warnings about text or files that were left out of the handbook: fine in a draft, but a
# release must not freeze a handbook that silently misses a procedure or half a sentence.
CHANGES_CONTENT = ("text_as_comment", "symlink_folder", "starter_placeholder")


def release_problems(checked: Checked) -> list[Problem]:
    """Every reason the current content cannot be released as its version, all at once."""
    doc = checked.handbook.document
    where = located(doc.version, Loc(checked.project.show(checked.project.content)))
    params: dict[str, object] = {"version": doc.version, "status": doc.status}
    problems: list[Problem] = []
    if doc.status != "approved":
        problems.append(Problem(located(doc.status, where), "release_not_approved", params))
    revision = next((r for r in checked.handbook.revisions if r.version == doc.version), None)
    if revision is None:
        problems.append(Problem(where, "release_no_revision", params))
    problems += approval_problems(doc, revision, where)
    problems += effective_date_problems(checked, where)
    unfinished = ("placeholder", "starter_value", "imported_review",
                  "adopt_unreleased", *CHANGES_CONTENT)  # adopted text may still change
    placeholders = [p for p in checked.problems if p.code in unfinished]
    problems += [replace(p, severity="error") for p in placeholders]  # a release is for good
    return problems + numbering_problems(checked, where, params)


def approval_problems(doc: Document, revision: Revision | None, where: Loc) -> list[Problem]:
    """A release needs an approval of its own version, given once the revision was written."""
    params: dict[str, object] = {"version": doc.version,
                                 "revised": revision.date.isoformat() if revision else "—"}
    if not doc.approvals:
        return [Problem(where, "release_no_approval", params)]
    own = [a for a in doc.approvals if a.version == doc.version]
    if not own:
        return [_not_this_version(a, where, params) for a in doc.approvals]
    if revision is None:
        return []
    return [Problem(located(a.name, where), "release_approval_before_revision",
                    {**params, "name": a.name, "date": a.date.isoformat()})
            for a in own if a.date < revision.date]


def _not_this_version(approval: Approval, where: Loc, params: dict[str, object]) -> Problem:
    """An approval of another version, or of no version named."""
    found = {**params, "name": approval.name, "date": approval.date.isoformat(),
             "approved": approval.version}
    if approval.version:
        return Problem(located(approval.name, where), "release_approval_other_version", found)
    return Problem(located(approval.name, where), "release_approval_no_version", found)


def effective_date_problems(checked: Checked, where: Loc) -> list[Problem]:
    """In force on or after its approval, and later than the release before it."""
    doc = checked.handbook.document
    section = checked.raw.get("document")
    effective = section.value_locs.get("effective_date", where) \
        if isinstance(section, LMap) else where
    params: dict[str, object] = {"version": doc.version,
                                 "effective": doc.effective_date.isoformat()}
    problems = []
    approved = [a.date for a in doc.approvals if a.version == doc.version]
    if approved and doc.effective_date < max(approved):
        problems.append(Problem(effective, "release_effective_before_approval",
                                {**params, "approved": max(approved).isoformat()}))
    previous = previous_release(checked)
    if previous is not None:
        before = read_release(checked.project.root, previous).handbook.document.effective_date
        if doc.effective_date <= before:
            problems.append(Problem(effective, "release_effective_stale", {
                **params, "previous": previous, "previous_effective": before.isoformat()}))
    return problems


def previous_release(checked: Checked) -> str | None:
    """The newest released version before the current one, if any."""
    version = version_key(checked.handbook.document.version)
    earlier = [v for v in released_versions(checked.project.releases)
               if version_key(v) < version]
    return earlier[-1] if earlier else None


def numbering_problems(checked: Checked, where: Loc, params: dict[str, object]) -> list[Problem]:
    """A version number is used once, and only upwards."""
    doc = checked.handbook.document
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
        write_manifest(path.parent, checked.handbook.document.version)
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
