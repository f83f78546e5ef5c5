"""A large handbook renders in forked processes; it must not show in what comes out."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sopgen import render
from sopgen.labels import format_problems
from sopgen.pipeline import read_handbook
from tests.test_hardening import make_hostile


def rendered(project: Path, monkeypatch: pytest.MonkeyPatch, *, parallel: bool,
             formats: list[str]) -> tuple[dict[str, bytes], list[str], set[str]]:
    monkeypatch.setattr(render, "PARALLEL_FROM", 1 if parallel else 10**9)
    monkeypatch.setattr(render, "available_cores", lambda: 2)
    checked = read_handbook(project)
    out = render.render_formats(checked.handbook, project, formats,
                                assets=checked.project.assets, draft=True)
    return out.files, format_problems(out.problems), out.used_assets


@pytest.mark.parametrize("formats", [["md", "html", "pdf"], ["html"], ["md", "html"]])
def test_forked_rendering_gives_the_same_bytes_and_warnings(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, formats: list[str]) -> None:
    project = tmp_path / "hostile"
    make_hostile(project, port=9)  # raw HTML, unsafe links and images: warnings to carry
    one_process = rendered(project, monkeypatch, parallel=False, formats=formats)
    forked = rendered(project, monkeypatch, parallel=True, formats=formats)
    files, warnings, _ = one_process
    assert len(files) == len(formats)
    assert any("HTML in the text" in w for w in warnings)
    assert any("link to" in w for w in warnings) and any("image" in w for w in warnings)
    assert forked == one_process


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab \n*_`[]()!<>&#-:\\~|=+.1\té")), max_size=60))
def test_fast_text_rule_gives_the_same_html_as_markdown_its_own(text: str) -> None:
    from markdown_it import MarkdownIt

    from sopgen.markdown import _text_run

    theirs = MarkdownIt("commonmark").enable("table")
    ours = MarkdownIt("commonmark").enable("table")
    ours.inline.ruler.at("text", _text_run)
    assert ours.render(text) == theirs.render(text)


def test_cycle_collector_runs_again_after_a_build(mini: Path) -> None:
    assert gc.isenabled()
    read_handbook(mini)
    assert gc.isenabled()
    gc.disable()  # a caller that paused it itself keeps it paused
    try:
        read_handbook(mini)
        assert not gc.isenabled()
    finally:
        gc.enable()
