"""/api/v1/procedures: search and read the catalog of administrative procedures."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from motcua.core.paging import Page, PageQuery, sliced
from motcua.core.problems import ERRORS

from . import selectors
from .models import ProcedureVersion

router = Router()


class SectorOut(Schema):
    code: str
    name: str
    name_en: str


class FeeOut(Schema):
    label: str
    amount: int = Field(description="VND")
    note: str = ""
    optional: bool = False


class ComponentOut(Schema):
    key: str = Field(
        description="stable id: the `component` of POST /dossiers/{reference}/files",
        examples=["giay-chung-sinh-hoac-van-ban-cua-nguoi-lam-chung-giay-cam"],
    )
    name: str
    form: bool = Field(description="the declaration the e-form fills: no file")
    required: bool
    copies: int
    replaced_by: str | None = Field(None, description="national database that replaces it")
    replaced_by_name: str | None = None


class ProcedureSummary(Schema):
    code: str = Field(examples=["1.001193"])
    name: str = Field(examples=["Đăng ký khai sinh"])
    name_en: str
    sector: SectorOut
    levels: list[str]
    online_level: str
    processing_days: int
    total_fee: int = Field(description="VND, the fees every applicant pays")
    version: int
    kind: Literal["single", "integrated"] = Field(
        "single", description="integrated: a dịch vụ công liên thông bundling `members`"
    )
    members: list[str] = Field(
        default_factory=list, description="member procedure codes of an integrated service"
    )


class MemberOut(Schema):
    key: str
    code: str
    name: str
    depends_on: list[str] = Field(description="keys of the members whose results it needs")
    fee: int | None = Field(None, description="VND inside the bundle, when it differs")


class ProcedureOut(ProcedureSummary):
    fees: list[FeeOut]
    result_type: str
    legal_basis: list[str]
    description: str
    components: list[ComponentOut]
    published_at: str
    member_details: list[MemberOut] = Field(default_factory=list)


class ProcedureQuery(PageQuery):
    q: str = Field("", max_length=200, description="từ khóa, không cần dấu")
    sector: str | None = Field(None, max_length=60)
    level: Literal["central", "province", "commune"] | None = None
    kind: Literal["single", "integrated"] | None = Field(
        None, description="single procedures, integrated services, or both when absent"
    )
    limit: int = Field(20, ge=1, le=selectors.MAX_LIMIT, description="số mục tối đa một trang")


def _summary(v: ProcedureVersion) -> ProcedureSummary:
    return ProcedureSummary(
        code=v.procedure.code,
        name=v.name,
        name_en=v.name_en,
        sector=SectorOut(code=v.sector.code, name=v.sector.name, name_en=v.sector.name_en),
        levels=v.levels,
        online_level=v.online_level,
        processing_days=v.processing_days,
        total_fee=v.total_fee,
        version=v.version,
        kind=v.kind,  # type: ignore[arg-type]
        members=v.member_codes,
    )


@router.get("", response={200: Page[ProcedureSummary], **ERRORS})
def search_procedures(request: HttpRequest, params: Query[ProcedureQuery]) -> Any:
    found = selectors.search(
        params.q, params.sector, params.level, params.limit, params.offset, kind=params.kind
    )
    return sliced(found.items, found.total, params, _summary)


@router.get("/{code}", response={200: ProcedureOut, **ERRORS})
def get_procedure(request: HttpRequest, code: str) -> ProcedureOut:
    v = selectors.get_published(code)
    return ProcedureOut(
        **_summary(v).model_dump(),
        fees=[FeeOut(**fee) for fee in v.fees],
        result_type=v.result_type,
        legal_basis=v.legal_basis,
        description=v.description,
        components=[
            ComponentOut(
                key=c.key,
                form=c.is_form,
                name=c.name,
                required=c.required,
                copies=c.copies,
                replaced_by=c.replaced_by or None,
                replaced_by_name=c.replaced_by_name or None,
            )
            for c in v.components.all()
        ],
        published_at=v.published_at.isoformat(),
        member_details=[
            MemberOut(
                key=m.key, code=m.procedure_code, name=m.name, depends_on=m.depends_on, fee=m.fee
            )
            for m in selectors.members_of(v)
        ],
    )
