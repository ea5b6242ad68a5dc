"""The data-quality report (báo cáo chất lượng dữ liệu): per registry and rule, how many
records pass, and which fail. The rules themselves live in each registry module.

A province's rows are scattered over the whole of each table, so counting them rule by rule
reads nearly every page of every table for one province (minutes at 10 million people).
Instead one national pass counts records and failures per province with one GROUP BY query
per table and rule, and stores the figures (`QualitySnapshot`); every province's report (and
the national one) is then read from them. A snapshot is dropped when the generator or a
record's save() changes registry data, and is recomputed when older than
`REGISTRY_QUALITY_MAX_AGE` seconds (default 900: bounds changes made around the ORM and the
passing of time, which makes records stale). `manage.py quality_snapshot` refreshes it from
a periodic job; `failing_records` always queries the tables."""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from motcua.core.errors import InvalidInput, NotFound

from . import modules
from .generator_models import QualitySnapshot
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
    computed_at: dt.datetime | None = None  # when the national figures were counted


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


def _count_by_province(qs: QuerySet) -> Counter[str]:
    rows = qs.order_by().values("province_code").annotate(n=Count("pk"))
    return Counter({row["province_code"]: row["n"] for row in rows})


def snapshot(refresh: bool = False) -> QualitySnapshot:
    """The national figures per province: a recent snapshot, or a new national pass."""
    max_age = getattr(settings, "REGISTRY_QUALITY_MAX_AGE", 900)
    if not refresh:
        recent = (
            QualitySnapshot.objects.filter(
                computed_at__gte=timezone.now() - dt.timedelta(seconds=max_age)
            )
            .order_by("-computed_at")
            .first()
        )
        if recent is not None:
            return recent
    started = time.perf_counter()
    figures: dict[str, Any] = {}
    for module in modules.all_modules():
        records: Counter[str] = Counter()
        failing: dict[str, Counter[str]] = {rule: Counter() for rule in RECORD_RULES}
        for table in module.tables:
            qs = table.model._default_manager.all()
            records.update(_count_by_province(qs))
            conditions = table.failing()
            # One query per rule: PostgreSQL plans each EXISTS as a hash semi/anti join over
            # the table, where FILTER (WHERE EXISTS ...) would run a subplan per row.
            for rule in RECORD_RULES:
                failing[rule].update(_count_by_province(qs.filter(Q(conditions[rule]))))
        figures[module.id] = {"records": dict(records), "failing": failing}
    QualitySnapshot.objects.all().delete()
    return QualitySnapshot.objects.create(
        computed_at=timezone.now(), seconds=time.perf_counter() - started, figures=figures
    )


def invalidate() -> None:
    """Registry data changed: the next report counts again."""
    QualitySnapshot.objects.all().delete()


def report(province_code: str | None = None, refresh: bool = False) -> QualityReport:
    """Score every rule of every registry, for one province or (None) the whole country."""
    _check_province(province_code)
    started = time.perf_counter()
    figures = snapshot(refresh)
    result = QualityReport(province_code=province_code, computed_at=figures.computed_at)

    def pick(by_province: dict[str, int]) -> int:
        if province_code is None:
            return sum(by_province.values())
        return int(by_province.get(province_code, 0))

    for module in modules.all_modules():
        counted = figures.figures.get(module.id, {"records": {}, "failing": {}})
        records = pick(counted["records"])
        scores = []
        for rule in RECORD_RULES:
            failing = pick(counted["failing"].get(rule, {}))
            scores.append(RuleScore(rule, modules.RULES[rule], records - failing, records, failing))
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
