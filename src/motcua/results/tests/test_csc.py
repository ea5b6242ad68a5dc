"""The `csc` provider signs through a remote service speaking the Cloud Signature Consortium
API v2: here a tiny fake service in a thread, holding a test key and certificate."""

from __future__ import annotations

import base64
import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
from cryptography.x509.oid import NameOID

from motcua.core.pdf import render_document
from motcua.results import services

from .conftest import received_dossier

pytestmark = pytest.mark.django_db
TOKEN = "fake-access-token"  # noqa: S105


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _cert(subject, issuer, public_key, signing_key, *, ca: bool) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=not ca,
                content_commitment=not ca,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=ca,
                crl_sign=ca,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(signing_key, hashes.SHA256())
    )


class FakeCsc:
    """oauth2/token, credentials/list|info|authorize, signatures/signHash (v2 bodies)."""

    def __init__(self, signer_name: str) -> None:
        self.ca_key = ec.generate_private_key(ec.SECP256R1())
        self.ca = _cert(
            _name("Fake CSC Root"),
            _name("Fake CSC Root"),
            self.ca_key.public_key(),
            self.ca_key,
            ca=True,
        )
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.cert = _cert(
            _name(signer_name), self.ca.subject, self.key.public_key(), self.ca_key, ca=False
        )
        self.calls: list[str] = []
        self.sads: set[str] = set()
        self.authorizations: list[dict] = []
        self.otp = ""  # when set, credentials/authorize needs this one-time code

    def handle(self, path: str, body: bytes, auth: str) -> tuple[int, dict]:
        self.calls.append(path)
        if path == "/csc/v2/oauth2/token":
            form = parse_qs(body.decode())
            if form.get("client_secret") != ["s3cret"]:
                return 401, {"error": "invalid_client"}
            return 200, {"access_token": TOKEN, "token_type": "Bearer", "expires_in": 3600}
        if auth != f"Bearer {TOKEN}":
            return 401, {"error": "invalid_token"}
        data = json.loads(body)
        if path == "/csc/v2/credentials/list":
            return 200, {"credentialIDs": [f"cred-{data['userID']}"]}
        if path == "/csc/v2/credentials/info":
            der = [c.public_bytes(serialization.Encoding.DER) for c in (self.cert, self.ca)]
            return 200, {
                "key": {"status": "enabled", "algo": ["1.2.840.10045.4.3.2"], "len": 256},
                "cert": {
                    "status": "valid",
                    "certificates": [base64.b64encode(d).decode() for d in der],
                },
                "authMode": "explicit",
                "SCAL": "2",
                "multisign": 1,
            }
        if path == "/csc/v2/credentials/authorize":
            self.authorizations.append(data)
            if self.otp and data.get("OTP") != self.otp:
                return 400, {"error": "invalid_otp"}
            sad = f"sad-{len(self.sads)}"
            self.sads.add(sad)
            return 200, {"SAD": sad, "expiresIn": 300}
        if path == "/csc/v2/signatures/signHash":
            assert data["SAD"] in self.sads and data["hashAlgorithmOID"] == "2.16.840.1.101.3.4.2.1"
            signatures = [
                base64.b64encode(
                    self.key.sign(base64.b64decode(h), ec.ECDSA(Prehashed(hashes.SHA256())))
                ).decode()
                for h in data["hashes"]
            ]
            return 200, {"signatures": signatures}
        return 404, {"error": "not_found"}


@pytest.fixture
def fake_csc(settings, tmp_path):
    service = FakeCsc("Phạm Thị Lãnh Đạo (CSC)")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            status, answer = service.handle(self.path, body, self.headers.get("Authorization", ""))
            payload = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    root = tmp_path / "csc-root.pem"
    root.write_bytes(service.ca.public_bytes(serialization.Encoding.PEM))
    settings.RESULTS_SIGNING_PROVIDER = "csc"
    settings.RESULTS_CSC = {
        "BASE_URL": f"http://127.0.0.1:{server.server_port}",
        "CLIENT_ID": "motcua",
        "CLIENT_SECRET": "s3cret",
        "TRUST_ROOTS": [str(root)],
        "TIMEOUT": 10,
    }
    yield service
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def test_the_csc_provider_signs_through_the_remote_service(fake_csc, leader):
    pdf = render_document(title="Văn bản thử", issuer="UBND", rows=[("Số", "1")])
    signed = services.sign_pdf(pdf, signer_personal_id=leader)
    assert fake_csc.calls == [
        "/csc/v2/oauth2/token",
        "/csc/v2/credentials/list",
        "/csc/v2/credentials/info",
        "/csc/v2/credentials/authorize",
        "/csc/v2/signatures/signHash",
    ]
    verification = services.verify_pdf(signed)
    assert verification.signature_intact and verification.signature_trusted
    assert verification.signer_name == "Phạm Thị Lãnh Đạo (CSC)"


def test_a_result_signed_remotely_verifies_as_issued(fake_csc, leader):
    document = services.issue_for_dossier(received_dossier().code, signer_personal_id=leader)
    assert document.signing_provider == "csc"
    with document.file.open("rb") as handle:
        verification = services.verify_pdf(handle.read())
    assert verification.valid, verification.reasons


def test_a_refused_client_is_a_signing_failure(fake_csc, leader, settings):
    from motcua.results.errors import SigningFailed

    settings.RESULTS_CSC = {**settings.RESULTS_CSC, "CLIENT_SECRET": "wrong"}
    with pytest.raises(SigningFailed):
        services.sign_pdf(b"%PDF-1.7", signer_personal_id=leader)


def test_the_signers_one_time_code_releases_the_remote_key(fake_csc, leader):
    from motcua.results.errors import SigningFailed
    from motcua.results.signing import Activation

    fake_csc.otp = "246810"
    pdf = render_document(title="Văn bản thử", issuer="UBND", rows=[("Số", "1")])
    with pytest.raises(SigningFailed, match="mã OTP"):
        services.sign_pdf(pdf, signer_personal_id=leader)
    with pytest.raises(SigningFailed, match="mã OTP"):
        services.sign_pdf(pdf, signer_personal_id=leader, activation=Activation(otp="000000"))
    signed = services.sign_pdf(pdf, signer_personal_id=leader, activation=Activation(otp="246810"))
    assert fake_csc.authorizations[-1]["OTP"] == "246810"
    assert services.verify_pdf(signed).signature_intact
