"""One embedded program per font: the subsets of joined parts merged.

Each part of a handbook laid out in parallel embeds its own subset of every font it uses,
so the joined file would carry one program per part for the same font. WeasyPrint writes
each font as a Type0 font (``/Identity-H``) over a CIDFontType2 whose CIDs are glyph ids
(``/CIDToGIDMap /Identity``), and subsets with retained glyph ids: glyph 87 is the same
glyph in every part's subset. So merging is a union by glyph id: one TrueType program
holding every glyph any part drew, one CIDFont with the widths (``/W``) of all, and one
Type0 font with one ``/ToUnicode`` map, which every resource dictionary then names.

Nothing is guessed: a glyph, width or Unicode text that two parts give differently keeps
them apart (a second program, CIDFont or Type0 font, as before merging). Fonts of any
other kind (Type3, CFF, a custom encoding) stay as they are.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

SUBSET_TAG = re.compile(r"^/?[A-Z]{6}\+")
BFCHAR = re.compile(rb"beginbfchar(.*?)endbfchar", re.S)
BFCHAR_PAIR = re.compile(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]*)>")
FIXED_PITCH = 1


@dataclass
class Subset:
    """One embedded program and what the parts drew with it, by glyph id."""

    descriptor: Any
    font: Any  # the fontTools TTFont
    glyphs: dict[int, tuple[bytes, int]]  # glyph id -> (outline, advance) of drawn glyphs


@dataclass
class Program:
    """The subsets merged into one program, and the fonts that use it."""

    subsets: list[Subset] = field(default_factory=list)
    glyphs: dict[int, tuple[bytes, int]] = field(default_factory=dict)
    cid_fonts: list[CidFont] = field(default_factory=list)


@dataclass
class CidFont:
    """CIDFontType2 dictionaries with compatible widths, and their Type0 fonts."""

    originals: list[Any]
    widths: dict[int, Any]
    type0s: list[Type0] = field(default_factory=list)


@dataclass
class Type0:
    """Type0 fonts with compatible ToUnicode maps (``text`` None: not readable, kept)."""

    originals: list[Any]
    text: dict[int, bytes] | None


def merge_font_subsets(pdf: Any) -> None:
    """Embed each font program once: merge the subsets of the same font (same name,
    same source font) into one program, CIDFont and Type0 font, and point every font
    resource at the merged font."""
    holders = list(_font_resources(pdf))
    fonts: dict[tuple[int, int], Any] = {}
    for resources in holders:
        for font in resources.values():
            if font.is_indirect and _mergeable(font):
                fonts.setdefault(font.objgen, font)
    programs = _group(fonts.values())
    replacements: dict[tuple[int, int], Any] = {}
    for group in programs:
        if _already_one(group):
            continue
        replacements.update(_write(pdf, group))
    if not replacements:
        return
    for resources in holders:
        for name, font in list(resources.items()):
            if font.is_indirect and font.objgen in replacements:
                resources[name] = replacements[font.objgen]


# ------------------------------------------------------------------ finding fonts

def _font_resources(pdf: Any) -> Iterator[Any]:
    """Every /Font resource dictionary: of pages, form XObjects (stamps, appearance
    streams) and the interactive form, each once."""
    seen: set[tuple[int, int]] = set()
    stack: list[Any] = [page.obj for page in pdf.pages]
    form = pdf.Root.get("/AcroForm")
    if form is not None and "/DR" in form:
        stack.append(form)
    while stack:
        owner = stack.pop()
        if owner.is_indirect:
            if owner.objgen in seen:
                continue
            seen.add(owner.objgen)
        resources = owner.get("/Resources", owner.get("/DR"))
        if resources is not None and "/Font" in resources:
            yield resources.Font
        for xobject in (resources or {}).get("/XObject", {}).values():
            if xobject.get("/Subtype") == "/Form":
                stack.append(xobject)
        for annotation in owner.get("/Annots", []):
            stack += list(_appearances(annotation.get("/AP")))


def _appearances(appearance: Any) -> Iterator[Any]:
    import pikepdf

    for state in (appearance or {}).values():
        if isinstance(state, pikepdf.Stream):
            yield state
        elif isinstance(state, pikepdf.Dictionary):
            yield from (stream for stream in state.values() if isinstance(stream, pikepdf.Stream))


def _mergeable(font: Any) -> bool:
    """A Type0 font as WeasyPrint writes it: Identity-H over a TrueType CIDFont."""
    if font.get("/Subtype") != "/Type0" or font.get("/Encoding") != "/Identity-H":
        return False
    descendants = font.get("/DescendantFonts")
    if descendants is None or len(descendants) != 1:
        return False
    cid_font = descendants[0]
    descriptor = cid_font.get("/FontDescriptor")
    return (cid_font.get("/Subtype") == "/CIDFontType2" and cid_font.is_indirect
            and cid_font.get("/CIDToGIDMap", "/Identity") == "/Identity"
            and descriptor is not None and "/FontFile2" in descriptor
            and _widths(cid_font.get("/W")) is not None)


# ------------------------------------------------------------------ grouping

def _group(fonts: Any) -> list[Program]:
    """The fonts by program: subsets of one source font whose glyphs agree."""
    programs: dict[tuple[Any, ...], list[Program]] = {}
    subsets: dict[tuple[int, int], tuple[Subset, Program]] = {}
    for font in fonts:
        cid_font = font.DescendantFonts[0]
        descriptor = cid_font.FontDescriptor
        widths = _widths(cid_font.get("/W")) or {}
        key = descriptor.FontFile2.objgen
        if key not in subsets:
            subset = _subset(descriptor, widths)
            if subset is None:
                continue
            subsets[key] = (subset, _place(programs, subset))
        else:
            subset, program = subsets[key]
            drawn = _drawn(subset.font, widths)
            if not _agrees(subset.glyphs, drawn):
                continue  # the same bytes cannot draw a glyph two ways: malformed, leave it
            subset.glyphs.update(drawn)
            program.glyphs.update(drawn)
        _add_font(subsets[key][1], cid_font, font, widths)
    return [program for group in programs.values() for program in group]


def _subset(descriptor: Any, widths: dict[int, Any]) -> Subset | None:
    from fontTools.ttLib import TTFont, TTLibError

    try:
        font = TTFont(io.BytesIO(descriptor.FontFile2.read_bytes()), recalcBBoxes=False,
                      recalcTimestamp=False)
        if "glyf" not in font or "hmtx" not in font:
            return None
        return Subset(descriptor, font, _drawn(font, widths))
    except (TTLibError, KeyError, ValueError, AssertionError):
        return None


def _drawn(font: Any, widths: dict[int, Any]) -> dict[int, tuple[bytes, int]]:
    """Glyphs the subset holds or the part drew (a space has no outline, but a width)."""
    order = font.getGlyphOrder()
    glyphs, metrics = font["glyf"].glyphs, font["hmtx"].metrics
    drawn = {}
    for gid, name in enumerate(order):
        outline = getattr(glyphs[name], "data", b"")
        if outline or gid in widths:
            drawn[gid] = (bytes(outline), int(metrics[name][0]))
    return drawn


def _place(programs: dict[tuple[Any, ...], list[Program]], subset: Subset) -> Program:
    """The program of the same source font the subset agrees with, or a new one."""
    group = programs.setdefault(_source(subset), [])
    for program in group:
        if _agrees(program.glyphs, subset.glyphs):
            break
    else:
        program = Program()
        group.append(program)
    program.subsets.append(subset)
    program.glyphs.update(subset.glyphs)
    return program


def _source(subset: Subset) -> tuple[Any, ...]:
    """What names the source font: its name without the tag, its unique id and version."""
    names = subset.font["name"] if "name" in subset.font else None
    ids = tuple(str(names.getDebugName(number) or "") for number in (1, 2, 3, 5)) \
        if names is not None else ()
    return (SUBSET_TAG.sub("", str(subset.descriptor.get("/FontName", ""))),
            subset.font["head"].unitsPerEm, ids)


def _agrees(known: dict[int, Any], new: dict[int, Any]) -> bool:
    return all(known.get(key, value) == value for key, value in new.items())


def _add_font(program: Program, cid_font: Any, font: Any, widths: dict[int, Any]) -> None:
    """``font`` joins the first CIDFont whose widths and Type0 whose text agree."""
    for bucket in program.cid_fonts:
        if _agrees(bucket.widths, widths):
            break
    else:
        bucket = CidFont([], {})
        program.cid_fonts.append(bucket)
    if all(cid_font.objgen != known.objgen for known in bucket.originals):
        bucket.originals.append(cid_font)
    bucket.widths.update(widths)
    text = _to_unicode(font.get("/ToUnicode"))
    for type0 in bucket.type0s:
        if text is not None and type0.text is not None and _agrees(type0.text, text):
            type0.text.update(text)
            type0.originals.append(font)
            return
    bucket.type0s.append(Type0([font], text))


def _already_one(program: Program) -> bool:
    return (len({subset.descriptor.FontFile2.objgen for subset in program.subsets}) == 1
            and all(len(bucket.originals) == 1 and len(bucket.type0s) == 1
                    and len(bucket.type0s[0].originals) == 1 for bucket in program.cid_fonts))


# ------------------------------------------------------------------ writing

def _write(pdf: Any, program: Program) -> dict[tuple[int, int], Any]:
    """The merged program, descriptor, CIDFonts and Type0 fonts; old Type0 -> new."""
    import pikepdf

    data = _merged_program(program)
    first = program.subsets[0].descriptor
    descriptor = pdf.make_indirect(pikepdf.Dictionary(dict(first.items())))
    descriptor.FontFile2 = pdf.make_stream(data, Length1=len(data))
    boxes = [[float(x) for x in subset.descriptor.FontBBox] for subset in program.subsets
             if "/FontBBox" in subset.descriptor]
    if boxes:
        descriptor.FontBBox = pikepdf.Array([min(b[0] for b in boxes), min(b[1] for b in boxes),
                                             max(b[2] for b in boxes), max(b[3] for b in boxes)])
    all_widths = {gid: width for bucket in program.cid_fonts
                  for gid, width in bucket.widths.items()}
    if len({float(width) for width in all_widths.values()}) > 1:
        descriptor.Flags = int(descriptor.get("/Flags", 0)) & ~FIXED_PITCH
    if "/CIDSet" in descriptor:
        descriptor.CIDSet = pdf.make_stream(_cid_set(set(all_widths)))
    replacements = {}
    for bucket in program.cid_fonts:
        cid_font = pdf.make_indirect(pikepdf.Dictionary(dict(bucket.originals[0].items())))
        cid_font.FontDescriptor = descriptor
        cid_font.W = _w_array(bucket.widths)
        for type0 in bucket.type0s:
            font = pdf.make_indirect(pikepdf.Dictionary(dict(type0.originals[0].items())))
            font.DescendantFonts = pikepdf.Array([cid_font])
            if type0.text is not None:
                font.ToUnicode = pdf.make_stream(_cmap(type0.text))
            for original in type0.originals:
                replacements[original.objgen] = font
    return replacements


def _merged_program(program: Program) -> bytes:
    """The largest subset with every other subset's drawn glyphs copied into their slots
    (raw outlines: composite glyphs name their parts by glyph id, equal in every part)."""
    subsets = sorted(program.subsets, key=lambda s: -len(s.font.getGlyphOrder()))
    base = subsets[0].font
    order = base.getGlyphOrder()
    glyf, hmtx = base["glyf"], base["hmtx"]
    for subset in subsets[1:]:
        other_order = subset.font.getGlyphOrder()
        other_glyphs, other_metrics = subset.font["glyf"].glyphs, subset.font["hmtx"].metrics
        for gid in subset.glyphs:
            glyf.glyphs[order[gid]] = other_glyphs[other_order[gid]]
            hmtx.metrics[order[gid]] = other_metrics[other_order[gid]]
        _merge_cmap(base, subset.font, order)
    _merge_bounds(base, [subset.font for subset in subsets])
    out = io.BytesIO()
    base.save(out)
    return out.getvalue()


def _merge_cmap(base: Any, other: Any, order: list[str]) -> None:
    """The font's own cmap names every character any part drew."""
    if "cmap" not in base or "cmap" not in other:
        return
    for table in base["cmap"].tables:
        source = other["cmap"].getcmap(table.platformID, table.platEncID)
        if source is None or not hasattr(table, "cmap") or not hasattr(source, "cmap"):
            continue
        for code, name in source.cmap.items():
            gid = other.getGlyphID(name)
            if gid < len(order):
                table.cmap.setdefault(code, order[gid])


