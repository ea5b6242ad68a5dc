"""The dossier lifecycle (DESIGN.md): every write goes through here and records, in one
transaction, the change, its history row, its audit entry and its outbox event."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from motcua.audit import services as audit
from motcua.catalog import selectors as catalog
from motcua.core import uploads
from motcua.core.calendar import VN_TZ, default_calendar
from motcua.core.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from motcua.eforms import services as eforms
from motcua.identity.errors import StepUpRequired
from motcua.notify import services as outbox
from motcua.units import selectors as units

from . import signals
from .errors import (
    ComponentTakesNoFile,
    ConflictOfInterest,
    DossierNotEditable,
    DossierNotFound,
    IdempotencyKeyReused,
    IllegalTransition,
    MissingComponents,
    PaymentRequired,
)
from .models import (
    CodeSequence,
    ComponentRecord,
    Dossier,
    DossierEvent,
    DossierFile,
    PartyConfirmation,
    Rating,
    Status,
    SubmitKey,
    SupplementRequest,
)

logger = logging.getLogger(__name__)

# Which status may follow which (DESIGN.md, "The dossier lifecycle").
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.DRAFT: frozenset({Status.SUBMITTED, Status.WITHDRAWN}),
    Status.SUBMITTED: frozenset(
        {Status.SUPPLEMENT_REQUESTED, Status.REFUSED, Status.RECEIVED, Status.WITHDRAWN}
    ),
    Status.SUPPLEMENT_REQUESTED: frozenset({Status.SUBMITTED, Status.REFUSED, Status.WITHDRAWN}),
    Status.RECEIVED: frozenset({Status.PROCESSING, Status.PAUSED, Status.WITHDRAWN}),
    Status.PROCESSING: frozenset({Status.PAUSED, Status.RESULT_READY, Status.WITHDRAWN}),
    Status.PAUSED: frozenset({Status.PROCESSING, Status.RECEIVED, Status.WITHDRAWN}),
    Status.RESULT_READY: frozenset({Status.RETURNED}),
    Status.REFUSED: frozenset(),
    Status.RETURNED: frozenset(),
    Status.WITHDRAWN: frozenset(),
}
EDITABLE = frozenset({Status.DRAFT})
# Actions recorded in the history that do not change the status.
SAME_STATUS_ACTIONS = frozenset({"created", "paid", "forwarded"})
# A component whose name starts so is the declaration itself: the e-form fills it (the
# catalog marks such components `is_form` when the import names none).
FORM_COMPONENT_PREFIX = "Tờ khai"
MAX_DATA_BYTES = 200_000
SECRET_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # noqa: S105 - letters, not a secret


# The procedure's clock rule on a supplement ("resume" or "restart"), given by the workflow.
_clock_rule: Callable[[Dossier], str] | None = None


def on_clock_rule(rule: Callable[[Dossier], str]) -> Callable[[Dossier], str]:
    global _clock_rule
    _clock_rule = rule
    return rule


@dataclass(frozen=True)
class Applicant:
    """Who a dossier is for and who acts: `subject_id` applies (the person or enterprise the
    dossier is about), `actor_id` is the person logged in (the same unless acting for)."""

    subject_id: str
    actor_id: str
    kind: str = "person"
    name: str = ""
    basis: str = ""
    mandate_scope: tuple[str, ...] = ()
    level: int = 2  # identity assurance level of the session

    @property
    def acting_for(self) -> str:
        return self.subject_id if self.actor_id != self.subject_id else ""

    def allows_procedure(self, code: str) -> bool:
        return not self.mandate_scope or "*" in self.mandate_scope or code in self.mandate_scope


# ---------------------------------------------------------------------------- reading


def get_for(applicant: Applicant, reference: str, *, lock: bool = False) -> Dossier:
    """The applicant's dossier by code or draft reference; someone else's is "not found".
    `lock`: read it with a row lock, inside the caller's transaction."""
    rows = Dossier.objects.filter(applicant_id=applicant.subject_id).filter(
        _by_reference(reference)
    )
    dossier = (rows.select_for_update() if lock else rows).first()
    if dossier is None or not applicant.allows_procedure(dossier.procedure_code):
        raise DossierNotFound(f"Không tìm thấy hồ sơ {reference[:60]}.")
    return dossier


def _by_reference(reference: str) -> Any:
    from django.db.models import Q

    return Q(code=reference) | Q(draft_ref=reference)


def get_by_code(code: str) -> Dossier:
    """A submitted dossier by its national code, for the office side (callers check the
    official's unit and role first)."""
    dossier = Dossier.objects.filter(code=code).first()
    if dossier is None:
        raise DossierNotFound(f"Không tìm thấy hồ sơ {code[:60]}.")
    return dossier


def mine_query(applicant: Applicant, status: str | None = None) -> QuerySet[Dossier]:
    """The applicant's dossiers, newest first (those of the procedures a mandate covers),
    optionally of one status: a query, for the caller to count and page."""
    dossiers = Dossier.objects.filter(applicant_id=applicant.subject_id)
    if applicant.mandate_scope and "*" not in applicant.mandate_scope:
        dossiers = dossiers.filter(procedure_code__in=applicant.mandate_scope)
    if status:
        dossiers = dossiers.filter(status=status)
    return dossiers.order_by("-created_at", "-id")


