"""Located YAML kept on disk between builds: a new process parses only the files that changed.

Each file's reading (values with every line and column, and its warnings) is stored as
JSON under a key that hashes sopgen's version, the name the file is shown by and its exact
bytes (``core/cache.digest``), so an entry can never be stale. The key is stored in the
entry and checked; an entry that is foreign, cut short or not in the expected shape is
ignored and the file is read afresh. Nothing in the cache is ever run: it is plain JSON.
All entries of one project live in one file, ``<cache>/yaml/files.txt``, a line of JSON
per file after its key, each parsed only when its file is read; a build adds the entries
it made at the end, and the file is written anew, without the entries of files no longer
read, once those outnumber the rest. Beside it, ``procedures.txt`` keeps each procedure of
a file holding one as converted (``procedurecache``), so that such a file is neither
parsed nor converted again, and ``checks.txt`` what each procedure's own checks found
(``checkcache``).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from sopgen.core.cache import CONTENT_MEMO, content_key, digest
from sopgen.core.model import Procedure
from sopgen.core.problems import Loc, Problem
from sopgen.reading import checkcache, procedurecache
from sopgen.reading.checkcache import ProcedureChecks
from sopgen.reading.procedurecache import Converted, Unfit
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
_FORMAT = "sopgen yaml readings 1"


class YamlCache:
    """The stored readings of one project's files, loaded once per build."""

    def __init__(self, folder: Path | None) -> None:
        self.path = folder / "yaml" / "files.txt" if folder is not None else None
        self._entries: dict[str, str] | None = None  # loaded when a file is not converted
        self.used: dict[str, str] = {}
        # checked procedures (``procedurecache``): stored, used, files that may be, and
        # the readings of those taken from there (kept, unread, when the readings are saved)
        self.procedures_path = self.path.with_name("procedures.txt") if self.path else None
        self.procedures = _load(self.procedures_path, procedurecache.FORMAT)
        self.procedures_used: dict[str, str] = {}
        self.fresh: dict[str, tuple[str, int, LMap]] = {}
        self.converted: list[str] = []
        # what the checks of each procedure found (``checkcache``), and the key of each
        # file that holds one procedure
        self.file_keys: dict[str, str] = {}
        self._checks: ProcedureChecks | None = None
        self._raw: bytes | None = None  # the readings' file, looked into without parsing

    @property
    def entries(self) -> dict[str, str]:
        """Each file's reading by its key: read from disk only when first needed."""
        if self._entries is None:
            self._entries = _load(self.path, _FORMAT)
        return self._entries

    def kept_any(self) -> bool:
        """Whether an earlier build kept anything here."""
        return bool(self.procedures) or b"\t" in self._raw_readings()

    def _entry(self, key: str) -> str | None:
        """The reading kept under ``key``: a rebuild after one edit looks up one or two,
        so the file is not parsed for them (the last line of a key wins, as in ``_load``)."""
        if self._entries is not None:
            return self._entries.get(key)
        raw = self._raw_readings()
        start = raw.rfind(b"\n" + key.encode() + b"\t")
        if start < 0:
            return None
        start += len(key) + 2
        end = raw.find(b"\n", start)
        try:
            return raw[start:end if end >= 0 else len(raw)].decode("utf-8")
        except ValueError:  # not text: read afresh
            return None

    def _raw_readings(self) -> bytes:
        """The readings' file as bytes, after its header line; empty when there is none
        or it is of another format."""
        if self._raw is None:
            self._raw = b""
            try:
                raw = self.path.read_bytes() if self.path is not None else b""
            except OSError:
                raw = b""
            header = _FORMAT.encode()
            if raw == header or raw.startswith(header + b"\n"):
                self._raw = raw[len(header):]
        return self._raw

    def read(self, path: Path, shown_as: str, budget: Budget) -> tuple[object, list[Problem]]:
        """``read_yaml(path, shown_as, budget)``, from the cache when the bytes are known."""
        if self.path is None:  # no cache folder (the preview remembers in memory)
            return read_yaml(path, shown_as, budget)
        try:
            raw = path.read_bytes() if path.stat().st_size <= MAX_FILE_BYTES else None
        except OSError:
            raw = None
        if raw is None:  # too large or unreadable: read_yaml says so
            return read_yaml(path, shown_as, budget)
        key = digest("yaml-reading", shown_as, raw)
        converted = self._converted(path, shown_as, raw, key, budget)
        if converted is not None:
            return converted, []
        text = self._entry(key)
        known = _decoded(text, key, shown_as, raw)
        if known is not None and text is not None and budget.nodes - known[2] >= 0:
            budget.nodes -= known[2]
            self.used[key] = text
            self._may_keep(shown_as, key, known[0], known[1], known[2])
            return known[0], known[1]
        before = budget.nodes
        data, problems = read_yaml(path, shown_as, budget)
        if budget.nodes >= 0 and data is not None and \
                not any(problem.severity == "error" for problem in problems):
            entry = _entry(key, data, problems, before - budget.nodes)
            if entry is not None:
                self.used[key] = json.dumps(entry, ensure_ascii=False)
                self._may_keep(shown_as, key, data, problems, before - budget.nodes)
        return data, problems

    def save(self) -> None:
        """Keep the entries used by this build, when they differ from what was stored."""
        if self.path is None:
            return
        if self._entries is None and self.used and self._appended():
            pass  # a rebuild: its new readings added without parsing the file
        elif self._entries is not None or self.used:  # else all converted: nothing changed
            stored = self.entries
            for key in self.converted:
                if key in stored:
                    self.used.setdefault(key, stored[key])
            # whole entries compared (the same objects when kept: fast), as a damaged
            # entry made again has the key it had
            _save(self.path, _FORMAT, self.used, stored)
        if self.procedures_path:
            _save(self.procedures_path, procedurecache.FORMAT, self.procedures_used,
                  self.procedures)
        if self._checks is not None:
            _save(self.path.with_name("checks.txt"), checkcache.FORMAT, self._checks.used,
                  self._checks.stored)

    def _appended(self) -> bool:
        """Add this build's readings that the file lacks at its end, as ``_save`` would,
        when the file is kept as it is: it holds entries, not many more than the files
        read by this build (else it is written anew without the others, by ``_save``)."""
        raw = self._raw_readings()
        if b"\t" not in raw or raw.count(b"\n") > 2 * (len(self.used) + len(self.converted)):
            return False
        added = "".join(f"\n{key}\t{entry}" for key, entry in self.used.items()
                        if self._entry(key) != entry)
        if added and self.path is not None:
            try:
                with self.path.open("a", encoding="utf-8") as out:
                    out.write(added)
            except OSError:  # a cache that cannot be written only costs time
                pass
        return True

    def checks(self, context: str) -> ProcedureChecks:
        """The checks of this build's procedures, with what earlier builds found."""
        if self.path is None:
            return checkcache.NO_CHECKS
        if self._checks is None:
            stored = _load(self.path.with_name("checks.txt"), checkcache.FORMAT)
            self._checks = ProcedureChecks(stored, self._file_key, context)
        return self._checks

    def _file_key(self, procedure: Procedure) -> str | None:
        """The key of the file that holds only ``procedure``, if it is such a file."""
        if procedure.adopted is not None:
            return None
        return self.file_keys.get(getattr(procedure.id, "loc", Loc("")).file)

    # --- checked procedures (see ``procedurecache``)

    def _converted(self, path: Path, shown_as: str, raw: bytes, key: str,
                   budget: Budget) -> LMap | None:
        """The file as a ``Converted`` procedure under ``procedure:``, when it is stored
        (its YAML reading, or the file itself, gives the procedure's text if needed)."""
        checked_key = digest("checked-procedure", key)
        text = self.procedures.get(checked_key)
        if text is None:
            return None
        try:
            opened = _opened(text, checked_key, raw)
            if opened is None:
                return None
            entry, lines = opened
            procedure = procedurecache.decode(entry["procedure"], shown_as, lines)
            nodes, context, where = entry["nodes"], entry["context"], entry["file"]
            content = entry["content"]
            file_loc, key_loc, value_loc = (Loc(shown_as, where[i], where[i + 1])
                                            for i in (0, 2, 4))
        except (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError):
            return None  # not in the shape this version writes: read afresh
        if type(procedure) is not Procedure or type(nodes) is not int or \
                type(context) is not str or type(content) is not str or budget.nodes - nodes < 0:
            return None
        object.__setattr__(procedure, CONTENT_MEMO, content)  # as content_key made it
        budget.nodes -= nodes
        self.procedures_used[checked_key] = text
        self.converted.append(key)
        self.file_keys[shown_as] = key
        mapping = LMap()
        mapping.loc, mapping.key_locs, mapping.value_locs = \
            file_loc, {"procedure": key_loc}, {"procedure": value_loc}
        mapping["procedure"] = Converted(procedure, context,
                                         partial(self._reading, path, shown_as, raw, key, nodes))
        return mapping

    def _reading(self, path: Path, shown_as: str, raw: bytes, key: str, nodes: int) -> object:
        """The procedure's YAML, for what needs the text rather than the procedure (the
        procedure converted from it again may then be stored in a new context)."""
        known = _decoded(self._entry(key), key, shown_as, raw)
        data = known[0] if known is not None else read_yaml(path, shown_as, Budget())[0]
        if not isinstance(data, LMap) or "procedure" not in data:
            return None  # changed on disk since it was read: reported as an empty item
        self._may_keep(shown_as, key, data, [], nodes)
        return data["procedure"]

    def _may_keep(self, shown_as: str, key: str, data: object, problems: list[Problem],
                  nodes: int) -> None:
        """Remember a file of one procedure read without a word: ``keep`` may store it."""
        if self.path is None or type(data) is not LMap or list(data) != ["procedure"] or \
                type(data["procedure"]) is not LMap:
            return
        self.file_keys[shown_as] = key
        if not problems:
            self.fresh[shown_as] = (digest("checked-procedure", key), nodes, data)

    def keep(self, procedures: list[Procedure], problems: list[Problem],
             context: str) -> None:
        """Store each procedure of a file read afresh that converted without a problem
        anywhere in its file; ``context`` is what conversion depended on beyond the file."""
        troubled = {problem.loc.file for problem in problems}
        for procedure in procedures:
            name = getattr(procedure.id, "loc", Loc("")).file
            fresh = self.fresh.get(name)
            if fresh is None or name in troubled or procedure.adopted is not None:
                continue
            checked_key, nodes, data = fresh
            spans: list[bool] = []
            try:
                encoded = procedurecache.encode(procedure, name, spans)
            except Unfit:
                continue
            where = [*data.loc[1:], *data.key_locs["procedure"][1:],
                     *data.value_locs["procedure"][1:]]
            self.procedures_used[checked_key] = json.dumps(
                {"key": checked_key, "nodes": nodes, "context": context, "file": where,
                 "content": content_key(procedure), "spans": bool(spans),
                 "procedure": encoded}, ensure_ascii=False)


