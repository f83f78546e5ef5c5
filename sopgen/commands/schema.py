"""A JSON Schema of the YAML model, for editors that complete and check while typing.

Generated from the same dataclasses the validator reads, so it cannot drift from
them. It describes one content file: any of the top-level sections, or one
``procedure``. Editors read it through the comment that ``init`` and ``new`` put at
the top of each file: ``# yaml-language-server: $schema=<path to sopgen.schema.json>``.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
from pathlib import Path
from typing import Any

from sopgen import __version__
from sopgen.core.model import (
    DAY_OF_MONTH,
    PROCEDURE_ID,
    ROLE_ID,
    STEP_ID,
    VERSION,
    Contact,
    Handbook,
    Procedure,
    Record,
    Step,
    field_kind,
    hints,
    model_fields,
)
from sopgen.core.write import write_file
from sopgen.reading.adopt import NOT_OVERRIDDEN
from sopgen.reading.load import LIST_KEYS, Project, content_files

LIST_SECTIONS = frozenset(LIST_KEYS)  # "glossary:" left empty is fine, as in validate
SCHEMA_FILE = "sopgen.schema.json"
# As the validator reads a date: YYYY-MM-DD in years it can add months to, a real day.
DATE = {"type": "string", "pattern": r"^(19|20|21)\d{2}-\d{2}-\d{2}$", "format": "date"}
# Nothing written: an optional field left empty (``last_reviewed:``, ``trigger: ""``).
BLANK: list[dict[str, Any]] = [{"type": "null"}, {"type": "string", "pattern": r"^\s*$"}]
# Text as YAML may type it: ``title: 2024`` is the text "2024" to sopgen.
TEXT_TYPES = ["string", "number", "boolean"]
WRITTEN = r"\S"  # a required text with something in it
# ``validate.ALLOWED_URL`` in JavaScript's regex dialect (editors use it): no flags, so
# the schemes spell both cases; no escaped quotes, which its unicode mode refuses.
_URL_CHAR = r"""[^\s"'<>\\\x60\x00-\x1f\x7f]"""
URL = (r"""^(?:[Hh][Tt][Tt][Pp][Ss]?://[^\s/"'<>\\\x60@\x00-\x1f\x7f]+(?:/""" + _URL_CHAR
       + r"""*)?|[Mm][Aa][Ii][Ll][Tt][Oo]:[^\s@"'<>\\\x60\x00-\x1f\x7f]+@""" + _URL_CHAR + "+)$")
URL_FIELDS = frozenset({"url", "website"})  # the addresses ``validate`` checks
# Fields that name roles or procedures: which exist only the whole project knows, but a
# name that no id could ever be is wrong in any file ("Web_Admin", "admin, editor").
REFERENCES = {"responsible": ROLE_ID, "consulted": ROLE_ID, "informed": ROLE_ID,
              "related": PROCEDURE_ID}


def json_schema() -> dict[str, Any]:
    definitions: dict[str, Any] = {}
    sections = {f.name: _field_schema(f, hints(Handbook)[f.name], definitions,
                                      required=f.name not in LIST_SECTIONS)
                for f in dataclasses.fields(Handbook)}
    sections["procedure"] = _ref(Procedure, definitions)
    sections["adopt"] = _adopt_schema(definitions)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"sopgen-{__version__}",
        "title": "sopgen content file",
        "description": "One YAML file in content/: any of these sections.",
        "type": "object",
        "properties": sections,
        "additionalProperties": False,
        "minProperties": 1,
        "$defs": definitions,
    }


def schema_text() -> str:
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


def _ref(cls: type, definitions: dict[str, Any]) -> dict[str, Any]:
    name = cls.__name__
    if name not in definitions:
        definitions[name] = {}  # placeholder first: Step refers to itself
        definitions[name] = _object_schema(cls, definitions)
        definitions[name].update(_one_of_needed(cls))
    reference = {"$ref": f"#/$defs/{name}"}
    if cls in (Step, Record):  # a plain string is a step's text, a record's name
        return {"anyOf": [{"type": TEXT_TYPES, "pattern": WRITTEN}, reference]}
    return reference


def _one_of_needed(cls: type) -> dict[str, Any]:
    """A contact needs an e-mail, a phone or a url (validate's ``contact_empty``)."""
    if cls is not Contact:
        return {}
    return {"anyOf": [{"required": [name]} for name in ("email", "phone", "url")]}


def _object_schema(cls: type, definitions: dict[str, Any]) -> dict[str, Any]:
    fields = model_fields(cls)
    required = [f.name for f in fields if _required(f)]
    schema = {
        "type": "object",
        "description": (cls.__doc__ or "").strip(),
        "properties": {f.name: _field_schema(f, hints(cls)[f.name], definitions,
                                             required=f.name in required)
                       for f in fields},
        "required": required,
        "additionalProperties": False,
    }
    names = {f.name for f in fields}
    if cls is Procedure and {"frequency", "trigger"} <= names:  # validate: event_needs_trigger
        schema["if"] = {"properties": {"frequency": {"const": "event"}},
                        "required": ["frequency"]}
        schema["then"] = {"required": ["trigger"],
                          "properties": {"trigger": {"type": TEXT_TYPES, "pattern": WRITTEN}}}
    return schema


def _required(f: dataclasses.Field[Any]) -> bool:
    return f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING


def _field_schema(f: dataclasses.Field[Any], tp: Any, definitions: dict[str, Any], *,
                  required: bool) -> dict[str, Any]:
    """A field as ``validate`` reads it: a required one must hold something (a list at
    least one item); an optional one may be written empty, which is the same as absent."""
    schema = _type_schema(tp, definitions, f)
    if required and schema.get("type") == "array":
        schema["minItems"] = 1
    elif required and "anyOf" in schema and schema["anyOf"][-1].get("type") == "array":
        schema["anyOf"][-1]["minItems"] = 1
    if not required:
        schema = {"anyOf": [schema, *BLANK]}
    return {**schema, "description": f.metadata.get("doc", "")}


