"""Markdown output compared with golden files kept next to their fixture projects.

Regenerate after an intended change, then review the diff:
    SOPGEN_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_golden.py
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sopgen.build import build_project
from tests.conftest import FIXTURES


@pytest.mark.parametrize("name", ["mini"])
def test_markdown_matches_golden(name: str, tmp_path: Path) -> None:
    result = build_project(FIXTURES / name, formats=["md"], output=tmp_path)
    produced = next(result.folder.glob("*.md")).read_text(encoding="utf-8")
    golden = FIXTURES / name / "expected.md"
    if os.environ.get("SOPGEN_UPDATE_GOLDEN"):
        golden.write_text(produced, encoding="utf-8")
    assert produced == golden.read_text(encoding="utf-8")
