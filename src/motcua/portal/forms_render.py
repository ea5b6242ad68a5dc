"""An e-form definition as rows for the dossier page's template, and the posted fields back
into the nested dossier data (`group.field`, `group.<n>.field` for repeatable groups)."""

from __future__ import annotations

import re
from typing import Any

INPUT_TYPES = {
    "date": "date",
    "integer": "number",
    "number": "number",
    "email": "email",
    "phone": "tel",
    "personal_id": "text",
    "commune_code": "text",
    "text": "text",
}
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NAME = re.compile(r"^([a-z][a-z0-9_]{0,39})\.(?:(\d{1,2})\.)?([a-z][a-z0-9_]{0,39})$")


def _display(spec: Any, value: Any) -> Any:
    """How a read-only value reads to a person: a choice's label, a date as dd/mm/yyyy."""
    if spec.type == "choice":
        for choice in spec.spec.get("choices", []):
            if str(choice.get("value")) == str(value):
                return choice.get("label", value)
    if spec.type == "date" and isinstance(value, str) and _ISO_DATE.match(value):
        year, month, day = value.split("-")
        return f"{day}/{month}/{year}"
    return value


def _field_row(
    spec: Any,
    name: str,
    value: Any,
    prefill: Any,
    errors: dict[str, str],
    error_keys: list[str],
    fresh: bool = False,
) -> dict[str, Any]:
    pre = prefill.values.get(spec.path) if prefill is not None else None
    if pre is not None and (value in (None, "") or spec.read_only):
        value = pre.value
    elif value is None and fresh:
        value = spec.spec.get("default")
    return {
        "kind": "field",
        "path": name,
        "label": spec.label,
        "type": spec.type,
        "input_type": INPUT_TYPES.get(spec.type, "text"),
        "value": value,
        "display": _display(spec, value),
        "read_only": bool(spec.read_only and pre is not None),
        "source": pre.source if pre is not None else "",
        "required": spec.required,
        "help": spec.spec.get("help", ""),
        "choices": spec.spec.get("choices", []),
        "error": next((errors[k] for k in error_keys if k in errors), ""),
    }


def form_rows(form: Any, data: dict[str, Any], prefill: Any, errors: dict[str, str]) -> list:
    """A fresh draft (nothing saved yet) shows the form's declared defaults."""
    fresh = not data
    rows: list[dict[str, Any]] = []
    for group in form.groups():
        values = data.get(group.key)
        if group.repeated:
            items = values if isinstance(values, list) else []
            count = max(len(items) + (1 if len(items) < group.max_items else 0), group.min_items, 1)
            count = min(count, group.max_items)
            for i in range(count):
                item = items[i] if i < len(items) and isinstance(items[i], dict) else {}
                rows.append({"kind": "group_start", "label": f"{group.label} ({i + 1})"})
                for spec in group.fields():
                    name = f"{group.key}.{i}.{spec.key}"
                    keys = [f"{group.key}[{i}].{spec.key}", name, f"{group.key}.{i}"]
                    rows.append(
                        _field_row(spec, name, item.get(spec.key), None, errors, keys, fresh)
                    )
                rows.append({"kind": "group_end"})
            continue
        item = values if isinstance(values, dict) else {}
        rows.append({"kind": "group_start", "label": group.label})
        for spec in group.fields():
            rows.append(
                _field_row(spec, spec.path, item.get(spec.key), prefill, errors, [spec.path], fresh)
            )
        rows.append({"kind": "group_end"})
    return rows


def parse_post(post: Any) -> dict[str, Any]:
    """Posted fields into nested data; empty values are left out (not answered)."""
    data: dict[str, Any] = {}
    repeated: dict[str, dict[int, dict[str, Any]]] = {}
    for name in post:
        match = _NAME.match(name)
        if not match:
            continue
        value = post.get(name, "").strip()
        if value == "":
            continue
        group, index, key = match.groups()
        if index is None:
            data.setdefault(group, {})[key] = value
        else:
            repeated.setdefault(group, {}).setdefault(int(index), {})[key] = value
    for group, items in repeated.items():
        data[group] = [items[i] for i in sorted(items)]
    return data
