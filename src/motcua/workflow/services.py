"""The workflow engine (README.md): processes as data, tasks per step at a unit for a role,
queues, the officials' actions on a dossier and the periodic timers. Every action writes its
task changes in the same transaction as the dossier change, with an audit entry."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import math
import uuid
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone

from motcua.audit import services as audit
from motcua.catalog import selectors as catalog
from motcua.core.calendar import VN_TZ, default_calendar
from motcua.core.errors import Conflict, DomainError, InvalidInput, NotFound, PermissionDenied
from motcua.core.formats import format_datetime
from motcua.dossiers import services as dossiers
from motcua.dossiers.models import Dossier, DossierEvent, Status

# Who may act is identity's one answer (identity/officials.py), re-exported for callers.
from motcua.identity.officials import OfficialRef as OfficialRef
from motcua.identity.officials import official_ref as official_ref
from motcua.identity.officials import officials_at as officials_at
from motcua.identity.officials import role_label as role_label
from motcua.notify import services as outbox
from motcua.results import services as results
from motcua.units import selectors as units

from . import definitions
from .definitions import ACTIONS, DONE, REASON_REQUIRED, DefinitionError, Process, Step
from .models import ApologyLetter, ProcessBinding, ProcessDefinition, Task

logger = logging.getLogger(__name__)

ACTOR = "system:workflow"
QUEUE_MAX = 500
TICK_BATCH = 1000
# Set while `act` changes a dossier, so the listener leaves the tasks to `act`.
_ACTING: ContextVar[bool] = ContextVar("workflow_acting", default=False)


# ----------------------------------------------------------------------------- definitions


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    bindings: int = 0


def import_processes(content: str | dict[str, Any], *, actor: str) -> ImportReport:
    """Import a definitions file (format motcua.workflow/1): all or nothing, idempotent. A
    (code, version) already stored with other content is refused: change the version."""
    if isinstance(content, str):
        try:
            content = json.loads(content)
        except json.JSONDecodeError as exc:
            raise DefinitionError([f"Tệp không phải JSON hợp lệ: {exc}"]) from None
    raw_processes = definitions.parse_file(content)
    errors: list[str] = []
    parsed: list[tuple[Process, dict[str, Any], str]] = []
    for raw in raw_processes:
        try:
            process = definitions.validate(raw)
        except DefinitionError as exc:
            errors += exc.errors
            continue
        parsed.append((process, raw, _hash(raw)))
    claimed: dict[str, str] = {}
    seen: set[tuple[str, int]] = set()
    for process, _raw, _digest in parsed:
        if (process.code, process.version) in seen:
            errors.append(f"quy trình {process.code} v{process.version} xuất hiện hai lần")
        seen.add((process.code, process.version))
        for target in process.procedures:
            other = claimed.setdefault(target, process.code)
            if other != process.code:
                errors.append(f"'{target}' được gán cho cả quy trình {other} và {process.code}")
    for process, _raw, digest in parsed:
        stored = ProcessDefinition.objects.filter(
            code=process.code, version=process.version
        ).first()
        if stored is not None and stored.content_hash != digest:
            errors.append(
                f"quy trình {process.code} v{process.version} đã có với nội dung khác; hãy tăng "
                "version"
            )
    if errors:
        raise DefinitionError(errors)
    report = ImportReport()
    with transaction.atomic():
        for process, raw, digest in parsed:
            _row, created = ProcessDefinition.objects.get_or_create(
                code=process.code,
                version=process.version,
                defaults={
                    "name": process.name,
                    "definition": raw,
                    "procedures": list(process.procedures),
                    "content_hash": digest,
                    "imported_by": actor[:60],
                },
            )
            (report.created if created else report.unchanged).append(
                f"{process.code} v{process.version}"
            )
        latest: dict[str, int] = {}
        for process, _raw, _digest in parsed:
            latest[process.code] = max(latest.get(process.code, 0), process.version)
        for process, _raw, _digest in parsed:
            if process.version != latest[process.code]:
                continue
            for target in process.procedures:
                ProcessBinding.objects.update_or_create(
                    target=target, defaults={"process_code": process.code}
                )
                report.bindings += 1
        audit.record(
            actor=actor,
            action="workflow.processes_imported",
            target_type="workflow.process",
            data={"created": report.created, "unchanged": len(report.unchanged)},
        )
    return report


def _hash(raw: dict[str, Any]) -> str:
    return hashlib.sha256(
        json.dumps(raw, sort_keys=True, ensure_ascii=False).encode("utf-8")
    ).hexdigest()


@lru_cache(maxsize=256)
def _cached_process(code: str, version: int, digest: str) -> Process:
    row = ProcessDefinition.objects.get(code=code, version=version)
    return definitions.from_json(row.definition)


def get_process(code: str, version: int | None = None) -> Process:
    """A stored process (the latest version when `version` is None)."""
    rows = ProcessDefinition.objects.filter(code=code)
    row = rows.filter(version=version).first() if version else rows.order_by("-version").first()
    if row is None:
        raise NotFound(f"Không có quy trình {code}.")
    return _cached_process(row.code, row.version, row.content_hash)


def process_for(procedure_code: str, version: int | None = None) -> Process | None:
    """The process serving a procedure: its own binding, else its sector's; None if none.
    `version`: the procedure version the dossier went in under (else the current one)."""
    targets = [procedure_code]
    try:
        found = (
            catalog.version_of(procedure_code, version)
            if version
            else catalog.get_published(procedure_code)
        )
        targets.append(f"sector:{found.sector.code}")
    except NotFound:
        pass
    bindings = {b.target: b for b in ProcessBinding.objects.filter(target__in=targets)}
    binding = next((bindings[t] for t in targets if t in bindings), None)
    if binding is None:
        return None
    return get_process(binding.process_code)


# ----------------------------------------------------------------------------- units, clock


@dataclass(frozen=True)
class _Place:
    province: str
    commune: str | None


def _receiving_place(dossier: Dossier) -> _Place:
    agency = units.get_agency(dossier.receiving_unit)
    return _Place(agency.province_id, agency.commune_id)


def _path(data: Any, path: str) -> Any:
    for part in path.split("."):
        data = data.get(part) if isinstance(data, dict) else None
    return data


def authority_place(process: Process, dossier: Dossier) -> _Place:
    """Where the competent authority sits, by the process's rule (DESIGN.md)."""
    rule = process.authority_rule
    if rule == "receiving_commune":
        return _receiving_place(dossier)
    if rule == "receiving_province":
        return _Place(_receiving_place(dossier).province, None)
    value = _path(dossier.data, process.authority_path)
    value = str(value).strip() if value is not None else ""
    try:
        if rule == "seat_province" and len(value) == 2:
            return _Place(units.get_province(value).code, None)
        commune = units.get_commune(value)
    except NotFound:
        raise Conflict(
            "Không xác định được cơ quan có thẩm quyền: tờ khai chưa ghi đúng xã, phường "
            f"({process.authority_path}). Hãy yêu cầu bổ sung hoặc từ chối hồ sơ.",
            param=process.authority_path,
        ) from None
    if rule == "data_commune":
        return _Place(commune.province_id, commune.code)
    return _Place(commune.province_id, None)


