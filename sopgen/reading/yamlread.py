"""Read one YAML file as untrusted data: located values, nothing guessed.

PyYAML's ordinary loaders are unsafe for our users in quiet ways: a duplicate key
keeps the last value, ``version: 1.10`` becomes the float 1.1, ``yes`` becomes True,
and aliases can expand exponentially. So we only *parse* the file into events
(libyaml's C parser when present, which keeps line marks) and build the data
ourselves, one event at a time:

- every scalar stays the text that was written (an ``LStr`` that knows its place);
  only a plain ``null``/``~``/empty value becomes ``None``;
- mappings (``LMap``) and sequences (``LSeq``) remember where each key and item is;
- duplicate keys, tags other than YAML's own, merge keys and non-text keys are
  problems reported with file and line;
- an alias, nesting deeper than ``MAX_DEPTH`` or more than ``MAX_NODES`` values stop
  the reading at once. Building from events (not from a composed node graph) is what
  makes this fail fast: a hostile file is refused before it is held in memory.

Converting text to dates, numbers and choices is the validator's job, where the
schema says what a field is.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, cast

import yaml
from yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    Event,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)

from sopgen.core.cache import process_memo
from sopgen.core.chars import SUSPECT, char_name
from sopgen.core.problems import Loc, Problem, size_text

try:  # libyaml is ~15x faster; the pure-Python parser gives the same events.
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_DEPTH = 32
MAX_NODES = 100_000  # per file, and for a whole project together (see ``Budget``)

_YAML_TAG = "tag:yaml.org,2002:"
_STANDARD_TAGS = {
    None, "!",  # no tag, and the "non-specific" tag of a quoted scalar
    *(_YAML_TAG + name
      for name in ("str", "int", "float", "bool", "null", "timestamp", "map", "seq")),
}
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_NULLS = frozenset({"~", "null", "Null", "NULL", ""})


def _is_null(value: str) -> bool:
    """``_NULL.match(value)``, found faster for the texts that are no null at all."""
    return value in _NULLS or (value[-1:] == "\n" and _NULL.match(value) is not None)
_LOOK_ALIKE = re.compile("^(?:[ ]*(?P<char>\u00a0)[ \u00a0]*(?:-[ ]|[A-Za-z_]+:)"
                         "|[ ]*(?:-[ ]+)?[A-Za-z_]+(?::(?P<after>\u00a0)|(?P<wide>\uff1a)))")
# A starter's text to replace: [[Nama Organisasi Anda]], [[contoh.or.id]] (README: Starters).
PLACEHOLDER = re.compile(r"\[\[[^\[\]\n]{1,80}\]\]")
_TEXT_AS_COMMENT = re.compile(r"[ \t]+#(?=[^\s#=*_~-])")  # not "#---", "##", "# note"


class LStr(str):
    """A scalar as written in the file, with its location."""

    loc: Loc
    span: Span | None = None  # only for texts a check must find a place in (see ``Span``)


@dataclass(frozen=True)
class Span:
    """Where a scalar was written, to point at a place inside it: the zero-width space in
    a title, the image in the fourth line of a purpose. Kept only for scalars that hold
    such a thing, as most values never need it."""

    name: str
    lines: list[str]
    start: tuple[int, int]  # 0-based line and column, as yaml.Mark
    end: tuple[int, int]

    def find(self, needle: str, occurrence: int = 0) -> Loc | None:
        """Where the ``occurrence``-th ``needle`` was written, or ``None`` when it was not
        written as such (an escape like ``\\u200b``, or folded over two lines)."""
        (first, column), (last, end) = self.start, self.end
        text = "\n".join(self.lines[first:last + 1])
        limit = len(text) - len(self.lines[last]) + end if last < len(self.lines) else len(text)
        index = column - 1
        for _ in range(occurrence + 1):
            index = text.find(needle, index + 1, limit)
            if index == -1:
                return None
        line = first + text.count("\n", 0, index)
        return Loc(self.name, line + 1, index - (text.rfind("\n", 0, index) + 1) + 1)


class LMap(dict[str, Any]):
    """A mapping with the location of the mapping, each key and each value."""

    loc: Loc
    key_locs: dict[str, Loc]
    value_locs: dict[str, Loc]


def dangling_items(mapping: LMap) -> dict[str, Loc]:
    """Keys written empty with ``- `` items right below them, but not indented under them:
    YAML gives those items to the list above (``substeps:`` then the sub-steps at the
    steps' indentation become steps). Each key with where its first such item is."""
    return getattr(mapping, "dangling", {})


class LSeq(list[Any]):
    """A sequence with its own location and that of each item."""

    loc: Loc
    item_locs: list[Loc]


@dataclass
class Budget:
    """How many more values may be read; shared by all files of one project."""

    nodes: int = field(default_factory=lambda: MAX_NODES)  # read when made, not imported


def located(value: object, fallback: Loc) -> Loc:
    """The location a value carries, or ``fallback`` for ``None``."""
    return getattr(value, "loc", fallback)


class Mark(Protocol):
    """Where an event starts or ends (PyYAML's pure and C parsers have a class each)."""

    line: int
    column: int


def start(event: Event) -> Mark:
    assert event.start_mark is not None  # the parser marks every event it emits
    return event.start_mark


def end(event: Event) -> Mark:
    assert event.end_mark is not None
    return event.end_mark


def mark_loc(name: str, mark: Mark | None) -> Loc:
    if mark is None:
        return Loc(name)
    return Loc(name, mark.line + 1, mark.column + 1)


def read_yaml(path: Path, shown_as: str,
              budget: Budget | None = None) -> tuple[object, list[Problem]]:
    """Parse ``path`` into located data; on a problem return ``None`` and the problems."""
    problems: list[Problem] = []
    text = _read_text(path, shown_as, problems)
    if text is None:
        return None, problems
    budget = budget or Budget()
    known = _READ.get((shown_as, text))
    if known is not None and budget.nodes - known[2] >= 0:  # the same text, read before
        budget.nodes -= known[2]
        return known[0], problems + known[1]
    before = budget.nodes
    builder = _Builder(shown_as, budget, text)
    data = builder.document()
    if data is None and not builder.problems:
        return None, [Problem(Loc(shown_as, 1, 1), "empty_file")]
    failed = any(problem.severity == "error" for problem in builder.problems)
    if budget.nodes >= 0:
        if len(_READ) > 2 * MAX_FILES_REMEMBERED:
            _READ.clear()
        _READ[shown_as, text] = (None if failed else data, builder.problems,
                                 before - budget.nodes)
    return (None if failed else data), problems + builder.problems


# Files read before in this process, by name and text: the preview reads only what changed.
# Located values are never changed once built, so one read serves every later build.
_READ: dict[tuple[str, str], tuple[object, list[Problem], int]] = process_memo()
MAX_FILES_REMEMBERED = 5000


def _read_text(path: Path, shown_as: str, problems: list[Problem]) -> str | None:
    try:
        size = path.stat().st_size
        raw = b"" if size > MAX_FILE_BYTES else path.read_bytes()
    except OSError as error:  # unreadable, or gone since the folder was listed
        problems.append(Problem(Loc(shown_as), "unreadable", {"detail": error.strerror}))
        return None
    if size > MAX_FILE_BYTES:  # refused before it is read, let alone parsed
        problems.append(too_large(shown_as, size))
        return None
    try:
        if b"\0" in raw:  # valid UTF-8, but only UTF-16 (saved without its mark) has them
            raise UnicodeDecodeError("utf-8", raw, raw.index(b"\0"), len(raw), "NUL byte")
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        col = e.start - (raw.rfind(b"\n", 0, e.start) + 1) + 1
        problems.append(Problem(Loc(shown_as, line, col), "not_utf8"))
        return None
    return _check_text(text, shown_as, problems)


def too_large(shown_as: str, size: int) -> Problem:
    """A file over the limit, named with its size first."""
    return Problem(Loc(shown_as), "file_too_large", {
        "size": size, "mib": size_text(size), "limit": MAX_FILE_BYTES,
        "limit_mib": size_text(MAX_FILE_BYTES)})


def _check_text(text: str, shown_as: str, problems: list[Problem]) -> str | None:
    lines = text.splitlines()
    if "\t" in text:  # walk the lines only when there is something to find
        for number, line_text in enumerate(lines, start=1):
            indent = len(line_text) - len(line_text.lstrip(" \t"))
            if "\t" in line_text[:indent]:
                problems.append(Problem(Loc(shown_as, number, line_text.index("\t") + 1),
                                        "tab"))
                return None
    if "\u00a0" in text or "\uff1a" in text:
        # Look-alikes pasted from a word processor, where YAML reads them as text instead of
        # structure: before a field or list item, or as a field's colon. In text, fine.
        for number, line_text in enumerate(lines, start=1):
            look_alike = _LOOK_ALIKE.match(line_text)
            if look_alike:
                group = look_alike.lastgroup or "char"
                problems.append(Problem(Loc(shown_as, number, look_alike.start(group) + 1),
                                        "look_alike",
                                        {"char": char_name(look_alike[group])}))
                return None
    if all(not s.strip() or s.lstrip().startswith("#") for s in lines):
        problems.append(Problem(Loc(shown_as, 1, 1), "empty_file"))
        return None
    return text


class _Stop(Exception):
    """Internal: stop reading a hostile or broken document at once."""


class _Builder:
    """Turns parser events into LStr/LMap/LSeq, collecting problems on the way."""

    def __init__(self, shown_as: str, budget: Budget, text: str) -> None:
        self.name = shown_as
        # Events straight from the parser, with no generator between (there is one call
        # per value of every file); the parser is made on the first call, where its
        # errors are caught, as the pure-Python one checks the text when it is made.
        self.get_event: Callable[[], Event] = self._first_event
        self.parser: _Loader | None = None
        self.budget = budget
        self.text = text
        lines = self.lines = text.splitlines()
        self.lines_with_hash = {n for n, line in enumerate(lines) if "#" in line}
        self.problems: list[Problem] = []
        self.anchors: list[Problem] = []  # reported at the end; an alias stops reading first
        self.anchor_names: set[str] = set()
        self.last_scalar: ScalarEvent | None = None

    def fail(self, event: Event, code: str, **params: object) -> None:
        self.problems.append(Problem(self.loc(event), code, params))

    def loc(self, event: Event) -> Loc:
        mark = event.start_mark  # mark_loc(self.name, start(event)), inlined: runs per value
        assert mark is not None
        return Loc(self.name, mark.line + 1, mark.column + 1)

    def _first_event(self) -> Event:
        self.parser = parser = _Loader(self.text)
        # None only once the stream has ended, which is never read past
        self.get_event = cast(Callable[[], Event], parser.get_event)
        return self.get_event()

    def next(self) -> Event:
        """The next event; the parser's errors stop the reading (see ``document``)."""
        return self.get_event()

    def _parser_error(self, error: yaml.YAMLError | RecursionError) -> None:
        """The parser's error as a problem: caught once around the whole reading, not
        around each of its many events (only the parser raises these here)."""
        if isinstance(error, yaml.MarkedYAMLError):
            self._syntax_problem(error)
        elif isinstance(error, yaml.reader.ReaderError):  # a control character in the file
            self.problems.append(self._unacceptable(error))
        elif isinstance(error, yaml.YAMLError):
            self.problems.append(Problem(Loc(self.name), "yaml_syntax",
                                         {"detail": str(error).strip()}))
        else:  # a RecursionError: only the pure-Python parser recurses
            self.problems.append(Problem(Loc(self.name), "too_deep", {"limit": MAX_DEPTH}))

    def _unacceptable(self, e: yaml.reader.ReaderError) -> Problem:
        """libyaml counts the position in bytes of UTF-8; name the character where it is."""
        before = self.text.encode()[:e.position].decode(errors="ignore")
        line = before.count("\n")
        loc = Loc(self.name, line + 1, len(before) - (before.rfind("\n") + 1) + 1)
        char = chr(e.character) if isinstance(e.character, int) else str(e.character)
        return Problem(loc, "control_char_in_file", {"char": char_name(char)})

    def _syntax_problem(self, e: yaml.MarkedYAMLError) -> None:
        mark = e.problem_mark or e.context_mark
        loc = mark_loc(self.name, mark)
        detail = str(e.problem or e.context or "invalid YAML").strip()
        if "maximum nesting depth" in detail:  # libyaml's own limit (1000 levels)
            self.problems.append(Problem(loc, "too_deep", {"limit": MAX_DEPTH}))
            return
        if "scanning a quoted scalar" in str(e.context) and e.context_mark:  # never closed
            self.problems.append(Problem(mark_loc(self.name, e.context_mark),
                                         "yaml_unclosed_quote",
                                         {"quote": self._char_at(e.context_mark)}))
            return
        explained = self._explain(mark, detail, str(e.context or "")) if mark else None
        self.problems.append(explained or Problem(loc, "yaml_syntax", {"detail": detail}))

    def _anchor(self, event: Event) -> Problem:
        """An anchor is most often text that starts with '&': say so, with the text."""
        return self._starts_with(event, "&") or Problem(self.loc(event), "alias")

    def _starts_with(self, event: Event, char: str) -> Problem | None:
        """"Quote the text" when the value on the event's line is a text starting with
        ``char``, which YAML read as markup (``*Never*``, ``&copy``, ``!Urgent``)."""
        value = _VALUE.match(self._line(start(event).line))
        if value is None or not value["text"].startswith(char):
            return None
        return Problem(Loc(self.name, start(event).line + 1, value.start("text") + 1),
                       "yaml_special_start", {"text": _shown(value["text"]), "char": char})

    # --- a syntax error in words, at the line to change; None keeps libyaml's own words

    def _explain(self, mark: yaml.Mark, detail: str, context: str) -> Problem | None:
        """The usual causes: a quote left open, text that starts with a character YAML
        reserves, ': ' inside a text, or a field name without its ':'."""
        return self._open_quote(mark) or self._odd_value(mark, detail, context)

    def _line(self, number: int) -> str:
        return self.lines[number] if number < len(self.lines) else ""

    def _char_at(self, mark: yaml.Mark) -> str:
        return self._line(mark.line)[mark.column:mark.column + 1] or '"'

    def _open_quote(self, mark: yaml.Mark) -> Problem | None:
        """A quote left open swallows the lines below it, up to the next quote; the error
        comes right where that quote closed it, far below the mistake."""
        last = self.last_scalar
        if last is None or last.style not in ("\"", "'") or \
                start(last).line == end(last).line or end(last).line != mark.line:
            return None
        return Problem(mark_loc(self.name, start(last)), "yaml_unclosed_quote",
                       {"quote": last.style})

    def _odd_value(self, mark: yaml.Mark, detail: str, context: str) -> Problem | None:
        value = _VALUE.match(self._line(mark.line))
        if value is None:
            return None
        start, text = value.start("text"), value["text"]
        shown = _shown(text)
        where = Loc(self.name, mark.line + 1, start + 1)
        reserved = (("cannot start any token" in detail and mark.column == start)
                    or (("alias" in context or "anchor" in context) and text[0] in "*&")
                    or (text[0] in "|>" and "block scalar" in context)
                    or (mark.column == start and text[0] in "?-" and
                        "not allowed in this context" in detail)
                    or (("expected '-' indicator" in detail or "expected key" in detail)
                        and mark.column > start and _closed_then_more(text)))
        if reserved:
            return Problem(where, "yaml_special_start", {"text": shown, "char": text[0]})
        if "mapping values are not allowed" in detail:
            return self._colon(mark, start, text, shown, where)
        if "could not find expected ':'" in detail:
            return self._missing_colon_above(mark.line)
        return None

    def _colon(self, mark: yaml.Mark, start: int, text: str, shown: str,
               where: Loc) -> Problem | None:
        """': ' where YAML did not expect a field: inside a text, in a line that goes on
        a text from above, or after a field whose own ':' is missing."""
        if mark.column > start and ": " in text:
            if text[0] in CURLY_QUOTES:  # “Backup: daily” looks quoted, but is not to YAML
                return Problem(where, "yaml_curly_quotes", {"text": shown, "quote": text[0]})
            return Problem(where, "yaml_colon_in_text", {"text": shown})
        if not self._continues(mark.line):
            return self._missing_colon_above(mark.line)
        whole = self.lines[mark.line].strip()
        if _FIELD.match(whole):  # "title: x" indented under a text: an indentation slip
            return None
        return Problem(Loc(self.name, mark.line + 1, _indent(self.lines[mark.line]) + 1),
                       "yaml_colon_in_text", {"text": _shown(whole)})

    def _missing_colon_above(self, line: int) -> Problem | None:
        """``title Back up`` above ``purpose: x``: YAML notices only on the next line."""
        above = self._line_above(line)
        if above is None or not _NO_COLON.match(self.lines[above]) or self._continues(above):
            return None
        text = self.lines[above]
        column = len(text) - len(text.lstrip(" -")) + 1
        below = self._line(line)
        field = _FIELD.match(below.strip())
        if text.lstrip().startswith("- ") and field and _indent(below) > _indent(text):
            # "- Open the site" with "note: …" under it: a plain item cannot have fields
            return Problem(Loc(self.name, above + 1, column), "yaml_item_needs_text",
                           {"key": below.strip().split(":")[0].lstrip("- "), "line": line + 1})
        return Problem(Loc(self.name, above + 1, column), "yaml_missing_colon")

    def _continues(self, line: int) -> bool:
        """Whether ``line`` goes on a plain text begun on a field's line above it."""
        above = self._line_above(line)
        if above is None:
            return False
        field = _INLINE_VALUE.match(self.lines[above])
        if field:
            return _indent(self.lines[line]) > field.start("key")
        return _indent(self.lines[line]) == _indent(self.lines[above]) and \
            ":" not in self.lines[above] and self._continues(above)

    def _line_above(self, line: int) -> int | None:
        """The nearest line above that holds something other than a comment."""
        for number in range(line - 1, -1, -1):
            text = self.lines[number].strip()
            if text and not text.startswith("#"):
                return number
        return None

    def document(self) -> object:
        """The one document of the file, or ``None`` when empty or refused."""
        try:
            data = self._document()
        except _Stop:
            return None
        except (yaml.YAMLError, RecursionError) as error:
            self._parser_error(error)
            return None
        finally:
            if self.parser is not None:
                self.parser.dispose()  # as yaml.parse does when done
        self.problems += self.anchors
        return data

    def _document(self) -> object:
        event = self.next()  # StreamStartEvent
        event = self.next()
        if isinstance(event, StreamEndEvent):
            return None
        assert isinstance(event, DocumentStartEvent)
        data = self.node(self.next(), 0)
        self.next()  # the DocumentEndEvent; consumed outside any assert (python -O)
        event = self.next()
        if not isinstance(event, StreamEndEvent):
            self.fail(event, "yaml_syntax", detail="expected a single document in the stream"
                      " but found another document (a second '---')")
        return data

    def node(self, event: Event, depth: int) -> object:
        self.budget.nodes -= 1  # self._count(event, depth), inlined: runs per value
        if depth > MAX_DEPTH or self.budget.nodes < 0:
            self.budget.nodes += 1
            self._count(event, depth)
        kind = type(event)  # exact types: this runs once per value of every file
        if kind is ScalarEvent:
            value: object = self.scalar(event)  # type: ignore[arg-type]
        elif kind is MappingStartEvent:
            value = self.mapping(event, depth)  # type: ignore[arg-type]
        elif kind is SequenceStartEvent:
            value = self.sequence(event, depth)  # type: ignore[arg-type]
        else:
            assert isinstance(event, AliasEvent)
            if event.anchor in self.anchor_names:
                self.fail(event, "alias")
            else:  # "*Never* post": no anchor of that name, so a text starting with '*'
                self.problems.append(self._starts_with(event, "*") or
                                     Problem(self.loc(event), "alias"))
            raise _Stop  # an alias is where "billion laughs" starts: read no further
        if event.anchor is not None:  # type: ignore[attr-defined]  # "&copy x" loses "&copy"
            self.anchors.append(self._anchor(event))
            self.anchor_names.add(event.anchor)  # type: ignore[attr-defined]
        tag = event.tag  # type: ignore[attr-defined]
        if tag not in _STANDARD_TAGS:
            local = str(tag).startswith("!") and not str(tag).startswith("!!")
            self.problems.append((local and self._starts_with(event, "!")) or
                                 Problem(self.loc(event), "tag", {"tag": _shown_tag(str(tag))}))
            return None
        return value

    def _count(self, event: Event, depth: int) -> None:
        self.budget.nodes -= 1
        if depth > MAX_DEPTH:
            self.fail(event, "too_deep", limit=MAX_DEPTH)
            raise _Stop
        if self.budget.nodes < 0:
            self.fail(event, "too_many_values", limit=MAX_NODES)
            raise _Stop

    def scalar(self, event: ScalarEvent) -> LStr | None:
        self.last_scalar = event  # a quote left open ends right before the error it causes
        plain = not event.style  # None from the Python parser, "" from libyaml
        if (plain and event.tag is None and _is_null(event.value)) or \
                event.tag == _YAML_TAG + "null":
            return None
        value = LStr(event.value)
        value.loc = self.loc(event)
        if "![" in value or "assets/" in value or SUSPECT.search(value):  # images, files
            first, last = start(event), end(event)
            value.span = Span(self.name, self.lines, (first.line, first.column),
                              (last.line, last.column))
        if plain and end(event).line in self.lines_with_hash:
            self._comment_after(event)
        if "[[" in value:
            self._placeholders(event)
        return value

    def _placeholders(self, event: ScalarEvent) -> None:
        """A starter's ``[[Nama Organisasi Anda]]``, at the line and column it is written:
        a draft may keep it, a release may not (``release`` refuses it)."""
        first, last = start(event), end(event)
        for number in range(first.line, min(last.line, len(self.lines) - 1) + 1):
            line = self.lines[number]
            begin = first.column if number == first.line else 0
            stop = last.column if number == last.line else len(line)
            for found in PLACEHOLDER.finditer(line, begin, stop):
                self.problems.append(Problem(Loc(self.name, number + 1, found.start() + 1),
                                             "starter_placeholder", {"text": found.group()},
                                             severity="warning"))

    def _comment_after(self, event: ScalarEvent) -> None:
        """Warn when text goes on after `` #`` on its line: YAML drops it as a comment.

        ``Call ext. 204 #2 first`` keeps only ``Call ext. 204``. A comment the author
        meant, ``daily  # every morning``, has a space after ``#`` and is left alone.
        """
        end_mark = end(event)
        line = self._line(end_mark.line)
        found = _TEXT_AS_COMMENT.match(line, end_mark.column)
        if found:
            hash_at = found.end() - 1  # 0-based
            self.problems.append(Problem(Loc(self.name, end_mark.line + 1, hash_at + 1),
                                         "text_as_comment",
                                         {"text": line[hash_at:].strip()[:60]},
                                         severity="warning"))

    def mapping(self, start: MappingStartEvent, depth: int) -> LMap:
        result = LMap()
        result.loc = self.loc(start)
        key_locs: dict[str, Loc] = {}
        value_locs: dict[str, Loc] = {}
        result.key_locs, result.value_locs = key_locs, value_locs
        while type(event := self.get_event()) is not MappingEndEvent:
            key = self._key(event, depth)
            value_event = self.get_event()
            value = self.node(value_event, depth + 1)
            if key is None:
                continue
            if key in result:
                first = key_locs[key]
                self.fail(event, "duplicate_key", key=key, first_line=first.line)
                continue
            result[key] = value
            key_locs[key] = self.loc(event)
            value_locs[key] = getattr(value, "loc", None) or self.loc(value_event)
            if value is None and type(value_event) is ScalarEvent and not value_event.value:
                self._dangling(result, key, event)
        return result

    def _dangling(self, result: LMap, key: str, key_event: Event) -> None:
        """Remember an empty key whose next line is a list item left of the key."""
        key_line, key_column = start(key_event).line, start(key_event).column
        for number in range(key_line + 1, len(self.lines)):
            text = self.lines[number]
            if not text.strip() or text.lstrip().startswith("#"):
                continue
            item = _LIST_ITEM.match(text)
            sibling = _ITEM_KEY.match(text)  # "- id: TEK-02" after "records:": the next one
            if sibling and sibling["key"] == next(iter(result)):
                return
            if item and len(item["indent"]) < key_column:
                if not hasattr(result, "dangling"):
                    result.dangling = {}  # type: ignore[attr-defined]
                dangling_items(result)[key] = Loc(self.name, number + 1, len(item["indent"]) + 1)
            return

    def _key(self, event: Event, depth: int) -> str | None:
        """The key as text, or ``None`` (and a problem) for a key sopgen cannot use."""
        if not isinstance(event, ScalarEvent):
            self.node(event, depth + 1)  # read it (limits apply), then drop it
            self.fail(event, "complex_key")
            return None
        if event.value == "<<" and not event.style and event.tag is None:
            self.fail(event, "merge_key")
            return None
        if event.tag not in _STANDARD_TAGS:
            self.fail(event, "tag", tag=_shown_tag(str(event.tag)))
            return None
        self._count(event, depth + 1)
        return event.value

    def sequence(self, start: SequenceStartEvent, depth: int) -> LSeq:
        result = LSeq()
        item_locs: list[Loc] = []
        result.loc, result.item_locs = self.loc(start), item_locs
        while type(event := self.get_event()) is not SequenceEndEvent:
            item = self.node(event, depth + 1)
            result.append(item)
            item_locs.append(getattr(item, "loc", None) or self.loc(event))
        return result


_LIST_ITEM = re.compile(r"^(?P<indent> *)-(?:\s|$)")
_ITEM_KEY = re.compile(r"^ *- +(?P<key>[A-Za-z_][\w-]*):(?:\s|$)")
# The value on a line: after "- " markers and a "key: ", up to the end.
_VALUE = re.compile(r"^\s*(?:-\s+)*(?:[^\s\"'#:][^#:]*:\s+)?(?P<text>[^\s#].*?)\s*$")
_NO_COLON = re.compile(r"^\s*(?:-\s+)?[A-Za-z_]+\s[^:]*$")  # "title Back up the database"
_FIELD = re.compile(r"^(?:-\s+)?[A-Za-z_][\w-]*:(\s|$)")  # "title: …", "- id: …"
# A field with its value on the same line (not a "|" or ">" block, not empty).
_INLINE_VALUE = re.compile(r"^\s*(?:-\s+)?(?P<key>[A-Za-z_]+):[ \t]+(?![|>][-+0-9]*\s*$)\S")
CURLY_QUOTES = "\u201c\u201d\u2018\u2019\u201e\u00ab\u00bb"  # “ ” ‘ ’ „ « » from Word
_CLOSERS = {'"': '"', "'": "'", "[": "]", "{": "}"}


def _shown(text: str) -> str:
    """A value as a message quotes it: at most 50 characters."""
    return text if len(text) <= 50 else text[:47] + "…"


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _closed_then_more(text: str) -> bool:
    """``"Publish" button``, ``[ ] Check``: a quote or bracket closed, then more text."""
    closer = _CLOSERS.get(text[0])
    end = text.find(closer, 1) if closer else -1
    return end != -1 and bool(text[end + 1:].strip())


def _shown_tag(tag: str) -> str:
    """A tag as the user wrote it: ``!!python/object``, not its expanded URI."""
    return "!!" + tag.removeprefix(_YAML_TAG) if tag.startswith(_YAML_TAG) else tag


def where_in(value: str, needle: str, occurrence: int = 0) -> Loc | None:
    """Where in the file the ``occurrence``-th ``needle`` inside ``value`` was written."""
    span = getattr(value, "span", None)
    return span.find(needle, occurrence) if span is not None else None
