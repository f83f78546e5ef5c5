"""Where one build spends its time: cProfile over ``build_project``.

    .venv/bin/python -m bench.profiling --size 300 --format html [--top 25] [--save FILE]

Builds a private copy of the generated project (so no cache or output is reused) and
prints the functions with the most time of their own, then the most cumulative time.
Open a saved profile with ``python -m pstats FILE`` or a viewer such as snakeviz.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import shutil
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):  # run as a script: bench/profiling.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import generate


def profile_build(project: Path, fmt: str) -> cProfile.Profile:
    from sopgen.commands.build import build_project
    from sopgen.outputs.table import BuildOptions

    profiler = cProfile.Profile()
    with tempfile.TemporaryDirectory(prefix="sopgen-profile-") as scratch:
        copy = Path(shutil.copytree(project, Path(scratch) / "project"))
        profiler.runcall(build_project, copy, BuildOptions(formats=[fmt]),
                         output=Path(scratch) / "output")
    return profiler


def show(profiler: cProfile.Profile, top: int) -> None:
    stats = pstats.Stats(profiler).strip_dirs()
    for order in ("tottime", "cumulative"):
        print(f"\n=== top {top} by {order} ===")
        stats.sort_stats(order).print_stats(top)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=300)
    parser.add_argument("--format", default="html", choices=["md", "html", "pdf"])
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--save", type=Path, help="also write the raw profile here")
    parser.add_argument("--seed", type=int, default=8)
    args = parser.parse_args(argv)
    profiler = profile_build(generate.ensure(args.size, seed=args.seed), args.format)
    if args.save:
        profiler.dump_stats(args.save)
    show(profiler, args.top)


if __name__ == "__main__":
    main()
