"""Pause Python's cycle collector while a build makes many small objects it cannot free.

Loading a project makes hundreds of thousands of located strings, maps and lists, and
rendering makes as many tokens; none of them form reference cycles, so reference
counting frees them all. The cycle collector still walks every live object each time
enough new ones appear: at 1,000 procedures that was about a fifth of a Markdown + HTML
build. Pausing it for those stages (as mypy and others do for the same reason) keeps
memory the same and gives the time back. It runs again when the stage ends.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc(*, keep: bool = False) -> Iterator[None]:
    """Run the body without automatic cycle collection; nesting is harmless.

    With ``keep`` what the body made is meant to live on (a loaded handbook): it is moved
    out of the collector's sight (``gc.freeze``), since scanning it later could free
    nothing and would cost as much as the pause saved. It is still freed, by reference
    counting, when the last reference to it goes.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if keep:
            gc.freeze()
        if was_enabled:
            gc.enable()
