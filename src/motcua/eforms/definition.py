"""Checking a form definition: the meta-schema (`definition.schema.json`, JSON Schema 2020-12)
and then what a schema cannot say (references between fields, registry services and
attributes, examples that fit their field). Every problem is (JSON path, Vietnamese reason)."""

from __future__ import annotations

import hashlib
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from .spec import RELATIONS, FieldSpec, Form
from .validation import MISSING, Bad, coerce, date_bound

SCHEMA_PATH = Path(__file__).with_name("definition.schema.json")
_TYPE_NAMES = {
    "object": "đối tượng",
    "array": "danh sách",
    "string": "chuỗi",
    "integer": "số nguyên",
    "number": "số",
    "boolean": "true/false",
}

Problem = tuple[str, str]


@cache
def meta_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return schema


@cache
def _validator() -> Draft202012Validator:
    schema = meta_schema()
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def json_path(parts: Any) -> str:
    out = "$"
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _describe(error: ValidationError) -> str:
    kind, value = error.validator, error.validator_value
    if kind == "required":
        # One error per missing property; its message is "'<name>' is a required property".
        name = error.message.split("'")[1] if error.message.count("'") >= 2 else "?"
        return f"thiếu thuộc tính bắt buộc '{name}'"
    if kind == "additionalProperties":
        extra = sorted(
            k
            for k in (error.instance if isinstance(error.instance, dict) else {})
            if k not in error.schema.get("properties", {})
        )
        return f"thuộc tính không được phép: {', '.join(repr(k) for k in extra)}"
    if kind == "type":
        names = value if isinstance(value, list) else [value]
        return f"phải có kiểu {' hoặc '.join(_TYPE_NAMES.get(str(n), str(n)) for n in names)}"
    if kind == "enum":
        return f"phải là một trong: {', '.join(map(str, value))}"
    if kind == "const":
        return f"phải bằng {value!r}"
    if kind == "pattern":
        return f"giá trị {error.instance!r} không đúng định dạng ({value})"
    if kind in ("minLength", "maxLength"):
        return f"độ dài phải {'ít nhất' if kind == 'minLength' else 'tối đa'} {value} ký tự"
    if kind in ("minItems", "maxItems"):
        return f"số phần tử phải {'ít nhất' if kind == 'minItems' else 'tối đa'} {value}"
    if kind in ("minimum", "maximum"):
        return f"phải {'không nhỏ hơn' if kind == 'minimum' else 'không lớn hơn'} {value}"
    if kind in ("minProperties", "maxProperties"):
        return "điều kiện phải có đúng một trong equals, not_equals, in, is_true, filled"
    if kind in ("anyOf", "oneOf"):
        return "giá trị không khớp với dạng nào được phép"
    return f"không hợp lệ ({kind})"


def _schema_problems(definition: Any) -> list[Problem]:
    errors = sorted(_validator().iter_errors(definition), key=lambda e: list(map(str, e.path)))
    return [(json_path(e.absolute_path), _describe(e)) for e in errors]


_checked: dict[str, list[Problem]] = {}
_CHECKED_MAX = 1024


def check(definition: Any) -> list[Problem]:
    """Every problem of `definition`; [] when it can be stored. A pure function of the
    content (and of the registry declarations, fixed per process): results are remembered."""
    try:
        key = hashlib.sha256(
            json.dumps(definition, sort_keys=True, ensure_ascii=False).encode()
        ).hexdigest()
    except (TypeError, ValueError):
        key = ""
    if key and key in _checked:
        return list(_checked[key])
    problems = _schema_problems(definition)
    if not problems:
        problems = _Semantics(definition).problems()
    if key:
        if len(_checked) >= _CHECKED_MAX:
            _checked.clear()
        _checked[key] = list(problems)
    return problems


def _service_attributes(service: str) -> set[str] | None:
    from motcua.core.errors import NotFound
    from motcua.registries import modules

    try:
        spec = modules.service(service)
    except NotFound:
        return None
    # Attribute names as the fetches return them (population: father__personal_id → father_id).
    names = {a.replace("__personal_id", "_id").replace("__", "_") for a in spec.attributes}
    return (
        names | {"version", spec.subject} if spec.subject == "personal_id" else names | {"version"}
    )


