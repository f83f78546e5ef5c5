"""One measurement, run by ``bench.run`` in a fresh process; prints one JSON line.

    python -m bench.worker build    PROJECT OUTPUT FORMAT[+FORMAT...]
    python -m bench.worker rebuild  PROJECT OUTPUT FORMAT FILE MARK
    python -m bench.worker print    PROJECT HTML_FILE
    python -m bench.worker baseline HTML_FILE BASE_URL PDF_FILE
    python -m bench.worker plain    PROJECT OUTPUT
    python -m bench.worker mkdocs-project PROJECT FOLDER
    python -m bench.worker mkdocs   FOLDER
    python -m bench.worker preview  PROJECT FILE EDITS

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


def plain(project: str, output: str) -> dict[str, Any]:
    """The plain pipeline (bench/baselines.py) on the same project; its libraries are
    imported before the clock starts, as sopgen's entry point is."""
    import jinja2  # noqa: F401
    import markdown_it  # noqa: F401
    import yaml  # noqa: F401

    from bench.baselines import plain_pipeline

    seconds, written = timed(lambda: plain_pipeline(Path(project), Path(output)))
    return {"seconds": seconds, "written": [str(path) for path in written]}


def mkdocs_project(project: str, folder: str) -> dict[str, Any]:
    """Untimed: sopgen's Markdown handbook split into an MkDocs project of pages."""
    from bench.baselines import mkdocs_project as write_project
    from sopgen.reading.handbook import read_handbook
    from sopgen.rendering.render import render_formats

    checked = read_handbook(project)
    markdown = render_formats(checked.handbook, checked.project.root, ["md"]).files["md"]
    pages = write_project(markdown.decode(), checked.handbook.document.title, Path(folder))
    return {"seconds": 0.0, "pages": pages}


def mkdocs(folder: str) -> dict[str, Any]:
    """``mkdocs build`` of that project, MkDocs imported before the clock starts."""
    import mkdocs.commands.build
    import mkdocs.config  # noqa: F401

    from bench.baselines import mkdocs_build

    seconds, site = timed(lambda: mkdocs_build(Path(folder)))
    return {"seconds": seconds, "written": [str(site)]}


def preview(project: str, file: str, edits: str) -> dict[str, Any]:
    """The live preview (``sopgen serve``): from saving an edit until the page the browser
    is sent has it, as a browser would learn it: by waiting on the preview's poll endpoint
    for the next build, then loading the page. The median of EDITS edits counts."""
    import statistics

    from sopgen.commands.serve import start

    server = start(project, port=0, report=lambda _line: None)
    times, cpu = [], []
    try:
        for index in range(int(edits)):
            build = json.loads(_get(server.url + "__sopgen/state"))["build"]
            mark = f"p{index}"
            started, used = time.perf_counter(), time.process_time()
            edit_title(Path(file), mark)
            while _state(server.url, build) == build:  # what the page does
                pass
            page = _get(server.url)
            times.append(time.perf_counter() - started)
            cpu.append(time.process_time() - used)
            if f"[{mark}]".encode() not in page:
                raise SystemExit(f"the preview does not show edit {mark}")
    finally:
        server.stop()
    return {"seconds": statistics.median(times), "all_seconds": times,
            "cpu_per_edit": statistics.median(cpu)}


def _state(url: str, after: int) -> int:
    """The build counter, as the preview's page asks for it: a long poll that answers once
    the build is past ``after``; a preview without one is asked every 0.4 s, as its
    page did."""
    import urllib.error

    try:
        return int(json.loads(_get(f"{url}__sopgen/state?after={after}"))["build"])
    except urllib.error.HTTPError as error:
        if error.code != 404:
            raise
    time.sleep(0.4)
    return int(json.loads(_get(f"{url}__sopgen/state"))["build"])


def _get(url: str) -> bytes:
    import urllib.request

    request = urllib.request.Request(url, headers={"Host": "127.0.0.1"})
    with urllib.request.urlopen(request, timeout=120) as response:
        return bytes(response.read())


TASKS: dict[str, Callable[..., dict[str, Any]]] = {
    "build": build, "rebuild": rebuild, "print": print_html, "baseline": baseline,
    "plain": plain, "mkdocs-project": mkdocs_project, "mkdocs": mkdocs, "preview": preview}


def main(argv: list[str]) -> None:
    report = TASKS[argv[0]](*argv[1:])
    report["self_maxrss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps(report))


if __name__ == "__main__":
    main(sys.argv[1:])
