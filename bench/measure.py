"""Run one ``bench.worker`` task in a fresh process and measure it from outside.

Peak memory is the larger of two figures: the process's own peak RSS (``wait4``'s
``ru_maxrss``, which also covers any child it waited for) and the peak of the summed
PSS of the whole process tree, sampled from /proc every 100 ms while there is more than
one process, so a build that fans out to worker processes is charged for all of them at
once (PSS counts a page shared by forked workers once).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PSS = re.compile(r"^(?:Pss|VmRSS):\s+(\d+) kB", re.MULTILINE)


@dataclass
class Measured:
    """What one worker reported, plus what was seen from outside."""

    report: dict[str, Any]
    process_seconds: float
    cpu_seconds: float
    maxrss_mb: float
    tree_pss_mb: float

    @property
    def seconds(self) -> float:
        return float(self.report["seconds"])

    @property
    def peak_mb(self) -> float:
        return max(self.maxrss_mb, self.tree_pss_mb)

    def as_json(self) -> dict[str, Any]:
        return {**self.report, "process_seconds": round(self.process_seconds, 3),
                "cpu_seconds": round(self.cpu_seconds, 3),
                "maxrss_mb": round(self.maxrss_mb, 1), "tree_pss_mb": round(self.tree_pss_mb, 1),
                "peak_mb": round(self.peak_mb, 1)}


def parent_ids() -> dict[int, int]:
    """pid → parent pid of every process we can see."""
    parents = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(entry.path, "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    return parents


def tree(root: int) -> list[int]:
    parents = parent_ids()
    found, frontier = [root], [root]
    while frontier:
        frontier = [pid for pid, parent in parents.items() if parent in frontier]
        found += frontier
    return found


def memory_kb(pid: int) -> int:
    """PSS of one process (RSS where smaps_rollup is missing); 0 once it is gone."""
    for name in ("smaps_rollup", "status"):
        try:
            match = PSS.search(Path(f"/proc/{pid}/{name}").read_text())
        except OSError:
            continue
        if match:
            return int(match[1])
    return 0


@dataclass
class TreeSampler:
    """Polls the summed PSS of a process tree until stopped; keeps the peak.

    Cheap on purpose, so it does not take CPU from what it measures: the tree is
    looked up every ``rescan`` seconds, and memory is read only while the tree has
    more than one process (a lone process's peak is its ``ru_maxrss``).
    """

    root: int
    interval: float = 0.1
    rescan: float = 0.5
    peak_kb: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        if Path("/proc/self/stat").exists():
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        pids, looked = [self.root], time.monotonic()
        while not self._stop.wait(self.interval):
            if time.monotonic() - looked >= self.rescan:
                pids, looked = tree(self.root), time.monotonic()
            if len(pids) > 1:
                self.peak_kb = max(self.peak_kb, sum(memory_kb(pid) for pid in pids))


def python_path(sopgen_root: Path, folder: Path) -> Path:
    """A folder holding only ``bench`` (this one) and ``sopgen`` (the one to measure).

    Workers run with ``python -P`` and this folder as PYTHONPATH, so the package measured
    can be another checkout (an older commit, say) while the harness stays this one.
    """
    folder.mkdir(parents=True, exist_ok=True)
    for name, source in (("bench", ROOT / "bench"), ("sopgen", sopgen_root / "sopgen")):
        if not (folder / name).exists():
            (folder / name).symlink_to(source.resolve(), target_is_directory=True)
    return folder


def environment(pythonpath: Path, **extra: str) -> dict[str, str]:
    """The caller's environment with Python's bytecode cache on, as a user has it."""
    env = {key: value for key, value in os.environ.items()
           if key != "PYTHONDONTWRITEBYTECODE"}
    return env | {"PYTHONPATH": str(pythonpath)} | extra


def run_worker(args: list[str], env: dict[str, str]) -> Measured:
    """Run ``python -m bench.worker ARGS`` and measure it; raise with its stderr on failure."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen([sys.executable, "-P", "-m", "bench.worker", *args],
                                   cwd=ROOT, stdout=out, stderr=err, env=env)
        sampler = TreeSampler(process.pid)
        sampler.start()
        try:
            _, status, usage = os.wait4(process.pid, 0)
        except BaseException:  # interrupted: leave no worker behind
            process.kill()
            process.wait()
            raise
        finally:
            sampler.stop()
        elapsed = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0), err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if process.returncode != 0:
        raise RuntimeError(f"worker {' '.join(args)} failed ({process.returncode}):\n{stderr}")
    report = json.loads(stdout.strip().splitlines()[-1])
    return Measured(report, elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024,
                    sampler.peak_kb / 1024)


def time_command(command: list[str], runs: int, env: dict[str, str], *,
                 warm_up: bool = True) -> list[float]:
    """Wall times of ``command`` run ``runs`` times, after one untimed warm-up run."""
    times = []
    for index in range(runs + warm_up):
        start = time.perf_counter()
        subprocess.run(command, cwd=ROOT, check=True, capture_output=True, env=env)
        if index or not warm_up:
            times.append(time.perf_counter() - start)
    return times
