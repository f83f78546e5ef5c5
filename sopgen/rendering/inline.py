"""Page numbers written into the part's own text, where a reader meets them.

A chunk is laid out before page numbers are known: each place for one (a contents line,
"(p. 12)" after a cross-reference) holds a fixed-width slot of figure spaces, tagged as
a span of the structure tree. The number is laid out afterwards on a "stamp" page. Drawn
as an overlay at the end of the page, the number would come last in every tool that
reads the content stream in order (pdf.js, copy and paste, search): "(p. ;" … "59) 61)".
So each number's text block moves from the stamp into the part's content stream, inside
the marked content of the text just before the slot on its line (" (p. " or the
contents line's leader): same place, same look, and now in reading order and in the
structure tree. Whatever cannot be matched (a slot that starts a line) stays on the
stamp, drawn as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SLOT_PREFIX = "sopgen-pg-"
TOLERANCE = 1.0  # CSS px: both layouts put the text at the same place, to rounding
COLOUR_OPERATORS = {"rg", "g", "k", "sc", "scn", "cs"}
NEAR_LINES = 5  # how far left of a slot, in line heights, the text before it may start


@dataclass
class Block:
    """One BT … ET text object of a content stream, with where it starts."""

    start: int  # index of BT
    end: int  # index of ET
    x: float
    y: float


def move_numbers(source: Any, page: Any, stamp: Any, stamp_page: Any,
                 slots: list[list[float]]) -> int:
    """Move the number of each slot (a rectangle in CSS px) from ``stamp_page`` into the
    slot's marked content on ``page``; returns how many moved."""
    import pikepdf

    if not slots:
        return 0
    stamp_ops = list(pikepdf.parse_content_stream(stamp_page))
    page_ops = list(pikepdf.parse_content_stream(page))
    numbers = _blocks(stamp_ops)
    targets = _marked_blocks(page_ops)
    fonts: dict[str, Any] = {}
    insertions: dict[int, list[Any]] = {}
    taken: set[int] = set()
    for rect in slots:
        number = next((b for b in numbers if b.start not in taken and _inside(b, rect)), None)
        if number is None:
            continue
        reach = rect[0] - NEAR_LINES * (rect[3] - rect[1])  # never another table cell
        before = [b for b in targets if abs(b.y - number.y) <= TOLERANCE
                  and reach <= b.x < rect[0] - TOLERANCE]
        if not before:
            continue
        taken.add(number.start)
        end = max(before, key=lambda block: block.start).end  # last drawn: read last
        insertions.setdefault(end, []).extend(
            _drawing(stamp_ops, number, source, page, stamp, fonts))
    if not insertions:
        return 0
    page.obj.Contents = source.make_stream(pikepdf.unparse_content_stream(
        _inserted(page_ops, insertions)))
    kept = [op for index, op in enumerate(stamp_ops)
            if not any(block.start <= index <= block.end
                       for block in numbers if block.start in taken)]
    stamp_page.obj.Contents = stamp.make_stream(pikepdf.unparse_content_stream(kept))
    return len(taken)


def _blocks(ops: list[Any]) -> list[Block]:
    blocks, start, where = [], None, (0.0, 0.0)
    for index, instruction in enumerate(ops):
        name, operands = str(instruction.operator), instruction.operands
        if name == "BT":
            start, where = index, (float("nan"), float("nan"))
        elif name == "Tm" and start is not None:
            where = (float(operands[4]), float(operands[5]))
        elif name == "ET" and start is not None:
            blocks.append(Block(start, index, *where))
            start = None
    return blocks


def _marked_blocks(ops: list[Any]) -> list[Block]:
    """Text objects that are the whole of a tagged marked-content sequence (MCID)."""
    import pikepdf

    found = []
    for block in _blocks(ops):
        opener = _previous_marker(ops, block.start)
        closes = block.end + 1 < len(ops) and str(ops[block.end + 1].operator) == "EMC"
        if opener is None or not closes:
            continue
        operands = ops[opener].operands
        properties = operands[1] if len(operands) > 1 else None
        if isinstance(properties, pikepdf.Dictionary) and "/MCID" in properties:
            found.append(block)
    return found


def _previous_marker(ops: list[Any], index: int) -> int | None:
    """The BDC that opens the sequence ``index`` is in, if only colour settings lie between."""
    for back in range(index - 1, max(index - 4, -1), -1):
        name = str(ops[back].operator)
        if name == "BDC":
            return back
        if name not in COLOUR_OPERATORS:
            return None
    return None


def _inside(block: Block, rect: list[float]) -> bool:
    x1, y1, x2, y2 = rect
    return (x1 - TOLERANCE <= block.x <= x2 + TOLERANCE
            and y1 - TOLERANCE <= block.y <= y2 + TOLERANCE)


def _drawing(stamp_ops: list[Any], block: Block, source: Any, page: Any, stamp: Any,
             fonts: dict[str, Any]) -> list[Any]:
    """The stamp's text object, with its colour, using fonts copied into the page."""
    import pikepdf

    colour: list[Any] = []
    for back in range(block.start - 1, max(block.start - 6, -1), -1):
        if str(stamp_ops[back].operator) in COLOUR_OPERATORS:
            colour.insert(0, stamp_ops[back])
    drawn = [pikepdf.ContentStreamInstruction([], pikepdf.Operator("q")), *colour]
    for instruction in stamp_ops[block.start:block.end + 1]:
        operands = list(instruction.operands)
        if str(instruction.operator) == "Tf":
            operands[0] = _font(str(operands[0]), source, page, stamp, fonts)
        drawn.append(pikepdf.ContentStreamInstruction(operands, instruction.operator))
    drawn.append(pikepdf.ContentStreamInstruction([], pikepdf.Operator("Q")))
    return drawn


def _font(name: str, source: Any, page: Any, stamp: Any, fonts: dict[str, Any]) -> Any:
    import pikepdf

    if name not in fonts:
        font = stamp.pages[0].Resources.Font[name]
        fonts[name] = page.add_resource(source.copy_foreign(font), pikepdf.Name.Font,
                                        pikepdf.Name(f"/SopgenNumber{name[1:]}"))
    return fonts[name]


def _inserted(ops: list[Any], insertions: dict[int, list[Any]]) -> list[Any]:
    out: list[Any] = []
    for index, op in enumerate(ops):
        out.append(op)
        out.extend(insertions.get(index, []))
    return out