def _type_schema(tp: Any, definitions: dict[str, Any], f: dataclasses.Field[Any]
                 ) -> dict[str, Any]:
    kind, arg = field_kind(tp)
    match kind:
        case "list":
            item = _type_schema(arg, definitions, f)
            array = {"type": "array", "items": item}
            if arg is str or field_kind(arg)[0] == "choice":  # read as a one-item list
                return {"anyOf": [item, array]}
            return array
        case "choice":
            return {"enum": list(arg)}
        case "record":
            return _ref(arg, definitions)
        case "date":
            return dict(DATE)
        case "integer":
            return {"anyOf": [{"type": "integer", "minimum": 1, "maximum": 9999},
                              {"type": "string", "pattern": "^(?=[0-9]*[1-9])[0-9]{1,4}$"}]}
        case "boolean":
            return {"anyOf": [{"type": "boolean"}, {"enum": ["true", "false"]}]}
    pattern = f.metadata.get("pattern") or REFERENCES.get(f.name)
    if pattern is DAY_OF_MONTH:  # "day_of_month: 7" is a number to a YAML reader
        return {"anyOf": [{"type": "integer", "minimum": 1, "maximum": 28},
                          {"type": "string", "pattern": pattern.pattern}]}
    if pattern is not None:
        return {"type": "string", "pattern": pattern.pattern}
    if f.name in URL_FIELDS:
        return {"type": "string", "pattern": URL}
    return {"type": TEXT_TYPES, "pattern": WRITTEN}


# ---------------------------------------------------------------- an existing project

EDITOR_COMMENT = re.compile(rb"^#[ \t]*yaml-language-server:", re.MULTILINE)
BOM = b"\xef\xbb\xbf"


def install_schema(folder: Path | str) -> tuple[Path, list[Path]]:
    """Write ``sopgen.schema.json`` into the project and point each content file at it
    with the ``yaml-language-server`` comment on a line of its own at the top. A file
    that has such a comment is left as it is (so running this again changes nothing),
    and nothing else in any file changes; each file is replaced whole or not at all."""
    project = Project.at(folder)
    target = project.root / SCHEMA_FILE
    text = schema_text().encode()
    if not target.is_file() or target.read_bytes() != text:
        write_file(target, text)
    changed = []
    files, _ = content_files(project)
    for path in files:
        if path.is_symlink():  # never written through: it may lead anywhere
            continue
        data = path.read_bytes()
        commented = with_editor_comment(data, path, project.root)
        if commented != data:
            write_file(path, commented)
            changed.append(path)
    return target, changed


def with_editor_comment(data: bytes, path: Path, root: Path) -> bytes:
    """The file's bytes with the comment first (after a byte-order mark, in the file's own
    line ending), or unchanged when it names a schema already."""
    bom = BOM if data.startswith(BOM) else b""
    body = data[len(bom):]
    if EDITOR_COMMENT.search(body):
        return data
    newline = b"\r\n" if b"\r\n" in body else b"\n"
    relative = Path(os.path.relpath(root / SCHEMA_FILE, path.parent)).as_posix()
    return bom + f"# yaml-language-server: $schema={relative}".encode() + newline + body


def _adopt_schema(definitions: dict[str, Any]) -> dict[str, Any]:
    """``adopt:``, one adoption or a list (see ``reading/adopt.py``)."""
    procedure = definitions["Procedure"]["properties"]
    step = _ref(Step, definitions)
    edits = {
        "type": "object",
        "description": "Steps changed by their ids, wherever they are nested.",
        "properties": {
            "replace": {"type": "object", "description": "Step id: the step that replaces it.",
                        "propertyNames": {"pattern": STEP_ID.pattern},
                        "additionalProperties": step},
            "add_after": {"type": "object",
                          "description": "Step id: the step(s) added after it.",
                          "propertyNames": {"pattern": STEP_ID.pattern},
                          "additionalProperties": {"anyOf": [
                              step, {"type": "array", "items": step}]}},
            "remove": {"type": "array", "description": "Ids of the steps left out.",
                       "items": {"type": "string", "pattern": STEP_ID.pattern}},
        },
        "additionalProperties": False,
    }
    overridable = {name: value for name, value in procedure.items()
                   if name not in NOT_OVERRIDDEN}
    overridable["steps"] = {"anyOf": [procedure["steps"], edits],
                            "description": "New steps, or steps replaced, added or removed."}
    definitions["Adopt"] = {
        "type": "object",
        "description": "A procedure adopted from the workspace's shared library, pinned "
                       "to a library version.",
        "properties": {
            "from": {"enum": ["library"], "description": "Where from: the library."},
            "id": {"type": "string", "pattern": PROCEDURE_ID.pattern,
                   "description": "The library procedure's id."},
            "version": {"type": "string", "pattern": VERSION.pattern,
                        "description": "The library version adopted. Quote it."},
            "roles": {"type": "object",
                      "description": "Library role id: this partner's role id.",
                      "propertyNames": {"pattern": ROLE_ID.pattern},
                      "additionalProperties": {"type": "string", "pattern": ROLE_ID.pattern}},
            "override": {"type": "object",
                         "description": "Procedure fields in this partner's own words.",
                         "properties": overridable, "additionalProperties": False},
        },
        "required": ["id", "version"],
        "additionalProperties": False,
    }
    reference = {"$ref": "#/$defs/Adopt"}
    return {"anyOf": [reference, {"type": "array", "items": reference}],
            "description": "Procedures adopted from the workspace's shared library."}
