"""/api/v1/units: provinces, communes and a name search that ignores diacritics and case."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from motcua.core.paging import MAX_LIMIT, Page, PageQuery, page
from motcua.core.problems import ERRORS

from . import selectors
from .models import Commune, Province

router = Router()


class ProvinceOut(Schema):
    code: str = Field(examples=["01"])
    name: str = Field(examples=["Thành phố Hà Nội"])
    division_type: str


class CommuneOut(Schema):
    code: str = Field(examples=["00070"])
    name: str = Field(examples=["Phường Hoàn Kiếm"])
    division_type: str
    province_code: str = Field(alias="province_id")


class UnitHit(Schema):
    kind: str = Field(description="province or commune")
    code: str
    name: str
    province_code: str
    province_name: str


class SearchQuery(PageQuery):
    q: str = Field(min_length=1, max_length=100, description="tên, không cần dấu")
    limit: int = Field(20, ge=1, le=MAX_LIMIT, description="số mục tối đa một trang")


@router.get("/provinces", response={200: Page[ProvinceOut], **ERRORS})
def list_provinces(request: HttpRequest, params: Query[PageQuery]) -> dict[str, Any]:
    return page(selectors.provinces().order_by("code"), params)


@router.get("/provinces/{code}/communes", response={200: Page[CommuneOut], **ERRORS})
def list_communes(request: HttpRequest, code: str, params: Query[PageQuery]) -> dict[str, Any]:
    return page(selectors.communes_of(code).order_by("code"), params)


def _hit(unit: Province | Commune) -> UnitHit:
    if isinstance(unit, Province):
        return UnitHit(
            kind="province",
            code=unit.code,
            name=unit.name,
            province_code=unit.code,
            province_name=unit.name,
        )
    return UnitHit(
        kind="commune",
        code=unit.code,
        name=unit.name,
        province_code=unit.province.code,
        province_name=unit.province.name,
    )


@router.get("/search", response={200: Page[UnitHit], **ERRORS})
def search_units(request: HttpRequest, params: Query[SearchQuery]) -> dict[str, Any]:
    """Đơn vị hành chính theo tên, khớp nhất trước."""
    return page(selectors.ranked_units(params.q), params, _hit)
