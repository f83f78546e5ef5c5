"""Every PDF sopgen writes is tagged PDF/UA-1 and PDF/A-2b, from either engine.

The rules are in ``tests/pdfcheck.py``; ``qpdf --check`` reads every object and stream.
The sample's parallel PDFs are checked where they are built (test_sample, test_artefacts).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pikepdf
import pytest

from sopgen.commands.build import build_project
from sopgen.outputs.table import BuildOptions
from sopgen.rendering.pdfengine import PDF_ENGINES, PdfEngine
from tests.conftest import FIXTURES, ROOT
from tests.pdfcheck import problems
from tests.pdfread import Pdf
from tests.readingorder import Reference, measure, references


def assert_accessible_and_archival(path: Path) -> None:
    assert problems(path) == [], path.name
    check = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


@dataclass
class Built:
    engine: PdfEngine
    pdfs: list[Path]

    def handbook(self) -> Path:
        return next(p for p in self.pdfs if re.fullmatch(r"SOP-MINI-[\d.]+-draft\.pdf", p.name))


@pytest.fixture(scope="module")
def mini_pdfs(tmp_path_factory: pytest.TempPathFactory) -> Callable[[PdfEngine], Built]:
    """Every PDF of the small fixture: handbook, fillable checklists, acknowledgements,
    and a role's edition of each, laid out by one engine (built once per engine)."""
    built: dict[PdfEngine, Built] = {}

    def build(engine: PdfEngine) -> Built:
        if engine not in built:
            project = tmp_path_factory.mktemp(f"mini-{engine}") / "mini"
            shutil.copytree(FIXTURES / "mini", project,
                            ignore=shutil.ignore_patterns("expected*"))
            pdfs = []
            for role in (None, "coordinator"):
                options = BuildOptions(formats=["pdf"], role=role, fillable=True,
                                       artefacts=["checklists", "acknowledgements"],
                                       pdf_engine=engine)
                folder = build_project(project, options,
                                       output=project / "out" / str(role)).folder
                pdfs += sorted(folder.glob("*.pdf"))
            assert len(pdfs) == 6
            built[engine] = Built(engine, pdfs)
        return built[engine]

    return build


@pytest.mark.parametrize("engine", PDF_ENGINES)
def test_every_pdf_passes_the_pdfua_and_pdfa_checks(mini_pdfs: Callable[[PdfEngine], Built],
                                                    engine: PdfEngine) -> None:
    for path in mini_pdfs(engine).pdfs:
        assert_accessible_and_archival(path)


def test_sample_handbook_from_one_process_passes_the_checks(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "content", tmp_path / "content")
    folder = build_project(tmp_path, BuildOptions(formats=["pdf"], pdf_engine="single"),
                           output=tmp_path / "out").folder
    assert_accessible_and_archival(next(folder.glob("*.pdf")))
    assert_page_references_inline(next(folder.glob("*.pdf")))


def structure(path: Path) -> tuple[list[str], Counter[str]]:
    """The headings in order, and how many of each kind of element, from the tag tree."""
    with pikepdf.open(path) as pdf:
        kinds: list[str] = []
        stack = [pdf.Root.StructTreeRoot]
        while stack:
            element = stack.pop()
            kinds.append(str(element.get("/S", "")))
            kids = element.get("/K")
            kids = kids if isinstance(kids, pikepdf.Array) else [kids]  # or one kid alone
            stack += [kid for kid in reversed(list(kids))
                      if isinstance(kid, pikepdf.Dictionary) and "/S" in kid]
    headings = [kind for kind in kinds if re.fullmatch(r"/H[1-6]", kind)]
    return headings, Counter(kind for kind in kinds if kind in {
        "/Table", "/TH", "/TD", "/Figure", "/L", "/LI", "/P", "/Document"})


