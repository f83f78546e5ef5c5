"""Adoption: a partner takes a procedure from the workspace's shared library, pinned.

A partner writes, in any file under its ``content/``::

    adopt:
      - id: TEK-05                    # the library procedure
        version: "1.2.0"              # the library version adopted (the pin)
        roles: {admin-web: it-staff}  # library role → this partner's role
        override:                     # any procedure field, in this partner's words
          title: Weekly backup
          frequency: weekly
          steps:
            replace: {restore: "Restore last week's backup to the test site."}
            add_after: {restore: ["Tell the coordinator the test restore worked."]}
            remove: [offsite]

The pinned content is the library's release snapshot of that version
(``library/releases/<version>.yaml``), or, for a version the library has not released,
its current content (with a warning). The adopted procedure joins the partner's
procedures as if written there, with ``adopted`` naming its source and version, so a
partner's own release snapshot holds it whole. Nothing is read outside the workspace; a
library that adopts (from a partner or itself) is a cycle and refused.
"""

from __future__ import annotations

import copy
import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from sopgen.core.catalogue import suggest
from sopgen.core.errors import SopgenError
from sopgen.core.model import PROCEDURE_ID, VERSION, Procedure
from sopgen.core.problems import Loc, Problem
from sopgen.reading.load import Project, load_file, load_project
from sopgen.reading.workspace import LIBRARY, Workspace, find_workspace, read_workspace
from sopgen.reading.yamlread import LMap, LSeq, LStr, located

ADOPT_KEYS = ("from", "id", "version", "roles", "override")
STEP_EDITS = ("replace", "add_after", "remove")
ROLE_FIELDS = ("responsible", "accountable", "consulted", "informed")
NOT_OVERRIDDEN = ("id", "adopted")  # the adopted id is the library's; its source is ours


@dataclass(frozen=True)
class Pin:
    """One adoption as the partner wrote it: what, which version, and where."""

    id: str
    version: str
    library: Path  # the library project's root
    loc: Loc  # the adopt entry
    version_loc: Loc  # its version: the value that moves the pin


@dataclass
class _Library:
    """The library as adoptions see it, each version read once per project read."""

    workspace: Workspace
    root: Path
    seen_from: Path  # the partner's root: library files are named relative to it
    versions: dict[str, tuple[LMap | None, list[Problem]]] = field(default_factory=dict)


@dataclass(frozen=True)
class _SeenFrom(Project):
    """The library project, its files named as the partner's user finds them."""

    viewer: Path = Path(".")

    def show(self, path: Path) -> str:
        return Path(os.path.relpath(path, self.viewer)).as_posix()


def expand_adoptions(project: Project, raw: LMap) -> tuple[list[Pin], list[Problem]]:
    """Replace the ``adopt`` entries of ``raw`` by the procedures they adopt."""
    entries = raw.pop("adopt", None)
    if entries is None:
        return [], []
    where = raw.key_locs.pop("adopt")
    raw.value_locs.pop("adopt", None)
    items = list(zip(entries, entries.item_locs, strict=True))
    library, problems = _library(project, where)
    if library is None:
        return [], problems
    pins: list[Pin] = []
    for entry, loc in items:
        adopted = _adopt(entry, loc, library, raw, problems)
        if adopted is not None:
            pin, procedure = adopted
            pins.append(pin)
            _append_procedure(raw, procedure, loc)
    problems += _related_kept(raw, [pin.id for pin in pins])
    return pins, problems


def _library(project: Project, where: Loc) -> tuple[_Library | None, list[Problem]]:
    root = find_workspace(project.root)
    if root is None:
        return None, [Problem(where, "adopt_no_workspace")]
    try:
        workspace = read_workspace(root, check_unlisted=False)
    except SopgenError as error:  # named as seen from this project: ../sopgen-workspace.toml
        return None, [replace(p, loc=p.loc._replace(file=_shown(root / p.loc.file, project.root)))
                      for p in error.problems]
    if workspace.name_of(project.root) == LIBRARY:
        return None, [Problem(where, "adopt_cycle", {"library": _shown(workspace.library,
                                                                       project.root)})]
    if workspace.library is None:
        return None, [Problem(where, "adopt_no_library")]
    return _Library(workspace, workspace.library, project.root), []


