"""The ``sopgen`` command: parse options, make one library call, report.

Each command imports the library lazily so ``sopgen --help`` stays fast, and turns
a ``SopgenError`` into one line per problem on stderr and exit code 1.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from sopgen import __version__
from sopgen.core.model import PILLARS
from sopgen.outputs import ARTEFACTS, DEFAULT_FORMATS, FORMATS

if TYPE_CHECKING:
    from sopgen.commands.build import BuildResult
    from sopgen.commands.workspace import WorkspaceRun
    from sopgen.core.model import Visibility
    from sopgen.core.problems import Problem
    from sopgen.outputs.table import BuildOptions
    from sopgen.rendering.pdfengine import PdfEngine

app = typer.Typer(
    help="SOP handbooks as code: YAML in, Markdown, HTML and PDF out.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)


ProjectArg = Annotated[Path, typer.Argument(help="The project folder (holds content/).")]
OutputOption = Annotated[Path | None, typer.Option(
    "--output", "-o", help="Output folder. Default: the project's output/.")]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"sopgen {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Show the version and exit.")] = False,
) -> None:
    """SOP handbooks as code."""


@contextmanager
def user_errors() -> Iterator[None]:
    """Report a user's mistake as its lines and exit 1, never as a traceback."""
    from sopgen.core.errors import OptionError, SopgenError

    try:
        yield
    except OptionError as error:  # a wrong value on the command line: named by its flag
        flag = "--" + error.option.replace("_", "-")
        for line in error.lines():
            typer.echo(f"{flag}: {line}", err=True)
        raise typer.Exit(2) from None
    except SopgenError as error:
        for line in error.lines():
            typer.echo(line, err=True)
        raise typer.Exit(1) from None
    except KeyboardInterrupt:  # Ctrl-C: outputs are written whole or not at all
        _say("cli_interrupted", err=True)
        raise typer.Exit(130) from None
    except OSError as error:  # a folder that cannot be written, a full disk, ...
        problem = SopgenError.of("file_error", path=error.filename or "",
                                 reason=error.strerror or error)
        for line in problem.lines():
            typer.echo(line.removeprefix(": "), err=True)
        raise typer.Exit(1) from None


def _say(key: str, language: str | None = None, *, err: bool = False, **params: object) -> None:
    """One line from the label catalogue, in the document's language if known."""
    from sopgen.core.catalogue import catalogue, default_language

    words = catalogue(language or default_language())
    typer.echo(words.label(key).format(**params), err=err)


def _warn(lines: list[str]) -> None:
    for line in lines:
        typer.echo(line, err=True)


@app.command()
def validate(project: ProjectArg = Path(".")) -> None:
    """Check the content and report every problem with file and line."""
    with user_errors():
        from sopgen.core.catalogue import catalogue
        from sopgen.reading.handbook import read_handbook

        checked = read_handbook(project)
        language = checked.handbook.document.language
        more = catalogue(language).label("cli_validate_more") if checked.warnings else ""
        _say("cli_validate_ok", language, content=checked.project.show(checked.project.content),
             count=len(checked.handbook.procedures), more=more)


WorkspaceOption = Annotated[bool, typer.Option(
    "--workspace", help="PROJECT is a workspace: run every partner (see sopgen partners).")]
PartnerOption = Annotated[str | None, typer.Option(
    "--partner", help="With --workspace: only this partner (its folder name).")]


