"""Integrated services (dịch vụ công liên thông): one application, several procedures, several
agencies.

The person fills the one form of an integrated service (a catalog procedure of kind
`integrated`) in an ordinary draft and submits it as usual. On that submission this module
opens one child dossier per member procedure (`Dossier.parent`): members that need nothing
are filed at once, each to its own process and competent authority; the others wait, as
drafts, until the results they depend on exist. When a member's result is signed, its
effect is written into the national database through the exchange's write services (under
the data owners' write grants, in the signed log: a birth gives the child a personal ID),
what the next members need is read back through the exchange (the "facts"),
the result is copied to the e-wallet of the person it is about, and the members waiting on
it are filled from the bundle form and those facts (never re-typed) and filed. A refused
member stops those that depend on it, with the reason; the others go on and the person is
told what failed and what to do.

The parent's status, due date and timeline are derived from its children. Bundle state lives
in the parent's append-only history (`member_*` events: which member had which result and
facts), so replaying the history gives the same status."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from motcua.audit import services as audit
from motcua.catalog import selectors as catalog
from motcua.core.calendar import default_calendar
from motcua.core.errors import Conflict, DomainError, InvalidInput, NotFound
from motcua.core.formats import format_date, format_datetime, format_money
from motcua.eforms import services as eforms
from motcua.notify import services as outbox
from motcua.units import selectors as units

from . import services
from .errors import DossierNotFound
from .models import ComponentRecord, Dossier, DossierEvent, DossierFile, Status

logger = logging.getLogger(__name__)

ACTOR = "system:lien-thong"
PURPOSE = "lien-thong.ket-qua"
FACT_SERVICES = {"person": "population.person.basic", "residence": "population.person.residence"}
FACT_EVENTS = "civil_status.person.events"
# A member component so named is its declaration or application: the mapped form fills it.
FORM_PREFIXES = (services.FORM_COMPONENT_PREFIX, "Đơn đề nghị", "Đơn đăng ký", "Giấy khai")
# Statuses of a member that has left the bundle's way (no result will come).
ENDED = frozenset({Status.REFUSED, Status.WITHDRAWN})
# Set while this module files or stops members itself: their events are not re-derived.
_BUSY: ContextVar[bool] = ContextVar("bundles_busy", default=False)


class NotIntegrated(InvalidInput):
    code = "not-integrated"
    title = "Không phải dịch vụ công liên thông"


# ---------------------------------------------------------------------------- reading


def is_integrated(code: str) -> bool:
    try:
        return bool(catalog.get_published(code).is_integrated)
    except NotFound:
        return False


def _is_bundle(dossier: Dossier) -> bool:
    """From the version the dossier went in under: cached, no query on every submission."""
    try:
        return bool(_version(dossier).is_integrated)
    except NotFound:
        return False


def _version(dossier: Dossier) -> Any:
    try:
        return catalog.version_of(dossier.procedure_code, dossier.procedure_version)
    except (AttributeError, NotFound):
        return catalog.get_published(dossier.procedure_code)


def _members(parent: Dossier) -> list[Any]:
    return catalog.members_of(_version(parent))


@dataclass
class MemberView:
    """One member as the person sees it in the bundle."""

    key: str
    name: str
    procedure_code: str
    authority: str
    depends_on: list[str]
    dossier: Dossier | None
    state: str  # waiting, filed, result, refused, stopped
    note: str = ""
    result_title: str = ""

    @property
    def status_label(self) -> str:
        if self.state == "waiting":
            return "Chờ kết quả của thành phần trước"
        if self.state == "stopped":
            return "Đã dừng"
        return self.dossier.get_status_display() if self.dossier else ""


@dataclass
class TimelineRow:
    at: dt.datetime
    member: str
    action: str
    status: str
    note: str


@dataclass
class BundleView:
    parent: Dossier
    members: list[MemberView]
    timeline: list[TimelineRow] = field(default_factory=list)

    @property
    def next_step(self) -> str:
        return next_step(self)


def view(parent: Dossier) -> BundleView:
    """The bundle as one application: its members (with their dossiers) and one timeline."""
    children = {c.procedure_code: c for c in parent.children.all()}
    history = list(parent.events.order_by("seq"))
    results = _facts(history)
    stopped = {e.data.get("member"): e.note for e in history if e.action == "member_stopped"}
    refused = {e.data.get("member"): e.note for e in history if e.action == "member_refused"}
    members = []
    names = {}
    for m in _members(parent):
        names[m.procedure_code] = m.name
        child = children.get(m.procedure_code)
        if m.key in stopped:
            state, note = "stopped", stopped[m.key]
        elif m.key in refused or (child is not None and child.status == Status.REFUSED):
            state, note = "refused", refused.get(m.key, "")
        elif m.key in results:
            state, note = "result", ""
        elif child is None or child.status == Status.DRAFT:
            state, note = "waiting", ""
        else:
            state, note = "filed", ""
        members.append(
            MemberView(
                key=m.key,
                name=m.name,
                procedure_code=m.procedure_code,
                authority=m.authority,
                depends_on=list(m.depends_on),
                dossier=child,
                state=state,
                note=note,
                result_title=str(results.get(m.key, {}).get("result", {}).get("title", "")),
            )
        )
    rows = [
        TimelineRow(
            e.at,
            "",
            e.action_label,
            Status(e.to_status).label,
            e.note,
        )
        for e in history
    ]
    for child in children.values():
        for e in child.events.order_by("seq"):
            if e.action == "created":
                continue
            rows.append(
                TimelineRow(
                    e.at,
                    names.get(child.procedure_code, child.procedure_name),
                    e.action_label,
                    Status(e.to_status).label,
                    e.note,
                )
            )
    rows.sort(key=lambda r: r.at)
    return BundleView(parent=parent, members=members, timeline=rows)


def next_step(bundle: BundleView) -> str:
    parent = bundle.parent
    if parent.status == Status.DRAFT:
        return "Khai một tờ khai, đính kèm giấy tờ và nộp một lần cho tất cả các thủ tục."
    asked = [m for m in bundle.members if m.dossier and m.dossier.status in _ASKING]
    if asked:
        return (
            "Bổ sung hồ sơ thành phần “" + asked[0].name + "” theo yêu cầu; các thành phần "
            "khác vẫn tiếp tục."
        )
    if any(m.state == "refused" for m in bundle.members):
        return (
            "Một thành phần bị từ chối: xem lý do, khắc phục rồi nộp lại thủ tục đó; các thành "
            "phần không phụ thuộc vẫn được giải quyết."
        )
    if parent.status in (Status.RESULT_READY, Status.RETURNED):
        return "Đã có kết quả của các thành phần; bản điện tử có trong Kho dữ liệu (ví giấy tờ)."
    return "Các cơ quan đang giải quyết; thành phần sau tự chuyển khi thành phần trước có kết quả."


_ASKING = frozenset({Status.SUPPLEMENT_REQUESTED})


def get_for(applicant: services.Applicant, reference: str) -> BundleView:
    """The applicant's integrated-service application by code or draft reference."""
    parent = services.get_for(applicant, reference)
    if parent.parent_id is not None or not is_integrated(parent.procedure_code):
        raise DossierNotFound(f"Không tìm thấy hồ sơ liên thông {reference[:60]}.")
    return view(parent)


