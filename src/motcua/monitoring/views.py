"""The monitoring centre's pages: the national dashboard, each province's and commune's own
page (officials, through the back office's login), and the public open statistics."""

from __future__ import annotations

from functools import wraps
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from motcua.core.errors import DomainError, NotFound, PermissionDenied
from motcua.core.officials import SESSION_OFFICIAL, login_redirect

from . import access, charts, selectors, services
from .access import NATIONAL
from .indexes import COLOUR_LABELS, INDEXES
from .models import READINESS_ITEMS


def official_required(view: Any) -> Any:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        claims = request.session.get(SESSION_OFFICIAL) or {}
        try:
            request.viewer = access.viewer_for(str(claims.get("personal_id") or ""))  # type: ignore[attr-defined]
        except PermissionDenied:
            return login_redirect(request)
        return view(request, *args, **kwargs)

    return wrapper


def _period(request: HttpRequest) -> tuple[selectors.Period, str]:
    try:
        return selectors.period(request.GET.get("ky")), ""
    except DomainError as exc:
        return selectors.period(None), exc.detail


def _trend_chart(code: str, key: str) -> tuple[Any, list[tuple[str, Any]]]:
    months = selectors.trend(code, months=24)
    labels = [m for m, _r in months]
    chart = charts.line_chart(
        _("Diễn biến theo tháng"),
        labels,
        [
            (_("Điểm tổng hợp"), [r.score for _m, r in months]),
            (_("Đúng hạn (%)"), [r.indexes["progress"] for _m, r in months]),
            (_("Trực tuyến (%)"), [r.indexes["online"] for _m, r in months]),
        ],
        key=key,
    )
    return chart, months


def _common(request: HttpRequest, code: str, p: selectors.Period) -> dict[str, Any]:
    chart, months = _trend_chart(code, f"trend-{code}")
    return {
        "viewer": request.viewer,  # type: ignore[attr-defined]
        "code": code,
        "name": selectors.unit_name(code),
        "period": p,
        "report": selectors.unit_report(code, p),
        "index_defs": INDEXES,
        "chart": chart,
        "months": months[-12:],
        "colour_labels": COLOUR_LABELS,
    }


@official_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The centre's national view; other officials land on their own unit's page."""
    viewer: access.Viewer = request.viewer  # type: ignore[attr-defined]
    if not viewer.national:
        if not viewer.home:
            raise Http404("no unit")
        return redirect("monitoring:unit", code=viewer.home)
    p, error = _period(request)
    context = _common(request, NATIONAL, p)
    context.update(
        {
            "error": error,
            "provinces": selectors.province_ranking(p),
            "red": selectors.red_communes(p, limit=50),
            "late_tasks": selectors.late_tasks(limit=20),
        }
    )
    return render(request, "monitoring/dashboard.html", context)


@official_required
def unit(request: HttpRequest, code: str) -> HttpResponse:
    """A province's or a commune's own page (and the centre's drill-down)."""
    viewer: access.Viewer = request.viewer  # type: ignore[attr-defined]
    if code == NATIONAL:
        return redirect("monitoring:dashboard")
    try:
        selectors.check_unit(code)
        access.require(viewer, code)
    except NotFound:
        raise Http404(code) from None
    except PermissionDenied as exc:
        return render(request, "monitoring/refused.html", {"error": exc.detail}, status=403)
    p, error = _period(request)
    context = _common(request, code, p)
    context.update(
        {"error": error, "late_tasks": selectors.late_tasks(unit=code, limit=20), "level": ""}
    )
    if len(code) == 2:
        communes = selectors.commune_reports(p, code)
        context.update(
            {
                "level": "province",
                "communes": selectors.commune_ranking(code, p, communes),
                "red": selectors.red_communes(p, limit=50, communes=communes),
                "readiness": selectors.readiness_summary(code),
            }
        )
    else:
        commune = access.commune_unit(code)
        row = services.readiness_of(code)
        context.update(
            {
                "level": "commune",
                "province_code": commune.province_id,
                "province_name": selectors.unit_name(commune.province_id),
                "readiness": row,
                "readiness_items": [(k, label, getattr(row, k)) for k, label in READINESS_ITEMS],
                "may_update": viewer.may_update_readiness(code, commune.province_id),
                "may_verify": viewer.may_verify_readiness(commune.province_id),
            }
        )
    return render(request, "monitoring/unit.html", context)


@official_required
@require_POST
def readiness(request: HttpRequest, code: str) -> HttpResponse:
    """The commune updates its checklist, or (`action=verify`) the province verifies it."""
    viewer: access.Viewer = request.viewer  # type: ignore[attr-defined]
    try:
        if request.POST.get("action") == "verify":
            services.verify_readiness(viewer, code)
            messages.success(request, _("Đã xác nhận mức độ sẵn sàng."))
        else:
            items = [k for k, _label in READINESS_ITEMS if request.POST.get(k)]
            services.update_readiness(viewer, code, items, note=request.POST.get("note", ""))
            messages.success(request, _("Đã cập nhật mức độ sẵn sàng; chờ tỉnh xác nhận."))
    except NotFound:
        raise Http404(code) from None
    except DomainError as exc:
        return render(request, "monitoring/refused.html", {"error": exc.detail}, status=exc.status)
    return redirect("monitoring:unit", code=code)


@official_required
@require_http_methods(["GET", "POST"])
def task_list(request: HttpRequest) -> HttpResponse:
    """The plan's tasks assigned to the official's units (all of them for the centre)."""
    viewer: access.Viewer = request.viewer  # type: ignore[attr-defined]
    late = request.GET.get("tre-han") == "1"
    if request.method == "POST" and viewer.national:
        try:
            services.verify_task(viewer, request.POST.get("task", ""))
            messages.success(request, _("Đã xác nhận kết quả nhiệm vụ."))
        except DomainError as exc:
            messages.error(request, exc.detail)
        return redirect(request.get_full_path())
    found = selectors.tasks(late=late or None, unit=None if viewer.national else viewer.home)
    return render(
        request,
        "monitoring/tasks.html",
        {"tasks": found, "late": late, "viewer": viewer, "late_codes": _late_codes(found)},
    )


def _late_codes(found: list[Any]) -> set[str]:
    return {t.code for t in found if services.is_late(t)}


def open_statistics(request: HttpRequest) -> HttpResponse:
    """Thống kê mở: the public figures, downloadable as CSV and JSON."""
    p, error = _period(request)
    level = "commune" if request.GET.get("cap") == "xa" else "province"
    rows = [
        {**r, "colour_label": COLOUR_LABELS.get(r["colour"] or "", "")}
        for r in selectors.open_data(level, p)
    ]
    query = urlencode({"level": level, "period": p.code})
    return render(
        request,
        "monitoring/open.html",
        {
            "rows": rows,
            "period": p,
            "level": level,
            "error": error,
            "csv_url": f"/api/v1/open-data/indexes.csv?{query}",
            "json_url": f"/api/v1/open-data/indexes.json?{query}",
            "index_defs": INDEXES,
            "floor": selectors.indexes.conf("SUPPRESS_BELOW"),
            "colour_labels": COLOUR_LABELS,
        },
    )
