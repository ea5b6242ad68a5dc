"""Process definitions as data (README.md): parsing and validation. Pure functions, no
database: a broken definition is refused with every reason found, in Vietnamese."""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from motcua.core.errors import InvalidInput
from motcua.identity.models import Official
from motcua.units.services import COMMUNE_AGENCY_KINDS, PROVINCE_AGENCY_KINDS

FORMAT = "motcua.workflow/1"

ACTIONS: dict[str, str] = {
    "accept": "Tiếp nhận",
    "request_supplement": "Yêu cầu bổ sung",
    "refuse": "Từ chối",
    "forward": "Chuyển bước tiếp theo",
    "consult": "Xin ý kiến cơ quan khác",
    "approve": "Phê duyệt",
    "return_for_rework": "Trả lại để xử lý lại",
    "sign": "Ký số",
    "issue_result": "Trả kết quả",
}
# Actions whose reason must be given (and is shown to the applicant or the colleague).
REASON_REQUIRED = frozenset({"refuse", "request_supplement", "return_for_rework"})
# Terminal outcomes an action may lead to instead of a step.
DONE, REFUSED = "@done", "@refused"
TERMINALS = frozenset({DONE, REFUSED})
# Actions that move to another step (never to a terminal outcome).
STEP_ACTIONS = frozenset({"accept", "forward", "consult", "approve", "return_for_rework"})

AUTHORITY_RULES = {
    "receiving_commune": "nơi tiếp nhận (xã, phường của đơn vị tiếp nhận)",
    "receiving_province": "tỉnh, thành phố của đơn vị tiếp nhận",
    "data_commune": "xã, phường ghi trong tờ khai (ví dụ nơi có thửa đất)",
    "seat_province": "tỉnh, thành phố nơi đặt trụ sở chính ghi trong tờ khai",
}
RULES_WITH_PATH = frozenset({"data_commune", "seat_province"})
CLOCK_RULES = frozenset({"resume", "restart"})
AGENCY_KINDS = frozenset(k.kind for k in [*PROVINCE_AGENCY_KINDS, *COMMUNE_AGENCY_KINDS])
COMMUNE_KINDS = frozenset(k.kind for k in COMMUNE_AGENCY_KINDS)

_KEY = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{1,59}$")
_PROCEDURE = re.compile(r"^\d\.\d{6}$")
_SECTOR = re.compile(r"^sector:[a-z0-9-]{2,60}$")
_PATH = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


