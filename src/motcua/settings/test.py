"""The test suite: SQLite in memory unless DATABASE_URL names a PostgreSQL server."""

import os

from .base import *  # noqa: F403
from .base import OAUTH2_PROVIDER, database_config, generate_rsa_pem

DEBUG = False
SECRET_KEY = "test-only-key"  # noqa: S105
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "motcua.identity.hashers.ClientSecretHasher",
]
DATABASES = {"default": database_config(os.environ.get("DATABASE_URL"))}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["TEST"] = {"NAME": ""}  # in memory
else:
    # The audit and exchange logs refuse TRUNCATE (triggers, migrations 0004) except in a
    # session that asks, in a database named test_*: pytest-django's flush after a
    # transactional test truncates every table.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c motcua.allow_truncate=on"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

MOTCUA_ENV = "test"
# A signing key made in memory once per test process, never written anywhere.
OAUTH2_PROVIDER = {**OAUTH2_PROVIDER, "OIDC_RSA_PRIVATE_KEY": generate_rsa_pem()}

# The registry generator forks worker processes on PostgreSQL. Forking a test process that
# has threads (live servers, SMTP servers, HTTP clients) can deadlock a child on a lock held
# by a thread at fork time: the PostgreSQL suite hung there once. Tests generate inline.
REGISTRY_GENERATOR_PROCESSES = 0
