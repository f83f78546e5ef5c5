"""Mistakes outside the YAML (templates, paths, ports) and odd values are user errors too."""

from __future__ import annotations

import datetime as dt
import os
import signal
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sopgen.cli import app
from sopgen.commands.build import build_project
from sopgen.commands.release import release_project
from sopgen.core.errors import OptionError, SopgenError, ValidationFailed
from sopgen.core.model import add_months
from sopgen.core.problems import Loc, Problem
from sopgen.outputs.table import BuildOptions
from sopgen.reading.handbook import read_handbook
from tests.conftest import next_version_of, write

runner = CliRunner()


def test_a_broken_project_template_names_file_and_line(mini: Path, tmp_path: Path) -> None:
    write(mini, "templates/handbook.md.j2", "# {{ doc.title }}\n{{ doc.titel }}\n")
    with pytest.raises(SopgenError) as caught:
        build_project(mini, BuildOptions(formats=["md"]), output=tmp_path)
    assert caught.value.lines()[0].startswith("templates/handbook.md.j2:2:0: error: the "
                                              "template cannot be used")
    write(mini, "templates/handbook.md.j2", "{% if %}\n")
    result = runner.invoke(app, ["build", str(mini), "-f", "md", "-o", str(tmp_path)])
    assert result.exit_code == 1 and "templates/handbook.md.j2:1" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("value", ['"2.1.0\\n"', "|\n    2.1.0"])
def test_a_version_with_a_line_break_is_refused(mini: Path, value: str) -> None:
    document = mini / "content" / "document.yaml"
    document.write_text(document.read_text().replace('version: "1.2.0"', f"version: {value}", 1))
    with pytest.raises(ValidationFailed, match="is not a version number"):
        read_handbook(mini)


def test_carriage_returns_become_line_breaks(mini: Path, tmp_path: Path) -> None:
    write(mini, "content/extra.yaml", 'glossary:\n  - term: "CR"\n    definition: "a\\rb"\n')
    assert read_handbook(mini).handbook.glossary[-1].definition == "a\nb"


def test_months_are_added_without_losing_the_day() -> None:
    assert add_months(dt.date(2025, 5, 31), 12) == dt.date(2026, 5, 31)
    assert add_months(dt.date(2025, 1, 31), 1) == dt.date(2025, 2, 28)


def test_far_future_dates_are_refused_not_crashing(mini: Path) -> None:
    document = mini / "content" / "document.yaml"
    document.write_text(document.read_text().replace("effective_date: 2024-03-01",
                                                     "effective_date: 9999-06-01"))
    with pytest.raises(ValidationFailed, match="is not a date"):
        read_handbook(mini)


def test_diff_shows_control_characters_instead_of_sending_them(mini: Path) -> None:
    release_project(mini, output=mini / "out")
    procedures = mini / "content" / "procedures.yaml"
    procedures.write_text(procedures.read_text().replace(
        "title: Back up the database", 'title: "Back up \\e]0;pwned\\a"'))
    result = runner.invoke(app, ["diff", "1.2.0", "current", str(mini)])
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert result.exit_code == 1 and "U+001B ESCAPE" in result.output  # refused, and named


def test_publish_drops_pages_a_newer_release_removed(mini: Path) -> None:
    from sopgen.commands.publish import publish

    release_project(mini)
    assert (publish(mini, edition="internal").folder / "latest" / "kon-01.html").is_file()
    next_version_of(mini, "1.3.0", "2024-06-01", summary="KON-01 removed.")
    procedures = mini / "content" / "procedures.yaml"
    procedures.write_text(procedures.read_text().split("  - id: KON-01")[0])
    release_project(mini)
    site = publish(mini, edition="internal").folder
    assert not (site / "latest" / "kon-01.html").exists()
    assert (site / "1.2.0" / "kon-01.html").is_file()


def test_cli_turns_file_system_errors_into_one_line(tmp_path: Path) -> None:
    result = runner.invoke(app, ["schema", "-o", str(tmp_path / "missing" / "s.json")])
    assert result.exit_code == 1 and "error:" in result.output
    assert "Traceback" not in result.output
    (tmp_path / "afile").write_text("x")
    result = runner.invoke(app, ["init", str(tmp_path / "afile")])
    assert result.exit_code == 1 and "Traceback" not in result.output


def test_serve_answers_only_to_its_own_host_name(mini: Path) -> None:
    from sopgen.commands.serve import start

    server = start(mini, port=0, report=lambda line: None)
    try:
        request = urllib.request.Request(server.url, headers={"Host": "attacker.example"})
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(request, timeout=5)
        assert caught.value.code == 403
        with urllib.request.urlopen(server.url, timeout=5) as response:
            assert response.status == 200
    finally:
        server.stop()


