"""Write stage: put rendered files in place atomically, never losing earlier output.

Files are written into a staging folder next to the target, fsynced, and the folder
is swapped in with two renames. An interrupted swap leaves ``.old-NAME-*`` behind,
which the next build puts back. A lock file serialises builds of the same output
folder, so two builds at once cannot interleave. Released outputs are immutable:
an existing file is kept as it is, never replaced.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Written:
    """What a write did: files now in place, and released files left untouched."""

    written: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)


@contextmanager
def locked(output_root: Path) -> Iterator[None]:
    output_root.mkdir(parents=True, exist_ok=True)
    with open(output_root / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            recover(output_root)
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def recover(output_root: Path) -> None:
    """Undo what an interrupted build left: restore swapped-out folders, drop staging."""
    for leftover in sorted(output_root.glob(".old-*")):
        name = leftover.name.removeprefix(".old-").rsplit("-", 1)[0]
        target = output_root / name
        if target.exists():
            shutil.rmtree(leftover, ignore_errors=True)
        else:
            os.rename(leftover, target)
    for staging in output_root.glob(".staging-*"):
        shutil.rmtree(staging, ignore_errors=True)


def write_folder(output_root: Path, name: str, files: dict[str, bytes], *,
                 immutable: bool = False) -> Written:
    """Replace ``output_root/name`` with its old files plus ``files``, in one swap."""
    result = Written()
    with locked(output_root):
        target = output_root / name
        staging = Path(tempfile.mkdtemp(prefix=f".staging-{name}-", dir=output_root))
        try:
            _carry_over(target, staging, files, immutable, result)
            for relative, data in files.items():
                if (target / relative).exists() and immutable:
                    continue
                _write_file(staging / relative, data)
                result.written.append(target / relative)
            _fsync_dir(staging)
            _swap(staging, target, output_root)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return result


def _carry_over(target: Path, staging: Path, files: dict[str, bytes], immutable: bool,
                result: Written) -> None:
    """Hard-link the target's files into staging, except those being replaced."""
    if not target.is_dir():
        return
    for path in sorted(target.rglob("*")):
        relative = path.relative_to(target).as_posix()
        if not path.is_file() or (relative in files and not immutable):
            continue
        destination = staging / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(path, destination)
        except OSError:
            shutil.copy2(path, destination)
        if relative in files:
            result.kept.append(target / relative)


def _write_file(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _fsync_dir(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _swap(staging: Path, target: Path, output_root: Path) -> None:
    if target.exists():
        old = output_root / f".old-{target.name}-{os.getpid()}"
        os.rename(target, old)
        os.rename(staging, target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.rename(staging, target)
    _fsync_dir(output_root)
