"""Mandates and acting options over the API (mobile app): only the account holder, not
someone acting for them; another person's mandate is not found."""

import datetime

import pytest
from django.utils import timezone

from motcua.identity.testing import CHILD_ID, bearer, make_person, registry_family

pytestmark = pytest.mark.django_db


def call(client, token, path, method="get", **data):
    kwargs = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    if method == "post":
        return client.post(
            f"/api/v1/identity{path}", data, content_type="application/json", **kwargs
        )
    return client.get(f"/api/v1/identity{path}", **kwargs)


def test_give_list_and_revoke_a_mandate(client):
    grantor = make_person("079301004567", full_name="Trần Thị Bình")
    grantee = make_person("038090001122", full_name="Lê Minh Cường")
    token = bearer(grantor)
    until = (timezone.now() + datetime.timedelta(days=7)).isoformat()
    created = call(
        client, token, "/mandates", "post", grantee=grantee.username, scope=["*"], valid_until=until
    )
    assert created.status_code == 201, created.content
    mandate_id = created.json()["id"]
    options = call(client, bearer(grantee), "/acting-options").json()["items"]
    assert options == [
        {
            "subject_id": grantor.username,
            "name": "Trần Thị Bình",
            "basis": "mandate",
            "mandate_id": mandate_id,
        }
    ]
    assert (
        call(client, bearer(grantee), f"/mandates/{mandate_id}/revoke", "post").status_code == 404
    )
    revoked = call(client, token, f"/mandates/{mandate_id}/revoke", "post")
    assert revoked.json()["revoked_at"]
    assert call(client, bearer(grantee), "/acting-options").json()["total"] == 0


def test_a_mandate_in_the_past_is_refused(client):
    grantor = make_person("079301004567", full_name="Trần Thị Bình")
    make_person("038090001122", full_name="Lê Minh Cường")
    past = (timezone.now() - datetime.timedelta(days=1)).isoformat()
    response = call(
        client,
        bearer(grantor),
        "/mandates",
        "post",
        grantee="038090001122",
        scope=["*"],
        valid_until=past,
    )
    assert response.status_code == 400
    assert response.json()["param"] == "valid_until"


def test_acting_options_list_the_child_and_the_enterprise(client):
    registry_family()
    options = call(client, bearer(make_person()), "/acting-options").json()["items"]
    assert {(o["subject_id"], o["basis"]) for o in options} == {
        (CHILD_ID, "parent"),
        ("0101234567", "legal_representative"),
    }


def test_mandates_given_page_through_all_of_them(client):
    grantor = make_person("079301004567", full_name="Trần Thị Bình")
    token = bearer(grantor)
    until = (timezone.now() + datetime.timedelta(days=7)).isoformat()
    grantees = ["038090001122", "038090001123", "038090001124"]
    for personal_id in grantees:
        make_person(personal_id)
        created = call(
            client, token, "/mandates", "post", grantee=personal_id, scope=["*"], valid_until=until
        )
        assert created.status_code == 201, created.content
    kwargs = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    first = client.get("/api/v1/identity/mandates", {"limit": 2}, **kwargs).json()
    rest = client.get("/api/v1/identity/mandates", {"limit": 2, "offset": 2}, **kwargs).json()
    assert first["total"] == rest["total"] == 3
    assert sorted(m["grantee"] for m in first["items"] + rest["items"]) == grantees


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("2030-01-01", "2030-01-01T00:00:00+07:00"),
        ("2030-01-01T08:30:00", "2030-01-01T08:30:00+07:00"),
        ("2030-01-01T08:30:00Z", "2030-01-01T15:30:00+07:00"),
    ],
)
def test_a_valid_until_without_a_time_zone_is_read_as_vietnam_time(client, given, stored):
    grantor = make_person("079301004567", full_name="Trần Thị Bình")
    make_person("038090001122", full_name="Lê Minh Cường")
    response = call(
        client,
        bearer(grantor),
        "/mandates",
        "post",
        grantee="038090001122",
        scope=["*"],
        valid_until=given,
    )
    assert response.status_code == 201, response.content
    until = datetime.datetime.fromisoformat(response.json()["valid_until"])
    assert until == datetime.datetime.fromisoformat(stored)


def test_a_valid_until_beyond_the_calendar_is_a_400(client):
    grantor = make_person("079301004567", full_name="Trần Thị Bình")
    response = call(
        client,
        bearer(grantor),
        "/mandates",
        "post",
        grantee="038090001122",
        scope=["*"],
        valid_until="9999-12-31T23:59:59-12:00",
    )
    assert response.status_code == 400