def _merge_bounds(base: Any, fonts: list[Any]) -> None:
    """head's box, hhea's extremes and maxp's maxima cover every subset's glyphs."""
    head = base["head"]
    head.xMin = min(font["head"].xMin for font in fonts)
    head.yMin = min(font["head"].yMin for font in fonts)
    head.xMax = max(font["head"].xMax for font in fonts)
    head.yMax = max(font["head"].yMax for font in fonts)
    if "hhea" in base:
        hhea = base["hhea"]
        for name, pick in (("advanceWidthMax", max), ("minLeftSideBearing", min),
                           ("minRightSideBearing", min), ("xMaxExtent", max)):
            setattr(hhea, name, pick(getattr(font["hhea"], name) for font in fonts))
    maxp = base["maxp"]
    for name in ("maxPoints", "maxContours", "maxCompositePoints", "maxCompositeContours",
                 "maxZones", "maxTwilightPoints", "maxStorage", "maxFunctionDefs",
                 "maxInstructionDefs", "maxStackElements", "maxSizeOfInstructions",
                 "maxComponentElements", "maxComponentDepth"):
        if hasattr(maxp, name):
            setattr(maxp, name, max(getattr(font["maxp"], name, 0) for font in fonts))


# ------------------------------------------------------------------ PDF font data

