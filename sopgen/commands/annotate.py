"""``check --annotations``: problems as a CI system shows them on the changed lines.

GitHub Actions reads workflow commands from a job's output
(``::error file=F,line=L,col=C::message``) and pins each to its line in the pull
request; GitLab reads a Code Quality report (a JSON list of issues with ``description``,
``check_name``, ``fingerprint``, ``severity`` and ``location.path`` /
``location.lines.begin``) that a job declares as ``artifacts:reports:codequality``.
Paths are relative to ``base`` (the folder the job runs in: the repository's root), so
a project in a subfolder of the repository is annotated at the right files.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from sopgen.core.catalogue import catalogue
from sopgen.core.problems import Problem
from sopgen.core.write import write_file
from sopgen.reading.load import Project

ANNOTATION_FORMATS = ("github", "gitlab")
GITLAB_REPORT = "gl-code-quality-report.json"
# GitLab's scale is info, minor, major, critical, blocker: an error blocks a release.
GITLAB_SEVERITY = {"error": "major", "warning": "minor"}


def annotate_for_ci(system: str, problems: list[Problem], language: str, project: Path,
                    report: Path) -> list[str]:
    """The workflow commands to print (``github``), or the Code Quality ``report`` written
    (``gitlab``, nothing to print); paths relative to the current folder."""
    root = Project.at(project).root
    if system == "github":
        return github_lines(problems, language, root, Path.cwd())
    write_file(report.absolute(),
               gitlab_report(problems, language, root, Path.cwd()).encode("utf-8"))
    return []


def repository_path(problem: Problem, project_root: Path, base: Path) -> str:
    """The problem's file as the repository names it; the project folder if it has none."""
    target = project_root / problem.loc.file if problem.loc.file else project_root
    return Path(os.path.relpath(target.resolve(), base.resolve())).as_posix()


def github_lines(problems: list[Problem], language: str, project_root: Path,
                 base: Path) -> list[str]:
    """One workflow command per problem: ``::error file=…,line=…,col=…::text``."""
    words = catalogue(language)
    lines = []
    for problem in ordered(problems):
        place = {"file": repository_path(problem, project_root, base)}
        if problem.loc.line:
            place["line"] = str(problem.loc.line)
            place["col"] = str(problem.loc.col or 1)
        properties = ",".join(f"{key}={_escape_property(value)}" for key, value in place.items())
        command = "error" if problem.severity == "error" else "warning"
        lines.append(f"::{command} {properties}::{_escape_data(words.text(problem))}")
    return lines


def gitlab_report(problems: list[Problem], language: str, project_root: Path,
                  base: Path) -> str:
    """The Code Quality report: a JSON list, one issue per problem (``[]`` if none)."""
    words = catalogue(language)
    issues = []
    for problem in ordered(problems):
        path = repository_path(problem, project_root, base)
        description = words.text(problem)
        issues.append({
            "description": description,
            "check_name": f"sopgen/{problem.code}",
            "fingerprint": _fingerprint(path, problem, description),
            "severity": GITLAB_SEVERITY.get(problem.severity, "info"),
            "location": {"path": path, "lines": {"begin": max(problem.loc.line, 1)}},
        })
    return json.dumps(issues, ensure_ascii=False, indent=2) + "\n"


def ordered(problems: list[Problem]) -> list[Problem]:
    """Errors first, then warnings, each in file order: as the terminal lists them."""
    return sorted(problems, key=lambda p: (p.severity != "error", p.loc.file, p.loc.line,
                                           p.loc.col))


def _fingerprint(path: str, problem: Problem, description: str) -> str:
    """Stable across runs for the same problem at the same place, unique within a report."""
    key = "\0".join([path, str(problem.loc.line), str(problem.loc.col), problem.code,
                     description])
    return hashlib.md5(key.encode("utf-8"), usedforsecurity=False).hexdigest()


def _escape_data(text: str) -> str:
    """As GitHub's toolkit escapes a command's message: one line, ``%`` kept."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")
