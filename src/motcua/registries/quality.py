"""The data-quality report (báo cáo chất lượng dữ liệu): per registry and rule, how many
records pass, and which fail. Computed with one COUNT query per table, rule and province; the
rules themselves live in each registry module."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from motcua.core.errors import InvalidInput, NotFound

from . import modules
from .modules import RegistryModule

RECORD_RULES = ("correct", "sufficient", "clean", "alive", "unified")


@dataclass(frozen=True)
class RuleScore:
    rule: str
    title: str
    passing: int
    total: int
    failing: int

    @property
    def score(self) -> float:
        return round(100.0 * self.passing / self.total, 2) if self.total else 100.0


@dataclass(frozen=True)
class RegistryScore:
    id: str
    name: str
    records: int
    rules: list[RuleScore]


@dataclass
class QualityReport:
    province_code: str | None
    registries: list[RegistryScore] = field(default_factory=list)
    seconds: float = 0.0


def _scope(module: RegistryModule, province_code: str | None) -> list[QuerySet]:
    out = []
    for table in module.tables:
        qs = table.model._default_manager.all()
        if province_code:
            qs = qs.filter(province_code=province_code)
        out.append(qs)
    return out


def _check_province(province_code: str | None) -> None:
    if province_code is not None and not (len(province_code) == 2 and province_code.isdigit()):
        raise InvalidInput("Mã tỉnh phải gồm 2 chữ số, ví dụ 01.", param="province")


def shared_score(module: RegistryModule) -> tuple[int, int, list[str]]:
    """Rule `shared`: how many of the registry's attributes some data service publishes."""
    published = {a for spec in module.services for a in spec.attributes}
    unpublished = [a for a in module.attributes if a not in published]
    return len(module.attributes) - len(unpublished), len(module.attributes), unpublished


def report(province_code: str | None = None) -> QualityReport:
    """Score every rule of every registry, for one province or (None) the whole country."""
    _check_province(province_code)
    started = time.perf_counter()
    result = QualityReport(province_code=province_code)
    for module in modules.all_modules():
        totals = dict.fromkeys(RECORD_RULES, 0)
        records = 0
        for table, qs in zip(module.tables, _scope(module, province_code), strict=True):
            failing = table.failing()
            # One COUNT per rule: PostgreSQL plans each EXISTS as a semi/anti join, where a
            # single aggregate with FILTER (EXISTS ...) runs a subplan per row (minutes at
            # millions of rows).
            records += qs.count()
            for rule in RECORD_RULES:
                totals[rule] += qs.filter(Q(failing[rule])).count()
        scores = [
            RuleScore(rule, modules.RULES[rule], records - totals[rule], records, totals[rule])
            for rule in RECORD_RULES
        ]
        passing, total, unpublished = shared_score(module)
        scores.append(
            RuleScore("shared", modules.RULES["shared"], passing, total, len(unpublished))
        )
        result.registries.append(RegistryScore(module.id, module.name, records, scores))
    result.seconds = time.perf_counter() - started
    return result


def failing_records(
    registry_id: str,
    rule: str,
    province_code: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> tuple[int, list[int | str]]:
    """Ids of the records failing `rule` (internal row ids, no personal data), paginated;
    for `shared`, the names of the attributes no data service publishes."""
    _check_province(province_code)
    module = modules.get(registry_id)
    if rule == "shared":
        names: list[int | str] = list(shared_score(module)[2])
        end = None if limit is None else offset + limit
        return len(names), names[offset:end]
    if rule not in RECORD_RULES:
        raise NotFound(f"Không có quy tắc chất lượng {rule}.")
    ids: list[int | str] = []
    total = 0
    for table, qs in zip(module.tables, _scope(module, province_code), strict=True):
        failing = qs.filter(Q(table.failing()[rule])).order_by("pk")
        total += failing.count()
        end = None if limit is None else offset + limit
        ids.extend(failing.values_list("pk", flat=True)[offset:end])
    return total, ids