def mine(applicant: Applicant) -> list[Dossier]:
    """The applicant's 200 newest dossiers (pages; the API pages through all of them)."""
    return list(mine_query(applicant)[:200])


def public_status(code: str, secret: str) -> Dossier:
    """Status-only lookup with the secret printed on the receipt; no personal data leaves."""
    dossier = Dossier.objects.filter(code=code).first()
    if (
        dossier is None
        or not dossier.lookup_secret
        # constant_time_compare compares bytes: hmac.compare_digest raises on non-ASCII str
        or not constant_time_compare(dossier.lookup_secret, secret.strip().upper())
    ):
        raise DossierNotFound("Mã hồ sơ hoặc mã tra cứu không đúng.")
    return dossier


def replay_status(dossier: Dossier) -> str:
    """The status the history says; must equal `dossier.status`."""
    last = dossier.events.order_by("-seq").first()
    return last.to_status if last else Status.DRAFT


def timeline(dossier: Dossier) -> list[DossierEvent]:
    return list(dossier.events.order_by("seq"))


def next_step(dossier: Dossier) -> str:
    """What the applicant should expect or do next, in one sentence."""
    if (
        dossier.status == Status.DRAFT
        and dossier.submit_requested_at
        and dossier.parties.filter(state=PartyConfirmation.State.PENDING).exists()
    ):
        return "Chờ bên còn lại xác nhận trên tài khoản định danh của mình."
    if dossier.payment_status == Dossier.Payment.AWAITING and dossier.status in (
        Status.SUBMITTED,
        Status.SUPPLEMENT_REQUESTED,
    ):
        return "Nộp phí, lệ phí để hồ sơ được tiếp nhận."
    return {
        Status.DRAFT: "Hoàn thiện tờ khai, đính kèm giấy tờ và nộp hồ sơ.",
        Status.SUBMITTED: "Cán bộ một cửa sẽ kiểm tra và tiếp nhận hồ sơ.",
        Status.SUPPLEMENT_REQUESTED: "Bổ sung hồ sơ theo yêu cầu rồi gửi lại.",
        Status.REFUSED: "Hồ sơ bị từ chối; xem lý do trong lịch sử xử lý.",
        Status.RECEIVED: "Hồ sơ đã được tiếp nhận và chuyển xử lý.",
        Status.PROCESSING: "Cơ quan có thẩm quyền đang giải quyết hồ sơ.",
        Status.PAUSED: "Hồ sơ tạm dừng; xem lý do trong lịch sử xử lý.",
        Status.RESULT_READY: "Đã có kết quả; nhận kết quả theo hình thức đã chọn.",
        Status.RETURNED: "Đã trả kết quả. Mời đánh giá mức độ hài lòng.",
        Status.WITHDRAWN: "Hồ sơ đã được rút.",
    }[Status(dossier.status)]


CONSUMER = "motcua-dossiers"
PURPOSE_SUGGEST = "ho-so.goi-y-noi-nop"


def residence_commune(subject_id: str) -> str:
    """The person's permanent residence commune from the population registry, or ""."""
    from motcua.exchange import services as exchange

    try:
        data = exchange.call(
            CONSUMER,
            "population.person.residence",
            PURPOSE_SUGGEST,
            subject_id,
            requester=f"citizen:{subject_id}",
        ).data
    except DomainError:  # no record, no grant or no consent: any unit may still be chosen
        logger.info("no residence for the suggestion", exc_info=True)
        return ""
    return str(data.get("permanent_commune_code") or "")


def suggested_units(procedure_code: str, commune_code: str | None) -> list[Any]:
    """Receiving units to offer first: the service centres of the applicant's residence at the
    procedure's levels. Any unit in the country may still be chosen."""
    version = catalog.get_published(procedure_code)
    if not commune_code or len(commune_code) != 5:
        return []
    try:
        commune = units.get_commune(commune_code)
    except NotFound:  # an unknown residence commune only means no suggestion
        return []
    found: list[Any] = []
    if version.at_commune:
        found += list(units.service_centres(commune.province_id, commune.code))
    if version.at_province or version.at_central:
        found += list(units.service_centres(commune.province_id))
    return found


def _receiving_levels(version: Any) -> set[str]:
    """Where a procedure may be received: the service centres of communes when communes
    handle it, of provinces when provinces or the central level do."""
    levels = set()
    if version.at_commune:
        levels.add("commune")
    if version.at_province or version.at_central:
        levels.add("province")
    return levels


def receiving_units(
    procedure_code: str,
    *,
    province_code: str | None = None,
    commune_code: str | None = None,
    q: str = "",
    subject_id: str = "",
) -> Any:
    """The units that may receive `procedure_code` (the rule `check_receiving_unit` holds a
    choice to), filtered; with `subject_id`, those where the person lives first."""
    version = catalog.get_published(procedure_code)
    near = None
    if subject_id:
        residence = residence_commune(subject_id)
        if len(residence) == 5 and residence.isdigit():
            try:
                near = units.get_commune(residence)
            except NotFound:  # an unknown residence commune only means no ordering
                near = None
    return units.receiving_centres(
        _receiving_levels(version),
        province_code=province_code,
        commune_code=commune_code,
        q=q,
        near_commune=near,
    )


