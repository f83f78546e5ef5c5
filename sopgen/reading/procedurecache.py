"""Checked procedures kept on disk between builds: a new process converts only the files
that changed.

A file holding one procedure (``procedure:`` at its top) that was read and converted
without a single problem is stored as the ``Procedure`` it became, every text with its
line, column and span, under a key that hashes sopgen's version, the name the file is
shown by and its exact bytes (``core/cache.digest``). The next build takes the procedure
from there instead of reading the YAML and walking the model again. What conversion
depends on beyond the file (the callout labels of every catalogue, a project may add
one) is stored as ``context`` and compared before an entry is used. Checks that need the
whole handbook (cross-references, reviewer warnings) still run on every procedure.

The merged content then holds a ``Converted`` where the procedure's YAML would be; it
gives that YAML back (``raw``) for whatever needs the text itself, such as a release's
snapshot. Like ``yamlcache``, values are plain JSON and an entry that is foreign, cut
short or not in the expected shape is ignored: the file is read afresh.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from functools import cache
from typing import Any

from sopgen.core import model
from sopgen.core.problems import Loc
from sopgen.reading.yamlread import LMap, LSeq, LStr, Span

_TEXT, _RECORD, _LIST, _TUPLE, _DATE = 0, 1, 2, 3, 4
# A value whose texts' places are in one list of numbers, and a ``str`` that has none.
_PLACED, _PLAIN = 5, 6
FORMAT = "sopgen checked procedures 2"

# Every class a procedure is made of, by name (a stored name outside it is refused).
CLASSES: dict[str, type] = {cls.__name__: cls for cls in (
    model.Procedure, model.Step, model.Decision, model.Figure, model.Record,
    model.Attachment, model.Reference, model.Schedule, model.Adoption)}


class Unfit(Exception):
    """A value this cache does not store exactly: the procedure is converted each time."""


class Converted:
    """A procedure taken from the cache, standing where its YAML mapping would be."""

    def __init__(self, procedure: model.Procedure, context: str,
                 raw: Callable[[], object]) -> None:
        self.procedure = procedure
        self.context = context
        self._raw = raw

    def raw(self) -> object:
        """The procedure's YAML as read (an ``LMap``), made when first asked for."""
        return self._raw()


def materialised(raw: LMap, keep: Callable[[Converted], bool] = lambda _: False) -> int:
    """Put each procedure's YAML back in ``raw`` in place of its ``Converted``, except those
    ``keep`` accepts; how many are left."""
    procedures = raw.get("procedures")
    if not isinstance(procedures, LSeq):
        return 0
    left = 0
    for index, item in enumerate(procedures):
        if type(item) is Converted:
            if keep(item):
                left += 1
            else:
                procedures[index] = item.raw()
    return left


# ---------------------------------------------------------------- encoding

def encode(value: object, name: str, spans: list[bool] | None = None) -> Any:
    """A procedure's values as JSON lists; every location must be in file ``name``.
    ``spans`` gets ``True`` appended if a text keeps its span.

    A text without a span (nearly every one) is its bare JSON string, and its line and
    column go into one list of numbers for the whole value, in the order ``decode``
    meets the texts: JSON then makes one list for the places of a procedure instead of
    one per text (a third of the time of parsing an entry)."""
    places: list[int] = []

    def one(value: Any) -> Any:  # a closure: a cold build encodes ~10⁵ values
        kind: type = type(value)
        if value is None or kind is int or kind is bool:
            return value
        if kind is LStr:
            text = _text(value, name)
            if len(text) == 8:
                if spans is not None:
                    spans.append(True)
                return text
            places.extend(text[1:3])
            return text[3]
        if kind is str:
            return [_PLAIN, value]
        if kind is list:
            return [_LIST, [one(item) for item in value]]
        if kind is tuple:
            return [_TUPLE, [one(item) for item in value]]
        if kind is dt.date:
            return [_DATE, value.isoformat()]
        if CLASSES.get(kind.__name__) is not kind:
            raise Unfit(kind.__name__)
        fields = {}
        own = value.__dict__  # a frozen dataclass without slots
        for field, default in _plan(kind):
            item = own[field]
            # a value the constructor gives anyway is left out of the entry
            if default is _REQUIRED or type(item) is not type(default) or item != default:
                fields[field] = one(item)
        return [_RECORD, kind.__name__, fields]

    made = one(value)
    return [_PLACED, places, made]


_REQUIRED = object()


@cache
def _plan(cls: type) -> tuple[tuple[str, Any], ...]:
    """Each field with its default (one made by its factory), or ``_REQUIRED``."""
    return tuple((f.name, f.default if f.default is not dataclasses.MISSING
                  else f.default_factory() if f.default_factory is not dataclasses.MISSING
                  else _REQUIRED) for f in dataclasses.fields(cls))


def _text(value: Any, name: str) -> list[Any]:
    own = vars(value)
    if len(own) > ("loc" in own) + ("span" in own):
        raise Unfit("text with more than a place")
    loc, span = value.loc, value.span
    if type(loc) is not Loc or loc.file != name:
        raise Unfit("text from another file")
    if span is None:
        return [_TEXT, loc.line, loc.col, str(value)]
    if span.name != name:
        raise Unfit("span in another file")
    return [_TEXT, loc.line, loc.col, str(value), *span.start, *span.end]


