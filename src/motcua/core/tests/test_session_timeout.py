"""Sessions end after 30 idle minutes for citizens, 15 for officials, and after a maximum
lifetime whatever the activity. Time is moved by rewriting the session's clock, not waited."""

import time

import pytest
from django.conf import settings

from motcua.core.middleware import SessionTimeoutMiddleware as M
from motcua.identity.testing import make_person

pytestmark = pytest.mark.django_db

OFFICIAL = {"personal_id": "038090001122", "agency_code": "01.00070.tthcc", "roles": ["specialist"]}


@pytest.fixture
def citizen():
    account = make_person()
    return {
        "sub": str(account.sub),
        "name": account.full_name,
        "personal_id": account.username,
        "subject_kind": account.kind,
        "acr": "urn:motcua:loa:2",
    }


def log_in(client, key, claims, *, idle_minutes=0, age_minutes=0):
    session = client.session
    session[key] = claims
    now = int(time.time())
    session[M.LAST] = now - idle_minutes * 60
    session[M.STARTED] = now - max(age_minutes, idle_minutes) * 60
    session.save()


def citizen_is_in(client):
    response = client.get("/ho-so/")
    return response.status_code == 200


def test_a_citizen_idle_for_29_minutes_is_still_logged_in(client, citizen):
    log_in(client, "portal_citizen", citizen, idle_minutes=29)
    assert citizen_is_in(client)


def test_a_citizen_idle_for_31_minutes_is_logged_out(client, citizen):
    log_in(client, "portal_citizen", citizen, idle_minutes=31)
    assert not citizen_is_in(client)
    assert "portal_citizen" not in client.session


def test_activity_keeps_the_session_alive(client, citizen):
    log_in(client, "portal_citizen", citizen, idle_minutes=29)
    assert citizen_is_in(client)
    session = client.session
    assert int(time.time()) - session[M.LAST] < 60  # the clock was reset by the visit


def test_an_official_idle_for_16_minutes_is_logged_out(client):
    log_in(client, "backoffice_official", OFFICIAL, idle_minutes=16)
    response = client.get("/can-bo/")
    assert response.status_code == 302 and "/can-bo/dang-nhap/" in response["Location"]
    assert "backoffice_official" not in client.session


def test_an_official_idle_for_14_minutes_stays(client):
    log_in(client, "backoffice_official", OFFICIAL, idle_minutes=14)
    client.get("/can-bo/")
    assert "backoffice_official" in client.session


def test_a_busy_session_still_ends_at_its_maximum_lifetime(client, citizen):
    age = settings.SESSION_COOKIE_AGE // 60 + 1
    log_in(client, "portal_citizen", citizen, idle_minutes=1, age_minutes=age)
    assert not citizen_is_in(client)


def test_sessions_no_longer_last_two_weeks():
    assert settings.SESSION_COOKIE_AGE <= 12 * 3600
