"""Batch runs over a workspace: build, check, release or publish every partner, go on
after a failure.

A batch build shares one pool of worker processes, a worker per core, across all the
partners: each partner is one job, built whole (read, render, PDF) in its worker on one
core, so every core stays busy from the first partner to the last, and no partner forks
a pool of its own. With one core (or where forking is not safe) the partners build one
after another in this process.

Deliverables go to ``<workspace>/output/<partner>/``; each partner's cache and lock
live in ``<workspace>/.sopgen/<partner>/``, so the deliverables hold only deliverables.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from sopgen.commands.build import build_project
from sopgen.commands.check import check_project
from sopgen.commands.publish import publish
from sopgen.commands.release import release_project
from sopgen.core.catalogue import Catalogue, suggest
from sopgen.core.errors import SopgenError
from sopgen.core.model import Visibility
from sopgen.core.parallel import available_cores, can_fork, forked_pool, use_one_core
from sopgen.core.problems import NOWHERE, Loc, Problem
from sopgen.outputs.table import BuildOptions, Report
from sopgen.reading.load import Project, load_project
from sopgen.reading.workspace import LIBRARY, WORKSPACE_FILE, Workspace, read_workspace
from sopgen.reading.yamlread import LMap

PRIVATE = ".sopgen"  # the workspace's own files: caches and locks, never deliverables


@dataclass(frozen=True)
class PartnerRun:
    """How one partner's run went: a row of the summary table."""

    name: str
    version: str
    ok: bool
    pages: int = 0
    warnings: int = 0
    errors: int = 0
    seconds: float = 0.0
    lines: list[str] = field(default_factory=list)  # its warnings and errors, as printed
    folder: Path | None = None  # where its deliverables went


@dataclass(frozen=True)
class WorkspaceRun:
    workspace: Workspace
    runs: list[PartnerRun]

    @property
    def failed(self) -> list[PartnerRun]:
        return [run for run in self.runs if not run.ok]


def partner_names(folder: Path | str) -> list[str]:
    """The partners' folder names, as the workspace file lists them."""
    return list(read_workspace(folder).partners)


def chosen_partners(workspace: Workspace, partner: str | None) -> dict[str, Path]:
    if partner is None:
        return dict(workspace.partners)
    name = partner.strip().strip("/")
    if name not in workspace.partners:
        raise SopgenError([Problem(NOWHERE, "partner_unknown", {
            **suggest(name, list(workspace.partners)), "name": partner})])
    return {name: workspace.partners[name]}


def build_workspace(folder: Path | str, options: BuildOptions | None = None, *,
                    partner: str | None = None, output: Path | None = None,
                    report: Callable[[str], Report | None] | None = None) -> WorkspaceRun:
    """Build every partner (or one) into ``output/<partner>/``; a partner's errors are
    its row's, and the others still build."""
    return _batch(folder, partner, output, _Work("build", options, report))


def release_workspace(folder: Path | str, *, partner: str | None = None,
                      output: Path | None = None,
                      report: Callable[[str], Report | None] | None = None) -> WorkspaceRun:
    """Release every partner (or one) whose content is ready, as ``sopgen release`` does,
    into ``output/<partner>/``; a partner that cannot be released is its row's error."""
    return _batch(folder, partner, output, _Work("release", None, report))


@dataclass(frozen=True)
class _Job:
    name: str
    path: Path
    version: str
    output: Path
    private: Path


@dataclass(frozen=True)
class _Work:
    what: str  # "build" or "release"
    options: BuildOptions | None
    report: Callable[[str], Report | None] | None


_BATCH: list[tuple[list[_Job], _Work]] = []  # what the pool's forked workers inherit


def _jobs(workspace: Workspace, partner: str | None, output: Path | None) -> list[_Job]:
    """A job per chosen partner: its deliverables in ``output/<partner>/``, its cache and
    lock in the workspace's private folder."""
    chosen = chosen_partners(workspace, partner)
    versions = refuse_duplicate_ids(workspace)
    output_root = output or workspace.root / "output"
    return [_Job(name, path, versions.get(name, ""), output_root / name,
                 workspace.root / PRIVATE / name) for name, path in chosen.items()]


def _batch(folder: Path | str, partner: str | None, output: Path | None,
           work: _Work) -> WorkspaceRun:
    workspace = read_workspace(folder)
    jobs = _jobs(workspace, partner, output)
    _BATCH[:] = [(jobs, work)]  # forked workers inherit it: nothing to pickle
    try:
        workers = min(available_cores(), len(jobs))
        if workers > 1 and can_fork():
            if work.options is None or "pdf" in work.options.formats:
                import weasyprint  # noqa: F401 - imported once, inherited by the workers
            # the largest partners first, so that the last to finish is a small one
            order = sorted(range(len(jobs)), key=lambda index: -_size(jobs[index].path))
            _STARTED[:] = [get_context("fork").Value("i", 0), workers]
            with forked_pool(workers, "building the partners") as pool:
                done = dict(zip(order, pool.map(_in_worker, order), strict=True))
            runs = [done[index] for index in range(len(jobs))]
        else:
            runs = [_one(index) for index in range(len(jobs))]
    finally:
        _BATCH.clear()
        _STARTED.clear()
    return WorkspaceRun(workspace, runs)


def _size(project: Path) -> int:
    """How much content a project has: its YAML files' bytes."""
    return sum(path.stat().st_size for path in (project / "content").rglob("*.y*ml")
               if path.is_file())


