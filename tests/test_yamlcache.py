"""The readings kept on disk (``reading/yamlcache.py``) give back exactly what reading gives."""

from __future__ import annotations

from pathlib import Path

import pytest

from sopgen.core.cache import forget
from sopgen.core.problems import Problem
from sopgen.reading import yamlcache
from sopgen.reading.yamlcache import YamlCache
from sopgen.reading.yamlread import Budget, LMap, LSeq, LStr, dangling_items, read_yaml
from tests.conftest import FIXTURES, ROOT

FILES = sorted([*(ROOT / "content").rglob("*.yaml"), *FIXTURES.rglob("*.yaml")])

# Warnings, spans (images, invisible characters), a list left of its key, starters' text.
TRICKY = """\
procedure:
  id: TEK-01
  title: "Back up\u200b the site"
  purpose: |
    See ![diagram](assets/flow.png) and assets/form.pdf.
  owner: Kantor [[Nama Organisasi Anda]]
  note: Call ext. 204 #2 first
  steps:
    - text: Open
      why: ~
      substeps:
    - Close
"""


def same(left: object, right: object) -> bool:
    """Equal values with equal locations, key by key and item by item, spans included."""
    if type(left) is not type(right):
        return False
    if isinstance(left, LStr):
        return (left == right and left.loc == right.loc  # type: ignore[attr-defined]
                and left.span == right.span)  # type: ignore[attr-defined]
    if isinstance(left, LMap):
        assert isinstance(right, LMap)
        return (list(left) == list(right) and left.loc == right.loc
                and left.key_locs == right.key_locs and left.value_locs == right.value_locs
                and dangling_items(left) == dangling_items(right)
                and all(same(left[key], right[key]) for key in left))
    if isinstance(left, LSeq):
        assert isinstance(right, LSeq)
        return (len(left) == len(right) and left.loc == right.loc
                and left.item_locs == right.item_locs
                and all(same(a, b) for a, b in zip(left, right, strict=True)))
    return left == right


def fresh(path: Path, name: str) -> tuple[object, list[Problem]]:
    forget()  # nothing remembered in this process either
    return read_yaml(path, name, Budget())


def cached(folder: Path, path: Path, name: str) -> tuple[object, list[Problem], Budget]:
    forget()
    budget = Budget()
    return (*YamlCache(folder).read(path, name, budget), budget)