def resolve_unit(spec: str, process: Process, dossier: Dossier) -> str:
    """The agency code a step's `unit` names for this dossier (README.md, "Units")."""
    base, _sep, kind = spec.partition(":")
    if base == "receiving" and not kind:
        return dossier.receiving_unit
    place = _receiving_place(dossier) if base == "receiving" else authority_place(process, dossier)
    kind = kind or "ubnd"
    if place.commune and kind in definitions.COMMUNE_KINDS:
        code = f"{place.province}.{place.commune}.{kind}"
    else:
        code = f"{place.province}.{kind}"
    try:
        units.get_agency(code)
    except NotFound:
        raise Conflict(f"Không có cơ quan {code} để chuyển hồ sơ tới.") from None
    return code


def _end_of_day(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(default_calendar().cutoff_hour), tzinfo=VN_TZ)


def _processing_days(dossier: Dossier) -> int:
    try:
        return int(
            catalog.version_of(dossier.procedure_code, dossier.procedure_version).processing_days
        )
    except NotFound:
        return 0


def step_due(step: Step, dossier: Dossier, opened: dt.datetime) -> dt.datetime:
    """The end of the working day `share`% of the procedure's working days after `opened`,
    never after the dossier's own due date."""
    calendar = default_calendar()
    days = math.ceil(_processing_days(dossier) * step.share / 100)
    day = calendar.add_working_days(opened, days)
    if dossier.due_date and day > dossier.due_date:
        day = max(dossier.due_date, calendar.counting_day(opened))
    return _end_of_day(day)


