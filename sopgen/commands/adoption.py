"""Drift of adopted procedures, and ``sopgen adopt --update``, which moves a pin.

A partner pins each adopted procedure to a library version. When the library has since
released a newer version in which that procedure reads differently, ``check`` warns,
with the fields that changed; ``adopt --update ID`` rewrites the pin in place.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from sopgen.core.catalogue import Catalogue, catalogue
from sopgen.core.errors import SopgenError
from sopgen.core.model import Procedure
from sopgen.core.problems import Problem
from sopgen.outputs.diff import ProcedureChange, compare_procedure, procedure_change_lines
from sopgen.reading.adopt import Pin
from sopgen.reading.handbook import Checked, read_handbook
from sopgen.reading.releases import read_release, released_versions, version_key


@dataclass(frozen=True)
class Drift:
    """An adopted procedure whose library moved on since its pin."""

    pin: Pin
    newest: str  # the library's newest release
    change: ProcedureChange | None  # None: the newest release no longer has it


def newest_release(library: Path) -> str | None:
    versions = released_versions(library / "releases")
    return versions[-1] if versions else None


def adoption_drift(checked: Checked) -> list[Drift]:
    """Each adopted procedure the library's newest release has changed since its pin."""
    found = []
    for pin in checked.pins:
        newest = newest_release(pin.library)
        if newest is None or version_key(newest) <= version_key(pin.version):
            continue
        pinned = _library_procedure(pin.library, pin.version, pin.id)
        current = _library_procedure(pin.library, newest, pin.id)
        if pinned is None:  # pinned to unreleased content: nothing frozen to compare
            continue
        change = compare_procedure(pinned, current) if current else None
        if change is None or change.fields or change.steps:
            found.append(Drift(pin, newest, change))
    return found


def _library_procedure(library: Path, version: str, ident: str) -> Procedure | None:
    if not (library / "releases" / f"{version}.yaml").is_file():
        return None
    handbook = read_release(library, version).handbook
    return next((p for p in handbook.procedures if p.id == ident), None)


def drift_problems(drifts: list[Drift], words: Catalogue) -> list[Problem]:
    """One warning per drift, at the pinned version, saying how to move the pin."""
    problems = []
    for drift in drifts:
        params: dict[str, object] = {"id": drift.pin.id, "old": drift.pin.version,
                                     "new": drift.newest}
        if drift.change is None:
            problems.append(Problem(drift.pin.version_loc, "adopt_drift_removed", params,
                                    severity="warning"))
            continue
        names = [words.labels.get(name, name) for name in drift.change.field_names]
        problems.append(Problem(drift.pin.version_loc, "adopt_drift",
                                {**params, "changes": ", ".join(names)}, severity="warning"))
    return problems


def drift_lines(drifts: list[Drift], words: Catalogue) -> list[str]:
    """The field-level difference of each drift, as ``sopgen diff`` shows it."""
    lines = []
    for drift in drifts:
        if drift.change is None:
            continue
        lines.append(words.label("adopt_drift_heading").format(
            id=drift.pin.id, new=drift.newest, old=drift.pin.version))
        lines += procedure_change_lines(drift.change, words, "  ")
    return lines


def move_pin(folder: Path | str, ident: str, version: str | None = None) -> tuple[str, str]:
    """Rewrite the pin of adopted procedure ``ident`` to ``version`` (default: the
    library's newest release) where it is written; returns the file and the version."""
    checked = read_handbook(folder)
    language = checked.handbook.document.language
    pin = next((p for p in checked.pins if p.id == ident), None)
    if pin is None:
        raise SopgenError.of("adopt_pin_unknown", language=language, id=ident,
                             allowed=", ".join(p.id for p in checked.pins) or "—")
    target = version or newest_release(pin.library) or pin.version
    path = checked.project.root / pin.version_loc.file
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    index = pin.version_loc.line - 1
    start = pin.version_loc.col - 1
    old = lines[index][start:]
    lines[index] = lines[index][:start] + re.sub(
        rf"(['\"]?){re.escape(pin.version)}\1", f'"{target}"', old, count=1)
    before = path.read_text(encoding="utf-8")
    path.write_text("".join(lines), encoding="utf-8")
    try:
        read_handbook(folder)  # the new pin must read: else the file is put back
    except SopgenError:
        path.write_text(before, encoding="utf-8")
        raise
    return pin.version_loc.file, target


def words_of(checked: Checked) -> Catalogue:
    return catalogue(checked.handbook.document.language)
