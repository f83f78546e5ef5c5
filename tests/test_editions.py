"""Editions: a public site never carries what is internal; an intranet says what it is."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sopgen import api
from sopgen.cli import app
from sopgen.commands.build import build_project
from sopgen.commands.publish import PublishResult, publish
from sopgen.commands.release import freeze
from sopgen.core.errors import ValidationFailed
from sopgen.core.model import Procedure, flatten, markdown_texts
from sopgen.outputs.table import BuildOptions
from sopgen.reading.handbook import read_handbook
from sopgen.reading.releases import released_versions
from tests.conftest import ROOT, released_sample
from tests.htmlread import Page
from tests.pdfread import Pdf

runner = CliRunner()
NOINDEX = '<meta name="robots" content="noindex, nofollow">'


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample, its current content frozen as a release (classified public, with the
    procedures staff must not publish marked internal)."""
    return released_sample(tmp_path_factory.mktemp("editions") / "sample", build=False)


@pytest.fixture(scope="module")
def public_site(sample: Path) -> PublishResult:
    """``sopgen publish`` as it is run for the website: the public edition, PDF and all."""
    return publish(sample)


def internal_procedures(project: Path) -> list[Procedure]:
    handbook = read_handbook(project).handbook
    return [p for p in handbook.procedures if p.visibility == "internal"]


def test_the_sample_marks_what_must_not_be_public() -> None:
    marked = [p.id for p in internal_procedures(ROOT)]
    # credentials and break-glass envelope, emergency contacts, restore tests and staging
    # (the staging host), hardening (the security plugin's settings)
    assert marked == ["MAN-05", "MAN-11", "TEK-08", "TEK-10", "TEK-18"]


def traces(procedure: Procedure, others: list[Procedure]) -> list[str]:
    """What would show that a text holds a procedure: a link to its page, its anchor, its
    entry in the search index, and its purpose and steps — the text no other procedure has.
    (Its title may stay: another procedure's text can name it, as TEK-03 names MAN-05's.)"""
    anchor = procedure.id.lower()
    elsewhere = " ".join(" ".join(markdown_texts(p)) for p in others)
    elsewhere = " ".join(elsewhere.split())
    texts = [" ".join(t.split())[:50] for t in
             (procedure.purpose, *(step.text for _, step in flatten(procedure.steps)))]
    return [f'href="{anchor}.html', f'id="{anchor}"', f'"id":"{procedure.id}"',
            *(t for t in texts if t not in elsewhere)]


def hidden_and_traces(project: Path) -> list[tuple[Procedure, list[str]]]:
    handbook = read_handbook(project).handbook
    hidden = [p for p in handbook.procedures if p.visibility == "internal"]
    shown = [p for p in handbook.procedures if p.visibility != "internal"]
    return [(p, traces(p, shown)) for p in hidden]


def test_the_public_site_holds_no_internal_procedure(sample: Path,
                                                     public_site: PublishResult) -> None:
    site = public_site.folder
    hidden = hidden_and_traces(sample)
    assert len(hidden) == 5 and all(len(found) > 6 for _, found in hidden)
    files = sorted(p for p in site.rglob("*") if p.suffix in (".html", ".js"))
    assert len(files) > 40 and any(p.name == "search-index.js" for p in files)
    for path in files:
        text = " ".join(path.read_text(encoding="utf-8").split())
        for procedure, found in hidden:
            for trace in found:
                assert trace not in text, (path.relative_to(site), procedure.id, trace)
    for procedure, _ in hidden:
        assert not list(site.rglob(f"{procedure.id.lower()}.html"))
    assert not (site / "robots.txt").exists()
    assert NOINDEX not in (site / "latest" / "index.html").read_text()


def test_the_public_pdf_holds_no_internal_procedure(sample: Path,
                                                    public_site: PublishResult) -> None:
    [pdf_path] = (public_site.folder / "latest").glob("*.pdf")
    assert pdf_path.name.endswith("-public.pdf")
    text = " ".join(" ".join(Pdf.open(pdf_path).pages).split())
    assert "Edisi Publik" in text
    for procedure, found in hidden_and_traces(sample):
        for trace in found[3:]:
            assert trace not in text, (procedure.id, trace)
    assert "TEK-05" in text and "Pencadangan basis data" in text


def test_the_public_site_leaves_out_internal_versions_and_says_so(
        public_site: PublishResult) -> None:
    assert public_site.versions == [released_versions(public_site.folder.parent.parent
                                                      / "releases")[-1]]
    assert [line.split(": peringatan: ")[1].split(" dan ")[0]
            for line in public_site.warnings] == [f"versi {v} berklasifikasi internal"
                                                  for v in released_versions(ROOT / "releases")]
    assert all("sopgen publish --edition internal" in line for line in public_site.warnings)


def test_a_mention_of_an_internal_procedure_stays_plain_text(
        public_site: PublishResult) -> None:
    page = (public_site.folder / "latest" / "tek-01.html").read_text(encoding="utf-8")
    assert "TEK-18" in page  # the prerequisite names it …
    hrefs = [href for href, _ in Page(page).links]
    assert not any("tek-18" in href for href in hrefs)  # … but does not link to it


