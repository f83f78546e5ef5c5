"""The published site of the sample SOP, used as a person would: in a real browser."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from sopgen.commands.publish import publish
from sopgen.reading.handbook import read_handbook
from sopgen.reading.releases import released_versions
from tests.browser import (
    PHONE_WIDTHS,
    axe_violations,
    browser,
    distinct,
    overflowing,
    validate_html,
)
from tests.conftest import ROOT, released_sample
from tests.htmlread import Page


def latest(site: Path) -> str:
    """The newest release: the sample's content as ``released_sample`` released it."""
    return released_versions(site.parent.parent / "releases")[-1]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's sample project, its current version released, then published as
    the intranet of the organisation: every version, every procedure a member of staff
    may read."""
    project = released_sample(tmp_path_factory.mktemp("sample") / "project")
    return publish(project, edition="internal").folder


@pytest.fixture(scope="module")
def chromium():
    with browser() as instance:
        yield instance


@pytest.fixture
def page(chromium):
    context = chromium.new_context(viewport={"width": 1200, "height": 900})
    yield context.new_page()
    context.close()


@pytest.fixture(scope="module")
def single_page(site: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same project's single-page HTML handbook."""
    from sopgen.commands.build import build_project
    from sopgen.outputs.table import BuildOptions

    output = tmp_path_factory.mktemp("single")
    build_project(site.parent.parent, BuildOptions(formats=["html"]), output=output)
    return next(output.rglob("*.html"))


@pytest.fixture
def phone(chromium):
    context = chromium.new_context(viewport={"width": 390, "height": 844})
    yield context.new_page()
    context.close()


LATEST = read_handbook(ROOT).handbook.document.version  # the sample's current version


