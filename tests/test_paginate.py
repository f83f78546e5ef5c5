"""The parallel PDF engine: same document as a from-scratch build, reusing unchanged parts."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import pytest

from sopgen.commands.build import build_project
from sopgen.outputs.table import BuildOptions
from sopgen.rendering.paginate import add_slots, split
from sopgen.rendering.pdfengine import PdfEngine
from tests.pdfread import Pdf


def pdf_of(result) -> Path:
    return next(result.folder.glob("*.pdf"))


def test_incremental_rebuild_equals_a_build_from_scratch(mini: Path, tmp_path: Path) -> None:
    messages: list[str] = []
    build_project(mini, BuildOptions(formats=["pdf"]), report=messages.append)
    first = next(m for m in messages if m.endswith("parts of the PDF …"))
    procedures = mini / "content" / "procedures.yaml"
    procedures.write_text(procedures.read_text().replace(
        "- Check facts and consent.", "- Check the facts, the sources and the consent."))
    messages.clear()
    incremental = build_project(mini, BuildOptions(formats=["pdf"]), report=messages.append)
    again = next(m for m in messages if m.endswith("parts of the PDF …"))
    layers = next(m for m in messages if m.endswith("page-number layers …"))
    numbered = next(m for m in messages if m.startswith("numbering "))
    total = int(first.split(" of ")[1].split()[0])
    assert first.startswith(f"laying out {total} of {total}")
    assert again.startswith(f"laying out 1 of {total}")  # only the edited part
    assert layers.startswith("laying out 0 of")  # no page number moved: every layer reused
    assert numbered.startswith(f"numbering 1 of {total}")  # the others stamped as kept
    scratch = build_project(mini, BuildOptions(formats=["pdf"]), output=tmp_path / "scratch")
    assert pdf_of(incremental).read_bytes() == pdf_of(scratch).read_bytes()
    new, fresh = Pdf.open(pdf_of(incremental)), Pdf.open(pdf_of(scratch))
    assert new.pages == fresh.pages and new.outline() == fresh.outline()
    assert "Check the facts, the sources and the consent." in "".join(new.pages)


def test_a_rebuild_that_moves_page_numbers_equals_a_build_from_scratch(
        mini: Path, tmp_path: Path) -> None:
    """An edit that adds pages changes every page-number layer (each prints the total):
    every part is stamped again, although only the edited one is laid out again."""
    build_project(mini, BuildOptions(formats=["pdf"]))
    procedures = mini / "content" / "procedures.yaml"
    long_steps = "".join(f"      - Read part {n} of the procedure aloud to the team.\n"
                         for n in range(1, 90))
    procedures.write_text(procedures.read_text().replace(
        "      - Read every procedure with the people who do it.\n", long_steps))
    messages: list[str] = []
    incremental = build_project(mini, BuildOptions(formats=["pdf"]), report=messages.append)
    parts = next(m for m in messages if m.endswith("parts of the PDF …"))
    numbered = next(m for m in messages if m.startswith("numbering "))
    total = int(numbered.split(" of ")[1].split()[0])
    assert parts.startswith(f"laying out 1 of {total}")
    assert numbered.startswith(f"numbering {total} of {total}")
    scratch = build_project(mini, BuildOptions(formats=["pdf"]), output=tmp_path / "scratch")
    assert pdf_of(incremental).read_bytes() == pdf_of(scratch).read_bytes()
    assert "Read part 89 of the procedure aloud" in "".join(Pdf.open(pdf_of(scratch)).pages)


def test_cache_keeps_only_what_the_last_build_used(mini: Path) -> None:
    build_project(mini, BuildOptions(formats=["pdf"]))
    cache = mini / "output" / ".cache" / "pdf"
    before = set(cache.iterdir())
    procedures = mini / "content" / "procedures.yaml"
    procedures.write_text(procedures.read_text().replace("Schedule the post.",
                                                         "Schedule the post for Tuesday."))
    build_project(mini, BuildOptions(formats=["pdf"]))
    after = set(cache.iterdir())
    assert len(after) == len(before) and after != before


@pytest.mark.parametrize("engine", ["parallel", "single"])
def test_both_engines_number_contents_and_bookmarks_alike(mini: Path, tmp_path: Path,
                                                          engine: PdfEngine) -> None:
    options = BuildOptions(formats=["pdf"], pdf_engine=engine)
    pdf = Pdf.open(pdf_of(build_project(mini, options, output=tmp_path)))
    outline = pdf.outline()
    contents = next(i for i, text in enumerate(pdf.pages) if "Contents" in text.split("\n"))
    printed = pdf.toc_numbers(contents)
    for level, title, page in outline:
        if level == 2:
            assert printed[title.split()[0]] == page
    assert [title for _, title, _ in outline] == [
        "Document control", "Contents", "Management", "MAN-01 Review this SOP", "Technical",
        "TEK-01 Back up the database", "Content", "KON-01 Publish a post", "RACI matrix",
        "Records and retention", "Roles", "Glossary", "Revision history"]


def test_links_jump_to_the_right_page(mini: Path, tmp_path: Path) -> None:
    pdf = Pdf.open(pdf_of(build_project(mini, BuildOptions(formats=["pdf"]), output=tmp_path)))
    reader = pdf.reader
    targets = {}
    for index, page in enumerate(reader.pages):
        for annotation in page.get("/Annots") or []:
            annotation = annotation.get_object()
            destination = annotation.get("/Dest")
            if destination is not None:
                targets.setdefault(index, set()).add(reader.get_page_number(destination[0]))
    pages = {title.split()[0]: page for level, title, page in pdf.outline() if level == 2}
    contents = next(i for i, text in enumerate(pdf.pages) if "Contents" in text.split("\n"))
    assert {pages["MAN-01"] - 1, pages["TEK-01"] - 1, pages["KON-01"] - 1} <= targets[contents]


def test_split_and_slots() -> None:
    html = ('<html><head></head><body><div class="running">r</div>'
            '<!-- sopgen:part --><p>cover</p>'
            '<!-- sopgen:part pillar=technical --><p>See <a href="#tek-01" class="xref">TEK-01</a>'
            ' and <a class="pgref" href="#kon-01">KON</a> and <a href="https://x.org">x</a></p>'
            "</body></html>")
    head, preamble, parts, tail = split(html)
    assert head.endswith("<body>") and preamble == '<div class="running">r</div>'
    assert [pillar for pillar, _ in parts] == [None, "technical"] and tail == "</body></html>"
    slots: dict = {}
    with_slots = add_slots(parts[1][1], slots, "p.")
    assert [(s.target, s.kind) for s in slots.values()] == [("tek-01", "xref"), ("kon-01", "pgref")]
    assert with_slots.count('class="pg"') + with_slots.count('class="pg pg-xref"') == 2
    assert '"room">(p.&nbsp;999)</span>' in with_slots
    assert [(s.before, s.after) for s in slots.values()] == [("(p.\u00a0", ")"), ("", "")]


def test_print_template_without_part_markers_is_laid_out_whole(mini: Path,
                                                               tmp_path: Path) -> None:
    from tests.conftest import write

    write(mini, "templates/print.html.j2",
          "<!DOCTYPE html><html lang=\"en\"><head><title>{{ doc.title }}</title></head>"
          "<body><h1>{{ doc.title }}</h1><p>Own theme</p></body></html>\n")
    pdf = Pdf.open(pdf_of(build_project(mini, BuildOptions(formats=["pdf"]), output=tmp_path)))
    assert len(pdf.pages) == 1 and "Own theme" in pdf.pages[0]


# ------------------------------------------------------------------ leaders and watermarks

def test_a_page_number_never_goes_after_rotated_text() -> None:
    """A draft's watermark is text drawn rotated: its glyphs' own coordinates may lie
    between a contents line's text and its slot, but a number moved there would be drawn
    rotated with them. The number goes after the line's own text."""
    import pikepdf

    from sopgen.rendering.inline import mark_slots

    pdf = pikepdf.new()
    stream = pikepdf.Stream(pdf, b"/P <</MCID 0>> BDC BT /F1 10 Tf 1 0 0 -1 100 200 Tm "
                                 b"(Title) Tj ET EMC q 0.7 -0.7 0.7 0.7 0 0 cm "
                                 b"/P <</MCID 1>> BDC BT /F1 60 Tf 1 0 0 -1 290 201 Tm (W) Tj "
                                 b"ET EMC Q")
    ops = list(pikepdf.parse_content_stream(stream))
    title_end = next(i for i, op in enumerate(ops) if str(op.operator) == "ET")
    assert mark_slots(ops, {"sopgen-pg-0": [300.0, 190.0, 320.0, 206.0]}) == {
        title_end: ["sopgen-pg-0"]}


