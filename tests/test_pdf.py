"""The PDF as a reader gets it: pages, contents, bookmarks, running heads, fonts."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.pdfread import Pdf


@pytest.fixture(scope="module")
def pdf(mini_built: Path) -> Pdf:
    return Pdf.open(next(mini_built.glob("*.pdf")))


def test_one_bookmark_per_procedure_under_its_pillar(pdf: Pdf) -> None:
    outline = pdf.outline()
    procedures = [(title, page) for level, title, page in outline if level == 2]
    assert [title.split()[0] for title, _ in procedures] == ["MAN-01", "TEK-01", "KON-01"]
    chapters = [title for level, title, _ in outline if level == 1]
    assert chapters[:5] == ["Document control", "Contents", "Management", "Technical", "Content"]


def test_contents_page_numbers_match_where_headings_are(pdf: Pdf) -> None:
    contents_page = next(i for i, text in enumerate(pdf.pages)
                         if "Contents" in text.split("\n"))
    printed = pdf.toc_numbers(contents_page)
    assert set(printed) == {"MAN-01", "TEK-01", "KON-01"}
    for level, title, page in pdf.outline():
        if level == 2:
            procedure_id = title.split()[0]
            assert printed[procedure_id] == page
            assert title in pdf.pages[page - 1]


def test_a_schedule_is_printed_where_the_frequency_is(pdf: Pdf) -> None:
    text = " ".join(" ".join(pdf.pages).split())
    assert "Frequency Weekly, every Tuesday at 09:00" in text


def test_running_header_and_footer_on_inner_pages(pdf: Pdf) -> None:
    total = len(pdf.pages)
    for number, text in enumerate(pdf.pages[1:], start=2):
        assert "SOP-MINI" in text and "Mini SOP" in text and "Version 1.2.0" in text
        assert f"Page {number} of {total}" in text
    assert "Page 1 of" not in pdf.pages[0]  # the cover has no running head


def test_cover_carries_document_control_and_approval(pdf: Pdf) -> None:
    cover = pdf.pages[0]
    for expected in ("Example Community Association", "Mini Website SOP", "SOP-MINI", "1.2.0",
                     "Approved", "1 March 2024", "Bo Board", "Chair"):
        assert expected in cover


def test_cross_reference_shows_target_page(pdf: Pdf) -> None:
    pages = {title.split()[0]: page for level, title, page in pdf.outline() if level == 2}
    assert f"MAN-01 (p. {pages['MAN-01']})" in "".join(pdf.pages).replace("\n", " ")


def test_every_pillar_starts_a_page(pdf: Pdf) -> None:
    for level, title, page in pdf.outline():
        if level == 1:
            assert title in pdf.pages[page - 1].split("\n")[:6], title


def test_fonts_are_embedded_and_metadata_set(pdf: Pdf) -> None:
    used, embedded = pdf.embedded_fonts()
    assert used > 0 and embedded == used
    info = pdf.reader.metadata
    assert info.title == "Mini Website SOP"
    assert info.author == "Example Community Association"
    assert pdf.reader.trailer["/Root"].get("/Lang") == "en"


def test_draft_watermark_on_every_page(pdf: Pdf) -> None:
    assert all("DRAFT" in text for text in pdf.pages)
