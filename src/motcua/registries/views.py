"""The public data-quality page: scores per registry and rule for one province. It lists
failing record ids only (internal row ids), never personal data."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from motcua.core.errors import InvalidInput
from motcua.units.models import Province

from . import quality

FAILING_SHOWN = 20


def quality_page(request: HttpRequest) -> HttpResponse:
    province = (request.GET.get("tinh") or "").strip() or None
    error = None
    report = None
    failing: dict[tuple[str, str], list[int | str]] = {}
    try:
        report = quality.report(province)
        for registry in report.registries:
            for rule in registry.rules:
                if rule.failing:
                    failing[(registry.id, rule.rule)] = quality.failing_records(
                        registry.id, rule.rule, province, FAILING_SHOWN
                    )[1]
    except InvalidInput as exc:
        error = exc.detail
    rows = []
    if report:
        for registry in report.registries:
            for rule in registry.rules:
                rows.append(
                    {
                        "registry": registry,
                        "rule": rule,
                        "failing_ids": failing.get((registry.id, rule.rule), []),
                    }
                )
    return render(
        request,
        "registries/quality.html",
        {
            "province": province,
            "provinces": Province.objects.order_by("code").values_list("code", "name"),
            "report": report,
            "rows": rows,
            "error": error,
            "shown": FAILING_SHOWN,
        },
        status=400 if error else 200,
    )
