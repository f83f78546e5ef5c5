"""Print text rules (sopgen/printtext.py) and the Markdown of a large synthetic project as
GitHub renders it."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sopgen.rendering.paginate import Slot, add_slots
from sopgen.rendering.printtext import (
    AMOUNT,
    NAME_LIKE,
    align_numbers,
    bare_nested_xrefs,
    fit_code_blocks,
    list_items,
    protect_names,
    protector,
)
from tests.githubmd import assert_renders_like_html


def body(html: str) -> str:
    head = "<head><style>a::after { content: '(' }</style></head>"
    return f"<html>{head}<body>{html}</body></html>"


def test_name_like_words_are_kept_from_hyphenation_and_nothing_else_changes() -> None:
    pattern = protector({"Wordfence"})
    html = body('<p>Ask help@access-now.org, see https://www.suarakita.org/a or '
                '<a href="https://wordpress.org">wordpress.org</a>: UpdraftPlus, '
                'DB_PASSWORD, Wordfence, Rp 2.500.000 and pembaruan.</p>'
                '<pre><code>wp-config.php</code></pre>')
    out = protect_names(html, pattern)
    assert re.sub(r"<[^>]+>", "", out) == re.sub(r"<[^>]+>", "", html)  # no characters added
    wrapped = re.findall(r'<span class="(nh|nw)">(.*?)</span>', out)
    assert wrapped == [("nh", "help@access-now.org,"), ("nh", "https://www.suarakita.org/a"),
                       ("nh", "wordpress.org"), ("nh", "UpdraftPlus,"), ("nh", "DB_PASSWORD,"),
                       ("nh", "Wordfence"), ("nw", "Rp 2.500.000")]
    assert 'href="https://wordpress.org"' in out and "<code>wp-config.php</code>" in out


# Pieces of text that make, break and border names: the triggers of NAME_LIKE, amounts,
# listed names inside and around other words, digits, spaces and punctuation.
_TEXT_PIECES = st.sampled_from([
    "a", "b", "Z", "Q", "x1", "9", "0", "12", "Rp 2.500", "€5,00", ".", ",", "/", "\\", ":",
    "://", "@", "_", "-", "(", ")", "&amp;", ";", " ", "  ", "\n", "\t", "Rp", "Rp ", "IDR", "US$",
    "$", "€", "Wordfence", "cPanel", "WordPress", "é", "ñ", "Ω", "٣"])


@settings(max_examples=3000, deadline=None)
@given(st.lists(_TEXT_PIECES, max_size=24).map("".join))
def test_names_are_found_exactly_where_a_plain_scan_finds_them(text: str) -> None:
    """The protector skips tries that cannot match (a name-like word starting inside a
    run of non-spaces); the words it finds are those of the plain pattern without the skip."""
    names = {"Wordfence", "cPanel", "WordPress"}
    listed = "|".join(re.escape(name) for name in sorted(names, key=len, reverse=True))
    plain = re.compile(NAME_LIKE + AMOUNT + rf"|(?<![\w-])(?:{listed})(?![\w-])")
    found = [match.span() for match in protector(names).finditer(text)]
    assert found == [match.span() for match in plain.finditer(text)]


def test_a_cross_reference_inside_parentheses_gets_no_brackets_of_its_own() -> None:
    html = body('<p>(see <a class="xref" href="#tek-16">TEK-16</a>, '
                '<a class="xref" href="#tek-17">TEK-17</a>) and '
                '<a class="xref" href="#kon-01">KON-01</a>.</p>'
                '<p>(open <p>then <a class="xref" href="#man-01">MAN-01</a></p>')
    out = bare_nested_xrefs(html)
    assert re.findall(r'class="([\w-]+)" href="#(\w+-\d+)"', out) == [
        ("xref-bare", "tek-16"), ("xref-bare", "tek-17"), ("xref", "kon-01"),
        ("xref", "man-01")]
    slots: dict[str, Slot] = {}
    slotted = add_slots(out, slots, "p.")
    assert [slot.kind for slot in slots.values()] == ["xref-bare", "xref-bare", "xref", "xref"]
    rooms = re.findall(r'<span class="room">(.*?)</span>', slotted)
    assert rooms == ["p.&nbsp;999", "p.&nbsp;999", "(p.&nbsp;999)", "(p.&nbsp;999)"]


def test_code_blocks_shrink_to_fit_and_only_the_widest_wrap() -> None:
    short, wide, huge = "x = 1", "y" * 80, "z" * 200
    out = fit_code_blocks(f"<pre><code>{short}</code></pre><pre><code>{wide}</code></pre>"
                          f"<pre><code>{huge}</code></pre>")
    sizes = [float(size) for size in re.findall(r"font-size: ([\d.]+)pt", out)]
    assert sizes[0] == 8.5 and 6 <= sizes[1] < 8.5 and len(sizes) == 2
    assert f'<pre class="wrap"><code>{huge}' in out


def test_numbers_in_cells_align_right_and_lists_split_outside_parentheses() -> None:
    cells = ('<td>Rp 2.500.000</td><td>12 %</td><td>Domain</td><td>Rp 0 – 4.000.000</td>'
             '<td><span class="nw">Rp 250.000</span> – 350.000</td>')
    assert re.findall(r'<td( class="num")?>', align_numbers(cells)) == [
        ' class="num"', ' class="num"', "", ' class="num"', ' class="num"']
    assert list_items("KON-01 (Tools, Steps), KON-02 (Title), MAN-03") == [
        "KON-01 (Tools, Steps)", "KON-02 (Title)", "MAN-03"]


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The Markdown and HTML handbook of a generated project of 300 procedures."""
    from bench.generate import generate
    from sopgen.reading.handbook import read_handbook
    from sopgen.rendering.render import render_formats

    project = generate(300, tmp_path_factory.mktemp("synthetic") / "sop-300")
    rendered = render_formats(read_handbook(project).handbook, project, ["md", "html"])
    return {fmt: data.decode() for fmt, data in rendered.files.items()}


