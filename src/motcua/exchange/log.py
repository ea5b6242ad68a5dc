"""The exchange message log: append one signed, hash-chained entry per call; verify offline.

Entries are spread over `EXCHANGE_LOG_CHAINS` independent chains, each serialised on its own
lock, so concurrent callers do not all queue on one lock (see README.md). Each entry's `hash`
is SHA-256 over its canonical JSON (which includes `prev_hash`) and its `signature` is the
exchange's Ed25519 signature of that hash: verification needs only the public key."""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from motcua.core import signed_log
from motcua.registries.lookup import prepared_one

from .models import LogAnchor, MessageLogEntry

# The first key of PostgreSQL's two-key advisory lock; the second is the chain number.
_PG_LOCK_CLASS = 7_460_002

FIELDS = (
    "chain",
    "seq",
    "occurred_at",
    "consumer",
    "service",
    "purpose",
    "subject",
    "outcome",
    "request_hash",
    "response_hash",
    "prev_hash",
    "key_id",
)
# Signed only when set, so entries written before these fields existed verify unchanged:
# on whose behalf the call was made (citizen:<id>, official:<id>) and for which dossier.
OPTIONAL_FIELDS = ("requester", "dossier")
COLUMNS = (*FIELDS, *OPTIONAL_FIELDS)


def genesis_hash(chain: int) -> str:
    return hashlib.sha256(f"motcua-exchange-log:{chain}".encode()).hexdigest()


def digest(value: Any) -> str:
    """SHA-256 of a value's canonical JSON (requests and responses are logged by hash only)."""
    return hashlib.sha256(canonical_json(value)).hexdigest()


canonical_json = signed_log.canonical_json


# --- keys: one log-signing key, shared with the audit log (motcua.core.signed_log) -------
signing_key = signed_log.signing_key
public_pem = signed_log.public_pem
key_id = signed_log.key_id
load_public_key = signed_log.load_public_key
default_public_keys = signed_log.default_public_keys
_own = signed_log.own


# --- append ----------------------------------------------------------------------------------
# The second key of session-level advisory locks by which a connection claims a chain for its
# own appends (a hint that keeps writers apart; correctness never depends on it).
_PG_CLAIM_CLASS = 7_460_003
# Optimistic attempts on the cached head before falling back to lock, read, insert.
_OPTIMISTIC_TRIES = 3
_LOCKED_TRIES = 50

_INSERT = (
    "INSERT INTO exchange_messagelogentry ("
    + ", ".join((*COLUMNS, "hash", "signature"))
    + ") SELECT "
    + ", ".join(["%s"] * (len(COLUMNS) + 2))
)


class GuardFailed(Exception):
    """The condition an entry was appended under no longer held: nothing was written."""


_local = threading.local()


@dataclass
class _Writer:
    """This thread's chain and the head (seq, hash) it last wrote or read there."""

    key: tuple[int, int]
    chain: int
    head: tuple[int, str] | None = None


def _hashed_chain(chains: int) -> int:
    value = int.from_bytes(
        hashlib.sha256(f"{os.getpid()}:{threading.get_ident()}".encode()).digest()[:4]
    )
    return value % chains


def _writer() -> _Writer:
    """This thread's writer state, for its current database connection.

    On PostgreSQL a new connection claims a chain no other connection holds (session-level
    `pg_try_advisory_lock`, tried from a hashed start), so its cached head stays right and its
    appends take one round trip; with more writers than chains, the rest share chains and
    resolve conflicts by retrying. Elsewhere the chain is a hash of process and thread."""
    chains = max(1, int(settings.EXCHANGE_LOG_CHAINS))
    connection.ensure_connection()
    key = (chains, id(connection.connection))
    writer: _Writer | None = getattr(_local, "writer", None)
    if writer is not None and writer.key == key:
        return writer
    start = _hashed_chain(chains)
    chain = start
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for i in range(chains):
                candidate = (start + i) % chains
                cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [_PG_CLAIM_CLASS, candidate])
                if cursor.fetchone()[0]:
                    chain = candidate
                    break
    writer = _Writer(key, chain)
    _local.writer = writer
    return writer


def _chain() -> int:
    """This thread's chain (see _writer)."""
    return _writer().chain


def body(entry: dict[str, Any]) -> dict[str, Any]:
    out = {name: entry[name] for name in FIELDS}
    out.update({name: entry[name] for name in OPTIONAL_FIELDS if entry.get(name)})
    occurred = out["occurred_at"]
    if not isinstance(occurred, str):
        out["occurred_at"] = occurred.isoformat(timespec="microseconds")
    return out


