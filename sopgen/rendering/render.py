"""Render stage: a checked handbook → Markdown, HTML and print HTML, through a theme.

Themes are Jinja templates. The default theme ships in ``sopgen/themes/default``;
a project's ``templates/`` folder is searched first and may override any template
by name, or extend the built-in one as ``default/NAME``. Content is only ever data
passed to templates, never compiled as a template. HTML is autoescaped; Markdown
output escapes every plain value for Markdown (see ``escape_markdown``).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, TypedDict

import jinja2
from markupsafe import Markup, escape

from sopgen.core import model
from sopgen.core.cache import Store, content_key, digest, process_memo, user_cache
from sopgen.core.catalogue import Catalogue, catalogue, keep_dates
from sopgen.core.errors import SopgenError
from sopgen.core.gcpause import paused_gc
from sopgen.core.model import (
    Document,
    Handbook,
    Procedure,
    markdown_texts,
    mention_pattern,
    raci_kinds,
)
from sopgen.core.parallel import available_cores, can_fork, forked_pool
from sopgen.core.problems import Loc, relative, size_text
from sopgen.core.schedule import describe
from sopgen.core.svg import Unreadable
from sopgen.rendering.markdown import (
    Findings,
    RenderedText,
    TextRenderer,
    caches_from,
    data_uri,
)
from sopgen.rendering.printtext import for_print, list_items, product_names, protector

THEME_PACKAGE = ("sopgen", "themes/default")


def theme_folder() -> Path:
    """The built-in theme on disk: the PDF's URL fetcher may read only inside it (found
    beside the package's modules, as ``jinja2.PackageLoader`` finds it)."""
    return Path(__file__).parent.parent / THEME_PACKAGE[1]


def file_stem(doc: Document, *, draft: bool, role: str | None = None,
              edition: str | None = None) -> str:
    """``SOP-SK-WEB-2.0.0``, ``…-draft``, ``…-editor``, ``…-public``: what every file name
    starts with."""
    stem = f"{doc.id}-{doc.version}" + ("-draft" if draft else "")
    return "-".join(part for part in (stem, role, edition) if part)


class MdText(str):
    """Markdown that is already safe: rendered from a field, or written by a theme."""


class PillarView(TypedDict):
    key: str
    title: str
    introduction: str
    anchor: str
    procedures: list[Procedure]


class Context(TypedDict):
    """What every template receives."""

    handbook: Handbook
    doc: model.Document
    pillars: list[PillarView]
    words: Catalogue
    draft: bool
    edition: str  # the narrowest audience that may read it all: public, internal, restricted
    logo: str
    language: str
    file_stem: str
    next_review: dt.date
    changes: dict[str, list[str]]  # version → computed "what changed" lines


@dataclass(frozen=True)
class Rendered:
    """The handbook in each format asked for, in memory, with what rendering found."""

    files: dict[str, bytes]  # by format: "md", "html", "pdf" (its print HTML)
    problems: list[Any]


def environment(templates: Path | None, *, markdown: bool) -> jinja2.Environment:
    """A sandbox-free but data-only Jinja environment over project + default theme."""
    theme = jinja2.PackageLoader(*THEME_PACKAGE)
    loaders: list[jinja2.BaseLoader] = []
    if templates is not None and templates.is_dir():
        loaders.append(jinja2.FileSystemLoader(templates))
    loaders += [jinja2.PrefixLoader({"default": theme}), theme]
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        bytecode_cache=_compiled_templates("md" if markdown else "html"),
        autoescape=not markdown,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=escape_markdown if markdown else None,
    )
    env.globals["anchor"] = model.anchor
    env.globals["term_anchors"] = model.term_anchors
    env.globals["step_anchor"] = model.step_anchor
    return env


@cache
def _compiled_templates(kind: str) -> jinja2.BytecodeCache | None:
    """Compiled templates, kept in the user's cache folder (Jinja checks each against its
    source): compiling the theme is a tenth of a small build. One folder per kind of
    environment, as autoescaping and ``finalize`` are compiled in; filters are not (see
    ``_at_render``), so a compiled template is the same for every handbook."""
    folder = user_cache(f"templates-{kind}")
    return jinja2.FileSystemBytecodeCache(str(folder)) if folder else None


def _at_render(function: Callable[..., Any]) -> Callable[..., Any]:
    """A filter Jinja calls when rendering, never while compiling: Jinja folds a filter of
    constants (``{{ "draft" | label }}``) into the compiled template, which would tie it to
    one handbook's language and content."""
    @jinja2.pass_context
    def filter_at_render(_context: Any, *args: Any, **kwargs: Any) -> Any:
        return function(*args, **kwargs)

    return filter_at_render


