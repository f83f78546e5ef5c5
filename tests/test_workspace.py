"""The facilitator's workspace: a shared library, five partners that adopt from it,
batch builds, drift after a library change, and what adoption refuses."""

from __future__ import annotations

import json
import re
from pathlib import Path

import cmarkgfm
import docx
import jsonschema
import pikepdf
import pytest
from typer.testing import CliRunner

from sopgen.cli import app
from sopgen.commands.adoption import adoption_drift, drift_lines, move_pin, words_of
from sopgen.commands.check import check_project
from sopgen.commands.release import freeze, release_problems
from sopgen.commands.scaffold import init_project, init_workspace, join_workspace
from sopgen.commands.schema import json_schema
from sopgen.commands.workspace import build_workspace, check_workspace, partner_names
from sopgen.core.errors import SopgenError
from sopgen.core.model import Adoption
from sopgen.outputs.table import BuildOptions
from sopgen.reading.handbook import read_handbook
from sopgen.reading.releases import plain, read_release
from sopgen.reading.workspace import WORKSPACE_FILE, read_workspace
from sopgen.reading.yamlread import read_yaml
from tests.conftest import next_version_of, write
from tests.htmlread import Page

runner = CliRunner()
LOGO = ('<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40">'
        '<rect width="40" height="40" fill="{colour}"/></svg>\n')


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def _fill_placeholders(project: Path) -> None:
    """Do what the starter asks: replace every [[placeholder]] with the organisation's own
    text (here, the placeholder's words)."""
    for path in (project / "content").rglob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        path.write_text(re.sub(r"\[\[([^\]]+)\]\]", r"\1", text), encoding="utf-8")


def _library(root: Path) -> Path:
    """The library: the English blank starter, its backup procedure's steps named, released
    as 0.1.0."""
    library = root / "library"
    document = library / "content" / "document.yaml"
    _fill_placeholders(library)
    _edit(document, "Your Organisation", "Mentoring Network")
    _edit(document, "status: draft", "status: approved")
    _edit(document, "  authors:", "  approvals:\n  authors:")
    next_version_of(library, "0.1.0", "2026-01-05")
    backup = library / "content" / "procedures" / "TEC-01.yaml"
    _edit(backup, "    - Run a full backup", "    - id: run\n      text: Run a full backup")
    _edit(backup, "    - Copy the backup", "    - id: offsite\n      text: Copy the backup")
    _edit(backup, "  related: [MAN-01]\n", "")
    freeze(read_handbook(library))
    return library


def _partner(root: Path, name: str, language: str, adopt: str, *, logo: str = "",
             rename: tuple[str, str] | None = None) -> Path:
    folder = root / name
    init_project(folder, language=language, starter="blank")
    join_workspace(folder)
    _fill_placeholders(folder)
    content = folder / "content"
    if language == "en":
        (content / "procedures" / "TEC-01.yaml").unlink()  # adopted from the library instead
    if rename:
        for path in content.rglob("*.yaml"):
            text = path.read_text(encoding="utf-8")
            path.write_text(re.sub(rf"\b{rename[0]}\b", rename[1], text), encoding="utf-8")
    if logo:
        write(folder, "content/assets/logo.svg", LOGO.format(colour=logo))
        document = next(content.glob("do*.yaml"))
        _edit(document, "    short_name:", "    logo: assets/logo.svg\n    short_name:")
    write(folder, "content/adopted.yaml", adopt)
    return folder