def compute_hash(entry: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(body(entry))).hexdigest()


def _read_head(chain: int) -> tuple[int, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT seq, hash FROM exchange_messagelogentry WHERE chain = %s "
            "ORDER BY seq DESC LIMIT 1",
            [chain],
        )
        last = cursor.fetchone()
    return (int(last[0]), str(last[1])) if last else (0, genesis_hash(chain))


def _entry(chain: int, head: tuple[int, str], **values: str) -> MessageLogEntry:
    fields: dict[str, Any] = {
        "chain": chain,
        "seq": head[0] + 1,
        "occurred_at": timezone.now(),
        **values,
        "prev_hash": head[1],
        "key_id": _own()[1],
    }
    digest_hex = compute_hash(fields)
    return MessageLogEntry(**fields, hash=digest_hex, signature=signed_log.sign(digest_hex)[1])


def _insert(entry: MessageLogEntry, guard: tuple[str, list[Any]] | None) -> None:
    """One INSERT ... SELECT ... WHERE guard RETURNING id: a single round trip."""
    sql, params = _INSERT, [getattr(entry, name) for name in (*COLUMNS, "hash", "signature")]
    if guard is not None:
        sql, params = f"{sql} WHERE {guard[0]}", [*params, *guard[1]]
    if connection.vendor == "postgresql":
        row = prepared_one(f"{sql} RETURNING id", params)  # planned once per connection
    else:
        with connection.cursor() as cursor:
            cursor.execute(f"{sql} RETURNING id", params)
            row = cursor.fetchone()
    if row is None:
        raise GuardFailed
    entry.pk = row[0]
    entry._state.adding = False


def append(
    *,
    consumer: str,
    service: str,
    purpose: str,
    subject: str,
    outcome: str,
    request_hash: str,
    response_hash: str,
    requester: str = "",
    dossier: str = "",
    guard: tuple[str, list[Any]] | None = None,
) -> MessageLogEntry:
    """Append one entry to this thread's chain, in its own transaction (or the caller's).
    With `guard` (SQL condition, params), the entry is written only if the condition holds
    when it is inserted, in the same statement; GuardFailed otherwise.

    Optimistic: the entry is written under the head this thread remembers, in one INSERT.
    The database refuses it if the head is stale, whoever moved it (UNIQUE (chain, seq) and
    (chain, prev_hash), and a trigger requiring the predecessor (chain, seq - 1, hash =
    prev_hash) to exist); the head is then re-read and the entry rebuilt. After a few refusals
    the append falls back to the chain's advisory lock, which makes it succeed."""
    values = {
        "consumer": consumer,
        "service": service,
        "purpose": purpose,
        "subject": subject,
        "outcome": outcome,
        "request_hash": request_hash,
        "response_hash": response_hash,
        "requester": requester[:60],
        "dossier": dossier[:40],
    }
    writer = _writer()
    chain = writer.chain
    # Inside a caller's transaction the entry may still roll back: never remember its head.
    remember = not connection.in_atomic_block
    for _ in range(_OPTIMISTIC_TRIES):
        head = writer.head or _read_head(chain)
        entry = _entry(chain, head, **values)
        try:
            if remember:
                _insert(entry, guard)  # autocommit: committed when it returns
            else:
                with transaction.atomic():  # a savepoint, so a refusal spoils nothing
                    _insert(entry, guard)
        except IntegrityError:
            writer.head = None
            continue
        writer.head = (entry.seq, entry.hash) if remember else None
        return entry
    for _ in range(_LOCKED_TRIES):
        try:
            with transaction.atomic():
                if connection.vendor == "postgresql":
                    with connection.cursor() as cursor:
                        cursor.execute(
                            "SELECT pg_advisory_xact_lock(%s, %s)", [_PG_LOCK_CLASS, chain]
                        )
                entry = _entry(chain, _read_head(chain), **values)
                _insert(entry, guard)
        except IntegrityError:
            continue  # an optimistic writer of another process got there first
        writer.head = (entry.seq, entry.hash) if remember else None
        return entry
    raise IntegrityError(f"exchange log: could not append to chain {chain}")


# --- verify ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class LogBreak:
    """The first entry where the stored log differs from what was written."""

    chain: int
    seq: int
    reason: str


