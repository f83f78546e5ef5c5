"""User errors: one exception type that names the file, line and what to do.

The library never prints; the CLI turns a ``SopgenError`` into one line per problem
and exit code 1. Everything else escaping the library is a bug in sopgen.
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


@dataclass(frozen=True)
class Problem:
    """One finding about the content, with a message code and its parameters.

    The message itself is looked up in the label catalogue of the document's language
    (``labels/*.toml``, table ``messages``), so the same problem reads naturally in
    Bahasa Indonesia and in English.
    """

    loc: Loc
    code: str
    params: dict[str, object] = field(default_factory=dict)
    severity: str = "error"  # "error" or "warning"


class SopgenError(Exception):
    """A mistake in the user's project: carries where it is and what to do about it."""

    def __init__(self, message: str, loc: Loc | None = None, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.loc = loc
        self.hint = hint

    def lines(self) -> list[str]:
        """The error as the lines a user sees: ``file:line:col: error: what — hint``."""
        where = f"{self.loc}: " if self.loc else ""
        hint = f" — {self.hint}" if self.hint else ""
        return [f"{where}error: {self.message}{hint}"]

    def __str__(self) -> str:
        return "\n".join(self.lines())


NOWHERE = Loc("")  # a problem with no place in the content: an option's value, say


class ValidationFailed(SopgenError):
    """Several problems found at once; ``lines()`` lists every one of them."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__(f"{len(messages)} problem(s) found")
        self.messages = messages

    def lines(self) -> list[str]:
        return list(self.messages)


def relative(path: Path, root: Path) -> str:
    """A path as the user should see it: relative to the project when inside it."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


class OptionError(ValidationFailed):
    """A build option's value is wrong (found once the project is read, like an unknown
    role). ``option`` is the library's name for it; the CLI names its flag."""

    def __init__(self, option: str, messages: list[str]) -> None:
        super().__init__(messages)
        self.option = option
