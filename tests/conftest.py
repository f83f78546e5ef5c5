"""Shared fixtures: projects copied to a temporary folder, built through the library API."""

from __future__ import annotations

import datetime as dt
import inspect
import os
import re
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
# Messages with no document behind them speak the user's locale: the suite's is English.
os.environ["LANGUAGE"] = "en"
# Progress lines show on a CI machine (CI=true); the tests that want them set it themselves.
os.environ.pop("CI", None)
os.environ.pop("SOPGEN_PROGRESS", None)


@pytest.fixture
def mini(tmp_path: Path) -> Path:
    """A copy of the small English fixture project, free to edit."""
    target = tmp_path / "mini"
    shutil.copytree(FIXTURES / "mini", target, ignore=shutil.ignore_patterns("expected*"))
    return target


@pytest.fixture(scope="session")
def mini_built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture project built once in all formats; tests only read it."""
    from sopgen.commands.build import build_project

    project = tmp_path_factory.mktemp("built") / "mini"
    shutil.copytree(FIXTURES / "mini", project, ignore=shutil.ignore_patterns("expected*"))
    result = build_project(project)
    return result.folder


def write(project: Path, relative: str, text: str) -> Path:
    path = project / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def next_version_of(project: Path, version: str, day: str, *,
                    document: str = "content/document.yaml",
                    summary: str = "The next version.") -> None:
    """Make the content the next version as staff do: its number, an approval of it, the
    day it takes effect and a revision-history entry (the document's last section)."""
    path = project / document
    text = re.sub(r'(?m)^  version: "[0-9.]+"$', f'  version: "{version}"', path.read_text(),
                  count=1)
    text = re.sub(r"(?m)^  effective_date: .*$", f"  effective_date: {day}", text, count=1)
    text = text.replace("  approvals:\n", f"  approvals:\n    - name: Bo Board\n      role: Chair"
                        f'\n      date: {day}\n      version: "{version}"\n', 1)
    if f'  - version: "{version}"\n' not in text:  # the revision entry may be written already
        text = (text.rstrip("\n") + f'\n  - version: "{version}"\n    date: {day}\n'
                f"    author: A\n    summary: {summary}\n")
    path.write_text(text, encoding="utf-8")


def released_sample(target: Path, *, build: bool = True) -> Path:
    """A copy of the sample whose current content is released: as it is when the sample's
    content is a release, else as the next version (approved, in force a day later).
    Without ``build`` the release is only frozen, not built."""
    from sopgen.commands.release import freeze, release_project
    from sopgen.reading.handbook import read_handbook
    from sopgen.reading.releases import is_released, next_version

    for part in ("content", "templates", "releases"):
        if (ROOT / part).is_dir():
            shutil.copytree(ROOT / part, target / part)
    checked = read_handbook(target)
    if not is_released(checked):
        doc = checked.handbook.document
        day = (max(doc.effective_date, *(r.date for r in checked.handbook.revisions))
               + dt.timedelta(days=1)).isoformat()
        unused = not (target / "releases" / f"{doc.version}.yaml").exists()
        version = doc.version if unused else next_version(doc.version)
        next_version_of(target, version, day, document="content/dokumen.yaml")
        if build:
            release_project(target)
        else:
            freeze(read_handbook(target))
    return target


# The fast tier (-m "not slow") leaves out what lays out a PDF, drives a browser or runs
# Java or LibreOffice. Whole modules are slow; elsewhere a test is slow when it, or a fixture
# it uses, asks for a PDF (a build with no format list makes every format, PDF included).
SLOW_MODULES = {"test_pdf", "test_paginate", "test_site", "test_sample", "test_bench"}
SLOW_SOURCE = re.compile(
    r"pdf|publish|release_project|chromium|browser|vnu|soffice|ARTEFACTS|checklists"
    r"|acknowledgements"
    r"|--all|build_project\(\s*\w+\s*(?:,\s*output=[^,)]*)?\)|\[\"build\", str\(\w+\)\]"
    r"|\[\"build\", str\(\w+\), \"-o\"")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if _is_slow(item):
            item.add_marker(pytest.mark.slow)


def _is_slow(item: pytest.Item) -> bool:
    if item.module is None or item.module.__name__.split(".")[-1] in SLOW_MODULES:
        return True
    sources = [_source(getattr(item, "function", None))]
    definitions = getattr(getattr(item, "_fixtureinfo", None), "name2fixturedefs", {})
    sources += [_source(defs[-1].func) for defs in definitions.values()]
    return any(SLOW_SOURCE.search(text) for text in sources)


def _source(function: object) -> str:
    try:
        return inspect.getsource(function)  # type: ignore[arg-type]
    except (TypeError, OSError):
        return ""


@pytest.fixture(autouse=True)
def _nothing_remembered_between_tests() -> None:
    """Each test builds as a new process would: what one test's builds left in this
    process's memory (see core/cache.py) must not answer another's."""
    from sopgen.core.cache import forget
    from sopgen.core.catalogue import forget_brought

    forget()
    forget_brought()  # label catalogues a project of another test brought
