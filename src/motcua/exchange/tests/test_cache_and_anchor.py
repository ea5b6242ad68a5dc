"""The policy cache never answers from a changed policy; the optimistic log append never
forks or leaves a gap; anchors reveal a chain that lost its tail."""

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from motcua.core import signed_log
from motcua.core.errors import NotFound
from motcua.exchange import log, policy, services
from motcua.exchange.errors import AccessDenied
from motcua.exchange.models import Consent, Grant, LogAnchor, MessageLogEntry

from .conftest import PID

pytestmark = pytest.mark.django_db


def _write(n: int, start: int = 0) -> list[MessageLogEntry]:
    return [
        log.append(
            consumer="c",
            service="population.person.basic",
            purpose="p",
            subject=f"0010850{i:05d}",
            outcome="allowed",
            request_hash=log.digest(i),
            response_hash=log.digest({"i": i}),
        )
        for i in range(start, start + n)
    ]


def test_a_grant_revoked_behind_the_services_back_denies_the_next_call(person, consumer):
    grant = services.grant_access(consumer, "population.person.basic", ["p"], actor="t")
    services.call(consumer, "population.person.basic", "p", PID)  # the policy is now cached
    Grant.objects.filter(pk=grant.pk).update(revoked_at=timezone.now())  # no service, no signal
    with pytest.raises(AccessDenied) as denied:
        services.call(consumer, "population.person.basic", "p", PID)
    assert denied.value.reason == "no-grant"


def test_a_new_grant_is_used_at_once_although_a_denial_was_cached(person, consumer):
    with pytest.raises(AccessDenied):
        services.call(consumer, "population.person.basic", "p", PID)
    services.grant_access(consumer, "population.person.basic", ["p"], actor="t")
    assert services.call(consumer, "population.person.basic", "p", PID).data


def test_a_consumer_registered_later_is_found_although_its_absence_was_cached(person):
    services.sync_services()
    with pytest.raises(NotFound):
        services.call("new-consumer", "population.person.basic", "p", PID)
    services.register_consumer("new-consumer", "Mới", actor="t")
    services.grant_access("new-consumer", "population.person.basic", ["p"], actor="t")
    assert services.call("new-consumer", "population.person.basic", "p", PID).data


def test_consent_revoked_behind_the_services_back_denies_the_next_call(person, consumer):
    services.grant_access(consumer, "population.person.family", ["p"], actor="t")
    consent = services.grant_consent(PID, "p")
    services.call(consumer, "population.person.family", "p", PID)
    Consent.objects.filter(pk=consent.pk).update(revoked_at=timezone.now())
    with pytest.raises(AccessDenied) as denied:
        services.call(consumer, "population.person.family", "p", PID)
    assert denied.value.reason == "no-consent"


def test_a_call_decided_on_a_stale_policy_is_decided_again(person, consumer):
    grant = services.grant_access(consumer, "population.person.basic", ["p"], actor="t")
    services.call(consumer, "population.person.basic", "p", PID)
    stale = policy.current()
    Grant.objects.filter(pk=grant.pk).update(revoked_at=timezone.now())
    # As if this process had not looked at the token since: the cached decision allows...
    policy._cached = stale
    # ...but the allowing log entry is refused under the old token, and the call re-decided.
    with pytest.raises(AccessDenied):
        services.call(consumer, "population.person.basic", "p", PID)
    outcomes = list(MessageLogEntry.objects.order_by("id").values_list("outcome", flat=True))
    assert outcomes == ["allowed", "denied:no-grant"]


def test_a_stale_or_rolled_back_head_is_refused_and_reloaded():
    entries = _write(3)
    writer = log._writer()
    writer.head = (entries[0].seq, entries[0].hash)  # another writer moved the head
    _write(1, 3)
    writer.head = (99, "f" * 64)  # an entry that was rolled back: would leave a gap
    _write(1, 4)
    chain = [e for e in log.stored_entries() if e["chain"] == writer.chain]
    assert [e["seq"] for e in chain] == [1, 2, 3, 4, 5]
    checked, broken = log.verify_entries(log.stored_entries(), log.default_public_keys())
    assert broken is None and checked == 5


