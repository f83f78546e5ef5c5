"""The sample SOP in content/: complete, resolvable, and labelled in its own language."""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.dates import get_month_names

from sopgen.commands.build import build_project
from sopgen.core.catalogue import catalogue
from sopgen.core.model import PILLARS, RECURRING, flatten
from sopgen.reading.handbook import read_handbook
from tests.conftest import ROOT
from tests.pdfread import Pdf
from tests.printcheck import code_and_links_whole, names_in, qpdf_check

SAMPLE = read_handbook(ROOT).handbook


@pytest.mark.parametrize("procedure", SAMPLE.procedures, ids=lambda p: p.id)
def test_every_procedure_has_the_required_parts(procedure) -> None:
    assert procedure.purpose.strip() and procedure.scope.strip()
    assert procedure.responsible and procedure.accountable
    assert len(procedure.steps) >= 4
    assert all(len(step.text.split()) >= 3 for _, step in flatten(procedure.steps))
    assert procedure.records and procedure.references and procedure.checklist
    assert procedure.frequency in (*RECURRING, "event")
    if procedure.frequency == "event":
        assert procedure.trigger.strip()
    assert all(ref.url.startswith("https://") for ref in procedure.references)


def test_every_role_and_cross_reference_resolves() -> None:
    roles = {role.id for role in SAMPLE.roles}
    ids = {p.id for p in SAMPLE.procedures}
    for p in SAMPLE.procedures:
        assert {*p.responsible, p.accountable, *p.consulted, *p.informed} <= roles
        assert {s.role for _, s in flatten(p.steps) if s.role} <= roles
        assert set(p.related) <= ids
        text = " ".join([p.purpose, p.scope, p.out_of_scope,
                         *(s.text for _, s in flatten(p.steps))])
        assert set(re.findall(r"\b(?:MAN|TEK|KON)-\d+\b", text)) <= ids


def test_pillars_topics_and_glossary_are_covered() -> None:
    counts = {pillar: len(SAMPLE.procedures_in(pillar)) for pillar in PILLARS}
    assert counts == {"management": 14, "technical": 20, "content": 16}
    assert len(SAMPLE.glossary) >= 30
    versions = [r.version for r in SAMPLE.revisions]
    assert versions[:2] == ["1.0.0", "2.0.0"] and versions[-1] == SAMPLE.document.version
    titles = " ".join(p.title.lower() for p in SAMPLE.procedures)
    for topic in ("cadangan", "dua faktor", "ddos", "diretas", "doxing", "pribadi",
                  "moderasi", "hak jawab", "penyedia", "buletin"):
        assert topic in titles, topic


# ------------------------------------------------------------------ labels by language

