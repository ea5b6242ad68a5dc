"""A logged-in person's consents cannot be changed by another site or port: the portal's
session cookie rides along on a same-site form post, so cookie-authenticated changes need
Django's CSRF token and a JSON body."""

import pytest
from django.test import Client

from motcua.exchange.models import Consent

from .conftest import PID

pytestmark = pytest.mark.django_db
URL = f"/api/v1/exchange/people/{PID}/consents"
ATTACKER = "http://127.0.0.1:8001"  # same site (cookies sent), another origin


@pytest.fixture
def browser(consumer, person):
    """A browser in which the person is logged in to the portal, with CSRF enforced."""
    client = Client(enforce_csrf_checks=True)
    client.get("/")  # a CSRF cookie, as any portal page sets
    session = client.session
    session["portal_citizen"] = {"sub": "x", "personal_id": PID, "subject_kind": "person"}
    session.save()
    return client


def test_a_text_plain_form_post_from_another_port_gives_no_consent(browser):
    response = browser.post(
        URL,
        '{"purpose": "1.000894", "x": "="}',
        content_type="text/plain",
        HTTP_ORIGIN=ATTACKER,
        HTTP_REFERER=f"{ATTACKER}/evil.html",
    )
    assert response.status_code in (403, 415), response.content
    assert response["Content-Type"] == "application/problem+json"
    assert not Consent.objects.exists()


def test_a_json_post_without_the_csrf_token_gives_no_consent(browser):
    response = browser.post(URL, {"purpose": "1.000894"}, content_type="application/json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert not Consent.objects.exists()


def test_a_withdrawal_without_the_csrf_token_is_refused(browser):
    token = browser.cookies["csrftoken"].value
    given = browser.post(
        URL, {"purpose": "1.000894"}, content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert given.status_code == 201, given.content
    consent_id = given.json()["id"]
    assert browser.delete(f"{URL}/{consent_id}").status_code == 403
    assert Consent.objects.get(pk=consent_id).revoked_at is None
    withdrawn = browser.delete(f"{URL}/{consent_id}", HTTP_X_CSRFTOKEN=token)
    assert withdrawn.status_code == 200
    assert withdrawn.json()["revoked_at"]


def test_reading_needs_no_token_but_a_session(browser):
    assert browser.get(URL).status_code == 200
    assert Client().get(URL).status_code == 401
