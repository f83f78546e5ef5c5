"""One measurement, run by ``bench.run`` in a fresh process; prints one JSON line.

    python -m bench.worker build    PROJECT OUTPUT FORMAT[+FORMAT...]
    python -m bench.worker rebuild  PROJECT OUTPUT FORMAT FILE MARK
    python -m bench.worker print    PROJECT HTML_FILE
    python -m bench.worker baseline HTML_FILE BASE_URL PDF_FILE

Imports of the public entry point happen before the clock starts; whatever the call
imports lazily (WeasyPrint for a PDF) is part of its time. Only the public library
API is used: ``build_project``, ``read_handbook``, ``render_formats``, ``is_released``.
"""

from __future__ import annotations

import json
import re
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

TITLE = re.compile(r"^(\s+title: )(.+)$", re.MULTILINE)


def edit_title(path: Path, mark: str) -> None:
    """Change a procedure's title, as an editor would: the first ``title:`` line."""
    text = path.read_text(encoding="utf-8")
    edited, count = TITLE.subn(lambda m: f"{m[1]}{m[2].split(' [')[0]} [{mark}]", text, 1)
    if not count:
        raise SystemExit(f"no title line in {path}")
    path.write_text(edited, encoding="utf-8")


def timed(call: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = call()
    return time.perf_counter() - start, result


def build(project: str, output: str, fmt: str) -> dict[str, Any]:
    from sopgen.commands.build import build_project
    from sopgen.outputs.table import BuildOptions

    formats = fmt.split("+")  # "md+html": both formats in one build
    options = BuildOptions(formats=formats)
    seconds, result = timed(lambda: build_project(project, options, output=Path(output)))
    return {"seconds": seconds, "written": [str(p) for p in result.written + result.kept]}


def rebuild(project: str, output: str, fmt: str, file: str, mark: str) -> dict[str, Any]:
    """Build, edit one procedure, build again in the same process; time both builds."""
    first = build(project, output, fmt)
    edit_title(Path(file), mark)
    second = build(project, output, fmt)
    return second | {"first_seconds": first["seconds"]}


def print_html(project: str, html_file: str) -> dict[str, Any]:
    """The print HTML sopgen hands to WeasyPrint, and the base URL it lays it out with."""
    from sopgen.reading.handbook import read_handbook
    from sopgen.reading.releases import is_released
    from sopgen.rendering.render import render_formats

    checked = read_handbook(project)
    rendered = render_formats(checked.handbook, checked.project.root, ["pdf"],
                              draft=not is_released(checked))
    html = rendered.files["pdf"]  # the print HTML the PDF is laid out from
    Path(html_file).write_bytes(html)
    return {"base_url": theme_folder().as_uri() + "/", "bytes": len(html)}


def theme_folder() -> Path:
    from importlib import resources

    from sopgen.rendering.render import THEME_PACKAGE

    return Path(str(resources.files(THEME_PACKAGE[0]).joinpath(THEME_PACKAGE[1])))


def baseline(html_file: str, base_url: str, pdf_file: str) -> dict[str, Any]:
    """WeasyPrint alone: the whole print HTML as one document, in this one process."""
    from weasyprint import HTML

    html = Path(html_file).read_text(encoding="utf-8")
    seconds, pdf = timed(lambda: HTML(string=html, base_url=base_url).write_pdf())
    Path(pdf_file).write_bytes(pdf)
    return {"seconds": seconds, "written": [pdf_file]}


TASKS: dict[str, Callable[..., dict[str, Any]]] = {
    "build": build, "rebuild": rebuild, "print": print_html, "baseline": baseline}


def main(argv: list[str]) -> None:
    report = TASKS[argv[0]](*argv[1:])
    report["self_maxrss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps(report))


if __name__ == "__main__":
    main(sys.argv[1:])
