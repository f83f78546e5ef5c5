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


TEXT_HEADERS = ["procedures", "sopgen s", "plain s", "ratio", "MkDocs s", "ratio", "pages",
                "sopgen CPU s", "plain CPU s"]


def text_row(row: dict[str, Any]) -> list[str]:
    ours, plain, mkdocs = row["sopgen"], row.get("plain") or {}, row.get("mkdocs") or {}
    return [str(row["size"]), secs(ours["seconds"]), secs(plain.get("seconds")),
            ratio(ours["seconds"], plain.get("seconds")), secs(mkdocs.get("seconds")),
            ratio(ours["seconds"], mkdocs.get("seconds")), str(row.get("mkdocs_pages", DASH)),
            secs(ours["cpu_seconds"]), secs(plain.get("cpu_seconds"))]


def text_table(builds: list[dict[str, Any]]) -> list[str]:
    rows = [text_row(r) for r in builds if r["format"] == "md+html" and "plain" in r]
    if not rows:
        return []
    return [table("md+html against the plain pipeline (PyYAML C loader → Jinja → markdown-it-py)"
                  " and MkDocs (one page per procedure), fresh process each", TEXT_HEADERS, rows)]


def _find(rows: list[dict[str, Any]], fmt: str, size: int | None = None) -> dict[str, Any]:
    found = [r for r in rows if r["format"] == fmt and (size is None or r["size"] == size)]
    return max(found, key=lambda r: r["size"]) if found else {}


def _preview(results: dict[str, Any], which: str) -> float | None:
    rows = [r for r in results.get("previews", []) if r["project"] != "sample"] \
        if which == "largest" else [r for r in results.get("previews", [])
                                    if r["project"] == which]
    return rows[-1]["preview"]["seconds"] if rows else None


def _preview_name(results: dict[str, Any]) -> str:
    rows = [r for r in results.get("previews", []) if r["project"] != "sample"]
    return rows[-1]["project"] if rows else "N"


def goal_rows(results: dict[str, Any]) -> list[list[str]]:
    """The issue's goals, each with this run's figure beside it."""
    builds, rebuilds = results["builds"], results["rebuilds"]
    text, pdf = _find(builds, "md+html"), _find(builds, "pdf")
    text_edit, pdf_edit = _find(rebuilds, "md+html"), _find(rebuilds, "pdf")
    plain = (text.get("plain") or {}).get("seconds")
    base = pdf.get("baseline") or {}
    sample = results.get("sample_process") or {}
    publish = results.get("publish") or {}
    help_seconds = results["cli_help"]["median_seconds"]
    return [
        ["preview: save → page, sample", "≤ 0.3 s", secs(_preview(results, "sample"))],
        [f"preview: save → page, {_preview_name(results)} procedures", "≤ 1 s",
         secs(_preview(results, "largest"))],
        [f"build after one edit, md+html, {text_edit.get('size', DASH)} procedures "
         "(new process / same process)", "≤ 0.5 s",
         f"{secs((text_edit.get('new_process') or {}).get('seconds'))} / "
         f"{secs(text_edit.get('same_process_seconds'))}" if text_edit else DASH],
        ["sopgen build --format md,html of the sample, whole process (median; first)",
         "< 1 s", f"{secs(sample.get('median_seconds'))}; {secs(sample.get('first'))}"
         if sample else DASH],
        [f"cold md+html, {text.get('size', DASH)} procedures (s; × plain pipeline)",
         "< 2 s, ≤ 0.5×", f"{secs(text['sopgen']['seconds'])}; "
         f"{ratio(text['sopgen']['seconds'], plain)}×" if text else DASH],
        [f"full PDF, {pdf.get('size', DASH)} procedures (× single-process time; × memory)",
         "≤ 0.5×, ≤ 0.3×", f"{ratio(pdf['sopgen']['seconds'], base.get('seconds'))}×; "
         f"{ratio(pdf['sopgen']['peak_mb'], base.get('peak_mb'))}×" if pdf else DASH],
        [f"one-edit PDF rebuild, {pdf_edit.get('size', DASH)} procedures (× single-process)",
         "≤ 0.08×", ratio((pdf_edit.get("new_process") or {}).get("seconds"),
                          pdf_edit.get("baseline_seconds")) + "×" if pdf_edit else DASH],
        ["second publish, nothing changed, only output/.cache/ kept (first)", "≤ 3 s",
         f"{secs(publish.get('second_seconds'))} ({secs(publish.get('first_seconds'))})"
         if publish else DASH],
        ["sopgen --help (median)", "< 0.2 s", secs(help_seconds)],
    ]


def help_line(cli: dict[str, Any]) -> str:
    runs = cli["runs"]
    return (f"sopgen --help: median {secs(cli['median_seconds'])} s of {len(runs)} runs "
            f"(min {secs(min(runs))}, max {secs(max(runs))})")


def render(results: dict[str, Any]) -> str:
    m = results["meta"]
    label = f"[{m['label']}] " if m.get("label") else ""
    load = "/".join(f"{value:.1f}" for value in m["load_average"])
    parts = [f"{label}sopgen {m['sopgen']} ({m['commit'] or m['sopgen_root']}"
             f"{', modified' if m['dirty'] else ''}), WeasyPrint {m['weasyprint']}, "
             f"Python {m['python']}, {m['cpus']} CPUs, {m['date']}, load average {load} "
             "at the start",
             *build_tables(results["builds"]), *text_table(results["builds"])]
    if results["rebuilds"]:
        parts.append(table("rebuild after editing one procedure's title",
                           REBUILD_HEADERS, [rebuild_row(r) for r in results["rebuilds"]]))
    if results.get("workspaces"):
        parts.append(table(
            "a workspace: sopgen build --workspace against one sopgen build per partner "
            "(whole processes, empty caches)",
            ["partners", "procedures each", "formats", "separate s", "batch s", "ratio"],
            [[str(r["partners"]), str(r["size"]), r["formats"], secs(r["separate_seconds"]),
              secs(r["batch_seconds"]), ratio(r["separate_seconds"], r["batch_seconds"])]
             for r in results["workspaces"]]))
    parts.append(help_line(results["cli_help"]))
    parts.append(table("the goals of this round, side by side", ["measure", "goal", "this run"],
                       goal_rows(results)))
    return "\n\n".join(parts)


def main(argv: list[str]) -> None:
    """``python -m bench.report [FILE]``: print the tables of a saved run again."""
    path = Path(argv[0]) if argv else Path(__file__).parent / "results" / "latest.json"
    print(render(json.loads(path.read_text(encoding="utf-8"))))


if __name__ == "__main__":
    main(sys.argv[1:])
