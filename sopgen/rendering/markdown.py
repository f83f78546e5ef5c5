"""Markdown text fields → safe HTML, or safe Markdown for the .md handbook.

markdown-it-py's CommonMark preset passes raw HTML through; here raw HTML is off
(it shows as text), links are kept only for http(s), mailto and #anchors, images only
from content/assets/, headings inside a field are demoted below the handbook's own,
and a mention of a procedure id becomes a cross-reference. What was removed is
reported as a warning, so nothing disappears silently.
"""

from __future__ import annotations

import base64
import mimetypes
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from markupsafe import Markup, escape

from sopgen.core.imagesize import PAGE_WIDTH_PX, image_width
from sopgen.core.model import ASSET_REF, ATTACHMENT_TYPES, MAX_ASSET_BYTES
from sopgen.core.problems import Loc, Problem
from sopgen.core.svg import Unreadable, is_svg, sanitise
from sopgen.reading.yamlread import located
from sopgen.rendering.simplemd import is_simple, simple_html

SAFE_LINK = re.compile(r"^(https?://|mailto:|#)", re.IGNORECASE)
# Markdown that our policy rewrites (raw HTML, links, images, headings, escapes, code where
# an id must not become a link): only such text goes through the Markdown re-serialiser.
NEEDS_REWRITE = re.compile(r"[<>\[\]\\&]|``|://|^ {0,3}#|^\s*(=+|-+)\s*$", re.MULTILINE)
CODE_SPAN = re.compile(r"(`[^`]*`)")
Findings = list[tuple[str, dict[str, object]]]  # (message code, parameters), per text
# A text rendered in one mode: (mode, text, rendered, findings, whether mdformat made it).
RenderedText = tuple[str, str, str, Findings, bool]
# One line without block markers is one paragraph: inline parsing renders it the same.
BLOCK_SYNTAX = re.compile(r"\n|^\s*([-+*>#=]|\d+[.)])|\||^ {4}")
PARAGRAPH_BREAK = re.compile(r"\n{3,}")
HEADING_SHIFT = 3  # a "# Title" inside a field becomes <h4>, below pillar/procedure/section
# A run of characters none of markdown-it's inline rules starts at (its "text" rule's set).
TEXT_RUN = re.compile(r"[^\n!#$%&*+\-:<=>@\[\\\]^_`{}~]+")
# Text with none of these characters renders the same as escaped plain text.
MARKDOWN_SYNTAX = re.compile(r"[\\`*_\[\]<>&!#|~\n]|^\s*([-+]|\d+[.)])\s|^\s*>|:/")


def caches_from(saved: Any) -> dict[str, Any]:
    """A ``TextRenderer``'s caches from what ``TextRenderer.saved`` wrote (else empty)."""
    caches: dict[str, Any] = {"_cache": {}, "_findings": {}, "_token_cache": {},
                              "_formatted": set()}
    if isinstance(saved, dict) and saved.get("format") == 2:
        for text, (findings, rendered) in saved["texts"].items():
            caches["_findings"][text] = [(code, params) for code, params in findings]
            for mode, value in rendered.items():
                caches["_cache"][mode, text] = value
                if mode in ("md", "md_inline"):  # kept for its mdformat, or with its HTML
                    caches["_formatted"].add(text)
    return caches


