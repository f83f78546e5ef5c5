"""A large handbook renders in forked processes; it must not show in what comes out."""

from __future__ import annotations

import gc
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sopgen.core.catalogue import format_problems
from sopgen.reading.handbook import read_handbook
from sopgen.rendering import render
from tests.conftest import write
from tests.test_hardening import make_hostile


def rendered(project: Path, monkeypatch: pytest.MonkeyPatch, *, parallel: bool,
             formats: list[str]) -> tuple[dict[str, bytes], list[str]]:
    monkeypatch.setattr(render, "PARALLEL_FROM", 1 if parallel else 10**9)
    monkeypatch.setattr(render, "can_fork", lambda: True)
    render._RENDERED.clear()  # texts rendered by the run before would leave none to parse
    checked = read_handbook(project)
    out = render.render_formats(checked.handbook, project, formats,
                                assets=checked.project.assets, draft=True)
    return out.files, format_problems(out.problems)


# The same text in three fields, each rendered its own way (block, block, inline step).
REPEATED = """procedure:
  id: KON-03
  title: Repeated
  pillar: content
  purpose: "[js](javascript:alert(9))"
  scope: "[js](javascript:alert(9))"
  responsible: [admin]
  frequency: daily
  steps:
    - "[js](javascript:alert(9))"
"""
# A project's own template that shows only each procedure's purpose.
PURPOSES_ONLY = """<html><body>
{% for p in handbook.procedures %}<h2>{{ p.title }}</h2>{{ p.purpose | md }}{% endfor %}
</body></html>
"""


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    project = tmp_path / "hostile"
    make_hostile(project, port=9)  # raw HTML, unsafe links and images: warnings to carry
    write(project, "content/repeated.yaml", REPEATED)
    return project


@pytest.mark.parametrize("formats", [["md", "html", "pdf"], ["html"], ["md", "html"]])
def test_forked_rendering_gives_the_same_bytes_and_warnings(
        hostile: Path, monkeypatch: pytest.MonkeyPatch, formats: list[str]) -> None:
    forks: list[list[str]] = []
    in_parallel = render._render_in_parallel
    monkeypatch.setattr(render, "_render_in_parallel",
                        lambda *args: forks.append(args[1]) or in_parallel(*args))
    one_process = rendered(hostile, monkeypatch, parallel=False, formats=formats)
    forked = rendered(hostile, monkeypatch, parallel=True, formats=formats)
    assert forks == [formats]  # the second run did fork, the first did not
    files, warnings = one_process
    assert len(files) == len(formats)
    assert any("HTML in the text" in w for w in warnings)
    assert any("link to" in w for w in warnings) and any("image" in w for w in warnings)
    repeated = [w.split(": warning")[0] for w in warnings if "alert(9)" in w]
    assert repeated == ["content/repeated.yaml:5:12", "content/repeated.yaml:6:10",
                        "content/repeated.yaml:10:7"]  # every place, not only the first
    assert forked == one_process


def test_warnings_are_for_what_the_template_shows(
        hostile: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(hostile, "templates/handbook.html.j2", PURPOSES_ONLY)
    one_process = rendered(hostile, monkeypatch, parallel=False, formats=["html"])
    forked = rendered(hostile, monkeypatch, parallel=True, formats=["html"])
    assert forked == one_process
    warnings = one_process[1]
    assert any("hostile.yaml:5:" in w and "HTML in the text" in w for w in warnings)
    assert not any("image" in w for w in warnings)  # out_of_scope is not shown
    assert [w.split(": warning")[0] for w in warnings if "alert(9)" in w] == [
        "content/repeated.yaml:5:12"]


def test_fast_text_rule_stops_where_markdown_its_own_does() -> None:
    from markdown_it.rules_inline.text import _TerminatorChars

    from sopgen.rendering.markdown import TEXT_RUN

    stops = {chr(code) for code in range(0x3000) if not TEXT_RUN.fullmatch(chr(code))}
    assert stops == _TerminatorChars


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab \n*_`[]()!<>&#-:\\~|=+.1\té$%@^{}")),
               max_size=60))
def test_fast_text_rule_gives_the_same_html_as_markdown_its_own(text: str) -> None:
    from markdown_it import MarkdownIt

    from sopgen.rendering.markdown import _text_run

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


@pytest.mark.parametrize(("made", "tidy"), [
    ("# Title\ntext\n## Part\n", "# Title\ntext\n\n## Part\n"),  # a heading gets its blank line
    ("text\n<a id=\"x\"></a>\n", "text\n\n<a id=\"x\"></a>\n"),
    ("a  \n   \n\n\n\nb\t\n", "a\n\nb\n"),  # trailing blanks gone, one blank line
    ("\n\n# Start\n", "# Start\n"),
    ("#hashtag\n", "#hashtag\n"),  # not a heading: no space after the marks
])
def test_tidy_markdown_leaves_one_blank_line_between_blocks(made: str, tidy: str) -> None:
    assert render.tidy_markdown(made) == tidy


def _tidy_by_regex(text: str) -> str:
    """The rule ``tidy_markdown`` keeps, written plainly."""
    text = re.sub(r"[ \t]+(?=\n|$)", "", text)
    text = re.sub(r"\n(?=#{1,6} |<a id=)", "\n\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(["\n", "\n\n\n\n", " ", "\t", "# ", "#", "<a id=", "a",
                                 "\r", "\u00a0"]), max_size=40).map("".join))
def test_tidy_markdown_matches_the_plain_rule(made: str) -> None:
    assert render.tidy_markdown(made) == _tidy_by_regex(made)


# --- images inlined with the media type ``mimetypes`` gives, known without its tables

def test_inlined_images_have_the_media_type_mimetypes_gives() -> None:
    import mimetypes

    from sopgen.reading.validate import IMAGE_TYPES
    from sopgen.rendering.markdown import IMAGE_KINDS

    assert set(IMAGE_KINDS) == set(IMAGE_TYPES)
    for suffix, kind in IMAGE_KINDS.items():
        for name in (f"logo{suffix}", f"LOGO{suffix.upper()}"):
            assert mimetypes.guess_type(name)[0] == kind


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(["\n", "\n\n\n", " ", "\t", "# ", "<a id=", "a", "\r",
                                 "\u00a0", "\u2014", "\u3000", "\x1c", "\x85", "é"]),
                max_size=40).map("".join))
def test_tidy_markdown_as_bytes_is_the_encoded_tidy_text(made: str) -> None:
    assert render.tidy_markdown_bytes(made) == render.tidy_markdown(made).encode()
