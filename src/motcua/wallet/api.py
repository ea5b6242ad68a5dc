"""/api/v1/wallet and /api/v1/inbox: a citizen's (or organisation's) own e-wallet and inbox,
for the mobile app. Bearer token of a citizen only; another subject's ids answer 404."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from motcua.core.errors import PermissionDenied
from motcua.core.paging import Page, PageQuery
from motcua.core.paging import page as paged
from motcua.core.problems import ERRORS, Problem
from motcua.identity.api_auth import INBOX, WALLET, CitizenAuth, RequestContext, context_of

from . import selectors, services

PROBLEMS: dict[int, Any] = {**ERRORS, 401: Problem, 403: Problem}
wallet_router = Router(auth=CitizenAuth(scopes=[WALLET]))
inbox_router = Router(auth=CitizenAuth(scopes=[INBOX]))


class DocumentOut(Schema):
    id: uuid.UUID
    title: str
    issuer_code: str
    issuer_name: str = Field(description="cơ quan cấp")
    issued_on: dt.date
    valid_until: dt.date | None
    status: str
    is_valid: bool
    filename: str
    content_type: str
    sha256: str
    data: dict[str, Any]


class MessageOut(Schema):
    id: uuid.UUID
    title: str
    body: str
    kind: str = Field(description="dossier_status, supplement_request, result, info")
    link: str
    created_at: dt.datetime
    read_at: dt.datetime | None


class InboxQuery(PageQuery):
    unread: bool = Field(False, description="chỉ thông báo chưa đọc")


class InboxPage(Page[MessageOut]):
    unread: int = Field(description="số thông báo chưa đọc, trên mọi trang")


def _owner(request: HttpRequest) -> RequestContext:
    context = context_of(request)
    if not context.general_access:
        raise PermissionDenied(_("Ủy quyền này chỉ dành cho một số thủ tục."))
    return context


@wallet_router.get("", response={200: Page[DocumentOut], **PROBLEMS})
def list_documents(request: HttpRequest, page: Query[PageQuery]) -> dict[str, Any]:
    """Giấy tờ trong ví của chủ thể (of the subject acted for, when acting for someone)."""
    return paged(selectors.documents_of(_owner(request).subject_id), page)


@wallet_router.get(
    "/{document_id}/download",
    response={200: None, **PROBLEMS},
    openapi_extra={"responses": {200: {"description": "the document's file"}}},
)
def download_document(request: HttpRequest, document_id: str) -> HttpResponse:
    """Tải giấy tờ (download); every download is audited, naming both when acting for."""
    context = _owner(request)
    document, content = services.open_document(
        context.subject_id,
        document_id,
        actor=context.audit_actor,
        acting_for=context.audit_acting_for,
    )
    response = HttpResponse(content, content_type=document.content_type)
    response["Content-Disposition"] = f'attachment; filename="{document.filename}"'
    response["Digest"] = f"sha-256={document.sha256}"
    response["Cache-Control"] = "private, no-store"
    return response


@inbox_router.get("", response={200: InboxPage, **PROBLEMS})
def list_messages(request: HttpRequest, page: Query[InboxQuery]) -> dict[str, Any]:
    """Hộp thư thông báo chính thức, mới nhất trước."""
    owner = _owner(request).subject_id
    qs = selectors.messages_of(owner, unread_only=page.unread)
    return {**paged(qs, page), "unread": selectors.unread_count(owner)}


@inbox_router.post("/{message_id}/read", response={200: MessageOut, **PROBLEMS})
def read_message(request: HttpRequest, message_id: str) -> Any:
    """Đánh dấu đã đọc."""
    context = _owner(request)
    return services.mark_read(
        context.subject_id,
        message_id,
        actor=context.audit_actor,
        acting_for=context.audit_acting_for,
    )
