"""``check``: ``validate`` plus every warning a build would give, without building."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

from sopgen.commands.adoption import adoption_drift, drift_problems
from sopgen.core.catalogue import catalogue
from sopgen.core.errors import ValidationFailed
from sopgen.outputs.editions import edition_contents
from sopgen.reading.handbook import Checked, read_handbook
from sopgen.reading.releases import edited_release
from sopgen.rendering.render import text_problems


def check_project(folder: Path | str, *, strict: bool = False,
                  today: dt.date | None = None) -> Checked:
    """``validate`` plus every warning a build would give, found without building;
    with ``strict`` a warning fails like an error."""
    checked = read_handbook(folder, today=today)
    found = text_problems(checked.handbook, checked.project.root, assets=checked.project.assets)
    found += edited_release(checked)
    found += drift_problems(adoption_drift(checked), catalogue(checked.handbook.document.language))
    checked = replace(checked, problems=checked.problems + [p for p in found
                                                             if p not in checked.problems])
    if strict and checked.problems:
        raise ValidationFailed([replace(p, severity="error") for p in checked.problems],
                               checked.handbook.document.language)
    return checked


def edition_lines(checked: Checked) -> list[str]:
    """Which procedures each edition holds: its count, and what it leaves out."""
    handbook = checked.handbook
    words = catalogue(handbook.document.language)
    every = [p.id for p in handbook.procedures]
    lines = []
    for edition, ids in edition_contents(handbook).items():
        missing = [ident for ident in every if ident not in ids]
        line = words.label("edition_contents").format(edition=words.edition(edition),
                                                         count=len(ids))
        if missing:
            line += words.label("edition_leaves_out").format(ids=", ".join(missing))
        lines.append(line)
    return lines
