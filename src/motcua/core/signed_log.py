"""What the audit log and the exchange log share to prove themselves: one Ed25519 log-signing
key, signatures over entry hashes, and signed anchors of chain heads (seq, hash).

A hash chain alone can be rewritten (change a row, recompute every following hash) or cut
(delete the newest rows); a signature needs the private key, and an anchor, taken on a
schedule and kept apart from the entries, names heads that must still be there."""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django import db
from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

logger = logging.getLogger(__name__)


def canonical_json(value: Any) -> bytes:
    return json.dumps(
        value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
    ).encode()


# --- keys ------------------------------------------------------------------------------------
def public_path(private_path: Path) -> Path:
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
        public_path(path).write_bytes(public_pem(key.public_key()))
    except FileExistsError:
        pass
    finally:
        tmp.unlink()


@lru_cache(maxsize=1)
def signing_key() -> Ed25519PrivateKey:
    """The log-signing key: PEM from MOTCUA_EXCHANGE_SIGNING_KEY in production; in dev and
    tests, generated once into EXCHANGE_SIGNING_KEY_FILE (0600) with the public key beside
    it. It signs the exchange log's entries, the audit log's entries and both logs' anchors."""
    pem = settings.EXCHANGE_SIGNING_KEY
    if not pem:
        path = Path(settings.EXCHANGE_SIGNING_KEY_FILE)
        if not path.exists():
            _create_key_file(path)
        pem = path.read_text()
    loaded = serialization.load_pem_private_key(pem.encode(), password=None)
    if not isinstance(loaded, Ed25519PrivateKey):
        raise ValueError("the log signing key must be an Ed25519 key")
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
def own() -> tuple[Ed25519PrivateKey, str]:
    """The signing key and its id (cached: signing is on every append)."""
    key = signing_key()
    return key, key_id(key.public_key())


def default_public_keys() -> dict[str, Ed25519PublicKey]:
    public = signing_key().public_key()
    return {key_id(public): public}


def trusted_public_keys(paths: Iterable[str | Path] = ()) -> dict[str, Ed25519PublicKey]:
    """The keys a verification trusts: the PEM files given, else the public key beside the
    key file (dev), else the configured key's public half."""
    keys = [load_public_key(p) for p in paths]
    if keys:
        return {key_id(k): k for k in keys}
    beside = public_path(Path(settings.EXCHANGE_SIGNING_KEY_FILE))
    if beside.exists() and not settings.EXCHANGE_SIGNING_KEY:
        key = load_public_key(beside)
        return {key_id(key): key}
    return default_public_keys()


def sign(digest_hex: str) -> tuple[str, str]:
    """(key_id, base64 Ed25519 signature) of a hash."""
    key, kid = own()
    return kid, base64.b64encode(key.sign(digest_hex.encode())).decode()


def signature_valid(
    public_keys: dict[str, Ed25519PublicKey], kid: str, digest_hex: str, signature: str
) -> bool:
    key = public_keys.get(kid)
    if key is None or not signature:
        return False
    try:
        key.verify(base64.b64decode(signature), digest_hex.encode())
    except (InvalidSignature, ValueError):
        return False
    return True


# --- anchors ---------------------------------------------------------------------------------
# An anchor is {created_at, heads: {chain: [seq, hash]}, key_id} hashed and signed. Chains are
# named by id so that a log split into shards (per province) anchors every shard at once.


def anchor_body(anchor: dict[str, Any]) -> dict[str, Any]:
    created = anchor["created_at"]
    if not isinstance(created, str):
        created = created.isoformat(timespec="microseconds")
    return {"created_at": created, "heads": anchor["heads"], "key_id": anchor["key_id"]}


def anchor_hash(anchor: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(anchor_body(anchor))).hexdigest()


def new_anchor(heads: dict[str, list[Any]], at: datetime | None = None) -> dict[str, Any]:
    """The fields of a signed anchor of these heads, taken now (or `at`)."""
    _, kid = own()
    fields: dict[str, Any] = {"created_at": at or timezone.now(), "heads": heads, "key_id": kid}
    fields["hash"] = anchor_hash(fields)
    fields["signature"] = sign(fields["hash"])[1]
    return fields


def anchor_line(anchor: dict[str, Any]) -> str:
    """An anchor as one JSON line, to publish outside the database."""
    out = {**anchor_body(anchor), "hash": anchor["hash"]}
    out["signature"], out["type"] = anchor["signature"], "anchor"
    return json.dumps(out, ensure_ascii=False, sort_keys=True)


@dataclass(frozen=True)
class AnchorBreak:
    chain: int
    seq: int
    reason: str


def check_anchors(
    anchors: Iterable[dict[str, Any]],
    seen: dict[tuple[int, int], str],
    public_keys: dict[str, Ed25519PublicKey],
) -> AnchorBreak | None:
    """Each anchor is intact and signed, and every chain still holds the entry it anchored
    (`seen`: (chain, seq) → hash of the verified entries at the anchored positions, from
    `anchored_positions` filled while walking the chain)."""
    for item in anchors:
        digest_hex = anchor_hash(item)
        if digest_hex != item["hash"] or not signature_valid(
            public_keys, item["key_id"], digest_hex, item["signature"]
        ):
            created = anchor_body(item)["created_at"]
            return AnchorBreak(-1, 0, f"anchor of {created} is not valid (forged or changed)")
        for chain, (seq, hash_hex) in item["heads"].items():
            found = seen.get((int(chain), int(seq)))
            if not found:
                return AnchorBreak(
                    int(chain), int(seq), "entries anchored earlier are missing (tail removed)"
                )
            if found != hash_hex:
                return AnchorBreak(
                    int(chain),
                    int(seq),
                    "entry differs from the anchored one (chain rewritten)",
                )
    return None


