"""Load stage: find a project's YAML files and merge them into one located document.

A project is a folder with ``content/`` (any number of ``*.yaml`` files, in any
sub-folders), optional ``templates/`` overriding the theme, ``content/assets/`` for
images, and ``releases/`` holding the frozen content of released versions.
"""

from __future__ import annotations

import dataclasses
import errno
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import NamedTuple

from sopgen.core.catalogue import suggest_field
from sopgen.core.errors import SopgenError
from sopgen.core.model import Document, Procedure, Role
from sopgen.core.problems import Loc, Problem, relative, size_text
from sopgen.reading import yamlread
from sopgen.reading.readahead import ReadAhead
from sopgen.reading.yamlcache import YamlCache
from sopgen.reading.yamlread import Budget, LMap, LSeq, read_yaml, too_large

MAX_FILES = 5000
MAX_TOTAL_BYTES = 16 * 1024 * 1024  # ~40x a large real SOP; bounds time and memory

SINGLE_KEYS = ("document", "pillars")
LIST_KEYS = ("roles", "procedures", "glossary", "revisions")
TOP_KEYS = (*SINGLE_KEYS, *LIST_KEYS, "procedure", "adopt")


def _own_fields(cls: type, *others: type) -> set[str]:
    return ({f.name for f in dataclasses.fields(cls)}
            - {f.name for other in others for f in dataclasses.fields(other)})


# A section's own fields at the top of a file: its "procedure:" or "document:" is missing.
SECTION_FIELDS = {"procedure": _own_fields(Procedure, Document, Role),
                  "document": _own_fields(Document, Procedure, Role)}


@dataclass(frozen=True)
class Project:
    """Where a project's parts live; every path is resolved once, here."""

    root: Path
    assets_dir: Path | None = None  # a release reads the assets frozen with it

    @classmethod
    def at(cls, folder: Path | str) -> Project:
        """The project at ``folder``, or the one whose content/ holds it: a user who
        gives ``content/procedures.yaml`` or ``content`` means that project."""
        given = Path(folder).resolve()
        if not given.exists():
            raise SopgenError.of("no_project_folder", path=given)
        near = [p.name for p in given.iterdir() if p.is_dir() and p.name.lower() == "content"
                and p.name != "content"] if given.is_dir() else []
        if near and not (given / "content").is_dir():
            raise SopgenError.of("content_folder_case", path=given, near=near[0])
        for root in (given, *given.parents):
            if (root / "content").is_dir() and (root == given or root / "content" in
                                                 (given, *given.parents)):
                return cls(root)
        raise SopgenError.of("no_project_content", path=given)

    @property
    def content(self) -> Path:
        return self.root / "content"

    @property
    def assets(self) -> Path:
        return self.assets_dir or self.content / "assets"

    @property
    def templates(self) -> Path:
        return self.root / "templates"

    @property
    def releases(self) -> Path:
        return self.root / "releases"

    def show(self, path: Path) -> str:
        """``path`` as the user knows it; a symlink is named by where it is, not its target."""
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return relative(path, self.root)


def content_files(project: Project) -> tuple[list[Path], list[Problem]]:
    """Every YAML file under content/ (assets excluded) in a stable order, and warnings for
    files that look like SOP content but are not read: a procedure saved as
    ``TEK-02.yaml.txt`` (Windows hides the ``.txt``) must not be lost without a word."""
    found = _walk(project)
    # by the text of the paths: Path.parents and relative_to make objects per file
    assets, content = f"{project.assets}{os.sep}", len(f"{project.content}{os.sep}")
    visible = sorted((entry.path for entry in found if entry.is_file
                      and not str(entry.path).startswith(assets)),
                     key=lambda p: str(p)[content:].replace(os.sep, "/"))
    unread = [Problem(Loc(project.show(path)), "file_not_read", severity="warning")
              for path in visible if not _is_yaml(path) and _looks_like_yaml(path)]
    unread += [problem for entry in found if entry.is_link
               for problem in _link_not_followed(project, entry.path)]
    return [path for path in visible if _is_yaml(path)], unread


MISNAMED_YAML = re.compile(r"\.ya?ml\.", re.IGNORECASE)  # TEK-02.yaml.txt, x.yml.bak
SECTION_LINE = re.compile(r"^(?:" + "|".join(TOP_KEYS) + r"):", re.MULTILINE)


def _looks_like_yaml(path: Path) -> bool:
    """A name with ".yaml." in it, or a text file that starts a section: meant as content."""
    if MISNAMED_YAML.search(path.name):
        return True
    if path.suffix.lower() != ".txt":
        return False
    try:
        with path.open("rb") as handle:
            head = handle.read(4096).decode("utf-8", "replace")
    except OSError:
        return False
    return bool(SECTION_LINE.search(head))


