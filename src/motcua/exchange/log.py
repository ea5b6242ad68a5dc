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
from django.db import connection, transaction
from django.utils import timezone

from .models import MessageLogEntry

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
_local = threading.local()


def _chain() -> int:
    """This thread's chain: threads and processes spread over the chains and mostly keep to
    their own, so appends rarely wait on each other."""
    chains = max(1, int(settings.EXCHANGE_LOG_CHAINS))
    cached = getattr(_local, "chain", None)
    if cached is None or cached[0] != chains:
        value = int.from_bytes(
            hashlib.sha256(f"{os.getpid()}:{threading.get_ident()}".encode()).digest()[:4]
        )
        cached = (chains, value % chains)
        _local.chain = cached
    return int(cached[1])


def body(entry: dict[str, Any]) -> dict[str, Any]:
    out = {name: entry[name] for name in FIELDS}
    occurred = out["occurred_at"]
    if not isinstance(occurred, str):
        out["occurred_at"] = occurred.isoformat(timespec="microseconds")
    return out


def compute_hash(entry: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(body(entry))).hexdigest()


def append(
    *,
    consumer: str,
    service: str,
    purpose: str,
    subject: str,
    outcome: str,
    request_hash: str,
    response_hash: str,
) -> MessageLogEntry:
    """Append one entry to this thread's chain, in its own transaction (or the caller's)."""
    key, kid = _own()
    chain = _chain()
    with transaction.atomic():
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_PG_LOCK_CLASS, chain])
            cursor.execute(
                "SELECT seq, hash FROM exchange_messagelogentry WHERE chain = %s "
                "ORDER BY seq DESC LIMIT 1",
                [chain],
            )
            last = cursor.fetchone()
        fields = {
            "chain": chain,
            "seq": (last[0] + 1) if last else 1,
            "occurred_at": timezone.now(),
            "consumer": consumer,
            "service": service,
            "purpose": purpose,
            "subject": subject,
            "outcome": outcome,
            "request_hash": request_hash,
            "response_hash": response_hash,
            "prev_hash": last[1] if last else genesis_hash(chain),
            "key_id": kid,
        }
        digest_hex = compute_hash(fields)
        entry = MessageLogEntry(
            **fields,
            hash=digest_hex,
            signature=base64.b64encode(key.sign(digest_hex.encode())).decode(),
        )
        entry.save(force_insert=True)
    return entry


# --- verify ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class LogBreak:
    """The first entry where the stored log differs from what was written."""

    chain: int
    seq: int
    reason: str


def verify_entries(
    entries: Iterable[dict[str, Any]], public_keys: dict[str, Ed25519PublicKey]
) -> tuple[int, LogBreak | None]:
    """Check entries ordered by (chain, seq): gaps, links, hashes and signatures. Needs only
    the public keys, so it runs offline on an export as well as on the database."""
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
        checked += 1
    return checked, None


def stored_entries(batch_size: int = 5000) -> Iterator[dict[str, Any]]:
    """Every stored entry as a dict, ordered by (chain, seq)."""
    last = (-1, 0)
    columns = (*FIELDS, "hash", "signature")
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
