"""``init`` and ``new``: start a project, or a procedure, that builds at once.

Every YAML file written here starts with the ``yaml-language-server`` comment that
points editors at ``sopgen.schema.json``, so VS Code (YAML extension) completes field
names and flags mistakes while a staff member types.
"""

from __future__ import annotations

import os
import re
import shutil
from collections import Counter
from importlib import resources
from pathlib import Path

from sopgen.commands.schema import SCHEMA_FILE, schema_text
from sopgen.core.catalogue import catalogue
from sopgen.core.errors import SopgenError
from sopgen.core.model import PILLARS, PROCEDURE_ID
from sopgen.reading.labels import bring_labels
from sopgen.reading.load import Project, load_project
from sopgen.reading.validate import language_of
from sopgen.reading.workspace import (
    WORKSPACE_FILE,
    find_workspace,
    listed_partners,
    with_partner,
    workspace_text,
)
from sopgen.reading.yamlread import LMap

STARTERS = {("website", "id"): "website", ("blank", "id"): "blank-id",
            ("blank", "en"): "blank-en"}
PREFIXES = {"id": {"management": "MAN", "technical": "TEK", "content": "KON"},
            "en": {"management": "MAN", "technical": "TEC", "content": "CON"}}
FOLDERS = {"id": {"management": "manajemen", "technical": "teknis", "content": "konten"},
           "en": {"management": "management", "technical": "technical",
                  "content": "content"}}


def schema_comment(yaml_file: Path, project_root: Path) -> str:
    relative = os.path.relpath(project_root / SCHEMA_FILE, yaml_file.parent)
    return f"# yaml-language-server: $schema={Path(relative).as_posix()}\n"


def init_project(target: Path, *, language: str = "id", starter: str = "website") -> list[Path]:
    """Create a new project folder from a starter; refuses to touch a non-empty folder."""
    folder_name = STARTERS.get((starter, language))
    if folder_name is None:
        raise SopgenError.of("no_starter", starter=starter, starter_language=language)
    if target.exists() and any(target.iterdir()):
        raise SopgenError.of("folder_not_empty", path=target)
    source = resources.files("sopgen").joinpath(f"starters/{folder_name}")
    with resources.as_file(source) as starter_path:
        shutil.copytree(starter_path, target, dirs_exist_ok=True)
    written = [_add_schema_comment(path, target) for path in sorted(target.rglob("*.yaml"))]
    written.append(_write(target / SCHEMA_FILE, schema_text()))
    readme = resources.files("sopgen").joinpath(f"starters/README.{language}.md").read_text()
    written.append(_write(target / "README.md", readme))
    written.append(_write(target / ".gitignore", "output/\n"))
    return written


# Workspace: a shared library and partners (see reading/workspace.py)

LIBRARY_ID = "SOP-LIBRARY"


def init_workspace(target: Path, *, language: str = "id") -> list[Path]:
    """A workspace folder: its file, and a library project made from the blank starter."""
    if target.exists() and any(target.iterdir()):
        raise SopgenError.of("folder_not_empty", path=target)
    target.mkdir(parents=True, exist_ok=True)
    written = init_project(target / "library", language=language, starter="blank")
    set_document_id(target / "library", LIBRARY_ID)
    written.append(_write(target / WORKSPACE_FILE, workspace_text("library", [])))
    written.append(_write(target / ".gitignore", "output/\n.sopgen/\n"))
    return written


def join_workspace(target: Path) -> tuple[str, str] | None:
    """If ``target`` is inside a workspace, list it as a partner there and give it a
    document id no other project of the workspace has; its name and id."""
    root = find_workspace(target.parent)
    if root is None:
        return None
    name = target.resolve().relative_to(root).as_posix()
    taken = {_document_id(folder) for folder in root.glob("*") if folder.is_dir()
             and (folder / "content").is_dir() and folder.resolve() != target.resolve()}
    base = "SOP-" + re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-").upper()[:56]
    ident, number = base, 2
    while ident in taken:
        ident, number = f"{base}-{number}", number + 1
    set_document_id(target, ident)
    path = root / WORKSPACE_FILE
    text = path.read_text(encoding="utf-8")
    if name not in listed_partners(text):  # listed already: made again after a delete
        path.write_text(with_partner(text, name), encoding="utf-8")
    return name, ident


def _document_id(folder: Path) -> str:
    raw, _ = load_project(Project(folder))
    document = raw.get("document")
    return str(document.get("id", "")) if isinstance(document, LMap) else ""


def set_document_id(folder: Path, ident: str) -> None:
    """Rewrite ``id:`` under ``document:`` in the file that holds it, comments kept."""
    raw, _ = load_project(Project(folder))
    document = raw.get("document")
    if not isinstance(document, LMap) or "id" not in document:
        return
    loc = document.value_locs["id"]
    path = folder / loc.file
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    line = lines[loc.line - 1]
    old = str(document["id"])
    start = loc.col - 1
    lines[loc.line - 1] = line[:start] + line[start:].replace(old, ident, 1)
    path.write_text("".join(lines), encoding="utf-8")


