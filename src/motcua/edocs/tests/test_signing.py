"""Signatures are the signer's own act: a clerk prepares a draft (dự thảo) and submits it
for signing; only the named leader, in their own session, signs and issues it (or sends it
back). A clerk asking the API to issue a document signed by the leader is refused."""

from __future__ import annotations

import pytest

from motcua.edocs.models import Document, DraftDocument
from motcua.identity.testing import bearer
from motcua.results.tests.test_csc import fake_csc  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db
API = "/api/v1/edocs"


def auth(personal_id: str) -> dict[str, str]:
    from django.contrib.auth import get_user_model

    account = get_user_model().objects.get(username=personal_id)
    token = bearer(account, scope="openid profile official", client_id="motcua-backoffice")
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def body(staff, to):
    return {
        "doc_type": "cong-van",
        "summary": "V/v phối hợp xác minh thông tin hộ tịch",
        "recipients": to,
        "signer_personal_id": staff.leader,
        "signer_position": "Giám đốc",
        "body": "Đề nghị Quý cơ quan phối hợp xác minh.",
    }


def test_a_clerk_cannot_issue_a_document_signed_in_the_leaders_name(client, hanoi, hcmc):
    refused = client.post(
        f"{API}/documents", body(hanoi, [hcmc.agency]), "application/json", **auth(hanoi.clerk)
    )
    assert refused.status_code == 403, refused.content
    assert refused["Content-Type"] == "application/problem+json"
    assert "người ký" in refused.json()["detail"]
    assert not Document.objects.exists()


def test_the_clerk_prepares_and_the_leader_signs_in_their_own_session(client, hanoi, hcmc):
    prepared = client.post(
        f"{API}/drafts", body(hanoi, [hcmc.agency]), "application/json", **auth(hanoi.clerk)
    )
    assert prepared.status_code == 201, prepared.content
    draft = prepared.json()
    assert draft["state"] == "pending" and draft["signer_personal_id"] == hanoi.leader
    assert not Document.objects.exists()  # nothing numbered or signed yet

    stolen = client.post(
        f"{API}/drafts/{draft['id']}/sign", {}, "application/json", **auth(hanoi.clerk)
    )
    assert stolen.status_code == 403, stolen.content
    assert not Document.objects.exists()

    waiting = client.get(f"{API}/drafts", **auth(hanoi.leader)).json()
    assert [d["id"] for d in waiting["items"]] == [draft["id"]]
    signed = client.post(
        f"{API}/drafts/{draft['id']}/sign", {}, "application/json", **auth(hanoi.leader)
    )
    assert signed.status_code == 201, signed.content
    assert signed.json()["number_symbol"] == "01/STP-VP"
    assert signed.json()["deliveries"][0]["state"] == "delivered"
    assert DraftDocument.objects.get().state == "signed"
    again = client.post(
        f"{API}/drafts/{draft['id']}/sign", {}, "application/json", **auth(hanoi.leader)
    )
    assert again.status_code == 409
    assert Document.objects.filter(owner_agency=hanoi.agency).count() == 1


def test_the_leader_sends_a_draft_back_with_a_reason(client, hanoi, hcmc):
    draft = client.post(
        f"{API}/drafts", body(hanoi, [hcmc.agency]), "application/json", **auth(hanoi.clerk)
    ).json()
    back = client.post(
        f"{API}/drafts/{draft['id']}/reject",
        {"reason": "Sửa lại trích yếu"},
        "application/json",
        **auth(hanoi.leader),
    )
    assert back.status_code == 200, back.content
    assert back.json()["state"] == "rejected" and back.json()["reason"] == "Sửa lại trích yếu"
    refused = client.post(
        f"{API}/drafts/{draft['id']}/sign", {}, "application/json", **auth(hanoi.leader)
    )
    assert refused.status_code == 409
    assert not Document.objects.exists()


def test_a_leader_signing_their_own_document_issues_it_directly(client, hanoi, hcmc):
    sent = client.post(
        f"{API}/documents", body(hanoi, [hcmc.agency]), "application/json", **auth(hanoi.leader)
    )
    assert sent.status_code == 201, sent.content


def test_with_remote_signing_the_leaders_one_time_code_releases_the_key(
    client,
    hanoi,
    hcmc,
    fake_csc,  # noqa: F811 - the fixture
):
    fake_csc.otp = "135790"
    draft = client.post(
        f"{API}/drafts", body(hanoi, [hcmc.agency]), "application/json", **auth(hanoi.clerk)
    ).json()
    wrong = client.post(
        f"{API}/drafts/{draft['id']}/sign",
        {"otp": "000000"},
        "application/json",
        **auth(hanoi.leader),
    )
    assert wrong.status_code >= 400 and "mã OTP" in wrong.json()["detail"]
    assert not Document.objects.exists()  # the number went back with the transaction
    signed = client.post(
        f"{API}/drafts/{draft['id']}/sign",
        {"otp": "135790"},
        "application/json",
        **auth(hanoi.leader),
    )
    assert signed.status_code == 201, signed.content
    assert signed.json()["number_symbol"] == "01/STP-VP"
    assert signed.json()["deliveries"][0]["state"] == "delivered"
