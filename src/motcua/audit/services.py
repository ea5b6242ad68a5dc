"""The audit log's public functions: `record` appends (hashed, chained and signed), `anchor`
records a signed head, `verify` walks the chain and checks it against the anchors."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.db import connection, transaction
from django.utils import timezone

from motcua.core import signed_log

from .models import AuditAnchor, AuditEntry

GENESIS_HASH = "0" * 64
# The audit log is one chain today; anchors name it by id, as the exchange log's chains, so a
# chain per shard (province) later only adds ids.
CHAIN = 0
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
            entry.key_id, entry.signature = signed_log.sign(entry.hash)
        if len(entries) == 1:
            entries[0].save(force_insert=True)
        else:
            AuditEntry.objects.bulk_create(entries)


@dataclass(frozen=True)
class ChainBreak:
    """The first place where the stored chain differs from what was written."""

    seq: int
    reason: str


def verify(
    batch_size: int = 5000,
    public_keys: dict[str, Ed25519PublicKey] | None = None,
    anchors: list[dict[str, Any]] | None = None,
) -> tuple[int, ChainBreak | None]:
    """Walk the whole chain (links, hashes, signatures), then check it against the anchors
    (the stored ones unless given); return how many entries were checked and the first
    break."""
    keys = public_keys if public_keys is not None else signed_log.trusted_public_keys()
    anchors = stored_anchors() if anchors is None else anchors
    seen = signed_log.anchored_positions(anchors)
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
        if entry.key_id not in keys:
            return checked, ChainBreak(entry.seq, f"unknown signing key {entry.key_id!r}")
        if not signed_log.signature_valid(keys, entry.key_id, entry.hash, entry.signature):
            return checked, ChainBreak(entry.seq, "signature is not valid (chain rewritten)")
        if (CHAIN, entry.seq) in seen:
            seen[(CHAIN, entry.seq)] = entry.hash
        expected_prev = entry.hash
        expected_seq += 1
        checked += 1
    broken = signed_log.check_anchors(anchors, seen, keys)
    if broken is not None:
        return checked, ChainBreak(broken.seq, broken.reason)
    return checked, None


def _iter_entries(batch_size: int) -> Iterator[AuditEntry]:
    last_seq = 0
    while True:
        batch = list(AuditEntry.objects.filter(seq__gt=last_seq).order_by("seq")[:batch_size])
        if not batch:
            return
        yield from batch
        last_seq = batch[-1].seq


# --- anchors ---------------------------------------------------------------------------------
def chain_heads() -> dict[str, list[Any]]:
    """The chain's last entry as {chain: [seq, hash]} (empty before the first entry)."""
    row = AuditEntry.objects.order_by("-seq").values_list("seq", "hash").first()
    return {str(CHAIN): [row[0], row[1]]} if row else {}


def anchor() -> AuditAnchor:
    """Record a signed anchor of the chain's head now (`audit_anchor --loop`)."""
    return AuditAnchor.objects.create(**signed_log.new_anchor(chain_heads()))


def entries_since_anchor() -> int:
    """Entries appended after the last anchor (the schedule anchors every N of them)."""
    last = AuditAnchor.objects.order_by("-created_at", "-id").values_list("heads", flat=True)
    anchored = (last.first() or {}).get(str(CHAIN), [0, ""])[0]
    head = chain_heads().get(str(CHAIN), [0, ""])[0]
    return int(head) - int(anchored)


def stored_anchors() -> list[dict[str, Any]]:
    rows = AuditAnchor.objects.order_by("created_at", "id").values(
        "created_at", "heads", "key_id", "hash", "signature"
    )
    return [dict(row) for row in rows]
