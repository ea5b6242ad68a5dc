"""Secrets and personal data under var/ are readable by their owner only."""

import stat

import pytest
from django.core.management import call_command

from motcua.settings.base import database_config, oidc_private_key


def mode(path):
    return stat.S_IMODE(path.stat().st_mode)


def test_the_sqlite_database_is_created_owner_only(tmp_path, monkeypatch):
    monkeypatch.setattr("motcua.settings.base.VAR_DIR", tmp_path / "var")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    config = database_config(None)
    assert mode(config["NAME"]) == 0o600
    assert mode(tmp_path / "var") == 0o700


def test_an_existing_world_readable_database_is_narrowed(tmp_path, monkeypatch):
    monkeypatch.setattr("motcua.settings.base.VAR_DIR", tmp_path)
    db = tmp_path / "motcua.sqlite3"
    db.write_bytes(b"")
    db.chmod(0o644)
    database_config(None)
    assert mode(db) == 0o600


def test_the_generated_signing_key_is_owner_only(tmp_path, monkeypatch):
    monkeypatch.delenv("OIDC_RSA_PRIVATE_KEY", raising=False)
    path = tmp_path / "oidc-private.pem"
    assert "PRIVATE KEY" in oidc_private_key(path)
    assert mode(path) == 0o600


@pytest.mark.django_db
def test_demo_password_files_are_owner_only(tmp_path, settings):
    settings.VAR_DIR = tmp_path
    call_command("setup_oidc_clients", stdout=open("/dev/null", "w"))  # noqa: SIM115
    from motcua.demo.subjects import ensure_demo_subjects

    subjects = ensure_demo_subjects(tmp_path)
    assert mode(tmp_path / "oidc-clients.json") == 0o600
    assert mode(subjects) == 0o600


def test_sqlites_journal_files_take_the_databases_owner_only_mode(tmp_path, monkeypatch):
    import sqlite3

    monkeypatch.setattr("motcua.settings.base.VAR_DIR", tmp_path)
    db = database_config(None)["NAME"]
    connection = sqlite3.connect(db)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("CREATE TABLE t (x)")
    connection.commit()
    wal = tmp_path / "motcua.sqlite3-wal"
    assert wal.exists() and mode(wal) == 0o600
    connection.close()
