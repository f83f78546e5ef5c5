"""The library's public face: what the CLI, the tests and the benchmarks call."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from sopgen.commands.publish import edition_releases, site_files
from sopgen.commands.schema import schema_text
from sopgen.core.catalogue import Catalogue, catalogue
from sopgen.core.errors import SopgenError
from sopgen.core.model import Visibility
from sopgen.outputs.diff import as_html, as_markdown, as_terminal, compare, revision_changes
from sopgen.outputs.table import OUTPUTS, BuildOptions, Job, focus
from sopgen.reading.handbook import Checked, read_handbook
from sopgen.reading.releases import is_released, read_release, read_version
from sopgen.reading.releases import released_versions as _released_versions

__all__ = ["diff_texts", "read_handbook", "released_versions", "schema_text", "site_pages",
           "text_outputs"]

DIFF_FORMATS = {"text": as_terminal, "md": as_markdown, "html": as_html}


def released_versions(folder: Path | str) -> list[str]:
    return _released_versions(Path(folder) / "releases")


def text_outputs(checked: Checked, *, role: str | None = None) -> dict[str, bytes]:
    """Every output of a build that is not laid out as PDF: Markdown, HTML, the print HTML
    the PDF is made from, the RACI CSV and the calendar (of one role's edition)."""
    options = BuildOptions(formats=("md", "html", "pdf"), artefacts=("raci", "calendar"),
                           role=role)
    job = Job(focus(checked, role), options, draft=not is_released(checked),
              changes=revision_changes(checked))
    files: dict[str, bytes] = {}
    for name in ("md", "html", "raci", "calendar"):
        files.update(OUTPUTS[name](job))
    files[f"{job.stem}.print.html"] = job.handbook("pdf")
    return files


def site_pages(folder: Path | str, *, pdf: bytes,
               edition: Visibility = "public") -> dict[str, bytes]:
    """The published site's files in one edition, each release's PDF replaced by ``pdf``."""
    releases = {version: read_release(folder, version) for version in released_versions(folder)}
    editions, _ = edition_releases(releases, edition)
    pdfs = {version: (f"{checked.handbook.document.id}-{version}.pdf", pdf)
            for version, checked in editions.items()}
    return site_files(editions, list(editions), pdfs, edition)


def diff_texts(folder: Path | str, old: str, new: str,
               formats: tuple[str, ...] = tuple(DIFF_FORMATS)) -> dict[str, str]:
    """What changed between two versions (or ``current``), in each format asked for."""
    if Path(old).is_dir() and not Path(folder).is_dir():  # sopgen diff PROJECT OLD NEW
        raise SopgenError.of("version_is_folder", value=old)
    before, after = read_version(folder, old), read_version(folder, new)
    words = catalogue(after.handbook.document.language)
    changes = replace(compare(before.handbook, after.handbook),
                      old_version=_version_shown(before, old, words),
                      new_version=_version_shown(after, new, words))
    return {fmt: DIFF_FORMATS[fmt](changes, words) for fmt in formats}


def _version_shown(checked: Checked, ref: str, words: Catalogue) -> str:
    """``1.3.0``, or ``1.3.0 (draft)`` for current content not released as its version."""
    version = checked.handbook.document.version
    if ref == "current" and not is_released(checked):
        return f"{version} ({words.label('draft').lower()})"
    return version
