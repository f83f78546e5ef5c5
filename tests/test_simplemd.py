"""The simple-paragraph fast path renders exactly what markdown-it-py and the policy do.

Every text it takes must give the same HTML as the parser (escaping, mentions linked,
emphasis, code, line breaks); anything else it must leave to the parser, which is where
the link, image and raw-HTML policy lives.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from bench.generate import project_files
from sopgen.core.model import markdown_texts, mention_pattern
from sopgen.reading.handbook import read_handbook
from sopgen.rendering.markdown import TextRenderer
from tests.conftest import FIXTURES

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {"KON-01": "#procedure-kon-01", "TEK-02": "#procedure-tek-02",
           "TEK-02#restore": "#step-tek-02-restore"}


def text_renderer(targets: dict[str, str], assets: Path) -> TextRenderer:
    return TextRenderer(targets, mention_pattern(set(targets)), assets,
                        shown={"TEK-02#restore": "step 3 of TEK-02"})


def parsed_html(renderer: TextRenderer, text: str) -> str:
    """What markdown-it-py with the policy gives, block parser and all."""
    return str(renderer.parser.render(text))


def check_same(renderer: TextRenderer, text: str) -> bool:
    """Whether the fast path took ``text``; if it did, its HTML is the parser's."""
    simple = renderer._simple_html(text)
    if simple is not None:
        assert f"<p>{simple}</p>\n" == parsed_html(renderer, text), repr(text)
    return simple is not None


WORDS = ["Buka", "menu", "KON-01", "TEK-02#restore", "TEK-02#gone", "MAN-09", "KON-010",
         "é", "→", '"kutip"', "it's", "10.00", "1.", "2)", "-", "+", "=", "---", "(", ")",
         ".", ",", ":", "?", "a/b", "https://x.org", "$", "%", "@", "^", "{x}", "ß", "İ"]
PIECES = st.one_of(
    st.sampled_from(WORDS),
    st.sampled_from(["*", "**", "***", "`", "``", " ", "  ", "   ", "\n", "\n\n", "\n    "]),
    st.sampled_from(["_", "[", "]", "<", ">", "&", "!", "#", "|", "~", "\\", "\t", "\r",
                     "\u00a0", "\u200b", "\x00", "\x85"]),  # others' syntax: parser only
    st.text(alphabet=st.characters(codec="utf-8"), max_size=3),
)


@settings(max_examples=3000, deadline=None)
@given(st.lists(PIECES, max_size=24).map("".join))
def test_random_texts_render_as_markdown_it_does(text: str) -> None:
    renderer = text_renderer(TARGETS, ROOT / "content" / "assets")
    event("fast path" if check_same(renderer, text) else "parser")


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(["Buka", "KON-01", "x", "1.", "(", ")", ".", ",", "?", '"',
                                 "*", "**", "`", " ", "  ", "\n", "\n "]),
                max_size=16).map("".join))
def test_texts_made_of_its_own_syntax_render_as_markdown_it_does(text: str) -> None:
    """Emphasis, code and line breaks in every arrangement: the cases it must judge."""
    renderer = text_renderer(TARGETS, ROOT / "content" / "assets")
    event("fast path" if check_same(renderer, text) else "parser")


def handbook_texts(project: Path) -> tuple[TextRenderer, list[str]]:
    checked = read_handbook(project)
    handbook = checked.handbook
    targets = {p.id: f"#procedure-{p.id.lower()}" for p in handbook.procedures}
    return (text_renderer(targets, checked.project.assets),
            list(dict.fromkeys(markdown_texts(handbook))))


@pytest.mark.parametrize("project", [ROOT, FIXTURES / "mini"], ids=["sample", "mini"])
def test_every_text_of_the_sample_renders_as_markdown_it_does(project: Path) -> None:
    renderer, texts = handbook_texts(project)
    taken = [text for text in texts if check_same(renderer, text)]
    if project == ROOT:
        assert len(taken) > len(texts) // 4  # the sample's bold menu names, code, lines


def test_every_text_of_a_generated_project_renders_as_markdown_it_does(
        tmp_path: Path) -> None:
    for relative, text in project_files(40, 8).items():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(text, encoding="utf-8")
    renderer, texts = handbook_texts(tmp_path)
    taken = [text for text in texts if check_same(renderer, text)]
    assert len(taken) > len(texts) // 4


@pytest.mark.parametrize("text", [
    "Click <b>here</b>", "[site](javascript:alert(1))", "![x](/etc/passwd)",
    "a &amp; b", "see <https://x.org>", "# Heading", "> quote", "- item", "1. first",
    "a\n\nb", "a\n---", "a\n===", "    code", "Tom_and_Jerry", "a \\* b", "~~gone~~",
    "a | b", "tab\there", "no\u00a0break", "**a*", "`a``b`", "** a**", "x**a**",
])
def test_other_syntax_goes_to_the_parser(text: str) -> None:
    """Raw HTML, links, images, entities, escapes, blocks: the policy's business."""
    renderer = text_renderer(TARGETS, ROOT / "content" / "assets")
    assert renderer._simple_html(text) is None


def test_what_it_renders_is_escaped_and_linked() -> None:
    renderer = text_renderer(TARGETS, ROOT / "content" / "assets")
    html = renderer.html('Tulis **"KON-01"** lalu `a"b`\nsee TEK-02#restore  \nend\n')
    assert html == ('<p>Tulis <strong>&quot;<a href="#procedure-kon-01" class="xref">'
                    'KON-01</a>&quot;</strong> lalu <code>a&quot;b</code>\nsee '
                    '<a href="#step-tek-02-restore" class="xref">step 3 of TEK-02</a><br />\n'
                    'end</p>\n')
