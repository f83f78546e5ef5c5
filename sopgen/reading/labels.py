"""Label catalogues a project brings: ``labels/<code>.toml`` in the project, or in the
workspace that holds it (``sopgen-workspace.toml``), the project's keys over the
workspace's. Checked before they are used: TOML syntax, keys sopgen knows, placeholders
that the message can fill, a locale that Babel knows, and every word the handbook prints.
"""

from __future__ import annotations

import os
import re
import string
import tomllib
from pathlib import Path

from sopgen.core.catalogue import (
    REQUIRED_TABLES,
    TABLES,
    bring,
    merged_tables,
    missing_keys,
    package_languages,
    package_tables,
    suggest,
)
from sopgen.core.problems import Loc, Problem

LABELS_FOLDER = "labels"
WORKSPACE_FILE = "sopgen-workspace.toml"
LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}$")
SHOWN_MISSING = 12  # keys named in one message; `sopgen labels --missing` lists them all

Tables = dict[str, dict[str, str]]


def label_folders(project_root: Path) -> list[Path]:
    """The ``labels/`` folders that apply, the workspace's first, the project's last."""
    root = project_root.resolve()
    folders = [root / LABELS_FOLDER]
    for folder in root.parents:
        if (folder / WORKSPACE_FILE).is_file():
            folders.insert(0, folder / LABELS_FOLDER)
            break
    return [folder for folder in folders if folder.is_dir()]


def project_tables(project_root: Path) -> tuple[dict[str, Tables], list[Problem]]:
    """Every language the project brings, merged over sopgen's own, and the problems
    of the files (paths as seen from the project)."""
    layers, files, problems = _layers(project_root)
    merged = {code: merged_tables(code, tables) for code, tables in layers.items()}
    for code, tables in merged.items():
        problems += _missing(code, tables, files[code])
    return merged, problems


def _layers(project_root: Path) -> tuple[dict[str, list[Tables]], dict[str, str],
                                         list[Problem]]:
    """Each language's catalogue files as read, workspace's first; the last file's name."""
    layers: dict[str, list[Tables]] = {}
    files: dict[str, str] = {}
    problems: list[Problem] = []
    for folder in label_folders(project_root):
        for path in sorted(folder.glob("*.toml")):
            shown = Path(os.path.relpath(path, project_root.resolve())).as_posix()
            code = path.stem
            if not LANGUAGE_CODE.fullmatch(code):
                problems.append(Problem(Loc(shown), "labels_bad_name", {"code": code}))
                continue
            tables, found = _read(path, shown)
            problems += found
            layers.setdefault(code, []).append(tables)
            files[code] = shown
    return layers, files, problems


def bring_labels(project_root: Path) -> list[Problem]:
    """Check the project's catalogues and, if they are sound, speak them from now on."""
    found, problems = project_tables(project_root)
    if not any(p.severity == "error" for p in problems):
        bring(found)
    return problems


def _read(path: Path, shown: str) -> tuple[Tables, list[Problem]]:
    text = path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        line, col = _position(str(error))
        return {}, [Problem(Loc(shown, line, col), "labels_syntax", {"detail": str(error)})]
    except UnicodeDecodeError:
        return {}, [Problem(Loc(shown), "labels_syntax", {"detail": "not UTF-8"})]
    english = package_tables("en")
    tables: Tables = {}
    problems: list[Problem] = []
    for table, values in data.items():
        if table not in TABLES or not isinstance(values, dict):
            problems.append(Problem(_where(text, shown, table, heading=True),
                                    "labels_unknown_table",
                                    suggest(table, list(TABLES))))
            continue
        tables[table] = {}
        for key, value in values.items():
            found = _entry_problem(table, key, value, english[table], text, shown)
            if found:
                problems.append(found)
            else:
                tables[table][key] = value
    return tables, problems


