"""Benchmark sopgen against single-process WeasyPrint on synthetic projects.

    .venv/bin/python -m bench.run [--sizes 30,300,1000] [--pdf-sizes 30,300] [--quick]

For each size and format: a full build in a fresh process (wall time of the
``build_project`` call, peak memory of the process tree, PDF pages) and the baselines in
the same run: for PDF, WeasyPrint laying out sopgen's own print HTML as one document in
one process; for Markdown + HTML, a plain pipeline (PyYAML's C loader → Jinja →
markdown-it-py) and MkDocs building the same handbook one page per procedure
(bench/baselines.py). Then the rebuild after editing one procedure's title, the live
preview from save to page, ``sopgen build --format md,html`` of the sample as a whole
process, a second ``publish`` of the sample, and ``sopgen --help``. Prints plain-text
tables, the issue's goals side by side, and writes bench/results/latest.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: bench/run.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import generate, report
from bench.measure import (
    ROOT,
    Measured,
    environment,
    python_path,
    run_worker,
    time_command,
)
from bench.worker import edit_title

RESULTS = ROOT / "bench" / "results" / "latest.json"
FULL = {"sizes": "30,300,1000", "pdf_sizes": "30,300", "rebuild_size": 300, "help_runs": 7,
        "text_rebuild_size": 1000, "preview_sizes": "sample,1000", "runs": 5, "publish": True,
        "workspace_size": 30}
QUICK = {"sizes": "12", "pdf_sizes": "12", "rebuild_size": 12, "help_runs": 3,
         "text_rebuild_size": 12, "preview_sizes": "sample,12", "runs": 3, "publish": False,
         "workspace_size": 12}
PARTNERS = 5  # a workspace's partners in the batch-build row
SAMPLE = "sample"  # the repository's own project (content/ and releases/)


@dataclass(frozen=True)
class Options:
    sizes: list[int]
    pdf_sizes: list[int]
    formats: list[str]
    rebuild_size: int
    rebuild_formats: list[str]
    text_rebuild_size: int
    preview_sizes: list[str]
    runs: int
    publish: bool
    help_runs: int
    repeat: int
    seed: int
    json_path: Path
    sopgen: Path
    label: str
    workspace_size: int = 0
    workspace_formats: tuple[str, ...] = ("md,html",)
    publish_edition: str = "internal"


def numbers(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


def parse(argv: list[str] | None) -> Options:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run of 12 procedures")
    parser.add_argument("--sizes", help=f"procedures per project (default {FULL['sizes']})")
    parser.add_argument("--pdf-sizes",
                        help=f"which of the sizes are built as PDF (default {FULL['pdf_sizes']})")
    parser.add_argument("--formats", default="md,html,md+html,pdf",
                        help="formats to build, each alone; md+html builds both at once")
    parser.add_argument("--rebuild-size", type=int, help="0 skips the rebuild (default 300)")
    parser.add_argument("--rebuild-formats", default="pdf,html")
    parser.add_argument("--text-rebuild-size", type=int,
                        help="md+html rebuild after one edit; 0 skips it (default 1000)")
    parser.add_argument("--preview-sizes",
                        help="live preview: 'sample' and/or sizes; '' skips (default sample,1000)")
    parser.add_argument("--runs", type=int,
                        help="runs of the sample's whole-process build and edits per preview, "
                             "median counts (default 5)")
    parser.add_argument("--publish", action=argparse.BooleanOptionalAction,
                        help="time a second publish of the sample (default: on, off for --quick)")
    parser.add_argument("--help-runs", type=int, help="runs of sopgen --help (default 7)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="run each build and baseline this often, keep the fastest")
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--json", type=Path, default=RESULTS, help="where to write results")
    parser.add_argument("--sopgen", type=Path, default=ROOT,
                        help="measure the sopgen/ package of this checkout (default: this one)")
    parser.add_argument("--label", default="", help="a name for this run, e.g. before")
    parser.add_argument("--workspace-size", type=int,
                        help="procedures per partner in the batch build of a workspace of "
                             f"{PARTNERS} partners; 0 skips it (default 30)")
    parser.add_argument("--workspace-formats", default="md,html;pdf",
                        help="formats of the workspace rows, ';' between rows")
    # The publish row: the sample's newest release is classified internal, and publishing
    # it as the public edition is refused; the internal edition holds every release.
    parser.add_argument("--publish-edition", default="internal",
                        help="the edition the publish row publishes (default internal)")
    args = parser.parse_args(argv)
    preset = QUICK if args.quick else FULL
    pick = {key: getattr(args, key) if getattr(args, key) is not None else value
            for key, value in preset.items()}
    return Options(numbers(pick["sizes"]), numbers(pick["pdf_sizes"]), args.formats.split(","),
                   pick["rebuild_size"], args.rebuild_formats.split(","),
                   pick["text_rebuild_size"],
                   [name for name in pick["preview_sizes"].split(",") if name.strip()],
                   max(1, pick["runs"]), pick["publish"], pick["help_runs"],
                   max(1, args.repeat), args.seed, args.json, args.sopgen.resolve(),
                   args.label, pick["workspace_size"],
                   tuple(part for part in args.workspace_formats.split(";") if part.strip()),
                   args.publish_edition)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def count_pages(measured: Measured) -> int | None:
    pdfs = [path for path in measured.report.get("written", []) if path.endswith(".pdf")]
    if not pdfs:
        return None
    try:
        from pypdf import PdfReader
    except ImportError:  # the test extras are not installed
        return None
    return len(PdfReader(pdfs[0]).pages)


def edited_file(project: Path) -> Path:
    """The procedure an editor changes: the middle one of the technical pillar."""
    files = sorted((project / "content" / "teknis").glob("*.yaml")) or sorted(
        path for path in project.glob("content/*/*.yaml") if path.parent.name != "assets")
    return files[len(files) // 2]


class Bench:
    """The measurements of one run; every build works on its own copy of the project."""

    def __init__(self, options: Options, scratch: Path) -> None:
        self.options = options
        self.scratch = scratch
        self.baselines: dict[int, Measured] = {}
        self.path = python_path(options.sopgen, scratch / "pythonpath")

    def env(self, **extra: str) -> dict[str, str]:
        return environment(self.path, **extra)

    def project(self, size: int) -> Path:
        return generate.ensure(size, seed=self.options.seed)

    def fresh(self, size: int, name: str) -> tuple[Path, Path, dict[str, str]]:
        """A private copy of the project, an empty output folder and an empty cache home."""
        place = self.scratch / name
        shutil.rmtree(place, ignore_errors=True)
        project = Path(shutil.copytree(self.project(size), place / "project"))
        env = self.env(XDG_CACHE_HOME=str(place / "cache"))
        return project, place / "output", env

    def best(self, measure: Callable[[int], Measured]) -> Measured:
        """The fastest of ``--repeat`` runs; every run's time is kept in its report."""
        runs = [measure(index) for index in range(self.options.repeat)]
        fastest = min(runs, key=lambda run: run.seconds)
        fastest.report["all_seconds"] = [run.seconds for run in runs]
        return fastest

    def build_once(self, size: int, fmt: str, index: int) -> Measured:
        project, output, env = self.fresh(size, f"build-{size}-{fmt}-{index}")
        return run_worker(["build", str(project), str(output), fmt], env)

    def build(self, size: int, fmt: str) -> dict[str, Any]:
        measured = self.best(lambda index: self.build_once(size, fmt, index))
        row: dict[str, Any] = {"size": size, "format": fmt, "sopgen": measured.as_json(),
                               "pages": count_pages(measured)}
        log(f"  {fmt:7} {size:5}: {measured.seconds:7.2f} s {measured.peak_mb:7.0f} MB")
        if fmt == "pdf":
            row |= self.baseline(size)
        if fmt == "md+html":
            row |= self.text_baselines(size)
        return row

    def text_baselines(self, size: int) -> dict[str, Any]:
        """The plain pipeline and MkDocs on the same project, each in a fresh process."""
        place = self.scratch / f"text-baselines-{size}"
        plain = self.best(lambda index: run_worker(
            ["plain", str(self.project(size)), str(place / f"plain-{index}")], self.env()))
        log(f"  {'plain':7} {size:5}: {plain.seconds:7.2f} s")
        row: dict[str, Any] = {"plain": plain.as_json()}
        if importlib.util.find_spec("mkdocs") is None:
            log("  mkdocs is not installed (pip install -e '.[bench]'): no MkDocs baseline")
            return row
        pages = run_worker(["mkdocs-project", str(self.project(size)), str(place / "mkdocs")],
                           self.env()).report["pages"]
        mkdocs = self.best(lambda index: run_worker(["mkdocs", str(place / "mkdocs")],
                                                    self.env()))
        log(f"  {'mkdocs':7} {size:5}: {mkdocs.seconds:7.2f} s ({pages} pages)")
        return row | {"mkdocs": mkdocs.as_json(), "mkdocs_pages": pages}

    def sample(self, name: str) -> Path:
        """A private copy of the repository's own project: content/, releases/, templates/."""
        project = self.scratch / name / "project"
        shutil.rmtree(project.parent, ignore_errors=True)
        for part in ("content", "releases", "templates"):
            if (ROOT / part).is_dir():
                shutil.copytree(ROOT / part, project / part)
        return project

    def sample_process(self) -> dict[str, Any]:
        """``sopgen build --format md,html`` of the sample as a whole process: the first
        build into an empty output folder, then builds with nothing changed."""
        project = self.sample("sample-cli")
        output = project.parent / "output"
        command = [*self.sopgen_command(), "build", "--format", "md,html", "--output",
                   str(output), str(project)]
        env = self.env(XDG_CACHE_HOME=str(project.parent / "cache"))
        first = time_command(command, 1, env, warm_up=False)[0]
        times = time_command(command, self.options.runs, env, warm_up=False)
        log(f"  sample md,html whole process: first {first:.2f} s, "
            f"then median {statistics.median(times):.2f} s")
        return {"command": " ".join([*command[:-2], "OUTPUT", "PROJECT"]), "first": first,
                "runs": times, "median_seconds": statistics.median(times)}

    def preview(self, which: str) -> dict[str, Any]:
        """``sopgen serve``: save → the page the browser reloads shows the edit."""
        if which == SAMPLE:
            project = self.sample("preview-sample")
            env = self.env(XDG_CACHE_HOME=str(project.parent / "cache"))
        else:
            project, _, env = self.fresh(int(which), f"preview-{which}")
        measured = run_worker(["preview", str(project), str(edited_file(project)),
                               str(self.options.runs)], env)
        log(f"  preview {which}: median {measured.seconds:.3f} s from save to page "
            f"({measured.report['cpu_per_edit']:.3f} CPU s in the server)")
        return {"project": which, "preview": measured.as_json()}

    def publish(self) -> dict[str, Any]:
        """``sopgen publish`` of the sample twice; the second has nothing new to lay out."""
        project = self.sample("publish")
        output = project.parent / "output"
        command = [*self.sopgen_command(), "publish", "--edition", self.options.publish_edition,
                   "--output", str(output), str(project)]
        env = self.env(XDG_CACHE_HOME=str(project.parent / "cache"))
        first = time_command(command, 1, env, warm_up=False)[0]
        log(f"  publish, first: {first:.1f} s")
        for folder in output.iterdir():  # a fresh clone that kept only output/.cache/
            if folder.name != ".cache" and folder.is_dir():
                shutil.rmtree(folder)
        second = time_command(command, 1, env, warm_up=False)[0]
        log(f"  publish, second (only output/.cache/ kept): {second:.2f} s")
        return {"first_seconds": first, "second_seconds": second}

    def sopgen_command(self) -> list[str]:
        script = Path(sys.executable).parent / "sopgen"
        if script.exists() and self.options.sopgen == ROOT:
            return [str(script)]
        return [sys.executable, "-m", "sopgen"]

    def baseline(self, size: int) -> dict[str, Any]:
        place = self.scratch / f"baseline-{size}"
        place.mkdir(parents=True, exist_ok=True)
        html = place / "print.html"
        prepared = run_worker(["print", str(self.project(size)), str(html)], self.env())
        measured = self.best(lambda index: run_worker(
            ["baseline", str(html), prepared.report["base_url"], str(place / f"{index}.pdf")],
            self.env()))
        self.baselines[size] = measured
        log(f"  {'base':7} {size:5}: {measured.seconds:7.2f} s {measured.peak_mb:7.0f} MB")
        return {"baseline": measured.as_json(), "baseline_pages": count_pages(measured),
                "print_html_bytes": prepared.report["bytes"]}

    def rebuild(self, size: int, fmt: str) -> dict[str, Any]:
        """Build, edit, build in one process; then edit again and build in a new one."""
        project, output, env = self.fresh(size, f"rebuild-{size}-{fmt}")
        target = edited_file(project)
        warm = run_worker(["rebuild", str(project), str(output), fmt, str(target), "1"], env)
        edit_title(target, "2")
        cold = run_worker(["build", str(project), str(output), fmt], env)
        base = self.baselines.get(size) if fmt == "pdf" else None
        log(f"  {fmt:7} {size:5} rebuild: {cold.seconds:7.2f} s")
        return {"size": size, "format": fmt, "edited": target.relative_to(project).as_posix(),
                "first_seconds": warm.report["first_seconds"],
                "same_process_seconds": warm.seconds, "new_process": cold.as_json(),
                "baseline_seconds": base.seconds if base else None}

    def workspace(self, size: int, formats: str) -> dict[str, Any]:
        """Five partners of ``size`` procedures, each generated with its own seed:
        ``sopgen build --workspace`` once, against ``sopgen build`` of each partner in its
        own process, both from empty caches."""
        place = self.scratch / f"workspace-{size}-{formats.replace(',', '-')}"
        shutil.rmtree(place, ignore_errors=True)
        names = [f"partner-{index}" for index in range(1, PARTNERS + 1)]
        for index, name in enumerate(names):  # each its own content: no shared parsing
            project = generate.generate(size, place / "ws" / name,
                                        seed=self.options.seed + index)
            document = next(project.glob("content/dok*.yaml"))
            text = document.read_text(encoding="utf-8")
            document.write_text(re.sub(r"(?m)^  id: .*$", f"  id: SOP-{name.upper()}", text,
                                       count=1), encoding="utf-8")
        listed = ", ".join(f'"{name}"' for name in names)
        (place / "ws" / "sopgen-workspace.toml").write_text(f"partners = [{listed}]\n")
        command = self.sopgen_command()
        separate = 0.0
        for name in names:
            env = self.env(XDG_CACHE_HOME=str(place / "cache-separate" / name))
            separate += time_command([*command, "build", "--format", formats, "--output",
                                      str(place / "separate" / name), str(place / "ws" / name)],
                                     1, env, warm_up=False)[0]
        env = self.env(XDG_CACHE_HOME=str(place / "cache-batch"))
        batch = time_command([*command, "build", "--workspace", "--format", formats,
                              str(place / "ws")], 1, env, warm_up=False)[0]
        log(f"  workspace of {PARTNERS} x {size} ({formats}): {PARTNERS} separate builds "
            f"{separate:.2f} s, one batch build {batch:.2f} s")
        return {"partners": PARTNERS, "size": size, "formats": formats,
                "separate_seconds": separate, "batch_seconds": batch}

    def cli_help(self) -> dict[str, Any]:
        command = self.sopgen_command()
        times = time_command([*command, "--help"], self.options.help_runs, self.env())
        log(f"  sopgen --help: {statistics.median(times):.3f} s")
        return {"command": " ".join([*command, "--help"]), "runs": times,
                "median_seconds": statistics.median(times)}

    def run(self) -> dict[str, Any]:
        options = self.options
        results: dict[str, Any] = {"meta": meta(options), "cli_help": self.cli_help(),
                                   "sample_process": self.sample_process(),
                                   "builds": [], "rebuilds": [], "previews": []}
        for size in options.sizes:
            log(f"{size} procedures: {self.project(size).relative_to(ROOT)}")
            for fmt in options.formats:
                if "pdf" not in fmt.split("+") or size in options.pdf_sizes:
                    results["builds"].append(self.build(size, fmt))
        if options.rebuild_size:
            results["rebuilds"] = [self.rebuild(options.rebuild_size, fmt)
                                   for fmt in options.rebuild_formats]
        if options.text_rebuild_size:
            results["rebuilds"].append(self.rebuild(options.text_rebuild_size, "md+html"))
        results["previews"] = [self.preview(which) for which in options.preview_sizes]
        if options.publish:
            results["publish"] = self.publish()
        if options.workspace_size:
            results["workspaces"] = [self.workspace(options.workspace_size, formats)
                                     for formats in options.workspace_formats]
        results["meta"]["load_average_end"] = os.getloadavg()
        return results


