"""Validation of dossier data against a form: types coerced, conditions applied, registry
values enforced, cross-field rules checked. Anything wrong raises `FormInvalid` with a
Vietnamese message per path; nothing else escapes, whatever JSON comes in."""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from .errors import FormInvalid
from .spec import FieldSpec, Form, GroupSpec

if TYPE_CHECKING:
    from .prefilling import Prefill


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()
DEFAULT_MAX_LENGTH = {"text": 255, "textarea": 4000}
INTEGER_LIMIT = 10**15
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_VN_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_LINE = re.compile(r"[\x00-\x1f\x7f]")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
_PHONE = re.compile(r"^0[0-9]{9,10}$")
_PERSONAL_ID = re.compile(r"^[0-9]{12}$")
_COMMUNE = re.compile(r"^[0-9]{5}$")
_TRUE = {"true", "1", "on", "yes", "có", "co"}
_FALSE = {"false", "0", "off", "no", "không", "khong"}
_pattern_cache: dict[str, re.Pattern[str]] = {}


class Bad(Exception):
    """One value refused, with the Vietnamese reason."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _pattern(source: str) -> re.Pattern[str]:
    compiled = _pattern_cache.get(source)
    if compiled is None:
        compiled = _pattern_cache[source] = re.compile(source)
    return compiled


def parse_date(raw: Any) -> dt.date:
    if not isinstance(raw, str):
        raise Bad("Ngày phải ghi theo dạng YYYY-MM-DD hoặc DD/MM/YYYY.")
    text = raw.strip()
    match = _ISO_DATE.match(text)
    try:
        if match:
            return dt.date(int(match[1]), int(match[2]), int(match[3]))
        match = _VN_DATE.match(text)
        if match:
            return dt.date(int(match[3]), int(match[2]), int(match[1]))
    except ValueError:
        raise Bad("Ngày không có thật trên lịch.") from None
    raise Bad("Ngày phải ghi theo dạng YYYY-MM-DD hoặc DD/MM/YYYY.")


def date_bound(bound: Any) -> dt.date | None:
    if bound == "today":
        return timezone.localdate()
    if isinstance(bound, str):
        try:
            return parse_date(bound)
        except Bad:
            return None
    return None


def _text(field: FieldSpec, raw: Any) -> str:
    if isinstance(raw, bool) or not isinstance(raw, str | int):
        raise Bad("Phải là một chuỗi ký tự.")
    text = str(raw).strip()
    control = _CONTROL if field.type == "textarea" else _CONTROL_LINE
    if control.search(text):
        raise Bad("Không được chứa ký tự điều khiển.")
    return text


def _check_length(field: FieldSpec, text: str) -> None:
    spec = field.spec
    maximum = spec.get("max_length", DEFAULT_MAX_LENGTH.get(field.type, 255))
    if len(text) > maximum:
        raise Bad(f"Tối đa {maximum} ký tự.")
    if len(text) < spec.get("min_length", 0):
        raise Bad(f"Ít nhất {spec['min_length']} ký tự.")
    if "pattern" in spec and not _pattern(spec["pattern"]).fullmatch(text):
        raise Bad(spec.get("pattern_message", "Không đúng định dạng."))


def _number(field: FieldSpec, raw: Any, integer: bool) -> int | float:
    if isinstance(raw, bool):
        raise Bad("Phải là một số.")
    value: int | float
    if isinstance(raw, str):
        text = raw.strip().replace(" ", "")
        if len(text) > 40:
            raise Bad("Số quá dài.")
        try:
            value = int(text) if re.fullmatch(r"-?[0-9]+", text) else float(text)
        except ValueError:
            raise Bad("Phải là một số nguyên." if integer else "Phải là một số.") from None
    elif isinstance(raw, int | float):
        value = raw
    else:
        raise Bad("Phải là một số nguyên." if integer else "Phải là một số.")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise Bad("Phải là một số hữu hạn.")
        if integer and not value.is_integer():
            raise Bad("Phải là một số nguyên.")
        if value.is_integer() and abs(value) < INTEGER_LIMIT:
            value = int(value)
    if abs(value) >= INTEGER_LIMIT:
        raise Bad("Số quá lớn.")
    if (
        "min" in field.spec
        and isinstance(field.spec["min"], int | float)
        and value < field.spec["min"]
    ):
        raise Bad(f"Không được nhỏ hơn {field.spec['min']}.")
    if (
        "max" in field.spec
        and isinstance(field.spec["max"], int | float)
        and value > field.spec["max"]
    ):
        raise Bad(f"Không được lớn hơn {field.spec['max']}.")
    return value


def _boolean(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int) and raw in (0, 1):
        return bool(raw)
    if isinstance(raw, str) and raw.strip().lower() in _TRUE | _FALSE:
        return raw.strip().lower() in _TRUE
    raise Bad("Phải là có (true) hoặc không (false).")


def _date(field: FieldSpec, raw: Any) -> str:
    value = parse_date(raw)
    low, high = date_bound(field.spec.get("min")), date_bound(field.spec.get("max"))
    if low and value < low:
        raise Bad(f"Không được trước ngày {low:%d/%m/%Y}.")
    if high and value > high:
        raise Bad(
            "Không được sau ngày hôm nay."
            if field.spec.get("max") == "today"
            else f"Không được sau ngày {high:%d/%m/%Y}."
        )
    return value.isoformat()


def coerce(field: FieldSpec, raw: Any) -> Any:
    """The value of `field` from `raw` (JSON), or MISSING when it is empty. Raises Bad."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return MISSING
    kind = field.type
    if kind in ("text", "textarea"):
        text = _text(field, raw)
        _check_length(field, text)
        return text
    if kind == "date":
        return _date(field, raw)
    if kind in ("integer", "number"):
        return _number(field, raw, integer=kind == "integer")
    if kind == "boolean":
        return _boolean(raw)
    if kind == "choice":
        if isinstance(raw, bool) or not isinstance(raw, str | int):
            raise Bad("Hãy chọn một giá trị trong danh sách.")
        value = str(raw).strip()
        if value not in field.choices:
            raise Bad("Giá trị không có trong danh sách lựa chọn.")
        return value
    if kind == "email":
        text = _text(field, raw)
        if len(text) > 254 or not _EMAIL.match(text):
            raise Bad("Địa chỉ thư điện tử không hợp lệ.")
        local, domain = text.rsplit("@", 1)
        return f"{local}@{domain.lower()}"
    if kind == "phone":
        text = re.sub(r"[\s.\-()]", "", _text(field, raw))
        if text.startswith("+84"):
            text = "0" + text[3:]
        elif text.startswith("84") and len(text) == 11:
            text = "0" + text[2:]
        if not _PHONE.match(text):
            raise Bad("Số điện thoại gồm 10 hoặc 11 chữ số, bắt đầu bằng 0 (hoặc +84).")
        return text
    if kind == "personal_id":
        if not isinstance(raw, str):
            raise Bad("Số định danh cá nhân gồm 12 chữ số, ghi dưới dạng chuỗi.")
        text = raw.strip().replace(" ", "")
        if not _PERSONAL_ID.match(text):
            raise Bad("Số định danh cá nhân gồm 12 chữ số.")
        return text
    if kind == "commune_code":
        if not isinstance(raw, str) or not _COMMUNE.match(raw.strip()):
            raise Bad("Mã xã, phường, đặc khu gồm 5 chữ số.")
        return raw.strip()
    raise Bad("Kiểu trường không được hỗ trợ.")  # pragma: no cover - the meta-schema forbids it