def raci_cell(procedure: Procedure, role_id: str, words: Catalogue) -> str:
    """One RACI cell as printed, e.g. "R/A"; empty when the role has no part."""
    return "/".join(words.label(f"raci_{kind}") for kind in raci_kinds(procedure, role_id))


def escape_markdown(value: Any) -> Any:
    """Plain text printed into Markdown cannot become markup, links or HTML."""
    if isinstance(value, MdText) or not isinstance(value, str):
        return value
    if not _MARKDOWN_SPECIAL.search(value):  # most values: nothing to do, skip the rewrites
        return value
    text = re.sub(r"\s*\n\s*", " ", value)
    return re.sub(r"([\\`*_\[\]{}<>#|~!&])", r"\\\1", text)


_MARKDOWN_SPECIAL = re.compile(r"[\\`*_\[\]{}<>#|~!&\n]")


def css_content(label: str) -> Markup:
    """A label with {page}/{pages} as a CSS ``content`` value, e.g. "Page " counter(page)."""
    parts = re.split(r"\{(page|pages)\}", label)
    values = [f"counter({part})" if index % 2 else f'"{_css_escape(part)}"'
              for index, part in enumerate(parts) if part]
    return Markup(" ".join(values))


def _css_escape(text: str) -> str:
    return re.sub(r'[\\"<>&\n]', lambda m: f"\\{ord(m.group()):x} ", text)


def template_error(error: jinja2.TemplateError, root: Path) -> SopgenError:
    """A template mistake as a user error naming the template file and line."""
    name, line = getattr(error, "filename", None), getattr(error, "lineno", 0) or 0
    if name is None:  # a runtime error: Jinja's traceback frames point into the template
        import traceback

        frames = [f for f in traceback.extract_tb(error.__traceback__)
                  if f.filename.endswith((".j2", ".html", ".css", ".md"))]
        name, line = (frames[-1].filename, frames[-1].lineno or 0) if frames else (None, 0)
    where = Loc(relative(Path(name), root) if name else "templates", line)
    return SopgenError.of("template_failed", where, detail=error.message or error)


class Links:
    """Where a procedure, role or term lives: one page, so every link is an #anchor."""

    def href(self, kind: str, ident: str) -> str:
        return "#" + model.anchor(kind, ident)

    def step_href(self, procedure_id: str, step_id: str) -> str:
        """A step with an id, on its procedure's page."""
        page = self.href("procedure", procedure_id).partition("#")[0]
        return f"{page}#{model.step_anchor(procedure_id, step_id)}"


def step_targets(handbook: Handbook, href: Callable[[str, str], str],
                 words: Catalogue) -> tuple[dict[str, str], dict[str, str]]:
    """Where each step reference (``TEK-01#restore``) links, and what it shows: the
    step's number now, "step 3 of TEK-01", so it never goes stale."""
    targets, shown = {}, {}
    for procedure in handbook.procedures:
        for step_id, number in model.step_numbers(procedure).items():
            key = f"{procedure.id}#{step_id}"
            targets[key] = href(procedure.id, step_id)
            shown[key] = words.label("step_ref").format(number=number, id=procedure.id)
    return targets, shown


# The first line of Markdown that starts a block other than a paragraph.
BLOCK_START = re.compile(r"\s{0,3}([|>#]|```|~~~|[-+*]\s|\d+[.)]\s)|\s{4}")


def indent_lines(text: str, first: str, rest: str) -> str:
    """Prefix the first line with ``first`` and every other line with ``rest``."""
    lines = text.split("\n")
    return "\n".join([first + lines[0]] + [(rest + line).rstrip() for line in lines[1:]])


_RENDERED: dict[str, dict[str, Any]] = process_memo()  # rendered texts, by what they need
_RENDERED_LIMIT = 200_000  # texts kept: a preview running all day starts afresh past this


def _rendered_key(targets: dict[str, str], assets: Path,
                  shown: dict[str, str] | None = None) -> str:
    """What a rendered text depends on besides itself: where each procedure mention
    links to (and what a step reference shows: its number), and the assets (by name,
    size and modification time: an image is inlined)."""
    return digest("texts", *(f"{ident} {href}" for ident, href in sorted(targets.items())),
                  *(f"{ident} = {text}" for ident, text in sorted((shown or {}).items())),
                  str(assets), *_file_stamps(assets))


def _rendered_before(key: str, store: Store | None) -> dict[str, Any]:
    """The caches of a ``TextRenderer`` that rendered texts with the same links and assets
    before — in this process, or in an earlier build (``store``): a text renders to the
    same HTML and Markdown, with the same findings, whenever those are the same, so a
    rebuild parses only edited texts."""
    if key not in _RENDERED or len(_RENDERED[key]["_cache"]) > _RENDERED_LIMIT:
        if len(_RENDERED) >= 4:
            _RENDERED.clear()
        _RENDERED[key] = caches_from(store.get("texts", key) if store else None)
    return _RENDERED[key]