_STARTED: list[Any] = []  # how many jobs the pool's workers have started, and the workers


def _in_worker(index: int) -> PartnerRun:
    """One partner on one core while the other workers have partners to build; the last
    partners lay their PDFs out on the cores the finished workers left."""
    started, workers = _STARTED
    with started.get_lock():
        started.value += 1
        left = len(_BATCH[0][0]) - started.value
    use_one_core(left >= workers - 1)
    return _one(index)


def _one(index: int) -> PartnerRun:
    jobs, work = _BATCH[0]
    job = jobs[index]
    started = time.perf_counter()
    report = work.report(job.name) if work.report else None
    try:
        if work.what == "release":
            _, result = release_project(job.path, output=job.output, report=report,
                                        private=job.private)
        else:
            result = build_project(job.path, work.options, output=job.output, report=report,
                                   private=job.private)
    except SopgenError as error:
        return _failed(job.name, job.version, error, started)
    pdfs = [p for p in result.written + result.kept if p.suffix == ".pdf"]
    return PartnerRun(job.name, job.version, True, _pages(pdfs), len(result.warnings), 0,
                      time.perf_counter() - started, result.warnings, result.folder)


# Publish: every partner's site
def publish_workspace(folder: Path | str, *, partner: str | None = None,
                      output: Path | None = None, edition: Visibility = "public",
                      report: Callable[[str], Report | None] | None = None) -> WorkspaceRun:
    """Publish every partner's site (or one's) into ``output/<partner>/site[-<edition>]/``,
    as ``sopgen publish`` does for one project. One partner after another: publishing
    mostly reuses each release's PDF and writes small pages, so there is little for a
    pool to share; a partner that cannot be published is its row's error."""
    workspace = read_workspace(folder)
    runs = []
    for job in _jobs(workspace, partner, output):
        started = time.perf_counter()
        try:
            result = publish(job.path, output=job.output, edition=edition,
                             report=report(job.name) if report else None,
                             private=job.private)
        except SopgenError as error:
            runs.append(_failed(job.name, job.version, error, started))
            continue
        runs.append(PartnerRun(job.name, result.latest, True, 0, len(result.warnings), 0,
                               time.perf_counter() - started, result.warnings,
                               result.folder))
    return WorkspaceRun(workspace, runs)


def check_workspace(folder: Path | str, *, strict: bool = False,
                    partner: str | None = None) -> WorkspaceRun:
    """Check the library (which must hold alone) and every partner (or one)."""
    workspace = read_workspace(folder)
    chosen = chosen_partners(workspace, partner)
    if partner is None and workspace.library is not None:
        chosen = {LIBRARY: workspace.library, **chosen}
    versions = refuse_duplicate_ids(workspace)
    runs = []
    for name, path in chosen.items():
        started = time.perf_counter()
        try:
            checked = check_project(path, strict=strict)
        except SopgenError as error:
            runs.append(_failed(name, versions.get(name, ""), error, started))
            continue
        runs.append(PartnerRun(name, versions.get(name, ""), True, 0, len(checked.warnings),
                               0, time.perf_counter() - started, checked.warnings))
    return WorkspaceRun(workspace, runs)


def _failed(name: str, version: str, error: SopgenError, started: float) -> PartnerRun:
    errors = sum(1 for p in error.problems if p.severity == "error")
    warnings = len(error.problems) - errors
    return PartnerRun(name, version, False, 0, warnings, errors,
                      time.perf_counter() - started, error.lines())


def _pages(pdfs: list[Path]) -> int:
    import pikepdf

    total = 0
    for path in pdfs:
        with pikepdf.open(path) as pdf:
            total += len(pdf.pages)
    return total


def refuse_duplicate_ids(workspace: Workspace) -> dict[str, str]:
    """Each project's version, by name; two projects with one document id are an error,
    as their files and reports would be told apart by nothing."""
    seen: dict[str, list[str]] = {}
    versions: dict[str, str] = {}
    projects = dict(workspace.partners)
    if workspace.library is not None:
        projects[LIBRARY] = workspace.library
    for name, path in projects.items():
        document = _document(path)
        seen.setdefault(str(document.get("id", "")), []).append(name)
        versions[name] = str(document.get("version", ""))
    problems = [Problem(Loc(WORKSPACE_FILE), "workspace_duplicate_id",
                        {"id": ident, "names": ", ".join(names)})
                for ident, names in seen.items() if ident and len(names) > 1]
    if problems:
        raise SopgenError(problems)
    return versions


def _document(path: Path) -> LMap:
    raw, _ = load_project(Project(path))  # tolerant: a partner's mistakes are its row's
    document = raw.get("document")
    return document if isinstance(document, LMap) else LMap()


COLUMNS = ("ws_partner", "ws_version", "ws_status", "ws_pages", "ws_warnings", "ws_errors",
           "ws_time")


def summary_table(run: WorkspaceRun, words: Catalogue, *, pages: bool = True) -> list[str]:
    """The summary as aligned text columns, one row per partner."""
    rows = [[words.label(key) for key in COLUMNS]]
    for item in run.runs:
        rows.append([item.name, item.version or "—",
                     words.label("ws_ok" if item.ok else "ws_failed"),
                     str(item.pages) if pages and item.ok else "—", str(item.warnings),
                     str(item.errors), f"{item.seconds:.1f} s"])
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    return ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
            .rstrip() for row in rows]
