"""Reading what a PDF really contains: page texts, bookmarks, fonts, attachments."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from pypdf import PdfReader


@dataclass
class Pdf:
    reader: PdfReader
    path: Path

    @classmethod
    def open(cls, path: Path) -> Pdf:
        return cls(PdfReader(str(path)), path)

    @cached_property
    def pages(self) -> list[str]:
        """Each page's text as a reader sees it, by position (poppler's pdftotext, which
        also reads text drawn from form XObjects, like every PDF viewer)."""
        text = subprocess.run(["pdftotext", "-layout", str(self.path), "-"], check=True,
                              capture_output=True, text=True).stdout
        pages = text.split("\f")[:len(self.reader.pages)]
        return ["\n".join(" ".join(line.split()) for line in page.splitlines() if line.strip())
                for page in pages]

    def outline(self) -> list[tuple[int, str, int]]:
        """(level, title, 1-based page) for every bookmark, in order."""
        found: list[tuple[int, str, int]] = []

        def walk(items: list, level: int) -> None:
            for item in items:
                if isinstance(item, list):
                    walk(item, level + 1)
                else:
                    found.append((level, item.title,
                                  self.reader.get_destination_page_number(item) + 1))

        walk(self.reader.outline, 1)
        return found

    def toc_numbers(self, page_index: int) -> dict[str, int]:
        """Procedure id → page number printed in the contents on ``page_index``."""
        numbers = {}
        for line in self.pages[page_index].splitlines():
            match = re.match(r"^\s*([A-Z]{2,10}-\d+)\b.*?(\d+)\s*$", line)
            if match:
                numbers[match.group(1)] = int(match.group(2))
        return numbers

    def embedded_fonts(self) -> tuple[int, int]:
        """(fonts used, fonts with an embedded font file)."""
        used = embedded = 0
        for page in self.reader.pages:
            fonts = page.get("/Resources", {}).get("/Font", {})
            for ref in fonts.values():
                font = ref.get_object()
                used += 1
                descriptor = font.get("/FontDescriptor")
                if descriptor is None and "/DescendantFonts" in font:
                    descriptor = font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
                descriptor = descriptor.get_object() if descriptor else {}
                if any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")):
                    embedded += 1
        return used, embedded