LEADERS = ("<!DOCTYPE html><html lang='en'><head><style>"
           "@page { size: 120mm 60mm; margin: 5mm; } body { font-family: serif; } "
           "a { display: inline; } a::after { content: leader('.'); } "
           ".pg { display: inline-block; width: 2em; }</style></head><body><ul>"
           + "".join(f"<li id='x{n}'><a href='#x{n}'>{title}</a><span class='pg'>{n}</span></li>"
                     for n, title in enumerate(["Back up the database", "Publish a post",
                                                "Review this SOP", "A wider title, wrapping "
                                                "onto a second line of the page"]))
           + "</ul></body></html>")


def _leaders_pdf(path: Path, one_run: bool) -> Path:
    from contextlib import nullcontext

    from weasyprint import HTML

    from sopgen.rendering.leaders import one_run_leaders

    with one_run_leaders() if one_run else nullcontext():
        document = HTML(string=LEADERS).render()
    document.write_pdf(path)
    return path


def test_a_leader_is_one_run_of_text_where_its_dots_were(tmp_path: Path) -> None:
    """Dots drawn as one text object each become one text object a leader: the same
    text, drawn at the same place (rendered by poppler: at most anti-aliasing apart)."""
    import subprocess

    import pikepdf

    apart = _leaders_pdf(tmp_path / "apart.pdf", one_run=False)
    joined = _leaders_pdf(tmp_path / "joined.pdf", one_run=True)
    objects = []
    for path in (apart, joined):
        with pikepdf.open(path) as pdf:
            objects.append(sum(str(op.operator) == "BT"
                               for op in pikepdf.parse_content_stream(pdf.pages[0])))
    assert objects[1] <= objects[0] // 10  # a few objects per line, not one per dot
    texts = [subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                            check=True).stdout for path in (apart, joined)]
    assert "".join(texts[0].split()) == "".join(texts[1].split())
    assert "Backupthedatabase....." in "".join(texts[1].split())
    images = []
    for path in (apart, joined):
        subprocess.run(["pdftoppm", "-r", "150", "-gray", "-singlefile", str(path),
                        str(path.with_suffix(""))], check=True)
        images.append(path.with_suffix(".pgm").read_bytes())
    assert len(images[0]) == len(images[1])
    differing = [abs(a - b) for a, b in zip(images[0], images[1], strict=True) if a != b]
    assert len(differing) < len(images[0]) // 1000 and max(differing, default=0) < 128


