"""The registry of registry modules (Open Forms-style plugin registry): each national database
registers itself under a stable id with its data services and its data-quality rules.

Adding a database adds one sub-package with `models.py` and `module.py` (imported by
`models.py` and discovered here); nothing else changes."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model, Q

from motcua.core.errors import NotFound

# The authoritative list of national databases (id → Vietnamese name); the catalog
# reads it from here.
NATIONAL_DATABASES: dict[str, str] = {
    "population": "Cơ sở dữ liệu quốc gia về dân cư",
    "civil_status": "Cơ sở dữ liệu hộ tịch điện tử",
    "enterprise": "Cơ sở dữ liệu quốc gia về đăng ký doanh nghiệp",
    "land": "Cơ sở dữ liệu đất đai",
    "social_insurance": "Cơ sở dữ liệu về bảo hiểm",
    "judicial_records": "Cơ sở dữ liệu lý lịch tư pháp",
}

# The data-quality rules, in the order the report shows them.
RULES: dict[str, str] = {
    "correct": "Đúng đắn (định dạng, mã hợp lệ)",
    "sufficient": "Đầy đủ (có đủ thuộc tính bắt buộc)",
    "clean": "Sạch (không trùng lặp)",
    "alive": "Sống (cập nhật kịp thời, phản ánh khai tử)",
    "unified": "Thống nhất (cùng một người, cùng thuộc tính giữa các CSDL)",
    "shared": "Dùng chung (thuộc tính được công bố qua dịch vụ dữ liệu)",
}


@dataclass(frozen=True)
class DataServiceSpec:
    """A data service a registry publishes through `exchange`, e.g. population.person.basic.
    `fetch(subject)` returns the attributes for one subject, or None when there is none."""

    id: str
    name: str
    sensitive: bool
    attributes: tuple[str, ...]
    fetch: Callable[[str], dict[str, Any] | None]
    subject: str = "personal_id"


@dataclass(frozen=True)
class WriteServiceSpec:
    """A write service a registry publishes through `exchange` (dịch vụ cập nhật dữ liệu), e.g.
    population.person.register_birth: `apply(**payload, actor=…)` changes the registry,
    idempotently by its registration number, and returns what it wrote
    (registries.services.Written). Only `exchange` calls it, under a write grant."""

    id: str
    name: str
    apply: Callable[..., Any]
    subject: str = "personal_id"


@dataclass(frozen=True)
class RecordRules:
    """The quality rules of one table of a registry: a Q (over that table) of the records
    failing each rule. Rules are built lazily because they depend on "now"."""

    model: type[Model]
    failing: Callable[[], dict[str, Q]]


@dataclass(frozen=True)
class RegistryModule:
    id: str
    name: str
    name_en: str
    services: tuple[DataServiceSpec, ...] = ()
    writes: tuple[WriteServiceSpec, ...] = ()
    tables: tuple[RecordRules, ...] = ()
    attributes: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    def service(self, service_id: str) -> DataServiceSpec:
        for spec in self.services:
            if spec.id == service_id:
                return spec
        raise NotFound(f"Không có dịch vụ dữ liệu {service_id}.")


_MODULES: dict[str, RegistryModule] = {}
_discovered = False


def register(module: RegistryModule) -> RegistryModule:
    if module.id not in NATIONAL_DATABASES:
        raise ValueError(f"unknown national database id {module.id!r}: add it to the list")
    _MODULES[module.id] = module
    return module


def _discover() -> None:
    global _discovered
    if _discovered:
        return
    import motcua.registries as package

    for info in pkgutil.iter_modules(package.__path__):
        if info.ispkg:
            try:
                importlib.import_module(f"{package.__name__}.{info.name}.module")
            except ModuleNotFoundError as exc:
                if exc.name != f"{package.__name__}.{info.name}.module":
                    raise
    _discovered = True


def all_modules() -> list[RegistryModule]:
    _discover()
    return [_MODULES[key] for key in NATIONAL_DATABASES if key in _MODULES]


def get(registry_id: str) -> RegistryModule:
    _discover()
    try:
        return _MODULES[registry_id]
    except KeyError:
        raise NotFound(f"Không có cơ sở dữ liệu {registry_id}.") from None


def all_services() -> list[DataServiceSpec]:
    return [spec for module in all_modules() for spec in module.services]


def all_writes() -> list[WriteServiceSpec]:
    return [spec for module in all_modules() for spec in module.writes]


def writer(service_id: str) -> WriteServiceSpec:
    """The write service of that id, from whichever registry publishes it."""
    registry_id = service_id.split(".", 1)[0]
    _discover()
    module = _MODULES.get(registry_id)
    for spec in module.writes if module else ():
        if spec.id == service_id:
            return spec
    raise NotFound(f"Không có dịch vụ cập nhật dữ liệu {service_id}.")


def service(service_id: str) -> DataServiceSpec:
    """The data service of that id, from whichever registry publishes it."""
    registry_id = service_id.split(".", 1)[0]
    _discover()
    module = _MODULES.get(registry_id)
    if module is None:
        raise NotFound(f"Không có dịch vụ dữ liệu {service_id}.")
    return module.service(service_id)
