"""A large cold build does the reviewer's checks in a forked process while it renders; the
build must report exactly what it reports when they are done in order."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from sopgen.commands import build
from sopgen.core.parallel import ForkedCall
from sopgen.outputs.table import BuildOptions
from sopgen.reading.handbook import read_handbook
from tests.test_procedurecache import copied


def built_warnings(project: Path, output: Path, monkeypatch: pytest.MonkeyPatch, *,
                   alongside: bool) -> tuple[list[str], list[str]]:
    """The warnings of a md+html build, and which calls were forked to find them."""
    forked: list[str] = []

    class Recorded(ForkedCall[object]):
        def __init__(self, function: object, **options: int) -> None:
            forked.append(getattr(function, "__name__", ""))
            super().__init__(function, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(build, "ForkedCall", Recorded)
    monkeypatch.setattr(build, "REVIEW_ALONGSIDE_FROM", 1 if alongside else 10**9)
    monkeypatch.setattr(build, "can_fork", lambda: True)
    result = build.build_project(project, BuildOptions(formats=["md", "html"]),
                                 output=output)
    return result.warnings, forked


def test_reviewer_warnings_found_alongside_are_those_found_in_order(
        mini: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    in_order, forked_before = built_warnings(mini, tmp_path / "a", monkeypatch,
                                             alongside=False)
    alongside, forked = built_warnings(mini, tmp_path / "b", monkeypatch, alongside=True)
    assert forked_before == [] and forked == ["_found_with_checks"]
    reviewer_only = set(read_handbook(mini).warnings) - set(
        read_handbook(mini, review=False).warnings)
    assert reviewer_only and reviewer_only <= set(alongside)  # there were some to find
    assert alongside == in_order


def test_a_forked_call_gives_its_result_or_none_when_it_failed() -> None:
    assert ForkedCall(lambda: {"pid": os.getpid()}).result() != {"pid": os.getpid()}
    assert ForkedCall(lambda: 1 // 0).result() is None  # the caller then finds out itself
    big = ForkedCall(lambda: "x" * 3_000_000)  # more than a pipe holds
    assert big.result() == "x" * 3_000_000 and big.result() == "x" * 3_000_000


def test_a_forked_child_ends_once_its_result_is_written(tmp_path: Path) -> None:
    """A large result does not keep the child (and all its memory) alive until the
    parent, busy laying out a PDF, asks for it."""
    started = tmp_path / "started"
    call = ForkedCall(lambda: started.write_text("yes") and "x" * 3_000_000)
    child = call._pid
    assert child is not None
    ended = False
    for _ in range(600):  # until the child is a zombie, waiting only to be reaped
        state = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()[0]
        if state == "Z":
            ended = True
            break
        time.sleep(0.1)
    assert ended and started.read_text() == "yes"
    assert call.result() == "x" * 3_000_000


def test_a_forked_call_not_waited_for_is_ended() -> None:
    waiting = ForkedCall(lambda: time.sleep(60))
    child = waiting._pid
    assert child is not None
    waiting.cancel()
    with pytest.raises(ChildProcessError):
        os.waitpid(child, os.WNOHANG)  # reaped: no process left behind


def test_a_rebuild_reads_reviewer_warnings_with_the_rest(
        mini: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With a reading cache the review is quick in order (and its checks can be kept)."""
    cold, forked_cold = built_warnings(mini, tmp_path / "out", monkeypatch, alongside=True)
    warm, forked_warm = built_warnings(mini, tmp_path / "out", monkeypatch, alongside=True)
    assert forked_cold == ["_found_with_checks"] and forked_warm == []
    assert warm == cold


def kept_checks(output: Path) -> set[str]:
    """The entries of the reading cache's kept check results."""
    lines = (output / ".cache" / "yaml" / "checks.txt").read_text(encoding="utf-8")
    return set(lines.split("\n")[1:]) - {""}


def test_checks_found_alongside_are_kept_for_the_next_build(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A cold build that reviews in a child keeps what the child's checks found, as one
    that reviews in order does: the first rebuild after it does not review again."""
    project = copied(tmp_path)
    edited = project / "content" / "konten" / "KON-01.yaml"  # a reviewer warning to keep
    edited.write_text(edited.read_text(encoding="utf-8").replace(
        "  title: Kalender editorial", "  title: 'ISI: Kalender editorial'", 1),
        encoding="utf-8")
    in_order, _ = built_warnings(project, tmp_path / "a", monkeypatch, alongside=False)
    alongside, forked = built_warnings(project, tmp_path / "b", monkeypatch, alongside=True)
    assert forked == ["_found_with_checks"] and alongside == in_order
    assert any("KON-01" in warning and "ISI:" in warning for warning in alongside)
    kept = kept_checks(tmp_path / "b")
    assert kept == kept_checks(tmp_path / "a")
    assert sum('"problems": [[' in entry for entry in kept)  # reviewer warnings among them
