"""Located YAML kept on disk between builds: a new process parses only the files that changed.

Each file's reading (values with every line and column, and its warnings) is stored as
JSON under a key that hashes sopgen's version, the name the file is shown by and its exact
bytes (``core/cache.digest``), so an entry can never be stale. The key is stored in the
entry and checked; an entry that is foreign, cut short or not in the expected shape is
ignored and the file is read afresh. Nothing in the cache is ever run: it is plain JSON.
All entries of one project live in one file, ``<cache>/yaml/files.json``, rewritten only
when something changed; entries of files no longer read are dropped then.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from sopgen.core.cache import digest
from sopgen.core.problems import Loc, Problem
from sopgen.reading.yamlread import (
    MAX_FILE_BYTES,
    Budget,
    LMap,
    LSeq,
    LStr,
    Span,
    dangling_items,
    read_yaml,
)

_STR, _MAP, _SEQ = 0, 1, 2
_FORMAT = 1


class YamlCache:
    """The stored readings of one project's files, loaded once per build."""

    def __init__(self, folder: Path | None) -> None:
        self.path = folder / "yaml" / "files.json" if folder is not None else None
        self.entries: dict[str, Any] = self._load()
        self.used: dict[str, Any] = {}

    def _load(self) -> dict[str, Any]:
        if self.path is None:
            return {}
        try:
            stored = json.loads(self.path.read_bytes())
        except (OSError, ValueError):  # none yet, or cut short: every file is read
            return {}
        if not isinstance(stored, dict) or stored.get("format") != _FORMAT or \
                not isinstance(stored.get("entries"), dict):
            return {}
        return stored["entries"]

    def read(self, path: Path, shown_as: str, budget: Budget) -> tuple[object, list[Problem]]:
        """``read_yaml(path, shown_as, budget)``, from the cache when the bytes are known."""
        try:
            raw = path.read_bytes() if path.stat().st_size <= MAX_FILE_BYTES else None
        except OSError:
            raw = None
        if raw is None:  # too large or unreadable: read_yaml says so
            return read_yaml(path, shown_as, budget)
        key = digest("yaml-reading", shown_as, raw)
        known = _decoded(self.entries.get(key), key, shown_as, raw)
        if known is not None and budget.nodes - known[2] >= 0:
            budget.nodes -= known[2]
            self.used[key] = self.entries[key]
            return known[0], known[1]
        before = budget.nodes
        data, problems = read_yaml(path, shown_as, budget)
        if budget.nodes >= 0 and data is not None and \
                not any(problem.severity == "error" for problem in problems):
            entry = _entry(key, data, problems, before - budget.nodes)
            if entry is not None:
                self.used[key] = entry
        return data, problems

    def save(self) -> None:
        """Write the entries used by this build, when they differ from what was stored."""
        if self.path is None or self.used.keys() == self.entries.keys():
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(prefix=".files.", dir=self.path.parent)
            with os.fdopen(handle, "w", encoding="utf-8") as out:  # two builds may share it
                out.write(json.dumps({"format": _FORMAT, "entries": self.used},
                                     ensure_ascii=False))
            os.replace(temporary, self.path)
        except OSError:  # a cache that cannot be written only costs time
            return


def _entry(key: str, data: object, problems: list[Problem], nodes: int) -> dict[str, Any] | None:
    stored = []
    for problem in problems:
        if not all(type(value) in (str, int) for value in problem.params.values()):
            return None  # a value JSON would not give back as it was: not kept
        loc = problem.loc
        stored.append([loc.file, loc.line, loc.col, problem.code, problem.severity,
                       problem.params])
    return {"key": key, "nodes": nodes, "data": encode(data), "problems": stored}


def _decoded(entry: object, key: str, shown_as: str,
             raw: bytes) -> tuple[object, list[Problem], int] | None:
    if not isinstance(entry, dict) or entry.get("key") != key:
        return None
    try:
        lines = raw.decode("utf-8-sig").splitlines()
        data = decode(entry["data"], shown_as, lines)
        problems = [Problem(Loc(file, line, col), code, dict(params), severity)
                    for file, line, col, code, severity, params in entry["problems"]]
        nodes = entry["nodes"]
    except (ValueError, TypeError, KeyError, IndexError, AttributeError):
        return None  # not in the shape this version writes: read afresh
    if type(nodes) is not int:
        return None
    return data, problems, nodes


def encode(value: object) -> Any:
    """Located data as JSON lists; the file name is the same in every location."""
    if value is None:
        return None
    if isinstance(value, LMap):
        items = [[key, *value.key_locs[key][1:], *value.value_locs[key][1:], encode(item)]
                 for key, item in value.items()]
        dangling = {key: list(loc[1:]) for key, loc in dangling_items(value).items()}
        return [_MAP, *value.loc[1:], items, dangling]
    if isinstance(value, LSeq):
        return [_SEQ, *value.loc[1:],
                [[*loc[1:], encode(item)] for loc, item in zip(value.item_locs, value)]]
    assert isinstance(value, LStr)
    span = value.span
    if span is None:
        return [_STR, *value.loc[1:], str(value)]
    return [_STR, *value.loc[1:], str(value), *span.start, *span.end]


def decode(stored: Any, name: str, lines: list[str]) -> Any:
    """``encode``'s data as it was read: the same values, locations and spans."""
    if stored is None:
        return None
    kind = stored[0]
    if kind == _STR:
        text = LStr(stored[3])
        text.loc = Loc(name, stored[1], stored[2])
        if len(stored) == 8:
            text.span = Span(name, lines, (stored[4], stored[5]), (stored[6], stored[7]))
        return text
    if kind == _MAP:
        mapping = LMap()
        mapping.loc = Loc(name, stored[1], stored[2])
        key_locs: dict[str, Loc] = {}
        value_locs: dict[str, Loc] = {}
        mapping.key_locs, mapping.value_locs = key_locs, value_locs
        for key, key_line, key_col, value_line, value_col, item in stored[3]:
            mapping[key] = decode(item, name, lines)
            key_locs[key] = Loc(name, key_line, key_col)
            value_locs[key] = Loc(name, value_line, value_col)
        if stored[4]:
            mapping.dangling = {key: Loc(name, *where)  # type: ignore[attr-defined]
                                for key, where in stored[4].items()}
        return mapping
    if kind == _SEQ:
        sequence = LSeq()
        sequence.loc = Loc(name, stored[1], stored[2])
        sequence.item_locs = []
        for line, col, item in stored[3]:
            sequence.append(decode(item, name, lines))
            sequence.item_locs.append(Loc(name, line, col))
        return sequence
    raise ValueError(kind)
