"""A JSON Schema of the YAML model, for editors that complete and check while typing.

Generated from the same dataclasses the validator reads, so it cannot drift from
them. It describes one content file: any of the top-level sections, or one
``procedure``. Editors read it through the comment that ``init`` and ``new`` put at
the top of each file: ``# yaml-language-server: $schema=<path to sopgen.schema.json>``.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from sopgen import __version__
from sopgen.core.model import (
    PROCEDURE_ID,
    ROLE_ID,
    STEP_ID,
    VERSION,
    Handbook,
    Procedure,
    Step,
    field_kind,
    hints,
)
from sopgen.reading.adopt import NOT_OVERRIDDEN

SCHEMA_FILE = "sopgen.schema.json"
DATE = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$", "format": "date"}


def json_schema() -> dict[str, Any]:
    definitions: dict[str, Any] = {}
    sections = {f.name: _field_schema(f, hints(Handbook)[f.name], definitions)
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
    reference = {"$ref": f"#/$defs/{name}"}
    if cls is Step:  # a plain string is a step with only its text
        return {"anyOf": [{"type": "string", "minLength": 1}, reference]}
    return reference


def _object_schema(cls: type, definitions: dict[str, Any]) -> dict[str, Any]:
    fields = dataclasses.fields(cls)
    return {
        "type": "object",
        "description": (cls.__doc__ or "").strip(),
        "properties": {f.name: _field_schema(f, hints(cls)[f.name], definitions)
                       for f in fields},
        "required": [f.name for f in fields if f.default is dataclasses.MISSING
                     and f.default_factory is dataclasses.MISSING],
        "additionalProperties": False,
    }


def _field_schema(f: dataclasses.Field[Any], tp: Any, definitions: dict[str, Any]
                  ) -> dict[str, Any]:
    schema = _type_schema(tp, definitions, f)
    return {**schema, "description": f.metadata.get("doc", "")}


def _type_schema(tp: Any, definitions: dict[str, Any], f: dataclasses.Field[Any]
                 ) -> dict[str, Any]:
    kind, arg = field_kind(tp)
    match kind:
        case "list":
            item = _type_schema(arg, definitions, f)
            array = {"type": "array", "items": item}
            if arg is str:  # "responsible: admin-web" is read as a one-item list
                return {"anyOf": [item, array]}
            return array
        case "choice":
            return {"enum": list(arg)}
        case "record":
            return _ref(arg, definitions)
        case "date":
            return dict(DATE)
        case "integer":
            return {"anyOf": [{"type": "integer", "minimum": 1},
                              {"type": "string", "pattern": "^[0-9]{1,4}$"}]}
    pattern = f.metadata.get("pattern")
    text: dict[str, Any] = {"type": "string"}
    if pattern is not None:
        text["pattern"] = pattern.pattern
    return text


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