def _widths(w: Any) -> dict[int, Any] | None:
    """A /W array as CID -> width; None if it cannot be read."""
    import pikepdf

    widths: dict[int, Any] = {}
    items = list(w) if w is not None else []
    index = 0
    try:
        while index < len(items):
            first, following = int(items[index]), items[index + 1]
            if isinstance(following, pikepdf.Array):
                widths.update((first + offset, width) for offset, width in enumerate(following))
                index += 2
            else:
                widths.update((cid, items[index + 2]) for cid in range(first, int(following) + 1))
                index += 3
    except (IndexError, TypeError, ValueError):
        return None
    return widths


def _w_array(widths: dict[int, Any]) -> Any:
    """Widths as WeasyPrint writes them: each run of consecutive CIDs as ``c [w …]``."""
    import pikepdf

    array, run = pikepdf.Array(), None
    for cid in sorted(widths):
        if run is None or cid - 1 not in widths:
            run = pikepdf.Array()
            array.append(cid)
            array.append(run)
        run.append(widths[cid])
    return array


def _to_unicode(stream: Any) -> dict[int, bytes] | None:
    """The bfchar pairs of a ToUnicode CMap (all WeasyPrint writes); None otherwise."""
    if stream is None:
        return {}
    try:
        data = stream.read_bytes()
    except Exception:  # noqa: BLE001 - an unreadable stream is kept as it is
        return None
    if b"bfrange" in data:
        return None
    return {int(code, 16): bytes.fromhex(text.decode())
            for block in BFCHAR.findall(data) for code, text in BFCHAR_PAIR.findall(block)}


