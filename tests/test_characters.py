"""Invisible and control characters: refused or removed with a word, never published.

A right-to-left override can make a step read the opposite of what it says, and a
zero-width space makes two ids that look the same differ. Every text field is checked,
and messages name the character by code point and Unicode name.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import cmarkgfm
import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from sopgen.cli import app
from sopgen.commands.build import build_project
from sopgen.core import chars
from sopgen.core.errors import ValidationFailed
from sopgen.outputs.table import BuildOptions
from sopgen.reading.handbook import read_handbook
from tests.conftest import FIXTURES, write

runner = CliRunner()


def procedure(**fields: str) -> str:
    values = {"id": "MAN-02", "title": "Extra", "pillar": "management",
              "purpose": "Extra purpose.", "responsible": "[admin]", "frequency": "daily",
              "steps": "\n    - Do it."}
    values.update(fields)
    return "procedure:\n" + "".join(f"  {key}: {value}\n" for key, value in values.items())


def errors_of(project: Path) -> list[str]:
    with pytest.raises(ValidationFailed) as failure:
        read_handbook(project)
    return [line for line in failure.value.lines() if ": error: " in line]


def test_validate_refuses_a_right_to_left_override_in_a_step(mini: Path) -> None:
    write(mini, "content/extra.yaml",
          procedure(steps="\n    - Do it.\n    - Do not \u202edelete the backup."))
    result = runner.invoke(app, ["validate", str(mini)])
    assert result.exit_code == 1
    assert ("content/extra.yaml:10:14: error: Steps (steps): the text contains U+202E "
            "RIGHT-TO-LEFT OVERRIDE, a control or direction-changing character") in result.output


@pytest.mark.parametrize(("value", "where", "char"), [
    ('"Ring \\a twice."', "content/extra.yaml:5:12", "U+0007 BELL"),  # an escape: the text
    ('"Isolate \u2067here\u2069."', "content/extra.yaml:5:21", "U+2067 RIGHT-TO-LEFT ISOLATE"),
    ('"C1 \\x9b control"', "content/extra.yaml:5:12", "U+009B CONTROL CHARACTER"),
])
def test_control_and_bidi_characters_are_refused_in_any_text(
        mini: Path, value: str, where: str, char: str) -> None:
    write(mini, "content/extra.yaml", procedure(purpose=value))
    errors = errors_of(mini)
    assert errors[0].startswith(
        f"{where}: error: Purpose (purpose): the text contains {char}"), errors


def test_a_raw_control_character_in_the_file_is_named_where_it_is(mini: Path) -> None:
    write(mini, "content/extra.yaml", procedure(title="Ring\u0007 twice"))
    assert errors_of(mini) == [
        "content/extra.yaml:3:14: error: the file contains U+0007 BELL, a control character "
        "that YAML does not allow — delete it (retype the text around it by hand)"]


def test_a_character_reference_that_decodes_to_an_override_is_refused(mini: Path) -> None:
    write(mini, "content/extra.yaml", procedure(purpose='"Keep &#x202E;this&#8294; safe."'))
    errors = errors_of(mini)
    assert [e.split(": the text contains ")[1].split(",")[0] for e in errors] == [
        "U+202E RIGHT-TO-LEFT OVERRIDE", "U+2066 LEFT-TO-RIGHT ISOLATE"]


def test_invisible_characters_in_text_are_removed_with_a_warning(mini: Path) -> None:
    write(mini, "content/extra.yaml",
          procedure(title="Ex\u200btra", purpose='"Soft\u00adhyphen and &zwnj;joiner."'))
    checked = read_handbook(mini)
    extra = checked.handbook.procedure("MAN-02")
    assert extra.title == "Extra" and extra.purpose == "Softhyphen and joiner."
    assert ("content/extra.yaml:3:12: warning: Title (title): the invisible character "
            "U+200B ZERO WIDTH SPACE was removed from the text — delete it in the file to stop "
            "this warning") in checked.warnings
    assert any("content/extra.yaml:5:17: warning: Purpose (purpose): the invisible character "
               "U+00AD SOFT HYPHEN was removed" in line for line in checked.warnings)
    assert any("U+200C ZERO WIDTH NON-JOINER was removed" in line for line in checked.warnings)


@pytest.mark.parametrize(("fields", "message"), [
    ({"responsible": "[\"admin\u200b\"]"},
     "content/extra.yaml:6:23: error: Responsible (responsible): 'admin⟨U+200B ZERO WIDTH "
     "SPACE⟩' contains the invisible character U+200B ZERO WIDTH SPACE"),
    ({"steps": "\n    - text: Do it.\n      role: \"admin\u2060\""},
     "content/extra.yaml:10:19: error: Role (role): 'admin⟨U+2060 WORD JOINER⟩' contains "
     "the invisible character U+2060 WORD JOINER"),
    ({"related": "[\"TEK-01\ufeff\"]"},
     "content/extra.yaml:10:20: error: Related procedures (related): 'TEK-01⟨U+FEFF ZERO "
     "WIDTH NO-BREAK SPACE⟩' contains the invisible character U+FEFF"),
    ({"references": "\n    - title: Docs\n      url: https://exa\u200bmple.org/"},
     "content/extra.yaml:12:23: error: Address (url): 'https://exa⟨U+200B ZERO WIDTH SPACE⟩"
     "mple.org/' contains the invisible character U+200B"),
], ids=["role-list", "step-role", "related", "url"])
def test_invisible_characters_in_ids_urls_and_role_names_are_errors(
        mini: Path, fields: dict[str, str], message: str) -> None:
    write(mini, "content/extra.yaml", procedure(**fields))
    errors = errors_of(mini)
    assert any(line.startswith(message) for line in errors), errors


def test_a_non_breaking_space_in_an_id_is_named_not_escaped(mini: Path) -> None:
    write(mini, "content/extra.yaml", procedure(id='"MAN-04\u00a0"'))
    assert errors_of(mini) == [
        "content/extra.yaml:2:7: error: ID (id): 'MAN-04⟨U+00A0 NO-BREAK SPACE⟩' is not a "
        "valid procedure id — use capital letters, a dash and a number, like TEK-05"]


def test_names_of_characters() -> None:
    assert chars.char_name("\u202e") == "U+202E RIGHT-TO-LEFT OVERRIDE"
    assert chars.char_name("\x1b") == "U+001B ESCAPE"
    assert chars.shown("a\u200bb\nc") == "a⟨U+200B ZERO WIDTH SPACE⟩b\\nc"


# ------------------------------------------------------------------ property

def _decoded(text: str) -> str:
    """A generated text as YAML reads it in double quotes (escapes decoded)."""
    return str(yaml.safe_load('"' + text.replace('"', "'") + '"'))


EVERY_CLASS = st.sampled_from(
    [chr(c) for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0))]
    + [chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))]
    + [chr(c) for c in (0xAD, 0x34F, 0x61C, 0x115F, 0x180E, *range(0x200B, 0x2010),
                        *range(0x2060, 0x2065), 0x206F, 0x3164, 0xFEFF, 0xFFA0, 0xFFF9,
                        0x1D173, 0xE0001, 0xE0041)]
    + ["&#x202E;", "&#8203;", "&zwnj;", "&lrm;", "&shy;", "&#x85;", "&#7;", "\\u202e",
       "\\a", "\\x85", "\\N", "\\_", "\u00a0"])
TEXT = st.lists(st.one_of(EVERY_CLASS, st.text(min_size=1, max_size=3)), min_size=1,
                max_size=6).map("".join)
INVISIBLE_ONLY = st.sampled_from(
    [chr(c) for c in (0xAD, 0x34F, 0x61C, 0x115F, 0x180E, *range(0x200B, 0x2010),
                      *range(0x2060, 0x2065), 0x206F, 0x3164, 0xFEFF, 0xFFA0, 0xFFF9,
                      0x1D173, 0xE0001, 0xE0041)]
    + ["&#8203;", "&zwnj;", "&lrm;", "&shy;", "\\u200b", "\\uFEFF"])
PLAIN = st.text(st.characters(whitelist_categories=("L", "N", "Zs"),
                              blacklist_characters="\u3000"), min_size=1, max_size=4)
MIXED = st.lists(st.one_of(INVISIBLE_ONLY, PLAIN), max_size=4).map("".join)
WORD = st.text(st.characters(whitelist_categories=("L", "N")), min_size=1, max_size=4)
INVISIBLE_TEXT = st.builds(lambda before, word, after: before + word + after, MIXED, WORD, MIXED)
FIELDS = ("title", "purpose", "scope", "trigger", "step", "note", "warning", "term",
          "definition", "ref_title", "org", "tools", "role_title", "role_description",
          "responsibility")


def hostile_fields(texts: dict[str, str]) -> str:
    def q(name: str) -> str:  # a double-quoted YAML scalar: escapes are read as written
        return '"' + texts[name].replace('"', "'") + '"'
    return (f"procedure:\n  id: MAN-02\n  title: {q('title')}\n  pillar: management\n"
            f"  purpose: {q('purpose')}\n  scope: {q('scope')}\n  responsible: [admin]\n"
            f"  frequency: event\n  trigger: {q('trigger')}\n  tools: [{q('tools')}]\n"
            f"  steps:\n    - text: {q('step')}\n      note: {q('note')}\n"
            f"      warning: {q('warning')}\n"
            f"  references:\n    - title: {q('ref_title')}\n      url: https://example.org/\n"
            f"glossary:\n  - term: {q('term')}\n    definition: {q('definition')}\n"
            f"roles:\n  - id: helper\n    title: {q('role_title')}\n"
            f"    description: {q('role_description')}\n"
            f"    responsibilities: [{q('responsibility')}]\n")


def _build(texts: dict[str, str]) -> tuple[list[str], list[str]] | list[str]:
    """Build a project holding ``texts``: (outputs, warnings), or the refusal's lines."""
    with tempfile.TemporaryDirectory() as folder:
        project = Path(folder) / "mini"
        shutil.copytree(FIXTURES / "mini", project, ignore=shutil.ignore_patterns("expected*"))
        document = project / "content" / "document.yaml"
        document.write_text(document.read_text().replace(
            "name: Example Community Association",
            f'name: "Org {texts["org"].replace(chr(34), chr(39))}"'))
        write(project, "content/extra.yaml", hostile_fields(texts))
        try:
            result = build_project(project, BuildOptions(formats=["md", "html"]))
        except ValidationFailed as failure:
            return failure.lines()
        markdown = next(result.folder.glob("*.md")).read_text()
        html = next(result.folder.glob("*.html")).read_text()
        return ([markdown, html, cmarkgfm.github_flavored_markdown_to_html(markdown)],
                result.warnings)


