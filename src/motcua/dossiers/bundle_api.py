"""/api/v1/bundles: an integrated service (dịch vụ công liên thông) as one application for a
mobile client: open it with the one form, attach files and edit the draft through
/api/v1/dossiers/{reference}, submit it here, then follow one status, one timeline and one
receipt. Someone else's application answers 404."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema
from ninja.responses import Status

from motcua.core.problems import Problem
from motcua.identity.api_auth import DOSSIERS, CitizenAuth

from . import bundles
from .api import PROBLEMS, _applicant

router = Router(auth=CitizenAuth(scopes=[DOSSIERS]))


class BundleIn(Schema):
    service: str = Field(max_length=20, examples=["3.000722"], description="integrated service")
    receiving_unit: str = Field(max_length=40, examples=["01.00070.tthcc"])
    data: dict[str, Any] = Field(default_factory=dict, description="the one form's data")


class BundleMemberOut(Schema):
    key: str
    code: str = Field(description="member procedure code")
    name: str
    authority: str
    depends_on: list[str]
    state: str = Field(description="waiting, filed, result, refused or stopped")
    status: str
    status_label: str
    dossier_code: str | None = Field(None, description="the member's own dossier, once filed")
    due_date: dt.date | None
    note: str = Field("", description="why it was refused or stopped")
    result_title: str = ""


class TimelineOut(Schema):
    at: dt.datetime
    member: str = Field(description="the member it concerns; empty for the whole application")
    action: str
    status: str
    note: str


class BundleOut(Schema):
    reference: str
    code: str | None
    service: str
    name: str
    status: str
    status_label: str
    receiving_unit: str
    receiving_unit_name: str
    fee_amount: int
    submitted_at: dt.datetime | None
    due_date: dt.date | None
    next_step: str
    members: list[BundleMemberOut]
    timeline: list[TimelineOut]


def _out(bundle: bundles.BundleView) -> dict[str, Any]:
    parent = bundle.parent
    return {
        "reference": parent.reference,
        "code": parent.code,
        "service": parent.procedure_code,
        "name": parent.procedure_name,
        "status": parent.status,
        "status_label": parent.get_status_display(),
        "receiving_unit": parent.receiving_unit,
        "receiving_unit_name": parent.receiving_unit_name,
        "fee_amount": parent.fee_amount,
        "submitted_at": parent.submitted_at,
        "due_date": parent.due_date or parent.appointment_date,
        "next_step": bundle.next_step,
        "members": [
            {
                "key": m.key,
                "code": m.procedure_code,
                "name": m.name,
                "authority": m.authority,
                "depends_on": m.depends_on,
                "state": m.state if parent.code else "waiting",
                "status": m.dossier.status if m.dossier else "draft",
                "status_label": m.status_label if parent.code else "Chưa nộp",
                "dossier_code": m.dossier.code if m.dossier else None,
                "due_date": (m.dossier.due_date or m.dossier.appointment_date)
                if m.dossier
                else None,
                "note": m.note,
                "result_title": m.result_title,
            }
            for m in bundle.members
        ],
        "timeline": [
            {"at": r.at, "member": r.member, "action": r.action, "status": r.status, "note": r.note}
            for r in bundle.timeline
        ],
    }


@router.post("", response={201: BundleOut, **PROBLEMS})
def open_bundle(request: HttpRequest, payload: BundleIn) -> Any:
    """Mở hồ sơ dịch vụ công liên thông (một tờ khai cho mọi thủ tục thành phần), bản nháp."""
    parent = bundles.start(
        _applicant(request), payload.service, payload.receiving_unit, payload.data
    )
    return Status(201, _out(bundles.view(parent)))


@router.get("/{reference}", response={200: BundleOut, **PROBLEMS})
def get_bundle(request: HttpRequest, reference: str) -> Any:
    """Hồ sơ liên thông: trạng thái chung, từng thành phần và một dòng thời gian."""
    return _out(bundles.get_for(_applicant(request), reference))


@router.post("/{reference}/submit", response={200: BundleOut, **PROBLEMS, 402: Problem})
def submit_bundle(request: HttpRequest, reference: str) -> Any:
    """Nộp một lần; honours `Idempotency-Key` (a retry returns the same application)."""
    key = request.headers.get("Idempotency-Key", "")
    return _out(bundles.submit(_applicant(request), reference, idempotency_key=key))


@router.get(
    "/{reference}/receipt.pdf",
    response={200: None, **PROBLEMS},
    openapi_extra={"responses": {200: {"description": "giấy tiếp nhận hồ sơ liên thông (PDF)"}}},
)
def get_receipt(request: HttpRequest, reference: str) -> HttpResponse:
    """Một giấy tiếp nhận cho cả hồ sơ liên thông (PDF)."""
    from motcua.core.errors import InvalidInput

    bundle = bundles.get_for(_applicant(request), reference)
    if not bundle.parent.code:
        raise InvalidInput("Hồ sơ chưa nộp nên chưa có giấy tiếp nhận.")
    response = HttpResponse(bundles.receipt_pdf(bundle.parent), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{bundle.parent.code}.pdf"'
    return response
