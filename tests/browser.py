"""Debian's Chromium driven by Playwright (never a downloaded browser), and the W3C checker."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
VNU = Path(__file__).resolve().parent.parent / "node_modules" / "vnu-jar" / "build" / "dist" \
    / "vnu.jar"


@contextmanager
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()


def validate_html(files: list[Path]) -> subprocess.CompletedProcess[str]:
    """The W3C Nu HTML checker on ``files``; exit status 0 means no errors."""
    return subprocess.run(["java", "-jar", str(VNU), "--errors-only", *map(str, files)],
                          capture_output=True, text=True, check=False)


PHONE_WIDTHS = (320, 390)


def overflowing(page: Any, files: list[Path], widths: tuple[int, ...] = PHONE_WIDTHS,
                height: int = 800) -> list[str]:
    """Each page of ``files`` opened once, then measured at every width: the pages that
    scroll sideways (``scrollWidth > innerWidth``), as "file @ width: scrollWidth"."""
    wide = []
    for path in files:
        page.set_viewport_size({"width": widths[0], "height": height})
        page.goto(path.as_uri())
        for width in widths:
            page.set_viewport_size({"width": width, "height": height})
            scroll, inner = page.evaluate(
                "[document.documentElement.scrollWidth, window.innerWidth]")
            if scroll > inner:
                wide.append(f"{path.name} @ {width}: {scroll}")
    return wide


def axe_violations(page: Any, files: list[Path]) -> list[str]:
    """axe-core's violations on each page at the page's current viewport, one line each."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    found = []
    for path in files:
        page.goto(path.as_uri())
        results = axe.run(page)
        if results.violations_count:
            found.append(f"{path}:\n{results.generate_report()}")
    return found


def distinct(files: list[Path]) -> list[Path]:
    """``files`` without byte-identical copies: ``latest/`` repeats the newest version,
    and the same page with the same theme renders the same."""
    return list({path.read_bytes(): path for path in reversed(files)}.values())[::-1]
