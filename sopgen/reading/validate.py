"""Validate stage: located raw data → typed ``Handbook``, collecting every problem.

The conversion is driven by the dataclasses' type hints, so adding a field to the
model is the only change needed for it to be read, checked and documented. Nothing is
guessed: text stays text, dates must be YYYY-MM-DD, choices must be one of their values.
Cross-checks (ids, references, mentions) run once the whole handbook is known.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import re
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any, cast

from sopgen.core import model, svg
from sopgen.core.catalogue import Catalogue, catalogue, languages, suggest
from sopgen.core.chars import (
    CHARACTER_REFERENCE,
    INVISIBLE,
    REFUSED,
    SUSPECT,
    char_name,
    decoded_reference,
)
from sopgen.core.model import (
    ASSET_REF,
    MAX_ASSET_BYTES,
    Handbook,
    Procedure,
    Step,
    field_kind,
    flatten,
    hints,
    markdown_fields,
    markdown_texts,
    mention_pattern,
)
from sopgen.core.problems import Loc, Problem, size_text
from sopgen.reading.yamlread import LMap, LSeq, LStr, located, where_in

MAX_TEXT = 50_000
IMAGE_TYPES = (".png", ".jpg", ".jpeg", ".svg")
# Texts that are compared rather than read (ids, addresses, role names): an invisible
# character there makes two values that look the same differ, so it is an error.
EXACT_FIELDS = frozenset({"url", "website", "responsible", "consulted", "informed", "related"})
# A whole address, not a prefix: nothing that can end a Markdown link or an HTML
# attribute early (quotes, angle brackets, backslash, backtick, spaces, controls).
_URL_CHARS = r"[^\s\"'<>\\`\x00-\x1f\x7f]"
ALLOWED_URL = re.compile(
    rf"(?:https?://[^\s/\"'<>\\`@\x00-\x1f\x7f]+(?:/{_URL_CHARS}*)?"
    rf"|mailto:[^\s@\"'<>\\`\x00-\x1f\x7f]+@{_URL_CHARS}+)",
    re.IGNORECASE,
)


def validate(raw: LMap) -> tuple[Handbook | None, list[Problem]]:
    """Convert and cross-check; the handbook is ``None`` when any error was found."""
    converter = _Converter(language_of(raw))
    handbook = converter.dataclass(Handbook, raw, raw.loc)
    problems = converter.problems
    if isinstance(handbook, Handbook):
        problems.extend(cross_check(handbook, raw.loc))
    if any(p.severity == "error" for p in problems) or not isinstance(handbook, Handbook):
        return None, problems
    return handbook, problems


def language_of(raw: LMap) -> str:
    """The document's language if it is a valid one, for phrasing messages early."""
    document = raw.get("document")
    language = document.get("language") if isinstance(document, LMap) else None
    return str(language) if language in languages() else "en"


