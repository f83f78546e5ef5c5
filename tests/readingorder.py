"""Where a page reference's number is read: right after the reference, or late?

Every internal link of a PDF (a cross-reference, a contents line) is followed on the page
by the number of the page it points to: "TEK-06 (p. 67)", "MAN-01 Review this SOP .... 5".
What is printed there is known from the file itself: the link annotations, the page their
destination is on, and the words inside their rectangles (poppler's word boxes). Each
client's reading order — pdf.js's text items and its structure tree (what it gives screen
readers), pdftotext with and without -layout, pypdf's content-stream order — must then read
the link's last word followed by that number, with at most leader dots and the page label
("(p.", "hlm.") between them.

Run as ``python -m tests.readingorder FILE.pdf …`` to print the counts per client.
"""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

import pikepdf
from pypdf import PdfReader

from sopgen.rendering.structure import link_destination

ROOT = Path(__file__).resolve().parent.parent
PDFJS_SCRIPT = ROOT / "tests" / "tools" / "pdfjs_text.mjs"
WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">'
                  r"(.*?)</word>")
LABEL = re.compile(r"\(?[^\W\d]+\.")  # "(p." "hlm."
DOTS = re.compile(r"\.+")
Box = tuple[float, float, float, float, str]  # a word's xMin, yMin, xMax, yMax (from the top)
CLIENTS = ("pdf.js", "pdf.js tagged", "pdftotext", "pdftotext -layout", "pypdf")


@dataclass(frozen=True)
class Reference:
    """A link's last word and the page number that must be read right after it."""

    word: str
    number: int

    def pattern(self) -> re.Pattern[str]:
        """Matched against text without whitespace: clients differ in the spaces they
        put between text items, not in the order of the words."""
        return re.compile(rf"{re.escape(self.word)}\.*(?:\(?[^\W\d]+\.)?\(?{self.number}(?!\d)")


def references(path: Path) -> list[list[Reference]]:
    """Each page's references, from its link annotations and the words they cover."""
    words = _word_boxes(path)
    found: list[list[Reference]] = []
    with pikepdf.open(path) as pdf:
        index = {page.objgen: number for number, page in enumerate(pdf.pages)}
        for number, page in enumerate(pdf.pages):
            height = float(page.mediabox[3])
            links: list[tuple[int, set[int]]] = []
            for annotation in page.obj.get("/Annots", []):
                target = _target_page(pdf, annotation, index)
                if target is None:
                    continue
                covered = _covered(words[number], annotation.Rect, height)
                if links and links[-1][0] == target:  # one link broken over two lines
                    links[-1][1].update(covered)
                else:
                    links.append((target, covered))
            found.append([reference for target, covered in links
                          if (reference := _reference(words[number], covered, target + 1))])
    return found


def late(path: Path, texts: list[str], pages: list[list[Reference]]) -> list[str]:
    """The references a client's page texts do not read inline, described."""
    missing = []
    for number, (text, expected) in enumerate(zip(texts, pages, strict=True), start=1):
        flat = "".join(text.split())
        for reference, count in Counter(expected).items():
            seen = len(reference.pattern().findall(flat))
            if seen < count:
                missing.append(f"{path.name} page {number}: {reference.word!r} then "
                               f"{reference.number}, {count - seen} of {count} read late")
    return missing


def client_texts(path: Path) -> dict[str, list[str]]:
    """Each page's text in the reading order of each client."""
    pdfjs = json.loads(subprocess.run(["node", str(PDFJS_SCRIPT), str(path)], check=True,
                                      capture_output=True, text=True).stdout)
    return {
        "pdf.js": ["".join(page["items"]) for page in pdfjs],
        "pdf.js tagged": ["".join(page["tagged"]) for page in pdfjs],
        "pdftotext": _pdftotext(path),
        "pdftotext -layout": _pdftotext(path, "-layout"),
        "pypdf": [page.extract_text() for page in PdfReader(path).pages],
    }


def _pdftotext(path: Path, *options: str) -> list[str]:
    text = subprocess.run(["pdftotext", *options, str(path), "-"], check=True,
                          capture_output=True, text=True).stdout
    return text.split("\f")[:-1]


