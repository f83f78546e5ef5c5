"""The benchmark's project generator makes valid, deterministic projects (no timing here)."""

from __future__ import annotations

import sys
from pathlib import Path

from sopgen.reading.handbook import read_handbook

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # bench/ is not installed; it lives beside the package
    sys.path.insert(0, str(ROOT))

from bench.generate import generate  # noqa: E402
from bench.worker import edit_title  # noqa: E402


def files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_generated_project_validates(tmp_path: Path) -> None:
    project = generate(12, tmp_path / "sop-12")
    handbook = read_handbook(project).handbook
    assert len(handbook.procedures) == 12
    assert {p.pillar for p in handbook.procedures} == {"management", "technical", "content"}
    assert len(handbook.roles) == 6 and handbook.glossary and handbook.revisions
    assert len(list((project / "content").glob("*/*-*.yaml"))) == 12
    steps = [s for p in handbook.procedures for s in p.steps]
    assert all(5 <= len(p.steps) <= 12 for p in handbook.procedures)
    assert any(s.substeps for s in steps) and any(s.warning for s in steps)
    assert any("| --- |" in p.purpose for p in handbook.procedures)
    assert any(p.related for p in handbook.procedures)


def test_generation_is_deterministic(tmp_path: Path) -> None:
    assert files(generate(12, tmp_path / "a")) == files(generate(12, tmp_path / "b"))


def test_edited_title_still_validates(tmp_path: Path) -> None:
    project = generate(12, tmp_path / "sop-12")
    target = project / "content" / "teknis" / "TEK-02.yaml"
    edit_title(target, "1")
    edit_title(target, "2")
    titles = [p.title for p in read_handbook(project).handbook.procedures if p.id == "TEK-02"]
    assert titles[0].endswith(" [2]") and "[1]" not in titles[0]
