"""Whole-handbook scans for one mark, such as an image (``![``) or a link into
``assets/``: most texts hold neither, and one search of all of a handbook's Markdown
texts joined says whether any does, where a search of each text costs a call each (tens
of thousands in a large handbook, three scans a build)."""

from __future__ import annotations

from sopgen.core.model import Handbook, markdown_fields, markdown_texts

_JOINED_MEMO = "_joined_markdown_memo"  # kept on the handbook, as ``markdown_fields`` is


def fields_with(handbook: Handbook, mark: str) -> list[tuple[str, str]]:
    """The ``markdown_fields`` of ``handbook`` whose text contains ``mark``, in order."""
    if "\n" in mark:  # the texts are joined by line ends: such a mark could span two
        raise ValueError(mark)
    joined: str | None = handbook.__dict__.get(_JOINED_MEMO)
    if joined is None:
        joined = "\n".join(markdown_texts(handbook))
        object.__setattr__(handbook, _JOINED_MEMO, joined)
    if mark not in joined:
        return []
    return [(name, text) for name, text in markdown_fields(handbook) if mark in text]


def texts_with(handbook: Handbook, mark: str) -> list[str]:
    """The ``markdown_texts`` of ``handbook`` that contain ``mark``, in order."""
    return [text for _, text in fields_with(handbook, mark)]
