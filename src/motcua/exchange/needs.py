"""What each consumer declares it needs from the registries (nhu cầu khai thác đã khai báo),
so that a Django system check can list the needs no grant of the data owners covers.

Consumer apps register a provider in their AppConfig.ready (`declare(provider)`); a provider
returns (consumer, service, purpose) triples, read from code or from the database (the
forms' registry fields, the integrated services' effects). Declaring grants nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.core import checks
from django.db.models import Q
from django.utils import timezone

Need = tuple[str, str, str]  # consumer, service, purpose
_PROVIDERS: list[Callable[[], Iterable[Need]]] = []


def declare(provider: Callable[[], Iterable[Need]]) -> Callable[[], Iterable[Need]]:
    if provider not in _PROVIDERS:
        _PROVIDERS.append(provider)
    return provider


def declared() -> set[Need]:
    return {need for provider in _PROVIDERS for need in provider()}


def missing() -> dict[tuple[str, str], set[str]]:
    """(consumer, service) → the declared purposes no live grant covers."""
    from .models import Grant

    now = timezone.now()
    granted: dict[tuple[str, str], set[str]] = {}
    live = (
        Grant.objects.filter(revoked_at__isnull=True, valid_from__lte=now)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gt=now))
        .values_list("consumer__code", "service__code", "purposes")
    )
    for consumer, service, purposes in live:
        granted.setdefault((consumer, service), set()).update(purposes)
    out: dict[tuple[str, str], set[str]] = {}
    for consumer, service, purpose in declared():
        if purpose not in granted.get((consumer, service), set()):
            out.setdefault((consumer, service), set()).add(purpose)
    return out


@checks.register(checks.Tags.database)
def check_grants(app_configs: Any = None, databases: Any = None, **kwargs: Any) -> list[Any]:
    """exchange.W001: a consumer needs a registry service for purposes no grant covers
    (run by `manage.py check --database default` and by migrate)."""
    if not databases:
        return []
    from django.db import DatabaseError

    try:
        gaps = missing()
    except DatabaseError:  # tables not migrated yet
        return []
    return [
        checks.Warning(
            f"Đơn vị khai thác {consumer} cần dịch vụ {service} cho "
            f"{', '.join(sorted(purposes)[:5])}{'…' if len(purposes) > 5 else ''} "
            f"nhưng chưa được cơ quan chủ quản cấp quyền.",
            hint="Cơ quan chủ quản khai báo quyền trong exchange/grants.toml (tăng version) "
            "rồi chạy manage.py exchange_load_grants.",
            obj=f"{consumer} → {service}",
            id="exchange.W001",
        )
        for (consumer, service), purposes in sorted(gaps.items())
    ]
