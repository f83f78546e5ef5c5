"""Authoring for non-programmers: init, new, schema, check, serve."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import time
import urllib.request
from pathlib import Path

import jsonschema
import pytest
import yaml
from typer.testing import CliRunner

from sopgen.cli import app
from sopgen.commands.build import build_project
from sopgen.commands.check import check_project
from sopgen.commands.schema import json_schema
from sopgen.core.errors import SopgenError, ValidationFailed
from sopgen.outputs.table import BuildOptions
from sopgen.reading.handbook import read_handbook
from sopgen.reading.releases import plain
from sopgen.reading.yamlread import read_yaml
from tests.conftest import FIXTURES, ROOT, write

runner = CliRunner()


# ------------------------------------------------------------------ init

SAMPLE_PROCEDURES = len(list((ROOT / "content").glob("*/*-[0-9]*.yaml")))  # one per file


@pytest.mark.parametrize(("starter", "language", "procedures"),
                         [("website", "id", SAMPLE_PROCEDURES), ("blank", "id", 3),
                          ("blank", "en", 3)])
def test_init_makes_a_project_that_builds_at_once(tmp_path: Path, starter: str, language: str,
                                                  procedures: int) -> None:
    target = tmp_path / "new"
    result = runner.invoke(app, ["init", str(target), "--starter", starter,
                                 "--language", language])
    assert result.exit_code == 0, result.output
    checked = read_handbook(target)
    assert len(checked.handbook.procedures) == procedures
    assert checked.handbook.document.language == language
    assert (target / "README.md").read_text().startswith("#")
    assert (target / "sopgen.schema.json").is_file()
    for path in (target / "content").rglob("*.yaml"):
        first = path.read_text().splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema=")
        assert (path.parent / first.split("=", 1)[1]).resolve() == \
            (target / "sopgen.schema.json").resolve()
    built = build_project(target, BuildOptions(formats=["md", "html"]))
    assert built.draft and len(built.written) == 2
    org = checked.handbook.document.organisation
    untouched = [value for value in (org.name, org.short_name, org.address, org.website)
                 if value]
    example = [p.params["text"] for p in checked.problems if p.code == "starter_placeholder"
               and p.loc.file.startswith("content/do")]  # document.yaml, dokumen.yaml
    assert example == [re.search(r"\[\[.*\]\]", value)[0] for value in untouched]


def test_website_starter_is_generic_and_in_step_with_the_sample(tmp_path: Path) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_starter",
                                                  ROOT / "scripts" / "make_starter.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.make(tmp_path / "fresh")
    shipped = ROOT / "sopgen" / "starters" / "website"
    fresh = {p.relative_to(tmp_path / "fresh").as_posix(): p.read_text()
             for p in (tmp_path / "fresh").rglob("*.yaml")}
    assert fresh == {p.relative_to(shipped).as_posix(): p.read_text()
                     for p in shipped.rglob("*.yaml")}, \
        "run: .venv/bin/python scripts/make_starter.py"
    assert not any("Suara Kita" in text or "OurVoice" in text for text in fresh.values())


def test_init_refuses_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine")
    result = runner.invoke(app, ["init", str(tmp_path)])
    assert result.exit_code == 1 and "is not empty" in result.output
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]


def test_website_starter_exists_only_in_indonesian(tmp_path: Path) -> None:
    result = runner.invoke(app, ["init", str(tmp_path / "x"), "--language", "en"])
    assert result.exit_code == 1 and "--starter blank" in result.output


# ------------------------------------------------------------------ new procedure

def test_new_procedure_takes_next_free_id_in_the_pillar_folder(tmp_path: Path) -> None:
    project = tmp_path / "p"
    shutil.copytree(ROOT / "content", project / "content")
    result = runner.invoke(app, ["new", "procedure", "--pillar", "technical",
                                 "--title", "Memperbarui PHP", str(project)])
    assert result.exit_code == 0, result.output
    created = project / "content" / "teknis" / "TEK-21.yaml"
    assert result.output.strip() == f"created {created}"
    text = created.read_text()
    assert text.startswith("# yaml-language-server: $schema=../../sopgen.schema.json\n")
    assert "  # Mengapa prosedur ini ada (Markdown)." in text  # comments in the SOP's language
    checked = read_handbook(project, today=dt.date(2026, 2, 1))
    procedure = checked.handbook.procedure("TEK-21")
    assert procedure.title == "Memperbarui PHP" and procedure.pillar == "technical"
    assert any("masih berisi teks isian" in line for line in checked.warnings)


def test_new_procedure_in_empty_pillar_uses_default_prefix(mini: Path) -> None:
    (mini / "content" / "procedures.yaml").write_text(
        (mini / "content" / "procedures.yaml").read_text().split("  - id: KON-01")[0])
    result = runner.invoke(app, ["new", "procedure", "--pillar", "content", str(mini)])
    assert result.exit_code == 0, result.output
    assert (mini / "content" / "content" / "CON-01.yaml").is_file()


# ------------------------------------------------------------------ schema

def _as_strings(path: Path) -> object:
    data, problems = read_yaml(path, path.name)
    assert not problems
    return plain(data)


def test_schema_accepts_every_sample_file() -> None:
    schema = json_schema()
    for path in sorted((ROOT / "content").rglob("*.yaml")):
        jsonschema.validate(_as_strings(path), schema)
    for path in sorted((ROOT / "content").rglob("*.yaml")):  # as an editor reads YAML too
        jsonschema.validate(json.loads(json.dumps(yaml.safe_load(path.read_text()),
                                                  default=str)), schema)


@pytest.mark.parametrize("mistake", [
    ("roles:\n  - id: editor\n    title: E\n    colour: red\n"),
    ("roles:\n  - id: Editor Besar\n    title: E\n"),
    ("procedures:\n  - id: TEK-9\n    title: T\n    pillar: technik\n    purpose: P\n"
     "    responsible: editor\n    frequency: weekly\n    steps: [Do it now.]\n"),
    ("procedures:\n  - id: TEK-9\n    title: T\n    pillar: technical\n    purpose: P\n"
     "    responsible: editor\n    frequency: fortnightly\n    steps: [Do it now.]\n"),
    ("procedures:\n  - id: TEK-9\n    title: T\n    pillar: technical\n    purpose: P\n"
     "    responsible: editor\n    frequency: weekly\n    steps: [Do it now.]\n"
     "    last_reviewed: 31/05/2013\n"),
    ("procedures:\n  - id: TEK-9\n    title: T\n    pillar: technical\n    purpose: P\n"
     "    frequency: weekly\n    steps: [Do it now.]\n"),
    ("glosary:\n  - term: A\n    definition: B\n"),
    # schedules: a day some months lack, a time with a dot, a misspelt weekday
    *("procedures:\n  - id: TEK-9\n    title: T\n    pillar: technical\n    purpose: P\n"
      "    responsible: editor\n    frequency: monthly\n    steps: [Do it now.]\n"
      f"    schedules:\n      - {schedule}\n"
      for schedule in ("day_of_month: 31", "time: '9.30'", "weekdays: [tuesdy]",
                       "working_days: yes", "week: 2")),
])
def test_schema_rejects_what_the_validator_rejects(mini: Path, mistake: str) -> None:
    path = write(mini, "content/mistake.yaml", mistake)
    with pytest.raises(ValidationFailed):
        read_handbook(mini)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(_as_strings(path), json_schema())


def test_schema_command_writes_file(tmp_path: Path) -> None:
    result = runner.invoke(app, ["schema", "-o", str(tmp_path / "s.json")])
    assert result.exit_code == 0
    assert json.loads((tmp_path / "s.json").read_text())["properties"]["procedure"]


# ------------------------------------------------------------------ check

def test_check_warns_like_a_reviewer_and_strict_fails(mini: Path) -> None:
    write(mini, "content/extra.yaml", """\
