"""Shared fixtures: projects copied to a temporary folder, built through the library API."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


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
