"""Languages without editing the package: label catalogues a project (or its workspace)
brings in labels/<code>.toml, checked before use, and `sopgen labels --missing`."""

from __future__ import annotations

import re
import shutil
import tomllib
from pathlib import Path

import cmarkgfm
import pytest
from typer.testing import CliRunner

from sopgen.api import text_outputs
from sopgen.cli import app
from sopgen.core.catalogue import package_tables
from sopgen.core.errors import ValidationFailed
from sopgen.reading.handbook import read_handbook

runner = CliRunner()
JAVANESE = {"contents": "Isi", "document_control": "Pangendhalèn dokumen",
            "version": "Vèrsi", "owner": "Sing nduwèni"}


def speak(project: Path, code: str) -> None:
    path = project / "content" / "document.yaml"
    path.write_text(re.sub(r"language: \w+", f"language: {code}", path.read_text()))


def javanese_catalogue(project: Path, *, drop: tuple[str, ...] = ()) -> Path:
    """labels/jv.toml as a translator starts it: `sopgen labels --missing jv`, with the
    handbook's words translated (here a few) and the locale set; messages left out."""
    result = runner.invoke(app, ["labels", "--missing", "jv", str(project)])
    assert result.exit_code == 0, result.output
    text = result.stdout.split("\n[messages]")[0]  # handbook words only: messages fall back
    text = text.replace('babel_locale = "en_GB"', 'babel_locale = "jv_ID"')
    text = text.replace('name = "English"', 'name = "Basa Jawa"')
    for key, word in JAVANESE.items():
        text = re.sub(rf"(?m)^{key} = .*$", f'{key} = "{word}"', text)
    for key in drop:
        text = re.sub(rf"(?m)^{key} = .*\n", "", text)
    path = project / "labels" / "jv.toml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)
    return path


def problems(project: Path) -> list[str]:
    with pytest.raises(ValidationFailed) as failure:
        read_handbook(project)
    return failure.value.lines()


def test_a_project_brings_javanese(mini: Path) -> None:
    javanese_catalogue(mini)
    speak(mini, "jv")
    checked = read_handbook(mini)
    assert checked.handbook.document.language == "jv"
    files = text_outputs(checked)
    markdown = next(data for name, data in files.items() if name.endswith(".md")).decode()
    html = cmarkgfm.github_flavored_markdown_to_html(markdown)
    assert "<h2>Isi</h2>" in html and "Pangendhalèn dokumen" in html
    assert "1 Maret 2024" in markdown  # dates as jv_ID writes them (effective 2024-03-01)
    page = next(data for name, data in files.items() if name.endswith(".html")
                and ".print." not in name).decode()
    assert '<html lang="jv"' in page


def test_a_missing_label_is_an_error_that_names_it(mini: Path) -> None:
    javanese_catalogue(mini, drop=("contents", "approved_by"))
    speak(mini, "jv")
    lines = problems(mini)
    assert len(lines) == 1
    assert lines[0].startswith("labels/jv.toml: error: the jv catalogue lacks 2 word(s)")
    assert "labels.contents" in lines[0] and "labels.approved_by" in lines[0]


def test_messages_fall_back_to_english(mini: Path) -> None:
    javanese_catalogue(mini)
    speak(mini, "jv")
    path = mini / "content" / "procedures.yaml"
    path.write_text(path.read_text().replace("accountable: coordinator",
                                             "accountable: coordinater", 1))
    [line] = problems(mini)
    assert "error: there is no role with id 'coordinater'" in line


def test_mistakes_in_a_catalogue_are_named_with_their_line(mini: Path) -> None:
    path = javanese_catalogue(mini)
    speak(mini, "jv")
    text = path.read_text()
    text = text.replace('contents = "Isi"', 'contents = "Isi {count}"\ncontens = "Isi"')
    text = text.replace('babel_locale = "jv_ID"', 'babel_locale = "xx_QQ"')
    path.write_text(text)
    lines = problems(mini)
    at = {key: text.splitlines().index(next(line for line in text.splitlines()
                                            if line.startswith(key))) + 1
          for key in ("contents =", "contens =", "babel_locale =")}
    assert f"labels/jv.toml:{at['contents =']}:1: error: contents in [labels] has a brace" \
        in "\n".join(lines)
    assert any(line.startswith(f"labels/jv.toml:{at['contens =']}:1: error: 'contens' is "
                               "not a key of [labels] (did you mean 'contents'?)")
               for line in lines)
    assert any(line.startswith(f"labels/jv.toml:{at['babel_locale =']}:1: error: 'xx_QQ'")
               for line in lines)
    assert not any("is not a language sopgen has labels for" in line for line in lines)


