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
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from pathlib import Path
from typing import Any, cast

from sopgen.core import model, svg
from sopgen.core.catalogue import Catalogue, catalogue, languages, suggest, suggest_field
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
    flat_steps,
    hints,
    markdown_texts,
    mention_pattern,
)
from sopgen.core.problems import Loc, Problem, size_text
from sopgen.core.schedule import known_timezone
from sopgen.core.textscan import fields_with
from sopgen.reading.checkcache import NO_CHECKS, ProcedureChecks
from sopgen.reading.procedurecache import Converted
from sopgen.reading.yamlread import (
    CURLY_QUOTES,
    LMap,
    LSeq,
    LStr,
    dangling_items,
    located,
    where_in,
)

MAX_TEXT = 50_000
# Items that may be written as a plain string: the field the string fills.
PLAIN_TEXT_FIELD: dict[type, str] = {Step: "text", model.Record: "name"}
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


def validate(raw: LMap, checks: ProcedureChecks = NO_CHECKS
             ) -> tuple[Handbook | None, list[Problem]]:
    """Convert and cross-check; the handbook is ``None`` when any error was found.
    ``checks`` may know what a procedure's own checks found before (``checkcache``)."""
    converter = _Converter(language_of(raw))
    handbook = converter.dataclass(Handbook, raw, raw.loc)
    problems = converter.problems
    if isinstance(handbook, Handbook):
        problems.extend(cross_check(handbook, raw.loc, checks))
    if any(p.severity == "error" for p in problems) or not isinstance(handbook, Handbook):
        return None, problems
    return handbook, problems