def _shown(path: Path | None, viewer: Path) -> str:
    return Path(os.path.relpath(path or viewer, viewer)).as_posix()


def _adopt(entry: object, loc: Loc, library: _Library, raw: LMap,
           problems: list[Problem]) -> tuple[Pin, LMap] | None:
    if not isinstance(entry, LMap):
        problems.append(Problem(located(entry, loc), "adopt_not_mapping"))
        return None
    found = [Problem(entry.key_locs[key], "adopt_unknown_key", suggest(key, ADOPT_KEYS))
             for key in entry if key not in ADOPT_KEYS]
    source = str(entry.get("from") or LIBRARY)
    if source != LIBRARY:
        found.append(Problem(entry.value_locs["from"], "adopt_unknown_source",
                             {"source": source}))
    ident, version = str(entry.get("id") or ""), str(entry.get("version") or "")
    if not PROCEDURE_ID.fullmatch(ident):
        found.append(Problem(entry.value_locs.get("id", entry.loc), "adopt_bad_id",
                             {"id": ident}))
    if not VERSION.fullmatch(version):
        found.append(Problem(entry.value_locs.get("version", entry.loc), "adopt_bad_version",
                             {"version": version}))
    if found:
        problems += found
        return None
    pin = Pin(ident, version, library.root, entry.loc, entry.value_locs["version"])
    procedure = _library_procedure(library, pin, entry, problems)
    if procedure is None:
        return None
    before = len(problems)
    _map_roles(procedure, entry, raw, problems)
    _override(procedure, entry, problems)
    if len(problems) > before and any(p.severity == "error" for p in problems[before:]):
        return None
    _mark_adopted(procedure, pin, library, entry.loc)
    procedure["id"] = _text(pin.id, entry.value_locs["id"])  # "used twice": said here
    procedure.key_locs["id"], procedure.value_locs["id"] = entry.key_locs["id"], \
        entry.value_locs["id"]
    return pin, procedure


def _library_procedure(library: _Library, pin: Pin, entry: LMap,
                       problems: list[Problem]) -> LMap | None:
    content, found = _library_version(library, pin.version, pin.version_loc)
    problems += found
    if content is None:
        return None
    if "adopt" in content:  # the library adopts too: from a partner or from itself
        problems.append(Problem(pin.loc, "adopt_cycle", {
            "library": _shown(library.root, library.seen_from)}))
        return None
    procedures = [p for p in content.get("procedures") or [] if isinstance(p, LMap)]
    match = next((p for p in procedures if str(p.get("id")) == pin.id), None)
    if match is None:
        known = sorted(str(p.get("id")) for p in procedures)
        params = suggest(pin.id, known)
        problems.append(Problem(entry.value_locs["id"], "adopt_unknown_id",
                                {**params, "id": pin.id, "version": pin.version}))
        return None
    return copy.deepcopy(match)


def _library_version(library: _Library, version: str,
                     where: Loc) -> tuple[LMap | None, list[Problem]]:
    """The library's content as released in ``version``: read, and reported, once."""
    if version in library.versions:
        return library.versions[version][0], []
    library.versions[version] = _read_library(library, version, where)
    return library.versions[version]


def _read_library(library: _Library, version: str,
                  where: Loc) -> tuple[LMap | None, list[Problem]]:
    root, viewer = library.root, library.seen_from
    snapshot = root / "releases" / f"{version}.yaml"
    shown = _shown(snapshot, viewer)
    if snapshot.is_file():
        if library.workspace.root not in snapshot.resolve().parents or \
                root.resolve() not in snapshot.resolve().parents:
            return None, [Problem(where, "adopt_outside", {"file": shown})]
        modified = _modified(snapshot, version)
        if modified:
            return None, [Problem(where, "adopt_release_modified",
                                  {"file": shown, "version": version})]
        content, problems = load_file(snapshot, shown)
        return (None if _errors(problems) else content), problems
    project = _SeenFrom(root, viewer=viewer)
    content, problems = load_project(project)
    if _errors(problems):
        return None, problems
    current = str((content.get("document") or {}).get("version", ""))
    if current != version:
        released = sorted(p.stem for p in (root / "releases").glob("*.yaml"))
        return None, [Problem(where, "adopt_no_version", {
            "version": version, "current": current, "known": ", ".join(released) or "—"})]
    return content, [*problems, Problem(where, "adopt_unreleased", {"version": version},
                                        severity="warning")]


