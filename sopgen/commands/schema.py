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
from sopgen.core.model import Contact, Handbook, Procedure, Step, field_kind, hints

SCHEMA_FILE = "sopgen.schema.json"
DATE = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$", "format": "date"}


def json_schema() -> dict[str, Any]:
    definitions: dict[str, Any] = {}
    sections = {f.name: _field_schema(f, hints(Handbook)[f.name], definitions)
                for f in dataclasses.fields(Handbook)}
    sections["procedure"] = _ref(Procedure, definitions)
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
    if cls is Step:  # a plain string is a step with only its text
        return {"anyOf": [{"type": "string", "minLength": 1}, reference]}
    return reference


def _one_of_needed(cls: type) -> dict[str, Any]:
    """A contact needs an e-mail, a phone or a url (validate's ``contact_empty``)."""
    if cls is not Contact:
        return {}
    return {"anyOf": [{"required": [name]} for name in ("email", "phone", "url")]}


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