@app.command()
def check(
    project: ProjectArg = Path("."),
    strict: Annotated[bool, typer.Option("--strict", help="Fail on warnings too.")] = False,
    workspace: WorkspaceOption = False,
    partner: PartnerOption = None,
    annotations: Annotated[str | None, typer.Option(
        "--annotations", callback=lambda v: v and _choose(v, ("github", "gitlab"),
                                                          "an annotation format"),
        help="Also report the problems for CI, on the changed lines: github (workflow "
             "commands on stdout) or gitlab (a Code Quality report file).")] = None,
    report: Annotated[Path, typer.Option(
        "--report", help="Where --annotations gitlab writes its Code Quality report "
                         "(relative to the current folder).")] = Path(
        "gl-code-quality-report.json"),
) -> None:
    """Validate, plus what a reviewer would raise: overdue reviews, unused roles and terms,
    steps that say too little, adopted procedures the library has changed since.
    --strict turns these warnings into errors."""
    with user_errors():
        from sopgen.commands.adoption import adoption_drift, drift_lines, words_of
        from sopgen.commands.check import check_project, edition_lines

        if workspace or partner:
            from sopgen.commands.workspace import check_workspace

            run = check_workspace(project, strict=strict, partner=partner)
            _report_workspace(run, pages=False)
            _say("cli_workspace_checked", count=len(run.runs))
            return
        with _annotated(project, annotations, report) as annotate:
            checked = check_project(project, strict=strict)
            annotate(checked.problems, checked.handbook.document.language)
        _warn(checked.warnings)
        for line in drift_lines(adoption_drift(checked), words_of(checked)):
            typer.echo(line, err=True)
        _say("cli_check_summary", checked.handbook.document.language,
             content=checked.project.show(checked.project.content),
             count=len(checked.handbook.procedures), warnings=len(checked.warnings))
        for line in edition_lines(checked):
            typer.echo(line)


@contextmanager
def _annotated(project: Path, annotations: str | None,
               report: Path) -> Iterator[Callable[[list[Problem], str], None]]:
    """Give ``check`` a way to annotate its problems for CI, and annotate the errors that
    stop it too (before they are printed as lines and the command exits)."""
    from sopgen.core.errors import SopgenError

    def annotate(problems: list[Problem], language: str) -> None:
        if annotations is None:
            return
        from sopgen.commands.annotate import annotate_for_ci

        for line in annotate_for_ci(annotations, problems, language, project, report):
            typer.echo(line)

    try:
        yield annotate
    except SopgenError as error:
        if any(p.loc.file for p in error.problems):  # the content's problems, not options'
            from sopgen.core.catalogue import default_language

            annotate(error.problems, error.language or default_language())
        raise


def _choose(value: str, allowed: tuple[str, ...], what: str,
            aliases: dict[str, str] | None = None) -> str:
    """``value`` as one of ``allowed`` (any case, or an alias), or a usage error that says
    what was meant: click's own message leaks Python's "Value error," and has no hint."""
    from sopgen.core.catalogue import suggest

    aliases = aliases or {}
    key = value.strip().lower()
    key = aliases.get(key, key)
    if key in allowed:
        return key
    close = str(suggest(key, [*allowed, *aliases])["suggestion"])
    meant = f" (did you mean '{aliases.get(close, close)}'?)" if close else ""
    raise typer.BadParameter(f"'{value}' is not {what}{meant} — use one of: "
                             f"{', '.join(allowed)}")


def _one_of(allowed: tuple[str, ...], what: str,
            aliases: dict[str, str] | None = None) -> Callable[[str], str]:
    return lambda value: _choose(value, allowed, what, aliases)


def _names(values: list[str] | None, allowed: tuple[str, ...], what: str) -> list[str]:
    """``-f md,html -f pdf`` → the names, each checked, each once."""
    names = [_choose(name, allowed, what) for value in values or []
             for name in value.split(",") if name.strip()]
    return list(dict.fromkeys(names))


PILLAR_WORDS = {"manajemen": "management", "teknis": "technical", "konten": "content"}
EDITIONS = ("public", "internal", "restricted")


def _format_names(values: list[str] | None) -> list[str]:
    return _names(values, FORMATS, "a format")


def _artefact_names(values: list[str] | None) -> list[str]:
    if not values:
        return []
    return _names(values, ARTEFACTS, "an artefact")


