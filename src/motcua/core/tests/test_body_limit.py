"""A body over DATA_UPLOAD_MAX_MEMORY_SIZE is refused with 413, never a 500."""

import json

import pytest

from motcua.identity.testing import bearer, make_person

pytestmark = pytest.mark.django_db

HUGE = 20 * 1024 * 1024


def test_a_20_mb_json_body_gets_a_413_problem(client):
    person = make_person()
    body = json.dumps({"procedure": "1.001193", "data": {"x": "a" * HUGE}})
    response = client.post(
        "/api/v1/dossiers",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {bearer(person, scope='openid profile dossiers')}",
    )
    assert response.status_code == 413
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["title"] == "Yêu cầu quá lớn"


def test_a_huge_form_post_to_a_page_gets_a_413_page(client):
    response = client.post(
        "/dinh-danh/dang-nhap/", "identifier=" + "1" * HUGE,
        content_type="application/x-www-form-urlencoded",
    )  # fmt: skip
    assert response.status_code == 413
    assert "Yêu cầu quá lớn" in response.content.decode()
