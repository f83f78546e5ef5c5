"""Reading on two cores: a forked child reads and converts the last part of a project's
files while this process reads the first.

A cold build (no reading cache) spends most of its reading time parsing YAML and
converting procedures, file by file. The child does that for its share and hands back
what a cache of an earlier build would hold for those files: each file's reading and each
procedure converted without a problem (``yamlcache``, ``procedurecache``), plain JSON
text, which this process decodes in a fraction of the time. So the build goes on exactly
as a build with a warm cache does, which gives the same handbook, problems and outputs as
reading every file here (tests/test_readahead.py checks). A file the child could not
read cleanly gets no entry: this process reads it itself and reports what is wrong, and
if the child fails as a whole, this process reads its share too.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

from sopgen.core.model import Procedure
from sopgen.core.parallel import ForkedCall, can_fork
from sopgen.core.problems import Problem
from sopgen.reading.labels import bring_labels
from sopgen.reading.procedurecache import Converted
from sopgen.reading.validate import conversion_context, convert_procedure
from sopgen.reading.yamlcache import YamlCache
from sopgen.reading.yamlread import Budget, LMap

READ_AHEAD_FROM = 150  # files; below this a forked process costs more than it saves
# The child's share of the files: besides reading and converting each of its files, as
# this process does with its own, it encodes their entries (this process has its own
# encoded by another child while it checks the handbook), so it takes fewer files to be
# done at about the same time (measured at 1,000 procedures).
CHILD_SHARE = 0.4

Entries = tuple[dict[str, str], dict[str, str]]  # readings, converted procedures


class ReadAhead:
    """The child reading the files from ``first`` on; meanwhile this process converts
    each procedure of its own files as it reads them (``converted``)."""

    def __init__(self, first: int, pending: ForkedCall[Entries], context: str) -> None:
        self.first = first
        self._pending = pending
        self._context = context
        self._converted: list[tuple[Procedure, str]] = []  # here, with their context

    @staticmethod
    def share(count: int, cache: YamlCache) -> int | None:
        """Where the child's share of ``count`` files starts; ``None`` when reading
        them all here is quicker or a cache holds readings already."""
        if count < READ_AHEAD_FROM or not cache.cold or not can_fork():
            return None
        return count - int(count * CHILD_SHARE)

    @classmethod
    def start(cls, root: Path, first: int, files: list[tuple[Path, str]],
              cache: YamlCache) -> ReadAhead | None:
        """Fork the child for ``files`` (each with the name it is shown by), which start
        at index ``first`` of the project's files; ``cache`` gets what it made. ``None``
        when the system could not fork (out of memory or processes): all is read here."""
        # Before the fork, so the child has them too: a project's own callout labels
        # change what conversion gives (the build brings them again, and reports).
        bring_labels(root)
        context = conversion_context()
        try:
            pending = ForkedCall(partial(_read_share, files, cache, context))
        except OSError:
            return None
        return cls(first, pending, context)

    def converted(self, data: object, problems: list[Problem]) -> object:
        """A file of this process's share as read, its procedure converted now when the
        file holds one without a problem: converting it here while the child works
        leaves less to do once its files are in (``validate`` takes it as converted)."""
        if type(data) is not LMap or list(data) != ["procedure"] or problems:
            return data
        raw = data["procedure"]
        procedure, own = convert_procedure(raw, data.value_locs["procedure"])
        if procedure is None or own:
            return data  # converted again by ``validate``, which reports what is wrong
        mapping = LMap()
        mapping.loc, mapping.key_locs, mapping.value_locs = \
            data.loc, data.key_locs, data.value_locs
        mapping["procedure"] = Converted(procedure, self._context, lambda: raw)
        self._converted.append((procedure, self._context))
        return mapping

    def hand_over(self, cache: YamlCache) -> None:
        """Wait for the child and give ``cache`` its entries (none if it failed). The
        entries of this process's files are encoded meanwhile, by another child."""
        cache.encode_elsewhere(self._converted)
        made = self._pending.result()
        if made is not None:
            cache.take_ahead(*made)

    def cancel(self) -> None:
        self._pending.cancel()


def _read_share(files: list[tuple[Path, str]], cache: YamlCache, context: str) -> Entries:
    """In the child: read and convert ``files`` into ``cache`` (this process's copy, empty
    as the parent's was when it forked) as a build keeps them; ``context``: that of the
    conversion (``conversion_context``)."""
    budget = Budget()
    procedures: list[Procedure] = []
    problems: list[Problem] = []
    for path, shown in files:
        data, found = cache.read(path, shown, budget)
        problems += found
        if budget.nodes < 0:
            break  # this process reads the rest, and says so
        if type(data) is LMap and list(data) == ["procedure"] and not found:
            procedure, own = convert_procedure(data["procedure"], data.value_locs["procedure"])
            problems += own
            if procedure is not None:
                procedures.append(procedure)
    cache.keep(procedures, problems, context)
    cache.encode_left()  # the entries are what it hands over
    return cache.used, cache.procedures_used
