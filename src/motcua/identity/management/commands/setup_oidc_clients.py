"""Register the built-in relying parties (portal, back office) with the OpenID provider,
idempotently. Their redirect URIs are on MOTCUA_PUBLIC_URL (and, for a loopback address, the
same port on the other loopback name), so running it again after a change of address or port
moves them. Secrets come from the environment, else are generated once into var/."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand

from motcua.core import site
from motcua.core.files import write_private
from motcua.identity import services

LOOPBACK_NAMES = {"127.0.0.1": "localhost", "localhost": "127.0.0.1"}


def public_bases() -> list[str]:
    """The public address and, when it is a loopback one, its twin on the same port (a browser
    may be pointed at either name of a developer's machine)."""
    base = site.base_url()
    parts = urlsplit(base)
    twin = LOOPBACK_NAMES.get(parts.hostname or "")
    if twin is None:
        return [base]
    port = f":{parts.port}" if parts.port else ""
    return [base, f"{parts.scheme}://{twin}{port}"]


def _uris(env: str, path: str) -> list[str]:
    default = " ".join(f"{base}{path}" for base in public_bases())
    return os.environ.get(env, default).split()


def client_specs() -> list[tuple[services.ClientSpec, str]]:
    """Each client with the environment variable that may hold its secret."""
    return [
        (
            services.ClientSpec(
                client_id=os.environ.get("MOTCUA_PORTAL_CLIENT_ID", "motcua-portal"),
                name="Cổng dịch vụ công MotCua",
                redirect_uris=_uris("MOTCUA_PORTAL_REDIRECT_URIS", "/dang-nhap/callback"),
                post_logout_redirect_uris=_uris("MOTCUA_PORTAL_POST_LOGOUT_URIS", "/"),
            ),
            "MOTCUA_PORTAL_CLIENT_SECRET",
        ),
        (
            services.ClientSpec(
                client_id=os.environ.get("MOTCUA_BACKOFFICE_CLIENT_ID", "motcua-backoffice"),
                name="Hệ thống một cửa điện tử (cán bộ)",
                redirect_uris=_uris(
                    "MOTCUA_BACKOFFICE_REDIRECT_URIS", "/can-bo/dang-nhap/callback"
                ),
                post_logout_redirect_uris=_uris("MOTCUA_BACKOFFICE_POST_LOGOUT_URIS", "/can-bo/"),
            ),
            "MOTCUA_BACKOFFICE_CLIENT_SECRET",
        ),
    ]


class Command(BaseCommand):
    help = "Đăng ký các ứng dụng kết nối OIDC (cổng, một cửa điện tử). Register the OIDC clients."

    def handle(self, *args: object, **options: object) -> None:
        path = Path(settings.VAR_DIR) / "oidc-clients.json"
        stored: dict[str, str] = {}
        if path.exists():
            stored = json.loads(path.read_text(encoding="utf-8"))
        for spec, secret_env in client_specs():
            secret = os.environ.get(secret_env)
            if not secret:
                secret = stored.get(spec.client_id) or secrets.token_urlsafe(48)
                stored[spec.client_id] = secret
            created = services.register_client(spec, secret, actor="setup_oidc_clients")
            verb = "đã tạo / created" if created else "đã cập nhật / updated"
            self.stdout.write(f"OIDC client {spec.client_id}: {verb}")
        write_private(path, json.dumps(stored, indent=2))
        self.stdout.write(f"Khóa bí mật lưu tại / secrets kept in {path}")