def _load(path: Path | None, header: str) -> dict[str, str]:
    """Each entry's JSON by its key, parsed only when its file is read."""
    if path is None:
        return {}
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, ValueError):  # none yet, or not text: every file is read
        return {}
    lines = text.split("\n")
    if lines[0] != header:
        return {}
    return dict(line.split("\t", 1) for line in lines[1:] if "\t" in line)


def _save(path: Path, header: str, entries: dict[str, str], stored: dict[str, str]) -> None:
    """Keep ``entries`` (this build's) where ``stored`` were: entries new or made again are
    added at the end (a later line wins when the file is read), as a rebuild after one edit
    changes a few of thousands; the file is written anew once the entries no build uses
    any more outnumber those in use, or when it holds none of this format."""
    if entries == stored:  # the same objects when kept: fast
        return
    unused = sum(1 for key in stored if key not in entries)
    if stored and unused <= len(entries):
        added = "".join(f"\n{key}\t{entry}" for key, entry in entries.items()
                        if stored.get(key) != entry)
        try:
            with path.open("a", encoding="utf-8") as out:
                out.write(added)
        except OSError:  # a cache that cannot be written only costs time
            pass
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{path.stem}.", dir=path.parent)
        with os.fdopen(handle, "w", encoding="utf-8") as out:  # two builds may share it
            out.write("\n".join([header, *(f"{key}\t{entry}"
                                            for key, entry in entries.items())]))
        os.replace(temporary, path)
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
    encoded = encode(data)
    return {"key": key, "nodes": nodes, "spans": _has_span(encoded), "data": encoded,
            "problems": stored}


