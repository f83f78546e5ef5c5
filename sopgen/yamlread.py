"""Read one YAML file as untrusted data: located values, nothing guessed.

PyYAML's ordinary loaders are unsafe for our users in quiet ways: a duplicate key
keeps the last value, ``version: 1.10`` becomes the float 1.1, ``yes`` becomes True,
and aliases can expand exponentially. So we only *compose* the file (libyaml's C
parser when present, which keeps line marks) and build the data ourselves:

- every scalar stays the text that was written (an ``LStr`` that knows its place);
  only a plain ``null``/``~``/empty value becomes ``None``;
- mappings (``LMap``) and sequences (``LSeq``) remember where each key and item is;
- duplicate keys, aliases, tags other than YAML's own, non-string keys and
  excessive nesting are problems reported with file and line.

Converting text to dates, numbers and choices is the validator's job, where the
schema says what a field is.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from .errors import Loc, Problem

try:  # libyaml is ~15x faster; the pure-Python composer gives the same nodes.
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_DEPTH = 32
MAX_NODES = 2_000_000

_STANDARD_TAGS = {
    "tag:yaml.org,2002:" + name
    for name in ("str", "int", "float", "bool", "null", "timestamp", "map", "seq")
}
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_BAD_CHARS = re.compile(
    "[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)


class LStr(str):
    """A scalar as written in the file, with its location."""

    loc: Loc


class LMap(dict):
    """A mapping with the location of the mapping, each key and each value."""

    loc: Loc
    key_locs: dict[str, Loc]
    value_locs: dict[str, Loc]


class LSeq(list):
    """A sequence with its own location and that of each item."""

    loc: Loc
    item_locs: list[Loc]


def located(value: object, fallback: Loc) -> Loc:
    """The location a value carries, or ``fallback`` for ``None``."""
    return getattr(value, "loc", fallback)


def mark_loc(name: str, mark: yaml.Mark | None) -> Loc:
    if mark is None:
        return Loc(name)
    return Loc(name, mark.line + 1, mark.column + 1)


def read_yaml(path: Path, shown_as: str) -> tuple[object, list[Problem]]:
    """Parse ``path`` into located data; on a problem return ``None`` and the problems."""
    problems: list[Problem] = []
    text = _read_text(path, shown_as, problems)
    if text is None:
        return None, problems
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        problem = str(e.problem or e.context or "invalid YAML").strip()
        return None, [Problem(mark_loc(shown_as, mark), "yaml_syntax", {"detail": problem})]
    except yaml.YAMLError as e:
        return None, [Problem(Loc(shown_as), "yaml_syntax", {"detail": str(e).strip()})]
    if node is None:
        return None, [Problem(Loc(shown_as, 1, 1), "empty_file")]
    builder = _Builder(shown_as)
    try:
        data = builder.build(node, 0)
    except _TooBig:
        data = None
    problems.extend(builder.problems)
    return (None if builder.problems else data), problems


def _read_text(path: Path, shown_as: str, problems: list[Problem]) -> str | None:
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        problems.append(
            Problem(Loc(shown_as), "file_too_large", {"size": size, "limit": MAX_FILE_BYTES})
        )
        return None
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        col = e.start - (raw.rfind(b"\n", 0, e.start) + 1) + 1
        problems.append(Problem(Loc(shown_as, line, col), "not_utf8"))
        return None
    for number, line_text in enumerate(text.splitlines(), start=1):
        indent = len(line_text) - len(line_text.lstrip(" \t"))
        if "\t" in line_text[:indent]:
            problems.append(Problem(Loc(shown_as, number, line_text.index("\t") + 1), "tab"))
            return None
    if not text.strip() or all(
        not s.strip() or s.lstrip().startswith("#") for s in text.splitlines()
    ):
        problems.append(Problem(Loc(shown_as, 1, 1), "empty_file"))
        return None
    return text


class _Builder:
    """Turns composed nodes into LStr/LMap/LSeq, collecting problems on the way."""

    def __init__(self, shown_as: str) -> None:
        self.name = shown_as
        self.problems: list[Problem] = []
        self.seen: set[int] = set()
        self.count = 0

    def loc(self, node: yaml.Node) -> Loc:
        return mark_loc(self.name, node.start_mark)

    def fail(self, node: yaml.Node, code: str, **params: object) -> None:
        self.problems.append(Problem(self.loc(node), code, params))

    def build(self, node: yaml.Node, depth: int) -> object:
        self.count += 1
        if depth > MAX_DEPTH or self.count > MAX_NODES:
            code = "too_deep" if depth > MAX_DEPTH else "too_many_values"
            self.fail(node, code, limit=MAX_DEPTH if depth > MAX_DEPTH else MAX_NODES)
            raise _TooBig
        if id(node) in self.seen:  # the composer shares one node between anchor and alias
            self.fail(node, "alias")
            return None
        self.seen.add(id(node))
        if node.tag not in _STANDARD_TAGS:
            self.fail(node, "tag", tag=node.tag)
            return None
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, depth)
        if isinstance(node, yaml.SequenceNode):
            return self.sequence(node, depth)
        return self.scalar(node)

    def scalar(self, node: yaml.ScalarNode) -> LStr | None:
        if node.style is None and _NULL.match(node.value):
            return None
        value = LStr(node.value)
        value.loc = self.loc(node)
        return value

    def mapping(self, node: yaml.MappingNode, depth: int) -> LMap:
        result = LMap()
        result.loc, result.key_locs, result.value_locs = self.loc(node), {}, {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                self.fail(key_node, "merge_key")
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                self.fail(key_node, "complex_key")
                continue
            key = key_node.value
            if key in result:
                first = result.key_locs[key]
                self.fail(key_node, "duplicate_key", key=key, first_line=first.line)
                continue
            result[key] = self.build(value_node, depth + 1)
            result.key_locs[key] = self.loc(key_node)
            result.value_locs[key] = self.loc(value_node)
        return result

    def sequence(self, node: yaml.SequenceNode, depth: int) -> LSeq:
        result = LSeq()
        result.loc, result.item_locs = self.loc(node), []
        for item in node.value:
            result.append(self.build(item, depth + 1))
            result.item_locs.append(self.loc(item))
        return result


class _TooBig(Exception):
    """Internal: stop walking a hostile document at once."""


def has_bad_chars(text: str) -> str | None:
    """The first invisible, control or direction-changing character in ``text``, if any."""
    found = _BAD_CHARS.search(text)
    return f"U+{ord(found.group()):04X}" if found else None
