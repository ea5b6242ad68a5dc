"""The handlers shipped with notify. `dossier.<action>` events tell the applicant what
happened to their dossier; which actions do so, and what they say, is the table below."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from .models import OutboxEvent

if TYPE_CHECKING:
    from motcua.dossiers.models import Dossier
from motcua.core.formats import format_date

from .services import Message, register_handler

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Notice:
    """One row of the table: the message of one dossier action (the action is the status it
    moves to, except `supplement_requested`, which also pauses a received dossier)."""

    title: str
    body: str
    kind: str = "dossier_status"
    sms: bool = False


# Actions not listed (created, paid, supplemented, processing, paused) notify nobody: the
# applicant did them, or they say nothing the applicant must act on.
DOSSIER_NOTICES: dict[str, Notice] = {
    "submitted": Notice(
        N_("Hồ sơ {code} đã được nộp"),
        N_(
            "Hồ sơ “{procedure}” của bạn đã được nộp với mã {code}. Cán bộ một cửa sẽ kiểm "
            "tra và tiếp nhận hồ sơ."
        ),
    ),
    "received": Notice(
        N_("Hồ sơ {code} đã được tiếp nhận"),
        N_("Hồ sơ “{procedure}” (mã {code}) đã được tiếp nhận và chuyển xử lý.{due}"),
        sms=True,
    ),
    "supplement_requested": Notice(
        N_("Hồ sơ {code} cần bổ sung"),
        N_(
            "Hồ sơ “{procedure}” (mã {code}) cần bổ sung trước khi được giải quyết.{reason} "
            "Mở hồ sơ trên Cổng để bổ sung và gửi lại."
        ),
        kind="supplement_request",
        sms=True,
    ),
    "refused": Notice(
        N_("Hồ sơ {code} bị từ chối tiếp nhận"),
        N_(
            "Hồ sơ “{procedure}” (mã {code}) không được tiếp nhận.{reason} Xem chi tiết "
            "trong lịch sử xử lý hồ sơ."
        ),
        sms=True,
    ),
    "result_ready": Notice(
        N_("Hồ sơ {code} đã có kết quả"),
        N_(
            "Hồ sơ “{procedure}” (mã {code}) đã có kết quả giải quyết. Nhận kết quả theo "
            "hình thức bạn đã chọn; bản điện tử có trong Kho dữ liệu của bạn."
        ),
        kind="result",
        sms=True,
    ),
    "returned": Notice(
        N_("Hồ sơ {code} đã trả kết quả"),
        N_(
            "Hồ sơ “{procedure}” (mã {code}) đã được trả kết quả. Mời bạn đánh giá mức độ "
            "hài lòng với việc giải quyết thủ tục."
        ),
    ),
    "withdrawn": Notice(
        N_("Hồ sơ {code} đã được rút"),
        N_("Hồ sơ “{procedure}” (mã {code}) đã được rút theo đề nghị của bạn."),
    ),
}


def dossier_messages(event: OutboxEvent) -> list[Message]:
    """The applicant's message about one dossier event, from the table; none for actions
    not in it or for a dossier that no longer exists."""
    from motcua.dossiers.models import Dossier

    action = event.topic.removeprefix("dossier.")
    notice = DOSSIER_NOTICES.get(action)
    if notice is None:
        return []
    dossier = Dossier.objects.filter(pk=event.payload.get("dossier")).first()
    if dossier is None:
        logger.warning("notify: dossier of event %s not found; nothing sent", event.pk)
        return []
    code = event.payload.get("reference") or dossier.reference
    fields = {
        "code": code,
        "procedure": dossier.procedure_name,
        "due": "",
        "reason": "",
    }
    if action == "received" and dossier.due_date:
        fields["due"] = " " + _("Ngày hẹn trả kết quả: %(date)s.") % {
            "date": format_date(dossier.due_date)
        }
    if action in ("supplement_requested", "refused"):
        fields["reason"] = _reason(event, dossier, action)
    title = _(notice.title).format(**fields)
    sms_text = f"MotCua: {title}. Chi tiết trên Cổng Dịch vụ công." if notice.sms else ""
    return [
        Message(
            recipient_id=dossier.applicant_id,
            title=title,
            body=_(notice.body).format(**fields),
            link=f"/ho-so/{code}/",
            kind=notice.kind,
            sms=sms_text,
        )
    ]


def _reason(event: OutboxEvent, dossier: Dossier, action: str) -> str:
    """The official's stated reason, from the history row the event announced (its key
    ends with the row's sequence number)."""
    from motcua.dossiers.models import DossierEvent

    rows = DossierEvent.objects.filter(dossier=dossier, action=action)
    seq = event.key.rsplit(":", 1)[-1]
    if seq.isdigit():
        rows = rows.filter(seq=int(seq))
    note = rows.order_by("-seq").values_list("note", flat=True).first()
    if not note or not note.strip():
        return ""
    return " " + _("Lý do: %(reason)s.") % {"reason": note.strip()[:500].rstrip(".")}


register_handler("dossier.", dossier_messages)


MANDATE_NOTICES: dict[str, Notice] = {
    "created": Notice(
        N_("Bạn vừa ủy quyền cho {grantee}"),
        N_(
            "Bạn vừa ủy quyền cho {grantee} thực hiện thay bạn (phạm vi: {scope}) đến "
            "{until}. Nếu không phải bạn, hãy thu hồi ủy quyền ngay trên Cổng và đổi mật khẩu."
        ),
    ),
    "used": Notice(
        N_("{grantee} đang thực hiện thay bạn"),
        N_(
            "{grantee} vừa dùng ủy quyền của bạn (phạm vi: {scope}) để thực hiện thay bạn "
            "qua một ứng dụng. Nếu bạn không đồng ý, hãy thu hồi ủy quyền ngay trên Cổng."
        ),
    ),
}


def mandate_messages(event: OutboxEvent) -> list[Message]:
    """The grantor's message when a mandate of theirs is given or used (identity events)."""
    notice = MANDATE_NOTICES.get(event.topic.removeprefix("identity.mandate."))
    payload = event.payload
    if notice is None or not payload.get("grantor"):
        return []
    until = str(payload.get("valid_until", ""))[:10]
    with contextlib.suppress(ValueError):
        until = f"{dt.date.fromisoformat(until):%d/%m/%Y}"
    fields = {
        "grantee": payload.get("grantee_name") or payload.get("grantee", ""),
        "scope": ", ".join(payload.get("scope") or []),
        "until": until,
    }
    return [
        Message(
            recipient_id=str(payload["grantor"]),
            title=_(notice.title).format(**fields),
            body=_(notice.body).format(**fields),
            link="/uy-quyen/",
            kind=notice.kind,
        )
    ]


register_handler("identity.mandate.", mandate_messages)
