"""Attachments, figures and links to files of content/assets/: each checked where it is
written, before any build. An attachment is a file people open (PDF, DOCX, XLSX, ODT,
CSV); a figure is an image. Both must be inside content/assets/ once symlinks and ``..``
are resolved, exist, and stay under the size limit of every asset."""

from __future__ import annotations

from pathlib import Path

from sopgen.core import model
from sopgen.core.catalogue import Catalogue, catalogue
from sopgen.core.imagesize import PAGE_WIDTH_PX, image_width
from sopgen.core.model import MAX_ASSET_BYTES, Handbook, flat_steps
from sopgen.core.problems import Loc, Problem, size_text
from sopgen.core.textscan import texts_with
from sopgen.reading.validate import IMAGE_TYPES, _file_size, _image_file_problems
from sopgen.reading.yamlread import located, where_in


def attachment_problems(handbook: Handbook, assets: Path) -> list[Problem]:
    """Every attachment, figure and link to content/assets/ of the handbook."""
    words = catalogue(handbook.document.language)
    problems: list[Problem] = []
    for text in texts_with(handbook, "assets/"):
        problems += _asset_link_problems(text, assets)
    return problems + attachment_and_figure_problems(handbook, assets, words)





def attachment_and_figure_problems(handbook: Handbook, assets: Path,
                                   words: Catalogue) -> list[Problem]:
    problems: list[Problem] = []
    for procedure in handbook.procedures:
        for attachment in procedure.attachments:
            problems += _attachment_problems(attachment.file, located(attachment.file,
                                                                      Loc("content")), assets)
        for _, step in flat_steps(procedure):
            for figure in step.figures:
                problems += _figure_problems(figure.file, assets, words)
    return problems


def _attachment_problems(shown: str, where: Loc, assets: Path) -> list[Problem]:
    """A file handed out with a procedure: inside content/assets/, of a type people
    open (PDF, DOCX, XLSX, ODT, CSV), there, and not too large."""
    path = (assets.parent / shown).resolve()
    if assets.resolve() not in path.parents:
        return [Problem(where, "asset_outside", {"path": shown})]
    if path.suffix.lower() not in model.ATTACHMENT_TYPES:
        return [Problem(where, "attachment_type",
                        {"path": shown, "types": ", ".join(model.ATTACHMENT_TYPES)})]
    size = _file_size(path)
    if size is None:
        return [Problem(where, "attachment_missing", {"path": shown})]
    if size > MAX_ASSET_BYTES:
        return [Problem(where, "attachment_too_large",
                        {"path": shown, "size": size, "mib": size_text(size),
                         "limit": MAX_ASSET_BYTES, "limit_mib": size_text(MAX_ASSET_BYTES)})]
    return []


def _asset_link_problems(text: str, assets: Path) -> list[Problem]:
    """Links in a text to files of content/assets/ ([form](assets/form.pdf))."""
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for href in link_targets(text):
        if not href.startswith("assets/"):
            continue
        where = where_in(text, href, seen.get(href, 0)) or located(text, Loc("content"))
        seen[href] = seen.get(href, 0) + 1
        problems += _attachment_problems(href, where, assets)
    return problems


def _figure_problems(shown: str, assets: Path, words: Catalogue) -> list[Problem]:
    where, what = located(shown, Loc("content")), words.field("file")
    path = (assets.parent / shown).resolve()
    if assets.resolve() not in path.parents:
        return [Problem(where, "asset_outside", {"what": what, "path": shown})]
    if path.suffix.lower() not in IMAGE_TYPES:
        return [Problem(where, "asset_type", {"what": what, "path": shown,
                                               "types": ", ".join(IMAGE_TYPES)})]
    problems = _image_file_problems(path, shown, where, what, words)
    width = image_width(path) if not problems else None
    if width is not None and width > PAGE_WIDTH_PX:
        problems.append(Problem(where, "image_wider_than_page",
                                {"path": shown, "width": width, "page": PAGE_WIDTH_PX},
                                severity="warning"))
    return problems


def link_targets(text: str) -> list[str]:
    """The ``href`` of every link in a Markdown text, in order (code spans are not)."""
    from markdown_it import MarkdownIt  # only texts that name an asset get here

    tokens = MarkdownIt("commonmark", {"html": False}).enable("table").parse(text)
    return [str(child.attrs.get("href", "")) for token in tokens
            for child in token.children or [] if child.type == "link_open"]


