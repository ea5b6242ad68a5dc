"""The audit log proves itself: an attacker with write access to the database but not the
signing key cannot rewrite it, cut its anchored tail or forge an anchor unseen."""

import base64
import datetime as dt
import json
from io import StringIO

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from motcua.audit import services
from motcua.audit.models import AuditAnchor, AuditEntry
from motcua.core import signed_log

pytestmark = pytest.mark.django_db


def _write(n: int) -> list[AuditEntry]:
    return [
        services.record(actor=f"user:{i}", action="proof.action", target_id=str(i), data={"i": i})
        for i in range(n)
    ]


def _sql(sql: str, params: list) -> None:
    """Write behind the service's back, as an attacker with database access would."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")  # skip the triggers
        cursor.execute(sql, params)


def _rewrite_from(seq: int, *, actor: str, key: Ed25519PrivateKey | None = None) -> None:
    """Change entry `seq` and recompute every following hash and link, so that the chain is
    consistent again; re-sign with `key` (the attacker's own) or keep the old signatures."""
    prev = AuditEntry.objects.get(seq=seq - 1).hash if seq > 1 else services.GENESIS_HASH
    for entry in AuditEntry.objects.filter(seq__gte=seq).order_by("seq"):
        if entry.seq == seq:
            entry.actor = actor
        entry.prev_hash = prev
        entry.hash = prev = services.compute_hash(entry)
        signature, key_id = entry.signature, entry.key_id
        if key is not None:
            signature = base64.b64encode(key.sign(entry.hash.encode())).decode()
            key_id = signed_log.key_id(key.public_key())
        # prev_hash and hash are unique: park the row's values first.
        _sql(
            "UPDATE audit_auditentry SET prev_hash = %s, hash = %s WHERE id = %s",
            [f"x{entry.seq}", f"y{entry.seq}", entry.id],
        )
        _sql(
            "UPDATE audit_auditentry SET actor = %s, prev_hash = %s, hash = %s, "
            "signature = %s, key_id = %s WHERE id = %s",
            [entry.actor, entry.prev_hash, entry.hash, signature, key_id, entry.id],
        )


def _verify() -> str:
    out = StringIO()
    call_command("audit_verify", stdout=out)
    return out.getvalue()


def test_an_untampered_signed_and_anchored_chain_is_intact():
    entries = _write(3)
    assert all(e.signature and e.key_id for e in entries)
    call_command("audit_anchor", stdout=StringIO())
    out = _verify()
    assert f"OK: {AuditEntry.objects.count()} mục" in out
    assert "1 mốc neo" in out and "intact" in out


def test_a_rewritten_chain_with_recomputed_hashes_is_reported():
    entries = _write(5)
    _rewrite_from(entries[1].seq, actor="user:evil")
    assert services.verify()[1] == services.ChainBreak(
        entries[1].seq, "signature is not valid (chain rewritten)"
    )
    with pytest.raises(CommandError, match=f"#{entries[1].seq}.*rewritten"):
        _verify()


def test_a_chain_re_signed_with_another_key_is_reported():
    entries = _write(4)
    _rewrite_from(entries[2].seq, actor="user:evil", key=Ed25519PrivateKey.generate())
    with pytest.raises(CommandError, match=f"#{entries[2].seq}: unknown signing key"):
        _verify()


def test_an_anchored_entry_rewritten_under_a_valid_signature_is_reported():
    """Even one who had the signing key for a while cannot rewrite what an anchor names."""
    entries = _write(4)
    services.anchor()
    _rewrite_from(entries[1].seq, actor="user:evil", key=signed_log.signing_key())
    # Every link, hash and signature now checks out; only the anchor remembers.
    with pytest.raises(CommandError, match="differs from the anchored one"):
        _verify()


def test_newest_entries_deleted_after_an_anchor_are_reported():
    entries = _write(5)
    services.anchor()
    _sql("DELETE FROM audit_auditentry WHERE seq >= %s", [entries[3].seq])
    with pytest.raises(CommandError, match="tail removed"):
        _verify()


def test_entries_deleted_behind_the_last_anchor_are_reported():
    entries = _write(6)
    services.anchor()
    _write(2)
    services.anchor()
    _sql("DELETE FROM audit_auditentry WHERE seq IN (%s, %s)", [entries[2].seq, entries[3].seq])
    with pytest.raises(CommandError, match=f"#{entries[2].seq}.*removed"):
        _verify()


def test_a_forged_anchor_is_reported():
    entries = _write(3)
    anchor = services.anchor()
    # Point the anchor at an earlier head, as one hiding a later cut would.
    heads = {"0": [entries[0].seq, entries[0].hash]}
    _sql("UPDATE audit_auditanchor SET heads = %s WHERE id = %s", [json.dumps(heads), anchor.id])
    with pytest.raises(CommandError, match="anchor of .* is not valid"):
        _verify()


def test_an_anchor_signed_with_another_key_is_reported():
    _write(2)
    anchor = services.anchor()
    forged = base64.b64encode(Ed25519PrivateKey.generate().sign(anchor.hash.encode())).decode()
    _sql("UPDATE audit_auditanchor SET signature = %s WHERE id = %s", [forged, anchor.id])
    with pytest.raises(CommandError, match="not valid"):
        _verify()


def test_the_last_anchors_age_is_reported_and_an_old_one_warned_about():
    _write(2)
    services.anchor()
    assert "mốc neo mới nhất 0 giây trước" in _verify()
    _sql("DELETE FROM audit_auditanchor", [])
    # The anchoring stopped two hours ago: its last anchor is genuine but old.
    old = timezone.now() - dt.timedelta(hours=2)
    AuditAnchor.objects.create(**signed_log.new_anchor(services.chain_heads(), at=old))
    out = _verify()
    assert "OK" in out and "CẢNH BÁO" in out and "older than 600s" in out
    with pytest.raises(CommandError, match="older than 60s"):
        call_command("audit_verify", max_anchor_age=60, strict=True)


def test_a_chain_never_anchored_is_warned_about():
    _write(1)
    assert "chưa có mốc neo" in _verify()
    with pytest.raises(CommandError, match="never anchored"):
        call_command("audit_verify", strict=True)


def test_the_schedule_anchors_every_minute_and_every_n_entries():
    _write(1)
    polls: list[float] = []

    def sleep(seconds: float) -> None:
        polls.append(seconds)
        if len(polls) == 2:
            _write(3)  # reaches `every`: anchored at the next poll

    signed_log.anchor_loop(
        services.anchor,
        services.entries_since_anchor,
        interval=3600,
        every=3,
        sleep=sleep,
        rounds=4,
    )
    heads = [a["heads"]["0"][0] for a in services.stored_anchors()]
    last = AuditEntry.objects.order_by("-seq").first()
    assert len(heads) == 2 and heads[-1] == last.seq
    assert services.entries_since_anchor() == 0


def test_the_schedule_survives_a_failed_anchor():
    from django.db import OperationalError

    _write(2)
    calls = []

    def anchor() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        services.anchor()

    signed_log.run_anchoring(
        {"loop": 60, "every": 1},
        anchor,
        services.entries_since_anchor,
        sleep=lambda s: None,
        rounds=2,
    )
    assert len(services.stored_anchors()) == 1
    assert "OK" in _verify()
