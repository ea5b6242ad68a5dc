"""TOTP secrets are encrypted in the database; logins still work, and the migration encrypts
secrets stored in clear before it."""

import importlib

import pytest
from django.apps import apps
from django.db import connection

from motcua.identity import services
from motcua.identity.models import Account
from motcua.identity.testing import PASSWORD, make_person, totp_now

pytestmark = pytest.mark.django_db


def stored(account):
    with connection.cursor() as cursor:
        cursor.execute("SELECT totp_secret FROM identity_account WHERE id = %s", [account.pk])
        return cursor.fetchone()[0]


def test_the_database_never_holds_the_totp_secret_in_clear():
    person = make_person()
    secret = Account.objects.get(pk=person.pk).totp_secret
    assert len(secret) == 32
    raw = stored(person)
    assert secret not in raw and raw.startswith("fernet:")


def test_a_person_still_logs_in_with_the_code_of_their_authenticator():
    person = make_person()
    account = services.authenticate(
        identifier=person.username, password=PASSWORD, code=totp_now(person), ip="10.0.0.1"
    )
    assert account.pk == person.pk


def test_the_migration_encrypts_secrets_stored_in_clear():
    person = make_person()
    secret = Account.objects.get(pk=person.pk).totp_secret
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE identity_account SET totp_secret = %s WHERE id = %s", [secret, person.pk]
        )
    assert stored(person) == secret  # as a database from before the change holds it
    migration = importlib.import_module("motcua.identity.migrations.0004_encrypt_totp_secrets")
    migration.encrypt_existing(apps, None)
    assert secret not in stored(person)
    assert Account.objects.get(pk=person.pk).totp_secret == secret


def test_a_secret_encrypted_under_a_retired_key_still_reads_after_rotation(settings):
    from cryptography.fernet import Fernet

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.MOTCUA_FIELD_ENCRYPTION_KEYS = [old]
    person = make_person()
    secret = Account.objects.get(pk=person.pk).totp_secret
    settings.MOTCUA_FIELD_ENCRYPTION_KEYS = [new, old]
    assert Account.objects.get(pk=person.pk).totp_secret == secret