# ----------------------------------------------------------------------------- tasks


def _open(
    dossier: Dossier,
    process: Process,
    step_key: str,
    *,
    now: dt.datetime,
    assignee: str = "",
    due_at: dt.datetime | None = None,
    unit: str | None = None,
    first: bool = False,
) -> Task:
    step = process.step(step_key)
    unit = unit or resolve_unit(step.unit, process, dossier)
    if first:  # the dossier's first task: no earlier one to follow
        last = 0
    elif not assignee:
        # Rework or a second pass goes back to whoever did this step at this unit before.
        before = (
            Task.objects.filter(dossier_id=dossier.id, step=step_key, unit=unit)
            .exclude(assignee="")
            .order_by("-seq")
            .first()
        )
        assignee = before.assignee if before else ""
    if not first:
        last = Task.objects.filter(dossier_id=dossier.id).aggregate(m=Max("seq"))["m"] or 0
    task = Task.objects.create(
        dossier_id=dossier.id,
        dossier_code=dossier.code or "",
        procedure_code=dossier.procedure_code,
        process_code=process.code,
        process_version=process.version,
        seq=last + 1,
        step=step.key,
        label=step.label,
        unit=unit,
        role=step.role,
        assignee=assignee,
        opened_at=now,
        due_at=due_at or step_due(step, dossier, now),
    )
    outbox.enqueue(
        "workflow.task.opened",
        f"workflow.task.opened:{task.id}",
        {
            "task": str(task.id),
            "dossier": dossier.code,
            "unit": task.unit,
            "role": task.role,
            "assignee": task.assignee,
            "due_at": task.due_at.isoformat(),
        },
    )
    return task


def _close(task: Task, *, state: str, actor: str, action: str, reason: str = "") -> None:
    task.state = state
    task.closed_at = timezone.now()
    task.closed_by = actor[:60]
    task.action = action
    task.reason = reason[:2000]
    task.save(update_fields=["state", "closed_at", "closed_by", "action", "reason"])


def on_dossier_event(sender: Any, dossier: Dossier, event: DossierEvent, **kwargs: Any) -> None:
    """Listener of `dossiers.signals.dossier_event`, inside the dossier's transaction: a
    submission opens the receive step, an answered supplement reopens the step that asked,
    a withdrawal (or a refusal made outside the workflow) cancels the open step."""
    if _ACTING.get():
        return
    if event.action == "submitted":
        _start(dossier)
    elif event.action == "supplemented":
        _resume(dossier, event)
    elif event.action in ("withdrawn", "refused"):
        for task in Task.objects.filter(dossier_id=dossier.id, state=Task.State.OPEN):
            _close(task, state=Task.State.CANCELLED, actor=event.actor, action=event.action)


def _start(dossier: Dossier) -> None:
    if Task.objects.filter(dossier_id=dossier.id).exists():
        return
    process = process_for(dossier.procedure_code, dossier.procedure_version)
    if process is None:
        logger.warning("no process serves procedure %s", dossier.procedure_code)
        return
    _open(dossier, process, process.start, now=timezone.now(), first=True)


def start_if_idle(dossier: Dossier) -> None:
    """Open the first step of a submitted dossier that has none yet. For a member of an
    integrated service released by its sibling's signed result: that happens while an
    official acts on the sibling, and the listener leaves every event during `act` to `act`."""
    _start(dossier)


def clock_rule(dossier: Dossier) -> str:
    """`resume` or `restart`: what the dossier's process says about the clock when the
    applicant answers a supplement request (for dossiers' `answer_supplement`)."""
    task = Task.objects.filter(dossier_id=dossier.id).order_by("-seq").first()
    if task is not None:
        return get_process(task.process_code, task.process_version).clock_on_supplement
    process = process_for(dossier.procedure_code, dossier.procedure_version)
    return process.clock_on_supplement if process else "resume"


