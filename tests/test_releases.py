"""Releases are frozen; drafts are marked; diffs name what changed; rebuilds are identical."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from sopgen.commands.build import build_project, build_release
from sopgen.commands.check import check_project
from sopgen.commands.release import release_project
from sopgen.core.errors import ValidationFailed
from sopgen.outputs.diff import compare
from sopgen.outputs.table import BuildOptions
from sopgen.reading.handbook import read_handbook
from sopgen.reading.releases import read_release

REVISION_130 = """  - version: "1.3.0"
    date: 2024-06-01
    author: Ana Author
    summary: Second version.
"""


APPROVAL_130 = """    - name: Bo Board
      role: Chair
      date: 2024-06-15
      version: "1.3.0"
"""


def bump(project: Path, version: str = "1.3.0") -> None:
    """The next version, as staff make it: number, revision entry, its own approval and a
    later effective date."""
    document = project / "content" / "document.yaml"
    text = document.read_text().replace('  version: "1.2.0"\n', f'  version: "{version}"\n', 1)
    text = text.replace("  effective_date: 2024-03-01", "  effective_date: 2024-07-01")
    text = text.replace("  classification:", APPROVAL_130.replace("1.3.0", version)
                        + "  classification:", 1)
    document.write_text(text + REVISION_130.replace("1.3.0", version))


def edit(project: Path, old: str, new: str) -> None:
    path = project / "content" / "procedures.yaml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}


def test_release_freezes_snapshot_and_builds_final_outputs(mini: Path) -> None:
    snapshot, result = release_project(mini)
    assert snapshot == mini / "releases" / "1.2.0.yaml"
    assert not result.draft and result.folder == mini / "output" / "1.2.0"
    assert sorted(p.name for p in result.folder.iterdir()) == [
        "SOP-MINI-1.2.0.html", "SOP-MINI-1.2.0.md", "SOP-MINI-1.2.0.pdf"]
    assert "Draft" not in (result.folder / "SOP-MINI-1.2.0.html").read_text()


def test_re_release_with_different_content_is_refused_with_next_version(mini: Path) -> None:
    release_project(mini, output=mini / "out")
    edit(mini, "title: Back up the database", "title: Back up the WordPress database")
    with pytest.raises(ValidationFailed) as caught:
        release_project(mini, output=mini / "out")
    message = caught.value.lines()[0]
    assert message.startswith("content/document.yaml:9:12: error: version 1.2.0 is already "
                              "released with different content")
    assert "1.2.1" in message
    assert "Back up the database" in (mini / "releases" / "1.2.0.yaml").read_text()


def test_release_requires_approved_status_approval_and_revision_entry(mini: Path) -> None:
    document = mini / "content" / "document.yaml"
    text = document.read_text()
    document.write_text(text.replace("status: approved", "status: draft"))
    with pytest.raises(ValidationFailed, match="status: approved"):
        release_project(mini)
    document.write_text(text.replace('  version: "1.2.0"\n', '  version: "1.4.0"\n', 1))
    with pytest.raises(ValidationFailed, match=r"no entry for version 1\.4\.0"):
        release_project(mini)
    assert not (mini / "releases").exists()


def test_released_outputs_untouched_by_later_builds(mini: Path) -> None:
    _, first = release_project(mini)
    before = digests(first.folder)
    edit(mini, "Open the backup plugin.", "Open UpdraftPlus.")
    draft = build_project(mini)  # changed content at a released version: a draft
    assert draft.draft and draft.folder.name == "1.2.0-draft"
    again = build_release(mini, "1.2.0")
    assert again.written == [] and len(again.kept) == 3
    assert digests(first.folder) == before


def test_draft_marked_in_names_and_banner(mini: Path) -> None:
    result = build_project(mini, BuildOptions(formats=["md", "html"]))
    assert sorted(p.name for p in result.folder.iterdir()) == [
        "SOP-MINI-1.2.0-draft.html", "SOP-MINI-1.2.0-draft.md"]
    html = (result.folder / "SOP-MINI-1.2.0-draft.html").read_text()
    assert 'class="draft-banner"' in html


def test_rebuilds_are_byte_identical(mini: Path, tmp_path: Path) -> None:
    first = build_project(mini, output=tmp_path / "a")
    second = build_project(mini, output=tmp_path / "b")
    assert digests(first.folder) == digests(second.folder)


def test_older_snapshot_builds_after_content_moved_on(mini: Path) -> None:
    release_project(mini)
    bump(mini)
    edit(mini, "title: Review this SOP", "title: Review the SOP every year")
    release_project(mini)
    old = read_release(mini, "1.2.0").handbook
    assert old.procedure("MAN-01").title == "Review this SOP"
    assert (mini / "output" / "1.3.0" / "SOP-MINI-1.3.0.md").read_text().count(
        "Changed: MAN-01 (Title)") == 1


# ------------------------------------------------------------------ diff

@pytest.fixture
def base(mini: Path) -> Path:
    release_project(mini, output=mini / "out")
    bump(mini)
    return mini


def current_diff(project: Path):
    return compare(read_release(project, "1.2.0").handbook, read_handbook(project).handbook)


def test_diff_added_and_removed_procedures(base: Path) -> None:
    edit(base, "  - id: KON-01\n", "  - id: KON-02\n")
    changes = current_diff(base)
    assert [p.id for p in changes.added] == ["KON-02"]
    assert [p.id for p in changes.removed] == ["KON-01"]
    assert not changes.changed


def test_diff_renamed_step_shows_old_and_new_text(base: Path) -> None:
    edit(base, "- Open the backup plugin.", "- Open UpdraftPlus.")
    (change,) = current_diff(base).changed
    assert change.id == "TEK-01" and change.fields == []
    (step,) = change.steps
    assert (step.what, step.old, step.new) == ("1", "Open the backup plugin.",
                                               "Open UpdraftPlus.")


def test_diff_inserted_step_is_one_addition(base: Path) -> None:
    edit(base, "      - Schedule the post.\n",
         "      - Ask the editor.\n      - Schedule the post.\n")
    (change,) = current_diff(base).changed
    assert [(s.what, s.old, s.new) for s in change.steps] == [("2", "", "Ask the editor.")]


def test_diff_changed_role_and_frequency(base: Path) -> None:
    edit(base, "    responsible: [admin]\n    accountable: coordinator\n    frequency: weekly",
         "    responsible: [coordinator]\n    accountable: coordinator\n    frequency: daily")
    (change,) = current_diff(base).changed
    assert {(c.what, c.old, c.new) for c in change.fields} == {
        ("responsible", "admin", "coordinator"), ("frequency", "weekly", "daily")}


def test_diff_command_output_formats(base: Path) -> None:
    from typer.testing import CliRunner

    from sopgen.cli import app

    edit(base, "- Open the backup plugin.", "- Open *UpdraftPlus* <b>now</b>.")
    runner = CliRunner()
    text = runner.invoke(app, ["diff", "1.2.0", "current", str(base)])
    assert text.exit_code == 0, text.output
    assert "Changes from version 1.2.0 to 1.3.0 (draft)" in text.output  # not released yet
    assert "- Open the backup plugin." in text.output
    html = runner.invoke(app, ["diff", "1.2.0", "current", str(base), "--format", "html"])
    assert "<b>" not in html.output and "&lt;b&gt;" in html.output
    markdown = runner.invoke(app, ["diff", "1.2.0", "current", str(base), "-f", "md"])
    assert "### TEK-01 Back up the database" in markdown.output
    edit(base, "*UpdraftPlus* <b>now</b>", "the backup plugin")  # undo; then edit 1.2.0 anew
    base.joinpath("content/document.yaml").write_text(
        base.joinpath("content/document.yaml").read_text().replace('"1.3.0"', '"1.2.0"', 1))
    edit(base, "title: Back up the database", "title: Back up the WordPress database")
    same_version = runner.invoke(app, ["diff", "1.2.0", "current", str(base)])
    assert "Changes from version 1.2.0 to 1.2.0 (draft)" in same_version.output
    missing = runner.invoke(app, ["diff", "0.9.0", "current", str(base)])
    assert missing.exit_code == 1 and "there is no release 0.9.0" in missing.output


def test_a_release_keeps_its_own_images(mini: Path, tmp_path: Path) -> None:
    release_project(mini)
    assert (mini / "releases" / "1.2.0" / "assets" / "logo.svg").is_file()
    (mini / "content" / "assets" / "logo.svg").unlink()  # the organisation changes its logo
    rebuilt = build_release(mini, "1.2.0", BuildOptions(formats=["html"]), output=tmp_path)
    assert "data:image/svg+xml;base64," in next(rebuilt.folder.glob("*.html")).read_text()


def test_placeholder_text_cannot_be_released(mini: Path) -> None:
    edit(mini, "title: Back up the database", "title: 'FILL IN: what this procedure does'")
    with pytest.raises(ValidationFailed) as caught:
        release_project(mini)
    assert caught.value.lines() == [
        "content/procedures.yaml:17:12: error: procedure TEK-01 still has placeholder text: "
        "'FILL IN: what this procedure does' — replace it with the real text"]
    assert not (mini / "releases").exists() and not (mini / "output").exists()


def test_editing_released_content_builds_a_draft_and_says_to_raise_the_version(
        mini: Path) -> None:
    release_project(mini)
    edit(mini, "title: Back up the database", "title: Back up the WordPress database")
    result = build_project(mini, BuildOptions(formats=["md"]))
    assert result.draft and result.folder.name == "1.2.0-draft"
    assert ("content/document.yaml:9:12: warning: version 1.2.0 is released, and the content "
            "has changed since — this builds as a draft; raise version (to 1.2.1, say) before "
            "the next release") in result.warnings
    assert any("version 1.2.0 is released" in w for w in check_project(mini).warnings)
    edit(mini, "title: Back up the WordPress database", "title: Back up the database")
    built = build_project(mini, BuildOptions(formats=["md"]))
    assert not any("is released" in w for w in built.warnings)
