"""Label catalogues: every word sopgen prints, in each language it speaks.

A catalogue is ``labels/<code>.toml`` with tables ``labels`` (template words),
``choices`` (names of statuses, frequencies, ...) and ``messages`` (problems, as
"what is wrong — what to do"). Adding a language is adding a catalogue.
"""

from __future__ import annotations

import datetime as dt
import difflib
import importlib.util
import json
import os
import tempfile
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from sopgen.core.cache import digest, user_cache
from sopgen.core.chars import shown
from sopgen.core.problems import Problem

# sopgen's own catalogues, beside the package's modules (found without ``importlib.resources``,
# whose readers take a hundredth of a second to import)
LABELS = Path(__file__).parent.parent / "labels"


@dataclass(frozen=True)
class Catalogue:
    """The words of one language, and date formatting for it."""

    code: str
    meta: dict[str, str]
    labels: dict[str, str]
    choices: dict[str, str]
    messages: dict[str, str]
    fields: dict[str, str]
    field_labels: dict[str, str]
    item_labels: dict[str, str]

    def label(self, key: str) -> str:
        return self.labels[key]

    def choice(self, key: str) -> str:
        return self.choices.get(key, key)

    def edition(self, audience: str) -> str:
        """The name of an edition: "Internal edition", "Edisi Internal"."""
        return self.labels["edition_name"].format(name=self.choice(audience))

    def field(self, key: str) -> str:
        """A field as the user knows it: its label in this language and its YAML key."""
        return f"{self.field_labels.get(key, key)} ({key})"

    def item(self, key: str) -> str:
        """One item of a list field: "Step (steps)"."""
        return f"{self.item_labels.get(key, self.field_labels.get(key, key))} ({key})"

    def date(self, value: dt.date | None) -> str:
        """A date as people write it in this language: "31 Mei 2013", "31 May 2013"."""
        if value is None:
            return ""
        return long_date(value, self.meta["babel_locale"])

    def message(self, problem: Problem) -> str:
        """One line: ``file:line:col: error: what is wrong — what to do``."""
        where = f"{problem.loc}: " if problem.loc.file else ""
        return f"{where}{self.messages[problem.severity]}: {self.text(problem)}"

    def text(self, problem: Problem) -> str:
        """What is wrong and what to do, without the place: for CI annotations."""
        params = {key: printable(value) for key, value in problem.params.items()}
        suggestion = params.get("suggestion")
        params["did_you_mean"] = (
            self.messages["did_you_mean"].format(suggestion=suggestion) if suggestion else ""
        )
        template = self.messages[problem.code]
        text = template.format_map(_Defaults(params))
        if params.get("what") and "{what}" not in template:  # "Pillar (pillar): 'X' is …"
            text = f"{params['what']}: {text}"
        return text


class _Defaults(dict[str, str]):  # a message may not use every parameter, nor get every one
    def __missing__(self, key: str) -> str:
        return ""


def printable(value: Any) -> str:
    """User text inside a message, with characters one cannot see named by code point."""
    return shown(str(value))


def catalogue(code: str) -> Catalogue:
    """The catalogue of ``code``: one a project brought (see ``bring``), else sopgen's."""
    return _brought.get(code) or _package_catalogue(code)


@cache
def _package_catalogue(code: str) -> Catalogue:
    return _from_tables(code, package_tables(code))


@cache
def package_tables(code: str) -> dict[str, dict[str, str]]:
    """The tables of sopgen's own catalogue of ``code``, as written (parsed once for each
    text of it: see ``_kept_tables``)."""
    text = (LABELS / f"{code}.toml").read_text(encoding="utf-8")
    kept = _kept_tables(code, text)
    if kept is not None:
        return kept
    data = tomllib.loads(text)
    tables = {table: dict(data.get(table, {})) for table in TABLES}
    _keep_tables(code, text, tables)
    return tables


# --- dates as babel writes them in each locale, kept in the user's cache folder: loading
# babel and a locale's data is a few hundredths of a second of a build that shows a handful
# of dates (those of the procedures are in the sections kept by a rebuild)

_dates: dict[str, str] | None = None  # "locale date" → the date written out
_dates_added = False


