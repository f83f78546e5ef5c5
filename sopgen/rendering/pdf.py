"""PDF stage: lay out the print HTML with WeasyPrint, fetching nothing it should not.

WeasyPrint's default URL fetcher reads any local file and the network. Ours answers
only ``data:`` URLs and files inside the allowed folders (the theme and the project's
assets), checked on resolved paths so ``..`` and symlinks cannot leave them.
WeasyPrint is imported here only, so no other command pays its ~0.9 s import.
"""

from __future__ import annotations

import logging
import mimetypes
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from sopgen.core.errors import SopgenError
from sopgen.rendering.structure import link_descriptions


class Refused(ValueError):
    """A resource the PDF may not load; WeasyPrint reports and skips it."""


def make_fetcher(allowed: list[Path]) -> Any:
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    roots = [folder.resolve() for folder in allowed]

    class ContainedFetcher(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            scheme = urlsplit(url).scheme.lower()
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme == "file":
                path = _contained(Path(unquote(urlsplit(url).path)), roots)
                if path is not None:
                    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                    return URLFetcherResponse(url, _served(path), {"Content-Type": kind}, 200)
            raise Refused(f"not allowed: {url[:200]}")  # http(s), ftp, ... : no network

    return ContainedFetcher(allowed_protocols=("data", "file"), allow_redirects=False)


def _served(path: Path) -> bytes:
    """A file as the PDF may use it: an SVG (say, named by a project template) only with
    its safe parts, like every SVG sopgen publishes."""
    from sopgen.core.svg import Unreadable, is_svg, sanitise

    if not is_svg(path.name):
        return path.read_bytes()
    try:
        return sanitise(path.read_bytes())[0]
    except Unreadable as error:
        raise Refused(f"not a safe SVG: {path.name}") from error


def _contained(path: Path, roots: list[Path]) -> Path | None:
    """``path`` resolved (symlinks and ``..`` followed) if it is a file inside a root."""
    try:
        resolved = path.resolve()
        inside = any(root == resolved or root in resolved.parents for root in roots)
        return resolved if inside and resolved.is_file() else None
    except (OSError, ValueError):  # a name too long, a loop, a NUL byte
        return None


@contextmanager
def captured_weasyprint_log() -> Iterator[list[str]]:
    """Collect WeasyPrint's warnings instead of letting them reach the terminal."""
    records: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record.getMessage())

    logger = logging.getLogger("weasyprint")
    handler = Collect(logging.WARNING)
    previous = logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield records
    finally:
        logger.removeHandler(handler)
        logger.propagate = previous


def write_pdf(print_html: str, base: Path, allowed: list[Path], identifier: str) -> bytes:
    """The PDF bytes for ``print_html``; the same input always gives the same bytes."""
    return pdf_bytes(lay_out(print_html, base, allowed), identifier,
                     links=link_descriptions(print_html))


def lay_out(print_html: str, base: Path, allowed: list[Path], *, forms: bool = False) -> Any:
    """The laid-out pages, before writing: a caller may inspect them and lay out again.

    ``forms`` turns <input> elements into fillable PDF form fields.
    """
    from weasyprint import HTML

    with captured_weasyprint_log(), layout_errors():
        return HTML(string=print_html, base_url=base.as_uri() + "/",
                    url_fetcher=make_fetcher(allowed)).render(pdf_forms=forms or None)


def pdf_bytes(document: Any, identifier: str, *, forms: bool = False,
              links: dict[str, str] | None = None) -> bytes:
    """The tagged PDF/UA-1 and PDF/A-2b file of a laid-out document; ``links`` describes
    its internal links by target id."""
    from sopgen.rendering.archival import WRITE_OPTIONS, finished

    with captured_weasyprint_log(), layout_errors():
        pdf: bytes = document.write_pdf(pdf_identifier=identifier.encode(),
                                        pdf_forms=forms or None, **WRITE_OPTIONS)
    return finished(pdf, links)


# Where a layout exception was raised says whose it is: in WeasyPrint or a library it
# calls, it is input that could not be laid out (the user's); in sopgen, a bug, which
# must keep its traceback. Frames of the standard library and of tests say neither.
LAYOUT_LIBRARIES = ("weasyprint", "pydyf", "tinycss2", "cssselect2", "tinyhtml5", "html5lib",
                    "fontTools", "PIL", "pyphen")


@contextmanager
def layout_errors() -> Iterator[None]:
    """A layout failure on hostile input is a user error, not a traceback."""
    try:
        yield
    except SopgenError:
        raise
    except Exception as error:
        exhausted = isinstance(error, (RecursionError, MemoryError))  # on any deep input
        if not exhausted and not _raised_in_layout(error):
            raise
        raise SopgenError.of("layout_failed",
                             detail=f"{type(error).__name__}: {error}") from error


def _raised_in_layout(error: BaseException) -> bool:
    """Whether the innermost frame of ``error`` that is sopgen's or a layout library's is
    the library's."""
    frames = []
    tb = error.__traceback__
    while tb is not None:
        frames.append(tb.tb_frame.f_globals.get("__name__", "").split(".")[0])
        tb = tb.tb_next
    owner = next((package for package in reversed(frames)
                  if package == "sopgen" or package in LAYOUT_LIBRARIES), "sopgen")
    return owner != "sopgen"