def mine(applicant: services.Applicant) -> list[Dossier]:
    """The applicant's integrated-service applications (parents only)."""
    return [
        d
        for d in services.mine(applicant)
        if d.parent_id is None and is_integrated(d.procedure_code)
    ]


# ---------------------------------------------------------------------------- applying


def start(
    applicant: services.Applicant,
    code: str,
    receiving_unit: str,
    data: dict[str, Any] | None = None,
) -> Dossier:
    """Open the draft of an integrated service: one form for all its members."""
    version = catalog.get_published(code)
    if not version.is_integrated:
        raise NotIntegrated(f"Thủ tục {code} không phải dịch vụ công liên thông.")
    if version.online_level != version.OnlineLevel.FULL:
        raise Conflict(
            "Dịch vụ liên thông này chưa nhận nộp trực tuyến trọn gói; vui lòng nộp tại Bộ "
            "phận một cửa hoặc nộp riêng từng thủ tục."
        )
    return services.create_draft(applicant, code, receiving_unit, data)


def submit(
    applicant: services.Applicant, reference: str, *, idempotency_key: str = ""
) -> BundleView:
    """Submit the one application; its members are opened in the same transaction."""
    parent = services.get_for(applicant, reference)
    if not is_integrated(parent.procedure_code) or parent.parent_id is not None:
        raise NotIntegrated("Hồ sơ này không phải hồ sơ dịch vụ công liên thông.")
    parent = services.submit(applicant, reference, idempotency_key=idempotency_key)
    return view(parent)


# ---------------------------------------------------------------------------- the listener


def on_dossier_event(sender: Any, dossier: Dossier, event: DossierEvent, **kwargs: Any) -> None:
    """Listener of `dossiers.signals.dossier_event`, inside the dossier's transaction."""
    if dossier.parent_id is None:
        if event.action not in ("submitted", "paid", "withdrawn") or not _is_bundle(dossier):
            return
        if event.action == "submitted":
            open_members(dossier)
        elif event.action == "paid":
            _release(dossier)  # the caller holds its row lock and saves it after us
            derive(dossier)
        else:
            _withdraw_members(dossier, event)
        return
    if _BUSY.get():
        return
    parent = _locked(dossier.parent_id)
    if event.action == "result_ready":
        _member_result(parent, dossier)
    elif event.action in ("refused", "withdrawn"):
        _member_ended(parent, dossier, event)
    derive(parent, current=dossier)


