"""CI for a content repository: the workflows `init --ci` writes, validated against the
published schemas by check-jsonschema (offline: it ships them), and the annotations
`check --annotations` gives, parsed back as GitHub and GitLab read them."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from sopgen import __version__
from sopgen.cli import app
from sopgen.core.catalogue import catalogue
from sopgen.reading.handbook import read_handbook

runner = CliRunner()
CHECK_JSONSCHEMA = Path(sys.executable).parent / "check-jsonschema"
SCHEMAS = {"github": "vendor.github-workflows", "gitlab": "vendor.gitlab-ci"}
FILES = {"github": ".github/workflows/sopgen.yml", "gitlab": ".gitlab-ci.yml"}


def validate_workflow(system: str, path: Path) -> subprocess.CompletedProcess[str]:
    tool = str(CHECK_JSONSCHEMA) if CHECK_JSONSCHEMA.exists() else shutil.which(
        "check-jsonschema")
    assert tool, "check-jsonschema is a test dependency"
    return subprocess.run([tool, "--builtin-schema", SCHEMAS[system], str(path)],
                          capture_output=True, text=True, check=False)


def repository(tmp_path: Path, mini: Path, *, workspace: bool = False) -> Path:
    """A git repository with the project (or a workspace of two partners) in handbook/."""
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    if workspace:
        root = repo / "handbook"
        for name in ("suara-kita", "lentera"):
            shutil.copytree(mini, root / name)
        (root / "sopgen-workspace.toml").write_text(
            'partners = ["suara-kita", "lentera"]\n')
    else:
        shutil.copytree(mini, repo / "handbook")
    return repo


@pytest.mark.parametrize("system", ["github", "gitlab"])
@pytest.mark.parametrize("workspace", [False, True], ids=["project", "workspace"])
def test_init_ci_writes_a_workflow_that_validates(tmp_path: Path, mini: Path, system: str,
                                                  workspace: bool) -> None:
    repo = repository(tmp_path, mini, workspace=workspace)
    result = runner.invoke(app, ["init", str(repo / "handbook"), "--ci", system])
    assert result.exit_code == 0, result.output
    path = repo / FILES[system]
    assert validate_workflow(system, path).returncode == 0, validate_workflow(system, path)
    text = path.read_text()
    assert f'pip install "sopgen=={__version__}"' in text  # the sopgen that wrote it
    assert "handbook" in text and "@PROJECT@" not in text and "@VERSION@" not in text
    assert ("sopgen partners --json" in text) == workspace
    assert sorted(p.name for p in (repo / "handbook").iterdir()) == sorted(
        p.name for p in (tmp_path / "repo" / "handbook").iterdir())  # nothing else written
    if system == "github":
        uses = re.findall(r"uses: ([\w./-]+)@(\S+)", text)
        assert uses and all(re.fullmatch(r"v\d+", version) for _, version in uses), uses
        assert "libpango-1.0-0" in text  # WeasyPrint's system libraries, for the PDF jobs


def test_the_validator_bites(tmp_path: Path, mini: Path) -> None:
    """check-jsonschema refuses a job without a runner: the schema is really applied."""
    repo = repository(tmp_path, mini)
    runner.invoke(app, ["init", str(repo / "handbook"), "--ci", "github"])
    path = repo / FILES["github"]
    path.write_text(path.read_text().replace("runs-on: ubuntu-latest", "runs: ubuntu", 1))
    assert validate_workflow("github", path).returncode != 0


def test_github_workflow_jobs(tmp_path: Path, mini: Path) -> None:
    repo = repository(tmp_path, mini)
    runner.invoke(app, ["init", str(repo / "handbook"), "--ci", "github"])
    flow = yaml.safe_load((repo / FILES["github"]).read_text())
    jobs = flow["jobs"]
    steps = {name: " ".join(str(step.get("run", step.get("uses", "")))
                            for step in job.get("steps", [])) for name, job in jobs.items()}
    assert "pull_request" in flow[True] and flow[True]["push"]["tags"] == ["v*"]  # on:
    assert "sopgen check --strict --annotations github handbook" in steps["check"]
    assert "actions/upload-artifact" in steps["draft"]
    assert "sopgen verify handbook" in steps["release"]
    assert "gh release upload" in steps["release"]
    assert "sopgen publish" in steps["site"] and "upload-pages-artifact" in steps["site"]
    assert jobs["pages"]["permissions"] == {"pages": "write", "id-token": "write"}
    assert jobs["pages"]["environment"]["name"] == "github-pages"
    assert "actions/deploy-pages" in steps["pages"]


def test_github_workspace_matrix_comes_from_the_partners_job(tmp_path: Path,
                                                             mini: Path) -> None:
    repo = repository(tmp_path, mini, workspace=True)
    runner.invoke(app, ["init", str(repo / "handbook"), "--ci", "github"])
    flow = yaml.safe_load((repo / FILES["github"]).read_text())
    jobs = flow["jobs"]
    assert jobs["partners"]["outputs"]["list"] == "${{ steps.partners.outputs.list }}"
    for name in ("check", "draft", "release"):
        assert jobs[name]["strategy"]["matrix"]["partner"] == \
            "${{ fromJSON(needs.partners.outputs.list) }}"
    # a partner's name reaches the shell as an environment variable, never pasted into it
    scripts = [step["run"] for job in jobs.values() for step in job.get("steps", [])
               if "run" in step]
    assert scripts and not any("${{" in script for script in scripts)


def test_gitlab_workspace_child_pipeline_validates(tmp_path: Path, mini: Path) -> None:
    """The first job writes the partners' pipeline; run its script (with a stand-in for
    `sopgen partners --json`, which prints the workspace's partners) and validate what
    it wrote."""
    repo = repository(tmp_path, mini, workspace=True)
    runner.invoke(app, ["init", str(repo / "handbook"), "--ci", "gitlab"])
    flow = yaml.safe_load((repo / FILES["gitlab"]).read_text())
    bin_folder = tmp_path / "bin"
    bin_folder.mkdir()
    listed = (repo / "handbook/sopgen-workspace.toml").read_text()
    partners = tomllib.loads(listed)["partners"]
    stand_in = bin_folder / "sopgen"
    stand_in.write_text(f"#!/bin/sh\necho '{json.dumps(partners)}'\n")
    stand_in.chmod(0o755)
    script = "\n".join(line for line in flow["partners"]["script"]
                       if not line.startswith("python -m pip install"))
    subprocess.run(["bash", "-ec", script], cwd=repo, check=True,
                   env={"PATH": f"{bin_folder}:/usr/bin:/bin"})
    child = repo / "sopgen-partners.yml"
    checked = validate_workflow("gitlab", child)
    assert checked.returncode == 0, checked.stdout
    pipeline = yaml.safe_load(child.read_text())
    assert pipeline[".each-partner"]["parallel"]["matrix"] == [{"PARTNER": partners}]
    assert pipeline["check"]["artifacts"]["reports"]["codequality"] == \
        "gl-code-quality-report.json"
    assert pipeline["release"]["release"]["tag_name"] == "$CI_COMMIT_TAG"
    assert pipeline["pages"]["artifacts"]["paths"] == ["public"]
    assert flow["each-partner"]["trigger"]["include"][0]["artifact"] == "sopgen-partners.yml"


def test_gitlab_project_jobs(tmp_path: Path, mini: Path) -> None:
    repo = repository(tmp_path, mini)
    runner.invoke(app, ["init", str(repo / "handbook"), "--ci", "gitlab"])
    flow = yaml.safe_load((repo / FILES["gitlab"]).read_text())
    assert flow["check"]["artifacts"]["reports"]["codequality"] == \
        "gl-code-quality-report.json"
    assert flow["pages"]["artifacts"]["paths"] == ["public"]
    assert flow["release"]["release"]["tag_name"] == "$CI_COMMIT_TAG"
    assert any("sopgen verify handbook" in line for line in flow["release-pdf"]["script"])


def test_an_existing_workflow_is_kept_unless_forced(tmp_path: Path, mini: Path) -> None:
    repo = repository(tmp_path, mini)
    path = repo / FILES["gitlab"]
    path.write_text("# our own pipeline\n")
    result = runner.invoke(app, ["init", str(repo / "handbook"), "--ci", "gitlab"])
    assert result.exit_code == 1
    assert "already exists" in result.output and "--force" in result.output
    assert path.read_text() == "# our own pipeline\n"
    assert not list(path.parent.glob(".*.tmp"))
    result = runner.invoke(app, ["init", str(repo / "handbook"), "--ci", "gitlab", "--force"])
    assert result.exit_code == 0 and "sopgen check" in path.read_text()


def test_init_ci_needs_a_project_or_workspace(tmp_path: Path) -> None:
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "todo.txt").write_text("x")
    result = runner.invoke(app, ["init", str(folder), "--ci", "github"])
    assert result.exit_code == 1 and "content/" in result.output
    assert not (folder / ".github").exists()


def test_init_new_project_with_ci(tmp_path: Path) -> None:
    result = runner.invoke(app, ["init", str(tmp_path / "sop"), "--ci", "github"])
    assert result.exit_code == 0, result.output
    path = tmp_path / "sop" / FILES["github"]  # no repository yet: the project's folder
    assert validate_workflow("github", path).returncode == 0
    assert "sopgen check --strict --annotations github ." in path.read_text()


# ------------------------------------------------------------------ annotations

GITHUB_COMMAND = re.compile(r"^::(error|warning) (?P<props>[^:]*)::(?P<message>.*)$")


def _unescape(text: str) -> str:
    for escaped, plain in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","),
                           ("%25", "%")):
        text = text.replace(escaped, plain)
    return text


def _broken(project: Path) -> None:
    """One error (an unknown role) besides the fixture's warnings."""
    path = project / "content" / "procedures.yaml"
    path.write_text(path.read_text().replace("accountable: coordinator",
                                             "accountable: coordinater", 1))