# ------------------------------------------------ failures while laying out the PDF

def _raising_inside_weasyprint(message: str):  # type: ignore[no-untyped-def]
    """A replacement for a WeasyPrint function whose frame belongs to WeasyPrint, as a
    failure deep in its layout code would."""
    namespace: dict[str, object] = {"__name__": "weasyprint.layout.fake"}
    exec(f"def render(*args, **kwargs):\n    raise ValueError({message!r})\n", namespace)
    return namespace["render"]


@pytest.mark.parametrize("engine", ["parallel", "single"])
def test_input_weasyprint_cannot_lay_out_is_one_line_with_a_hint(
        mini: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, engine: str) -> None:
    import weasyprint

    monkeypatch.setattr(weasyprint.HTML, "render", _raising_inside_weasyprint("no room"))
    result = runner.invoke(app, ["build", str(mini), "-f", "pdf", "-o", str(tmp_path),
                                 "--pdf-engine", engine])
    assert result.exit_code == 1
    assert result.stderr.strip() == ("error: the PDF could not be laid out: ValueError: "
                                     "no room — build only the HTML to find the text "
                                     "at fault")


def test_a_bug_in_sopgen_during_the_pdf_keeps_its_traceback(
        mini: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sopgen.rendering import paginate

    def broken_page_info(*args: object) -> None:
        raise KeyError("our own mistake")

    # Raised while laying out, from sopgen's own code: a bug, not the user's input.
    monkeypatch.setattr(paginate, "PageInfo", broken_page_info)
    with pytest.raises(KeyError, match="our own mistake"):
        build_project(mini, BuildOptions(formats=["pdf"]), output=tmp_path)


def test_a_failure_in_the_standard_library_under_weasyprint_is_the_users(
        mini: Path, tmp_path: Path) -> None:
    # A project's own print template with a URL that urllib cannot even split.
    write(mini, "templates/print.html.j2", '<p><a href="//[::1/x">odd link</a></p>\n')
    result = runner.invoke(app, ["build", str(mini), "-f", "pdf", "-o", str(tmp_path)])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: the PDF could not be laid out: ValueError")


TEST_PROCESS = os.getpid()


def _killed(job: object) -> None:
    """A PDF worker as the kernel leaves it when memory runs out."""
    assert os.getpid() != TEST_PROCESS, "the PDF was laid out in the test's own process"
    os.kill(os.getpid(), signal.SIGKILL)


def test_a_worker_killed_from_outside_is_one_line(
        mini: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sopgen.rendering import paginate

    monkeypatch.setattr(paginate, "layout", _killed)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1})  # two workers, always
    with pytest.raises(SopgenError) as caught:
        build_project(mini, BuildOptions(formats=["pdf"]), output=tmp_path)
    assert caught.value.lines() == ["error: a worker process laying out the PDF stopped "
                                    "unexpectedly — the machine may be out of memory: close "
                                    "other programs and build again"]


def test_an_error_crosses_processes_whole() -> None:
    """A PDF worker's error reaches the user with its place and hint (pickled back)."""
    import pickle

    error = SopgenError.of("layout_failed", Loc("content/a.yaml", 3, 4), "id", detail="x")
    again = pickle.loads(pickle.dumps(error))
    assert again.lines() == error.lines() == [
        "content/a.yaml:3:4: galat: PDF tidak dapat ditata: x — bangun HTML saja untuk "
        "menemukan teks penyebabnya"]
    problems = [Problem(Loc("a.yaml", 1, 1), "empty_file"), Problem(Loc("b.yaml"), "tab")]
    failed = pickle.loads(pickle.dumps(ValidationFailed(problems, "en")))
    assert failed.lines() == ValidationFailed(problems, "en").lines() and len(failed.lines()) == 2
    option = pickle.loads(pickle.dumps(OptionError("role", problems[:1], "en")))
    assert option.option == "role" and option.lines() == OptionError("role", problems[:1]).lines()


def test_a_file_or_folder_inside_a_project_means_that_project(mini: Path) -> None:
    for inside in ("content/procedures.yaml", "content"):
        result = runner.invoke(app, ["validate", str(mini / inside)])
        assert result.exit_code == 0 and "OK, 3 procedures" in result.stdout
    nested = mini / "content" / "other"  # a misnamed project inside another's content/
    (nested / "Content").mkdir(parents=True)
    result = runner.invoke(app, ["validate", str(nested)])
    assert result.exit_code == 1
    assert result.stderr.strip().endswith("— rename Content/ to content/, in small letters")
    missing = runner.invoke(app, ["build", str(mini / "content" / "no-such-folder")])
    assert missing.exit_code == 1 and "there is no folder" in missing.stderr