@dataclass
class TextRenderer:
    """Renders the Markdown fields of one handbook; one instance per build."""

    procedure_links: dict[str, str]  # procedure id → href of its heading
    mention: re.Pattern[str] | None
    assets: Path
    problems: list[Problem] = field(default_factory=list)
    # What a link shows, where it is not the id: a step reference (TEK-01#restore) shows
    # the step's current number, "step 3 of TEK-01".
    shown: dict[str, str] = field(default_factory=dict)
    _cache: dict[tuple[str, str], str] = field(default_factory=dict)
    # What the policy found in each text (in any mode), reported wherever the text is shown.
    _findings: dict[str, Findings] = field(default_factory=dict)
    _recording: Findings | None = None  # the findings of the text being rendered now
    _current: Loc = Loc("content")
    _token_cache: dict[str, list[Token]] = field(default_factory=dict)
    _simple_texts: set[str] = field(default_factory=set)  # rendered by simple_html here
    # Whether a text's HTML took the parser, as rendering it here found: asked again for
    # every text when the parsed ones are kept (``_needs_parser``)
    _took_parser: dict[str, bool] = field(default_factory=dict)
    # Texts whose Markdown took mdformat (here, in a worker, or in an earlier build): kept
    # between builds even when their HTML is simple.
    _formatted: set[str] = field(default_factory=set)
    parsed_new: bool = False  # a text needing the parser was rendered here: worth keeping
    # Every warning given while this is a list, even one already reported: a procedure's
    # fragment is kept only when rendering it warned about nothing (see render.Fragments).
    heard: list[Problem] | None = None

    @cached_property
    def html_finder(self) -> MarkdownIt:
        """A parser that does see raw HTML, only to tell the author it was not used."""
        return MarkdownIt("commonmark", {"html": True}).enable("table")

    @cached_property
    def parser(self) -> MarkdownIt:
        md = MarkdownIt("commonmark", {"html": False, "typographer": False}).enable("table")
        md.validateLink = lambda url: True  # type: ignore[method-assign]  # our policy decides
        md.inline.ruler.at("text", _text_run)
        md.core.ruler.push("sopgen_policy", self._policy)
        md.add_render_rule("image", _inline_image)
        return md

    # --- the four ways a field is rendered

    def html(self, text: str) -> Markup:
        """A block field (paragraphs, lists, tables) as HTML."""
        return Markup(self._cached("html", text, self._html_block))

    def html_inline(self, text: str) -> Markup:
        """A one-paragraph field (a step, a checklist item) as inline HTML."""
        return Markup(self._cached("html_inline", text, self._html_inline))

    def markdown(self, text: str) -> str:
        """A block field as Markdown that renders exactly what the HTML shows."""
        return self._cached("md", text, self._markdown_block)

    def markdown_inline(self, text: str) -> str:
        return self._cached("md_inline", text, self._markdown_inline)

    def markdown_cell(self, text: str) -> str:
        """One line of Markdown for a table cell: a "|" would end the cell, so escape it."""
        return re.sub(r"(?<!\\)\|", r"\\|", self.markdown_inline(text))

    def tokens(self, text: str) -> list[Token]:
        """A field's tokens after the policy, for writers that are not HTML (the DOCX);
        what the policy found is reported here as for the other formats."""
        self._cached("tokens", text, lambda text: (self._tokens(text), "")[1])
        return self._tokens(text)

    # --- kept between builds (see render._rendered_before)

    def saved(self, texts: set[str], shown: set[str]) -> dict[str, Any]:
        """What was rendered of ``texts`` and of the texts among ``shown`` whose Markdown
        took mdformat (a text simple in HTML may not be in Markdown), and what was found
        in each, as JSON: ``{text: [findings, {mode: rendered}]}``."""
        kept: dict[str, Any] = {}
        for (mode, text), value in self._cache.items():
            if text in texts or (text in self._formatted and text in shown):
                kept.setdefault(text, [self._findings[text], {}])[1][mode] = value
        return {"format": 2, "texts": kept}

    def adopt_rendered(self, entries: list[RenderedText]) -> None:
        """Texts another process rendered (its Markdown handbook), as if rendered here."""
        for mode, text, value, findings, formatted in entries:
            self.parsed_new = self.parsed_new or (mode, text) not in self._cache
            self._cache[mode, text] = value
            self._add_findings(text, findings)
            if formatted:
                self._formatted.add(text)

    def rendered_in(self, modes: tuple[str, ...]) -> list[RenderedText]:
        """What was rendered in ``modes``, with its findings, for ``adopt_rendered``:
        keyed by plain ``str``, as a text's place in its file costs more to pickle back
        from a worker than the text did to parse (findings carry no place)."""
        return [(mode, str(text), value, self._findings[text], text in self._formatted)
                for (mode, text), value in self._cache.items() if mode in modes]

    # --- rendering ahead, in other processes (see render._render_in_parallel)

    def parsed_texts(self, texts: Iterable[str]) -> list[str]:
        """The texts among ``texts`` that need the Markdown parser, once each, in order."""
        return [text for text in dict.fromkeys(texts) if self._needs_parser(text)]

    def not_rendered(self, texts: list[str]) -> list[str]:
        """The texts among ``texts`` not rendered as HTML yet (by an earlier build)."""
        return [text for text in texts if ("html", text) not in self._cache]

    def html_ahead(self, texts: list[str]) -> list[tuple[str, Findings]]:
        """The HTML of each text and what the policy found in it, to hand to another
        process. Nothing is reported: that happens where a template shows the text."""
        recorded = []
        for text in texts:
            self._render_once("html", text, self._html_block)
            recorded.append((self._cache["html", text], self._findings[text]))
        return recorded

    def adopt_html(self, texts: list[str], recorded: list[tuple[str, Findings]]) -> None:
        """Take what ``html_ahead`` gave in another process, as if rendered here."""
        self.parsed_new = self.parsed_new or bool(texts)
        for text, (html, findings) in zip(texts, recorded, strict=True):
            self._cache["html", text] = html
            self._add_findings(text, findings)

    # --- one cache, and warnings wherever a text is shown

    def _cached(self, mode: str, text: str, render: Callable[[str], str]) -> str:
        """``render(text)``, once per mode; what the policy found in the text is reported
        at every place the text is rendered, so each can be found and fixed."""
        known = self._cache.get((mode, text))
        if known is not None and not self._findings.get(text):  # most: nothing to report
            return known
        outer = self._current
        self._current = located(text, Loc("content"))
        try:
            self._render_once(mode, text, render)
            for code, params in self._findings[text]:
                self._warn(code, params)
        finally:
            self._current = outer
        return self._cache[mode, text]

    def _render_once(self, mode: str, text: str, render: Callable[[str], str]) -> None:
        if (mode, text) in self._cache:
            return
        outer, self._recording = self._recording, []
        try:
            if text not in self._findings and "<" in text and self._has_raw_html(text):
                self._found("raw_html", {})  # once per text: it is a second full parse
            self._cache[mode, text] = render(text)
            self._add_findings(text, self._recording)
            self.parsed_new = self.parsed_new or self._needs_parser(text)
        finally:
            self._recording = outer

    def _add_findings(self, text: str, findings: Findings) -> None:
        """Findings are the text's, not a mode's: a mode may reuse another's parse."""
        known = self._findings.setdefault(text, [])
        known += [finding for finding in findings if finding not in known]

    def _has_raw_html(self, text: str) -> bool:
        tokens = self.html_finder.parse(text)
        inline = (child for token in tokens for child in token.children or [])
        return any(token.type == "html_block" for token in tokens) or any(
            child.type == "html_inline" for child in inline)

    def _found(self, code: str, params: dict[str, object]) -> None:
        """The policy found something in the text being rendered (reported by ``_cached``)."""
        assert self._recording is not None
        self._recording.append((code, params))

    def _warn(self, code: str, params: dict[str, object]) -> None:
        """Report once per place: the same text is rendered for several formats."""
        problem = Problem(self._current, code, params, severity="warning")
        if self.heard is not None:
            self.heard.append(problem)
        if problem not in self.problems:
            self.problems.append(problem)

    def _is_plain(self, text: str) -> bool:
        """One line with no Markdown syntax: escaping it gives the same result as parsing."""
        return not MARKDOWN_SYNTAX.search(text)

    def _needs_parser(self, text: str) -> bool:
        """Whether the HTML of ``text`` takes markdown-it (not plain, not simple)."""
        known = self._took_parser.get(text)
        if known is not None:
            return known
        return not (text in self._simple_texts or self._is_plain(text) or is_simple(text))

    def _simple_html(self, text: str) -> str | None:
        """A paragraph of words, *emphasis*, **strong** and `code`, as markdown-it renders it."""
        return simple_html(text, self._text_html)

    def _text_html(self, content: str) -> str:
        """A text token as the policy and markdown-it's renderer make it: mentions linked
        (see ``_cross_references``), the rest escaped."""
        if not self.mention or "-" not in content:  # no mention without its "-"
            return escapeHtml(content)
        rendered, position = [], 0
        for match in self.mention.finditer(content):
            found = self.target(match.group())
            if found is None and "#" not in match.group():
                continue
            before = content[position:match.start()]
            if found is None:
                rendered.append(escapeHtml(before + _unlinked(match.group())))
            else:
                rendered += [escapeHtml(before), f'<a href="{escapeHtml(found[0])}" '
                             f'class="xref">{escapeHtml(found[1])}</a>']
            position = match.end()
        rendered.append(escapeHtml(content[position:]))
        return "".join(rendered)

    def _tokens(self, text: str) -> list[Token]:
        """Parse once; the HTML and the Markdown handbook both render from these tokens."""
        tokens = self._token_cache.get(text)
        if tokens is None:
            tokens = self._token_cache[text] = self.parser.parse(text)
        return tokens

    def target(self, mentioned: str) -> tuple[str, str] | None:
        """(href, shown text) of a mention: a procedure id or a step reference. A step
        left out of this edition is a link to its procedure."""
        if mentioned in self.procedure_links:
            return self.procedure_links[mentioned], self.shown.get(mentioned, mentioned)
        ident = mentioned.partition("#")[0]
        if ident != mentioned and ident in self.procedure_links:
            return self.procedure_links[ident], ident
        return None

    def _with_links(self, text: str, link: Callable[[str, str], str]) -> str:
        if not self.mention or "-" not in text:  # every mention has one: most texts, none
            return text

        def linked(match: re.Match[str]) -> str:
            found = self.target(match.group())
            return _unlinked(match.group()) if found is None else link(found[1], found[0])

        return self.mention.sub(linked, text)

    def _plain_html(self, text: str) -> str:
        return self._with_links(
            str(escape(text.strip())),
            lambda shown, href: f'<a href="{href}" class="xref">{escape(shown)}</a>')

    def _html_block(self, text: str) -> str:
        if self._is_plain(text):
            self._took_parser[text] = False
            return f"<p>{self._plain_html(text)}</p>\n"
        simple = self._simple_html(text)
        if simple is not None:
            self._simple_texts.add(text)
            return f"<p>{simple}</p>\n"
        self._took_parser[text] = True  # neither plain nor simple: what ``is_simple`` says
        if not BLOCK_SYNTAX.search(text.strip()):  # one paragraph: skip the block parser
            return f"<p>{self.parser.renderInline(text.strip())}</p>\n"
        return str(self.parser.renderer.render(self._tokens(text), self.parser.options, {}))

    def _html_inline(self, text: str) -> str:
        if self._is_plain(text):
            self._took_parser[text] = False
            return self._plain_html(text)
        html = self._cached("html", text, self._html_block).strip()
        if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
            html = html[3:-4]
        return html

    def _markdown_inline(self, text: str) -> str:
        inline = self._markdown_block(text.strip()).replace("\n", " ")
        if text.strip() in self._formatted:
            self._formatted.add(text)  # the key it is kept under
        return inline

    def _markdown_block(self, text: str) -> str:
        if self._is_plain(text) or not (NEEDS_REWRITE.search(text) or text.count("`") % 2):
            # Nothing our policy would change: the author's Markdown is already the output,
            # with ids linked outside `code` (the odd pieces of the split).
            lines = "\n".join(line.rstrip() for line in text.strip().splitlines())
            pieces = CODE_SPAN.split(PARAGRAPH_BREAK.sub("\n\n", lines))
            return "".join(piece if index % 2 else self._with_links(
                piece, lambda shown, href: f"[{shown}]({href})")
                for index, piece in enumerate(pieces))
        import mdformat_tables
        from mdformat.renderer import MDRenderer  # only the .md handbook needs it

        options = {"parser_extension": [mdformat_tables], "mdformat": {"number": True}}
        self.parsed_new = True  # kept by ``saved``: the next build needs no mdformat
        self._formatted.add(text)
        return MDRenderer().render(self._tokens(text), options, {}).strip()

    # --- the policy, as a markdown-it core rule

    def _policy(self, state: StateCore) -> None:
        for token in state.tokens:
            if token.type == "heading_open" or token.type == "heading_close":
                token.tag = f"h{min(6, int(token.tag[1]) + HEADING_SHIFT)}"
            if token.children:
                token.children = self._inline_policy(token.children)

    def _inline_policy(self, children: list[Token]) -> list[Token]:
        result: list[Token] = []
        in_link = 0
        dropped_links: list[bool] = []
        for token in children:
            if token.type == "link_open":
                keep = self._link_allowed(str(token.attrs.get("href", "")))
                dropped_links.append(not keep)
                in_link += 1
                if keep:
                    self._decorate_link(token)
                    result.append(token)
                continue
            if token.type == "link_close":
                in_link -= 1
                if not dropped_links.pop():
                    result.append(token)
                continue
            if token.type == "image":
                result.extend(self._image(token))
                continue
            if token.type == "text" and not in_link and self.mention:
                result.extend(self._cross_references(token))
                continue
            result.append(token)
        return result

    def _link_allowed(self, href: str) -> bool:
        if ASSET_REF.match(href) and self._asset_size(href) is not None and \
                Path(href).suffix.lower() in ATTACHMENT_TYPES:
            return True  # a form or template in content/assets/, copied beside the output
        if SAFE_LINK.match(href) and not any(c in href for c in "\"'<>` \\"):
            return not href.startswith("#") or bool(re.fullmatch(r"#[a-z0-9-]+", href))
        self._found("unsafe_link", {"url": href})
        return False

    @staticmethod
    def _decorate_link(token: Token) -> None:
        if not str(token.attrs["href"]).startswith("#"):
            token.attrs["rel"] = "noopener noreferrer"

    def _image(self, token: Token) -> list[Token]:
        src = str(token.attrs.get("src", ""))
        size = self._asset_size(src)
        if size is not None and size <= MAX_ASSET_BYTES:
            path = (self.assets.parent / src).resolve()
            try:  # HTML shows it inlined; the .md links the file, copied beside it
                token.meta["inline_src"] = data_uri(path)
            except Unreadable:  # reported by validate: left out, never published as is
                size = None
            else:
                width = image_width(path)
                if width is not None and width > PAGE_WIDTH_PX:
                    self._found("image_wider_than_page",
                                {"path": src, "width": width, "page": PAGE_WIDTH_PX})
                return [token]
        if size is None:
            self._found("image_not_asset", {"url": src})
        else:
            self._found("asset_too_large", {"path": src, "size": size, "limit": MAX_ASSET_BYTES})
        alt = Token("text", "", 0)
        alt.content = token.content
        return [alt]

    def _cross_references(self, token: Token) -> list[Token]:
        assert self.mention is not None
        pieces: list[Token] = []
        position = 0
        for match in self.mention.finditer(token.content):
            found = self.target(match.group())
            if found is None and "#" not in match.group():
                continue
            if found is None:  # a step of a procedure not in this edition: its id, as text
                pieces.append(_text(token.content[position:match.start()]
                                    + _unlinked(match.group())))
                position = match.end()
                continue
            pieces.append(_text(token.content[position:match.start()]))
            link = Token("link_open", "a", 1, attrs={"href": found[0], "class": "xref"})
            pieces += [link, _text(found[1]), Token("link_close", "a", -1)]
            position = match.end()
        if not pieces:
            return [token]
        pieces.append(_text(token.content[position:]))
        return [piece for piece in pieces if piece.type != "text" or piece.content]

    def _asset_size(self, src: str) -> int | None:
        """Size of the asset ``src`` names, or ``None`` unless it is a file in assets/.

        Containment is checked on the resolved path, so ``..`` and symlinks cannot
        lead out of content/assets/.
        """
        if not ASSET_REF.match(src):
            return None
        try:
            path = (self.assets.parent / src).resolve()
            if self.assets.resolve() not in path.parents or not path.is_file():
                return None
            return path.stat().st_size
        except (OSError, ValueError):  # a name too long, a loop, no permission
            return None


