"""The PDF engine a build uses, chosen by its caller: parallel parts, or one document.

``parallel`` (paginate.py) lays parts out on every core and joins them; ``single``
(pdf.py) is one WeasyPrint call, the plain reference path. A print template without
the ``<!-- sopgen:part -->`` markers always takes the single path.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from sopgen.rendering.paginate import Engine, can_split, write_pdf_parallel
from sopgen.rendering.pdf import write_pdf
from sopgen.rendering.render import theme_folder

PdfEngine = Literal["parallel", "single"]
PDF_ENGINES: tuple[PdfEngine, ...] = ("parallel", "single")


@dataclass(frozen=True)
class Layout:
    """What laying out one handbook's PDF needs besides its print HTML."""

    assets: Path  # the project's images: the only files besides the theme it may read
    identifier: str  # document id and version: the PDF's file identifier
    page_label: str  # "p." / "hlm.": printed before a cross-reference's page number
    cache: Path | None = None  # parts kept between builds (parallel engine)
    report: Callable[[str], None] | None = None


def make_pdf(print_html: str, layout: Layout, engine: PdfEngine = "parallel") -> bytes:
    theme = theme_folder()
    allowed = [theme, layout.assets]
    if engine == "single" or not can_split(print_html):
        return write_pdf(print_html, theme, allowed, layout.identifier)
    return write_pdf_parallel(print_html, Engine(theme, allowed, layout.identifier,
                                                 layout.page_label, cache=layout.cache,
                                                 report=layout.report))
