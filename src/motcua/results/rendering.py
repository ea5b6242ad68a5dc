"""Result templates (mẫu kết quả) as versioned data in `templates_data/<code>.v<N>.json`:
which dossier data paths fill which rows of the PDF and which keys of the structured data.

A path is `group.field` in the dossier's form data, `list[].field` for every item of a
list, `decision.x` for what the deciding official added, `@name` for facts of the dossier and
the issue (`@code`, `@issuer`, `@issued_on`, `@result_type`, ...), or `=text` for a literal;
a list of paths takes the first that has a value."""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from motcua.core.formats import format_date, format_money

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates_data"
ANY_PROCEDURE = "*"
_FILE = re.compile(r"^(?P<code>[a-z0-9-]+)\.v(?P<version>\d+)\.json$")
_PLACEHOLDER = re.compile(r"\{([@=\w.\[\]-]+)\}")


@dataclass(frozen=True)
class ResultTemplate:
    """One version of a result template (mẫu kết quả)."""

    code: str
    version: int
    title: str
    subtitle: str
    procedures: tuple[str, ...]
    rows: tuple[dict[str, Any], ...]
    paragraphs: tuple[str, ...]
    data: dict[str, Any]
    derive: tuple[str, ...] = ()
    publish: dict[str, Any] = field(default_factory=dict)
    valid_days: int | None = None

    def publishes_for(self, procedure_code: str) -> str:
        """The outbox topic announcing this result to other systems, if any."""
        if procedure_code in self.publish.get("procedures", []):
            return str(self.publish.get("topic", ""))
        return ""


@functools.cache
def all_templates() -> dict[tuple[str, int], ResultTemplate]:
    found: dict[tuple[str, int], ResultTemplate] = {}
    for path in sorted(TEMPLATES_DIR.glob("*.json")):
        match = _FILE.match(path.name)
        raw = json.loads(path.read_text(encoding="utf-8"))
        if (
            not match
            or raw.get("code") != match["code"]
            or raw.get("version") != int(match["version"])
        ):
            raise ImproperlyConfigured(f"Result template file {path.name}: name and content differ")
        unknown = set(raw.get("derive", [])) - set(DERIVATIONS)
        if unknown or not raw.get("rows"):
            raise ImproperlyConfigured(f"Result template {path.name}: bad rows or derive {unknown}")
        found[(raw["code"], raw["version"])] = ResultTemplate(
            code=raw["code"],
            version=raw["version"],
            title=raw["title"],
            subtitle=raw.get("subtitle", ""),
            procedures=tuple(raw.get("procedures", [])),
            rows=tuple(raw["rows"]),
            paragraphs=tuple(raw.get("paragraphs", [])),
            data=dict(raw.get("data", {})),
            derive=tuple(raw.get("derive", [])),
            publish=dict(raw.get("publish", {})),
            valid_days=raw.get("valid_days"),
        )
    return found


def get_template(code: str, version: int | None = None) -> ResultTemplate:
    """A template by code: the given version, else the latest."""
    versions = [t for (c, _v), t in all_templates().items() if c == code]
    if version is not None:
        versions = [t for t in versions if t.version == version]
    if not versions:
        raise ImproperlyConfigured(f"No result template {code} v{version}")
    return max(versions, key=lambda t: t.version)


def template_for(procedure_code: str) -> ResultTemplate:
    """The latest template naming the procedure, else the generic one."""
    latest: dict[str, ResultTemplate] = {}
    for template in all_templates().values():
        if template.code not in latest or template.version > latest[template.code].version:
            latest[template.code] = template
    for template in latest.values():
        if procedure_code in template.procedures:
            return template
    for template in latest.values():
        if ANY_PROCEDURE in template.procedures:
            return template
    raise ImproperlyConfigured("No generic result template")


# --------------------------------------------------------------------------- values


def resolve(path: str | list[str], source: dict[str, Any], context: dict[str, Any]) -> Any:
    if isinstance(path, list):
        for alternative in path:
            value = resolve(alternative, source, context)
            if not _empty(value):
                return value
        return None
    if path.startswith("="):
        return path[1:]
    if path.startswith("@"):
        return context.get(path[1:])
    return _walk(source, path.split("."))


def _walk(node: Any, parts: list[str]) -> Any:
    for index, part in enumerate(parts):
        if part.endswith("[]"):
            items = node.get(part[:-2]) if isinstance(node, dict) else None
            if not isinstance(items, list):
                return None
            rest = parts[index + 1 :]
            values = [_walk(item, rest) if rest else item for item in items]
            return [v for v in values if not _empty(v)]
        node = node.get(part) if isinstance(node, dict) else None
        if node is None:
            return None
    return node


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def _date(value: Any) -> str:
    try:
        return format_date(dt.date.fromisoformat(str(value)[:10]))
    except ValueError:
        return str(value)


def _money(value: Any) -> str:
    try:
        return format_money(int(value))
    except (TypeError, ValueError):
        return str(value)


def display(value: Any, row: dict[str, Any]) -> str:
    if _empty(value):
        return str(row.get("default", ""))
    if isinstance(value, list):
        return "; ".join(display(v, {**row, "format": ""}) for v in value)
    if isinstance(value, bool):
        return "Có" if value else "Không"
    choices = row.get("choices")
    if choices and str(value) in choices:
        return str(choices[str(value)])
    kind = row.get("format", "")
    if kind == "date":
        return _date(value)
    if kind == "money":
        return _money(value)
    return str(value)


def fill(text: str, source: dict[str, Any], context: dict[str, Any]) -> str:
    return _PLACEHOLDER.sub(lambda m: display(resolve(m[1], source, context), {}), text)


def rows(
    template: ResultTemplate, source: dict[str, Any], context: dict[str, Any]
) -> list[tuple[str, str]]:
    out = []
    for row in template.rows:
        if row.get("when") and not resolve(row["when"], source, context):
            continue
        text = display(resolve(row["path"], source, context), row)
        if not text and row.get("optional"):
            continue
        out.append((str(row["label"]), text))
    return out


def structured(
    template: ResultTemplate, source: dict[str, Any], context: dict[str, Any]
) -> dict[str, Any]:
    """The data beside the PDF: the template's `data` keys (dotted: nested), then derivations."""
    out: dict[str, Any] = {}
    for key, path in template.data.items():
        value = resolve(path, source, context)
        if _empty(value):
            continue
        node = out
        *parents, last = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    for name in template.derive:
        DERIVATIONS[name](out, source)
    return out


def _parents_by_sex(out: dict[str, Any], source: dict[str, Any]) -> None:
    """A birth: the father's and the mother's personal IDs, from who declared and the other
    parent, by their sex (the form records both)."""
    for group in ("applicant", "other_parent"):
        person = source.get(group) or {}
        pid, sex = person.get("personal_id"), person.get("sex")
        if group == "other_parent" and person.get("known") is False:
            continue
        if group == "applicant" and person.get("relation") not in {"cha", "me"}:
            continue
        if pid and sex in {"M", "F"}:
            out["father_personal_id" if sex == "M" else "mother_personal_id"] = pid


DERIVATIONS: dict[str, Callable[[dict[str, Any], dict[str, Any]], None]] = {
    "parents_by_sex": _parents_by_sex,
}