def conversion_context() -> str:
    """What converting a procedure depends on beyond its file: the callout labels of every
    catalogue (a project may bring one). A stored conversion is used only in the same."""
    return "\n".join(_own_label(kind).pattern for kind in model.CALLOUT_KINDS)


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
        self.moved: dict[str, int] = {}  # file → first line of items YAML gave a list above

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
        if type(raw) is Converted:  # converted by an earlier build (see procedurecache)
            return raw.procedure
        if isinstance(raw, LStr) and cls in PLAIN_TEXT_FIELD:  # a step's text, a record's name
            text = self.text(raw, raw.loc, _plain_text_field(cls, f.name if f else None))
            made: object = cls(**{PLAIN_TEXT_FIELD[cls]: cast(str, text)})
            return made  # a bad text is reported; the item stays
        if not isinstance(raw, LMap):
            if self._moved(located(raw, loc)):
                return None  # an item that belongs under an empty key, reported there
            what = self.catalogue.item(f.name) if f else self.catalogue.field(cls.__name__)
            self.fail(located(raw, loc), "expected_mapping", kind=self.kind(raw), what=what,
                      fields=", ".join(f.name for f in model.model_fields(cls)))
            return None
        known = _fields_by_name(cls)
        if not self._unknown_keys(cls, raw, known):
            return None  # "- Open menu: Plugins": one clear message, not three
        values: dict[str, Any] = {}
        missing = False
        dangling = dangling_items(raw)
        for name, f, tp, required in _field_plan(cls):
            value = raw.get(name)
            if value is None or (isinstance(value, str) and not value.strip()):  # _blank
                if name in dangling and self._items_not_indented(cls, raw, name):
                    missing = True
                    continue
                if required:  # at the empty key if written, else where the item starts
                    if cls is Handbook:
                        self.fail(raw.loc, "missing_section", field=name)
                    else:  # at the empty key if written, else where the item starts
                        self.fail(raw.key_locs.get(name, raw.loc), "missing_field",
                                  what=self.what(f))
                    missing = True
                continue
            converted = self.value(tp, value, raw.value_locs[name], f)
            if converted is None:
                missing = True
            elif converted in ([], "") and required:  # "" once invisible ones went
                self.fail(raw.value_locs[name], "missing_field", what=self.what(f))
                missing = True
            values[name] = converted
        if cls is Step and not missing:
            values["callout_order"] = self.callout_order(raw)
            values.update(self.callout_labels(raw, values))
        return None if missing else cls(**values)

    def _items_not_indented(self, cls: type, raw: LMap, name: str) -> bool:
        """An empty list field with items below it at the indentation of the list above:
        YAML gave them to that list, so they would silently move (sub-steps as steps)."""
        item = dangling_items(raw).get(name)
        if item is None or _kind_of(hints(cls)[name])[0] != "list":
            return False
        key = raw.key_locs[name]
        self.moved[item.file] = min(self.moved.get(item.file, item.line), item.line)
        self.fail(key, "list_not_indented", key=name, key_line=key.line, item_line=item.line,
                  column=key.col + 2)
        return True

    def _moved(self, where: Loc) -> bool:
        return where.file in self.moved and where.line >= self.moved[where.file]

    # --- step callouts: the order written, and a label written twice

    @staticmethod
    def callout_order(raw: LMap) -> tuple[str, ...]:
        """The callout kinds in the order the YAML wrote them (a mapping keeps its order)."""
        return tuple(key for key in raw if key in model.CALLOUT_KINDS and not _blank(raw[key]))

    def callout_labels(self, raw: LMap, values: dict[str, Any]) -> dict[str, Any]:
        """A callout that starts with its own label ("Penting: …" under ``important``)
        would print the label twice: the written label is left out, with a warning."""
        changed: dict[str, Any] = {}
        for kind in model.CALLOUT_KINDS:
            text = values.get(kind)
            if not isinstance(text, str):
                continue
            other = next((o for o in model.CALLOUT_KINDS
                          if o != kind and _own_label(o).match(text)), None)
            if other is not None:  # "warning: Important: …" would print "Warning: Important:"
                self.problems.append(Problem(located(text, raw.loc), "callout_other_label",
                                             {"field": self.catalogue.field(kind), "kind": other},
                                             severity="warning"))
            match = _own_label(kind).match(text)
            if match is None or not text[match.end():].strip():
                continue
            kept = LStr(text[match.end():])
            kept.loc = located(text, raw.loc)
            changed[kind] = kept
            self.problems.append(Problem(kept.loc, "callout_label_repeated",
                                         {"field": self.catalogue.field(kind),
                                          "label": match.group("label")},
                                         severity="warning"))
        return changed

    def _unknown_keys(self, cls: type, raw: LMap, known: dict[str, Any]) -> bool:
        """Report keys the model does not have; False for a step read as a mapping."""
        for key in raw:
            if key in known:
                continue
            if cls is Step and len(raw) == 1:  # "- Buka menu: Plugin" reads as a mapping
                if key[:1] in CURLY_QUOTES:  # - “Save: then go” looks quoted, is not
                    self.fail(raw.key_locs[key], "yaml_curly_quotes", text=key, quote=key[0])
                    return False
                self.fail(raw.key_locs[key], "step_colon", key=key)
                return False
            self.fail(raw.key_locs[key], "unknown_key", **suggest_field(key, list(known)))
        return True

    def value(self, tp: Any, raw: object, loc: Loc, f: dataclasses.Field[Any]) -> Any:
        kind, arg = _kind_of(tp)
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
            case "boolean":
                return self.boolean(raw, loc, f)
        return self.text(raw, loc, f)

    def list(self, item_type: Any, raw: object, loc: Loc, f: dataclasses.Field[Any]) -> Any:
        if isinstance(raw, LStr) and (item_type is str or _kind_of(item_type)[0] == "choice"):
            # "responsible: admin-web" and "weekdays: tuesday" are one-item lists
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
            _close_choice(str(raw), allowed) if raw else "")
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

    def boolean(self, raw: object, loc: Loc, f: dataclasses.Field[Any]) -> bool | None:
        text = raw.strip() if isinstance(raw, LStr) else ""
        if text in ("true", "false"):  # YAML 1.2's words, which every editor agrees on
            return text == "true"
        self.fail(located(raw, loc), "bad_boolean", value=str(raw), what=self.what(f))
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
    return {f.name: f for f in model.model_fields(cls)}


@cache
def _own_label(kind: str) -> re.Pattern[str]:
    """A callout's label at the start of its text, in any catalogue, bold or not:
    "Penting:", "**Important:**", "__Catatan__:"."""
    words = {catalogue(code).labels[kind] for code in languages()}
    names = "|".join(sorted(map(re.escape, words), key=len, reverse=True))
    bold = r"(?:\*\*|__)"
    return re.compile(rf"\s*{bold}?(?P<label>{names})\s*(?:{bold}\s*:|:\s*{bold}?)\s*",
                      re.IGNORECASE)


