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
    target = _folder_for(project, pillar, language, ours) / f"{ident}.yaml"
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


def _folder_for(project: Project, pillar: str, language: str, ours: list[LMap]) -> Path:
    """Where this pillar's procedures already live, else content/<pillar name>/."""
    folders = [Path(p.loc.file).parent for p in ours if hasattr(p, "loc")]
    common = _common([f.as_posix() for f in folders])
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