class DefinitionError(InvalidInput):
    """One or more process definitions are broken; `errors` lists every reason."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("Quy trình không hợp lệ: " + "; ".join(errors), errors=errors)
        self.errors = errors


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    role: str
    unit: str
    share: float
    actions: dict[str, str]


@dataclass(frozen=True)
class Process:
    """A validated definition."""

    code: str
    version: int
    name: str
    procedures: tuple[str, ...]
    authority_rule: str
    authority_path: str
    clock_on_supplement: str
    apology_days: int
    start: str
    steps: dict[str, Step] = field(default_factory=dict)

    def step(self, key: str) -> Step:
        return self.steps[key]


def parse_file(content: Any) -> list[dict[str, Any]]:
    """The raw process objects of a file `{"format": ..., "processes": [...]}`."""
    if not isinstance(content, dict) or content.get("format") != FORMAT:
        raise DefinitionError([f'Tệp phải là một đối tượng JSON có "format": "{FORMAT}".'])
    processes = content.get("processes")
    if not isinstance(processes, list) or not processes:
        raise DefinitionError(['Tệp cần danh sách "processes" không rỗng.'])
    return processes


def validate(raw: Any) -> Process:
    """A `Process` from one raw definition, or DefinitionError with every reason."""
    errors: list[str] = []
    if not isinstance(raw, dict):
        raise DefinitionError(["Mỗi quy trình phải là một đối tượng JSON."])
    code = raw.get("code")
    where = f"quy trình {code!s}"
    if not isinstance(code, str) or not _CODE.match(code):
        errors.append(f"{where}: mã quy trình phải gồm chữ thường, số, dấu gạch ngang")
    version = raw.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        errors.append(f"{where}: version phải là số nguyên dương")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        errors.append(f"{where}: cần tên quy trình (name)")
    procedures = raw.get("procedures")
    if not isinstance(procedures, list) or not procedures:
        errors.append(f"{where}: cần danh sách thủ tục áp dụng (procedures)")
        procedures = []
    for target in procedures:
        if not isinstance(target, str) or not (_PROCEDURE.match(target) or _SECTOR.match(target)):
            errors.append(
                f"{where}: '{target}' không phải mã thủ tục (1.001193) hay lĩnh vực "
                "(sector:ho-tich)"
            )
    authority = raw.get("authority") or {}
    rule = authority.get("rule") if isinstance(authority, dict) else None
    path = authority.get("path", "") if isinstance(authority, dict) else ""
    if rule not in AUTHORITY_RULES:
        errors.append(
            f"{where}: quy tắc xác định cơ quan có thẩm quyền '{rule}' không hợp lệ; chọn "
            + ", ".join(AUTHORITY_RULES)
        )
    elif rule in RULES_WITH_PATH and not (isinstance(path, str) and _PATH.match(path)):
        errors.append(f"{where}: quy tắc '{rule}' cần đường dẫn trường dữ liệu (path)")
    clock = raw.get("clock_on_supplement", "resume")
    if clock not in CLOCK_RULES:
        errors.append(f"{where}: clock_on_supplement phải là resume hoặc restart")
    apology_days = raw.get("apology_days", 3)
    if not isinstance(apology_days, int) or not 1 <= apology_days <= 60:
        errors.append(f"{where}: apology_days phải từ 1 đến 60 ngày làm việc")
    steps = _steps(raw.get("steps"), where, errors)
    start = raw.get("start") or (next(iter(steps)) if steps else "")
    if steps and start not in steps:
        errors.append(f"{where}: bước bắt đầu '{start}' không tồn tại")
    if steps and start in steps:
        _check_graph(steps, start, where, errors)
    if errors:
        raise DefinitionError(errors)
    return Process(
        code=str(code),
        version=int(version),  # type: ignore[arg-type]
        name=str(name).strip(),
        procedures=tuple(procedures),
        authority_rule=str(rule),
        authority_path=str(path or ""),
        clock_on_supplement=str(clock),
        apology_days=int(apology_days),
        start=str(start),
        steps=steps,
    )


def _steps(raw_steps: Any, where: str, errors: list[str]) -> dict[str, Step]:
    if not isinstance(raw_steps, list) or not raw_steps:
        errors.append(f"{where}: cần ít nhất một bước (steps)")
        return {}
    steps: dict[str, Step] = {}
    total = 0.0
    for position, raw in enumerate(raw_steps, start=1):
        if not isinstance(raw, dict):
            errors.append(f"{where}: bước thứ {position} phải là một đối tượng JSON")
            continue
        key = raw.get("key")
        at = f"{where}, bước '{key}'"
        if not isinstance(key, str) or not _KEY.match(key):
            errors.append(f"{where}: bước thứ {position} cần khóa (key) dạng chữ thường")
            continue
        if key in steps:
            errors.append(f"{at}: khóa bước bị trùng")
            continue
        label = raw.get("label")
        if not isinstance(label, str) or not label.strip():
            errors.append(f"{at}: cần tên bước (label)")
        role = raw.get("role")
        if role not in Official.Role.values:
            errors.append(
                f"{at}: vai trò '{role}' không tồn tại; chọn " + ", ".join(Official.Role.values)
            )
        unit = raw.get("unit")
        unit_error = unit_spec_error(unit)
        if unit_error:
            errors.append(f"{at}: {unit_error}")
        share = raw.get("share", 0)
        if not isinstance(share, int | float) or isinstance(share, bool) or not 0 <= share <= 100:
            errors.append(f"{at}: tỷ lệ thời hạn (share) phải từ 0 đến 100")
            share = 0
        total += float(share)
        actions = raw.get("actions")
        if not isinstance(actions, dict) or not actions:
            errors.append(f"{at}: cần ít nhất một thao tác (actions)")
            actions = {}
        for action, target in actions.items():
            if action not in ACTIONS:
                errors.append(
                    f"{at}: thao tác '{action}' không được hỗ trợ; chọn " + ", ".join(ACTIONS)
                )
            if not isinstance(target, str):
                errors.append(f"{at}: đích của thao tác '{action}' phải là khóa bước hoặc @done")
        steps[key] = Step(
            key=key,
            label=str(label or "").strip(),
            role=str(role),
            unit=str(unit),
            share=float(share),
            actions={str(a): str(t) for a, t in actions.items()},
        )
    if total > 100:
        errors.append(f"{where}: tổng tỷ lệ thời hạn các bước là {total:g}%, vượt quá 100%")
    return steps


def unit_spec_error(unit: Any) -> str:
    """Why a step's `unit` is not understood, or "" when it is."""
    if not isinstance(unit, str):
        return "cần đơn vị thực hiện (unit)"
    base, _sep, kind = unit.partition(":")
    if base not in ("receiving", "authority"):
        return (
            f"đơn vị '{unit}' không hợp lệ; dùng receiving, authority, receiving:<loại cơ quan> "
            "hoặc authority:<loại cơ quan>"
        )
    if _sep and kind not in AGENCY_KINDS:
        return f"loại cơ quan '{kind}' không tồn tại; chọn " + ", ".join(sorted(AGENCY_KINDS))
    return ""


