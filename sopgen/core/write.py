"""Write stage: put rendered files in place atomically, never losing earlier output.

Files are written into a staging folder next to the target, fsynced, and the folder
is swapped in with one atomic exchange (Linux ``renameat2(RENAME_EXCHANGE)``), so a
reader sees either the old folder or the new one, never none. Where the exchange is
not supported it takes two renames; a build interrupted between them leaves
``.old-NAME-*`` behind, which the next build puts back. A lock file serialises
builds of the same output folder, so two builds at once cannot interleave. Released
outputs are immutable: an existing file is kept as it is, never replaced.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sopgen.core.errors import SopgenError


@dataclass
class Written:
    """What a write did: files now in place, and released files left untouched."""

    written: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)


@contextmanager
def locked(output_root: Path, lock_folder: Path | None = None) -> Iterator[None]:
    """Serialise builds of ``output_root``; the lock file lives in ``lock_folder`` when
    given (a workspace keeps deliverables folders free of sopgen's own files)."""
    output_root.mkdir(parents=True, exist_ok=True)
    (lock_folder or output_root).mkdir(parents=True, exist_ok=True)
    with open((lock_folder or output_root) / ".lock", "w") as handle:
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
                 immutable: bool = False, replace: bool = False,
                 lock_folder: Path | None = None) -> Written:
    """Replace ``output_root/name`` with its old files plus ``files``, in one swap.

    With ``replace`` the old files are dropped: the folder holds exactly ``files`` (a
    published site must not keep pages that a newer release removed).
    """
    for relative in [name, *files]:  # names come from validated ids; check anyway
        parts = Path(relative).parts
        if not parts or Path(relative).is_absolute() or ".." in parts:
            raise ValueError(f"not a relative path inside the output: {relative!r}")
    if output_root.exists() and not output_root.is_dir():
        raise SopgenError.of("output_is_file", path=output_root)
    try:
        return _write_folder(output_root, name, files, immutable, replace, lock_folder)
    except OSError as error:  # a full disk or a read-only folder is not a sopgen bug
        raise write_failed(error, output_root) from error


# Codes of catalogue messages: write_no_space, write_read_only, write_denied.
_WRITE_ERRORS = {errno.ENOSPC: "write_no_space", errno.EDQUOT: "write_no_space",
                 errno.EROFS: "write_read_only", errno.EACCES: "write_denied",
                 errno.EPERM: "write_denied"}
_STAGING = re.compile(r"\.staging-(?P<name>[^/]+)-[A-Za-z0-9_]{8}(?=/|$)")


def write_failed(error: OSError, output_root: Path) -> SopgenError:
    """The path that could not be written (as it will be named, not its staging copy)
    and what to do: free space, another folder, or permission."""
    path = _STAGING.sub(r"\g<name>", str(error.filename or output_root))
    code = _WRITE_ERRORS.get(error.errno or 0, "write_failed")
    return SopgenError.of(code, path=path, reason=error.strerror or str(error))


def _write_folder(output_root: Path, name: str, files: dict[str, bytes],
                  immutable: bool, replace: bool, lock_folder: Path | None = None) -> Written:
    result = Written()
    with locked(output_root, lock_folder):
        target = output_root / name
        staging = Path(tempfile.mkdtemp(prefix=f".staging-{name}-", dir=output_root))
        os.chmod(staging, 0o777 & ~_umask())  # mkdtemp's 0700 would hide a published site
        try:
            if not replace:
                _carry_over(target, staging, files, immutable, result)
            for relative, data in files.items():
                if (target / relative).exists() and immutable:
                    continue
                if not _link_if_same(target / relative, staging / relative, data):
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


def _link_if_same(existing: Path, path: Path, data: bytes) -> bool:
    """Hard-link a file already on disk with exactly these bytes instead of writing and
    fsyncing it again (it is durable already); ``False`` when it differs or cannot be."""
    try:
        info = existing.lstat()  # a symbolic link is never linked: it may lead elsewhere
        if not stat.S_ISREG(info.st_mode) or info.st_size != len(data) \
                or existing.read_bytes() != data:
            return False
        if path.exists():  # carried over: already a link to it
            return True
        path.parent.mkdir(parents=True, exist_ok=True)
        os.link(existing, path)
        return True
    except OSError:
        return False


def _write_file(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(path, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as error:
        if error.filename is None:  # write() and fsync() do not say which file
            raise OSError(error.errno, error.strerror, str(path)) from error
        raise


def _fsync_dir(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _swap(staging: Path, target: Path, output_root: Path) -> None:
    """Put ``staging`` in place of ``target``; afterwards ``staging`` holds the old files."""
    if not target.exists():
        os.rename(staging, target)
    elif not _exchange(staging, target):
        old = output_root / f".old-{target.name}-{os.getpid()}"
        os.rename(target, old)
        os.rename(staging, target)
        shutil.rmtree(old, ignore_errors=True)
    _fsync_dir(output_root)


_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _exchange(first: Path, second: Path) -> bool:
    """Swap two folders in one step; ``False`` where the system cannot do that."""
    renameat2 = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if renameat2 is None:  # not glibc >= 2.28 (e.g. musl, macOS)
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second),
                       _RENAME_EXCHANGE)
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EPERM):
        return False  # old kernel, or a file system without exchange: use two renames
    raise OSError(code, os.strerror(code), str(second))


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_file(path: Path, data: bytes) -> None:
    """Write one file whole or not at all: a temporary file beside it, fsynced, renamed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    with open(temporary, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