def _is_yaml(path: Path) -> bool:
    return path.suffix.lower() in (".yaml", ".yml")


class _Found(NamedTuple):
    """An entry under content/, with what its folder's listing already says of it."""

    path: Path
    is_file: bool  # a file, or a link to one
    is_link: bool


def _walk(project: Project) -> list[_Found]:
    """Everything under content/, skipping hidden files: an editor's backup
    (``.#TEK-01.yaml``) or the ``._TEK-01.yaml`` a Mac leaves on a USB stick. Symlinked
    folders are listed but not entered. The order is ``rglob("*")``'s (a folder's entries,
    then its sub-folders' in turn), from one listing per folder that also tells files and
    links apart without a ``stat`` each."""
    found: list[_Found] = []
    _walk_folder(project.content, found)
    return found


def _walk_folder(folder: Path, found: list[_Found]) -> None:
    try:
        with os.scandir(folder) as listing:
            entries = [entry for entry in listing if not entry.name.startswith(".")]
    except PermissionError:  # as rglob: a folder that may not be listed is left out
        return
    folders = []
    for entry in entries:
        path = folder / entry.name
        found.append(_Found(path, _entry_is(entry.is_file), _entry_is(entry.is_symlink)))
        if _entry_is(partial(entry.is_dir, follow_symlinks=False)):
            folders.append(path)
    for inner in folders:
        _walk_folder(inner, found)


def _entry_is(test: Callable[[], bool]) -> bool:
    """A listing's answer; ``False`` where asking fails, as ``Path.is_file`` says."""
    try:
        return test()
    except OSError:
        return False


def _link_not_followed(project: Project, link: Path) -> list[Problem]:
    """Why a symlink under content/ is not followed, once per link: a loop, a folder, or
    (for files that would be used) a place outside where sopgen reads. A YAML file that
    leads outside is an error when the files are read (``outside_project``)."""
    where = Loc(project.show(link))
    try:
        target = link.resolve(strict=True)
    except RuntimeError:  # Python 3.11 says "Symlink loop" this way
        return [Problem(where, "symlink_loop", severity="warning")]
    except OSError as error:
        code = "symlink_loop" if error.errno == errno.ELOOP else "unreadable"
        return [Problem(where, code, {"detail": error.strerror}, severity="warning")]
    if target.is_dir():
        return [Problem(where, "symlink_folder", severity="warning")]
    assets = project.assets
    if assets in link.parents and assets.resolve() not in target.parents:
        return [Problem(where, "symlink_outside", {"folder": f"{project.show(assets)}/"},
                        severity="warning")]
    if assets not in link.parents and not _is_yaml(link) and \
            project.content.resolve() not in target.parents:
        return [Problem(where, "symlink_outside", {"folder": f"{project.show(project.content)}/"},
                        severity="warning")]
    return []


def load_project(project: Project,
                 stored: YamlCache | None = None) -> tuple[LMap, list[Problem]]:
    """Read and merge all content files; problems from every file are collected. With
    ``stored``, files read before come from there; its caller saves it once the content
    is known to be valid (nothing is written for a build that is refused)."""
    files, unread = content_files(project)
    problems = _check_files(project, files)
    if problems:
        return _empty(project), problems + unread
    problems = unread
    merged = _empty(project)
    budget = Budget()  # one bound on values for the whole project, not per file
    content = project.content.resolve()
    stored = stored or YamlCache(None)
    names = _shown(project, files)
    ahead = _read_ahead(project, files, names, stored)
    try:
        for index, (path, shown) in enumerate(zip(files, names, strict=True)):
            if ahead is not None and index == ahead.first:
                ahead.hand_over(stored)  # the child's files come from the cache from here
            if _outside(path, content):
                problems.append(Problem(Loc(shown), "outside_project"))
                continue  # never read; the other files still are, for their problems
            data, found = stored.read(path, shown, budget)
            if ahead is not None and index < ahead.first:
                data = ahead.converted(data, found)
            problems.extend(found)
            if budget.nodes < 0:
                break  # the limit is for the whole project: one message is enough
            if data is not None:
                _merge(merged, data, shown, problems)
    finally:
        if ahead is not None:
            ahead.cancel()  # only if its files were never reached
    return merged, problems


def _outside(path: Path, content: Path) -> bool:
    """A file that is a link leading out of content/ (``content`` resolved): never read.
    Resolved, a symlink cannot lead out; rglob enters no linked folder, so only a file
    that is itself a link needs it."""
    return os.path.islink(path) and content not in path.resolve().parents


def _shown(project: Project, files: list[Path]) -> list[str]:
    """``project.show`` of each file under content/, by the text of its path (``show``
    makes objects per file)."""
    root = f"{project.root}{os.sep}"
    return [str(path)[len(root):].replace(os.sep, "/") if str(path).startswith(root)
            else project.show(path) for path in files]


