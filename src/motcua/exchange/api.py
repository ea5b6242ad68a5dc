"""/api/v1/exchange: registry data services for authenticated consumers, and a person's view
of consents and of who read their data. Thin: every read goes through services.call."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from motcua.core.problems import ERRORS, Problem

from . import auth, selectors, services
from .errors import ClientAuthenticationFailed
from .models import Consent, DataService

router = Router()
PROBLEMS: dict[int, Any] = {**ERRORS, 401: Problem, 403: Problem}


class CallIn(Schema):
    subject: str = Field(
        min_length=1,
        max_length=20,
        description="chủ thể: số định danh cá nhân hoặc mã số doanh nghiệp",
        examples=["001085012345"],
    )
    purpose: str = Field(
        min_length=1,
        max_length=100,
        description="mục đích: mã thủ tục hành chính (vd. 1.001193) hoặc mục đích được cấp quyền",
        examples=["1.001193"],
    )
    requester: str = Field(
        "",
        max_length=60,
        pattern=r"^((citizen|official|system):[A-Za-z0-9._-]{1,50})?$",
        description="thay mặt ai: citizen:<số định danh>, official:<số định danh cán bộ>; "
        "trống: chính hệ thống gọi (ghi vào nhật ký, chủ thể dữ liệu xem được)",
        examples=["citizen:001085012345"],
    )
    dossier: str = Field("", max_length=40, description="cho hồ sơ nào (mã hồ sơ)")


class CallOut(Schema):
    service: str
    registry: str
    subject: str
    data: dict[str, Any]
    log_chain: int = Field(description="chuỗi nhật ký ghi lại lần gọi")
    log_seq: int = Field(description="số thứ tự trong chuỗi nhật ký")
    response_hash: str


class ServiceOut(Schema):
    code: str = Field(examples=["population.person.basic"])
    registry: str
    name: str
    sensitive: bool
    attributes: list[str]
    subject_kind: str


class AccessOut(Schema):
    occurred_at: dt.datetime
    consumer: str
    consumer_name: str
    service: str
    service_name: str
    purpose: str
    outcome: str = Field(description="allowed, not-found, written, unchanged, denied:<reason>")
    requester: str = Field(description="thay mặt ai: citizen:<số định danh>, official:<…>")
    requester_label: str
    dossier: str = Field(description="cho hồ sơ nào (mã hồ sơ hoặc mã nháp)")
    summary: str = Field(description="cả dòng nói bằng lời (the whole row in words)")


class AccessPage(Schema):
    total: int
    items: list[AccessOut]


class PageQuery(Schema):
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0)


class ConsentIn(Schema):
    purpose: str = Field(min_length=1, max_length=100, examples=["1.001193"])
    consumer: str | None = Field(None, max_length=100, description="trống: mọi đơn vị")
    service: str | None = Field(None, max_length=100, description="trống: mọi dịch vụ")


class ConsentOut(Schema):
    id: int
    purpose: str
    consumer: str | None
    service: str | None
    granted_at: dt.datetime
    revoked_at: dt.datetime | None

    @staticmethod
    def resolve_consumer(obj: Consent) -> str | None:
        return obj.consumer.code if obj.consumer else None

    @staticmethod
    def resolve_service(obj: Consent) -> str | None:
        return obj.service.code if obj.service else None


@router.get("/services", response={200: list[ServiceOut], **PROBLEMS})
def list_services(request: HttpRequest) -> list[DataService]:
    """Dịch vụ dữ liệu đang được công bố (the published data services)."""
    return list(DataService.objects.filter(active=True).order_by("code"))


@router.post(
    "/services/{service_id}",
    response={200: CallOut, **PROBLEMS},
    summary="Gọi một dịch vụ dữ liệu (call a data service)",
)
def call_service(request: HttpRequest, service_id: str, payload: CallIn) -> services.CallResult:
    """Authenticated with a JWT client assertion (RFC 7523) in `Authorization: Bearer`.
    401: assertion missing, forged, expired or replayed; 403: denied by policy — the problem
    type names the reason (`no-grant`, `wrong-purpose`, `no-consent`); 404: unknown service
    or no data about the subject. Subject and purpose travel in the body, never in the URL."""
    consumer = auth.consumer_from_request(request)
    return services.call(
        consumer,
        service_id,
        payload.purpose,
        payload.subject,
        requester=payload.requester or f"system:{consumer.code}",
        dossier=payload.dossier,
    )


# --- the person's own view -------------------------------------------------------------------
def current_personal_id(request: HttpRequest) -> str | None:
    """The personal ID of the person the request is about: from a citizen's bearer access
    token (the person acted for, when acting for a minor child or by a mandate), else from the
    portal's session (`portal_citizen`, or the person it acts for). None → 401."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        from motcua.identity.api_auth import context_for_token

        context = context_for_token(value.strip())
        if context is None or context.kind != "person":
            return None
        return context.subject_id
    session = getattr(request, "session", None)
    if session is None:
        return None
    acting = session.get("portal_acting") or {}
    if acting.get("subject_id") and acting.get("kind") == "person":
        return str(acting["subject_id"])
    citizen = session.get("portal_citizen") or {}
    value = citizen.get("personal_id") or session.get("motcua_personal_id")
    return str(value) if value else None


def _own(request: HttpRequest, personal_id: str) -> str:
    current = current_personal_id(request)
    if current is None:
        raise ClientAuthenticationFailed("Cần đăng nhập để xem dữ liệu của chính mình.")
    if current != personal_id:
        from motcua.core.errors import PermissionDenied

        raise PermissionDenied("Chỉ được xem và quản lý dữ liệu của chính mình.")
    return current


@router.get("/people/{personal_id}/access-history", response={200: AccessPage, **PROBLEMS})
def access_history(
    request: HttpRequest, personal_id: str, page: Query[PageQuery]
) -> dict[str, Any]:
    """Ai đã đọc dữ liệu gì về tôi, khi nào và vì sao (who read what about me, when, why)."""
    _own(request, personal_id)
    total, items = selectors.access_history(personal_id, page.limit, page.offset)
    return {"total": total, "items": items}


@router.get("/people/{personal_id}/consents", response={200: list[ConsentOut], **PROBLEMS})
def list_consents(request: HttpRequest, personal_id: str) -> list[Consent]:
    _own(request, personal_id)
    return list(selectors.consents_of(personal_id))


@router.post("/people/{personal_id}/consents", response={201: ConsentOut, **PROBLEMS})
def give_consent(request: HttpRequest, personal_id: str, payload: ConsentIn) -> Status[Consent]:
    _own(request, personal_id)
    consent = services.grant_consent(
        personal_id, payload.purpose, consumer=payload.consumer, service=payload.service
    )
    return Status(201, consent)


@router.delete(
    "/people/{personal_id}/consents/{consent_id}", response={200: ConsentOut, **PROBLEMS}
)
def withdraw_consent(request: HttpRequest, personal_id: str, consent_id: int) -> Consent:
    _own(request, personal_id)
    return services.revoke_consent(personal_id, consent_id)
