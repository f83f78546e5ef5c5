"""The machine-checkable rules of PDF/UA-1 and PDF/A-2b that matter for sopgen's PDFs.

No veraPDF here: these are the failure conditions of the Matterhorn protocol (PDF/UA-1)
and the rules of ISO 19005-2 level B that can be tested on the file's objects, with
pikepdf. ``problems(path)`` lists every rule a file breaks; an empty list passes.
Each message starts with the rule it checks (Matterhorn checkpoint, or PDF/A clause), or
with sopgen's own "one program per font": each font embedded once (ISO 32000-1 §9.6.4
lets one name stand for one subset only; joined parts each brought their own).
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pikepdf

TEXT_OPERATORS = {"Tj", "TJ", "'", '"'}
HEADING = re.compile(r"^/H([1-6])$")
SUBSET_TAG = re.compile(r"^/[A-Z]{6}\+")


def problems(path: Path) -> list[str]:
    with pikepdf.open(path) as pdf:
        found: list[str] = []
        for check in (_document, _metadata, _structure, _content, _annotations, _fonts,
                      _archival):
            found += check(pdf)
        return found


# ------------------------------------------------------------------ the document

def _document(pdf: Any) -> list[str]:
    root, found = pdf.Root, []
    if not root.get("/MarkInfo", {}).get("/Marked", False):
        found.append("01-002: /MarkInfo /Marked is not true")
    if not str(root.get("/Lang", "")).strip():
        found.append("11-006: the catalog has no /Lang")
    if root.get("/ViewerPreferences", {}).get("/DisplayDocTitle") is not True:
        found.append("07-002: /ViewerPreferences /DisplayDocTitle is not true")
    if pdf.is_encrypted:
        found.append("PDF/A 6.1.3: the file is encrypted")
    return found


def _metadata(pdf: Any) -> list[str]:
    if "/Metadata" not in pdf.Root:
        return ["06-001: no XMP metadata stream"]
    xmp = pdf.Root.Metadata.read_bytes().decode("utf-8")
    found = []
    expected = {"06-002: pdfuaid:part is not 1": r'pdfuaid:part(="|>)1\b',
                "PDF/A 6.6.4: pdfaid:part is not 2": r'pdfaid:part(="|>)2\b',
                "PDF/A 6.6.4: pdfaid:conformance is not B": r'pdfaid:conformance(="|>)B\b',
                "PDF/A 6.6.2.3: pdfuaid has no extension schema":
                    r"<pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>",
                "07-001: the XMP has no dc:title": r"<dc:title>\s*<rdf:Alt>\s*<rdf:li[^>]*>\S"}
    for message, pattern in expected.items():
        if not re.search(pattern, xmp):
            found.append(message)
    title = str(pdf.docinfo.get("/Title", ""))
    if title and title.replace("&", "&amp;").replace("<", "&lt;") not in xmp:
        found.append("PDF/A 6.6.3: the document info /Title differs from dc:title")
    return found


# ------------------------------------------------------------------ structure

def _structure(pdf: Any) -> list[str]:
    tree = pdf.Root.get("/StructTreeRoot")
    if tree is None:
        return ["01-001: no /StructTreeRoot: the file is not tagged"]
    found = []
    elements = list(_elements(tree))
    kinds = Counter(str(element.get("/S")) for element in elements)
    if not any(HEADING.match(kind) for kind in kinds):
        found.append("14-001: no heading H1–H6 in the structure tree")
    levels = [int(match.group(1)) for element in elements
              if (match := HEADING.match(str(element.get("/S"))))]
    for before, after in itertools.pairwise(levels):
        if after > before + 1:
            found.append(f"14-003: heading level skipped: H{before} then H{after}")
            break
    for element in elements:
        kind = str(element.get("/S"))
        if kind == "/Figure" and not (element.get("/Alt") or element.get("/ActualText")):
            found.append("13-004: a Figure has no /Alt")
        if kind == "/Table" and not any(str(e.get("/S")) == "/TH" for e in _elements(element)):
            found.append("15-005: a Table has no header cell (TH)")
    ids = {str(name) for name in _name_tree_keys(tree.get("/IDTree"))}
    for element in elements:
        headers = element.get("/A", {}).get("/Headers") \
            if isinstance(element.get("/A"), pikepdf.Dictionary) else None
        for header in headers or []:
            if str(header) not in ids:
                found.append(f"15-003: a cell names header {header} that no element has")
                break
    return found + _parent_tree(pdf, tree, {element.objgen for element in elements})


def _parent_tree(pdf: Any, tree: Any, in_tree: set[tuple[int, int]]) -> list[str]:
    if "/ParentTree" not in tree:
        return ["01-001: the structure tree has no /ParentTree"]
    entries: dict[int, Any] = {}
    found = []
    for key, value in _number_tree(tree.ParentTree):
        if key in entries:
            found.append(f"ISO 32000 14.7.4.4: ParentTree key {key} appears twice")
        entries[key] = value
    if entries and int(tree.get("/ParentTreeNextKey", max(entries) + 1)) <= max(entries):
        found.append("ISO 32000 14.7.4.4: /ParentTreeNextKey is not above every key")
    used: Counter[int] = Counter()
    for number, page in enumerate(pdf.pages, start=1):
        key = page.obj.get("/StructParents")
        if key is None:
            found.append(f"01-001: page {number} has no /StructParents")
            continue
        used[int(key)] += 1
        if not isinstance(entries.get(int(key)), pikepdf.Array):
            found.append(f"ISO 32000 14.7.4.4: page {number}'s /StructParents {key} is not "
                         "an array in the ParentTree")
            continue
        found += _page_elements_on_page(entries[int(key)], page.obj, number)
        if any(isinstance(element, pikepdf.Dictionary) and element.objgen not in in_tree
               for element in entries[int(key)]):
            found.append(f"01-005: page {number}: marked content belongs to an element "
                         "outside the structure tree (neither real content nor an artifact)")
        for annotation in page.obj.get("/Annots", []):
            if "/StructParent" in annotation:
                used[int(annotation.StructParent)] += 1
    found += [f"ISO 32000 14.7.4.4: ParentTree key {key} is used {count} times"
              for key, count in used.items() if count > 1]
    return found


def _page_elements_on_page(elements: Any, page: Any, number: int) -> list[str]:
    for element in elements:
        if not isinstance(element, pikepdf.Dictionary):
            continue
        on = _page_of(element)
        if on is not None and on.objgen != page.objgen:
            return [f"ISO 32000 14.7.4.4: page {number}'s marked content maps to an element "
                    "of another page"]
    return []


def _page_of(element: Any) -> Any:
    for _ in range(64):
        if "/Pg" in element:
            return element.Pg
        element = element.get("/P")
        if not isinstance(element, pikepdf.Dictionary) or element.get("/Type") != "/StructElem":
            return None
    return None


# ------------------------------------------------------------------ content

def _content(pdf: Any) -> list[str]:
    """Every text is real content (an MCID the ParentTree knows) or an artifact."""
    tree = pdf.Root.get("/StructTreeRoot")
    entries = dict(_number_tree(tree.ParentTree)) if tree is not None else {}
    found = []
    for number, page in enumerate(pdf.pages, start=1):
        mapped = entries.get(int(page.obj.get("/StructParents", -1)), [])
        stack: list[tuple[str, int | None]] = []
        for operands, operator in pikepdf.parse_content_stream(page):
            name = str(operator)
            if name in ("BDC", "BMC"):
                tag = str(operands[0])
                properties = operands[1] if name == "BDC" else None
                mcid = properties.get("/MCID") if isinstance(properties, pikepdf.Dictionary) \
                    else None
                if mcid is not None and any(kind == "/Artifact" for kind, _ in stack):
                    found.append(f"01-005: page {number}: tagged content inside an artifact")
                if mcid is not None and (int(mcid) >= len(mapped)
                                         or not isinstance(mapped[int(mcid)],
                                                           pikepdf.Dictionary)):
                    found.append(f"01-005: page {number}: MCID {mcid} has no element in the "
                                 "ParentTree")
                stack.append((tag, None if mcid is None else int(mcid)))
            elif name == "EMC" and stack:
                stack.pop()
            elif name in TEXT_OPERATORS and not any(kind == "/Artifact" or mcid is not None
                                                    for kind, mcid in stack):
                found.append(f"01-005: page {number}: text neither tagged nor an artifact")
        if len(found) > 20:
            break
    return sorted(set(found))


# ------------------------------------------------------------------ annotations

def _annotations(pdf: Any) -> list[str]:
    tree = pdf.Root.get("/StructTreeRoot")
    entries = dict(_number_tree(tree.ParentTree)) if tree is not None else {}
    found = []
    for number, page in enumerate(pdf.pages, start=1):
        annotations = list(page.obj.get("/Annots", []))
        if annotations and page.obj.get("/Tabs") != "/S":
            found.append(f"19-003: page {number} has annotations but no /Tabs /S")
        for annotation in annotations:
            subtype = annotation.get("/Subtype")
            if subtype not in ("/Link", "/Widget"):
                continue
            flags = int(annotation.get("/F", 0))
            if not flags & 4 or flags & (1 | 2 | 32):
                found.append(f"PDF/A 6.3.2: page {number}: an annotation is not printed")
            if subtype == "/Link" and not str(annotation.get("/Contents", "")).strip():
                found.append(f"28-008: page {number}: a link has no /Contents")
            if subtype == "/Widget" and not str(annotation.get("/TU", "")).strip() \
                    and not str(annotation.get("/Parent", {}).get("/TU", "")).strip():
                found.append(f"28-005: page {number}: a form field has no /TU description")
            action = annotation.get("/A")
            if action is not None and action.get("/S") == "/JavaScript":
                found.append(f"PDF/A 6.6.1: page {number}: JavaScript action")
            found += _annotation_tagged(annotation, entries, number, page.obj)
    return found


def _annotation_tagged(annotation: Any, entries: dict[int, Any], number: int,
                       page: Any) -> list[str]:
    key = annotation.get("/StructParent")
    element = entries.get(int(key)) if key is not None else None
    if not isinstance(element, pikepdf.Dictionary):
        return [f"28-002: page {number}: an annotation is not in the structure tree"]
    expected = "/Link" if annotation.get("/Subtype") == "/Link" else "/Form"
    if element.get("/S") != expected:
        return [f"28-011: page {number}: a {annotation.Subtype} annotation is tagged "
                f"{element.get('/S')}"]
    kids = element.K if isinstance(element.K, pikepdf.Array) else [element.K]
    if not any(isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/OBJR"
               and kid.Obj.objgen == annotation.objgen for kid in kids):
        return [f"28-011: page {number}: its element holds no OBJR for the annotation"]
    return []


# ------------------------------------------------------------------ fonts and PDF/A

def _fonts(pdf: Any) -> list[str]:
    found, programs = [], {}
    embedded: dict[str, set[tuple[int, int]]] = {}
    for font in _all_fonts(pdf):
        for part in font.get("/DescendantFonts", [font]):
            descriptor = part.get("/FontDescriptor")
            if descriptor is None or not any(key in descriptor for key in
                                             ("/FontFile", "/FontFile2", "/FontFile3")):
                found.append(f"PDF/A 6.2.11.4: font {part.get('/BaseFont')} is not embedded")
                continue
            program = next(descriptor[key] for key in ("/FontFile", "/FontFile2",
                                                       "/FontFile3") if key in descriptor)
            name = str(part.get("/BaseFont"))
            digest = hash(program.read_bytes())
            if programs.setdefault(name, digest) != digest:
                found.append(f"ISO 32000 9.6.4: subset name {name} names different programs")
            if str(descriptor.get("/FontName")) != name:
                found.append(f"ISO 32000 9.6.4: {name}'s descriptor names another font")
            embedded.setdefault(SUBSET_TAG.sub("", name), set()).add(program.objgen)
    found += [f"one program per font: {font} is embedded {len(objects)} times"
              for font, objects in sorted(embedded.items()) if len(objects) > 1]
    return sorted(set(found))


def _archival(pdf: Any) -> list[str]:
    found = []
    intents = [intent for intent in pdf.Root.get("/OutputIntents", [])
               if intent.get("/S") == "/GTS_PDFA1"]
    if not intents:
        found.append("PDF/A 6.2.3: no PDF/A output intent")
    elif "/DestOutputProfile" not in intents[0]:
        found.append("PDF/A 6.2.3: the output intent has no ICC profile")
    names = pdf.Root.get("/Names", {})
    opens = pdf.Root.get("/OpenAction")
    if "/JavaScript" in names or (isinstance(opens, pikepdf.Dictionary)
                                  and opens.get("/S") == "/JavaScript"):
        found.append("PDF/A 6.6.1: the document runs JavaScript")
    if "/EmbeddedFiles" in names:
        found.append("PDF/A 6.8: embedded files in a PDF/A-2b")
    if "/ID" not in pdf.trailer:
        found.append("PDF/A 6.1.3: the trailer has no /ID")
    if "/AA" in pdf.Root:
        found.append("PDF/A 6.6.2: the catalog has additional actions")
    return found


# ------------------------------------------------------------------ walking

def _elements(node: Any) -> Iterator[Any]:
    stack = [node]
    while stack:
        current = stack.pop()
        if current.get("/Type") == "/StructElem" or current.get("/S") is not None:
            yield current
        kids = current.get("/K")
        kids = [kids] if isinstance(kids, pikepdf.Dictionary) else kids
        if isinstance(kids, pikepdf.Array | list):
            stack.extend(kid for kid in reversed(list(kids))
                         if isinstance(kid, pikepdf.Dictionary) and "/S" in kid)


def _number_tree(node: Any) -> Iterator[tuple[int, Any]]:
    nums = node.get("/Nums", [])
    for index in range(0, len(nums) - 1, 2):
        yield int(nums[index]), nums[index + 1]
    for kid in node.get("/Kids", []):
        yield from _number_tree(kid)


def _name_tree_keys(node: Any) -> Iterator[Any]:
    if node is None:
        return
    yield from list(node.get("/Names", []))[::2]
    for kid in node.get("/Kids", []):
        yield from _name_tree_keys(kid)


def _all_fonts(pdf: Any) -> list[Any]:
    fonts, seen = [], set()

    def collect(resources: Any) -> None:
        if resources is None or (resources.is_indirect and resources.objgen in seen):
            return
        if resources.is_indirect:
            seen.add(resources.objgen)
        fonts.extend(resources.get("/Font", {}).values())
        for xobject in resources.get("/XObject", {}).values():
            if xobject.get("/Subtype") == "/Form":
                collect(xobject.get("/Resources"))

    for page in pdf.pages:
        collect(page.obj.get("/Resources"))
    for field in pdf.Root.get("/AcroForm", {}).get("/DR", {}).get("/Font", {}).values():
        fonts.append(field)
    return fonts