class _Semantics:
    def __init__(self, definition: dict[str, Any]) -> None:
        self.definition = definition
        self.out: list[Problem] = []
        self.form = Form(definition.get("procedure", ""), 0, definition)
        self.where: dict[str, str] = {}  # field path → JSON path
        self.group_where: dict[str, str] = {}

    def add(self, where: str, message: str) -> None:
        self.out.append((where, message))

    def problems(self) -> list[Problem]:
        self._structure()
        if self.out:
            return self.out
        for field in self.form.fields():
            self._field(field, self.where[field.path])
        for group in self.form.groups():
            if group.show_if:
                self._condition(group.show_if, None, f"{self.group_where[group.key]}.show_if")
        for index, rule in enumerate(self.definition.get("rules", [])):
            self._rule(rule, f"$.rules[{index}]")
        for index, party in enumerate(self.definition.get("parties", [])):
            where = f"$.parties[{index}].personal_id_path"
            target = self.form.field(party["personal_id_path"])
            if target is None or target.type != "personal_id" or target.group.repeated:
                self.add(where, "phải chỉ tới một trường personal_id của nhóm không lặp")
        self._cycles()
        return self.out

    def _structure(self) -> None:
        seen_groups: set[str] = set()
        for g_index, group in enumerate(self.definition["groups"]):
            where = f"$.groups[{g_index}]"
            if group["key"] in seen_groups:
                self.add(f"{where}.key", f"nhóm '{group['key']}' bị trùng")
            seen_groups.add(group["key"])
            self.group_where[group["key"]] = where
            repeat = group.get("repeat")
            if repeat and repeat.get("min", 0) > repeat["max"]:
                self.add(f"{where}.repeat", "min không được lớn hơn max")
            seen: set[str] = set()
            for f_index, raw in enumerate(group["fields"]):
                if raw["key"] in seen:
                    self.add(f"{where}.fields[{f_index}].key", f"trường '{raw['key']}' bị trùng")
                seen.add(raw["key"])
                path = f"{group['key']}{'[]' if repeat else ''}.{raw['key']}"
                self.where[path] = f"{where}.fields[{f_index}]"
        roles = [p["role"] for p in self.definition.get("parties", [])]
        if len(roles) != len(set(roles)):
            self.add("$.parties", "vai trò (role) của các bên bị trùng")

    def _field(self, field: FieldSpec, where: str) -> None:
        spec, kind = field.spec, field.type
        if spec.get("must_be_true") and kind != "boolean":
            self.add(f"{where}.must_be_true", "chỉ dùng cho trường boolean")
        if "choices" in spec and kind != "choice":
            self.add(f"{where}.choices", "chỉ trường kiểu choice mới có danh sách lựa chọn")
        if kind == "choice":
            values = field.choices
            if len(values) != len(set(values)):
                self.add(f"{where}.choices", "giá trị lựa chọn bị trùng")
        text_like = kind in ("text", "textarea")
        for key in ("min_length", "max_length", "pattern"):
            if key in spec and not text_like:
                self.add(f"{where}.{key}", f"'{key}' chỉ dùng cho trường text, textarea")
        if "pattern" in spec:
            try:
                re.compile(f"^(?:{spec['pattern']})$")
            except re.error as exc:
                self.add(f"{where}.pattern", f"biểu thức chính quy sai: {exc}")
        if spec.get("min_length", 0) > spec.get("max_length", 4000):
            self.add(f"{where}.min_length", "min_length lớn hơn max_length")
        for key in ("min", "max"):
            if key not in spec:
                continue
            bound = spec[key]
            if kind in ("integer", "number"):
                if isinstance(bound, str | bool):
                    self.add(f"{where}.{key}", "phải là một số")
            elif kind == "date":
                if date_bound(bound) is None:
                    self.add(f"{where}.{key}", "phải là 'today' hoặc ngày dạng YYYY-MM-DD")
            else:
                self.add(f"{where}.{key}", f"'{key}' chỉ dùng cho trường số hoặc ngày")
        if field.prefill:
            self._prefill(field, f"{where}.prefill")
        if field.show_if:
            self._condition(field.show_if, field, f"{where}.show_if")
        for key in ("example", "default"):
            if key in spec:
                try:
                    if _coerce_without_db(field, spec[key]) is None:
                        self.add(f"{where}.{key}", "không được để trống")
                except Bad as exc:
                    self.add(f"{where}.{key}", f"không hợp lệ với trường: {exc.message}")
        if field.group.repeated and field.prefill:
            self.add(f"{where}.prefill", "trường trong nhóm lặp không điền sẵn từ CSDL")

    def _prefill(self, field: FieldSpec, where: str) -> None:
        assert field.prefill is not None
        service = field.prefill["service"]
        attributes = _service_attributes(service)
        if attributes is None:
            self.add(f"{where}.service", f"không có dịch vụ dữ liệu '{service}'")
            return
        if field.prefill["attribute"] not in attributes:
            self.add(
                f"{where}.attribute",
                f"dịch vụ '{service}' không có thuộc tính '{field.prefill['attribute']}' "
                f"(có: {', '.join(sorted(attributes))})",
            )
        subject = field.prefill["subject"]
        if subject.startswith("party:"):
            roles = {p["role"] for p in self.definition.get("parties", [])}
            if subject[6:] not in roles:
                self.add(f"{where}.subject", f"không có bên '{subject[6:]}' trong parties")
        elif subject not in ("self", *RELATIONS):
            self.add(f"{where}.subject", f"chủ thể '{subject}' không được hỗ trợ")

    def _resolve(self, path: str, context: FieldSpec | None) -> FieldSpec | None:
        if "." not in path:
            if context is None:
                return None
            return self.form.field(
                f"{context.group.key}{'[]' if context.group.repeated else ''}.{path}"
            )
        return self.form.field(path)

    def _condition(self, condition: dict[str, Any], context: FieldSpec | None, where: str) -> None:
        target = self._resolve(condition["field"], context)
        if target is None:
            self.add(f"{where}.field", f"không có trường '{condition['field']}'")
            return
        if "[]" in condition["field"]:
            self.add(
                f"{where}.field", "điều kiện hiển thị dùng 'nhóm.trường' hoặc tên trường cùng mục"
            )
            return
        if target.group.repeated and (context is None or context.group.key != target.group.key):
            self.add(f"{where}.field", "điều kiện không tham chiếu trường của một nhóm lặp khác")
            return
        options = condition.get("in", [condition.get("equals", condition.get("not_equals"))])
        if target.type == "choice" and (
            "equals" in condition or "in" in condition or "not_equals" in condition
        ):
            for option in options:
                if option not in target.choices:
                    self.add(
                        f"{where}", f"'{option}' không có trong lựa chọn của '{condition['field']}'"
                    )
        if "is_true" in condition and target.type != "boolean":
            self.add(f"{where}.is_true", "is_true chỉ dùng với trường boolean")

    def _rule(self, rule: dict[str, Any], where: str) -> None:
        kind = rule["rule"]
        if kind in ("date_order", "not_equal"):
            keys = ["first", "second"]
        else:
            keys = ["field"] if kind == "value_in" else ["birth_date"]
        if kind.startswith("age_") and rule.get("at", "today") != "today":
            keys.append("at")
        repeated = set()
        for key in keys:
            target = self.form.field(rule[key])
            if target is None:
                self.add(f"{where}.{key}", f"không có trường '{rule[key]}'")
                continue
            if target.group.repeated:
                repeated.add(target.group.key)
            if kind not in ("not_equal", "value_in") and target.type != "date":
                self.add(f"{where}.{key}", f"trường '{rule[key]}' phải có kiểu date")
        if len(repeated) > 1:
            self.add(where, "một quy tắc chỉ tham chiếu một nhóm lặp")
        if "when" in rule:
            condition = rule["when"]
            target = self.form.field(condition["field"])
            if target is None:
                self.add(f"{where}.when.field", f"không có trường '{condition['field']}'")
            elif target.group.repeated and target.group.key not in repeated:
                self.add(f"{where}.when.field", "điều kiện không tham chiếu nhóm lặp khác")

    def _cycles(self) -> None:
        """show_if conditions must not depend on themselves."""
        depends: dict[str, set[str]] = {}
        for field in self.form.fields():
            deps = set()
            for condition in (field.show_if, field.group.show_if):
                if condition:
                    target = self._resolve(condition["field"], field)
                    if target is not None:
                        deps.add(target.path)
            depends[field.path] = deps
        state: dict[str, int] = {}

        def visit(path: str) -> bool:
            if state.get(path) == 1:
                return True
            if state.get(path) == 2:
                return False
            state[path] = 1
            cyclic = any(visit(dep) for dep in depends.get(path, ()))
            state[path] = 2
            return cyclic

        for path in depends:
            if visit(path):
                self.add(self.where[path] + ".show_if", "điều kiện hiển thị phụ thuộc vòng tròn")
                return


def _coerce_without_db(field: FieldSpec, value: Any) -> Any:
    result = coerce(field, value)
    return None if result is MISSING else result