def _has_span(encoded: Any) -> bool:
    """Whether any text keeps its span: only then are the file's lines needed again."""
    if not isinstance(encoded, list):
        return False
    if encoded[0] == _STR:
        return len(encoded) == 8
    if encoded[0] == _MAP:
        return any(_has_span(item[-1]) for item in encoded[3])
    return any(_has_span(item[-1]) for item in encoded[3])


def _opened(text: str, key: str, raw: bytes) -> tuple[dict[str, Any], list[str]] | None:
    """A stored entry, if it was filed under ``key``, with the file's lines when one of
    its texts keeps a span; raises what ``json`` or a missing field raises (the callers
    read such an entry afresh)."""
    entry = json.loads(text)
    if not isinstance(entry, dict) or entry.get("key") != key:
        return None  # foreign: never trusted for this file
    return entry, raw.decode("utf-8-sig").splitlines() if entry["spans"] else []


def _decoded(text: str | None, key: str, shown_as: str,
             raw: bytes) -> tuple[object, list[Problem], int] | None:
    if text is None:
        return None
    try:
        opened = _opened(text, key, raw)
        if opened is None:
            return None
        entry, lines = opened
        data = decode(entry["data"], shown_as, lines)
        problems = [Problem(Loc(file, line, col), code, dict(params), severity)
                    for file, line, col, code, severity, params in entry["problems"]]
        nodes = entry["nodes"]
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError):
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
        pairs = zip(value.item_locs, value, strict=True)
        return [_SEQ, *value.loc[1:], [[*loc[1:], encode(item)] for loc, item in pairs]]
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
        text.loc = _loc((name, stored[1], stored[2]))
        if len(stored) == 8:
            text.span = Span(name, lines, (stored[4], stored[5]), (stored[6], stored[7]))
        return text
    if kind == _MAP:
        return _mapping(stored, name, lines)
    if kind == _SEQ:
        sequence = LSeq()
        sequence.loc = _loc((name, stored[1], stored[2]))
        locs: list[Loc] = []
        sequence.item_locs = locs
        for line, col, item in stored[3]:
            sequence.append(decode(item, name, lines) if item is not None else None)
            locs.append(_loc((name, line, col)))
        return sequence
    raise ValueError(kind)


# Loc(name, line, col) without NamedTuple's keyword handling: made once per value.
_loc: Callable[[tuple[str, int, int]], Loc] = partial(tuple.__new__, Loc)


def _mapping(stored: Any, name: str, lines: list[str]) -> LMap:
    mapping = LMap()
    mapping.loc = _loc((name, stored[1], stored[2]))
    key_locs: dict[str, Loc] = {}
    value_locs: dict[str, Loc] = {}
    mapping.key_locs, mapping.value_locs = key_locs, value_locs
    for key, key_line, key_col, value_line, value_col, item in stored[3]:
        if type(key) is not str:
            raise ValueError(key)
        mapping[key] = decode(item, name, lines) if item is not None else None
        key_locs[key] = _loc((name, key_line, key_col))
        value_locs[key] = _loc((name, value_line, value_col))
    if stored[4]:
        mapping.dangling = {key: Loc(name, *where)  # type: ignore[attr-defined]
                            for key, where in stored[4].items()}
    return mapping
