"""Worker processes: how many cores we may use, and a pool that fails as a user error."""

from __future__ import annotations

import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Generic, NoReturn, TypeVar

from sopgen.core.errors import SopgenError

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor


_LIMIT: list[int] = []  # set in a worker that is itself one job of a shared pool


def available_cores() -> int:
    """The cores this process may really use (a container's CPU set, not the host's)."""
    if hasattr(os, "sched_getaffinity"):
        found = len(os.sched_getaffinity(0))
    else:
        found = os.cpu_count() or 1
    return min(found, *_LIMIT) if _LIMIT else found


def use_one_core(alone: bool = True) -> None:
    """In a worker of a shared pool: work alone, forking no pool of its own, while the
    pool's other workers keep the other cores busy (``alone=False``: every core again,
    for the last jobs of the pool)."""
    _LIMIT[:] = [1] if alone else []


def can_fork() -> bool:
    """Whether worker processes may be forked: the system can (not Windows), more than
    one core, and only one thread.

    A fork copies only the calling thread; a lock another thread held at that moment
    (``sopgen serve`` answers requests on one) would stay locked in the child forever.
    """
    return hasattr(os, "fork") and available_cores() > 1 and threading.active_count() == 1


@contextmanager
def forked_pool(workers: int, doing: str) -> Iterator[ProcessPoolExecutor]:
    """Worker processes forked from this one, so they inherit the handbook unpickled.

    A worker killed from outside (most often by the kernel, out of memory) breaks the
    pool; the user then gets one line saying so instead of a traceback.
    """
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool
    from multiprocessing import get_context

    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("fork"),
                                 initializer=_die_with, initargs=(os.getpid(),)) as pool:
            yield pool
    except BrokenProcessPool as error:
        if "terminated abruptly" not in str(error):  # say, a result that did not unpickle
            raise
        raise SopgenError.of("worker_stopped", doing=doing) from error


PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def _die_with(parent: int) -> None:
    """Make a worker end when the build that forked it is killed (``timeout``, a CI job
    cancelled): otherwise it waits forever on a pipe its sibling workers keep open."""
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # killed before the line above took effect
        os._exit(1)


# --- one call in a forked child while this process goes on

T = TypeVar("T")


class ForkedCall(Generic[T]):
    """``function()`` computed in a child forked now, while this process does other work.

    No thread waits on it (unlike a pool), so this process may still fork a pool of its
    own meanwhile (see ``can_fork``). ``result()`` is ``None`` when the child failed: the
    caller then calls the function itself, which reports whatever went wrong.
    """

    def __init__(self, function: Callable[[], T], *, yielding: int = 0) -> None:
        """``yielding``: how much the child gives way to this process and its other
        workers (a ``nice`` increment), for work that can wait till a core is free."""
        import tempfile

        parent = os.getpid()
        # A file, not a pipe: the child writes its result and ends at once, however large
        # the result, instead of waiting (with all its memory) until this process reads.
        results = tempfile.TemporaryFile()  # noqa: SIM115 - closed in result() or cancel()
        pid = os.fork()
        if pid == 0:  # the child: never returns
            _child(parent, os.dup(results.fileno()), function, yielding)
        self._pid: int | None = pid
        self._results = results
        self._value: T | None = None

    def result(self) -> T | None:
        """Wait for the child's result (once; later calls give the same)."""
        if self._pid is not None:
            os.waitpid(self._pid, 0)
            self._pid = None
            with self._results as results:
                results.seek(0)
                data = results.read()
            try:
                done, value = pickle.loads(data)
            except Exception:  # cut short: the child was killed
                done, value = False, None
            self._value = value if done else None
        return self._value

    def cancel(self) -> None:
        """End the child if its result was not taken (the work it was for failed)."""
        if self._pid is not None:
            os.kill(self._pid, signal.SIGKILL)
            os.waitpid(self._pid, 0)
            self._pid = None
            self._results.close()


def _child(parent: int, write: int, function: Callable[[], Any], yielding: int) -> NoReturn:
    try:
        _die_with(parent)
        if yielding:
            os.nice(yielding)
        data = pickle.dumps((True, function()))
    except BaseException:  # the parent calls the function itself and reports
        data = pickle.dumps((False, None))
    try:
        with os.fdopen(write, "wb") as results:
            results.write(data)
    finally:
        os._exit(0)
