"""The command line, through typer's runner: exit codes, messages, files written."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from sopgen import __version__
from sopgen.cli import app
from tests.conftest import write

runner = CliRunner()


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == f"sopgen {__version__}"


def test_validate_ok(mini: Path) -> None:
    result = runner.invoke(app, ["validate", str(mini)])
    assert result.exit_code == 0, result.output
    assert "OK, 3 procedures" in result.output


def test_validate_reports_problem_with_file_and_line_and_exit_1(mini: Path) -> None:
    write(mini, "content/extra.yaml", "roles:\n  - id: Bad Id\n    title: X\n")
    result = runner.invoke(app, ["validate", str(mini)])
    assert result.exit_code == 1
    assert ("content/extra.yaml:2:9: error: ID (id): 'Bad Id' is not a valid role "
            "id") in result.output
    assert "Traceback" not in result.output


def test_build_selected_formats_into_output_folder(mini: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    result = runner.invoke(app, ["build", str(mini), "--format", "md", "-f", "html",
                                 "--output", str(out)])
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in (out / "1.2.0-draft").iterdir())
    assert names == ["SOP-MINI-1.2.0-draft.html", "SOP-MINI-1.2.0-draft.md"]


def test_build_defaults_to_project_output_folder(mini: Path) -> None:
    result = runner.invoke(app, ["build", str(mini), "-f", "md"])
    assert result.exit_code == 0, result.output
    assert (mini / "output" / "1.2.0-draft" / "SOP-MINI-1.2.0-draft.md").is_file()


def test_missing_project_is_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["build", str(tmp_path / "nowhere")])
    assert result.exit_code == 1
    assert "there is no folder" in result.output and "sopgen init" in result.output


def test_unknown_format_is_refused(mini: Path) -> None:
    result = runner.invoke(app, ["build", str(mini), "--format", "odt"])
    assert result.exit_code == 2 and "did you mean 'docx'" not in result.output


def test_word_format_is_built_on_request_only(mini: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(app, ["build", str(mini), "-f", "docx", "-o", str(out)])
    assert result.exit_code == 0, result.output
    made = {p.suffix for p in out.rglob("*") if p.is_file()}
    assert ".docx" in made and not made & {".md", ".html", ".pdf"}


def test_help_does_not_import_weasyprint() -> None:
    code = ("import sys; from sopgen.cli import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "print('weasyprint' in sys.modules, 'markdown_it' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip().splitlines()[-1] == "False False"


def test_every_command_is_documented_in_readme() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    for command in app.registered_commands:
        name = command.name or command.callback.__name__
        assert f"sopgen {name}" in readme, name


def test_choices_take_any_case_commas_and_indonesian_pillar_names(mini: Path,
                                                                 tmp_path: Path) -> None:
    built = runner.invoke(app, ["build", str(mini), "-f", "md,HTML", "-o", str(tmp_path)])
    assert built.exit_code == 0, built.output
    assert sorted(p.suffix for p in (tmp_path / "1.2.0-draft").iterdir()) == [".html", ".md"]
    made = runner.invoke(app, ["new", "procedure", "--pillar", "teknis", str(mini)])
    assert made.exit_code == 0 and "TEK-02.yaml" in made.output
    wrong = runner.invoke(app, ["new", "procedure", "--pillar", "tecnical", str(mini)])
    assert wrong.exit_code == 2
    assert "'tecnical' is not a pillar (did you mean 'technical'?)" in wrong.output
    assert "Value error" not in wrong.output


def test_the_command_leaves_its_objects_to_the_end_of_the_process() -> None:
    """Python's collection at exit would walk every object a build kept alive."""
    code = ("import gc; from sopgen.cli import main\n"
            "try:\n    main(['--version'])\nexcept SystemExit:\n    pass\n"
            "print(gc.get_freeze_count() > 0)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip().splitlines()[-1] == "True"
