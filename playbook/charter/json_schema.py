"""The charter's JSON Schema (draft 2020-12), written from the field table.

Editors use it to validate and complete a charter; `schema/charter.schema.json` is
`schema_text()`, written by `playbook check --print-schema` (a test keeps them in step).
"""

from __future__ import annotations

import json
from typing import Any

from playbook.charter.field_table import FIELDS
from playbook.charter.fields import Field, Rule


def json_schema() -> dict[str, Any]:
    """The charter's JSON Schema (draft 2020-12), for editors and other tools."""
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "playbook POC charter",
    }
    schema.update(_json_field(FIELDS))
    return schema


def schema_text() -> str:
    """The JSON Schema as the text committed in `schema/charter.schema.json`."""
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


def _json_field(item: Field) -> dict[str, Any]:
    out: dict[str, Any] = {"description": item.help} if item.help else {}
    if item.kind == "section" or item.kind == "sections":
        body: dict[str, Any] = {
            "type": "object",
            "properties": {child.name: _json_field(child) for child in item.fields},
            "additionalProperties": (
                {"type": ["string", "number", "null"]} if item.open else False
            ),
        }
        required = [child.name for child in item.fields if child.required]
        if required:
            body["required"] = required
        rules = [_json_rule(rule, item) for rule in item.rules]
        if rules:
            body["allOf"] = rules
        if item.kind == "sections":
            out.update({"type": "array", "minItems": 1, "items": body})
        else:
            out.update(body)
    else:
        out.update(_json_value(item))
    if not item.required and item.name:
        # An optional field left empty (`ml_engineer:`) reads as absent.
        _allow_null(out)
    if item.example is not None and item.kind != "section":
        example = item.example
        out["examples"] = [example]
    if item.default is not None:
        out["default"] = item.default
    return out


def _allow_null(out: dict[str, Any]) -> None:
    if "enum" in out:
        out["enum"] = [*out["enum"], None]
    elif "anyOf" in out:
        out["anyOf"] = [*out["anyOf"], {"type": "null"}]
    elif "type" in out:
        kinds = out["type"] if isinstance(out["type"], list) else [out["type"]]
        out["type"] = [*kinds, "null"]


def _json_value(item: Field) -> dict[str, Any]:
    bounds = {}
    if item.minimum is not None:
        bounds["minimum"] = item.minimum
    if item.maximum is not None:
        bounds["maximum"] = item.maximum
    if item.kind == "text":
        text: dict[str, Any] = {"type": ["string", "number"]}
        if item.pattern:
            text = {"type": "string", "pattern": item.pattern}
        return text
    if item.kind == "texts":
        return {
            "anyOf": [
                {"type": "string"},
                {"type": "array", "items": {"type": "string"}},
            ]
        }
    if item.kind == "number":
        return {"type": "number", **bounds}
    if item.kind == "integer":
        return {"type": "integer", **bounds}
    if item.kind == "date":
        return {"type": "string", "format": "date"}
    if item.kind == "choice":
        return {"enum": list(item.choices)}
    if item.kind == "flag":
        return {"type": "boolean"}
    return {"type": ["string", "number", "boolean"]}


def _json_rule(rule: Rule, section: Field) -> dict[str, Any]:
    groups = [{"required": list(group)} for group in rule.any_of]
    need: dict[str, Any] = (
        groups[0]
        if len(groups) == 1
        else {"oneOf" if rule.only_one else "anyOf": groups}
    )
    if rule.when is None:
        return need
    name, values = rule.when
    condition: dict[str, Any] = {"properties": {name: {"enum": list(values)}}}
    sibling = section.child(name)
    if sibling is None or sibling.default not in values:
        condition["required"] = [name]
    return {"if": condition, "then": need}
