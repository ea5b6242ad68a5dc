"""A mobile app finds where to submit from the contract alone: the receiving units of a
procedure, anywhere in the country, filtered without diacritics, the caller's residence
first; and every list it reads pages the same way."""

from __future__ import annotations

import pytest

from motcua.dossiers.models import Dossier
from motcua.identity.testing import bearer

from .conftest import OTHER_WARD_CENTRE, PROVINCE_CENTRE, WARD_CENTRE

pytestmark = pytest.mark.django_db
BIRTH = "1.001193"  # received by communes
CRIMINAL_RECORD = "3.000333"  # received by provinces
URL = "/api/v1/procedures/{}/receiving-units"


def auth(account):
    return {"HTTP_AUTHORIZATION": f"Bearer {bearer(account)}"}


def test_anyone_finds_a_commune_centre_in_another_province_by_its_name_without_diacritics(
    client, world
):
    body = client.get(URL.format(BIRTH), {"q": "sai gon"}).json()
    assert OTHER_WARD_CENTRE in [u["code"] for u in body["items"]]
    assert body["total"] == len(body["items"]) and body["offset"] == 0
    unit = next(u for u in body["items"] if u["code"] == OTHER_WARD_CENTRE)
    assert (unit["province_code"], unit["commune_code"]) == ("79", "26740")


def test_only_units_that_may_receive_the_procedure_are_listed(client, world):
    communes = client.get(URL.format(BIRTH), {"province": "79", "limit": 200}).json()
    assert communes["total"] > 100
    assert {u["level"] for u in communes["items"]} == {"commune"}
    assert all(u["code"].endswith(".tthcc") for u in communes["items"])
    provinces = client.get(URL.format(CRIMINAL_RECORD), {"limit": 200}).json()
    assert provinces["total"] == 34
    assert {u["level"] for u in provinces["items"]} == {"province"}
    # What is listed is what POST /dossiers accepts.
    first = provinces["items"][0]["code"]
    created = client.post(
        "/api/v1/dossiers",
        {"procedure": CRIMINAL_RECORD, "receiving_unit": first, "data": {}},
        content_type="application/json",
        **auth(world.father),
    )
    assert created.status_code == 201, created.content


def test_with_a_token_the_centres_where_the_applicant_lives_come_first(client, world):
    anonymous = client.get(URL.format(BIRTH), {"limit": 3}).json()["items"]
    assert not any(u["near_residence"] for u in anonymous)
    mine = client.get(URL.format(BIRTH), {"limit": 3}, **auth(world.stranger)).json()["items"]
    assert mine[0]["code"] == OTHER_WARD_CENTRE and mine[0]["near_residence"]
    father = client.get(URL.format(CRIMINAL_RECORD), **auth(world.father)).json()["items"]
    assert father[0]["code"] == PROVINCE_CENTRE
    assert WARD_CENTRE.startswith(father[0]["province_code"])


def test_a_forged_token_is_refused_and_bad_filters_are_a_clear_400(client, world):
    forged = client.get(URL.format(BIRTH), HTTP_AUTHORIZATION="Bearer forged")
    assert forged.status_code == 401
    bad = client.get(URL.format(BIRTH), {"commune": "abc"})
    assert bad.status_code == 400 and bad["Content-Type"] == "application/problem+json"
    assert client.get(URL.format("9.999999")).status_code == 404


def test_my_dossiers_page_past_200_and_say_how_many_there_are(client, world):
    headers = auth(world.father)
    created = client.post(
        "/api/v1/dossiers",
        {"procedure": BIRTH, "receiving_unit": WARD_CENTRE, "data": {}},
        content_type="application/json",
        **headers,
    ).json()
    one = Dossier.objects.get(draft_ref=created["reference"])
    copies = []
    for n in range(205):
        one.pk, one.id = None, None
        one.draft_ref = f"NCOPY{n:07d}"
        copies.append(Dossier(**{f.attname: getattr(one, f.attname) for f in Dossier._meta.fields}))
    Dossier.objects.bulk_create(copies)
    last = client.get("/api/v1/dossiers", {"limit": 200, "offset": 200}, **headers).json()
    assert (last["total"], len(last["items"]), last["offset"]) == (206, 6, 200)
    assert client.get("/api/v1/dossiers", {"limit": 201}, **headers).status_code == 400
