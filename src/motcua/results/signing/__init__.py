"""Signing providers (nhà cung cấp ký số) through a registry: each module in this package
registers one provider under a stable key; `RESULTS_SIGNING_PROVIDER` picks the one used
("local" by default). Adding a provider adds one module here; nothing else changes."""

from __future__ import annotations

import abc
import asyncio
import concurrent.futures
import contextlib
import importlib
import io
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

from asn1crypto import x509 as asn1_x509
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko.sign.timestamps import TimeStamper

from ..keystore import Signatory

DEFAULT = "local"
_REGISTRY: dict[str, type[SigningProvider]] = {}
T = TypeVar("T")


@dataclass(frozen=True)
class Activation:
    """What the signer gives, at the moment of signing, to release their remote key
    (signature activation data): a PIN and/or a one-time code. Never stored or logged."""

    pin: str = ""
    otp: str = ""

    def csc_fields(self) -> dict[str, str]:
        """The fields of a CSC credentials/authorize request that carry it."""
        fields = {"PIN": self.pin, "OTP": self.otp}
        return {k: v for k, v in fields.items() if v}


class SigningProvider(abc.ABC):
    """Signs a PDF for one official as PAdES. Implementations call `pades_sign` with a
    pyHanko signer that holds (or reaches) the official's key."""

    key: ClassVar[str]
    label: ClassVar[str]

    @abc.abstractmethod
    def sign(
        self,
        pdf: bytes,
        *,
        signatory: Signatory,
        metadata: signers.PdfSignatureMetadata,
        timestamper: TimeStamper | None,
        activation: Activation | None = None,
    ) -> bytes: ...

    def trust_roots(self) -> list[asn1_x509.Certificate]:
        """Roots a verifier should trust for signatures this provider makes."""
        return []


def register(cls: type[SigningProvider]) -> type[SigningProvider]:
    """Class decorator: make a provider available under `cls.key`."""
    if not getattr(cls, "key", ""):
        raise ImproperlyConfigured(f"{cls.__name__} has no key")
    _REGISTRY[cls.key] = cls
    return cls


def get(key: str | None = None) -> SigningProvider:
    """The provider named `key`, else the one configured (RESULTS_SIGNING_PROVIDER)."""
    name = key or getattr(settings, "RESULTS_SIGNING_PROVIDER", "") or DEFAULT
    if name not in _REGISTRY and name.isidentifier():
        with contextlib.suppress(ModuleNotFoundError):  # a module registers its provider
            importlib.import_module(f"{__name__}.{name}")
    if name not in _REGISTRY:
        raise ImproperlyConfigured(f"Unknown signing provider {name!r}; known: {available()}")
    return _REGISTRY[name]()


def available() -> list[str]:
    return sorted(_REGISTRY)


async def pades_sign(
    pdf: bytes,
    signer: signers.Signer,
    metadata: signers.PdfSignatureMetadata,
    timestamper: TimeStamper | None,
    *,
    bytes_reserved: int | None = None,
) -> bytes:
    """Add a PAdES signature to `pdf` as an incremental update. `bytes_reserved` (the room
    for the signature container) saves pyHanko a dry-run signing to estimate it."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    output = io.BytesIO()
    pdf_signer = signers.PdfSigner(metadata, signer=signer, timestamper=timestamper)
    await pdf_signer.async_sign_pdf(writer, bytes_reserved=bytes_reserved, output=output)
    return output.getvalue()


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to the end from synchronous code, also when called from a thread that
    already runs an event loop (an async view): then in a worker thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


# The providers shipped with MotCua.
from . import csc, local  # noqa: E402, F401
