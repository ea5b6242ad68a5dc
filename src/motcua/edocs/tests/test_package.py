"""The `motcua-edoc/1` package: export and import round-trip exactly; a tampered package, a
package for another agency and a PDF whose PAdES signature was broken are refused, saying why."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from motcua.audit.models import AuditEntry
from motcua.edocs import package, services
from motcua.edocs.errors import NotARecipient, PackageRefused
from motcua.edocs.models import Document

from .conftest import draft, me

pytestmark = pytest.mark.django_db


def entries(blob: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(blob)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rezip(items: dict[str, bytes]) -> bytes:
    return package.write_zip(list(items.items()))


@pytest.fixture
def sent(hanoi, hcmc):
    attachment = package.File("bang-ke.csv", "text/csv", "số;họ tên\n1;Nguyễn Văn An\n".encode())
    return services.send(
        me(hanoi.leader), draft([hcmc.agency], hanoi.leader, attachments=[attachment])
    )


def test_export_then_import_round_trips_exactly(sent, hanoi, hcmc):
    _, exported = services.export_package(me(hanoi.clerk), sent.pk)
    parsed = package.parse(exported)
    meta = parsed.manifest["document"]
    assert meta["number_symbol"] == sent.number_symbol
    assert meta["issuing_agency"] == {"code": hanoi.agency, "name": sent.issuing_agency_name}
    assert [f["name"] for f in parsed.manifest["files"]] == ["01-STP-VP.pdf", "bang-ke.csv"]
    # Rebuilding from the parsed parts gives the very same bytes (deterministic format).
    key = services.current_key(hanoi.agency)
    rebuilt = package.build(
        parsed.manifest, parsed.entries, sign_private=services._private(key, "sign")
    )
    assert rebuilt == exported

    # Another installation imports the exported file: drop the copy delivered here first.
    Document.objects.filter(owner_agency=hcmc.agency).delete()
    copy = services.import_package(exported, agency_code=hcmc.agency, actor=hcmc.clerk)
    for field in (
        "number",
        "symbol",
        "doc_type",
        "issued_on",
        "place",
        "summary",
        "signer_name",
        "signer_position",
        "recipients",
        "urgency",
        "confidentiality",
        "page_count",
    ):
        assert getattr(copy, field) == getattr(sent, field), field
    _, again = services.export_package(me(hcmc.clerk), copy.pk)
    assert again == exported
    sender_files = services.open_document(me(hanoi.clerk), sent.pk).data
    receiver_files = services.open_document(me(hcmc.clerk), copy.pk).data
    assert sender_files == receiver_files
    assert receiver_files["files/02-bang-ke.csv"].decode() == "số;họ tên\n1;Nguyễn Văn An\n"
    # A second import of the same package keeps one copy.
    assert services.import_package(exported, agency_code=hcmc.agency).pk == copy.pk


def test_a_file_changed_in_transit_is_refused_naming_the_file(sent, hcmc):
    items = entries(bytes(sent.package))
    items["files/02-bang-ke.csv"] = "số;họ tên\n1;Trần Văn Giả\n".encode()
    with pytest.raises(PackageRefused) as refused:
        services.import_package(rezip(items), agency_code=hcmc.agency)
    assert "files/02-bang-ke.csv" in refused.value.detail
    assert "không khớp mã băm" in refused.value.detail
    assert refused.value.extra["errors"][0]["loc"] == ["files/02-bang-ke.csv"]
    assert AuditEntry.objects.filter(action="edocs.package.refused").exists()


def test_a_changed_manifest_fails_the_signature(sent, hcmc):
    items = entries(bytes(sent.package))
    manifest = json.loads(items["manifest.json"])
    manifest["document"]["summary"] = "V/v nội dung đã bị sửa"
    items["manifest.json"] = package.canonical_json(manifest)
    with pytest.raises(PackageRefused) as refused:
        services.import_package(rezip(items), agency_code=hcmc.agency)
    assert "Chữ ký của gói không hợp lệ" in refused.value.detail


def test_an_unlisted_file_is_refused(sent, hcmc):
    items = entries(bytes(sent.package))
    items["files/09-them.exe"] = b"MZ"
    with pytest.raises(PackageRefused, match="files/09-them.exe không có trong bản kê"):
        services.import_package(rezip(items), agency_code=hcmc.agency)


def test_a_pdf_altered_after_its_pades_signature_is_refused(hanoi, hcmc):
    """Even with a valid package signature (made with the sender's own key), a PDF changed
    after the signer's PAdES signature is refused."""
    from motcua.results import services as results

    signed = results.sign_pdf(
        services._render_main(
            {
                "type": "cong-van",
                "issued_on": "2026-01-05",
                "number_symbol": "01/STP-VP",
                "place": "Hà Nội",
                "summary": "Thử",
                "recipients": [],
                "signer": {"name": "A", "position": "Giám đốc"},
            },
            "",
            services.units.get_agency(hanoi.agency),
        ),
        signer_personal_id=hanoi.leader,
    )
    tampered = signed.replace(b"/Count 1", b"/Count 2", 1)
    assert tampered != signed
    meta = package.parse(
        bytes(services.send(me(hanoi.leader), draft([hcmc.agency], hanoi.leader)).package)
    ).manifest["document"]
    meta = {**meta, "id": "00000000-0000-4000-8000-000000000001"}
    blob = services._build_package(
        meta,
        [package.File("van-ban.pdf", "application/pdf", tampered, "main", pades=True)],
        services.current_key(hanoi.agency),
        [],
    )
    with pytest.raises(PackageRefused) as refused:
        services.import_package(blob, agency_code=hcmc.agency)
    assert "files/01-van-ban.pdf" in refused.value.detail
    assert "PAdES" in refused.value.detail


def test_a_package_for_another_agency_is_refused(sent, danang):
    with pytest.raises(NotARecipient, match=danang.agency):
        services.import_package(bytes(sent.package), agency_code=danang.agency)
    assert not Document.objects.filter(owner_agency=danang.agency).exists()


@pytest.mark.parametrize(
    ("blob", "reason"),
    [
        (b"not a zip", "không phải một gói"),
        (package.write_zip([("manifest.json", b"{}")]), "thiếu bản kê"),
        (
            package.write_zip(
                [("manifest.json", b'{"format":"motcua-edoc/9"}'), ("signature.json", b"{}")]
            ),
            "không được hỗ trợ",
        ),
        (package.write_zip([("../../etc/passwd", b"x")]), "tên không hợp lệ"),
    ],
)
def test_malformed_packages_are_refused_with_a_reason(hcmc, blob, reason):
    with pytest.raises(PackageRefused) as refused:
        services.import_package(blob, agency_code=hcmc.agency)
    assert reason in refused.value.detail.lower()