def test_joined_parts_carry_the_structure_of_one_document(tmp_path: Path) -> None:
    trees = {}
    for engine in PDF_ENGINES:
        project = tmp_path / engine
        shutil.copytree(FIXTURES / "mini", project, ignore=shutil.ignore_patterns("expected*"))
        folder = build_project(project, BuildOptions(formats=["pdf"], pdf_engine=engine),
                               output=project / "out").folder
        trees[engine] = structure(next(folder.glob("*.pdf")))
    (headings, counts), (single_headings, single_counts) = trees["parallel"], trees["single"]
    assert headings == single_headings and len(headings) > 10
    assert counts == single_counts and counts["/Document"] == 1 and counts["/TH"] > 10


def assert_page_references_inline(path: Path) -> None:
    """Every page reference of every page is read with its number right after it, in
    each client's order (see tests/readingorder.py). Plain pdftotext (without -layout) is
    measured, not asserted: its block detection splits a line at a wide gap, which
    contents lines have between leader and number (from either engine) and which the
    room a one-digit number leaves in its slot can make; see the README."""
    for client, (total, missing) in measure(path).items():
        assert total > 0, client
        assert client == "pdftotext" or missing == [], (client, missing)


@pytest.mark.parametrize("engine", PDF_ENGINES)
def test_page_references_stay_inline_in_reading_order(mini_pdfs: Callable[[PdfEngine], Built],
                                                      engine: PdfEngine) -> None:
    """In pdf.js's order (its text items, and its structure tree as screen readers get
    it), pdftotext -layout's and pypdf's content-stream order, every cross-reference and
    contents line is followed by the number of the page it names."""
    handbook = mini_pdfs(engine).handbook()
    assert_page_references_inline(handbook)
    pdf = Pdf.open(handbook)
    pages = {title.split()[0]: page for level, title, page in pdf.outline() if level == 2}
    assert sum(len(page) for page in references(handbook)) >= 15
    assert Reference("MAN-01", pages["MAN-01"]) in {ref for page in references(handbook)
                                                     for ref in page}


def test_numbers_drawn_after_the_text_are_read_late(mini_pdfs: Callable[[PdfEngine], Built],
                                                    tmp_path: Path) -> None:
    """The check fails on what the joined PDF did before: every number drawn at the end
    of its page, outside the marked content of its reference."""
    late_numbers = numbers_moved_to_the_end(mini_pdfs("parallel").handbook(),
                                            tmp_path / "late.pdf")
    found = measure(late_numbers)
    for client in ("pdf.js", "pdf.js tagged", "pypdf"):
        total, missing = found[client]
        assert len(missing) == total > 0, client


def numbers_moved_to_the_end(source: Path, target: Path) -> Path:
    """A copy of a parallel-engine PDF with each page number written into the text (a
    ``q … Q`` group with a /SopgenNumber font) drawn last instead, at the end of the
    page's stream, in the same place (with the transformations that applied to it)."""
    with pikepdf.open(source) as pdf:
        for page in pdf.pages:
            ops = list(pikepdf.parse_content_stream(page))
            numbers: set[int] = set()
            moved: list[Any] = []
            opened: list[tuple[int, list[Any]]] = []
            transforms: list[Any] = []
            for index, instruction in enumerate(ops):
                name = str(instruction.operator)
                if name == "q":
                    opened.append((index, list(transforms)))
                elif name == "cm":
                    transforms.append(instruction)
                elif name == "Q":
                    first, transforms = opened.pop()
                    if _draws_one_number(ops[first:index + 1]):
                        numbers.update(range(first, index + 1))
                        moved += [ops[first], *transforms, *ops[first:index + 1], ops[index]]
            kept = [op for index, op in enumerate(ops) if index not in numbers]
            page.obj.Contents = pdf.make_stream(pikepdf.unparse_content_stream(kept + moved))
        pdf.save(target)
    return target


