import datetime
import os
import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from motcua.audit.models import AuditEntry
from motcua.identity import selectors
from motcua.identity.testing import make_person

pytestmark = pytest.mark.django_db


def issue(*args):
    out, err = StringIO(), StringIO()
    call_command("issue_token", *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue()


def test_issue_token_prints_a_bearer_token_for_userinfo(client):
    person = make_person(level=2)
    token, info = issue(person.username, "--acr", "1", "--scope", "openid profile personal_id")
    assert "acr=urn:motcua:loa:1" in info
    response = client.get("/o/userinfo/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    body = response.json()
    assert body["acr"] == "urn:motcua:loa:1"
    assert body["personal_id"] == person.username
    context = selectors.token_context(token)
    assert context is not None and context.level == 1 and "personal_id" in context.scopes
    entry = AuditEntry.objects.get(action="identity.token.issued")
    assert entry.actor == person.username
    assert token not in str(entry.data)


def test_issue_token_cannot_exceed_the_subjects_level():
    person = make_person(level=1)
    with pytest.raises(CommandError, match="mức 1"):
        issue(person.username, "--acr", "2")


def test_issue_token_for_unknown_subject_fails():
    with pytest.raises(CommandError):
        issue("079301004567")


@override_settings(MOTCUA_ENV="production")
def test_issue_token_refuses_production_settings():
    make_person()
    with pytest.raises(CommandError, match="production"):
        issue("001085012345")


def test_production_settings_say_so_and_refuse_dev_tools():
    """Loads the real production settings module in a fresh process."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "motcua.settings.production",
        "DJANGO_SECRET_KEY": "x" * 50,
        "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none",
        "MOTCUA_PUBLIC_URL": "https://dichvucong.example.vn",
        "OIDC_RSA_PRIVATE_KEY": "-----BEGIN PRIVATE KEY-----\nunused\n-----END PRIVATE KEY-----",
        "MOTCUA_FIELD_ENCRYPTION_KEYS": "dGhpcy1pcy1hLXRlc3Qta2V5LW9mLTMyLWJ5dGVzLiE=",
    }
    code = (
        "import django; django.setup();"
        "from django.conf import settings; from motcua.identity import services;"
        "print(settings.MOTCUA_ENV, services.dev_tools_enabled())"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.split() == ["production", "False"], result.stderr[-2000:]


def test_expired_token_has_no_context():
    person = make_person()
    token, _ = issue(person.username)
    from oauth2_provider.models import AccessToken

    AccessToken.objects.update(expires=datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC))
    assert selectors.token_context(token) is None
