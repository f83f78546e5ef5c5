"""Word in, Word out: the .docx handbook read back with python-docx (and converted by
LibreOffice), and ``sopgen import`` of Word and Markdown SOPs."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import docx
import pytest
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from markdown_it import MarkdownIt
from typer.testing import CliRunner

from sopgen.cli import app
from sopgen.commands.importing import import_file
from sopgen.core.catalogue import catalogue
from sopgen.core.errors import SopgenError
from sopgen.core.model import flatten, in_pillar_order
from sopgen.outputs.table import BuildOptions, render_outputs
from sopgen.reading.handbook import Checked, read_handbook
from tests.conftest import ROOT, write

TODAY = dt.date(2026, 12, 1)
runner = CliRunner()


def word_files(checked: Checked, *, role: str | None = None, draft: bool = False
               ) -> dict[str, bytes]:
    files, _ = render_outputs(checked, BuildOptions(formats=("docx",), role=role),
                              draft=draft)
    return files


@pytest.fixture(scope="module")
def sample() -> Checked:
    return read_handbook(ROOT, today=TODAY)


@pytest.fixture(scope="module")
def sample_docx(sample: Checked) -> bytes:
    (data,) = word_files(sample).values()
    return data


def opened(data: bytes) -> Any:
    return docx.Document(io.BytesIO(data))


def styled(document: Any, prefix: str) -> list[Any]:
    return [p for p in document.paragraphs if p.style.name.startswith(prefix)]


# ------------------------------------------------------------------ the Word handbook


def test_heading_outline_is_pillars_then_procedures(sample: Checked, sample_docx: bytes) -> None:
    document = opened(sample_docx)
    handbook = sample.handbook
    words = catalogue(handbook.document.language)
    level1 = [p.text for p in styled(document, "Heading 1")]
    pillars = [getattr(handbook.pillars, key).title for key in
               ("management", "technical", "content")]
    assert level1 == [words.label("document_control"), *pillars, words.label("raci"),
                      words.label("records_chapter"), words.label("roles"), words.label("glossary"),
                      words.label("revision_history")]
    procedures = [p.text for p in styled(document, "Heading 2")
                  if re.match(r"^[A-Z]+-\d+ ", p.text)]
    assert procedures == [f"{p.id} {p.title}" for p in in_pillar_order(handbook)]
    assert styled(document, "Title")[0].text == handbook.document.title


def test_steps_are_numbered_lists_with_a_level_per_substep(sample: Checked,
                                                           sample_docx: bytes) -> None:
    document = opened(sample_docx)
    numbered = [p for p in document.paragraphs if p._p.pPr is not None
                and p._p.pPr.numPr is not None and p.style.name.startswith("List Number")]
    by_list: dict[int, list[int]] = {}
    for paragraph in numbered:
        num_pr = paragraph._p.pPr.numPr
        by_list.setdefault(num_pr.numId.val, []).append(num_pr.ilvl.val)
    expected = [[number.count(".") for number, _ in flatten(p.steps)]
                for p in in_pillar_order(sample.handbook)]
    assert list(by_list.values())[:len(expected)] == expected  # one list per procedure
    numbering = document.part.numbering_part.element
    texts = {lvl.find(qn("w:lvlText")).get(qn("w:val")) for lvl in numbering.iter(qn("w:lvl"))}
    assert "%1.%2." in texts  # sub-steps print as 2.1, 2.2 …
    restart = numbering.findall(f".//{qn('w:startOverride')}")
    assert restart, "every procedure's list starts again at 1"


def test_tables_fields_language_and_properties(sample: Checked, sample_docx: bytes) -> None:
    document = opened(sample_docx)
    doc = sample.handbook.document
    control = document.tables[0]
    cells = {row.cells[0].text: row.cells[1].text for row in control.rows}
    words = catalogue(doc.language)
    assert cells[words.label("document_id")] == doc.id
    assert cells[words.label("version")] == doc.version
    assert control.style.name == "Light Grid Accent 1"
    raci = next(t for t in document.tables if t.rows[0].cells[0].text == words.label("procedure"))
    assert len(raci.rows) == 1 + len(sample.handbook.procedures)
    assert [c.text for c in raci.rows[0].cells[1:]] == [r.title for r in sample.handbook.roles]
    body = document.element.body.xml
    assert re.search(r"<w:instrText[^>]*> TOC \\o", body)
    section = document.sections[0]
    assert "PAGE" in section.footer._element.xml and "NUMPAGES" in section.footer._element.xml
    assert doc.id in section.header.paragraphs[0].text
    assert doc.version in section.header.paragraphs[0].text
    defaults = document.styles.element.find(qn("w:docDefaults"))
    assert defaults.find(f".//{qn('w:lang')}").get(qn("w:val")) == "id-ID"
    props = document.core_properties
    assert (props.title, props.identifier, props.version) == (doc.title, doc.id, doc.version)
    assert props.modified.date() == doc.effective_date


def test_links_point_at_bookmarks_and_notes_are_shaded(sample: Checked,
                                                       sample_docx: bytes) -> None:
    document = opened(sample_docx)
    body = document.element.body
    bookmarks = {b.get(qn("w:name")) for b in body.iter(qn("w:bookmarkStart"))}
    assert {p.id.lower().replace("-", "_") for p in sample.handbook.procedures} <= bookmarks
    anchors = [h.get(qn("w:anchor")) for h in body.iter(qn("w:hyperlink"))
               if h.get(qn("w:anchor"))]
    assert anchors and set(anchors) <= bookmarks
    external = [r.target_ref for r in document.part.rels.values() if r.is_external]
    assert all(url.startswith(("https://", "http://", "mailto:")) for url in external)
    notes = styled(document, "Note")
    assert notes and notes[0].text.startswith(catalogue("id").label("note") + ":")
    assert document.styles["Note"].element.pPr.find(qn("w:shd")) is not None
    assert styled(document, "Warning")


def test_same_content_same_bytes(mini: Path) -> None:
    checked = read_handbook(mini, today=TODAY)
    first, second = word_files(checked), word_files(checked)
    assert first == second
    (data,) = first.values()
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        stamps = {info.date_time for info in package.infolist()}
        assert package.namelist()[0] == "[Content_Types].xml"
    assert len(stamps) == 1


def test_draft_and_role_edition(mini: Path) -> None:
    checked = read_handbook(mini, today=TODAY)
    role = checked.handbook.roles[0].id
    ((name, data),) = word_files(checked, role=role, draft=True).items()
    assert name.endswith(f"-draft-{role}.docx")
    document = opened(data)
    assert "DRAFT" in document.sections[0].header.paragraphs[0].text
    titles = [p.text for p in styled(document, "Heading 2") if re.match(r"^[A-Z]+-\d+ ", p.text)]
    assert titles and all(any(t.startswith(p.id) for p in checked.handbook.procedures
                              if role in p.responsible or p.accountable == role
                              or any(s.role == role for _, s in flatten(p.steps)))
                          for t in titles)


def test_svg_logo_is_a_warning_and_markdown_becomes_runs(mini: Path) -> None:
    write(mini, "content/assets/pic.png", "")
    (mini / "content/assets/pic.png").write_bytes(_png())
    text = (mini / "content/procedures.yaml").read_text(encoding="utf-8")
    text = text.replace("purpose: ", "purpose: >-\n      **Bold** *it* `code` "
                        "[site](https://example.org) ![A picture](assets/pic.png)\n      ", 1)
    (mini / "content/procedures.yaml").write_text(text, encoding="utf-8")
    document_yaml = (mini / "content/document.yaml").read_text(encoding="utf-8")
    (mini / "content/document.yaml").write_text(document_yaml.replace(
        "    definition: A copy of data kept to restore it after a loss.",
        "    definition: |\n      A copy.\n\n      | Kind | Kept |\n      | --- | --- |\n"
        "      | daily | 30 days |\n"), encoding="utf-8")
    checked = read_handbook(mini, today=TODAY)
    files, warnings = render_outputs(checked, BuildOptions(formats=("docx",)), draft=False)
    assert any("SVG" in line for line in warnings)
    document = opened(next(iter(files.values())))
    runs = [r for p in document.paragraphs for r in p.runs]
    assert any(r.text == "Bold" and r.bold for r in runs)
    assert any(r.text == "it" and r.italic for r in runs)
    assert any(r.text == "code" and r.style.name == "Code" for r in runs)
    assert document.inline_shapes and document.inline_shapes[0].width <= \
        document.sections[0].page_width
    glossary = next(t for t in document.tables if t.rows[0].cells[0].text == "Term")
    nested = glossary.cell(1, 1).tables  # a table in a definition stays in its cell
    assert [[c.text for c in row.cells] for row in nested[0].rows] == [
        ["Kind", "Kept"], ["daily", "30 days"]]


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_converts_it_to_a_pdf_with_the_handbook_headings(
        sample: Checked, sample_docx: bytes, tmp_path: Path) -> None:
    import pypdf

    source = tmp_path / "handbook.docx"
    source.write_bytes(sample_docx)
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
                   check=True, capture_output=True, timeout=600)
    reader = pypdf.PdfReader(tmp_path / "handbook.pdf")
    outline = reader.outline
    tops = [item.title for item in outline if not isinstance(item, list)]
    pillars = [getattr(sample.handbook.pillars, key).title for key in
               ("management", "technical", "content")]
    assert tops[1:4] == pillars
    procedures = [item.title for group in outline if isinstance(group, list)
                  for item in group if not isinstance(item, list)
                  and re.match(r"^[A-Z]+-\d+ ", item.title)]
    assert procedures == [f"{p.id} {p.title}" for p in in_pillar_order(sample.handbook)]
    text = subprocess.run(["pdftotext", str(tmp_path / "handbook.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    assert all(p.title.split()[0] in text for p in sample.handbook.procedures)


# ------------------------------------------------------------------ import


def _plain(value: Any) -> Any:
    """A field as the reader sees it: rendered text, spacing and Markdown style aside."""
    if isinstance(value, str):
        html = MarkdownIt("commonmark").enable("table").render(value)
        return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return value


def _without_procedures(tmp_path: Path) -> Path:
    project = tmp_path / "copy"
    shutil.copytree(ROOT / "content", project / "content",
                    ignore=shutil.ignore_patterns("manajemen", "teknis", "konten"))
    return project


def test_round_trip_gives_the_same_procedures(sample: Checked, sample_docx: bytes,
                                              tmp_path: Path) -> None:
    source = tmp_path / "partner-edit.docx"
    source.write_bytes(sample_docx)
    project = _without_procedures(tmp_path)
    result = import_file(source, project)
    schedule_note = catalogue("id").label("review_schedule")
    scheduled = [p for p in sample.handbook.procedures if p.schedules]
    assert len(result.review) == len(scheduled)  # each schedule is to be written again
    assert all(f"— {schedule_note}: " in line for line in result.review)
    back = read_handbook(project, today=TODAY).handbook
    before = {p.id: _plain(p) for p in sample.handbook.procedures}
    after = {p.id: _plain(p) for p in in_pillar_order(back)}
    assert list(after) == [p.id for p in in_pillar_order(sample.handbook)]
    for ident, procedure in before.items():
        for key in ("title", "pillar", "purpose", "steps", "responsible", "accountable",
                    "consulted", "informed", "frequency", "references", "related", "applies_to"):
            assert after[ident][key] == procedure[key], (ident, key)
    tek05 = next(p for p in back.procedures if p.id == "TEK-05")
    assert "**otomatis setiap hari**" in tek05.purpose  # emphasis survives as Markdown


def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 20), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def _word_sop(path: Path) -> None:
    """An SOP as people write them in Word: a title, a procedure heading, labelled fields,
    a hand-made nested list, a table, a picture, a text box and a section of its own."""
    document = docx.Document()
    document.add_paragraph("SOP Pencadangan Website", style="Title")
    document.add_paragraph("Dokumen ini disusun oleh tim website.")
    document.add_heading("Pencadangan harian", level=1)
    document.add_heading("Tujuan", level=2)
    document.add_paragraph("Memastikan data situs dapat dipulihkan bila terjadi kerusakan.")
    pelaksana = document.add_paragraph()
    pelaksana.add_run("Penanggung jawab: ").bold = True
    pelaksana.add_run("Administrator Website")
    document.add_paragraph("Frekuensi: Harian")
    document.add_heading("Langkah-langkah", level=2)
    document.add_paragraph("Buka panel hosting dan masuk ke menu cadangan.", style="List Number")
    document.add_paragraph("Periksa cadangan terakhir.", style="List Number")
    nested = document.add_paragraph("Pastikan tanggalnya hari ini.", style="List Number 2")
    num_pr = nested._p.get_or_add_pPr().get_or_add_numPr()
    num_pr.get_or_add_ilvl().val = 1
    num_pr.get_or_add_numId().val = 1
    document.add_paragraph("Catatan: cadangan otomatis berjalan pukul 02.00.")
    table = document.add_table(rows=2, cols=2)
    for row, values in enumerate((("Jenis", "Simpan"), ("Harian", "30 hari"))):
        for column, value in enumerate(values):
            table.cell(row, column).text = value
    picture = io.BytesIO(_png())
    document.add_picture(picture)
    box = document.add_paragraph()
    box._p.append(parse_xml(
        f'<w:r {nsdecls("w")} xmlns:v="urn:schemas-microsoft-com:vml">'
        "<w:pict><v:shape><v:textbox><w:txbxContent><w:p><w:r>"
        "<w:t>Hubungi vendor bila gagal dua kali</w:t></w:r></w:p></w:txbxContent>"
        "</v:textbox></v:shape></w:pict></w:r>"))
    document.add_heading("Rujukan", level=2)
    link = document.add_paragraph(style="List Bullet")
    rel = document.part.relate_to("https://wordpress.org/plugins/updraftplus/",
                                  RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    link._p.append(parse_xml(f'<w:hyperlink {nsdecls("w", "r")} r:id="{rel}"><w:r>'
                             "<w:t>UpdraftPlus</w:t></w:r></w:hyperlink>"))
    document.add_heading("Lampiran A", level=2)
    document.add_paragraph("Formulir pencatatan ada di map biru.")
    document.save(path)


def test_importing_a_word_sop_maps_what_it_can_and_lists_the_rest(tmp_path: Path) -> None:
    project = tmp_path / "sop"
    assert runner.invoke(app, ["init", str(project), "--starter", "blank"]).exit_code == 0
    source = tmp_path / "sop-lama.docx"
    _word_sop(source)
    result = runner.invoke(app, ["import", str(source), str(project)])
    assert result.exit_code == 0, result.output
    _, _, listed = result.output.partition("Perlu ditinjau (")
    review = [line for line in listed.splitlines()[1:] if line.startswith("  ")]
    for unmapped in ("SOP Pencadangan Website", "Dokumen ini disusun", "kotak teks: Hubungi "
                     "vendor", "Lampiran A", "Formulir pencatatan"):
        assert any(unmapped in line for line in review), unmapped
    checked = read_handbook(project, today=TODAY)
    imported = [p for p in checked.handbook.procedures if p.title == "Pencadangan harian"]
    assert len(imported) == 1
    procedure = imported[0]
    assert procedure.id == "MAN-02"  # the next free id of the pillar
    assert procedure.purpose.startswith("Memastikan data situs")
    assert procedure.frequency == "daily"
    assert procedure.responsible == ["admin-web"]
    assert [s.text for s in procedure.steps] == [
        "Buka panel hosting dan masuk ke menu cadangan.", "Periksa cadangan terakhir."]
    assert [s.text for s in procedure.steps[1].substeps] == ["Pastikan tanggalnya hari ini."]
    assert procedure.steps[1].substeps[0].note.startswith("cadangan otomatis")
    assert "| Jenis | Simpan |" in procedure.steps[1].substeps[0].note
    assert "](assets/imported/sop-lama-1.png)" in procedure.steps[1].substeps[0].note
    assert (project / "content/assets/imported/sop-lama-1.png").read_bytes() == _png()
    assert procedure.references[0].url == "https://wordpress.org/plugins/updraftplus/"
    flagged = [p for p in checked.problems if p.code == "imported_review"]
    assert len(flagged) == len(review) == 5
    assert all(p.loc.file.endswith("MAN-02.yaml") for p in flagged)


def test_review_markers_block_a_release_until_removed(tmp_path: Path) -> None:
    from sopgen.reading.review import reviewer_warnings

    project = tmp_path / "sop"
    runner.invoke(app, ["init", str(project), "--starter", "blank", "--language", "en"])
    source = write(tmp_path, "old.md", "# Backups\n\nSome words.\n\n1. Back up.\n\n"
                   "## Appendix\n\nKeep forms in the blue folder.\n")
    result = import_file(source, project)
    assert len(result.review) == 4  # the section, its text, no role and no frequency stated
    checked = read_handbook(project, today=TODAY)
    codes = [p.code for p in reviewer_warnings(checked.handbook, TODAY, checked.raw.loc)]
    assert codes.count("imported_review") == 4
    path = result.written[0]
    text = "\n".join(line for line in path.read_text(encoding="utf-8").splitlines()
                     if "REVIEW:" not in line)
    path.write_text(text, encoding="utf-8")
    checked = read_handbook(project, today=TODAY)
    codes = [p.code for p in reviewer_warnings(checked.handbook, TODAY, checked.raw.loc)]
    assert "imported_review" not in codes


def test_importing_markdown_keeps_its_markdown_and_copies_pictures(tmp_path: Path) -> None:
    project = tmp_path / "sop"
    runner.invoke(app, ["init", str(project), "--starter", "blank", "--language", "en"])
    (tmp_path / "diagram.png").write_bytes(_png())
    source = write(tmp_path, "sop.md", """# Handbook