@app.command()
def build(
    project: ProjectArg = Path("."),
    format: Annotated[list[str] | None, typer.Option(
        "--format", "-f", callback=_format_names,
        help="md, html, pdf or docx (comma-separated or repeated). Default: md, html "
             "and pdf.")] = None,
    output: OutputOption = None,
    release: Annotated[str | None, typer.Option(
        "--release", help="Rebuild this released version from its snapshot.")] = None,
    artefacts: Annotated[list[str] | None, typer.Option(
        "--artefacts", "-a", callback=_artefact_names,
        help="Also build: raci, checklists, calendar, acknowledgements "
             "(comma-separated or repeated).")] = None,
    everything: Annotated[bool, typer.Option(
        "--all", help="Every format and every artefact.")] = False,
    role: Annotated[str | None, typer.Option(
        "--role", help="Build only what this role does or approves (a role id).")] = None,
    fillable: Annotated[bool, typer.Option(
        "--fillable", help="Checklist sheets with fillable PDF form fields.")] = False,
    site_url: Annotated[str, typer.Option(
        "--site-url", help="Address of the published site, for links in the calendar.")] = "",
    pdf_engine: Annotated[str, typer.Option(
        "--pdf-engine", callback=_one_of(("parallel", "single"), "a PDF engine"),
        help="parallel (parts on every core, the default) or single (one WeasyPrint "
             "document).")] = "parallel",
    edition: Annotated[str | None, typer.Option(
        "--edition", callback=lambda v: v and _choose(v, EDITIONS, "an edition"),
        help="Only what this audience may read: public, internal or restricted; "
             "-EDITION in every file name. Default: the whole handbook.")] = None,
    workspace: WorkspaceOption = False,
    partner: PartnerOption = None,
) -> None:
    """Build the handbook into OUTPUT/<version>/ as Markdown, HTML and PDF.

    Content that is not a release builds as a draft, into OUTPUT/<version>-draft/.
    With --workspace, every partner builds into OUTPUT/<partner>/ (default: the
    workspace's output/), and a table sums up how each went.
    """
    with user_errors():
        from sopgen.commands.build import build_project, build_release

        formats = list(FORMATS) if everything else format or list(DEFAULT_FORMATS)
        options = _build_options(formats,
                                 artefacts or [], everything, role=role, fillable=fillable,
                                 site_url=site_url, pdf_engine=pdf_engine, edition=edition)
        if workspace or partner:
            from sopgen.commands.workspace import build_workspace

            if release:
                raise typer.BadParameter("--release rebuilds one project's release; give "
                                         "the partner's folder instead of --workspace")
            run = build_workspace(project, options, partner=partner, output=output,
                                  report=lambda name: _Progress(name))
            _report_workspace(run)
            _say("cli_workspace_ok", count=len(run.runs),
                 folder=output or run.workspace.root / "output")
            return
        if release:
            result = build_release(project, release, options, output=output,
                                   report=_Progress())
        else:
            result = build_project(project, options, output=output, report=_Progress())
        _report_build(result)


def _build_options(formats: list[str], names: list[str], everything: bool, *,
                   role: str | None, fillable: bool, site_url: str,
                   pdf_engine: str, edition: str | None = None) -> BuildOptions:
    from sopgen.outputs.table import BuildOptions

    chosen = list(ARTEFACTS) if everything else names
    if fillable and "checklists" not in chosen:
        chosen = [*chosen, "checklists"]  # asking for fillable sheets is asking for sheets
    engine: PdfEngine = "single" if pdf_engine == "single" else "parallel"
    audience: dict[str, Visibility] = {"public": "public", "internal": "internal",
                                       "restricted": "restricted"}
    return BuildOptions(formats=formats, artefacts=chosen, role=role, fillable=fillable,
                        site_url=site_url, pdf_engine=engine,
                        edition=audience[edition] if edition else None)


def _report_workspace(run: WorkspaceRun, *, pages: bool = True) -> None:
    """Each partner's messages under its name, the summary table, and exit 1 if any
    partner failed."""
    from sopgen.commands.workspace import summary_table
    from sopgen.core.catalogue import catalogue, default_language

    words = catalogue(default_language())
    for item in run.runs:
        for line in item.lines:
            typer.echo(f"[{item.name}] {line}", err=True)
    for line in summary_table(run, words, pages=pages):
        typer.echo(line)
    failed = run.failed
    if failed:
        _say("cli_workspace_failed", failed=len(failed), count=len(run.runs), err=True)
        raise typer.Exit(1)


def _report_build(result: BuildResult) -> None:
    _warn(result.warnings)
    for path in result.written:
        _say("cli_wrote", result.language, path=path)
    for path in result.kept:
        _say("cli_kept", result.language, path=path)


