"""`setup_oidc_clients` (run by `make run` through load_demo) registers the portal and the back
office on MOTCUA_PUBLIC_URL, and moves them when the address or port changes."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from oauth2_provider.models import get_application_model

pytestmark = pytest.mark.django_db


@pytest.fixture
def var_dir(settings, tmp_path, monkeypatch):
    settings.VAR_DIR = tmp_path
    for name in (
        "MOTCUA_PORTAL_REDIRECT_URIS",
        "MOTCUA_PORTAL_POST_LOGOUT_URIS",
        "MOTCUA_BACKOFFICE_REDIRECT_URIS",
        "MOTCUA_BACKOFFICE_POST_LOGOUT_URIS",
    ):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def _setup(settings, public: str) -> dict[str, tuple[list[str], list[str]]]:
    settings.MOTCUA_PUBLIC_URL = public
    call_command("setup_oidc_clients", stdout=io.StringIO())
    return {
        app.client_id: (app.redirect_uris.split(), app.post_logout_redirect_uris.split())
        for app in get_application_model().objects.all()
    }


def test_clients_are_registered_on_the_public_address_and_its_port(var_dir, settings):
    clients = _setup(settings, "http://127.0.0.1:8123")

    assert clients["motcua-portal"] == (
        ["http://127.0.0.1:8123/dang-nhap/callback", "http://localhost:8123/dang-nhap/callback"],
        ["http://127.0.0.1:8123/", "http://localhost:8123/"],
    )
    assert clients["motcua-backoffice"] == (
        [
            "http://127.0.0.1:8123/can-bo/dang-nhap/callback",
            "http://localhost:8123/can-bo/dang-nhap/callback",
        ],
        ["http://127.0.0.1:8123/can-bo/", "http://localhost:8123/can-bo/"],
    )


def test_running_again_on_another_port_moves_the_redirect_uris(var_dir, settings):
    _setup(settings, "http://127.0.0.1:8000")
    secret_file = (var_dir / "oidc-clients.json").read_text(encoding="utf-8")

    clients = _setup(settings, "http://127.0.0.1:8101")

    redirects, logouts = clients["motcua-portal"]
    assert all(":8101/" in uri for uri in redirects + logouts)
    assert not any(":8000" in uri for uri in redirects + logouts)
    assert (var_dir / "oidc-clients.json").read_text(encoding="utf-8") == secret_file


def test_a_public_server_registers_only_its_own_address(var_dir, settings):
    clients = _setup(settings, "https://dichvucong.example.vn")

    assert clients["motcua-portal"] == (
        ["https://dichvucong.example.vn/dang-nhap/callback"],
        ["https://dichvucong.example.vn/"],
    )
