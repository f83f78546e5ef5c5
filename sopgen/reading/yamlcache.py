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
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, NamedTuple

from sopgen.core.cache import CONTENT_MEMO, content_key, digest, process_memo
from sopgen.core.model import Procedure
from sopgen.core.parallel import ForkedCall, can_fork
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
        # entries a forked reader made this build (``readahead``): readings and checked
        # procedures by key, and which procedures were taken from there, by file
        self._ahead: dict[str, str] = {}
        self._procedures_ahead: dict[str, str] = {}
        self._taken_ahead: dict[str, tuple[str, str]] = {}
        # entries left to encode (``defer_encoding``): where each goes, under which key,
        # and how it is made; ``None``: each is made at once
        self._later: list[Later] | None = None
        # a child encoding some of them meanwhile (``encode_elsewhere``), and which
        # procedures' entries ``keep`` left to it
        self._elsewhere: Elsewhere | None = None
        self._awaited: list[str] = []
        self._raw: bytes | None = None  # the readings' file, looked into without parsing
        # each procedure this build converted or took from the cache, by its entry's key
        # (kept in memory for the next build in this process: ``remember_conversions``)
        self.conversions: dict[str, Conversion] = {}

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
        raw = _bytes_within(path, MAX_FILE_BYTES)
        if raw is None:  # too large or unreadable: read_yaml says so
            return read_yaml(path, shown_as, budget)
        key = digest("yaml-reading", shown_as, raw)
        converted = self._converted(path, shown_as, raw, key, budget)
        if converted is not None:
            return converted, []
        text = self._stored_reading(key)
        known = _decoded(text, key, shown_as, raw)
        if known is not None and text is not None and budget.nodes - known[2] >= 0:
            budget.nodes -= known[2]
            self.used[key] = text
            self._may_keep(shown_as, key, known[0], known[1], known[2])
            return known[0], known[1]
        before = budget.nodes
        data, problems = read_yaml(path, shown_as, budget)
        if budget.nodes >= 0 and data is not None and \
                not any(problem.severity == "error" for problem in problems) and \
                _storable(problems):
            nodes = before - budget.nodes
            self._put(self.used, key, partial(_entry_text, key, data, problems, nodes))
            self._may_keep(shown_as, key, data, problems, nodes)
        return data, problems

    def save(self) -> None:
        """Keep the entries used by this build, when they differ from what was stored."""
        if self.path is None:
            return
        self.encode_left()
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
            remember_conversions(self.procedures_used, self.conversions)
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
        made_now = text is None
        if made_now:
            text = self._procedures_ahead.get(checked_key)
        if text is None:
            return None
        known = _LAST_CONVERSIONS.get(checked_key) if not made_now else None
        conversion = known[1] if known is not None and known[0] == text else \
            _stored_conversion(text, checked_key, shown_as, raw)
        if conversion is None or budget.nodes - conversion.nodes < 0:
            return None
        self.conversions[checked_key] = conversion
        procedure, nodes, context = conversion.procedure, conversion.nodes, conversion.context
        file_loc, key_loc, value_loc = conversion.places
        budget.nodes -= nodes
        if made_now:  # kept as a build reading it afresh would: see ``keep``
            self._taken_ahead[shown_as] = (checked_key, text)
            if key in self._ahead:
                self.used[key] = self._ahead[key]
        else:
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
        known = _decoded(self._stored_reading(key), key, shown_as, raw)
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
            taken = self._taken_ahead.get(name)
            if taken is not None:  # encoded by the forked reader, kept in this order
                if name not in troubled and procedure.adopted is None:
                    self.procedures_used[taken[0]] = taken[1]
                continue
            fresh = self.fresh.get(name)
            if fresh is None or name in troubled or procedure.adopted is not None:
                continue
            checked_key = fresh[0]
            made_elsewhere = self._elsewhere.procedures.get(checked_key) \
                if self._elsewhere is not None else None
            if made_elsewhere is not None and made_elsewhere[0] is procedure and \
                    made_elsewhere[1] == context:  # the same object, converted the same way
                self.procedures_used[checked_key] = ""  # its place, till the child's is in
                self._awaited.append(checked_key)
                self.conversions[checked_key] = _fresh_conversion(fresh, context, procedure)
                continue
            self._put(self.procedures_used, checked_key,
                      _procedure_entry(fresh, context, name, procedure))
            self.conversions[checked_key] = _fresh_conversion(fresh, context, procedure)

    # --- entries made by a forked reader this build (see ``readahead``)

    @property
    def cold(self) -> bool:
        """Whether this cache is kept on disk and holds nothing yet."""
        return self.path is not None and not self.kept_any()

    def take_ahead(self, readings: dict[str, str], procedures: dict[str, str]) -> None:
        """Entries a forked reader made for files not read yet: read from here as if
        stored, they are kept as the entries this build makes (its caller checked that
        the files are the same: an entry's key hashes the file's bytes)."""
        self._ahead, self._procedures_ahead = readings, procedures

    def _stored_reading(self, key: str) -> str | None:
        return self._ahead.get(key) or self._entry(key)

    # --- entries encoded later, on another core (see ``commands/build.Review``)

    def defer_encoding(self) -> None:
        """Encode the entries this build makes only when asked (``encoded_later``), or
        when saving: a cold build makes one for every file, and a forked process with
        time to spare can do it while this one renders."""
        if self._later is None:
            self._later = []

    def encoded_later(self) -> list[str | None]:
        """The entries left to encode, in order (``None``: one not to keep)."""
        return [make() for _, _, make in self._later or []]

    def take_encoded(self, made: list[str | None]) -> None:
        """Entries ``encoded_later`` made in a forked copy of this cache: those left to
        encode when it forked."""
        later = self._later or []
        for (target, key, _), text in zip(later, made, strict=False):
            _fill(target, key, text)
        self._later = later[len(made):] if self._later is not None else None

    def _put(self, target: dict[str, str], key: str, make: Callable[[], str | None]) -> None:
        if self._later is None:
            _fill(target, key, make())
        else:  # its place now, so the entries keep the order they are made in
            target[key] = ""
            self._later.append((target, key, make))

    def encode_left(self) -> None:
        """Encode the entries still left for later, here; take those of the child of
        ``encode_elsewhere``."""
        self._take_elsewhere()
        if self._later:
            self.take_encoded(self.encoded_later())

    # --- entries encoded by a child while this process reads and checks the rest

    def encode_elsewhere(self, procedures: list[tuple[Procedure, str]]) -> None:
        """Fork a child encoding the entries left for later so far and, for
        ``procedures`` converted here (each with its context), the entries ``keep`` may
        make of them: it works while this process waits for the files read ahead and
        checks the handbook, when a core would be idle. ``save`` takes what it made."""
        if self._later is None or self._elsewhere is not None or not can_fork():
            return
        handed, self._later = self._later, []
        entries: dict[str, tuple[Procedure, str, Callable[[], str | None]]] = {}
        for procedure, context in procedures:
            name = getattr(procedure.id, "loc", Loc("")).file
            fresh = self.fresh.get(name)
            if fresh is not None:
                entries[fresh[0]] = (procedure, context,
                                     _procedure_entry(fresh, context, name, procedure))
        makes = [make for _, _, make in handed]
        try:
            pending = ForkedCall(partial(_made_elsewhere, makes,
                                         {key: make for key, (_, _, make) in entries.items()}))
        except OSError:  # the system could not fork: all is encoded here
            self._later = handed
            return
        self._elsewhere = Elsewhere(handed, entries, pending)

    def cancel(self) -> None:
        """End the child of ``encode_elsewhere`` if nothing was taken from it (a build
        that is refused saves nothing)."""
        if self._elsewhere is not None:
            self._elsewhere.pending.cancel()
            self._elsewhere = None

    def _take_elsewhere(self) -> None:
        elsewhere, self._elsewhere = self._elsewhere, None
        if elsewhere is None:
            return
        made = elsewhere.pending.result()  # None if it failed: made here instead
        readings = made[0] if made is not None else [make() for _, _, make in elsewhere.handed]
        for (target, key, _), text in zip(elsewhere.handed, readings, strict=True):
            _fill(target, key, text)
        for key in self._awaited:
            text = made[1][key] if made is not None else elsewhere.procedures[key][2]()
            _fill(self.procedures_used, key, text)
        self._awaited = []


