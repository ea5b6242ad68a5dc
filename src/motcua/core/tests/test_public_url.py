"""MOTCUA_PUBLIC_URL: the one address every absolute link, redirect URI and the OIDC issuer
derive from, on any port; production refuses to start without an https one."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from motcua.core import oidc_client, site
from motcua.settings.base import public_url

PUBLIC = "http://127.0.0.1:8123"


@pytest.fixture
def on_port_8123(settings):
    settings.MOTCUA_PUBLIC_URL = PUBLIC
    settings.OIDC_ISSUER = ""


def test_links_are_built_on_the_public_address_with_its_port(on_port_8123):
    assert site.absolute("/xac-thuc/abc/") == f"{PUBLIC}/xac-thuc/abc/"
    assert site.absolute("tra-cuu-ho-so/") == f"{PUBLIC}/tra-cuu-ho-so/"


def test_our_own_provider_is_the_issuer_unless_another_is_configured(on_port_8123, settings):
    assert site.oidc_issuer() == PUBLIC
    settings.OIDC_ISSUER = "https://vneid.example.vn/"
    assert site.oidc_issuer() == "https://vneid.example.vn"


@pytest.mark.django_db(transaction=True)
def test_the_portal_finds_the_provider_server_side_at_the_public_address(live_server, settings):
    """What `make run PORT=…` needs: the relying party asks the provider on the same port."""
    settings.MOTCUA_PUBLIC_URL = live_server.url
    settings.OIDC_ISSUER = ""

    metadata = oidc_client.provider_metadata()

    assert metadata["issuer"] == live_server.url
    assert metadata["authorization_endpoint"].startswith(f"{live_server.url}/")


@pytest.mark.parametrize(
    ("url", "ours"),
    [
        (f"{PUBLIC}/ho-so/H01/", True),
        ("/ho-so/H01/", True),
        ("http://127.0.0.1:8000/ho-so/H01/", False),  # another port of the same machine
        ("http://127.0.0.1/ho-so/H01/", False),
        ("https://127.0.0.1:8123/ho-so/H01/", False),  # another scheme
        ("http://lua-dao.example:8123/ho-so/H01/", False),
        ("//lua-dao.example/", False),
        ("javascript:alert(1)", False),
    ],
)
def test_only_addresses_on_the_public_url_are_ours(on_port_8123, url, ours):
    assert site.is_own_url(url) is ours


@pytest.mark.parametrize(
    "value",
    [
        "127.0.0.1:8123",  # no scheme
        "ftp://127.0.0.1",
        "http://",
        "http://127.0.0.1:99999",
        "http://127.0.0.1:8123/cong/",  # a path the routes would not follow
        "http://user:pw@127.0.0.1:8123",
        "http://127.0.0.1:8123/?next=x",
    ],
)
def test_a_malformed_public_url_is_refused_with_the_reason(value):
    with pytest.raises(ImproperlyConfigured, match="MOTCUA_PUBLIC_URL"):
        public_url(value)


def test_a_public_url_is_normalised():
    assert public_url(" HTTP://DichVuCong.Example.VN:8443/ ") == "http://dichvucong.example.vn:8443"


def test_make_run_on_another_port_moves_every_derived_address(tmp_path):
    """`make run PORT=8123` exports MOTCUA_PUBLIC_URL=http://127.0.0.1:8123; the development
    settings read it and every address follows (a fresh process, as `make run` starts)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "motcua.settings.dev",
        "MOTCUA_VAR_DIR": str(tmp_path),
        "MOTCUA_PUBLIC_URL": PUBLIC,
    }
    env.pop("OIDC_ISSUER", None)
    code = (
        "import django; django.setup(); from django.conf import settings;"
        "from motcua.core import site; from motcua.results.services import public_url;"
        "print(site.oidc_issuer(), public_url('r1'), 'localhost' in settings.ALLOWED_HOSTS)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.split() == [PUBLIC, f"{PUBLIC}/xac-thuc/r1/", "True"], result.stderr


def _production(public: str | None) -> subprocess.CompletedProcess[str]:
    """Loads the real production settings module in a fresh process."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "motcua.settings.production",
        "DJANGO_SECRET_KEY": "x" * 50,
        "MOTCUA_FIELD_ENCRYPTION_KEYS": "8Z1-BUDmF3Ek0q7eJ6sU1Xgq7zE1C5a8sQG3vI9o2aA=",
        "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none",
        "OIDC_RSA_PRIVATE_KEY": "-----BEGIN PRIVATE KEY-----\nunused\n-----END PRIVATE KEY-----",
    }
    env.pop("MOTCUA_PUBLIC_URL", None)
    env.pop("OIDC_PROVIDER_ISSUER", None)
    if public is not None:
        env["MOTCUA_PUBLIC_URL"] = public
    code = (
        "import django; django.setup(); from django.conf import settings;"
        "print(settings.MOTCUA_PUBLIC_URL, settings.OAUTH2_PROVIDER['OIDC_ISS_ENDPOINT'])"
    )
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize("public", [None, "", "http://dichvucong.example.vn"])
def test_production_refuses_to_start_without_an_https_public_url(public):
    result = _production(public)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "MOTCUA_PUBLIC_URL" in result.stderr


def test_production_issues_tokens_as_its_public_url():
    result = _production("https://dichvucong.example.vn")
    assert result.stdout.split() == ["https://dichvucong.example.vn"] * 2, result.stderr[-2000:]
