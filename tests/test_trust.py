"""Releases you can trust: each approval is of its own version, effective dates move on,
a hand-edited snapshot is refused everywhere, and no option silently does nothing."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from sopgen.cli import app
from sopgen.commands.build import build_project, build_release
from sopgen.commands.release import freeze, release_project
from sopgen.commands.verify import verify_project
from sopgen.core.errors import ValidationFailed
from sopgen.outputs.table import BuildOptions
from sopgen.reading.handbook import read_handbook
from sopgen.reading.releases import read_release, released_versions
from tests.conftest import ROOT, next_version_of

runner = CliRunner()
WHERE = re.compile(r"^content/document\.yaml:\d+:\d+: error: ")


def refusal(project: Path) -> list[str]:
    with pytest.raises(ValidationFailed) as caught:
        release_project(project)
    assert not (project / "output").exists()  # refused before anything is built
    return caught.value.lines()


def set_document(project: Path, old: str, new: str) -> None:
    path = project / "content" / "document.yaml"
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


# ------------------------------------------------------------------ the release rules

def test_a_reused_approval_is_refused_with_the_approval_to_add(mini: Path) -> None:
    freeze(read_handbook(mini))
    set_document(mini, '  version: "1.2.0"\n', '  version: "1.2.1"\n')
    set_document(mini, "effective_date: 2024-03-01", "effective_date: 2024-07-01")
    (mini / "content" / "document.yaml").write_text(
        (mini / "content" / "document.yaml").read_text()
        + '  - version: "1.2.1"\n    date: 2024-06-01\n    author: A\n    summary: A fix.\n')
    [line] = refusal(mini)
    assert WHERE.match(line), line
    assert line.endswith(
        "the approval by Bo Board dated 2024-02-20 is for version 1.2.0, not 1.2.1 — an "
        'approval belongs to one version: add an approval of this one, with version: "1.2.1" '
        "and a date on or after its revision entry (2024-06-01)")


def test_an_approval_naming_no_version_or_dated_before_the_revision_is_refused(
        mini: Path) -> None:
    set_document(mini, 'date: 2024-02-20,\n       version: "1.2.0"}', "date: 2024-02-20}")
    [line] = refusal(mini)
    assert 'does not name the version it approves — add version: "1.2.0"' in line
    set_document(mini, "date: 2024-02-20}", 'date: 2024-02-01, version: "1.2.0"}')
    [line] = refusal(mini)
    assert ("the approval of version 1.2.0 by Bo Board is dated 2024-02-01, before the "
            "revision entry of 1.2.0 (2024-02-20)") in line


def test_a_stale_effective_date_is_refused_with_the_date_to_set(mini: Path) -> None:
    freeze(read_handbook(mini))
    next_version_of(mini, "1.3.0", "2024-06-01")
    set_document(mini, "effective_date: 2024-06-01", "effective_date: 2024-03-01")
    lines = refusal(mini)
    assert any(line.endswith(
        "version 1.3.0 takes effect on 2024-03-01, before it was approved (2024-06-01) — set "
        "effective_date to a day on or after 2024-06-01") for line in lines), lines
    assert any(line.endswith(
        "version 1.3.0 takes effect on 2024-03-01, which is not after the previous release "
        "1.2.0 (in effect from 2024-03-01) — set effective_date to the day this version comes "
        "into force, after 2024-03-01") for line in lines), lines
    assert all(line.startswith("content/document.yaml:12:19: error:") for line in lines)
    set_document(mini, "effective_date: 2024-03-01", "effective_date: 2024-06-01")
    release_project(mini)
    assert read_release(mini, "1.3.0").handbook.document.effective_date.isoformat() == \
        "2024-06-01"


def test_release_lists_every_unmet_requirement_in_one_run(mini: Path) -> None:
    freeze(read_handbook(mini))
    set_document(mini, '  version: "1.2.0"\n', '  version: "1.3.0"\n')  # no entry, old approval
    set_document(mini, "status: approved", "status: draft")
    set_document(mini, "effective_date: 2024-03-01", "effective_date: 2024-07-01")
    lines = refusal(mini)
    assert len(lines) == 3, lines
    assert all(WHERE.match(line) for line in lines), lines
    text = "\n".join(lines)
    assert "version 1.3.0 has status 'draft' — set status: approved" in text
    assert "the revision history has no entry for version 1.3.0" in text
    assert "is for version 1.2.0, not 1.3.0" in text


def test_the_cli_prints_every_unmet_requirement_and_exits_1(mini: Path) -> None:
    set_document(mini, "status: approved", "status: draft")
    set_document(mini, 'version: "1.2.0"}', 'version: "1.1.0"}')
    result = runner.invoke(app, ["release", str(mini)])
    assert result.exit_code == 1
    assert len(result.stderr.strip().splitlines()) == 2, result.stderr
    assert "Traceback" not in result.output


# ------------------------------------------------------------------ snapshot integrity

def test_a_release_records_digests_that_sha256sum_checks(mini: Path) -> None:
    freeze(read_handbook(mini))
    manifest = (mini / "releases" / "1.2.0.sha256").read_text()
    assert manifest.splitlines()[0].endswith("  1.2.0.yaml")
    assert "  1.2.0/assets/logo.svg" in manifest
    checked = subprocess.run(["sha256sum", "-c", "1.2.0.sha256"], cwd=mini / "releases",
                             capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout


def test_the_samples_releases_have_their_digests_recorded() -> None:
    for version in released_versions(ROOT / "releases"):
        checked = subprocess.run(["sha256sum", "--strict", "-c", f"{version}.sha256"],
                                 cwd=ROOT / "releases", capture_output=True, text=True)
        assert checked.returncode == 0, checked.stdout + checked.stderr


@pytest.fixture
def edited(mini: Path) -> Path:
    """A release whose snapshot was then edited by hand."""
    release_project(mini)
    snapshot = mini / "releases" / "1.2.0.yaml"
    snapshot.write_text(snapshot.read_text().replace("Back up the database", "Back up nothing"))
    return mini


FIX = ("releases/1.2.0.yaml: error: releases/1.2.0.yaml is not what was released as 1.2.0: "
       "its digest differs from the one recorded in releases/1.2.0.sha256 — restore the "
       "released file with: git checkout -- releases/1.2.0.yaml (a change to a release needs a "
       "new version)")


@pytest.mark.parametrize("command", [
    ["build", "--release", "1.2.0", "-f", "md"], ["build", "-f", "md"],
    ["diff", "1.2.0", "current"], ["publish", "--edition", "internal"], ["verify"],
    ["release"]])
def test_a_hand_edited_snapshot_is_refused_by_every_command(edited: Path,
                                                            command: list[str]) -> None:
    before = sorted(p.name for p in (edited / "output").rglob("*"))
    result = runner.invoke(app, [*command[:1], str(edited), *command[1:]]
                           if command[0] != "diff" else [*command, str(edited)])
    assert result.exit_code == 1, result.output
    assert result.stderr.strip().splitlines() == [FIX]
    assert sorted(p.name for p in (edited / "output").rglob("*")) == before


def test_an_edited_release_image_is_refused(mini: Path) -> None:
    freeze(read_handbook(mini))
    logo = mini / "releases" / "1.2.0" / "assets" / "logo.svg"
    logo.write_text(logo.read_text().replace("</svg>", "<!-- x --></svg>"))
    (mini / "releases" / "1.2.0" / "assets" / "extra.png").write_bytes(b"\x89PNG")
    with pytest.raises(ValidationFailed) as caught:
        build_release(mini, "1.2.0", BuildOptions(formats=["md"]))
    assert caught.value.lines() == [
        "releases/1.2.0/assets/extra.png: error: releases/1.2.0/assets/extra.png was not part "
        "of release 1.2.0 — remove it: a release's files never change",
        "releases/1.2.0/assets/logo.svg: error: releases/1.2.0/assets/logo.svg is not what was "
        "released as 1.2.0: its digest differs from the one recorded in releases/1.2.0.sha256 "
        "— restore the released file with: git checkout -- releases/1.2.0/assets/logo.svg (a "
        "change to a release needs a new version)"]


def test_a_release_without_digests_is_recorded_once_and_never_again(mini: Path) -> None:
    freeze(read_handbook(mini))
    (mini / "releases" / "1.2.0.sha256").unlink()  # released before digests were recorded
    with pytest.raises(ValidationFailed, match=r"sopgen verify --record"):
        read_release(mini, "1.2.0")
    result = runner.invoke(app, ["verify", str(mini), "--record"])
    assert result.exit_code == 0, result.output
    assert "recorded the digests of release 1.2.0 in releases/1.2.0.sha256" in result.stdout
    snapshot = mini / "releases" / "1.2.0.yaml"
    snapshot.write_text(snapshot.read_text().replace("Back up the database", "Nothing"))
    again = runner.invoke(app, ["verify", str(mini), "--record"])
    assert again.exit_code == 1 and "git checkout -- releases/1.2.0.yaml" in again.stderr


def test_verify_compares_the_outputs_on_disk_with_the_release(mini: Path) -> None:
    release_project(mini)
    result = runner.invoke(app, ["verify", str(mini)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "release 1.2.0: snapshot and 1 image(s) as released; 2 output file(s) match",
        "1 output file(s) not checked (PDFs need --pdf; role and calendar files are not "
        "compared)"]
    page = mini / "output" / "1.2.0" / "SOP-MINI-1.2.0.html"
    page.write_text(page.read_text().replace("Back up the database", "Back up nothing"))
    changed = runner.invoke(app, ["verify", str(mini)])
    assert changed.exit_code == 1
    assert changed.stderr.strip() == (
        "output/1.2.0/SOP-MINI-1.2.0.html: error: output/1.2.0/SOP-MINI-1.2.0.html is not what "
        "release 1.2.0 builds — delete it and build it again with: sopgen build --release 1.2.0")


def test_verify_passes_on_the_sample(tmp_path: Path) -> None:
    for part in ("content", "releases"):
        shutil.copytree(ROOT / part, tmp_path / part)
    assert verify_project(tmp_path) == [
        f"rilis {version}: snapshot dan 1 gambar sesuai rilis; 0 berkas keluaran cocok"
        for version in released_versions(ROOT / "releases")]
    snapshot = tmp_path / "releases" / "1.0.0.yaml"
    snapshot.write_text(snapshot.read_text() + "# diubah\n")
    with pytest.raises(ValidationFailed) as caught:
        read_release(tmp_path, "1.0.0")
    assert caught.value.lines() == [  # in the snapshot's own language
        "releases/1.0.0.yaml: galat: releases/1.0.0.yaml bukan yang dirilis sebagai 1.0.0: "
        "sidik (digest) berkasnya berbeda dari yang tercatat di releases/1.0.0.sha256 — "
        "pulihkan berkas rilis dengan: git checkout -- releases/1.0.0.yaml (perubahan pada "
        "rilis memerlukan versi baru)"]


# ------------------------------------------------------------------ no silent no-ops

def test_fillable_on_a_built_release_adds_fillable_sheets(mini: Path) -> None:
    release_project(mini)
    build_release(mini, "1.2.0", BuildOptions(formats=[], artefacts=["checklists"]))
    plain = mini / "output" / "1.2.0" / "SOP-MINI-1.2.0-checklists.pdf"
    before = plain.read_bytes()
    result = runner.invoke(app, ["build", str(mini), "--release", "1.2.0", "-f", "md",
                                 "--fillable"])
    assert result.exit_code == 0, result.output
    fillable = mini / "output" / "1.2.0" / "SOP-MINI-1.2.0-checklists-fillable.pdf"
    assert f"wrote {fillable}" in result.stdout
    assert PdfReader(str(fillable)).get_fields()["TEK-01-log-13-notes"]["/FT"] == "/Tx"
    assert not PdfReader(str(plain)).get_fields() and plain.read_bytes() == before


def test_site_url_on_a_built_release_stops_and_says_why(mini: Path, tmp_path: Path) -> None:
    release_project(mini)
    build_release(mini, "1.2.0", BuildOptions(formats=[], artefacts=["calendar"]))
    calendar = mini / "output" / "1.2.0" / "SOP-MINI-1.2.0.ics"
    before = calendar.read_bytes()
    arguments = ["build", str(mini), "--release", "1.2.0", "-f", "md", "-a", "calendar",
                 "--site-url", "https://example.org/sop"]
    result = runner.invoke(app, arguments)
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "output/1.2.0/SOP-MINI-1.2.0.ics: error: output/1.2.0/SOP-MINI-1.2.0.ics is a released "
        "file built before with other options (or by another sopgen), and released files never "
        "change — build into another folder with --output DIR, or delete the file to build it "
        "again")
    assert calendar.read_bytes() == before
    elsewhere = runner.invoke(app, [*arguments, "-o", str(tmp_path)])
    assert elsewhere.exit_code == 0, elsewhere.output
    assert b"https://example.org/sop/1.2.0/" in (tmp_path / "1.2.0" / calendar.name).read_bytes()


def test_rebuilding_a_release_unchanged_keeps_its_files(mini: Path) -> None:
    release_project(mini)
    result = runner.invoke(app, ["build", str(mini), "--release", "1.2.0", "-f", "md"])
    assert result.exit_code == 0
    assert "kept" in result.stdout and "wrote" not in result.stdout


# ------------------------------------------------------------------ progress

def test_progress_shows_in_a_ci_log_and_not_in_a_redirect(mini: Path) -> None:
    in_ci = runner.invoke(app, ["build", str(mini), "-f", "md"],
                          env={"CI": "true", "SOPGEN_PROGRESS": None})
    assert in_ci.exit_code == 0
    lines = in_ci.stderr.splitlines()
    assert any(re.fullmatch(r"sopgen \[ +\d+\.\d s\] rendering md …", line) for line in lines)
    assert "\r" not in in_ci.stderr and "\x1b" not in in_ci.stderr
    redirected = runner.invoke(app, ["build", str(mini), "-f", "md"],
                               env={"CI": None, "SOPGEN_PROGRESS": None})
    assert "rendering" not in redirected.stderr


def test_a_draft_build_of_edited_content_still_reads_its_release(mini: Path) -> None:
    release_project(mini)
    set_document(mini, "title: Mini Website SOP", "title: Mini SOP")
    assert build_project(mini, BuildOptions(formats=["md"])).draft
