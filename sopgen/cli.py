"""The ``sopgen`` command: parse options, make one library call, report.

Each command imports the library lazily so ``sopgen --help`` stays fast, and turns
a ``SopgenError`` into one line per problem on stderr and exit code 1.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from . import __version__

app = typer.Typer(
    help="SOP handbooks as code: YAML in, Markdown, HTML and PDF out.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)


class Format(StrEnum):
    md = "md"
    html = "html"
    pdf = "pdf"


ProjectArg = Annotated[Path, typer.Argument(help="The project folder (holds content/).")]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"sopgen {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Show the version and exit.")] = False,
) -> None:
    """SOP handbooks as code."""


@contextmanager
def user_errors() -> Iterator[None]:
    """Report a user's mistake as its lines and exit 1, never as a traceback."""
    from .errors import SopgenError

    try:
        yield
    except SopgenError as error:
        for line in error.lines():
            typer.echo(line, err=True)
        raise typer.Exit(1) from None


def _warn(lines: list[str]) -> None:
    for line in lines:
        typer.echo(line, err=True)


@app.command()
def validate(project: ProjectArg = Path(".")) -> None:
    """Check the content and report every problem with file and line."""
    with user_errors():
        from .pipeline import read_handbook

        checked = read_handbook(project)
        _warn(checked.warnings)
        count = len(checked.handbook.procedures)
        typer.echo(f"{checked.project.show(checked.project.content)}: OK, {count} procedures")


@app.command()
def build(
    project: ProjectArg = Path("."),
    format: Annotated[list[Format] | None, typer.Option(
        "--format", "-f", help="Output format; repeat for several. Default: all.")] = None,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Output folder. Default: the project's output/.")] = None,
) -> None:
    """Build the handbook into OUTPUT/<version>/ as Markdown, HTML and PDF."""
    with user_errors():
        from .build import build_project

        formats = [f.value for f in format] if format else ["md", "html", "pdf"]
        result = build_project(project, formats=formats, output=output, report=_echo)
        _warn(result.warnings)
        for path in result.written:
            typer.echo(f"wrote {path}")


def _echo(line: str) -> None:
    typer.echo(line, err=True)


def main(argv: list[str] | None = None) -> None:
    """Console entry point."""
    app(args=argv, prog_name="sopgen")
