"""Releases: a released version is frozen as a snapshot of its resolved content.

``releases/<version>.yaml`` holds the merged content of that version exactly as it
was released, so it can be rebuilt and compared without git. Content whose snapshot
matches is "released"; anything else builds as a draft.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from .pipeline import Checked
from .yamlread import LMap, LSeq

HEADER = "# sopgen release snapshot: the frozen content of this version. Do not edit.\n"


def plain(value: object) -> object:
    """Located data as plain dicts, lists and strings, in written order."""
    if isinstance(value, LMap | dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, LSeq | list):
        return [plain(item) for item in value]
    return None if value is None else str(value)


def snapshot_text(raw: LMap) -> str:
    """The canonical text of a project's content: equal text, equal content."""
    body = yaml.dump(plain(raw), Dumper=_Dumper, sort_keys=False, allow_unicode=True,
                     width=100, default_flow_style=False)
    return HEADER + body


def snapshot_path(checked: Checked, version: str | None = None) -> Path:
    return checked.project.releases / f"{version or checked.handbook.document.version}.yaml"


def released_versions(releases: Path) -> list[str]:
    from .model import VERSION

    names = [path.stem for path in releases.glob("*.yaml") if VERSION.match(path.stem)]
    return sorted(names, key=lambda v: tuple(int(part) for part in v.split(".")))


def is_released(checked: Checked) -> bool:
    path = snapshot_path(checked)
    return path.is_file() and path.read_text(encoding="utf-8") == snapshot_text(checked.raw)


class _Dumper(yaml.SafeDumper):
    """Quote every string, so the snapshot reads back as the same text."""


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    style = "|" if "\n" in data else '"'
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _represent_str)
