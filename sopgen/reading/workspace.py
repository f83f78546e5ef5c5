"""The facilitator's workspace: one folder holding a shared library and partner projects.

``sopgen-workspace.toml`` at the workspace's root names them::

    library = "library"                      # optional: the shared library's folder
    partners = ["suara-kita", "lentera"]     # every partner project, by folder

Every folder is inside the workspace (resolved: no ``..``, no link that leads out). A
subfolder that holds a project (``content/``) but is listed nowhere is an error rather
than skipped: a batch build must never leave a partner out without a word.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from sopgen.core.errors import SopgenError
from sopgen.core.problems import Loc, Problem

WORKSPACE_FILE = "sopgen-workspace.toml"
KEYS = ("library", "partners")
LIBRARY = "library"  # the name an adoption gives the workspace's library (``from:``)


@dataclass(frozen=True)
class Workspace:
    """A workspace as its file describes it; every folder resolved and inside ``root``."""

    root: Path
    library: Path | None
    partners: dict[str, Path]  # by the name written in the file (a folder path)

    @property
    def file(self) -> Path:
        return self.root / WORKSPACE_FILE

    def name_of(self, project_root: Path) -> str | None:
        """The partner name of ``project_root`` ("library" for the library), if listed."""
        resolved = project_root.resolve()
        if self.library is not None and self.library == resolved:
            return LIBRARY
        return next((name for name, path in self.partners.items() if path == resolved), None)


def find_workspace(start: Path) -> Path | None:
    """The workspace root at ``start`` or above it, if there is one."""
    here = start.resolve()
    for folder in (here, *here.parents):
        if (folder / WORKSPACE_FILE).is_file():
            return folder
    return None


def read_workspace(folder: Path | str, *, check_unlisted: bool = True) -> Workspace:
    """The workspace at ``folder`` (or above it), checked; every problem at once."""
    root = find_workspace(Path(folder))
    if root is None:
        raise SopgenError.of("no_workspace", path=Path(folder).resolve(),
                             file=WORKSPACE_FILE)
    path = root / WORKSPACE_FILE
    shown = WORKSPACE_FILE
    text = path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise SopgenError.of("workspace_syntax", _error_loc(shown, str(error)),
                             detail=str(error)) from None
    problems = [Problem(_line_of(text, shown, key), "workspace_unknown_key",
                        {"key": key, "allowed": ", ".join(KEYS)})
                for key in data if key not in KEYS]
    library = _library(data.get("library"), root, text, shown, problems)
    partners = _partners(data.get("partners", []), root, text, shown, problems)
    workspace = Workspace(root, library, partners)
    if check_unlisted and not problems:
        problems += _unlisted(workspace, text, shown)
    if problems:
        raise SopgenError(problems)
    return workspace


def _library(value: object, root: Path, text: str, shown: str,
             problems: list[Problem]) -> Path | None:
    if value is None:
        return None
    if not isinstance(value, str):
        problems.append(Problem(_line_of(text, shown, "library"), "workspace_not_text",
                                {"key": "library"}))
        return None
    return _inside(value, root, _line_of(text, shown, "library"), problems)


def _partners(value: object, root: Path, text: str, shown: str,
              problems: list[Problem]) -> dict[str, Path]:
    where = _line_of(text, shown, "partners")
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        problems.append(Problem(where, "workspace_partners_list"))
        return {}
    partners: dict[str, Path] = {}
    for name in value:
        at = _line_of(text, shown, name, quoted=True) or where
        folder = _inside(name, root, at, problems)
        if folder is None:
            continue
        if name in partners or folder in partners.values():
            problems.append(Problem(at, "workspace_partner_twice", {"name": name}))
            continue
        partners[name] = folder
    return partners


def _inside(name: str, root: Path, where: Loc, problems: list[Problem]) -> Path | None:
    """``root/name`` resolved, if it is a project folder inside the workspace."""
    written = Path(name)
    if not name.strip() or written.is_absolute() or ".." in written.parts:
        problems.append(Problem(where, "workspace_outside", {"name": name}))
        return None
    folder = (root / written).resolve()
    if root not in folder.parents:  # a link that leads out of the workspace
        problems.append(Problem(where, "workspace_outside", {"name": name}))
        return None
    if not (folder / "content").is_dir():
        problems.append(Problem(where, "workspace_no_project", {"name": name}))
        return None
    return folder


def _unlisted(workspace: Workspace, text: str, shown: str) -> list[Problem]:
    """Projects in the workspace's subfolders that the file lists nowhere."""
    listed = {*workspace.partners.values(), workspace.library}
    found = sorted(path.parent for path in workspace.root.glob("*/content")
                   if path.is_dir() and not path.parent.name.startswith("."))
    return [Problem(_line_of(text, shown, "partners"), "workspace_unlisted",
                    {"name": folder.name}) for folder in found
            if folder.resolve() not in listed]


def _line_of(text: str, shown: str, word: str, *, quoted: bool = False) -> Loc:
    """Where ``word`` (a key, or a quoted value) is written in the workspace file."""
    pattern = (rf"""(["']){re.escape(word)}\1""" if quoted
               else rf"^\s*{re.escape(word)}\s*=")
    for number, line in enumerate(text.splitlines(), start=1):
        found = re.search(pattern, line)
        if found:
            return Loc(shown, number, found.start() + 1)
    return Loc(shown)


def _error_loc(shown: str, detail: str) -> Loc:
    found = re.search(r"at line (\d+), column (\d+)", detail)
    return Loc(shown, int(found.group(1)), int(found.group(2))) if found else Loc(shown)


def workspace_text(library: str | None, partners: list[str]) -> str:
    """The workspace file as ``init --workspace`` writes it and ``init`` extends it."""
    lines = ["# sopgen workspace: a shared library and the partner projects built from it.",
             "# Every partner folder is listed here; sopgen build --workspace builds them all."]
    if library:
        lines.append(f'library = "{library}"')
    listed = ", ".join(f'"{name}"' for name in partners)
    lines.append(f"partners = [{listed}]")
    return "\n".join(lines) + "\n"


def listed_partners(text: str) -> list[str]:
    """The partner names a workspace file's text lists (none if it does not read)."""
    try:
        partners = tomllib.loads(text).get("partners", [])
    except tomllib.TOMLDecodeError:
        return []
    return [str(name) for name in partners] if isinstance(partners, list) else []


def with_partner(text: str, name: str) -> str:
    """The workspace file's text with ``name`` added to its partners, comments kept."""
    found = re.search(r"^(\s*partners\s*=\s*\[)([^\]]*)\]", text, re.MULTILINE)
    if found is None:
        return text.rstrip("\n") + f'\npartners = ["{name}"]\n'
    items = found.group(2).rstrip().rstrip(",")
    joined = f'{items}, "{name}"' if items.strip() else f'"{name}"'
    return text[:found.start(2)] + joined + text[found.end(2):]