class _Converter:
    def __init__(self, language: str) -> None:
        self.problems: list[Problem] = []
        self.catalogue = catalogue(language)
        self.words = self.catalogue.messages

    def kind(self, raw: object) -> str:
        """What was found instead, in the words of the document's language."""
        return self.words[f"kind_{_kind(raw)}"]

    def fail(self, loc: Loc, code: str, **params: object) -> None:
        self.problems.append(Problem(loc, code, params))

    def what(self, f: dataclasses.Field[Any]) -> str:
        """The field in the user's words, for messages: "Pillar (pillar)"."""
        return self.catalogue.field(f.name)

    def dataclass(self, cls: type, raw: object, loc: Loc,
                  f: dataclasses.Field[Any] | None = None) -> object | None:
        if isinstance(raw, LStr) and cls is Step:  # a plain string is a step's text
            text_field = _field(Step, "text")
            if f is not None:  # named as the user wrote it: an item of steps
                text_field = copy.copy(text_field)
                text_field.name = f.name
            text = self.text(raw, raw.loc, text_field)
            return Step(text=cast(str, text))  # a bad text is reported; the step stays
        if not isinstance(raw, LMap):
            what = self.catalogue.item(f.name) if f else self.catalogue.field(cls.__name__)
            self.fail(located(raw, loc), "expected_mapping", kind=self.kind(raw), what=what,
                      fields=", ".join(f.name for f in dataclasses.fields(cls)))
            return None
        known = _fields_by_name(cls)
        if not self._unknown_keys(cls, raw, known):
            return None  # "- Open menu: Plugins": one clear message, not three
        values: dict[str, Any] = {}
        missing = False
        for name, f in known.items():
            value = raw.get(name)
            if _blank(value):
                if _required(f):  # at the empty key if written, else where the item starts
                    if cls is Handbook:
                        self.fail(raw.loc, "missing_section", field=name)
                    else:  # at the empty key if written, else where the item starts
                        self.fail(raw.key_locs.get(name, raw.loc), "missing_field",
                                  what=self.what(f))
                    missing = True
                continue
            converted = self.value(hints(cls)[name], value, raw.value_locs[name], f)
            if converted is None:
                missing = True
            elif converted in ([], "") and _required(f):  # "" once invisible ones went
                self.fail(raw.value_locs[name], "missing_field", what=self.what(f))
                missing = True
            values[name] = converted
        return None if missing else cls(**values)

    def _unknown_keys(self, cls: type, raw: LMap, known: dict[str, Any]) -> bool:
        """Report keys the model does not have; False for a step read as a mapping."""
        for key in raw:
            if key in known:
                continue
            if cls is Step and len(raw) == 1:  # "- Buka menu: Plugin" reads as a mapping
                self.fail(raw.key_locs[key], "step_colon", key=key)
                return False
            self.fail(raw.key_locs[key], "unknown_key", **suggest(key, list(known)))
        return True

    def value(self, tp: Any, raw: object, loc: Loc, f: dataclasses.Field[Any]) -> Any:
        kind, arg = field_kind(tp)
        match kind:
            case "list":
                return self.list(arg, raw, loc, f)
            case "choice":
                return self.choice(arg, raw, loc, f)
            case "record":
                return self.dataclass(arg, raw, loc, f)
            case "date":
                return self.date(raw, loc, f)
            case "integer":
                return self.integer(raw, loc, f)
        return self.text(raw, loc, f)

    def list(self, item_type: Any, raw: object, loc: Loc, f: dataclasses.Field[Any]) -> Any:
        if isinstance(raw, LStr) and item_type is str:  # "responsible: admin-web" is fine
            raw_items, locs = [raw], [raw.loc]
        elif isinstance(raw, LSeq):
            raw_items, locs = list(raw), raw.item_locs
        else:
            self.fail(located(raw, loc), "expected_list_field", field=f.name, what=self.what(f),
                      kind=self.kind(raw))
            return None
        items = []
        for item, item_loc in zip(raw_items, locs, strict=True):
            if _blank(item):
                self.fail(item_loc, "empty_item", field=f.name, what=self.what(f))
                continue
            items.append(self.value(item_type, item, item_loc, f))
        if len(items) < len(raw_items) or None in items:
            return None  # each bad item is reported; "missing field" would only confuse
        return items

    def text(self, raw: object, loc: Loc, f: dataclasses.Field[Any]) -> str | None:
        if not isinstance(raw, LStr):
            code = "text_is_mapping" if isinstance(raw, LMap) else "expected_text"
            self.fail(located(raw, loc), code, field=f.name, what=self.what(f),
                      kind=self.kind(raw))
            return None
        if len(raw) > MAX_TEXT:
            self.fail(raw.loc, "text_too_long", field=f.name, what=self.what(f), limit=MAX_TEXT)
            return None
        if SUSPECT.search(raw) or (f.metadata.get("markdown") and "&" in raw):
            checked = self.characters(raw, f)
            if checked is None:
                return None
            raw = checked
        if "\r" in raw:  # Markdown reads a lone CR as a line break: make it one
            normalised = LStr(raw.replace("\r\n", "\n").replace("\r", "\n"))
            normalised.loc, raw = raw.loc, normalised
        pattern = f.metadata.get("pattern")
        if pattern is not None:
            return cast(str | None, self.identifier(raw, pattern, f))
        if raw.strip() != raw and not f.metadata.get("markdown"):
            stripped = LStr(raw.strip())
            stripped.loc = raw.loc
            return stripped
        return raw

    def characters(self, raw: LStr, f: dataclasses.Field[Any]) -> LStr | None:
        """Refuse control and direction-changing characters; invisible ones are an error
        where text is compared (ids, addresses, role names), else removed with a warning.
        Each is reported once per text, where it was written."""
        markdown = bool(f.metadata.get("markdown"))
        references = [m for m in CHARACTER_REFERENCE.finditer(raw)] if markdown else []
        found = [(m.group(), m.group()) for m in SUSPECT.finditer(raw)] + [
            (char, m.group()) for m in references
            for char in decoded_reference(m.group()) if SUSPECT.match(char)]
        exact = f.name in EXACT_FIELDS or f.metadata.get("pattern") is not None
        failed = False
        for char, written in dict.fromkeys(found):
            where = where_in(raw, written) or raw.loc
            if REFUSED.match(char):
                self.fail(where, "control_char", what=self.what(f), char=char_name(char))
                failed = True
            elif exact:
                self.fail(where, "invisible_char", what=self.what(f), value=raw,
                          char=char_name(char))
                failed = True
            else:
                self.problems.append(Problem(where, "invisible_removed",
                                             {"what": self.what(f), "char": char_name(char)},
                                             severity="warning"))
        if failed:
            return None
        kept = INVISIBLE.sub("", raw)
        if references:
            kept = CHARACTER_REFERENCE.sub(
                lambda m: "" if SUSPECT.search(decoded_reference(m.group())) else m.group(),
                kept)
        cleaned = LStr(kept)
        cleaned.loc = raw.loc
        return cleaned

    def identifier(self, raw: LStr, pattern: re.Pattern[str], f: dataclasses.Field[Any]) -> Any:
        if not pattern.fullmatch(raw):  # match() would let "2.0.0\n" through ($ before \n)
            self.fail(raw.loc, f"bad_{_pattern_name(pattern)}", value=raw, what=self.what(f),
                      example=f.metadata.get("example") or "")
            return None
        return raw

    def choice(self, allowed: tuple[str, ...], raw: object, loc: Loc,
               f: dataclasses.Field[Any]) -> str | None:
        if isinstance(raw, LStr) and raw.strip() in allowed:
            value = LStr(raw.strip())  # keeps its place, for messages about the choice
            value.loc = raw.loc
            return value
        suggestion = _choice_named(str(raw), allowed) or (
            suggest(str(raw), list(allowed))["suggestion"] if raw else "")
        self.fail(located(raw, loc), "bad_choice", value=str(raw), allowed=", ".join(allowed),
                  suggestion=suggestion, what=self.what(f))
        return None

    def date(self, raw: object, loc: Loc, f: dataclasses.Field[Any]) -> dt.date | None:
        text = raw.strip() if isinstance(raw, LStr) else ""
        if re.fullmatch(r"(19|20|21)\d{2}-\d{2}-\d{2}", text):  # years we can add months to
            try:
                return dt.date.fromisoformat(text)
            except ValueError:
                pass
        self.fail(located(raw, loc), "bad_date", value=str(raw), what=self.what(f))
        return None

    def integer(self, raw: object, loc: Loc, f: dataclasses.Field[Any]) -> int | None:
        text = raw.strip() if isinstance(raw, LStr) else ""
        if re.fullmatch(r"[0-9]{1,4}", text) and int(text) > 0:
            return int(text)
        self.fail(located(raw, loc), "bad_number", value=str(raw), what=self.what(f))
        return None



