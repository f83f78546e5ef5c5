"""From handbook to practice: RACI matrix, role handbooks, checklists and log sheets,
maintenance calendar and acknowledgements — each checked against the content it came from.

The sample SOP is built once per artefact kind that needs its size (checklists, calendar,
acknowledgements, the editor's handbook); everything else uses the small fixture project.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import re
import shutil
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest
from icalendar import Calendar
from pypdf import PdfReader
from typer.testing import CliRunner

from sopgen.cli import app
from sopgen.commands.build import build_project, build_release
from sopgen.commands.release import freeze
from sopgen.core.catalogue import catalogue
from sopgen.core.model import PILLARS, RECURRING, Handbook, Procedure, flatten
from sopgen.core.model import review_due as next_review
from sopgen.core.schedule import rules
from sopgen.outputs import ARTEFACTS
from sopgen.outputs.calendar import add_months, fold
from sopgen.outputs.sheets import SHEET_ROWS, log_sheet
from sopgen.outputs.table import BuildOptions
from sopgen.reading.handbook import read_handbook
from tests.conftest import ROOT
from tests.htmlread import Page
from tests.pdfread import Pdf
from tests.printcheck import code_and_links_whole, names_in, qpdf_check

runner = CliRunner()
PROCEDURE_ID = re.compile(r"\b(?:MAN|TEK|KON)-\d+\b")
EXPECTED_RRULE = {"daily": ("DAILY", 1), "weekly": ("WEEKLY", 1), "monthly": ("MONTHLY", 1),
                  "quarterly": ("MONTHLY", 3), "yearly": ("YEARLY", 1)}


# ------------------------------------------------------------------ what the content says

def in_order(handbook: Handbook) -> list[Procedure]:
    return [p for pillar in PILLARS for p in handbook.procedures_in(pillar)]


def letters(p: Procedure, role: str) -> set[str]:
    """The RACI letters of ``role`` in ``p``, worked out here independently of sopgen."""
    return {letter for letter, yes in (("R", role in p.responsible),
                                       ("A", p.accountable == role),
                                       ("C", role in p.consulted),
                                       ("I", role in p.informed)) if yes}


def does_or_approves(handbook: Handbook, role: str) -> list[str]:
    """What a role's booklet holds: what it does or approves, and what is for everyone
    (these handbooks' roles are all the organisation's own: none a vendor or system)."""
    return [p.id for p in in_order(handbook)
            if role in p.responsible or p.accountable == role
            or role in {s.role for _, s in flatten(p.steps)} or p.applies_to == "everyone"]


@dataclass
class Built:
    folder: Path
    handbook: Handbook

    def file(self, suffix: str) -> Path:
        found = [path for path in self.folder.iterdir() if path.name.endswith(suffix)]
        assert len(found) == 1, (suffix, sorted(p.name for p in self.folder.iterdir()))
        return found[0]


def copy_sample(tmp: Path) -> Path:
    shutil.copytree(ROOT / "content", tmp / "content")
    return tmp


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The sample SOP with every artefact (sheets with form fields) and its HTML handbook."""
    project = copy_sample(tmp_path_factory.mktemp("sample"))
    options = BuildOptions(formats=["html"], artefacts=ARTEFACTS,
                           site_url="https://sop.example.org", fillable=True)
    result = build_project(project, options, output=project / "out")
    return Built(result.folder, read_handbook(project).handbook)