def test_github_annotations_one_line_per_problem(tmp_path: Path, mini: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    repo = repository(tmp_path, mini)
    expected_warnings = read_handbook(repo / "handbook").problems
    monkeypatch.chdir(repo)
    result = runner.invoke(app, ["check", "handbook", "--strict", "--annotations", "github"])
    assert result.exit_code == 1
    commands = [GITHUB_COMMAND.match(line) for line in result.stdout.splitlines()
                if line.startswith("::")]
    assert len(commands) >= len(expected_warnings) >= 1 and all(commands)
    words = catalogue("en")
    for command in commands:
        assert command is not None
        props = dict(prop.split("=", 1) for prop in command["props"].split(","))
        file = _unescape(props["file"])
        assert file.startswith("handbook/content/") and (repo / file).is_file()
        assert int(props["line"]) >= 1 and int(props["col"]) >= 1
        assert command[1] == "error"  # --strict: every warning fails
        line = (repo / file).read_text().splitlines()[int(props["line"]) - 1]
        assert line.strip(), "the annotation points at a line with content"
        assert _unescape(command["message"]) in {words.text(p) for p in expected_warnings}


def test_github_annotations_of_errors_and_warnings(tmp_path: Path, mini: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    repo = repository(tmp_path, mini)
    _broken(repo / "handbook")
    monkeypatch.chdir(repo)
    result = runner.invoke(app, ["check", "handbook", "--annotations", "github"])
    assert result.exit_code == 1
    lines = [line for line in result.stdout.splitlines() if line.startswith("::")]
    errors = [line for line in lines if line.startswith("::error ")]
    assert len(errors) == 1 and "coordinater" in errors[0]
    assert "file=handbook/content/procedures.yaml,line=" in errors[0]
    # the terminal lines are still there, on stderr
    assert "coordinater" in result.stderr


def test_github_escaping_round_trips() -> None:
    from sopgen.commands.annotate import github_lines
    from sopgen.core.problems import Loc, Problem

    problem = Problem(Loc("content/a, b: c%.yaml", 3, 5), "unknown_role",
                      {"role": "x,y:z%\nnext", "allowed": "a, b"})
    [line] = github_lines([problem], "en", Path("/p"), Path("/p"))
    command = GITHUB_COMMAND.match(line)
    assert command is not None and "\n" not in line
    props = dict(prop.split("=", 1) for prop in command["props"].split(","))
    assert _unescape(props["file"]) == "content/a, b: c%.yaml"
    assert _unescape(command["message"]) == catalogue("en").text(problem)


def test_gitlab_code_quality_report(tmp_path: Path, mini: Path,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    repo = repository(tmp_path, mini)
    _broken(repo / "handbook")
    monkeypatch.chdir(repo)
    result = runner.invoke(app, ["check", "handbook", "--annotations", "gitlab",
                                 "--report", "reports/quality.json"])
    assert result.exit_code == 1
    issues = json.loads((repo / "reports/quality.json").read_text())
    assert isinstance(issues, list) and issues  # an error stops the reviewer's checks
    assert len({issue["fingerprint"] for issue in issues}) == len(issues)
    for issue in issues:
        assert {"description", "check_name", "fingerprint", "severity",
                "location"} <= set(issue)
        assert issue["severity"] in {"info", "minor", "major", "critical", "blocker"}
        assert re.fullmatch(r"[0-9a-f]{32}", issue["fingerprint"])
        path, begin = issue["location"]["path"], issue["location"]["lines"]["begin"]
        assert (repo / path).is_file() and path.startswith("handbook/content/")
        assert isinstance(begin, int)
        assert 1 <= begin <= len((repo / path).read_text().splitlines())
    majors = [issue for issue in issues if issue["severity"] == "major"]
    assert len(majors) == 1 and "coordinater" in majors[0]["description"]
    assert majors[0]["check_name"] == "sopgen/unknown_role"
    # the same problems give the same fingerprints: GitLab compares runs by them
    runner.invoke(app, ["check", "handbook", "--annotations", "gitlab",
                        "--report", "again.json"])
    again = json.loads((repo / "again.json").read_text())
    assert [i["fingerprint"] for i in again] == [i["fingerprint"] for i in issues]


def test_gitlab_report_is_written_when_all_is_well(tmp_path: Path, mini: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    repo = repository(tmp_path, mini)
    (repo / "handbook/content/procedures.yaml").write_text(
        (repo / "handbook/content/procedures.yaml").read_text())
    monkeypatch.chdir(repo / "handbook")
    result = runner.invoke(app, ["check", ".", "--annotations", "gitlab"])
    assert result.exit_code == 0
    issues = json.loads((repo / "handbook" / "gl-code-quality-report.json").read_text())
    assert all(issue["severity"] == "minor" for issue in issues)  # warnings only
    assert all(issue["location"]["path"].startswith("content/") for issue in issues)
