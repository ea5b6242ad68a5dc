"""The catalog's import format (`motcua.catalog/1`), as pydantic models. Documented in
catalog/README.md; the same models validate JSON and CSV input."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from motcua.core.text import fold
from motcua.registries.modules import NATIONAL_DATABASES

CODE_RE = re.compile(r"^\d\.\d{6}$")
SECTOR_CODE_RE = re.compile(r"^[a-z0-9-]{2,60}$")
Level = Literal["central", "province", "commune"]
MEMBER_KEY_RE = re.compile(r"^[a-z][a-z0-9-]{1,39}$")
COMPONENT_KEY_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,59}$")
# A component whose name starts so is the declaration itself, which the e-form fills.
FORM_COMPONENT_PREFIX = "Tờ khai"


def component_key(name: str) -> str:
    """The key a component gets when the catalog names none: its folded name's first
    words, up to 60 characters (stable while the name is)."""
    key = ""
    for word in fold(name).split():
        if len(key) + len(word) + 1 > 60:
            break
        key = f"{key}-{word}" if key else word
    return key or "thanh-phan"


# What a member's signed result writes into a national database (registries.services).
MEMBER_EFFECTS = (
    "register_birth",
    "register_permanent_residence",
    "register_death",
    "remove_permanent_residence",
)


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
    key: str | None = Field(
        default=None,
        pattern=COMPONENT_KEY_RE.pattern,
        description="stable id in the procedure; derived from the name when absent",
    )
    name: str = Field(min_length=2, max_length=500)
    required: bool = True
    copies: int = Field(default=1, ge=0, le=20)
    replaced_by: str | None = None
    form: bool | None = Field(
        default=None,
        description="the declaration the e-form fills (no file); when absent, a name "
        "starting with 'Tờ khai'",
    )

    @field_validator("replaced_by")
    @classmethod
    def known_database(cls, value: str | None) -> str | None:
        if value and value not in NATIONAL_DATABASES:
            known = ", ".join(sorted(NATIONAL_DATABASES))
            raise ValueError(f"cơ sở dữ liệu '{value}' không tồn tại (known: {known})")
        return value or None


class MemberIn(Strict):
    """A member procedure of an integrated service (thủ tục thành phần của dịch vụ liên thông).

    `mapping`: member form path (``request.full_name``, ``members[0].personal_id``) → source:
    a path of the one bundle form, ``=literal``, or ``@<member>.<fact path>`` (what a member
    it depends on left: ``@khai-sinh.person.personal_id``). `components`: member component
    position → the bundle's component position that stands in for it (file or registry
    record). `subject`: the source of the personal ID the member is about (its result is
    copied to that person's e-wallet when `copy_to_subject`)."""

    key: str = Field(pattern=MEMBER_KEY_RE.pattern)
    procedure: str
    depends_on: list[str] = Field(default_factory=list)
    mapping: dict[str, str] = Field(default_factory=dict)
    components: dict[str, int] = Field(default_factory=dict)
    fee: int | None = Field(default=None, ge=0, le=1_000_000_000, description="VND in the bundle")
    effect: str | None = None
    subject: str = ""
    copy_to_subject: bool = False
    authority: str = Field(default="", max_length=200, description="who decides it")
    note: str = Field(default="", max_length=1000)

    @field_validator("procedure")
    @classmethod
    def member_code(cls, value: str) -> str:
        if not CODE_RE.match(value):
            raise ValueError("mã thủ tục thành phần phải có dạng 1.001193")
        return value

    @field_validator("effect")
    @classmethod
    def known_effect(cls, value: str | None) -> str | None:
        if value and value not in MEMBER_EFFECTS:
            raise ValueError(f"effect '{value}' không hỗ trợ (known: {', '.join(MEMBER_EFFECTS)})")
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
    kind: Literal["single", "integrated"] = "single"
    members: list[MemberIn] = Field(default_factory=list)

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

    @model_validator(mode="after")
    def component_keys(self) -> ProcedureIn:
        """Every component has a key, unique in the procedure, and says whether it is the
        form (what the file names or derives)."""
        seen: set[str] = set()
        for component in self.components:
            if component.key is None:
                base = component_key(component.name)
                key, n = base, 2
                while key in seen:
                    key, n = f"{base[:56]}-{n}", n + 1
                component.key = key
            elif component.key in seen:
                raise ValueError(f"components: khóa '{component.key}' bị trùng")
            if component.form is None:
                component.form = component.name.startswith(FORM_COMPONENT_PREFIX)
            seen.add(component.key)
        return self

    @model_validator(mode="after")
    def integrated_members(self) -> ProcedureIn:
        """An integrated service has two or more distinct members whose dependencies name
        earlier members (so there is no cycle); a single procedure has none."""
        if self.kind == "single":
            if self.members:
                raise ValueError("members: chỉ dịch vụ liên thông (kind=integrated) có thành phần")
            return self
        if len(self.members) < 2:
            raise ValueError("members: dịch vụ liên thông cần ít nhất hai thủ tục thành phần")
        seen: set[str] = set()
        codes: set[str] = set()
        for member in self.members:
            if member.key in seen or member.procedure in codes:
                raise ValueError(f"members: thành phần '{member.key}' bị trùng")
            if member.procedure == self.code:
                raise ValueError("members: dịch vụ liên thông không chứa chính nó")
            for dependency in member.depends_on:
                if dependency not in seen:
                    raise ValueError(
                        f"members: '{member.key}' phụ thuộc '{dependency}', phải là thành phần "
                        "đứng trước"
                    )
            for source in member.mapping.values():
                if source.startswith("@") and source[1:].split(".", 1)[0] not in member.depends_on:
                    raise ValueError(
                        f"members: '{member.key}' dùng {source} mà không phụ thuộc thành phần đó"
                    )
            seen.add(member.key)
            codes.add(member.procedure)
        return self