def git(root: Path, *args: str) -> str:
    try:
        return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def sopgen_version(root: Path) -> str:
    text = (root / "sopgen" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r"__version__ = [\"']([^\"']+)", text)
    return match[1] if match else ""


def version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return ""


def meta(options: Options) -> dict[str, Any]:
    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(), "platform": platform.platform(),
        "python": platform.python_version(), "sopgen": sopgen_version(options.sopgen),
        "sopgen_root": str(options.sopgen), "label": options.label,
        "weasyprint": version("weasyprint"),
        "commit": git(options.sopgen, "rev-parse", "--short", "HEAD"),
        "dirty": bool(git(options.sopgen, "status", "--porcelain", "--", "sopgen")),
        "load_average": os.getloadavg(), "seed": options.seed,
        "args": {key: str(value) if isinstance(value, Path) else value
                 for key, value in vars(options).items()},
    }


def save(results: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    partial.replace(path)


def warn_if_busy() -> None:
    load = os.getloadavg()[0]
    if load > 0.5:
        log(f"warning: load average {load:.2f} before starting; other work on this machine "
            "makes the figures noisy (CPU seconds in the JSON are less affected)")


def main(argv: list[str] | None = None) -> None:
    options = parse(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # clean up workers and scratch
    warn_if_busy()
    with tempfile.TemporaryDirectory(prefix="sopgen-bench-") as scratch:
        results = Bench(options, Path(scratch)).run()
    save(results, options.json_path)
    print(report.render(results))
    print(f"\nresults: {options.json_path}")


if __name__ == "__main__":
    main()
