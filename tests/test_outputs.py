"""Outputs are never lost: killed builds, failed builds, parallel builds, releases.

Builds run as real ``sopgen build`` processes; a small wrapper script patches one
function of the child to stop it at the worst moment (inside the PDF step, between
the two renames of a folder swap, right after the swap) and the test kills it with
SIGKILL, the way a power cut or an OOM killer would.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from sopgen.commands.build import build_project
from sopgen.core import write
from sopgen.core.errors import ValidationFailed
from sopgen.core.parallel import available_cores
from sopgen.outputs.table import BuildOptions
from tests.conftest import write as write_text

DRAFT = "1.2.0-draft"
ROOT = Path(__file__).resolve().parent.parent


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` with its bytes (``.lock`` is bookkeeping)."""
    return {path.relative_to(folder).as_posix(): path.read_bytes()
            for path in sorted(folder.rglob("*")) if path.is_file() and path.name != ".lock"}


def leftovers(output: Path) -> list[str]:
    return sorted(p.name for p in output.iterdir() if p.name.startswith((".old-", ".staging-")))


def run_child(project: Path, patch: str, *args: str) -> subprocess.Popen[bytes]:
    """``sopgen build PROJECT ARGS`` in a new process, after running ``patch`` in it."""
    script = textwrap.dedent("""
        import os, signal, sys, time
        from pathlib import Path
        MARK = Path(sys.argv[1])
        def die():  # the child stops itself at the exact moment under test
            os.kill(os.getpid(), signal.SIGKILL)
    """) + textwrap.dedent(patch) + textwrap.dedent("""
        from sopgen.cli import main
        main(sys.argv[2:])
    """)
    mark = project / "reached"
    return subprocess.Popen([sys.executable, "-c", script, str(mark), "build", str(project),
                             *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)  # its own group: PDF workers die with it


def first_build(project: Path) -> dict[str, bytes]:
    build_project(project, BuildOptions(formats=["md", "html"]))
    before = snapshot(project / "output" / DRAFT)
    assert len(before) == 2
    return before


def change_content(project: Path) -> None:
    path = project / "content" / "procedures.yaml"
    path.write_text(path.read_text().replace("Publish a post", "Publish a checked post"))


def assert_recovers(project: Path, formats: tuple[str, ...] = ("md", "html")) -> None:
    """The next build succeeds, leaves nothing behind, and has the new content."""
    result = build_project(project, BuildOptions(formats=list(formats)))
    output = project / "output"
    assert leftovers(output) == []
    files = snapshot(output / DRAFT)
    assert sorted(files) == sorted(f"SOP-MINI-{DRAFT}.{ext}" for ext in formats)
    assert b"Publish a checked post" in files[f"SOP-MINI-{DRAFT}.md"]
    assert result.folder == output / DRAFT


# ------------------------------------------------------------------- killed builds

def test_build_killed_in_the_pdf_step_leaves_previous_output(mini: Path) -> None:
    before = first_build(mini)
    change_content(mini)
    child = run_child(mini, """
        import weasyprint
        def stuck(*args, **kwargs):  # whichever PDF engine runs, WeasyPrint lays it out
            MARK.write_text("laying out")
            time.sleep(120)
        weasyprint.HTML.render = stuck
    """)
    deadline = time.monotonic() + 60
    while not (mini / "reached").exists():
        assert child.poll() is None, child.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.05)
    os.killpg(child.pid, signal.SIGKILL)  # the build and any PDF worker it forked
    assert child.wait(30) == -signal.SIGKILL
    assert snapshot(mini / "output" / DRAFT) == before
    assert_recovers(mini)