def _errors(problems: list[Problem]) -> bool:
    return any(p.severity == "error" for p in problems)


def _modified(snapshot: Path, version: str) -> bool:
    """Whether the snapshot differs from the digest recorded when it was released."""
    manifest = snapshot.with_name(f"{version}.sha256")
    if not manifest.is_file():
        return False
    pairs = (line.split("  ", 1) for line in manifest.read_text(encoding="utf-8").splitlines()
             if "  " in line)
    recorded = {name: digest for digest, name in pairs}
    expected = recorded.get(snapshot.name)
    return expected is not None and \
        expected != hashlib.sha256(snapshot.read_bytes()).hexdigest()


def _map_roles(procedure: LMap, entry: LMap, raw: LMap, problems: list[Problem]) -> None:
    """Library role ids → the partner's; a library role the partner lacks is an error."""
    mapping = entry.get("roles") or LMap()
    if not isinstance(mapping, LMap):
        problems.append(Problem(entry.value_locs["roles"], "adopt_roles_mapping"))
        return
    own = {str(role.get("id")) for role in raw.get("roles") or [] if isinstance(role, LMap)}
    for library_role, partner_role in mapping.items():
        if str(partner_role) not in own:
            problems.append(Problem(mapping.value_locs[library_role], "adopt_role_unknown", {
                **suggest(str(partner_role), sorted(own)), "id": str(partner_role)}))
    missing: list[str] = []

    def mapped(value: object) -> object:
        name = str(value)
        if name in mapping:
            return _text(str(mapping[name]), located(value, entry.loc))
        if name not in own and name not in missing:
            missing.append(name)
        return value

    for key in ROLE_FIELDS:
        value = procedure.get(key)
        if isinstance(value, LSeq):
            value[:] = [mapped(item) for item in value]
        elif value:
            procedure[key] = mapped(value)
    _map_step_roles(procedure.get("steps"), mapped)
    for name in missing:
        problems.append(Problem(entry.key_locs.get("roles", entry.loc), "adopt_role_missing", {
            "role": name, "id": str(entry.get("id")), "allowed": ", ".join(sorted(own))}))


def _map_step_roles(steps: object, mapped: Callable[[object], object]) -> None:
    for step in steps if isinstance(steps, LSeq) else []:
        if isinstance(step, LMap):
            if step.get("role"):
                step["role"] = mapped(step["role"])
            _map_step_roles(step.get("substeps"), mapped)


def _text(value: str, loc: Loc) -> LStr:
    text = LStr(value)
    text.loc = loc
    return text


def _override(procedure: LMap, entry: LMap, problems: list[Problem]) -> None:
    changes = entry.get("override")
    if changes is None:
        return
    if not isinstance(changes, LMap):
        problems.append(Problem(entry.value_locs["override"], "adopt_override_mapping"))
        return
    fields = [name for name in Procedure.__dataclass_fields__ if name not in NOT_OVERRIDDEN]
    for key, value in changes.items():
        if key not in fields:
            problems.append(Problem(changes.key_locs[key], "adopt_override_unknown",
                                    suggest(key, fields)))
        elif key == "steps" and isinstance(value, LMap):
            _edit_steps(procedure, value, problems)
        else:
            procedure[key] = value
            procedure.key_locs[key] = changes.key_locs[key]
            procedure.value_locs[key] = changes.value_locs[key]