def _resume(dossier: Dossier, event: DossierEvent) -> None:
    asked = (
        Task.objects.filter(dossier_id=dossier.id, action="request_supplement")
        .order_by("-seq")
        .first()
    )
    if asked is None or Task.objects.filter(dossier_id=dossier.id, state="open").exists():
        return
    process = get_process(asked.process_code, asked.process_version)
    step = process.step(asked.step)
    now = timezone.now()
    calendar = default_calendar()
    if process.clock_on_supplement == "restart":
        # The step starts afresh; the dossier's own due date restarts in dossiers when it
        # asks `clock_rule` (README.md).
        due = step_due(step, dossier, now)
    else:
        # The clock stood still while the applicant was asked: the step keeps what it had left.
        waited = calendar.working_days_between(asked.closed_at or now, now)
        due = _end_of_day(calendar.add_working_days(asked.due_at.astimezone(VN_TZ).date(), waited))
    _open(
        dossier,
        process,
        step.key,
        now=now,
        assignee=asked.closed_by if asked.closed_by.isdigit() else "",
        due_at=due,
        unit=asked.unit,
    )


# ----------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class Case:
    """A dossier as an official sees it: the open step, every step so far and what this
    official may do now."""

    dossier: Dossier
    task: Task | None
    tasks: list[Task]
    actions: list[str]

    @property
    def action_labels(self) -> dict[str, str]:
        return {a: ACTIONS[a] for a in self.actions}


def queue(official: OfficialRef, *, scope: str = "mine", limit: int = 100) -> list[Task]:
    """Open tasks by due date. "mine": assigned to me, and the unclaimed ones of my units and
    roles; "unit": every open task of my units (leaders only)."""
    if not 1 <= limit <= QUEUE_MAX:
        raise InvalidInput(f"limit phải từ 1 đến {QUEUE_MAX}.", param="limit")
    return list(_queue_query(official, scope)[:limit])


def queue_page(
    official: OfficialRef, *, scope: str = "mine", limit: int = 50, offset: int = 0
) -> tuple[int, list[Task]]:
    """The whole queue of `queue`, counted, `limit` tasks from `offset`."""
    if not 1 <= limit <= QUEUE_MAX:
        raise InvalidInput(f"limit phải từ 1 đến {QUEUE_MAX}.", param="limit")
    if offset < 0:
        raise InvalidInput("offset không được âm.", param="offset")
    qs = _queue_query(official, scope)
    return qs.count(), list(qs[offset : offset + limit])


def _queue_query(official: OfficialRef, scope: str) -> QuerySet[Task]:
    qs = Task.objects.filter(state=Task.State.OPEN)
    if scope == "mine":
        qs = qs.filter(
            Q(assignee=official.personal_id)
            | Q(assignee="", unit__in=official.units, role__in=official.roles)
        )
    elif scope == "unit":
        if not official.has_role("leader"):
            raise PermissionDenied("Chỉ lãnh đạo đơn vị xem được toàn bộ hồ sơ của đơn vị.")
        qs = qs.filter(unit__in=official.units)
    else:
        raise InvalidInput("scope phải là mine hoặc unit.", param="scope")
    return qs.order_by("due_at", "seq")


def allowed_actions(official: OfficialRef, task: Task | None) -> list[str]:
    if task is None or task.state != Task.State.OPEN:
        return []
    if not official.holds(task.role, task.unit):
        return []
    if task.assignee and task.assignee != official.personal_id:
        return []
    step = get_process(task.process_code, task.process_version).step(task.step)
    return [a for a in ACTIONS if a in step.actions]


def _dossier(code: str) -> Dossier:
    try:
        return dossiers.get_by_code(code)
    except NotFound:
        raise NotFound(f"Không tìm thấy hồ sơ {code[:60]}.") from None