def anchored_positions(anchors: Iterable[dict[str, Any]]) -> dict[tuple[int, int], str]:
    """The positions the anchors name, hashes still unknown: fill while walking the chain."""
    return {(int(c), int(head[0])): "" for item in anchors for c, head in item["heads"].items()}


def anchor_age_seconds(anchors: list[dict[str, Any]], now: datetime | None = None) -> float | None:
    """Seconds since the newest anchor (None: never anchored)."""
    if not anchors:
        return None
    newest = max(
        a["created_at"]
        if isinstance(a["created_at"], datetime)
        else datetime.fromisoformat(a["created_at"])
        for a in anchors
    )
    return ((now or timezone.now()) - newest).total_seconds()


def age_report(age: float | None, max_age: float) -> tuple[str, bool]:
    """(a bilingual sentence on the newest anchor's age, whether it is too old)."""
    if age is None:
        return "CẢNH BÁO: chưa có mốc neo nào (warning: never anchored)", True
    seconds = int(age)
    if age > max_age:
        return (
            f"CẢNH BÁO: mốc neo mới nhất đã {seconds} giây, quá {int(max_age)} giây "
            f"(warning: the last anchor is {seconds}s old, older than {int(max_age)}s)",
            True,
        )
    return f"mốc neo mới nhất {seconds} giây trước (last anchor {seconds}s ago)", False


# --- the anchoring schedule ------------------------------------------------------------------
def anchor_loop(
    anchor: Callable[[], object],
    pending: Callable[[], int],
    *,
    interval: float,
    every: int,
    poll: float = 5.0,
    sleep: Callable[[float], None] = time.sleep,
    rounds: int | None = None,
) -> None:
    """Anchor now, then whenever `interval` seconds have passed or `pending()` (entries since
    the last anchor) reaches `every`. `rounds` bounds the polls (tests)."""
    last = time.monotonic()
    anchor()
    done = 0
    while rounds is None or done < rounds:
        sleep(min(poll, interval))
        done += 1
        if time.monotonic() - last >= interval or (every > 0 and pending() >= every):
            anchor()
            last = time.monotonic()


# --- what the *_anchor and *_verify commands share -------------------------------------------
def add_loop_arguments(parser: Any) -> None:
    parser.add_argument(
        "--loop",
        type=int,
        default=0,
        metavar="SECONDS",
        help="neo lại mỗi N giây và mỗi LOG_ANCHOR_EVERY mục (anchor every N s and N entries)",
    )
    parser.add_argument("--every", type=int, default=None, metavar="ENTRIES")


def run_anchoring(
    options: dict[str, Any],
    anchor: Callable[[], object],
    pending: Callable[[], int],
    **loop: Any,
) -> None:
    """Anchor once, or with --loop on the schedule (every --loop seconds, every --every or
    LOG_ANCHOR_EVERY entries)."""
    interval = int(options.get("loop") or 0)
    if interval <= 0:
        anchor()
        return
    every = options.get("every")

    def resilient(step: Callable[[], Any], fallback: Any) -> Callable[[], Any]:
        # A dropped connection or a database restart must not end the schedule: anchoring
        # resumes at a later poll (the anchor's age, reported by *_verify, shows the gap).
        def run() -> Any:
            if not db.connection.in_atomic_block:  # between polls, as between requests
                db.close_old_connections()
            try:
                return step()
            except db.DatabaseError as exc:
                logger.warning("anchoring failed, retried at the next poll: %s", exc)
                return fallback

        return run

    anchor_loop(
        resilient(anchor, None),
        resilient(pending, 0),
        interval=interval,
        every=int(settings.LOG_ANCHOR_EVERY if every is None else every),
        **loop,
    )


def add_verify_arguments(parser: Any) -> None:
    parser.add_argument(
        "--public-key",
        action="append",
        default=[],
        help="PEM public key(s); default: the key beside EXCHANGE_SIGNING_KEY_FILE",
    )
    parser.add_argument(
        "--max-anchor-age",
        type=int,
        default=None,
        metavar="SECONDS",
        help="warn when the newest anchor is older (default LOG_ANCHOR_MAX_AGE)",
    )
    parser.add_argument(
        "--strict", action="store_true", help="an old or missing anchor fails the verification"
    )


def anchor_age_check(options: dict[str, Any], anchors: list[dict[str, Any]]) -> tuple[str, bool]:
    """(the anchor-age sentence, whether it fails the verification)."""
    limit = options.get("max_anchor_age")
    max_age = float(settings.LOG_ANCHOR_MAX_AGE if limit is None else limit)
    sentence, stale = age_report(anchor_age_seconds(anchors), max_age)
    return sentence, stale and bool(options.get("strict"))


class AnchorCommand(BaseCommand):
    """A log's `*_anchor [--loop N]` command: anchor its chains once, or on the schedule, and
    print each anchor as a JSON line to publish outside the database."""

    def anchor(self) -> Any:
        """Anchor the log's chains now; the anchor row."""
        raise NotImplementedError

    def pending(self) -> int:
        """Entries written since the last anchor."""
        raise NotImplementedError

    def add_arguments(self, parser: CommandParser) -> None:
        add_loop_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        run_anchoring(options, self._publish, self.pending)

    def _publish(self) -> None:
        anchor = self.anchor()
        fields = ("created_at", "heads", "key_id", "hash", "signature")
        self.stdout.write(anchor_line({name: getattr(anchor, name) for name in fields}))
        self.stdout.flush()