def existing_communes(codes: set[str]) -> set[str]:
    """The codes among `codes` that are real communes (one query)."""
    if not codes:
        return set()
    from motcua.units.models import Commune  # ground layer; no selector for a code set

    return set(Commune.objects.filter(code__in=codes).values_list("code", flat=True))


# --- the validator ---------------------------------------------------------------------------
class _Run:
    """One validation: coerced values, visibility, errors."""

    def __init__(
        self,
        form: Form,
        data: Any,
        prefill: Prefill | None,
        partial: bool,
        parties_pending: bool = False,
    ) -> None:
        self.parties_pending = parties_pending
        self.awaiting: set[str] = set()
        self.form = form
        self.data = data
        self.prefill = prefill
        self.partial = partial
        self.errors: dict[str, str] = {}
        self.groups = list(form.groups())
        self.single: dict[str, dict[str, Any]] = {}
        self.items: dict[str, list[dict[str, Any]]] = {}
        self._visible: dict[str, bool] = {}
        self._visiting: set[str] = set()

    # phase 1: types
    def coerce_all(self) -> None:
        if not isinstance(self.data, dict):
            self.errors[""] = "Dữ liệu biểu mẫu phải là một đối tượng JSON."
            return
        known = {g.key for g in self.groups}
        for key in self.data:
            if key not in known:
                self.errors[str(key)] = "Không có mục này trong biểu mẫu."
        for group in self.groups:
            raw = self.data.get(group.key)
            if group.repeated:
                self._coerce_items(group, raw)
            else:
                self._coerce_single(group, raw)

    def _coerce_single(self, group: GroupSpec, raw: Any) -> None:
        values: dict[str, Any] = {}
        self.single[group.key] = values
        if raw is None:
            raw = {}
        if not isinstance(raw, dict):
            self.errors[group.key] = "Phải là một nhóm thông tin (đối tượng JSON)."
            raw = {}
        fields = {f.key: f for f in group.fields()}
        for key in raw:
            if key not in fields:
                self.errors[f"{group.key}.{key}"] = "Không có trường này trong biểu mẫu."
        for field in fields.values():
            path = f"{group.key}.{field.key}"
            given = raw.get(field.key, MISSING)
            registry = self._registry_value(field, path)
            if (
                self.parties_pending
                and field.read_only
                and field.prefill is not None
                and str(field.prefill["subject"]).startswith("party:")
            ):
                self.awaiting.add(path)  # the party's registry fills it when they confirm
                values[field.key] = MISSING
                continue
            try:
                if registry is not MISSING and field.read_only:
                    if given is not MISSING and self._coerce_or_bad(field, given) != registry:
                        raise Bad(self._forgery_message(path))
                    values[field.key] = registry
                    continue
                value = coerce(field, given) if given is not MISSING else MISSING
                if value is MISSING and given is MISSING:
                    value = registry  # an editable prefilled value the person kept
                values[field.key] = value
            except Bad as exc:
                self.errors[path] = exc.message
                values[field.key] = MISSING

    def _coerce_or_bad(self, field: FieldSpec, given: Any) -> Any:
        try:
            return coerce(field, given)
        except Bad:
            return _Missing()  # differs from anything: reported as an edit of the value

    def _forgery_message(self, path: str) -> str:
        assert self.prefill is not None
        source = self.prefill.values[path].source
        return f"Giá trị này lấy từ {source}, không được sửa."

    def _registry_value(self, field: FieldSpec, path: str) -> Any:
        if self.prefill is None or field.prefill is None:
            return MISSING
        found = self.prefill.values.get(path)
        if found is None:
            return MISSING
        try:
            return coerce(field, found.value)
        except Bad:
            return MISSING

    def _coerce_items(self, group: GroupSpec, raw: Any) -> None:
        items: list[dict[str, Any]] = []
        self.items[group.key] = items
        if raw is None:
            return
        if not isinstance(raw, list):
            self.errors[group.key] = "Phải là một danh sách."
            return
        if len(raw) > group.max_items:
            self.errors[group.key] = f"Tối đa {group.max_items} mục."
            raw = raw[: group.max_items]
        fields = {f.key: f for f in group.fields()}
        for index, item in enumerate(raw):
            values: dict[str, Any] = {}
            items.append(values)
            prefix = f"{group.key}[{index}]"
            if not isinstance(item, dict):
                self.errors[prefix] = "Mỗi mục phải là một đối tượng JSON."
                item = {}
            for key in item:
                if key not in fields:
                    self.errors[f"{prefix}.{key}"] = "Không có trường này trong biểu mẫu."
            for field in fields.values():
                try:
                    values[field.key] = coerce(field, item.get(field.key))
                except Bad as exc:
                    self.errors[f"{prefix}.{field.key}"] = exc.message
                    values[field.key] = MISSING

    # phase 2: conditions
    def value(self, path: str, item: dict[str, Any] | None = None, group: str = "") -> Any:
        """The value at `path` as seen from `item` (a repeatable group's item) or from
        `group` (for a sibling's bare key), MISSING when absent or hidden."""
        if "." not in path:
            if item is not None:
                return item.get(path, MISSING)
            if not group:
                return MISSING
            path = f"{group}.{path}"
        group_key, key = path.split(".", 1)
        if group_key.endswith("[]"):
            if item is None:
                return MISSING
            return item.get(key, MISSING)
        if not self.visible(path):
            return MISSING
        return self.single.get(group_key, {}).get(key, MISSING)

    def holds(
        self, condition: dict[str, Any] | None, item: dict[str, Any] | None = None, group: str = ""
    ) -> bool:
        if not condition:
            return True
        value = self.value(condition["field"], item, group)
        if "filled" in condition:
            return (value is not MISSING) == condition["filled"]
        if value is MISSING:
            return False
        if "equals" in condition:
            return _same(value, condition["equals"])
        if "not_equals" in condition:
            return not _same(value, condition["not_equals"])
        if "in" in condition:
            return any(_same(value, option) for option in condition["in"])
        if "is_true" in condition:
            return (value is True) == condition["is_true"]
        return False

    def group_visible(self, group: GroupSpec) -> bool:
        marker = f"{group.key}#"
        if marker not in self._visible:
            if marker in self._visiting:
                return False
            self._visiting.add(marker)
            self._visible[marker] = self.holds(group.show_if)
            self._visiting.discard(marker)
        return self._visible[marker]

    def visible(self, path: str) -> bool:
        """Whether a field of a non-repeatable group is shown."""
        if path not in self._visible:
            field = self.form.field(path)
            if field is None or path in self._visiting:
                return False
            self._visiting.add(path)
            self._visible[path] = self.group_visible(field.group) and self.holds(
                field.show_if, None, field.group.key
            )
            self._visiting.discard(path)
        return self._visible[path]

    # phase 3: required, items, communes, rules
    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = {}
        for group in self.groups:
            if not self.group_visible(group):
                self._drop_errors(group.key)
                continue
            if group.repeated:
                rows = self._clean_items(group)
                if rows:
                    cleaned[group.key] = rows
            else:
                values = self._clean_single(group)
                if values:
                    cleaned[group.key] = values
        return cleaned

    def _drop_errors(self, prefix: str) -> None:
        for path in [
            p for p in self.errors if p == prefix or p.startswith((f"{prefix}.", f"{prefix}["))
        ]:
            del self.errors[path]

    def _clean_single(self, group: GroupSpec) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for field in group.fields():
            path = f"{group.key}.{field.key}"
            if not self.visible(path):
                self.errors.pop(path, None)
                continue
            value = self.single[group.key].get(field.key, MISSING)
            if value is False and field.spec.get("must_be_true") and not self.partial:
                self.errors[path] = "Cần xác nhận mục này."
                continue
            if value is MISSING:
                if (
                    field.required
                    and not self.partial
                    and path not in self.errors
                    and path not in self.awaiting
                ):
                    self.errors[path] = "Trường này là bắt buộc."
                continue
            out[field.key] = value
        return out

    def _clean_items(self, group: GroupSpec) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        for index, values in enumerate(self.items[group.key]):
            out: dict[str, Any] = {}
            for field in group.fields():
                path = f"{group.key}[{index}].{field.key}"
                if not (self.holds(field.show_if, values) if field.show_if else True):
                    self.errors.pop(path, None)
                    values[field.key] = MISSING
                    continue
                value = values.get(field.key, MISSING)
                if value is MISSING:
                    if field.required and not self.partial and path not in self.errors:
                        self.errors[path] = "Trường này là bắt buộc."
                    continue
                out[field.key] = value
            rows.append(out)
        if not self.partial and len(rows) < group.min_items and group.key not in self.errors:
            self.errors[group.key] = f"Cần ít nhất {group.min_items} mục."
        return rows

    def check_communes(self, cleaned: dict[str, Any]) -> None:
        found: dict[str, str] = {}
        for field in self.form.fields():
            if field.type != "commune_code":
                continue
            section = cleaned.get(field.group.key)
            if isinstance(section, dict) and field.key in section:
                found[f"{field.group.key}.{field.key}"] = section[field.key]
            elif isinstance(section, list):
                for index, row in enumerate(section):
                    if field.key in row:
                        found[f"{field.group.key}[{index}].{field.key}"] = row[field.key]
        real = existing_communes(set(found.values()))
        for path, code in found.items():
            if code not in real:
                self.errors[path] = f"Không có xã, phường, đặc khu mã {code}."

    def check_rules(self) -> None:
        for rule in self.form.definition.get("rules", []):
            paths = [rule[k] for k in ("first", "second", "birth_date", "at", "field") if k in rule]
            if rule.get("at") == "today":
                paths.remove("today")
            repeated = next((p.split("[]")[0] for p in paths if "[]." in p), None)
            if repeated is None:
                self._check_rule(rule, None, None)
                continue
            group = self.form.group(repeated)
            if group is None or not self.group_visible(group):
                continue
            for index, item in enumerate(self.items.get(repeated, [])):
                self._check_rule(rule, item, f"{repeated}[{index}]")

    def _where(self, path: str, prefix: str | None) -> str:
        if "[]." in path and prefix is not None:
            return f"{prefix}.{path.split('[].', 1)[1]}"
        return path

    def _check_rule(
        self, rule: dict[str, Any], item: dict[str, Any] | None, prefix: str | None
    ) -> None:
        if rule.get("when") and not self.holds(rule["when"], item):
            return
        kind = rule["rule"]
        if kind == "value_in":
            value = self.value(rule["field"], item)
            target = self._where(rule["field"], prefix)
            allowed = any(_same(value, option) for option in rule["in"])
            if value is not MISSING and target not in self.errors and not allowed:
                self.errors[target] = rule.get("message") or "Giá trị này không được chấp nhận."
            return
        if kind in ("date_order", "not_equal"):
            first, second = self.value(rule["first"], item), self.value(rule["second"], item)
            target = self._where(rule["second"], prefix)
            if first is MISSING or second is MISSING or target in self.errors:
                return
            if kind == "not_equal":
                if _same(first, second):
                    self.errors[target] = rule.get("message") or (
                        f"Không được trùng với «{self._label(rule['first'])}»."
                    )
                return
            earlier, later = parse_date(first), parse_date(second)
            if later < earlier or (rule.get("strict") and later == earlier):
                self.errors[target] = rule.get("message") or (
                    f"Không được trước «{self._label(rule['first'])}»."
                )
            return
        birth = self.value(rule["birth_date"], item)
        target = self._where(rule["birth_date"], prefix)
        at_path = rule.get("at", "today")
        at_value = (
            timezone.localdate().isoformat() if at_path == "today" else self.value(at_path, item)
        )
        if birth is MISSING or at_value is MISSING or target in self.errors:
            return
        at = parse_date(at_value)
        years = age(parse_date(birth), at)
        if kind == "age_at_least" and years < rule["years"]:
            self.errors[target] = rule.get("message") or (
                f"Phải đủ {rule['years']} tuổi tính đến ngày {at:%d/%m/%Y}."
            )
        elif kind == "age_below" and years >= rule["years"]:
            self.errors[target] = rule.get("message") or (
                f"Phải dưới {rule['years']} tuổi tính đến ngày {at:%d/%m/%Y}."
            )

    def _label(self, path: str) -> str:
        field = self.form.field(path)
        return field.label if field else path


def age(birth: dt.date, at: dt.date) -> int:
    return at.year - birth.year - ((at.month, at.day) < (birth.month, birth.day))


def _same(value: Any, expected: Any) -> bool:
    if isinstance(value, bool) or isinstance(expected, bool):
        return value is expected
    return bool(value == expected)


def validate(
    form: Form,
    data: Any,
    prefill: Prefill | None,
    *,
    partial: bool = False,
    parties_pending: bool = False,
) -> dict[str, Any]:
    run = _Run(form, data, prefill, partial, parties_pending)
    run.coerce_all()
    if "" in run.errors:
        raise FormInvalid(run.errors)
    cleaned = run.clean()
    run.check_communes(cleaned)
    if not partial:
        run.check_rules()
    if run.errors:
        raise FormInvalid(run.errors)
    return cleaned