roles:
  - id: idle
    title: Nobody uses me
glossary:
  - term: Zebra crossing
    definition: Never mentioned.
procedures:
  - id: TEK-02
    title: Thin
    pillar: technical
    purpose: Shows thin steps. ![flow](https://example.org/flow.png) [run](javascript:alert(1))
    responsible: admin
    accountable: coordinator
    frequency: monthly
    last_reviewed: 2020-01-01
    steps: [Check., Restart the web server.]
""")
    checked = check_project(mini, today=dt.date(2024, 6, 1))
    text = "\n".join(checked.warnings)
    assert "content/extra.yaml:2:9: warning: no procedure uses the role 'idle'" in text
    assert "glossary term 'Zebra crossing' is not used" in text
    assert ("procedure TEK-02 was last reviewed on 2020-01-01, more than 12 months before "
            "this version took effect on 2024-03-01") in text
    assert "step 1 of TEK-02 says only 'Check.'" in text
    assert "Restart the web server" not in text
    assert "procedure KON-01 names nobody accountable" in text
    assert ("extra.yaml:9:13: warning: procedure TEK-02 is in the pillar 'Technical', but its "
            "prefix" not in text)  # TEK- is the technical pillar's
    # What a build would remove from the text is found without building:
    assert ("extra.yaml:11:14: warning: the image 'https://example.org/flow.png' was left "
            "out") in text
    assert "extra.yaml:11:14: warning: the link to 'javascript:alert(1)' was removed" in text
    with pytest.raises(ValidationFailed) as caught:
        check_project(mini, strict=True, today=dt.date(2024, 6, 1))
    assert all(": error: " in line for line in caught.value.lines())
    result = runner.invoke(app, ["check", str(mini), "--strict"])
    assert result.exit_code == 1


def test_sample_has_no_warnings_today() -> None:
    assert check_project(ROOT).warnings == []


def test_overdue_document_review_is_reported_in_indonesian() -> None:
    checked = check_project(ROOT, today=dt.date(2027, 3, 1))
    assert any("SOP ini seharusnya ditinjau pada 2027-02-01" in line for line in checked.warnings)


# ------------------------------------------------------------------ serve

def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read().decode()


def wait_for(predicate, seconds: float = 8.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_serve_rebuilds_on_save_and_shows_errors(mini: Path) -> None:
    from sopgen.commands.serve import start

    lines: list[str] = []
    server = start(mini, port=0, report=lines.append)
    try:
        assert "Back up the database" in fetch(server.url)
        assert "/__sopgen/state" in fetch(server.url)  # the page reloads itself
        procedures = mini / "content" / "procedures.yaml"
        procedures.write_text(procedures.read_text().replace(
            "title: Back up the database", "title: Back up the database every week"))
        assert wait_for(lambda: "Back up the database every week" in fetch(server.url))
        procedures.write_text(procedures.read_text().replace("pillar: technical",
                                                             "pillar: tecnical"))
        assert wait_for(lambda: "problem" in fetch(server.url))
        page = fetch(server.url)
        assert "content/procedures.yaml:" in page and "tecnical" in page
        assert any("tecnical" in line for line in lines)  # the terminal too
        assert "Back up the database every week" in fetch(server.url + "last-good")
        state = json.loads(fetch(server.url + "__sopgen/state"))
        assert state["ok"] is False
    finally:
        server.stop()


def test_serve_refuses_a_folder_without_content(tmp_path: Path) -> None:
    from sopgen.commands.serve import start

    with pytest.raises(SopgenError):
        start(tmp_path, port=0)


def test_fixture_is_untouched() -> None:
    assert (FIXTURES / "mini" / "content" / "procedures.yaml").read_text().count("TEK-01") == 2


def test_preview_holds_no_more_objects_after_many_failed_rebuilds(mini: Path) -> None:
    """A broken template fails every save; what each failure made must not pile up."""
    import gc

    from sopgen.commands.serve import Preview
    from sopgen.reading.load import Project

    write(mini, "templates/handbook.html.j2", '{% import "_macros.html.j2" as m with context %}'
          "{% for p in handbook.procedures %}{{ m.procedure(p) }}{% endfor %}{{ nope.attr }}")
    preview = Preview(Project.at(mini))
    counts = []
    for _ in range(8):
        preview.rebuild(lambda line: None)
        counts.append(len(gc.get_objects()))
    assert preview.errors and "'nope' is undefined" in preview.errors[0]
    assert counts[-1] - counts[2] < 200, counts  # about 1,000 more a save when they piled up


def test_check_questions_a_future_review_and_an_id_from_another_pillar(mini: Path) -> None:
    write(mini, "content/extra.yaml", """\
procedure:
  id: KON-05
  title: Filed under the wrong pillar
  pillar: technical
  purpose: Shows the prefix check.
  responsible: [admin]
  frequency: monthly
  last_reviewed: 2099-01-01
  steps: [Check the backups again.]
""")
    write(mini, "content/more.yaml", procedure_file("KON-06", "content"))
    text = "\n".join(check_project(mini, today=dt.date(2024, 6, 1)).warnings)
    assert ("content/extra.yaml:2:7: warning: procedure KON-05 says it was last reviewed on "
            "2099-01-01, which is still to come — correct the date") in text
    assert ("content/extra.yaml:4:11: warning: procedure KON-05 is in the pillar 'Technical', "
            "but its prefix is the one the pillar 'Content' uses — change pillar or id") in text


def procedure_file(ident: str, pillar: str) -> str:
    return (f"procedure:\n  id: {ident}\n  title: Another\n  pillar: {pillar}\n"
            "  purpose: One more.\n  responsible: [admin]\n  frequency: monthly\n"
            "  steps: [Check the backups again.]\n")