def _word_boxes(path: Path) -> list[list[Box]]:
    text = subprocess.run(["pdftotext", "-bbox", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout
    return [[(float(a), float(b), float(c), float(d), html.unescape(word))
             for a, b, c, d, word in WORD.findall(page)]
            for page in text.split("<page ")[1:]]


def _covered(words: list[Box], rect: Any,
             height: float) -> set[int]:
    """The words whose middle lies inside an annotation's rectangle."""
    x1, y1, x2, y2 = (float(value) for value in rect)
    left, right, bottom, top = min(x1, x2), max(x1, x2), min(y1, y2), max(y1, y2)
    return {number for number, (a, b, c, d, _) in enumerate(words)
            if left <= (a + c) / 2 <= right and bottom <= height - (b + d) / 2 <= top}


def _reference(words: list[Box], covered: set[int], number: int) -> Reference | None:
    """The link's last word, if the page prints the target's page number right after it:
    inside the link (WeasyPrint's target-counter is part of it), after it on its line, or
    at the start of the next line. Links without a number (to a role, say) are not
    page references."""
    inside = [words[index][4] for index in sorted(covered)]
    printed = bool(inside) and _is_number(inside[-1], number) and len(inside) > 1 \
        and bool(LABEL.fullmatch(inside[-2]) or DOTS.fullmatch(inside[-2]))
    if printed:
        inside.pop()
    while inside and (LABEL.fullmatch(inside[-1]) or DOTS.fullmatch(inside[-1])):
        inside.pop()
    if not inside:
        return None
    last = max((index for index in covered if words[index][4] == inside[-1]),
               key=lambda index: (words[index][1], words[index][0]))
    if printed or _printed_after(words, words[last], number):
        return Reference(inside[-1], number)
    return None


def _printed_after(words: list[Box], last: Box, number: int) -> bool:
    x1, y1, x2, y2, _ = last
    height, middle = y2 - y1, (y1 + y2) / 2
    line = sorted((w for w in words if abs((w[1] + w[3]) / 2 - middle) < height / 2
                   and w[0] >= x2 - 0.5), key=lambda w: w[0])
    after = [w[4] for w in line if not DOTS.fullmatch(w[4])][:2]
    if after and (_is_number(after[0], number) or (
            len(after) == 2 and LABEL.fullmatch(after[0]) and _is_number(after[1], number))):
        return True
    below = sorted((w for w in words if 0.5 * height < (w[1] + w[3]) / 2 - middle < 1.7 * height
                    and w[2] <= x1), key=lambda w: w[0])
    return any(LABEL.fullmatch(a[4]) and _is_number(b[4], number)
               for a, b in pairwise(below))


def _is_number(word: str, number: int) -> bool:
    return re.fullmatch(rf"\(?{number}\)?[^\w(]*", word) is not None


def _target_page(pdf: Any, annotation: Any, index: dict[tuple[int, int], int]) -> int | None:
    destination = link_destination(annotation)
    if isinstance(destination, (pikepdf.String, pikepdf.Name)):
        destination = _named(pdf, str(destination).lstrip("/"))
    if isinstance(destination, pikepdf.Dictionary):
        destination = destination.get("/D")
    if not isinstance(destination, pikepdf.Array) or len(destination) == 0:
        return None
    return index.get(destination[0].objgen)


def _named(pdf: Any, name: str) -> Any:
    if "/Dests" in pdf.Root:
        return pdf.Root.Dests.get("/" + name)
    if "/Names" in pdf.Root and "/Dests" in pdf.Root.Names:
        return pikepdf.NameTree(pdf.Root.Names.Dests).get(name)
    return None


def measure(path: Path) -> dict[str, tuple[int, list[str]]]:
    """For each client: how many references there are, and those read late."""
    pages = references(path)
    total = sum(len(page) for page in pages)
    return {client: (total, late(path, texts, pages))
            for client, texts in client_texts(path).items()}


def main(paths: list[str]) -> None:
    for name in paths:
        for client, (total, missing) in measure(Path(name)).items():
            print(f"{Path(name).name}\t{client}\t{total - len(missing)}/{total} inline")
            for line in missing[:5]:
                print("   ", line)


if __name__ == "__main__":
    main(sys.argv[1:])
