"""The REST API under /api/v1: routers of every app, errors as RFC 9457 problems."""

from __future__ import annotations

import logging
from typing import Any

from csp.decorators import csp_replace
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.renderers import JSONRenderer

from motcua.backoffice.api import router as backoffice_router
from motcua.backoffice.counter_api import router as counter_router
from motcua.catalog.api import router as catalog_router
from motcua.core.errors import DomainError
from motcua.core.middleware import malformed_body_problem
from motcua.core.problems import problem_response, server_error_problem, too_large_problem
from motcua.dossiers.api import forms_router, public_router, receiving_router
from motcua.dossiers.api import router as dossiers_router
from motcua.dossiers.bundle_api import router as bundles_router
from motcua.edocs.api import router as edocs_router
from motcua.exchange.api import router as exchange_router
from motcua.identity.api import router as identity_router
from motcua.monitoring.api import open_data_router
from motcua.monitoring.api import router as monitoring_router
from motcua.registries.api import router as registries_router
from motcua.units.api import router as units_router
from motcua.wallet.api import inbox_router, wallet_router

logger = logging.getLogger(__name__)


class UnicodeJSONRenderer(JSONRenderer):
    """UTF-8 JSON: Vietnamese names readable as they are, not as \\u escapes."""

    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    renderer=UnicodeJSONRenderer(),
    title="MotCua API",
    version="1",
    description=(
        "API của Cổng dịch vụ công một cửa quốc gia MotCua. Lỗi trả về theo RFC 9457 "
        "(application/problem+json). The MotCua national single window API."
    ),
    urls_namespace="api-v1",
    docs_url="/docs",
    openapi_url="/openapi.json",
    # Swagger UI sets style attributes as it renders: its page alone allows inline styles.
    docs_decorator=csp_replace({"style-src": ["'self'", "'unsafe-inline'"]}),
)
api.add_router("/units", units_router, tags=["units"])
api.add_router("/procedures", catalog_router, tags=["catalog"])
api.add_router("/registries", registries_router, tags=["registries"])
api.add_router("/exchange", exchange_router, tags=["exchange"])
api.add_router("/identity", identity_router, tags=["identity"])
api.add_router("/wallet", wallet_router, tags=["wallet"])
api.add_router("/inbox", inbox_router, tags=["wallet"])
api.add_router("/procedures", forms_router, tags=["dossiers"])
api.add_router("/procedures", receiving_router, tags=["dossiers"])
api.add_router("/dossiers", dossiers_router, tags=["dossiers"])
api.add_router("/public", public_router, tags=["dossiers"])
api.add_router("/bundles", bundles_router, tags=["dossiers"])
api.add_router("/backoffice", backoffice_router, tags=["backoffice"])
api.add_router("/backoffice/counter", counter_router, tags=["backoffice"])
api.add_router("/monitoring", monitoring_router, tags=["monitoring"])
api.add_router("/open-data", open_data_router, tags=["monitoring"])
api.add_router("/edocs", edocs_router, tags=["edocs"])


def _validation_errors(errors: list[Any]) -> list[dict[str, Any]]:
    cleaned = []
    for error in errors:
        loc = [str(p) for p in error.get("loc", [])]
        cleaned.append({"loc": loc, "msg": str(error.get("msg", "")), "type": error.get("type")})
    return cleaned


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return problem_response(
        request,
        400,
        "invalid-input",
        "Dữ liệu không hợp lệ",
        "Yêu cầu có tham số hoặc nội dung không hợp lệ.",
        errors=_validation_errors(exc.errors),
    )


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    extra = {k: v for k, v in exc.extra.items() if k in {"param", "errors"}}
    errors = extra.get("errors", getattr(exc, "errors", None))
    if isinstance(errors, dict):  # {path: message}, e.g. a form's field errors
        errors = [{"loc": str(k).split("."), "msg": str(v)} for k, v in errors.items()]
    if errors is not None:
        extra["errors"] = errors
    response = problem_response(request, exc.status, exc.code, exc.title, exc.detail, **extra)
    if exc.code == "insufficient_scope":  # RFC 6750 §3: the scopes the token would need
        scope = str(exc.extra.get("scope", ""))
        response["WWW-Authenticate"] = f'Bearer error="insufficient_scope", scope="{scope}"'
    return response


@api.exception_handler(AuthenticationError)
def on_authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = problem_response(
        request,
        401,
        "unauthenticated",
        "Chưa đăng nhập",
        "Cần đăng nhập (bearer token) để dùng chức năng này.",
    )
    response["WWW-Authenticate"] = 'Bearer realm="motcua"'  # RFC 6750 §3
    return response


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    detail = str(exc)
    if detail.startswith("Cannot parse request body"):
        detail = "Nội dung yêu cầu không phải JSON hợp lệ."
    return problem_response(request, exc.status_code, "http-error", "Yêu cầu không hợp lệ", detail)


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return problem_response(
        request, 404, "not-found", "Không tìm thấy", "Không tìm thấy tài nguyên được yêu cầu."
    )


@api.exception_handler(RequestDataTooBig)
def on_too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return too_large_problem(request)


@api.exception_handler(MultiPartParserError)
def on_malformed_body(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
    return malformed_body_problem(request)


@api.exception_handler(Exception)
def on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("unexpected API error", exc_info=exc)
    return server_error_problem(request)
