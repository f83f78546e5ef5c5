"""What the checks of one procedure found, kept on disk between builds.

Cross-checks and reviewer warnings run over the whole handbook, but most of their work
is procedure by procedure: its references, its step ids, its review date, the steps its
texts name. Each such result is stored under a key that hashes the check, the file the
procedure was read from (its name and exact bytes: ``yamlcache``'s key), everything of
the rest of the handbook the checks read (every procedure's id and step numbers, the
role ids, the conversion's context) and what the caller adds (today's date, the words
of the catalogues). A procedure whose file or any of those changed is checked again;
the problems of every procedure come out in the order a clean check gives them.
Entries are plain JSON problems; one that is damaged or foreign is ignored.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from types import EllipsisType

from sopgen.core import model
from sopgen.core.cache import digest
from sopgen.core.model import Handbook, Procedure
from sopgen.core.problems import Loc, Problem

FORMAT = "sopgen procedure checks 1"
Check = Callable[[Procedure], Iterable[Problem]]


class ProcedureChecks:
    """Runs a check on each procedure, or gives what it found for the same inputs before."""

    def __init__(self, stored: dict[str, str] | None = None,
                 file_key: Callable[[Procedure], str | None] | None = None,
                 context: str = "") -> None:
        self.stored = stored if stored is not None else {}
        self.used: dict[str, str] = {}
        self.file_key = file_key or _no_file
        self.context = context
        self._base: tuple[Handbook, str] | None = None
        self._keys: tuple[Handbook, list[str | None]] | None = None

    def each(self, kind: str, handbook: Handbook, check: Check, *context: str) -> list[Problem]:
        """``check``'s problems for every procedure, in order; ``context`` is whatever the
        check reads beyond the procedure and the handbook's ids and steps."""
        found: list[Problem] = []
        common: str | None = None
        for procedure, file_key in zip(handbook.procedures, self._file_keys(handbook),
                                       strict=True):
            if file_key is None:
                found += check(procedure)
                continue
            if common is None:
                common = digest("procedure-checks", kind, self._base_of(handbook), *context)
            key = common + file_key  # two digests side by side: no hashing per procedure
            known = _decoded(self.stored.get(key), key)
            if known is None:
                known = list(check(procedure))
                text = _encoded(key, known)
                if text is not None:
                    self.used[key] = text
            else:
                self.used[key] = self.stored[key]
            found += known
        return found

    def _file_keys(self, handbook: Handbook) -> list[str | None]:
        """Each procedure's ``file_key``, asked once a handbook: every check asks again."""
        if self.file_key is _no_file:  # nothing kept: no handbook held here either
            return [None] * len(handbook.procedures)
        if self._keys is None or self._keys[0] is not handbook:
            self._keys = (handbook, [self.file_key(procedure)
                                     for procedure in handbook.procedures])
        return self._keys[1]

    def _base_of(self, handbook: Handbook) -> str:
        """What every kept result depends on beyond its own procedure, once a handbook."""
        if self._base is None or self._base[0] is not handbook:
            parts = [self.context, handbook.document.language,
                     " ".join(sorted(role.id for role in handbook.roles))]
            for procedure in handbook.procedures:
                numbers = [number for number, _ in model.flat_steps(procedure)]
                parts.append(f"{procedure.id}\t{len(procedure.steps)}\t{numbers}\t"
                             f"{sorted(model.step_numbers(procedure).items())}")
            self._base = (handbook, digest(*parts))
        return self._base[1]


    # --- what a whole-handbook check reads of each procedure (its rows), kept the same way

    def rows(self, kind: str, handbook: Handbook, read: Read, shape: Shape,
             *context: str) -> list[Rows]:
        """``read``'s rows for every procedure, in order: what a check over the whole
        handbook (unused terms, retention conflicts) needs of each procedure, so that only
        procedures whose inputs changed are read again. Each row holds texts and numbers
        of the types in ``shape`` (``(int, ...)``: any number of numbers); ``context`` as
        for ``each``."""
        found: list[Rows] = []
        common: str | None = None
        for procedure, file_key in zip(handbook.procedures, self._file_keys(handbook),
                                       strict=True):
            if file_key is None:
                found.append(read(procedure))
                continue
            if common is None:
                common = digest("procedure-rows", kind, self._base_of(handbook), *context)
            key = common + file_key
            known = _rows_decoded(self.stored.get(key), key, shape)
            if known is None:
                known = read(procedure)
                self.used[key] = json.dumps({"key": key, "rows": known}, ensure_ascii=False)
            else:
                self.used[key] = self.stored[key]
            found.append(known)
        return found


def _no_file(_: Procedure) -> str | None:
    return None


NO_CHECKS = ProcedureChecks()  # nothing kept: every check runs

Rows = list[list[str | int]]
Shape = tuple[type, ...] | tuple[type, EllipsisType]
Read = Callable[[Procedure], Rows]


def _rows_decoded(text: str | None, key: str, shape: Shape) -> Rows | None:
    """Stored rows, if filed under ``key`` and each of the types in ``shape``."""
    if text is None:
        return None
    try:
        entry = json.loads(text)
        if not isinstance(entry, dict) or entry.get("key") != key:
            return None  # foreign: never trusted for this procedure
        rows = entry["rows"]
    except (ValueError, TypeError, KeyError, RecursionError):
        return None  # not in the shape this version writes: read again
    if type(rows) is not list or not all(type(row) is list for row in rows):
        return None
    if shape[-1] is ...:  # cells of one type, as many as there are
        if not all(set(map(type, row)) <= {shape[0]} for row in rows):
            return None
    elif not all(tuple(map(type, row)) == shape for row in rows):
        return None
    return rows


def _encoded(key: str, problems: list[Problem]) -> str | None:
    if not problems:
        return _nothing(key)
    stored = []
    for problem in problems:
        if not all(isinstance(value, str) or type(value) is int
                   for value in problem.params.values()):
            return None  # a value JSON would not give back (a located text comes back
            # as its text, which is all a message shows of it): not kept
        loc = problem.loc
        stored.append([loc.file, loc.line, loc.col, problem.code, problem.severity,
                       problem.params])
    return json.dumps({"key": key, "problems": stored}, ensure_ascii=False)


def _nothing(key: str) -> str:
    """The entry of a check that found nothing, as ``json.dumps`` writes it."""
    return f'{{"key": "{key}", "problems": []}}'


def _decoded(text: str | None, key: str) -> list[Problem] | None:
    if text is None:
        return None
    if text == _nothing(key):  # most checks find nothing: no parsing
        return []
    try:
        entry = json.loads(text)
        if not isinstance(entry, dict) or entry.get("key") != key:
            return None  # foreign: never trusted for this procedure
        problems = [Problem(Loc(file, line, col), code, dict(params), severity)
                    for file, line, col, code, severity, params in entry["problems"]]
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError):
        return None  # not in the shape this version writes: checked again
    if not all(type(p.loc.file) is str and type(p.loc.line) is int and type(p.loc.col) is int
               and type(p.code) is str and p.severity in ("error", "warning")
               for p in problems):
        return None
    return problems
