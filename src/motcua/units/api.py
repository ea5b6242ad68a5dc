"""/api/v1/units: provinces, communes and a name search that ignores diacritics and case."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

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


class SearchQuery(Schema):
    q: str = Field(min_length=1, max_length=100, description="tên, không cần dấu")
    limit: int = Field(20, ge=1, le=100)


@router.get("/provinces", response={200: list[ProvinceOut], **ERRORS})
def list_provinces(request: HttpRequest) -> list[Province]:
    return list(selectors.provinces())


@router.get("/provinces/{code}/communes", response={200: list[CommuneOut], **ERRORS})
def list_communes(request: HttpRequest, code: str) -> list[Commune]:
    return list(selectors.communes_of(code))


@router.get("/search", response={200: list[UnitHit], **ERRORS})
def search_units(request: HttpRequest, params: Query[SearchQuery]) -> list[UnitHit]:
    hits = []
    for unit in selectors.search_units(params.q, params.limit):
        if isinstance(unit, Province):
            hits.append(
                UnitHit(
                    kind="province",
                    code=unit.code,
                    name=unit.name,
                    province_code=unit.code,
                    province_name=unit.name,
                )
            )
        else:
            hits.append(
                UnitHit(
                    kind="commune",
                    code=unit.code,
                    name=unit.name,
                    province_code=unit.province.code,
                    province_name=unit.province.name,
                )
            )
    return hits