def stored(folder: Path, paths: list[Path]) -> None:
    cache = YamlCache(folder)
    for path in paths:
        cache.read(path, path.name, Budget())
    cache.save()


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.relative_to(ROOT).as_posix())
def test_a_cached_reading_equals_a_fresh_one(path: Path, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    name = path.relative_to(ROOT).as_posix()
    expected, problems = fresh(path, name)
    cache = YamlCache(tmp_path)
    cache.read(path, name, Budget())
    cache.save()
    if expected is None or any(p.severity == "error" for p in problems):
        return  # a file that fails is read again every time
    monkeypatch.setattr(yamlcache, "read_yaml", None)  # from the cache, or it fails
    data, found, budget = cached(tmp_path, path, name)
    assert same(data, expected)
    assert found == problems
    assert budget.nodes == _nodes(path, name)


def _nodes(path: Path, name: str) -> int:
    forget()
    budget = Budget()
    read_yaml(path, name, budget)
    return budget.nodes


def test_spans_warnings_and_dangling_lists_come_back(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "content" / "tricky.yaml"
    path.parent.mkdir()
    path.write_text(TRICKY, encoding="utf-8")
    expected, problems = fresh(path, "content/tricky.yaml")
    assert {p.code for p in problems} >= {"starter_placeholder", "text_as_comment"}
    assert isinstance(expected, LMap)
    assert dangling_items(expected["procedure"]["steps"][0])
    YamlCache(tmp_path / "cache").read(path, "content/tricky.yaml", Budget())
    cache = YamlCache(tmp_path / "cache")
    cache.read(path, "content/tricky.yaml", Budget())
    cache.save()
    monkeypatch.setattr(yamlcache, "read_yaml", None)
    data, found, _ = cached(tmp_path / "cache", path, "content/tricky.yaml")
    assert same(data, expected)
    assert found == problems
    purpose = data["procedure"]["purpose"]  # type: ignore[index]
    assert purpose.span is not None and purpose.span == expected["procedure"]["purpose"].span


def test_an_edited_file_is_read_again(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_text("procedure:\n  id: A-1\n  title: First\n", encoding="utf-8")
    stored(tmp_path / "cache", [path])
    path.write_text("procedure:\n  id: A-1\n  title: Second one\n", encoding="utf-8")
    data, _, _ = cached(tmp_path / "cache", path, "a.yaml")
    expected, _ = fresh(path, "a.yaml")
    assert same(data, expected)
    assert data["procedure"]["title"] == "Second one"  # type: ignore[index]


@pytest.mark.parametrize("damage", ["truncated", "foreign", "garbled", "other format"])
def test_a_damaged_or_foreign_entry_is_ignored(tmp_path: Path, damage: str) -> None:
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    first.write_text("procedure:\n  id: A-1\n  title: First\n", encoding="utf-8")
    second.write_text("procedure:\n  id: B-1\n  title: Other\n  steps: [x]\n",
                      encoding="utf-8")
    stored(tmp_path / "cache", [first, second])
    index = tmp_path / "cache" / "yaml" / "files.txt"
    header, line_a, line_b = index.read_text(encoding="utf-8").split("\n")
    key_a, key_b = line_a.split("\t")[0], line_b.split("\t")[0]
    changed = {
        "truncated": f"{header}\n{line_a[:len(line_a) // 2]}\n{line_b}",
        # b's reading filed under a's key: its own key inside gives it away
        "foreign": f"{header}\n{key_a}\t{line_b.split(chr(9))[1]}\n{key_b}\tnull",
        "garbled": f"{header}\n{key_a}\t[1, 2]\n{key_b}\t{{\"key\": \"{key_b}\"}}",
        "other format": f"something else\n{line_a}\n{line_b}",
    }[damage]
    index.write_text(changed, encoding="utf-8")
    for path in (first, second):
        data, problems, _ = cached(tmp_path / "cache", path, path.name)
        expected, expected_problems = fresh(path, path.name)
        assert same(data, expected)
        assert problems == expected_problems


def test_a_rebuild_adds_its_readings_and_a_file_mostly_unused_is_written_anew(
        tmp_path: Path) -> None:
    paths = [tmp_path / f"{name}.yaml" for name in "abc"]
    for number, path in enumerate(paths):
        path.write_text(f"procedure:\n  id: A-{number}\n  title: First\n", encoding="utf-8")
    stored(tmp_path / "cache", paths)
    readings = tmp_path / "cache" / "yaml" / "files.txt"
    before = readings.read_text(encoding="utf-8")
    paths[0].write_text("procedure:\n  id: A-0\n  title: Edited\n", encoding="utf-8")
    stored(tmp_path / "cache", paths)  # looked up, not parsed: the new reading added
    after = readings.read_text(encoding="utf-8")
    assert after.startswith(before) and after.count("\n") == before.count("\n") + 1
    for path in paths:
        data, problems, _ = cached(tmp_path / "cache", path, path.name)
        assert same(data, fresh(path, path.name)[0]) and not problems
    header, *lines = after.split("\n")
    foreign = [f"{number:064x}\t{line.split(chr(9))[1]}"
               for number, line in enumerate(lines * 3)]  # readings of files gone
    readings.write_text("\n".join([header, *lines, *foreign]), encoding="utf-8")
    stored(tmp_path / "cache", paths)
    assert readings.read_text(encoding="utf-8").count("\n") == len(paths)  # only those read
    for path in paths:
        assert same(cached(tmp_path / "cache", path, path.name)[0], fresh(path, path.name)[0])
