"""What reading a handbook costs, phase by phase, in CPU seconds (best of N runs).

    .venv/bin/python -m bench.reading --size 1000 [--runs 5] [--sopgen PATH]

Loads (YAML files → located data), validates, checks assets and attachments, and
gathers the reviewer warnings of the generated project, as ``read_handbook`` does, with
the garbage collector paused as there. Each run reads every file again (the in-process
memo of read files is emptied first). ``--sopgen`` measures the ``sopgen/`` package of
another checkout, say an unpacked ``git archive`` of an older commit, in the same run.
The last line is a digest of every problem found and the handbook, to compare two
checkouts: the same content must give the same digest.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import hashlib
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: bench/reading.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import generate

TODAY = dt.date(2026, 1, 1)  # fixed, so that two checkouts give the same warnings


def measure(project: Path, runs: int) -> tuple[dict[str, float], str, int]:
    from sopgen.core.catalogue import format_problems
    from sopgen.reading import yamlread
    from sopgen.reading.attachments import attachment_problems
    from sopgen.reading.load import Project, load_project
    from sopgen.reading.review import reviewer_warnings
    from sopgen.reading.validate import asset_problems, validate

    best: dict[str, float] = {}
    found: list[Any] = []
    handbook: Any = None
    gc.disable()
    try:
        for _ in range(runs):
            yamlread._READ.clear()
            read = Project.at(project)
            times = [time.process_time()]
            raw, found = load_project(read)
            times.append(time.process_time())
            handbook, problems = validate(raw)
            found += problems
            times.append(time.process_time())
            found += asset_problems(handbook, read.assets)
            found += attachment_problems(handbook, read.assets)
            times.append(time.process_time())
            found += reviewer_warnings(handbook, TODAY, raw.loc)
            times.append(time.process_time())
            for name, start, end in zip(("load", "validate", "assets", "review"), times,
                                        times[1:], strict=False):
                best[name] = min(best.get(name, float("inf")), end - start)
            gc.collect()
    finally:
        gc.enable()
    text = "\n".join(format_problems(found, handbook.document.language)) + repr(handbook)
    return best, hashlib.sha256(text.encode()).hexdigest()[:16], len(found)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--sopgen", type=Path, help="the checkout whose sopgen/ is measured")
    args = parser.parse_args(argv)
    project = generate.ensure(args.size, seed=args.seed)
    if args.sopgen:
        sys.path.insert(0, str(args.sopgen.resolve()))
        for name in [name for name in sys.modules if name.split(".")[0] == "sopgen"]:
            del sys.modules[name]
    import sopgen

    best, digest, count = measure(project, args.runs)
    print(f"sopgen from {Path(sopgen.__file__).parent}")
    print("  ".join(f"{name} {seconds:.3f} s" for name, seconds in best.items())
          + f"  total {sum(best.values()):.3f} s (CPU, best of {args.runs})")
    print(f"{count} problems, digest {digest}")


if __name__ == "__main__":
    main()
