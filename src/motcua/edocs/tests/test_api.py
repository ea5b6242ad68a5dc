"""/api/v1/edocs with officials' tokens: send, the recipient's register, assign and done, the
sender following each recipient; a confidential document's content refused to another agency;
import of a tampered package refused with a problem naming the file; the key directory."""

from __future__ import annotations

import base64

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from motcua.edocs import services
from motcua.identity.testing import bearer

pytestmark = pytest.mark.django_db
API = "/api/v1/edocs"


def auth(personal_id: str) -> dict[str, str]:
    from django.contrib.auth import get_user_model

    account = get_user_model().objects.get(username=personal_id)
    token = bearer(account, scope="openid profile official", client_id="motcua-backoffice")
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def send(client, staff, to, **extra):
    body = {
        "doc_type": "thong-bao",
        "summary": "Thông báo lịch tiếp công dân tháng 12",
        "recipients": to,
        "signer_personal_id": staff.leader,
        "signer_position": "Giám đốc",
        "attachments": [
            {
                "name": "lich.txt",
                "media_type": "text/plain",
                "content_base64": base64.b64encode("Thứ Hai".encode()).decode(),
            }
        ],
        **extra,
    }
    return client.post(
        f"{API}/documents", body, content_type="application/json", **auth(staff.leader)
    )


def test_send_register_assign_done_through_the_api(client, hanoi, hcmc):
    sent = send(client, hanoi, [hcmc.agency])
    assert sent.status_code == 201, sent.content
    doc = sent.json()
    assert doc["number_symbol"] == "01/TB-STP"
    assert [d["state"] for d in doc["deliveries"]] == ["delivered"]

    inbox = client.get(f"{API}/documents?box=incoming", **auth(hcmc.clerk)).json()["items"]
    assert [d["origin_id"] for d in inbox] == [doc["id"]]
    copy = inbox[0]["id"]
    registered = client.post(f"{API}/documents/{copy}/register", **auth(hcmc.clerk))
    assert registered.json()["number"] == 1
    assigned = client.post(
        f"{API}/documents/{copy}/assign",
        {"assignee": hcmc.specialist},
        content_type="application/json",
        **auth(hcmc.clerk),
    )
    assert assigned.json()["handling"]["state"] == "assigned"
    done = client.post(
        f"{API}/documents/{copy}/done",
        {"note": "Đã niêm yết"},
        content_type="application/json",
        **auth(hcmc.specialist),
    )
    assert done.status_code == 200, done.content
    followed = client.get(f"{API}/documents/{doc['id']}", **auth(hanoi.clerk)).json()
    assert followed["deliveries"][0]["state"] == "done"
    assert [e["state"] for e in followed["deliveries"][0]["events"]] == [
        "sent",
        "delivered",
        "received",
        "assigned",
        "done",
    ]
    content = client.get(f"{API}/documents/{copy}/content", **auth(hcmc.specialist)).json()
    assert [f["name"] for f in content["files"]] == ["01-TB-STP.pdf", "lich.txt"]
    file = client.get(f"{API}/documents/{copy}/files/2", **auth(hcmc.specialist))
    assert file.content == "Thứ Hai".encode()


def test_confidential_content_is_not_found_for_another_agency(client, hanoi, hcmc, danang):
    doc = send(client, hanoi, [hcmc.agency], confidentiality="top_secret").json()
    assert doc["summary"] == ""
    refused = client.get(f"{API}/documents/{doc['id']}/content", **auth(danang.leader))
    assert refused.status_code == 404
    assert refused["Content-Type"] == "application/problem+json"
    mine = client.get(f"{API}/documents/{doc['id']}/content", **auth(hanoi.leader)).json()
    assert mine["summary"] == "Thông báo lịch tiếp công dân tháng 12"


def test_a_tampered_package_upload_is_refused_with_the_file_named(client, hanoi, hcmc):
    from motcua.edocs.models import Document
    from motcua.edocs.tests.test_package import entries, rezip

    doc = send(client, hanoi, [hcmc.agency]).json()
    exported = client.get(f"{API}/documents/{doc['id']}/package", **auth(hanoi.clerk))
    assert exported["Content-Type"] == "application/zip"
    items = entries(exported.content)
    items["files/02-lich.txt"] = "Thứ Ba".encode()
    Document.objects.filter(owner_agency=hcmc.agency).delete()
    upload = SimpleUploadedFile("goi.zip", rezip(items), content_type="application/zip")
    refused = client.post(f"{API}/packages", {"file": upload}, **auth(hcmc.clerk))
    assert refused.status_code == 422
    problem = refused.json()
    assert problem["type"] == "urn:motcua:problem:package-refused"
    assert problem["errors"][0]["loc"] == ["files/02-lich.txt"]
    upload = SimpleUploadedFile("goi.zip", exported.content, content_type="application/zip")
    accepted = client.post(f"{API}/packages", {"file": upload}, **auth(hcmc.clerk))
    assert accepted.status_code == 201, accepted.content
    assert accepted.json()["package_sha256"] == doc["package_sha256"]


def test_the_key_directory_is_public_and_lists_versions(client, hanoi):
    services.ensure_agency_key(hanoi.agency)
    services.rotate_key(hanoi.agency, actor="test")
    listed = client.get(f"{API}/keys/{hanoi.agency}").json()
    keys = listed["items"]
    assert listed["total"] == 2 and [k["version"] for k in keys] == [2, 1]
    assert keys[1]["retired_at"] is not None
    assert len(base64.b64decode(keys[0]["encrypt_public"])) == 32


def test_the_outgoing_box_pages_through_every_document(client, hanoi, hcmc):
    sent = [send(client, hanoi, [hcmc.agency]).json()["id"] for _ in range(3)]
    box = f"{API}/documents?box=outgoing&limit=2"
    first = client.get(box, **auth(hanoi.clerk)).json()
    rest = client.get(f"{box}&offset=2", **auth(hanoi.clerk)).json()
    assert first["total"] == rest["total"] == 3
    assert len(first["items"]) == 2 and len(rest["items"]) == 1
    assert sorted(d["id"] for d in first["items"] + rest["items"]) == sorted(sent)


def test_a_citizens_token_is_refused(client, hanoi):
    from motcua.identity.testing import make_person

    citizen = make_person("001085012345")
    response = client.get(f"{API}/documents", HTTP_AUTHORIZATION=f"Bearer {bearer(citizen)}")
    assert response.status_code == 403
