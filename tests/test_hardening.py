"""Content is untrusted: real attack payloads, and proof that nothing unsafe got out.

One hostile project is built once in every format, with a local HTTP server listening
the whole time; the tests then read the Markdown (rendered as a forge would, raw HTML
on), the HTML and the PDF (with pypdf) and check both the warnings sopgen gave and
that no script, handler, attachment, outside file or network request made it through.
"""

from __future__ import annotations

import base64
import http.server
import re
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from pypdf import PdfReader

from sopgen.core.errors import SopgenError, ValidationFailed
from sopgen.outputs.table import BuildOptions
from sopgen.reading.handbook import read_handbook
from sopgen.rendering import pdf as sopgen_pdf
from tests.conftest import FIXTURES, write

PASSWD = Path("/etc/passwd")
SECRET_TEXT = PASSWD.read_text().splitlines()[0][:10]  # "root:x:0:0"
SECRET_B64 = base64.b64encode(PASSWD.read_bytes()[:12]).decode()[:16]
PLAIN_TRAP = "*star* _under_ <b>bold</b> | pipe [x](https://example.org/y)"
TEMPLATE_TRAP = "Calc {{ 7*7 }} end {% raw %} {{ config }}"


# ------------------------------------------------------------------ what is rendered

class Tags(HTMLParser):
    """Every start tag with its attributes, as a browser would build them."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {name: value or "" for name, value in attrs}))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def names(self) -> set[str]:
        return {tag for tag, _ in self.tags}

    def joined(self) -> str:
        return " ".join(" ".join(self.text).split())


def forge_view(markdown: str) -> Tags:
    """The Markdown as a forge shows it: CommonMark with raw HTML allowed."""
    return Tags(MarkdownIt("commonmark", {"html": True}).enable("table").render(markdown))


@dataclass
class Built:
    markdown: str
    html: str
    pdf: PdfReader
    pdf_text: str
    warnings: list[str]
    requests: list[str]
    fetched: list[tuple[str, str]]


class Listener(http.server.BaseHTTPRequestHandler):
    hits: list[str]

    def do_GET(self) -> None:  # the name http.server calls
        self.hits.append(self.path)
        self.send_response(404)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def hostile_svg(port: int) -> str:
    return f"""<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
     width="120" height="40" viewBox="0 0 120 40">
  <style>@import url("http://127.0.0.1:{port}/svg.css");
    rect {{ fill: url(http://127.0.0.1:{port}/fill.png) }}</style>
  <image href="http://127.0.0.1:{port}/x.png" width="10" height="10"/>
  <image xlink:href="file:///etc/hostname" width="10" height="10"/>
  <image href="file:///etc/passwd" width="10" height="10"/>
  <use href="http://127.0.0.1:{port}/sprite.svg#a"/>
  <rect width="120" height="40"/>
  <text x="60" y="26" fill="#fff">ECA</text>
</svg>"""


def hostile_procedure(port: int) -> str:
    return f"""procedure:
  id: KON-02
  title: "{TEMPLATE_TRAP} {PLAIN_TRAP}"
  pillar: content
  purpose: |
    <script>alert(1)</script>

    <img src=x onerror=alert(2)>

    <link rel="attachment" href="file:///etc/passwd">

    Inline <script>alert(3)</script> and <img src=x onerror=alert(4)> here.

    {TEMPLATE_TRAP}
  responsible: [admin]
  frequency: daily
  scope: |
    [js](javascript:alert(5)) [data](data:text/html;base64,PHNjcmlwdD4=)
    [file](file:///etc/passwd) [mixed](JaVaScRiPt:alert(6)) <javascript:alert(7)>
    [vb](vbscript:msgbox) [ok](https://example.org/ok)
  out_of_scope: |
    ![pw](/etc/passwd) ![up](../../x.png) ![evil](assets/evil.png)
    ![net](http://127.0.0.1:{port}/md.png) ![logo](assets/logo.svg)
  steps:
    - "<script>alert(8)</script>"
    - text: Check the list.
      note: '<link rel="attachment" href="file:///etc/passwd">'
  references:
    - title: "Ref {PLAIN_TRAP}"
      url: http://127.0.0.1:{port}/reference
"""


def make_hostile(project: Path, port: int) -> None:
    shutil.copytree(FIXTURES / "mini", project, ignore=shutil.ignore_patterns("expected*"))
    document = project / "content" / "document.yaml"
    text = document.read_text()
    text = text.replace("name: Example Community Association", f'name: "Org {PLAIN_TRAP}"')
    text = text.replace("title: Website Coordinator", f'title: "Coord {PLAIN_TRAP}"')
    document.write_text(text)
    (project / "content" / "assets" / "logo.svg").write_text(hostile_svg(port))
    (project / "content" / "assets" / "evil.png").symlink_to(PASSWD)
    write(project, "content/hostile.yaml", hostile_procedure(port))


@pytest.fixture(scope="module")
def listener() -> Iterator[tuple[int, list[str]]]:
    """A real HTTP server on 127.0.0.1 that records every request it gets."""
    hits: list[str] = []
    handler = type("Handler", (Listener,), {"hits": hits})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], hits
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory,
          listener: tuple[int, list[str]]) -> Built:
    from sopgen.commands.build import build_project

    port, hits = listener
    project = tmp_path_factory.mktemp("hostile") / "mini"
    make_hostile(project, port)
    log = project.parent / "fetched.log"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sopgen_pdf, "make_fetcher", _spying(sopgen_pdf.make_fetcher, log))
        result = build_project(project)
    time.sleep(0.2)  # let a request still in flight reach the server before we look
    reader = PdfReader(str(next(result.folder.glob("*.pdf"))))
    return Built(
        markdown=next(result.folder.glob("*.md")).read_text(),
        html=next(result.folder.glob("*.html")).read_text(),
        pdf=reader,
        pdf_text=" ".join(" ".join(page.extract_text() or "" for page in reader.pages).split()),
        warnings=result.warnings,
        requests=list(hits),
        fetched=[tuple(line.split("\t", 1)[::-1]) for line in log.read_text().splitlines()]
        if log.exists() else [],
    )


def _spying(make_fetcher, log: Path):  # type: ignore[no-untyped-def]
    """Wrap the PDF's URL fetcher to record what WeasyPrint asked for and got.

    Written to a file, as the PDF may be laid out in forked worker processes.
    """

    def record(outcome: str, url: str) -> None:
        with open(log, "a") as handle:
            handle.write(f"{outcome}\t{url}\n")

    def make(allowed: list[Path]):  # type: ignore[no-untyped-def]
        fetcher = make_fetcher(allowed)
        inner = fetcher.fetch

        def fetch(url: str, headers: object = None) -> object:
            try:
                response = inner(url, headers)
            except Exception:
                record("refused", url)
                raise
            record("served", url)
            return response

        fetcher.fetch = fetch
        return fetcher
    return make


# --------------------------------------------------------------------- raw HTML

def test_raw_html_is_never_markup_in_html(built: Built) -> None:
    page = Tags(built.html)
    assert {"script", "link", "iframe", "object", "embed"} & page.names() == set()
    assert not any(name.startswith("on") for _, attrs in page.tags for name in attrs)
    text = page.joined()
    for shown in ("<script>alert(1)</script>", "<img src=x onerror=alert(2)>",
                  '<link rel="attachment" href="file:///etc/passwd">', "<script>alert(8)</script>"):
        assert shown in text  # the author sees what they wrote, as text


def test_raw_html_is_never_markup_in_markdown(built: Built) -> None:
    view = forge_view(built.markdown)
    assert {"script", "link", "iframe", "object", "embed", "b"} & view.names() == set()
    assert not any(name.startswith("on") for _, attrs in view.tags for name in attrs)
    assert "<script>alert(1)</script>" in view.joined()
    assert "<img src=x onerror=alert(4)>" in view.joined()


def test_raw_html_is_text_in_pdf_and_nothing_is_attached(built: Built) -> None:
    root = built.pdf.trailer["/Root"]
    names = root.get("/Names", {})
    assert "/EmbeddedFiles" not in names and "/JavaScript" not in names
    assert "/OpenAction" not in root and "/AA" not in root
    assert dict(built.pdf.attachments) == {}
    subtypes = {annot.get_object()["/Subtype"] for page in built.pdf.pages
                for annot in page.get("/Annots") or []}
    assert subtypes <= {"/Link"}  # no /FileAttachment
    assert "<script>alert(1)</script>" in built.pdf_text
    assert SECRET_TEXT not in built.pdf_text


def test_raw_html_gets_a_warning(built: Built) -> None:
    assert any("content/hostile.yaml:5:12: warning: HTML in the text is shown as plain text"
               in line for line in built.warnings)


# ------------------------------------------------------------------------ links

UNSAFE = ["javascript:alert(5)", "data:text/html;base64,PHNjcmlwdD4=", "file:///etc/passwd",
          "JaVaScRiPt:alert(6)", "javascript:alert(7)", "vbscript:msgbox"]


def test_unsafe_links_are_removed_with_one_warning_each(built: Built) -> None:
    for url in UNSAFE:
        found = [line for line in built.warnings if f"the link to '{url}' was removed" in line]
        assert len(found) == 1, url
        assert found[0].startswith("content/hostile.yaml:17:10: warning:")


def _hrefs(tags: Tags) -> list[str]:
    return [attrs["href"] for tag, attrs in tags.tags if tag == "a" and "href" in attrs]


def test_only_safe_links_reach_html_and_markdown(built: Built) -> None:
    for tags in (Tags(built.html), forge_view(built.markdown)):
        hrefs = _hrefs(tags)
        assert "https://example.org/ok" in hrefs
        assert all(re.match(r"^(#|https?://|mailto:)", href) for href in hrefs), hrefs


def test_only_safe_links_reach_pdf(built: Built) -> None:
    uris = []
    for page in built.pdf.pages:
        for annot in page.get("/Annots") or []:
            action = annot.get_object().get("/A")
            if action is not None:
                action = action.get_object()
                assert action.get("/S") in ("/URI", "/GoTo"), action
                uris.append(str(action.get("/URI", "")))
    assert "https://example.org/ok" in uris
    assert all(re.match(r"^(https?://|mailto:|$)", uri) for uri in uris), uris


# ----------------------------------------------------------------------- images

def test_images_only_from_assets_others_dropped_with_warning(built: Built) -> None:
    for url in ("/etc/passwd", "../../x.png", "assets/evil.png", "http://127.0.0.1:"):
        assert any(f"the image '{url}" in line and "was left out" in line
                   for line in built.warnings), url
    sources = [attrs.get("src", "") for tag, attrs in Tags(built.html).tags if tag == "img"]
    assert len(sources) == 2  # the cover logo, and the one allowed image
    assert all(src.startswith("data:image/svg+xml;base64,") for src in sources)
    # The .md links the allowed image by its path; the file is copied beside it.
    assert re.findall(r"!\[[^\]]*\]\(<?([^)\s>]+)", built.markdown) == ["assets/logo.svg"]


def test_no_file_outside_the_project_was_read_into_any_output(built: Built) -> None:
    for output in (built.markdown, built.html, built.pdf_text):
        assert SECRET_TEXT not in output and SECRET_B64 not in output


# -------------------------------------------------------- plain fields and templates

def test_plain_fields_are_escaped_in_every_format(built: Built) -> None:
    html = Tags(built.html)
    view = forge_view(built.markdown)
    for text in (html.joined(), view.joined(), built.pdf_text):
        for shown in (f"Org {PLAIN_TRAP}", f"Coord {PLAIN_TRAP}", f"Ref {PLAIN_TRAP}"):
            assert shown in text, shown
    for tags in (html, view):
        assert "https://example.org/y" not in _hrefs(tags)
        assert "b" not in tags.names()  # emphasis the theme itself adds is fine
    assert "| Owner | Coord \\*star\\* \\_under\\_ \\<b\\>bold\\</b\\> \\| pipe" in built.markdown


def test_content_is_never_run_as_a_template(built: Built) -> None:
    for text in (Tags(built.html).joined(), forge_view(built.markdown).joined(),
                 built.pdf_text):
        assert TEMPLATE_TRAP in text
        assert "Calc 49" not in text and "&lt;Config" not in text


# --------------------------------------------------------------- PDF fetches nothing

def test_pdf_build_made_no_network_request(built: Built) -> None:
    assert built.requests == []
    assert all(outcome == "refused" for url, outcome in built.fetched
               if not url.startswith(("data:", "file://" + str(Path(sopgen_pdf.__file__)
                                                               .parent))))


def test_pdf_is_not_even_asked_for_what_the_svg_logo_referred_to(built: Built) -> None:
    """The logo's outside references were removed before WeasyPrint saw it (test_svg.py);
    the fetcher would refuse them anyway (test_fetcher_contains_resolved_paths)."""
    asked = [url for url, _ in built.fetched]
    assert not any(url.startswith(("http:", "file:///etc")) for url in asked), asked


@pytest.mark.parametrize("url", [
    "file:///etc/passwd", "http://127.0.0.1:9/x", "https://example.org/x.png",
    "ftp://example.org/x", "file://{assets}/../../../etc/passwd", "file://{assets}/evil.png",
    "file://{assets}-evil/x.png",
])
def test_fetcher_contains_resolved_paths(tmp_path: Path, url: str) -> None:
    assets = tmp_path / "content" / "assets"
    assets.mkdir(parents=True)
    (assets / "evil.png").symlink_to(PASSWD)
    sibling = tmp_path / "content" / "assets-evil"  # shares the string prefix "assets"
    sibling.mkdir()
    (sibling / "x.png").write_bytes(b"\x89PNG")
    (assets / "ok.png").write_bytes(b"\x89PNG")
    fetcher = sopgen_pdf.make_fetcher([assets])
    assert fetcher.fetch(f"file://{assets}/ok.png").read() == b"\x89PNG"
    with pytest.raises(sopgen_pdf.Refused):
        fetcher.fetch(url.format(assets=assets))


# ------------------------------------------------------------------------- YAML

def read_errors(project: Path) -> list[str]:
    with pytest.raises(ValidationFailed) as failure:
        read_handbook(project)
    return [line for line in failure.value.lines() if ": error: " in line]


def test_python_tags_are_refused_and_never_run(mini: Path, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    write(mini, "content/evil.yaml",
          f'glossary:\n  - term: !!python/object/apply:os.system ["touch {marker}"]\n'
          f"    definition: !!python/object/new:os.system [touch {marker}]\n"
          "  - term: !!python/name:os.system ''\n    definition: x\n")
    errors = read_errors(mini)
    assert errors == [
        "content/evil.yaml:2:11: error: the YAML tag '!!python/object/apply:os.system' is not "
        "allowed — remove the '!' tag; sopgen reads only plain data",
        "content/evil.yaml:3:17: error: the YAML tag '!!python/object/new:os.system' is not "
        "allowed — remove the '!' tag; sopgen reads only plain data",
        "content/evil.yaml:4:11: error: the YAML tag '!!python/name:os.system' is not "
        "allowed — remove the '!' tag; sopgen reads only plain data"]
    assert not marker.exists()


def billion_laughs(levels: int = 9) -> str:
    lines = ['lol0: &lol0 "lol"']
    for level in range(1, levels + 1):
        aliases = ", ".join([f"*lol{level - 1}"] * 10)
        lines.append(f"lol{level}: &lol{level} [{aliases}]")
    return "\n".join(lines) + f"\nglossary: *lol{levels}\n"


def test_billion_laughs_is_refused_fast(mini: Path) -> None:
    write(mini, "content/laughs.yaml", billion_laughs())
    started = time.perf_counter()
    errors = read_errors(mini)
    assert time.perf_counter() - started < 1.0
    assert errors == ["content/laughs.yaml:2:14: error: anchors and aliases (& and *) are not "
                      "supported — write the value out in full; if this is a text that starts "
                      "with '*' or '&', put the whole text in quotes"]


def test_many_aliases_stop_at_the_first(mini: Path) -> None:
    write(mini, "content/laughs.yaml",
          "x: &x word\nglossary:\n" + "  - *x\n" * 100_000)
    started = time.perf_counter()
    assert len(read_errors(mini)) == 1
    assert time.perf_counter() - started < 1.0


@pytest.mark.parametrize("text", [
    "glossary: " + "[" * 100_000 + "]" * 100_000 + "\n",
    "glossary:\n" + "- " * 100_000 + "x\n",
    "glossary:\n" + "".join("  " * level + "- \n" for level in range(1, 60)) + "  " * 60 + "x\n",
], ids=["flow", "compact-block", "indented-block"])
def test_deep_nesting_fails_fast(mini: Path, text: str) -> None:
    write(mini, "content/deep.yaml", text)
    started = time.perf_counter()
    errors = read_errors(mini)
    assert time.perf_counter() - started < 1.0
    assert len(errors) == 1 and "is nested more than 32 levels deep" in errors[0]


def test_huge_file_is_refused_before_it_is_read(mini: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    huge = mini / "content" / "huge.yaml"
    with open(huge, "wb") as handle:
        handle.truncate(6 * 1024 * 1024)  # sparse: costs no disk, but stat() says 6 MiB
    forbid_reading(monkeypatch, lambda path: path.name == "huge.yaml")
    assert read_errors(mini) == [
        "content/huge.yaml: error: the file is 6.0 MiB (6291456 bytes), more than the limit of "
        "5.0 MiB for one file — split it into several files"]


def test_too_many_values_fail_fast_without_holding_them(mini: Path) -> None:
    write(mini, "content/many.yaml", "glossary: [" + "a," * 1_000_000 + "a]\n")
    started = time.perf_counter()
    errors = read_errors(mini)
    assert time.perf_counter() - started < 5.0  # stopped at the limit, not after 1M values
    assert len(errors) == 1 and "the content holds more than 100000 values" in errors[0]


# ------------------------------------------------------------------------- paths

@pytest.mark.parametrize(("where", "old", "new", "message"), [
    ("content/procedures.yaml", "id: TEK-01", "id: ../TEK-01",
     "'../TEK-01' is not a valid procedure id"),
    ("content/procedures.yaml", "id: TEK-01", 'id: "TEK-01\u200b"',
     "'TEK-01⟨U+200B ZERO WIDTH SPACE⟩' contains the invisible character U+200B"),
    ("content/procedures.yaml", "id: TEK-01", 'id: "\u202eTEK-01"',
     "ID (id): the text contains U+202E RIGHT-TO-LEFT OVERRIDE"),
    ("content/document.yaml", 'version: "1.2.0"', 'version: "../1.2.0"',
     "'../1.2.0' is not a version number"),
    ("content/document.yaml", 'version: "1.2.0"', 'version: "1.2.0/../../x"',
     "'1.2.0/../../x' is not a version number"),
    ("content/document.yaml", 'version: "1.2.0"', 'version: "1.2.0\u200b"',
     "'1.2.0⟨U+200B ZERO WIDTH SPACE⟩' contains the invisible character U+200B"),
    ("content/document.yaml", "id: SOP-MINI", "id: ../../SOP-MINI",
     "'../../SOP-MINI' is not a valid document id"),
    ("content/document.yaml", "language: en", "language: ../../etc",
     "'../../etc' is not a language code"),
    ("content/document.yaml", "status: approved", "status: <script>",
     "'<script>' is not allowed here"),
], ids=["procedure-dots", "procedure-zwsp", "procedure-rlo", "version-dots",
        "version-slash", "version-zwsp", "document-dots", "language", "status"])
def test_names_that_become_paths_or_select_behaviour_are_refused(
        mini: Path, where: str, old: str, new: str, message: str) -> None:
    from sopgen.commands.build import build_project

    path = mini / where
    path.write_text(path.read_text().replace(old, new, 1))
    with pytest.raises(ValidationFailed) as failure:
        build_project(mini, BuildOptions(formats=["md"]))
    assert any(message in line for line in failure.value.lines()), failure.value.lines()
    assert not (mini / "output").exists()


def test_symlinked_asset_to_a_system_file_is_not_read(mini: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    (mini / "content" / "assets" / "evil.png").symlink_to(PASSWD)
    path = mini / "content" / "document.yaml"
    path.write_text(path.read_text().replace("assets/logo.svg", "assets/evil.png"))
    forbid_reading(monkeypatch, lambda path: path.resolve() == PASSWD)
    assert read_errors(mini) == [
        "content/document.yaml:8:11: error: Logo (logo): 'assets/evil.png' is outside "
        "content/assets/ — "
        "put the file in content/assets/ and refer to it as assets/NAME"]


def test_containment_is_by_resolved_path_not_by_string_prefix(mini: Path) -> None:
    sibling = mini / "content" / "assets-evil"
    sibling.mkdir()
    shutil.copy(mini / "content" / "assets" / "logo.svg", sibling / "logo.svg")
    path = mini / "content" / "document.yaml"
    path.write_text(path.read_text().replace("assets/logo.svg", "assets/../assets-evil/logo.svg"))
    assert read_errors(mini) == [
        "content/document.yaml:8:11: error: Logo (logo): 'assets/../assets-evil/logo.svg' is "
        "outside "
        "content/assets/ — put the file in content/assets/ and refer to it as assets/NAME"]


def test_yaml_symlinked_out_of_content_is_not_read(mini: Path, tmp_path: Path) -> None:
    outside = tmp_path / "secret.yaml"
    outside.write_text("glossary:\n  - term: Secret\n    definition: Should not be read.\n")
    (mini / "content" / "secret.yaml").symlink_to(outside)
    assert read_errors(mini) == [
        "content/secret.yaml: error: this file is a link that points outside the project — "
        "copy the file into content/ instead"]


def test_unwritable_output_is_a_clear_error(mini: Path, tmp_path: Path) -> None:
    from sopgen.commands.build import build_project

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the output folder should be")
    with pytest.raises(SopgenError) as failure:
        build_project(mini, BuildOptions(formats=["md"]), output=blocker / "out")
    assert f"could not write to {blocker}/out: Not a directory" in failure.value.lines()[0]


def forbid_reading(monkeypatch: pytest.MonkeyPatch, forbidden: Callable[[Path], bool]) -> None:
    """Fail the test if sopgen reads (``Path.read_bytes``) a file it must leave alone."""
    original = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        assert not forbidden(self), f"{self} was read"
        return original(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
