"""The parallel PDF engine: same document as a from-scratch build, reusing unchanged parts."""

from __future__ import annotations

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