def image_sources(text: str) -> list[str]:
    """The ``src`` of every image in a Markdown text, in order (code spans are not)."""
    from markdown_it import MarkdownIt  # only texts that show an image get here

    tokens = MarkdownIt("commonmark", {"html": False}).enable("table").parse(text)
    return [str(child.attrs.get("src", "")) for token in tokens
            for child in token.children or [] if child.type == "image"]


def _blank(value: object) -> bool:
    """Nothing written: no value, or only spaces and line breaks (e.g. a quoted "\\r")."""
    return value is None or (isinstance(value, str) and not value.strip())


@cache
def _fields_by_name(cls: type) -> dict[str, dataclasses.Field[Any]]:
    return {f.name: f for f in dataclasses.fields(cls)}


def _field(cls: type, name: str) -> dataclasses.Field[Any]:
    return next(f for f in dataclasses.fields(cls) if f.name == name)


def _required(f: dataclasses.Field[Any]) -> bool:
    return f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING


def _kind(raw: object) -> str:
    if isinstance(raw, LMap):
        return "mapping"
    if isinstance(raw, LSeq):
        return "list"
    return "empty" if raw is None else "text"


def _pattern_name(pattern: re.Pattern[str]) -> str:
    names = {model.PROCEDURE_ID: "procedure_id", model.ROLE_ID: "role_id",
             model.DOCUMENT_ID: "document_id", model.VERSION: "version",
             model.ASSET_PATH: "asset_path", model.LANGUAGE_CODE: "language_code"}
    return names[pattern]


