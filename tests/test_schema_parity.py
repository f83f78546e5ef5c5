"""The exported JSON Schema and sopgen agree: an editor flags exactly what ``validate``
refuses. Checked with ``check-jsonschema`` (what a CI job or pre-commit hook runs) on the
sample, every starter, fresh ``new procedure`` files and a table of files right and wrong.
The tables name no model field beyond those every version has, so new fields need no
change here: the schema is generated from the model."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sopgen.commands.scaffold import STARTERS, init_project, new_procedure
from sopgen.commands.schema import install_schema, schema_text
from sopgen.core.errors import ValidationFailed
from sopgen.core.model import PILLARS
from sopgen.reading.handbook import read_handbook
from tests.conftest import write

ROOT = Path(__file__).resolve().parent.parent
CHECKER = [sys.executable, "-m", "check_jsonschema"]


def schema_rejects(schema: Path, files: list[Path]) -> set[Path]:
    """The files ``check-jsonschema`` refuses, by running it once on all of them."""
    result = subprocess.run([*CHECKER, "--schemafile", str(schema), *map(str, files)],
                            capture_output=True, text=True, check=False)
    refused = {Path(match) for match in re.findall(r"^\s*(.+?)::", result.stdout, re.MULTILINE)}
    assert result.returncode == (1 if refused else 0), result.stdout + result.stderr
    return refused


def schema_file(folder: Path) -> Path:
    path = folder / "sopgen.schema.json"
    path.write_text(schema_text(), encoding="utf-8")
    return path


def content_of(project: Path) -> list[Path]:
    return sorted(path for path in (project / "content").rglob("*.yaml")
                  if "assets" not in path.parts)


def test_the_sample_is_valid_to_both(tmp_path: Path) -> None:
    read_handbook(ROOT)
    assert schema_rejects(schema_file(tmp_path), content_of(ROOT)) == set()


@pytest.mark.parametrize(("starter", "language"), sorted(STARTERS))
def test_every_starter_and_a_fresh_procedure_per_pillar_are_valid_to_both(
        tmp_path: Path, starter: str, language: str) -> None:
    project = tmp_path / "project"
    init_project(project, language=language, starter=starter)
    created = [new_procedure(project, pillar=pillar) for pillar in PILLARS]
    created.append(new_procedure(project, pillar="technical", title="Restore a backup"))
    read_handbook(project)  # warnings (placeholders to fill in), but no error
    assert "  last_reviewed:\n" in created[0].read_text()  # left empty, as written by new
    files = content_of(project)
    assert set(created) <= set(files)
    assert schema_rejects(project / "sopgen.schema.json", files) == set()


PROCEDURE = """\
procedure:
  id: MAN-02
  title: Extra
  pillar: management
  purpose: Extra purpose.
  responsible: [admin]
  frequency: weekly
  steps:
    - Do it now.
