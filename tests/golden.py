"""Golden files: every deterministic output of the sample and of the fixtures, in memory.

The diff of a golden file is the review of an output change. After an intended change:

    .venv/bin/python -m tests.golden          # rewrite tests/golden/ from the current code
    git diff --stat tests/golden/             # then read the diff

``tests/test_golden.py`` compares each file byte for byte. PDFs are not golden files
(they are checked structurally in test_pdf.py); their print HTML is.
"""

from __future__ import annotations

import itertools
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

from sopgen import api

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden"
PROJECTS = {"sample": ROOT, "mini": ROOT / "tests" / "fixtures" / "mini"}
ROLE = {"sample": "editor", "mini": "admin"}  # one role edition per project


def outputs(name: str) -> dict[str, bytes]:
    """Every deterministic output of one project, by its path under ``tests/golden/<name>/``."""
    folder = PROJECTS[name]
    files: dict[str, bytes] = {}
    checked = api.read_handbook(folder)
    files.update(_prefixed("handbook/", api.text_outputs(checked, role=None)))
    files.update(_prefixed("role/", api.text_outputs(checked, role=ROLE[name])))
    versions = api.released_versions(folder)
    if versions:
        files.update(_prefixed("site/", api.site_pages(folder, pdf=b"%PDF golden stand-in")))
    for old, new in itertools.pairwise([*versions, "current"] if versions else []):
        for fmt, text in api.diff_texts(folder, old, new).items():
            files[f"diff/{old}..{new}.{fmt}"] = text.encode()
    files["schema.json"] = api.schema_text().encode()
    return files


def _prefixed(prefix: str, files: dict[str, bytes]) -> dict[str, bytes]:
    return {prefix + name: data for name, data in files.items()}


def stored(name: str) -> dict[str, bytes]:
    folder = GOLDEN / name
    return {path.relative_to(folder).as_posix(): path.read_bytes()
            for path in sorted(folder.rglob("*")) if path.is_file()}


def update(name: str) -> Iterator[str]:
    """Rewrite one project's golden files; yields what changed."""
    new, old = outputs(name), stored(name)
    shutil.rmtree(GOLDEN / name, ignore_errors=True)
    for relative, data in new.items():
        path = GOLDEN / name / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        if old.get(relative) != data:
            yield f"{'changed' if relative in old else 'added'}: {name}/{relative}"
    yield from (f"removed: {name}/{relative}" for relative in old if relative not in new)


if __name__ == "__main__":
    for project in sys.argv[1:] or PROJECTS:
        for line in update(project):
            print(line)
