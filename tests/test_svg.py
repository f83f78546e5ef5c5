"""SVG images (the logo and images in texts) are published without any active part.

An SVG is a document that can hold scripts, event handlers, links and references to
other files. It is inert inside ``<img>``, but one change of template (an inline
``<svg>``, an ``<object>``) would make it live on the public site. So sopgen keeps
only a safe subset, says what it removed (with the line in the SVG file), and these
tests read every published copy: the HTML's and Markdown's ``data:`` URLs, the print
HTML the PDF is made from, the site, and the assets stored with a release.
"""

from __future__ import annotations

import base64
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from xml.sax import saxutils

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sopgen.commands.build import build_project
from sopgen.commands.publish import publish
from sopgen.commands.release import release_project
from sopgen.core import svg
from sopgen.core.errors import ValidationFailed
from sopgen.outputs.table import BuildOptions
from sopgen.reading.handbook import read_handbook
from sopgen.rendering.render import render_formats
from tests.conftest import write

PNG = base64.b64encode(bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63f8cfc0f01f0005000201a5f0a4a10000000049454e44ae426082"
)).decode()
INNER_SVG = base64.b64encode(b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(9)"/>')

HOSTILE = f"""<?xml version="1.0" encoding="UTF-8"?>
<?xml-stylesheet href="http://127.0.0.1:9/x.css"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
     onload="alert(1)" width="120" height="40" viewBox="0 0 120 40">
  <script>alert(2)</script>
  <style>@import url("http://127.0.0.1:9/a.css"); rect {{ fill: red }}</style>
  <style>.ok {{ fill: #fff }}</style>
  <defs><linearGradient id="g"><stop offset="0" stop-color="#4a148c"/></linearGradient></defs>
  <rect width="120" height="40" fill="url(#g)" onclick="alert(3)"/>
  <image href="http://127.0.0.1:9/x.png" width="10" height="10"/>
  <image xlink:href="file:///etc/passwd" width="10" height="10"/>
  <image href="data:image/png;base64,{PNG}" width="10" height="10"/>
  <image href="data:image/svg+xml;base64,{INNER_SVG.decode()}" width="10" height="10"/>
  <a href="javascript:alert(4)"><text x="5" y="5">Click</text></a>
  <foreignObject width="10" height="10"><iframe src="http://127.0.0.1:9/"/></foreignObject>
  <use href="http://127.0.0.1:9/sprite.svg#a"/>
  <use href="#g"/>
  <text x="60" y="26" class="ok" style="fill:url(http://127.0.0.1:9/p.png)">ECA</text>
  <set attributeName="href" to="javascript:alert(5)"/>
  <animate attributeName="onmouseover" to="alert(6)"/>
  <iframe src="javascript:alert(7)"/>
</svg>
"""

XLINK = "{http://www.w3.org/1999/xlink}href"


def assert_inert(data: bytes) -> None:
    """No script, handler, foreign object, outside reference or javascript: anywhere."""
    text = data.decode()
    lowered = text.lower()
    for word in ("<script", "foreignobject", "javascript:", "@import", "file:", "<iframe",
                 "<?xml-stylesheet", "<set", "<animate"):
        assert word not in lowered, word
    assert not re.search(r"\son[a-z]+\s*=", lowered)
    assert not re.search(r"url\(\s*['\"]?(?!#)", lowered)
    without_namespaces = re.sub(r'xmlns(:\w+)?="[^"]*"', "", text)
    assert "http:" not in without_namespaces and "https:" not in without_namespaces
    for element in ET.fromstring(data).iter():
        for name, value in element.attrib.items():
            assert not name.startswith("on")
            if name in ("href", XLINK):
                assert value.startswith("#") or re.match(
                    r"data:image/(png|jpeg|gif|webp);base64,", value), value


def test_a_hostile_svg_keeps_only_its_safe_parts() -> None:
    clean, removed = svg.sanitise(HOSTILE.encode())
    assert_inert(clean)
    tree = ET.fromstring(clean)
    names = [element.tag.split("}")[1] for element in tree.iter()]
    assert {"rect", "text", "linearGradient", "stop", "use", "image", "style"} <= set(names)
    assert names.count("image") == 1  # only the embedded PNG
    assert "ECA" in clean.decode() and "Click" in clean.decode()  # the link's text stays
    assert ".ok { fill: #fff }" in clean.decode()
    said = {(part.kind, part.name, part.line) for part in removed}
    assert ("instruction", "xml-stylesheet", 2) in said
    assert ("attribute", "onload", 4) in said
    assert ("element", "script", 5) in said
    assert ("style", "style", 6) in said
    assert ("attribute", "onclick", 9) in said
    assert ("element", "image", 10) in said and ("element", "image", 11) in said
    assert ("element", "image", 13) in said  # an SVG inside an SVG: not a raster image
    assert ("element", "a", 14) in said and ("element", "foreignObject", 15) in said
    assert ("element", "use", 16) in said and ("attribute", "style", 18) in said
    assert ("element", "set", 19) in said and ("element", "animate", 20) in said


@pytest.mark.parametrize("text", [
    '<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    '<svg xmlns="http://www.w3.org/2000/svg"><text>&x;</text></svg>',
    '<!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
    '<svg xmlns="http://www.w3.org/2000/svg"><text>&b;</text></svg>',
    "<svg><unclosed></svg>",
    '<html xmlns="http://www.w3.org/1999/xhtml"><script>alert(1)</script></html>',
], ids=["external-entity", "entity-expansion", "broken", "not-svg"])
def test_entities_and_non_svg_are_refused(text: str) -> None:
    with pytest.raises(svg.Unreadable):
        svg.sanitise(text.encode())


def test_a_public_doctype_is_fine() -> None:
    text = ('<?xml version="1.0"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
            '"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n'
            '<svg xmlns="http://www.w3.org/2000/svg"><rect width="1" height="1"/></svg>')
    clean, removed = svg.sanitise(text.encode())
    assert removed == [] and b"<rect" in clean and b"DOCTYPE" not in clean


@pytest.fixture
def hostile(mini: Path) -> Path:
    (mini / "content" / "assets" / "logo.svg").write_text(HOSTILE)
    (mini / "content" / "assets" / "diagram.svg").write_text(HOSTILE)
    path = mini / "content" / "procedures.yaml"
    path.write_text(path.read_text().replace(
        "purpose: ", "purpose: |\n      ![Diagram](assets/diagram.svg)\n\n      ", 1))
    return mini


def svg_data_urls(text: str) -> list[bytes]:
    return [base64.b64decode(found) for found in
            re.findall(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)", text)]


def test_validate_says_what_it_removes_from_the_logo(hostile: Path) -> None:
    warnings = read_handbook(hostile).warnings
    assert ("content/document.yaml:8:11: warning: Logo (logo): from the SVG image "
            "'assets/logo.svg', the element <script> on its line 5 was removed, as it could "
            "run code or load other files — remove it from the SVG file") in warnings
    assert any("the attribute onload on its line 4 was removed" in w for w in warnings)


def test_published_html_markdown_and_pdf_input_hold_no_active_svg(hostile: Path) -> None:
    result = build_project(hostile, BuildOptions(formats=["md", "html"]))
    checked = read_handbook(hostile)
    rendered = render_formats(checked.handbook, hostile, ["pdf"], assets=checked.project.assets)
    print_html = rendered.files["pdf"]  # the print HTML the PDF is laid out from
    outputs = [next(result.folder.glob("*.html")).read_text(), print_html.decode()]
    for output in outputs:
        images = svg_data_urls(output)
        assert images, "the logo and the diagram are still shown"
        for image in images:
            assert_inert(image)
    # The .md links the diagram by its path; the copy beside it keeps only its safe parts.
    assert "(assets/diagram.svg)" in next(result.folder.glob("*.md")).read_text()
    assert_inert((result.folder / "assets" / "diagram.svg").read_bytes())
    assert any("content/procedures.yaml" in w and "'assets/diagram.svg'" in w
               and "<script> on its line 5 was removed" in w for w in result.warnings)


def test_site_and_stored_release_assets_hold_no_active_svg(hostile: Path) -> None:
    release_project(hostile)
    stored = list((hostile / "releases").rglob("*.svg"))
    assert len(stored) == 2
    for path in stored:
        assert_inert(path.read_bytes())
    site = publish(hostile, edition="internal").folder  # the fixture is classified internal
    pages = list(site.rglob("*.html"))
    assert pages
    for page in pages:
        for image in svg_data_urls(page.read_text()):
            assert_inert(image)
    for path in site.rglob("*.svg"):
        assert_inert(path.read_bytes())


def test_an_svg_that_cannot_be_read_safely_is_an_error(mini: Path) -> None:
    write(mini, "content/assets/logo.svg",
          '<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]><svg>&x;</svg>')
    with pytest.raises(ValidationFailed) as failure:
        read_handbook(mini)
    assert failure.value.lines()[0].startswith(
        "content/document.yaml:8:11: error: Logo (logo): the SVG image 'assets/logo.svg' "
        "cannot be read safely (")


def test_the_pdf_fetcher_serves_an_svg_only_with_its_safe_parts(tmp_path: Path) -> None:
    """A project template may name an asset by file; WeasyPrint still gets the safe SVG."""
    from sopgen.rendering import pdf

    assets = tmp_path / "content" / "assets"
    assets.mkdir(parents=True)
    (assets / "logo.svg").write_text(HOSTILE)
    served = pdf.make_fetcher([assets]).fetch(f"file://{assets}/logo.svg").read()
    assert_inert(served)
    assert b"<rect" in served


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("&<>\"'\n\r\ta é—")), max_size=20))
def test_escaping_is_the_standard_librarys(text: str) -> None:
    assert svg.escape(text) == saxutils.escape(text)
    assert svg.quoteattr(text) == saxutils.quoteattr(text)