def assert_clean(outputs: list[str]) -> None:
    for output in outputs:
        found = chars.SUSPECT.search(output)
        assert found is None, chars.char_name(found.group())


QUICK = settings(max_examples=20, deadline=None, database=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@QUICK
@given(st.fixed_dictionaries({name: TEXT for name in FIELDS}))
def test_refused_characters_in_any_field_are_refused_by_name(texts: dict[str, str]) -> None:
    """Every class at once: the build is refused, or publishes none of them."""
    built = _build(texts)
    if isinstance(built, list):  # refused, with messages that show no such character
        event("refused")
        assert not chars.SUSPECT.search("\n".join(built))
        return
    event("published")
    outputs, warnings = built
    assert_clean(outputs)
    assert not chars.SUSPECT.search("\n".join(warnings))


@QUICK
@given(st.fixed_dictionaries({name: INVISIBLE_TEXT for name in FIELDS}))
def test_invisible_characters_in_any_field_are_removed_with_a_warning(
        texts: dict[str, str]) -> None:
    """Invisible characters only: published without them, and never silently."""
    built = _build(texts)
    assert not isinstance(built, list), built
    outputs, warnings = built
    assert_clean(outputs)
    assert not chars.SUSPECT.search("\n".join(warnings))
    if any(chars.SUSPECT.search(_decoded(text)) for text in texts.values()):
        assert any("the invisible character U+" in line for line in warnings)
