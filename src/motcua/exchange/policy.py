"""The access policy (consumers, data services, grants) cached in process memory.

A *policy token* (`PolicyGeneration`, one row) is set to a new random value, by database
triggers (migration 0003), in the same transaction as any INSERT, UPDATE, DELETE or TRUNCATE
of consumers, data services or grants, whichever code path made it (services, admin, SQL).
Tokens never repeat, so a token names exactly one state of the policy.

A process decides a call with the policy it cached under token T, and the log entry that
allows the call is inserted only if the token is still T at that moment (`guard()` is part of
the same INSERT statement). If the policy changed, the INSERT writes nothing and the call is
decided again with the new policy. So no call is allowed by a grant after its revoke commits,
and this costs no extra round trip. Entries are loaded lazily and kept only if the token read
*after* loading is still T (then the load saw state T: the token cannot leave T and return).

Consent is *not* cached: it is checked against the database on every call of a sensitive
service, and again inside the guarded INSERT (services.call)."""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction

from .models import Consumer, DataService, Grant, PolicyGeneration


@dataclass(frozen=True)
class ConsumerInfo:
    pk: int
    code: str


@dataclass(frozen=True)
class ServiceInfo:
    pk: int
    code: str
    registry: str
    sensitive: bool
    kind: str = "read"


@dataclass(frozen=True)
class GrantInfo:
    purposes: frozenset[str]
    valid_from: dt.datetime
    valid_until: dt.datetime | None

    def valid_at(self, now: dt.datetime) -> bool:
        return self.valid_from <= now and (self.valid_until is None or self.valid_until > now)


class PolicyChanged(Exception):
    """The policy changed while a call was being decided: decide it again."""


@dataclass
class Policy:
    """What is known about the policy as of `token`; filled lazily, entry by entry."""

    token: str
    consumers: dict[str, ConsumerInfo | None] = field(default_factory=dict)
    services: dict[str, ServiceInfo | None] = field(default_factory=dict)
    grants: dict[tuple[int, int], tuple[GrantInfo, ...]] = field(default_factory=dict)

    def confirm(self) -> None:
        """Raise PolicyChanged unless the token is still ours: after a load (then the load
        saw this policy's state), and before any answer not written under guard()."""
        if _read_token() != self.token:
            forget(self)
            raise PolicyChanged

    def consumer(self, code: str) -> ConsumerInfo | None:
        if code not in self.consumers:
            row = Consumer.objects.filter(code=code, active=True).values_list("pk", "code").first()
            self.confirm()
            self.consumers[code] = ConsumerInfo(*row) if row else None
        return self.consumers[code]

    def service(self, code: str) -> ServiceInfo | None:
        if code not in self.services:
            row = (
                DataService.objects.filter(code=code, active=True)
                .values_list("pk", "code", "registry", "sensitive", "kind")
                .first()
            )
            self.confirm()
            self.services[code] = ServiceInfo(*row) if row else None
        return self.services[code]

    def grants_for(self, consumer: ConsumerInfo, service: ServiceInfo) -> tuple[GrantInfo, ...]:
        """The consumer's unrevoked grants on the service (validity is checked per call)."""
        key = (consumer.pk, service.pk)
        if key not in self.grants:
            rows = list(
                Grant.objects.filter(
                    consumer_id=consumer.pk, service_id=service.pk, revoked_at__isnull=True
                ).values_list("purposes", "valid_from", "valid_until")
            )
            self.confirm()
            self.grants[key] = tuple(
                GrantInfo(frozenset(purposes), since, until) for purposes, since, until in rows
            )
        return self.grants[key]

    def guard(self) -> tuple[str, list[Any]]:
        """A SQL condition, true while the policy is still this one."""
        return (
            "EXISTS (SELECT 1 FROM exchange_policygeneration WHERE id = 1 AND token = %s)",
            [self.token],
        )


_lock = threading.Lock()
_cached: Policy | None = None


def _read_token() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT token FROM exchange_policygeneration WHERE id = 1")
        row = cursor.fetchone()
    if row is not None:
        return str(row[0])
    # The row is gone (a test flush of the tables): put one back.
    with transaction.atomic():
        generation, _ = PolicyGeneration.objects.get_or_create(
            pk=1, defaults={"token": uuid.uuid4().hex}
        )
    return generation.token


def current() -> Policy:
    """The cached policy, without a round trip; its token is checked when a call is logged."""
    cached = _cached
    return cached if cached is not None else refresh()


def refresh() -> Policy:
    """The policy as of now (one round trip when it has not changed)."""
    global _cached
    token = _read_token()
    cached = _cached
    if cached is not None and cached.token == token:
        return cached
    policy = Policy(token)
    with _lock:
        _cached = policy
    return policy


def forget(policy: Policy | None = None) -> None:
    """Drop the cached policy (`policy`, if given and still cached)."""
    global _cached
    with _lock:
        if policy is None or _cached is policy:
            _cached = None
