"""A content-addressed cache: values found by a hash of everything they were made from.

A key hashes the inputs (file bytes, content digests; theme and asset files by name, size
and modification time) together with sopgen's version, so
an entry can never be stale: changed inputs or a new sopgen make a new key. Values are
JSON, never pickles or code, so nothing in a cache is ever run; what they hold goes into
outputs, so a cache is trusted as the output folder it lives in is. Entries live in
``output/.cache/<kind>/`` and, for a long-running process such as the preview, in memory.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from sopgen import __version__

KEEP_PER_KIND = 64  # entries of one kind kept on disk; the oldest go first

_MEMOS: list[dict[Any, Any]] = []


def process_memo() -> dict[Any, Any]:
    """A dictionary that keeps values for the rest of this process (the preview runs
    for hours); ``forget`` empties every one."""
    memo: dict[Any, Any] = {}
    _MEMOS.append(memo)
    return memo


def forget() -> None:
    """Drop everything this process remembered: the next build is a clean one."""
    for memo in _MEMOS:
        memo.clear()


_MEMORY: dict[tuple[str, str], Any] = process_memo()  # entries of every Store


def user_cache(name: str) -> Path | None:
    """``$XDG_CACHE_HOME/sopgen/<version>/<name>`` (``~/.cache`` by default): for what is
    code, such as compiled templates, which must come only from this user's own files."""
    home = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    folder = Path(home) / "sopgen" / __version__ / name
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError:
        return None
    return folder


def digest(*parts: bytes | str) -> str:
    """The key of ``parts``: sha256 over sopgen's version and each part, length-prefixed."""
    hasher = hashlib.sha256(__version__.encode())
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        hasher.update(len(data).to_bytes(8, "big"))
        hasher.update(data)
    return hasher.hexdigest()


# The digest of a model object's whole content, kept on the (frozen) object once made: the
# rendering's key for a procedure's sections; a procedure from the reading cache comes with it.
CONTENT_MEMO = "_content_digest_memo"


def content_key(value: object) -> str:
    """``digest(repr(value))``, made once per object."""
    known: str | None = getattr(value, CONTENT_MEMO, None)
    if known is None:
        known = digest(repr(value))
        object.__setattr__(value, CONTENT_MEMO, known)
    return known


class Store:
    """JSON values by kind and key, in memory and (when given a folder) on disk."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder

    def get(self, kind: str, key: str) -> Any:
        if (kind, key) in _MEMORY:
            return _MEMORY[kind, key]
        if self.folder is None:
            return None
        try:
            value = json.loads((self.folder / kind / f"{key}.json").read_bytes())
        except (OSError, ValueError):  # missing, or cut short: made again
            return None
        _MEMORY[kind, key] = value
        return value

    def put(self, kind: str, key: str, value: Any, *, keep: int = KEEP_PER_KIND) -> None:
        if len(_MEMORY) > 4096:  # a preview running all day: start afresh
            _MEMORY.clear()
        _MEMORY[kind, key] = value
        if self.folder is None:
            return
        folder = self.folder / kind
        try:
            folder.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(prefix=f".{key}.", dir=folder)
            with os.fdopen(handle, "w", encoding="utf-8") as out:  # two builds may share it
                out.write(json.dumps(value, ensure_ascii=False))  # C encoder: json.dump is not
            os.replace(temporary, folder / f"{key}.json")
            _prune(folder, keep)
        except OSError:  # a cache that cannot be written only costs time
            return


def _prune(folder: Path, keep: int) -> None:
    entries = sorted(folder.glob("*.json"), key=lambda path: path.stat().st_mtime_ns)
    for path in entries[:-keep]:
        path.unlink(missing_ok=True)
