"""Debian's Chromium driven by Playwright (never a downloaded browser), and the W3C checker."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

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