def test_markdown_of_300_procedures_renders_on_github_as_the_html_does(synthetic) -> None:
    assert synthetic["md"].count("\n### ") >= 300
    assert_renders_like_html(synthetic["md"], synthetic["html"])


def png(width: int, height: int) -> bytes:
    """A valid one-colour PNG of the given size."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))

    rows = b"".join(b"\x00" + b"\xff" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0,
                                                             0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def test_an_image_wider_than_the_page_is_a_warning(mini) -> None:
    from sopgen.reading.handbook import read_handbook
    from sopgen.rendering.render import render_formats

    (mini / "content" / "assets" / "wide.png").write_bytes(png(800, 4))
    (mini / "content" / "assets" / "narrow.png").write_bytes(png(400, 4))
    path = mini / "content" / "procedures.yaml"
    path.write_text(path.read_text().replace(
        "purpose: Keep the SOP true to practice.",
        "purpose: Keep the SOP true. ![Screen](assets/wide.png) ![Small](assets/narrow.png)"))
    rendered = render_formats(read_handbook(mini).handbook, mini, ["html", "pdf"])
    found = [(p.code, p.params) for p in rendered.problems]
    assert found == [("image_wider_than_page",
                      {"path": "assets/wide.png", "width": 800, "page": 506})]
    assert (rendered.problems[0].loc.file, rendered.problems[0].loc.line) == (
        "content/procedures.yaml", 5)
    print_html = rendered.files["pdf"]
    assert b"img { max-width: 100%; height: auto; }" in print_html


def test_print_revision_history_lists_each_changed_procedure() -> None:
    """The computed changes of the sample's 2.0.0 follow the table as lists, one
    procedure an item; dates do not break."""
    from sopgen.outputs.diff import revision_changes
    from sopgen.reading.handbook import read_handbook
    from sopgen.rendering.render import render_formats
    from tests.conftest import ROOT

    checked = read_handbook(ROOT)
    changes = revision_changes(checked)
    rendered = render_formats(checked.handbook, ROOT, ["pdf"], changes=changes)
    html = rendered.files["pdf"].decode()
    history = html[html.index('<section id="revisions"'):]
    sections = re.findall(r'<section class="computed-changes">(.*?)</section>', history, re.S)
    section = next(text for text in sections if "2.0.0" in text.split("</h3>")[0])
    changed = next(line for line in changes["2.0.0"] if line.startswith("Diubah: "))
    listed = re.search(r"<h4>Diubah</h4>\s*<ul>(.*?)</ul>", section, re.S)
    assert listed is not None
    items = [re.sub(r"<[^>]+>", "", item) for item in re.findall(r"<li>(.*?)</li>", listed[1])]
    assert len(items) > 20 and ", ".join(items) == changed.removeprefix("Diubah: ")
    assert '<td class="nw">27 Januari 2026</td>' in history