def _choice_named(value: str, allowed: tuple[str, ...]) -> str:
    """The choice whose printed name, in any language, is ``value``: "harian" → daily.
    Staff write the word the handbook shows them, not the key."""
    wanted = _folded(value)
    for code in languages():
        for key, name in catalogue(code).choices.items():
            if key in allowed and _folded(name) == wanted:
                return key
    return ""


# ---------------------------------------------------------------- cross-checks

def cross_check(handbook: Handbook, root: Loc) -> list[Problem]:
    """Problems that need the whole handbook: duplicates and dangling references."""
    problems: list[Problem] = _language(handbook.document.language, root)
    if problems:  # every check below speaks the document's language
        return problems
    problems += _duplicates([r.id for r in handbook.roles], "duplicate_role")
    problems += _duplicates([p.id for p in handbook.procedures], "duplicate_procedure")
    problems += _duplicates([t.term for t in handbook.glossary], "duplicate_term",
                            same=_folded)
    role_ids = {r.id for r in handbook.roles}
    procedure_ids = {p.id for p in handbook.procedures}
    problems += _missing_role(handbook.document.owner, role_ids, root)
    for procedure in handbook.procedures:
        problems += _procedure_refs(procedure, role_ids, procedure_ids, root)
    problems += _mentions(handbook, procedure_ids, root)
    problems += _urls(handbook, root)
    return problems


def _language(language: str, root: Loc) -> list[Problem]:
    """A language is one sopgen or the project has a label catalogue for."""
    if language in languages():
        return []
    return [Problem(located(language, root), "unknown_language",
                    {"code": language, "allowed": ", ".join(languages())})]


def _duplicates(ids: list[str], code: str,
                same: Callable[[str], str] = str) -> Iterator[Problem]:
    """Each id after its first use; ``same`` says which spellings count as one."""
    first: dict[str, str] = {}
    for ident in ids:
        loc, key = located(ident, Loc("?")), same(ident)
        if key in first:
            yield Problem(loc, code, {"id": ident, "first": first[key]})
        else:
            first[key] = str(loc)


def _folded(text: str) -> str:
    """Text compared as people read it: case and runs of spaces do not count."""
    return " ".join(text.casefold().split())


def _missing_role(role: str, role_ids: set[str], root: Loc) -> list[Problem]:
    if not role or role in role_ids:
        return []
    if "," in role:  # "informed: admin, editor" is one text to YAML
        items = ", ".join(part.strip() for part in role.split(",") if part.strip())
        return [Problem(located(role, root), "roles_as_text", {"id": role, "items": items})]
    params = suggest(role, sorted(role_ids))
    return [Problem(located(role, root), "unknown_role", {"id": role, **params})]


def _procedure_refs(procedure: Procedure, role_ids: set[str], procedure_ids: set[str],
                    root: Loc) -> list[Problem]:
    problems: list[Problem] = []
    roles = [*procedure.responsible, procedure.accountable, *procedure.consulted,
             *procedure.informed, *(s.role for _, s in flatten(procedure.steps))]
    for role in roles:
        problems += _missing_role(role, role_ids, root)
    for related in procedure.related:
        if related not in procedure_ids:
            params = suggest(related, sorted(procedure_ids))
            problems.append(Problem(located(related, root), "unknown_procedure",
                                    {"id": related, **params}))
    if procedure.frequency == "event" and not procedure.trigger:
        problems.append(Problem(located(procedure.id, root), "event_needs_trigger",
                                {"id": procedure.id}))
    return problems


