"""Reviewer checks on the consistency of the text: each rule has a case it raises and a
case it lets pass, in English and in Bahasa Indonesia."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from sopgen.commands.check import check_project
from sopgen.core.catalogue import format_problems
from tests.conftest import write

TODAY = dt.date(2024, 6, 1)  # the mini fixture takes effect on 2024-03-01


def procedure(body: str, *, ident: str = "TEK-09", consulted: str = "[]",
              informed: str = "[]", last_reviewed: str = "2024-02-01",
              records: str = "[]") -> str:
    return f"""\
procedure:
  id: {ident}
  title: A procedure under review
  pillar: technical
  purpose: Shows one reviewer check.
  responsible: [admin]
  accountable: coordinator
  consulted: {consulted}
  informed: {informed}
  frequency: monthly
  last_reviewed: {last_reviewed}
  records: {records}
  steps:
    - Open the backup plugin settings.
    - text: {body}
    - Write the result in the maintenance log.
"""


def in_language(project: Path, language: str) -> Path:
    if language == "id":
        document = project / "content" / "document.yaml"
        document.write_text(document.read_text().replace("language: en", "language: id"))
    return project


def warnings(project: Path, code: str) -> list[str]:
    """The warnings of one check, as staff read them, in file order."""
    checked = check_project(project, today=TODAY)
    return format_problems([p for p in checked.problems if p.code == code],
                           checked.handbook.document.language)


BOTH = pytest.mark.parametrize("language", ["en", "id"])


# ------------------------------------------------------------------ consulted and informed

@BOTH
def test_a_role_consulted_and_informed_is_questioned(mini: Path, language: str) -> None:
    write(in_language(mini, language), "content/extra.yaml",
          procedure("Compare the sizes.", consulted="[coordinator, admin]", informed="[admin]"))
    found = warnings(mini, "consulted_and_informed")
    expected = {"en": "content/extra.yaml:9:14: warning: procedure TEK-09 both consults and "
                      "informs the role 'admin'",
                "id": "content/extra.yaml:9:14: peringatan: prosedur TEK-09 sekaligus "
                      "mengonsultasikan dan menginformasikan peran 'admin'"}[language]
    assert len(found) == 1 and found[0].startswith(expected), found


@BOTH
def test_a_role_only_consulted_passes(mini: Path, language: str) -> None:
    write(in_language(mini, language), "content/extra.yaml",
          procedure("Compare the sizes.", consulted="[admin]", informed="[coordinator]"))
    assert warnings(mini, "consulted_and_informed") == []


# ------------------------------------------------------------------ steps that are not there

@BOTH
def test_a_step_that_does_not_exist_is_questioned(mini: Path, language: str) -> None:
    word = {"en": "step", "id": "langkah"}[language]
    write(in_language(mini, language), "content/extra.yaml",
          procedure(f"Repeat {word} 5, then the test of TEK-01 {word} 4."))
    found = warnings(mini, "unknown_step")
    assert len(found) == 2, found
    if language == "en":
        assert "TEK-09 refers to step 5 of TEK-09, but there is no such step (TEK-09 has 3 " \
               "steps)" in found[0]
        assert "refers to step 4 of TEK-01" in found[1]
    else:
        assert "TEK-09 merujuk ke langkah 5 dari TEK-09, tetapi langkah itu tidak ada " \
               "(TEK-09 punya 3 langkah)" in found[0]


@BOTH
def test_steps_that_exist_pass(mini: Path, language: str) -> None:
    word = {"en": "Steps", "id": "Langkah"}[language]
    write(in_language(mini, language), "content/extra.yaml",
          procedure(f"{word} 1–3 again, and TEK-01 {word.lower()} 2."))
    assert warnings(mini, "unknown_step") == []


# ------------------------------------------------------------------ links to glossary terms

@BOTH
def test_a_link_to_a_missing_glossary_term_is_questioned(mini: Path, language: str) -> None:
    write(in_language(mini, language), "content/extra.yaml",
          procedure("Keep a [backups](#term-backups) copy off the server."))
    found = warnings(mini, "unknown_term_link")
    expected = {"en": "the link to #term-backups leads to no glossary term (closest: "
                      "#term-backup)",
                "id": "tautan ke #term-backups tidak menuju istilah glosarium mana pun "
                      "(yang terdekat: #term-backup)"}[language]
    assert len(found) == 1 and expected in found[0], found


@BOTH
def test_a_link_to_a_glossary_term_passes(mini: Path, language: str) -> None:
    write(in_language(mini, language), "content/extra.yaml",
          procedure("Keep a [backup](#term-backup) copy off the server."))
    assert warnings(mini, "unknown_term_link") == []


# ------------------------------------------------------------------ review older than the cycle

@BOTH
def test_a_review_older_than_the_cycle_at_the_effective_date_is_questioned(
        mini: Path, language: str) -> None:
    write(in_language(mini, language), "content/extra.yaml",
          procedure("Compare the sizes.", last_reviewed="2023-01-15"))
    found = warnings(mini, "review_stale_at_effective_date")
    expected = {"en": "procedure TEK-09 was last reviewed on 2023-01-15, more than 12 months "
                      "before this version took effect on 2024-03-01",
                "id": "prosedur TEK-09 terakhir ditinjau pada 2023-01-15, lebih dari 12 bulan "
                      "sebelum versi ini berlaku pada 2024-03-01"}[language]
    assert len(found) == 1 and expected in found[0], found


@BOTH
def test_a_review_within_the_cycle_passes(mini: Path, language: str) -> None:
    write(in_language(mini, language), "content/extra.yaml",
          procedure("Compare the sizes.", last_reviewed="2023-07-01"))
    assert warnings(mini, "review_stale_at_effective_date") == []
    assert warnings(mini, "review_overdue") == []


# ------------------------------------------------------------------ stale years

@BOTH
def test_a_bare_year_before_last_year_is_questioned(mini: Path, language: str) -> None:
    write(in_language(mini, language), "content/extra.yaml",
          procedure("Save the list as `inventory-2022.csv` with the 2021 prices."))
    found = warnings(mini, "stale_year")
    assert [line.split(" ")[0] for line in found] == ["content/extra.yaml:15:13:"] * 2
    quoted = "'…Save the list as `inventory-2022.csv` with the 2021 prices.…'"
    expected = {"en": f"the year 2022 in {quoted} is before 2023, the year before this "
                      "version takes effect (2024-03-01)",
                "id": f"tahun 2022 dalam {quoted} lebih tua dari 2023, setahun sebelum versi "
                      "ini berlaku (2024-03-01)"}
    assert expected[language] in found[0], found


@BOTH
def test_dates_citations_and_recent_years_pass(mini: Path, language: str) -> None:
    write(in_language(mini, language), "content/extra.yaml", procedure(
        "Since 17 October 2022 (Law No. 27 of 2022, UU No. 27 Tahun 2022, UU 27/2022), "
        "reviewed in Januari–Mei 2013, on 2019-05-31, under ISO 9001:2015; the 2023 prices "
        "hold, Rp 2.010.000 too."))
    assert warnings(mini, "stale_year") == []


# ------------------------------------------------------------------ one record, two retentions

RECORDS = {"en": ("['Backup reports, kept 90 days.']",
                  "| Record | Kept for |\n|---|---|\n| Backup reports | 30 days |"),
           "id": ("['Laporan cadangan, disimpan 90 hari.']",
                  "| Catatan | Retensi |\n|---|---|\n| *Laporan cadangan* | 30 hari |")}


@BOTH
def test_one_record_kept_for_two_periods_is_questioned(mini: Path, language: str) -> None:
    records, table = RECORDS[language]
    write(in_language(mini, language), "content/extra.yaml", procedure(
        "Compare the sizes.", records=records))
    write(mini, "content/more.yaml", procedure("|\n        " + table.replace(
        "\n", "\n        "), ident="TEK-10"))
    found = warnings(mini, "record_retention_conflict")
    expected = {"en": "the record 'backup reports' is kept for 30 days here (TEK-10) but for "
                      "90 days at content/extra.yaml:12 (TEK-09) — state one retention and "
                      "use it in both places",
                "id": "catatan 'laporan cadangan' disimpan 30 hari di sini (TEK-10), tetapi "
                      "90 hari di content/extra.yaml:12 (TEK-09) — tetapkan satu masa "
                      "retensi dan pakai di kedua tempat"}[language]
    assert len(found) == 1 and expected in found[0], found
    assert found[0].startswith("content/more.yaml:")


@BOTH
def test_one_record_kept_for_one_period_passes(mini: Path, language: str) -> None:
    records, table = RECORDS[language]
    write(in_language(mini, language), "content/extra.yaml", procedure(
        "Compare the sizes.", records=records))
    write(mini, "content/more.yaml", procedure("|\n        " + table.replace(
        "\n", "\n        ").replace("30", "90"), ident="TEK-10"))
    assert warnings(mini, "record_retention_conflict") == []


STRUCTURED = """
    - name: Email laporan *UpdraftPlus*
      retention: {retention}
      location: kotak masuk alias tim website"""


@BOTH
def test_structured_records_that_disagree_name_both_places(mini: Path, language: str) -> None:
    in_language(mini, language)
    write(mini, "content/extra.yaml", procedure(
        "Compare.", records=STRUCTURED.format(retention="12 bulan")))
    write(mini, "content/more.yaml", procedure(
        "Compare.", ident="TEK-10", records=STRUCTURED.format(retention="90 days")))
    found = warnings(mini, "record_retention_conflict")
    expected = {"en": "content/more.yaml:14:18: warning: the record 'email laporan updraftplus' "
                      "is kept for 90 days here (TEK-10) but for 12 bulan at "
                      "content/extra.yaml:14 (TEK-09) — state one retention and use it in "
                      "both places",
                "id": "content/more.yaml:14:18: peringatan: catatan 'email laporan updraftplus' "
                      "disimpan 90 days di sini (TEK-10), tetapi 12 bulan di "
                      "content/extra.yaml:14 (TEK-09) — tetapkan satu masa retensi dan pakai "
                      "di kedua tempat"}[language]
    assert found == [expected]


def test_structured_records_of_the_same_length_agree(mini: Path) -> None:
    write(mini, "content/extra.yaml", procedure(
        "Compare.", records=STRUCTURED.format(retention="12 bulan")))
    write(mini, "content/more.yaml", procedure(
        "Compare.", ident="TEK-10", records=STRUCTURED.format(retention="1 year")))
    assert warnings(mini, "record_retention_conflict") == []


def test_the_sample_passes_every_new_check() -> None:
    from tests.conftest import ROOT

    codes = {"consulted_and_informed", "unknown_step", "unknown_term_link",
             "review_stale_at_effective_date", "stale_year", "record_retention_conflict"}
    checked = check_project(ROOT)
    assert [p for p in checked.problems if p.code in codes] == []


# ------------------------------------------------------------------ unused terms, kept or not

def test_unused_terms_are_the_same_searched_until_found_or_procedure_by_procedure() -> None:
    """The preview (nothing kept) stops looking for a spelling once found; a build reads
    every procedure's spellings to keep them: both find the same terms unused."""
    import dataclasses

    from sopgen.core.model import Term
    from sopgen.reading import review
    from sopgen.reading.checkcache import NO_CHECKS, ProcedureChecks
    from sopgen.reading.handbook import read_handbook
    from tests.conftest import ROOT

    checked = read_handbook(ROOT, review=False)
    handbook = checked.handbook
    last = handbook.procedures[-1].title.split()[-1]  # only the last procedure says it
    terms = [*handbook.glossary, Term(term=f"Kata ({last})", definition="x"),
             Term(term="Zzyzx (ZZX)", definition="x")]
    handbook = dataclasses.replace(handbook, glossary=terms)
    found = [list(review._unused_terms(handbook, checked.raw.loc, checks))
             for checks in (NO_CHECKS, ProcedureChecks())]
    assert found[0] == found[1]
    assert [p.params["term"] for p in found[0]][-1:] == ["Zzyzx (ZZX)"]
    assert f"Kata ({last})" not in [p.params["term"] for p in found[0]]