def _save_rendered(renderer: Renderer, store: Store | None) -> None:
    """Keep this build's parsed texts for the next one (only those of this handbook, so
    the file does not grow with every edit; plain texts are quicker made than read);
    nothing newly parsed, nothing written."""
    if store is not None and renderer.text.parsed_new:
        store.put("texts", renderer.texts_key,
                  renderer.text.saved(set(renderer.needing_parser()),
                                      set(markdown_texts(renderer.handbook))), keep=2)


def _file_stamps(folder: Path) -> list[str]:
    """Each file under ``folder`` by path, size and modification time."""
    stamps = []
    for path in sorted(folder.rglob("*")) if folder.is_dir() else []:
        try:
            stat = path.stat()
        except OSError:
            continue
        stamps.append(f"{path} {stat.st_size} {stat.st_mtime_ns}")
    return stamps


# --- rendered procedures, kept between builds

FRAGMENT_FORMAT = 3  # 3: lengths in bytes
_KEPT_SECTIONS: dict[str, dict[str, str]] = process_memo()  # the last build's, by key


class Fragments:
    """Each procedure's HTML and Markdown section (and its rows of the RACI and records
    tables), kept between builds: one edit renders
    again only the procedure edited (and, through the key, what its output can depend
    on). A section's key is its procedure's whole content (``repr`` of the dataclass)
    under a key for everything else a section can show: the links and step numbers of
    mentions, the assets, the document, roles and glossary, the words of the language,
    the edition, and the theme and project templates (by name, size and modification
    time). A section whose texts warned about anything is never kept, so each warning is
    reported, with its place, by rendering it again. On disk the sections of one key
    are one file (``SectionFile``), to which a rebuild adds only what it made anew."""

    def __init__(self, renderer: Renderer, store: Store | None) -> None:
        self.text = renderer.text
        handbook = renderer.handbook
        self.key = digest("fragments", str(FRAGMENT_FORMAT), renderer.texts_key,
                          repr(handbook.document), repr(handbook.pillars),
                          repr(handbook.roles), repr(handbook.glossary),
                          repr(renderer.words), repr(sorted(renderer.changes.items())),
                          f"draft={renderer.draft} edition={renderer.edition}",
                          _class_name(renderer.links),
                          *_template_stamps(renderer.root / "templates"))
        folder = store.folder if store is not None else None
        self.file = SectionFile(folder / "fragments" / f"{self.key}.txt", self.key) \
            if folder is not None else None
        self.store = store  # none: nothing kept, not even in memory
        self.before: dict[str, str] = dict(_KEPT_SECTIONS.get(self.key, {})) \
            if store is not None else {}
        self.now: dict[str, str] = {}  # what this build showed: kept for the next one
        self.made_new = False
        self._content: dict[int, tuple[Procedure, str]] = {}

    def section(self, kind: str, macro: Callable[[Procedure], Any], procedure: Procedure,
                wrap: Callable[[str], Any]) -> Any:
        """``macro(procedure)``, or what it rendered for the same inputs before."""
        key = f"{kind} {self._content_key(procedure)}"
        kept = self.now.get(key)
        if kept is None:
            kept = self._stored(key)
        if isinstance(kept, str):
            self.now[key] = kept
            return wrap(kept)
        outer, self.text.heard = self.text.heard, []
        try:
            made = str(macro(procedure))
            quiet = not self.text.heard
        finally:
            heard, self.text.heard = self.text.heard, outer
        if outer is not None:
            outer.extend(heard)
        if quiet:
            self.now[key], self.made_new = made, True
        return wrap(made)

    def _stored(self, key: str) -> str | None:
        """A section kept by this process's last build, or else by the file."""
        kept = self.before.get(key)
        if kept is None and self.file is not None:
            kept = self.file.get(key)
        return kept

    def _content_key(self, procedure: Procedure) -> str:
        """The digest of the procedure's whole content, made once per build (the HTML
        and the Markdown handbook both ask)."""
        known = self._content.get(id(procedure))
        if known is None or known[0] is not procedure:
            known = self._content[id(procedure)] = (procedure, content_key(procedure))
        return known[1]

    def kept(self, count: int) -> bool:
        """Whether an earlier build left sections for about ``count`` procedures: then few
        texts are left to parse, and walking them all to count them costs more."""
        stored = len(self.file.index) if self.file is not None else 0
        return max(len(self.before), stored) >= count

    def adopt(self, made: dict[str, str]) -> None:
        """Sections another process rendered (the Markdown handbook, in parallel)."""
        new = {key: text for key, text in made.items()
               if key not in self.now and self._stored(key) != text}
        self.made_new = self.made_new or bool(new)
        self.now.update(made)

    def save(self) -> None:
        if self.store is None:
            return
        if len(_KEPT_SECTIONS) >= 4:
            _KEPT_SECTIONS.clear()
        _KEPT_SECTIONS[self.key] = self.now
        if self.file is not None and self.made_new:
            self.file.save(self.now)


