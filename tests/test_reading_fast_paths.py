"""The short cuts that make reading a large handbook fast give what the plain way gives.

- libyaml's parser and PyYAML's pure-Python one build the same located data (values,
  and the line and column of every mapping, key, value and item), on the sample, the
  fixtures and fuzzed files with BOM, CRLF, tabs in text and non-ASCII text;
- the Markdown walk, kept per procedure and handbook, lists what a plain recursive
  walk lists, and a changed copy (``dataclasses.replace``) is walked anew;
- a text the quick test for step mentions skips holds no step mention.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from sopgen.core import textscan
from sopgen.core.model import Handbook, markdown_fields, markdown_texts, mention_pattern
from sopgen.reading import review, yamlread
from sopgen.reading.handbook import read_handbook
from sopgen.reading.yamlread import LMap, LSeq, LStr
from tests.conftest import FIXTURES, ROOT

YAML_FILES = sorted({*ROOT.glob("content/**/*.yaml"), *FIXTURES.glob("**/*.yaml")})


def shape(value: object) -> object:
    """A located value as plain data, with every location it carries."""
    if isinstance(value, LMap):
        return ("map", value.loc, [(key, value.key_locs[key], value.value_locs[key],
                                    shape(item)) for key, item in value.items()],
                sorted(getattr(value, "dangling", {}).items()))
    if isinstance(value, LSeq):
        return ("seq", value.loc, list(value.item_locs), [shape(item) for item in value])
    if isinstance(value, LStr):
        return ("str", str(value), value.loc, value.span)
    return value


def read_with(loader: type, path: Path) -> object:
    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(yamlread, "_Loader", loader)
        patched.setattr(yamlread, "_READ", {})
        data, problems = yamlread.read_yaml(path, path.name)
    return shape(data), [(p.loc, p.code, p.severity) for p in problems]


@pytest.mark.skipif(not hasattr(yaml, "CSafeLoader"), reason="PyYAML built without libyaml")
@pytest.mark.parametrize("path", YAML_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_both_parsers_locate_every_value_alike(path: Path) -> None:
    assert read_with(yaml.CSafeLoader, path) == read_with(yaml.SafeLoader, path)


TEXT = st.text(st.characters(codec="utf-8", exclude_categories=["Cc", "Cs", "Zl", "Zp"],
                             exclude_characters="\ufeff\u0085"), max_size=20)
PLAIN = TEXT.map(lambda text: text.replace("\\", "/"))


@st.composite
def files(draw: st.DrawFn) -> str:
    """A handbook-like file: fields with quoted texts (tabs, é, 漢, emoji) and lists."""
    lines = []
    for number in range(draw(st.integers(1, 6))):
        value = draw(PLAIN).replace('"', "'")
        if draw(st.booleans()):
            value = value.replace("\n", " ") + draw(st.sampled_from(["", "\t", " é", " 漢字"]))
        lines.append(f'field{number}: "{value}"')
        items = draw(st.lists(PLAIN.map(lambda t: t.replace('"', "'").replace("\n", " ")),
                              max_size=3))
        if items:
            lines.append(f"list{number}:")
            lines += [f'  - "{item}"' for item in items]
    text = "\n".join(lines) + "\n"
    if draw(st.booleans()):
        text = text.replace("\n", "\r\n")
    return ("\ufeff" if draw(st.booleans()) else "") + text


@pytest.mark.skipif(not hasattr(yaml, "CSafeLoader"), reason="PyYAML built without libyaml")
@settings(max_examples=60, deadline=None, database=None)
@given(text=files())
def test_both_parsers_locate_fuzzed_files_alike(
        text: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    path = tmp_path_factory.mktemp("yaml") / "fuzzed.yaml"
    path.write_bytes(text.encode())
    assert read_with(yaml.CSafeLoader, path) == read_with(yaml.SafeLoader, path)


def plain_walk(obj: object) -> Iterator[tuple[str, str]]:
    """The Markdown walk written the obvious way, field by field."""
    for f in dataclasses.fields(obj):  # type: ignore[arg-type]
        if f.metadata.get("computed"):
            continue
        value = getattr(obj, f.name)
        for item in value if isinstance(value, list) else (value,):
            if isinstance(item, str):
                if f.metadata.get("markdown") and item:
                    yield f.name, item
            elif dataclasses.is_dataclass(item):
                yield from plain_walk(item)


@pytest.mark.parametrize("project", [ROOT, FIXTURES / "mini"], ids=["sample", "mini"])
def test_the_kept_markdown_walk_is_the_plain_walk(project: Path) -> None:
    handbook = read_handbook(project).handbook
    for _ in range(2):  # the second time from what was kept
        assert list(markdown_fields(handbook)) == list(plain_walk(handbook))
        assert list(markdown_texts(handbook)) == [text for _, text in plain_walk(handbook)]
        for procedure in handbook.procedures:
            assert list(markdown_fields(procedure)) == list(plain_walk(procedure))
    changed = dataclasses.replace(handbook, procedures=handbook.procedures[1:])
    assert isinstance(changed, Handbook)
    assert list(markdown_texts(changed)) == [text for _, text in plain_walk(changed)]


@pytest.mark.parametrize("project", [ROOT, FIXTURES / "mini"], ids=["sample", "mini"])
def test_the_texts_with_a_mark_are_those_a_search_of_each_finds(project: Path) -> None:
    handbook = read_handbook(project).handbook
    marks = ["![", "assets/", "](", "TEK-", "zzz-none", *{text[:3] for text in
                                                          markdown_texts(handbook)}]
    for mark in marks:
        expected = [(name, text) for name, text in plain_walk(handbook) if mark in text]
        assert textscan.fields_with(handbook, mark) == expected, mark
        assert textscan.texts_with(handbook, mark) == [text for _, text in expected]
    with pytest.raises(ValueError):  # joined by line ends: never searched for
        textscan.fields_with(handbook, "a\nb")


MENTION_PARTS = st.sampled_from(["step", "Step", "STEPS", "langkah", "Langkah", "ſtep",
                                 "LANGKAH", " ", "\t", "\n", "3", "2.1", "–", "-", "TEK-02",
                                 "KON-1", ", ", "é", "İ", "K", "ς"])


@settings(max_examples=300, deadline=None, database=None)
@given(parts=st.lists(st.one_of(MENTION_PARTS, st.text(max_size=3)), max_size=12))
def test_texts_skipped_as_naming_no_step_name_none(parts: list[str]) -> None:
    text = "".join(parts)
    ids = mention_pattern({"TEK-02", "KON-01"})
    assert ids is not None
    mention = re.compile(rf"(?:({ids.pattern}(?:,)?\s+))?\b(?:{review._step_words()})\s+"
                         rf"{review.STEP_NUMBER}", re.IGNORECASE)
    if mention.search(text):
        assert review._may_name_a_step(text)