PARTNERS = {
    "suara": ("en", """adopt:
  - id: TEC-01
    version: "0.1.0"
    override:
      title: Back up the website every week
      steps:
        add_after: {run: ["Write the backup's size in the log."]}
""", "#0a7", None),
    "lentera": ("en", """adopt:
  id: TEC-01
  version: "0.1.0"
  roles: {admin: it-officer}
  override: {frequency: daily}
""", "", ("admin", "it-officer")),
    "pelita": ("id", """adopt:
  - from: library
    id: TEC-01
    version: "0.1.0"
    roles: {admin: admin-web, coordinator: koordinator}
    override:
      title: Mencadangkan situs web
      steps:
        replace: {offsite: "Salin cadangan ke penyimpanan awan organisasi."}
""", "#c30", None),
    "harapan": ("id", """adopt:
  - id: TEC-01
    version: "0.1.0"
    roles: {admin: admin-web, coordinator: koordinator}
    override:
      steps: {remove: [offsite]}
""", "", None),
    "north": ("en", """adopt:
  - id: TEC-01
    version: "0.1.0"
    roles: {coordinator: lead}
""", "#36c", ("coordinator", "lead")),
}


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A workspace of a released library and five partners made with ``sopgen init``."""
    root = tmp_path / "ws"
    init_workspace(root, language="en")
    _library(root)
    for name, (language, adopt, logo, rename) in PARTNERS.items():
        _partner(root, name, language, adopt, logo=logo, rename=rename)
    return root


def _md_text(path: Path) -> str:
    return re.sub(r"<[^>]+>", " ", cmarkgfm.github_flavored_markdown_to_html(
        path.read_text(encoding="utf-8")))


def test_five_partners_build_in_one_call_each_as_its_own(workspace: Path) -> None:
    run = build_workspace(workspace, BuildOptions(formats=("md", "html")))
    assert [r.name for r in run.runs] == list(PARTNERS)
    assert all(r.ok and r.errors == 0 for r in run.runs), [r.lines for r in run.runs]
    ids = {}
    for name in PARTNERS:
        folder = workspace / "output" / name / "0.1.0-draft"
        (md,) = folder.glob("*.md")
        ids[name] = md.name
        text = _md_text(md)
        html = " ".join(Page(next(folder.glob("*.html")).read_text()).text_parts)
        source = ("Diadopsi dari" if PARTNERS[name][0] == "id" else "Adopted from")
        version = "versi" if PARTNERS[name][0] == "id" else "version"
        for shown in (text, html):
            assert source in shown and f"SOP-LIBRARY TEC-01, {version} 0.1.0" in shown
    assert len(set(ids.values())) == 5  # one document id per partner: no file overwrites another
    assert "Write the backup's size in the log." in _md_text(
        next((workspace / "output" / "suara").rglob("*.md")))
    assert "Salin cadangan ke penyimpanan awan organisasi." in _md_text(
        next((workspace / "output" / "pelita").rglob("*.md")))
    harapan = _md_text(next((workspace / "output" / "harapan").rglob("*.md")))
    assert "Copy the backup" not in harapan and "Run a full backup" in harapan
    lentera = read_handbook(workspace / "lentera").handbook.procedure("TEC-01")
    assert lentera.responsible == ["it-officer"] and lentera.frequency == "daily"
    leftovers = [p.name for p in (workspace / "output").rglob("*")
                 if p.name.startswith((".cache", ".lock", ".staging", ".old"))]
    assert leftovers == []
    assert (workspace / "output" / "north" / "0.1.0-draft").is_dir()
    assert "logo" in (workspace / "output" / "north" / "0.1.0-draft" /
                      "SOP-NORTH-0.1.0-draft.html").read_text()
    word = build_workspace(workspace, BuildOptions(formats=("docx",)), partner="pelita")
    (document,) = (workspace / "output" / "pelita" / "0.1.0-draft").glob("*.docx")
    cells = [[cell.text for cell in row.cells] for table in docx.Document(str(document)).tables
             for row in table.rows]
    assert word.runs[0].ok and ["Diadopsi dari", "SOP-LIBRARY TEC-01, versi 0.1.0"] in cells


def test_the_cli_builds_the_workspace_and_sums_up(workspace: Path) -> None:
    _edit(workspace / "lentera" / "content" / "adopted.yaml", "TEC-01", "TEC-99")
    result = runner.invoke(app, ["build", str(workspace), "--workspace", "-f", "md"])
    assert result.exit_code == 1
    rows = {line.split()[0]: line.split() for line in result.stdout.splitlines()[1:]}
    assert set(rows) == set(PARTNERS)  # a failed batch ends with the table
    assert rows["lentera"][2] == "failed" and rows["suara"][2] == "ok"
    assert "[lentera] content/adopted.yaml:2:7: error: the library has no procedure " \
           "TEC-99 in version 0.1.0 (did you mean 'TEC-01'?)" in result.stderr
    assert "1 of 5 partners failed" in result.stderr
    assert (workspace / "output" / "suara" / "0.1.0-draft" / "SOP-SUARA-0.1.0-draft.md").is_file()
    one = runner.invoke(app, ["build", str(workspace), "--partner", "suara", "-f", "md"])
    assert one.exit_code == 0 and one.stdout.splitlines()[1].split()[:3] == [
        "suara", "0.1.0", "ok"]
    assert one.stdout.splitlines()[2] == f"1 partner(s) built into {workspace / 'output'}"
    wrong = runner.invoke(app, ["check", str(workspace), "--partner", "sura"])
    assert wrong.exit_code == 1 and wrong.stderr.startswith(
        "error: there is no partner 'sura' in this workspace (did you mean 'suara'?) — use "
        "one of: suara, lentera, pelita, harapan, north")


def test_partners_json_is_a_plain_list(workspace: Path) -> None:
    result = runner.invoke(app, ["partners", str(workspace), "--json"])
    assert result.exit_code == 0 and json.loads(result.stdout) == list(PARTNERS)
    assert partner_names(workspace / "suara") == list(PARTNERS)  # from inside a partner too


def test_drift_after_a_library_change_and_the_pin_moved(workspace: Path) -> None:
    library = workspace / "library"
    backup = library / "content" / "procedures" / "TEC-01.yaml"
    _edit(backup, "text: Copy the backup to storage", "text: Encrypt the backup, then copy it to"
          " storage")
    _edit(backup, "frequency: weekly", "frequency: daily")
    next_version_of(library, "0.2.0", "2026-02-01")
    freeze(read_handbook(library))
    checked = check_project(workspace / "suara")
    assert "content/adopted.yaml:3:14: warning: TEC-01 is pinned to library version 0.1.0, " \
           "and the library's version 0.2.0 changed it (Frequency, Steps) — move the pin " \
           "with: sopgen adopt --update TEC-01 (or write version: \"0.2.0\" here)" \
           in checked.warnings
    lines = drift_lines(adoption_drift(checked), words_of(checked))
    assert lines[0] == "TEC-01: library version 0.2.0 differs from the pinned 0.1.0:"
    assert lines[1:4] == ["  Frequency:", "    - weekly", "    + daily"]
    assert lines[4:] == ["  Step 3:", "    - Copy the backup to storage outside the hosting "
                         "account.", "    + Encrypt the backup, then copy it to storage "
                         "outside the hosting account."]
    result = runner.invoke(app, ["check", str(workspace / "suara"), "--strict"])
    assert result.exit_code == 1 and "sopgen adopt --update TEC-01" in result.stderr
    assert move_pin(workspace / "suara", "TEC-01") == ("content/adopted.yaml", "0.2.0")
    assert 'version: "0.2.0"' in (workspace / "suara" / "content" / "adopted.yaml").read_text()
    assert not adoption_drift(check_project(workspace / "suara"))
    step = read_handbook(workspace / "suara").handbook.procedure("TEC-01").steps[-2]
    assert step.text.startswith("Encrypt the backup")


def test_an_adoption_that_escapes_the_workspace_is_refused(workspace: Path,
                                                           tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    init_project(outside, language="en", starter="blank")
    ws_file = workspace / WORKSPACE_FILE
    _edit(ws_file, 'library = "library"', 'library = "../elsewhere"')
    with pytest.raises(SopgenError) as caught:
        read_handbook(workspace / "suara")
    assert caught.value.lines() == [
        "../sopgen-workspace.toml:3:1: error: '../elsewhere' is outside the workspace (a '..', "
        "an absolute path or a link that leads out) — move the project into the workspace "
        "folder and list it by its folder name"]
    _edit(ws_file, 'library = "../elsewhere"', 'library = "shared"')
    (workspace / "shared").symlink_to(outside, target_is_directory=True)
    with pytest.raises(SopgenError) as caught:
        read_handbook(workspace / "suara")
    assert "'shared' is outside the workspace" in caught.value.lines()[0]


def test_a_library_that_adopts_is_a_cycle(workspace: Path) -> None:
    write(workspace / "library", "content/adopted.yaml",
          'adopt: {id: MAN-01, version: "0.1.0"}\n')
    with pytest.raises(SopgenError) as caught:
        read_handbook(workspace / "library")
    assert caught.value.lines() == [
        "content/adopted.yaml:1:1: error: the library (.) cannot adopt procedures: adoption "
        "goes from the library to partners only, and a library that adopts (from a partner "
        "or from itself) would go round in a circle — write the procedure in the library "
        "itself"]
    run = check_workspace(workspace)
    assert [r.name for r in run.failed] == ["library"]


def test_a_partner_refuses_a_library_snapshot_that_adopts(workspace: Path) -> None:
    snapshot = workspace / "library" / "releases" / "0.1.0.yaml"
    (workspace / "library" / "releases" / "0.1.0.sha256").unlink()
    snapshot.write_text(snapshot.read_text() + 'adopt:\n  - {id: TEC-01, version: "0.1.0"}\n')
    with pytest.raises(SopgenError) as caught:
        read_handbook(workspace / "suara")
    assert caught.value.lines()[0].startswith(
        "content/adopted.yaml:2:5: error: the library (../library) cannot adopt procedures")


def test_duplicate_document_ids_are_refused(workspace: Path) -> None:
    document = workspace / "north" / "content" / "document.yaml"
    _edit(document, "id: SOP-NORTH", "id: SOP-SUARA")
    with pytest.raises(SopgenError) as caught:
        build_workspace(workspace, BuildOptions(formats=("md",)))
    assert caught.value.lines() == [
        "sopgen-workspace.toml: error: the document id SOP-SUARA is used by suara, north — "
        "give each partner its own id (document: id:), as file names and reports tell "
        "partners apart by it"]
    assert not (workspace / "output").exists()


def test_roles_the_partner_lacks_and_unknown_steps_are_named(workspace: Path) -> None:
    adopted = workspace / "lentera" / "content" / "adopted.yaml"
    _edit(adopted, "  roles: {admin: it-officer}\n", "")
    _edit(adopted, "override: {frequency: daily}", "override: {steps: {remove: [ofsite]}}")
    with pytest.raises(SopgenError) as caught:
        read_handbook(workspace / "lentera")
    assert caught.value.lines() == [
        "content/adopted.yaml:2:3: error: TEC-01 names the library role 'admin', which this "
        "partner does not have — map it under roles (e.g. roles: {admin: your-role-id}) or "
        "add a role with id admin; this partner's roles: coordinator, editor, it-officer",
        "content/adopted.yaml:4:31: error: procedure TEC-01 in the library has no step with "
        "id 'ofsite' (did you mean 'offsite'?) — use one of: offsite, run"]


def test_unlisted_projects_and_init_in_a_workspace(workspace: Path) -> None:
    init_project(workspace / "stray", language="en", starter="blank")
    with pytest.raises(SopgenError) as caught:
        read_workspace(workspace)
    assert caught.value.lines() == [
        "sopgen-workspace.toml:4:1: error: the folder 'stray' holds a project but is not "
        "listed — add \"stray\" to partners, or move it out of the workspace"]
    assert join_workspace(workspace / "stray") == ("stray", "SOP-STRAY")
    assert list(read_workspace(workspace).partners)[-1] == "stray"
    assert join_workspace(workspace / "stray") == ("stray", "SOP-STRAY")  # again: listed once
    assert list(read_workspace(workspace).partners).count("stray") == 1
    result = runner.invoke(app, ["init", str(workspace / "suara2"), "--language", "en",
                                 "--starter", "blank"])
    assert result.exit_code == 0 and "document id SOP-SUARA2" in result.stdout


def test_the_schema_accepts_the_adoptions_and_rejects_what_adoption_rejects(
        workspace: Path) -> None:
    schema = json_schema()
    for name in PARTNERS:
        path = workspace / name / "content" / "adopted.yaml"
        data, problems = read_yaml(path, path.name)
        assert not problems
        jsonschema.validate(plain(data), schema)
    adopted = workspace / "suara" / "content" / "adopted.yaml"
    for old, new in (("version:", "verison:"), ("add_after", "add_before"),
                     ("title:", "id:"), ('"0.1.0"', '"0.1"')):
        text = adopted.read_text()
        write(workspace / "suara", "content/adopted.yaml", text.replace(old, new, 1))
        with pytest.raises(SopgenError):
            read_handbook(workspace / "suara")
        data, _ = read_yaml(adopted, adopted.name)
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(plain(data), schema)
        write(workspace / "suara", "content/adopted.yaml", text)


def test_a_partner_release_freezes_the_adopted_procedure_whole(workspace: Path) -> None:
    suara = workspace / "suara"
    document = suara / "content" / "document.yaml"
    _edit(document, "Your Organisation", "Suara Kita")
    _edit(document, "status: draft", "status: approved")
    _edit(document, "  authors:", "  approvals:\n  authors:")
    next_version_of(suara, "0.1.0", "2026-01-06")
    freeze(read_handbook(suara))
    (workspace / "library" / "releases" / "0.1.0.yaml").unlink()  # the library moves on
    released = read_release(suara, "0.1.0").handbook.procedure("TEC-01")
    assert released.adopted == Adoption("SOP-LIBRARY", "TEC-01", "0.1.0")
    assert released.title == "Back up the website every week"


def test_a_release_refuses_adopted_text_the_library_has_not_released(
        workspace: Path) -> None:
    adopted = workspace / "suara" / "content" / "adopted.yaml"
    _edit(adopted, "id: TEC-01", "id: MAN-01")
    _edit(adopted, "override:\n      title: Back up the website every week\n      steps:\n"
          "        add_after: {run: [\"Write the backup's size in the log.\"]}\n", "")
    library = workspace / "library" / "content" / "document.yaml"
    _edit(library, 'version: "0.1.0"\n  status', 'version: "0.2.0"\n  status')
    _edit(adopted, '"0.1.0"', '"0.2.0"')
    with pytest.raises(SopgenError) as caught:
        read_handbook(workspace / "suara")
    assert caught.value.lines()[0].startswith(
        "content/adopted.yaml:2:9: error: the procedure id 'MAN-01' is used twice (first at "
        "content/procedures/MAN-01.yaml:3:7)")
    (workspace / "suara" / "content" / "procedures" / "MAN-01.yaml").unlink()
    checked = read_handbook(workspace / "suara")
    assert checked.handbook.procedure("MAN-01").adopted == Adoption(
        "SOP-LIBRARY", "MAN-01", "0.2.0")
    assert "content/adopted.yaml:3:14: warning: the library has not released version 0.2.0: " \
           "its current content is adopted and may still change — release the library " \
           "(sopgen release) before this partner releases" in checked.warnings
    assert any(p.code == "adopt_unreleased" and p.severity == "error"
               for p in release_problems(checked))


def test_release_workspace_releases_the_ready_partner_and_names_the_others(
        workspace: Path) -> None:
    suara = workspace / "suara"
    document = suara / "content" / "document.yaml"
    _edit(document, "Your Organisation", "Suara Kita")
    _edit(document, "status: draft", "status: approved")
    _edit(document, "  authors:", "  approvals:\n  authors:")
    next_version_of(suara, "0.1.0", "2026-01-06")
    result = runner.invoke(app, ["release", str(workspace), "--workspace"])
    assert result.exit_code == 1
    rows = {line.split()[0]: line.split() for line in result.stdout.splitlines()[1:]}
    assert rows["suara"][2] == "ok" and rows["lentera"][2] == "failed"
    pdf = workspace / "output" / "suara" / "0.1.0" / "SOP-SUARA-0.1.0.pdf"
    with pikepdf.open(pdf) as opened:
        assert rows["suara"][3] == str(len(opened.pages))
    assert (suara / "releases" / "0.1.0.yaml").is_file()
    assert "4 of 5 partners failed" in result.stderr


def test_init_workspace_makes_a_library_that_builds_alone(tmp_path: Path) -> None:
    made = runner.invoke(app, ["init", "--workspace", str(tmp_path / "ws"), "--language", "id"])
    assert made.exit_code == 0, made.output
    assert (tmp_path / "ws" / ".gitignore").read_text() == "output/\n.sopgen/\n"
    listed = runner.invoke(app, ["partners", str(tmp_path / "ws"), "--json"])
    assert json.loads(listed.stdout) == []
    library = read_handbook(tmp_path / "ws" / "library").handbook
    assert library.document.id == "SOP-LIBRARY" and library.document.language == "id"
    assert read_workspace(tmp_path / "ws").library == (tmp_path / "ws" / "library").resolve()
    checked = runner.invoke(app, ["check", str(tmp_path / "ws"), "--workspace"])
    assert checked.exit_code == 0 and checked.stdout.splitlines()[1].split()[:3] == [
        "library", "0.1.0", "ok"]


def _released(project: Path, organisation: str, classification: str) -> None:
    """Approve the partner's 0.1.0 with the given classification and freeze it."""
    document = project / "content" / "document.yaml"
    _edit(document, "Your Organisation", organisation)
    _edit(document, "status: draft", "status: approved")
    _edit(document, "  authors:", "  approvals:\n  authors:")
    _edit(document, "classification: internal", f"classification: {classification}")
    next_version_of(project, "0.1.0", "2026-01-06")
    freeze(read_handbook(project))