class SectionFile:
    """The sections of one key on disk, as ``key<TAB>length`` lines each followed by the
    section and a newline: read by slicing the bytes, each section decoded only when asked
    for (a handbook's sections are megabytes; the length is in bytes). The first line
    names the format and the key, so a file renamed or copied under another key is not
    used; an entry cut short ends the file where it starts. A rebuild adds the sections it
    made at the end; the file is written anew when it was damaged or when the sections no
    build uses any more outnumber those in use."""

    def __init__(self, path: Path, key: str) -> None:
        self.path = path
        self.header = f"sopgen sections {FRAGMENT_FORMAT} {key}\n".encode()
        self.data = b""
        self._index: dict[str, tuple[int, int]] | None = None  # key → where in data
        self._damaged = False

    @property
    def index(self) -> dict[str, tuple[int, int]]:
        """Read when first needed: the preview has its last build's sections in memory."""
        if self._index is None:
            self._index = {}
            try:  # bytes as they are: a "\r" in a section is not a line end
                data = self.path.read_bytes()
            except OSError:  # none yet: all is made again
                return self._index
            if data.startswith(self.header):
                self.data = data
                self._damaged = not self._read_index(len(self.header), self._index)
            else:
                self._damaged = True
        return self._index

    def _read_index(self, position: int, index: dict[str, tuple[int, int]]) -> bool:
        """Where each entry's section is; whether every entry was whole."""
        data, end_of_file = self.data, len(self.data)
        while position < end_of_file:
            line_end = data.find(b"\n", position)
            key, _, length = data[position:max(line_end, position)].partition(b"\t")
            if line_end < 0 or not length.isdigit() or not key.isascii():
                return False
            start = line_end + 1
            end = start + int(length)
            if end >= end_of_file or data[end] != 10:  # "\n"
                return False
            index[key.decode("ascii")] = (start, end)
            position = end + 1
        return True

    def get(self, key: str) -> str | None:
        where = self.index.get(key)
        if where is None:
            return None
        try:
            return self.data[where[0]:where[1]].decode("utf-8")
        except ValueError:  # not text: made again, and the file written anew
            self._damaged = True
            return None

    def save(self, sections: dict[str, str]) -> None:
        """Keep ``sections`` (this build's): added at the end, or written anew."""
        fit = {key: text for key, text in sections.items()
               if "\t" not in key and "\n" not in key and key.isascii()}
        unused = sum(1 for key in self.index if key not in fit)
        try:
            if self.index and not self._damaged and unused <= len(fit):
                added = [key for key in fit if key not in self.index]
                with self.path.open("ab") as out:
                    out.write(_section_entries(added, fit))
                return
            folder = self.path.parent
            folder.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(prefix=f".{self.path.stem}.", dir=folder)
            with os.fdopen(handle, "wb") as out:  # two builds may share it
                out.write(self.header + _section_entries(list(fit), fit))
            os.replace(temporary, self.path)
            _prune_sections(folder)
        except (OSError, ValueError):  # a cache that cannot be written only costs time
            return


def _section_entries(keys: list[str], sections: dict[str, str]) -> bytes:
    entries = []
    for key in keys:
        data = sections[key].encode()
        entries += [f"{key}\t{len(data)}\n".encode(), data, b"\n"]
    return b"".join(entries)


SECTION_FILES_KEPT = 4  # keys: a draft, an edition or two, the preview's


def _prune_sections(folder: Path) -> None:
    for path in folder.glob("*.json"):  # an earlier format's
        path.unlink(missing_ok=True)
    entries = sorted(folder.glob("*.txt"), key=lambda path: path.stat().st_mtime_ns)
    for path in entries[:-SECTION_FILES_KEPT]:
        path.unlink(missing_ok=True)


def _class_name(value: object) -> str:
    return f"{type(value).__module__}.{type(value).__qualname__}"


def _template_stamps(templates: Path) -> list[str]:
    """The theme's and the project's template files by name, size and modification time:
    a changed template makes every section again."""
    return _file_stamps(theme_folder()) + _file_stamps(templates)


