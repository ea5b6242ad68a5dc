"""The officials' pages for official documents (văn bản điện tử), under /van-ban/, with the
back office's login: incoming and outgoing lists, compose and send, a document's page with its
recipients' states and the actions of the moment, file downloads (audited)."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from motcua.backoffice.oidc import SESSION_OFFICIAL
from motcua.backoffice.views import official_required
from motcua.core.errors import DomainError, NotFound

from . import package, services
from .models import Delivery, Document


def _me(request: HttpRequest) -> services.Official:
    claims = request.session[SESSION_OFFICIAL]
    return services.official(str(claims.get("personal_id") or ""))


@official_required
def boxes(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    outgoing = request.GET.get("so") == "di"
    found = services.outgoing(me) if outgoing else services.incoming(me)
    return render(
        request,
        "edocs/list.html",
        {"me": me, "outgoing": outgoing, "documents": list(found[:100])},
    )


@official_required
@require_http_methods(["GET", "POST"])
def compose(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    values: dict[str, Any] = {"answers": request.GET.get("tra-loi", "")}
    status = 200
    if request.method == "POST":
        values = request.POST.dict()
        files = [
            package.File(name=f.name or "tep", media_type=f.content_type or "", data=f.read())
            for f in request.FILES.getlist("attachments")
        ]
        answers = values.get("answers") or None
        try:
            draft = services.Draft(
                doc_type=values.get("doc_type", ""),
                summary=values.get("summary", ""),
                recipients=values.get("recipients", "").replace(",", " ").split(),
                signer_personal_id=values.get("signer", ""),
                signer_position=values.get("signer_position", ""),
                body=values.get("body", ""),
                urgency=values.get("urgency", "normal"),
                confidentiality=values.get("confidentiality", "normal"),
                attachments=files,
                answers=uuid.UUID(answers) if answers else None,
            )
            document = services.send(me, draft)
        except (DomainError, ValueError) as exc:
            messages.error(request, getattr(exc, "detail", "Dữ liệu không hợp lệ."))
            status = 400
        else:
            messages.success(request, f"Đã ban hành và gửi văn bản số {document.number_symbol}.")
            return redirect("edocs:document", document_id=document.pk)
    return render(
        request,
        "edocs/compose.html",
        {
            "me": me,
            "values": values,
            "types": services.DOC_TYPES,
            "urgencies": Document.Urgency.choices,
            "levels": Document.Confidentiality.choices,
        },
        status=status,
    )


_ACTIONS = {
    "register": lambda me, pk, post: services.register_incoming(me, pk),
    "assign": lambda me, pk, post: services.assign(me, pk, post.get("assignee", "").strip()),
    "done": lambda me, pk, post: services.complete(me, pk, post.get("reason", "")),
    "return": lambda me, pk, post: services.return_document(me, pk, post.get("reason", "")),
    "recall": lambda me, pk, post: services.recall(me, pk, post.get("reason", "")),
}


@official_required
@require_http_methods(["GET", "POST"])
def document(request: HttpRequest, document_id: uuid.UUID) -> HttpResponse:
    me = _me(request)
    status = 200
    if request.method == "POST":
        action = _ACTIONS.get(request.POST.get("action", ""))
        try:
            if action is None:
                raise ValueError
            action(me, document_id, request.POST)
        except (DomainError, ValueError) as exc:
            messages.error(request, getattr(exc, "detail", "Thao tác không hợp lệ."))
            status = 400
        else:
            messages.success(request, "Đã thực hiện.")
            return redirect("edocs:document", document_id=document_id)
    try:
        found = services.get(me, document_id)
    except NotFound:
        raise Http404 from None
    opened, refusal = None, ""
    try:
        opened = services.open_document(me, document_id, purpose="xem trên trang")
    except DomainError as exc:
        refusal = exc.detail
    handling = getattr(found, "delivery_in", None)
    return render(
        request,
        "edocs/document.html",
        {
            "me": me,
            "d": found,
            "opened": opened,
            "files": list(enumerate(opened.files, start=1)) if opened else [],
            "refusal": refusal,
            "handling": handling,
            "deliveries": list(found.deliveries.prefetch_related("events")),
            "States": Delivery.State,
        },
        status=status,
    )


@official_required
def download(request: HttpRequest, document_id: uuid.UUID, index: int) -> HttpResponse:
    try:
        item, data = services.download(_me(request), document_id, index)
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        return HttpResponse(exc.detail, status=exc.status, content_type="text/plain; charset=utf-8")
    response = HttpResponse(data, content_type=item["media_type"] or "application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="{item["path"].split("/")[-1]}"'
    return response