"""


def _with(old: str, new: str) -> str:
    assert old in PROCEDURE
    return PROCEDURE.replace(old, new, 1)


WRONG = {
    "event without trigger": _with("weekly", "event"),
    "event with an empty trigger": _with("weekly", "event\n  trigger: ''"),
    "no steps": _with("  steps:\n    - Do it now.\n", "  steps: []\n"),
    "an empty step": _with("    - Do it now.", "    - '  '"),
    "javascript address": PROCEDURE + "  references:\n    - title: X\n      url: javascript:x\n",
    "ftp address": PROCEDURE + "  references:\n    - title: X\n      url: ftp://x.org/a\n",
    "address with a space": PROCEDURE + ("  references:\n    - title: X\n"
                                         "      url: https://x.org/a b\n"),
    "lower-case procedure id": _with("MAN-02", "man-02"),
    "role id with capitals": _with("[admin]", "[Web_Admin]"),
    "no such day": PROCEDURE + "  last_reviewed: 2024-02-30\n",
    "day first": PROCEDURE + "  last_reviewed: 31/05/2013\n",
    "year out of range": PROCEDURE + "  last_reviewed: 1899-01-01\n",
    "nobody responsible": _with("[admin]", "[]"),
    "empty title": _with("title: Extra", "title: ''"),
    "blank title": _with("title: Extra", "title: '   '"),
    "a misspelt field": _with("title: Extra", "titel: Extra"),
    "a choice not offered": _with("weekly", "biweekly"),
    "a list item left empty": _with("[admin]", "[admin, '']"),
    "roles as one text": _with("[admin]", "admin, coordinator"),
    "a related id that no procedure could have": PROCEDURE + "  related: [tek 1]\n",
    "a procedure left empty": "procedure:\n",
}

RIGHT = {
    "a number as a title": _with("title: Extra", "title: 2024"),
    "an empty review date": PROCEDURE + "  last_reviewed:\n",
    "an empty trigger when not an event": PROCEDURE + "  trigger: ''\n",
    "an empty list written as text": PROCEDURE + "  consulted: ''\n",
    "one role as text": _with("[admin]", "admin"),
    "a capital scheme": PROCEDURE + ("  references:\n    - title: X\n"
                                     "      url: MAILTO:web@example.org\n"),
    "an empty glossary": "glossary:\n",
}


@pytest.mark.parametrize("table", ["wrong", "right"])
def test_a_table_of_files_gets_the_same_verdict_from_both(mini: Path, tmp_path: Path,
                                                          table: str) -> None:
    cases = WRONG if table == "wrong" else RIGHT
    projects = {}
    for index, (name, text) in enumerate(cases.items()):
        project = tmp_path / f"case-{index}"
        shutil.copytree(mini, project)
        projects[name] = write(project, "content/extra.yaml", text)
    sopgen_refuses = set()
    for name, path in projects.items():
        try:
            read_handbook(path.parent.parent)
        except ValidationFailed:
            sopgen_refuses.add(name)
    refused = schema_rejects(schema_file(tmp_path), list(projects.values()))
    schema_refuses = {name for name, path in projects.items() if path in refused}
    expected = set(cases) if table == "wrong" else set()
    assert sopgen_refuses == expected
    assert schema_refuses == expected


def test_install_points_an_existing_projects_files_at_the_schema(mini: Path) -> None:
    procedures = mini / "content" / "procedures.yaml"
    before = procedures.read_bytes()
    write(mini, "content/sub/extra.yaml", "\ufeffglossary:\r\n  - term: X\r\n"
          "    definition: Y\r\n")
    commented = write(mini, "content/own.yaml", "# yaml-language-server: $schema=elsewhere.json"
                      "\nglossary: []\n")
    own = commented.read_bytes()
    schema, changed = install_schema(mini)
    assert schema == mini / "sopgen.schema.json" and schema.read_text() == schema_text()
    assert sorted(p.name for p in changed) == ["document.yaml", "extra.yaml", "procedures.yaml"]
    assert procedures.read_bytes() == b"# yaml-language-server: $schema=../sopgen.schema.json\n" \
        + before
    assert (mini / "content" / "sub" / "extra.yaml").read_bytes() == (
        b"\xef\xbb\xbf# yaml-language-server: $schema=../../sopgen.schema.json\r\n"
        b"glossary:\r\n  - term: X\r\n    definition: Y\r\n")
    assert commented.read_bytes() == own  # a schema named already is the user's choice
    again = {p: p.read_bytes() for p in content_of(mini)}
    assert install_schema(mini)[1] == []  # idempotent
    assert {p: p.read_bytes() for p in content_of(mini)} == again
    read_handbook(mini)


def test_the_samples_files_name_the_schema_beside_them() -> None:
    for path in content_of(ROOT):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        depth = len(path.relative_to(ROOT / "content").parts)
        assert first == "# yaml-language-server: $schema=" + "../" * depth + \
            "sopgen.schema.json", path
    assert (ROOT / "sopgen.schema.json").read_text() == schema_text(), \
        "regenerate with `python -m tests.golden` (or `sopgen schema --install .`)"


def test_the_command_installs_and_says_what_it_did(mini: Path) -> None:
    from typer.testing import CliRunner

    from sopgen.cli import app

    result = CliRunner().invoke(app, ["schema", "--install", str(mini)])
    assert result.exit_code == 0, result.output
    assert result.output == (f"wrote {mini.resolve() / 'sopgen.schema.json'}; added the "
                             "editor comment to 2 file(s)\n")
    again = CliRunner().invoke(app, ["schema", "--install", str(mini)])
    assert again.output.endswith("added the editor comment to 0 file(s)\n")