class Renderer:
    """Renders one handbook in the formats asked for; holds the per-build caches."""

    def __init__(self, handbook: Handbook, project_root: Path, *, draft: bool = False,
                 links: Links | None = None, changes: dict[str, list[str]] | None = None,
                 assets: Path | None = None, store: Store | None = None,
                 edition: str | None = None) -> None:
        self.handbook = handbook
        self.edition = edition or model.edition_of(handbook)  # the audience it is made for
        self.changes = changes or {}
        self.root = project_root
        self.draft = draft
        self.links = links or Links()
        targets = {p.id: self.links.href("procedure", p.id) for p in handbook.procedures}
        self.words = catalogue(handbook.document.language)
        steps, shown = step_targets(handbook, self.links.step_href, self.words)
        targets.update(steps)
        self.assets = assets or project_root / "content" / "assets"
        self.texts_key = _rendered_key(targets, self.assets, shown)
        self.text = TextRenderer(targets, mention_pattern(set(targets)), self.assets,
                                 shown=shown, **_rendered_before(self.texts_key, store))
        self._environments: dict[bool, jinja2.Environment] = {}
        self._context: Context | None = None
        self._needing_parser: list[str] | None = None
        self._protector: re.Pattern[str] | None = None
        self.fragments = Fragments(self, store)

    def _step_numbers(self, procedure_id: str) -> dict[str, str]:
        """Step id → number now, in this handbook (an edition may leave steps out)."""
        return model.step_numbers(self.handbook.procedure(procedure_id))

    def needing_parser(self) -> list[str]:
        """The handbook's Markdown texts that need the parser, once each, in order."""
        if self._needing_parser is None:
            self._needing_parser = self.text.parsed_texts(markdown_texts(self.handbook))
        return self._needing_parser

    def context(self) -> Context:
        if self._context is None:  # built once: it inlines the logo
            self._context = self._make_context()
        return self._context

    def _make_context(self) -> Context:
        doc = self.handbook.document
        logo_path = self.assets.parent / doc.organisation.logo
        return Context(
            handbook=self.handbook,
            doc=doc,
            pillars=[self._pillar(key) for key in model.PILLARS],
            words=self.words,
            draft=self.draft,
            edition=self.edition,
            logo=self._logo(logo_path) if doc.organisation.logo else "",
            language=doc.language,
            file_stem=file_stem(doc, draft=self.draft),
            next_review=model.review_due(doc),
            changes=self.changes,
        )

    @staticmethod
    def _logo(path: Path) -> str:
        try:
            return data_uri(path)
        except Unreadable:  # validate said so; a logo that is not safe is not shown
            return ""

    def _pillar(self, key: str) -> PillarView:
        text: model.PillarText = getattr(self.handbook.pillars, key)
        return PillarView(key=key, title=text.title, introduction=text.introduction,
                          anchor=model.anchor("pillar", key),
                          procedures=self.handbook.procedures_in(key))

    def render(self, template: str, *, markdown: bool = False, **extra: Any) -> str:
        env = self._environments.get(markdown)
        if env is None:  # one environment per kind: templates compile once per build
            env = self._environments[markdown] = environment(self.root / "templates",
                                                             markdown=markdown)
            env.globals["href"] = self.links.href
            env.globals["step_href"] = self.links.step_href
            env.globals["step_numbers"] = self._step_numbers
            env.globals["attachment_info"] = self.attachment_info
            env.globals["figure_src"] = self.figure_src
            wrap = MdText if markdown else Markup
            fmt = "md" if markdown else "html"
            env.globals["procedure_section"] = (  # ``part``: a row of a table, kept too
                lambda macro, procedure, part="": self.fragments.section(
                    f"{fmt}:{part}" if part else fmt, macro, procedure, wrap))
            self._install_filters(env, markdown)
        try:
            return env.get_template(template).render(**self.context(), **extra)
        except jinja2.TemplateError as error:  # a project's own template is the user's code
            raise template_error(error, self.root) from error

    # --- attachments and figures: files in content/assets/, checked by validate

    def attachment_info(self, file: str) -> dict[str, str]:
        """What a reader sees of an attachment before opening it: its type and size."""
        path = self.assets.parent / file
        size = path.stat().st_size if path.is_file() else 0
        return {"name": path.name, "kind": path.suffix.lstrip(".").upper(),
                "size": size_text(size),
                "mime": model.ATTACHMENT_MIME.get(path.suffix.lower(), "")}

    def figure_src(self, file: str) -> str:
        """A figure inlined like every image of the HTML and the PDF."""
        try:
            return data_uri(self.assets.parent / file)
        except (Unreadable, OSError):  # reported by validate: shown by its alt text only
            return ""

    def render_print(self, template: str, **extra: Any) -> str:
        """HTML for WeasyPrint: names never hyphenated, code blocks sized to fit."""
        if self._protector is None:
            self._protector = protector(product_names(self.handbook))
        return for_print(self.render(template, **extra), self._protector)

    def source(self, template: str) -> str:
        """A theme file as it is (CSS, JavaScript): served, never rendered."""
        env = environment(self.root / "templates", markdown=False)
        assert env.loader is not None
        return env.loader.get_source(env, template)[0]

    def _md_item(self, text: str, indent: str) -> MdText:
        """A list item's text: its continuation lines indented under the marker."""
        return MdText(indent_lines(self.text.markdown(text), "", indent))

    def _md_blocks(self, text: str) -> tuple[str, str]:
        """A field's Markdown as (its first paragraph, the blocks after it); a field that
        starts with a list or a table has no first paragraph."""
        body = self.text.markdown(text)
        if BLOCK_START.match(body):
            return "", body
        lead, _, more = body.partition("\n\n")
        return lead, more.strip()

    def _md_lead(self, text: str) -> MdText:
        """The first paragraph as one table cell: a "|" would end the cell."""
        lead = self._md_blocks(text)[0].replace("\n", " ")
        return MdText(re.sub(r"(?<!\\)\|", r"\\|", lead))

    def _md_more(self, text: str) -> MdText:
        return MdText(self._md_blocks(text)[1])

    def _md_quote(self, text: str, indent: str, label: str) -> MdText:
        """A note or warning as a block quote, tables and code blocks kept whole.

        The label shares the first line only with a paragraph: before a table, a code
        block or a list it is a paragraph of its own, or the block would not be one.
        """
        heading = f"**{escape_markdown(label)}:**"
        body = self.text.markdown(text)
        if not BLOCK_START.match(body):
            return MdText(indent_lines(body, f"{indent}> {heading} ", f"{indent}> "))
        return MdText(indent_lines(f"{heading}\n\n{body}", f"{indent}> ", f"{indent}> "))

    def _install_filters(self, env: jinja2.Environment, markdown: bool) -> None:
        words = self.words
        filters: dict[str, Callable[..., Any]] = {
            "label": words.label,
            "choice": words.choice,
            "date": words.date,
            "edition": words.edition,
            "role_title": lambda role_id: self.handbook.role(role_id).title,
            "css_content": css_content,
            "raci": lambda procedure, role_id: raci_cell(procedure, role_id, words),
            "list_items": list_items,
            "schedule": lambda procedure: describe(procedure, self.handbook.document, words),
        }
        filters.update(contact_filters(self.handbook))
        if markdown:
            filters["md"] = lambda text: MdText(self.text.markdown(text))
            filters["md_inline"] = lambda text: MdText(self.text.markdown_inline(text))
            filters["md_cell"] = lambda text: MdText(self.text.markdown_cell(text))
            filters["md_lead"] = self._md_lead
            filters["md_more"] = self._md_more
            filters["raw"] = MdText
            filters["md_item"] = self._md_item
            filters["md_quote"] = self._md_quote
        else:
            filters["md"] = self.text.html
            filters["md_inline"] = self.text.html_inline
            filters["raw"] = Markup
        env.filters.update({name: _at_render(f) for name, f in filters.items()})