def check_receiving_unit(procedure_code: str, unit_code: str) -> Any:
    """The unit if it is a service centre at a level the procedure is handled at."""
    version = catalog.get_published(procedure_code)
    try:
        agency = units.get_agency(unit_code)
    except NotFound:
        raise InvalidInput(
            f"Không có đơn vị tiếp nhận mã {unit_code[:40]}.", param="receiving_unit"
        ) from None
    if not agency.is_service_center or agency.level not in _receiving_levels(version):
        raise InvalidInput(
            f"{agency.name} không tiếp nhận thủ tục này; hãy chọn Trung tâm Phục vụ hành chính "
            "công ở cấp giải quyết thủ tục.",
            param="receiving_unit",
        )
    return agency


# ---------------------------------------------------------------------------- writing


def _event(
    dossier: Dossier,
    action: str,
    to_status: str,
    *,
    actor: str,
    acting_for: str = "",
    note: str = "",
    data: dict[str, Any] | None = None,
) -> DossierEvent:
    """Append the history row, the audit entry and the outbox event of one action; the
    caller holds the dossier's row lock inside a transaction."""
    from_status = dossier.status
    bookkeeping = to_status == from_status and action in SAME_STATUS_ACTIONS
    if not bookkeeping and to_status not in TRANSITIONS[Status(from_status)]:
        raise IllegalTransition(
            f"Không thể chuyển hồ sơ từ “{Status(from_status).label}” sang "
            f"“{Status(to_status).label}”."
        )
    last = dossier.events.order_by("-seq").values_list("seq", flat=True).first() or 0
    event = DossierEvent.objects.create(
        dossier=dossier,
        seq=last + 1,
        action=action,
        from_status=from_status,
        to_status=to_status,
        actor=actor,
        acting_for=acting_for,
        at=timezone.now(),
        note=note,
        data=data or {},
    )
    dossier.status = to_status
    audit.record(
        actor=actor,
        acting_for=acting_for,
        action=f"dossier.{action}",
        target_type="dossier",
        target_id=str(dossier.id),
        purpose=f"thu-tuc:{dossier.procedure_code}",
        data={"reference": dossier.reference, "from": from_status, "to": to_status},
    )
    outbox.enqueue(
        f"dossier.{action}",
        f"dossier.{action}:{dossier.id}:{event.seq}",
        {"dossier": str(dossier.id), "reference": dossier.reference, "status": to_status},
    )
    signals.dossier_event.send(sender=Dossier, dossier=dossier, event=event)
    return event


def _check_data_size(data: Any) -> None:
    import json

    if not isinstance(data, dict):
        raise InvalidInput("Dữ liệu tờ khai phải là một đối tượng JSON.", param="data")
    if len(json.dumps(data, ensure_ascii=False, default=str)) > MAX_DATA_BYTES:
        raise InvalidInput("Dữ liệu tờ khai quá lớn.", param="data")


def prefill_for(
    applicant: Applicant, procedure_code: str, data: dict[str, Any] | None = None
) -> tuple[Any, Any]:
    """The procedure's form and what the registries already know about this applicant. The
    other parties' data is never read for the applicant: only once a party confirms inside
    the dossier, on that party's behalf (answer_party)."""
    form = eforms.form_for(procedure_code)
    prefill = eforms.prefill(form, subject_id=applicant.subject_id, actor_id=applicant.actor_id)
    return form, prefill


@transaction.atomic
def create_draft(
    applicant: Applicant,
    procedure_code: str,
    receiving_unit: str,
    data: dict[str, Any] | None = None,
    *,
    channel: str = Dossier.Channel.ONLINE,
) -> Dossier:
    """Open a draft: the form is prefilled from the registries now and the prefill is kept
    with the draft, so that what the state vouched for is what gets submitted."""
    if not applicant.allows_procedure(procedure_code):
        raise PermissionDenied("Văn bản ủy quyền không bao gồm thủ tục này.")
    data = data or {}
    _check_data_size(data)
    version = catalog.get_published(procedure_code)
    if applicant.level < version.min_assurance_level:
        raise StepUpRequired(version.min_assurance_level)
    agency = check_receiving_unit(procedure_code, receiving_unit)
    form, prefill = prefill_for(applicant, procedure_code, data)
    eforms.validate(form, data, prefill, partial=True)
    dossier = Dossier.objects.create(
        draft_ref="N" + "".join(secrets.choice(SECRET_ALPHABET) for _ in range(11)),
        procedure_code=procedure_code,
        procedure_version=version.version,
        procedure_name=version.name,
        applicant_id=applicant.subject_id,
        applicant_kind=applicant.kind,
        applicant_name=applicant.name,
        created_by=applicant.actor_id,
        acting_basis=applicant.basis,
        receiving_unit=agency.code,
        receiving_unit_name=agency.name,
        channel=channel,
        data=data,
        prefill=prefill.to_json(),
        fee_amount=version.total_fee,
    )
    _event(
        dossier,
        "created",
        Status.DRAFT,
        actor=applicant.actor_id,
        acting_for=applicant.acting_for,
        data={"procedure": procedure_code, "receiving_unit": agency.code},
    )
    dossier.save()
    return dossier