@pytest.mark.parametrize("engine", PDF_ENGINES)
def test_each_font_program_has_its_own_subset_name(mini_pdfs: Callable[[PdfEngine], Built],
                                                   engine: PdfEngine) -> None:
    with pikepdf.open(mini_pdfs(engine).handbook()) as pdf:
        programs: dict[str, set[bytes]] = {}
        for page in pdf.pages:
            for font in page.obj.Resources.Font.values():
                for part in font.get("/DescendantFonts", [font]):
                    program = part.FontDescriptor.FontFile2.read_bytes()
                    programs.setdefault(str(part.BaseFont), set()).add(program)
    assert all(len(found) == 1 for found in programs.values())
    assert all(re.fullmatch(r"/[A-Z]{6}\+[\w-]+", name) for name in programs)


def _draws_one_number(group: list[Any]) -> bool:
    operators = [str(instruction.operator) for instruction in group]
    return "q" not in operators[1:] and any(
        name == "Tf" and str(instruction.operands[0]).startswith("/SopgenNumber")
        for name, instruction in zip(operators, group, strict=True))


# ------------------------------------------------------------------ the checker itself

def damaged(source: Path, target: Path, damage: str) -> Path:
    with pikepdf.open(source) as pdf:
        if damage == "marked":
            del pdf.Root.MarkInfo
        elif damage == "title":
            pdf.Root.ViewerPreferences.DisplayDocTitle = False
        elif damage == "lang":
            del pdf.Root.Lang
        elif damage == "xmp":
            xmp = pdf.Root.Metadata.read_bytes().replace(b'pdfuaid:part="1"', b"")
            pdf.Root.Metadata = pikepdf.Stream(pdf, xmp)
        elif damage == "link":
            page = next(p for p in pdf.pages if "/Annots" in p.obj)
            del page.obj.Annots[0].Contents
            del page.obj.Tabs
        elif damage == "fonts":
            fonts = [part for font in pdf.pages[1].obj.Resources.Font.values()
                     for part in font.DescendantFonts]
            fonts[1].BaseFont = fonts[0].BaseFont
        elif damage == "untagged":
            del pdf.Root.StructTreeRoot
        elif damage == "programs":  # a second copy of one font, as each joined part had
            resources = pdf.pages[1].obj.Resources.Font
            font = next(iter(resources.values()))
            part = font.DescendantFonts[0]
            descriptor = pdf.make_indirect(pikepdf.Dictionary(dict(part.FontDescriptor.items())))
            program = part.FontDescriptor.FontFile2
            descriptor.FontFile2 = pdf.make_stream(program.read_bytes(), Length1=program.Length1)
            copy = pdf.make_indirect(pikepdf.Dictionary(dict(part.items())))
            copy.FontDescriptor = descriptor
            second = pdf.make_indirect(pikepdf.Dictionary(dict(font.items())))
            second.DescendantFonts = pikepdf.Array([copy])
            resources.SecondCopy = second
        pdf.save(target)
    return target


@pytest.mark.parametrize(("damage", "rule"), [
    ("marked", "01-002"), ("title", "07-002"), ("lang", "11-006"), ("xmp", "06-002"),
    ("link", "28-008"), ("link", "19-003"), ("fonts", "9.6.4"), ("untagged", "01-001"),
    ("programs", "one program per font")])
def test_the_checker_finds_each_broken_rule(mini_pdfs: Callable[[PdfEngine], Built],
                                            tmp_path: Path, damage: str, rule: str) -> None:
    found = problems(damaged(mini_pdfs("single").handbook(), tmp_path / "broken.pdf", damage))
    assert any(rule in message for message in found), found


# ------------------------------------------------------------------ one program per font

def font_programs(path: Path) -> dict[str, int]:
    """How many programs each font (its name without the subset tag) is embedded in."""
    with pikepdf.open(path) as pdf:
        programs: dict[str, set[tuple[int, int]]] = {}
        for font in pdf.objects:
            if isinstance(font, pikepdf.Dictionary) and font.get("/Type") == "/FontDescriptor":
                name = re.sub(r"^/[A-Z]{6}\+", "", str(font.FontName))
                programs.setdefault(name, set()).add(font.FontFile2.objgen)
    return {name: len(found) for name, found in programs.items()}


