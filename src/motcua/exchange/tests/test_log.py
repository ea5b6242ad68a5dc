import threading
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, connections, transaction

from motcua.exchange import log
from motcua.exchange.models import MessageLogEntry


def _write(n: int) -> list[MessageLogEntry]:
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
        for i in range(n)
    ]


def _tamper(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)


def _verify_fails_at(seq: int, word: str) -> None:
    checked, broken = log.verify_entries(log.stored_entries(), log.default_public_keys())
    assert broken is not None
    assert broken.seq == seq
    assert word in broken.reason
    with pytest.raises(CommandError, match=f"#{seq}"):
        call_command("exchange_verify")


@pytest.mark.django_db
def test_entries_are_chained_and_signed():
    entries = _write(5)
    assert len({e.chain for e in entries}) == 1  # one thread keeps to its chain
    for previous, entry in zip(entries, entries[1:], strict=False):
        assert entry.prev_hash == previous.hash and entry.seq == previous.seq + 1
    out = StringIO()
    call_command("exchange_verify", stdout=out)
    assert "OK: 5" in out.getvalue()


@pytest.mark.django_db
def test_verify_names_a_changed_entry():
    entries = _write(4)
    _tamper("UPDATE exchange_messagelogentry SET purpose = 'x' WHERE id = %s", [entries[2].id])
    _verify_fails_at(entries[2].seq, "changed")


@pytest.mark.django_db
def test_verify_names_a_rehashed_entry_by_its_signature():
    entries = _write(3)
    forged = {**log.body({f: getattr(entries[2], f) for f in log.FIELDS}), "purpose": "x"}
    _tamper(
        "UPDATE exchange_messagelogentry SET purpose = 'x', hash = %s WHERE id = %s",
        [log.compute_hash(forged), entries[2].id],
    )
    _verify_fails_at(entries[2].seq, "signature")


@pytest.mark.django_db
def test_verify_names_a_removed_entry():
    entries = _write(4)
    _tamper("DELETE FROM exchange_messagelogentry WHERE id = %s", [entries[1].id])
    _verify_fails_at(entries[1].seq, "removed")


@pytest.mark.django_db
def test_verify_names_reordered_entries():
    entries = _write(4)
    a, b = entries[1], entries[2]
    _tamper("UPDATE exchange_messagelogentry SET seq = -1 WHERE id = %s", [a.id])
    _tamper("UPDATE exchange_messagelogentry SET seq = %s WHERE id = %s", [a.seq, b.id])
    _tamper("UPDATE exchange_messagelogentry SET seq = %s WHERE id = %s", [b.seq, a.id])
    _verify_fails_at(a.seq, "link")


@pytest.mark.django_db
def test_export_verifies_offline_with_the_public_key_only(tmp_path):
    _write(3)
    out = StringIO()
    call_command("exchange_export", stdout=out)
    export = tmp_path / "log.jsonl"
    export.write_text(out.getvalue(), encoding="utf-8")
    public = tmp_path / "pub.pem"
    public.write_bytes(log.public_pem(log.signing_key().public_key()))
    if connection.vendor != "postgresql":  # offline: the database is not consulted
        MessageLogEntry.objects.all().delete()
    ok = StringIO()
    call_command("exchange_verify", file=str(export), public_key=[str(public)], stdout=ok)
    assert "OK: 3" in ok.getvalue()
    lines = export.read_text().splitlines()
    export.write_text("\n".join([lines[0], lines[2]]), encoding="utf-8")
    with pytest.raises(CommandError, match="removed"):
        call_command("exchange_verify", file=str(export), public_key=[str(public)])


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgres_refuses_update_and_delete_of_the_log():
    entry = _write(1)[0]
    for sql in (
        "UPDATE exchange_messagelogentry SET consumer = 'x' WHERE id = %s",
        "DELETE FROM exchange_messagelogentry WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [entry.id])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_callers_never_fork_the_log(settings):
    settings.EXCHANGE_LOG_CHAINS = 2  # fewer chains than threads: they must share
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def writer() -> None:
        try:
            barrier.wait()
            _write(15)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert MessageLogEntry.objects.count() == 120
    checked, broken = log.verify_entries(log.stored_entries(), log.default_public_keys())
    assert broken is None and checked == 120


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgres_refuses_update_and_delete_of_anchors():
    from motcua.exchange import services

    _write(1)
    anchor = services.anchor_log()
    for sql in (
        "UPDATE exchange_loganchor SET heads = '{}' WHERE id = %s",
        "DELETE FROM exchange_loganchor WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [anchor.id])


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgres_refuses_truncate_of_the_log_and_its_anchors():
    import psycopg

    # A connection opened as the application opens one (no test-only session setting).
    s = connection.settings_dict
    with psycopg.connect(
        dbname=s["NAME"],
        user=s["USER"],
        password=s["PASSWORD"] or None,
        host=s["HOST"] or None,
        port=s["PORT"] or None,
        autocommit=True,
    ) as conn:
        conn.execute("SET lock_timeout = '20s'")
        for table in ("exchange_messagelogentry", "exchange_loganchor"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
                conn.execute(f"TRUNCATE {table}")