@transaction.atomic
def update_draft(
    applicant: Applicant,
    reference: str,
    *,
    data: dict[str, Any] | None = None,
    receiving_unit: str | None = None,
) -> Dossier:
    """Autosave: replace the draft's data (checked only for types) and/or receiving unit."""
    dossier = get_for(applicant, reference, lock=True)
    if dossier.status not in EDITABLE or dossier.submit_requested_at:
        raise DossierNotEditable("Hồ sơ đã nộp hoặc đang chờ xác nhận, không thể sửa.")
    if data is not None:
        _check_data_size(data)
        form = eforms.form_for(dossier.procedure_code)
        eforms.validate(form, data, prefill_of(dossier), partial=True)
        dossier.data = data
    if receiving_unit is not None:
        agency = check_receiving_unit(dossier.procedure_code, receiving_unit)
        dossier.receiving_unit, dossier.receiving_unit_name = agency.code, agency.name
    dossier.save()
    return dossier


@transaction.atomic
def interest_in(dossier: Dossier, personal_id: str) -> str:
    """How `personal_id` stands in the dossier as an interested person, in Vietnamese: its
    applicant, a party asked to confirm it, or someone who acted for the applicant (filled it
    in, submitted or answered for them); "" when none. An official assisting at the counter
    (`assisted_by`) acts in office, not in interest."""
    if not personal_id:
        return ""
    if dossier.applicant_id == personal_id:
        return "người nộp hồ sơ"
    if dossier.parties.filter(personal_id=personal_id).exists():
        return "một bên liên quan của hồ sơ"
    in_office = {dossier.assisted_by} - {""}
    if dossier.created_by == personal_id and personal_id not in in_office:
        return "người nộp thay cho người có hồ sơ"
    acted = (
        DossierEvent.objects.filter(dossier=dossier)
        .exclude(acting_for="")
        .filter(Q(actor=personal_id) | Q(acting_for=personal_id))
        .exclude(actor__in=in_office)
        .exists()
    )
    return "người nộp thay cho người có hồ sơ" if acted else ""


def ensure_no_conflict_of_interest(dossier: Dossier, personal_id: str) -> None:
    """Refuse (ConflictOfInterest) an official acting on a dossier they have an interest in."""
    interest = interest_in(dossier, personal_id)
    if interest:
        raise ConflictOfInterest(
            f"Bạn là {interest} {dossier.code or dossier.reference} nên không được xử lý hồ sơ "
            "này (xung đột lợi ích); đề nghị lãnh đạo giao cho cán bộ khác."
        )


@transaction.atomic
def consent_and_refresh(
    applicant: Applicant,
    reference: str,
    *,
    recorded_by: str = "",
    evidence: dict[str, Any] | None = None,
) -> Dossier:
    """The applicant consents to the sensitive registry reads the form needs (for this
    procedure only), and the draft's prefill is read again. `recorded_by`: the official who
    records a consent the person gave them (`evidence`: how), named in the audit."""
    from motcua.exchange import services as exchange

    dossier = get_for(applicant, reference, lock=True)
    if dossier.status not in EDITABLE or dossier.submit_requested_at:
        raise DossierNotEditable("Hồ sơ đã nộp, không thể lấy lại dữ liệu điền sẵn.")
    for service in prefill_of(dossier).needs_consent:
        exchange.grant_consent(
            applicant.subject_id,
            f"thu-tuc:{dossier.procedure_code}",
            consumer=eforms.CONSUMER,
            service=service,
            recorded_by=recorded_by,
            evidence=evidence,
        )
    _form, prefill = prefill_for(applicant, dossier.procedure_code, dossier.data)
    dossier.prefill = prefill.to_json()
    dossier.save()
    return dossier


def consents_needed(procedure_code: str, prefill: Any) -> list[dict[str, str]]:
    """Exactly the consents that would let the form read what `prefill` was refused: each
    to give as it is (`POST /exchange/people/{id}/consents`), or all at once for a draft
    with `consent_and_refresh`."""
    from motcua.exchange import selectors as exchange_selectors

    names = exchange_selectors.service_names(list(prefill.needs_consent))
    return [
        {
            "service": service,
            "purpose": f"thu-tuc:{procedure_code}",
            "consumer": eforms.CONSUMER,
            "label": names.get(service, service),
        }
        for service in prefill.needs_consent
    ]


def prefill_of(dossier: Dossier) -> Any:
    return eforms.Prefill.from_json(dossier.prefill or {})


def _version_of(dossier: Dossier) -> Any:
    """The procedure version a dossier goes by: the published one until it is submitted
    (as `submit` does), then the one it went in under."""
    if dossier.status == Status.DRAFT:
        return catalog.get_published(dossier.procedure_code)
    return catalog.version_of(dossier.procedure_code, dossier.procedure_version)


def component_states(dossier: Dossier) -> list[dict[str, Any]]:
    """Each component of the dossier's procedure and where it stands: `form` (the e-form
    fills it), `registry` (a national database stands in for it), `uploaded`, `missing`
    (required, no file yet) or `optional`."""
    held = {r["registry"] for r in prefill_of(dossier).records}
    with_files = set(dossier.files.values_list("component_position", flat=True))
    states = []
    for c in _version_of(dossier).components.all():
        if c.is_form:
            state = "form"
        elif c.replaced_by and c.replaced_by in held:
            state = "registry"
        elif c.position in with_files:
            state = "uploaded"
        else:
            state = "missing" if c.required else "optional"
        states.append(
            {
                "key": c.key,
                "position": c.position,
                "name": c.name,
                "required": c.required,
                "state": state,
                "takes_file": state not in ("form", "registry"),
            }
        )
    return states