def _locked(pk: Any) -> Dossier:
    return Dossier.objects.select_for_update().get(pk=pk)


def open_members(parent: Dossier) -> list[Dossier]:
    """One child dossier per member; those that depend on nothing are filed now (unless the
    bundle's fee is still unpaid)."""
    if parent.children.exists():
        return list(parent.children.all())
    if _version(parent).online_level != "full":
        raise Conflict(
            "Dịch vụ liên thông này chưa nhận nộp trực tuyến trọn gói; vui lòng nộp tại Bộ "
            "phận một cửa hoặc nộp riêng từng thủ tục."
        )
    members = _members(parent)
    children = []
    for member in members:
        children.append(_open_member(parent, member))
    _parent_event(
        parent,
        "bundle_opened",
        note="; ".join(f"{m.name} ({m.authority})" if m.authority else m.name for m in members),
        data={"members": {m.key: c.draft_ref for m, c in zip(members, children, strict=True)}},
    )
    _release(parent)
    derive(parent)
    return children


def _open_member(parent: Dossier, member: Any) -> Dossier:
    version = catalog.get_published(member.procedure_code)
    unit = _receiving_unit(parent, member.procedure_code)
    child = Dossier.objects.create(
        draft_ref=f"{parent.draft_ref[:9]}-{member.position:02d}",
        procedure_code=member.procedure_code,
        procedure_version=version.version,
        procedure_name=version.name,
        applicant_id=parent.applicant_id,
        applicant_kind=parent.applicant_kind,
        applicant_name=parent.applicant_name,
        created_by=parent.created_by,
        acting_basis=parent.acting_basis,
        receiving_unit=unit.code,
        receiving_unit_name=unit.name,
        channel=parent.channel,
        parent=parent,
        fee_amount=version.total_fee if member.fee is None else member.fee,
    )
    token = _BUSY.set(True)
    try:
        services._event(
            child,
            "created",
            Status.DRAFT,
            actor=ACTOR,
            acting_for=parent.applicant_id,
            data={"procedure": member.procedure_code, "bundle": parent.reference},
        )
    finally:
        _BUSY.reset(token)
    child.save()
    return child


def _receiving_unit(parent: Dossier, procedure_code: str) -> Any:
    """Where the parent was submitted, when it takes this procedure; else the service centre
    of that province (e.g. a province-level social insurance procedure)."""
    try:
        return services.check_receiving_unit(procedure_code, parent.receiving_unit)
    except InvalidInput:
        province = units.get_agency(parent.receiving_unit).province_id
        return services.check_receiving_unit(procedure_code, f"{province}.tthcc")


def _release(parent: Dossier) -> None:
    """File every waiting member whose dependencies all have results."""
    if parent.payment_status == Dossier.Payment.AWAITING:
        return  # the one fee of the bundle comes first
    history = list(parent.events.order_by("seq"))
    facts = _facts(history)
    stopped = {
        e.data.get("member")
        for e in history
        if e.action in ("member_stopped", "member_blocked")  # blocked: for an official
    }
    children = {c.procedure_code: c for c in parent.children.select_for_update()}
    for member in _members(parent):
        child = children.get(member.procedure_code)
        if child is None or child.status != Status.DRAFT or member.key in stopped:
            continue
        if not all(dep in facts for dep in member.depends_on):
            continue
        first = not member.depends_on
        if first:
            _file_member(parent, child, member, facts)  # a bad bundle fails the submission
            continue
        try:
            with transaction.atomic():
                _file_member(parent, child, member, facts)
            continue
        except DomainError as exc:  # a rule refused this member: say which, keep the others
            logger.info("bundle %s: member %s not released: %s", parent.code, member.key, exc)
            detail = exc.detail
        except Exception:
            # Deliberately broad: a sibling's result is already signed and must never be undone
            # for this member's failure, whatever it is. A bug is logged with its trace and the
            # applicant is told it is the system's fault, not shown its internals.
            logger.exception("bundle %s: member %s not released", parent.code, member.key)
            detail = "Hệ thống gặp lỗi khi chuyển thành phần này; bộ phận kỹ thuật đã được báo."
        _parent_event(
            parent,
            "member_blocked",
            note=f"{member.name}: {detail}"[:2000],
            data={"member": member.key},
        )
        services._tell(
            parent.applicant_id,
            f"Hồ sơ liên thông {parent.code}: chưa chuyển được “{member.name}”",
            f"Thành phần “{member.name}” chưa được chuyển tới cơ quan giải quyết: {detail} "
            "Vui lòng liên hệ Bộ phận một cửa nơi nộp hồ sơ.",
            key=f"bundle-blocked:{child.id}",
            link=f"/lien-thong/ho-so/{parent.code}/",
        )


