"""Pause Python's cycle collector while a build makes many objects it could not free.

Loading a project makes hundreds of thousands of located strings, maps and lists, none
of them in a reference cycle; rendering makes as many short-lived tokens. The collector
still walks every live object each time enough new ones appear: at 1,000 procedures that
was a fifth of a Markdown + HTML build, for nothing. So those stages run with it paused
(as mypy does for the same reason). The few cycles rendering does make (a renderer and
the template filters that point back at it) are collected once it runs again.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc(*, keep: bool = False) -> Iterator[None]:
    """Run the body without automatic cycle collection; nesting is harmless.

    With ``keep``, what the body makes is meant to live on (a loaded handbook). When the
    body succeeds, it goes straight to the oldest generation, as if it had survived two
    collections: walking it again at once, in the youngest, would cost as much as the
    pause saved. ``freeze`` + ``unfreeze`` makes that move without walking anything. It
    moves every object, so young garbage from before (a failed render in ``sopgen
    serve``) is collected first, and it is skipped when the program froze objects of its
    own, which ``unfreeze`` would release.
    """
    was_enabled = gc.isenabled()
    promote = keep and gc.get_freeze_count() == 0
    if promote:
        gc.collect(1)  # the young generations only: milliseconds
    gc.disable()
    try:
        yield
        if promote:
            gc.freeze()
            gc.unfreeze()
    finally:
        if was_enabled:
            gc.enable()
