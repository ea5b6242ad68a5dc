"""The exchange message log: append one signed, hash-chained entry per call; verify offline.

Entries are spread over `EXCHANGE_LOG_CHAINS` independent chains, each serialised on its own
lock, so concurrent callers do not all queue on one lock (see README.md). Each entry's `hash`
is SHA-256 over its canonical JSON (which includes `prev_hash`) and its `signature` is the
exchange's Ed25519 signature of that hash: verification needs only the public key."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

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


def canonical_json(value: Any) -> bytes:
    return json.dumps(
        value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
    ).encode()


# --- keys ------------------------------------------------------------------------------------
def _public_path(private_path: Path) -> Path:
    return private_path.with_name(private_path.stem + ".pub.pem")


def _create_key_file(path: Path) -> None:
    """Write a new key atomically: concurrent first starts all end up with the same key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    data = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    try:
        os.link(tmp, path)  # fails if another process won the race: keep theirs
        _public_path(path).write_bytes(public_pem(key.public_key()))
    except FileExistsError:
        pass
    finally:
        tmp.unlink()


@lru_cache(maxsize=1)
def signing_key() -> Ed25519PrivateKey:
    """From MOTCUA_EXCHANGE_SIGNING_KEY (PEM) in production; in dev and tests, generated once
    into EXCHANGE_SIGNING_KEY_FILE (0600) with the public key beside it."""
    pem = settings.EXCHANGE_SIGNING_KEY
    if not pem:
        path = Path(settings.EXCHANGE_SIGNING_KEY_FILE)
        if not path.exists():
            _create_key_file(path)
        pem = path.read_text()
    loaded = serialization.load_pem_private_key(pem.encode(), password=None)
    if not isinstance(loaded, Ed25519PrivateKey):
        raise ValueError("the exchange signing key must be an Ed25519 key")
    return loaded


def public_pem(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def key_id(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def load_public_key(path: str | Path) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(Path(path).read_bytes())
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError(f"{path} is not an Ed25519 public key")
    return key


@lru_cache(maxsize=1)
def _own() -> tuple[Ed25519PrivateKey, str]:
    key = signing_key()
    return key, key_id(key.public_key())


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
    key, kid = _own()
    fields: dict[str, Any] = {
        "chain": chain,
        "seq": head[0] + 1,
        "occurred_at": timezone.now(),
        **values,
        "prev_hash": head[1],
        "key_id": kid,
    }
    digest_hex = compute_hash(fields)
    return MessageLogEntry(
        **fields,
        hash=digest_hex,
        signature=base64.b64encode(key.sign(digest_hex.encode())).decode(),
    )


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
        key = public_keys.get(entry["key_id"])
        if key is None:
            return checked, LogBreak(chain, seq, f"unknown signing key {entry['key_id']}")
        try:
            key.verify(base64.b64decode(entry["signature"]), entry["hash"].encode())
        except (InvalidSignature, ValueError):
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


def default_public_keys() -> dict[str, Ed25519PublicKey]:
    public = signing_key().public_key()
    return {key_id(public): public}


# --- anchors ---------------------------------------------------------------------------------
# A chain's tail can be cut without breaking any link. A periodic signed anchor of every
# chain's head (seq, hash), kept in LogAnchor, copied to the audit log and printable for
# publication elsewhere, lets verification see that no chain lost entries it had then.


def _anchor_body(anchor: dict[str, Any]) -> dict[str, Any]:
    created = anchor["created_at"]
    if not isinstance(created, str):
        created = created.isoformat(timespec="microseconds")
    return {"created_at": created, "heads": anchor["heads"], "key_id": anchor["key_id"]}


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
    key, kid = _own()
    fields: dict[str, Any] = {"created_at": timezone.now(), "heads": chain_heads(), "key_id": kid}
    digest_hex = hashlib.sha256(canonical_json(_anchor_body(fields))).hexdigest()
    return LogAnchor.objects.create(
        **fields,
        hash=digest_hex,
        signature=base64.b64encode(key.sign(digest_hex.encode())).decode(),
    )


def stored_anchors() -> list[dict[str, Any]]:
    rows = LogAnchor.objects.order_by("created_at", "id").values(
        "created_at", "heads", "key_id", "hash", "signature"
    )
    return [dict(row) for row in rows]


def anchor_line(anchor_row: dict[str, Any]) -> str:
    out = {**_anchor_body(anchor_row), "hash": anchor_row["hash"]}
    out["signature"], out["type"] = anchor_row["signature"], "anchor"
    return json.dumps(out, ensure_ascii=False, sort_keys=True)


def verify_anchors(
    anchors: Iterable[dict[str, Any]],
    seen: dict[tuple[int, int], str],
    public_keys: dict[str, Ed25519PublicKey],
) -> LogBreak | None:
    """Each anchor is intact and signed, and every chain still holds the entry it anchored
    (`seen`: (chain, seq) → hash of the verified entries at the anchored positions)."""
    for item in anchors:
        digest_hex = hashlib.sha256(canonical_json(_anchor_body(item))).hexdigest()
        key = public_keys.get(item["key_id"])
        try:
            if digest_hex != item["hash"] or key is None:
                raise InvalidSignature
            key.verify(base64.b64decode(item["signature"]), item["hash"].encode())
        except (InvalidSignature, ValueError):
            return LogBreak(-1, 0, f"anchor of {_anchor_body(item)['created_at']} is not valid")
        for chain, (seq, hash_hex) in item["heads"].items():
            found = seen.get((int(chain), int(seq)))
            if not found:
                return LogBreak(
                    int(chain), int(seq), "entries anchored earlier are missing (tail removed)"
                )
            if found != hash_hex:
                return LogBreak(int(chain), int(seq), "entry differs from the anchored one")
    return None


def anchored_positions(anchors: Iterable[dict[str, Any]]) -> dict[tuple[int, int], str]:
    """The `seen` argument of verify_entries for these anchors (hashes still unknown)."""
    return {(int(c), int(head[0])): "" for item in anchors for c, head in item["heads"].items()}