@pytest.mark.slow
def test_publish_workspace_publishes_each_partner_and_names_the_others(
        workspace: Path) -> None:
    _released(workspace / "suara", "Suara Kita", "public")
    _released(workspace / "north", "North Aid", "public")
    _released(workspace / "lentera", "Lentera", "internal")  # above the public edition
    result = runner.invoke(app, ["publish", str(workspace), "--workspace"])
    assert result.exit_code == 1
    rows = {line.split()[0]: line.split() for line in result.stdout.splitlines()[1:]}
    assert set(rows) == set(PARTNERS)
    assert rows["suara"][1:3] == ["0.1.0", "ok"] and rows["north"][1:3] == ["0.1.0", "ok"]
    assert all(rows[name][2] == "failed" for name in ("lentera", "pelita", "harapan"))
    assert "3 of 5 partners failed" in result.stderr
    assert "[lentera] releases/0.1.0.yaml:22:21: error: version 0.1.0 is classified " \
           "internal: a public edition would give it to readers it is not meant for" \
           in result.stderr
    assert "[pelita] releases: error: nothing has been released yet" in result.stderr
    for name, organisation in (("suara", "Suara Kita"), ("north", "North Aid")):
        site = workspace / "output" / name / "site"
        index = Page((site / "index.html").read_text(encoding="utf-8"))
        assert "0.1.0" in index.text, index.text
        home = Page((site / "latest" / "index.html").read_text(encoding="utf-8"))
        assert organisation in home.text
        with pikepdf.open(site / "0.1.0" / f"SOP-{name.upper()}-0.1.0.pdf") as pdf:
            assert len(pdf.pages) > 1
    assert not (workspace / "output" / "lentera" / "site").exists()
    leftovers = [p for p in (workspace / "output").rglob("*")
                 if p.name.startswith((".cache", ".lock", ".staging", ".old"))]
    assert leftovers == []
    assert (workspace / ".sopgen" / "suara" / ".lock").is_file()
    intranet = runner.invoke(app, ["publish", str(workspace), "--partner", "lentera",
                                   "--edition", "internal"])
    assert intranet.exit_code == 0, intranet.output
    assert intranet.stdout.splitlines()[1].split()[:3] == ["lentera", "0.1.0", "ok"]
    assert (workspace / "output" / "lentera" / "site-internal" / "index.html").is_file()
    assert "1 partner(s) published, each site in " \
           f"{workspace / 'output'}/PARTNER/" in intranet.stdout
