"""The parallel PDF engine: lay out parts of the handbook on every core, then join them.

WeasyPrint lays a document out on one core, and its time and memory grow with the
page count. A handbook is made of parts that each start on a new page (the
``<!-- sopgen:part -->`` markers in ``print.html.j2``), so each part's pages do not
depend on any other part. We therefore:

1. split the print HTML into parts and group them into chunks;
2. lay each chunk out in a worker process — page numbers are *not* known yet, so the
   places where a number goes (contents lines, "(p. 12)" after a cross-reference) get a
   fixed-width empty slot, and the page-number footer is left out;
3. from where every anchor and slot landed, compute the real page numbers, and lay out
   one light "stamp" document holding only the numbers and the footers;
4. move each number into the chunk's own text (inline.py) and lay the rest of the stamp
   over it as an artifact, a chunk per worker; then join the chunk PDFs and their
   structure trees (structure.py), point links at their pages, and add bookmarks and the
   metadata of a tagged PDF/UA-1 and PDF/A-2b file (archival.py).

Chunks whose HTML did not change since the last build come from a cache, so an edit to
one procedure lays out only that procedure's chunk again (and the contents, lists and
tables that name it); so do stamped chunks whose chunk and stamp did not change.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import tempfile
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sopgen.core.parallel import available_cores, can_fork, forked_pool
from sopgen.rendering.structure import link_descriptions, link_destination

PART = re.compile(r"<!-- sopgen:part(?: pillar=([a-z]+))? -->")
LINK = re.compile(
    r'<a\b(?P<attrs>[^>]*\bclass="(?P<class>xref-bare|xref|pgref)"[^>]*)>(?P<body>.*?)</a>',
    re.DOTALL)
HREF = re.compile(r'href="#([^"]+)"')
ID = re.compile(r'\bid="([^"]+)"')
PILLAR_TITLE = re.compile(r'<h2 class="chapter pillar-title">(.*?)</h2>', re.DOTALL)
PX_TO_PT = 0.75
PARTS_PER_CHUNK = 4
CACHE_FORMAT = "tagged-8"  # changes when what a cached part or PDF holds changes
ELSEWHERE = "sopgen-elsewhere"
FIGURE_SPACES = "&#8199;&#8199;&#8199;"  # room for a page number up to 999

CHUNK_CSS = """
@page { @bottom-center { content: none; } }
.sopgen-first > *, .sopgen-first > * > h2:first-child { break-before: auto !important; }
a.xref::after, a.xref-bare::after { content: none; }
.pg-xref .room { visibility: hidden; }
.toc a, .pillar-list a { display: inline; }
.toc a::after, .pillar-list a::after { content: leader("."); }
h1, h2, h3, h4, h5, h6 { bookmark-level: none; }
"""
NOT_COVER_CSS = ".running, .watermark { page: auto; }\n"
STAMP_CSS = """
@page { @top-left { content: none; } @top-center { content: none; }
        @top-right { content: none; } @bottom-left { content: none; }
        @bottom-right { content: none; } }
