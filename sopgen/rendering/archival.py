"""Tagged, archival PDFs: every PDF sopgen writes claims PDF/UA-1 and PDF/A-2b.

WeasyPrint tags the document (``pdf_tags``) and writes PDF/A-2b's parts (sRGB output
intent, XMP with ``pdfaid``, printable annotations); it writes one variant per call. What
PDF/UA-1 adds is added here on the finished file with pikepdf: ``pdfuaid:part`` in the
XMP (with the extension schema PDF/A asks for any property outside its own list), the
document language in the XMP, one embedded program per font (the subsets of joined parts
merged, fonts.py) and one subset tag per embedded font program (ISO 32000-1 §9.6.4:
joined parts would otherwise name different subsets alike).
"""

from __future__ import annotations

import hashlib
import io
import re
from typing import Any

# Options of WeasyPrint's ``write_pdf`` for every PDF sopgen writes.
WRITE_OPTIONS: dict[str, Any] = {"pdf_tags": True, "pdf_variant": "pdf/a-2b"}

PDFUA_XMP = """<rdf:Description rdf:about="" \
xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/" \
xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#" \
xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#"><pdfaExtension:schemas><rdf:Bag>\
<rdf:li rdf:parseType="Resource">\
<pdfaSchema:schema>PDF/UA Universal Accessibility Schema</pdfaSchema:schema>\
<pdfaSchema:namespaceURI>http://www.aiim.org/pdfua/ns/id/</pdfaSchema:namespaceURI>\
<pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix><pdfaSchema:property><rdf:Seq>\
<rdf:li rdf:parseType="Resource"><pdfaProperty:name>part</pdfaProperty:name>\
<pdfaProperty:valueType>Integer</pdfaProperty:valueType>\
<pdfaProperty:category>internal</pdfaProperty:category>\
<pdfaProperty:description>Part of ISO 14289 the file conforms to</pdfaProperty:description>\
</rdf:li></rdf:Seq></pdfaSchema:property></rdf:li></rdf:Bag></pdfaExtension:schemas>\
</rdf:Description><rdf:Description rdf:about="" \
xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/" pdfuaid:part="1"/>"""
LANGUAGE_XMP = ('<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">'
                "<dc:language><rdf:Bag><rdf:li>{lang}</rdf:li></rdf:Bag></dc:language>"
                "</rdf:Description>")
SUBSET_TAG = re.compile(r"^[A-Z]{6}\+")


def finished(pdf_data: bytes, links: dict[str, str] | None = None) -> bytes:
    """A PDF written by WeasyPrint with ``WRITE_OPTIONS``, completed for PDF/UA-1;
    ``links`` describes internal links by target id (``structure.link_descriptions``)."""
    import pikepdf

    from sopgen.rendering.structure import describe_links, save, tidy

    with pikepdf.open(io.BytesIO(pdf_data)) as pdf:
        tidy(pdf)
        describe_links(pdf, links or {})
        finish(pdf)
        return save(pdf)


def finish(pdf: Any) -> None:
    """Add what PDF/UA-1 asks beyond WeasyPrint's tagged PDF/A-2b (idempotent)."""
    import pikepdf

    from sopgen.rendering.fonts import merge_font_subsets
    from sopgen.rendering.structure import tag_links

    metadata = pdf.Root.get("/Metadata")
    if metadata is not None:
        xmp = metadata.read_bytes().decode("utf-8")
        if "pdfuaid" not in xmp:
            lang = str(pdf.Root.get("/Lang", "")).replace("&", "&amp;").replace("<", "&lt;")
            extra = PDFUA_XMP + (LANGUAGE_XMP.format(lang=lang) if lang else "")
            xmp = xmp.replace("</rdf:RDF>", extra + "</rdf:RDF>", 1)
            pdf.Root.Metadata = pikepdf.Stream(pdf, xmp.encode("utf-8"),
                                               Type=pikepdf.Name.Metadata,
                                               Subtype=pikepdf.Name.XML)
    pdf.Root.ViewerPreferences = pikepdf.Dictionary(DisplayDocTitle=True)
    pdf.Root.MarkInfo = pikepdf.Dictionary(Marked=True)
    tag_links(pdf)
    merge_font_subsets(pdf)
    unique_subset_tags(pdf)


def unique_subset_tags(pdf: Any) -> None:
    """Name every embedded subset after its own program: equal programs share a tag,
    different ones never do."""
    import pikepdf

    seen: set[tuple[int, int]] = set()
    for font in _fonts(pdf):
        if font.objgen in seen:
            continue
        seen.add(font.objgen)
        composite = "/DescendantFonts" in font
        for part in font.DescendantFonts if composite else [font]:
            descriptor = part.get("/FontDescriptor")
            program = _program(descriptor)
            name = str(part.get("/BaseFont", ""))[1:]
            if program is None or not SUBSET_TAG.match(name):
                continue
            tagged = pikepdf.Name(f"/{_tag(program.read_raw_bytes())}+{SUBSET_TAG.sub('', name)}")
            part.BaseFont = descriptor.FontName = tagged
            if composite and SUBSET_TAG.match(str(font.BaseFont)[1:]):
                font.BaseFont = tagged


def _fonts(pdf: Any) -> list[Any]:
    """Every font dictionary the pages and their form XObjects use."""
    fonts: list[Any] = []
    seen: set[tuple[int, int]] = set()

    def collect(resources: Any, depth: int) -> None:
        if resources is None or depth > 4:
            return
        if resources.is_indirect:
            if resources.objgen in seen:
                return
            seen.add(resources.objgen)
        fonts.extend(resources.get("/Font", {}).values())
        for xobject in resources.get("/XObject", {}).values():
            if xobject.get("/Subtype") == "/Form":
                collect(xobject.get("/Resources"), depth + 1)

    for page in pdf.pages:
        collect(page.obj.get("/Resources"), 0)
    return fonts


def _program(descriptor: Any) -> Any:
    if descriptor is None:
        return None
    for key in ("/FontFile2", "/FontFile3", "/FontFile"):
        if key in descriptor:
            return descriptor[key]
    return None


def _tag(program: bytes) -> str:
    """Six capital letters from the font program's bytes."""
    digest = hashlib.sha256(program).digest()
    return "".join(chr(ord("A") + byte % 26) for byte in digest[:6])
