"""Every page carries a Content-Security-Policy: no inline script or style without the
request's nonce, no plugins, no framing."""

import re

import pytest

pytestmark = pytest.mark.django_db


def policy(response):
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def test_pages_forbid_inline_scripts_without_a_nonce(client):
    response = client.get("/tra-cuu-ho-so/")
    csp = policy(response)
    assert "'unsafe-inline'" not in csp["script-src"]
    assert any(v.startswith("'nonce-") for v in csp["script-src"])
    assert csp["object-src"] == ["'none'"] and csp["frame-ancestors"] == ["'none'"]


def test_the_nonce_changes_per_response_and_reaches_htmx(client):
    first, second = client.get("/"), client.get("/")
    nonce = re.search(r"'nonce-([^']+)'", first["Content-Security-Policy"]).group(1)
    assert nonce not in second["Content-Security-Policy"]
    html = first.content.decode()
    assert f'"inlineStyleNonce": "{nonce}"' in html


def test_no_template_has_a_script_or_style_without_the_nonce(client):
    html = client.get("/").content.decode()
    for tag in re.findall(r"<(?:script|style)\b[^>]*>", html):
        assert " src=" in tag or "nonce=" in tag or 'type="application/json"' in tag, tag


def test_the_api_and_the_admin_login_carry_it_too(client):
    assert "default-src 'self'" in client.get("/api/v1/units/provinces")["Content-Security-Policy"]
    assert "Content-Security-Policy" in client.get("/admin/login/")
