"""A cold build reads the last part of the files in a forked child (``reading/readahead.py``)
and has the cache entries of the rest encoded by another; it must build exactly what it
builds reading and encoding every file in this process: the same files, warnings, errors
(with their file and line) and reading cache, and leave no process behind."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sopgen.commands import build
from sopgen.core import parallel
from sopgen.core.cache import forget
from sopgen.core.errors import ValidationFailed
from sopgen.core.model import markdown_texts
from sopgen.core.parallel import ForkedCall
from sopgen.outputs.table import BuildOptions
from sopgen.reading import readahead, yamlcache
from sopgen.reading.handbook import read_handbook
from sopgen.rendering.render import Renderer
from tests.conftest import ROOT
from tests.test_procedurecache import copied

Built = tuple[list[str], dict[str, bytes]]  # warnings, every file written (cache included)


class Forks:
    """Which functions were forked, and the calls, to see that each child was reaped."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.names: list[str] = []
        self.calls: list[ForkedCall[object]] = []
        forks = self

        class Recorded(ForkedCall[object]):
            def __init__(self, function: object, **options: int) -> None:
                inner = getattr(function, "func", function)  # a partial
                forks.names.append(getattr(inner, "__name__", ""))
                forks.calls.append(self)
                super().__init__(function, **options)  # type: ignore[arg-type]

        for module in (readahead, yamlcache, build):
            monkeypatch.setattr(module, "ForkedCall", Recorded)

    def all_reaped(self) -> bool:
        return all(call._pid is None for call in self.calls)


def allow(monkeypatch: pytest.MonkeyPatch, *, ahead: bool, fork: bool = True) -> Forks:
    """Read ahead from the first file (the sample has 50), or never; review alongside."""
    monkeypatch.setattr(readahead, "READ_AHEAD_FROM", 1 if ahead else 10**9)
    monkeypatch.setattr(build, "REVIEW_ALONGSIDE_FROM", 1)
    for module in (readahead, yamlcache, build):
        monkeypatch.setattr(module, "can_fork", lambda: fork)
    return Forks(monkeypatch)


def built(project: Path, output: Path) -> Built:
    forget()  # what a new process knows: a cold build
    result = build.build_project(project, BuildOptions(formats=["md", "html"]), output=output)
    files = {path.relative_to(output).as_posix(): path.read_bytes()
             for path in sorted(output.rglob("*")) if path.is_file()}
    return result.warnings, files


def refused(project: Path, output: Path) -> str:
    forget()
    with pytest.raises(ValidationFailed) as error:
        build.build_project(project, BuildOptions(formats=["md", "html"]), output=output)
    return str(error.value)