def _read_ahead(project: Project, files: list[Path], names: list[str],
                stored: YamlCache) -> ReadAhead | None:
    """A child reading the last part of ``files`` (shown as ``names``) on another core
    (``readahead``)."""
    first = ReadAhead.share(len(files), stored)
    if first is None:
        return None
    content = project.content.resolve()
    share = [(path, shown) for path, shown in zip(files[first:], names[first:], strict=True)
             if not _outside(path, content)]
    return ReadAhead.start(project.root, first, share, stored)


def load_file(path: Path, shown_as: str) -> tuple[LMap, list[Problem]]:
    """Read one file that holds a whole handbook (a release snapshot)."""
    merged = _empty_at(Loc(shown_as))
    data, problems = read_yaml(path, shown_as)
    if data is not None:
        _merge(merged, data, shown_as, problems)
    return merged, problems


def _check_files(project: Project, files: list[Path]) -> list[Problem]:
    where = Loc(project.show(project.content))
    if not files:
        return [Problem(where, "no_content_files")]
    if len(files) > MAX_FILES:
        return [Problem(where, "too_many_files", {"count": len(files), "limit": MAX_FILES})]
    sizes = {path: _size(path) for path in files}
    total = sum(sizes.values())
    if total <= MAX_TOTAL_BYTES:
        return []
    largest = sorted(files, key=lambda path: -sizes[path])[:3]
    problems = [Problem(where, "content_too_large", {
        "size": total, "mib": size_text(total), "limit": MAX_TOTAL_BYTES,
        "limit_mib": size_text(MAX_TOTAL_BYTES),
        "largest": ", ".join(f"{project.show(path)} ({size_text(sizes[path])})"
                             for path in largest)})]
    return problems + [too_large(project.show(path), sizes[path]) for path in files
                       if sizes[path] > yamlread.MAX_FILE_BYTES]


def _size(path: Path) -> int:
    try:
        return os.stat(path).st_size
    except OSError:  # reported with its reason when the file is read
        return 0


def _empty(project: Project) -> LMap:
    return _empty_at(Loc(project.show(project.content)))


def _empty_at(loc: Loc) -> LMap:
    merged = LMap()
    merged.loc, merged.key_locs, merged.value_locs = loc, {}, {}
    return merged


def _merge(merged: LMap, data: object, name: str, problems: list[Problem]) -> None:
    if not isinstance(data, LMap):
        problems.append(Problem(getattr(data, "loc", Loc(name, 1, 1)), "file_not_mapping",
                                {"keys": ", ".join(TOP_KEYS)}))
        return
    unknown = [key for key in data if key not in TOP_KEYS]
    section = next((name for name, fields in SECTION_FIELDS.items()
                    if len(fields.intersection(unknown)) >= 2), None)
    if section:  # one message, not one per field
        problems.append(Problem(data.key_locs[unknown[0]], "section_line_missing",
                                {"section": section}))
    else:
        problems += [Problem(data.key_locs[key], "unknown_key", suggest_field(key, TOP_KEYS))
                     for key in unknown]
    for key, value in data.items():
        key_loc, value_loc = data.key_locs[key], data.value_locs[key]
        if key in unknown:
            continue
        if key in SINGLE_KEYS:
            _merge_single(merged, key, value, key_loc, value_loc, problems)
        else:
            _merge_list(merged, key, value, key_loc, value_loc, problems)


def _merge_single(merged: LMap, key: str, value: object, key_loc: Loc, value_loc: Loc,
                  problems: list[Problem]) -> None:
    if key in merged:
        first = merged.key_locs[key]
        problems.append(Problem(key_loc, "duplicate_section", {"key": key, "first": str(first)}))
        return
    merged[key] = value
    merged.key_locs[key], merged.value_locs[key] = key_loc, value_loc


def _merge_list(merged: LMap, key: str, value: object, key_loc: Loc, value_loc: Loc,
                problems: list[Problem]) -> None:
    if key == "procedure":  # a file holding one procedure, the friendliest layout
        key, items, locs = "procedures", [value], [value_loc]
    elif key == "adopt" and isinstance(value, LMap):  # one adoption (see adopt.py)
        items, locs = [value], [value_loc]
    elif isinstance(value, LSeq):
        items, locs = list(value), value.item_locs
    elif value is None:
        return
    else:
        problems.append(Problem(value_loc, "expected_list", {"key": key}))
        return
    if key not in merged:
        target = LSeq()
        target.loc, target.item_locs = value_loc, []
        merged[key] = target
        merged.key_locs[key], merged.value_locs[key] = key_loc, value_loc
    merged[key].extend(items)
    merged[key].item_locs.extend(locs)
