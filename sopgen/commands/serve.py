"""``serve``: a live preview on 127.0.0.1 that rebuilds on every save.

A watcher thread polls the project's content/ and templates/ (no extra dependency, and
it works the same on every file system), rebuilds the HTML handbook in memory, and
bumps a counter. The page asks for the counter and the server answers as soon as it moves
on (a long poll), so the page reloads the moment the rebuild is done. A rebuild renders
only the procedures and texts that changed (see ``render.Fragments`` and
``render._rendered_before``), reads old release snapshots once, and shows the page before
the reviewer's warnings are found: they follow, with a second reload, only when they
changed. When the content has
a mistake, the page shows the problem (file, line, message) and the terminal prints it;
the last good build stays available at /last-good.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from markupsafe import escape

from sopgen.core.cache import Store
from sopgen.core.catalogue import catalogue, default_language
from sopgen.core.errors import SopgenError
from sopgen.core.problems import Problem
from sopgen.outputs.table import BuildOptions, render_outputs
from sopgen.reading.handbook import Checked, read_handbook, reviewed
from sopgen.reading.load import Project

RELOAD_SCRIPT = b"""<script>
(function () {
  var seen = null;
  function poll() {
    var url = "/__sopgen/state" + (seen === null ? "" : "?after=" + seen);
    fetch(url, {cache: "no-store"}).then(function (r) { return r.json(); })
      .then(function (s) { if (seen !== null && s.build !== seen) { location.reload(); }
                           seen = s.build; setTimeout(poll, 0); })
      .catch(function () { setTimeout(poll, 1000); });
  }
  poll();
})();
</script>
"""


LONG_POLL = 20.0  # seconds a state request waits for a new build before answering anyway
WATCH_INTERVAL = 0.1  # seconds between looks at the files
SETTLE = 0.03  # a change is built once the files look the same this much later


@dataclass
class Preview:
    """What the server shows: the last good page, the current problem, a build counter."""

    project: Project
    good_html: bytes = b""
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # of the last good build, with places
    build: int = 0
    language: str = field(default_factory=default_language)  # the document's, once read
    lock: threading.Lock = field(default_factory=threading.Lock)
    # In memory only: procedures rendered by an earlier save are not rendered again.
    store: Store = field(default_factory=lambda: Store(None))
    reviewed: list[Problem] = field(default_factory=list)  # the last reviewer warnings
    built: threading.Condition = field(init=False)

    def __post_init__(self) -> None:
        self.built = threading.Condition(self.lock)

    def rebuild(self, report: Callable[[str], None]) -> None:
        """Read, render and show the page; the reviewer's warnings come after it (they
        are a third of reading a large handbook), and the page is shown again only when
        they differ from the last build's."""
        started = time.perf_counter()
        checked: Checked | None = None
        try:
            checked = read_handbook(self.project.root, review=False)
            self.language = checked.handbook.document.language
            files, rendered = render_outputs(checked, BuildOptions(formats=["html"]),
                                             draft=True, store=self.store)
            html = next(iter(files.values()))
            errors: list[str] = []
            seen = replace(checked, problems=checked.problems + self.reviewed)
            warnings = list(dict.fromkeys([*seen.warnings, *rendered]))
        except SopgenError as error:  # the page around it speaks the document's language too
            self.language = error.language = error.language or self.language
            html, errors, warnings = b"", error.lines(), []
        except Exception as error:  # the watcher must outlive anything a save can cause
            bug = SopgenError.of("internal_error", language=self.language,
                                 detail=f"{type(error).__name__}: {error}")
            html, errors, warnings = b"", bug.lines(), []
        self._show(html, errors, warnings)
        if html and checked is not None:
            errors = self._review(checked, warnings, rendered)
        for line in errors:
            report(line)
        if not errors:
            words = catalogue(self.language)
            report(words.label("preview_rebuilt").format(
                seconds=f"{time.perf_counter() - started:.2f}"))

    def _show(self, html: bytes, errors: list[str], warnings: list[str]) -> None:
        with self.lock:
            if html:
                self.good_html = html
                self.warnings = warnings
            self.errors = errors
            self.build += 1
            self.built.notify_all()

    def _review(self, checked: Checked, shown: list[str], rendered: list[str]) -> list[str]:
        """The reviewer's warnings of the page just shown: shown again if they changed."""
        try:
            full = reviewed(checked)
        except Exception as error:  # as in ``rebuild``: shown, never lost
            bug = SopgenError.of("internal_error", language=self.language,
                                 detail=f"{type(error).__name__}: {error}")
            self._show(b"", bug.lines(), [])
            return bug.lines()
        self.reviewed = full.problems[len(checked.problems):]
        warnings = list(dict.fromkeys([*full.warnings, *rendered]))
        if warnings != shown:
            self._show(self.good_html, [], warnings)
        return []

    def wait_for_build(self, after: int, timeout: float = LONG_POLL) -> dict[str, object]:
        """The state once the build counter is past ``after`` (or after ``timeout``)."""
        with self.lock:
            self.built.wait_for(lambda: self.build != after, timeout)
            return {"build": self.build, "ok": not self.errors}

    def page(self) -> bytes:
        with self.lock:
            if self.errors:
                return error_page(self.errors, bool(self.good_html), self.language)
            return inject(self.good_html, warnings_panel(self.warnings, self.language))


def inject(html: bytes, extra: bytes = b"") -> bytes:
    return html.replace(b"</body>", extra + RELOAD_SCRIPT + b"</body>", 1)