@pytest.fixture(scope="module")
def editor(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The sample's handbook for the role 'editor', as HTML and PDF."""
    project = copy_sample(tmp_path_factory.mktemp("editor"))
    result = build_project(project, BuildOptions(formats=["html", "pdf"], role="editor"),
                           output=project / "out")
    return Built(result.folder, read_handbook(project).handbook)


@pytest.fixture(scope="module")
def mini_all(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The small fixture project built with --all through the command line."""
    project = tmp_path_factory.mktemp("mini-all") / "mini"
    shutil.copytree(ROOT / "tests" / "fixtures" / "mini", project,
                    ignore=shutil.ignore_patterns("expected*"))
    result = runner.invoke(app, ["build", str(project), "--all", "-o", str(project / "out")])
    assert result.exit_code == 0, result.output
    return Built(project / "out" / "1.2.0-draft", read_handbook(project).handbook)


class Tables(HTMLParser):
    """The cell texts of every <table class=NAME>, row by row."""

    def __init__(self, html: str, name: str) -> None:
        super().__init__()
        self.name, self.rows, self._depth, self._cell = name, [], 0, None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table" and dict(attrs).get("class") == self.name:
            self._depth = 1
        elif self._depth and tag == "tr":
            self.rows.append([])
        elif self._depth and tag in ("td", "th"):
            self._cell = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._depth = 0
        elif self._depth and tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append(" ".join(self._cell.split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell += data


# ------------------------------------------------------------------ RACI matrix

def test_raci_csv_cells_match_procedure_roles(sample: Built) -> None:
    data = sample.file("-raci.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data  # BOM for Excel, CSV lines
    header, *rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    doc = sample.handbook.document
    assert sample.file("-raci.csv").name == f"{doc.id}-{doc.version}-draft-raci.csv"
    roles = sample.handbook.roles
    assert header == ["Prosedur", "Judul", *(role.title for role in roles)]
    assert [row[0] for row in rows] == [p.id for p in in_order(sample.handbook)]
    for row in rows:
        procedure = sample.handbook.procedure(row[0])
        for role, value in zip(roles, row[2:], strict=True):
            assert set(filter(None, value.split("/"))) == letters(procedure, role.id), \
                (procedure.id, role.id)


def test_raci_csv_reads_with_pandas_defaults(sample: Built) -> None:
    """What a dataframe or spreadsheet user gets: one row per procedure, a column per role."""
    import pandas

    frame = pandas.read_csv(sample.file("-raci.csv"))
    roles = [role.title for role in sample.handbook.roles]
    assert list(frame.columns) == ["Prosedur", "Judul", *roles]
    assert list(frame["Prosedur"]) == [p.id for p in in_order(sample.handbook)]
    procedure = in_order(sample.handbook)[0]
    first = frame.iloc[0].fillna("")
    assert {role.title: set(filter(None, str(first[role.title]).split("/")))
            for role in sample.handbook.roles} == {
        role.title: letters(procedure, role.id) for role in sample.handbook.roles}


def test_raci_section_in_the_html_handbook_matches_too(sample: Built) -> None:
    html = sample.file(".html").read_text()
    assert 'id="raci"' in html and '<a href="#raci">Matriks RACI</a>' in html
    header, *rows = Tables(html, "raci").rows
    roles = sample.handbook.roles
    assert header == ["Prosedur", *(role.title for role in roles)]
    for row in rows:
        procedure = sample.handbook.procedure(row[0].split()[0])
        cells = [set(filter(None, value.split("/"))) for value in row[1:]]
        assert cells == [letters(procedure, role.id) for role in roles]


def test_raci_section_in_markdown_and_pdf(mini_built: Path) -> None:
    markdown = next(mini_built.glob("*.md")).read_text()
    assert "| [MAN-01](#man-01) Review this SOP | R/A | I |" in markdown
    assert "| [KON-01](#kon-01) Publish a post |  | R |" in markdown
    pdf = Pdf.open(next(mini_built.glob("*.pdf")))
    page = next(page for level, title, page in pdf.outline() if title == "RACI matrix")
    text = pdf.reader.pages[page - 1].extract_text()
    assert "R = Responsible" in text and "Review this SOP R/A I" in text


def test_raci_csv_cannot_run_formulas(mini: Path, tmp_path: Path) -> None:
    text = (mini / "content" / "document.yaml").read_text()
    text = text.replace("title: Administrator", "title: '=HYPERLINK(\"https://x.test\")'")
    (mini / "content" / "document.yaml").write_text(text)
    procedures = (mini / "content" / "procedures.yaml").read_text()
    (mini / "content" / "procedures.yaml").write_text(
        procedures.replace("title: Publish a post", "title: '@SUM(1+1)'")
        .replace("title: Back up the database", "title: '-2+3'"))
    result = build_project(mini, BuildOptions(formats=[], artefacts=("raci",)), output=tmp_path)
    rows = list(csv.reader(io.StringIO(
        next(result.folder.glob("*-raci.csv")).read_text(encoding="utf-8-sig"))))
    assert "'=HYPERLINK(\"https://x.test\")" in rows[0]
    titles = {row[0]: row[1] for row in rows[1:]}
    assert titles == {"MAN-01": "Review this SOP", "TEK-01": "'-2+3", "KON-01": "'@SUM(1+1)"}


# ------------------------------------------------------------------ role handbooks

def test_role_handbook_holds_exactly_the_roles_procedures(editor: Built) -> None:
    expected = does_or_approves(editor.handbook, "editor")
    assert expected and len(expected) < len(editor.handbook.procedures)
    pdf = Pdf.open(editor.file("-editor.pdf"))
    in_pdf = [title.split()[0] for level, title, _ in pdf.outline() if level == 2]
    assert in_pdf == expected
    page = Page(editor.file("-editor.html").read_text())
    assert [i.upper() for i in page.ids if PROCEDURE_ID.fullmatch(i.upper())] == expected


def test_role_handbook_names_the_role_and_keeps_its_links_whole(editor: Built) -> None:
    html = editor.file("-editor.html").read_text()
    page = Page(html)
    assert "untuk Editor" in page.text and "hanya memuat prosedur" in page.text
    assert "role-editor" in page.ids and "glossary" in page.ids
    for href, _ in page.links:
        if href.startswith("#"):
            assert href[1:] in page.ids, href
    second_page = PdfReader(str(editor.file("-editor.pdf"))).pages[1].extract_text()
    assert "Editor" in second_page and "SOP-SK-WEB" in second_page


def test_role_build_through_the_cli_names_every_file_after_the_role(mini: Path,
                                                                    tmp_path: Path) -> None:
    result = runner.invoke(app, ["build", str(mini), "--role", "admin", "-f", "md",
                                 "-a", "raci,calendar", "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in (tmp_path / "1.2.0-draft").iterdir())
    assert names == ["SOP-MINI-1.2.0-draft-admin-raci.csv", "SOP-MINI-1.2.0-draft-admin.ics",
                     "SOP-MINI-1.2.0-draft-admin.md"]
    markdown = (tmp_path / "1.2.0-draft" / "SOP-MINI-1.2.0-draft-admin.md").read_text()
    assert "### TEK-01" in markdown and "### KON-01" in markdown and "### MAN-01" not in markdown
    assert "(#man-01)" not in markdown  # no link to a procedure left out


@pytest.mark.parametrize(("language", "expected"), [
    ("en", "--role: error: there is no role 'admn' (did you mean 'admin'?) — choose one of: "
           "coordinator, admin"),
    ("id", "--role: galat: tidak ada peran 'admn' (maksudnya 'admin'?) — pilih salah satu: "
           "coordinator, admin"),
])
def test_unknown_role_is_a_command_line_error_listing_the_roles(mini: Path, language: str,
                                                                expected: str) -> None:
    document = mini / "content" / "document.yaml"
    document.write_text(document.read_text().replace("language: en", f"language: {language}"))
    result = runner.invoke(app, ["build", str(mini), "--role", "admn", "-f", "md"])
    assert result.exit_code == 2
    assert expected in result.output and "Traceback" not in result.output
    assert not (mini / "output").exists()


# ------------------------------------------------------------------ maintenance calendar

def parsed(path: Path) -> Calendar:
    return Calendar.from_ical(path.read_bytes())


def test_calendar_has_one_recurring_event_per_periodic_procedure(sample: Built) -> None:
    events = parsed(sample.file(".ics")).walk("VEVENT")
    doc = sample.handbook.document
    recurring = {p.id: p for p in sample.handbook.procedures if p.frequency in RECURRING}
    by_uid = {str(e["UID"]): e for e in events if "RRULE" in e}
    assert set(by_uid) == {f"{pid}{'' if n == 1 else f'-{n}'}.{doc.id}@sopgen"
                           for pid, p in recurring.items()
                           for n in range(1, len(p.schedules or [None]) + 1)}
    for pid, procedure in recurring.items():
        event = by_uid[f"{pid}.{doc.id}@sopgen"]  # the first schedule keeps the plain UID
        rule = event["RRULE"]
        first = rules(procedure, doc)[0]
        freq, interval = EXPECTED_RRULE[first.frequency]
        assert rule["FREQ"] == [freq] and rule.get("INTERVAL", [1]) == [interval], pid
        start = event["DTSTART"].dt
        assert (start.date() if isinstance(start, dt.datetime) else start) == first.first
        assert first.first >= doc.effective_date
        assert str(event["SUMMARY"]).startswith(f"{pid} {procedure.title}")
        responsible = ", ".join(sample.handbook.role(r).title for r in procedure.responsible)
        assert f"Pelaksana: {responsible}" in str(event["DESCRIPTION"])
        assert f"{doc.id}, versi {doc.version}" in str(event["DESCRIPTION"])
        assert str(event["URL"]) == f"https://sop.example.org/latest/{pid.lower()}.html"
        assert event["DTSTAMP"].dt == dt.datetime.combine(doc.effective_date, dt.time(),
                                                          dt.UTC)


def test_calendar_has_the_next_review_as_a_one_off_event(sample: Built) -> None:
    calendar = parsed(sample.file(".ics"))
    doc = sample.handbook.document
    review = next(e for e in calendar.walk("VEVENT")
                  if str(e["UID"]) == f"next-review.{doc.id}@sopgen")
    assert "RRULE" not in review and review["DTSTART"].dt == next_review(doc)
    assert "Tinjauan SOP" in str(review["SUMMARY"])
    assert doc.id in str(calendar["X-WR-CALNAME"]) and doc.version in str(calendar["X-WR-CALNAME"])


def test_procedure_reviews_due_well_before_the_sop_review_are_events(mini: Path,
                                                                      tmp_path: Path) -> None:
    procedures = mini / "content" / "procedures.yaml"
    procedures.write_text(procedures.read_text()
                          .replace("    frequency: yearly\n",
                                   "    frequency: yearly\n    last_reviewed: 2024-02-20\n")
                          .replace("    frequency: weekly\n",
                                   "    frequency: weekly\n    last_reviewed: 2023-06-10\n"))
    result = build_project(mini, BuildOptions(formats=[], artefacts=("calendar",)),
                           output=tmp_path)
    one_off = {str(e["UID"]): e["DTSTART"].dt
               for e in parsed(next(result.folder.glob("*.ics"))).walk("VEVENT")
               if "RRULE" not in e}
    # TEK-01 was due on 10 June 2024; MAN-01 on 20 February 2025, days before the SOP's
    # own review on 1 March 2025, which covers it.
    assert one_off == {"next-review.SOP-MINI@sopgen": dt.date(2025, 3, 1),
                       "review-TEK-01.SOP-MINI@sopgen": dt.date(2024, 6, 10)}


def test_calendar_is_valid_rfc5545_text(sample: Built) -> None:
    data = sample.file(".ics").read_bytes()
    assert data.endswith(b"END:VCALENDAR\r\n") and b"\n" not in data.replace(b"\r\n", b"")
    assert all(len(line) <= 75 for line in data.split(b"\r\n"))
    data.decode("utf-8")  # folding never splits a character


def test_calendar_text_escaping_and_folding_round_trip(mini: Path, tmp_path: Path) -> None:
    tricky = "Back up; the, database \\ now — ÄÖÜ ✓" + " panjang" * 12
    procedures = (mini / "content" / "procedures.yaml").read_text()
    (mini / "content" / "procedures.yaml").write_text(
        procedures.replace("title: Back up the database", f"title: '{tricky}'"))
    result = build_project(mini, BuildOptions(formats=[], artefacts=("calendar",)),
                           output=tmp_path)
    event = next(e for e in parsed(next(result.folder.glob("*.ics"))).walk("VEVENT")
                 if str(e["UID"]).startswith("TEK-01."))
    assert str(event["SUMMARY"]) == f"TEK-01 {tricky} (DRAFT)"
    assert "URL" not in event  # no --site-url, no relative URL


def test_fold_counts_octets_not_characters() -> None:
    folded = fold("DESCRIPTION:" + "é" * 80)
    lines = folded.split(b"\r\n")[:-1]
    assert all(len(line) <= 75 for line in lines) and len(lines) == 3
    assert b"".join(line[1:] if i else line for i, line in enumerate(lines)).decode() == \
        "DESCRIPTION:" + "é" * 80


def test_add_months_stays_inside_the_month() -> None:
    assert add_months(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)


# ------------------------------------------------------------------ checklists and log sheets

def test_a_log_sheet_per_recurring_procedure_one_page_each(sample: Built) -> None:
    recurring = [p for p in in_order(sample.handbook) if p.frequency in RECURRING]
    # then a run sheet per event procedure (TEK-16, TEK-17, KON-09 …), one page each too
    events = [p for p in in_order(sample.handbook) if p.frequency == "event"]
    pdf = Pdf.open(sample.file("-checklists-fillable.pdf"))
    pages = pdf.pages  # text extraction is slow: once
    assert len(pages) == len(recurring) + len(events)
    outline = pdf.outline()
    assert [title.split()[0] for _, title, _ in outline] == [p.id for p in recurring + events]
    for (_, _, page), procedure in zip(outline, recurring + events, strict=True):
        text = pages[page - 1]
        assert procedure.id in text and procedure.title.split()[0] in text
        assert "KONSEP" in text and sample.handbook.document.version in text
        assert ("Lembar pelaksanaan" in text) == (procedure.frequency == "event")
        first_word = re.search(r"[^\W\d_]{4,}", procedure.checklist[0]).group()
        assert first_word in text, (procedure.id, first_word)


def test_log_rows_are_sized_by_frequency(sample: Built) -> None:
    """Without schedules, a sheet has a row per period of its frequency; with them, see
    test_log_rows_are_the_days_the_schedules_say."""
    words, doc = catalogue("id"), sample.handbook.document
    sizes = {p.frequency: len(log_sheet(dataclasses.replace(p, schedules=[]), words, doc).rows)
             for p in sample.handbook.procedures if p.frequency in RECURRING}
    assert sizes == {"daily": 31, "weekly": 13, "monthly": 12, "quarterly": 4, "yearly": 5}
    assert {key: rows for key, (rows, _) in SHEET_ROWS.items()} == sizes
    pdf = Pdf.open(sample.file("-checklists-fillable.pdf"))
    page = next(page for _, title, page in pdf.outline() if title.startswith("TEK-12"))
    text = pdf.reader.pages[page - 1].extract_text()
    assert "Januari" in text and "Desember" in text  # monthly: a row per month


def test_fillable_sheets_have_form_fields(mini: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["build", str(mini), "-f", "md", "--fillable",
                                 "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    reader = PdfReader(str(tmp_path / "1.2.0-draft"
                           / "SOP-MINI-1.2.0-draft-checklists-fillable.pdf"))
    fields = reader.get_fields() or {}
    assert len(reader.pages) == 3  # MAN-01 yearly, TEK-01 weekly; KON-01's run sheet
    assert fields["KON-01-step-2-time"]["/FT"] == "/Tx"
    assert fields["KON-01-incident-notes"]["/FT"] == "/Tx"
    assert fields["TEK-01-step-2-1"]["/FT"] == "/Btn"
    assert fields["TEK-01-log-13-notes"]["/FT"] == "/Tx"
    assert "TEK-01-log-14-notes" not in fields  # weekly: a quarter, 13 rows
    assert "MAN-01-log-5-date" in fields and "MAN-01-log-6-date" not in fields


def test_every_form_field_can_be_clicked_and_typed_into(sample: Built) -> None:
    """pikepdf: each widget of the fillable sheets has a real area on its page, and each
    log cell is a text field a viewer lets one type into (not read-only)."""
    import pikepdf

    text_fields = 0
    with pikepdf.open(sample.file("-checklists-fillable.pdf")) as pdf:
        for page in pdf.pages:
            for widget in page.get("/Annots", []):
                if widget.get("/Subtype") != "/Widget":
                    continue
                x1, y1, x2, y2 = (float(value) for value in widget.Rect)
                name = str(widget.get("/T"))
                assert abs(x2 - x1) >= 5 and abs(y2 - y1) >= 5, (name, x1, y1, x2, y2)
                if widget.get("/FT") == "/Tx":
                    text_fields += 1
                    assert not int(widget.get("/Ff", 0)) & 1, name  # ReadOnly
    recurring = [p for p in sample.handbook.procedures if p.frequency in RECURRING]
    doc = sample.handbook.document
    rows = sum(len(log_sheet(p, catalogue("id"), doc).rows) for p in recurring)
    events = [p for p in sample.handbook.procedures if p.frequency == "event"]
    run_fields = sum(4 + 1 + 2 * len(flatten(p.steps)) for p in events)  # date, started,
    # finished, led by; incident notes; a time and initials per step
    assert text_fields == 4 * rows + len(recurring) + run_fields  # date, by, result, notes;
    # the period


def test_sheets_are_numbered_and_hide_no_text(sample: Built) -> None:
    """Every sheet says which of how many it is; the strings for its margins are not
    also drawn (invisibly) into the text layer."""
    for suffix in ("-checklists-fillable.pdf", "-acknowledgements.pdf"):
        pages = Pdf.open(sample.file(suffix)).pages
        for number, text in enumerate(pages, start=1):
            assert f"Lembar {number} dari {len(pages)}" in text, (suffix, number)
            assert text.count("Salinan cetak adalah salinan tidak terkendali") == 1
            assert text.count("Suara Kita · SOP-SK-WEB · Versi") == 1, (suffix, number)


def test_sheets_never_hyphenate_code_links_or_names(sample: Built) -> None:
    names = names_in(ROOT / "content")
    for suffix in ("-checklists-fillable.pdf", "-acknowledgements.pdf"):
        code_and_links_whole(sample.file(suffix), names)
        qpdf_check(sample.file(suffix))


# ------------------------------------------------------------------ acknowledgements

def test_acknowledgement_page_per_role_lists_its_procedures(sample: Built) -> None:
    pdf = Pdf.open(sample.file("-acknowledgements.pdf"))
    roles = sample.handbook.roles
    assert len(pdf.pages) == len(roles)
    version = sample.handbook.document.version
    for role, text in zip(roles, pdf.pages, strict=True):
        flat = " ".join(text.split())
        assert role.title in flat
        assert f"Saya telah membaca dan memahami versi {version}" in flat
        assert "Nama" in flat and "Tanda tangan" in flat and "Tanggal" in flat
        assert sorted(set(PROCEDURE_ID.findall(text))) == \
            sorted(does_or_approves(sample.handbook, role.id)), role.id


def test_acknowledgement_in_english(mini_all: Built) -> None:
    pdf = Pdf.open(mini_all.file("-acknowledgements.pdf"))
    first = " ".join(pdf.pages[0].split())
    assert "I have read and understood version 1.2.0 of Mini Website SOP (SOP-MINI)." in first
    assert "MAN-01" in first and "TEK-01" in first and "KON-01" not in first


# ------------------------------------------------------------------ options and naming

def test_all_builds_every_format_and_artefact(mini_all: Built) -> None:
    names = sorted(p.name for p in mini_all.folder.iterdir())
    assert names == sorted(f"SOP-MINI-1.2.0-draft{suffix}" for suffix in (
        ".md", ".html", ".pdf", ".docx", "-raci.csv", ".ics", "-checklists.pdf",
        "-acknowledgements.pdf"))


def test_artefacts_option_takes_commas_and_repeats(mini: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["build", str(mini), "-f", "md", "--artefacts", "raci,calendar",
                                 "-a", "raci", "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "1.2.0-draft").iterdir()) == [
        "SOP-MINI-1.2.0-draft-raci.csv", "SOP-MINI-1.2.0-draft.ics", "SOP-MINI-1.2.0-draft.md"]


@pytest.mark.parametrize("arguments", [["-a", "raci,minutes"], ["-a", "calendar",
                                                                 "--site-url", "javascript:x"]])
def test_bad_option_values_exit_2(mini: Path, arguments: list[str]) -> None:
    result = runner.invoke(app, ["build", str(mini), "-f", "md", *arguments])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output


def test_released_artefacts_carry_no_draft_marking_and_rebuild_identically(
        mini: Path, tmp_path: Path) -> None:
    freeze(read_handbook(mini))  # released, without building the handbook
    options = BuildOptions(formats=[], artefacts=("raci", "calendar", "checklists"))
    first = build_release(mini, "1.2.0", options, output=tmp_path / "a")
    second = build_release(mini, "1.2.0", options, output=tmp_path / "b")
    names = sorted(path.name for path in first.written)
    assert names == ["SOP-MINI-1.2.0-checklists.pdf", "SOP-MINI-1.2.0-raci.csv",
                     "SOP-MINI-1.2.0.ics"]
    for name in names:
        assert (first.folder / name).read_bytes() == (second.folder / name).read_bytes(), name
    assert b"DRAFT" not in (first.folder / "SOP-MINI-1.2.0.ics").read_bytes()
    assert "DRAFT" not in "".join(Pdf.open(first.folder / names[0]).pages)


# ------------------------------------------------------------------ accessible, archival PDFs

def test_sample_sheets_role_edition_and_every_mini_pdf_pass_the_pdf_checks(
        sample: Built, editor: Built, mini_all: Built) -> None:
    from tests.test_accessibility import assert_accessible_and_archival

    pdfs = [sample.file("-checklists-fillable.pdf"), sample.file("-acknowledgements.pdf"),
            editor.file(".pdf"), *sorted(mini_all.folder.glob("*.pdf"))]
    assert len(pdfs) >= 6
    for path in pdfs:
        assert_accessible_and_archival(path)
