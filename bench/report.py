"""Plain-text tables of a benchmark run (the JSON that ``bench.run`` writes)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

DASH = "–"


def table(title: str, headers: list[str], rows: list[list[str]]) -> str:
    """A right-aligned table under a title, readable in any terminal or issue note."""
    widths = [max(len(row[i]) for row in [headers, *rows]) for i in range(len(headers))]
    lines = [title, "  ".join(h.rjust(w) for h, w in zip(headers, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    return "\n".join(lines)


def secs(value: float | None) -> str:
    if value is None:
        return DASH
    return f"{value:.3f}" if value < 1 else f"{value:.2f}" if value < 100 else f"{value:.1f}"


def mb(value: float | None) -> str:
    return DASH if value is None else f"{value:.0f}"


def ratio(ours: float | None, base: float | None) -> str:
    return DASH if ours is None or not base else f"{ours / base:.2f}"


def pages(row: dict[str, Any]) -> str:
    ours, theirs = row.get("pages"), row.get("baseline_pages")
    if ours is None:
        return DASH
    return str(ours) if theirs in (None, ours) else f"{ours}≠{theirs}"


BUILD_HEADERS = ["procedures", "sopgen s", "baseline s", "ratio", "sopgen MB", "baseline MB",
                 "ratio", "pages", "process s"]


def build_row(row: dict[str, Any]) -> list[str]:
    ours, base = row["sopgen"], row.get("baseline") or {}
    return [str(row["size"]), secs(ours["seconds"]), secs(base.get("seconds")),
            ratio(ours["seconds"], base.get("seconds")), mb(ours["peak_mb"]),
            mb(base.get("peak_mb")), ratio(ours["peak_mb"], base.get("peak_mb")), pages(row),
            secs(ours["process_seconds"])]


def build_tables(builds: list[dict[str, Any]]) -> list[str]:
    formats = list(dict.fromkeys(row["format"] for row in builds))
    return [table(f"{fmt}: full build, fresh process each",
                  BUILD_HEADERS, [build_row(r) for r in builds if r["format"] == fmt])
            for fmt in formats]


REBUILD_HEADERS = ["format", "procedures", "full build s", "rebuild s", "same process s",
                   "baseline s", "ratio", "rebuild MB"]


def rebuild_row(row: dict[str, Any]) -> list[str]:
    cold = row["new_process"]
    return [row["format"], str(row["size"]), secs(row["first_seconds"]), secs(cold["seconds"]),
            secs(row["same_process_seconds"]), secs(row["baseline_seconds"]),
            ratio(cold["seconds"], row["baseline_seconds"]), mb(cold["peak_mb"])]


def help_line(cli: dict[str, Any]) -> str:
    runs = cli["runs"]
    return (f"sopgen --help: median {secs(cli['median_seconds'])} s of {len(runs)} runs "
            f"(min {secs(min(runs))}, max {secs(max(runs))})")


def render(results: dict[str, Any]) -> str:
    m = results["meta"]
    label = f"[{m['label']}] " if m.get("label") else ""
    parts = [f"{label}sopgen {m['sopgen']} ({m['commit'] or m['sopgen_root']}"
             f"{', modified' if m['dirty'] else ''}), WeasyPrint {m['weasyprint']}, "
             f"Python {m['python']}, {m['cpus']} CPUs, {m['date']}",
             *build_tables(results["builds"])]
    if results["rebuilds"]:
        parts.append(table("rebuild after editing one procedure's title",
                           REBUILD_HEADERS, [rebuild_row(r) for r in results["rebuilds"]]))
    parts.append(help_line(results["cli_help"]))
    return "\n\n".join(parts)


def main(argv: list[str]) -> None:
    """``python -m bench.report [FILE]``: print the tables of a saved run again."""
    path = Path(argv[0]) if argv else Path(__file__).parent / "results" / "latest.json"
    print(render(json.loads(path.read_text(encoding="utf-8"))))


if __name__ == "__main__":
    main(sys.argv[1:])