def _field(cls: type, name: str) -> dataclasses.Field[Any]:
    return next(f for f in dataclasses.fields(cls) if f.name == name)


# --- the walker's plans, worked out once per model class and type (it visits ~10⁵ values)

@cache
def _field_plan(cls: type) -> tuple[tuple[str, dataclasses.Field[Any], Any, bool], ...]:
    """Each field YAML may set: name, field, resolved type, whether it is required."""
    return tuple((name, f, hints(cls)[name], _required(f))
                 for name, f in _fields_by_name(cls).items())


@cache
def _plain_text_field(cls: type, written_as: str | None) -> dataclasses.Field[Any]:
    """The field an item written as plain text fills, named as the user wrote it when
    it is an item of a list (an item of ``steps``), for messages."""
    text_field = _field(cls, PLAIN_TEXT_FIELD[cls])
    if written_as is not None:
        text_field = copy.copy(text_field)
        text_field.name = written_as
    return text_field


# By identity, not equality: Literal["a", "b"] == Literal["b", "a"], and the order of the
# allowed values is what messages list. The type objects live as long as the model.
_KINDS: dict[int, tuple[Any, tuple[model.FieldKind, Any]]] = {}


def _kind_of(tp: Any) -> tuple[model.FieldKind, Any]:
    known = _KINDS.get(id(tp))
    if known is not None and known[0] is tp:
        return known[1]
    kind = field_kind(tp)
    _KINDS[id(tp)] = (tp, kind)
    return kind


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
             model.ASSET_PATH: "asset_path", model.STEP_ID: "step_id",
             model.DAY_OF_MONTH: "day_of_month", model.TIME_OF_DAY: "time_of_day",
             model.REMINDER: "reminder", model.TIMEZONE: "timezone",
             model.RETENTION: "retention", model.FIGURE_WIDTH: "figure_width",
             model.EMAIL: "email", model.PHONE: "phone",
             model.LANGUAGE_CODE: "language_code"}
    return names[pattern]


# Words close in spelling to a choice but not in meaning: suggesting "weekly" for
# "biweekly" would silently halve the work, "yearly" for "hourly" multiply it.
NOT_SYNONYMS = frozenset({
    "biweekly", "bi-weekly", "bimonthly", "bi-monthly", "biannual", "biannually",
    "semiweekly", "semimonthly", "semiannual", "semiannually", "semi-annually",
    "fortnightly", "hourly", "twice weekly", "twice monthly", "twice yearly",
    "dwimingguan", "dua mingguan", "duamingguan", "dwibulanan", "dua bulanan",
    "semesteran", "per jam", "tiap jam"})
MEANING_PREFIXES = ("bi", "semi", "tri", "dwi", "half", "twice", "every other", "per")


def _close_choice(value: str, allowed: tuple[str, ...]) -> str:
    """A choice that looks like a slip of the keyboard for ``value``, never one that only
    shares most letters with it: a prefix like "bi"/"semi" changes the meaning."""
    folded = " ".join(value.casefold().replace("_", " ").split())
    if folded in NOT_SYNONYMS:
        return ""
    close = suggest(folded, list(allowed))["suggestion"]
    if not close or (str(close) in folded and folded.startswith(MEANING_PREFIXES)):
        return ""
    return str(close)


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

def cross_check(handbook: Handbook, root: Loc,
                checks: ProcedureChecks = NO_CHECKS) -> list[Problem]:
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
    problems += checks.each("references", handbook, lambda procedure: _procedure_refs(
        procedure, role_ids, procedure_ids, root), str(root))
    problems += _mentions(handbook, procedure_ids, root, checks)
    problems += checks.each("step ids", handbook,
                            lambda procedure: _step_ids(procedure, root), str(root))
    problems += _urls(handbook, root)
    problems += _schedule_problems(handbook, root)
    problems += _contacts_and_checkers(handbook, role_ids, root)
    return _renamed_procedures(handbook, _without_cascade(problems))


_CASCADE = {"duplicate_procedure": ("unknown_procedure", "unknown_mention"),
            "duplicate_role": ("unknown_role",)}
