"""A build that reuses output/.cache/ (and what the process remembers) makes exactly the
files and warnings of a clean build, whatever was edited in between.

Hypothesis edits random procedures of a generated project — titles, step texts with
Markdown, mentions of other procedures, links the policy removes, raw HTML, a procedure
added — and after every edit compares a cached build with a clean one byte for byte.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sopgen.commands.build import BuildResult, build_project
from sopgen.commands.serve import Preview, start
from sopgen.core.cache import forget
from sopgen.core.errors import ValidationFailed
from sopgen.outputs.table import BuildOptions
from sopgen.reading.handbook import read_handbook
from sopgen.reading.load import Project
from sopgen.rendering import pdfengine, render

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # bench/ is not installed; it lives beside the package
    sys.path.insert(0, str(ROOT))

from bench.generate import generate  # noqa: E402

TEXTS = st.sampled_from([
    "Periksa **cadangan** harian", "Lihat TEK-02 dan MAN-01", "Buka [panel](https://a.example)",
    "Jangan klik [ini](javascript:alert(1))", "Teks <b>tebal</b> mentah", "| a | b |\n| - | - |",
    "Salin `wp-config.php` ke folder aman", "Langkah baru tanpa tanda apa pun",
    # a glossary term used; a retention that may differ from another procedure's
    "Periksa DNS dan cPanel", "Laporan insiden: disimpan 7 hari",
    "| Catatan | Retensi |\n| - | - |\n| Log Pemeliharaan Website | 3 bulan |",
])
# "invisible", "note" and "role" give a warning or an error in the edited file: a file
# with a problem is never taken from the checked procedures kept on disk. "glossary"
# renames a term, which every procedure's texts are searched for.
EDIT = st.tuples(st.integers(0, 11),
                 st.sampled_from(["title", "step", "add", "invisible", "note", "role",
                                  "record", "glossary"]), TEXTS)
RENAMED_TERMS = ["Cadangan harian (backup)", "Panel", "Log Pemeliharaan Website"]


def files_of(result: BuildResult) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in result.written + result.kept}


def apply(project: Path, index: int, kind: str, text: str) -> None:
    procedures = sorted(project.glob("content/*/*-*.yaml"))
    if kind == "glossary":
        rename_term(project / "content" / "glosarium.yaml", index)
        return
    path = procedures[index % len(procedures)]
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    procedure = data["procedure"]
    if kind == "add":  # a new procedure: every mention may now link elsewhere
        procedure["id"] = f"TEK-{90 + len(procedures)}"
        procedure["pillar"] = "technical"
        path = project / "content" / "teknis" / f"{procedure['id']}.yaml"
    elif kind == "title":
        procedure["title"] = text.split("\n")[0]
    elif kind == "record":  # shown in the records table's rows too, which are kept
        procedure["records"] = [text.split("\n")[0], *procedure.get("records", [])]
    elif kind == "invisible":  # removed with a warning at its place
        procedure["title"] = "Judul\u200b " + text.split("\n")[0]
    else:
        steps = procedure["steps"]
        step = steps[index % len(steps)]
        if not isinstance(step, dict):
            step = steps[index % len(steps)] = {"text": step}
        if kind == "note":  # the label written twice: a warning
            step["note"] = "Catatan: " + text
        elif kind == "role":  # a role nobody has: an error, and no build
            step["role"] = "peran-tak-dikenal"
        else:
            step["text"] = text
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False),
                    encoding="utf-8")


def rename_term(path: Path, index: int) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    terms = data["glossary"]
    terms[index % len(terms)]["term"] = RENAMED_TERMS[index % len(RENAMED_TERMS)]
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False),
                    encoding="utf-8")


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(12, tmp_path_factory.mktemp("incremental") / "sop-12")


def build(project: Path, output: Path) -> tuple[dict[str, bytes], list[str]]:
    """The files and warnings of a build, or the lines of the errors that refused it."""
    try:
        result = build_project(project, BuildOptions(formats=["md", "html"]),
                               output=output)
    except ValidationFailed as refused:
        return {}, refused.lines()
    return files_of(result), result.warnings


def clean_build(project: Path, output: Path) -> tuple[dict[str, bytes], list[str]]:
    shutil.rmtree(output, ignore_errors=True)
    forget()  # nothing this process remembers either
    return build(project, output)


@pytest.mark.parametrize("parallel", [False, True])
@given(edits=st.lists(EDIT, min_size=1, max_size=4))
@settings(max_examples=6, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_cached_build_equals_clean_build(generated: Path, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch, parallel: bool,
                                         edits: list[tuple[int, str, str]]) -> None:
    monkeypatch.setattr(render, "PARALLEL_FROM", 1 if parallel else 10**9)
    project = tmp_path / "project"
    shutil.rmtree(project, ignore_errors=True)
    shutil.copytree(generated, project)
    cached_output = tmp_path / "cached"
    shutil.rmtree(cached_output, ignore_errors=True)
    forget()
    build(project, cached_output)  # fills output/.cache/
    for index, kind, text in edits:
        apply(project, index, kind, text)
        cached = build(project, cached_output)
        clean = clean_build(project, tmp_path / "clean")
        assert cached == clean
        forget()  # the next cached build reads only output/.cache/, as a new process does
        assert build(project, cached_output) == clean


def test_a_rebuild_reads_rendered_texts_from_the_cache(generated: Path, tmp_path: Path) -> None:
    project = Path(shutil.copytree(generated, tmp_path / "project"))
    forget()
    build(project, tmp_path / "out")
    assert list((tmp_path / "out" / ".cache" / "texts").glob("*.json"))
    forget()
    parsed: list[str] = []
    original = render.TextRenderer._render_once

    def counting(self: render.TextRenderer, mode: str, text: str, how: object) -> None:
        if (mode, text) not in self._cache and self._needs_parser(text):
            parsed.append(text)  # plain and simple texts are quicker made than kept
        original(self, mode, text, how)  # type: ignore[arg-type]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(render.TextRenderer, "_render_once", counting)
        apply(project, 3, "step", "Langkah yang diubah dengan [tautan](https://example.org)")
        build(project, tmp_path / "out")
    assert parsed and all("diubah" in text for text in parsed)


@pytest.mark.parametrize("parallel", [False, True])
def test_a_rebuild_makes_no_markdown_with_mdformat_again(generated: Path, tmp_path: Path,
                                                         parallel: bool) -> None:
    """A text simple in HTML may still take mdformat in the Markdown handbook (a URL in
    `code`): its Markdown is kept too (also when a worker made the Markdown handbook),
    so a title edit needs no mdformat at all."""
    from mdformat.renderer import MDRenderer

    project = Path(shutil.copytree(generated, tmp_path / "project"))
    formatted: list[int] = []
    original = MDRenderer.render

    def counting(self: MDRenderer, *args: Any, **kwargs: Any) -> str:
        formatted.append(1)
        return original(self, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(render, "PARALLEL_FROM", 1 if parallel else 10**9)
        forget()
        build(project, tmp_path / "out")
        patch.setattr(render, "PARALLEL_FROM", 10**9)  # counted in this process
        patch.setattr(MDRenderer, "render", counting)
        apply(project, 2, "title", "Judul yang diubah")
        forget()
        build(project, tmp_path / "out")
        assert not formatted
        clean_build(project, tmp_path / "clean")
    assert formatted  # the sample has such texts: else this test tests nothing


@pytest.mark.slow
def test_a_pdf_made_from_the_same_inputs_is_not_laid_out_again(mini: Path, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch
                                                                 ) -> None:
    """What ``publish`` on a fresh checkout relies on: only output/.cache/ is kept."""
    options = BuildOptions(formats=["pdf"])
    first = build_project(mini, options, output=tmp_path / "out")
    for folder in (tmp_path / "out").iterdir():
        if folder.name != ".cache" and folder.is_dir():
            shutil.rmtree(folder)

    def lay_out(*_: object) -> bytes:
        raise AssertionError("laid out again")

    monkeypatch.setattr(pdfengine, "_lay_out", lay_out)
    again = build_project(mini, options, output=tmp_path / "out")
    assert files_of(again) == files_of(first)


# --- rendered procedure sections (render.Fragments)

def sections_in(output: Path) -> dict[str, str]:
    """The procedure sections the last build kept, by key."""
    newest = max((output / ".cache" / "fragments").glob("*.txt"),
                 key=lambda path: path.stat().st_mtime_ns)
    key = newest.read_text(encoding="utf-8").split("\n", 1)[0].split(" ")[-1]
    stored = render.SectionFile(newest, key)
    return {name: text for name in stored.index if (text := stored.get(name)) is not None}


def test_one_edit_renders_only_that_procedure_again(generated: Path, tmp_path: Path) -> None:
    project = Path(shutil.copytree(generated, tmp_path / "project"))
    forget()
    build(project, tmp_path / "out")
    before = sections_in(tmp_path / "out")
    forget()  # a new process: only output/.cache/ is left
    apply(project, 5, "title", "Judul yang diubah")
    cached = build(project, tmp_path / "out")
    after = sections_in(tmp_path / "out")
    made = [key for key in after if key not in before]
    assert len(made) == 6  # its section, RACI row and records rows, in HTML and Markdown
    assert any("Judul yang diubah" in after[key] for key in made)
    assert cached == clean_build(project, tmp_path / "clean")


def test_a_damaged_or_misplaced_cache_entry_gives_a_clean_build(generated: Path,
                                                                 tmp_path: Path) -> None:
    project = Path(shutil.copytree(generated, tmp_path / "project"))
    output = tmp_path / "out"
    forget()
    build(project, output)
    roles = project / "content" / "peran.yaml"  # a role's title is in every section
    roles.write_text(roles.read_text(encoding="utf-8").replace("title: ", "title: Kepala ", 1),
                     encoding="utf-8")
    forget()
    build(project, output)
    older, newer = sorted((output / ".cache" / "fragments").glob("*.txt"),
                          key=lambda path: path.stat().st_mtime_ns)
    newer.write_bytes(older.read_bytes())  # another key's sections under this key's name
    texts = next((output / ".cache" / "texts").glob("*.json"))
    texts.write_bytes(texts.read_bytes()[:len(texts.read_bytes()) // 2])  # cut short
    forget()
    clean = clean_build(project, tmp_path / "clean")
    forget()
    assert build(project, output) == clean
    for entry in (output / ".cache" / "fragments").glob("*.txt"):
        entry.write_text('{"key": 1, "sections": [')  # not sections
    forget()
    assert build(project, output) == clean


def test_a_records_row_that_warns_warns_on_every_build(generated: Path, tmp_path: Path) -> None:
    """A procedure's rows of the records table are kept like its section: never when a
    text in them warned, so each rebuild reports the warning again, at its place."""
    project = Path(shutil.copytree(generated, tmp_path / "project"))
    forget()
    build(project, tmp_path / "out")
    apply(project, 2, "record", "Teks <b>tebal</b> mentah")
    clean = clean_build(project, tmp_path / "clean")
    assert [w for w in clean[1] if "HTML" in w]  # one, at the record's line
    for _ in range(2):
        forget()
        assert build(project, tmp_path / "out") == clean


def test_sections_cut_short_or_added_twice_give_a_clean_build(generated: Path,
                                                              tmp_path: Path) -> None:
    """The sections file is added to by each build: one cut short (a build stopped while
    adding) is used up to the last whole entry and then written anew; an entry added
    again (two builds at once) is the same section."""
    project = Path(shutil.copytree(generated, tmp_path / "project"))
    output = tmp_path / "out"
    forget()
    build(project, output)
    apply(project, 3, "title", "Judul pertama")
    forget()
    build(project, output)  # adds the edited procedure's sections at the end
    stored = next((output / ".cache" / "fragments").glob("*.txt"))
    whole = stored.read_bytes()
    stored.write_bytes(whole[:-40])  # the last section without its end
    forget()
    clean = clean_build(project, tmp_path / "clean")
    forget()
    assert build(project, output) == clean
    assert stored.read_bytes() != whole[:-40]  # written anew: whole again
    made = sections_in(output)
    stored.write_bytes(stored.read_bytes() + stored.read_bytes().split(b"\n", 1)[1])
    forget()
    assert build(project, output) == clean
    assert sections_in(output) == made


def test_the_preview_shows_what_a_clean_read_warns_about(generated: Path, tmp_path: Path) -> None:
    """The preview shows the page before the reviewer's warnings are found; once a
    rebuild is done, its warnings are those of reading the project whole."""
    project = Path(shutil.copytree(generated, tmp_path / "project"))
    forget()
    preview = Preview(Project.at(project))
    preview.rebuild(lambda _line: None)
    for index, text in enumerate(["Teks <b>tebal</b> mentah", "Periksa **cadangan** harian"]):
        apply(project, index, "step", text)
        preview.rebuild(lambda _line: None)
        expected = read_handbook(project).warnings
        assert expected and preview.warnings[:len(expected)] == expected
        assert not preview.errors


def test_a_save_during_the_first_preview_build_is_built(generated: Path, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    project = Path(shutil.copytree(generated, tmp_path / "project"))
    forget()
    original = Preview.rebuild
    first: list[int] = []

    def saving_meanwhile(self: Preview, report: Callable[[str], None]) -> None:
        original(self, report)
        if not first:  # the first build is done; the watcher has not started yet
            first.append(self.build)
            apply(project, 1, "title", "Disimpan saat pratinjau dimulai")

    monkeypatch.setattr(Preview, "rebuild", saving_meanwhile)
    server = start(project, port=0, report=lambda _line: None)
    try:
        assert server.preview.wait_for_build(first[0], timeout=120)["build"] > first[0]
        assert b"Disimpan saat pratinjau dimulai" in server.preview.page()
    finally:
        server.stop()