@app.command()
def release(project: ProjectArg = Path("."), output: OutputOption = None,
            workspace: WorkspaceOption = False, partner: PartnerOption = None) -> None:
    """Release the current version: freeze its content in releases/ and build it.

    Needs status approved, at least one approval and a revision-history entry. With
    --workspace, every partner is released (each on its own terms) into OUTPUT/<partner>/.
    """
    with user_errors():
        from sopgen.commands.release import release_project

        if workspace or partner:
            from sopgen.commands.workspace import release_workspace

            run = release_workspace(project, partner=partner, output=output,
                                    report=lambda name: _Progress(name))
            _report_workspace(run)
            _say("cli_workspace_ok", count=len(run.runs),
                 folder=output or run.workspace.root / "output")
            return

        snapshot, result = release_project(project, output=output, report=_Progress())
        _say("cli_released", result.language, path=snapshot)
        _report_build(result)


@app.command()
def publish(
    project: ProjectArg = Path("."),
    output: OutputOption = None,
    edition: Annotated[str, typer.Option(
        "--edition", callback=_one_of(EDITIONS, "an edition"),
        help="Who the site is for: public (the default: only what is public, into "
             "OUTPUT/site/), or internal / restricted for an intranet (into "
             "OUTPUT/site-EDITION/, with noindex, robots.txt and a banner).")] = "public",
    workspace: WorkspaceOption = False,
    partner: PartnerOption = None,
) -> None:
    """Write the static site of every released version into OUTPUT/site/.

    With --workspace, every partner's site goes into OUTPUT/<partner>/site/ (default: the
    workspace's output/), one partner after another, and a table sums up how each went.
    """
    with user_errors():
        from sopgen.commands.publish import publish as publish_site

        audience: dict[str, Visibility] = {"public": "public", "internal": "internal",
                                           "restricted": "restricted"}
        if workspace or partner:
            from sopgen.commands.workspace import publish_workspace

            run = publish_workspace(project, partner=partner, output=output,
                                    edition=audience[edition],
                                    report=lambda name: _Progress(name))
            _report_workspace(run, pages=False)
            _say("cli_workspace_published", count=len(run.runs),
                 folder=output or run.workspace.root / "output")
            return
        result = publish_site(project, output=output, edition=audience[edition],
                              report=_Progress())
        _warn(result.warnings)
        _say("cli_published_edition", result.language, versions=", ".join(result.versions),
             latest=result.latest, folder=result.folder,
             edition=_edition_name(result.edition, result.language))


@app.command()
def verify(
    project: ProjectArg = Path("."),
    output: OutputOption = None,
    pdf: Annotated[bool, typer.Option(
        "--pdf", help="Also lay out and compare the PDFs (takes minutes).")] = False,
    record: Annotated[bool, typer.Option(
        "--record", help="Record the digests of releases that have none yet (made before "
                         "sopgen recorded them); a recorded digest is never replaced.")] = False,
) -> None:
    """Check every release against its recorded digests, and the outputs on disk against
    the releases."""
    with user_errors():
        from sopgen.commands.verify import verify_project

        for line in verify_project(project, output=output, pdf=pdf, record=record):
            typer.echo(line)


@app.command()
def init(
    folder: Annotated[Path, typer.Argument(help="The new project folder.")],
    language: Annotated[str, typer.Option(
        callback=_one_of(("id", "en"), "a language"),
        help="Language of labels and text: id or en.")] = "id",
    starter: Annotated[str, typer.Option(
        callback=_one_of(("website", "blank"), "a starter"),
        help="website: the OurVoice website SOP made generic; blank: one example "
             "procedure per pillar.")] = "website",
    ci: Annotated[str | None, typer.Option(
        "--ci", callback=lambda v: v and _choose(v, ("github", "gitlab"), "a CI system"),
        help="Also write a CI workflow: github (.github/workflows/sopgen.yml) or gitlab "
             "(.gitlab-ci.yml). On an existing project or workspace, writes only that "
             "file.")] = None,
    force: Annotated[bool, typer.Option(
        "--force", help="With --ci: replace a workflow file that exists.")] = False,
    workspace: Annotated[bool, typer.Option(
        "--workspace", help="Create a workspace instead: sopgen-workspace.toml and a "
                            "shared library project; then sopgen init FOLDER/PARTNER "
                            "adds partners.")] = False,
) -> None:
    """Create a new SOP project that builds at once (or add a CI workflow to one). Inside
    a workspace, the project is added to its partners with a document id of its own."""
    with user_errors():
        from sopgen.commands.ci import write_ci
        from sopgen.commands.scaffold import init_project, init_workspace, join_workspace

        if ci and folder.is_dir() and any(folder.iterdir()):  # an existing project
            _say("cli_created", path=write_ci(folder, ci, force=force))
            return
        if workspace:
            init_workspace(folder, language=language)
            _say("cli_workspace_created", language, folder=folder,
                 library=folder / "library")
        else:
            written = init_project(folder, language=language, starter=starter)
            _say("cli_created_project", language, folder=folder, count=len(written))
            joined = join_workspace(folder)
            if joined:
                _say("cli_partner_added", language, name=joined[0], id=joined[1])
        if ci:
            _say("cli_created", language, path=write_ci(folder, ci, force=force))