def _mentions(handbook: Handbook, procedure_ids: set[str], root: Loc) -> list[Problem]:
    pattern = mention_pattern(procedure_ids)
    if pattern is None:
        return []
    problems = []
    for text in markdown_texts(handbook):
        for match in pattern.finditer(text):
            if match.group() not in procedure_ids:
                params = suggest(match.group(), sorted(procedure_ids))
                problems.append(Problem(located(text, root), "unknown_mention",
                                        {"id": match.group(), **params}))
    return problems


def _urls(handbook: Handbook, root: Loc) -> list[Problem]:
    """Invisible characters in addresses were refused when the text was read."""
    urls = [("url", ref.url) for p in handbook.procedures for ref in p.references]
    if handbook.document.organisation.website:
        urls.append(("website", handbook.document.organisation.website))
    words = catalogue(handbook.document.language)
    return [Problem(located(url, root), "bad_url", {"url": url, "what": words.field(name)})
            for name, url in urls if not ALLOWED_URL.fullmatch(url)]


def asset_problems(handbook: Handbook, assets: Path) -> list[Problem]:
    """The logo and every image a text shows must be an image file inside
    content/assets/ (links included); what an SVG would lose is said here, before any
    build, and an SVG that cannot be read safely is an error."""
    words = catalogue(handbook.document.language)
    problems = _logo_problems(handbook.document.organisation.logo, assets, words)
    for name, text in markdown_fields(handbook):
        if "![" in text:
            problems += _image_problems(text, words.field(name), assets, words)
    return problems


def _logo_problems(logo: str, assets: Path, words: Catalogue) -> list[Problem]:
    if not logo:
        return []
    where, what = located(logo, Loc("content")), words.field("logo")
    path = (assets.parent / logo).resolve()
    if assets.resolve() not in path.parents:
        return [Problem(where, "asset_outside", {"what": what, "path": logo})]
    if path.suffix.lower() not in IMAGE_TYPES:
        return [Problem(where, "asset_type", {"what": what, "path": logo,
                                               "types": ", ".join(IMAGE_TYPES)})]
    return _image_file_problems(path, logo, where, what, words)


def _image_problems(text: str, what: str, assets: Path, words: Catalogue) -> list[Problem]:
    """Images of one Markdown text that are meant as assets: each checked at its place.
    Images from elsewhere are left out when rendering, with a warning there."""
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for src in image_sources(text):
        where = where_in(text, src, seen.get(src, 0)) or located(text, Loc("content"))
        seen[src] = seen.get(src, 0) + 1
        path = (assets.parent / src).resolve()
        if ASSET_REF.match(src) and assets.resolve() in path.parents:
            problems += _image_file_problems(path, src, where, what, words)
    return problems


def _image_file_problems(path: Path, shown: str, where: Loc, what: str,
                         words: Catalogue) -> list[Problem]:
    size = _file_size(path)
    if size is None:
        return [Problem(where, "asset_missing", {"what": what, "path": shown})]
    if size > MAX_ASSET_BYTES:
        return [Problem(where, "asset_too_large",
                        {"what": what, "path": shown, "size": size, "mib": size_text(size),
                         "limit": MAX_ASSET_BYTES, "limit_mib": size_text(MAX_ASSET_BYTES)})]
    if not svg.is_svg(path.name):
        return []
    try:
        _, removed = svg.sanitise(path.read_bytes())
    except (svg.Unreadable, OSError) as error:
        return [Problem(where, "svg_unreadable", {"what": what, "path": shown,
                                                  "detail": str(error)})]
    first = {(part.kind, part.name): part for part in reversed(removed)}  # once per kind
    return [Problem(where, "svg_removed", {
        "what": what, "path": shown, "line": part.line,
        "part": words.messages[f"svg_part_{part.kind}"].format(name=part.name)},
        severity="warning") for part in sorted(first.values(), key=lambda p: p.line)]


def _file_size(path: Path) -> int | None:
    """Size of a regular file, or ``None`` when there is none we may read."""
    try:
        return path.stat().st_size if path.is_file() else None
    except OSError:
        return None