def _entry_problem(table: str, key: str, value: object, english: dict[str, str], text: str,
                   shown: str) -> Problem | None:
    where = _where(text, shown, key)
    if key not in english:
        return Problem(where, "labels_unknown_key",
                       {"table": table, **suggest(key, list(english))})
    if not isinstance(value, str):
        return Problem(where, "labels_not_text", {"table": table, "key": key})
    fields = _fields(value)
    allowed = _fields(english[key]) or set()
    if fields is None or not fields <= allowed:
        if not allowed:
            return Problem(where, "labels_no_placeholder", {"table": table, "key": key})
        return Problem(where, "labels_placeholder",
                       {"table": table, "key": key,
                        "allowed": ", ".join("{" + name + "}" for name in sorted(allowed))})
    if table == "meta" and key == "babel_locale" and not _known_locale(value):
        return Problem(where, "labels_locale", {"value": value})
    return None


def _missing(code: str, tables: Tables, shown: str) -> list[Problem]:
    """The handbook's words the catalogue lacks: an error naming them (messages and
    field names may fall back to English)."""
    keys = [f"{table}.{key}" for table, key in missing_keys(code, tables)
            if table in REQUIRED_TABLES]
    if not keys:
        return []
    more = len(keys) - SHOWN_MISSING
    return [Problem(Loc(shown), "labels_missing",
                    {"code": code, "count": len(keys), "keys": ", ".join(keys[:SHOWN_MISSING])
                     + (f" (+{more})" if more > 0 else "")})]


def _fields(template: str) -> set[str] | None:
    """The placeholders of a message template, or None if it is not a valid one."""
    try:
        return {name.split(".")[0].split("[")[0]
                for _, name, _, _ in string.Formatter().parse(template) if name}
    except ValueError:
        return None


def _known_locale(value: str) -> bool:
    from babel import Locale, UnknownLocaleError

    try:
        Locale.parse(value)
    except (UnknownLocaleError, ValueError, TypeError):
        return False
    return True


def _where(text: str, shown: str, key: str, *, heading: bool = False) -> Loc:
    pattern = rf"^\s*\[{re.escape(key)}\]" if heading else rf"^\s*\"?{re.escape(key)}\"?\s*="
    found = re.search(pattern, text, re.MULTILINE)
    if not found:
        return Loc(shown)
    line = text.count("\n", 0, found.start()) + 1
    return Loc(shown, line, len(found.group(0)) - len(found.group(0).lstrip()) + 1)


def _position(detail: str) -> tuple[int, int]:
    found = re.search(r"at line (\d+), column (\d+)", detail)
    return (int(found.group(1)), int(found.group(2))) if found else (0, 0)


def languages_offered(project_root: Path) -> list[str]:
    """The languages a document of this project may be written in."""
    found, _ = project_tables(project_root)
    return sorted({*package_languages(), *found})


def missing_text(folder: Path, code: str) -> tuple[str, list[Problem]]:
    """What the ``code`` catalogue of the project (or workspace) at ``folder`` lacks, as
    TOML to paste into ``labels/<code>.toml``: each key with its English text, the
    handbook's words first, then what may fall back to English."""
    from sopgen.core.catalogue import catalogue, default_language

    layers, _, problems = _layers(folder.resolve())
    tables = merged_tables(code, layers.get(code, []), fallback=False)
    words = catalogue(default_language())
    english = package_tables("en")
    missing = missing_keys(code, tables)
    if not missing:
        return words.label("labels_none_missing").format(code=code) + "\n", problems
    lines = [words.label("labels_missing_head").format(count=len(missing), code=code)]
    optional_said = False
    for table in TABLES:
        keys = [key for name, key in missing if name == table]
        if not keys:
            continue
        if table not in REQUIRED_TABLES and not optional_said:
            lines += ["", words.label("labels_missing_optional")]
            optional_said = True
        lines += ["", f"[{table}]"]
        lines += [f"{key} = {_toml_text(english[table][key])}" for key in keys]
    return "\n".join(lines) + "\n", problems


def _toml_text(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    import json

    return json.dumps(text, ensure_ascii=False)
