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
import itertools
import re
import struct
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

SUBSET_TAG = re.compile(r"^/?[A-Z]{6}\+")
BFCHAR = re.compile(rb"beginbfchar(.*?)endbfchar", re.S)
BFCHAR_PAIR = re.compile(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]*)>")
FIXED_PITCH = 1


@dataclass
class Subset:
    """One embedded program, read as raw tables, and the glyphs the parts drew with it."""

    descriptor: Any
    font: Any  # fontTools' TTFont, its tables left unparsed but for head, hhea and maxp
    outlines: list[bytes]  # by glyph id
    metrics: array[int]  # advance and left side bearing of each glyph id, in turn
    glyphs: dict[int, tuple[bytes, int]]  # glyph id -> (outline, advance) of drawn glyphs


@dataclass
class Program:
    """The subsets merged into one program, and the fonts that use it."""

    subsets: list[Subset] = field(default_factory=list)
    glyphs: dict[int, tuple[bytes, int]] = field(default_factory=dict)
    sources: dict[int, Subset] = field(default_factory=dict)  # glyph id -> its subset
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
    fonts: dict[tuple[int, int], tuple[Any, dict[int, Any]]] = {}
    for resources in holders:
        for font in resources.values():
            if font.is_indirect and font.objgen not in fonts:
                widths = _mergeable(font)
                if widths is not None:
                    fonts[font.objgen] = (font, widths)
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


def _mergeable(font: Any) -> dict[int, Any] | None:
    """The widths of a Type0 font as WeasyPrint writes it (Identity-H over a TrueType
    CIDFont); None for any other font."""
    if font.get("/Subtype") != "/Type0" or font.get("/Encoding") != "/Identity-H":
        return None
    descendants = font.get("/DescendantFonts")
    if descendants is None or len(descendants) != 1:
        return None
    cid_font = descendants[0]
    descriptor = cid_font.get("/FontDescriptor")
    if (cid_font.get("/Subtype") == "/CIDFontType2" and cid_font.is_indirect
            and cid_font.get("/CIDToGIDMap", "/Identity") == "/Identity"
            and descriptor is not None and "/FontFile2" in descriptor):
        return _widths(cid_font.get("/W"))
    return None


# ------------------------------------------------------------------ grouping

def _group(fonts: Any) -> list[Program]:
    """The fonts by program: subsets of one source font whose glyphs agree."""
    programs: dict[tuple[Any, ...], list[Program]] = {}
    subsets: dict[tuple[int, int], tuple[Subset, Program]] = {}
    for font, widths in fonts:
        cid_font = font.DescendantFonts[0]
        descriptor = cid_font.FontDescriptor
        key = descriptor.FontFile2.objgen
        if key not in subsets:
            subset = _subset(descriptor, widths)
            if subset is None:
                continue
            subsets[key] = (subset, _place(programs, subset))
        else:
            subset, program = subsets[key]
            drawn = _drawn(subset, widths)
            if not _agrees(program.glyphs, drawn):
                continue  # the same bytes cannot draw a glyph two ways: malformed, leave it
            subset.glyphs.update(drawn)
            program.glyphs.update(drawn)
            program.sources.update((gid, subset) for gid in drawn if gid not in program.sources)
        _add_font(subsets[key][1], cid_font, font, widths)
    return [program for group in programs.values() for program in group]