def test_a_placeholder_the_text_cannot_be_given_is_refused(mini: Path) -> None:
    (mini / "labels").mkdir()
    (mini / "labels" / "en.toml").write_text(
        '[labels]\ncli_wrote = "wrote {paht}"\n[messages]\nunknown_role = "no {role"\n')
    lines = problems(mini)
    assert any("labels/en.toml:2:1: error: cli_wrote in [labels] has a placeholder" in line
               and "{path}" in line for line in lines)
    assert any(line.startswith("labels/en.toml:4:1: error: unknown_role in [messages]")
               for line in lines)


def test_a_language_without_a_catalogue_is_refused(mini: Path) -> None:
    speak(mini, "jv")
    [line] = problems(mini)
    assert line.startswith("content/document.yaml:11:13: error: 'jv' is not a language")
    assert "use one of: en, id, or add labels/jv.toml" in line
    speak(mini, "Jawa")
    [line] = problems(mini)
    assert "'Jawa' is not a language code" in line


def test_some_english_labels_reworded(mini: Path) -> None:
    (mini / "labels").mkdir()
    (mini / "labels" / "en.toml").write_text('[labels]\ncontents = "In this handbook"\n')
    files = text_outputs(read_handbook(mini))
    markdown = next(data for name, data in files.items() if name.endswith(".md")).decode()
    assert "## In this handbook" in markdown
    assert "Document control" in markdown  # every other label as sopgen has it


def test_a_workspace_catalogue_serves_its_partners(tmp_path: Path, mini: Path) -> None:
    workspace = tmp_path / "ws"
    partner = workspace / "lentera"
    workspace.mkdir()
    mini.rename(partner)
    (workspace / "sopgen-workspace.toml").write_text('partners = ["lentera"]\n')
    javanese_catalogue(partner)
    (partner / "labels" / "jv.toml").rename(workspace / "labels.jv.toml")
    (partner / "labels").rmdir()
    (workspace / "labels").mkdir()
    (workspace / "labels.jv.toml").rename(workspace / "labels" / "jv.toml")
    speak(partner, "jv")
    (partner / "labels").mkdir()  # the partner rewords one word of the shared catalogue
    (partner / "labels" / "jv.toml").write_text('[labels]\ncontents = "Daftar isi"\n')
    markdown = next(data for name, data in text_outputs(read_handbook(partner)).items()
                    if name.endswith(".md")).decode()
    assert "## Daftar isi" in markdown and "Pangendhalèn dokumen" in markdown


def test_labels_missing_lists_what_to_translate(mini: Path) -> None:
    result = runner.invoke(app, ["labels", "--missing", "jv", str(mini)])
    assert result.exit_code == 0
    listed = tomllib.loads(result.stdout)  # TOML, ready to paste
    english = package_tables("en")
    assert {table: set(keys) for table, keys in listed.items()} == \
        {table: set(keys) for table, keys in english.items()}
    assert listed["labels"]["contents"] == "Contents"  # with its English text
    javanese_catalogue(mini)
    result = runner.invoke(app, ["labels", "--missing", "jv", str(mini)])
    left = tomllib.loads(result.stdout)
    assert set(left) == {"messages", "fields", "field_labels", "item_labels"}  # may wait
    result = runner.invoke(app, ["labels", "--missing", "en", str(mini)])
    assert result.stdout.strip() == "# the en catalogue has every label"
    result = runner.invoke(app, ["labels", "--missing", "Jawa", str(mini)])
    assert result.exit_code == 2 and "not a language code" in result.output


def markdown_of(project: Path) -> str:
    files = text_outputs(read_handbook(project))
    return next(data for name, data in files.items() if name.endswith(".md")).decode()


def test_each_project_speaks_its_own_catalogues(tmp_path: Path, mini: Path) -> None:
    """Projects read one after another in one process (a batch of partners) each print
    their own words, never the previous project's."""
    other, plain = tmp_path / "other", tmp_path / "plain"
    shutil.copytree(mini, other)
    shutil.copytree(mini, plain)
    for project in (mini, other):
        javanese_catalogue(project)
        speak(project, "jv")
    path = other / "labels" / "jv.toml"
    path.write_text(path.read_text().replace('contents = "Isi"', 'contents = "Daftar isi"'))
    (plain / "labels").mkdir()
    (plain / "labels" / "en.toml").write_text('[labels]\ncontents = "In this handbook"\n')
    assert "## Isi" in markdown_of(mini)
    assert "## Daftar isi" in markdown_of(other)
    assert "## In this handbook" in markdown_of(plain)
    assert "## Isi" in markdown_of(mini)
    shutil.rmtree(plain / "labels")  # the preview re-reads a project after every save
    assert "## Contents" in markdown_of(plain)
