"""The PDF engine a build uses, chosen by its caller: parallel parts, or one document.

``parallel`` (paginate.py) lays parts out on every core and joins them; ``single``
(pdf.py) is one WeasyPrint call, the plain reference path. A print template without
the ``<!-- sopgen:part -->`` markers always takes the single path.

A whole PDF is kept in ``Layout.documents`` under the hash of everything it is made from
(print HTML, engine, identifier, label, the PDF libraries' versions, the theme's and the
assets' files), so ``publish`` on a fresh checkout with the cache present, or a build
with nothing changed, lays nothing out.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from sopgen.core.cache import digest
from sopgen.rendering.paginate import CACHE_FORMAT, Engine, can_split, write_pdf_parallel
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
    documents: Path | None = None  # whole PDFs kept between builds


KEEP_DOCUMENTS = 8  # whole PDFs kept: a few releases and the draft


def make_pdf(print_html: str, layout: Layout, engine: PdfEngine = "parallel") -> bytes:
    """The PDF of ``print_html``: kept from an earlier build if it was made from exactly
    the same inputs, else laid out (and kept)."""
    if layout.documents is None:
        return _lay_out(print_html, layout, engine)
    key = _document_key(print_html, layout, engine)
    kept = layout.documents / f"{key}.pdf"
    try:
        data = kept.read_bytes()
        os.utime(kept)  # recently used: pruned last
        return data
    except OSError:
        pass
    data = _lay_out(print_html, layout, engine)
    _keep(layout.documents, kept, data)
    return data


def _document_key(print_html: str, layout: Layout, engine: PdfEngine) -> str:
    return digest("pdf", CACHE_FORMAT, print_html, engine, layout.identifier, layout.page_label,
                  *library_versions(), *file_hashes(theme_folder()), *file_hashes(layout.assets))


def library_versions() -> list[str]:
    """The PDF libraries by version: a new one may lay the same HTML out differently."""
    from importlib import metadata

    return [f"{name} {metadata.version(name)}"
            for name in ("weasyprint", "pydyf", "pikepdf", "fonttools")]


def file_hashes(folder: Path) -> list[str]:
    """Each file under ``folder`` by its path inside it and the hash of its bytes: a fresh
    clone (new modification times, another place) finds what an earlier build kept."""
    stamps = []
    for path in sorted(folder.rglob("*")) if folder.is_dir() else []:
        try:
            if path.is_file():
                data = path.read_bytes()
                stamps.append(f"{path.relative_to(folder).as_posix()} {digest('file', data)}")
        except OSError:
            continue
    return stamps


def kept_document(folder: Path, key: str) -> bytes | None:
    """The PDF kept in ``folder`` under ``key``, if any."""
    kept = folder / f"{key}.pdf"
    try:
        data = kept.read_bytes()
        os.utime(kept)  # recently used: pruned last
        return data
    except OSError:
        return None


def keep_document(folder: Path, key: str, data: bytes) -> None:
    """Keep a PDF in ``folder`` under ``key`` (atomically; a failure only costs time)."""
    _keep(folder, folder / f"{key}.pdf", data)


def _keep(folder: Path, path: Path, data: bytes) -> None:
    """Write atomically (two builds may share the folder); a cache that cannot be written
    only costs time."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{path.stem}.", dir=folder)
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
        kept = sorted(folder.glob("*.pdf"), key=lambda entry: entry.stat().st_mtime_ns)
        for old in kept[:-KEEP_DOCUMENTS]:
            old.unlink(missing_ok=True)
    except OSError:
        return


def _lay_out(print_html: str, layout: Layout, engine: PdfEngine) -> bytes:
    theme = theme_folder()
    allowed = [theme, layout.assets]
    if engine == "single" or not can_split(print_html):
        return write_pdf(print_html, theme, allowed, layout.identifier)
    return write_pdf_parallel(print_html, Engine(theme, allowed, layout.page_label,
                                                 cache=layout.cache, report=layout.report))