def add_file(
    applicant: Applicant,
    reference: str,
    *,
    component: int | str,
    name: str,
    content: bytes,
) -> DossierFile:
    """Attach a checked file to a component (its key, or its 1-based position) of a draft
    (or of an open supplement request). A bad file, or one for a component that takes none
    (the online form itself, one a registry stands in for), is refused with the reason and
    nothing is saved."""
    checked = uploads.check_upload(name, content)
    with transaction.atomic():
        dossier = get_for(applicant, reference, lock=True)
        supplement = dossier.supplements.filter(answered_at__isnull=True).first()
        if dossier.status not in EDITABLE and supplement is None:
            raise DossierNotEditable("Hồ sơ đã nộp, chỉ nhận thêm tệp khi có yêu cầu bổ sung.")
        found = next(
            (c for c in _version_of(dossier).components.all() if component in (c.key, c.position)),
            None,
        )
        if found is None:
            raise InvalidInput(
                f"Thành phần hồ sơ '{str(component)[:60]}' không tồn tại.", param="component"
            )
        if found.is_form and dossier.channel == Dossier.Channel.ONLINE:
            raise ComponentTakesNoFile(
                f"“{found.name}” là tờ khai điện tử: điền dữ liệu tờ khai, không đính kèm tệp.",
                param="component",
            )
        held = {r["registry"] for r in prefill_of(dossier).records}
        if found.replaced_by and found.replaced_by in held:
            raise ComponentTakesNoFile(
                f"“{found.name}”: Nhà nước đã có dữ liệu thay thế, không cần nộp giấy tờ này.",
                param="component",
            )
        component = found.position
        uploads.check_count(dossier.files.count() + 1)
        stored = DossierFile(
            dossier=dossier,
            component_position=component,
            name=checked.name,
            mime=checked.mime,
            size=checked.size,
            sha256=checked.sha256,
            uploaded_by=applicant.actor_id,
            supplement=supplement if dossier.status not in EDITABLE else None,
        )
        stored.file.save(f"{dossier.id}/{stored.id}", ContentFile(content), save=False)
        stored.save(force_insert=True)
        audit.record(
            actor=applicant.actor_id,
            acting_for=applicant.acting_for,
            action="dossier.file_added",
            target_type="dossier",
            target_id=str(dossier.id),
            data={"component": component, "sha256": checked.sha256, "size": checked.size},
        )
        return stored


def submit(applicant: Applicant, reference: str, *, idempotency_key: str = "") -> Dossier:
    """Submit a draft. With an `Idempotency-Key`, a retried request returns the dossier the
    first one submitted, never a second one. A procedure with other parties waits for
    their confirmation first (the dossier goes in when the last one confirms)."""
    if idempotency_key and not (0 < len(idempotency_key) <= 120):
        raise InvalidInput("Idempotency-Key không hợp lệ.", param="Idempotency-Key")
    # A retry's key is already taken: its insert fails, and the first dossier is returned.
    try:
        # The audit entries are appended last, so the audit chain's lock is held from there
        # to the commit only, not through the whole submission.
        with transaction.atomic(), audit.deferred():
            dossier = get_for(applicant, reference, lock=True)
            if idempotency_key:
                SubmitKey.objects.create(
                    applicant_id=applicant.subject_id, key=idempotency_key, dossier=dossier
                )
            return _submit_locked(dossier, applicant)
    except IntegrityError:
        done = _by_key(applicant, idempotency_key) if idempotency_key else None
        if done is None:
            raise
        return _same_dossier(done, reference)


def _by_key(applicant: Applicant, key: str) -> Dossier | None:
    found = SubmitKey.objects.filter(applicant_id=applicant.subject_id, key=key).first()
    return found.dossier if found else None


def _same_dossier(done: Dossier, reference: str) -> Dossier:
    if reference not in (done.code, done.draft_ref):
        raise IdempotencyKeyReused("Khóa chống trùng này đã được dùng để nộp một hồ sơ khác.")
    return done


def _submit_locked(dossier: Dossier, applicant: Applicant) -> Dossier:
    if dossier.status != Status.DRAFT:
        raise IllegalTransition("Hồ sơ đã được nộp.")
    # The procedure's current version and its form (the latest up to it).
    version = catalog.get_published(dossier.procedure_code)
    form = eforms.form_at(dossier.procedure_code, version.version)
    prefill = prefill_of(dossier)
    # The other parties' registry fields are filled when each confirms, not by the applicant.
    cleaned = eforms.validate(form, dossier.data, prefill, parties_pending=bool(form.parties))
    records, missing = _components(dossier, prefill, version)
    if missing:
        raise MissingComponents(
            "Còn thiếu: " + "; ".join(missing) + ".", missing=missing, param="files"
        )
    dossier.data = cleaned
    if _await_parties(dossier, form, cleaned, applicant):
        dossier.save()
        return dossier
    return _file_in(
        dossier, records, version, actor=applicant.actor_id, acting_for=applicant.acting_for
    )


