"""The audit log's public functions: `record` appends, `verify` walks the chain."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from .models import AuditEntry

GENESIS_HASH = "0" * 64
# Any fixed number: the key of the PostgreSQL advisory lock that serialises appends.
_PG_LOCK_KEY = 7_460_001


def _canonical(entry: AuditEntry) -> bytes:
    body = {
        "seq": entry.seq,
        "occurred_at": entry.occurred_at.isoformat(timespec="microseconds"),
        "actor": entry.actor,
        "acting_for": entry.acting_for,
        "action": entry.action,
        "target_type": entry.target_type,
        "target_id": entry.target_id,
        "purpose": entry.purpose,
        "data": entry.data,
        "prev_hash": entry.prev_hash,
    }
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def compute_hash(entry: AuditEntry) -> str:
    return hashlib.sha256(_canonical(entry)).hexdigest()


# Entries of the `deferred()` block running in this thread, appended when it ends.
_deferred = threading.local()


@contextmanager
def deferred() -> Iterator[None]:
    """Inside a transaction: keep the block's `record` calls and append them when the block
    ends, under one lock, so the chain's lock is held only from there to the commit (the
    entries still commit or roll back with the change). End the block right before the
    transaction does. Nested blocks append with the outermost one."""
    if getattr(_deferred, "entries", None) is not None:
        yield
        return
    _deferred.entries = []
    try:
        yield
        entries = _deferred.entries
    finally:
        _deferred.entries = None
    if entries:
        _append(entries)


def record(
    *,
    actor: str,
    action: str,
    target_type: str = "",
    target_id: str = "",
    purpose: str = "",
    acting_for: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry. Runs inside the caller's transaction, so the entry commits or rolls
    back with the change it describes; appends are serialised so the chain never forks.
    Inside `deferred()` the entry is appended when that block ends (`seq` and `hash` are
    empty until then)."""
    entry = AuditEntry(
        occurred_at=timezone.now(),
        actor=actor,
        acting_for=acting_for,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        purpose=purpose,
        # Round-trip through JSON so the stored value hashes the same when read back.
        data=json.loads(json.dumps(data or {}, ensure_ascii=False, default=str)),
    )
    pending = getattr(_deferred, "entries", None)
    if pending is not None:
        pending.append(entry)
    else:
        _append([entry])
    return entry


def _append(entries: list[AuditEntry]) -> None:
    with transaction.atomic(savepoint=False):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_LOCK_KEY])
        last = AuditEntry.objects.order_by("-seq").only("seq", "hash").first()
        seq, prev = (last.seq, last.hash) if last else (0, GENESIS_HASH)
        for entry in entries:
            seq += 1
            entry.seq, entry.prev_hash = seq, prev
            entry.hash = prev = compute_hash(entry)
        if len(entries) == 1:
            entries[0].save(force_insert=True)
        else:
            AuditEntry.objects.bulk_create(entries)


@dataclass(frozen=True)
class ChainBreak:
    """The first place where the stored chain differs from what was written."""

    seq: int
    reason: str


def verify(batch_size: int = 5000) -> tuple[int, ChainBreak | None]:
    """Walk the whole chain; return how many entries were checked and the first break."""
    expected_prev = GENESIS_HASH
    expected_seq = 1
    checked = 0
    for entry in _iter_entries(batch_size):
        if entry.seq != expected_seq:
            if entry.seq > expected_seq:
                return checked, ChainBreak(expected_seq, f"entry {expected_seq} was removed")
            return checked, ChainBreak(entry.seq, "entries are out of order")
        if entry.prev_hash != expected_prev:
            return checked, ChainBreak(
                entry.seq, "previous-hash link is broken (entry removed or reordered)"
            )
        if compute_hash(entry) != entry.hash:
            return checked, ChainBreak(entry.seq, "entry content was changed")
        expected_prev = entry.hash
        expected_seq += 1
        checked += 1
    return checked, None


def _iter_entries(batch_size: int) -> Iterator[AuditEntry]:
    last_seq = 0
    while True:
        batch = list(AuditEntry.objects.filter(seq__gt=last_seq).order_by("seq")[:batch_size])
        if not batch:
            return
        yield from batch
        last_seq = batch[-1].seq
