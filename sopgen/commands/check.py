"""``check``: ``validate`` plus every warning a build would give, without building."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

from sopgen.core.errors import ValidationFailed
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
    checked = replace(checked, problems=checked.problems + [p for p in found
                                                             if p not in checked.problems])
    if strict and checked.problems:
        raise ValidationFailed([replace(p, severity="error") for p in checked.problems],
                               checked.handbook.document.language)
    return checked
