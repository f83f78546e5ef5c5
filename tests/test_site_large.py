"""The published site and single-page HTML of a synthetic 300-procedure project on a phone."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.generate import generate
from tests.browser import axe_violations, browser, distinct, overflowing, validate_html

PROCEDURES = 300


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The project released and published, and its single-page HTML.

    The release's PDF is stood in for by an empty PDF: publishing copies it but this
    module reads only the HTML, and laying out ~700 pages would take minutes."""
    import pikepdf

    from sopgen.commands.build import build_project
    from sopgen.commands.publish import publish
    from sopgen.commands.release import freeze
    from sopgen.outputs.table import BuildOptions
    from sopgen.reading.handbook import read_handbook

    project = generate(PROCEDURES, tmp_path_factory.mktemp("large") / "project")
    checked = read_handbook(project)
    freeze(checked)
    doc = checked.handbook.document
    pdf = project / "output" / doc.version / f"{doc.id}-{doc.version}.pdf"
    pdf.parent.mkdir(parents=True)
    pikepdf.new().save(pdf)
    site = publish(project, edition="internal").folder  # the generated SOP is internal
    build_project(project, BuildOptions(formats=["html"]))
    return site, pdf.with_suffix(".html")


def sample_pages(site: Path) -> list[Path]:
    """Every page that is not a procedure, and the procedures with a table or code."""
    version = site / "latest"
    pages = [site / "index.html", *(p for p in sorted(version.glob("*.html"))
                                    if not p.stem[-1].isdigit())]
    boxed = [p for p in sorted(version.glob("*.html"))
             if p.stem[-1].isdigit() and 'class="scroll-box' in p.read_text(encoding="utf-8")]
    return pages + boxed[:4]


def test_every_page_and_the_single_page_fit_a_phone(large: tuple[Path, Path]) -> None:
    """Reflow at 320 and 390 px on every page (latest/ is the same bytes as its version);
    axe on every page that is not a procedure and on procedures with wide content."""
    site, single = large
    pages = distinct(sorted(site.rglob("*.html")))
    assert len(pages) > PROCEDURES
    with browser() as chromium:
        page = chromium.new_context(viewport={"width": 390, "height": 844}).new_page()
        assert overflowing(page, [*pages, single]) == []
        assert len(sample_pages(site)) >= 12
        assert axe_violations(page, sample_pages(site)) == []


def test_w3c_checker_finds_no_errors(large: tuple[Path, Path]) -> None:
    site, single = large
    result = validate_html([*distinct(sorted(site.rglob("*.html"))), single])
    assert result.returncode == 0, result.stderr[:3000]
