"""Nothing a staff member writes changes or disappears without a word: what is only a
warning in a draft is refused by ``release``, and the live preview shows it too."""

from __future__ import annotations

import urllib.request
from pathlib import Path

import pytest

from sopgen.commands.check import check_project
from sopgen.commands.release import release_project
from sopgen.commands.serve import Preview
from sopgen.core.errors import ValidationFailed
from sopgen.reading.load import Project
from tests.conftest import write

CUT = ("procedure:\n  id: MAN-02\n  title: Extra\n  pillar: management\n"
       "  purpose: Open ticket #123 before posting.\n  responsible: [admin]\n"
       "  accountable: coordinator\n  frequency: daily\n  steps:\n    - Open the site now.\n")


def in_indonesian(project: Path) -> None:
    path = project / "content" / "document.yaml"
    path.write_text(path.read_text().replace("language: en", "language: id"))


def test_text_cut_by_a_hash_is_refused_by_release_and_strict_check(mini: Path) -> None:
    write(mini, "content/extra.yaml", CUT)
    said = ("content/extra.yaml:5:24: error: '#123 before posting.' was read as a comment and "
            "left out, because it starts with ' #' — put the whole text in quotes to keep it; "
            "if it is a note, write '# ' with a space")
    with pytest.raises(ValidationFailed) as caught:
        release_project(mini)
    assert said in caught.value.lines()
    assert not (mini / "releases").exists()
    with pytest.raises(ValidationFailed) as strict:
        check_project(mini, strict=True)
    assert said in strict.value.lines()


def test_a_symlinked_folder_is_named_and_refused_by_release(mini: Path, tmp_path: Path) -> None:
    partner = tmp_path / "partner"
    write(partner, "TEK-02.yaml", CUT.replace("MAN-02", "TEK-02").replace("#123", "123")
          .replace("management", "technical"))
    (mini / "content" / "partner").symlink_to(partner)
    warning = ("content/partner: warning: this folder is a link and is not read — move or copy "
               "the folder into content/ instead")
    assert warning in check_project(mini).warnings  # a draft still builds, with the warning
    with pytest.raises(ValidationFailed) as caught:
        release_project(mini)
    assert caught.value.lines() == [warning.replace("warning:", "error:")]
    assert "TEK-02" not in {p.id for p in check_project(mini).handbook.procedures}


def _page(preview: Preview) -> str:
    return preview.page().decode()


@pytest.mark.parametrize(("language", "heading", "cut"), [
    ("en", "1 warning(s) — each with its file and line",
     "content/extra.yaml:5:24: warning: &#39;#123 before posting.&#39; was read as a comment"),
    ("id", "1 peringatan — masing-masing dengan berkas dan barisnya",
     "content/extra.yaml:5:24: peringatan: &#39;#123 before posting.&#39; terbaca sebagai "
     "komentar"),
])
def test_the_preview_shows_warnings_with_their_place_in_the_documents_language(
        mini: Path, language: str, heading: str, cut: str) -> None:
    if language == "id":
        in_indonesian(mini)
    preview = Preview(Project.at(mini))
    preview.rebuild(lambda line: None)
    before = _page(preview)
    assert 'id="sopgen-preview-warnings"' in before  # mini has reviewer warnings of its own
    write(mini, "content/extra.yaml", CUT)
    preview.rebuild(lambda line: None)
    page = _page(preview)
    assert cut in page
    panel = page[page.index('<aside id="sopgen-preview-warnings"'):]
    assert f'lang="{language}"' in panel.split(">")[0]
    count = len(preview.warnings)
    assert heading.replace("1 ", f"{count} ", 1) in panel


def test_the_preview_error_page_speaks_the_documents_language(mini: Path) -> None:
    in_indonesian(mini)
    write(mini, "content/extra.yaml", CUT.replace("frequency: daily", "frequency: harian"))
    preview = Preview(Project.at(mini))
    preview.rebuild(lambda line: None)
    page = _page(preview)
    assert '<html lang="id">' in page and "Konten memiliki 2 masalah" in page  # error + warning
    assert ("content/extra.yaml:8:14: galat: Frekuensi (frequency): &#39;harian&#39; tidak "
            "diizinkan di sini (maksudnya &#39;daily&#39;?)") in page


def test_the_preview_panel_is_seen_in_a_browser(mini: Path) -> None:
    from sopgen.commands.serve import start
    from tests.browser import browser

    write(mini, "content/extra.yaml", CUT)
    server = start(mini, port=0, report=lambda line: None)
    try:
        with urllib.request.urlopen(server.url, timeout=10) as response:
            assert b"sopgen-preview-warnings" in response.read()
        with browser() as chromium:
            page = chromium.new_page()  # type: ignore[attr-defined]
            page.goto(server.url)
            panel = page.locator("#sopgen-preview-warnings")
            assert panel.is_visible()
            assert "content/extra.yaml:5:24: warning:" in panel.inner_text()
    finally:
        server.stop()
