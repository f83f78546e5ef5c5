"""The published site of the sample SOP, used as a person would: in a real browser."""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from sopgen.commands.publish import publish
from sopgen.commands.release import release_project
from sopgen.reading.handbook import read_handbook
from sopgen.reading.releases import is_released, released_versions
from tests.browser import browser, validate_html
from tests.conftest import ROOT
from tests.htmlread import Page


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's sample project, its current version released, then published."""
    project = tmp_path_factory.mktemp("sample") / "project"
    for part in ("content", "templates", "releases"):
        if (ROOT / part).is_dir():
            shutil.copytree(ROOT / part, project / part)
    if not is_released(read_handbook(project)):
        release_project(project)
    return publish(project).folder


@pytest.fixture(scope="module")
def chromium():
    with browser() as instance:
        yield instance


@pytest.fixture
def page(chromium):
    context = chromium.new_context(viewport={"width": 1200, "height": 900})
    yield context.new_page()
    context.close()


LATEST = read_handbook(ROOT).handbook.document.version  # the sample's current version


def html_files(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def test_every_version_folder_and_latest_exist(site: Path) -> None:
    versions = released_versions(site.parent.parent / "releases")
    assert versions and versions[-1] == LATEST and versions[:2] == ["1.0.0", "2.0.0"]
    for version in [*versions, "latest"]:
        assert (site / version / "index.html").is_file()
        assert (site / version / "tek-05.html").is_file()
    assert (site / "latest" / f"SOP-SK-WEB-{LATEST}.pdf").read_bytes()[:5] == b"%PDF-"


def test_no_internal_link_or_anchor_is_broken(site: Path) -> None:
    pages = {path: Page(path.read_text(encoding="utf-8")) for path in html_files(site)}
    broken = []
    for path, parsed in pages.items():
        for href, _ in parsed.links:
            parts = urlsplit(href)
            if parts.scheme or href.startswith("//"):
                assert parts.scheme in ("http", "https", "mailto"), href
                continue
            target = (path.parent / unquote(parts.path)).resolve() if parts.path else path
            if not target.is_file() or site.resolve() not in target.parents:
                broken.append(f"{path.relative_to(site)} → {href}")
            elif parts.fragment and target.suffix == ".html" and \
                    parts.fragment not in pages[target].ids:
                broken.append(f"{path.relative_to(site)} → {href} (no such anchor)")
    assert broken == []


def test_w3c_checker_finds_no_errors(site: Path) -> None:
    result = validate_html(html_files(site))
    assert result.returncode == 0, result.stderr[:3000]


def test_search_finds_backup_procedure_offline(site: Path, page) -> None:
    page.goto((site / "latest" / "index.html").as_uri())
    page.fill("#search-input", "cadangan")
    results = page.locator("#search-results a")
    results.first.wait_for()
    titles = results.all_inner_texts()
    assert any(title.startswith("TEK-05") for title in titles), titles
    page.locator("#search-results a", has_text="TEK-05").first.click()
    page.wait_for_url("**/tek-05.html")
    assert "Pencadangan basis data" in page.inner_text("h1")


def test_search_page_works_from_a_query(site: Path, page) -> None:
    page.goto((site / "latest" / "search.html").as_uri() + "?q=kata+sandi")
    page.locator("#search-page-results a").first.wait_for()
    assert "TEK-09" in page.inner_text("#search-page-results")


def test_version_selector_moves_between_versions(site: Path, page) -> None:
    versions = released_versions(site.parent.parent / "releases")
    assert len(versions) >= 2, "the sample keeps at least two released versions"
    page.goto((site / versions[-1] / "tek-05.html").as_uri())
    assert page.locator(".superseded").count() == 0
    with page.expect_navigation():
        page.select_option("#version-select", label=versions[0])
    assert page.url.endswith(f"/{versions[0]}/tek-05.html")
    notice = page.locator(".superseded")
    assert f"{versions[-1]}" in notice.inner_text()
    with page.expect_navigation():
        notice.locator("a").click()
    assert page.url.endswith("/latest/tek-05.html")


@pytest.mark.parametrize("name", ["index.html", "tek-05.html", "search.html", "raci.html"])
def test_axe_reports_no_violations(site: Path, page, name: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    page.goto((site / "latest" / name).as_uri())
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def test_layout_fits_a_phone(site: Path, chromium) -> None:
    context = chromium.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    phone = context.new_page()
    for name in ("index.html", "tek-05.html", "management.html", "raci.html"):
        phone.goto((site / "latest" / name).as_uri())
        overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, (name, overflow)
    context.close()


def test_pages_link_their_pdf_and_have_prev_next(site: Path) -> None:
    parsed = Page((site / "latest" / "tek-05.html").read_text(encoding="utf-8"))
    hrefs = [href for href, _ in parsed.links]
    assert f"SOP-SK-WEB-{LATEST}.pdf" in hrefs
    rels = {attrs.get("rel"): href for href, attrs in parsed.links
            if attrs.get("rel") in ("prev", "next")}
    assert rels.get("prev") == "tek-04.html" and rels.get("next") == "tek-06.html"


def test_a_glossary_term_found_by_search_lands_on_its_entry(site: Path, page) -> None:
    page.goto((site / "latest" / "search.html").as_uri() + "?q=Domain+Name+System")
    link = page.locator("#search-page-results a", has_text="DNS (Domain Name System)").first
    link.wait_for()
    with page.expect_navigation():
        link.click()
    assert page.url.endswith("/latest/glossary.html#term-dns-domain-name-system")
    assert page.inner_text(":target") == "DNS (Domain Name System)"