def test_release_and_diff_mix_ups_say_what_to_do(mini: Path) -> None:
    none_yet = runner.invoke(app, ["build", str(mini), "--release", "9.9.9"])
    assert none_yet.exit_code == 1
    assert "nothing is released yet; release the current content with: sopgen release" \
        in none_yet.stderr
    swapped = runner.invoke(app, ["diff", str(mini), "1.2.0", "current"])
    assert swapped.exit_code == 1
    assert swapped.stderr.strip() == (f"error: '{mini}' is a folder, not a version — the "
                                      "project comes last: sopgen diff OLD NEW PROJECT")


def test_output_that_is_a_file_and_validate_counts_warnings(mini: Path) -> None:
    document = mini / "content" / "document.yaml"
    result = runner.invoke(app, ["build", str(mini), "-f", "md", "-o", str(document)])
    assert result.exit_code == 1
    assert result.stderr.strip() == (f"error: could not write to {document}: it is a file, not "
                                     "a folder — give an output folder; earlier outputs are "
                                     "unchanged")
    checked = runner.invoke(app, ["validate", str(mini)])
    assert checked.exit_code == 0 and checked.stderr == ""
    assert "OK, 3 procedures; sopgen check lists the warnings" in checked.stdout


# ------------------------------------------------ hardening: what every message names

def _errors(project: Path) -> list[str]:
    with pytest.raises(ValidationFailed) as failure:
        read_handbook(project)
    return [line for line in failure.value.lines() if ": error: " in line]


def _procedure(**fields: str) -> str:
    values = {"id": "MAN-02", "title": "Extra", "pillar": "management",
              "purpose": "Extra purpose.", "responsible": "[admin]", "frequency": "daily",
              "steps": "\n    - Do it."}
    values.update(fields)
    return "procedure:\n" + "".join(f"  {key}: {value}\n" for key, value in values.items())


@pytest.mark.parametrize(("fields", "expected"), [
    ({"pillar": "X"}, "content/extra.yaml:4:11: error: Pillar (pillar): 'X' is not allowed "
                      "here — use one of: management, technical, content"),
    ({"steps": "\n    - - Nested.\n      - Again."},
     "content/extra.yaml:9:7: error: Step (steps): expected a mapping of fields but found a "
     "list — write fields as 'name: value' lines (text, role, note, warning, substeps, "
     "visibility, id, tip, important, caution, verify, decision, figures)"),
])
def test_messages_name_the_field_in_the_users_words(mini: Path, fields: dict[str, str],
                                                    expected: str) -> None:
    write(mini, "content/extra.yaml", _procedure(**fields))
    assert _errors(mini) == [expected]


def test_a_logo_outside_assets_says_it_is_the_logo(mini: Path) -> None:
    path = mini / "content" / "document.yaml"
    path.write_text(path.read_text().replace("assets/logo.svg", "assets/../logo.svg"))
    assert _errors(mini) == [
        "content/document.yaml:8:11: error: Logo (logo): 'assets/../logo.svg' is outside "
        "content/assets/ — put the file in content/assets/ and refer to it as assets/NAME"]


def test_field_names_in_messages_follow_the_document_language(mini: Path) -> None:
    path = mini / "content" / "document.yaml"
    path.write_text(path.read_text().replace("language: en", "language: id"))
    write(mini, "content/extra.yaml", _procedure(pillar="X"))
    with pytest.raises(ValidationFailed) as failure:
        read_handbook(mini)
    assert failure.value.lines()[0].startswith(
        "content/extra.yaml:4:11: galat: Pilar (pillar): 'X' tidak diizinkan")


@pytest.mark.parametrize(("value", "char"), [
    ("*Never* post at night.", "*"), ("*note", "*"), ("&copy notice", "&"),
    ("!Important: call first", "!"), ("!Urgent fix", "!"), ("% done", "%"),
    ("| pipe at the start", "|"), ("> quoted", ">"), ("? why", "?"), ("- dash first", "-"),
    ("@home", "@"), ("`code` first", "`"),
])
def test_text_starting_with_a_reserved_character_says_to_quote_it(mini: Path, value: str,
                                                                  char: str) -> None:
    write(mini, "content/extra.yaml", _procedure(title=value))
    errors = _errors(mini)
    assert len(errors) == 1 and errors[0].startswith("content/extra.yaml:3:10: error: the "
                                                     f"text '{value}' starts with '{char}'"), \
        errors


# ------------------------------------------------------------- sizes, links, images

