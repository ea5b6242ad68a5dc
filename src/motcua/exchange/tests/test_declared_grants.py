"""Grants come only from the data owners' declared file: loaded once per version, and a
system check lists what consumers need that no grant covers."""

from __future__ import annotations

import pytest
from django.core import checks
from django.core.management import call_command

from motcua.exchange import needs, services
from motcua.exchange.models import Grant

pytestmark = pytest.mark.django_db


def _live(consumer: str, service: str):
    return Grant.objects.filter(
        consumer__code=consumer, service__code=service, revoked_at__isnull=True
    )


def test_the_declared_file_grants_what_it_says_and_once_per_version(capsys):
    call_command("exchange_load_grants")
    assert "phiên bản 1" in capsys.readouterr().out
    assert _live("motcua-quay", "population.person.basic").get().purposes == [
        "quay.doi-chieu-nhan-than"
    ]
    assert _live("motcua-dossiers", "population.person.register_birth").exists()
    count = Grant.objects.count()
    call_command("exchange_load_grants")
    assert Grant.objects.count() == count


def test_a_revocation_by_the_owner_sticks_when_the_same_version_is_loaded_again():
    services.load_grants(actor="test")
    grant = _live("motcua-quay", "population.person.basic").get()
    services.revoke_grant(grant.pk, actor="owner:bo-cong-an")
    services.load_grants(actor="test")
    assert not _live("motcua-quay", "population.person.basic").exists()


def test_a_changed_file_must_raise_its_version(tmp_path):
    from motcua.core.errors import Conflict
    from motcua.exchange.grants import DEFAULT_PATH

    services.load_grants(actor="test")
    changed = tmp_path / "grants.toml"
    changed.write_text(DEFAULT_PATH.read_text(encoding="utf-8") + "\n# sửa\n", encoding="utf-8")
    with pytest.raises(Conflict):
        services.load_grants(changed, actor="test")


def test_the_system_check_reports_a_need_without_a_grant():
    services.load_grants(actor="test")
    assert [m for m in needs.check_grants(databases=["default"]) if m.id == "exchange.W001"] == []
    grant = _live("motcua-quay", "population.person.basic").get()
    services.revoke_grant(grant.pk, actor="owner:bo-cong-an")
    found = [m for m in needs.check_grants(databases=["default"]) if m.id == "exchange.W001"]
    assert len(found) == 1 and found[0].level == checks.WARNING
    assert "motcua-quay" in found[0].msg and "population.person.basic" in found[0].msg


def test_a_read_cannot_use_a_write_service_nor_a_write_a_read_service():
    from motcua.exchange.errors import UnknownService

    services.load_grants(actor="test")
    with pytest.raises(UnknownService):
        services.call(
            "motcua-dossiers", "population.person.register_birth", "thu-tuc:1.001193", "x" * 12
        )
    with pytest.raises(UnknownService):
        services.write(
            "motcua-dossiers",
            "population.person.basic",
            "lien-thong.ket-qua",
            {"personal_id": "001085012345"},
            requester="citizen:001085012345",
        )


def test_loading_revokes_a_grant_a_service_once_gave_itself():
    services.sync_services()
    services.register_consumer("motcua-dossiers", "Hệ thống hồ sơ MotCua", actor="test")
    services.grant_access(
        "motcua-dossiers", "population.person.family", ["lien-thong.ket-qua"], actor="old-code"
    )
    services.load_grants(actor="test")
    assert not _live("motcua-dossiers", "population.person.family").exists()


def test_the_system_check_reports_identitys_reads_without_a_grant():
    """Identity, a layer below the exchange, still declares what it reads from the registries."""
    services.load_grants(actor="test")
    grant = _live("motcua-identity", "population.person.children").get()
    services.revoke_grant(grant.pk, actor="owner:bo-cong-an")
    found = [m for m in needs.check_grants(databases=["default"]) if m.id == "exchange.W001"]
    assert len(found) == 1
    assert "motcua-identity" in found[0].msg and "population.person.children" in found[0].msg