def _file_member(parent: Dossier, child: Dossier, member: Any, facts: dict[str, Any]) -> None:
    """Fill the member's form from the bundle's form and its dependencies' facts, cite the
    records and files that stand in for its components, and file it to its process."""
    data = _mapped(member.mapping, parent.data, facts)
    prefill = _member_prefill(member, parent, facts)
    version = catalog.get_published(member.procedure_code)
    form = eforms.form_for(member.procedure_code)
    try:
        cleaned = eforms.validate(form, data, prefill)
    except eforms.FormInvalid as exc:
        problems = "; ".join(f"{k}: {v}" for k, v in list(exc.errors.items())[:5])
        raise Conflict(
            f"Tờ khai “{member.name}” điền từ hồ sơ liên thông chưa hợp lệ: {problems}"
        ) from exc
    child.data = cleaned
    child.prefill = prefill.to_json()
    records = _member_components(parent, child, member, prefill, facts, version)
    token = _BUSY.set(True)
    try:
        services._file_in(child, records, version, actor=ACTOR, acting_for=parent.applicant_id)
    finally:
        _BUSY.reset(token)
    if child.payment_status == Dossier.Payment.AWAITING:
        # The bundle's one fee covers its members.
        child.payment_status = Dossier.Payment.NOT_REQUIRED
        child.save(update_fields=["payment_status"])
    _start_workflow(child)
    if member.depends_on:
        _parent_event(
            parent,
            "member_released",
            note=f"{member.name}: {child.code}",
            data={"member": member.key, "dossier": child.code},
        )


def _start_workflow(child: Dossier) -> None:
    # Same layer (process): imported here, as workflow imports dossiers at module level.
    from motcua.workflow import services as workflow

    workflow.start_if_idle(child)


def _mapped(mapping: dict[str, str], data: dict[str, Any], facts: dict[str, Any]) -> dict[str, Any]:
    """The member's form data: each target path from the bundle's data, a literal or a fact;
    targets whose source has no value are left out."""
    out: dict[str, Any] = {}
    for target, source in mapping.items():
        value = _source(source, data, facts)
        if value is None or value == "":
            continue
        _put(out, target, value)
    return out


def _source(source: str, data: dict[str, Any], facts: dict[str, Any]) -> Any:
    if source.startswith("="):
        return source[1:]
    if source.startswith("@"):
        return _walk(facts, source[1:])
    return _walk(data, source)


def _walk(node: Any, path: str) -> Any:
    for part in path.split("."):
        if isinstance(node, dict):
            node = node.get(part)
        else:
            return None
    return node


def _put(out: dict[str, Any], path: str, value: Any) -> None:
    """Set `a.b` or `list[0].b` in `out`."""
    node: Any = out
    parts = path.split(".")
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        if part.endswith("]") and "[" in part:
            name, _, position = part[:-1].partition("[")
            items = node.setdefault(name, [])
            while len(items) <= int(position):
                items.append({})
            if last:
                items[int(position)] = value
            else:
                node = items[int(position)]
        elif last:
            node[part] = value
        else:
            node = node.setdefault(part, {})


def _member_prefill(member: Any, parent: Dossier, facts: dict[str, Any]) -> Any:
    """What the state vouched for in the member's form: the bundle's registry values carried
    to the member's paths, and the records read (the bundle's and the facts')."""
    from dataclasses import replace

    bundle = eforms.Prefill.from_json(parent.prefill or {})
    values = {}
    for target, source in member.mapping.items():
        found = bundle.values.get(source)
        if found is not None:
            values[target] = replace(found)
    records = list(bundle.records)
    for key in member.depends_on:
        records += list(facts.get(key, {}).get("records", []))
    return eforms.Prefill(
        values=values,
        records=records,
        procedure_code=member.procedure_code,
        subject_id=parent.applicant_id,
    )