def test_build_killed_between_the_two_renames_is_put_back(mini: Path) -> None:
    before = first_build(mini)
    change_content(mini)
    child = run_child(mini, """
        import os
        import sopgen.core.write
        sopgen.core.write._exchange = lambda first, second: False  # take the two-rename path
        rename = os.rename
        def rename_then_die(source, target):
            rename(source, target)
            if Path(target).name.startswith(".old-"):
                die()  # the old folder is out of the way, the new one not yet in
        sopgen.core.write.os.rename = rename_then_die
    """, "-f", "md", "-f", "html")
    assert child.wait(60) == -signal.SIGKILL, child.communicate()
    output = mini / "output"
    assert not (output / DRAFT).exists()
    [old] = [name for name in leftovers(output) if name.startswith(".old-")]
    assert snapshot(output / old) == before  # byte for byte, only moved aside
    with write.locked(output):  # what the next build does first
        pass
    assert snapshot(output / DRAFT) == before and leftovers(output) == []
    assert_recovers(mini)


def test_build_killed_right_after_the_swap_has_the_new_output(mini: Path) -> None:
    first_build(mini)
    change_content(mini)
    child = run_child(mini, """
        import sopgen.core.write
        exchange = sopgen.core.write._exchange
        def exchange_then_die(first, second):
            if not exchange(first, second):
                raise SystemExit("this file system cannot exchange folders")
            die()
        sopgen.core.write._exchange = exchange_then_die
    """, "-f", "md", "-f", "html")
    assert child.wait(60) == -signal.SIGKILL, child.communicate()
    output = mini / "output"
    assert b"Publish a checked post" in (output / DRAFT / f"SOP-MINI-{DRAFT}.md").read_bytes()
    assert len(leftovers(output)) == 1  # the old files, swapped into the staging folder
    assert_recovers(mini)


def test_build_killed_while_writing_files_leaves_previous_output(mini: Path) -> None:
    before = first_build(mini)
    change_content(mini)
    child = run_child(mini, """
        import sopgen.core.write
        write_file = sopgen.core.write._write_file
        def write_half_then_die(path, data):
            write_file(path, data[: len(data) // 2])
            die()
        sopgen.core.write._write_file = write_half_then_die
    """, "-f", "md", "-f", "html")
    assert child.wait(60) == -signal.SIGKILL, child.communicate()
    assert snapshot(mini / "output" / DRAFT) == before
    assert_recovers(mini)


# ------------------------------------------------------------------ failed builds

def test_build_that_fails_validation_writes_nothing(mini: Path) -> None:
    write_text(mini, "content/broken.yaml", "roles:\n  - id: Not An Id\n    title: X\n")
    with pytest.raises(ValidationFailed):
        build_project(mini)
    assert not (mini / "output").exists()


def test_build_that_fails_validation_leaves_previous_output_untouched(mini: Path) -> None:
    before = first_build(mini)
    folder = mini / "output" / DRAFT
    stamps = {path.name: path.stat().st_mtime_ns for path in folder.iterdir()}
    write_text(mini, "content/broken.yaml", "glossary:\n  - term: a\n    term: b\n")
    with pytest.raises(ValidationFailed):
        build_project(mini)
    assert snapshot(folder) == before
    assert {path.name: path.stat().st_mtime_ns for path in folder.iterdir()} == stamps