def warnings_panel(warnings: list[str], language: str) -> bytes:
    """The build's warnings (file:line: what — what to do) over the page, in the document's
    language: a text cut at ' #' or a folder not read must show where staff look."""
    if not warnings:
        return b""
    words = catalogue(language)
    heading = escape(words.label("preview_warnings").format(count=len(warnings)))
    items = "".join(f"<li><code>{escape(line)}</code></li>" for line in warnings)
    return (f'<aside id="sopgen-preview-warnings" lang="{escape(language)}" role="status" '
            f'style="position:fixed;bottom:0;right:0;z-index:9999;max-width:40rem;'
            f"max-height:40vh;overflow:auto;background:#fff8e1;color:#222;"
            f'border:2px solid #b26a00;padding:.25rem .75rem;font:14px/1.4 sans-serif">'
            f"<details open><summary><strong>{heading}</strong></summary>"
            f'<ol style="padding-left:1.5rem">{items}</ol></details></aside>').encode()


def error_page(errors: list[str], has_good: bool, language: str) -> bytes:
    """The preview while the content has problems, in the document's language."""
    words = catalogue(language)
    items = "".join(f"<li><code>{escape(line)}</code></li>" for line in errors)
    link = (f'<p><a href="/last-good">{escape(words.label("preview_last_good"))}</a></p>'
            if has_good else "")
    heading = escape(words.label("preview_problems").format(count=len(errors)))
    page = (f'<!DOCTYPE html><html lang="{escape(language)}"><head><meta charset="utf-8">'
            f"<title>sopgen: {heading}</title><style>body{{font-family:sans-serif;"
            f"max-width:60rem;margin:2rem auto;padding:0 1rem}}li{{margin:.5rem 0}}"
            f"code{{white-space:pre-wrap}}</style></head><body>"
            f"<h1>{heading}</h1><ol>{items}</ol>{link}"
            f"</body></html>")
    return inject(page.encode())


def snapshot(project: Project) -> tuple[tuple[str, int, int], ...]:
    """What changed on disk: every file's path, modification time and size."""
    entries = []
    for folder in (project.content, project.templates):
        if folder.is_dir():
            for path in folder.rglob("*"):
                try:
                    stat = path.stat()
                except OSError:  # an editor's temporary file, gone again already
                    continue
                if path.is_file():
                    entries.append((str(path), stat.st_mtime_ns, stat.st_size))
    return tuple(sorted(entries))


def watch(preview: Preview, stop: threading.Event, report: Callable[[str], None],
          interval: float = WATCH_INTERVAL,
          seen: tuple[tuple[str, int, int], ...] | None = None) -> None:
    """Rebuild whenever the files differ from ``seen`` (taken before the first build, so
    a save made while it ran, or while this thread starts, is built too)."""
    if seen is None:
        seen = snapshot(preview.project)
    while not stop.wait(interval):
        current = snapshot(preview.project)
        if current == seen:
            continue
        settled = _settled(preview.project, current, stop)
        if settled is None:
            return
        seen = settled
        preview.rebuild(report)


def _settled(project: Project, current: tuple[tuple[str, int, int], ...],
             stop: threading.Event) -> tuple[tuple[str, int, int], ...] | None:
    """The files once two looks ``SETTLE`` apart agree (a save may still be writing), or
    None when the preview stops first."""
    while not stop.wait(SETTLE):
        again = snapshot(project)
        if again == current:
            return current
        current = again
    return None


def handler_for(preview: Preview) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            host = (self.headers.get("Host") or "").rsplit(":", 1)[0]
            if host not in ("127.0.0.1", "localhost"):  # no DNS rebinding to the draft
                self.send_error(HTTPStatus.FORBIDDEN)
                return
            path, _, query = self.path.partition("?")
            if path == "/__sopgen/state":
                after = query.removeprefix("after=")
                state = preview.wait_for_build(int(after) if after.isdigit() else -1)
                self.send(json.dumps(state).encode(), "application/json")
            elif self.path in ("/", "/index.html"):
                self.send(preview.page(), "text/html; charset=utf-8")
            elif self.path == "/last-good":
                with preview.lock:
                    self.send(inject(preview.good_html), "text/html; charset=utf-8")
            else:
                self.send_error(HTTPStatus.NOT_FOUND)

        def send(self, body: bytes, kind: str) -> None:
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # keep the terminal calm
            return

    return Handler


@dataclass
class Server:
    """A running preview: its address, and how to stop it (tests use this directly)."""

    preview: Preview
    http: ThreadingHTTPServer
    stop_event: threading.Event

    @property
    def url(self) -> str:
        host, port = self.http.server_address[:2]
        return f"http://{host!s}:{port}/"

    def stop(self) -> None:
        self.stop_event.set()
        self.http.shutdown()
        self.http.server_close()


def start(folder: Path | str, *, port: int = 8000,
          report: Callable[[str], None] = print) -> Server:
    """Build once, then serve and watch in background threads."""
    preview = Preview(Project.at(folder))
    seen = snapshot(preview.project)
    preview.rebuild(report)
    try:
        http = ThreadingHTTPServer(("127.0.0.1", port), handler_for(preview))
    except OSError as error:
        raise SopgenError.of("port_in_use", language=preview.language, port=port,
                             reason=error.strerror or error) from None
    stop = threading.Event()
    threading.Thread(target=http.serve_forever, daemon=True).start()
    threading.Thread(target=watch, args=(preview, stop, report, WATCH_INTERVAL, seen),
                     daemon=True).start()
    return Server(preview, http, stop)