def _member_components(
    parent: Dossier,
    child: Dossier,
    member: Any,
    prefill: Any,
    facts: dict[str, Any],
    version: Any,
) -> list[ComponentRecord]:
    """For each component of the member: the bundle's file or record mapped to it, else a
    registry record read (the bundle's or a dependency's), else, for a component a registry
    replaces, that registry for the agency to consult about the member's subject."""
    bundle_records = {r.component_position: r for r in parent.records.all()}
    bundle_files: dict[int, list[DossierFile]] = {}
    for stored in parent.files.all():
        bundle_files.setdefault(stored.component_position, []).append(stored)
    by_registry: dict[str, dict[str, Any]] = {}
    for record in reversed(prefill.records):  # a dependency's record wins over the bundle's
        by_registry[record["registry"]] = record
    subject = str(_source(member.subject, parent.data, facts) or parent.applicant_id)
    records: list[ComponentRecord] = []
    missing: list[str] = []
    for component in version.components.all():
        source = member.components.get(str(component.position))
        if source is not None and bundle_files.get(int(source)):
            for stored in bundle_files[int(source)]:
                DossierFile.objects.create(
                    dossier=child,
                    component_position=component.position,
                    name=stored.name,
                    mime=stored.mime,
                    size=stored.size,
                    sha256=stored.sha256,
                    file=stored.file.name,
                    uploaded_by=stored.uploaded_by,
                )
            continue
        cited = bundle_records.get(int(source)) if source is not None else None
        if cited is not None:
            records.append(
                ComponentRecord(
                    dossier=child,
                    component_position=component.position,
                    component_name=component.name,
                    registry=cited.registry,
                    service=cited.service,
                    subject=cited.subject,
                    record_version=cited.record_version,
                )
            )
            continue
        read = by_registry.get(component.replaced_by) if component.replaced_by else None
        if read is not None:
            records.append(
                ComponentRecord(
                    dossier=child,
                    component_position=component.position,
                    component_name=component.name,
                    registry=read["registry"],
                    service=read["service"],
                    subject=read["subject"],
                    record_version=str(read.get("version", "")),
                )
            )
        elif component.replaced_by:
            records.append(
                ComponentRecord(
                    dossier=child,
                    component_position=component.position,
                    component_name=component.name,
                    registry=component.replaced_by,
                    service="",
                    subject=subject[:20],
                    record_version="",
                )
            )
        elif component.required and not component.name.startswith(FORM_PREFIXES):
            missing.append(component.name)
    if missing:
        raise Conflict(
            f"Hồ sơ liên thông thiếu giấy tờ cho “{member.name}”: " + "; ".join(missing) + "."
        )
    return records


# ---------------------------------------------------------------------------- results


def _facts(history: Iterable[DossierEvent]) -> dict[str, dict[str, Any]]:
    """What each member with a result left for the others, from the parent's history."""
    return {
        str(e.data["member"]): dict(e.data.get("facts") or {})
        for e in history
        if e.action == "member_result" and e.data.get("member")
    }


def _member_of(parent: Dossier, child: Dossier) -> Any:
    for member in _members(parent):
        if member.procedure_code == child.procedure_code:
            return member
    raise Conflict(f"Hồ sơ {child.reference} không thuộc dịch vụ liên thông {parent.reference}.")


def _member_result(parent: Dossier, child: Dossier) -> None:
    """A member's result was signed: write its effect into the registry, read back what the
    members after it need, copy the result to its subject's wallet, release the waiting."""
    from motcua.results import services as results  # same layer; results imports dossiers

    member = _member_of(parent, child)
    history = list(parent.events.order_by("seq"))
    facts = _facts(history)
    if member.key in facts:
        return
    document = results.result_of(str(child.code))
    result_data = dict(document.data) if document is not None else {}
    subject = _apply_effect(parent, child, member, result_data, facts)
    own: dict[str, Any] = {
        "result": {
            "document_id": str(document.id) if document else "",
            "title": document.title if document else child.procedure_name,
            "dossier_code": child.code,
        }
    }
    if subject:
        own.update(_read_facts(parent, subject))
    if document is not None and subject and member.copy_to_subject:
        _copy_to_wallet(document, subject)
    _parent_event(
        parent,
        "member_result",
        note=f"{member.name}: {own['result']['title']}",
        data={"member": member.key, "dossier": child.code, "facts": own},
    )
    _release(parent)


# The exchange write service of each member effect; the purpose is the member's procedure.
EFFECT_SERVICES = {
    "register_birth": "population.person.register_birth",
    "register_permanent_residence": "population.person.register_residence",
    "register_death": "population.person.register_death",
    "remove_permanent_residence": "population.person.remove_residence",
}


def _apply_effect(
    parent: Dossier,
    child: Dossier,
    member: Any,
    result: dict[str, Any],
    facts: dict[str, Any],
) -> str:
    """The member's registry write, through the exchange; returns the personal ID its result
    is about."""
    data = child.data or {}
    code = str(child.code)
    subject = _source(member.subject, parent.data, facts) if member.subject else ""
    payload: dict[str, Any]
    if member.effect == "register_birth":
        baby = result.get("child") or data.get("child") or {}
        registration = result.get("registration") or {}
        payload = {
            "registration_no": code,
            "commune_code": str(
                registration.get("commune_code")
                or _walk(data, "registration.authority_commune_code")
                or ""
            ),
            "full_name": str(baby.get("full_name", "")),
            "birth_date": dt.date.fromisoformat(str(baby.get("birth_date"))[:10]),
            "sex": str(baby.get("sex", "")),
            "father_id": str(result.get("father_personal_id", "")),
            "mother_id": str(result.get("mother_personal_id", "")),
        }
    elif not subject or member.effect not in EFFECT_SERVICES:
        return str(subject or "")
    elif member.effect == "register_permanent_residence":
        members = data.get("members") or [{}]
        payload = {
            "personal_id": str(subject),
            "commune_code": str(_walk(data, "new_residence.commune_code") or ""),
            "address": str(_walk(data, "new_residence.address") or ""),
            "registration_no": code,
            "household_of": parent.applicant_id,
            "relation_to_head": str(members[0].get("relation_to_head", "")),
        }
    elif member.effect == "register_death":
        payload = {
            "personal_id": str(subject),
            "death_date": dt.date.fromisoformat(str(_walk(data, "request.death_date"))[:10]),
            "commune_code": str(_walk(data, "request.authority_commune_code") or ""),
            "registration_no": code,
        }
    else:  # remove_permanent_residence
        payload = {"personal_id": str(subject), "registration_no": code}
    written = _write(EFFECT_SERVICES[str(member.effect)], child, payload, parent.applicant_id)
    return written.subject