def _components(
    dossier: Dossier, prefill: Any, version: Any
) -> tuple[list[ComponentRecord], list[str]]:
    """Which registry record stands in for each replaced component, and which required
    components still lack a file (`version`: the procedure's published version)."""
    with_files = set(dossier.files.values_list("component_position", flat=True))
    by_registry: dict[str, dict[str, Any]] = {}
    for record in prefill.records:
        by_registry.setdefault(record["registry"], record)
    records, missing = [], []
    for component in version.components.all():
        position = component.position
        record = by_registry.get(component.replaced_by) if component.replaced_by else None
        if record is not None:
            records.append(
                ComponentRecord(
                    dossier=dossier,
                    component_position=position,
                    component_name=component.name,
                    registry=record["registry"],
                    service=record["service"],
                    subject=record["subject"],
                    record_version=str(record.get("version", "")),
                )
            )
        elif component.required and position not in with_files and not component.is_form:
            missing.append(component.name)
    return records, missing


def _await_parties(dossier: Dossier, form: Any, data: dict[str, Any], applicant: Applicant) -> bool:
    """Ask the other parties to confirm; True while someone has not confirmed yet."""
    if not form.parties:
        return False
    pending = False
    for party in form.parties:
        personal_id = _path(data, party.personal_id_path)
        if not personal_id or personal_id == applicant.subject_id:
            raise InvalidInput(f"Cần số định danh của {party.label}.", param=party.personal_id_path)
        row, created = PartyConfirmation.objects.get_or_create(
            dossier=dossier,
            role=party.role,
            defaults={"personal_id": personal_id, "label": party.label},
        )
        if not created and row.personal_id != personal_id:
            row.personal_id, row.state = personal_id, PartyConfirmation.State.PENDING
            row.save()
        if row.state != PartyConfirmation.State.CONFIRMED:
            pending = True
            _tell(
                personal_id,
                f"Đề nghị xác nhận hồ sơ {dossier.procedure_name}",
                f"{dossier.applicant_name or dossier.applicant_id} đề nghị bạn xác nhận tờ khai "
                f"{dossier.procedure_name}. Mở mục Hồ sơ cần xác nhận để đồng ý hoặc từ chối.",
                key=f"party:{dossier.id}:{party.role}:{personal_id}",
                link=f"/ho-so/xac-nhan/{dossier.draft_ref}/",
            )
    if pending:
        dossier.submit_requested_at = dossier.submit_requested_at or timezone.now()
        audit.record(
            actor=applicant.actor_id,
            acting_for=applicant.acting_for,
            action="dossier.confirmation_requested",
            target_type="dossier",
            target_id=str(dossier.id),
        )
    return pending


def _path(data: dict[str, Any], path: str) -> Any:
    value: Any = data
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _tell(recipient: str, title: str, body: str, *, key: str, link: str = "") -> None:
    """A message to the person's official inbox, after commit (wallet sits below us)."""
    from motcua.wallet import services as wallet

    wallet.send_message(
        recipient_id=recipient, title=title, body=body, key=key, actor="system:dossiers", link=link
    )


def _file_in(
    dossier: Dossier,
    records: Iterable[ComponentRecord],
    version: Any,
    *,
    actor: str,
    acting_for: str,
) -> Dossier:
    now = timezone.now()
    dossier.procedure_version = version.version  # the dossier keeps the version it went in under
    dossier.code = _next_code(dossier.receiving_unit, now)
    dossier.lookup_secret = "".join(secrets.choice(SECRET_ALPHABET) for _ in range(8))
    dossier.submitted_at = now
    dossier.appointment_date = default_calendar().add_working_days(now, version.processing_days)
    if dossier.fee_amount > 0 and dossier.payment_status != Dossier.Payment.PAID:
        dossier.payment_status = Dossier.Payment.AWAITING
    ComponentRecord.objects.bulk_create(list(records))
    _event(
        dossier,
        "submitted",
        Status.SUBMITTED,
        actor=actor,
        acting_for=acting_for,
        data={"code": dossier.code, "appointment": dossier.appointment_date.isoformat()},
    )
    dossier.save()
    return dossier


def _next_code(unit: str, when: dt.datetime) -> str:
    """`<unit>-<yymmdd>-<nnnn>`: unique nationally, counted per unit and day in one atomic
    statement (the row lock serialises concurrent submissions to the same unit)."""
    day = when.astimezone(VN_TZ).date()
    table = CodeSequence._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (unit, day, last) VALUES (%s, %s, 1) "  # noqa: S608
            "ON CONFLICT (unit, day) DO UPDATE SET last = "
            f"{table}.last + 1 RETURNING last",
            [unit, day],
        )
        number = cursor.fetchone()[0]
    return f"{unit.upper()}-{day:%y%m%d}-{number:04d}"