def contact_filters(handbook: Handbook) -> dict[str, Callable[..., Any]]:
    """Filters for roles held outside and their contacts: who checks a procedure's
    work, a phone number as a ``tel:`` address, which roles the contacts table lists."""
    return {
        "checker": lambda procedure: model.checker(procedure, handbook),
        "tel": tel_uri,
        "with_contacts": lambda roles: [r for r in roles if r.contacts or r.response_time],
    }


def tel_uri(phone: str) -> str:
    """``+62 21 5550 100`` → ``tel:+62215550100`` (RFC 3966: the digits, no spaces)."""
    return "tel:" + ("+" if phone.startswith("+") else "") + re.sub(r"[^0-9]", "", phone)


TEMPLATES = {"md": "handbook.md.j2", "html": "handbook.html.j2", "pdf": "print.html.j2"}
HANDBOOK_FORMATS = tuple(TEMPLATES)  # "pdf" renders the print HTML the PDF is laid out from
PARALLEL_FROM = 150  # procedures; below this a second process costs more than it saves


def render_formats(handbook: Handbook, project_root: Path, formats: list[str], *,
                   draft: bool = False, changes: dict[str, list[str]] | None = None,
                   assets: Path | None = None, store: Store | None = None,
                   edition: str | None = None) -> Rendered:
    """Render each text format in memory; the PDF gets its print HTML from here.

    A large handbook renders in forked processes (see ``_render_in_parallel``); the
    bytes and warnings are the same either way (tests/test_render.py checks). Texts
    rendered by an earlier build with the same links and assets come from ``store``.
    """
    with paused_gc():
        renderer = Renderer(handbook, project_root, draft=draft, changes=changes,
                            assets=assets, store=store, edition=edition)
        rendered = _render_formats(renderer, formats)
        _save_rendered(renderer, store)
        renderer.fragments.save()
        keep_dates()
        return rendered


