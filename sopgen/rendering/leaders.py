"""Dot leaders laid out as one run of text instead of one text object per dot.

WeasyPrint fills a ``leader(".")`` with a copy of the dot's text box for every dot, and
draws each in its own marked content with its own structure element: a contents line
of a hundred dots is a hundred text objects and a hundred /Span elements. In the
contents and a pillar's list of procedures (hundreds of lines) that is most of the
layout, drawing and PDF-writing time, most of the part's structure tree, and the bulk of
what joining copies and saves.

``one_run_leaders`` swaps those copies for one text box holding the same dots at the
first dot's place, laid out by Pango as one string. It does so only where that draws
the dots exactly where the copies were: evenly spaced copies of one text, and one
string exactly as wide as the copies side by side (no ligature or kerning between
the dots); anywhere else the copies stay. Reading order is unchanged: the leader is
still the text drawn just before the page-number slot (inline.py).

This leans on WeasyPrint's internals (``layout.inline.handle_leader``, text boxes and
``split_first_line``), as in WeasyPrint 70, the version tested; where they are
not as expected, the copies stay as WeasyPrint made them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from itertools import pairwise
from typing import Any

TOLERANCE = 1e-3  # CSS px: the same place, to rounding


@contextmanager
def one_run_leaders() -> Iterator[None]:
    """While inside, every leader WeasyPrint lays out is one run of text (see above)."""
    from weasyprint.layout import inline

    original: Callable[..., Any] | None = getattr(inline, "handle_leader", None)
    if original is None:  # a WeasyPrint laid out otherwise: its leaders as it draws them
        yield
        return

    def handle_leader(context: Any, line: Any, containing_block: Any) -> None:
        original(context, line, containing_block)
        for leader in _leaders(line):
            # WeasyPrint's internals changed: the copies stay, as it made them
            with suppress(AttributeError, TypeError, ValueError):
                _join_copies(context, leader)

    inline.handle_leader = handle_leader
    try:
        yield
    finally:
        inline.handle_leader = original


def _leaders(box: Any) -> Iterator[Any]:
    for child in getattr(box, "children", ()):
        if getattr(child, "is_leader", False):
            yield child
        else:
            yield from _leaders(child)


def _join_copies(context: Any, leader: Any) -> None:
    from weasyprint.formatting_structure.boxes import TextBox
    from weasyprint.text.line_break import split_first_line

    copies = sorted(leader.children, key=lambda box: box.position_x)
    if len(copies) < 2 or not all(isinstance(box, TextBox) for box in copies):
        return
    first = copies[0]
    step = first.width
    for previous, box in pairwise(copies):
        if box.text != first.text or box.position_y != first.position_y \
                or abs(box.position_x - previous.position_x - step) > TOLERANCE:
            return
    text = first.text * len(copies)
    layout, length, _, width, _, _ = split_first_line(text, first.style, context, None, 0)
    if length != len(text.encode()) or abs(width - step * len(copies)) > TOLERANCE:
        return  # Pango would draw the dots elsewhere: keep the copies
    run = first.copy_with_text(text)
    run.pango_layout, run.width = layout, width
    leader.children = (run,)
