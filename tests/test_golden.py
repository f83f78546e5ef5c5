"""Every deterministic output compared byte for byte with its golden file.

After an intended output change: ``.venv/bin/python -m tests.golden``, then review
``git diff tests/golden/`` — that diff is the review of the change.
"""

from __future__ import annotations

import pytest

from tests import golden

HOW = "regenerate with `python -m tests.golden` and review the diff"


@pytest.mark.parametrize("name", list(golden.PROJECTS))
def test_outputs_match_golden_files(name: str) -> None:
    produced, stored = golden.outputs(name), golden.stored(name)
    assert sorted(produced) == sorted(stored), HOW
    differing = [path for path in produced if produced[path] != stored[path]]
    assert not differing, f"{len(differing)} differ, first {differing[:5]}: {HOW}"