## Monthly report

### Purpose

Tell the board **how the site did**.

Frequency: Monthly

Responsible: Website Administrator

### Steps

1. Open the dashboard.
   1. Export the numbers.
2. Write the report ![chart](diagram.png) and send it.

![tracker](https://tracker.example/pixel.png)
""")
    result = import_file(source, project, pillar="technical")
    procedure = next(p for p in read_handbook(project, today=TODAY).handbook.procedures
                     if p.title == "Monthly report")
    assert procedure.pillar == "technical" and procedure.frequency == "monthly"
    assert procedure.purpose == "Tell the board **how the site did**."
    assert procedure.steps[0].substeps[0].text == "Export the numbers."
    assert "](assets/imported/sop-1.png)" in procedure.steps[1].text
    assert any("not fetched" in line for line in result.review)


def test_import_never_overwrites_and_refuses_other_files(tmp_path: Path,
                                                        sample_docx: bytes) -> None:
    project = _without_procedures(tmp_path)
    source = tmp_path / "handbook.docx"
    source.write_bytes(sample_docx)
    first = import_file(source, project)
    second = import_file(source, project)  # the same ids are taken now: the next free ones
    assert not set(first.written) & set(second.written)
    assert len(read_handbook(project, today=TODAY).handbook.procedures) == \
        2 * len(first.mapped)
    macro = tmp_path / "macro.docx"
    with zipfile.ZipFile(macro, "w") as package:
        package.writestr("word/vbaProject.bin", b"\0")
    with pytest.raises(SopgenError) as error:
        import_file(macro, project)
    assert error.value.problems[0].code == "import_macros"
    with pytest.raises(SopgenError) as error:
        import_file(write(tmp_path, "notes.txt", "hello"), project)
    assert error.value.problems[0].code == "import_unknown_type"
