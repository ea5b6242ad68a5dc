"""The exchange's public functions. `call` is THE policy path for reading a registry and
`write` the one for changing it: the HTTP API and other apps in-process go through them.

    grant → purpose → consent (sensitive services) → fetch → log → return
    grant → purpose → write (registry, idempotent) → log → return

Grants come only from the data owners' declared file (grants.toml, `load_grants`); every log
entry names on whose behalf (`requester`) and for which dossier the call was made.

A denied call raises AccessDenied (reason no-grant, wrong-purpose or no-consent) after it is
logged; it returns no data. Consent and grant changes are also written to the audit log; calls
are recorded only in the message log (see README.md)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from motcua.audit import services as audit
from motcua.core.errors import Conflict, InvalidInput, NotFound
from motcua.registries import modules as registry_modules

from . import log, policy
from .errors import AccessDenied, SubjectNotFound, UnknownService
from .models import (
    Consent,
    Consumer,
    DataService,
    Grant,
    LogAnchor,
    MessageLogEntry,
    UsedAssertion,
)


@dataclass(frozen=True)
class CallResult:
    """What a consumer gets back: the data, its source and the log entry that records it."""

    service: str
    registry: str
    subject: str
    data: dict[str, Any]
    log_chain: int
    log_seq: int
    response_hash: str


@dataclass(frozen=True)
class WriteResult:
    """What a write left: whose record, at which version, whether it changed now, and the
    log entry that records it."""

    service: str
    registry: str
    subject: str
    version: int
    created: bool
    log_chain: int
    log_seq: int


def sync_services(using: str = "default") -> int:
    """Mirror the registry modules' data-service declarations (reads and writes) into
    DataService rows."""
    count = 0
    for spec in registry_modules.all_services():
        DataService.objects.using(using).update_or_create(
            code=spec.id,
            defaults={
                "registry": spec.id.split(".", 1)[0],
                "name": spec.name,
                "sensitive": spec.sensitive,
                "attributes": list(spec.attributes),
                "subject_kind": spec.subject,
                "kind": "read",
            },
        )
        count += 1
    for write_spec in registry_modules.all_writes():
        DataService.objects.using(using).update_or_create(
            code=write_spec.id,
            defaults={
                "registry": write_spec.id.split(".", 1)[0],
                "name": write_spec.name,
                "sensitive": False,
                "attributes": [],
                "subject_kind": write_spec.subject,
                "kind": "write",
            },
        )
        count += 1
    return count


def _consumer(consumer: Consumer | str) -> Consumer:
    if isinstance(consumer, Consumer):
        return consumer
    try:
        return Consumer.objects.get(code=consumer, active=True)
    except Consumer.DoesNotExist:
        raise NotFound(f"Không có đơn vị khai thác {consumer}.") from None


def _service(code: str) -> DataService:
    try:
        return DataService.objects.get(code=code, active=True)
    except DataService.DoesNotExist:
        raise UnknownService(f"Không có dịch vụ dữ liệu {code}.") from None


_CONSENT_SQL = (
    "EXISTS (SELECT 1 FROM exchange_consent WHERE personal_id = %s AND purpose = %s"
    " AND revoked_at IS NULL AND (consumer_id IS NULL OR consumer_id = %s)"
    " AND (service_id IS NULL OR service_id = %s))"
)
# How many times a call is decided again when the policy changes while it is decided.
_DECISION_TRIES = 5
T = TypeVar("T")


def call(
    consumer: Consumer | str,
    service: str,
    purpose: str,
    subject: str,
    *,
    requester: str = "",
    dossier: str = "",
    acting_for: str = "",
) -> CallResult:
    """Read `service` about `subject` for `purpose` on behalf of `consumer`, if policy allows.
    `requester` says on whose behalf (citizen:<id>, official:<id>; a bare personal ID in
    `acting_for` means citizen:<id>) and `dossier` for which dossier: both are signed into the
    log entry and shown to the subject in their access history.

    Consumers, services and grants come from the process's policy cache (policy.py); consent
    is read from the database. The log entry that allows the call is inserted only if, at
    that moment, the policy is still the one the call was decided with and (sensitive
    services) the consent still stands; otherwise the call is decided again. When nothing
    changed: two round trips (registry fetch, log INSERT), three with a consent check."""
    if not purpose or not subject or len(subject) > 20 or len(purpose) > 100:
        raise InvalidInput("Cần mục đích (purpose) và chủ thể (subject) hợp lệ.")
    code = consumer.code if isinstance(consumer, Consumer) else consumer
    who = _requester(requester, acting_for)
    return _under_policy(
        lambda current: _decide(current, code, service, purpose, subject, who, dossier[:40])
    )


def _under_policy(decide: Callable[[policy.Policy], T]) -> T:
    """Decide under the cached policy, and again under a fresh one when the policy changed
    while deciding (or the log's guard found it changed at the insert)."""
    current = policy.current()
    for _ in range(_DECISION_TRIES):
        try:
            return decide(current)
        except (policy.PolicyChanged, log.GuardFailed):
            current = policy.refresh()
    raise Conflict("Chính sách khai thác đang thay đổi; hãy gọi lại.")


def _refusal(current: policy.Policy, who: Any, svc: Any, purpose: str) -> str:
    """Why the consumer's grants do not cover this service for this purpose ("" if they do)."""
    now = timezone.now()
    grants = [g for g in current.grants_for(who, svc) if g.valid_at(now)]
    if not grants:
        return "no-grant"
    if not any(purpose in grant.purposes for grant in grants):
        return "wrong-purpose"
    return ""


def _requester(requester: str, acting_for: str = "") -> str:
    """`citizen:<id>`, `official:<id>`, `system:<name>`…; a bare ID is a citizen's."""
    value = (requester or acting_for or "").strip()
    if value and ":" not in value:
        value = f"citizen:{value}"
    if len(value) > 60:
        raise InvalidInput("Người yêu cầu (requester) không hợp lệ.", param="requester")
    return value


def _decide(
    current: policy.Policy,
    code: str,
    service: str,
    purpose: str,
    subject: str,
    requester: str,
    dossier: str,
) -> CallResult:
    who = current.consumer(code)
    if who is None:
        current.confirm()  # a cached "no such consumer" may be out of date
        raise NotFound(f"Không có đơn vị khai thác {code}.")
    svc = current.service(service)
    if svc is None:
        current.confirm()
        raise UnknownService(f"Không có dịch vụ dữ liệu {service}.")
    request_hash = log.digest(
        {
            "consumer": who.code,
            "service": svc.code,
            "purpose": purpose,
            "subject": subject,
            "requester": requester,
            "dossier": dossier,
        }
    )
    guard = current.guard()

    def write(outcome: str, response_hash: str, condition: tuple[str, list[Any]]) -> Any:
        return log.append(
            consumer=who.code,
            service=svc.code,
            purpose=purpose,
            subject=subject,
            outcome=outcome,
            request_hash=request_hash,
            response_hash=response_hash,
            requester=requester,
            dossier=dossier,
            guard=condition,
        )

    if svc.kind != "read":
        current.confirm()
        raise UnknownService(f"{svc.code} là dịch vụ cập nhật dữ liệu, không phải dịch vụ đọc.")

    reason = _refusal(current, who, svc, purpose)
    if reason:
        write(f"denied:{reason}", log.digest(None), guard)
        raise AccessDenied(
            reason,
            f"Đơn vị {who.code} không có quyền khai thác dịch vụ {svc.code}."
            if reason == "no-grant"
            else f"Quyền khai thác dịch vụ {svc.code} không bao gồm mục đích {purpose}.",
        )
    if svc.sensitive:
        if not _has_consent(subject, who.pk, svc.pk, purpose):
            write("denied:no-consent", log.digest(None), guard)
            raise AccessDenied(
                "no-consent",
                f"Chủ thể dữ liệu chưa đồng ý cho {who.code} khai thác {svc.code} "
                f"với mục đích {purpose}.",
            )
        # The consent must still stand when the allowing entry is written.
        guard = (
            f"{guard[0]} AND {_CONSENT_SQL}",
            [*guard[1], subject, purpose, who.pk, svc.pk],
        )
    data = registry_modules.service(svc.code).fetch(subject)
    response_hash = log.digest(data)
    entry = write("allowed" if data is not None else "not-found", response_hash, guard)
    if data is None:
        raise SubjectNotFound(f"Dịch vụ {svc.code} không có dữ liệu về chủ thể này.")
    return CallResult(
        service=svc.code,
        registry=svc.registry,
        subject=subject,
        data=data,
        log_chain=entry.chain,
        log_seq=entry.seq,
        response_hash=response_hash,
    )


def _has_consent(subject: str, consumer_pk: int, service_pk: int, purpose: str) -> bool:
    """Checked against the database on every call: a revoke counts as soon as it commits."""
    return (
        Consent.objects.filter(personal_id=subject, purpose=purpose, revoked_at__isnull=True)
        .filter(Q(consumer__isnull=True) | Q(consumer_id=consumer_pk))
        .filter(Q(service__isnull=True) | Q(service_id=service_pk))
        .exists()
    )


# --- writes ----------------------------------------------------------------------------------
def write(
    consumer: Consumer | str,
    service: str,
    purpose: str,
    payload: dict[str, Any],
    *,
    requester: str,
    dossier: str = "",
) -> WriteResult:
    """Change a registry through its write service `service` for `purpose`, if the consumer
    holds a write grant for it: the change and the signed log entry that records it commit
    together (in the caller's transaction), or neither does. A refusal is logged and raises
    AccessDenied; the registry is untouched. Idempotent as the registry's write is (by its
    registration number)."""
    if not purpose or len(purpose) > 100 or not isinstance(payload, dict):
        raise InvalidInput("Cần mục đích (purpose) và dữ liệu cập nhật hợp lệ.")
    code = consumer.code if isinstance(consumer, Consumer) else consumer
    who = _requester(requester)
    return _under_policy(
        lambda current: _decide_write(current, code, service, purpose, payload, who, dossier[:40])
    )


def _decide_write(
    current: policy.Policy,
    code: str,
    service: str,
    purpose: str,
    payload: dict[str, Any],
    requester: str,
    dossier: str,
) -> WriteResult:
    who = current.consumer(code)
    if who is None:
        current.confirm()
        raise NotFound(f"Không có đơn vị khai thác {code}.")
    svc = current.service(service)
    if svc is None or svc.kind != "write":
        current.confirm()
        raise UnknownService(f"Không có dịch vụ cập nhật dữ liệu {service}.")
    subject = str(payload.get("personal_id") or "")[:20]
    request_hash = log.digest(
        {"consumer": who.code, "service": svc.code, "purpose": purpose, "payload": payload}
    )
    guard = current.guard()

    def entry(outcome: str, subject: str, response_hash: str) -> Any:
        return log.append(
            consumer=who.code,
            service=svc.code,
            purpose=purpose,
            subject=subject,
            outcome=outcome,
            request_hash=request_hash,
            response_hash=response_hash,
            requester=requester,
            dossier=dossier,
            guard=guard,
        )

    reason = _refusal(current, who, svc, purpose)
    if reason:
        entry(f"denied:{reason}", subject, log.digest(None))
        raise AccessDenied(
            reason,
            f"Đơn vị {who.code} không có quyền cập nhật dữ liệu qua dịch vụ {svc.code} "
            f"với mục đích {purpose}.",
        )
    spec = registry_modules.writer(svc.code)
    # The write and its log entry commit together: a refused log entry (policy changed)
    # undoes the write before the call is decided again.
    with transaction.atomic():
        try:
            written = spec.apply(**payload, actor=f"exchange:{who.code}")
        except TypeError as exc:
            raise InvalidInput(f"Dữ liệu cập nhật không đúng dịch vụ {svc.code}.") from exc
        answer = {
            "personal_id": written.personal_id,
            "version": written.version,
            "created": written.created,
        }
        logged = entry(
            "written" if written.created else "unchanged",
            written.personal_id[:20],
            log.digest(answer),
        )
    return WriteResult(
        service=svc.code,
        registry=svc.registry,
        subject=written.personal_id,
        version=written.version,
        created=written.created,
        log_chain=logged.chain,
        log_seq=logged.seq,
    )


# --- consumers and grants --------------------------------------------------------------------
@transaction.atomic
def register_consumer(
    code: str,
    name: str,
    public_jwk: dict[str, Any] | None = None,
    kind: str = Consumer.Kind.SYSTEM,
    agency_code: str = "",
    *,
    actor: str,
) -> Consumer:
    if public_jwk and ("d" in public_jwk or "k" in public_jwk):
        raise InvalidInput("Chỉ lưu khóa công khai của đơn vị khai thác, không lưu khóa bí mật.")
    consumer, _ = Consumer.objects.update_or_create(
        code=code,
        defaults={
            "name": name,
            "public_jwk": public_jwk or {},
            "kind": kind,
            "agency_code": agency_code,
            "active": True,
        },
    )
    audit.record(
        actor=actor, action="exchange.consumer_registered", target_type="consumer", target_id=code
    )
    return consumer


@transaction.atomic
def grant_access(
    consumer: Consumer | str,
    service: str,
    purposes: list[str],
    *,
    actor: str,
    valid_until: dt.datetime | None = None,
) -> Grant:
    if not purposes or any(not p or len(p) > 100 for p in purposes):
        raise InvalidInput("Quyền khai thác phải nêu ít nhất một mục đích.")
    grant = Grant.objects.create(
        consumer=_consumer(consumer),
        service=_service(service),
        purposes=list(purposes),
        valid_until=valid_until,
        created_by=actor,
    )
    audit.record(
        actor=actor,
        action="exchange.grant_created",
        target_type="grant",
        target_id=str(grant.pk),
        data={"consumer": grant.consumer.code, "service": service, "purposes": purposes},
    )
    return grant


@transaction.atomic
def revoke_grant(grant_id: int, *, actor: str) -> Grant:
    grant = Grant.objects.select_for_update().filter(pk=grant_id).first()
    if grant is None:
        raise NotFound(f"Không có quyền khai thác #{grant_id}.")
    if grant.revoked_at is None:
        grant.revoked_at = timezone.now()
        grant.save(update_fields=["revoked_at"])
        audit.record(
            actor=actor,
            action="exchange.grant_revoked",
            target_type="grant",
            target_id=str(grant_id),
        )
    return grant


# --- consent ---------------------------------------------------------------------------------
@transaction.atomic
def grant_consent(
    personal_id: str,
    purpose: str,
    *,
    consumer: str | None = None,
    service: str | None = None,
    recorded_by: str = "",
    evidence: dict[str, Any] | None = None,
) -> Consent:
    """The person consents that `consumer` (any, when None) reads `service` (any sensitive
    one, when None) for `purpose`. When an official records a consent the person gave them
    (`recorded_by`, `evidence` of the person's act), the audit names the official as actor
    and the person as the one acted for."""
    if not (len(personal_id) == 12 and personal_id.isdigit()):
        raise InvalidInput("Số định danh cá nhân gồm 12 chữ số.", param="personal_id")
    if not purpose or len(purpose) > 100:
        raise InvalidInput("Cần nêu mục đích.", param="purpose")
    consent = Consent.objects.create(
        personal_id=personal_id,
        purpose=purpose,
        consumer=_consumer(consumer) if consumer else None,
        service=_service(service) if service else None,
    )
    data: dict[str, Any] = {"consumer": consumer or "*", "service": service or "*"}
    if recorded_by:
        data["evidence"] = evidence or {}
    audit.record(
        actor=recorded_by or f"citizen:{personal_id}",
        acting_for=personal_id if recorded_by else "",
        action="exchange.consent_granted",
        target_type="consent",
        target_id=str(consent.pk),
        purpose=purpose,
        data=data,
    )
    return consent


@transaction.atomic
def revoke_consent(personal_id: str, consent_id: int) -> Consent:
    consent = (
        Consent.objects.select_for_update().filter(pk=consent_id, personal_id=personal_id).first()
    )
    if consent is None:
        raise NotFound(f"Không có sự đồng ý #{consent_id}.")
    if consent.revoked_at is None:
        consent.revoked_at = timezone.now()
        consent.save(update_fields=["revoked_at"])
        audit.record(
            actor=f"citizen:{personal_id}",
            action="exchange.consent_revoked",
            target_type="consent",
            target_id=str(consent_id),
            purpose=consent.purpose,
        )
    return consent


# --- client assertions -----------------------------------------------------------------------
def use_assertion(consumer: str, jti: str, expires_at: dt.datetime) -> bool:
    """Record a client assertion's jti; False when it was already used (a replay)."""
    try:
        with transaction.atomic():
            UsedAssertion.objects.create(consumer=consumer, jti=jti, expires_at=expires_at)
    except IntegrityError:
        return False
    return True


def purge_used_assertions() -> int:
    """Forget jtis of assertions that have expired (they can no longer be replayed)."""
    deleted, _ = UsedAssertion.objects.filter(expires_at__lt=timezone.now()).delete()
    return deleted


@transaction.atomic
def anchor_log(actor: str = "system:exchange_anchor") -> LogAnchor:
    """Anchor every chain's head (signed), with a copy in the audit log: run periodically
    (`manage.py exchange_anchor`), so that verification sees a chain that lost its tail."""
    anchor = log.anchor()
    audit.record(
        actor=actor,
        action="exchange.log_anchored",
        target_type="log_anchor",
        target_id=anchor.hash,
        data={"heads": anchor.heads, "signature": anchor.signature, "key_id": anchor.key_id},
    )
    return anchor


def log_entry_count() -> int:
    return MessageLogEntry.objects.count()


def load_grants(path: Any = None, *, actor: str) -> Any:
    """Apply the data owners' declared grants file (grants.toml by default): the only way
    grants are made outside the admin. Idempotent per version (see grants.py)."""
    from . import grants

    return grants.load(path, actor=actor)
