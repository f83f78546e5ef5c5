"""sopgen's own label catalogues as parsed, kept in the user's cache folder: what comes
from there is what parsing the TOML gives, and an entry that is damaged, foreign or made
from another text of the catalogue is never used."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import pytest

from sopgen.core.cache import digest
from sopgen.core.catalogue import TABLES, package_languages, package_tables


def parsed(code: str) -> dict[str, dict[str, str]]:
    text = resources.files("sopgen").joinpath(f"labels/{code}.toml").read_text()
    data = tomllib.loads(text)
    return {table: dict(data.get(table, {})) for table in TABLES}


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    package_tables.cache_clear()
    yield tmp_path
    package_tables.cache_clear()


def kept_file(home: Path, code: str) -> Path:
    found = list(home.glob(f"sopgen/*/catalogues/{code}.json"))
    assert len(found) == 1
    return found[0]


@pytest.mark.parametrize("code", package_languages())
def test_kept_tables_are_the_parsed_ones(cache_home: Path, code: str) -> None:
    assert package_tables(code) == parsed(code)  # parsed, and kept
    kept_file(cache_home, code)
    package_tables.cache_clear()
    again = package_tables(code)  # from the kept file
    assert again == parsed(code) and list(again) == list(TABLES)


@pytest.mark.parametrize("damage", ["cut short", "another text", "another shape"])
def test_a_damaged_or_foreign_kept_catalogue_is_parsed_again(cache_home: Path,
                                                             damage: str) -> None:
    package_tables("en")
    path = kept_file(cache_home, "en")
    entry = json.loads(path.read_text(encoding="utf-8"))
    if damage == "cut short":
        path.write_text(path.read_text(encoding="utf-8")[:200], encoding="utf-8")
    elif damage == "another text":  # what another version of the catalogue said
        entry["tables"]["labels"] = {key: "lain" for key in entry["tables"]["labels"]}
        entry["key"] = digest("catalogue", "en", "labels = {}")
        path.write_text(json.dumps(entry), encoding="utf-8")
    else:
        entry["tables"]["labels"] = ["not", "a", "table"]
        path.write_text(json.dumps(entry), encoding="utf-8")
    package_tables.cache_clear()
    assert package_tables("en") == parsed("en")
    package_tables.cache_clear()
    assert package_tables("en") == parsed("en")  # as kept again
