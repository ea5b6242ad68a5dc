"""The citizen portal's public pages: home, the procedure catalog and a procedure's page."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from motcua.catalog import selectors as catalog
from motcua.core.errors import InvalidInput, NotFound

PAGE_SIZE = 20


def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "portal/home.html",
        {
            "sectors": catalog.sectors(),
            "procedure_count": catalog.published().count(),
        },
    )


def procedure_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    sector = request.GET.get("sector") or None
    level = request.GET.get("level") or None
    try:
        page_number = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page_number = 1
    error = None
    try:
        page = catalog.search(q, sector, level, PAGE_SIZE, (page_number - 1) * PAGE_SIZE)
    except InvalidInput as exc:
        error = exc.detail
        page = catalog.SearchPage(total=0, items=[])
    pages = max(1, -(-page.total // PAGE_SIZE))
    context = {
        "q": q,
        "sector": sector,
        "level": level,
        "page": page,
        "error": error,
        "page_number": page_number,
        "pages": pages,
        "sectors": catalog.sectors(),
        "levels": LEVEL_NAMES,
    }
    template = (
        "portal/_procedure_results.html"
        if request.headers.get("HX-Request") == "true"
        else "portal/procedure_list.html"
    )
    return render(request, template, context, status=400 if error else 200)


def procedure_detail(request: HttpRequest, code: str) -> HttpResponse:
    try:
        version = catalog.get_published(code)
    except NotFound:
        raise Http404(code) from None
    components = list(version.components.all())
    return render(
        request,
        "portal/procedure_detail.html",
        {
            "v": version,
            "to_prepare": [c for c in components if not c.replaced_by],
            "state_has": [c for c in components if c.replaced_by],
            "level_names": [LEVEL_NAMES[level] for level in version.levels],
            "members": catalog.members_of(version) if version.is_integrated else [],
        },
    )


LEVEL_NAMES = {"central": "Trung ương", "province": "Cấp tỉnh", "commune": "Cấp xã"}