def exchange_needs() -> Iterable[tuple[str, str, str]]:
    """(consumer, service, purpose) that dossiers, bundles and the counter need: the
    exchange's system check compares them with the data owners' grants."""
    from . import counter

    yield (services.CONSUMER, "population.person.residence", services.PURPOSE_SUGGEST)
    yield (counter.CONSUMER, counter.IDENTITY_SERVICE, counter.PURPOSE_IDENTIFY)
    for version in catalog.published().filter(kind="integrated"):
        members = catalog.members_of(version)
        if any(m.depends_on for m in members):
            for service in [*FACT_SERVICES.values(), FACT_EVENTS]:
                yield (services.CONSUMER, service, PURPOSE)
        for member in members:
            if member.effect in EFFECT_SERVICES:
                service = EFFECT_SERVICES[member.effect]
                yield (services.CONSUMER, service, f"thu-tuc:{member.procedure_code}")


def _write(service: str, child: Dossier, payload: dict[str, Any], applicant_id: str) -> Any:
    from motcua.exchange import services as exchange

    return exchange.write(
        services.CONSUMER,
        service,
        f"thu-tuc:{child.procedure_code}",
        payload,
        requester=f"citizen:{applicant_id}",
        dossier=str(child.code),
    )


def _read_facts(parent: Dossier, subject: str) -> dict[str, Any]:
    """The member's subject as the registries now say, through the exchange (logged)."""
    from motcua.exchange import services as exchange

    out: dict[str, Any] = {"records": []}
    for name, service in FACT_SERVICES.items():
        try:
            found = _call(service, subject, parent)
        except exchange.AccessDenied:
            # Without the owner's grant the next members are filled from the bundle's form
            # alone; the refusal is in the signed log. Never grant ourselves access.
            logger.warning("bundle %s: %s refused by the exchange", parent.code, service)
            continue
        except NotFound:
            continue
        out[name] = {k: v for k, v in found.data.items() if k != "version"}
        out["records"].append(_record(found))
    try:
        events = _call(FACT_EVENTS, subject, parent)
        out["records"].append(_record(events))
    except NotFound:  # no civil status event yet is normal
        logger.debug("no civil status events for %s", subject)
    except exchange.AccessDenied:  # as above: the next members come from the form alone
        logger.warning("bundle %s: %s refused by the exchange", parent.code, FACT_EVENTS)
    return out


def _call(service: str, subject: str, parent: Dossier) -> Any:
    from motcua.exchange import services as exchange

    return exchange.call(
        services.CONSUMER,
        service,
        PURPOSE,
        subject,
        requester=f"citizen:{parent.applicant_id}",
        dossier=str(parent.code or parent.draft_ref),
    )


def _record(found: Any) -> dict[str, Any]:
    version = found.data.get("version")
    if version is None and isinstance(found.data.get("events"), list):
        versions = [e.get("version") for e in found.data["events"] if isinstance(e, dict)]
        version = max((v for v in versions if isinstance(v, int)), default=None)
    return {
        "registry": found.registry,
        "service": found.service,
        "subject": found.subject,
        "version": version,
        "log_chain": found.log_chain,
        "log_seq": found.log_seq,
    }


def _copy_to_wallet(document: Any, owner_id: str) -> None:
    from motcua.wallet import services as wallet

    with document.file.open("rb") as handle:
        content = handle.read()
    wallet.add_document(
        owner_id=owner_id,
        title=document.title,
        issuer_name=document.issuer,
        issuer_code=document.issuer_code,
        issued_on=timezone.localtime(document.issued_at).date(),
        content=content,
        filename=f"{document.template_code}-{document.dossier_code}.pdf",
        key=f"result:{document.id}:{owner_id}",
        actor=ACTOR,
        content_type="application/pdf",
        data=dict(document.data),
    )


# ---------------------------------------------------------------------------- refusals


def _dependents(members: list[Any], key: str) -> list[Any]:
    """Members that need `key`'s result, directly or through another member."""
    blocked = {key}
    found = []
    for member in members:  # members come in dependency order
        if blocked & set(member.depends_on):
            blocked.add(member.key)
            found.append(member)
    return found


