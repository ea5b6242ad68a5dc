"""The data owners' declared grants (quyền khai thác do cơ quan chủ quản khai báo): the only
source of grants. A versioned TOML file (grants.toml beside this module by default) names the
consumers and, per consumer and data service (read or write), the purposes allowed.

Loading a version applies it once: consumers are registered, declared grants missing or
changed are created, live grants it does not declare are revoked (whoever made them). The
same version again changes nothing, so a grant its owner revoked (admin or `revoke_grant`)
stays revoked until the owner publishes a new version that declares it."""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction

from motcua.audit import services as audit
from motcua.core.errors import Conflict, InvalidInput

from .models import DataService, Grant, GrantDeclaration

DEFAULT_PATH = Path(__file__).with_name("grants.toml")
# `created_by` of grants made from the file: grants.toml@v<version>.
SOURCE = "grants.toml@v"


@dataclass(frozen=True)
class Declared:
    consumer: str
    service: str
    purposes: frozenset[str]
    owner: str


@dataclass(frozen=True)
class Declaration:
    version: int
    content_hash: str
    consumers: dict[str, str]
    grants: list[Declared]

    def granted(self, consumer: str, service: str) -> frozenset[str]:
        out: set[str] = set()
        for grant in self.grants:
            if grant.consumer == consumer and grant.service == service:
                out |= grant.purposes
        return frozenset(out)


@dataclass(frozen=True)
class LoadResult:
    version: int
    applied: bool
    created: int = 0
    revoked: int = 0


def read(path: str | Path | None = None) -> Declaration:
    """Parse and check the file; InvalidInput lists every problem."""
    where = Path(path or DEFAULT_PATH)
    try:
        raw = where.read_bytes()
        data: dict[str, Any] = tomllib.loads(raw.decode("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InvalidInput(f"Không đọc được tệp khai báo quyền khai thác {where}: {exc}") from exc
    problems: list[str] = []
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        problems.append("version: phải là số nguyên dương")
    consumers: dict[str, str] = {}
    for index, item in enumerate(data.get("consumers") or []):
        code, name = item.get("code"), item.get("name")
        if not isinstance(code, str) or not code or not isinstance(name, str) or not name:
            problems.append(f"consumers[{index}]: cần code và name")
            continue
        consumers[code] = name
    grants: list[Declared] = []
    for index, item in enumerate(data.get("grants") or []):
        consumer, service = item.get("consumer"), item.get("service")
        purposes, owner = item.get("purposes"), item.get("owner", "")
        if consumer not in consumers:
            problems.append(f"grants[{index}]: đơn vị khai thác {consumer!r} chưa khai báo")
        if not isinstance(service, str) or not service:
            problems.append(f"grants[{index}]: cần service")
        if (
            not isinstance(purposes, list)
            or not purposes
            or not all(isinstance(p, str) and 0 < len(p) <= 100 for p in purposes)
        ):
            problems.append(f"grants[{index}]: cần ít nhất một mục đích (purposes)")
        if not isinstance(owner, str) or not owner:
            problems.append(f"grants[{index}]: cần cơ quan chủ quản khai báo (owner)")
        if problems:
            continue
        grants.append(Declared(str(consumer), str(service), frozenset(purposes), str(owner)))
    if problems:
        raise InvalidInput("Tệp khai báo quyền khai thác không hợp lệ: " + "; ".join(problems))
    assert isinstance(version, int)
    return Declaration(version, hashlib.sha256(raw).hexdigest(), consumers, grants)


@transaction.atomic
def load(path: str | Path | None = None, *, actor: str) -> LoadResult:
    """Apply the declared file (see the module's docstring). Idempotent per version."""
    from . import services

    declaration = read(path)
    latest = GrantDeclaration.objects.select_for_update().order_by("-version").first()
    if latest is not None and latest.version >= declaration.version:
        if latest.version == declaration.version and latest.content_hash != (
            declaration.content_hash
        ):
            raise Conflict(
                f"Tệp khai báo quyền khai thác đã đổi nhưng vẫn là phiên bản "
                f"{declaration.version}: hãy tăng số phiên bản."
            )
        return LoadResult(latest.version, applied=False)
    services.sync_services()
    known = set(DataService.objects.values_list("code", flat=True))
    unknown = sorted({g.service for g in declaration.grants} - known)
    if unknown:
        raise InvalidInput(
            "Tệp khai báo quyền khai thác nêu dịch vụ không có: " + ", ".join(unknown)
        )
    for code, name in sorted(declaration.consumers.items()):
        services.register_consumer(code, name, actor=actor)
    wanted = {
        (g.consumer, g.service): declaration.granted(g.consumer, g.service)
        for g in declaration.grants
    }
    created = revoked = 0
    # Every live grant the declaration does not hold is revoked, whoever made it (grants a
    # service once gave itself, in a database older than this file, included).
    live = Grant.objects.filter(revoked_at__isnull=True).order_by("pk")
    kept: set[tuple[str, str]] = set()
    for grant in live.select_related("consumer", "service"):
        key = (grant.consumer.code, grant.service.code)
        if key in kept or wanted.get(key) != frozenset(grant.purposes):
            services.revoke_grant(grant.pk, actor=actor)
            revoked += 1
        else:
            kept.add(key)
    for (consumer, service), purposes in sorted(wanted.items()):
        if (consumer, service) in kept:
            continue
        services.grant_access(
            consumer, service, sorted(purposes), actor=f"{SOURCE}{declaration.version}"
        )
        created += 1
    GrantDeclaration.objects.create(
        version=declaration.version, content_hash=declaration.content_hash, loaded_by=actor
    )
    audit.record(
        actor=actor,
        action="exchange.grants_loaded",
        target_type="grant_declaration",
        target_id=str(declaration.version),
        data={"content_hash": declaration.content_hash, "created": created, "revoked": revoked},
    )
    return LoadResult(declaration.version, applied=True, created=created, revoked=revoked)
