"""Releases: a released version is frozen as a snapshot of its resolved content.

``releases/<version>.yaml`` holds the merged content of that version exactly as it
was released, so it can be rebuilt and compared without git. Content whose snapshot
matches is "released"; anything else builds as a draft.

``releases/<version>.sha256`` records the SHA-256 digest of the snapshot and of each of
its images, in the format of ``sha256sum`` (so ``cd releases && sha256sum -c 2.0.0.sha256``
checks it too). Every read of a snapshot checks it first: a hand-edited release is
refused, with how to get the released text back from git.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

import yaml

from sopgen.core.cache import Store, digest
from sopgen.core.catalogue import languages
from sopgen.core.errors import ValidationFailed
from sopgen.core.model import VERSION
from sopgen.core.problems import Loc, Problem
from sopgen.reading.handbook import Checked, fail_on_errors, read_handbook
from sopgen.reading.load import Project, load_file
from sopgen.reading.procedurecache import Converted
from sopgen.reading.yamlread import LMap, LSeq, located

HEADER = "# sopgen release snapshot: the frozen content of this version. Do not edit.\n"


def plain(value: object) -> object:
    """Located data as plain dicts, lists and strings, in written order."""
    if isinstance(value, Converted):  # a procedure taken from the cache: its YAML
        return plain(value.raw())
    if isinstance(value, LMap | dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, LSeq | list):
        return [plain(item) for item in value]
    return None if value is None else str(value)


def snapshot_text(raw: LMap) -> str:
    """The canonical text of a project's content: equal text, equal content."""
    body = yaml.dump(plain(raw), Dumper=_Dumper, sort_keys=False, allow_unicode=True,
                     width=100, default_flow_style=False)
    return HEADER + body


def snapshot_path(checked: Checked, version: str | None = None) -> Path:
    return checked.project.releases / f"{version or checked.handbook.document.version}.yaml"


def released_versions(releases: Path) -> list[str]:
    names = [path.stem for path in releases.glob("*.yaml") if VERSION.fullmatch(path.stem)]
    return sorted(names, key=version_key)


def content_digest(raw: LMap) -> str:
    """A hash of the content's values in written order: equal digest, equal snapshot text."""
    return digest(json.dumps(plain(raw), ensure_ascii=False, separators=(",", ":")))


def is_released(checked: Checked, cache: Store | None = None) -> bool:
    """Whether the content is exactly its version's snapshot.

    With a cache, the snapshot's text is made (slow: PyYAML's emitter is pure Python) once
    per snapshot file, not once per build: the snapshot is read back, and if its text is
    the canonical text of what it holds, that content's digest is kept under the file's
    hash. The content is released exactly when its digest is that one (snapshot text is a
    one-to-one function of the values).
    """
    path = snapshot_path(checked)
    if not path.is_file():
        return False
    verify_release(checked.project, checked.handbook.document.version)
    text = path.read_bytes()
    if cache is None:
        return text == snapshot_text(checked.raw).encode()
    key = digest("snapshot", text)
    canonical = cache.get("snapshots", key)
    if canonical is None:
        canonical = {"content": _canonical_digest(path, text, checked.project)}
        cache.put("snapshots", key, canonical)
    if canonical["content"] is None:  # a snapshot the reader had something to say about
        return text == snapshot_text(checked.raw).encode()
    return bool(canonical["content"]) and canonical["content"] == content_digest(checked.raw)


def _canonical_digest(path: Path, text: bytes, project: Project) -> str | None:
    """The digest of the content a snapshot file holds, if the file is that content's
    snapshot text byte for byte; "" if it is not (edited by hand); None if reading it
    found problems (then every build compares the text itself)."""
    raw, problems = load_file(path, project.show(path))
    if problems:
        return None
    return content_digest(raw) if snapshot_text(raw).encode() == text else ""


class SnapshotModified(ValidationFailed):
    """A release's snapshot or images are not what was released."""


def manifest_path(releases: Path, version: str) -> Path:
    return releases / f"{version}.sha256"


def release_files(releases: Path, version: str) -> list[Path]:
    """The files a release consists of: its snapshot and its frozen images."""
    assets = releases / version / "assets"
    images = sorted(p for p in assets.rglob("*") if p.is_file()) if assets.is_dir() else []
    return [releases / f"{version}.yaml", *images]