def unmerged_handbook(project: Path, engine: PdfEngine, output: Path) -> Path:
    """The handbook as it was before fonts were merged: built with the merge switched off."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("sopgen.rendering.fonts.merge_font_subsets", lambda pdf: None)
        folder = build_project(project, BuildOptions(formats=["pdf"], pdf_engine=engine),
                               output=output).folder
    return next(path for path in folder.glob("*.pdf")
                if re.fullmatch(r"[\w-]+-[\d.]+-draft\.pdf", path.name))


def merged(before: Path, target: Path) -> Path:
    from sopgen.rendering.archival import unique_subset_tags
    from sopgen.rendering.fonts import merge_font_subsets
    from sopgen.rendering.structure import save

    with pikepdf.open(before) as pdf:
        merge_font_subsets(pdf)
        unique_subset_tags(pdf)
        target.write_bytes(save(pdf))
    return target


def rendered(path: Path, folder: Path, dpi: int, last: int | None = None) -> list[bytes]:
    """Every page (or the first ``last``) as pixels, by poppler."""
    folder.mkdir()
    pages = ["-l", str(last)] if last else []
    subprocess.run(["pdftoppm", "-r", str(dpi), *pages, str(path), str(folder / "p")],
                   check=True)
    return [page.read_bytes() for page in sorted(folder.glob("*.ppm"))]


def pdftotext(path: Path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


def assert_merge_lost_nothing(before: Path, after: Path, tmp: Path, dpi: int,
                              last: int | None = None) -> None:
    """Same pixels on every page (no glyph and no width lost), same text (no Unicode lost),
    every font in one program, and the file still passes every check."""
    assert all(count == 1 for count in font_programs(after).values()), font_programs(after)
    assert font_programs(after).keys() == font_programs(before).keys()
    pixels = rendered(before, tmp / "before", dpi, last)
    assert pixels and pixels == rendered(after, tmp / "after", dpi, last)
    assert pdftotext(before) == pdftotext(after)
    assert_accessible_and_archival(after)


@pytest.mark.parametrize("engine", PDF_ENGINES)
def test_merged_fonts_draw_and_read_the_same(tmp_path: Path, engine: PdfEngine) -> None:
    project = tmp_path / "mini"
    shutil.copytree(FIXTURES / "mini", project, ignore=shutil.ignore_patterns("expected*"))
    before = unmerged_handbook(project, engine, tmp_path / "out")
    if engine == "parallel":  # each part brought its own subset of the same fonts
        assert max(font_programs(before).values()) > 1
    assert_merge_lost_nothing(before, merged(before, tmp_path / "after.pdf"), tmp_path, 50)


@pytest.mark.parametrize("engine", PDF_ENGINES)
def test_every_internal_link_is_described_by_its_target(mini_pdfs: Callable[[PdfEngine], Built],
                                                        engine: PdfEngine) -> None:
    """PDF/UA-1 7.18.5: a link annotation's /Contents is what a screen reader says for it.
    WeasyPrint writes the target's id there; each internal link must name its target's
    heading or term instead, as the procedures' titles and the roles' names read."""
    described: dict[str, int] = {}
    with pikepdf.open(mini_pdfs(engine).handbook()) as pdf:
        for page in pdf.pages:
            for annotation in page.obj.get("/Annots", []):
                if annotation.get("/Subtype") != "/Link" or "/URI" in annotation.get("/A", {}):
                    continue
                text = str(annotation.get("/Contents", ""))
                assert text and not re.fullmatch(r"[a-z0-9-]+", text), text
                described[text] = described.get(text, 0) + 1
    assert "TEK-01 Back up the database" in described
    assert "Website Coordinator" in described