def _subset(descriptor: Any, widths: dict[int, Any]) -> Subset | None:
    """The program's glyph outlines and metrics, read from its loca, glyf and hmtx tables
    with struct (fontTools would build an object for every empty slot)."""
    from fontTools.ttLib import TTFont, TTLibError

    try:
        font = TTFont(io.BytesIO(descriptor.FontFile2.read_bytes()), recalcBBoxes=False,
                      recalcTimestamp=False, lazy=True)
        if not all(tag in font for tag in ("glyf", "loca", "hmtx", "hhea", "head", "maxp")):
            return None
        count = struct.unpack(">H", font.getTableData("maxp")[4:6])[0]
        long_loca = struct.unpack(">h", font.getTableData("head")[50:52])[0] == 1
        loca = font.getTableData("loca")
        offsets = (struct.unpack(f">{count + 1}I", loca[:4 * (count + 1)]) if long_loca
                   else [2 * o for o in struct.unpack(f">{count + 1}H", loca[:2 * (count + 1)])])
        glyf = font.getTableData("glyf")
        outlines = [glyf[start:end] for start, end in itertools.pairwise(offsets)]
        long_metrics = struct.unpack(">H", font.getTableData("hhea")[34:36])[0]
        hmtx = font.getTableData("hmtx")
        pairs = struct.unpack(">" + "Hh" * long_metrics, hmtx[:4 * long_metrics])
        advances = list(pairs[::2])
        advances += advances[-1:] * (count - long_metrics)
        bearings = list(pairs[1::2]) + list(struct.unpack(
            f">{count - long_metrics}h", hmtx[4 * long_metrics:2 * (count + long_metrics)]))
        # Compact: a list of pairs for every glyph slot of every subset of a large
        # handbook is the biggest transient of the whole PDF build.
        metrics = array("i", bytes(8 * count))
        metrics[0::2], metrics[1::2] = array("i", advances), array("i", bearings)
    except (TTLibError, KeyError, ValueError, IndexError, struct.error):
        return None
    subset = Subset(descriptor, font, outlines, metrics, {})
    subset.glyphs = _drawn(subset, widths)
    return subset


def _drawn(subset: Subset, widths: dict[int, Any]) -> dict[int, tuple[bytes, int]]:
    """Glyphs the subset holds or the part drew (a space has no outline, but a width)."""
    return {gid: (outline, subset.metrics[2 * gid])
            for gid, outline in enumerate(subset.outlines) if outline or gid in widths}


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
    program.sources.update((gid, subset) for gid in subset.glyphs if gid not in program.sources)
    return program


def _source(subset: Subset) -> tuple[Any, ...]:
    """What names the source font: its name without the tag, its units per em and its
    name table (family, unique id, version), which subsetting keeps as it is."""
    font = subset.font
    names = font.getTableData("name") if "name" in font else b""
    return (SUBSET_TAG.sub("", str(subset.descriptor.get("/FontName", ""))),
            font.getTableData("head")[18:20], names)


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
    """The largest subset with every drawn glyph in its slot: raw outlines (composite
    glyphs name their parts by glyph id, equal in every part) and their metrics, written
    as new glyf, loca (long offsets) and hmtx tables."""
    from fontTools.ttLib.tables.DefaultTable import DefaultTable

    base = max(program.subsets, key=lambda subset: len(subset.outlines))
    count = len(base.outlines)
    glyf = bytearray()
    offsets: list[int] = []
    metrics: list[int] = []
    for gid in range(count):
        source = program.sources.get(gid, base)
        outline = source.outlines[gid]
        offsets.append(len(glyf))
        glyf += outline + bytes(-len(outline) % 4)
        metrics += source.metrics[2 * gid:2 * gid + 2]
    offsets.append(len(glyf))
    font = base.font
    tables = {"glyf": bytes(glyf) or b"\0", "loca": struct.pack(f">{count + 1}I", *offsets),
              "hmtx": struct.pack(">" + "Hh" * count, *metrics)}
    post = font.getTableData("post") if "post" in font else b""
    if post[:4] == b"\x00\x02\x00\x00":  # names of the base's glyphs only: keep none
        tables["post"] = b"\x00\x03\x00\x00" + post[4:32]
    for tag, data in tables.items():
        table = DefaultTable(tag)
        table.data = data
        font[tag] = table
    for tag in ("hdmx", "LTSH", "VDMX", "vhea", "vmtx", "kern"):
        if tag in font:
            del font[tag]  # optional per-glyph data of the base's glyphs only
    font["head"].indexToLocFormat = 1
    font["hhea"].numberOfHMetrics = count
    font["maxp"].numGlyphs = count
    _merge_bounds(font, [subset.font for subset in program.subsets])
    out = io.BytesIO()
    font.save(out, reorderTables=False)
    return out.getvalue()


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
    import pikepdf

    if stream is None:
        return {}
    try:
        data = stream.read_bytes()
    except pikepdf.PdfError:  # an unreadable stream is kept as it is
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