def html_files(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def test_every_version_folder_and_latest_exist(site: Path) -> None:
    versions = released_versions(site.parent.parent / "releases")
    assert versions and versions[-1] == latest(site) and versions[:2] == ["1.0.0", "2.0.0"]
    for version in [*versions, "latest"]:
        assert (site / version / "index.html").is_file()
        assert (site / version / "tek-05.html").is_file()
    assert (site / "latest" / f"SOP-SK-WEB-{latest(site)}.pdf").read_bytes()[:5] == b"%PDF-"


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


def test_a_procedure_page_says_when_it_is_due(site: Path, page) -> None:
    page.goto((site / "latest" / "tek-01.html").as_uri())
    cell = page.locator("th", has_text="Frekuensi").locator("xpath=following-sibling::td")
    assert cell.inner_text() == "Mingguan, setiap Selasa pukul 09.30 WIB"


def test_search_page_works_from_a_query(site: Path, page) -> None:
    page.goto((site / "latest" / "search.html").as_uri() + "?q=kata+sandi")
    page.locator("#search-page-results a").first.wait_for()
    assert "TEK-09" in page.inner_text("#search-page-results")


def test_version_menu_moves_between_versions(site: Path, page) -> None:
    versions = released_versions(site.parent.parent / "releases")
    assert len(versions) >= 2, "the sample keeps at least two released versions"
    page.goto((site / versions[-1] / "tek-05.html").as_uri())
    assert page.locator(".superseded").count() == 0
    page.locator(".version-menu summary").click()
    with page.expect_navigation():
        page.locator(".version-menu a", has_text=versions[0]).click()
    assert page.url.endswith(f"/{versions[0]}/tek-05.html")
    notice = page.locator(".superseded")
    assert f"{versions[-1]}" in notice.inner_text()
    with page.expect_navigation():
        notice.locator("a").click()
    assert page.url.endswith("/latest/tek-05.html")


def test_arrow_keys_in_the_version_menu_do_not_navigate(site: Path, page) -> None:
    """WCAG 3.2.2: choosing is a deliberate click or Enter on a link, not a key press
    that moves through the choices; and Back shows the version of the page shown."""
    start = (site / "2.0.0" / "tek-05.html").as_uri()
    page.goto(start)
    summary = page.locator(".version-menu summary")
    summary.focus()
    page.keyboard.press("Enter")  # opens the menu
    for key in ("ArrowDown", "ArrowDown", "ArrowUp", "Tab", "ArrowDown"):
        page.keyboard.press(key)
    assert page.url == start
    with page.expect_navigation():
        page.locator(".version-menu a", has_text="1.0.0").click()
    page.go_back()
    assert page.url == start
    assert "2.0.0" in summary.inner_text()
    assert page.locator(".version-menu a[aria-current=page]").text_content().startswith("2.0.0")
    assert not page.locator(".version-menu").evaluate("menu => menu.open")


def test_every_page_of_every_version_fits_a_phone(site: Path, single_page: Path,
                                                  chromium) -> None:
    """WCAG 1.4.10 Reflow at 320 and 390 px, every page: the page never scrolls sideways;
    axe finds nothing on any of them either (at 390 px, the phone layout)."""
    files = [*distinct(html_files(site)), single_page]
    assert len(files) > 100
    context = chromium.new_context(viewport={"width": PHONE_WIDTHS[-1], "height": 844})
    page = context.new_page()
    assert overflowing(page, files) == []
    assert axe_violations(page, files) == []
    context.close()


def test_wide_tables_and_code_scroll_in_a_named_focusable_box(site: Path,
                                                             single_page: Path) -> None:
    """Each content table and code block sits in a box that scrolls on its own, that the
    keyboard reaches, and whose name tells it apart from the page's other boxes."""
    for path in [site / "latest" / "tek-07.html", site / "latest" / "revisions.html",
                 site / "latest" / "raci.html", single_page]:
        html = path.read_text(encoding="utf-8")
        boxes = re.findall(r'<div class="[^"]*(?:scroll-box|raci-wrap)[^"]*" ([^>]*)>\s*'
                           r'(?:<p class="raci-legend">.*?</p>\s*)?<(table|pre)', html, re.S)
        wide = len(re.findall(r"<table>|<table class=\"(?:revisions|raci)\">|<pre>", html))
        assert boxes and len(boxes) == wide, path
        names = [re.search(r'aria-label(?:ledby)?="([^"]+)"', attrs).group(1)
                 for attrs, _ in boxes]
        assert all('role="region"' in a and 'tabindex="0"' in a for a, _ in boxes)
        assert len(names) == len(set(names)), path


@pytest.mark.parametrize("name", ["index.html", "tek-05.html", "search.html", "raci.html",
                                  "../index.html"])
def test_axe_reports_no_violations_on_a_wide_screen(site: Path, page, name: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    page.goto((site / "latest" / name).resolve().as_uri())
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def test_phone_header_is_compact_and_menu_opens(site: Path, phone) -> None:
    phone.goto((site / "latest" / "tek-07.html").as_uri())
    header = phone.locator(".site-header").bounding_box()
    assert header["height"] < 150  # the title, not the navigation, starts the screen
    nav = phone.locator(".sidebar a", has_text="RACI")
    assert not nav.is_visible()
    phone.locator(".site-menu summary").click()
    assert nav.is_visible()
    phone.set_viewport_size({"width": 1200, "height": 900})
    phone.reload()
    assert phone.locator(".sidebar a", has_text="RACI").is_visible()
    assert not phone.locator(".site-menu summary").is_visible()


def test_menus_work_without_javascript(site: Path, chromium) -> None:
    context = chromium.new_context(viewport={"width": 390, "height": 844},
                                   java_script_enabled=False)
    page = context.new_page()
    page.goto((site / "latest" / "tek-07.html").as_uri())
    page.locator(".site-menu summary").click()
    with page.expect_navigation():
        page.locator(".sidebar a", has_text="RACI").click()
    assert page.url.endswith("/latest/raci.html")
    page.locator(".version-menu summary").click()
    with page.expect_navigation():
        page.locator(".version-menu a", has_text="1.0.0").click()
    assert page.url.endswith("/1.0.0/raci.html")
    context.close()


def test_long_procedure_lists_its_sections_at_the_top(site: Path, phone) -> None:
    phone.goto((site / "latest" / "tek-07.html").as_uri())
    contents = phone.locator("nav.on-page a")
    assert contents.count() >= 5
    contents.filter(has_text="Langkah").click()
    assert phone.url.endswith("#tek-07-steps")
    assert phone.locator("#tek-07-steps h2").inner_text() == "Langkah"


def test_skip_link_says_where_it_goes_and_goes_there(site: Path, single_page: Path,
                                                     page) -> None:
    for path in (site / "latest" / "tek-07.html", single_page):
        page.goto(path.as_uri())
        page.keyboard.press("Tab")
        skip = page.locator("a.skip")
        assert skip.evaluate("link => link === document.activeElement")
        assert skip.inner_text() == "Langsung ke isi"
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "main"


def test_search_page_has_one_named_search_landmark(site: Path, page) -> None:
    page.goto((site / "latest" / "search.html").as_uri())
    landmarks = page.get_by_role("search")
    assert landmarks.count() == 1
    assert landmarks.first.get_attribute("aria-labelledby") == "search-title"


def test_search_counts_results_and_can_show_them_all(site: Path, page) -> None:
    page.goto((site / "latest" / "search.html").as_uri() + "?q=a")
    results = page.locator("#search-page-results li")
    results.first.wait_for()
    total = page.evaluate("window.SOPGEN_SEARCH.filter(e => "
                          "(e.id + ' ' + e.title + ' ' + e.text).toLowerCase()"
                          ".includes('a')).length")
    assert total > 20 and results.count() == 20
    assert f"{total} hasil; 20 yang pertama" in page.inner_text(".result-count")
    page.get_by_role("button", name=f"Tampilkan semua {total} hasil").click()
    assert results.count() == total
    assert page.inner_text(".result-count") == f"{total} hasil"


def test_a_result_has_its_own_name_and_an_excerpt(site: Path, page) -> None:
    page.goto((site / "latest" / "search.html").as_uri() + "?q=retensi")
    result = page.locator("#search-page-results li", has_text="TEK-07").first
    result.wait_for()
    link = result.get_by_role("link")
    assert link.inner_text() == "TEK-07 Penyimpanan cadangan di luar lokasi dan retensi"
    assert result.locator(".result-where").inner_text() == "Pengelolaan Teknis"
    assert "retensi" in result.locator(".result-excerpt mark").first.inner_text().lower()


def test_search_finds_roles_and_revisions(site: Path, page) -> None:
    page.goto((site / "latest" / "search.html").as_uri() + "?q=Mentor+TIK")
    results = page.locator("#search-page-results li")
    results.first.wait_for()
    where = results.locator(".result-where").all_inner_texts()
    assert "Peran" in where and "Riwayat revisi" in where
    with page.expect_navigation():
        results.filter(has_text="Riwayat revisi").first.get_by_role("link").click()
    assert page.url.endswith("/latest/revisions.html#revision-1-0-0")


def test_versions_index_is_styled_and_lists_each_pdf(site: Path, page) -> None:
    page.goto((site / "index.html").as_uri())
    assert page.locator("link[rel=stylesheet]").evaluate("link => link.sheet !== null")
    assert page.locator("h1").evaluate("h => getComputedStyle(h).fontFamily").startswith(
        '"Noto Sans"')
    pdfs = page.locator("table.versions a[href$='.pdf']")
    assert pdfs.count() == len(released_versions(site.parent.parent / "releases"))


def test_pages_link_their_pdf_and_have_prev_next(site: Path) -> None:
    parsed = Page((site / "latest" / "tek-05.html").read_text(encoding="utf-8"))
    hrefs = [href for href, _ in parsed.links]
    assert f"SOP-SK-WEB-{latest(site)}.pdf" in hrefs
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