@transaction.atomic
def answer_party(personal_id: str, draft_ref: str, *, confirm: bool) -> Dossier:
    """The other party confirms (or declines) through their own login. When the last one
    confirms, the dossier goes in."""
    dossier = Dossier.objects.select_for_update().filter(draft_ref=draft_ref).first()
    row = (
        PartyConfirmation.objects.filter(dossier=dossier, personal_id=personal_id).first()
        if dossier
        else None
    )
    if dossier is None or row is None:
        raise DossierNotFound("Không có hồ sơ nào cần bạn xác nhận với mã này.")
    if dossier.status != Status.DRAFT or row.state != PartyConfirmation.State.PENDING:
        raise IllegalTransition("Hồ sơ này không còn chờ bạn xác nhận.")
    row.state = PartyConfirmation.State.CONFIRMED if confirm else PartyConfirmation.State.DECLINED
    row.answered_at = timezone.now()
    row.save()
    audit.record(
        actor=personal_id,
        action="dossier.party_confirmed" if confirm else "dossier.party_declined",
        target_type="dossier",
        target_id=str(dossier.id),
    )
    if not confirm:
        dossier.submit_requested_at = None
        dossier.save()
        _tell(
            dossier.created_by,
            f"{row.label} từ chối xác nhận hồ sơ",
            f"Hồ sơ {dossier.procedure_name} chưa được nộp vì {row.label} từ chối xác nhận.",
            key=f"party-declined:{dossier.id}:{row.pk}",
        )
        return dossier
    version = catalog.get_published(dossier.procedure_code)
    form = eforms.form_at(dossier.procedure_code, version.version)
    dossier.prefill = _with_party_data(dossier, form, row).to_json()
    if dossier.parties.exclude(state=PartyConfirmation.State.CONFIRMED).exists():
        dossier.save()
        return dossier
    prefill = prefill_of(dossier)
    dossier.data = eforms.validate(form, dossier.data, prefill)
    records, _missing = _components(dossier, prefill, version)
    return _file_in(dossier, records, version, actor=personal_id, acting_for="")


def data_for_applicant(dossier: Dossier) -> dict[str, Any]:
    """The dossier's data as its applicant sees it: the registry values read about another
    party when they confirmed are theirs, shown to them and to the officials deciding, not
    to the applicant (who sees that the party was asked and confirmed)."""
    values = (dossier.prefill or {}).get("values", {})
    paths = [p for p, v in values.items() if str(v.get("relation", "")).startswith("party:")]
    if not paths:
        return dict(dossier.data or {})
    data = {k: dict(v) if isinstance(v, dict) else v for k, v in (dossier.data or {}).items()}
    for path in paths:
        group, _sep, key = path.partition(".")
        if isinstance(data.get(group), dict):
            data[group].pop(key, None)
    return data


def _with_party_data(dossier: Dossier, form: Any, party: PartyConfirmation) -> Any:
    """The dossier's prefill with what the registries say about the party who just
    confirmed, read on that party's behalf for this dossier. Their confirmation is their
    consent to the sensitive reads the form needs, for this procedure only."""
    from dataclasses import replace

    from motcua.exchange import services as exchange

    read = eforms.prefill_party(form, party.role, party.personal_id, dossier=dossier.reference)
    if read.needs_consent:
        for service in read.needs_consent:
            exchange.grant_consent(
                party.personal_id, form.purpose, consumer=eforms.CONSUMER, service=service
            )
        read = eforms.prefill_party(form, party.role, party.personal_id, dossier=dossier.reference)
    mine = prefill_of(dossier)
    return replace(
        mine,
        values={**mine.values, **read.values},
        records=[*mine.records, *read.records],
    )


def awaiting_my_confirmation(personal_id: str) -> list[Dossier]:
    return list(
        Dossier.objects.filter(
            parties__personal_id=personal_id,
            parties__state=PartyConfirmation.State.PENDING,
            status=Status.DRAFT,
            submit_requested_at__isnull=False,
        )
    )


@transaction.atomic
def withdraw(applicant: Applicant, reference: str, reason: str = "") -> Dossier:
    dossier = get_for(applicant, reference, lock=True)
    _event(
        dossier,
        "withdrawn",
        Status.WITHDRAWN,
        actor=applicant.actor_id,
        acting_for=applicant.acting_for,
        note=reason[:1000],
    )
    dossier.finished_at = timezone.now()
    dossier.save()
    return dossier


@transaction.atomic
def answer_supplement(
    applicant: Applicant, reference: str, *, data: dict[str, Any] | None = None, note: str = ""
) -> Dossier:
    """The applicant answers the open supplement request (data and/or files added with
    `add_file` beforehand); the dossier returns to where it was and the clock resumes."""
    dossier = get_for(applicant, reference, lock=True)
    request = dossier.supplements.filter(answered_at__isnull=True).first()
    if request is None:
        raise IllegalTransition("Hồ sơ không có yêu cầu bổ sung đang chờ.")
    if data is not None:
        _check_data_size(data)
        form = eforms.form_for(dossier.procedure_code)
        merged = {**dossier.data, **data}
        dossier.data = eforms.validate(form, merged, prefill_of(dossier))
    request.answered_at = timezone.now()
    request.answer = {"note": note[:2000], "data": data or {}}
    if dossier.due_date and request.resume_status in (Status.RECEIVED, Status.PROCESSING):
        calendar = default_calendar()
        if _clock_rule is not None and _clock_rule(dossier) == "restart":
            days = catalog.get_published(dossier.procedure_code).processing_days
            dossier.due_date = calendar.add_working_days(request.answered_at, days)
        else:  # "resume": the clock stood still while the dossier waited on the applicant
            waited = calendar.working_days_between(request.requested_at, request.answered_at)
            dossier.due_date = calendar.add_working_days(dossier.due_date, waited)
    request.save()
    _event(
        dossier,
        "supplemented",
        request.resume_status,
        actor=applicant.actor_id,
        acting_for=applicant.acting_for,
        note=note[:2000],
    )
    dossier.save()
    return dossier