def decode(stored: Any, name: str, lines: list[str]) -> Any:
    """``encode``'s value as it was: the same classes, texts, locations and spans. A
    procedure comes with its Markdown texts found on the way (``model.markdown_fields``
    would walk it again for them)."""
    if type(stored) is not list or len(stored) != 3 or stored[0] != _PLACED or \
            type(stored[1]) is not list:
        raise ValueError("not a placed value")
    numbers = iter(stored[1])  # line, column, line, column …
    places = iter([_new_tuple(Loc, (name, line, column))
                   for line, column in zip(numbers, numbers, strict=True)])
    try:
        made = _decode(stored[2], name, lines, places.__next__)
    except StopIteration as error:  # more texts than places
        raise ValueError("a text without its place") from error
    if next(places, None) is not None:
        raise ValueError("a place without its text")
    return made


def _decode(stored: Any, name: str, lines: list[str], place: Callable[[], Loc]) -> Any:
    # Closures over what every value needs: ~60 values a procedure, 10⁵ a handbook, and a
    # text (most values) is made where it is found rather than in a call of its own.
    new, plans = object.__new__, _PLANS

    def text_of(item: str) -> LStr:  # its place is the next one
        text = LStr(item)
        text.loc = place()
        return text

    def spanned(item: list[Any]) -> LStr:
        text = LStr(item[3])
        text.loc = _new_tuple(Loc, (name, item[1], item[2]))
        text.span = Span(name, lines, (item[4], item[5]), (item[6], item[7]))
        return text

    def value(item: Any, found: list[tuple[str, str]] | None) -> Any:
        # ``found`` collects the Markdown of the records below, in
        # ``model.markdown_fields``' order
        kind = type(item)
        if kind is str:
            return text_of(item)
        if kind is not list:
            return item
        tag = item[0]
        if tag == _RECORD:
            return record(CLASSES[item[1]], item[2], found)
        if tag in (_LIST, _TUPLE):
            made = [text_of(part) if type(part) is str else value(part, found)
                    for part in item[1]]
            return made if tag == _LIST else tuple(made)
        if tag == _TEXT and len(item) == 8:
            return spanned(item)
        if tag == _PLAIN and type(item[1]) is str:
            return item[1]
        if tag == _DATE:
            return dt.date.fromisoformat(item[1])
        raise ValueError(tag)

    def record(cls: type, stored: dict[str, Any], found: list[tuple[str, str]] | None) -> Any:
        # ``cls(**values)`` as its ``__init__`` makes it, without a frozen dataclass's
        # ``object.__setattr__`` per field (the model has no ``__post_init__``, no slots)
        plan = plans[cls]
        made: Any = new(cls)
        fields = made.__dict__
        fields.update(plan.defaults)
        for key in plan.empty_lists:  # most fields of a list are left out as empty
            if key not in stored:
                fields[key] = []
        for key, factory in plan.factories:
            if key not in stored:
                fields[key] = factory()
        prose = plan.prose if found is not None else None
        if not prose:  # no Markdown below (or not asked for): most records
            for key, part in stored.items():
                kind = type(part)
                if kind is str:
                    part = text_of(part)
                elif kind is list:  # else a number, a flag or nothing: as it is
                    part = value(part, None)
                fields[key] = part
        else:
            for key, part in stored.items():
                walked = prose.get(key)
                got = fields[key] = value(part, None if walked is None else found)
                if walked and found is not None:  # a Markdown field: a text or texts
                    if type(got) is list:
                        found += [(key, text) for text in got if text]
                    elif got:
                        found.append((key, got))
        if len(fields) != plan.size:
            raise ValueError(cls.__name__)  # a required field missing, or one it has not
        return made

    if type(stored) is list and stored and stored[0] == _RECORD and stored[1] == "Procedure":
        found: list[tuple[str, str]] = []
        procedure = record(model.Procedure, stored[2], found)
        model.remember_markdown(procedure, tuple(found))
        return procedure
    return value(stored, None)


class _Plan:
    """How ``decode`` makes a record of one class: its plain defaults, the fields that
    start as empty lists, what makes the others, how many fields it has, and which hold
    Markdown (``model.prose_plan``)."""

    def __init__(self, cls: type) -> None:
        fields = dataclasses.fields(cls)
        self.defaults = {f.name: f.default for f in fields
                         if f.default is not dataclasses.MISSING}
        made = [(f.name, f.default_factory) for f in fields
                if f.default_factory is not dataclasses.MISSING]
        self.empty_lists = tuple(name for name, factory in made if factory is list)
        self.factories: tuple[tuple[str, Callable[[], Any]], ...] = tuple(
            (name, factory) for name, factory in made if factory is not list)
        self.size = len(fields)
        self.prose = model.prose_plan(cls)


_PLANS = {cls: _Plan(cls) for cls in CLASSES.values()}
_new_tuple = tuple.__new__  # Loc(name, line, col) without NamedTuple's keyword handling


def same(left: object, right: object) -> bool:
    """Equal values with equal types, locations and spans, all the way down."""
    if type(left) is not type(right):
        return False
    if type(left) is LStr:
        return (left == right and left.loc == right.loc
                and left.span == right.span)
    if isinstance(left, list | tuple):
        return len(left) == len(right) and all(  # type: ignore[arg-type]
            same(a, b) for a, b in zip(left, right, strict=True))  # type: ignore[call-overload]
    if dataclasses.is_dataclass(left):
        return all(same(getattr(left, f.name), getattr(right, f.name))
                   for f in dataclasses.fields(left))
    return left == right
