"""Lockouts key on the identifier and the client's real address (behind trusted proxies), back
off exponentially with a cap, and cannot be used to lock the owner out."""

import datetime

import pytest
from django.test import override_settings

from motcua.identity import services
from motcua.identity.models import LoginAttempt
from motcua.identity.testing import PASSWORD, make_person, totp_now

pytestmark = pytest.mark.django_db

LOGIN = "/dinh-danh/dang-nhap/"


def post_login(client, account, password, **meta):
    meta.setdefault("REMOTE_ADDR", "10.0.0.1")
    return client.post(
        LOGIN,
        {
            "identifier": account.username,
            "password": password,
            "code": totp_now(account),
            "next": "/",
        },
        **meta,
    )


def age_attempts(minutes):
    """Move every recorded attempt `minutes` into the past (instead of waiting)."""
    for attempt in LoginAttempt.objects.all():
        attempt.at -= datetime.timedelta(minutes=minutes)
        attempt.save()


def test_an_attacker_elsewhere_cannot_lock_the_owner_out(client):
    person = make_person()
    for _ in range(30):
        post_login(client, person, "doan-mo", REMOTE_ADDR="203.0.113.9")
    assert post_login(client, person, "doan-mo", REMOTE_ADDR="203.0.113.9").status_code == 429
    assert post_login(client, person, PASSWORD, REMOTE_ADDR="198.51.100.7").status_code == 302


def test_thirty_wrong_passwords_then_the_right_one_is_refused(client):
    person = make_person()
    for _ in range(30):
        post_login(client, person, "doan-mo")
    assert post_login(client, person, PASSWORD).status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_wait_doubles_after_each_further_failure_up_to_a_cap(client):
    person = make_person()
    for _ in range(services.MAX_FAILURES):
        post_login(client, person, "doan-mo")
    waits = []
    for _ in range(5):
        age_attempts(services.MAX_LOCK_MINUTES + 1)  # every wait so far has passed
        assert post_login(client, person, "doan-mo").status_code == 401
        response = post_login(client, person, "doan-mo")
        assert response.status_code == 429
        waits.append(response.content.decode())
    assert "tạm khóa 30 phút" in waits[0] and "tạm khóa 60 phút" in waits[1]
    assert f"tạm khóa {services.MAX_LOCK_MINUTES} phút" in waits[-1]


def test_the_owner_gets_back_in_once_the_wait_is_over(client):
    person = make_person()
    for _ in range(40):
        post_login(client, person, "doan-mo")
    age_attempts(services.MAX_LOCK_MINUTES + 1)
    assert post_login(client, person, PASSWORD).status_code == 302


@override_settings(MOTCUA_TRUSTED_PROXIES=1)
def test_behind_a_proxy_people_are_told_apart_by_the_forwarded_address(client):
    person = make_person()
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    for n in range(services.MAX_FAILURES_PER_IP + 5):
        client.post(
            LOGIN,
            {"identifier": f"0010850{n:05d}", "password": "x", "code": "123456", "next": "/"},
            HTTP_X_FORWARDED_FOR="203.0.113.9",
            **proxy,
        )
    response = post_login(client, person, PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.7", **proxy)
    assert response.status_code == 302


@override_settings(MOTCUA_TRUSTED_PROXIES=1)
def test_a_forged_forwarded_address_does_not_escape_the_throttle(client):
    person = make_person()
    for n in range(services.MAX_FAILURES_PER_IP):
        client.post(
            LOGIN,
            {"identifier": f"0010850{n:05d}", "password": "x", "code": "123456", "next": "/"},
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 203.0.113.9",
            REMOTE_ADDR="10.0.0.2",
        )
    response = post_login(
        client,
        person,
        PASSWORD,
        HTTP_X_FORWARDED_FOR="192.0.2.200, 203.0.113.9",
        REMOTE_ADDR="10.0.0.2",
    )
    assert response.status_code == 429
