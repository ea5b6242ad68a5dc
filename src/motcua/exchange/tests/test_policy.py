import pytest

from motcua.audit.models import AuditEntry
from motcua.exchange import selectors, services
from motcua.exchange.errors import AccessDenied, SubjectNotFound
from motcua.exchange.models import MessageLogEntry

from .conftest import PID

pytestmark = pytest.mark.django_db


def _last() -> MessageLogEntry:
    return MessageLogEntry.objects.order_by("-occurred_at", "-id").first()


def test_allowed_call_returns_data_and_is_logged(person, consumer):
    services.grant_access(consumer, "population.person.basic", ["1.001193"], actor="test")
    result = services.call(consumer, "population.person.basic", "1.001193", PID)
    assert result.data["full_name"] == "Nguyễn Văn An"
    assert result.data["birth_date"] == "1985-03-02"
    assert result.data["version"] == 1
    entry = _last()
    assert (entry.consumer, entry.service, entry.purpose, entry.subject, entry.outcome) == (
        "ubnd-hoan-kiem",
        "population.person.basic",
        "1.001193",
        PID,
        "allowed",
    )
    assert entry.response_hash == result.response_hash
    assert (entry.chain, entry.seq) == (result.log_chain, result.log_seq)


def test_call_without_grant_is_denied_logged_and_returns_nothing(person, consumer):
    with pytest.raises(AccessDenied) as denied:
        services.call(consumer, "population.person.basic", "1.001193", PID)
    assert denied.value.reason == "no-grant"
    assert "Nguyễn" not in denied.value.detail
    assert _last().outcome == "denied:no-grant"


def test_call_for_another_purpose_is_denied(person, consumer):
    services.grant_access(consumer, "population.person.basic", ["1.001193"], actor="test")
    with pytest.raises(AccessDenied) as denied:
        services.call(consumer, "population.person.basic", "1.000894", PID)
    assert denied.value.reason == "wrong-purpose"
    assert _last().outcome == "denied:wrong-purpose"


def test_revoked_grant_denies(person, consumer):
    grant = services.grant_access(consumer, "population.person.basic", ["x"], actor="test")
    services.revoke_grant(grant.pk, actor="test")
    with pytest.raises(AccessDenied, match="không có quyền"):
        services.call(consumer, "population.person.basic", "x", PID)
    assert AuditEntry.objects.filter(action="exchange.grant_revoked").exists()


def test_sensitive_service_needs_consent_until_revoked(person, consumer):
    services.grant_access(consumer, "population.person.family", ["1.000894"], actor="test")
    with pytest.raises(AccessDenied) as denied:
        services.call(consumer, "population.person.family", "1.000894", PID)
    assert denied.value.reason == "no-consent"

    consent = services.grant_consent(
        PID, "1.000894", consumer="ubnd-hoan-kiem", service="population.person.family"
    )
    result = services.call(consumer, "population.person.family", "1.000894", PID)
    assert result.data["marital_status"] == "single"

    services.revoke_consent(PID, consent.pk)
    with pytest.raises(AccessDenied) as again:
        services.call(consumer, "population.person.family", "1.000894", PID)
    assert again.value.reason == "no-consent"
    outcomes = list(
        MessageLogEntry.objects.filter(subject=PID)
        .order_by("occurred_at")
        .values_list("outcome", flat=True)
    )
    assert outcomes == ["denied:no-consent", "allowed", "denied:no-consent"]
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"exchange.consent_granted", "exchange.consent_revoked"} <= actions


def test_consent_for_another_purpose_does_not_count(person, consumer):
    services.grant_access(consumer, "population.person.family", ["1.000894"], actor="test")
    services.grant_consent(PID, "1.001193")
    with pytest.raises(AccessDenied):
        services.call(consumer, "population.person.family", "1.000894", PID)


def test_unknown_subject_is_not_found_and_logged(consumer):
    services.grant_access(consumer, "population.person.basic", ["p"], actor="test")
    with pytest.raises(SubjectNotFound):
        services.call(consumer, "population.person.basic", "p", "001099999999")
    assert _last().outcome == "not-found"


def test_access_history_tells_who_read_what_when_and_why(person, consumer):
    services.grant_access(consumer, "population.person.basic", ["1.001193"], actor="test")
    services.call(consumer, "population.person.basic", "1.001193", PID)
    total, items = selectors.access_history(PID)
    assert total == 1
    assert items[0]["consumer_name"] == "UBND phường Hoàn Kiếm"
    assert items[0]["service"] == "population.person.basic"
    assert items[0]["purpose"] == "1.001193"
    assert items[0]["occurred_at"]


def test_other_apps_read_through_the_same_path_with_the_consumer_code(person, consumer):
    services.grant_access("ubnd-hoan-kiem", "population.person.residence", ["r"], actor="t")
    result = services.call("ubnd-hoan-kiem", "population.person.residence", "r", PID)
    assert result.data["permanent_commune_code"] == "00004"
