"""Problems: what is wrong, where, as a message code of the label catalogue.

A problem is data; its words come from the catalogue of the document's language
(``catalogue.py``), so the same problem reads naturally in every language sopgen speaks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple


class Loc(NamedTuple):
    """Where a value was written: file and 1-based line and column."""

    file: str
    line: int = 0
    col: int = 0

    def __str__(self) -> str:
        if not self.line:
            return self.file
        return f"{self.file}:{self.line}:{self.col}"


NOWHERE = Loc("")  # a problem with no place in the content: an option's value, say


@dataclass(frozen=True)
class Problem:
    """One finding, with a message code and its parameters.

    The message itself is looked up in the label catalogue of the document's language
    (``labels/*.toml``, table ``messages``), so the same problem reads naturally in
    Bahasa Indonesia and in English.
    """

    loc: Loc
    code: str
    params: dict[str, object] = field(default_factory=dict)
    severity: str = "error"  # "error" or "warning"


def relative(path: Path, root: Path) -> str:
    """A path as the user should see it: relative to the project when inside it."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def size_text(size: int) -> str:
    """A size as people read it: "6.0 MiB", "4.9 KiB", "512 B"."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MiB"
    if size >= 1024:
        return f"{size / 1024:.1f} KiB"
    return f"{size} B"