.stamp-page { position: relative; height: 1px; break-after: page; }
.stamp-page.first { page: cover; }
.stamp { position: absolute; text-align: right; white-space: nowrap; line-height: 1.2; }
.stamp.xref, .stamp.xref-bare { color: #57606a; }
"""


@dataclass(frozen=True)
class Slot:
    """A place that shows the page number of ``target``."""

    target: str
    kind: str  # "xref", "xref-bare" (inside parentheses: no brackets of its own) or "pgref"
    before: str = ""  # printed with the number: "(p. " … ")" after a cross-reference
    after: str = ""


@dataclass
class Chunk:
    html: str
    first_pillar: str | None
    parts: int
    elsewhere: list[str] = field(default_factory=list)  # link targets in other chunks


@dataclass
class PageInfo:
    width: float
    height: float
    anchors: dict[str, list[float]]
    bookmarks: list[tuple[int, str, list[float]]]
    # Each slot after a cross-reference, by the right end of its line (CSS px): where the
    # text after it, closed up to a shorter number, may move (inline.move_numbers).
    lines: dict[str, float] = field(default_factory=dict)


@dataclass
class LaidOut:
    pdf: bytes
    pages: list[PageInfo]

    def to_json(self) -> str:
        return json.dumps([vars(page) for page in self.pages])

    @classmethod
    def from_files(cls, pdf: Path, info: Path) -> LaidOut:
        pages = [PageInfo(**page) for page in json.loads(info.read_text())]
        return cls(pdf.read_bytes(), pages)


@dataclass
class Job:
    """What a worker needs to lay out one chunk (picklable)."""

    html: str
    base_url: str
    allowed: list[str]
    tagged: bool = True  # a part of the handbook; page-number layers are artifacts
    elsewhere: list[str] = field(default_factory=list)


@dataclass
class Engine:
    """Settings of one parallel PDF build."""

    base: Path
    allowed: list[Path]
    page_label: str  # "p." / "hlm.": printed before a cross-reference's page number
    workers: int = field(default_factory=available_cores)
    cache: Path | None = None
    report: Callable[[str], None] | None = None


# ------------------------------------------------------------------ splitting

def split(print_html: str) -> tuple[str, str, list[tuple[str | None, str]], str]:
    """(head up to <body>, preamble, [(pillar, part html)], closing tags)."""
    body_start = print_html.index("<body>") + len("<body>")
    body_end = print_html.rindex("</body>")
    head, body, tail = print_html[:body_start], print_html[body_start:body_end], \
        print_html[body_end:]
    pieces = PART.split(body)
    preamble, rest = pieces[0], pieces[1:]
    parts = [(rest[i], rest[i + 1]) for i in range(0, len(rest), 2)]
    return head, preamble, parts, tail


def add_slots(html: str, slots: dict[str, Slot], page_label: str) -> str:
    """Give every numbered link an empty, fixed-width slot with an id we can find."""

    def replace(match: re.Match[str]) -> str:
        target = HREF.search(match.group("attrs"))
        if target is None:
            return match.group(0)
        ident = f"sopgen-pg-{len(slots)}"  # inline.SLOT_PREFIX
        kind = match.group("class")
        if kind == "pgref":
            slots[ident] = Slot(target.group(1), kind)
            return f'{match.group(0)}<span class="pg" id="{ident}">{FIGURE_SPACES}</span>'
        # The whole "(p. 12)" is stamped, right-aligned in a slot as wide as "(p. 999)"
        # drawn invisibly; a shorter one is then moved to the slot's start and the rest
        # of its line closes up (inline.move_numbers): no gap before it, inside the
        # brackets or before the punctuation that follows.
        before, after = (f"({page_label}\u00a0", ")") if kind == "xref" else (
            f"{page_label}\u00a0", "")
        slots[ident] = Slot(target.group(1), kind, before, after)
        room = f"{before}999{after}".replace("\u00a0", "&nbsp;")
        # A no-break space: a reference never wraps away from its number, which a reader
        # going line by line (pdftotext -layout, in a table) would meet a column later.
        return (f'{match.group(0)}&nbsp;<span class="pg pg-xref" id="{ident}">'
                f'<span class="room">{room}</span></span>')

    return LINK.sub(replace, html)


def make_chunks(head: str, preamble: str, parts: list[tuple[str | None, str]]) -> list[Chunk]:
    """Group parts into chunks of a few parts each, cut at part boundaries only.

    The grouping depends on the number and kind of parts, not their size, so editing
    one procedure changes few chunks' HTML and leaves the others' cache entries valid.
    """
    titles = {pillar: PILLAR_TITLE.search(html).group(1)  # type: ignore[union-attr]
              for pillar, html in parts if pillar and PILLAR_TITLE.search(html)}
    chunk_head = head.replace("</head>", f"<style>{CHUNK_CSS}</style></head>")
    chunks = []
    for start, end in _groups(parts):
        group = parts[start:end]
        pillar = group[0][0]
        extra = "" if start == 0 else f"<style>{NOT_COVER_CSS}</style>"
        setter = ""
        if pillar and pillar in titles and not PILLAR_TITLE.search(group[0][1]):
            setter = (f'<div class="running"><span class="pillar-title" '
                      f'style="string-set: run-pillar content()">{titles[pillar]}</span></div>')
        first, *others = [html for _, html in group]  # its page break would leave a blank
        body = f'<div class="sopgen-first">{first}</div>' + "".join(others)
        elsewhere = sorted(set(HREF.findall(body)) - set(ID.findall(body)))
        html = (chunk_head.replace("</head>", f"{extra}</head>") + preamble
                + '<div class="running" id="sopgen-origin"></div>'
                + _stand_ins(elsewhere) + setter + body + "</body></html>")
        chunks.append(Chunk(html, pillar, len(group), elsewhere))
    return chunks


def _groups(parts: list[tuple[str | None, str]]) -> list[tuple[int, int]]:
    """(start, end) of each chunk: a pillar's procedures in fours after its opening part;
    the opening part (which lists the pillar's procedures) and every part outside the
    pillars (cover, contents, appendices) alone.

    The contents, a pillar's list, the RACI matrix and the records table name every
    procedure, so one edited title changes them: alone, each is laid out again without
    the heavy parts that did not change (the records table alone has hundreds of links).
    """
    # A fixed number, not one derived from the core count: the same content must give
    # the same chunks, hence the same PDF bytes, on every machine.
    groups: list[tuple[int, int]] = []
    start = 0
    for index in range(1, len(parts) + 1):
        if (index == len(parts) or parts[index][0] is None or parts[index][0] != parts[start][0]
                or index - start == PARTS_PER_CHUNK or _opens_pillar(parts[start][1])):
            groups.append((start, index))
            start = index
    return groups


def _opens_pillar(part_html: str) -> bool:
    """A pillar's first part: its title, introduction and the list of its procedures."""
    return PILLAR_TITLE.search(part_html) is not None


def _stand_ins(targets: list[str]) -> str:
    """Invisible anchors for link targets laid out in other chunks: WeasyPrint then writes
    every link's annotation into the chunk's structure tree, and joining retargets it."""
    anchors = "".join(f'<div id="{target}"></div>' for target in targets)
    return f'<div class="running {ELSEWHERE}">{anchors}</div>' if targets else ""


# ------------------------------------------------------------------ laying out

def layout(job: Job) -> LaidOut:
    """Lay one chunk out (in a worker process) and record where everything landed."""
    from weasyprint import HTML

    from sopgen.rendering.archival import WRITE_OPTIONS
    from sopgen.rendering.leaders import one_run_leaders
    from sopgen.rendering.pdf import captured_weasyprint_log, layout_errors, make_fetcher

    stand_ins = set(job.elsewhere)
    with captured_weasyprint_log(), layout_errors(), one_run_leaders():
        fetcher = make_fetcher([Path(p) for p in job.allowed])
        document = _render_with_kept_styles(job, fetcher) or HTML(
            string=job.html, base_url=job.base_url, url_fetcher=fetcher).render()
        pages = [PageInfo(page.width, page.height,
                          {key: list(value) for key, value in page.anchors.items()
                           if key not in stand_ins},
                          []) for page in document.pages]
        options = WRITE_OPTIONS if job.tagged else {}
        # No file identifier: a part's is never used (joining writes a new file, and
        # prepare_part saves the part with one of its own), and pydyf writes it by
        # serializing, and compressing, every object a second time.
        pdf = document.write_pdf(pdf_identifier=False, **options)
        if job.tagged:
            for page, info in zip(document.pages, pages, strict=True):
                info.lines = _text_slot_lines(page, info.anchors)
    if job.tagged:
        from sopgen.rendering.inline import SLOT_PREFIX
        from sopgen.rendering.structure import prepare_part

        slots = [{name: rect + ([page.lines[name]] if name in page.lines else [])
                  for name, rect in page.anchors.items() if name.startswith(SLOT_PREFIX)}
                 for page in pages]
        pdf = prepare_part(pdf, _cache_key(job.html)[:8], slots)
    return LaidOut(pdf, pages)


def _text_slot_lines(page: Any, anchors: dict[str, list[float]]) -> dict[str, float]:
    """Each slot after a cross-reference on ``page`` by the right end of its line box."""
    from sopgen.rendering.inline import SLOT_PREFIX

    wanted = {name for name in anchors if name.startswith(SLOT_PREFIX)}
    found: dict[str, float] = {}
    if wanted:
        _find_text_slots(page._page_box, None, wanted, found)
    return found


def _find_text_slots(box: Any, line: Any, wanted: set[str], found: dict[str, float]) -> None:
    """Walk ``box`` (inside the line box ``line``, if any) for the ``wanted`` slots."""
    from weasyprint.formatting_structure import boxes

    if isinstance(box, boxes.LineBox):
        line = box
    elif line is not None and box.style["anchor"] in wanted \
            and "pg-xref" in (box.element.get("class") or "").split():
        found[box.style["anchor"]] = max(child.position_x + child.margin_width()
                                         for child in line.children)
        return
    for child in getattr(box, "children", ()):
        if len(found) < len(wanted):
            _find_text_slots(child, line, wanted, found)


# Every chunk and stamp of a build starts with the same theme stylesheet: a worker parses
# it once, not once a document. Only plain <style> elements in the head, and none of the
# rules that need the document's own state, are taken out of the document this way.
HEAD_STYLE = re.compile(r"<style>(.*?)</style>", re.DOTALL)
HEAD_NOT_KEPT = re.compile(r"<link\b|<style\s|@import|@counter-style|@layer|@color-profile")
IMPORTANT_ATTRIBUTE = re.compile(r'\bstyle="[^"]*!\s*important')
KEPT_STYLES: dict[tuple[str, str], Any] = {}  # (CSS text, base URL) -> parsed, in a worker
KEPT_FONTS: list[Any] = []  # the FontConfiguration those were parsed with
KEPT_STYLES_LIMIT = 64  # stamps differ in one small stylesheet each


def _render_with_kept_styles(job: Job, fetcher: Any) -> Any:
    """The document laid out with its head's stylesheets parsed once per worker, or
    ``None`` when they must be read with the document.

    Passed to WeasyPrint as user stylesheets, in their order, they cascade as they did:
    nothing else is left in the document for them to cascade against but style
    attributes, which win either way (unless they are ``!important``: then not kept)."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    end = job.html.find("</head>")
    head = job.html[:end]
    if end < 0 or HEAD_NOT_KEPT.search(head) or IMPORTANT_ATTRIBUTE.search(job.html, end):
        return None
    if not KEPT_FONTS:
        KEPT_FONTS.append(FontConfiguration())
    if len(KEPT_STYLES) > KEPT_STYLES_LIMIT:
        KEPT_STYLES.clear()
    sheets = []
    for text in HEAD_STYLE.findall(head):
        key = (text, job.base_url)
        if key not in KEPT_STYLES:
            KEPT_STYLES[key] = CSS(string=text, base_url=job.base_url, url_fetcher=fetcher,
                                   font_config=KEPT_FONTS[0])
        sheets.append(KEPT_STYLES[key])
    html = HEAD_STYLE.sub("", head) + job.html[end:]
    return HTML(string=html, base_url=job.base_url, url_fetcher=fetcher).render(
        stylesheets=sheets, font_config=KEPT_FONTS[0])


def lay_out_all(chunks: list[str], engine: Engine, what: str, *, tagged: bool = True,
                elsewhere: list[list[str]] | None = None) -> tuple[list[LaidOut], list[str]]:
    """Every chunk laid out: from the cache when its HTML is unchanged, else in parallel."""
    # Stylesheets are kept for one call: a theme's fonts or images may change between
    # builds of a long-running process (``sopgen serve`` lays out here, unforked).
    KEPT_STYLES.clear()
    KEPT_FONTS.clear()
    keys = [_cache_key(chunk) for chunk in chunks]
    stand_ins = elsewhere or [[] for _ in chunks]
    results: dict[int, LaidOut] = {}
    missing = []
    for index, key in enumerate(keys):
        cached = _from_cache(engine.cache, key)
        if cached is not None:
            results[index] = cached
        else:
            missing.append(index)
    # Longest first (by HTML size, a fair guess of layout time): the last chunk handed
    # to a worker is a short one, so no core waits long for one late heavy chunk (the
    # RACI matrix or the records table after an edit).
    missing.sort(key=lambda index: -len(chunks[index]))
    jobs = [Job(chunks[i], engine.base.as_uri() + "/", [str(p) for p in engine.allowed],
                tagged, stand_ins[i]) for i in missing]
    if engine.report:
        engine.report(f"laying out {len(jobs)} of {len(chunks)} {what} …")
    progress = _counter(engine.report, len(jobs), what)
    for index, laid_out in zip(missing, _run(jobs, engine.workers, progress), strict=True):
        results[index] = laid_out
        _to_cache(engine.cache, keys[index], laid_out)
    return [results[i] for i in range(len(chunks))], keys


def _counter(report: Callable[[str], None] | None, total: int,
             what: str) -> Callable[[], None]:
    """A tick per chunk laid out, so a long layout shows it is moving (also in a CI log)."""
    done = 0

    def tick() -> None:
        nonlocal done
        done += 1
        if report and total > 1:
            report(f"laid out {done} of {total} {what}")
    return tick


def _run(jobs: list[Job], workers: int, tick: Callable[[], None]) -> list[LaidOut]:
    if workers <= 1 or len(jobs) <= 1 or not can_fork():
        return [_ticked(layout(job), tick) for job in jobs]
    import weasyprint  # noqa: F401 - imported once here, inherited by forked workers

    with forked_pool(min(workers, len(jobs)), "laying out the PDF") as pool:
        return [_ticked(laid_out, tick) for laid_out in pool.map(layout, jobs)]


def _ticked(laid_out: LaidOut, tick: Callable[[], None]) -> LaidOut:
    tick()
    return laid_out


def _cache_key(html: str) -> str:
    import weasyprint

    from sopgen import __version__

    digest = hashlib.sha256(f"{__version__}|{weasyprint.__version__}|{CACHE_FORMAT}|".encode())
    digest.update(html.encode())
    return digest.hexdigest()[:32]


def _from_cache(cache: Path | None, key: str) -> LaidOut | None:
    if cache is None or not (cache / f"{key}.json").is_file():
        return None
    try:
        return LaidOut.from_files(cache / f"{key}.pdf", cache / f"{key}.json")
    except (OSError, ValueError, TypeError):
        return None


def _to_cache(cache: Path | None, key: str, laid_out: LaidOut) -> None:
    if cache is None:
        return
    cache.mkdir(parents=True, exist_ok=True)
    for name, data in ((f"{key}.pdf", laid_out.pdf), (f"{key}.json", laid_out.to_json().encode())):
        handle, temporary = tempfile.mkstemp(prefix=f".{name}.", dir=cache)
        with os.fdopen(handle, "wb") as out:  # a unique name: two builds may share a cache
            out.write(data)
        os.replace(temporary, cache / name)


def _prune_cache(cache: Path | None, keep: set[str]) -> None:
    """Keep only what this build used, so the cache never grows without bound."""
    if cache is None or not cache.is_dir():
        return
    for path in cache.iterdir():
        if path.name.split(".")[0] not in keep and not path.name.startswith("."):
            path.unlink(missing_ok=True) if path.is_file() else shutil.rmtree(path)


# ------------------------------------------------------------------ joining

@dataclass
class Placed:
    """Every page of the joined document, with where each anchor landed."""

    pages: list[PageInfo]
    anchor_page: dict[str, int]

    @classmethod
    def of(cls, laid_out: list[LaidOut]) -> Placed:
        pages = [page for chunk in laid_out for page in chunk.pages]
        anchor_page: dict[str, int] = {}
        for index, page in enumerate(pages):
            for name in page.anchors:
                anchor_page.setdefault(name, index)
        return cls(pages, anchor_page)


def stamp_chunks(head: str, placed: Placed, slots: dict[str, Slot],
                 sizes: list[int]) -> list[str]:
    """For each chunk, a document of as many pages holding only numbers and footers.

    Numbering starts at the chunk's first page and the total is written out, so a
    chunk's stamp depends only on its own numbers: unchanged stamps come from the cache.
    """
    origin = placed.pages[0].anchors.get("sopgen-origin", [0, 0, 0, 0])
    total = len(placed.pages)
    stamp_head = re.sub(r"<title>.*?</title>", "", head, flags=re.DOTALL)
    stamp_head = stamp_head.replace("counter(pages)", f'"{total}"')
    documents, first = [], 0
    for size in sizes:
        pages = [_stamp_page(placed, index, slots, origin) for index in range(first, first + size)]
        style = f"{STAMP_CSS}@page :first {{ counter-reset: page {first + 1}; }}"
        documents.append(stamp_head.replace("</head>", f"<style>{style}</style></head>")
                         + "".join(pages) + "</body></html>")
        first += size
    return documents


def _stamp_page(placed: Placed, index: int, slots: dict[str, Slot], origin: list[float]) -> str:
    spans = []
    for name, rect in placed.pages[index].anchors.items():
        slot = slots.get(name)
        target = placed.anchor_page.get(slot.target) if slot else None
        if slot is None or target is None:
            continue
        x1, y1, x2, y2 = rect
        size = max((y2 - y1) / 1.2, 1)
        text = f"{slot.before}{target + 1}{slot.after}"
        spans.append(f'<span class="stamp {slot.kind}" style="left:{x1 - origin[0]:.3f}px;'
                     f"top:{y1 - origin[1]:.3f}px;width:{x2 - x1:.3f}px;"
                     f'font-size:{size:.3f}px">{text}</span>')
    first = " first" if index == 0 else ""
    return f'<div class="stamp-page{first}">{"".join(spans)}</div>'


def join(laid_out: list[LaidOut], placed: Placed, titles: dict[str, str] | None = None) -> bytes:
    """The chunk PDFs, already stamped (``stamp_all``), as one tagged document, linked and
    bookmarked (qpdf via pikepdf: joining hundreds of pages is C++ work, not Python).
    Each chunk's bytes are dropped once joined: they are of no further use."""
    import pikepdf

    from sopgen.rendering.archival import finish
    from sopgen.rendering.structure import StructureJoin, save

    joined = pikepdf.Pdf.new()
    structure = StructureJoin(joined)
    for index, chunk in enumerate(laid_out):
        # One chunk open at a time: what is copied from it is made the joined file's own
        # before it closes, so memory holds the joined file and one chunk, not every chunk.
        with pikepdf.Pdf.open(io.BytesIO(chunk.pdf)) as source:
            first_copied = _next_object_number(joined)
            first_page = len(joined.pages)
            with warnings.catch_warnings():  # named destinations: _retarget_links redoes them
                warnings.simplefilter("ignore", pikepdf.exceptions.PageCopyWarning)
                joined.pages.extend(source.pages)
            structure.add(source, [joined.pages[number].obj
                                   for number in range(first_page, len(joined.pages))])
            if index == 0:
                _copy_document_info(joined, source)
            _own_streams(joined, first_copied)
        chunk.pdf = b""  # joined now: the peak holds the joined file alone
    structure.close()
    _retarget_links(joined, placed, titles or {})
    _add_outline(joined, placed)
    finish(joined)
    return save(joined)


# ------------------------------------------------------------------ stamping

STAMPED = "stamped-2"  # changes when what a stamped chunk holds changes


@dataclass
class StampJob:
    """One chunk and its stamp, to be made one (picklable)."""

    chunk: bytes
    stamp: bytes
    slots: list[dict[str, list[float]]]  # each page's slot rectangles
    lines: list[dict[str, float]]  # each page's slots in running text: their lines' ends


def stamp_all(laid_out: list[LaidOut], stamps: list[LaidOut], keys: list[str],
              stamp_keys: list[str], engine: Engine) -> list[str]:
    """Each chunk's PDF replaced by the chunk stamped: its numbers moved into its text,
    the rest of its stamp laid over it. A chunk's own work, so done on every core and
    kept under its chunk's and stamp's keys: after an edit, only the chunks laid out or
    numbered anew are stamped again. Returns the keys of what it kept."""
    stamped_keys = [_stamped_key(key, stamp_key)
                    for key, stamp_key in zip(keys, stamp_keys, strict=True)]
    missing = []
    for index, key in enumerate(stamped_keys):
        kept = _kept_bytes(engine.cache, key)
        if kept is None:
            missing.append(index)
        else:
            laid_out[index].pdf = kept
    jobs = [StampJob(laid_out[i].pdf, stamps[i].pdf,
                     [_slot_rects(page) for page in laid_out[i].pages],
                     [page.lines for page in laid_out[i].pages]) for i in missing]
    if engine.report:
        engine.report(f"numbering {len(jobs)} of {len(keys)} parts of the PDF …")
    for index, data in zip(missing, _map_stamping(jobs, engine.workers), strict=True):
        laid_out[index].pdf = data
        _keep_bytes(engine.cache, stamped_keys[index], data)
    for stamp in stamps:
        stamp.pdf = b""  # in the stamped chunks now
    return stamped_keys


def stamp_chunk(job: StampJob) -> bytes:
    """One chunk with its stamp's numbers moved in and the rest laid over (in a worker)."""
    import pikepdf

    with pikepdf.Pdf.open(io.BytesIO(job.chunk)) as source, \
            pikepdf.Pdf.open(io.BytesIO(job.stamp)) as overlay:
        _stamp_pages(source, overlay, job.slots, job.lines)
        out = io.BytesIO()  # streams as they are: joining's save compresses them alike
        source.save(out, deterministic_id=True, stream_decode_level=pikepdf.StreamDecodeLevel.none)
        return out.getvalue()


def _map_stamping(jobs: list[StampJob], workers: int) -> list[bytes]:
    if workers <= 1 or len(jobs) <= 1 or not can_fork():
        return [stamp_chunk(job) for job in jobs]
    with forked_pool(min(workers, len(jobs)), "joining the PDF") as pool:
        return list(pool.map(stamp_chunk, jobs))


def _slot_rects(page: PageInfo) -> dict[str, list[float]]:
    from sopgen.rendering.inline import SLOT_PREFIX

    return {name: rect for name, rect in page.anchors.items() if name.startswith(SLOT_PREFIX)}


def _stamped_key(key: str, stamp_key: str) -> str:
    return hashlib.sha256(f"{STAMPED}|{key}|{stamp_key}".encode()).hexdigest()[:32]


def _kept_bytes(cache: Path | None, key: str) -> bytes | None:
    if cache is None:
        return None
    try:
        return (cache / f"{key}.pdf").read_bytes()
    except OSError:
        return None


def _keep_bytes(cache: Path | None, key: str, data: bytes) -> None:
    if cache is None:
        return
    cache.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{key}.pdf.", dir=cache)
    with os.fdopen(handle, "wb") as out:  # a unique name: two builds may share a cache
        out.write(data)
    os.replace(temporary, cache / f"{key}.pdf")


def _stamp_pages(source: Any, overlay: Any, slots: list[dict[str, list[float]]],
                 lines: list[dict[str, float]]) -> None:
    """Each page's numbers moved into its text, the rest of its stamp laid over it."""
    import pikepdf

    from sopgen.rendering.inline import move_numbers

    fonts: dict[str, Any] = {}  # the stamp's fonts copied into the chunk, once
    for number, (page, stamp_page) in enumerate(zip(source.pages, overlay.pages, strict=True)):
        move_numbers(source, page, overlay, stamp_page, slots[number], fonts, lines[number])
        _overlay(source, page, stamp_page, pikepdf.Name(f"/SopgenStamp{number}"))


def _copy_document_info(joined: Any, first: Any) -> None:
    """The document information, language, XMP and output intent of the first chunk."""
    for key, value in first.docinfo.items():
        joined.docinfo[key] = value
    for key in ("/Lang", "/Metadata", "/OutputIntents"):
        if key in first.Root:
            joined.Root[key] = joined.copy_foreign(first.Root[key]) \
                if first.Root[key].is_indirect else _copy_direct(joined, first.Root[key])


def _next_object_number(pdf: Any) -> int:
    """The number the next object added to ``pdf`` gets (qpdf numbers them in order);
    the empty dictionary made to learn it is referred to by nothing, so never written."""
    import pikepdf

    number: int = pdf.make_indirect(pikepdf.Dictionary()).objgen[0]
    return number


def _own_streams(joined: Any, first: int) -> None:
    """Give every stream copied since object ``first`` its data, still compressed: qpdf
    otherwise reads a copied stream from its source file when saving."""
    import pikepdf

    for number in range(first, _next_object_number(joined)):
        stream = joined.get_object((number, 0))
        if isinstance(stream, pikepdf.Stream):
            _own_data(stream)


def _own_data(stream: Any) -> None:
    """Compressed now if it is not (a page's content, rewritten): the joined file holds
    every page's content until it is saved, which compresses it the same way anyway."""
    import zlib

    import pikepdf

    data = stream.read_raw_bytes()
    if "/Filter" not in stream:
        stream.write(zlib.compress(data), filter=pikepdf.Name.FlateDecode)
        return
    stream.write(data, filter=stream.get("/Filter"), decode_parms=stream.get("/DecodeParms"))


def _copy_direct(joined: Any, value: Any) -> Any:
    import pikepdf

    if isinstance(value, pikepdf.Array):
        return pikepdf.Array([_copy_direct(joined, item) for item in value])
    if isinstance(value, pikepdf.Dictionary):
        return pikepdf.Dictionary({key: _copy_direct(joined, item) for key, item in value.items()})
    return joined.copy_foreign(value) if getattr(value, "is_indirect", False) else value


def _overlay(owner: Any, page: Any, stamp_page: Any, name: Any) -> None:
    """``Page.add_overlay``, but with a fixed resource name: its random one breaks
    reproducible output. Pages of a chunk share one /Resources, hence a name per page.
    What stays on the stamp (footers, any number not moved inline) is an artifact."""
    import pikepdf

    form = owner.copy_foreign(stamp_page.as_form_xobject())
    name = page.add_resource(form, pikepdf.Name.XObject, name)
    placement = page.calc_form_xobject_placement(form, name, pikepdf.Rectangle(page.trimbox),
                                                 allow_shrink=True, allow_expand=True)
    page.contents_add(b"q\n", prepend=True)
    page.contents_add(b"Q\n/Artifact <</Type /Pagination>> BDC\n" + placement + b"\nEMC\n",
                      prepend=False)
    page.contents_coalesce()


def _retarget_links(joined: Any, placed: Placed, titles: dict[str, str]) -> None:
    """A chunk's links name anchors that joining loses (or stand-ins for anchors in other
    chunks): point each at the page its anchor landed on, and describe it."""
    import pikepdf

    pages = [page.obj for page in joined.pages]  # once: thousands of links point at them
    for page in pages:
        for annotation in page.get("/Annots", []):
            target = _named_target(annotation)
            if target is None:
                continue
            index = placed.anchor_page.get(target)
            if index is None:
                del annotation["/Dest"]
                continue
            landed = placed.pages[index]
            top = landed.anchors.get(target, [0, 0])[1]
            annotation.Dest = pikepdf.Array([pages[index], pikepdf.Name.XYZ, None,
                                             (landed.height - top) * PX_TO_PT, None])
            if target in titles:
                annotation.Contents = pikepdf.String(titles[target])


def _named_target(annotation: Any) -> str | None:
    import pikepdf

    destination = link_destination(annotation)
    return str(destination) if isinstance(destination, pikepdf.String) else None


def _add_outline(joined: Any, placed: Placed) -> None:
    from pikepdf import OutlineItem

    with joined.open_outline() as outline:
        parents: dict[int, Any] = {}
        for index, page in enumerate(placed.pages):
            for level, label, _ in page.bookmarks:
                item = OutlineItem(label, index)
                siblings = parents[level - 1].children if level > 1 and level - 1 in parents \
                    else outline.root
                siblings.append(item)
                parents[level] = item
                for deeper in [lvl for lvl in parents if lvl > level]:
                    del parents[deeper]


# ------------------------------------------------------------------ the whole

def can_split(print_html: str) -> bool:
    """A project's own print template may lack the part markers: then lay it out whole."""
    return "<body>" in print_html and "</body>" in print_html and bool(PART.search(print_html))


def write_pdf_parallel(print_html: str, engine: Engine) -> bytes:
    head, preamble, parts, _ = split(print_html)
    slots: dict[str, Slot] = {}
    parts = [(pillar, add_slots(html, slots, engine.page_label)) for pillar, html in parts]
    chunks = make_chunks(head, preamble, parts)
    laid_out, keys = lay_out_all([chunk.html for chunk in chunks], engine, "parts of the PDF",
                                 elsewhere=[chunk.elsewhere for chunk in chunks])
    placed = Placed.of(laid_out)
    titles = link_descriptions(print_html) | _bookmarks_from_html(parts, placed)
    stamp_html = stamp_chunks(head, placed, slots, [len(c.pages) for c in laid_out])
    stamps, stamp_keys = lay_out_all(stamp_html, engine, "page-number layers", tagged=False)
    stamped_keys = stamp_all(laid_out, stamps, keys, stamp_keys, engine)
    _prune_cache(engine.cache, set(keys) | set(stamp_keys) | set(stamped_keys))
    if engine.report:
        engine.report(f"joining {len(placed.pages)} pages …")
    return join(laid_out, placed, titles)


SECTION_ID = re.compile(r'<(?:section|nav)\b[^>]*\bid="([^"]+)"')
BOOKMARKED = re.compile(
    r'<h2 class="chapter[^"]*"[^>]*>(?P<chapter>.*?)</h2>|'
    r'<article class="procedure" id="(?P<id>[^"]+)">\s*<h3 class="procedure-title">'
    r"(?P<title>.*?)</h3>", re.DOTALL)


def _bookmarks_from_html(parts: list[tuple[str | None, str]],
                         placed: Placed) -> dict[str, str]:
    """Chapters are level 1, procedures level 2, each on the page its anchor landed on.

    WeasyPrint's own bookmarks are switched off in chunks (a chunk starting inside a
    pillar would make its procedures top-level), so the outline is rebuilt here.
    Returns each bookmarked anchor's label: what a link to it is about.
    """
    from html import unescape

    ids_in_order = []
    for _, html in parts:
        for match in BOOKMARKED.finditer(html):
            if match.group("chapter") is not None:  # the chapter's id is on its container
                containers = SECTION_ID.findall(html, 0, match.start())
                ident = containers[-1] if containers else None
                ids_in_order.append((1, _text(match.group("chapter"), unescape), ident))
            else:
                ids_in_order.append((2, _text(match.group("title"), unescape), match.group("id")))
    for page in placed.pages:
        page.bookmarks = []
    for level, label, ident in ids_in_order:
        index = placed.anchor_page.get(ident) if ident else None
        if index is not None:
            placed.pages[index].bookmarks.append((level, label, [0, 0]))
    return {ident: label for _, label, ident in ids_in_order if ident}


def _text(html: str, unescape: Callable[[str], str]) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", "", html)).split())
