"""A form as a JSON Schema (2020-12) of its dossier data, and an example document: for API
clients and generated UIs. `validate()` stays the authority (it also knows the registry
values, commune codes and cross-field rules)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from motcua.registries.modules import NATIONAL_DATABASES

from .prefilling import Prefill, PrefillValue
from .spec import FieldSpec, Form, GroupSpec
from .validation import MISSING, Bad, coerce, date_bound

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
_GENERATED = {
    "text": "Nguyễn Văn An",
    "textarea": "Nội dung kê khai.",
    "boolean": True,
    "email": "nguyen.van.an@example.vn",
    "phone": "0912345678",
    "personal_id": "001085012345",
    "commune_code": "00070",
}


def example_value(field: FieldSpec) -> Any:
    """The field's `example`, or a plausible value of its type within its bounds."""
    spec = field.spec
    if "example" in spec:
        try:
            value = coerce(field, spec["example"])
        except Bad:
            value = MISSING
        if value is not MISSING:
            return value
    kind = field.type
    if kind == "choice":
        return field.choices[0]
    if kind == "date":
        low, high = date_bound(spec.get("min")), date_bound(spec.get("max"))
        value = dt.date(1990, 1, 15)
        if high and value > high:
            value = high
        if low and value < low:
            value = low
        return value.isoformat()
    if kind in ("integer", "number"):
        low = spec.get("min", 1)
        return max(1, low) if spec.get("max", 1) >= 1 else low
    return _GENERATED[kind]


def _field_schema(field: FieldSpec) -> dict[str, Any]:
    spec, kind = field.spec, field.type
    out: dict[str, Any] = {"title": field.label}
    if spec.get("help"):
        out["description"] = spec["help"]
    if kind in ("text", "textarea"):
        out["type"] = "string"
        out["maxLength"] = spec.get("max_length", 255 if kind == "text" else 4000)
        if "min_length" in spec:
            out["minLength"] = spec["min_length"]
        if "pattern" in spec:
            out["pattern"] = f"^(?:{spec['pattern']})$"
    elif kind == "date":
        out.update(type="string", format="date", pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
    elif kind in ("integer", "number"):
        out["type"] = kind
        if "min" in spec:
            out["minimum"] = spec["min"]
        if "max" in spec:
            out["maximum"] = spec["max"]
    elif kind == "boolean":
        out["type"] = "boolean"
    elif kind == "choice":
        out["type"] = "string"
        out["enum"] = field.choices
        out["x-choices"] = [
            {
                "value": c["value"],
                "label": c["label"],
                **({"label_en": c["label_en"]} if "label_en" in c else {}),
            }
            for c in spec["choices"]
        ]
    elif kind == "email":
        out.update(type="string", format="email", maxLength=254)
    elif kind == "phone":
        out.update(type="string", pattern=r"^0[0-9]{9,10}$")
    elif kind == "personal_id":
        out.update(type="string", pattern=r"^[0-9]{12}$")
    elif kind == "commune_code":
        out.update(type="string", pattern=r"^[0-9]{5}$")
    if spec.get("label_en"):
        out["x-label-en"] = spec["label_en"]
    if "default" in spec:
        out["default"] = spec["default"]
    if field.prefill:
        registry = field.prefill["service"].split(".", 1)[0]
        out["x-prefill"] = {**field.prefill, "source": NATIONAL_DATABASES.get(registry, registry)}
    if field.read_only:
        out["readOnly"] = True
    out["examples"] = [example_value(field)]
    return out


def _schema_required(field: FieldSpec) -> bool:
    return field.required and not field.read_only and not field.show_if


def _object_schema(group: GroupSpec) -> dict[str, Any]:
    fields = list(group.fields())
    out: dict[str, Any] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {f.key: _field_schema(f) for f in fields},
    }
    required = [f.key for f in fields if _schema_required(f)]
    if required:
        out["required"] = required
    conditional = []
    for field in fields:
        condition = field.show_if
        if not (
            field.required and not field.read_only and condition and "." not in condition["field"]
        ):
            continue
        conditional.append(
            {"if": _test(condition["field"], condition), "then": {"required": [field.key]}}
        )
    if conditional:
        out["allOf"] = conditional
    return out