Later = tuple[dict[str, str], str, Callable[[], "str | None"]]  # where, key, how it is made


@dataclass
class Elsewhere:
    """A child encoding entries: those handed to it, and procedures' entries by key."""

    handed: list[Later]
    procedures: dict[str, tuple[Procedure, str, Callable[[], str | None]]]
    pending: ForkedCall[tuple[list[str | None], dict[str, str | None]]]


def _made_elsewhere(makes: list[Callable[[], str | None]],
                    procedures: dict[str, Callable[[], str | None]]
                    ) -> tuple[list[str | None], dict[str, str | None]]:
    return [make() for make in makes], {key: make() for key, make in procedures.items()}


def _procedure_entry(fresh: tuple[str, int, LMap], context: str, name: str,
                     procedure: Procedure) -> Callable[[], str | None]:
    """How the entry of a procedure read afresh (``fresh``: ``YamlCache.fresh``'s) is made."""
    checked_key, nodes, data = fresh
    where = [*data.loc[1:], *data.key_locs["procedure"][1:], *data.value_locs["procedure"][1:]]
    return partial(_procedure_text, checked_key, nodes, context, where, name, procedure)


def _fill(target: dict[str, str], key: str, text: str | None) -> None:
    if text is None:
        target.pop(key, None)
    else:
        target[key] = text


