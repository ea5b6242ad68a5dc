"""Send, deliver, register, assign and answer across two agencies in different provinces (Hà
Nội and Hồ Chí Minh City), with the sender following each recipient's state; return with a
reason; recall and replace."""

from __future__ import annotations

import pytest

from motcua.audit.models import AuditEntry
from motcua.core.errors import InvalidInput, PermissionDenied
from motcua.edocs import services
from motcua.edocs.errors import DocumentNotFound, WrongState
from motcua.edocs.models import Delivery, Document, RegisterEntry

from .conftest import draft, me

pytestmark = pytest.mark.django_db


def states(document):
    return {d.recipient_agency: d.state for d in document.deliveries.all()}


def test_send_deliver_register_assign_answer_across_two_provinces(hanoi, hcmc):
    sent = services.send(me(hanoi.leader), draft([hcmc.agency], hanoi.leader))
    assert sent.number_symbol == "01/STP-VP"
    assert sent.place == "Hà Nội"
    assert states(sent) == {hcmc.agency: "delivered"}

    copy = services.incoming(me(hcmc.clerk)).get()
    assert copy.origin_id == sent.pk and copy.number_symbol == sent.number_symbol
    assert copy.summary == "V/v phối hợp xác minh thông tin hộ tịch"
    assert copy.signer_name == f"Lãnh Đạo {hanoi.agency}"

    entry = services.register_incoming(me(hcmc.clerk), copy.pk)
    assert (entry.book, entry.number) == ("in", 1)
    assert states(sent) == {hcmc.agency: "received"}

    services.assign(me(hcmc.clerk), copy.pk, hcmc.specialist)
    assert states(sent) == {hcmc.agency: "assigned"}
    assert sent.deliveries.get().assignee == hcmc.specialist

    answer = services.send(
        me(hcmc.leader),
        draft(
            [hanoi.agency],
            hcmc.leader,
            summary="V/v trả lời đề nghị xác minh thông tin hộ tịch",
            answers=copy.pk,
        ),
    )
    assert states(sent) == {hcmc.agency: "done"}
    assert "Đã trả lời bằng văn bản số 01/STP-VP" in sent.deliveries.get().events.last().note
    received_answer = services.incoming(me(hanoi.clerk)).get()
    assert received_answer.origin_id == answer.pk
    assert received_answer.answers == sent  # the answer points at Hà Nội's own document
    history = [e.state for e in sent.deliveries.get().events.all()]
    assert history == ["sent", "delivered", "received", "assigned", "done"]


def test_numbers_run_per_agency_year_and_type(hanoi, hcmc):
    leader = me(hanoi.leader)
    first = services.send(leader, draft([hcmc.agency], hanoi.leader))
    second = services.send(leader, draft([hcmc.agency], hanoi.leader))
    decision = services.send(leader, draft([hcmc.agency], hanoi.leader, doc_type="quyet-dinh"))
    assert [first.number, second.number, decision.number] == [1, 2, 1]
    assert decision.number_symbol == "01/QĐ-STP"
    book = RegisterEntry.objects.filter(agency_code=hanoi.agency, book="out")
    assert sorted((e.doc_type, e.number) for e in book) == [
        ("cong-van", 1),
        ("cong-van", 2),
        ("quyet-dinh", 1),
    ]


def test_a_failed_send_gives_its_number_back(hanoi, hcmc):
    leader = me(hanoi.leader)
    with pytest.raises(InvalidInput):
        services.send(leader, draft([hcmc.agency], hanoi.leader, main_pdf=b"not a pdf"))
    assert services.send(leader, draft([hcmc.agency], hanoi.leader)).number == 1


def test_sending_to_several_agencies_tracks_each_one(hanoi, hcmc, danang):
    sent = services.send(me(hanoi.leader), draft([hcmc.agency, danang.agency], hanoi.leader))
    copy = services.incoming(me(danang.clerk)).get()
    services.return_document(me(danang.clerk), copy.pk, "Không thuộc thẩm quyền của Sở")
    assert states(sent) == {hcmc.agency: "delivered", danang.agency: "returned"}
    assert sent.deliveries.get(recipient_agency=danang.agency).reason == (
        "Không thuộc thẩm quyền của Sở"
    )


