"""The single-page HTML handbook: self-contained, navigable, every link resolving."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.htmlread import Page


@pytest.fixture(scope="module")
def page(mini_built: Path) -> Page:
    return Page(next(mini_built.glob("*.html")).read_text(encoding="utf-8"))


def test_an_anchor_per_procedure_and_toc_lists_them_in_order(page: Page) -> None:
    procedures = ["#man-01", "#tek-01", "#kon-01"]
    assert all(anchor[1:] in page.ids for anchor in procedures)
    assert [href for href in page.toc_links if href in procedures] == procedures


def test_ids_are_unique_and_every_internal_link_resolves(page: Page) -> None:
    assert len(page.ids) == len(set(page.ids))
    internal = [href for href, _ in page.links if href.startswith("#")]
    assert internal and all(href[1:] in page.ids for href in internal)


def test_cross_references_become_links(page: Page) -> None:
    xrefs = [href for href, attrs in page.links if attrs.get("class") == "xref"]
    assert "#tek-01" in xrefs and "#man-01" in xrefs


def test_self_contained_no_external_requests(page: Page) -> None:
    assert "style" in page.tags and "script" not in page.tags
    assert all(src.startswith("data:") for src in page.resources)


def test_external_links_only_to_references(page: Page) -> None:
    external = [href for href, _ in page.links if not href.startswith("#")]
    assert external == ["https://developer.wordpress.org/advanced-administration/security/backup/"]


def test_draft_banner_shown(page: Page) -> None:
    assert "Draft: this version has not been released" in page.text


def test_term_ids_come_from_the_term_so_links_survive_new_terms() -> None:
    from sopgen.core.model import Term, term_anchors

    def ids(*terms: str) -> list[str]:
        return term_anchors([Term(term, "Definition.") for term in terms])

    assert ids("Cadangan (backup)", "Basis data") == ["term-cadangan-backup", "term-basis-data"]
    assert ids("Akun", "Basis data")[1] == ids("Basis data")[0]  # one added before it
    assert ids("Privasi é", "C", "C++", "ドメイン") == ["term-privasi-e", "term-c", "term-c-2",
                                                      "term-4"]


def test_glossary_entries_carry_their_term_ids(page: Page) -> None:
    assert "term-backup" in page.ids