def test_marked_content_made_artifacts_as_bytes_as_if_parsed(
        mini: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Running heads' marked content, outside the structure tree, becomes an artifact by
    editing the content's bytes where the stream is as WeasyPrint writes it: the pages
    then draw and tag exactly what they do when every stream is parsed and rewritten."""
    import pikepdf

    from sopgen.rendering import paginate, structure

    monkeypatch.setattr(paginate, "can_fork", lambda: False)  # parts laid out here: spied
    edited: list[bytes] = []
    as_bytes = structure._artifacts_in_place

    def spied(page: object, outside: set[int]) -> bytes | None:
        data = as_bytes(page, outside)
        if data is not None and outside:
            edited.append(data)
        return data

    monkeypatch.setattr(structure, "_artifacts_in_place", spied)
    fast = pdf_of(build_project(mini, BuildOptions(formats=["pdf"]), output=tmp_path / "a"))
    assert edited and all(structure._ARTIFACT in data for data in edited)
    monkeypatch.setattr(structure, "_artifacts_in_place", lambda page, outside: None)
    parsed = pdf_of(build_project(mini, BuildOptions(formats=["pdf"]), output=tmp_path / "b"))
    with pikepdf.open(fast) as one, pikepdf.open(parsed) as other:
        assert len(one.pages) == len(other.pages)
        for page, same in zip(one.pages, other.pages, strict=True):
            assert pikepdf.unparse_content_stream(pikepdf.parse_content_stream(page)) == \
                pikepdf.unparse_content_stream(pikepdf.parse_content_stream(same))
    assert Pdf.open(fast).pages == Pdf.open(parsed).pages


def test_an_element_with_one_marked_content_sequence_names_it_alone(mini: Path) -> None:
    """``/K 12``, not ``/K [12]`` (ISO 32000 14.7.2): the same tree, in less memory."""
    import pikepdf

    from tests import pdfcheck

    path = pdf_of(build_project(mini, BuildOptions(formats=["pdf"])))
    assert pdfcheck.problems(path) == []
    with pikepdf.open(path) as pdf:
        kids = [element.get("/K") for element in pdfcheck._elements(pdf.Root.StructTreeRoot)]
    assert any(isinstance(kid, int) for kid in kids)
    assert not any(isinstance(kid, pikepdf.Array) and len(kid) == 1
                   and isinstance(kid[0], int) for kid in kids)


# ------------------------------------------------------------------ numbers after references

REFERENCES = ('<p id="prose">See <a href="#t5" class="xref">A-1</a> and '
              '<a href="#t42" class="xref-bare">B-2</a>, then '
              '<a href="#t120" class="xref">C-3</a> end.</p>'
              '<table><tr><td>In <a href="#t7" class="xref">D-4</a></td><td>Alpha</td></tr>'
              "<tr><td>Plain</td><td>Beta</td></tr></table>")


def _references_pdf(path: Path, page_label: str, draft: bool) -> Path:
    """References to pages 5, 42, 120 and 7 (page n holds anchor tn), through the
    parallel engine with the default theme's print styles."""
    from sopgen.rendering.paginate import Engine, write_pdf_parallel
    from sopgen.rendering.render import theme_folder

    theme = theme_folder()
    style = (theme / "print.css").read_text(encoding="utf-8")
    watermark = '<div class="watermark" aria-hidden="true">DRAFT</div>' if draft else ""
    fillers = "".join(f'<p style="break-before: {"page" if n > 2 else "auto"}" id="t{n}">'
                      f"Page {n}</p>" for n in range(2, 121))
    html = (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>T</title>'
            f"<style>{style}</style></head><body>{watermark}"
            f"<!-- sopgen:part --><section class=\"cover\">{REFERENCES}</section>"
            f"<!-- sopgen:part --><section>{fillers}</section></body></html>")
    path.write_bytes(write_pdf_parallel(html, Engine(theme, [theme], page_label, workers=1)))
    return path


def _first_page_words(path: Path) -> list[tuple[str, float, float, float]]:
    """(word, left, right, top) on page 1, in pdftotext's reading order (points); text
    drawn touching the word before it (a number, then the comma after it) joins it."""
    import re
    import subprocess
    from html import unescape

    xml = subprocess.run(["pdftotext", "-bbox", "-f", "1", "-l", "1", str(path), "-"],
                         capture_output=True, text=True, check=True).stdout
    words: list[tuple[str, float, float, float]] = []
    for m in re.finditer(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>',
            xml):
        text, left, right, top = unescape(m[5]), float(m[1]), float(m[3]), float(m[2])
        if words and abs(words[-1][3] - top) < 1 and 0 <= left - words[-1][2] < 0.1:
            text, left = words[-1][0] + text, words.pop()[1]
        words.append((text, left, right, top))
    return words


@pytest.mark.parametrize(("page_label", "draft"), [("p.", True), ("hlm.", False)])
def test_a_page_number_of_any_length_follows_its_reference_by_one_space(
        tmp_path: Path, page_label: str, draft: bool) -> None:
    """The slot after a reference has room for "(p. 999)": a 1- or 2-digit number is set
    at its start and the rest of the line closes up, so reference, label, number and the
    words after them are one space apart, as words are; the next table cell stays put,
    and each link still covers its words."""
    import pikepdf

    path = _references_pdf(tmp_path / "refs.pdf", page_label, draft)
    words = _first_page_words(path)
    texts = [word for word, *_ in words]
    start = texts.index("See")
    line = words[start:start + texts[start:].index("end.") + 1]
    assert [word for word, *_ in line] == [
        "See", "A-1", f"({page_label}", "5)", "and", "B-2", page_label, "42,", "then", "C-3",
        f"({page_label}", "120)", "end."]
    space = line[1][1] - line[0][2]  # between "See" and "A-1": an ordinary space
    gaps = [after[1] - before[2] for before, after in pairwise(line)]
    assert space > 1 and all(abs(gap - space) < 0.3 for gap in gaps), gaps
    cell = words[texts.index("D-4"):texts.index("Alpha") + 1]
    assert [word for word, *_ in cell] == ["D-4", f"({page_label}", "7)", "Alpha"]
    assert abs((cell[1][1] - cell[0][2]) - space) < 0.3
    assert abs(cell[3][1] - words[texts.index("Beta")][1]) < 0.01  # the next cell: unmoved
    with pikepdf.open(path) as pdf:
        page = pdf.pages[0]
        height = float(page.mediabox[3])
        links = sorted((float(min(a.Rect[0], a.Rect[2])), height - float(max(a.Rect[1], a.Rect[3])))
                       for a in page.obj.get("/Annots", []))
    starts = sorted((left, top) for word, left, _, top in words
                    if word in {"A-1", "B-2", "C-3", "D-4"})
    assert len(links) == 4
    assert all(abs(lx - wx) < 0.5 and abs(ly - wy) < 3 for (lx, ly), (wx, wy)
               in zip(links, starts, strict=True)), (links, starts)
