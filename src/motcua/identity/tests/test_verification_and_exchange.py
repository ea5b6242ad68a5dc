"""Level 2 means verified against the population registry; the person's own exchange
endpoints work with a citizen's bearer token."""

import datetime

import pytest

from motcua.identity import services
from motcua.identity.testing import PARENT_ID, bearer, make_person, registry_family

pytestmark = pytest.mark.django_db


def test_a_person_matching_the_registry_is_level_2_and_a_mismatch_level_1(db):
    registry_family()
    matching = make_person(
        PARENT_ID,
        level=1,
        full_name="Nguyễn Văn An",
        birth_date=datetime.date(1985, 3, 12),
        sex="male",
    )
    assert services.verify_against_registry(matching) == 2
    unknown = make_person("079301004567", level=2, full_name="Trần Thị Bình")
    assert services.verify_against_registry(unknown) == 1
    unknown.refresh_from_db()
    assert unknown.assurance_level == 1


def test_my_access_history_over_the_api_with_a_bearer_token(client):
    registry_family()
    person = make_person()
    services.acting_options(person)  # identity reads the registries about this person
    token = bearer(person)
    response = client.get(
        f"/api/v1/exchange/people/{person.username}/access-history",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 200
    assert {row["purpose"] for row in response.json()["items"]} == {"identity.acting_for"}
    other = client.get(
        "/api/v1/exchange/people/038090001122/access-history",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert other.status_code == 403


def test_demo_subjects_are_levelled_by_the_registry(tmp_path, units_loaded):
    from motcua.demo import subjects as demo
    from motcua.identity.models import Account
    from motcua.wallet.selectors import documents_of

    demo.ensure_demo_subjects(tmp_path)
    demo.ensure_demo_subjects(tmp_path)  # idempotent
    levels = dict(Account.objects.filter(kind="person").values_list("username", "assurance_level"))
    assert levels["001085012345"] == 2 and levels["038090001122"] == 2
    assert levels["079301004567"] == 1
    assert documents_of(demo.DEMO_CHILD[0]).count() == 1
    options = services.acting_options(Account.objects.get(username=PARENT_ID))
    assert {o.basis for o in options} == {"parent", "legal_representative"}