_HIDES = {"duplicate_procedure": "duplicate_procedure_hides",
          "duplicate_role": "duplicate_role_hides"}


def _without_cascade(problems: list[Problem]) -> list[Problem]:
    """One id changed into another's: the duplicate is the mistake, and every reference to
    the id that is now gone only echoes it (with a wrong guess at what was meant). Report
    the duplicate, naming the ids it left unreferenced, and leave the echoes out."""
    hidden = {echo for p in problems for echo in _CASCADE.get(p.code, ())}
    echoes = [p for p in problems if p.code in hidden]
    if not echoes:
        return problems
    kept = []
    for problem in problems:
        if problem.code in _CASCADE:
            mine = [p for p in echoes if p.code in _CASCADE[problem.code]]
            gone = ", ".join(sorted({str(p.params["id"]) for p in mine}))
            if gone:
                hides = _HIDES[problem.code]
                problem = Problem(problem.loc, hides,
                                  {**problem.params, "gone": gone, "count": len(mine)})
        if problem.code not in hidden:
            kept.append(problem)
    return kept


def _renamed_procedures(handbook: Handbook, problems: list[Problem]) -> list[Problem]:
    """A procedure whose file is named after an id nobody has any more (``TEK-02.yaml``
    holding ``id: TEK-21``) while texts still name that id: its id was changed. Say so
    once, at the id, instead of once per reference with a guess at a neighbour."""
    echoes = ("unknown_procedure", "unknown_mention")
    missing = {str(p.params["id"]) for p in problems if p.code in echoes}
    renamed = {}
    for procedure in handbook.procedures:
        named_after = Path(located(procedure.id, Loc("")).file).stem
        if named_after in missing and named_after != procedure.id:
            renamed[named_after] = procedure
    if not renamed:
        return problems
    kept = [p for p in problems if p.code not in echoes or p.params["id"] not in renamed]
    for old, procedure in renamed.items():
        count = sum(1 for p in problems if p.code in echoes and p.params["id"] == old)
        kept.append(Problem(located(procedure.id, Loc("")), "procedure_renamed",
                            {"id": procedure.id, "gone": old, "count": count}))
    return kept


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
             *procedure.informed, *(s.role for _, s in flat_steps(procedure)),
             procedure.checked_by]
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


def _mentions(handbook: Handbook, procedure_ids: set[str], root: Loc,
              checks: ProcedureChecks = NO_CHECKS) -> list[Problem]:
    pattern = mention_pattern(procedure_ids)
    if pattern is None:
        return []
    step_ids = {p.id: model.step_numbers(p) for p in handbook.procedures}
    # Which of two procedures with one id a step belongs to is unknown: the duplicate is
    # reported, and its steps are not checked until the ids differ.
    counts = Counter(p.id for p in handbook.procedures)
    duplicated = {ident for ident, count in counts.items() if count > 1}
    prefixes = {ident.split("-")[0] + "-" for ident in procedure_ids}  # as the pattern's

    def found_in(texts: Iterable[str]) -> list[Problem]:
        problems = []
        for text in texts:
            if len(prefixes) <= 16 and not any(prefix in text for prefix in prefixes):
                continue  # no mention can match: most texts, skipped without the pattern
            for match in pattern.finditer(text):
                ident, _, step = match.group().partition("#")
                if ident not in procedure_ids:
                    params = suggest(ident, sorted(procedure_ids))
                    problems.append(Problem(located(text, root), "unknown_mention",
                                            {"id": ident, **params}))
                elif step and ident not in duplicated and step not in step_ids[ident]:
                    problems.append(_unknown_step_id(text, root, "unknown_step_ref", ident,
                                                     step, step_ids[ident]))
        return problems

    parts = _around_procedures(handbook)
    if parts is None:
        return found_in(markdown_texts(handbook))
    before, after = parts  # the procedures' own texts may come from ``checks``
    return found_in(before) + checks.each(
        "mentions", handbook, lambda procedure: found_in(markdown_texts(procedure)),
        str(root)) + found_in(after)


