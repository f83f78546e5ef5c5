"""User errors: one channel for every mistake a user can make and fix.

A ``SopgenError`` carries problems (message codes with their parameters and places)
and the language to say them in; its lines come from the label catalogue, so every
message exists in every language. The library never prints and knows no exit codes:
the CLI turns errors into lines and an exit status. Anything else escaping the library
is a bug in sopgen.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sopgen.core.catalogue import default_language, format_problems
from sopgen.core.problems import NOWHERE, Loc, Problem


class SopgenError(Exception):
    """A mistake in the user's project, options or files, with where it is and what to do.

    ``language`` is the document's; an error raised where no document is known (a folder
    that cannot be written, say) gets it from ``speaking()`` on its way out, or else
    speaks the user's locale."""

    def __init__(self, problems: list[Problem], language: str | None = None) -> None:
        super().__init__(problems, language)
        self.problems = problems
        self.language = language

    @classmethod
    def of(cls, code: str, loc: Loc = NOWHERE, language: str | None = None,
           **params: object) -> SopgenError:
        """One problem, by its message code."""
        return cls([Problem(loc, code, params)], language)

    def lines(self) -> list[str]:
        """The error as the lines a user sees: ``file:line:col: error: what — what to do``."""
        return format_problems(self.problems, self.language or default_language())

    def __str__(self) -> str:
        return "\n".join(self.lines())

    def __reduce__(self) -> tuple[Any, ...]:  # errors cross processes whole
        return (type(self), (self.problems, self.language))


class ValidationFailed(SopgenError):
    """The content has problems; ``lines()`` lists every one of them."""


class OptionError(SopgenError):
    """A build option's value is wrong (found once the project is read, like an unknown
    role). ``option`` is the library's name for it; the CLI names its flag."""

    def __init__(self, option: str, problems: list[Problem],
                 language: str | None = None) -> None:
        super().__init__(problems, language)
        self.option = option

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.option, self.problems, self.language))


@contextmanager
def speaking(language: str) -> Iterator[None]:
    """Errors raised inside without a language of their own speak ``language``."""
    try:
        yield
    except SopgenError as error:
        if error.language is None:
            error.language = language
        raise