def test_returning_needs_a_reason_and_only_clerks_register(hanoi, hcmc):
    services.send(me(hanoi.leader), draft([hcmc.agency], hanoi.leader))
    copy = services.incoming(me(hcmc.clerk)).get()
    with pytest.raises(InvalidInput):
        services.return_document(me(hcmc.clerk), copy.pk, "  ")
    with pytest.raises(PermissionDenied):
        services.register_incoming(me(hcmc.specialist), copy.pk)
    services.register_incoming(me(hcmc.clerk), copy.pk)
    with pytest.raises(WrongState):
        services.register_incoming(me(hcmc.clerk), copy.pk)


def test_only_a_leader_of_the_issuing_agency_signs(hanoi, hcmc):
    with pytest.raises(InvalidInput):
        services.send(me(hanoi.clerk), draft([hcmc.agency], hcmc.leader))
    with pytest.raises(PermissionDenied):
        services.send(me(hanoi.specialist), draft([hcmc.agency], hanoi.leader))
    assert not Document.objects.exists()


def test_an_agency_cannot_see_documents_it_does_not_hold(hanoi, hcmc, danang):
    sent = services.send(me(hanoi.leader), draft([hcmc.agency], hanoi.leader))
    with pytest.raises(DocumentNotFound):
        services.get(me(danang.clerk), sent.pk)
    assert not services.incoming(me(danang.clerk)).exists()


def test_recall_reaches_the_recipients_copy(hanoi, hcmc):
    sent = services.send(me(hanoi.leader), draft([hcmc.agency], hanoi.leader))
    services.recall(me(hanoi.clerk), sent.pk, "Ban hành nhầm nơi nhận")
    copy = services.incoming(me(hcmc.clerk)).get()
    assert (copy.status, copy.status_reason) == ("recalled", "Ban hành nhầm nơi nhận")
    assert states(sent) == {hcmc.agency: "recalled"}
    with pytest.raises(WrongState):
        services.register_incoming(me(hcmc.clerk), copy.pk)


def test_replace_issues_a_new_document_and_marks_the_old_one(hanoi, hcmc):
    old = services.send(me(hanoi.leader), draft([hcmc.agency], hanoi.leader))
    new = services.replace(
        me(hanoi.leader),
        old.pk,
        draft([hcmc.agency], hanoi.leader, summary="V/v phối hợp xác minh (thay thế)"),
        "Sai thời hạn phối hợp",
    )
    old.refresh_from_db()
    assert (old.status, old.status_reason) == ("replaced", "Sai thời hạn phối hợp")
    assert new.replaces == old
    copies = {d.origin_id: d for d in services.incoming(me(hcmc.clerk))}
    assert copies[new.pk].replaces == copies[old.pk]
    assert copies[old.pk].status == "replaced"


def test_every_open_download_and_forward_is_audited(hanoi, hcmc, danang):
    services.send(me(hanoi.leader), draft([hcmc.agency], hanoi.leader))
    copy = services.incoming(me(hcmc.clerk)).get()
    opened = services.open_document(me(hcmc.specialist), copy.pk, purpose="xử lý")
    item, data = services.download(me(hcmc.specialist), copy.pk, 1)
    assert data.startswith(b"%PDF-") and item["role"] == "main"
    assert opened.files[0]["sha256"] == item["sha256"]
    slip = services.forward(
        me(hcmc.leader),
        copy.pk,
        [danang.agency],
        signer_personal_id=hcmc.leader,
        signer_position="Phó Giám đốc",
    )
    assert slip.doc_type == "phieu-chuyen"
    forwarded = services.incoming(me(danang.clerk)).get()
    _, attached = services.download(me(danang.clerk), forwarded.pk, 2)
    assert attached.startswith(b"%PDF-")
    actions = list(AuditEntry.objects.filter(target_id=str(copy.pk)).values_list("action", "actor"))
    assert ("edocs.document.opened", hcmc.specialist) in actions
    assert ("edocs.file.downloaded", hcmc.specialist) in actions
    assert ("edocs.document.forwarded", hcmc.leader) in actions


def test_delivery_state_is_kept_when_an_answer_comes_without_registration(hanoi, hcmc):
    sent = services.send(me(hanoi.leader), draft([hcmc.agency], hanoi.leader))
    copy = services.incoming(me(hcmc.clerk)).get()
    services.send(me(hcmc.leader), draft([hanoi.agency], hcmc.leader, answers=copy.pk))
    # Not registered yet: answering does not skip the register.
    assert Delivery.objects.get(document=sent).state == "delivered"