def test_the_database_refuses_an_entry_whose_predecessor_is_missing():
    first = _write(1)[0]
    orphan = log._entry(
        first.chain,
        (5, first.hash),
        **dict.fromkeys(
            (
                "consumer",
                "service",
                "purpose",
                "subject",
                "outcome",
                "request_hash",
                "response_hash",
            ),
            "x",
        ),
    )
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        log._insert(orphan, None)


def _verify() -> str:
    out = StringIO()
    call_command("exchange_verify", stdout=out)
    return out.getvalue()


def test_anchor_reveals_a_chain_that_lost_its_tail(tmp_path):
    entries = _write(4)
    out = StringIO()
    call_command("exchange_anchor", stdout=out)
    assert '"type": "anchor"' in out.getvalue()
    anchor = LogAnchor.objects.get()
    assert anchor.heads[str(entries[-1].chain)] == [entries[-1].seq, entries[-1].hash]
    assert "1 mốc neo" in _verify()
    export = StringIO()
    call_command("exchange_export", stdout=export)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            "DELETE FROM exchange_messagelogentry WHERE id IN (%s, %s)",
            [entries[2].id, entries[3].id],
        )
    # Without the anchor the shorter chain would verify; with it, the loss shows.
    assert log.verify_entries(log.stored_entries(), log.default_public_keys())[1] is None
    with pytest.raises(CommandError, match="tail removed"):
        _verify()
    lines = export.getvalue().splitlines()
    cut = tmp_path / "cut.jsonl"
    cut.write_text("\n".join([*lines[:2], lines[-1]]), encoding="utf-8")
    with pytest.raises(CommandError, match="tail removed"):
        call_command("exchange_verify", file=str(cut))


def test_a_forged_anchor_is_refused():
    _write(2)
    services.anchor_log()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")  # skip the trigger
        forged = json.dumps({"0": [1, "0" * 64]})
        cursor.execute("UPDATE exchange_loganchor SET heads = %s", [forged])
    with pytest.raises(CommandError, match="anchor"):
        _verify()


def test_a_rewritten_chain_with_recomputed_hashes_fails_on_its_signatures():
    entries = _write(4)
    chain, prev = entries[0].chain, entries[0].hash
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        for entry in entries[1:]:
            values = {**log.body(entry.__dict__), "prev_hash": prev, "subject": "001085099999"}
            values["occurred_at"] = entry.occurred_at
            prev = log.compute_hash(values)
            cursor.execute(
                "UPDATE exchange_messagelogentry SET subject = %s, prev_hash = %s, hash = %s "
                "WHERE id = %s",
                ["001085099999", f"p{entry.id}", f"h{entry.id}", entry.id],
            )
            cursor.execute(
                "UPDATE exchange_messagelogentry SET prev_hash = %s, hash = %s WHERE id = %s",
                [values["prev_hash"], prev, entry.id],
            )
    checked, broken = log.verify_entries(log.stored_entries(), log.default_public_keys())
    assert broken == log.LogBreak(chain, entries[1].seq, "signature is not valid")
    with pytest.raises(CommandError, match=f"#{entries[1].seq}"):
        _verify()


def test_exchange_verify_reports_the_last_anchors_age():
    _write(2)
    assert "chưa có mốc neo" in _verify()
    # The anchoring stopped an hour ago: the last anchor is genuine but old.
    old = timezone.now() - dt.timedelta(hours=1)
    LogAnchor.objects.create(**signed_log.new_anchor(log.chain_heads(), at=old))
    assert "CẢNH BÁO" in _verify()
    with pytest.raises(CommandError, match="older than 10s"):
        call_command("exchange_verify", max_anchor_age=10, strict=True, stdout=StringIO())
    services.anchor_log()
    assert "mốc neo mới nhất 0 giây trước" in _verify()  # the newest anchor counts


def test_exchange_anchor_loop_anchors_again_after_n_entries():
    _write(1)
    polls: list[float] = []

    def sleep(seconds: float) -> None:
        polls.append(seconds)
        if len(polls) == 1:
            _write(2)

    signed_log.anchor_loop(
        services.anchor_log, log.entries_since_anchor, interval=3600, every=2, sleep=sleep, rounds=3
    )
    assert LogAnchor.objects.count() == 2
    assert log.entries_since_anchor() == 0
    assert "2 mốc neo" in _verify()