def case(official: OfficialRef, code: str) -> Case:
    """The dossier for an official who has (or had) a step of it at their unit in one of
    their roles, or was assigned one, and for that unit's leader; anyone else, e.g. another
    role of the same unit or a digital team member posted there, gets "not found". Every
    view is audited as a read of personal data."""
    dossier = _dossier(code)
    tasks = list(Task.objects.filter(dossier_id=dossier.id).order_by("seq"))
    if not any(_may_see(official, t) for t in tasks):
        raise NotFound(f"Không tìm thấy hồ sơ {code[:60]}.")
    task = next((t for t in tasks if t.state == Task.State.OPEN), None)
    audit.record(
        actor=official.personal_id,
        action="workflow.case_viewed",
        target_type="dossier",
        target_id=str(dossier.id),
        purpose=f"xu-ly-ho-so:{dossier.code}",
        data={"code": dossier.code, "unit": official.agency_code},
    )
    # An official with an interest in the dossier is offered no action (act() refuses them).
    interested = bool(dossiers.interest_in(dossier, official.personal_id))
    actions = [] if interested else allowed_actions(official, task)
    return Case(dossier=dossier, task=task, tasks=tasks, actions=actions)


def _may_see(official: OfficialRef, task: Task) -> bool:
    return (
        task.assignee == official.personal_id
        or official.holds(task.role, task.unit)
        or official.is_leader_of(task.unit)
    )


# ----------------------------------------------------------------------------- writing


def _task(task_id: Any) -> Task:
    try:
        pk = uuid.UUID(str(task_id))
    except ValueError:
        raise NotFound("Không tìm thấy bước xử lý.") from None
    task = Task.objects.select_for_update().filter(pk=pk).first()
    if task is None:
        raise NotFound("Không tìm thấy bước xử lý.")
    return task


def _audit(official: OfficialRef, action: str, task: Task, **data: Any) -> None:
    audit.record(
        actor=official.personal_id,
        action=f"workflow.{action}",
        target_type="workflow.task",
        target_id=str(task.id),
        purpose=f"xu-ly-ho-so:{task.dossier_code}",
        data={"dossier": task.dossier_code, "step": task.step, "unit": task.unit, **data},
    )


@transaction.atomic
def claim(official: OfficialRef, task_id: Any) -> Task:
    """Take an open task of my unit and role for myself."""
    task = _task(task_id)
    if task.state != Task.State.OPEN:
        raise Conflict("Bước này đã được xử lý xong.")
    if not official.holds(task.role, task.unit):
        raise PermissionDenied(
            f"Bước “{task.label}” do {role_label(task.role)} của {task.unit} thực hiện."
        )
    if task.assignee and task.assignee != official.personal_id:
        raise Conflict("Bước này đã được giao cho cán bộ khác.")
    dossiers.ensure_no_conflict_of_interest(_dossier(task.dossier_code), official.personal_id)
    if task.assignee != official.personal_id:
        task.assignee = official.personal_id
        task.save(update_fields=["assignee"])
        _audit(official, "task_claimed", task)
    return task


@transaction.atomic
def assign(leader: OfficialRef, task_id: Any, to_personal_id: str) -> Task:
    """A leader of the task's unit assigns (or reassigns) it to an official holding the
    step's role there."""
    task = _task(task_id)
    if not leader.is_leader_of(task.unit):
        raise PermissionDenied("Chỉ lãnh đạo của đơn vị được phân công bước này.")
    if task.state != Task.State.OPEN:
        raise Conflict("Bước này đã được xử lý xong.")
    try:
        target = official_ref(to_personal_id)
    except PermissionDenied:
        raise InvalidInput("Người được giao không phải cán bộ.", param="assignee") from None
    if not target.holds(task.role, task.unit):
        raise InvalidInput(
            f"Người được giao không giữ vai trò {role_label(task.role)} tại {task.unit}.",
            param="assignee",
        )
    dossiers.ensure_no_conflict_of_interest(_dossier(task.dossier_code), target.personal_id)
    previous = task.assignee
    task.assignee = target.personal_id
    task.save(update_fields=["assignee"])
    _audit(leader, "task_assigned", task, to=target.personal_id, previous=previous)
    _tell(
        target.personal_id,
        f"Được giao xử lý hồ sơ {task.dossier_code}",
        f"Bạn được giao bước “{task.label}”, hạn {format_datetime(task.due_at)}.",
        key=f"wf-assigned:{task.id}:{target.personal_id}",
    )
    return task