def _inline_image(renderer: Any, tokens: list[Token], index: int, options: Any,
                  env: Any) -> str:
    """An image of content/assets/ as HTML: its data, so the page needs no other file."""
    token = tokens[index]
    if "inline_src" in token.meta:
        inlined = token.copy(attrs={**token.attrs, "src": token.meta["inline_src"]})
        return str(renderer.image([inlined], 0, options, env))
    return str(renderer.image(tokens, index, options, env))


def _text_run(state: StateInline, silent: bool) -> bool:
    """markdown-it's "text" rule with one regular expression instead of a loop per
    character: the same tokens, and about a tenth of the inline parser's time."""
    match = TEXT_RUN.match(state.src, state.pos, state.posMax)
    if match is None:
        return False
    if not silent:
        state.pending += match.group()
    state.pos = match.end()
    return True


def _unlinked(mentioned: str) -> str:
    """A mention with no target here: a procedure id as written, a step reference as its
    procedure's id (the step's number is known only where its procedure is)."""
    return mentioned.partition("#")[0]


def _text(content: str) -> Token:
    token = Token("text", "", 0)
    token.content = content
    return token


# The media types of the images content may show (``validate.IMAGE_TYPES``), as
# ``mimetypes`` gives them, known without its reading the system's tables in every process
IMAGE_KINDS = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
               ".svg": "image/svg+xml"}


def data_uri(path: Path) -> str:
    """An asset inlined, so the HTML needs no other file and PDF fetches nothing; an SVG
    keeps only its safe parts (see svg.py), whatever a template later does with it."""
    kind = IMAGE_KINDS.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] \
        or "application/octet-stream"
    data = path.read_bytes()
    if is_svg(path.name):
        data = sanitise(data)[0]
    return f"data:{kind};base64,{base64.b64encode(data).decode('ascii')}"
