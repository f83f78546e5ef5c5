"""A second publish with nothing changed reuses each release's PDF and the site's pages by
what they are made from: on a checkout that kept only ``output/.cache/`` it lays nothing
out and renders neither print HTML nor pages, and its site is byte for byte the first one's."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import sopgen.commands.publish as publishing
from sopgen.commands.publish import program_files, publish, release_pdf_key
from sopgen.commands.release import freeze
from sopgen.outputs.table import BuildOptions
from sopgen.reading.handbook import read_handbook
from sopgen.reading.releases import read_release
from sopgen.rendering import pdfengine
from sopgen.rendering.render import theme_folder


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def keep_only_cache(output: Path) -> None:
    """What a fresh checkout with the cache restored has: ``output/.cache/`` and no more."""
    for path in output.iterdir():
        if path.name != ".cache":
            shutil.rmtree(path) if path.is_dir() else path.unlink()


def refuse(*_: object, **__: object) -> None:
    raise AssertionError("laid out or rendered again although nothing changed")


@pytest.fixture
def released(mini: Path) -> Path:
    freeze(read_handbook(mini))
    return mini


def test_second_publish_on_a_fresh_checkout_lays_nothing_out(
        released: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = files_of(publish(released, edition="internal").folder)
    keep_only_cache(released / "output")
    monkeypatch.setattr(publishing, "build_checked", refuse)
    monkeypatch.setattr(pdfengine, "make_pdf", refuse)
    monkeypatch.setattr(pdfengine, "_lay_out", refuse)
    monkeypatch.setattr(publishing, "rendered_pages", refuse)
    second = publish(released, edition="internal")
    assert files_of(second.folder) == first
    pdf = next(name for name in first if name.startswith("1.2.0/") and name.endswith(".pdf"))
    kept = released / "output" / pdf  # the release's own folder is filled again, too
    assert kept.read_bytes() == first[pdf]


def test_the_key_changes_with_sopgen_version_templates_and_snapshot(
        released: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    options = BuildOptions(formats=["pdf"])
    key = release_pdf_key(read_release(released, "1.2.0"), options)
    assert release_pdf_key(read_release(released, "1.2.0"), options) == key
    assert release_pdf_key(read_release(released, "1.2.0"),
                           BuildOptions(formats=["pdf"], edition="internal")) != key
    assert release_pdf_key(read_release(released, "1.2.0"),
                           BuildOptions(formats=["pdf"], pdf_engine="single")) != key
    (released / "templates").mkdir()
    (released / "templates" / "print.html.j2").write_text("{{ 1 }}", encoding="utf-8")
    templated = release_pdf_key(read_release(released, "1.2.0"), options)
    assert templated != key
    monkeypatch.setattr("sopgen.core.cache.__version__", "99.0.0")
    assert release_pdf_key(read_release(released, "1.2.0"), options) != templated


def test_every_theme_file_is_in_the_key_by_content(tmp_path: Path) -> None:
    theme = theme_folder()
    package = theme.parent.parent
    named = {line.split(" ")[0] for line in program_files()}
    assert {p.relative_to(package).as_posix() for p in theme.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts} <= named
    copy = tmp_path / "theme"
    shutil.copytree(theme, copy)
    before = pdfengine.file_hashes(copy)
    stylesheet = next(copy.rglob("*.css"))
    stylesheet.write_text(stylesheet.read_text(encoding="utf-8") + "\n/* changed */\n",
                          encoding="utf-8")
    assert pdfengine.file_hashes(copy) != before


def test_a_changed_template_renders_the_pages_again(
        released: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = files_of(publish(released, edition="internal").folder)
    keep_only_cache(released / "output")
    footer = (theme_folder() / "site" / "base.html.j2")
    (released / "templates" / "site").mkdir(parents=True)
    changed = footer.read_text(encoding="utf-8").replace("</body>", "<p>Changed.</p></body>")
    (released / "templates" / "site" / "base.html.j2").write_text(changed, encoding="utf-8")
    second = files_of(publish(released, edition="internal").folder)
    assert second != first
    assert all(b"<p>Changed.</p>" in data for name, data in second.items()
               if name.endswith(".html") and name != "index.html")


def test_unchanged_files_are_linked_not_written_again(tmp_path: Path) -> None:
    from sopgen.core.write import write_folder

    write_folder(tmp_path, "site", {"a.html": b"same", "b.html": b"old"}, replace=True)
    before = {name: (tmp_path / "site" / name).stat().st_ino for name in ("a.html", "b.html")}
    write_folder(tmp_path, "site", {"a.html": b"same", "b.html": b"new"}, replace=True)
    assert (tmp_path / "site" / "a.html").stat().st_ino == before["a.html"]
    assert (tmp_path / "site" / "b.html").read_bytes() == b"new"
    assert (tmp_path / "site" / "b.html").stat().st_ino != before["b.html"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [".lock", "site"]  # nothing left
