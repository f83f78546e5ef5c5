"""What print must never break: names a reader types or searches for, as the text layer
of a PDF gives them (pdftotext, the way a reader copies or searches)."""

from __future__ import annotations

import itertools
import re
import subprocess
from pathlib import Path

CODE_SPAN = re.compile(r"`([^`\n]+)`")
URL = re.compile(r"https?://[^\s)>\]\"'`*]+")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
CAMEL_CASE = re.compile(r"\b[A-Za-z]*[a-z][A-Z]\w*\b")  # WordPress, UpdraftPlus, cPanel


def names_in(folder: Path) -> set[str]:
    """URLs, e-mail addresses, code (each word of a code span: a word written as code
    once is a name wherever it appears) and CamelCase product names, from the YAML of a
    project's content."""
    text = "\n".join(path.read_text(encoding="utf-8") for path in folder.rglob("*.yaml"))
    found = {url.rstrip(".,;:") for url in URL.findall(text)}
    found |= {email.rstrip(".") for email in EMAIL.findall(text)}
    found |= {word.strip(".,;:()") for span in CODE_SPAN.findall(text) for word in span.split()}
    found |= set(CAMEL_CASE.findall(text))
    return {name for name in found if len(name) > 3 and re.search(r"\w", name)}


def text_layer(pdf: Path) -> str:
    """The text in the order it is drawn, lines as laid out, no dehyphenation."""
    return subprocess.run(["pdftotext", "-raw", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout


def broken_names(text: str, names: set[str]) -> list[str]:
    """Each place where a line ends in a hyphen that is not the name's own: the name,
    once the hyphen is dropped, runs across the line break, and with it kept it is not
    the name. A line break alone is allowed (a long URL must break somewhere)."""
    lines = text.split("\n")
    broken = []
    for line, following in itertools.pairwise(lines):
        if not line.endswith(("-", "\u2010")) or not line.split() or not following.split():
            continue
        left, right = line.split()[-1], following.split()[0]
        kept, dropped = left + right, left[:-1] + right
        broken += [kept for name in names if _whole(name, dropped) and not _whole(name, kept)
                   and name not in right and name not in left[:-1]]
    return broken


def _whole(name: str, text: str) -> bool:
    """``name`` in ``text`` as a word of its own, not inside a longer word."""
    return re.search(rf"(?<![^\W_]){re.escape(name)}(?![^\W_])", text) is not None


def code_and_links_whole(pdf: Path, names: set[str]) -> None:
    """The assertion every PDF test makes: no hyphen inside a name, and line-end hyphens
    that copy and search as an ordinary "-" (never U+2010 or a soft hyphen)."""
    text = text_layer(pdf)
    assert "\u2010" not in text and "\u00ad" not in text, pdf.name
    assert broken_names(text, names) == [], pdf.name


def qpdf_check(pdf: Path) -> None:
    result = subprocess.run(["qpdf", "--check", str(pdf)], capture_output=True, text=True)
    assert result.returncode == 0, (pdf.name, result.stdout[-2000:], result.stderr[-2000:])
