"""Golden files: every deterministic output of the sample and of the fixtures, in memory.

The diff of a golden file is the review of an output change. After an intended change:

    .venv/bin/python -m tests.golden          # rewrite tests/golden/ from the current code
    git diff --stat tests/golden/             # then read the diff

``tests/test_golden.py`` compares each file byte for byte. PDFs are not golden files
(they are checked structurally in test_pdf.py); their print HTML is. The Word document is
binary: its golden file is a text dump (``word_text``), each paragraph with its style.
"""

from __future__ import annotations

import io
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
    files.update({f"handbook/{file}.txt": word_text(data)
                  for file, data in _word_files(checked).items()})
    versions = api.released_versions(folder)
    if versions:
        # the intranet: every release of the sample is classified internal
        files.update(_prefixed("site/", api.site_pages(folder, pdf=b"%PDF golden stand-in",
                                                       edition="internal")))
    for old, new in itertools.pairwise([*versions, "current"] if versions else []):
        for fmt, text in api.diff_texts(folder, old, new).items():
            files[f"diff/{old}..{new}.{fmt}"] = text.encode()
    files["schema.json"] = api.schema_text().encode()
    return files


def _word_files(checked: api.Checked) -> dict[str, bytes]:
    from sopgen.outputs.table import BuildOptions, render_outputs
    from sopgen.reading.releases import is_released

    files, _ = render_outputs(checked, BuildOptions(formats=("docx",)),
                              draft=not is_released(checked))
    return files


def word_text(data: bytes) -> bytes:
    """A .docx as reviewable text: the header and footer, then each paragraph as
    ``[style level] text`` (a field as ``{INSTRUCTION}`` before its shown result) and each
    table row as cells."""
    import docx
    from docx.oxml.ns import qn
    from docx.text.paragraph import Paragraph

    def line(paragraph: Paragraph) -> str:
        ppr = paragraph._p.pPr
        level = f" {ppr.numPr.ilvl.val}" if ppr is not None and ppr.numPr is not None \
            and ppr.numPr.ilvl is not None else ""
        text = "".join(f"{{{e.text.strip()}}}" if e.tag == qn("w:instrText") else e.text or ""
                       for e in paragraph._p.iter(qn("w:t"), qn("w:instrText")))
        return f"[{getattr(paragraph.style, 'name', '')}{level}] {text}".rstrip()

    document = docx.Document(io.BytesIO(data))
    section = document.sections[0]
    lines = [line(p) for p in (*section.header.paragraphs, *section.footer.paragraphs)]
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            lines.append(line(block))
        else:
            lines += ["| " + " | ".join(cell.text for cell in row.cells) + " |"
                      for row in block.rows]
    return ("\n".join(lines) + "\n").encode()


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


def update_sample_schema() -> Iterator[str]:
    """The schema the sample's content files name in their editor comment."""
    path, text = ROOT / "sopgen.schema.json", api.schema_text().encode()
    if not path.is_file() or path.read_bytes() != text:
        path.write_bytes(text)
        yield "changed: sopgen.schema.json"


if __name__ == "__main__":
    for project in sys.argv[1:] or PROJECTS:
        for line in update(project):
            print(line)
    for line in update_sample_schema():
        print(line)
