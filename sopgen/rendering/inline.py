"""Page numbers written into the part's own text, where a reader meets them.

A chunk is laid out before page numbers are known: each place for one (a contents line,
"(p. 12)" after a cross-reference) holds a fixed-width slot of figure spaces, which
WeasyPrint does not draw. The number is laid out afterwards on a "stamp" page. Drawn as
an overlay at the end of the page, the number would come last in every tool that reads
the content stream in order (pdf.js, copy and paste, search): "(p. ;" … "59) 61)".

So the number's text object moves from the stamp into the part's content stream, inside
the marked content of the text read just before the slot (the reference's link, or the
contents line's leader), even where the slot starts a line or a table cell's line: same
place, same look, and now in reading order and in that text's structure element. Where
it goes is found where the part is laid out (``mark_slots``, in a worker, which leaves a
comment naming the slot); joining only swaps each comment for the number
(``move_numbers``). A number with no text before it would stay on the stamp, drawn as
before; every slot follows its link, so none does.

A cross-reference's slot is as wide as "(p. 999)", and its stamp is right-aligned in it.
A shorter number moves to the slot's start, and the text after it on its line (and the
links there) moves left as far: "TEK-05 (p. 64)" reads with one space, as the single
engine lays it out, never with the room a third digit would have taken. That text is
found where the part is laid out too (a comment before each of its text matrices, naming
the slot), so stamping edits bytes and parses no page.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

SLOT_PREFIX = "sopgen-pg-"
TOLERANCE = 1.0  # CSS px: both layouts put the text at the same place, to rounding
COLOUR_OPERATORS = {"rg", "g", "k", "sc", "scn", "cs"}
MARK = "sopgen-slot"
OPAQUE = "/Opaque"  # the moved numbers' graphics state
SLOT_COMMENT = re.compile(rb"\n%sopgen-slot (\S+)\n")
AFTER = "sopgen-after"  # a text matrix after a cross-reference's slot, on its line
AFTER_COMMENT = re.compile(rb"((?:\n%sopgen-after \S+\n)+)([^\n%]*) Tm\n")
PX_TO_PT = 0.75


@dataclass
class Block:
    """One BT … ET text object of a content stream, with where it starts."""

    start: int  # index of BT
    end: int  # index of ET
    x: float
    y: float
    turned: bool = False  # drawn rotated or skewed (a watermark): x and y are not the page's


def mark_slots(ops: list[Any], slots: dict[str, list[float]]) -> dict[int, list[str]]:
    """Where each slot's number belongs in ``ops``: after the text object (the whole of a
    tagged marked-content sequence) read last before the slot. A slot after a
    cross-reference carries a fifth value, the right end of its line: each text matrix
    after it on that line gets an entry ``"sopgen-after NAME"`` just before it."""
    blocks = [block for block in _blocks(ops)
              if block.x == block.x and not block.turned]  # drawn text, in the page's axes
    targets = _marked_blocks(ops, blocks)
    found: dict[int, list[str]] = {}
    for name, rect in slots.items():
        before = _read_before(targets, rect, list(slots.values()))
        if before is not None:
            found.setdefault(before.end, []).append(name)
        if len(rect) > 4:
            closing = Closing(rect[:4], rect[4], 0.0)
            for block in blocks:
                if closing.moves(block.x, block.y):
                    for index in range(block.start, block.end + 1):
                        if str(ops[index].operator) == "Tm":
                            found.setdefault(index - 1, []).append(f"{AFTER} {name}")
    return found


def _read_before(blocks: list[Block], rect: list[float],
                 slots: list[list[float]]) -> Block | None:
    """The text read just before a slot. The slot itself is not drawn, so this is found
    from where text lies and the order it is drawn in (WeasyPrint draws a line's text in
    reading order, and a table's cells one after another): the nearest text left of the
    slot on its line, unless the slot starts a line (of a paragraph or a table cell):
    then the line above starts where the slot does, is drawn after any text of a cell to
    the left, and ends with the text read before the slot. (The line above may start
    with a slot of its own, which is not drawn either.)"""
    x1, y1, _, y2 = rect[:4]
    height = y2 - y1
    left = [b for b in blocks if y1 - TOLERANCE <= b.y <= y2 + TOLERANCE
            and b.x < x1 - TOLERANCE]
    above = [b for b in blocks if y1 - 1.5 * height <= b.y < y1 - TOLERANCE
             and b.x >= x1 - TOLERANCE]
    nearest = max(left, key=lambda block: block.x, default=None)
    start = min(above, key=lambda block: (block.x, block.start), default=None)
    line_starts = [b.x for b in above] + [other[0] for other in slots
                                          if y1 - 1.5 * height <= other[1] < y1 - TOLERANCE]
    starts_line = start is not None and any(abs(x - x1) <= TOLERANCE for x in line_starts) \
        and (nearest is None or nearest.start < start.start)
    if start is None or (nearest is not None and not starts_line):
        return nearest
    line_end = start
    for block in blocks[blocks.index(start) + 1:]:  # the rest of that line, in stream order
        if abs(block.y - start.y) > TOLERANCE or block.x <= line_end.x:
            break
        line_end = block
    return line_end


def marked_content(ops: list[Any], marks: dict[int, list[str]]) -> bytes:
    """``ops`` as content-stream bytes with a comment line naming each slot after the
    operator where its number belongs."""
    import pikepdf

    if not marks:
        return bytes(pikepdf.unparse_content_stream(ops))
    pieces, start = [], 0
    for index in sorted(marks):
        pieces.append(pikepdf.unparse_content_stream(ops[start:index + 1]))
        pieces += [(f"\n%{name}\n" if name.startswith(AFTER) else f"\n%{MARK} {name}\n").encode()
                   for name in marks[index]]
        start = index + 1
    pieces.append(pikepdf.unparse_content_stream(ops[start:]))
    return b"".join(pieces)


def move_numbers(source: Any, page: Any, stamp: Any, stamp_page: Any,
                 slots: dict[str, list[float]], copied: dict[str, Any] | None = None,
                 lines: dict[str, float] | None = None) -> int:
    """Swap each slot comment on ``page`` for its number's text object, taken off
    ``stamp_page``; returns how many moved. ``copied`` keeps the stamp's fonts once
    copied into ``source``, for the other pages of the same chunk and stamp. A slot in
    ``lines`` (after a cross-reference, by its line's right end) is closed up."""
    import pikepdf

    contents = page.obj.get("/Contents")
    if not slots or not isinstance(contents, pikepdf.Stream):
        return 0
    data = contents.read_bytes()
    if MARK.encode() not in data and AFTER.encode() not in data:
        return 0
    stamp_ops = list(pikepdf.parse_content_stream(stamp_page))
    numbers = _blocks(stamp_ops)
    fonts: dict[str, Any] = {}
    copied = {} if copied is None else copied
    moved: dict[str, Block] = {}  # each slot's number, by the slot's name
    for match in SLOT_COMMENT.finditer(data):
        name = match.group(1).decode()
        rect = slots.get(name)
        taken = list(moved.values())
        number = next((b for b in numbers if b not in taken and _inside(b, rect)), None) \
            if rect is not None else None
        if number is not None:
            moved[name] = number
    closed = [Closing(slots[name], (lines or {})[name], number.x - slots[name][0], name)
              for name, number in moved.items()
              if name in (lines or {}) and number.x - slots[name][0] > CLOSE_UP_FROM]
    rooms = {slot.name: slot.room for slot in closed}

    drawn_once: set[str] = set()

    def number_for(match: re.Match[bytes]) -> bytes:
        name = match.group(1).decode()
        number = moved.get(name)
        if number is None or name in drawn_once:
            return b"\n"
        drawn_once.add(name)
        at = slots[name][0] if name in rooms else number.x  # where it is drawn now
        shift = rooms.get(name, 0.0) + sum(slot.room for slot in closed
                                           if slot.moves(at, number.y))
        drawn = _drawing(stamp_ops, number, source, page, stamp, (fonts, copied), shift)
        return b"\n" + bytes(pikepdf.unparse_content_stream(drawn)) + b"\n"

    content = SLOT_COMMENT.sub(number_for, data)
    page.obj.Contents = source.make_stream(AFTER_COMMENT.sub(
        lambda match: _moved_matrix(match, rooms), content))
    if closed:
        _close_up_links(page, closed)
    if moved:
        kept = [op for index, op in enumerate(stamp_ops)
                if not any(block.start <= index <= block.end for block in moved.values())]
        stamp_page.obj.Contents = stamp.make_stream(pikepdf.unparse_content_stream(kept))
    return len(moved)


CLOSE_UP_FROM = 0.01  # CSS px: room left in a slot that moves the rest of its line


@dataclass
class Closing:
    """A cross-reference's slot whose number left ``room`` unused at its end."""

    rect: list[float]  # the slot
    line_end: float  # the right end of its line: nothing past it moves
    room: float
    name: str = ""

    def moves(self, x: float, y: float) -> bool:
        """Whether text or a link at (``x``, ``y``) is after the slot on its line."""
        _, y1, x2, y2 = self.rect
        return (y1 - TOLERANCE <= y <= y2 + TOLERANCE
                and x2 - TOLERANCE <= x <= self.line_end + TOLERANCE)


def _moved_matrix(match: re.Match[bytes], rooms: dict[str, float]) -> bytes:
    """A text matrix after slots on its line (named by the comments before it), moved
    left by the rooms those slots left; the comments go."""
    names = re.findall(rb"%sopgen-after (\S+)", match.group(1))
    shift = sum(rooms.get(name.decode(), 0.0) for name in names)
    operands = match.group(2).split()
    if shift and len(operands) == 6:
        operands[4] = f"{float(operands[4]) - shift:.6f}".encode()
    return b"\n" + b" ".join(operands) + b" Tm\n"


def _move_text(ops: list[Any], index: int, dx: float) -> None:
    """Move a ``Tm`` instruction of ``ops`` right by ``dx`` (left if negative)."""
    import pikepdf

    if str(ops[index].operator) != "Tm":
        return
    operands = list(ops[index].operands)
    operands[4] = round(float(operands[4]) + dx, 6)
    ops[index] = pikepdf.ContentStreamInstruction(operands, ops[index].operator)


def _close_up_links(page: Any, closed: list[Closing]) -> None:
    """Each link after a closed slot on its line, moved as its text was."""
    import pikepdf

    height = float(page.mediabox[3])
    for annotation in page.obj.get("/Annots", []):
        rect = [float(value) for value in annotation.get("/Rect", [])]
        if len(rect) != 4:
            continue
        x = min(rect[0], rect[2]) / PX_TO_PT
        y = (height - (rect[1] + rect[3]) / 2) / PX_TO_PT  # its middle, from the top
        shift = sum(slot.room for slot in closed if slot.moves(x, y)) * PX_TO_PT
        if shift:
            annotation.Rect = pikepdf.Array([round(rect[0] - shift, 6), rect[1],
                                             round(rect[2] - shift, 6), rect[3]])


def _blocks(ops: list[Any]) -> list[Block]:
    blocks, start, where = [], None, (0.0, 0.0)
    turned = [False]  # by q … Q level: whether a rotating or skewing cm is in effect
    for index, instruction in enumerate(ops):
        name, operands = str(instruction.operator), instruction.operands
        if name == "q":
            turned.append(turned[-1])
        elif name == "Q" and len(turned) > 1:
            turned.pop()
        elif name == "cm":
            turned[-1] = turned[-1] or float(operands[1]) != 0 or float(operands[2]) != 0
        elif name == "BT":
            start, where = index, (float("nan"), float("nan"))
        elif name == "Tm" and start is not None:
            where = (float(operands[4]), float(operands[5]))
        elif name == "ET" and start is not None:
            blocks.append(Block(start, index, *where, turned=turned[-1]))
            start = None
    return blocks


def _marked_blocks(ops: list[Any], blocks: list[Block]) -> list[Block]:
    """Those of ``blocks`` that are the whole of a tagged marked-content sequence (MCID)."""
    import pikepdf

    found = []
    for block in blocks:
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
             fonts: tuple[dict[str, Any], dict[str, Any]], room: float = 0.0) -> list[Any]:
    """The stamp's text object, with its colour, using fonts copied into the page,
    moved left by ``room`` (to its slot's start)."""
    import pikepdf

    colour: list[Any] = []
    for back in range(block.start - 1, max(block.start - 6, -1), -1):
        if str(stamp_ops[back].operator) in COLOUR_OPERATORS:
            colour.insert(0, stamp_ops[back])
    # Opaque: the text read before may be drawn transparent (the contents' leader).
    opaque = _resource(OPAQUE, pikepdf.Name.ExtGState, source, page, fonts,
                       lambda: source.make_indirect(pikepdf.Dictionary(
                           Type=pikepdf.Name.ExtGState, ca=1, CA=1)))
    drawn = [pikepdf.ContentStreamInstruction([], pikepdf.Operator("q")),
             pikepdf.ContentStreamInstruction([opaque], pikepdf.Operator("gs")), *colour]
    for instruction in stamp_ops[block.start:block.end + 1]:
        operands = list(instruction.operands)
        if str(instruction.operator) == "Tf":
            operands[0] = _font(str(operands[0]), source, page, stamp, fonts)
        drawn.append(pikepdf.ContentStreamInstruction(operands, instruction.operator))
        if room:
            _move_text(drawn, len(drawn) - 1, -room)
    drawn.append(pikepdf.ContentStreamInstruction([], pikepdf.Operator("Q")))
    return drawn


def _font(name: str, source: Any, page: Any, stamp: Any,
          fonts: tuple[dict[str, Any], dict[str, Any]]) -> Any:
    """The page's resource name for the stamp's font ``name`` (a stamp's pages share
    their fonts): copied into ``source`` once per stamp, named on each page."""
    import pikepdf

    return _resource(name, pikepdf.Name.Font, source, page, fonts,
                     lambda: source.copy_foreign(stamp.pages[0].Resources.Font[name]))


def _resource(name: str, kind: Any, source: Any, page: Any,
              known: tuple[dict[str, Any], dict[str, Any]], make: Callable[[], Any]) -> Any:
    """The page's name for a resource of the moved numbers: made once per part (``make``),
    named on each page unless the page shares resources that name it already."""
    import pikepdf

    on_page, made = known
    if name not in on_page:
        if name not in made:
            made[name] = make()
        wanted = pikepdf.Name(f"/SopgenNumber{name[1:]}")
        named = page.obj.get("/Resources", {}).get(str(kind), {}).get(wanted)
        if named is not None and named.objgen == made[name].objgen:
            on_page[name] = wanted  # pages sharing their resources: named already
        else:
            on_page[name] = page.add_resource(made[name], kind, wanted)
    return on_page[name]