def _member_ended(parent: Dossier, child: Dossier, event: DossierEvent) -> None:
    """A member was refused (or withdrawn): stop the members that need its result, tell the
    person which part failed and what to do; independent members go on."""
    member = _member_of(parent, child)
    reason = event.note or "không nêu lý do"
    members = _members(parent)
    stopped = []
    token = _BUSY.set(True)
    try:
        for dependent in _dependents(members, member.key):
            waiting = parent.children.select_for_update().filter(
                procedure_code=dependent.procedure_code, status=Status.DRAFT
            )
            for other in waiting:
                note = f"Dừng vì “{member.name}” không có kết quả: {reason}"[:2000]
                services._event(other, "stopped", Status.WITHDRAWN, actor=ACTOR, note=note)
                other.finished_at = timezone.now()
                other.save()
                _parent_event(parent, "member_stopped", note=note, data={"member": dependent.key})
                stopped.append(dependent.name)
    finally:
        _BUSY.reset(token)
    verb = "bị từ chối" if event.action == "refused" else "đã rút"
    _parent_event(
        parent,
        "member_refused",
        note=f"{member.name} {verb}: {reason}"[:2000],
        data={"member": member.key, "dossier": child.code, "stopped": stopped},
    )
    going = [m.name for m in members if m.key != member.key and m.name not in stopped]
    body = f"Thành phần “{member.name}” (hồ sơ {child.code}) {verb}. Lý do: {reason}."
    if stopped:
        body += (
            " Các thành phần cần kết quả của thành phần này đã dừng: " + ", ".join(stopped) + "."
        )
    if going:
        body += " Các thành phần vẫn được giải quyết: " + ", ".join(going) + "."
    body += (
        f" Việc cần làm: khắc phục theo lý do trên rồi nộp lại “{member.name}”"
        + (" cùng các thành phần đã dừng" if stopped else "")
        + " (nộp lại dịch vụ liên thông hoặc từng thủ tục)."
    )
    services._tell(
        parent.applicant_id,
        f"Hồ sơ liên thông {parent.code}: “{member.name}” {verb}",
        body,
        key=f"bundle-refused:{child.id}",
        link=f"/lien-thong/ho-so/{parent.code}/",
    )


def _withdraw_members(parent: Dossier, event: DossierEvent) -> None:
    """The person withdrew the whole application: every member not yet decided goes too."""
    note = f"Rút cùng hồ sơ liên thông {parent.reference}. {event.note}".strip()[:2000]
    token = _BUSY.set(True)
    try:
        for other in parent.children.select_for_update():
            if Status.WITHDRAWN not in services.TRANSITIONS[Status(other.status)]:
                continue  # decided (or ended) already: its result stands
            action = "stopped" if other.status == Status.DRAFT else "withdrawn"
            services._event(
                other,
                action,
                Status.WITHDRAWN,
                actor=event.actor,
                acting_for=event.acting_for,
                note=note,
            )
            other.finished_at = timezone.now()
            other.save()
    finally:
        _BUSY.reset(token)


# ---------------------------------------------------------------------------- the parent


def _parent_event(
    parent: Dossier,
    action: str,
    *,
    note: str = "",
    data: dict[str, Any] | None = None,
    to_status: str | None = None,
) -> DossierEvent:
    """A history row of the parent. Its status is derived from its children, not moved by
    the lifecycle's transitions; the row records the status it leaves the parent in."""
    last = parent.events.order_by("-seq").values_list("seq", flat=True).first() or 0
    from_status = parent.status
    event = DossierEvent.objects.create(
        dossier=parent,
        seq=last + 1,
        action=action,
        from_status=from_status,
        to_status=to_status or from_status,
        actor=ACTOR,
        acting_for=parent.applicant_id,
        at=timezone.now(),
        note=note,
        data=data or {},
    )
    audit.record(
        actor=ACTOR,
        acting_for=parent.applicant_id,
        action=f"dossier.{action}",
        target_type="dossier",
        target_id=str(parent.id),
        purpose=f"thu-tuc:{parent.procedure_code}",
        data={"reference": parent.reference, "from": from_status, "to": event.to_status},
    )
    outbox.enqueue(
        f"dossier.{action}",
        f"dossier.{action}:{parent.id}:{event.seq}",
        {"dossier": str(parent.id), "reference": parent.reference, "status": event.to_status},
    )
    return event


def derived_status(children: list[Dossier]) -> str:
    """The parent's status from its children's."""
    live = [c for c in children if c.status not in ENDED]
    if not live:
        refused = any(c.status == Status.REFUSED for c in children)
        return Status.REFUSED if refused else Status.WITHDRAWN
    statuses = {c.status for c in live}
    if statuses == {Status.RETURNED}:
        return Status.RETURNED
    if statuses <= {Status.RESULT_READY, Status.RETURNED}:
        return Status.RESULT_READY
    if Status.SUPPLEMENT_REQUESTED in statuses:
        return Status.SUPPLEMENT_REQUESTED
    if statuses & {Status.PROCESSING, Status.PAUSED, Status.RESULT_READY, Status.RETURNED}:
        return Status.PROCESSING
    if Status.RECEIVED in statuses:
        return Status.RECEIVED
    return Status.SUBMITTED