@transaction.atomic
def rate(applicant: Applicant, reference: str, *, score: int, comment: str = "") -> Rating:
    dossier = get_for(applicant, reference)
    if dossier.status != Status.RETURNED:
        raise IllegalTransition("Chỉ đánh giá được khi đã nhận kết quả.")
    if not 1 <= score <= 5:
        raise InvalidInput("Mức đánh giá từ 1 đến 5.", param="score")
    if Rating.objects.filter(dossier=dossier).exists():
        raise IllegalTransition("Hồ sơ này đã được đánh giá.")
    rating = Rating.objects.create(
        dossier=dossier, score=score, comment=comment[:2000], rated_by=applicant.actor_id
    )
    audit.record(
        actor=applicant.actor_id,
        acting_for=applicant.acting_for,
        action="dossier.rated",
        target_type="dossier",
        target_id=str(dossier.id),
        data={"score": score},
    )
    return rating


# ------------------------------------------------- the office's side (issue 7 builds on it)


def _office(code: str) -> Dossier:
    dossier = Dossier.objects.select_for_update().filter(code=code).first()
    if dossier is None:
        raise DossierNotFound(f"Không tìm thấy hồ sơ {code[:60]}.")
    return dossier


@transaction.atomic
def receive(code: str, *, actor: str) -> Dossier:
    """Accept the dossier: a paid step, so an unpaid fee blocks it; the due date counts
    working days from now."""
    dossier = _office(code)
    if dossier.payment_status == Dossier.Payment.AWAITING:
        raise PaymentRequired("Hồ sơ chưa nộp phí, lệ phí; chưa thể tiếp nhận.")
    now = timezone.now()
    version = catalog.get_published(dossier.procedure_code)
    dossier.received_at = now
    dossier.due_date = default_calendar().add_working_days(now, version.processing_days)
    _event(dossier, "received", Status.RECEIVED, actor=actor, data={"due": str(dossier.due_date)})
    dossier.save()
    return dossier


@transaction.atomic
def refuse(code: str, *, actor: str, reason: str) -> Dossier:
    if not reason.strip():
        raise InvalidInput("Cần nêu lý do từ chối.", param="reason")
    dossier = _office(code)
    _event(dossier, "refused", Status.REFUSED, actor=actor, note=reason[:2000])
    dossier.finished_at = timezone.now()
    dossier.save()
    return dossier


@transaction.atomic
def request_supplement(
    code: str, *, actor: str, reason: str, items: list[str] | None = None
) -> SupplementRequest:
    """Before receipt the dossier goes back to the applicant; after, it is paused."""
    if not reason.strip():
        raise InvalidInput("Cần nêu nội dung yêu cầu bổ sung.", param="reason")
    dossier = _office(code)
    if dossier.supplements.filter(answered_at__isnull=True).exists():
        raise IllegalTransition("Hồ sơ đang có yêu cầu bổ sung chưa được trả lời.")
    resume = Status.SUBMITTED if dossier.status == Status.SUBMITTED else dossier.status
    target = Status.SUPPLEMENT_REQUESTED if dossier.status == Status.SUBMITTED else Status.PAUSED
    request = SupplementRequest.objects.create(
        dossier=dossier,
        reason=reason[:2000],
        items=list(items or []),
        requested_by=actor,
        requested_at=timezone.now(),
        resume_status=resume,
    )
    _event(dossier, "supplement_requested", target, actor=actor, note=reason[:2000])
    dossier.save()  # notify tells the applicant, from the outbox event
    return request


@transaction.atomic
def advance(code: str, to_status: str, *, actor: str, note: str = "") -> Dossier:
    """Move a received dossier through processing (office side; workflow builds on it)."""
    dossier = _office(code)
    _event(dossier, to_status, to_status, actor=actor, note=note[:2000])
    if to_status == Status.RETURNED:
        dossier.finished_at = timezone.now()
    dossier.save()
    return dossier


@transaction.atomic
def record_forwarding(
    code: str, *, from_unit: str, to_unit: str, to_name: str, actor: str
) -> DossierEvent:
    """The office moved the dossier on to another agency (the next step of its process is
    there): a history row the applicant reads, the status unchanged."""
    dossier = _office(code)
    event = _event(
        dossier,
        "forwarded",
        dossier.status,
        actor=actor,
        note=to_name[:2000],
        data={"from_unit": from_unit, "to_unit": to_unit},
    )
    dossier.save()
    return event


def mark_paid(reference: str, *, actor: str, receipt_number: str) -> None:
    """Payment hook: the fee of dossier `reference` was paid (called once per payment)."""
    dossier = Dossier.objects.select_for_update().filter(code=reference).first()
    if dossier is None or dossier.payment_status == Dossier.Payment.PAID:
        return
    dossier.payment_status = Dossier.Payment.PAID
    _event(
        dossier,
        "paid",
        dossier.status,
        actor=actor,
        data={"receipt_number": receipt_number},
    )
    dossier.save()
