import pytest


def test_healthz_answers_without_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_reports_the_database(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_readyz_is_503_when_the_database_is_unreachable(client, monkeypatch):
    from django.db import OperationalError, connection

    def broken(*args, **kwargs):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(connection, "cursor", broken)
    response = client.get("/readyz")
    assert response.status_code == 503


def test_readyz_does_not_disguise_a_bug_as_a_database_outage(client, monkeypatch):
    from django.db import connection

    def buggy(*args, **kwargs):
        raise TypeError("a bug, not an outage")

    monkeypatch.setattr(connection, "cursor", buggy)
    with pytest.raises(TypeError):
        client.get("/readyz")


def test_unknown_api_path_is_a_problem_json_404(client):
    response = client.get("/api/v1/khong-co")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 404


@pytest.mark.django_db
def test_unknown_page_is_a_vietnamese_404_page(client):
    response = client.get("/khong-co-trang-nay/")
    assert response.status_code == 404
    assert "Không tìm thấy trang" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "content_type",
    ["multipart/form-data", "multipart/form-data; boundary=", "multipart/form-data; boundary=\x01"],
)
def test_a_page_form_posted_as_multipart_without_a_boundary_is_a_400(client, content_type):
    response = client.post("/tra-cuu-ho-so/", b"ma=1", content_type=content_type)
    assert response.status_code == 400
