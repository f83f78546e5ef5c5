"""Joining tagged parts: one structure tree for a handbook laid out in parallel.

Each part is a tagged PDF of its own (WeasyPrint's ``pdf_tags``): a /Document element
whose kids are the part's structure, and a /ParentTree number tree from each page's
/StructParents (and each annotation's /StructParent) to the elements of its marked
content. Joining puts every part's kids under one /Document in order (reading order is
document order), gives every page and annotation a new ParentTree key, and merges the
ID tree, RoleMap and ClassMap. Marked-content ids (MCIDs) are numbered per page, so they
stay valid as they are.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from html import unescape
from typing import Any

ELEMENT_LIMIT = 2_000_000  # a guard against cycles in a malformed tree


def prepare_part(pdf_data: bytes, prefix: str, slots: list[dict[str, list[float]]]) -> bytes:
    """A part ready to join (run where it was laid out): element ids made unique across
    parts, where each page number goes marked (``slots``: each page's slot rectangles),
    and tidied like any tagged PDF sopgen writes."""
    import pikepdf

    with pikepdf.open(io.BytesIO(pdf_data)) as pdf:
        if "/StructTreeRoot" not in pdf.Root:
            return pdf_data
        tidy(pdf, prefix, slots)
        return save(pdf)


def tidy(pdf: Any, prefix: str = "", slots: list[dict[str, list[float]]] | None = None) -> None:
    """What WeasyPrint's structure tree lacks for PDF/UA-1, added in one walk of the tree:
    no elements without content (the stand-in anchors), an ID tree for the ids table
    header cells are found by (with ``prefix``: unique across joined parts), and running
    heads, whose elements WeasyPrint leaves outside the tree, marked as artifacts."""
    import pikepdf

    tree = pdf.Root.get("/StructTreeRoot")
    if tree is None:
        return
    document = _document(tree)
    document.K = pikepdf.Array([kid for kid in document.K if not _empty(kid)])
    ids: dict[str, Any] = {}
    in_tree: set[tuple[int, int]] = set()
    for element in _elements(document):
        in_tree.add(element.objgen)
        _name_ids(element, prefix, ids)
        _one_kid_alone(element)
    if ids and "/IDTree" not in tree:
        tree.IDTree = pdf.make_indirect(pikepdf.Dictionary(Names=pikepdf.Array(
            [item for name in sorted(ids) for item in (pikepdf.String(name), ids[name])])))
    parents = dict(number_tree(tree.ParentTree)) if "/ParentTree" in tree else {}
    for index, page in enumerate(pdf.pages):
        _rewrite_page(pdf, page, parents, in_tree, slots[index] if slots else {})


def _rewrite_page(pdf: Any, page: Any, parents: dict[int, Any],
                  in_tree: set[tuple[int, int]], slots: dict[str, list[float]]) -> None:
    """Marked content whose element is outside the structure tree becomes an artifact;
    the places of page numbers get their comments (inline.py)."""
    import pikepdf

    from sopgen.rendering.inline import mark_slots, marked_content

    mapped = parents.get(int(page.obj.get("/StructParents", -1)))
    mapped = mapped if isinstance(mapped, pikepdf.Array) else []
    outside = {mcid for mcid, element in enumerate(mapped)
               if isinstance(element, pikepdf.Dictionary) and element.objgen not in in_tree}
    if not outside and not slots:
        return
    data = _artifacts_in_place(page, outside)
    if data is not None:  # the common case, without parsing the stream into objects
        stream = pdf.make_stream(data)
        marks: dict[int, list[str]] = {}
        if slots:
            ops = list(pikepdf.parse_content_stream(stream))
            marks = mark_slots(ops, slots)
        if marks:
            stream.write(marked_content(ops, marks))
        page.obj.Contents = stream
    else:
        _rewrite_ops(pdf, page, outside, slots)
    for mcid in outside:
        mapped[mcid] = None


# A tagged marked-content sequence as WeasyPrint writes its start: a tag, a property list
# holding only the MCID, BDC.
_TAGGED = re.compile(rb"/[^\s/<>\[\]()%]+\s*<<\s*/MCID\s+(\d+)\s*>>\s*BDC(?=\s|$)")
_MCID = re.compile(rb"/MCID\s+(\d+)")
_ARTIFACT = b"/Artifact <</Type /Pagination>> BDC"


def _artifacts_in_place(page: Any, outside: set[int]) -> bytes | None:
    """The page's content with each sequence in ``outside`` made an artifact, edited as
    bytes; ``None`` when the stream is not simple enough to be sure of (then it is parsed)."""
    import pikepdf

    contents = page.obj.get("/Contents")
    if not isinstance(contents, pikepdf.Stream):
        return None
    data = contents.read_bytes()
    if not outside:
        return data
    found = [int(match.group(1)) for match in _MCID.finditer(data)]
    if len(found) != len(set(found)):
        return None  # an MCID written twice (or in text): leave it to the parser
    replaced = 0

    def replace(match: re.Match[bytes]) -> bytes:
        nonlocal replaced
        if int(match.group(1)) not in outside:
            return match.group(0)
        replaced += 1
        return _ARTIFACT

    edited = _TAGGED.sub(replace, data)
    return edited if replaced == len(outside & set(found)) == len(outside) else None


def _rewrite_ops(pdf: Any, page: Any, outside: set[int], slots: dict[str, list[float]]) -> None:
    import pikepdf

    from sopgen.rendering.inline import mark_slots, marked_content

    ops = list(pikepdf.parse_content_stream(page))
    for index, instruction in enumerate(ops):
        operands = instruction.operands
        if outside and str(instruction.operator) == "BDC" and len(operands) > 1 \
                and isinstance(operands[1], pikepdf.Dictionary) \
                and int(operands[1].get("/MCID", -1)) in outside:
            ops[index] = pikepdf.ContentStreamInstruction(
                [pikepdf.Name.Artifact, pikepdf.Dictionary(Type=pikepdf.Name.Pagination)],
                pikepdf.Operator("BDC"))
    page.obj.Contents = pdf.make_stream(marked_content(ops, mark_slots(ops, slots)))


def save(pdf: Any) -> bytes:
    import pikepdf

    out = io.BytesIO()
    pdf.save(out, deterministic_id=True, min_version="1.7",
             object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return out.getvalue()


def tag_links(pdf: Any) -> None:
    """Every link annotation belongs to a /Link element (PDF/UA-1 7.18.5). WeasyPrint may
    hang one on an element inside the link (a span in a contents line): move it up."""
    import pikepdf

    tree = pdf.Root.get("/StructTreeRoot")
    if tree is None or "/ParentTree" not in tree:
        return
    nums = tree.ParentTree.get("/Nums")
    if nums is None:
        return
    for index in range(1, len(nums), 2):
        element = nums[index]
        if not isinstance(element, pikepdf.Dictionary) or element.get("/S") == "/Link":
            continue
        kids = element.get("/K")
        objects = [kid for kid in (kids if isinstance(kids, pikepdf.Array) else [])
                   if isinstance(kid, pikepdf.Dictionary)
                   and kid.get("/Type") == "/OBJR" and kid.Obj.get("/Subtype") == "/Link"]
        if not objects:
            continue
        link = _ancestor(element, "/Link")
        if link is None:
            element.S = pikepdf.Name.Link
            continue
        moved = {kid.objgen for kid in objects}
        element.K = pikepdf.Array([kid for kid in element.K
                                   if not isinstance(kid, pikepdf.Dictionary)
                                   or kid.objgen not in moved])
        link.K.append(objects[0])
        nums[index] = link


# What a link can point at in the print HTML, and where its name is: a container's first
# heading, a term's or heading's own text; a step has neither, so its links' text names it.
_TARGET = re.compile(r'<(?P<tag>article|section|nav|dt|h[1-6])\b[^>]*?\bid="(?P<id>[^"]+)"[^>]*>')
_HEADING = re.compile(r"<(h[1-6])\b[^>]*>(.*?)</\1>", re.S)
_INTERNAL_LINK = re.compile(r'<a\b[^>]*?\bhref="#(?P<id>[^"]+)"[^>]*>(?P<text>.*?)</a>', re.S)
_TAG = re.compile(r"<[^>]+>")
_CODE = re.compile(r"<code\b[^>]*>.*?</code>", re.S)
HEADING_REACH = 600  # characters after a container's opening tag its own heading starts in


def link_descriptions(html: str) -> dict[str, str]:
    """What each internal link of ``html`` is about, by target id: the target's heading or
    term, else the text of the first link to it. WeasyPrint describes a link annotation by
    its target's id (``tek-01``), which a screen reader would spell out; PDF/UA-1 (7.18.5)
    asks for a description a person can use."""
    described: dict[str, str] = {}
    for link in _INTERNAL_LINK.finditer(html):
        if link["id"] not in described:
            described[link["id"]] = _plain(link["text"])
    for target in _TARGET.finditer(html):
        ident = target["id"]
        if ident not in described:
            continue
        name = _target_name(html, target)
        if name:
            described[ident] = name
    return {ident: text for ident, text in described.items() if text}


def _target_name(html: str, target: re.Match[str]) -> str:
    tag = target["tag"]
    if tag in ("dt", "h1", "h2", "h3", "h4", "h5", "h6"):
        end = html.find(f"</{tag}>", target.end())
        # a term's code is its id (a role's ``admin``): the name is the words before it
        return _plain(_CODE.sub("", html[target.end():end])) if end >= 0 else ""
    heading = _HEADING.search(html, target.end(), target.end() + HEADING_REACH)
    return _plain(heading.group(2)) if heading else ""


def _plain(html: str) -> str:
    return " ".join(unescape(_TAG.sub("", html)).split())


def link_destination(annotation: Any) -> Any:
    """Where a link annotation goes inside the file: its ``/Dest`` or its GoTo action's
    ``/D`` (a name, or an explicit page and position); ``None`` for any other annotation."""
    if annotation.get("/Subtype") != "/Link":
        return None
    destination = annotation.get("/Dest")
    action = annotation.get("/A")
    if destination is None and action is not None and action.get("/S") == "/GoTo":
        destination = action.get("/D")
    return destination


def describe_links(pdf: Any, descriptions: dict[str, str]) -> None:
    """Give each internal link annotation that names its target the target's description."""
    import pikepdf

    for page in pdf.pages:
        for annotation in page.obj.get("/Annots", []):
            target = link_destination(annotation)
            if isinstance(target, pikepdf.String) and str(target) in descriptions:
                annotation.Contents = pikepdf.String(descriptions[str(target)])


def _ancestor(element: Any, kind: str) -> Any:
    import pikepdf

    for _ in range(64):
        element = element.get("/P")
        if not isinstance(element, pikepdf.Dictionary) or element.get("/S") is None:
            return None
        if kind == element.S:
            return element
    return None


def join_structures(joined: Any, parts: list[Any]) -> None:
    """One structure tree for ``joined``, whose pages are those of ``parts`` in order."""
    structure = StructureJoin(joined)
    first_page = 0
    for part in parts:
        pages = [joined.pages[first_page + i].obj for i in range(len(part.pages))]
        first_page += len(pages)
        structure.add(part, pages)
    structure.close()


class StructureJoin:
    """One structure tree for ``joined``, built a part at a time as each part's pages are
    added, so that the part's file can be closed before the next one is opened."""

    def __init__(self, joined: Any) -> None:
        import pikepdf

        self.joined = joined
        self.document = joined.make_indirect(pikepdf.Dictionary(
            Type=pikepdf.Name.StructElem, S=pikepdf.Name.Document, K=pikepdf.Array()))
        self.root = joined.make_indirect(pikepdf.Dictionary(
            Type=pikepdf.Name.StructTreeRoot, K=pikepdf.Array([self.document])))
        self.document.P = self.root
        self.nums: list[Any] = []
        self.ids: list[Any] = []
        self.role_map, self.class_map = pikepdf.Dictionary(), pikepdf.Dictionary()

    def add(self, part: Any, pages: list[Any]) -> None:
        """Join ``part``'s tree; ``pages`` are its pages as already copied into ``joined``."""
        tree = part.Root.get("/StructTreeRoot")
        if tree is None:
            return
        kids = list(_document(tree).K)
        parents = dict(number_tree(tree.ParentTree)) if "/ParentTree" in tree else {}
        holders = list(_struct_parents(pages))
        used = [parents[int(holder[key])] for holder, key in holders
                if int(holder[key]) in parents]
        ids = list(name_tree(tree.get("/IDTree")))
        mapped = [(merged, name, value)
                  for merged, key in ((self.role_map, "/RoleMap"), (self.class_map, "/ClassMap"))
                  for name, value in tree.get(key, {}).items()]
        copied = self._copy(part, [*kids, *used, *ids, *(value for _, _, value in mapped)])
        for kid in copied[:len(kids)]:
            kid.P = self.document
            self.document.K.append(kid)
        values = iter(copied[len(kids):len(kids) + len(used)])
        for holder, key in holders:
            if int(holder[key]) in parents:
                self.nums += [len(self.nums) // 2, next(values)]
                holder[key] = len(self.nums) // 2 - 1
            else:
                del holder[key]
        self.ids += copied[len(kids) + len(used):len(kids) + len(used) + len(ids)]
        for (merged, name, _), value in zip(mapped, copied[len(copied) - len(mapped):],
                                            strict=True):
            merged[name] = value

    def _copy(self, part: Any, objects: list[Any]) -> list[Any]:
        """``objects`` of ``part`` copied into ``joined`` in one call: one walk of what
        they reach instead of one per object."""
        import pikepdf

        if not objects:
            return []
        bundle = part.make_indirect(pikepdf.Array(objects))
        return list(self.joined.copy_foreign(bundle))

    def close(self) -> None:
        """Write the joined tree's root, its number tree and ID tree into ``joined``."""
        import pikepdf

        joined, root = self.joined, self.root
        root.ParentTree = joined.make_indirect(pikepdf.Dictionary(Nums=pikepdf.Array(self.nums)))
        root.ParentTreeNextKey = len(self.nums) // 2
        if self.ids:
            pairs = sorted(zip(self.ids[::2], self.ids[1::2], strict=True),
                           key=lambda pair: str(pair[0]))
            root.IDTree = joined.make_indirect(pikepdf.Dictionary(
                Names=pikepdf.Array([item for pair in pairs for item in pair])))
        if len(self.role_map):
            root.RoleMap = self.role_map
        if len(self.class_map):
            root.ClassMap = self.class_map
        joined.Root.StructTreeRoot = root


def _struct_parents(pages: list[Any]) -> Iterator[tuple[Any, str]]:
    for page in pages:
        if "/StructParents" in page:
            yield page, "/StructParents"
        for annotation in page.get("/Annots", []):
            if "/StructParent" in annotation:
                yield annotation, "/StructParent"


def _document(tree: Any) -> Any:
    import pikepdf

    kids = tree.K
    return kids[0] if isinstance(kids, pikepdf.Array) else kids


def number_tree(node: Any) -> Iterator[tuple[int, Any]]:
    """The (key, value) pairs of a number tree, in key order."""
    nums = node.get("/Nums", [])
    for index in range(0, len(nums) - 1, 2):
        yield int(nums[index]), nums[index + 1]
    for kid in node.get("/Kids", []):
        yield from number_tree(kid)


def name_tree(node: Any) -> Iterator[Any]:
    """Name, value, name, value … of a name tree."""
    if node is None:
        return
    yield from node.get("/Names", [])
    for kid in node.get("/Kids", []):
        yield from name_tree(kid)


def _elements(element: Any) -> Iterator[Any]:
    """``element`` and every structure element below it, in document order."""
    import pikepdf

    stack, seen = [element], 0
    while stack and seen < ELEMENT_LIMIT:
        current = stack.pop()
        seen += 1
        yield current
        kids = current.get("/K")
        if isinstance(kids, pikepdf.Dictionary):
            kids = [kids]
        if isinstance(kids, pikepdf.Array | list):
            stack.extend(kid for kid in reversed(list(kids))
                         if isinstance(kid, pikepdf.Dictionary) and kid.get("/S") is not None)


def _empty(element: Any) -> bool:
    """Whether no content (marked content or annotation) hangs below ``element``."""
    import pikepdf

    for current in _elements(element):
        kids = current.get("/K")
        if isinstance(kids, int | pikepdf.Dictionary) and not isinstance(kids, bool):
            return False
        for kid in kids if isinstance(kids, pikepdf.Array) else []:
            if not isinstance(kid, pikepdf.Dictionary) or kid.get("/S") is None:
                return False
    return True


def _one_kid_alone(element: Any) -> None:
    """``/K [12]`` written ``/K 12``, as ISO 32000 allows: most elements (a span of text)
    hold one marked-content sequence, and an array for each is a sixth of the memory
    and of the copying that joining a large handbook's structure tree takes."""
    import pikepdf

    kids = element.get("/K")
    if isinstance(kids, pikepdf.Array) and len(kids) == 1:
        kid = kids[0]
        if isinstance(kid, int) and not isinstance(kid, bool):
            element.K = kid


def _name_ids(element: Any, prefix: str, ids: dict[str, Any]) -> None:
    """Table header ids are unique within a part only: prefix them with the part's."""
    import pikepdf

    if "/ID" in element:
        if prefix:
            element.ID = pikepdf.String(f"{prefix}-{element.ID}")
        ids[str(element.ID)] = element
    attributes = element.get("/A")
    if prefix and isinstance(attributes, pikepdf.Dictionary) and "/Headers" in attributes:
        attributes.Headers = pikepdf.Array(
            [pikepdf.String(f"{prefix}-{header}") for header in attributes.Headers])