def test_a_file_over_the_limit_is_named_with_its_size_first(mini: Path,
                                                            monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    from sopgen.reading import load

    monkeypatch.setattr(load, "MAX_TOTAL_BYTES", 3 * 1024 * 1024)
    with open(mini / "content" / "huge.yaml", "wb") as handle:
        handle.truncate(6 * 1024 * 1024)  # sparse: stat() says 6 MiB
    with open(mini / "content" / "big.yaml", "wb") as handle:
        handle.truncate(2 * 1024 * 1024)
    errors = _errors(mini)
    assert errors[0].startswith(
        "content: error: the YAML files in content/ are 8.0 MiB (") and \
        "the largest: content/huge.yaml (6.0 MiB), content/big.yaml (2.0 MiB)" in errors[0]
    assert "content/huge.yaml: error: the file is 6.0 MiB (6291456 bytes), more than the " \
           "limit of 5.0 MiB for one file" in errors[1]


def test_every_symlink_not_followed_is_reported_once(mini: Path, tmp_path: Path) -> None:
    content = mini / "content"
    (content / "loop").symlink_to("loop")  # a link to itself
    (content / "a").symlink_to("b")
    (content / "b").symlink_to("a")  # two links in a cycle
    (content / "folder").symlink_to(content / "assets")
    (content / "sub").mkdir()
    (content / "sub" / "up").symlink_to(content)  # a folder cycle
    outside = tmp_path / "photo.png"
    outside.write_bytes(b"\x89PNG")
    (content / "assets" / "photo.png").symlink_to(outside)
    warnings = [line for line in read_handbook(mini).warnings if "link" in line]
    assert warnings == [
        "content/a: warning: this link is a loop (it leads back to itself) and is not read — "
        "delete the link",
        "content/assets/photo.png: warning: this file is a link that points outside "
        "content/assets/ and is not used — copy the file into content/assets/ instead",
        "content/b: warning: this link is a loop (it leads back to itself) and is not read — "
        "delete the link",
        "content/folder: warning: this folder is a link and is not read — move or copy the "
        "folder into content/ instead",
        "content/loop: warning: this link is a loop (it leads back to itself) and is not read "
        "— delete the link",
        "content/sub/up: warning: this folder is a link and is not read — move or copy the "
        "folder into content/ instead"]


def test_a_missing_image_is_an_error_at_its_own_line(mini: Path) -> None:
    write(mini, "content/extra.yaml", _procedure(
        purpose="|\n    First paragraph.\n\n    See  ![the plan](assets/plan.png) here."))
    result = runner.invoke(app, ["validate", str(mini)])
    assert result.exit_code == 1
    assert ("content/extra.yaml:8:22: error: Purpose (purpose): the image file "
            "'assets/plan.png' does not exist — put it in content/assets/ or correct the "
            "name") in result.output


def test_an_image_written_as_code_is_not_an_image(mini: Path) -> None:
    write(mini, "content/extra.yaml", _procedure(purpose='"Write `![x](assets/none.png)`."'))
    read_handbook(mini)


# ----------------------------------------------------------------- write failures

@pytest.mark.parametrize(("code", "says"), [
    (28, "the disk is full — free some space"),  # ENOSPC
    (30, "the disk or folder is read-only — give --output a folder you can write to"),  # EROFS
    (13, "you are not allowed to write there"),  # EACCES
])
@pytest.mark.parametrize("where", ["fsync", "mkdir"])
def test_write_failures_name_the_path_and_keep_earlier_outputs(
        mini: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int, says: str,
        where: str) -> None:
    output = tmp_path / "out"
    first = build_project(mini, BuildOptions(formats=["md"]), output=output)

    def outputs() -> dict[Path, bytes]:  # not output/.cache/: made while rendering, not outputs
        return {path: path.read_bytes() for path in output.rglob("*")
                if path.is_file() and ".cache" not in path.relative_to(output).parts}

    before = outputs()
    path = mini / "content" / "procedures.yaml"
    path.write_text(path.read_text().replace("Review this SOP", "Review the SOP"))
    failing = getattr(os, where)

    def fail(target: object, *args: object, **kwargs: object) -> object:
        if where == "mkdir" and ".staging-" not in str(target):
            return failing(target, *args, **kwargs)
        raise OSError(code, os.strerror(code), *([str(target)] if where == "mkdir" else []))

    monkeypatch.setattr(os, where, fail)
    with pytest.raises(SopgenError) as failure:
        build_project(mini, BuildOptions(formats=["md"]), output=output)
    line = failure.value.lines()[0]
    assert line.startswith(f"error: could not write {output}"), line
    assert says in line and "earlier outputs are unchanged" in line
    monkeypatch.undo()
    assert outputs() == before and first.folder.is_dir()
