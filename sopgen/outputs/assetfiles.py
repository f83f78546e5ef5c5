"""The files of content/assets/ a handbook hands out or shows by link: attachments,
figures and the files its texts link to, copied beside the HTML and Markdown handbooks and
into each version of the site, so that ``assets/NAME`` links work there. Only what this
handbook (this edition, this role) names is copied, and only from inside content/assets/."""

from __future__ import annotations

import re
from pathlib import Path

from sopgen.core.model import MAX_ASSET_BYTES, Handbook, flat_steps
from sopgen.core.svg import Unreadable, is_svg, sanitise
from sopgen.core.textscan import texts_with

ASSET_IN_TEXT = re.compile(r"(?<![\w/.])assets/[A-Za-z0-9_][A-Za-z0-9_./-]*")


_NAMED: list[tuple[Handbook, list[str]]] = []  # the last handbook asked about: the
# HTML and the Markdown handbook of one build ask for the same, and walking every text
# of a large handbook is not free


def referenced_assets(handbook: Handbook) -> list[str]:
    """``assets/…`` names the handbook refers to, once each, in order."""
    if _NAMED and _NAMED[0][0] is handbook:
        return list(_NAMED[0][1])
    names = _named_assets(handbook)
    _NAMED[:] = [(handbook, names)]
    return list(names)


def _named_assets(handbook: Handbook) -> list[str]:
    names = [a.file for p in handbook.procedures for a in p.attachments]
    names += [f.file for p in handbook.procedures for _, step in flat_steps(p)
              for f in step.figures]
    names += [m.group().rstrip(".") for text in texts_with(handbook, "assets/")
              for m in ASSET_IN_TEXT.finditer(text)]
    return list(dict.fromkeys(names))


def asset_copies(handbook: Handbook, assets: Path) -> dict[str, bytes]:
    """Each referenced asset that is a file inside ``assets``, by its ``assets/…`` name."""
    inside = assets.resolve()
    copies = {}
    for name in referenced_assets(handbook):
        path = (assets.parent / name).resolve()
        if inside in path.parents and path.is_file() and \
                path.stat().st_size <= MAX_ASSET_BYTES:
            data = path.read_bytes()
            try:  # an SVG keeps only its safe parts, as when it is inlined
                copies[name] = sanitise(data)[0] if is_svg(path.name) else data
            except Unreadable:  # reported by validate; never published as it is
                continue
    return copies