def _entry_text(key: str, data: object, problems: list[Problem], nodes: int) -> str:
    return json.dumps(_entry(key, data, problems, nodes), ensure_ascii=False)


def _procedure_text(checked_key: str, nodes: int, context: str, where: list[int], name: str,
                    procedure: Procedure) -> str | None:
    """A checked procedure's entry, or ``None`` for one this cache does not store."""
    spans: list[bool] = []
    try:
        encoded = procedurecache.encode(procedure, name, spans)
    except Unfit:
        return None
    return json.dumps({"key": checked_key, "nodes": nodes, "context": context, "file": where,
                       "content": content_key(procedure), "spans": bool(spans),
                       "procedure": encoded}, ensure_ascii=False)


def _load(path: Path | None, header: str) -> dict[str, str]:
    """Each entry's JSON by its key, parsed only when its file is read."""
    if path is None:
        return {}
    try:
        data = path.read_bytes()
    except OSError:  # none yet: every file is read
        return {}
    lines = data.split(b"\n")
    if lines[0] != header.encode() or b"\r" in data:  # not one this version wrote
        return {}
    # split as bytes, each entry decoded alone: a third of the time of decoding the
    # whole file first (its text is two bytes a character once one is not ASCII)
    entries = {}
    try:
        for line in lines[1:]:
            key, tab, entry = line.partition(b"\t")
            if tab:
                entries[key.decode("utf-8")] = entry.decode("utf-8")
    except ValueError:  # not text: every file is read
        return {}
    return entries


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


def _storable(problems: list[Problem]) -> bool:
    """Whether JSON gives every value of the problems back as it was."""
    return all(type(value) in (str, int) for problem in problems
               for value in problem.params.values())


def _entry(key: str, data: object, problems: list[Problem], nodes: int) -> dict[str, Any]:
    stored = []
    for problem in problems:
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


# --- the procedures of this process's last build, for the next one (a preview, a watcher)

class Conversion(NamedTuple):
    """What ``_converted`` takes from a checked procedure's entry."""

    procedure: Procedure
    nodes: int
    context: str
    places: tuple[Loc, Loc, Loc]  # of the file's mapping, of ``procedure:``, of its value


# entry key → (the entry's text, what it holds): an entry of the same text holds the same
# procedure (its key hashes the file's bytes), so a build in this process after another
# takes those procedures as they are instead of parsing and decoding their entries again
_LAST_CONVERSIONS: dict[str, tuple[str, Conversion]] = process_memo()


def remember_conversions(entries: dict[str, str], conversions: dict[str, Conversion]) -> None:
    """Keep, in place of the last build's, this build's procedures whose entries it keeps
    (all of them written: none is left to encode)."""
    kept = {key: (entries[key], conversion) for key, conversion in conversions.items()
            if entries.get(key)}
    _LAST_CONVERSIONS.clear()
    _LAST_CONVERSIONS.update(kept)


def _stored_conversion(text: str, checked_key: str, shown_as: str,
                       raw: bytes) -> Conversion | None:
    """The checked procedure a stored entry holds, or ``None`` for one not to use."""
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
            type(context) is not str or type(content) is not str:
        return None
    object.__setattr__(procedure, CONTENT_MEMO, content)  # as content_key made it
    return Conversion(procedure, nodes, context, (file_loc, key_loc, value_loc))


def _fresh_conversion(fresh: tuple[str, int, LMap], context: str,
                      procedure: Procedure) -> Conversion:
    """A procedure read afresh and kept (``YamlCache.fresh``), as its entry will hold it."""
    _, nodes, data = fresh
    places = (data.loc, data.key_locs["procedure"], data.value_locs["procedure"])
    return Conversion(procedure, nodes, context, places)


# --- a content file's bytes, read with the fewest calls (a rebuild reads every file)

def _bytes_within(path: Path, limit: int) -> bytes | None:
    """The bytes of the file at ``path``, or ``None`` when it holds more than ``limit`` or
    cannot be read: one ``open``, its size from the open file, then reads to its end."""
    try:
        handle = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        size = os.fstat(handle).st_size
        if size > limit:
            return None
        parts = [os.read(handle, size + 1)]
        while parts[-1]:  # to the end, should the file have grown since
            parts.append(os.read(handle, 1 << 16))
        return b"".join(parts)
    except OSError:
        return None
    finally:
        os.close(handle)