def verify_entries(
    entries: Iterable[dict[str, Any]],
    public_keys: dict[str, Ed25519PublicKey],
    seen: dict[tuple[int, int], str] | None = None,
) -> tuple[int, LogBreak | None]:
    """Check entries ordered by (chain, seq): gaps, links, hashes and signatures. Needs only
    the public keys, so it runs offline on an export as well as on the database. Fills
    `seen` ((chain, seq) → hash, for the keys it holds) for verify_anchors."""
    checked = 0
    chain = -1
    expected_seq = 1
    expected_prev = ""
    for entry in entries:
        if entry["chain"] != chain:
            chain = int(entry["chain"])
            expected_seq, expected_prev = 1, genesis_hash(chain)
        seq = int(entry["seq"])
        if seq != expected_seq:
            if seq > expected_seq:
                return checked, LogBreak(chain, expected_seq, "entry was removed")
            return checked, LogBreak(chain, seq, "entries are out of order")
        if entry["prev_hash"] != expected_prev:
            return checked, LogBreak(
                chain, seq, "previous-hash link is broken (entry removed or reordered)"
            )
        if compute_hash(entry) != entry["hash"]:
            return checked, LogBreak(chain, seq, "entry content was changed")
        if entry["key_id"] not in public_keys:
            return checked, LogBreak(chain, seq, f"unknown signing key {entry['key_id']}")
        if not signed_log.signature_valid(
            public_keys, entry["key_id"], entry["hash"], entry["signature"]
        ):
            return checked, LogBreak(chain, seq, "signature is not valid")
        expected_seq, expected_prev = seq + 1, entry["hash"]
        if seen is not None and (chain, seq) in seen:
            seen[(chain, seq)] = entry["hash"]
        checked += 1
    return checked, None


def stored_entries(batch_size: int = 5000) -> Iterator[dict[str, Any]]:
    """Every stored entry as a dict, ordered by (chain, seq)."""
    last = (-1, 0)
    columns = (*COLUMNS, "hash", "signature")
    while True:
        rows = list(
            MessageLogEntry.objects.filter(chain__gte=last[0])
            .exclude(chain=last[0], seq__lte=last[1])
            .order_by("chain", "seq")
            .values(*columns)[:batch_size]
        )
        if not rows:
            return
        yield from rows
        last = (rows[-1]["chain"], rows[-1]["seq"])


def export_line(entry: dict[str, Any]) -> str:
    out = body(entry)
    out["hash"], out["signature"] = entry["hash"], entry["signature"]
    return json.dumps(out, ensure_ascii=False, sort_keys=True)


# --- anchors ---------------------------------------------------------------------------------
# A chain's tail can be cut without breaking any link. A periodic signed anchor of every
# chain's head (seq, hash), kept in LogAnchor, copied to the audit log and printable for
# publication elsewhere, lets verification see that no chain lost entries it had then.


def chain_heads() -> dict[str, list[Any]]:
    """Every chain's last entry as {chain: [seq, hash]} (one indexed query per chain)."""
    known = set(range(max(1, int(settings.EXCHANGE_LOG_CHAINS))))
    last = LogAnchor.objects.order_by("-created_at", "-id").values_list("heads", flat=True).first()
    known |= {int(c) for c in (last or {})}
    heads: dict[str, list[Any]] = {}
    for chain in sorted(known):
        row = (
            MessageLogEntry.objects.filter(chain=chain)
            .order_by("-seq")
            .values_list("seq", "hash")
            .first()
        )
        if row is not None:
            heads[str(chain)] = [row[0], row[1]]
    return heads


def anchor() -> LogAnchor:
    """Record a signed anchor of every chain's head now (run periodically)."""
    return LogAnchor.objects.create(**signed_log.new_anchor(chain_heads()))


def entries_since_anchor() -> int:
    """How many entries the chains gained since the last anchor (the schedule's trigger)."""
    last = LogAnchor.objects.order_by("-created_at", "-id").values_list("heads", flat=True).first()
    anchored = {int(c): int(head[0]) for c, head in (last or {}).items()}
    return sum(seq - anchored.get(int(c), 0) for c, (seq, _) in chain_heads().items())


def stored_anchors() -> list[dict[str, Any]]:
    rows = LogAnchor.objects.order_by("created_at", "id").values(
        "created_at", "heads", "key_id", "hash", "signature"
    )
    return [dict(row) for row in rows]


anchor_line = signed_log.anchor_line
anchored_positions = signed_log.anchored_positions


def verify_anchors(
    anchors: Iterable[dict[str, Any]],
    seen: dict[tuple[int, int], str],
    public_keys: dict[str, Ed25519PublicKey],
) -> LogBreak | None:
    """Each anchor is intact and signed, and every chain still holds the entry it anchored."""
    broken = signed_log.check_anchors(anchors, seen, public_keys)
    return LogBreak(broken.chain, broken.seq, broken.reason) if broken else None
