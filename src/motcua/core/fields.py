"""Model fields encrypted at rest (Fernet: AES-128-CBC + HMAC-SHA256, from `cryptography`).
Keys come from MOTCUA_FIELD_ENCRYPTION_KEYS (comma-separated Fernet keys, the first encrypts,
all decrypt, so a key can be rotated); without it, in development and tests, one key is
derived from SECRET_KEY. A stored value that does not carry the prefix is legacy clear text,
read as it is and encrypted at the next save."""

from __future__ import annotations

import base64
import hashlib
from functools import cache
from typing import Any

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings
from django.db import models

PREFIX = "fernet:"


@cache
def _fernet(keys: tuple[str, ...], secret_key: str) -> MultiFernet:
    if not keys:
        digest = hashlib.sha256(f"motcua.fields:{secret_key}".encode()).digest()
        keys = (base64.urlsafe_b64encode(digest).decode("ascii"),)
    return MultiFernet([Fernet(key.encode("ascii")) for key in keys])


def fernet() -> MultiFernet:
    keys = tuple(getattr(settings, "MOTCUA_FIELD_ENCRYPTION_KEYS", ()) or ())
    return _fernet(keys, settings.SECRET_KEY)


def encrypt(value: str) -> str:
    return PREFIX + fernet().encrypt(value.encode("utf-8")).decode("ascii")


def decrypt(stored: str) -> str:
    if not stored.startswith(PREFIX):
        return stored  # legacy clear text
    return fernet().decrypt(stored[len(PREFIX) :].encode("ascii")).decode("utf-8")


class EncryptedCharField(models.CharField):
    """A CharField whose value is encrypted in the database; "" stays "" (nothing to hide).
    Not searchable by value."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 255)
        super().__init__(*args, **kwargs)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if not value:
            return value
        return decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if not value or str(value).startswith(PREFIX):
            return value
        return encrypt(str(value))