def refused_in_order(project: Path, edited: Path, old: str, new: str, output: Path) -> str:
    """The error of a build reading in order, once ``edited``'s first ``old`` is ``new``."""
    edited.write_text(edited.read_text(encoding="utf-8").replace(old, new, 1),
                      encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        allow(patch, ahead=False, fork=False)
        return refused(project, output)


def in_order(project: Path, output: Path) -> Built:
    with pytest.MonkeyPatch.context() as patch:
        allow(patch, ahead=False, fork=False)
        return built(project, output)


def child_share(project: Path) -> list[Path]:
    """The files the child reads, by the order the project's files are read in."""
    files = sorted(path.relative_to(project / "content").as_posix()
                   for path in (project / "content").rglob("*.yaml"))
    first = len(files) - int(len(files) * readahead.CHILD_SHARE)
    return [project / "content" / name for name in files[first:]]


def test_reading_ahead_builds_what_reading_in_order_builds(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = copied(tmp_path)
    expected = in_order(project, tmp_path / "a")
    forks = allow(monkeypatch, ahead=True)
    got = built(project, tmp_path / "b")
    assert forks.names == ["_read_share", "_made_elsewhere", "_found_with_checks"]
    assert forks.all_reaped()
    assert got[0] == expected[0]
    assert got[1].keys() == expected[1].keys()
    assert [name for name in got[1] if got[1][name] != expected[1][name]] == []
    assert any(name.startswith(".cache/yaml/procedures") for name in got[1])


def test_warnings_in_either_share_come_in_file_order(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file with a warning of its own (an invisible character removed, a title a
    reviewer would question) is converted where ``validate`` reports it, whichever
    share it is in; the warnings keep their order."""
    project = copied(tmp_path)
    late = child_share(project)[-1]
    for path in (project / "content" / "konten" / "KON-01.yaml", late):
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("  title: ", "  title: 'ISI: ", 1).replace(
            "\n  pillar:", "'\n  pillar:", 1).replace("  purpose: |\n    ",
                                                     "  purpose: |\n    \u200b", 1),
            encoding="utf-8")
    expected = in_order(project, tmp_path / "a")
    allow(monkeypatch, ahead=True)
    got = built(project, tmp_path / "b")
    assert got == expected
    for name in ("KON-01", late.stem):
        found = [warning for warning in got[0] if f"{name}.yaml" in warning]
        assert any("ISI:" in warning for warning in found)
        assert any("U+200B" in warning for warning in found), found


def test_an_error_in_the_childs_share_is_reported_as_in_order(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = copied(tmp_path)
    late = child_share(project)[-2]
    expected = refused_in_order(project, late, "  title: ", "  title: [unclosed ",
                                tmp_path / "a")
    forks = allow(monkeypatch, ahead=True)
    message = refused(project, tmp_path / "b")
    assert message == expected
    assert f"{late.relative_to(project).as_posix()}:" in message  # file and line
    assert "_read_share" in forks.names and forks.all_reaped()
    assert not (tmp_path / "b" / ".cache" / "yaml").exists()  # nothing kept, as in order


def test_a_build_refused_in_this_process_share_leaves_no_child(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = copied(tmp_path)
    early = project / "content" / "konten" / "KON-02.yaml"
    expected = refused_in_order(project, early, "  pillar: ", "  pillar: nowhere-",
                                tmp_path / "a")
    forks = allow(monkeypatch, ahead=True)
    assert refused(project, tmp_path / "b") == expected
    assert forks.names[:2] == ["_read_share", "_made_elsewhere"] and forks.all_reaped()


def fails(*_: object) -> object:
    raise RuntimeError("a child that fails")


@pytest.mark.parametrize("failing", ["_read_share", "_made_elsewhere"])
def test_a_failed_child_leaves_its_work_to_this_process(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str) -> None:
    project = copied(tmp_path)
    expected = in_order(project, tmp_path / "a")
    forks = allow(monkeypatch, ahead=True)
    module = readahead if failing == "_read_share" else yamlcache
    monkeypatch.setattr(module, failing, fails)
    assert built(project, tmp_path / "b") == expected
    assert forks.all_reaped()


def test_without_forking_everything_is_read_here(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = copied(tmp_path)
    expected = in_order(project, tmp_path / "a")
    forks = allow(monkeypatch, ahead=True, fork=False)
    assert built(project, tmp_path / "b") == expected
    assert forks.names == []


def test_a_rebuild_after_reading_ahead_reads_nothing_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The entries the children made serve the next build: it converts no file."""
    project = copied(tmp_path)
    allow(monkeypatch, ahead=True)
    cold = built(project, tmp_path / "out")
    converted: list[str] = []
    real = yamlcache.YamlCache._converted

    def counted(self: yamlcache.YamlCache, *args: object) -> object:
        found = real(self, *args)  # type: ignore[arg-type]
        converted.append("yes" if found is not None else str(args[1]))
        return found

    monkeypatch.setattr(yamlcache.YamlCache, "_converted", counted)
    warm = built(project, tmp_path / "out")
    assert warm[0] == cold[0]
    assert {name for name in converted if name != "yes"} == {
        "content/dokumen.yaml", "content/glosarium.yaml", "content/peran.yaml"}
    assert os.path.exists(tmp_path / "out" / ".cache" / "yaml" / "files.txt")


def test_a_system_without_fork_reads_everything_here(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = copied(tmp_path)
    expected = in_order(project, tmp_path / "a")
    monkeypatch.setattr(readahead, "READ_AHEAD_FROM", 1)
    monkeypatch.setattr(build, "REVIEW_ALONGSIDE_FROM", 1)
    monkeypatch.delattr(os, "fork")  # as on Windows
    assert not parallel.can_fork()
    assert built(project, tmp_path / "b") == expected


def test_which_texts_took_the_parser_is_what_asking_afresh_finds() -> None:
    """Rendering remembers whether each text's HTML took the parser, for the texts kept
    for the next build; asked afresh (nothing remembered), the sample's texts agree."""
    checked = read_handbook(ROOT)
    renderer = Renderer(checked.handbook, checked.project.root)
    renderer.render("handbook.html.j2")
    remembered = renderer.needing_parser()
    assert renderer.text._took_parser  # what rendering found
    renderer.text._took_parser.clear()
    afresh = renderer.text.parsed_texts(markdown_texts(checked.handbook))
    assert remembered and remembered == afresh


def test_the_names_files_are_shown_by_are_those_show_gives(mini: Path) -> None:
    from sopgen.reading.load import Project, _shown, content_files

    (mini / "content" / "sub folder").mkdir()
    (mini / "content" / "sub folder" / "ünï code.yaml").write_text("roles: []\n",
                                                                    encoding="utf-8")
    for folder in (ROOT, mini):
        project = Project.at(folder)
        files, _ = content_files(project)
        assert _shown(project, files) == [project.show(path) for path in files]


@pytest.mark.parametrize("refusing", ["readahead", "yamlcache"])
def test_a_fork_the_system_refuses_leaves_the_work_here(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, refusing: str) -> None:
    """Out of memory or processes, ``fork`` fails: the files are read (or their entries
    encoded) here, and the build is the same."""
    project = copied(tmp_path)
    expected = in_order(project, tmp_path / "a")
    forks = allow(monkeypatch, ahead=True)

    class Refused:
        def __init__(self, *_: object, **__: object) -> None:
            raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(readahead if refusing == "readahead" else yamlcache, "ForkedCall",
                        Refused)
    assert built(project, tmp_path / "b") == expected
    assert ("_read_share" in forks.names) == (refusing == "yamlcache")