def long_date(value: dt.date, locale: str) -> str:
    """``value`` in babel's long format for ``locale``: "31 Mei 2013", "31 May 2013"."""
    global _dates_added
    dates = _kept_dates()
    name = f"{locale} {value.isoformat()}"
    text = dates.get(name)
    if text is None:
        from babel.dates import format_date  # costs ~0.1 s; only rendering needs it

        text = dates[name] = format_date(value, format="long", locale=locale)
        _dates_added = True
    return text


def keep_dates() -> None:
    """Keep the dates written out since they were last kept, for the next process."""
    global _dates_added
    path = _dates_file()
    if not _dates_added or _dates is None or path is None:
        return
    _dates_added = False
    try:
        entry = json.dumps({"key": digest("dates", babel_stamp()), "dates": _dates},
                           ensure_ascii=False)
        handle, temporary = tempfile.mkstemp(prefix=".dates.", dir=path.parent)
        with os.fdopen(handle, "w", encoding="utf-8") as out:  # two processes may race
            out.write(entry)
        os.replace(temporary, path)
    except OSError:  # a cache that cannot be written only costs time
        return


def _kept_dates() -> dict[str, str]:
    global _dates
    if _dates is None:
        _dates = {}
        path = _dates_file()
        try:
            entry = json.loads(path.read_text(encoding="utf-8")) if path else None
            if entry is not None and entry["key"] == digest("dates", babel_stamp()):
                kept = entry["dates"]
                if type(kept) is dict and all(type(text) is str for text in kept.values()):
                    _dates = kept
        except (OSError, ValueError, TypeError, KeyError, RecursionError):
            pass  # none yet, or not ours: written out by babel again
    return _dates


def _dates_file() -> Path | None:
    folder = user_cache("catalogues")
    return folder / "dates.json" if folder is not None and babel_stamp() else None


@cache
def babel_stamp() -> str:
    """Which babel is installed (its path, size and modification time), known without
    importing it: what kept dates and month names depend on. Empty when it is not found."""
    spec = importlib.util.find_spec("babel")
    try:
        stat = os.stat(spec.origin) if spec is not None and spec.origin else None
    except OSError:
        stat = None
    return f"{spec.origin} {stat.st_size} {stat.st_mtime_ns}" if spec and stat else ""


# --- sopgen's own catalogues as parsed, kept in the user's cache folder: parsing the TOML
# is a few hundredths of a second of every command that speaks

def _tables_file(code: str) -> Path | None:
    folder = user_cache("catalogues")
    return folder / f"{code}.json" if folder is not None else None


def _kept_tables(code: str, text: str) -> dict[str, dict[str, str]] | None:
    """The tables kept for exactly this ``text`` of the catalogue, if in the shape kept."""
    path = _tables_file(code)
    if path is None:
        return None
    try:
        entry = json.loads(path.read_text(encoding="utf-8"))
        if entry["key"] != digest("catalogue", code, text):
            return None  # another text of it (or not ours): parsed afresh
        tables = entry["tables"]
    except (OSError, ValueError, TypeError, KeyError, RecursionError):
        return None
    if type(tables) is not dict or list(tables) != list(TABLES) or \
            not all(type(table) is dict for table in tables.values()):
        return None
    return tables


def _keep_tables(code: str, text: str, tables: dict[str, dict[str, str]]) -> None:
    path = _tables_file(code)
    if path is None:
        return
    try:
        entry = json.dumps({"key": digest("catalogue", code, text), "tables": tables},
                           ensure_ascii=False)
        handle, temporary = tempfile.mkstemp(prefix=f".{code}.", dir=path.parent)
        with os.fdopen(handle, "w", encoding="utf-8") as out:  # two processes may race
            out.write(entry)
        os.replace(temporary, path)
    except (OSError, TypeError, ValueError):  # not kept (a value JSON has no form for)
        return


def _from_tables(code: str, data: dict[str, dict[str, str]]) -> Catalogue:
    return Catalogue(code, data["meta"], data["labels"], data["choices"], data["messages"],
                     data["fields"], data["field_labels"], data["item_labels"])


def languages() -> list[str]:
    """Every language sopgen speaks now: its own, and those projects brought."""
    return sorted({*package_languages(), *_brought})


@cache
def package_languages() -> tuple[str, ...]:
    return tuple(sorted(item.name.removesuffix(".toml") for item in LABELS.iterdir()
                        if item.name.endswith(".toml")))