def act(
    official: OfficialRef,
    code: str,
    action: str,
    *,
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> Task | None:
    """Take `action` on the dossier's open step; returns the step that opens next, if any."""
    reason = (reason or "").strip()
    if action not in ACTIONS:
        raise InvalidInput(f"Thao tác '{action[:40]}' không tồn tại.", param="action")
    if data is not None and not isinstance(data, dict):
        raise InvalidInput("Dữ liệu kèm theo phải là một đối tượng JSON.", param="data")
    with transaction.atomic():
        dossier = _dossier(code)
        tasks = Task.objects.filter(dossier_id=dossier.id)
        if not tasks.filter(unit__in=official.units).exists():
            raise PermissionDenied("Hồ sơ này không thuộc đơn vị của bạn.")
        task = tasks.filter(state=Task.State.OPEN).first()
        if task is None:
            raise Conflict(
                f"Hồ sơ không có bước nào đang chờ xử lý (trạng thái: "
                f"{Status(dossier.status).label})."
            )
        if not official.holds(task.role, task.unit):
            raise PermissionDenied(
                f"Bước “{task.label}” do {role_label(task.role)} của {task.unit} thực hiện."
            )
        if task.assignee and task.assignee != official.personal_id:
            raise PermissionDenied("Bước này đã được giao cho cán bộ khác.")
        dossiers.ensure_no_conflict_of_interest(dossier, official.personal_id)
        process = get_process(task.process_code, task.process_version)
        step = process.step(task.step)
        if action not in step.actions:
            allowed = ", ".join(f"“{ACTIONS[a]}”" for a in step.actions)
            raise Conflict(
                f"Bước “{step.label}” không cho phép thao tác “{ACTIONS[action]}”. "
                f"Thao tác được phép: {allowed}."
            )
        if action in REASON_REQUIRED and not reason:
            raise InvalidInput(f"Cần nêu lý do khi “{ACTIONS[action]}”.", param="reason")
        target = step.actions[action]
        token = _ACTING.set(True)
        try:
            _dossier_effect(official, dossier, action, target, reason, data or {})
        finally:
            _ACTING.reset(token)
        locked = Task.objects.select_for_update().get(pk=task.pk)
        if locked.state != Task.State.OPEN:
            raise Conflict("Bước này vừa được cán bộ khác xử lý.")
        if not locked.assignee:
            locked.assignee = official.personal_id
            locked.save(update_fields=["assignee"])
        _close(
            locked, state=Task.State.DONE, actor=official.personal_id, action=action, reason=reason
        )
        following = None
        if target in process.steps and action != "request_supplement":
            dossier = dossiers.get_by_code(code)  # fresh: received_at, due date, status
            following = _open(dossier, process, target, now=timezone.now())
            if following.unit != locked.unit:
                dossiers.record_forwarding(
                    code,
                    from_unit=locked.unit,
                    to_unit=following.unit,
                    to_name=units.agency_name(following.unit),
                    actor=official.personal_id,
                )
        _audit(
            official,
            f"act.{action}",
            locked,
            reason=reason[:500],
            next_step=following.step if following else target,
            next_unit=following.unit if following else "",
        )
        return following


def _dossier_effect(
    official: OfficialRef,
    dossier: Dossier,
    action: str,
    target: str,
    reason: str,
    data: dict[str, Any],
) -> None:
    """The dossier change an action causes (each call locks the dossier row)."""
    code, actor = str(dossier.code), official.personal_id
    if action == "accept":
        dossiers.receive(code, actor=actor)
    elif action == "request_supplement":
        items = data.get("items") or []
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise InvalidInput("Danh sách giấy tờ cần bổ sung không hợp lệ.", param="data.items")
        dossiers.request_supplement(code, actor=actor, reason=reason, items=items)
    elif action == "refuse":
        dossiers.refuse(code, actor=actor, reason=reason)
    elif action in ("sign", "issue_result"):
        status = dossier.status
        if status != Status.RESULT_READY:
            if status == Status.RECEIVED:
                dossiers.advance(code, Status.PROCESSING, actor=actor)
            results.issue_for_dossier(code, signer_personal_id=actor, data=data or None)
            dossiers.advance(code, Status.RESULT_READY, actor=actor, note=reason)
        if action == "issue_result" or target == DONE:
            dossiers.advance(code, Status.RETURNED, actor=actor)
    elif dossier.status == Status.RECEIVED:
        # forward, approve, consult, return_for_rework: the first move into processing.
        # Consulting another agency does not stop the clock: the dossier stays in processing.
        dossiers.advance(code, Status.PROCESSING, actor=actor, note=reason)


# ----------------------------------------------------------------------------- timers


@dataclass
class TickReport:
    late: int = 0
    escalated: int = 0
    apologies: int = 0
    unsigned_apologies: int = 0

    def __str__(self) -> str:
        return (
            f"{self.late} bước quá hạn, {self.escalated} bước báo lãnh đạo, "
            f"{self.apologies} thư xin lỗi ({self.unsigned_apologies} chưa ký số)"
        )


def tick(now: dt.datetime | None = None) -> TickReport:
    """The periodic job: mark open steps past due late (telling the assignee or the unit),
    escalate those late by more than one working day to the unit's leaders, and send an
    apology letter with a new date for each dossier past its due date. Idempotent."""
    now = now or timezone.now()
    report = TickReport()
    calendar = default_calendar()
    for task in Task.objects.filter(state=Task.State.OPEN, late=False, due_at__lt=now).order_by(
        "due_at"
    )[:TICK_BATCH]:
        with transaction.atomic():
            marked = Task.objects.filter(pk=task.pk, state=Task.State.OPEN, late=False).update(
                late=True
            )
            if not marked:
                continue
            report.late += 1
            recipients = [task.assignee] if task.assignee else officials_at(task.unit, task.role)
            for person in recipients:
                _tell(
                    person,
                    f"Hồ sơ {task.dossier_code} quá hạn bước “{task.label}”",
                    f"Bước “{task.label}” tại {task.unit} đã quá hạn "
                    f"{format_datetime(task.due_at)}.",
                    key=f"wf-late:{task.id}:{person}",
                )
    for task in Task.objects.filter(
        state=Task.State.OPEN, late=True, escalated=False, due_at__lt=now
    ).order_by("due_at")[:TICK_BATCH]:
        if calendar.working_days_between(task.due_at.astimezone(VN_TZ).date(), now) <= 1:
            continue
        with transaction.atomic():
            if not Task.objects.filter(pk=task.pk, escalated=False).update(escalated=True):
                continue
            report.escalated += 1
            for leader in officials_at(task.unit, "leader"):
                _tell(
                    leader,
                    f"Báo cáo: hồ sơ {task.dossier_code} chậm quá một ngày làm việc",
                    f"Bước “{task.label}” ({role_label(task.role)}"
                    f"{', ' + task.assignee if task.assignee else ''}) quá hạn từ "
                    f"{format_datetime(task.due_at)}. Đề nghị chỉ đạo xử lý.",
                    key=f"wf-escalated:{task.id}:{leader}",
                )
    codes = (
        Task.objects.filter(state=Task.State.OPEN, late=True)
        .values_list("dossier_code", flat=True)
        .distinct()
    )
    for code in list(codes[:TICK_BATCH]):
        letter = _apologise_if_overdue(code, now)
        if letter is not None:
            report.apologies += 1
            report.unsigned_apologies += 0 if letter.signed else 1
    return report


def _apologise_if_overdue(code: str, now: dt.datetime) -> ApologyLetter | None:
    today = now.astimezone(VN_TZ).date()
    dossier = dossiers.get_by_code(code)
    if (
        dossier.due_date is None
        or dossier.due_date >= today
        or dossier.status not in (Status.RECEIVED, Status.PROCESSING)
    ):
        return None
    if ApologyLetter.objects.filter(dossier_code=code, new_date__gte=today).exists():
        return None  # the date promised has not passed yet
    task = Task.objects.filter(dossier_id=dossier.id, state=Task.State.OPEN).first()
    if task is None:
        return None
    process = get_process(task.process_code, task.process_version)
    new_date = default_calendar().add_working_days(now, process.apology_days)
    leaders = officials_at(task.unit, "leader")
    signer = leaders[0] if leaders else ""
    agency_name = units.agency_name(task.unit)
    reason = (
        f"Hồ sơ chưa được giải quyết đúng hạn tại bước “{task.label}” ({agency_name}); "
        "cơ quan đang khẩn trương hoàn thành."
    )
    pdf, signed = _apology_pdf(dossier, agency_name, new_date, reason, signer, today)
    try:
        with transaction.atomic():
            letter = ApologyLetter(
                dossier_id=dossier.id,
                dossier_code=code,
                applicant_id=dossier.applicant_id,
                unit=task.unit,
                new_date=new_date,
                reason=reason,
                signer=signer if signed else "",
                signed=signed,
                issued_at=now,
            )
            letter.pdf.save(f"thu-xin-loi-{letter.id}.pdf", ContentFile(pdf), save=False)
            letter.save(force_insert=True)
            audit.record(
                actor=ACTOR,
                action="workflow.apology_issued",
                target_type="dossier",
                target_id=str(dossier.id),
                purpose=f"xu-ly-ho-so:{code}",
                data={"new_date": new_date.isoformat(), "unit": task.unit, "signed": signed},
            )
            _deliver_apology(letter, dossier, agency_name, pdf)
    except IntegrityError:
        return None  # another run issued this one
    return letter


def _apology_pdf(
    dossier: Dossier,
    agency_name: str,
    new_date: dt.date,
    reason: str,
    signer: str,
    today: dt.date,
) -> tuple[bytes, bool]:
    from motcua.core.pdf import render_document

    pdf = render_document(
        title="THƯ XIN LỖI",
        subtitle=f"Về việc chậm trả kết quả giải quyết hồ sơ {dossier.code}",
        issuer=agency_name,
        rows=[
            ("Kính gửi", dossier.applicant_name or dossier.applicant_id),
            ("Mã hồ sơ", str(dossier.code)),
            ("Thủ tục", dossier.procedure_name),
            ("Ngày hẹn trả kết quả", f"{dossier.due_date:%d/%m/%Y}"),
            ("Ngày hẹn trả kết quả mới", f"{new_date:%d/%m/%Y}"),
        ],
        paragraphs=[
            f"{agency_name} xin lỗi Ông/Bà vì hồ sơ nêu trên chưa được giải quyết đúng thời "
            "hạn đã hẹn.",
            f"Lý do: {reason}",
            f"Cơ quan hẹn trả kết quả vào ngày {new_date:%d/%m/%Y}. Mong Ông/Bà thông cảm.",
        ],
        footer=f"Thư xin lỗi hồ sơ {dossier.code}",
        metadata={"creation_date": f"{today.isoformat()}T00:00:00"},
    )
    if not signer:
        return pdf, False
    try:
        return results.sign_pdf(pdf, signer_personal_id=signer), True
    except DomainError as exc:  # e.g. the leader's certificate was revoked: send it unsigned
        logger.warning("apology letter for %s left unsigned: %s", dossier.code, exc)
        return pdf, False


def _deliver_apology(letter: ApologyLetter, dossier: Dossier, agency_name: str, pdf: bytes) -> None:
    from motcua.wallet import services as wallet

    key = f"wf-apology:{letter.id}"
    wallet.add_document(
        owner_id=dossier.applicant_id,
        title=f"Thư xin lỗi về hồ sơ {dossier.code}",
        issuer_name=agency_name,
        issuer_code=letter.unit,
        issued_on=letter.issued_at.astimezone(VN_TZ).date(),
        content=pdf,
        filename=f"thu-xin-loi-{dossier.code}.pdf",
        content_type="application/pdf",
        data={"ma_ho_so": dossier.code, "ngay_hen_moi": letter.new_date.isoformat()},
        key=key,
        actor=ACTOR,
    )
    _tell(
        dossier.applicant_id,
        f"Thư xin lỗi: hồ sơ {dossier.code} chậm trả kết quả",
        f"{agency_name} xin lỗi vì hồ sơ {dossier.procedure_name} chưa có kết quả đúng hẹn. "
        f"Ngày hẹn trả kết quả mới: {letter.new_date:%d/%m/%Y}. Thư xin lỗi có trong ví giấy tờ.",
        key=key,
        kind="dossier_status",
        link=f"/ho-so/{dossier.code}/",
    )


def _tell(
    recipient: str, title: str, body: str, *, key: str, kind: str = "info", link: str = ""
) -> None:
    from motcua.wallet import services as wallet

    wallet.send_message(
        recipient_id=recipient,
        title=title,
        body=body,
        key=key[:120],
        actor=ACTOR,
        kind=kind,
        link=link,
    )