@app.command()
def labels(
    missing: Annotated[str, typer.Option(
        "--missing", help="A language code (jv, en, ...): list the labels its catalogue "
                          "lacks, each with its English text, as TOML to paste into "
                          "labels/CODE.toml.")],
    project: Annotated[Path, typer.Argument(
        help="The project or workspace folder (holds labels/).")] = Path("."),
) -> None:
    """What to translate for a language: sopgen's words a catalogue still lacks.
    `sopgen labels --missing jv > labels/jv.toml` starts a new one."""
    with user_errors():
        from sopgen.core.errors import SopgenError
        from sopgen.reading.labels import LANGUAGE_CODE, missing_text

        code = missing.strip().lower()
        if not LANGUAGE_CODE.fullmatch(code):
            raise typer.BadParameter(f"'{missing}' is not a language code (two or three "
                                     "lowercase letters, like jv)", param_hint="--missing")
        text, problems = missing_text(project, code)
        if any(p.severity == "error" for p in problems):
            raise SopgenError(problems)
        typer.echo(text, nl=False)


@app.command()
def partners(
    workspace: Annotated[Path, typer.Argument(help="The workspace folder.")] = Path("."),
    as_json: Annotated[bool, typer.Option(
        "--json", help="A JSON list of the names (for a CI job matrix).")] = False,
) -> None:
    """List the workspace's partner folders, one a line."""
    with user_errors():
        import json

        from sopgen.commands.workspace import partner_names

        names = partner_names(workspace)
        typer.echo(json.dumps(names) if as_json else "\n".join(names))


@app.command()
def adopt(
    update: Annotated[str, typer.Option(
        "--update", help="Move the pin of this adopted procedure (its id) to the "
                         "library's newest release.")],
    project: ProjectArg = Path("."),
    version: Annotated[str | None, typer.Option(
        "--version", help="Pin this library version instead of the newest.")] = None,
) -> None:
    """Move an adopted procedure's pin; run sopgen check first to see what changed."""
    with user_errors():
        from sopgen.commands.adoption import move_pin

        file, moved = move_pin(project, update, version)
        _say("cli_pin_moved", file=file, id=update, version=moved)




new_app = typer.Typer(help="Add something new to a project.", no_args_is_help=True)
app.add_typer(new_app, name="new")


@new_app.command("procedure")
def new_procedure(
    pillar: Annotated[str, typer.Option(
        callback=_one_of(PILLARS, "a pillar", PILLAR_WORDS),
        help="The pillar of the new procedure: management, technical or content "
             "(manajemen, teknis, konten).")],
    title: Annotated[str, typer.Option(help="Its title.")] = "",
    project: ProjectArg = Path("."),
) -> None:
    """Add a procedure file with the next free id and every field explained."""
    with user_errors():
        from sopgen.commands.scaffold import new_procedure as add_procedure

        path = add_procedure(project, pillar=pillar, title=title)
        _say("cli_created", path=path)


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="The SOP to import: a .docx or .md file.")],
    project: ProjectArg = Path("."),
    pillar: Annotated[str | None, typer.Option(
        callback=lambda value: _choose(value, PILLARS, "a pillar", PILLAR_WORDS)
        if value else None,
        help="Pillar of procedures the file does not place (default: from their ids or "
             "headings, else management).")] = None,
) -> None:
    """Turn an SOP written in Word or Markdown into procedure files, one per procedure,
    with the next free ids. What has no field is kept, marked for review."""
    with user_errors():
        from sopgen.commands.importing import import_file

        result = import_file(file, project, pillar=pillar)
        for line in result.mapped:
            typer.echo(line)
        if result.review:
            _say("import_review_head", result.language, count=len(result.review))
            for line in result.review:
                typer.echo(f"  {line}")
        else:
            _say("import_nothing_to_review", result.language)
        for path in result.written:
            _say("cli_wrote", result.language, path=path)