def _edit_steps(procedure: LMap, edits: LMap, problems: list[Problem]) -> None:
    """Steps replaced, added after or removed by their ids, wherever they are nested."""
    steps = procedure.get("steps")
    if not isinstance(steps, LSeq):
        return
    for kind, value in edits.items():
        if kind not in STEP_EDITS:
            problems.append(Problem(edits.key_locs[kind], "adopt_step_edit",
                                    suggest(kind, STEP_EDITS)))
            continue
        targets = list(value) if kind == "remove" and isinstance(value, LSeq) else \
            list(value.items()) if isinstance(value, LMap) else None
        if targets is None:
            problems.append(Problem(edits.value_locs[kind], "adopt_step_edit_form",
                                    {"edit": kind}))
            continue
        for target in targets:
            step_id, new = (target, None) if kind == "remove" else target
            where = located(step_id, edits.value_locs[kind])
            if not _edit_step(steps, str(step_id), kind, new):
                known = sorted(_step_ids(steps))
                problems.append(Problem(where, "adopt_unknown_step", {
                    **suggest(str(step_id), known), "id": str(step_id),
                    "procedure": str(procedure.get("id"))}))


def _edit_step(steps: LSeq, step_id: str, kind: str, new: object) -> bool:
    for index, step in enumerate(steps):
        if isinstance(step, LMap) and str(step.get("id", "")) == step_id:
            if kind == "replace":
                steps[index] = new
                steps.item_locs[index] = located(new, step.loc)
            elif kind == "remove":
                del steps[index], steps.item_locs[index]
            else:
                added = list(new) if isinstance(new, LSeq) else [new]
                locs = new.item_locs if isinstance(new, LSeq) else [located(new, step.loc)]
                steps[index + 1:index + 1] = added
                steps.item_locs[index + 1:index + 1] = locs
            return True
        if isinstance(step, LMap) and isinstance(step.get("substeps"), LSeq) and \
                _edit_step(step["substeps"], step_id, kind, new):
            return True
    return False


def _step_ids(steps: object) -> list[str]:
    found = []
    for step in steps if isinstance(steps, LSeq) else []:
        if isinstance(step, LMap):
            if step.get("id"):
                found.append(str(step["id"]))
            found += _step_ids(step.get("substeps"))
    return found


def _mark_adopted(procedure: LMap, pin: Pin, library: _Library, loc: Loc) -> None:
    """``adopted: {library, id, version}``: the source line the outputs print."""
    content, _ = library.versions[pin.version]
    document = content.get("document") if content is not None else None
    source = LMap()
    source.loc, source.key_locs, source.value_locs = loc, {}, {}
    values = {"library": str(document.get("id", "")) if isinstance(document, LMap) else "",
              "id": pin.id, "version": pin.version}
    for key, value in values.items():
        source[key] = _text(value, loc)
        source.key_locs[key] = source.value_locs[key] = loc
    procedure["adopted"] = source
    procedure.key_locs["adopted"] = procedure.value_locs["adopted"] = loc


def _append_procedure(raw: LMap, procedure: LMap, loc: Loc) -> None:
    if not isinstance(raw.get("procedures"), LSeq):
        target = LSeq()
        target.loc, target.item_locs = loc, []
        raw["procedures"] = target
        raw.key_locs["procedures"] = raw.value_locs["procedures"] = loc
    raw["procedures"].append(procedure)
    raw["procedures"].item_locs.append(loc)


def _related_kept(raw: LMap, adopted: list[str]) -> list[Problem]:
    """An adopted procedure's related ids that this partner does not have are left out,
    each with a warning (the library's neighbours are not the partner's)."""
    procedures = [p for p in raw.get("procedures") or [] if isinstance(p, LMap)]
    ids = {str(p.get("id")) for p in procedures}
    problems = []
    for procedure in procedures:
        related = procedure.get("related")
        if "adopted" not in procedure or not isinstance(related, LSeq):
            continue
        gone = [str(item) for item in related if str(item) not in ids]
        if gone:
            kept = [(item, at) for item, at in zip(related, related.item_locs, strict=True)
                    if str(item) in ids]
            related[:] = [item for item, _ in kept]
            related.item_locs = [at for _, at in kept]
            problems.append(Problem(procedure["adopted"].loc, "adopt_related_dropped", {
                "id": str(procedure.get("id")), "ids": ", ".join(gone)}, severity="warning"))
    return problems
