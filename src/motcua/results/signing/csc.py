"""`csc`: remote signing over the Cloud Signature Consortium API v2 (oauth2/token with client
credentials, credentials/list, credentials/info, credentials/authorize, signatures/signHash).
The signHash calls go through pyHanko's `CSCSigner`, which speaks aiohttp; the request bodies
follow v2 (`hashes`, `hashAlgorithmOID`) rather than pyHanko's v1 defaults.

Settings: RESULTS_CSC = {"BASE_URL": "https://csc.example.vn" (the part before /csc/v2),
"CLIENT_ID": ..., "CLIENT_SECRET": ..., "TOKEN_URL": (default BASE_URL/csc/v2/oauth2/token),
"CREDENTIAL_ID": (optional; else the first of credentials/list for the signer's personal ID),
"TRUST_ROOTS": [PEM file paths], "TIMEOUT": 30}."""

from __future__ import annotations

import base64
import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from asn1crypto import algos
from asn1crypto import x509 as asn1_x509
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from pyhanko.sign import signers
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers.csc_signer import (
    CSCAuthorizationInfo,
    CSCAuthorizationManager,
    CSCCredentialInfo,
    CSCServiceSessionInfo,
    CSCSigner,
)
from pyhanko.sign.timestamps import TimeStamper

from ..errors import CertificateRevoked, SigningFailed
from ..keystore import Signatory
from . import Activation, SigningProvider, pades_sign, register, run

API_VERSION = "v2"
DIGEST = "sha256"


@dataclass(frozen=True)
class CscConfig:
    base_url: str
    client_id: str
    client_secret: str
    token_url: str
    credential_id: str = ""
    trust_roots: list[str] = field(default_factory=list)
    timeout: float = 30.0


def config() -> CscConfig:
    raw: dict[str, Any] = dict(getattr(settings, "RESULTS_CSC", {}) or {})
    base = str(raw.get("BASE_URL", "")).rstrip("/")
    if not base or not raw.get("CLIENT_ID") or not raw.get("CLIENT_SECRET"):
        raise ImproperlyConfigured("RESULTS_CSC needs BASE_URL, CLIENT_ID and CLIENT_SECRET.")
    return CscConfig(
        base_url=base,
        client_id=str(raw["CLIENT_ID"]),
        client_secret=str(raw["CLIENT_SECRET"]),
        token_url=str(raw.get("TOKEN_URL") or f"{base}/csc/{API_VERSION}/oauth2/token"),
        credential_id=str(raw.get("CREDENTIAL_ID", "")),
        trust_roots=[str(p) for p in raw.get("TRUST_ROOTS", [])],
        timeout=float(raw.get("TIMEOUT", 30)),
    )


class _V2Authorization(CSCAuthorizationManager):
    """Signature activation data from credentials/authorize, bound to the hashes (SCAL 2)."""

    def __init__(
        self,
        session_info: CSCServiceSessionInfo,
        info: CSCCredentialInfo,
        http: Any,
        activation: Activation | None = None,
    ) -> None:
        super().__init__(session_info, info)
        self.http = http
        self.activation = activation or Activation()

    async def authorize_signature(self, hash_b64s: list[str]) -> CSCAuthorizationInfo:
        body = {
            "credentialID": self.csc_session_info.credential_id,
            "numSignatures": len(hash_b64s),
            "hashes": hash_b64s,
            "hashAlgorithmOID": algos.DigestAlgorithmId(DIGEST).dotted,
            **self.activation.csc_fields(),
        }
        try:
            data = await _post(
                self.http, self.csc_session_info, "credentials/authorize", body, quiet=True
            )
        except aiohttp.ClientResponseError as exc:
            if exc.status in (400, 401, 403):
                raise SigningFailed(
                    "Dịch vụ ký số từ xa từ chối ủy quyền ký: mã PIN hoặc mã OTP của người ký "
                    "không đúng hoặc đã hết hạn."
                ) from exc
            raise SigningFailed(
                "Dịch vụ ký số từ xa không trả lời (credentials/authorize)."
            ) from exc
        return self.parse_csc_auth_response(data)


class _V2Signer(CSCSigner):
    async def format_csc_signing_req(
        self, tbs_hashes: list[str], digest_algorithm: str
    ) -> dict[str, Any]:
        v1 = await super().format_csc_signing_req(tbs_hashes, digest_algorithm)
        body = {
            "credentialID": v1["credentialID"],
            "SAD": v1["SAD"],
            "hashes": v1["hash"],
            "hashAlgorithmOID": v1["hashAlgo"],
            "signAlgo": v1["signAlgo"],
        }
        if "signAlgoParams" in v1:
            body["signAlgoParams"] = v1["signAlgoParams"]
        return body


