"""The officials' pages for official documents (văn bản điện tử), under /van-ban/, with the
back office's login: incoming and outgoing lists, compose (a clerk submits a draft for
signing; the signer signs it on its page, in their own session), a document's page with its
recipients' states and the actions of the moment, file downloads (audited)."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from motcua.core.errors import DomainError, NotFound
from motcua.core.officials import SESSION_OFFICIAL, official_required

from . import package, services
from .models import Delivery, Document


def _me(request: HttpRequest) -> services.Official:
    claims = request.session[SESSION_OFFICIAL]
    return services.official(str(claims.get("personal_id") or ""))


@official_required
def boxes(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    box = request.GET.get("so", "")
    if box == "du-thao":
        try:
            pending = list(services.drafts(me)[:100])
        except DomainError as exc:
            messages.error(request, exc.detail)
            pending = []
        return render(request, "edocs/drafts.html", {"me": me, "drafts": pending})
    outgoing = box == "di"
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
            if values.get("intent") == "sign":
                document = services.send(me, draft)
            else:
                pending = services.prepare(me, draft)
        except (DomainError, ValueError) as exc:
            messages.error(request, getattr(exc, "detail", "Dữ liệu không hợp lệ."))
            status = getattr(exc, "status", 400)
        else:
            if values.get("intent") == "sign":
                messages.success(
                    request, f"Đã ký số, ban hành và gửi văn bản số {document.number_symbol}."
                )
                return redirect("edocs:document", document_id=document.pk)
            messages.success(request, f"Đã trình dự thảo cho {pending.signer_name} ký.")
            return redirect("edocs:draft", draft_id=pending.pk)
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
@require_http_methods(["GET", "POST"])
def draft(request: HttpRequest, draft_id: uuid.UUID) -> HttpResponse:
    """A draft submitted for signing; its signer (only) signs and issues it or sends it back."""
    me = _me(request)
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "sign":
                from motcua.results.signing import Activation

                activation = Activation(
                    pin=request.POST.get("pin", "")[:64], otp=request.POST.get("otp", "")[:64]
                )
                document = services.sign_draft(me, draft_id, activation=activation)
            elif action == "reject":
                services.reject_draft(me, draft_id, request.POST.get("reason", ""))
            else:
                raise ValueError
        except (DomainError, ValueError) as exc:
            messages.error(request, getattr(exc, "detail", "Thao tác không hợp lệ."))
            status = getattr(exc, "status", 400)
        else:
            if action == "sign":
                messages.success(
                    request, f"Đã ký số, ban hành và gửi văn bản số {document.number_symbol}."
                )
                return redirect("edocs:document", document_id=document.pk)
            messages.success(request, "Đã trả lại dự thảo cho người trình.")
            return redirect("edocs:draft", draft_id=draft_id)
    try:
        pending = services.get_draft(me, draft_id)
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        return HttpResponse(exc.detail, status=exc.status, content_type="text/plain; charset=utf-8")
    return render(
        request,
        "edocs/draft.html",
        {
            "me": me,
            "p": pending,
            "content": services.draft_content(pending),
            "is_signer": pending.signer_personal_id == me.personal_id,
            "remote_signing": services.remote_signing(),
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
