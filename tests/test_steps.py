"""Steps as real SOPs write them: checks after a step, branches and rollback, callouts.

The fixture ``tests/fixtures/steps`` is a project for the three bends: a plugin update
whose steps have checks (``verify``), a decision that sends the reader back to a step
("if the site breaks, restore and go to step 4"), callouts of every kind in the order
written, and references to steps by id (``TEK-01#backup``) from another procedure. It is
released and published, then read back from every format with the client that shows it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, write

STEPS = FIXTURES / "steps"


@dataclass(frozen=True)
class Released:
    project: Path
    folder: Path  # output/1.0.0
    site: Path  # output/site/latest


@pytest.fixture(scope="module")
def released(tmp_path_factory: pytest.TempPathFactory) -> Released:
    """The fixture released (every format, the fillable sheets) and published."""
    from sopgen.commands.build import build_project
    from sopgen.commands.publish import publish
    from sopgen.commands.release import release_project
    from sopgen.outputs.table import BuildOptions

    project = tmp_path_factory.mktemp("steps") / "steps"
    shutil.copytree(STEPS, project)
    _, result = release_project(project)
    build_project(project, BuildOptions(formats=("docx",), artefacts=("checklists",),
                                        fillable=True), output=project / "sheets")
    build_project(project, BuildOptions(formats=("md",), artefacts=("checklists",)),
                  output=project / "plain")
    site = publish(project)
    return Released(project, result.folder, site.folder / "latest")


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _pages(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout
    return [_one_line(page) for page in text.split("\f")]


def _file(folder: Path, suffix: str) -> Path:
    return next(path for path in folder.rglob(f"*{suffix}"))


# ------------------------------------------------------------------------------- PDF

def test_pdf_prints_callouts_in_written_order_checks_after_substeps(released: Released
                                                                     ) -> None:
    text = " ".join(_pages(_file(released.folder, "1.0.0.pdf")))
    update = text[text.index("2. Update the plugins one at a time."):]
    order = ["CAUTION: An update can change", "NOTE: Read each plugin's changelog",
             "IMPORTANT: Never update during an event", "a. Open Plugins → Updates",
             "b. Update one plugin", "Verify:", "☐ The site loads.",
             "☐ The plugin shows the new version.", "3. Check the site after the updates."]
    places = [update.index(piece) for piece in order]
    assert places == sorted(places)
    # "Important: …" written under important: the label is printed once.
    assert "IMPORTANT: a restore loses comments" in text  # stripped: the fixture's own warning
    assert "Important: a restore" not in text


def test_pdf_step_references_show_the_number_and_the_page(released: Released) -> None:
    pages = _pages(_file(released.folder, "1.0.0.pdf"))
    backup_page = next(n for n, page in enumerate(pages, start=1)
                       if "1. Make a full backup of the site." in page)
    handle = next(page for page in pages if "2. Restore the last good backup" in page)
    assert f"(made in step 1 of TEK-01 p. {backup_page})" in handle
    assert "continue with step 5 of TEK-01 (p. " in handle
    assert "TEK-01#" not in " ".join(pages)


def test_pdf_decision_is_a_tagged_table_and_links_land_on_the_step(released: Released
                                                                    ) -> None:
    import pikepdf

    from tests import pdfcheck

    pdf_path = _file(released.folder, "1.0.0.pdf")
    assert pdfcheck.problems(pdf_path) == []
    text = " ".join(_pages(pdf_path))
    assert re.search(r"If Then The site loads and works\. Record the update\. → go to step 5"
                     r" \(p\. \d+\)", text)
    with pikepdf.open(pdf_path) as pdf:
        kinds = [str(element.get("/S")) for element in pdfcheck._elements(
            pdf.Root.StructTreeRoot)]
        assert kinds.count("/TH") >= 2 + 2  # If | Then, in the handbook and its facts
        # Every link to a step lands on that step's line, not its procedure's heading.
        targets = {(pdf.pages.index(pikepdf.Page(annot.Dest[0])), float(annot.Dest[3]))
                   for page in pdf.pages for annot in page.get("/Annots", [])
                   if annot.get("/Subtype") == "/Link" and "/Dest" in annot}
        height = float(pdf.pages[0].mediabox[3])
    line = _line_top(pdf_path, "Record the updates in the log.")
    assert any(page == line[0] and abs(y - (height - line[1])) < 24 for page, y in targets)


def _line_top(pdf: Path, words: str) -> tuple[int, float]:
    """(page index, top of the line in points from the top) where ``words`` start."""
    xhtml = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], check=True,
                           capture_output=True, text=True).stdout
    first = words.split()[0]
    for index, page in enumerate(xhtml.split("<page ")[1:]):
        found = re.findall(r'yMin="([0-9.]+)"[^>]*>([^<]*)</word>', page)
        for position, (y, word) in enumerate(found):
            if word == first and " ".join(w for _, w in found[position:position + len(
                    words.split())]) == words:
                return index, float(y)
    raise AssertionError(words)


# ------------------------------------------------------------------------ site page

def test_site_page_decision_fits_a_phone_and_links_to_steps(released: Released) -> None:
    from tests.browser import browser, overflowing

    page_file = released.site / "tek-01.html"
    with browser() as instance:
        page = instance.new_page()  # type: ignore[attr-defined]
        assert overflowing(page, [page_file, released.site / "tek-02.html"], (390,)) == []
        page.goto(page_file.as_uri())
        cells = page.locator("table.decision tbody tr").all_inner_texts()
        assert [_one_line(cell) for cell in cells] == [
            "The site loads and works. Record the update. → go to step 5",
            "The site is broken. Restore the backup made in step 1 of TEK-01 "
            "(see step 2 of TEK-02). → go to step 4"]
        assert page.locator("table.decision th").all_inner_texts() == ["If", "Then"]
        link = page.get_by_role("link", name="step 4", exact=True)
        assert link.get_attribute("href") == "tek-01.html#tek-01-step-restore"
        order = page.locator("#tek-01-step-update > div").evaluate_all(
            "divs => divs.map(d => d.className)")
        assert order == ["caution", "note", "important", "verify"]
        page.goto((released.site / "tek-02.html").as_uri())
        page.get_by_role("link", name="step 1 of TEK-01").first.click()
        assert page.url.endswith("tek-01.html#tek-01-step-backup")
        assert page.locator(":target").inner_text().startswith("Make a full backup")


# ----------------------------------------------------------------------- Markdown

def test_markdown_as_github_shows_anchors_checks_and_the_decision_table(
        released: Released) -> None:
    import cmarkgfm
    from cmarkgfm.cmark import Options

    markdown = _file(released.project / "plain", ".md").read_text()
    # GitHub keeps an <a id> (as user-content-…, which its links resolve); raw HTML is
    # otherwise not what this handbook relies on.
    html = cmarkgfm.github_flavored_markdown_to_html(markdown,
                                                   options=Options.CMARK_OPT_UNSAFE)
    ids = set(re.findall(r'<a id="([^"]+)"', html))
    step_links = set(re.findall(r'href="#([a-z0-9-]+-step-[a-z0-9-]+)"', html))
    assert step_links == {"tek-01-step-backup", "tek-01-step-restore", "tek-01-step-record",
                          "tek-02-step-restore"}
    assert step_links <= ids
    assert '<a href="#tek-01-step-backup">step 1 of TEK-01</a>' in html
    assert html.count('<input type="checkbox" disabled="" />') == 6 + 2  # checks, checklist
    assert "<th>If</th>" in html and "go to <a href=\"#tek-01-step-record\">step 5</a>" in html


# ------------------------------------------------------------------------- sheets

def test_checklist_sheet_ticks_checks_and_event_gets_a_run_sheet(released: Released) -> None:
    pages = _pages(_file(released.project / "plain", "checklists.pdf"))
    assert len(pages) - 1 == 2  # one page a sheet (the text ends with a form feed)
    weekly, event = pages[0], pages[1]
    assert "Verify: The site loads. The plugin shows the new version." in weekly
    assert "If Then" in weekly
    assert "→ go to step 5" in weekly and "→ go to step 4" in weekly
    assert event.startswith("ECA · SOP-STEPS") and "Run sheet" in event
    assert "Checklist and log sheet" in weekly and "Run sheet" not in weekly
    for words in ("TEK-02 Handle a broken site", "Trigger: The site does not load",
                  "Date Started Finished Led by", "No. Step Time Initials",
                  "Incident notes", "Checklist"):
        assert words in event, words


def test_fillable_run_sheet_has_labelled_fields(released: Released) -> None:
    from pypdf import PdfReader

    from tests import pdfcheck

    path = _file(released.project / "sheets", "checklists-fillable.pdf")
    assert pdfcheck.problems(path) == []
    fields = PdfReader(str(path)).get_fields() or {}
    expected = {"TEK-02-run-date": "/Tx", "TEK-02-run-started": "/Tx",
                "TEK-02-step-2-time": "/Tx", "TEK-02-step-2-initials": "/Tx",
                "TEK-02-step-2-verify-2": "/Btn", "TEK-02-incident-notes": "/Tx",
                "TEK-01-step-2-verify-1": "/Btn"}
    assert {name: fields[name]["/FT"] for name in expected} == expected
    assert fields["TEK-02-step-2-verify-2"]["/TU"] == "TEK-02 Step 2 Verify 2"
    assert fields["TEK-02-incident-notes"]["/Ff"] & 4096  # many lines


def test_word_shows_step_numbers_checks_and_the_decision(released: Released) -> None:
    from tests.golden import word_text

    text = word_text(_file(released.project / "sheets", ".docx").read_bytes()).decode()
    assert "(made in step 1 of TEK-01)" in text
    assert "| If | Then |" in text
    assert "| The site is broken. | Restore the backup made in step 1 of TEK-01 (see step 2 " \
           "of TEK-02).\ngo to step 4 |" in text
    assert "[List Continue] ☐ The site loads." in text
    callouts = re.findall(r"^\[(Caution|Note|Important|Tip|Warning)\]", text, re.MULTILINE)
    assert callouts[:4] == ["Tip", "Caution", "Note", "Important"]


# ------------------------------------------------------- never stale, and messages

def test_a_reference_follows_its_step_when_steps_are_renumbered(tmp_path: Path) -> None:
    from sopgen.reading.handbook import read_handbook
    from sopgen.rendering.render import render_formats

    project = tmp_path / "steps"
    shutil.copytree(STEPS, project)
    path = project / "content" / "TEK-01.yaml"
    path.write_text(path.read_text().replace(
        "  steps:\n", "  steps:\n    - Tell the editors that updates start.\n", 1))
    checked = read_handbook(project)
    html = render_formats(checked.handbook, project, ["html"]).files["html"].decode()
    assert '<a href="#tek-01-step-backup" class="xref">step 2 of TEK-01</a>' in html
    assert "→ go to <a class=\"xref\" href=\"#tek-01-step-record\">step 6</a>" in html


def test_label_written_in_a_callout_is_printed_once_with_a_warning(tmp_path: Path) -> None:
    from sopgen.core.catalogue import format_problems
    from sopgen.reading.handbook import read_handbook

    project = tmp_path / "steps"
    shutil.copytree(STEPS, project)
    write(project, "content/TEK-03.yaml", """\
