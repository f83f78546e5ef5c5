"""Records with retention, attachments and figures: each mistake with its exact message,
and the evidence fixture (a record, an attachment, a figure) built and read back by the
clients people use: cmark-gfm for the .md, python-docx, pdftotext and pikepdf, Chromium."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from sopgen.commands.check import check_project
from sopgen.core.catalogue import format_problems
from sopgen.core.errors import SopgenError
from tests.conftest import FIXTURES

EVIDENCE = FIXTURES / "evidence"
PROCEDURES = "content/procedures.yaml"


@pytest.fixture
def evidence(tmp_path: Path) -> Path:
    target = tmp_path / "evidence"
    shutil.copytree(EVIDENCE, target)
    return target


def edit(project: Path, old: str, new: str) -> None:
    path = project / PROCEDURES
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def errors(project: Path) -> list[str]:
    with pytest.raises(SopgenError) as caught:
        check_project(project)
    return [line for line in str(caught.value).splitlines() if ": error: " in line]


def warnings(project: Path, code: str) -> list[str]:
    checked = check_project(project)
    return format_problems([p for p in checked.problems if p.code == code], "en")


# ------------------------------------------------------------------ records

def test_a_retention_must_be_a_period(evidence: Path) -> None:
    edit(evidence, "retention: 12 months", "retention: twelve months")
    assert errors(evidence) == [
        "content/procedures.yaml:21:20: error: Retention (retention): 'twelve months' is not "
        "a retention period — "
        "write a number and a unit, like 12 months, 90 days or 5 years (days, weeks, months, "
        "years; hari, minggu, bulan, tahun), optionally after 'at least' and followed by "
        "when it starts, or permanent"]


@pytest.mark.parametrize("retention", ["12 bulan", "3 tahun setelah orang itu keluar",
                                       "permanen", "1 week", "5 years", "minimal 90 hari",
                                       "30 hari setelah dikirim, lalu dihapus"])
def test_retentions_people_write_are_read(evidence: Path, retention: str) -> None:
    edit(evidence, "retention: 3 years", f"retention: {retention}")
    assert check_project(evidence).handbook.procedures[0].records[1].retention == retention


def test_the_same_record_kept_for_two_periods_names_both_places(evidence: Path) -> None:
    assert warnings(evidence, "record_retention_conflict") == [
        "content/procedures.yaml:43:20: warning: the record 'restore request form' is kept for "
        "90 days here (MAN-01) but for 12 months at content/procedures.yaml:21 (TEK-01) — "
        "state one retention and use it in both places"]
    edit(evidence, "retention: 90 days", "retention: 1 year")
    assert warnings(evidence, "record_retention_conflict") == []


def test_records_written_as_text_still_read(evidence: Path) -> None:
    records = check_project(evidence).handbook.procedure("MAN-01").records
    assert records[1].name == "Notes of the yearly review." and not records[1].retention


# ------------------------------------------------------------------ attachments and links

def test_a_missing_attachment_is_an_error_at_its_line(evidence: Path) -> None:
    (evidence / "content/assets/restore-log.csv").unlink()
    assert errors(evidence) == [
        "content/procedures.yaml:32:15: error: the attachment 'assets/restore-log.csv' does "
        "not exist — put the file in content/assets/ or correct the name"]


def test_an_attachment_of_another_type_is_refused(evidence: Path) -> None:
    (evidence / "content/assets/restore-log.exe").write_bytes(b"MZ")
    edit(evidence, "file: assets/restore-log.csv", "file: assets/restore-log.exe")
    assert errors(evidence) == [
        "content/procedures.yaml:32:15: error: 'assets/restore-log.exe' cannot be attached — "
        "attach one of: .pdf, .docx, .xlsx, .odt, .csv"]


def test_an_attachment_outside_assets_is_refused(evidence: Path) -> None:
    (evidence / "content/secret.csv").write_text("password\n")
    edit(evidence, "file: assets/restore-log.csv", "file: assets/../secret.csv")
    assert errors(evidence) == [
        "content/procedures.yaml:32:15: error: 'assets/../secret.csv' is outside "
        "content/assets/ — put the file in content/assets/ and refer to it as assets/NAME"]


def test_a_symlink_out_of_assets_is_not_followed(evidence: Path, tmp_path: Path) -> None:
    outside = tmp_path / "private.csv"
    outside.write_text("name,salary\n")
    (evidence / "content/assets/restore-log.csv").unlink()
    (evidence / "content/assets/restore-log.csv").symlink_to(outside)
    problems = errors(evidence)
    assert "content/procedures.yaml:32:15: error: 'assets/restore-log.csv' is outside " \
           "content/assets/ — put the file in content/assets/ and refer to it as " \
           "assets/NAME" in problems


def test_a_link_in_text_to_a_missing_form_is_an_error(evidence: Path) -> None:
    edit(evidence, "(assets/restore-request.pdf)", "(assets/restore-form.pdf)")
    assert errors(evidence) == [
        "content/procedures.yaml:9:70: error: the attachment 'assets/restore-form.pdf' does "
        "not exist — put the file in content/assets/ or correct the name"]


# ------------------------------------------------------------------ figures

def test_a_figure_width_must_be_a_share_or_pixels(evidence: Path) -> None:
    edit(evidence, "width: 80%", "width: wide")
    assert errors(evidence) == [
        "content/procedures.yaml:16:20: error: Width (width): 'wide' is not a width — write "
        "a share of the text width like 60% or pixels like 400px"]


def test_a_missing_figure_is_an_error(evidence: Path) -> None:
    edit(evidence, "file: assets/backup-settings.png", "file: assets/settings.png")
    assert errors(evidence) == [
        "content/procedures.yaml:13:19: error: File (file): the image file 'assets/settings.png' "
        "does not "
        "exist — put it in content/assets/ or correct the name"]


def test_a_wide_figure_is_questioned(evidence: Path) -> None:
    assert warnings(evidence, "image_wider_than_page") == [
        "content/procedures.yaml:13:19: warning: the image 'assets/backup-settings.png' is 800 "
        "pixels wide, wider than a printed page (506 pixels), so it is scaled down and its text "
        "may be hard to read — crop it or make it at most 506 pixels wide"]


def test_a_figure_needs_alt_text(evidence: Path) -> None:
    edit(evidence, "            alt: The backup plugin's settings page, with the Restore button "
                   "at the top right.\n", "")
    assert errors(evidence) == [
        "content/procedures.yaml:13:13: error: the required field Alt text (alt) is missing or "
        "empty — add the field"]


# ------------------------------------------------------------------ the built evidence project

@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from sopgen.commands.build import build_project
    from sopgen.outputs.table import BuildOptions

    project = tmp_path_factory.mktemp("evidence") / "evidence"
    shutil.copytree(EVIDENCE, project)
    return build_project(project, BuildOptions(formats=("md", "html", "pdf", "docx"))).folder


def test_the_markdown_links_the_files_it_shows(built: Path) -> None:
    from tests.githubmd import github_html

    markdown = (built / "SOP-EVIDENCE-1.0.0-draft.md").read_text()
    assert "base64" not in markdown
    html = github_html(markdown)
    assert ('<img src="assets/backup-settings.png" alt="The backup plugin\'s settings page, '
            'with the Restore button at the top right." />') in html
    assert '<a href="assets/restore-request.pdf">restore request form</a>' in html
    assert '<a href="assets/restore-log.csv">Restore log template</a> (restore-log.csv · CSV, ' \
           '45 B)' in html
    for name in ("backup-settings.png", "restore-request.pdf", "restore-log.csv"):
        assert (built / "assets" / name).read_bytes() == (
            EVIDENCE / "content/assets" / name).read_bytes()


def test_the_markdown_has_the_records_chapter(built: Path) -> None:
    from tests.githubmd import github_html

    html = github_html((built / "SOP-EVIDENCE-1.0.0-draft.md").read_text())
    chapter = html[html.index("Records and retention</h2>"):]
    rows = [tuple(re.sub(r"<[^>]+>", "", cell) for cell in re.findall(r"<td>(.*?)</td>", row))
            for row in re.findall(r"<tr>(.*?)</tr>", chapter[:chapter.index("</table>")], re.S)]
    rows = [row[:3] for row in rows if row]
    assert rows == [("restore request form", "MAN-01", "90 days"),
                    ("Notes of the yearly review.", "MAN-01", "—"),
                    ("Restore request form", "TEK-01", "12 months"),
                    ("Maintenance log", "TEK-01", "3 years")]


def test_the_pdf_lists_records_and_attachments_and_tags_the_figure(built: Path) -> None:
    import subprocess

    import pikepdf

    from tests import pdfcheck

    pdf = built / "SOP-EVIDENCE-1.0.0-draft.pdf"
    text = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True,
                                   text=True, check=True).stdout.split())
    assert "Records and retention" in text
    assert "Retention: 12 months · Location: Website/Restores/<year> · Form: PDF" in text
    assert "Restore request form (restore-request.pdf · PDF, 5.4 KiB)" in text
    assert "The Restore button of the backup plugin." in text
    assert pdfcheck.problems(pdf) == []
    with pikepdf.open(pdf) as document:
        tags = list(_structure(document.Root.StructTreeRoot))
        assert ("/Figure", "The backup plugin's settings page, with the Restore button at the "
                "top right.") in tags
        assert ("/Caption", None) in tags
        assert not document.Root.Names.get("/EmbeddedFiles") if "/Names" in document.Root \
            else True
        widths = [width for page in document.pages for width in _image_widths(page)]
        links = [str(annotation.A.URI) for page in document.pages
                 for annotation in page.get("/Annots", [])
                 if "/A" in annotation and "/URI" in annotation.A]
    assert not any("assets/" in link or link.startswith("file:") for link in links), links
    text_block = 134 / 25.4 * 72  # mm → pt
    assert widths and all(width <= text_block + 0.5 for width in widths), widths


def _structure(node: object):  # type: ignore[no-untyped-def]
    import pikepdf

    if isinstance(node, pikepdf.Dictionary):
        if "/S" in node:
            alt = node.get("/Alt")
            yield str(node.S), None if alt is None else str(alt)
        kids = node.get("/K")
        if kids is not None:
            for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
                yield from _structure(kid)


def _image_widths(page: object) -> list[float]:
    """The drawn width of each image on ``page``: the x scale of the matrix at its Do."""
    import pikepdf

    images = {str(name) for name, xobject in page.Resources.get("/XObject", {}).items()  # type: ignore[attr-defined]
              if xobject.get("/Subtype") == "/Image"}
    stack, matrix, widths = [], pikepdf.Matrix(), []
    for operands, operator in pikepdf.parse_content_stream(page):  # type: ignore[arg-type]
        op = str(operator)
        if op == "q":
            stack.append(matrix)
        elif op == "Q":
            matrix = stack.pop()
        elif op == "cm":
            matrix = pikepdf.Matrix(*map(float, operands)) @ matrix
        elif op == "Do" and str(operands[0]) in images:
            widths.append(abs(matrix.a))
    return widths


def test_the_word_document_lists_records_attachments_and_the_figure(built: Path) -> None:
    import docx

    document = docx.Document(str(built / "SOP-EVIDENCE-1.0.0-draft.docx"))
    texts = [p.text for p in document.paragraphs]
    assert "Restore request form (restore-request.pdf · PDF, 5.4 KiB)" in texts
    assert "Maintenance log — Retention: 3 years · Location: shared website folder" in texts
    captions = [p.text for p in document.paragraphs if p.style.name == "Caption"]
    assert captions == ["The Restore button of the backup plugin."]
    descriptions = [element.get("descr") for element in document.element.body.iter()
                    if element.tag.endswith("}docPr")]
    assert "The backup plugin's settings page, with the Restore button at the top right." \
        in descriptions
    chapter = next(t for t in document.tables if t.cell(0, 0).text == "Record")
    assert [[c.text for c in row.cells] for row in chapter.rows][1:] == [
        ["restore request form", "MAN-01", "90 days", "Website/Restores/<year>"],
        ["Notes of the yearly review.", "MAN-01", "—", "—"],
        ["Restore request form", "TEK-01", "12 months", "Website/Restores/<year>"],
        ["Maintenance log", "TEK-01", "3 years", "shared website folder"]]


def test_an_800_pixel_figure_fits_a_phone(built: Path) -> None:
    from tests.browser import browser, overflowing

    html = built / "SOP-EVIDENCE-1.0.0-draft.html"
    with browser() as instance:
        page = instance.new_page()  # type: ignore[attr-defined]
        assert overflowing(page, [html], widths=(390,)) == []
        shown = page.evaluate("""() => {
            const img = document.querySelector('figure.figure img');
            return [img.naturalWidth, img.getBoundingClientRect().width, img.alt,
                    img.closest('figure').querySelector('figcaption').textContent];
        }""")
    assert shown[0] == 800 and shown[1] < 390
    assert shown[2:] == ["The backup plugin's settings page, with the Restore button at the "
                         "top right.", "The Restore button of the backup plugin."]


def test_the_site_holds_the_records_page_and_the_files(evidence: Path) -> None:
    from sopgen.commands.publish import VersionSite, page_names

    checked = check_project(evidence)
    site = VersionSite(checked, ["1.0.0"], {"1.0.0": page_names(checked)}, "handbook.pdf",
                       edition="internal")
    pages = site.pages()
    for name in ("backup-settings.png", "restore-request.pdf", "restore-log.csv"):
        assert pages[f"assets/{name}"] == (EVIDENCE / "content/assets" / name).read_bytes()
    records = pages["records.html"].decode()
    assert "<h1 id=\"records-retention-title\">Records and retention</h1>" in records
    assert '<td><a href="tek-01.html">TEK-01</a></td><td>12 months</td>' in records
    procedure = pages["tek-01.html"].decode()
    assert '<a href="assets/restore-request.pdf" type="application/pdf">Restore request ' \
           'form</a> <span class="attachment-facts">(restore-request.pdf · PDF, 5.4 KiB)' \
           '</span>' in procedure
    assert '<a href="assets/restore-request.pdf" rel="noopener noreferrer">restore request ' \
           'form</a>' in procedure