def _test(key: str, condition: dict[str, Any]) -> dict[str, Any]:
    """The `if` schema of a condition on property `key` of an object."""
    if "filled" in condition:
        return {"required": [key]} if condition["filled"] else {"not": {"required": [key]}}
    if "equals" in condition:
        value: dict[str, Any] = {"const": condition["equals"]}
    elif "not_equals" in condition:
        value = {"not": {"const": condition["not_equals"]}}
    elif "in" in condition:
        value = {"enum": condition["in"]}
    else:
        value = {"const": condition["is_true"]}
    return {"properties": {key: value}, "required": [key]}


def json_schema(form: Form) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    required: list[str] = []
    conditional: list[dict[str, Any]] = []
    for group in form.groups():
        item = _object_schema(group)
        if group.repeated:
            schema: dict[str, Any] = {
                "type": "array",
                "title": group.label,
                "items": item,
                "maxItems": group.max_items,
            }
            if group.min_items:
                schema["minItems"] = group.min_items
            needed = group.min_items > 0
        else:
            schema = {"title": group.label, **item}
            needed = bool(item.get("required"))
        if group.spec.get("help"):
            schema["description"] = group.spec["help"]
        properties[group.key] = schema
        if needed and not group.show_if:
            required.append(group.key)
        elif needed and group.show_if:
            conditional.append({"if": _root_test(group.show_if), "then": {"required": [group.key]}})
        if not group.repeated:
            for field in group.fields():
                condition = field.show_if
                if (
                    field.required
                    and not field.read_only
                    and condition
                    and "." in condition["field"]
                ):
                    conditional.append(
                        {
                            "if": _root_test(condition),
                            "then": {
                                "required": [group.key],
                                "properties": {group.key: {"required": [field.key]}},
                            },
                        }
                    )
    out: dict[str, Any] = {
        "$schema": SCHEMA_DIALECT,
        "$id": f"urn:motcua:eforms:{form.procedure_code}:v{form.procedure_version}",
        "title": form.title,
        "type": "object",
        "additionalProperties": False,
        "properties": properties,
    }
    if form.definition.get("title_en"):
        out["x-title-en"] = form.definition["title_en"]
    if required:
        out["required"] = required
    if conditional:
        out["allOf"] = conditional
    return out


def _root_test(condition: dict[str, Any]) -> dict[str, Any]:
    group, key = condition["field"].split(".", 1)
    return {"properties": {group: _test(key, condition)}, "required": [group]}


def example_document(form: Form) -> dict[str, Any]:
    """A document with every field's example (fields hidden by a condition included:
    validation drops them)."""
    out: dict[str, Any] = {}
    for group in form.groups():
        values = {f.key: example_value(f) for f in group.fields()}
        if group.repeated:
            out[group.key] = [dict(values) for _ in range(max(1, group.min_items))]
        else:
            out[group.key] = values
    return out


def example_prefill(form: Form) -> Prefill:
    """A prefill as the registries would answer with the examples (for docs and tests)."""
    values = {}
    for field in form.prefilled_fields():
        if field.group.repeated or not field.prefill:
            continue
        registry = field.prefill["service"].split(".", 1)[0]
        values[field.path] = PrefillValue(
            value=example_value(field),
            source=NATIONAL_DATABASES.get(registry, registry),
            registry=registry,
            service=field.prefill["service"],
            read_only=field.read_only,
            subject="001085012345",
            record_version=1,
            relation=field.prefill["subject"],
        )
    return Prefill(values=values, procedure_code=form.procedure_code, subject_id="001085012345")
