"""`local`: keys in MotCua's own key store (`results.keystore`), certificates issued by the
configured (or demo) certificate authority."""

from __future__ import annotations

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from pyhanko.sign import signers
from pyhanko.sign.timestamps import TimeStamper
from pyhanko_certvalidator.registry import SimpleCertificateStore

from .. import keystore
from . import Activation, SigningProvider, pades_sign, register, run

CONTAINER_BYTES = 8192


def _asn1_cert(pem: bytes) -> asn1_x509.Certificate:
    from cryptography import x509

    der = x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)
    return asn1_x509.Certificate.load(der)


@register
class LocalProvider(SigningProvider):
    key = "local"
    label = "Kho khóa nội bộ"

    def sign(
        self,
        pdf: bytes,
        *,
        signatory: keystore.Signatory,
        metadata: signers.PdfSignatureMetadata,
        timestamper: TimeStamper | None,
        activation: Activation | None = None,  # the local key is held by the server
    ) -> bytes:
        record = keystore.certificate_for_signing(signatory)
        key = keystore.private_key(record)
        key_info = asn1_keys.PrivateKeyInfo.load(
            key.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        ca = _asn1_cert(keystore.ensure_demo_ca().read_bytes())
        signer = signers.SimpleSigner(
            signing_cert=_asn1_cert(record.certificate_pem.encode()),
            signing_key=key_info,
            cert_registry=SimpleCertificateStore.from_certs([ca]),
        )
        # Without a timestamp the container's size is known: an ECDSA signature and two
        # certificates (the official's and the CA's) fit well within 8 KB.
        reserved = None if timestamper else CONTAINER_BYTES
        return run(pades_sign(pdf, signer, metadata, timestamper, bytes_reserved=reserved))

    def trust_roots(self) -> list[asn1_x509.Certificate]:
        return [_asn1_cert(keystore.ensure_demo_ca().read_bytes())]
