"""Declare once: the form opens filled from the registries, with sources and versions, and
keeps working when the exchange refuses or fails."""

from __future__ import annotations

import json

import pytest
from django.db import DatabaseError

from motcua.eforms import services
from motcua.eforms.prefilling import CONSUMER, Prefill

from .conftest import AN, BINH, CUC

pytestmark = pytest.mark.django_db
POPULATION = "Cơ sở dữ liệu quốc gia về dân cư"


def test_birth_registration_prefills_the_applicant_and_the_other_parent(forms, family, consent):
    consent("1.001193")
    form = services.form_for("1.001193")
    result = services.prefill(form, subject_id=AN)

    assert result.problems == [] and result.needs_consent == []
    name = result.values["applicant.full_name"]
    assert (name.value, name.source, name.registry, name.service) == (
        "Nguyễn Văn An",
        POPULATION,
        "population",
        "population.person.basic",
    )
    assert name.read_only and name.subject == AN and name.record_version == 1
    assert result.values["applicant.birth_date"].value == "1985-03-12"
    assert result.values["applicant.permanent_address"].service == "population.person.residence"
    other = result.values["other_parent.full_name"]
    assert (other.value, other.subject, other.relation) == ("Trần Thị Bình", BINH, "spouse")
    assert other.record_version == 2  # Bình's record was changed once
    assert result.values["other_parent.personal_id"].value == BINH
    read = {(r["service"], r["subject"]): r["version"] for r in result.records}
    assert read == {
        ("population.person.basic", AN): 1,
        ("population.person.residence", AN): 1,
        ("population.person.family", AN): 1,
        ("population.person.basic", BINH): 2,
        ("population.person.residence", BINH): 2,
    }
    assert all(r["registry"] == "population" for r in result.records)


def test_each_service_and_subject_is_read_once_with_the_procedure_as_purpose(
    forms, family, consent, monkeypatch
):
    from motcua.exchange import services as exchange

    consent("1.001193")
    calls = []
    real = exchange.call

    def spy(consumer, service, purpose, subject, **kwargs):
        calls.append((consumer, service, purpose, subject, kwargs.get("requester")))
        return real(consumer, service, purpose, subject, **kwargs)

    monkeypatch.setattr(exchange, "call", spy)
    services.prefill(services.form_for("1.001193"), subject_id=AN, actor_id=AN)
    assert len(calls) == len({(c[1], c[3]) for c in calls}) == 5
    assert {c[0] for c in calls} == {CONSUMER}
    assert {c[2] for c in calls} == {"thu-tuc:1.001193"}
    assert {c[4] for c in calls} == {f"citizen:{AN}"}  # on whose behalf, in the log


def test_prefill_survives_json(forms, family, consent):
    consent("1.001193")
    result = services.prefill(services.form_for("1.001193"), subject_id=AN)
    again = Prefill.from_json(json.dumps(result.to_json()))
    assert again == result
    assert Prefill.from_json(result.to_json()) == result


def test_a_revoked_grant_leaves_the_fields_empty_and_says_why(forms, family, consent):
    from motcua.exchange import services as exchange
    from motcua.exchange.models import Grant

    consent("1.001193")
    grant = Grant.objects.get(
        consumer__code=CONSUMER, service__code="population.person.basic", revoked_at__isnull=True
    )
    exchange.revoke_grant(grant.pk, actor="test")
    result = services.prefill(services.form_for("1.001193"), subject_id=AN)

    assert "applicant.full_name" not in result.values
    assert "other_parent.full_name" not in result.values
    assert result.values["applicant.permanent_address"].value  # residence still granted
    assert any("không được phép khai thác" in p and POPULATION in p for p in result.problems)
    # The form still validates with the person typing what the registry could not give.
    form = services.form_for("1.001193")
    data = services.example_document(form)
    cleaned = services.validate(form, data, result)
    assert cleaned["applicant"]["full_name"] == "Nguyễn Văn An"


def test_an_exchange_failure_is_logged_and_the_form_still_opens(forms, family, monkeypatch, caplog):
    from motcua.exchange import services as exchange

    def broken(*args, **kwargs):
        raise DatabaseError("connection refused")

    monkeypatch.setattr(exchange, "call", broken)
    form = services.form_for("1.004222")
    result = services.prefill(form, subject_id=AN)

    assert result.values == {} and result.records == []
    assert result.problems == [
        f"Không kết nối được {POPULATION} lúc này; vui lòng tự khai các thông tin này "
        "hoặc thử lại sau."
    ]
    assert "prefill: exchange call" in caplog.text
    assert services.form_for("1.004222").procedure_code == "1.004222"  # the connection is fine