def _around_procedures(handbook: Handbook) -> tuple[list[str], list[str]] | None:
    """The handbook's texts before and after those of its procedures (which come in one
    run, in order), or ``None`` if they do not (then nothing is taken from a cache)."""
    texts = list(markdown_texts(handbook))
    own = [text for procedure in handbook.procedures for text in markdown_texts(procedure)]
    start = next((i for i, text in enumerate(texts) if own and text is own[0]), None)
    if start is None or len(texts) < start + len(own) or \
            any(a is not b for a, b in zip(texts[start:start + len(own)], own, strict=True)):
        return None
    return texts[:start], texts[start + len(own):]


# --- step ids: unique in their procedure, and every goto names one

def _step_ids(procedure: Procedure, root: Loc) -> list[Problem]:
    problems: list[Problem] = []
    first: dict[str, str] = {}
    for _, step in flat_steps(procedure):
        if step.id in first:
            problems.append(Problem(located(step.id, root), "duplicate_step_id",
                                    {"id": step.id, "procedure": procedure.id,
                                     "first": first[step.id]}))
        elif step.id:
            first[step.id] = str(located(step.id, root))
    for _, step in flat_steps(procedure):
        for row in step.decision:
            if row.goto and row.goto not in first:
                problems.append(_unknown_step_id(row.goto, root, "unknown_goto", procedure.id,
                                                 row.goto, first))
    return problems


def _unknown_step_id(where: str, root: Loc, code: str, procedure_id: str, step: str,
                     known: dict[str, str]) -> Problem:
    params = suggest(step, sorted(known))
    return Problem(located(where, root), code,
                   {**params, "id": f"{procedure_id}#{step}", "procedure": procedure_id,
                    "step": step, "known": ", ".join(known) or "—"})


def _urls(handbook: Handbook, root: Loc) -> list[Problem]:
    """Invisible characters in addresses were refused when the text was read."""
    urls = [("url", ref.url) for p in handbook.procedures for ref in p.references]
    urls += [("url", c.url) for r in handbook.roles for c in r.contacts if c.url]
    if handbook.document.organisation.website:
        urls.append(("website", handbook.document.organisation.website))
    words = catalogue(handbook.document.language)
    return [Problem(located(url, root), "bad_url", {"url": url, "what": words.field(name)})
            for name, url in urls if not ALLOWED_URL.fullmatch(url)]


# ---------------------------------------------------------------- schedules

FREQUENCY_ORDER = ("daily", "weekly", "monthly", "quarterly", "yearly")  # most often first
MAX_WORKING_DAY = 20  # February 2026 has 20 working days; every month has at least that
MONTHLY_OR_LESS = ("monthly", "quarterly", "yearly")


def _schedule_problems(handbook: Handbook, root: Loc) -> list[Problem]:
    """Schedules that contradict their procedure or themselves, and unknown time zones."""
    problems = _timezone_problems(handbook.document.timezone, root)
    for procedure in handbook.procedures:
        if procedure.schedules and procedure.frequency not in FREQUENCY_ORDER:
            first = procedure.schedules[0]
            problems.append(Problem(_schedule_loc(first, procedure, root), "schedule_on_event",
                                    {"id": procedure.id}))
            continue
        for schedule in procedure.schedules:
            problems += _one_schedule(schedule, procedure, root)
    return problems


def _one_schedule(schedule: model.Schedule, procedure: Procedure, root: Loc) -> list[Problem]:
    problems = _timezone_problems(schedule.timezone, root)
    frequency = schedule.frequency or procedure.frequency
    where = _schedule_loc(schedule, procedure, root)
    params: dict[str, object] = {"id": procedure.id, "frequency": frequency}
    if FREQUENCY_ORDER.index(frequency) < FREQUENCY_ORDER.index(procedure.frequency):
        problems.append(Problem(located(frequency, where), "schedule_more_often",
                                {**params, "procedure_frequency": procedure.frequency}))
    monthly = frequency in MONTHLY_OR_LESS
    misplaced = [
        (schedule.weekdays, not (frequency in ("daily", "weekly") or (monthly and schedule.week)),
         "schedule_no_weekdays"),
        (schedule.day_of_month, not monthly, "schedule_no_day_of_month"),
        (schedule.months, frequency not in ("quarterly", "yearly"), "schedule_no_months"),
        (schedule.week, not monthly or bool(schedule.day_of_month), "schedule_no_week"),
        (schedule.working_days, frequency == "weekly" or (monthly and not schedule.day_of_month),
         "schedule_no_working_days"),
    ]
    for value, wrong, code in misplaced:
        if value and wrong:
            shown = value[0] if isinstance(value, list) else value
            problems.append(Problem(located(shown, where), code, params))
    weekend = [day for day in schedule.weekdays if day not in model.WORKING_DAYS]
    if schedule.working_days and weekend:
        problems.append(Problem(located(weekend[0], where), "schedule_working_weekend",
                                {"id": procedure.id, "day": weekend[0]}))
    day = schedule.day_of_month
    if schedule.working_days and monthly and day.isdigit() and int(day) > MAX_WORKING_DAY:
        problems.append(Problem(located(day, where), "schedule_working_day_number",
                                {"id": procedure.id, "day": day}))
    if frequency == "quarterly" and not _quarters(schedule.months):
        problems.append(Problem(located(schedule.months[0], where), "schedule_quarter_months",
                                {"id": procedure.id, "months": ", ".join(schedule.months)}))
    return problems