def digests(releases: Path, version: str) -> dict[str, str]:
    """SHA-256 of each file of a release, by its path inside releases/."""
    return {path.relative_to(releases).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in release_files(releases, version)}


def manifest_text(found: dict[str, str]) -> str:
    return "".join(f"{digest}  {name}\n" for name, digest in sorted(found.items()))


def recorded(releases: Path, version: str) -> dict[str, str] | None:
    """The digests recorded when the version was released (``None``: none recorded)."""
    path = manifest_path(releases, version)
    if not path.is_file():
        return None
    lines = (line.split("  ", 1) for line in path.read_text(encoding="utf-8").splitlines()
             if line.strip())
    return {name: digest for digest, name in lines}


def write_manifest(releases: Path, version: str) -> Path:
    """Record the digests of a release (atomically); done once, when it is released."""
    path = manifest_path(releases, version)
    temporary = path.with_suffix(".sha256.tmp")
    temporary.write_text(manifest_text(digests(releases, version)), encoding="utf-8")
    os.replace(temporary, path)
    return path


def integrity_problems(project: Project, version: str) -> list[Problem]:
    """What about a release differs from what was released: each file named, with its fix."""
    releases = project.releases
    manifest = project.show(manifest_path(releases, version))
    snapshot = project.show(releases / f"{version}.yaml")
    expected = recorded(releases, version)
    if expected is None:
        return [Problem(Loc(snapshot), "release_unrecorded",
                        {"version": version, "file": snapshot, "manifest": manifest})]
    found = digests(releases, version)
    problems = []
    for name in sorted(expected.keys() | found.keys()):
        if expected.get(name) == found.get(name):
            continue
        shown = project.show(releases / name)
        code = ("release_file_added" if name not in expected else
                "release_file_missing" if name not in found else "release_modified")
        problems.append(Problem(Loc(shown), code, {"version": version, "file": shown,
                                                   "manifest": manifest}))
    return problems


def verify_release(project: Project, version: str) -> None:
    """Refuse a release whose snapshot or images are not what was released."""
    problems = integrity_problems(project, version)
    if problems:
        language = snapshot_language(project.releases / f"{version}.yaml")
        raise SnapshotModified(problems, language)


def snapshot_language(path: Path) -> str:
    """The document language written in a snapshot, for messages about it."""
    found = re.search(r'^  "?language"?: "([a-z]{2})"$', path.read_text(encoding="utf-8"),
                      re.MULTILINE)
    return found.group(1) if found and found.group(1) in languages() else "en"


class _Dumper(yaml.SafeDumper):
    """Quote every string, so the snapshot reads back as the same text."""


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    style = "|" if "\n" in data else '"'
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _represent_str)


def next_version(version: str) -> str:
    """The smallest version after ``version``: its next patch."""
    major, minor, patch = (int(part) for part in version.split("."))
    return f"{major}.{minor}.{patch + 1}"


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def edited_release(checked: Checked, released: bool | None = None) -> list[Problem]:
    """A warning when content released as its version has been edited since
    (``released``: what ``is_released`` said, when the caller already asked)."""
    doc = checked.handbook.document
    if not snapshot_path(checked).is_file() or \
            (is_released(checked) if released is None else released):
        return []
    return [Problem(located(doc.version, checked.raw.loc), "released_then_edited",
                    {"version": doc.version, "suggestion": next_version(doc.version)},
                    severity="warning")]


def read_release(folder: Path | str, version: str) -> Checked:
    """A released version, read back from its snapshot and validated like content."""
    project = Project.at(folder)
    path = project.releases / f"{version}.yaml"
    if not VERSION.fullmatch(version) or not path.is_file():
        known = ", ".join(released_versions(project.releases))
        where = Loc(project.show(project.releases))
        if known:
            problem = Problem(where, "no_release", {"version": version, "known": known})
        else:
            problem = Problem(where, "no_release_yet", {"version": version})
        fail_on_errors([problem])
    verify_release(project, version)
    frozen = project.releases / version / "assets"  # absent for releases made before
    return read_handbook(folder, snapshot=path, assets=frozen if frozen.is_dir() else None)


def read_version(folder: Path | str, ref: str) -> Checked:
    """A handbook by reference: a released version number, or "current" for content/."""
    return read_handbook(folder) if ref == "current" else read_release(folder, ref)