procedure:
  id: TEK-03
  title: Rotate keys
  pillar: technical
  purpose: Keep keys fresh.
  responsible: [admin]
  frequency: yearly
  steps:
    - text: Replace the keys.
      note: "**Catatan:** all sessions end."
      warning: "Penting: tell the editors first."
""")
    checked = read_handbook(project)
    lines = format_problems([p for p in checked.problems
                             if p.code in ("callout_label_repeated", "callout_other_label")])
    assert lines == [
        "content/TEK-01.yaml:38:18: warning: the Important (important) starts with the label "
        "'Important:', which is printed before it anyway — it is left out; remove it from the "
        "text",
        "content/TEK-03.yaml:10:13: warning: the Note (note) starts with the label "
        "'Catatan:', which is printed before it anyway — it is left out; remove it from the "
        "text",
        "content/TEK-03.yaml:11:16: warning: the Warning (warning) starts with the label of "
        "another kind of callout — write it as important: instead, or it prints two labels"]
    step = checked.handbook.procedure("TEK-03").steps[0]
    assert step.callouts() == [("note", "all sessions end."),
                               ("warning", "Penting: tell the editors first.")]


def test_a_step_of_a_procedure_left_out_of_an_edition_reads_as_its_procedure(
        tmp_path: Path) -> None:
    from sopgen.reading.handbook import read_handbook
    from sopgen.rendering.render import render_formats

    project = tmp_path / "steps"
    shutil.copytree(STEPS, project)
    path = project / "content" / "TEK-01.yaml"
    path.write_text(path.read_text().replace("  frequency: weekly\n",
                                             "  frequency: weekly\n  visibility: internal\n"))
    from sopgen.outputs.editions import edition_handbook

    handbook = edition_handbook(read_handbook(project).handbook, "public")
    files = render_formats(handbook, project, ["html", "md"], edition="public").files
    assert "(made in TEK-01)." in files["md"].decode()
    assert "TEK-01#" not in files["html"].decode()
