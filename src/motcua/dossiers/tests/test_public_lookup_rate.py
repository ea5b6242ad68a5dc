"""Guessing lookup codes is rate-limited per client address, on the page and in the API, with
counts kept in the shared cache (the database), not in one process's memory."""

import pytest
from django.core.cache import caches

pytestmark = pytest.mark.django_db

API = "/api/v1/public/dossiers/H01.00070-251201-0001"


@pytest.fixture(autouse=True)
def small_limit(settings):
    settings.MOTCUA_PUBLIC_LOOKUP_RATE = "3/600"


def guess(client, secret, ip="203.0.113.5", **meta):
    return client.get(API, {"secret": secret}, REMOTE_ADDR=ip, **meta)


def test_the_api_answers_429_after_too_many_lookups_from_one_address(client):
    for n in range(3):
        assert guess(client, f"SAI{n:05d}").status_code == 404
    response = guess(client, "SAI99999")
    assert response.status_code == 429
    assert response["Content-Type"] == "application/problem+json"
    assert "quá nhiều yêu cầu" in response.json()["detail"]


def test_another_address_is_not_held_back(client):
    for n in range(4):
        guess(client, f"SAI{n:05d}")
    assert guess(client, "SAI00000", ip="198.51.100.2").status_code == 404


def test_the_page_is_limited_too(client):
    for n in range(3):
        page = client.get(
            "/tra-cuu-ho-so/", {"ma": "X", "bi-mat": f"S{n}"}, REMOTE_ADDR="203.0.113.6"
        )
        assert page.status_code == 404
    page = client.get("/tra-cuu-ho-so/", {"ma": "X", "bi-mat": "S9"}, REMOTE_ADDR="203.0.113.6")
    assert page.status_code == 429
    assert "quá nhiều yêu cầu" in page.content.decode()


def test_the_count_lives_in_the_shared_cache_every_node_sees(client, settings):
    assert caches["shared"].__class__.__name__ == "DatabaseCache"
    for n in range(3):
        guess(client, f"SAI{n:05d}")
    caches["default"].clear()  # another node has its own memory, not its own counts
    assert guess(client, "SAI99999").status_code == 429


def test_behind_a_proxy_the_forwarded_address_is_limited(client, settings):
    settings.MOTCUA_TRUSTED_PROXIES = 1
    for n in range(4):
        guess(client, f"SAI{n:05d}", ip="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert (
        guess(client, "SAI0", ip="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.8").status_code == 404
    )
