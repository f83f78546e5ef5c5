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
from tests.conftest import write

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
    assert result.exit_code == 0 and "\x1b" not in result.output and "\\x1b" in result.output


def test_publish_drops_pages_a_newer_release_removed(mini: Path) -> None:
    from sopgen.commands.publish import publish

    release_project(mini)
    assert (publish(mini).folder / "latest" / "kon-01.html").is_file()
    document = mini / "content" / "document.yaml"
    document.write_text(document.read_text().replace('  version: "1.2.0"\n',
                                                     '  version: "1.3.0"\n', 1)
                        + '  - version: "1.3.0"\n    date: 2024-06-01\n    author: A\n'
                          "    summary: KON-01 removed.\n")
    procedures = mini / "content" / "procedures.yaml"
    procedures.write_text(procedures.read_text().split("  - id: KON-01")[0])
    release_project(mini)
    site = publish(mini).folder
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
