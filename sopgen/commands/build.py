"""``build``: run the pipeline — load, validate, render everything, then write once.

Nothing is written until every format has rendered, so a mistake found late (a PDF
that cannot be laid out) leaves earlier outputs exactly as they were.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from sopgen.core.catalogue import format_problems
from sopgen.core.write import write_folder
from sopgen.reading.handbook import Checked, read_handbook
from sopgen.reading.releases import (
    edited_release,
    freeze,
    is_released,
    read_release,
    revision_changes,
)
from sopgen.rendering.render import render_formats, theme_folder

if TYPE_CHECKING:
    from sopgen.outputs.artefacts import Extras

FORMATS = ("md", "html", "pdf")


@dataclass(frozen=True)
class BuildResult:
    folder: Path
    written: list[Path]
    kept: list[Path]
    warnings: list[str]
    draft: bool


def build_project(folder: Path | str, *, formats: list[str] | tuple[str, ...] = FORMATS,
                  output: Path | None = None,
                  report: Callable[[str], None] | None = None,
                  extras: Extras | None = None) -> BuildResult:
    """Build the project's current content into ``output/<version>[-draft]/``."""
    checked = read_handbook(folder)
    released = is_released(checked)
    if not released:
        checked = replace(checked, problems=checked.problems + edited_release(checked, False))
    return build_checked(checked, formats=formats, output=output, draft=not released,
                         report=report, extras=extras)


def build_release(folder: Path | str, version: str, *,
                  formats: list[str] | tuple[str, ...] = FORMATS, output: Path | None = None,
                  report: Callable[[str], None] | None = None,
                  extras: Extras | None = None) -> BuildResult:
    """Rebuild a released version from its snapshot; existing files are kept as they are."""
    checked = read_release(folder, version)
    return build_checked(checked, formats=formats, output=output, draft=False, report=report,
                         extras=extras)


def release_project(folder: Path | str, *, output: Path | None = None,
                    report: Callable[[str], None] | None = None) -> tuple[Path, BuildResult]:
    """Freeze the current content as its version, then build it in every format."""
    checked = read_handbook(folder)
    snapshot = freeze(checked)
    return snapshot, build_checked(checked, output=output, draft=False, report=report)


def build_checked(checked: Checked, *, formats: list[str] | tuple[str, ...] = FORMATS,
                  output: Path | None = None, draft: bool = True,
                  report: Callable[[str], None] | None = None,
                  extras: Extras | None = None) -> BuildResult:
    output_root = output if output is not None else checked.project.root / "output"
    if extras is None:
        files, warnings = render_files(checked, formats, draft=draft, report=report,
                                       cache=output_root / ".cache" / "pdf")
    else:  # artefacts and role handbooks: see artefacts.py
        from sopgen.outputs.artefacts import render_with_extras

        files, warnings = render_with_extras(checked, formats, extras, draft=draft,
                                             report=report, cache=output_root / ".cache" / "pdf")
    version = checked.handbook.document.version
    name = f"{version}-draft" if draft else version
    written = write_folder(output_root, name, files, immutable=not draft,
                           language=checked.handbook.document.language)
    return BuildResult(output_root / name, written.written, written.kept,
                       checked.warnings + warnings, draft)


def render_files(checked: Checked, formats: list[str] | tuple[str, ...], *, draft: bool,
                 report: Callable[[str], None] | None = None,
                 changes: dict[str, list[str]] | None = None,
                 cache: Path | None = None) -> tuple[dict[str, bytes], list[str]]:
    """Every output file of the build, in memory, with the renderer's warnings.

    ``changes`` (computed from ``checked`` when not given) lets a role handbook show
    the changes of the whole document rather than a diff against its own cut-down self.
    """
    if report:
        report(f"rendering {', '.join(formats)} …")
    rendered = render_formats(checked.handbook, checked.project.root, list(formats),
                              assets=checked.project.assets,
                              draft=draft,
                              changes=revision_changes(checked) if changes is None else changes)
    files = dict(rendered.files)
    print_name = next((name for name in files if name.endswith(".print.html")), None)
    if print_name:
        if report:
            report("laying out the PDF …")
        files[print_name.replace(".print.html", ".pdf")] = make_pdf(
            checked, files[print_name], cache=cache, report=report)
        del files[print_name]
    warnings = format_problems(rendered.problems, checked.handbook.document.language)
    return files, warnings


def make_pdf(checked: Checked, print_html: bytes, *, cache: Path | None = None,
             report: Callable[[str], None] | None = None) -> bytes:
    """The PDF of ``print_html``: laid out in parallel parts (see paginate.py), or as one
    WeasyPrint document when SOPGEN_PDF_ENGINE=single (the plain reference path)."""
    import os

    from sopgen.core.catalogue import catalogue
    from sopgen.rendering.paginate import Engine, can_split, write_pdf_parallel
    from sopgen.rendering.pdf import write_pdf

    theme = theme_folder()
    doc = checked.handbook.document
    allowed = [theme, checked.project.assets]
    identifier = f"{doc.id}-{doc.version}"
    if os.environ.get("SOPGEN_PDF_ENGINE") == "single" or not can_split(print_html.decode()):
        return write_pdf(print_html.decode(), theme, allowed, identifier)
    engine = Engine(theme, allowed, identifier, catalogue(doc.language).label("page_short"),
                    cache=cache, report=report)
    return write_pdf_parallel(print_html.decode(), engine)