def test_build_that_fails_in_the_pdf_step_leaves_previous_output(
        mini: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import weasyprint

    before = first_build(mini)
    change_content(mini)

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("layout failed")

    monkeypatch.setattr(weasyprint.HTML, "render", broken)
    with pytest.raises(Exception, match="layout failed"):
        build_project(mini)
    assert snapshot(mini / "output" / DRAFT) == before


# -------------------------------------------------------------- builds at once

def test_two_builds_at_once_both_finish_and_output_is_whole(mini: Path, tmp_path: Path) -> None:
    reference = tmp_path / "reference"
    build_project(mini, output=reference)
    expected = snapshot(reference / DRAFT)
    children = [subprocess.Popen([sys.executable, "-m", "sopgen", "build", str(mini)],
                                 cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                for _ in range(2)]
    for child in children:
        _, err = child.communicate(timeout=120)
        assert child.returncode == 0, err.decode()
    output = mini / "output"
    assert leftovers(output) == []
    assert snapshot(output / DRAFT) == expected  # complete, and identical to a lone build


def test_builds_wait_for_each_other(tmp_path: Path) -> None:
    """The lock: a second writer starts only after the first has swapped its folder in."""
    output = tmp_path / "out"
    child = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import time
        from pathlib import Path
        from sopgen.core import write
        with write.locked(Path({str(output)!r})):
            Path({str(tmp_path / 'held')!r}).write_text("")
            time.sleep(1.5)
    """)], cwd=ROOT)
    while not (tmp_path / "held").exists():
        assert child.poll() is None
        time.sleep(0.02)
    started = time.monotonic()
    write.write_folder(output, "1.0.0", {"a.txt": b"a"})
    assert time.monotonic() - started > 0.5
    assert child.wait(30) == 0


# --------------------------------------------------------------------- releases

def test_released_files_are_never_overwritten(tmp_path: Path) -> None:
    output = tmp_path / "out"
    first = write.write_folder(output, "1.0.0", {"a.pdf": b"released", "a.md": b"released"},
                               immutable=True)
    assert sorted(p.name for p in first.written) == ["a.md", "a.pdf"] and first.kept == []
    folder = output / "1.0.0"
    stats = {name: (folder / name).stat() for name in ("a.pdf", "a.md")}
    second = write.write_folder(output, "1.0.0",
                                {"a.pdf": b"CHANGED", "a.md": b"CHANGED", "a.html": b"new"},
                                immutable=True)
    assert sorted(p.name for p in second.kept) == ["a.md", "a.pdf"]
    assert [p.name for p in second.written] == ["a.html"]
    assert snapshot(folder) == {"a.pdf": b"released", "a.md": b"released", "a.html": b"new"}
    for name, before in stats.items():
        after = (folder / name).stat()
        assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_draft_outputs_are_replaced_and_kept_files_carried_over(tmp_path: Path) -> None:
    output = tmp_path / "out"
    write.write_folder(output, "1.0.0-draft", {"a.md": b"one", "b.html": b"one"})
    write.write_folder(output, "1.0.0-draft", {"a.md": b"two"})
    assert snapshot(output / "1.0.0-draft") == {"a.md": b"two", "b.html": b"one"}
    mode = (output / "1.0.0-draft").stat().st_mode & 0o777
    assert mode == 0o777 & ~_umask()  # readable by a web server, not mkdtemp's 0700


def test_output_names_cannot_leave_the_output_folder(tmp_path: Path) -> None:
    for name, files in (("../x", {"a": b""}), ("ok", {"../a": b""}), ("ok", {"/etc/a": b""})):
        with pytest.raises(ValueError):
            write.write_folder(tmp_path / "out", name, files)
    assert not (tmp_path / "x").exists() and not (tmp_path / "a").exists()


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _workers(pid: int) -> list[int]:
    """Forked children of ``pid`` (same command line), not helpers such as ldconfig."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            forked = b"sopgen" in (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z" and forked:
            found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(available_cores() < 2, reason="the PDF is laid out in workers on 2+ cores")
def test_workers_of_a_killed_build_end_with_it(tmp_path: Path) -> None:
    project = tmp_path / "sample"  # parts large enough to fill the pipe a worker answers on
    shutil.copytree(ROOT / "content", project / "content")
    build = subprocess.Popen([sys.executable, "-m", "sopgen", "build", str(project), "-f",
                              "pdf"], cwd=ROOT, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    workers: list[int] = []
    deadline = time.monotonic() + 60
    while not workers and build.poll() is None and time.monotonic() < deadline:
        workers = _workers(build.pid)
        time.sleep(0.02)
    assert workers, "the build laid out its PDF without worker processes"
    build.send_signal(signal.SIGTERM)  # as timeout(1) or a cancelled CI job does
    build.wait(timeout=30)
    deadline = time.monotonic() + 10
    while any(map(_alive, workers)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(map(_alive, workers)), "workers outlived the build they belonged to"