class Labels(HTMLParser):
    """Texts the theme prints itself: row/column headers, section headings, captions."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._open: str | None = None
        self._buffer = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if (tag == "th" and dict(attrs).get("scope")) or tag in ("h4", "caption"):
            self._open, self._buffer = tag, ""

    def handle_endtag(self, tag: str) -> None:
        if tag == self._open:
            self.found.append(" ".join(self._buffer.split()))
            self._open = None

    def handle_data(self, data: str) -> None:
        if self._open:
            self._buffer += data


def build_in(language: str, tmp: Path) -> Path:
    project = tmp / language
    shutil.copytree(ROOT / "content", project / "content")
    document = project / "content" / "dokumen.yaml"
    document.write_text(document.read_text().replace("  language: id\n",
                                                     f"  language: {language}\n"))
    return build_project(project, output=tmp / f"out-{language}").folder


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("languages")
    return {language: build_in(language, tmp) for language in ("en", "id")}


@pytest.mark.parametrize(("language", "other"), [("en", "id"), ("id", "en")])
def test_template_words_come_from_the_document_language(built, language: str,
                                                        other: str) -> None:
    ours, theirs = catalogue(language), catalogue(other)
    own_words = set(ours.labels.values()) | set(ours.choices.values())
    foreign = (set(theirs.labels.values()) | set(theirs.choices.values())) - own_words
    parser = Labels()
    parser.feed(next(built[language].glob("*.html")).read_text())
    assert len(parser.found) > 300
    assert [text for text in parser.found if text in foreign] == []
    assert [text for text in parser.found if text not in own_words] == []
    markdown = next(built[language].glob("*.md")).read_text()
    headings = re.findall(r"^#### (.+)$", markdown, flags=re.MULTILINE)
    assert headings and set(headings) <= own_words
    effective = SAMPLE.document.effective_date  # written as people write dates there
    month = get_month_names("wide", locale=ours.meta["babel_locale"])[effective.month]
    assert f"{effective.day} {month} {effective.year}" in markdown
    pdf = Pdf.open(next(built[language].glob("*.pdf")))
    page = ours.labels["page_of"].format(page=3, pages=len(pdf.pages))
    assert page in pdf.pages[2]
    assert theirs.labels["page_of"].split("{")[0] not in pdf.pages[2]


# ------------------------------------------------------------------ as each client reads it

@pytest.mark.parametrize("language", ["en", "id"])
def test_pdf_never_hyphenates_code_links_or_names(built, language: str) -> None:
    """pdftotext, the way a reader copies or searches: no URL, e-mail address, code or
    product name of the content has a hyphen it does not have (e.g. "wordp-ress.org")."""
    names = names_in(ROOT / "content")
    assert {"https://www.suarakita.org", "wp-config.php", "DB_PASSWORD", "UpdraftPlus",
            "WordPress"} <= names
    code_and_links_whole(next(built[language].glob("*.pdf")), names)


def test_pdf_passes_qpdf_check(built) -> None:
    for folder in built.values():
        for pdf in folder.glob("*.pdf"):
            qpdf_check(pdf)


@pytest.mark.parametrize("language", ["en", "id"])
def test_markdown_renders_on_github_as_the_html_does(built, language: str) -> None:
    from tests.githubmd import assert_renders_like_html, github_html

    folder = built[language]
    markdown = next(folder.glob("*.md")).read_text()
    assert_renders_like_html(markdown, next(folder.glob("*.html")).read_text())
    code = re.findall(r"<pre\b.*?</pre>", github_html(markdown), re.DOTALL)
    htaccess = next(block for block in code if "FilesMatch" in block)  # TEK-10's note
    assert r"\.(php|phtml|php[0-9])$" in htaccess and "&lt;/FilesMatch&gt;" in htaccess


@pytest.mark.parametrize("language", ["en", "id"])
def test_pdf_pages_keep_steps_with_their_notes_and_nothing_stands_alone(built,
                                                                        language: str) -> None:
    """No page starts with a note or warning torn from its step, none holds only the
    "Related" line of a procedure, and cross-references never nest brackets."""
    words = catalogue(language)
    note, warning, related = (words.label(key) for key in ("note", "warning", "related"))
    page_label = words.label("page_short")
    pdf = Pdf.open(next(built[language].glob("*.pdf")))
    for number, text in enumerate(pdf.pages, start=1):
        body = text.split("\n")[1:-1]  # without the running head and foot
        torn = (f"{note.upper()}:", f"⚠ {warning.upper()}:")
        assert not body or not body[0].startswith(torn), number
        assert not (body and body[0].startswith(f"{related}:") and len(body) <= 3), number
        nested = rf"\({re.escape(page_label)} \d+\)\)"  # "(see TEK-05 (p. 12))"
        assert not re.search(nested, text), (number, re.search(nested, text))


def test_sample_handbook_pdf_is_accessible_and_archival_in_both_languages(built) -> None:
    from tests.test_accessibility import assert_accessible_and_archival

    for language in ("en", "id"):
        assert_accessible_and_archival(next(built[language].glob("*.pdf")))


def test_sample_handbook_fonts_merge_without_losing_a_glyph(built, tmp_path: Path) -> None:
    """The sample laid out in parallel parts, joined without merging fonts (its parts come
    from the cache of the build above), then merged: same pixels and text, fonts once."""
    from tests.test_accessibility import (
        assert_merge_lost_nothing,
        font_programs,
        merged,
        unmerged_handbook,
    )

    tmp = built["en"].parent.parent
    output = tmp_path / "out"
    shutil.copytree(tmp / "out-en" / ".cache" / "pdf", output / ".cache" / "pdf")
    before = unmerged_handbook(tmp / "en", "parallel", output)
    assert max(font_programs(before).values()) > 1
    assert_merge_lost_nothing(before, merged(before, tmp_path / "after.pdf"), tmp_path, 30,
                              last=40)


def test_sample_handbook_pdf_reads_every_page_reference_inline(built) -> None:
    from tests.test_accessibility import assert_page_references_inline

    for language in ("en", "id"):
        assert_page_references_inline(next(built[language].glob("*.pdf")))