def _cmap(text: dict[int, bytes]) -> bytes:
    """A ToUnicode CMap as WeasyPrint writes one (at most 100 entries a block)."""
    lines = [b"/CIDInit /ProcSet findresource begin", b"12 dict begin", b"begincmap",
             b"/CIDSystemInfo", b"<< /Registry (Adobe)", b"/Ordering (UCS)", b"/Supplement 0",
             b">> def", b"/CMapName /Adobe-Identity-UCS def", b"/CMapType 2 def",
             b"1 begincodespacerange", b"<0000> <ffff>", b"endcodespacerange"]
    codes = sorted(text)
    for start in range(0, len(codes), 100):
        batch = codes[start:start + 100]
        lines.append(f"{len(batch)} beginbfchar".encode())
        lines += [f"<{code:04x}> <{text[code].hex()}>".encode() for code in batch]
        lines.append(b"endbfchar")
    lines += [b"endcmap", b"CMapName currentdict /CMap defineresource pop", b"end", b"end"]
    return b"\n".join(lines)


def _cid_set(cids: set[int]) -> bytes:
    """A CIDSet stream: one bit per CID present (CID 0 always)."""
    present = cids | {0}
    data = bytearray((max(present) // 8) + 1)
    for cid in present:
        data[cid // 8] |= 0x80 >> (cid % 8)
    return bytes(data)