def derived_due_date(parent: Dossier, children: list[Dossier]) -> dt.date | None:
    """The latest due date of the live members; a waiting member counts its processing days
    from the latest due date of what it waits for."""
    calendar = default_calendar()
    by_code = {c.procedure_code: c for c in children}
    due: dict[str, dt.date] = {}
    latest: dt.date | None = None
    for member in _members(parent):
        child = by_code.get(member.procedure_code)
        if child is None or child.status in ENDED:
            continue
        day = child.due_date or child.appointment_date
        if day is None:
            start = max((due[d] for d in member.depends_on if d in due), default=None)
            days = catalog.get_published(member.procedure_code).processing_days
            day = calendar.add_working_days(start or timezone.now(), days)
        due[member.key] = day
        latest = day if latest is None or day > latest else latest
    return latest


def derive(parent: Dossier, *, current: Dossier | None = None) -> Dossier:
    """Bring the parent's status and due date in line with its children (`current`: a child
    whose change is not saved yet, as the listener sees it)."""
    children = [
        current if current is not None and c.pk == current.pk else c for c in parent.children.all()
    ]
    if not children:
        return parent
    status = derived_status(children)
    due = derived_due_date(parent, children)
    changed = []
    if due != parent.due_date:
        parent.due_date = due
        changed.append("due_date")
    if status != parent.status:
        if parent.received_at is None and status != Status.SUBMITTED:
            parent.received_at = timezone.now()
            changed.append("received_at")
        if status in (Status.RETURNED, Status.REFUSED, Status.WITHDRAWN):
            parent.finished_at = timezone.now()
            changed.append("finished_at")
        _parent_event(
            parent,
            "status_derived",
            to_status=status,
            note=Status(status).label,
            data={"children": {c.reference: c.status for c in children}},
        )
        parent.status = status
        changed.append("status")
        if status in (Status.RESULT_READY, Status.RETURNED):
            services._tell(
                parent.applicant_id,
                f"Hồ sơ liên thông {parent.code} đã có kết quả",
                f"Các thủ tục của “{parent.procedure_name}” đã có kết quả; bản điện tử có "
                "trong Kho dữ liệu (ví giấy tờ) của bạn.",
                key=f"bundle-done:{parent.id}:{status}",
                link=f"/lien-thong/ho-so/{parent.code}/",
            )
    if changed:
        parent.save(update_fields=[*changed, "updated_at"])
    return parent


# ---------------------------------------------------------------------------- the receipt


def receipt_pdf(parent: Dossier) -> bytes:
    """One receipt for the whole application: the bundle's code and date, and each member
    with the agency that decides it and its own dossier code once filed."""
    from motcua.core.pdf import render_document

    from .receipt import lookup_url

    if not parent.code or not parent.submitted_at:
        raise ValueError("only a submitted application has a receipt")
    bundle = view(parent)
    due = parent.due_date or parent.appointment_date
    rows = [
        ("Mã hồ sơ liên thông", str(parent.code)),
        ("Mã tra cứu", parent.lookup_secret),
        ("Dịch vụ", f"{parent.procedure_name} ({parent.procedure_code})"),
        ("Người nộp", f"{parent.applicant_name} — {parent.applicant_id}"),
        ("Nơi tiếp nhận", parent.receiving_unit_name),
        ("Thời điểm nộp", format_datetime(parent.submitted_at)),
        ("Ngày hẹn trả kết quả (dự kiến)", format_date(due)),
        (
            "Phí, lệ phí",
            format_money(parent.fee_amount) if parent.fee_amount else "Không thu",
        ),
    ]
    for m in bundle.members:
        where = m.authority or (m.dossier.receiving_unit_name if m.dossier else "")
        code = m.dossier.code if m.dossier and m.dossier.code else "chuyển khi có kết quả trước"
        rows.append((f"Thành phần: {m.name}", f"{where} — mã hồ sơ: {code}"))
    return render_document(
        title="GIẤY TIẾP NHẬN HỒ SƠ LIÊN THÔNG VÀ HẸN TRẢ KẾT QUẢ",
        subtitle=f"Mã hồ sơ: {parent.code}",
        issuer=parent.receiving_unit_name,
        rows=rows,
        paragraphs=[
            "Một tờ khai, một lần nộp cho các thủ tục trên. Thủ tục sau được chuyển tới cơ quan "
            "giải quyết khi thủ tục trước có kết quả, không phải khai lại. Tra cứu tình trạng "
            "bằng mã hồ sơ và mã tra cứu, hoặc quét mã QR."
        ],
        qr_payload=lookup_url(parent),
        footer="MotCua — Cổng dịch vụ công một cửa",
        metadata={"title": f"Giấy tiếp nhận {parent.code}", "author": parent.receiving_unit_name},
    )
