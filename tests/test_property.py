"""Any input gives a handbook or a clean user error — never a traceback.

Hypothesis feeds sopgen mutated copies of the mini fixture (lines deleted, duplicated,
re-indented, random Unicode inserted, values replaced), random YAML structures and
random text, through ``read_handbook`` and a Markdown + HTML build; a few examples
also go through the PDF. The only acceptable failure is a ``SopgenError``.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from sopgen.commands.build import build_project
from sopgen.core.errors import SopgenError
from sopgen.outputs.table import BuildOptions
from tests.conftest import FIXTURES

MINI = FIXTURES / "mini"
FILES = ("content/document.yaml", "content/procedures.yaml")
ORIGINAL = {name: (MINI / name).read_text() for name in FILES}


def quick(examples: int) -> settings:
    """Few enough examples that the whole file runs in well under a minute."""
    return settings(max_examples=examples, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# Characters that have broken YAML tools and renderers: controls, BOM, bidi overrides,
# zero-width, surrogates are excluded by Hypothesis; plus YAML and Markdown syntax.
NASTY = st.sampled_from([
    "\t", "\x00", "\x1b", "\r", "\u2028", "\ufeff", "\u202e", "\u200b", "\u00a0", ": ", "- ",
    "#", "&a", "*a", "!!str", "!!python/object:os.system", "<<: ", "{", "}", "[", "]", "|",
    ">", "'", '"', "%YAML 1.1", "---", "...", "? ", "<script>", "{{ 7*7 }}", "TEK-99",
    "![x](/etc/passwd)", "[x](javascript:x)", "~", "null", "1.10", "2024-02-30", "yes",
])
UNICODE = st.text(st.characters(codec="utf-8"), max_size=12)
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                    st.text(max_size=30), NASTY)


def outcome(project: Path, formats: tuple[str, ...] = ("md", "html")) -> str:
    """``built`` or ``refused``; any other exception fails the test with its traceback."""
    try:
        build_project(project, BuildOptions(formats=list(formats)), output=project / "out")
    except SopgenError as error:
        assert error.lines() and all(isinstance(line, str) for line in error.lines())
        event("refused")  # shown by --hypothesis-show-statistics: both must be common
        return "refused"
    event("built")
    return "built"


def with_project(files: dict[str, str], check: Callable[[Path], str]) -> str:
    with tempfile.TemporaryDirectory() as folder:
        project = Path(folder) / "mini"
        shutil.copytree(MINI, project, ignore=shutil.ignore_patterns("expected*"))
        for name, text in files.items():
            (project / name).write_text(text, encoding="utf-8", errors="surrogatepass")
        return check(project)


# ---------------------------------------------------------------- mutating the fixture

def _delete(lines: list[str], at: int, _: str) -> None:
    del lines[at]


def _duplicate(lines: list[str], at: int, _: str) -> None:
    lines.insert(at, lines[at])


def _insert(lines: list[str], at: int, text: str) -> None:
    cut = len(lines[at]) // 2
    lines[at] = lines[at][:cut] + text + lines[at][cut:]


def _indent(lines: list[str], at: int, text: str) -> None:
    lines[at] = " " * (len(text) % 5) + lines[at].lstrip(" ") if text else "  " + lines[at]


def _replace_value(lines: list[str], at: int, text: str) -> None:
    key, colon, _ = lines[at].partition(": ")
    lines[at] = f"{key}{colon or ': '}{text}"


def _quoted_value(lines: list[str], at: int, text: str) -> None:
    """A new value that is still well-formed YAML, so the handbook usually builds."""
    key, colon, value = lines[at].partition(": ")
    if colon and value and value[0] not in "[{|>&*!":
        lines[at] = f"{key}: {json.dumps(text)}"


MUTATIONS = [_delete, _duplicate, _insert, _indent, _replace_value, _quoted_value,
             _quoted_value]


@st.composite
def mutated(draw: st.DrawFn, mutations: tuple[Callable[..., None], ...] = tuple(MUTATIONS),
            ) -> dict[str, str]:
    name = draw(st.sampled_from(FILES))
    lines = ORIGINAL[name].splitlines()
    for _ in range(draw(st.integers(1, 4))):
        mutation = draw(st.sampled_from(mutations))
        at = draw(st.integers(0, len(lines) - 1))
        mutation(lines, at, draw(st.one_of(UNICODE, NASTY)))
        if not lines:
            break
    return {name: "\n".join(lines) + "\n"}


@quick(120)
@given(files=mutated())
def test_mutated_fixture_builds_or_is_refused(files: dict[str, str]) -> None:
    assert with_project(files, outcome) in ("built", "refused")


# -------------------------------------------------------------- random structures

JSONISH = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.one_of(st.text(max_size=12), NASTY), inner,
                                            max_size=4)),
    max_leaves=25,
)
KEYS = st.sampled_from(["document", "pillars", "roles", "procedures", "procedure",
                        "glossary", "revisions", "extra"])


@quick(80)
@given(key=KEYS, value=JSONISH, replace=st.booleans())
def test_random_structures_build_or_are_refused(key: str, value: object, replace: bool) -> None:
    text = yaml.safe_dump({key: value}, allow_unicode=True)
    files = {"content/random.yaml": text}
    if replace:  # take the place of a real section, so it is validated, not merged twice
        files = {"content/procedures.yaml": text} if key.startswith("proc") else {
            "content/document.yaml": ORIGINAL["content/document.yaml"].split("\nroles:")[0]
            + "\n" + text}
    assert with_project(files, outcome) in ("built", "refused")


@quick(80)
@given(text=st.one_of(st.text(max_size=300),
                      st.lists(st.one_of(NASTY, UNICODE), max_size=30).map("".join)))
def test_random_text_files_build_or_are_refused(text: str) -> None:
    assert with_project({"content/random.yaml": text}, outcome) in ("built", "refused")


@quick(120)
@given(field=st.sampled_from(["title", "purpose", "scope", "trigger", "steps", "id"]),
       text=st.lists(st.one_of(NASTY, UNICODE, st.text(max_size=20)), max_size=12).map("".join))
def test_random_text_in_fields_builds_or_is_refused(field: str, text: str) -> None:
    procedure: dict[str, object] = {
        "id": "KON-09", "title": "Random", "pillar": "content", "purpose": "Random.",
        "responsible": ["admin"], "frequency": "event", "trigger": "Something.",
        "steps": ["Do it."]}
    procedure[field] = [text] if field == "steps" else text
    text = yaml.safe_dump({"procedure": procedure}, allow_unicode=True)
    assert with_project({"content/random.yaml": text}, outcome) in ("built", "refused")


# --------------------------------------------------------------------------- PDF too

@quick(4)
@given(files=mutated((_quoted_value,)))
def test_mutated_fixture_through_the_pdf(files: dict[str, str]) -> None:
    assert with_project(files, lambda p: outcome(p, ("pdf",))) in ("built", "refused")