async def _post(
    http: Any,
    session_info: CSCServiceSessionInfo,
    endpoint: str,
    body: dict[str, Any],
    *,
    quiet: bool = False,
) -> dict[str, Any]:
    """POST a CSC call; `quiet` lets an HTTP error status through to the caller."""
    try:
        async with http.post(
            session_info.endpoint_url(endpoint),
            json=body,
            headers=session_info.auth_headers,
            raise_for_status=True,
        ) as response:
            data = await response.json()
    except aiohttp.ClientResponseError:
        if quiet:
            raise
        raise SigningFailed(f"Dịch vụ ký số từ xa không trả lời ({endpoint}).") from None
    except aiohttp.ClientError as exc:
        raise SigningFailed(f"Dịch vụ ký số từ xa không trả lời ({endpoint}).") from exc
    if not isinstance(data, dict):
        raise SigningFailed(f"Dịch vụ ký số từ xa trả lời không hợp lệ ({endpoint}).")
    return data


async def _token(http: Any, conf: CscConfig) -> str:
    form = {
        "grant_type": "client_credentials",
        "client_id": conf.client_id,
        "client_secret": conf.client_secret,
    }
    try:
        async with http.post(conf.token_url, data=form, raise_for_status=True) as response:
            data = await response.json()
        return str(data["access_token"])
    except (aiohttp.ClientError, KeyError, TypeError) as exc:
        raise SigningFailed("Không xác thực được với dịch vụ ký số từ xa.") from exc


def _credential_info(data: dict[str, Any]) -> CSCCredentialInfo:
    """Parse a credentials/info answer (v2: key.status/algo, cert.status/certificates)."""
    try:
        cert_part, key_part = data["cert"], data["key"]
        if cert_part.get("status", "valid") != "valid" or key_part.get("status", "enabled") != (
            "enabled"
        ):
            raise CertificateRevoked(
                "Chứng thư số trên dịch vụ ký số từ xa không còn hiệu lực; không thể ký."
            )
        certs = [asn1_x509.Certificate.load(base64.b64decode(c)) for c in cert_part["certificates"]]
        mechanisms = frozenset(
            algos.SignedDigestAlgorithmId(oid).native for oid in key_part["algo"]
        )
        return CSCCredentialInfo(
            signing_cert=certs[0],
            chain=certs[1:],
            supported_mechanisms=mechanisms,
            max_batch_size=int(data.get("multisign", 1)),
            hash_pinning_required=str(data.get("SCAL", "1")) == "2",
            response_data=data,
        )
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        raise SigningFailed("Dịch vụ ký số từ xa trả thông tin chứng thư không hợp lệ.") from exc


@register
class CscProvider(SigningProvider):
    key = "csc"
    label = "Ký số từ xa (CSC API v2)"

    def sign(
        self,
        pdf: bytes,
        *,
        signatory: Signatory,
        metadata: signers.PdfSignatureMetadata,
        timestamper: TimeStamper | None,
        activation: Activation | None = None,
    ) -> bytes:
        return run(self._sign(pdf, signatory, metadata, timestamper, activation))

    async def _sign(
        self,
        pdf: bytes,
        signatory: Signatory,
        metadata: signers.PdfSignatureMetadata,
        timestamper: TimeStamper | None,
        activation: Activation | None,
    ) -> bytes:
        conf = config()
        timeout = aiohttp.ClientTimeout(total=conf.timeout)
        async with aiohttp.ClientSession(timeout=timeout) as http:
            token = await _token(http, conf)
            session_info = CSCServiceSessionInfo(
                service_url=conf.base_url,
                credential_id=conf.credential_id,
                oauth_token=token,
                api_ver=API_VERSION,
            )
            if not session_info.credential_id:
                listed = await _post(
                    http,
                    session_info,
                    "credentials/list",
                    {"userID": signatory.personal_id, "onlyValid": True},
                )
                ids = listed.get("credentialIDs") or []
                if not ids:
                    raise SigningFailed("Người ký chưa có chứng thư số trên dịch vụ ký số từ xa.")
                session_info = dataclasses.replace(session_info, credential_id=str(ids[0]))
            info = _credential_info(
                await _post(
                    http,
                    session_info,
                    "credentials/info",
                    {
                        "credentialID": session_info.credential_id,
                        "certificates": "chain",
                        "certInfo": True,
                        "authInfo": True,
                    },
                )
            )
            signer = _V2Signer(http, _V2Authorization(session_info, info, http, activation))
            try:
                return await pades_sign(
                    pdf, signer, dataclasses.replace(metadata, md_algorithm=DIGEST), timestamper
                )
            except SigningError as exc:
                raise SigningFailed("Dịch vụ ký số từ xa không ký được tài liệu.") from exc

    def trust_roots(self) -> list[asn1_x509.Certificate]:
        from .local import _asn1_cert

        try:
            paths = config().trust_roots
        except ImproperlyConfigured:
            return []
        return [_asn1_cert(Path(p).read_bytes()) for p in paths]
