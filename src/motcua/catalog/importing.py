"""Reading catalog files (JSON or CSV) into validated records, each with the line it came
from, so that a bad record is reported as "line N: reason"."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from .schema import ProcedureIn, SectorIn

FORMAT = "motcua.catalog/1"
CSV_COLUMNS = [
    "code",
    "name",
    "name_en",
    "sector",
    "levels",
    "online_level",
    "processing_days",
    "fees",
    "result_type",
    "legal_basis",
    "description",
    "components",
]


@dataclass
class ParsedCatalog:
    sectors: list[SectorIn] = field(default_factory=list)
    procedures: list[tuple[int, ProcedureIn]] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)


def describe(error: ValidationError) -> str:
    parts = []
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"])
        parts.append(f"{where}: {item['msg']}" if where else item["msg"])
    return "; ".join(parts)


def parse(content: str, filename: str) -> ParsedCatalog:
    if filename.lower().endswith(".csv"):
        return parse_csv(content)
    return parse_json(content)


def parse_json(content: str) -> ParsedCatalog:
    """A document {"format", "sectors", "procedures"} or a bare list of procedures."""
    result = ParsedCatalog()
    try:
        document = json.loads(content)
    except json.JSONDecodeError as exc:
        result.errors.append((exc.lineno, f"JSON không hợp lệ: {exc.msg}"))
        return result
    if isinstance(document, dict):
        if document.get("format", FORMAT) != FORMAT:
            result.errors.append((1, f"định dạng không hỗ trợ: {document.get('format')!r}"))
            return result
        raw_procedures = document.get("procedures", [])
        for index, raw in enumerate(document.get("sectors", [])):
            try:
                result.sectors.append(SectorIn.model_validate(raw))
            except ValidationError as exc:
                result.errors.append((_line_of(content, "sectors", index), describe(exc)))
    elif isinstance(document, list):
        raw_procedures = document
    else:
        result.errors.append((1, "tệp phải là một đối tượng hoặc một danh sách JSON"))
        return result
    if not isinstance(raw_procedures, list):
        result.errors.append((1, "'procedures' phải là một danh sách"))
        return result
    lines = _element_lines(content, "procedures" if isinstance(document, dict) else None)
    for index, raw in enumerate(raw_procedures):
        line = lines[index] if index < len(lines) else 1
        _validate(result, line, raw)
    return result


def parse_csv(content: str) -> ParsedCatalog:
    """One procedure a row. `levels` and `legal_basis` separate items with ';'; `fees` holds
    items 'label:amount' (or 'label:amount:optional') separated by ';'; `components` holds
    items separated by ' | ', each 'name ; required (1/0) ; copies ; replaced_by'."""
    result = ParsedCatalog()
    reader = csv.DictReader(io.StringIO(content.lstrip("\ufeff")))
    missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        result.errors.append((1, f"thiếu cột: {', '.join(missing)}"))
        return result
    for row in reader:
        line = reader.line_num
        try:
            raw = _csv_record(row)
        except ValueError as exc:
            result.errors.append((line, str(exc)))
            continue
        _validate(result, line, raw)
    return result


def _validate(result: ParsedCatalog, line: int, raw: Any) -> None:
    try:
        result.procedures.append((line, ProcedureIn.model_validate(raw)))
    except ValidationError as exc:
        result.errors.append((line, describe(exc)))


def _split(value: str | None, sep: str = ";") -> list[str]:
    return [item.strip() for item in (value or "").split(sep) if item.strip()]


def _csv_record(row: dict[str, str]) -> dict[str, Any]:
    fees = []
    for item in _split(row.get("fees")):
        optional = item.endswith(":optional")
        label, _, amount = item.removesuffix(":optional").rpartition(":")
        if not label or not amount.strip().isdigit():
            raise ValueError(f"fees: '{item}' phải có dạng 'tên lệ phí:số tiền[:optional]'")
        fees.append({"label": label.strip(), "amount": int(amount), "optional": optional})
    components = []
    for item in _split(row.get("components"), "|"):
        parts = [p.strip() for p in item.split(";")]
        if len(parts) > 4:
            raise ValueError(f"components: '{item}' có quá nhiều phần")
        parts += [""] * (4 - len(parts))
        name, required, copies, replaced_by = parts
        if required not in {"", "0", "1"} or (copies and not copies.isdigit()):
            raise ValueError(f"components: '{item}' phải có dạng 'tên ; 1/0 ; số bản ; csdl'")
        components.append(
            {
                "name": name,
                "required": required != "0",
                "copies": int(copies) if copies else 1,
                "replaced_by": replaced_by or None,
            }
        )
    days = (row.get("processing_days") or "").strip()
    if not days.isdigit():
        raise ValueError("processing_days: phải là số ngày làm việc")
    return {
        "code": row.get("code", ""),
        "name": row.get("name", ""),
        "name_en": row.get("name_en", ""),
        "sector": row.get("sector", ""),
        "levels": _split(row.get("levels")),
        "online_level": row.get("online_level", "").strip(),
        "processing_days": int(days),
        "fees": fees,
        "result_type": row.get("result_type", ""),
        "legal_basis": _split(row.get("legal_basis")),
        "description": row.get("description", ""),
        "components": components,
    }


def _line_of(content: str, key: str, index: int) -> int:
    lines = _element_lines(content, key)
    return lines[index] if index < len(lines) else 1


def _element_lines(content: str, key: str | None) -> list[int]:
    """Line numbers where each element of the top-level list (or of the list under `key`)
    starts, found with the JSON decoder itself."""
    decoder = json.JSONDecoder()
    if key is None:
        start = content.index("[")
    else:
        # Find the top-level "key": [ by decoding the object member by member.
        position = content.index("{") + 1
        start = -1
        while position < len(content):
            position = _skip(content, position, ",")
            if content[position] == "}":
                break
            name, position = decoder.raw_decode(content, position)
            position = _skip(content, position, ":")
            if name == key:
                start = position
                break
            _, position = decoder.raw_decode(content, position)
        if start < 0 or content[start] != "[":
            return []
    lines: list[int] = []
    position = start + 1
    while True:
        position = _skip(content, position, ",")
        if position >= len(content) or content[position] == "]":
            return lines
        lines.append(content.count("\n", 0, position) + 1)
        _, position = decoder.raw_decode(content, position)


def _skip(content: str, position: int, separators: str) -> int:
    while position < len(content) and (
        content[position].isspace() or content[position] in separators
    ):
        position += 1
    return position