def test_a_database_error_inside_the_exchange_does_not_break_the_callers_transaction(
    forms, family, monkeypatch
):
    import dataclasses

    from django.db import connection

    from motcua.registries import modules

    real = modules.service

    def failing_fetch(subject):
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM no_such_table")

    def service(service_id):
        spec = real(service_id)
        if service_id == "population.person.residence":
            return dataclasses.replace(spec, fetch=failing_fetch)
        return spec

    monkeypatch.setattr(modules, "service", service)
    result = services.prefill(services.form_for("1.004222"), subject_id=AN)

    assert result.values["applicant.full_name"].value == "Nguyễn Văn An"
    assert "applicant.current_permanent_address" not in result.values
    assert any("Không kết nối được" in p for p in result.problems)
    assert services.form_for("1.004222")  # the test's transaction is still usable


def test_without_consent_the_family_service_is_refused_and_named(forms, family):
    form = services.form_for("1.001193")
    result = services.prefill(form, subject_id=AN)

    assert result.needs_consent == ["population.person.family"]
    assert any("Chưa có sự đồng ý" in p for p in result.problems)
    assert "other_parent.full_name" not in result.values
    assert result.values["applicant.full_name"].value == "Nguyễn Văn An"  # not sensitive


def test_relations_reach_father_and_mother(forms, family, consent):  # 3.000333
    consent("3.000333")
    result = services.prefill(services.form_for("3.000333"), subject_id=AN)
    assert result.value("family.father_name") == "Nguyễn Văn Bảo"
    assert result.values["family.mother_name"].subject == CUC
    assert result.value("family.spouse_name") == "Trần Thị Bình"


def test_an_unknown_person_is_reported(forms, family):
    result = services.prefill(services.form_for("1.004222"), subject_id="079301004567")
    assert result.values == {}
    assert result.problems == [
        f"{POPULATION} không có dữ liệu về người được khai; vui lòng tự khai."
    ]


def test_a_missing_spouse_is_reported(forms, family, consent):
    consent("1.001193", pid=CUC)
    result = services.prefill(services.form_for("1.001193"), subject_id=CUC)
    assert "other_parent.full_name" not in result.values
    assert any("không ghi nhận vợ/chồng" in p for p in result.problems)


def test_the_marriage_partner_is_prefilled_once_they_are_named_as_a_party(forms, family):
    from motcua.exchange import services as exchange

    exchange.grant_consent(AN, "thu-tuc:1.000894")
    exchange.grant_consent(BINH, "thu-tuc:1.000894")
    form = services.form_for("1.000894")
    assert [p.role for p in form.parties] == ["spouse"]
    alone = services.prefill(form, subject_id=AN)
    assert "spouse.full_name" not in alone.values
    assert alone.value("applicant.marital_status") == "married"
    both = services.prefill(form, subject_id=AN, party_ids={"spouse": BINH})
    assert both.value("spouse.full_name") == "Trần Thị Bình"
    assert both.values["spouse.marital_status"].relation == "party:spouse"


def test_another_refusal_of_the_exchange_still_opens_the_form(forms, family, monkeypatch):
    from motcua.core.errors import Conflict
    from motcua.exchange import services as exchange

    def changing(*args, **kwargs):
        raise Conflict("Chính sách khai thác đang thay đổi; hãy gọi lại.")

    monkeypatch.setattr(exchange, "call", changing)
    result = services.prefill(services.form_for("1.004222"), subject_id=AN)
    assert result.values == {}
    assert any("Không kết nối được" in p for p in result.problems)


def test_a_bug_in_the_exchange_is_not_disguised_as_a_connection_problem(forms, family, monkeypatch):
    from motcua.exchange import services as exchange

    def buggy(*args, **kwargs):
        raise TypeError("a bug, not a refusal")

    monkeypatch.setattr(exchange, "call", buggy)
    with pytest.raises(TypeError):
        services.prefill(services.form_for("1.004222"), subject_id=AN)


def test_an_unknown_service_is_named_by_its_id_and_a_bug_is_not_hidden(monkeypatch):
    from motcua.eforms.prefilling import _service_name
    from motcua.registries import modules

    assert _service_name("khong.co.dich.vu") == "khong.co.dich.vu"

    def buggy(service_id):
        raise TypeError("a bug")

    monkeypatch.setattr(modules, "service", buggy)
    with pytest.raises(TypeError):
        _service_name("population.person.residence")
