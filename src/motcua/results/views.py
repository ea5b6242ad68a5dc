"""Public verification pages (xác thực kết quả điện tử): anyone holding a result, or its QR
code, checks that it is the document issued and still valid. Thin: they call services."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from motcua.core import uploads

from .errors import ResultNotFound


class _Services:
    """results.services, imported on first use: pyhanko and fpdf take seconds to import and
    every process loads the URL configuration."""

    def __getattr__(self, name: str) -> Any:
        from . import services as module

        return getattr(module, name)


services: Any = _Services()

MAX_PDF_BYTES = 20 * 1024 * 1024


def _check(request: HttpRequest, expected=None) -> tuple[Any, str]:
    upload = request.FILES.get("tep")
    if upload is None:
        return None, "Vui lòng chọn tệp PDF cần kiểm tra."
    try:
        checked = uploads.check_upload(
            upload.name or "tep.pdf",
            upload,
            max_bytes=MAX_PDF_BYTES,
            allowed=frozenset({uploads.PDF}),
            refuse_active=False,  # only verified, never stored nor shown
        )
    except uploads.UploadRefused as exc:
        return None, exc.detail
    return services.verify_pdf(checked.data, expected=expected), ""


@require_http_methods(["GET", "POST"])
def verify_any(request: HttpRequest) -> HttpResponse:
    verification, error = _check(request) if request.method == "POST" else (None, "")
    return render(
        request,
        "results/verify.html",
        {"verification": verification, "error": error},
        status=400 if error else 200,
    )


@require_http_methods(["GET", "POST"])
def document_page(request: HttpRequest, document_id: uuid.UUID) -> HttpResponse:
    try:
        document = services.get_document(document_id)
    except ResultNotFound as exc:
        return render(request, "results/not_found.html", {"error": exc.detail}, status=404)
    verification, error = _check(request, document) if request.method == "POST" else (None, "")
    return render(
        request,
        "results/document.html",
        {"document": document, "verification": verification, "error": error},
        status=400 if error else 200,
    )
