"""/api/v1/registries: the data-quality report per province and the failing record ids."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from motcua.core.paging import Page, PageQuery, page, sliced
from motcua.core.problems import ERRORS

from . import modules, quality

router = Router()


class RuleOut(Schema):
    rule: str
    title: str
    passing: int
    total: int
    failing: int
    score: float = Field(description="phần trăm đạt")


class RegistryOut(Schema):
    id: str
    name: str
    records: int
    rules: list[RuleOut]


class ReportOut(Schema):
    province: str | None
    seconds: float
    registries: list[RegistryOut]


class ReportQuery(Schema):
    province: str | None = Field(None, description="mã tỉnh 2 chữ số; trống: cả nước")


class FailingQuery(PageQuery):
    registry: str = Field(examples=["population"])
    rule: str = Field(examples=["correct"])
    province: str | None = None
    limit: int = Field(100, ge=1, le=1000, description="số mã tối đa một trang")


class FailingOut(Page[int | str]):
    """`items`: mã nội bộ của bản ghi lỗi (không chứa dữ liệu cá nhân); với `shared`: tên
    thuộc tính chưa được chia sẻ."""

    registry: str
    rule: str
    province: str | None


class DatabaseOut(Schema):
    id: str
    name: str


@router.get("/", response={200: Page[DatabaseOut], **ERRORS})
def list_registries(request: HttpRequest, params: Query[PageQuery]) -> dict[str, Any]:
    """Các cơ sở dữ liệu quốc gia (the national databases)."""
    databases = [{"id": key, "name": name} for key, name in modules.NATIONAL_DATABASES.items()]
    return page(databases, params)


@router.get("/quality", response={200: ReportOut, **ERRORS})
def quality_report(request: HttpRequest, params: Query[ReportQuery]) -> dict[str, Any]:
    """Điểm chất lượng dữ liệu theo từng quy tắc (data-quality score per rule)."""
    report = quality.report(params.province or None)
    return {
        "province": report.province_code,
        "seconds": round(report.seconds, 4),
        "registries": [
            {
                "id": r.id,
                "name": r.name,
                "records": r.records,
                "rules": [{**rule.__dict__, "score": rule.score} for rule in r.rules],
            }
            for r in report.registries
        ],
    }


@router.get("/quality/failing", response={200: FailingOut, **ERRORS})
def failing_records(request: HttpRequest, params: Query[FailingQuery]) -> dict[str, Any]:
    """Bản ghi không đạt một quy tắc (records failing a rule), theo trang."""
    total, ids = quality.failing_records(
        params.registry, params.rule, params.province or None, params.limit, params.offset
    )
    return {
        **sliced(ids, total, params),
        "registry": params.registry,
        "rule": params.rule,
        "province": params.province or None,
    }
