"""Nothing a staff member writes changes or disappears without a word: what is only a
warning in a draft is refused by ``release``, and the live preview shows it too."""

from __future__ import annotations

import re
import shutil
import urllib.request
from pathlib import Path

import pytest

from sopgen.commands.check import check_project
from sopgen.commands.release import release_project
from sopgen.commands.scaffold import PREFIXES, STARTERS, init_project, new_procedure
from sopgen.commands.serve import Preview
from sopgen.core.errors import ValidationFailed
from sopgen.core.model import PILLARS
from sopgen.reading.handbook import read_handbook
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


# ------------------------------------------------------------------ starters

PLACEHOLDER = re.compile(r"\[\[[^\[\]\n]+\]\]")


@pytest.mark.parametrize(("starter", "language"), sorted(STARTERS))
def test_every_placeholder_of_a_starter_is_named_until_replaced(
        tmp_path: Path, starter: str, language: str) -> None:
    project = tmp_path / "project"
    init_project(project, language=language, starter=starter)
    written = {(path.relative_to(project).as_posix(), number, found.start() + 1)
               for path in (project / "content").rglob("*.yaml")
               for number, line in enumerate(path.read_text().splitlines(), start=1)
               for found in PLACEHOLDER.finditer(line) if not line.lstrip().startswith("#")}
    assert written  # every starter has the organisation's name to fill in
    named = {(p.loc.file, p.loc.line, p.loc.col) for p in check_project(project).problems
             if p.code == "starter_placeholder"}
    assert named == written
    for path in (project / "content").rglob("*.yaml"):  # the organisation fills them in
        path.write_text(PLACEHOLDER.sub(lambda m: m.group()[2:-2].replace(":", ""),
                                        path.read_text()))
    assert not [p for p in check_project(project).problems if p.code == "starter_placeholder"]


def test_release_refuses_a_starters_placeholder(tmp_path: Path) -> None:
    project = tmp_path / "project"
    init_project(project, language="en", starter="blank")
    with pytest.raises(ValidationFailed) as caught:
        release_project(project)
    assert ("content/document.yaml:9:12: error: '[[Your Organisation]]' is text of the "
            "starter to fill in — replace it with your organisation's own (a release is "
            "refused until then)") in caught.value.lines()
    assert not (project / "releases").exists()


@pytest.mark.parametrize(("starter", "language"), sorted(STARTERS))
def test_starter_ids_folders_readme_and_new_agree(tmp_path: Path, starter: str,
                                                  language: str) -> None:
    project = tmp_path / "project"
    init_project(project, language=language, starter=starter)
    checked = check_project(project)
    used = {path.parent for path in (project / "content").rglob("*-[0-9]*.yaml")}
    prefixes = {p.pillar: p.id.split("-")[0] for p in checked.handbook.procedures}
    assert prefixes == PREFIXES[language]  # the prefixes `new` uses for an empty pillar
    readme = (project / "README.md").read_text()
    example = re.search(r"`(?:content/(?:[a-z]+/)*)?([A-Z]+)-01\.yaml`", readme)
    assert example and example.group(1) in prefixes.values()
    for pillar in PILLARS:
        created = new_procedure(project, pillar=pillar)
        assert created.parent in used, created
        assert created.name.startswith(prefixes[pillar] + "-")


SAMPLE = Path(__file__).resolve().parent.parent / "content"


@pytest.mark.parametrize(("new_id", "said"), [
    ("TEK-01", "content/teknis/TEK-02.yaml:3:7: galat: id prosedur 'TEK-01' dipakai dua kali "
               "(pertama di content/teknis/TEK-01.yaml:3:7) — beri setiap prosedur id sendiri; "
               "apakah salah satunya seharusnya TEK-02? 18 rujukan ke TEK-02, yang kini tidak "
               "ada, tidak dicantumkan sampai id-nya berbeda"),
    ("TEK-21", "content/teknis/TEK-02.yaml:3:7: galat: berkas prosedur ini dinamai TEK-02, "
               "tetapi id-nya 'TEK-21', dan 18 rujukan masih menyebut TEK-02 — kembalikan "
               "id-nya menjadi TEK-02, atau ubah rujukan-rujukan itu menjadi TEK-21"),
])
def test_one_changed_id_in_the_sample_is_one_message(tmp_path: Path, new_id: str,
                                                     said: str) -> None:
    project = tmp_path / "sample"
    shutil.copytree(SAMPLE, project / "content")
    path = project / "content" / "teknis" / "TEK-02.yaml"
    path.write_text(path.read_text().replace("\n  id: TEK-02\n", f"\n  id: {new_id}\n", 1))
    with pytest.raises(ValidationFailed) as caught:
        read_handbook(project)
    errors = [line for line in caught.value.lines() if ": galat: " in line]
    assert len(errors) == 1  # not one per reference to TEK-02
    pattern = re.escape(said).replace("18", r"(\d+)")  # as many as the sample has
    found = re.fullmatch(pattern, errors[0])
    assert found and int(found.group(1)) >= 10, errors[0]


def test_the_website_starter_describes_no_one_community() -> None:
    starter = Path(__file__).resolve().parent.parent / "sopgen" / "starters" / "website"
    text = "\n".join(path.read_text() for path in starter.rglob("*.yaml"))
    for word in ("LGBT", "transgender", "transpuan", "waria", "IDAHOBIT", "Suara Kita",
                 "OurVoice", "suarakita"):
        assert word not in text, word


def test_an_empty_list_field_before_the_next_procedure_is_not_a_mistake(mini: Path) -> None:
    """``records:`` left empty, then ``- id: …``: the next procedure, as meant."""
    one = ("  - id: {id}\n    title: Extra\n    pillar: management\n    purpose: P.\n"
           "    responsible: [admin]\n    frequency: daily\n    steps:\n"
           "      - Open the site now.\n    records:\n")
    write(mini, "content/extra.yaml",
          "procedures:\n" + one.format(id="MAN-02") + one.format(id="MAN-03"))
    ids = [p.id for p in read_handbook(mini).handbook.procedures]
    assert {"MAN-02", "MAN-03"} <= set(ids)