@app.command()
def serve(
    project: ProjectArg = Path("."),
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1.", min=0, max=65535)] = 8000,
) -> None:
    """Preview the handbook in a browser; it rebuilds and reloads on every save."""
    with user_errors():
        import time

        from sopgen.commands.serve import start

        server = start(project, port=port, report=_echo)
        _say("cli_preview_at", server.preview.language, url=server.url)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            server.stop()


@app.command()
def schema(
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Write to this file instead of printing.")] = None,
    install: Annotated[bool, typer.Option(
        "--install", help="Write sopgen.schema.json into PROJECT and add the editor comment "
        "(# yaml-language-server) to every content file that has none.")] = False,
    project: ProjectArg = Path("."),
) -> None:
    """Print the JSON Schema of the YAML files, for editors (or --install it in a project)."""
    with user_errors():
        from sopgen.commands.schema import install_schema, schema_text

        if install:
            written, changed = install_schema(project)
            _say("cli_schema_installed", path=written, count=len(changed))
        elif output is None:
            typer.echo(schema_text(), nl=False)
        else:
            output.write_text(schema_text(), encoding="utf-8")
            _say("cli_wrote", path=output)


@app.command()
def diff(
    old: Annotated[str, typer.Argument(help="Old version, e.g. 1.0.0.")],
    new: Annotated[str, typer.Argument(help="New version, or 'current' for content/.")],
    project: ProjectArg = Path("."),
    format: Annotated[str, typer.Option(
        "--format", "-f", callback=_one_of(("text", "md", "html"), "a diff format"),
        help="text, md or html.")] = "text",
) -> None:
    """Show what changed between two versions: procedures, fields and steps."""
    with user_errors():
        from sopgen.api import diff_texts

        typer.echo(diff_texts(project, old, new, (format,))[format], nl=False)


def _echo(line: str) -> None:
    typer.echo(line, err=True)


def _edition_name(edition: str, language: str) -> str:
    from sopgen.core.catalogue import catalogue

    return catalogue(language).edition(edition)


class _Progress:
    """Stage lines with elapsed time, on stderr: on a terminal, and in a CI job (``CI`` set,
    as GitHub Actions, GitLab CI and most others do) or with ``SOPGEN_PROGRESS=1``. Each is a
    whole line, flushed at once, with no terminal control characters, so a CI log shows
    it as it happens; otherwise (output redirected) it stays silent."""

    def __init__(self, name: str = "") -> None:
        import os
        import sys
        import time

        wanted = os.environ.get("SOPGEN_PROGRESS", os.environ.get("CI", ""))
        self.enabled = sys.stderr.isatty() or wanted.lower() not in ("", "0", "false", "no")
        self.started = time.perf_counter()
        self.clock = time.perf_counter
        self.name = f" {name}" if name else ""

    def __call__(self, line: str) -> None:
        if self.enabled:
            typer.echo(f"sopgen{self.name} [{self.clock() - self.started:6.1f} s] {line}",
                       err=True)
            sys.stderr.flush()


def main(argv: list[str] | None = None) -> None:
    """Console entry point."""
    try:
        app(args=argv, prog_name="sopgen")
    finally:
        exit_without_collecting()


def exit_without_collecting() -> None:
    """Leave what the command made to the end of the process: a build keeps a handbook's
    hundreds of thousands of objects alive in its caches, and the collection Python runs
    at exit would walk them all once more (a tenth of a second or more after a rebuild of
    1,000 procedures) only to free memory the system takes back anyway."""
    gc.freeze()
