"""The local key store: a certificate authority (a demo one generated at set-up; in
production its certificate and key come from configuration, never from the repository) and
one signing certificate per official, issued on first use and revocable."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPrivateKeyTypes
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.utils import timezone

from motcua.audit import services as audit

from .errors import CertificateRevoked
from .models import SigningCertificate

CA_CERT_NAME = "ca-cert.pem"
CA_KEY_NAME = "ca-key.pem"
CA_VALIDITY = dt.timedelta(days=3650)
OFFICIAL_VALIDITY = dt.timedelta(days=3 * 365)


@dataclass(frozen=True)
class Authority:
    certificate: x509.Certificate
    key: CertificateIssuerPrivateKeyTypes

    @property
    def certificate_pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)


@dataclass(frozen=True)
class Signatory:
    """Who signs: the name, personal ID and agency written into the certificate."""

    personal_id: str
    name: str
    agency: str


def ca_dir() -> Path:
    return Path(getattr(settings, "RESULTS_CA_DIR", "") or Path(settings.VAR_DIR) / "results-ca")


def _configured_ca_files() -> tuple[Path, Path] | None:
    cert = getattr(settings, "RESULTS_CA_CERT_FILE", "") or os.environ.get(
        "MOTCUA_RESULTS_CA_CERT_FILE", ""
    )
    key = getattr(settings, "RESULTS_CA_KEY_FILE", "") or os.environ.get(
        "MOTCUA_RESULTS_CA_KEY_FILE", ""
    )
    if cert and key:
        return Path(cert), Path(key)
    return None


def ensure_demo_ca() -> Path:
    """Make the demo certificate authority once (idempotent); return the CA certificate's
    path. With a configured CA (RESULTS_CA_CERT_FILE/RESULTS_CA_KEY_FILE) nothing is made; in
    production a CA must be configured."""
    configured = _configured_ca_files()
    if configured:
        return configured[0]
    if getattr(settings, "MOTCUA_ENV", "") == "production":
        raise ImproperlyConfigured(
            "RESULTS_CA_CERT_FILE and RESULTS_CA_KEY_FILE must name the signing CA in production."
        )
    folder = ca_dir()
    cert_path, key_path = folder / CA_CERT_NAME, folder / CA_KEY_NAME
    if cert_path.exists() and key_path.exists():
        return cert_path
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "MotCua (thử nghiệm)"),
            x509.NameAttribute(NameOID.COMMON_NAME, "MotCua Demo Root CA"),
        ]
    )
    now = timezone.now()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + CA_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    tmp_key = key_path.with_suffix(".tmp")
    fd = os.open(tmp_key, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    os.replace(tmp_key, key_path)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert_path


def authority() -> Authority:
    configured = _configured_ca_files()
    cert_path = ensure_demo_ca()
    key_path = configured[1] if configured else cert_path.parent / CA_KEY_NAME
    password = getattr(settings, "RESULTS_CA_KEY_PASSWORD", "") or os.environ.get(
        "MOTCUA_RESULTS_CA_KEY_PASSWORD", ""
    )
    key = serialization.load_pem_private_key(
        key_path.read_bytes(), password=password.encode() if password else None
    )
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise ImproperlyConfigured("The results CA key must be RSA or EC.")
    return Authority(x509.load_pem_x509_certificate(cert_path.read_bytes()), key)


def ca_certificate() -> x509.Certificate:
    return x509.load_pem_x509_certificate(ensure_demo_ca().read_bytes())


def _store_secret() -> bytes:
    """The passphrase of the officials' keys: RESULTS_KEYSTORE_SECRET, else derived from
    SECRET_KEY (so a database dump alone does not give the keys)."""
    secret = getattr(settings, "RESULTS_KEYSTORE_SECRET", "")
    if secret:
        return str(secret).encode()
    return (
        hmac.new(settings.SECRET_KEY.encode(), b"motcua.results.keystore", hashlib.sha256)
        .hexdigest()
        .encode()
    )


def current_certificate(personal_id: str) -> SigningCertificate | None:
    return SigningCertificate.objects.filter(personal_id=personal_id).order_by("-issued_at").first()


def certificate_for_signing(signatory: Signatory) -> SigningCertificate:
    """The official's live certificate, issued on first use; refused when the latest one was
    revoked (a new one is issued only on request, by `issue_certificate`)."""
    latest = current_certificate(signatory.personal_id)
    if latest is not None and latest.revoked_at is not None:
        raise CertificateRevoked(
            "Chứng thư số của người ký đã bị thu hồi; không thể ký bằng chứng thư này."
        )
    if latest is not None and latest.not_after > timezone.now():
        return latest
    return issue_certificate(signatory)


def issue_certificate(signatory: Signatory, *, actor: str = "system") -> SigningCertificate:
    """Issue a new signing certificate to an official (after a revocation or expiry)."""
    ca = authority()
    key = ec.generate_private_key(ec.SECP256R1())
    now = timezone.now()
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, signatory.agency[:64] or "MotCua"),
            x509.NameAttribute(NameOID.COMMON_NAME, signatory.name[:64]),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, signatory.personal_id),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(min(now + OFFICIAL_VALIDITY, ca.certificate.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.certificate.public_key()),  # type: ignore[arg-type]
            critical=False,
        )
        .sign(ca.key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(_store_secret()),
    )
    try:
        with transaction.atomic():
            record = SigningCertificate.objects.create(
                personal_id=signatory.personal_id,
                serial=format(cert.serial_number, "x"),
                subject=cert.subject.rfc4514_string(),
                certificate_pem=cert.public_bytes(serialization.Encoding.PEM).decode(),
                key_pem_encrypted=key_pem.decode(),
                issued_at=now,
                not_after=cert.not_valid_after_utc,
            )
            audit.record(
                actor=actor,
                action="results.certificate.issued",
                target_type="results.certificate",
                target_id=record.serial,
                data={"personal_id": signatory.personal_id},
            )
    except IntegrityError:  # a concurrent first use issued one already
        existing = SigningCertificate.objects.filter(
            personal_id=signatory.personal_id, revoked_at__isnull=True
        ).first()
        if existing is None:
            raise
        return existing
    return record


def private_key(record: SigningCertificate) -> ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(
        record.key_pem_encrypted.encode(), password=_store_secret()
    )
    assert isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey)
    return key


def revoke_certificate(personal_id: str, reason: str, *, actor: str = "system") -> int:
    """Revoke the official's live certificate(s); return how many were revoked."""
    now = timezone.now()
    with transaction.atomic():
        live = list(
            SigningCertificate.objects.select_for_update().filter(
                personal_id=personal_id, revoked_at__isnull=True
            )
        )
        for record in live:
            record.revoked_at = now
            record.revocation_reason = reason[:500]
            record.save(update_fields=["revoked_at", "revocation_reason"])
            audit.record(
                actor=actor,
                action="results.certificate.revoked",
                target_type="results.certificate",
                target_id=record.serial,
                data={"personal_id": personal_id, "reason": reason[:500]},
            )
    return len(live)


def by_serial(serial: int) -> SigningCertificate | None:
    return SigningCertificate.objects.filter(serial=format(serial, "x")).first()