def _check_graph(steps: dict[str, Step], start: str, where: str, errors: list[str]) -> None:
    """Targets exist and fit their action; every step is reachable from the start and can
    reach an end; nothing leads back to the start (it holds the acceptance)."""
    for step in steps.values():
        at = f"{where}, bước '{step.key}'"
        for action, target in step.actions.items():
            if action not in ACTIONS:
                continue
            if target not in steps and target not in TERMINALS:
                errors.append(f"{at}: thao tác '{action}' dẫn tới bước '{target}' không tồn tại")
                continue
            if action == "refuse" and target != REFUSED:
                errors.append(f"{at}: thao tác 'refuse' phải dẫn tới {REFUSED}")
            if action != "refuse" and target == REFUSED:
                errors.append(f"{at}: chỉ thao tác 'refuse' được dẫn tới {REFUSED}")
            if action == "issue_result" and target != DONE:
                errors.append(f"{at}: thao tác 'issue_result' phải dẫn tới {DONE}")
            if action in STEP_ACTIONS and target in TERMINALS:
                errors.append(f"{at}: thao tác '{action}' phải dẫn tới một bước")
            if action == "request_supplement" and target != step.key:
                errors.append(
                    f"{at}: 'request_supplement' phải dẫn về chính bước này (mở lại khi người "
                    "nộp bổ sung)"
                )
            if action in ("accept", "refuse") and step.key != start:
                errors.append(f"{at}: thao tác '{action}' chỉ có ở bước tiếp nhận '{start}'")
            if target == start and step.key != start:
                errors.append(f"{at}: không được quay lại bước tiếp nhận '{start}'")
    if "accept" not in steps[start].actions:
        errors.append(f"{where}: bước bắt đầu '{start}' cần thao tác 'accept' (tiếp nhận)")
    reachable = _closure({start}, lambda key: _next_steps(steps[key], steps))
    unreachable = [key for key in steps if key not in reachable]
    if unreachable:
        errors.append(
            f"{where}: không tới được bước "
            + ", ".join(f"'{k}'" for k in unreachable)
            + f" từ bước bắt đầu '{start}'"
        )
    predecessors: dict[str, set[str]] = {key: set() for key in steps}
    for step in steps.values():
        for target in _next_steps(step, steps):
            predecessors[target].add(step.key)
    ending = {s.key for s in steps.values() if any(t in TERMINALS for t in s.actions.values())}
    can_end = _closure(ending, lambda key: predecessors[key])
    dead = [key for key in steps if key not in can_end]
    if dead:
        errors.append(
            f"{where}: từ bước "
            + ", ".join(f"'{k}'" for k in dead)
            + " không thể tới kết thúc (@done hoặc @refused)"
        )


def _next_steps(step: Step, steps: dict[str, Step]) -> set[str]:
    return {t for t in step.actions.values() if t in steps and t != step.key}


def _closure(seeds: set[str], neighbours: Any) -> set[str]:
    seen = set(seeds)
    queue = deque(seeds)
    while queue:
        for other in neighbours(queue.popleft()):
            if other not in seen:
                seen.add(other)
                queue.append(other)
    return seen


def from_json(data: dict[str, Any]) -> Process:
    """A stored definition back as a `Process` (it was validated on import)."""
    return validate(data)
