"""Shared fixtures: projects copied to a temporary folder, built through the library API."""

from __future__ import annotations

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
