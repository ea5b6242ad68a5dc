"""Read queries of the exchange: what a person can see about reads of their data."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from .models import Consent, Consumer, DataService, Grant, MessageLogEntry


def access_history(personal_id: str, limit: int = 50, offset: int = 0) -> tuple[int, list[Any]]:
    """Who read (or wrote) what about this person, when, on whose behalf, for which dossier
    and why: newest first, from the signed message log, each row also said in words."""
    qs = MessageLogEntry.objects.filter(subject=personal_id).order_by("-occurred_at", "-id")
    fields = ("occurred_at", "consumer", "service", "purpose", "outcome", "requester", "dossier")
    rows: list[dict[str, Any]] = [dict(r) for r in qs.values(*fields)[offset : offset + limit]]
    names = dict(
        Consumer.objects.filter(code__in={r["consumer"] for r in rows}).values_list("code", "name")
    )
    services = dict(
        DataService.objects.filter(code__in={r["service"] for r in rows}).values_list(
            "code", "name"
        )
    )
    for row in rows:
        row["consumer_name"] = names.get(row["consumer"], row["consumer"])
        row["service_name"] = services.get(row["service"], row["service"])
        row["requester_label"] = requester_label(row["requester"], personal_id)
        row["summary"] = _summary(row)
    return qs.count(), rows


def requester_label(requester: str, personal_id: str = "") -> str:
    """On whose behalf, in words: "chính bạn", "công dân 0010…", "cán bộ 0010…"."""
    kind, _sep, who = requester.partition(":")
    if not requester:
        return _("không ghi nhận người yêu cầu")
    if kind == "citizen":
        return _("chính bạn") if who == personal_id else _("công dân %(id)s") % {"id": who}
    if kind == "official":
        return _("cán bộ %(id)s") % {"id": who}
    return _("hệ thống %(name)s") % {"name": who or requester}


def _summary(row: dict[str, Any]) -> str:
    outcome = str(row["outcome"])
    if outcome == "allowed":
        verb = _("đã đọc")
    elif outcome in ("written", "unchanged"):
        verb = _("đã cập nhật") if outcome == "written" else _("đã đối chiếu cập nhật")
    elif outcome == "not-found":
        verb = _("đã tìm nhưng không có dữ liệu")
    else:
        verb = _("bị từ chối khi đề nghị")
    purpose = str(row["purpose"])
    if purpose.startswith("thu-tuc:"):
        purpose = _("làm thủ tục %(code)s") % {"code": purpose[8:]}
    text = _("%(consumer)s %(verb)s «%(service)s» theo yêu cầu của %(requester)s") % {
        "consumer": row["consumer_name"],
        "verb": verb,
        "service": row["service_name"],
        "requester": row["requester_label"],
    }
    if row["dossier"]:
        text += _(", cho hồ sơ %(dossier)s") % {"dossier": row["dossier"]}
    return text + _(", mục đích: %(purpose)s.") % {"purpose": purpose}


def consents_of(personal_id: str) -> QuerySet[Consent]:
    return (
        Consent.objects.filter(personal_id=personal_id)
        .select_related("consumer", "service")
        .order_by("-granted_at")
    )


def has_grant(consumer: str, service: str) -> bool:
    """Whether `consumer` holds a live (not revoked) grant for `service`."""
    return Grant.objects.filter(
        consumer__code=consumer, service__code=service, revoked_at__isnull=True
    ).exists()


def service_names(codes: list[str]) -> dict[str, str]:
    """The names of data services by code (what a person is asked to consent to)."""
    return dict(DataService.objects.filter(code__in=codes).values_list("code", "name"))