def _quarters(months: list[model.Month]) -> bool:
    """One month, or months three apart: each names the same quarters."""
    numbers = sorted(model.MONTHS.index(m) for m in months)
    return len({n % 3 for n in numbers}) <= 1


def _timezone_problems(name: str, root: Loc) -> list[Problem]:
    if not name or known_timezone(name):
        return []
    return [Problem(located(name, root), "unknown_timezone", {"value": name})]


def _schedule_loc(schedule: model.Schedule, procedure: Procedure, root: Loc) -> Loc:
    """Where a schedule was written: at its first located value, else at its procedure."""
    for value in (schedule.frequency, schedule.day_of_month, schedule.week, schedule.time,
                  *schedule.weekdays, *schedule.months, schedule.timezone, schedule.reminder):
        if value:
            return located(value, root)
    return located(procedure.id, root)




# ---------------------------------------------------------------- roles held outside

def _contacts_and_checkers(handbook: Handbook, role_ids: set[str],
                           root: Loc) -> list[Problem]:
    """A contact says how to reach the role; work done outside has a checker of the
    organisation's own, or no one signs the log sheet."""
    problems = [Problem(located(contact.label or role.id, root), "contact_empty",
                        {"role": role.id})
                for role in handbook.roles for contact in role.contacts
                if not (contact.email or contact.phone or contact.url)]
    by_id = {role.id: role for role in handbook.roles}
    for procedure in handbook.procedures:
        if not model.done_outside(procedure, handbook):
            if procedure.checked_by:  # it would be ignored: say so rather than drop it
                problems.append(Problem(located(procedure.checked_by, root),
                                        "checked_by_unused", {"id": procedure.id}))
            continue
        chosen = model.checker(procedure, handbook)
        if chosen not in role_ids:  # none named; an unknown one is reported already
            if not chosen:
                problems.append(Problem(located(procedure.id, root), "outside_needs_checker",
                                        {"id": procedure.id}))
            continue
        if model.outside(by_id[chosen]):
            problems.append(Problem(located(chosen, root), "checker_outside",
                                    {"id": procedure.id, "role": chosen,
                                     "kind": by_id[chosen].kind}))
    return problems


def asset_problems(handbook: Handbook, assets: Path) -> list[Problem]:
    """The logo and every image a text shows must be an image file inside
    content/assets/ (links included); what an SVG would lose is said here, before any
    build, and an SVG that cannot be read safely is an error."""
    words = catalogue(handbook.document.language)
    problems = _logo_problems(handbook.document.organisation.logo, assets, words)
    for name, text in fields_with(handbook, "!["):
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


# --- one procedure on its own (a forked reader converts its share of the files: readahead.py)

def convert_procedure(raw: object, loc: Loc) -> tuple[Procedure | None, list[Problem]]:
    """The procedure of a file holding one (``raw`` under ``procedure:``, written at
    ``loc``), converted as ``validate`` converts it among the handbook's procedures; only
    its own problems, none of the cross-checks, which need the whole handbook."""
    converter = _Converter("en")  # the language only phrases problems
    made = converter.value(Procedure, raw, loc, _field(Handbook, "procedures"))
    return (made if isinstance(made, Procedure) else None), converter.problems
