"""Confidential documents: encrypted for the recipient agencies' keys, stored only as
ciphertext (a dump of the database shows no plaintext), readable only by a recipient agency's
clerk, leader or assignee; key rotation keeps old documents readable."""

from __future__ import annotations

import pytest
from django.db import connection

from motcua.core.errors import PermissionDenied
from motcua.edocs import crypto, package, services
from motcua.edocs.errors import DocumentNotFound, NotARecipient

from .conftest import draft, me

pytestmark = pytest.mark.django_db

SECRET_SUMMARY = "V/v phương án bảo vệ mục tiêu TUYỆT-MẬT-7F3A"
SECRET_NOTE = "Danh sách lực lượng tham gia: MẬT-NỘI-DUNG-91C2".encode()


def send_secret(hanoi, hcmc, **extra):
    note = package.File("danh-sach.txt", "text/plain", SECRET_NOTE)
    return services.send(
        me(hanoi.leader),
        draft(
            [hcmc.agency],
            hanoi.leader,
            summary=SECRET_SUMMARY,
            confidentiality="secret",
            attachments=[note],
            **extra,
        ),
    )


def test_a_recipients_clerk_reads_it_and_the_columns_hold_no_plaintext(hanoi, hcmc):
    sent = send_secret(hanoi, hcmc)
    copy = services.incoming(me(hcmc.clerk)).get()
    assert (copy.summary, copy.signer_name) == ("", "")
    assert copy.number_symbol == sent.number_symbol  # the envelope stays readable
    opened = services.open_document(me(hcmc.clerk), copy.pk)
    assert opened.document["summary"] == SECRET_SUMMARY
    assert opened.data["files/02-danh-sach.txt"] == SECRET_NOTE
    # The sender keeps a key to its own outgoing document.
    assert services.open_document(me(hanoi.leader), sent.pk).document["summary"] == SECRET_SUMMARY


def test_an_official_of_another_agency_cannot_read_it(hanoi, hcmc, danang):
    sent = send_secret(hanoi, hcmc)
    with pytest.raises(DocumentNotFound):
        services.open_document(me(danang.leader), sent.pk)
    # Even holding the package, the agency's key does not open it.
    with pytest.raises(NotARecipient):
        services.verify_package(bytes(sent.package), agency_code=danang.agency)
    manifest = package.parse(bytes(sent.package)).manifest
    for_hcmc = next(
        w for w in manifest["encryption"]["recipients"] if w["agency_code"] == hcmc.agency
    )
    danang_key = services.ensure_agency_key(danang.agency)
    with pytest.raises(crypto.DecryptionFailed):
        crypto.unwrap_key(
            for_hcmc,
            services._private(danang_key, "encrypt"),
            services._wrap_info(hcmc.agency, for_hcmc["key_version"], manifest["document"]["id"]),
        )


def test_inside_the_recipient_only_clerk_leader_and_assignee_read_it(hanoi, hcmc):
    send_secret(hanoi, hcmc)
    copy = services.incoming(me(hcmc.clerk)).get()
    with pytest.raises(PermissionDenied):
        services.open_document(me(hcmc.specialist), copy.pk)
    services.register_incoming(me(hcmc.clerk), copy.pk)
    services.assign(me(hcmc.clerk), copy.pk, hcmc.specialist)
    copy.refresh_from_db()
    assert (
        services.open_document(me(hcmc.specialist), copy.pk).document["summary"] == SECRET_SUMMARY
    )


def _dump() -> list[bytes]:
    """Every text and binary value of every table, as a database dump would show it."""
    values: list[bytes] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            columns = [
                c.name for c in connection.introspection.get_table_description(cursor, table)
            ]
            quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
            cursor.execute(f"SELECT {quoted} FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, (bytes, memoryview)):
                        values.append(bytes(value))
                    elif isinstance(value, str):
                        values.append(value.encode())
    return values


def test_a_database_dump_shows_no_confidential_plaintext(hanoi, hcmc):
    sent = send_secret(hanoi, hcmc, body="Nội dung chỉ đạo: KẾ-HOẠCH-MẬT-55D0")
    copy = services.incoming(me(hcmc.clerk)).get()
    services.register_incoming(me(hcmc.clerk), copy.pk)
    services.open_document(me(hcmc.clerk), copy.pk)
    services.download(me(hcmc.clerk), copy.pk, 2)
    dump = _dump()
    assert any(bytes(sent.package) == v for v in dump)  # the dump does hold the package
    needles = [
        SECRET_SUMMARY.encode(),
        b"TUY\xe1\xbb\x86T-M\xe1\xba\xacT-7F3A",
        SECRET_NOTE,
        b"MAT-NOI-DUNG-91C2",
        "MẬT-NỘI-DUNG-91C2".encode(),
        "KẾ-HOẠCH-MẬT-55D0".encode(),
    ]
    for value in dump:
        for needle in needles:
            assert needle not in value, needle
    opened = services.open_document(me(hcmc.clerk), copy.pk)
    assert SECRET_NOTE in opened.data.values()


def test_key_rotation_keeps_old_documents_readable(hanoi, hcmc):
    before = send_secret(hanoi, hcmc)
    services.rotate_key(hcmc.agency, actor="test")
    services.rotate_key(hanoi.agency, actor="test")
    after = send_secret(hanoi, hcmc)

    def version_for(document, agency):
        manifest = package.parse(bytes(document.package)).manifest
        return next(
            w["key_version"]
            for w in manifest["encryption"]["recipients"]
            if w["agency_code"] == agency
        )

    assert (version_for(before, hcmc.agency), version_for(after, hcmc.agency)) == (1, 2)
    assert package.parse(bytes(after.package)).manifest["sender"]["key_version"] == 2
    copies = {d.origin_id: d for d in services.incoming(me(hcmc.clerk))}
    for document in (before, after):
        opened = services.open_document(me(hcmc.clerk), copies[document.pk].pk)
        assert opened.document["summary"] == SECRET_SUMMARY
    assert [k.version for k in services.key_directory(hcmc.agency)] == [2, 1]