def test_the_internal_edition_holds_them_with_noindex_robots_and_a_banner(sample: Path) -> None:
    files = api.site_pages(sample, pdf=b"%PDF stand-in", edition="internal")
    assert files["robots.txt"] == b"User-agent: *\nDisallow: /\n"
    latest = released_versions(sample / "releases")[-1]
    pages = {name: data.decode() for name, data in files.items() if name.endswith(".html")}
    for name, text in pages.items():
        assert NOINDEX in text, name
        assert "Edisi internal — hanya untuk staf organisasi" in text, name
    for procedure in internal_procedures(sample):
        page = pages[f"{latest}/{procedure.id.lower()}.html"]
        assert procedure.title in page
    search = files[f"{latest}/search-index.js"].decode()
    assert all(p.id in search for p in internal_procedures(sample))
    assert {name.split("/")[0] for name in files if "/" in name} == {
        *released_versions(sample / "releases"), "latest"}


def test_publishing_the_sample_as_it_is_released_is_refused_with_the_fix(
        tmp_path: Path) -> None:
    import shutil

    for part in ("content", "releases"):
        shutil.copytree(ROOT / part, tmp_path / part)
    result = runner.invoke(app, ["publish", str(tmp_path)])
    assert result.exit_code == 1
    [line] = result.stderr.strip().splitlines()
    newest = re.escape(released_versions(ROOT / "releases")[-1])
    assert re.match(rf"releases/{newest}\.yaml:\d+:\d+: galat: versi {newest} berklasifikasi "
                    r"internal: edisi public akan memberikannya", line), line
    assert "--edition internal (intranet)" in line
    assert not (tmp_path / "output").exists()


def test_a_confidential_sop_is_refused_a_public_site(mini: Path) -> None:
    document = mini / "content" / "document.yaml"
    document.write_text(document.read_text().replace("classification: internal",
                                                     "classification: confidential"))
    freeze(read_handbook(mini))
    with pytest.raises(ValidationFailed) as caught:
        publish(mini)
    [line] = caught.value.lines()
    assert line.startswith("releases/1.2.0.yaml:")
    assert ("version 1.2.0 is classified confidential: a public edition would give it to "
            "readers it is not meant for — publish it for its own audience with --edition "
            "restricted (an intranet)") in line
    internal = runner.invoke(app, ["publish", str(mini), "--edition", "internal"])
    assert internal.exit_code == 1 and "--edition restricted" in internal.stderr
    restricted = runner.invoke(app, ["publish", str(mini), "--edition", "restricted"])
    assert restricted.exit_code == 0, restricted.output
    site = mini / "output" / "site-restricted"
    assert (site / "robots.txt").is_file() and not (mini / "output" / "site").exists()
    assert "Restricted edition" in (site / "latest" / "index.html").read_text()


def make_public_with_an_internal_step(mini: Path) -> None:
    document = mini / "content" / "document.yaml"
    document.write_text(document.read_text().replace("classification: internal",
                                                     "classification: public"))
    procedures = mini / "content" / "procedures.yaml"
    procedures.write_text(procedures.read_text().replace(
        "      - Open the backup plugin.\n",
        "      - text: Open the backup plugin.\n        visibility: internal\n").replace(
        "  - id: KON-01\n", "  - id: KON-01\n    visibility: internal\n"))


def test_every_artefact_says_its_edition(mini: Path) -> None:
    make_public_with_an_internal_step(mini)
    options = BuildOptions(formats=["md", "html", "pdf"], edition="public",
                           artefacts=["raci", "calendar", "checklists", "acknowledgements"])
    folder = build_project(mini, options).folder
    names = sorted(p.name for p in folder.iterdir())
    assert all(re.fullmatch(r"SOP-MINI-1\.2\.0-draft-public[.-].*", n) for n in names), names
    for name in names:
        path = folder / name
        text = " ".join(Pdf.open(path).pages) if name.endswith(".pdf") else \
            path.read_bytes().decode("utf-8-sig")
        if not name.endswith(".csv"):  # a CSV is only its table: its name says the edition
            assert "Public edition" in " ".join(text.split()), name
        assert "Open the backup plugin" not in text and "Publish a post" not in text, name
    whole = build_project(mini, BuildOptions(formats=["md"])).folder / "SOP-MINI-1.2.0-draft.md"
    text = whole.read_text()
    assert "Open the backup plugin" in text and "Internal edition" in text
    assert "> **Internal edition — for the organisation's staff only." in text


def test_an_edition_wider_than_the_classification_is_refused(mini: Path) -> None:
    result = runner.invoke(app, ["build", str(mini), "-f", "md", "--edition", "public"])
    assert result.exit_code == 1
    assert result.stderr.startswith("content/document.yaml:")
    assert "version 1.2.0 is classified internal: a public edition" in result.stderr


def test_check_reports_which_procedures_each_edition_holds() -> None:
    result = runner.invoke(app, ["check", str(ROOT)])
    assert result.exit_code == 0, result.output
    every = len(read_handbook(ROOT).handbook.procedures)
    assert result.stdout.splitlines()[-3:] == [
        f"Edisi Publik: {every - 5} prosedur; tanpa MAN-05, MAN-11, TEK-08, TEK-10, TEK-18",
        f"Edisi Internal: {every} prosedur",
        f"Edisi Terbatas: {every} prosedur"]
