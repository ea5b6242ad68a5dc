"""The cryptography of official documents, on the `cryptography` package only:

- agency keys: Ed25519 (signing) and X25519 (key agreement), generated per key version;
- sealing private keys at rest: AES-256-GCM under a key derived (HKDF-SHA256) from
  EDOCS_KEYSTORE_SECRET, else SECRET_KEY, bound to the agency and version. This protects them
  in a database dump; in production the private keys belong in an HSM and this module's
  `open_private` would become a call to it;
- hybrid encryption of a confidential document: one random AES-256-GCM content key encrypts
  the content; for each recipient key, an ephemeral X25519 agreement, HKDF-SHA256 and
  AES-256-GCM wrap that content key."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

WRAP_ALG = "X25519-HKDF-SHA256-A256GCM"
CONTENT_ALG = "A256GCM"
SIGN_ALG = "Ed25519"
_RAW = serialization.Encoding.Raw
_RAW_PUB = serialization.PublicFormat.Raw
_RAW_PRIV = serialization.PrivateFormat.Raw


class DecryptionFailed(Exception):
    """A ciphertext, a wrapped key or a sealed private key did not authenticate."""


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def fingerprint(sign_public: bytes, encrypt_public: bytes) -> str:
    """A short, stable identifier of a key version for people to compare (16 hex digits)."""
    return sha256_hex(sign_public + encrypt_public)[:16]


# ---------------------------------------------------------------------------- agency keys


@dataclass(frozen=True)
class KeyPair:
    sign_public: bytes
    encrypt_public: bytes
    sign_private: bytes
    encrypt_private: bytes


def generate_keys() -> KeyPair:
    signing = Ed25519PrivateKey.generate()
    agreement = X25519PrivateKey.generate()
    none = serialization.NoEncryption()
    return KeyPair(
        sign_public=signing.public_key().public_bytes(_RAW, _RAW_PUB),
        encrypt_public=agreement.public_key().public_bytes(_RAW, _RAW_PUB),
        sign_private=signing.private_bytes(_RAW, _RAW_PRIV, none),
        encrypt_private=agreement.private_bytes(_RAW, _RAW_PRIV, none),
    )


def _store_key(label: str) -> bytes:
    secret = str(getattr(settings, "EDOCS_KEYSTORE_SECRET", "") or settings.SECRET_KEY)
    master = hmac.new(secret.encode(), b"motcua.edocs.keystore", hashlib.sha256).digest()
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=label.encode()).derive(master)


def seal_private(raw: bytes, label: str) -> bytes:
    """nonce ‖ AES-GCM(raw), under the store key, with `label` (agency|version|kind) as AAD."""
    nonce = os.urandom(12)
    return nonce + AESGCM(_store_key(label)).encrypt(nonce, raw, label.encode())


def open_private(sealed: bytes, label: str) -> bytes:
    try:
        return AESGCM(_store_key(label)).decrypt(sealed[:12], sealed[12:], label.encode())
    except InvalidTag:
        raise DecryptionFailed(label) from None


def sign(private_raw: bytes, message: bytes) -> bytes:
    return Ed25519PrivateKey.from_private_bytes(private_raw).sign(message)


def signature_valid(public_raw: bytes, signature: bytes, message: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public_raw).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


# ---------------------------------------------------------------------------- hybrid encryption


def _kek(shared: bytes, ephemeral_public: bytes, recipient_public: bytes, info: bytes) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=ephemeral_public + recipient_public,
        info=b"motcua-edoc/1 key-wrap|" + info,
    ).derive(shared)


def encrypt_content(plaintext: bytes, aad: bytes) -> tuple[bytes, bytes]:
    """(content key, nonce ‖ ciphertext) under a fresh random AES-256 key."""
    key = AESGCM.generate_key(bit_length=256)
    nonce = os.urandom(12)
    return key, nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def decrypt_content(key: bytes, sealed: bytes, aad: bytes) -> bytes:
    try:
        return AESGCM(key).decrypt(sealed[:12], sealed[12:], aad)
    except InvalidTag:
        raise DecryptionFailed("content") from None


def wrap_key(content_key: bytes, recipient_public: bytes, info: bytes) -> dict[str, str]:
    """The content key wrapped for one recipient's X25519 public key."""
    ephemeral = X25519PrivateKey.generate()
    ephemeral_public = ephemeral.public_key().public_bytes(_RAW, _RAW_PUB)
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(recipient_public))
    kek = _kek(shared, ephemeral_public, recipient_public, info)
    nonce = os.urandom(12)
    return {
        "ephemeral_public": b64(ephemeral_public),
        "nonce": b64(nonce),
        "wrapped_key": b64(AESGCM(kek).encrypt(nonce, content_key, info)),
    }


def unwrap_key(wrapped: dict[str, str], recipient_private: bytes, info: bytes) -> bytes:
    private = X25519PrivateKey.from_private_bytes(recipient_private)
    recipient_public = private.public_key().public_bytes(_RAW, _RAW_PUB)
    try:
        ephemeral_public = unb64(wrapped["ephemeral_public"])
        shared = private.exchange(X25519PublicKey.from_public_bytes(ephemeral_public))
        kek = _kek(shared, ephemeral_public, recipient_public, info)
        return AESGCM(kek).decrypt(unb64(wrapped["nonce"]), unb64(wrapped["wrapped_key"]), info)
    except (InvalidTag, KeyError, ValueError):
        raise DecryptionFailed("wrapped key") from None
