"""/api/v1/identity: who a bearer token speaks for (citizen app, back office app)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from motcua.core.errors import PermissionDenied
from motcua.core.formats import VietnamDateTime
from motcua.core.paging import Page, PageQuery, page
from motcua.core.problems import ERRORS, Problem

from . import services
from .api_auth import MANDATES, OPENID, CitizenAuth, OfficialAuth, RequestContext, context_of
from .models import Account, Mandate

router = Router()
PROBLEMS: dict[int, Any] = {**ERRORS, 401: Problem, 403: Problem}


class Actor(Schema):
    sub: str


class MeOut(Schema):
    sub: str = Field(description="chủ thể của yêu cầu (người được thực hiện thay, nếu có)")
    subject_id: str
    kind: str
    acr: str
    act: Actor | None = Field(None, description="RFC 8693: người đang thực hiện thay")
    basis: str | None = None


class OfficialOut(Schema):
    sub: str
    agency_code: str
    roles: list[str]


@router.get("/me", auth=CitizenAuth(scopes=[OPENID]), response={200: MeOut, **PROBLEMS})
def me(request: HttpRequest) -> dict[str, Any]:
    """Chủ thể của token công dân, và người thực hiện thay (act) nếu có."""
    context = context_of(request)
    return {
        "sub": context.sub,
        "subject_id": context.subject_id,
        "kind": context.kind,
        "acr": f"urn:motcua:loa:{context.level}",
        "act": {"sub": context.actor_sub} if context.acting else None,
        "basis": context.basis or None,
    }


@router.get("/official/me", auth=OfficialAuth(), response={200: OfficialOut, **PROBLEMS})
def official_me(request: HttpRequest) -> dict[str, Any]:
    """Cơ quan và vai trò của cán bộ (token có phạm vi `official`)."""
    context = context_of(request)
    return {"sub": context.sub, "agency_code": context.agency_code, "roles": list(context.roles)}


class ActingOptionOut(Schema):
    subject_id: str = Field(description="requested_subject của token exchange")
    name: str
    basis: str = Field(description="parent, guardian, legal_representative hoặc mandate")
    mandate_id: int | None = None


class MandateIn(Schema):
    grantee: str = Field(min_length=9, max_length=13, description="số định danh người nhận")
    scope: list[str] = Field(min_length=1, max_length=50, examples=[["1.001193"], ["*"]])
    valid_until: VietnamDateTime = Field(
        description="ISO 8601; không có múi giờ thì hiểu là giờ Việt Nam (UTC+7)"
    )


class MandateOut(Schema):
    id: int
    grantor: str
    grantee: str
    scope: list[str]
    valid_from: dt.datetime
    valid_until: dt.datetime
    revoked_at: dt.datetime | None

    @staticmethod
    def resolve_grantor(obj: Mandate) -> str:
        return obj.grantor.username

    @staticmethod
    def resolve_grantee(obj: Mandate) -> str:
        return obj.grantee.username


def _self(request: HttpRequest) -> tuple[RequestContext, Account]:
    """The person's own account: these endpoints are not for someone acting for them."""
    context = context_of(request)
    account = services.account_by_sub(context.sub)
    if context.acting or account is None:
        raise PermissionDenied(_("Chỉ chính chủ tài khoản được dùng chức năng này."))
    return context, account


@router.get(
    "/acting-options",
    auth=CitizenAuth(scopes=[MANDATES]),
    response={200: Page[ActingOptionOut], **PROBLEMS},
)
def acting_options(request: HttpRequest, params: Query[PageQuery]) -> dict[str, Any]:
    """Những người, tổ chức tôi có thể thực hiện thay (cho token exchange)."""
    return page(services.acting_options(_self(request)[1]), params)


@router.get(
    "/mandates", auth=CitizenAuth(scopes=[MANDATES]), response={200: Page[MandateOut], **PROBLEMS}
)
def list_mandates(request: HttpRequest, params: Query[PageQuery]) -> dict[str, Any]:
    """Ủy quyền tôi đã cho, mới nhất trước."""
    return page(services.mandates_given(_self(request)[1]), params)


@router.post(
    "/mandates", auth=CitizenAuth(scopes=[MANDATES]), response={201: MandateOut, **PROBLEMS}
)
def create_mandate(request: HttpRequest, payload: MandateIn) -> Status[Mandate]:
    """Ủy quyền cho người khác thực hiện thay trong phạm vi và thời hạn."""
    context, account = _self(request)
    mandate = services.create_mandate(
        account,
        payload.grantee,
        payload.scope,
        payload.valid_until,
        level=context.level,
        auth_time=context.auth_time,
    )
    return Status(201, mandate)


@router.post(
    "/mandates/{mandate_id}/revoke",
    auth=CitizenAuth(scopes=[MANDATES]),
    response={200: MandateOut, **PROBLEMS},
)
def revoke_mandate(request: HttpRequest, mandate_id: int) -> Mandate:
    """Thu hồi ủy quyền: hết hiệu lực ngay, kể cả với phiên đang thực hiện thay."""
    return services.revoke_mandate(_self(request)[1], mandate_id)
