import threading
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, connections, transaction

from motcua.audit import services
from motcua.audit.models import AuditEntry


def _write(n: int, prefix: str = "test") -> list[AuditEntry]:
    return [
        services.record(
            actor=f"user:{i}",
            action=f"{prefix}.action",
            target_type="dossier",
            target_id=str(i),
            purpose="kiểm thử",
            data={"i": i, "tên": "Nguyễn"},
        )
        for i in range(n)
    ]


def _tamper(sql: str, params: list) -> None:
    """Change rows behind the service's back, as an attacker with database access would."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")  # skip the trigger
        cursor.execute(sql, params)


@pytest.mark.django_db
def test_entries_form_an_unbroken_chain():
    entries = _write(5)
    assert [e.seq for e in entries] == list(range(entries[0].seq, entries[0].seq + 5))
    for previous, entry in zip(entries, entries[1:], strict=False):
        assert entry.prev_hash == previous.hash
    assert services.verify() == (AuditEntry.objects.count(), None)


@pytest.mark.django_db
def test_verify_names_a_changed_entry():
    entries = _write(4)
    _tamper("UPDATE audit_auditentry SET actor = %s WHERE seq = %s", ["user:evil", entries[2].seq])
    _, broken = services.verify()
    assert broken is not None
    assert broken.seq == entries[2].seq
    assert "changed" in broken.reason


@pytest.mark.django_db
def test_verify_names_a_removed_entry():
    entries = _write(4)
    _tamper("DELETE FROM audit_auditentry WHERE seq = %s", [entries[1].seq])
    _, broken = services.verify()
    assert broken is not None
    assert broken.seq == entries[1].seq
    assert "removed" in broken.reason


@pytest.mark.django_db
def test_verify_names_reordered_entries():
    entries = _write(4)
    a, b = entries[1], entries[2]
    # Swap the two rows' positions in the chain, keeping each row's own hash consistent.
    _tamper("UPDATE audit_auditentry SET seq = -1 WHERE seq = %s", [a.seq])
    _tamper("UPDATE audit_auditentry SET seq = %s WHERE seq = %s", [a.seq, b.seq])
    _tamper("UPDATE audit_auditentry SET seq = %s WHERE seq = -1", [b.seq])
    _, broken = services.verify()
    assert broken is not None
    assert broken.seq == a.seq


@pytest.mark.django_db
def test_audit_verify_command_fails_and_names_the_entry():
    entries = _write(3)
    out = StringIO()
    call_command("audit_verify", stdout=out)
    assert "OK" in out.getvalue()
    _tamper("UPDATE audit_auditentry SET purpose = %s WHERE seq = %s", ["x", entries[0].seq])
    with pytest.raises(CommandError, match=f"#{entries[0].seq}"):
        call_command("audit_verify")


@pytest.mark.django_db
def test_entry_rolls_back_with_the_change_it_describes():
    before = AuditEntry.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        _write(1)
        raise RuntimeError("the change failed")
    assert AuditEntry.objects.count() == before


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgres_refuses_update_and_delete():
    entry = _write(1)[0]
    for sql in (
        "UPDATE audit_auditentry SET actor = 'x' WHERE id = %s",
        "DELETE FROM audit_auditentry WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [entry.id])
    assert AuditEntry.objects.get(id=entry.id).actor == entry.actor


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_never_fork_the_chain():
    """Eight threads, each with its own connection, append at once."""
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def writer(n: int) -> None:
        try:
            barrier.wait()
            for i in range(15):
                services.record(actor=f"thread:{n}", action="concurrent", target_id=str(i))
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert AuditEntry.objects.filter(action="concurrent").count() == 120
    checked, broken = services.verify()
    assert broken is None
    assert checked == AuditEntry.objects.count()


@pytest.mark.django_db
def test_deferred_entries_join_the_chain_at_the_end_of_the_block_in_order():
    before = _write(1, "before")[0]
    with transaction.atomic(), services.deferred():
        entries = _write(3, "deferred")
        assert AuditEntry.objects.filter(action="deferred.action").count() == 0
        assert entries[0].seq is None
    assert [e.seq for e in entries] == [before.seq + 1, before.seq + 2, before.seq + 3]
    assert entries[0].prev_hash == before.hash
    assert services.verify() == (AuditEntry.objects.count(), None)


@pytest.mark.django_db
def test_deferred_entries_roll_back_with_the_change():
    count = AuditEntry.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic(), services.deferred():
        _write(2, "lost")
        raise RuntimeError("the change failed")
    assert AuditEntry.objects.count() == count
    _write(1, "after")
    assert services.verify() == (count + 1, None)


def _normal_connection():
    """A new connection to the test database as an application would open it: without the
    test settings' `motcua.allow_truncate`."""
    import psycopg

    s = connection.settings_dict
    return psycopg.connect(
        dbname=s["NAME"],
        user=s["USER"],
        password=s["PASSWORD"] or None,
        host=s["HOST"] or None,
        port=s["PORT"] or None,
        autocommit=True,
    )


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgres_refuses_truncate_of_the_log_and_its_anchors():
    import psycopg

    with _normal_connection() as conn:
        conn.execute("SET lock_timeout = '20s'")
        for table in ("audit_auditentry", "audit_auditanchor"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
                conn.execute(f"TRUNCATE {table}")
    # Nor can the test's own session once it stops asking for the flush's exception.
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("SET LOCAL motcua.allow_truncate = 'off'")
        cursor.execute("TRUNCATE audit_auditentry")


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgres_refuses_update_and_delete_of_anchors():
    _write(1)
    anchor = services.anchor()
    for sql in (
        "UPDATE audit_auditanchor SET heads = '{}' WHERE id = %s",
        "DELETE FROM audit_auditanchor WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [anchor.id])