# Mistakes that cause others (an id changed into another's): said first, as the one to fix.
CAUSES = frozenset({"duplicate_procedure_hides", "duplicate_role_hides"})


def format_problems(problems: list[Problem], language: str = "en") -> list[str]:
    """Errors first, then warnings, each group in file order."""
    words = catalogue(language)
    ordered = sorted(problems, key=lambda p: (p.severity != "error", p.code not in CAUSES,
                                              p.loc.file, p.loc.line, p.loc.col))
    return [words.message(p) for p in ordered]


def suggest(key: str, allowed: tuple[str, ...] | list[str]) -> dict[str, object]:
    """Message parameters for an unknown ``key``: the closest allowed value, and all."""
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    return {"key": key, "suggestion": close[0] if close else "", "allowed": ", ".join(allowed)}


def suggest_field(key: str, allowed: tuple[str, ...] | list[str]) -> dict[str, object]:
    """``suggest`` for a field name, knowing each field's name in every language sopgen
    speaks: ``langkah`` → steps, ``tujuan`` → purpose, as ``harian`` → daily."""
    named = field_names().get(" ".join(key.casefold().replace("_", " ").split()))
    if named in allowed:
        return {"key": key, "suggestion": named, "allowed": ", ".join(allowed)}
    return suggest(key, allowed)


@cache
def field_names() -> dict[str, str]:
    """Every field's label (and its items' label) in every language, folded, → its key.
    "Langkah-langkah" is also known as "langkah", as people write it."""
    names: dict[str, str] = {}
    for code in languages():
        words = catalogue(code)
        for key, label in [*words.field_labels.items(), *words.item_labels.items()]:
            folded = " ".join(label.casefold().replace("_", " ").split())
            names.setdefault(folded, key)
            halves = folded.split("-")
            if len(halves) == 2 and halves[0] == halves[1]:  # reduplicated plural
                names.setdefault(halves[0], key)
    return names



def default_language() -> str:
    """The language of messages when no document says one: the user's locale if sopgen
    speaks it (``LANG=id_ID.UTF-8`` → ``id``), else English."""
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        code = os.environ.get(variable, "").split(":")[0].split("_")[0].split(".")[0].lower()
        if code:
            return code if code in languages() else "en"
    return "en"


# --- Catalogues a project or workspace brings (labels/<code>.toml) ---------------------
# A project may speak a language sopgen does not (labels/jv.toml) or reword some labels of
# one it does (labels/en.toml with a few keys). The words printed in the handbook (tables
# meta, labels and choices) must all be there: a missing one is an error that names it.
# Messages, field names and the comments of new files fall back to English, so a
# translation can start with the handbook and add the messages later.

TABLES = ("meta", "labels", "choices", "messages", "fields", "field_labels", "item_labels")
REQUIRED_TABLES = ("meta", "labels", "choices")
_brought: dict[str, Catalogue] = {}  # by code: the catalogues of the project read last


def merged_tables(code: str, layers: list[dict[str, dict[str, str]]], *,
                  fallback: bool = True) -> dict[str, dict[str, str]]:
    """sopgen's catalogue of ``code`` (or, for a language it lacks, English in the tables
    that may fall back, unless not ``fallback``), with each layer's keys over it in turn."""
    own = code in package_languages()
    base = package_tables(code if own else "en")
    tables = {table: dict(base[table])
              if own or (fallback and table not in REQUIRED_TABLES) else {}
              for table in TABLES}
    for layer in layers:
        for table in TABLES:
            tables[table].update(layer.get(table, {}))
    return tables


def missing_keys(code: str, tables: dict[str, dict[str, str]]) -> list[tuple[str, str]]:
    """(table, key) of every English key that ``tables`` lack, handbook words first."""
    english = package_tables("en")
    return [(table, key) for table in TABLES for key in english[table]
            if key not in tables[table]]


def bring(found: dict[str, dict[str, dict[str, str]]]) -> None:
    """Speak the catalogues ``found`` (merged tables by code) from now on, and no other
    project's. A process speaks one project's words at a time: reading a project makes
    its catalogues current, as a build reads a project and then renders it (a batch of
    partners reads and renders each in turn)."""
    _brought.clear()
    _brought.update({code: _from_tables(code, tables) for code, tables in found.items()})


def forget_brought() -> None:
    """Back to sopgen's own catalogues only (between tests, or projects of one run)."""
    _brought.clear()

