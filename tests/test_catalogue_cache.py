"""sopgen's own label catalogues as parsed, kept in the user's cache folder: what comes
from there is what parsing the TOML gives, and an entry that is damaged, foreign or made
from another text of the catalogue is never used."""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import pytest

from sopgen.core import catalogue as catalogues
from sopgen.core.cache import digest
from sopgen.core.catalogue import (
    TABLES,
    catalogue,
    keep_dates,
    package_languages,
    package_tables,
)


def parsed(code: str) -> dict[str, dict[str, str]]:
    text = resources.files("sopgen").joinpath(f"labels/{code}.toml").read_text()
    data = tomllib.loads(text)
    return {table: dict(data.get(table, {})) for table in TABLES}


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    package_tables.cache_clear()
    catalogues._package_catalogue.cache_clear()
    yield tmp_path
    package_tables.cache_clear()
    catalogues._package_catalogue.cache_clear()


def kept_file(home: Path, name: str) -> Path:
    found = list(home.glob(f"sopgen/*/catalogues/{name}.json"))
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


# --- dates written out by babel, kept beside them

DATES = [dt.date(2013, 5, 31), dt.date(2026, 1, 5), dt.date(2024, 2, 29), dt.date(1999, 12, 1)]


def forget_dates(monkeypatch: pytest.MonkeyPatch) -> None:
    """As a new process starts: nothing read from the kept dates yet."""
    monkeypatch.setattr(catalogues, "_dates", None)
    monkeypatch.setattr(catalogues, "_dates_added", False)


@pytest.mark.parametrize("code", package_languages())
def test_kept_dates_are_babels(cache_home: Path, monkeypatch: pytest.MonkeyPatch,
                               code: str) -> None:
    from babel.dates import format_date

    locale = catalogue(code).meta["babel_locale"]
    forget_dates(monkeypatch)
    written = [catalogue(code).date(day) for day in DATES]
    keep_dates()
    assert written == [format_date(day, format="long", locale=locale) for day in DATES]
    kept = json.loads(kept_file(cache_home, "dates").read_text(encoding="utf-8"))["dates"]
    assert kept[f"{locale} 2013-05-31"] == written[0]
    forget_dates(monkeypatch)
    assert [catalogue(code).date(day) for day in DATES] == written  # from the kept file


@pytest.mark.parametrize("damage", ["cut short", "another babel", "not texts"])
def test_damaged_or_foreign_kept_dates_are_written_out_again(
        cache_home: Path, monkeypatch: pytest.MonkeyPatch, damage: str) -> None:
    forget_dates(monkeypatch)
    expected = catalogue("id").date(DATES[0])
    keep_dates()
    path = kept_file(cache_home, "dates")
    entry = json.loads(path.read_text(encoding="utf-8"))
    name = f"{catalogue('id').meta['babel_locale']} {DATES[0].isoformat()}"
    if damage == "cut short":
        path.write_text(path.read_text(encoding="utf-8")[:30], encoding="utf-8")
    elif damage == "another babel":  # what an older babel wrote: never trusted
        entry["dates"][name] = "31 Mai 2013"
        entry["key"] = digest("dates", "another babel")
        path.write_text(json.dumps(entry), encoding="utf-8")
    else:
        entry["dates"][name] = 2013
        path.write_text(json.dumps(entry), encoding="utf-8")
    forget_dates(monkeypatch)
    assert catalogue("id").date(DATES[0]) == expected