def _add_schema_comment(path: Path, root: Path) -> Path:
    path.write_text(schema_comment(path, root) + path.read_text(encoding="utf-8"),
                    encoding="utf-8")
    return path


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def new_procedure(folder: Path | str, *, pillar: str, title: str = "") -> Path:
    """Add ``content/<pillar folder>/<next id>.yaml`` with every field and a comment each."""
    if pillar not in PILLARS:
        raise SopgenError.of("unknown_pillar", pillar=pillar, allowed=", ".join(PILLARS))
    project = Project.at(folder)
    raw, _ = load_project(project)  # tolerant: a mistake elsewhere must not block a new file
    bring_labels(project.root)  # a language the project brings (its mistakes: check says)
    language = language_of(raw)
    procedures = [p for p in raw.get("procedures") or [] if isinstance(p, LMap)]
    ours = [p for p in procedures if p.get("pillar") == pillar]
    prefix = _common([str(p.get("id", "")).split("-")[0] for p in ours if _valid_id(p)]) \
        or PREFIXES.get(language, PREFIXES["en"])[pillar]
    ident = _next_id(prefix, [str(p.get("id")) for p in procedures if _valid_id(p)])
    target = _folder_for(project, pillar, language, ours, procedures) / f"{ident}.yaml"
    if target.exists():
        raise SopgenError.of("file_exists", language=language, path=project.show(target))
    target.parent.mkdir(parents=True, exist_ok=True)
    owner = _owner(raw)
    target.write_text(procedure_template(ident, pillar, title, owner, language,
                                         schema_comment(target, project.root)),
                      encoding="utf-8")
    return target


def _owner(raw: LMap) -> str:
    document = raw.get("document")
    owner = document.get("owner") if isinstance(document, LMap) else None
    return str(owner) if owner else "ROLE-ID"


def _valid_id(procedure: LMap) -> bool:
    return bool(PROCEDURE_ID.fullmatch(str(procedure.get("id", ""))))


def _common(values: list[str]) -> str:
    return Counter(values).most_common(1)[0][0] if values else ""


def _next_id(prefix: str, existing: list[str]) -> str:
    numbers = [int(i.split("-")[1]) for i in existing if i.split("-")[0] == prefix]
    width = max((len(i.split("-")[1]) for i in existing), default=2)
    return f"{prefix}-{max(numbers, default=0) + 1:0{width}d}"


def _folder_for(project: Project, pillar: str, language: str, ours: list[LMap],
                everyone: list[LMap] | None = None) -> Path:
    """Where this pillar's procedures already live; else the one folder all procedures
    share (a starter's ``content/procedures/``); else content/<pillar name>/."""
    for procedures in (ours, everyone or []):
        folders = {Path(p.loc.file).parent.as_posix() for p in procedures if hasattr(p, "loc")}
        if procedures is not ours and len(folders) != 1:
            break
        common = _common([Path(p.loc.file).parent.as_posix() for p in procedures
                          if hasattr(p, "loc")])
        if common and common != "content":
            return project.root / common
    return project.content / FOLDERS.get(language, FOLDERS["en"])[pillar]


def procedure_template(ident: str, pillar: str, title: str, owner: str, language: str,
                       header: str) -> str:
    """A complete, valid procedure whose placeholder texts say what to write."""
    words = catalogue(language)
    fill = words.fields["placeholder"]
    doc = words.fields
    title_text = _yaml_text(title) if title else _yaml_text(f"{fill} {doc['title']}")
    lines = [
        header.rstrip("\n"),
        "procedure:",
        f"  id: {ident}  # {doc['id']}",
        f"  title: {title_text}  # {doc['title']}",
        f"  pillar: {pillar}  # {doc['pillar']}",
        f"  # {doc['purpose']}",
        f"  purpose: {_yaml_text(fill + ' ' + doc['purpose'])}",
        f"  # {doc['scope']}",
        f"  scope: {_yaml_text(fill + ' ' + doc['scope'])}",
        f"  # {doc['out_of_scope']}",
        "  out_of_scope: \"\"",
        f"  responsible: [{owner}]  # {doc['responsible']}",
        f"  accountable: {owner}  # {doc['accountable']}",
        f"  consulted: []  # {doc['consulted']}",
        f"  informed: []  # {doc['informed']}",
        f"  frequency: monthly  # {doc['frequency']}",
        f"  # {doc['schedules']}",
        "  schedules: []  # - {day_of_month: 7, time: \"09:00\"}",
        f"  # {doc['trigger']}",
        "  trigger: \"\"",
        f"  prerequisites: []  # {doc['prerequisites']}",
        f"  tools: []  # {doc['tools']}",
        f"  # {doc['steps']}",
        "  steps:",
        f"    - {_yaml_text(fill + ' ' + doc['steps'])}",
        f"  checklist: []  # {doc['checklist']}",
        f"  records: []  # {doc['records']}",
        f"  # {doc['references']}",
        "  references: []",
        f"  related: []  # {doc['related']}",
        f"  # {doc['last_reviewed']}",
        "  last_reviewed:",
    ]
    return "\n".join(lines) + "\n"


def _yaml_text(text: str) -> str:
    """Text as a double-quoted YAML scalar: safe whatever characters it holds."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + re.sub(r"[\x00-\x1f]", " ", escaped) + '"'

