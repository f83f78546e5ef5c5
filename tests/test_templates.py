"""Themes: a project's templates/ overrides any template by name and can extend the default."""

from __future__ import annotations

from pathlib import Path

from sopgen.commands.build import build_project
from sopgen.outputs.table import BuildOptions
from tests.conftest import write


def test_project_template_overrides_by_name(mini: Path, tmp_path: Path) -> None:
    write(mini, "templates/handbook.md.j2", "# {{ doc.title }} (our own theme)\n")
    result = build_project(mini, BuildOptions(formats=["md"]), output=tmp_path)
    assert next(result.folder.glob("*.md")).read_text() == "# Mini Website SOP (our own theme)\n"


def test_project_template_extends_default(mini: Path, tmp_path: Path) -> None:
    write(mini, "templates/handbook.html.j2",
          '{% extends "default/handbook.html.j2" %}\n'
          '{% block banner %}<p class="house">House banner</p>{% endblock %}\n')
    result = build_project(mini, BuildOptions(formats=["html"]), output=tmp_path)
    html = next(result.folder.glob("*.html")).read_text()
    assert '<p class="house">House banner</p>' in html
    assert 'id="tek-01"' in html and 'class="draft-banner"' not in html


def test_partial_override_reaches_every_format_using_it(mini: Path, tmp_path: Path) -> None:
    write(mini, "templates/style.css", "body { color: rebeccapurple; }\n")
    result = build_project(mini, BuildOptions(formats=["html"]), output=tmp_path)
    assert "rebeccapurple" in next(result.folder.glob("*.html")).read_text()
