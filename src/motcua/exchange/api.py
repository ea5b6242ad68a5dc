"""/api/v1/exchange: registry data services for authenticated consumers, and a person's view
of consents and of who read their data. Thin: every read goes through services.call."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.responses import Status
from ninja.security import APIKeyCookie
from ninja.utils import check_csrf
from pydantic import field_validator

from motcua.core.errors import DomainError, PermissionDenied
from motcua.core.paging import Page, PageQuery, page, sliced
from motcua.core.problems import ERRORS, Problem
from motcua.identity.api_auth import CONSENTS, EXCHANGE_HISTORY, CitizenAuth, RequestContext

from . import auth, selectors, services
from .models import Consent, DataService

router = Router()
SAFE_METHODS = ("GET", "HEAD", "OPTIONS", "TRACE")


class UnsupportedMediaType(DomainError):
    status = 415
    code = "unsupported-media-type"
    title = "Kiểu nội dung không được hỗ trợ"


PROBLEMS: dict[int, Any] = {**ERRORS, 401: Problem, 403: Problem}
PROCEDURE_CODE = re.compile(r"\d\.\d{6}")


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


class ConsentIn(Schema):
    """What a form's `needs_consent` item says, copied as it is."""

    purpose: str = Field(
        min_length=1,
        max_length=100,
        examples=["thu-tuc:1.001193"],
        description=(
            "mục đích: `thu-tuc:<mã thủ tục>` cho biểu mẫu của một thủ tục (a bare procedure "
            "code such as `1.001193` is read as `thu-tuc:1.001193`)"
        ),
    )
    consumer: str | None = Field(
        None, max_length=100, examples=["motcua-eforms"], description="trống: mọi đơn vị"
    )
    service: str | None = Field(
        None,
        max_length=100,
        examples=["population.person.family"],
        description="trống: mọi dịch vụ",
    )

    @field_validator("purpose")
    @classmethod
    def procedure_purpose(cls, value: str) -> str:
        """A procedure's forms read for `thu-tuc:<code>`: a consent for the bare code would
        be recorded and never match."""
        return f"thu-tuc:{value}" if PROCEDURE_CODE.fullmatch(value) else value


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


@router.get("/services", response={200: Page[ServiceOut], **PROBLEMS})
def list_services(request: HttpRequest, params: Query[PageQuery]) -> dict[str, Any]:
    """Dịch vụ dữ liệu đang được công bố (the published data services)."""
    return page(DataService.objects.filter(active=True).order_by("code"), params)


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
class PortalSession(APIKeyCookie):
    """The portal's own session cookie (first party, so no scopes): the person logged in, or
    the person they act for. An unsafe call must carry Django's CSRF token and a JSON body, so
    a form posted from another site or port (text/plain, no token) changes nothing."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        super().__init__(csrf=True)

    def _get_key(self, request: HttpRequest) -> str | None:
        key = request.COOKIES.get(self.param_name)
        if not key:
            return None  # no session: the caller is anonymous (401), not a forgery (403)
        if request.method not in SAFE_METHODS:
            if request.body and request.content_type != "application/json":
                raise UnsupportedMediaType(_("Nội dung yêu cầu phải là JSON (application/json)."))
            if not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
                raise PermissionDenied(
                    _("Yêu cầu thiếu mã chống giả mạo (CSRF). Vui lòng tải lại trang và thử lại.")
                )
        return key

    def authenticate(self, request: HttpRequest, key: str | None) -> str | None:
        return session_personal_id(request) if key else None


def session_personal_id(request: HttpRequest) -> str | None:
    """The personal ID the portal's session speaks for (`portal_citizen`, or the person it acts
    for); None when nobody is logged in."""
    session = getattr(request, "session", None)
    if session is None:
        return None
    acting = session.get("portal_acting") or {}
    if acting.get("subject_id") and acting.get("kind") == "person":
        return str(acting["subject_id"])
    citizen = session.get("portal_citizen") or {}
    value = citizen.get("personal_id") or session.get("motcua_personal_id")
    return str(value) if value else None


def person_auth(scope: str) -> list[Any]:
    """A citizen's bearer token holding `scope`, or the portal's own session."""
    return [CitizenAuth(scopes=[scope]), PortalSession()]


def _own(request: HttpRequest, personal_id: str) -> str:
    """The caller's own personal ID, which must be the one in the path (403 otherwise)."""
    auth = getattr(request, "auth", None)
    current = auth.subject_id if isinstance(auth, RequestContext) else auth
    if isinstance(auth, RequestContext) and auth.kind != "person":
        current = None
    if not current or current != personal_id:
        raise PermissionDenied(_("Chỉ được xem và quản lý dữ liệu của chính mình."))
    return str(current)


@router.get(
    "/people/{personal_id}/access-history",
    auth=person_auth(EXCHANGE_HISTORY),
    response={200: Page[AccessOut], **PROBLEMS},
)
def access_history(
    request: HttpRequest, personal_id: str, page: Query[PageQuery]
) -> dict[str, Any]:
    """Ai đã đọc dữ liệu gì về tôi, khi nào và vì sao (who read what about me, when, why)."""
    _own(request, personal_id)
    total, items = selectors.access_history(personal_id, page.limit, page.offset)
    return sliced(items, total, page)


@router.get(
    "/people/{personal_id}/consents",
    auth=person_auth(CONSENTS),
    response={200: Page[ConsentOut], **PROBLEMS},
)
def list_consents(
    request: HttpRequest, personal_id: str, params: Query[PageQuery]
) -> dict[str, Any]:
    """Sự đồng ý tôi đã cho, mới nhất trước (kể cả đã rút lại)."""
    _own(request, personal_id)
    return page(selectors.consents_of(personal_id), params)


@router.post(
    "/people/{personal_id}/consents",
    auth=person_auth(CONSENTS),
    response={201: ConsentOut, **PROBLEMS},
)
def give_consent(request: HttpRequest, personal_id: str, payload: ConsentIn) -> Status[Consent]:
    _own(request, personal_id)
    consent = services.grant_consent(
        personal_id, payload.purpose, consumer=payload.consumer, service=payload.service
    )
    return Status(201, consent)


@router.delete(
    "/people/{personal_id}/consents/{consent_id}",
    auth=person_auth(CONSENTS),
    response={200: ConsentOut, **PROBLEMS},
)
def withdraw_consent(request: HttpRequest, personal_id: str, consent_id: int) -> Consent:
    _own(request, personal_id)
    return services.revoke_consent(personal_id, consent_id)