def text_problems(handbook: Handbook, project_root: Path, *,
                  assets: Path | None = None) -> list[Any]:
    """What rendering would warn about in the Markdown fields (links and images removed,
    raw HTML), found without rendering a template: ``sopgen check`` reports it too."""
    renderer = Renderer(handbook, project_root, assets=assets)
    with paused_gc():
        for text in markdown_texts(handbook):
            renderer.text.html(text)
    return renderer.text.problems


def _render_formats(renderer: Renderer, formats: list[str]) -> Rendered:
    wanted = [f for f in TEMPLATES if f in formats]
    html_like = [f for f in wanted if f != "md"]  # what parsing on several cores speeds up
    count = len(renderer.handbook.procedures)
    large = bool(html_like) and count >= PARALLEL_FROM and can_fork() and \
        not ("pdf" not in wanted and renderer.fragments.kept(count))
    parts = _html_parts(wanted)
    to_parse = _texts_to_parse(renderer) if large and parts > 1 else []
    # Forking pays for the Markdown handbook (a template as long as the HTML one), and
    # for the HTML alone when many texts need the parser (not when rendered before).
    if large and (len(to_parse) >= PARALLEL_FROM or (parts == 1 and "md" in wanted)):
        results = _render_in_parallel(renderer, wanted, to_parse, parts)
    else:
        results = [_render_one(renderer, f) for f in wanted]
    files = {f: data for f, (data, _) in zip(wanted, results, strict=True)}
    problems: list[Any] = []
    for _, found in results:  # each process reports the same texts' problems once
        problems += [p for p in found if p not in problems]
    return Rendered(files, problems)


Result = tuple[bytes, list[Any]]  # a file, and the problems found rendering it


def _render_one(renderer: Renderer, fmt: str) -> Result:
    if fmt == "pdf":
        text = renderer.render_print(TEMPLATES[fmt])
    else:
        text = renderer.render(TEMPLATES[fmt], markdown=fmt == "md")
    if fmt == "md":
        return tidy_markdown_bytes(text), list(renderer.text.problems)
    if fmt == "html":
        text = scroll_boxes(text, renderer.words)
    return text.encode(), list(renderer.text.problems)


_FORKED: Renderer | None = None  # what forked workers render from, inherited not pickled


MARKDOWN_MODES = ("md", "md_inline")  # TextRenderer modes only the Markdown handbook uses


def _render_forked(fmt: str) -> tuple[Result, list[RenderedText], dict[str, str]]:
    """One format, and the texts and sections rendered for it, to be kept for the next
    build."""
    assert _FORKED is not None
    return (_render_one(_FORKED, fmt), _FORKED.text.rendered_in(MARKDOWN_MODES),
            _FORKED.fragments.now)


_TO_PARSE: list[str] = []  # the texts workers parse, fixed before they fork


def _html_part(part: int, parts: int) -> list[tuple[str, Findings]]:
    assert _FORKED is not None
    return _FORKED.text.html_ahead(_TO_PARSE[part::parts])


def _texts_to_parse(renderer: Renderer) -> list[str]:
    """The texts still to parse. Workers inherit the list made before they forked (a
    worker's own cache grows as it parses), so only part numbers cross to them, and the
    HTML comes back in this order."""
    return renderer.text.not_rendered(renderer.needing_parser())


def _html_parts(wanted: list[str]) -> int:
    """In how many parts the HTML of the texts is parsed: one per core the Markdown
    handbook leaves (with two cores and the Markdown handbook, this process parses it as
    its template shows each text); beyond 4, handing the HTML back costs what it saves."""
    return max(1, min(available_cores() - ("md" in wanted), 4))


def _render_in_parallel(renderer: Renderer, wanted: list[str], to_parse: list[str],
                        parts: int) -> list[Result]:
    """Every core gets a share: the Markdown handbook, and parts of the parsing.

    Workers (forked: they inherit the handbook) render the Markdown handbook and, in
    parts, the HTML of texts that need the parser; this process parses the first part
    itself rather than wait. It takes the other parts into its cache, then renders the
    HTML and print templates, which report each text's warnings where they show it.
    """
    global _FORKED, _TO_PARSE
    html_like = [f for f in wanted if f != "md"]
    workers = parts - 1 + ("md" in wanted)
    _FORKED, _TO_PARSE = renderer, to_parse
    texts = _TO_PARSE
    try:
        with forked_pool(workers, "rendering the handbook") as pool:
            # The Markdown handbook first: it is the longest task (it parses every text
            # itself), so the parts of the HTML share what is left instead of delaying it.
            markdown = pool.submit(_render_forked, "md") if "md" in wanted else None
            ahead = [pool.submit(_html_part, part, parts) for part in range(1, parts)]
            renderer.text.html_ahead(texts[0::parts])  # into this process's own cache
            for part, future in enumerate(ahead, start=1):
                renderer.text.adopt_html(texts[part::parts], future.result())
            results = {fmt: _render_one(renderer, fmt) for fmt in html_like}
            if markdown is not None:
                results["md"], rendered, sections = markdown.result()
                renderer.text.adopt_rendered(rendered)
                renderer.fragments.adopt(sections)
    finally:
        _FORKED, _TO_PARSE = None, []
    return [results[fmt] for fmt in wanted]


