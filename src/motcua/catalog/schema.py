"""The catalog's import format (`motcua.catalog/1`), as pydantic models. Documented in
catalog/README.md; the same models validate JSON and CSV input."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from motcua.registries.modules import NATIONAL_DATABASES

CODE_RE = re.compile(r"^\d\.\d{6}$")
SECTOR_CODE_RE = re.compile(r"^[a-z0-9-]{2,60}$")
Level = Literal["central", "province", "commune"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class SectorIn(Strict):
    code: str = Field(pattern=SECTOR_CODE_RE.pattern)
    name: str = Field(min_length=2, max_length=200)
    name_en: str = Field(default="", max_length=200)


class FeeIn(Strict):
    label: str = Field(min_length=1, max_length=300)
    amount: int = Field(ge=0, le=1_000_000_000, description="VND")
    note: str = Field(default="", max_length=1000)
    optional: bool = Field(default=False, description="only when the person asks for it")


class ComponentIn(Strict):
    name: str = Field(min_length=2, max_length=500)
    required: bool = True
    copies: int = Field(default=1, ge=0, le=20)
    replaced_by: str | None = None

    @field_validator("replaced_by")
    @classmethod
    def known_database(cls, value: str | None) -> str | None:
        if value and value not in NATIONAL_DATABASES:
            known = ", ".join(sorted(NATIONAL_DATABASES))
            raise ValueError(f"cơ sở dữ liệu '{value}' không tồn tại (known: {known})")
        return value or None


class ProcedureIn(Strict):
    code: str
    name: str = Field(min_length=3, max_length=500)
    name_en: str = Field(default="", max_length=500)
    sector: str = Field(min_length=2, max_length=60)
    levels: list[Level] = Field(min_length=1)
    online_level: Literal["full", "partial"]
    processing_days: int = Field(ge=0, le=365)
    min_assurance_level: int = Field(default=1, ge=1, le=2)
    fees: list[FeeIn] = Field(default_factory=list)
    result_type: str = Field(min_length=2, max_length=500)
    legal_basis: list[str] = Field(default_factory=list)
    description: str = Field(default="", max_length=5000)
    components: list[ComponentIn] = Field(min_length=1)
    code_verified: bool | None = Field(default=None, exclude=True)

    @field_validator("code")
    @classmethod
    def national_code(cls, value: str) -> str:
        if not CODE_RE.match(value):
            raise ValueError("mã thủ tục phải có dạng 1.001193 (national code like 1.001193)")
        return value

    @field_validator("levels")
    @classmethod
    def distinct_levels(cls, value: list[str]) -> list[str]:
        return sorted(set(value), key=["central", "province", "commune"].index)