# What content can make wider than a phone: a Markdown table or code block. Content is
# escaped and raw HTML is off, so these bare tags come only from the Markdown renderer,
# and neither can hold another (a table cell is inline). Templates box their own tables.
_WIDE_BLOCK = re.compile(r"<(?:table>.*?</table>|pre>.*?</pre>)", re.S)  # "<" first: quicker


def scroll_boxes(html: str, words: Catalogue) -> str:
    """Screen HTML: each wide table or code block scrolls sideways in a box of its own
    instead of widening the page (WCAG 1.4.10); the box takes keyboard focus, so it can be
    scrolled without a mouse, and has a name, numbered to tell boxes apart."""
    counts = {"table_box": 0, "code_box": 0}

    def box(match: re.Match[str]) -> str:
        kind = "code_box" if match.group().startswith("<pre") else "table_box"
        counts[kind] += 1
        name = words.label(kind).replace("{n}", str(counts[kind]))
        return (f'<div class="scroll-box {kind.replace("_", "-")}" role="region" tabindex="0" '
                f'aria-label="{escape(name)}">{match.group()}</div>')

    return _WIDE_BLOCK.sub(box, html)


def tidy_markdown(text: str) -> str:
    """One blank line between blocks, whatever the template's conditionals left."""
    if " \n" in text or "\t\n" in text or text.endswith((" ", "\t")):  # most lines: none
        text = "\n".join(line.rstrip(" \t") for line in text.split("\n"))  # faster than a regex
    text = _BEFORE_HEADING.sub("\n\n", text)
    return _one_blank_line(text).strip() + "\n"


_BEFORE_HEADING = re.compile(r"\n(?=#{1,6} |<a id=)")
# Spelled "\n\n\n+", not "\n{3,}": a literal start lets the engine skip to each run, a
# third of the time of ``str.replace`` passes (which take two for a run of four).
_BLANK_LINES = re.compile("\n\n\n+")


def _one_blank_line(text: str) -> str:
    """Runs of blank lines as one."""
    return _BLANK_LINES.sub("\n\n", text)


# --- tidying the Markdown handbook as the UTF-8 it is written as

def tidy_markdown_bytes(text: str) -> bytes:
    """``tidy_markdown(text).encode()``, tidied after encoding: the handbook's dashes and
    arrows make its text two bytes a character, while UTF-8 keeps it nearly one, and
    nothing tidying looks for (spaces, tabs, line ends, ``#``, ``<a id=``) is ever part
    of a longer character there. Only ``strip`` differs: ``str.strip`` also takes Unicode
    spaces, so when the tidied bytes start or end with a byte that may begin one, the
    text is tidied as text."""
    data = text.encode()
    if _BLANK_AT_LINE_END.search(data) or data.endswith((b" ", b"\t")):
        data = b"\n".join(line.rstrip(b" \t") for line in data.split(b"\n"))
    data = _BLANK_LINES_BYTES.sub(b"\n\n", _BEFORE_HEADING_BYTES.sub(b"\n\n", data)).strip()
    if data and (_may_be_space(data[0]) or _may_be_space(data[-1])):
        return tidy_markdown(text).encode()
    return data + b"\n"


_BEFORE_HEADING_BYTES = re.compile(_BEFORE_HEADING.pattern.encode())
# " \n" or "\t\n": the engine skips from line end to line end (a space is no literal
# start for it to skip to, it is nearly every fifth byte), a third of two ``in`` tests
_BLANK_AT_LINE_END = re.compile(rb"\n(?<=[ \t]\n)")
_BLANK_LINES_BYTES = re.compile(_BLANK_LINES.pattern.encode())


def _may_be_space(byte: int) -> bool:
    """A byte ``bytes.strip`` keeps that may be (the start of) what ``str.strip`` takes:
    the separators U+001C to U+001F, or any character beyond ASCII."""
    return byte >= 0x80 or 0x1C <= byte <= 0x1F
