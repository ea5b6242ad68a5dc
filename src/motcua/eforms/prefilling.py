"""Prefill ("declare once"): the registry values a form names, read through `exchange` with
the procedure as purpose, each with its source and record version. The exchange being down,
refusing or not knowing the subject never stops the form: the fields stay empty and a
Vietnamese problem says why."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db import DatabaseError, connection, transaction

from motcua.core.errors import DomainError, NotFound
from motcua.registries.modules import NATIONAL_DATABASES

from .spec import RELATION_LABELS, RELATION_SERVICE, RELATIONS, Form

logger = logging.getLogger(__name__)

CONSUMER = "motcua-eforms"
CONSUMER_NAME = "Hệ thống biểu mẫu điện tử MotCua"


@dataclass(frozen=True)
class PrefillValue:
    """One field's registry value: `subject` is the personal ID read, `relation` how it was
    reached from the person the form is filled for (self, spouse, father, mother, party:…)."""

    value: Any
    source: str
    registry: str
    service: str
    read_only: bool
    subject: str
    record_version: int | None = None
    relation: str = "self"


@dataclass(frozen=True)
class Prefill:
    """What the registries said for one form and one person: values by field path, the
    registry records read (the dossier cites them for components they replace), problems
    (Vietnamese) and the sensitive services refused for lack of consent."""

    values: dict[str, PrefillValue] = field(default_factory=dict)
    records: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    needs_consent: list[str] = field(default_factory=list)
    procedure_code: str = ""
    subject_id: str = ""

    def to_json(self) -> dict[str, Any]:
        """A JSON-serialisable dict (for a JSONField or json.dumps)."""
        return {
            "procedure_code": self.procedure_code,
            "subject_id": self.subject_id,
            "values": {path: asdict(value) for path, value in self.values.items()},
            "records": [dict(r) for r in self.records],
            "problems": list(self.problems),
            "needs_consent": list(self.needs_consent),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any] | str) -> Prefill:
        raw: dict[str, Any] = json.loads(data) if isinstance(data, str) else data
        return cls(
            values={path: PrefillValue(**value) for path, value in raw.get("values", {}).items()},
            records=[dict(r) for r in raw.get("records", [])],
            problems=list(raw.get("problems", [])),
            needs_consent=list(raw.get("needs_consent", [])),
            procedure_code=raw.get("procedure_code", ""),
            subject_id=raw.get("subject_id", ""),
        )

    def value(self, path: str, default: Any = None) -> Any:
        found = self.values.get(path)
        return found.value if found is not None else default


def _record_version(data: dict[str, Any]) -> int | None:
    """The record's `version`; for list answers (events, parcels) the highest item version."""
    version = data.get("version")
    if isinstance(version, int):
        return version
    versions = [
        item["version"]
        for value in data.values()
        if isinstance(value, list)
        for item in value
        if isinstance(item, dict) and isinstance(item.get("version"), int)
    ]
    return max(versions) if versions else None


def _service_name(service: str) -> str:
    from motcua.registries import modules

    try:
        return modules.service(service).name
    except NotFound:
        return service


class _Reader:
    """Calls the exchange once per (service, subject) and collects what happened."""

    def __init__(
        self,
        form: Form,
        subject_id: str,
        actor_id: str,
        call: Callable[..., Any],
        requester: str = "",
        dossier: str = "",
    ) -> None:
        self.form = form
        self.subject_id = subject_id
        self.requester = requester or f"citizen:{actor_id or subject_id}"
        self.dossier = dossier
        self.call = call
        self.answers: dict[tuple[str, str], dict[str, Any] | None] = {}
        self.records: list[dict[str, Any]] = []
        self.problems: list[str] = []
        self.needs_consent: list[str] = []

    def problem(self, message: str) -> None:
        if message not in self.problems:
            self.problems.append(message)

    def read(self, service: str, subject: str, whom: str) -> dict[str, Any] | None:
        key = (service, subject)
        if key not in self.answers:
            self.answers[key] = self._call(service, subject, whom)
        return self.answers[key]

    def _call(self, service: str, subject: str, whom: str) -> dict[str, Any] | None:
        from motcua.exchange.errors import AccessDenied, SubjectNotFound

        registry = service.split(".", 1)[0]
        source = NATIONAL_DATABASES.get(registry, registry)
        what = _service_name(service)
        # Inside a caller's transaction a database error must not break it: use a savepoint.
        guard = transaction.atomic() if connection.in_atomic_block else nullcontext()
        try:
            with guard:
                result = self.call(
                    CONSUMER,
                    service,
                    self.form.purpose,
                    subject,
                    requester=self.requester,
                    dossier=self.dossier,
                )
        except AccessDenied as exc:
            if exc.reason == "no-consent":
                if service not in self.needs_consent:
                    self.needs_consent.append(service)
                self.problem(
                    f"Chưa có sự đồng ý của {whom} cho việc khai thác «{what}» từ {source} "
                    f"để làm thủ tục {self.form.procedure_code}; hãy đồng ý để điền sẵn, "
                    "hoặc tự khai các thông tin này."
                )
            else:
                self.problem(
                    f"Hệ thống biểu mẫu không được phép khai thác «{what}» từ {source} cho thủ "
                    "tục này; vui lòng tự khai các thông tin này."
                )
            return None
        except SubjectNotFound:
            self.problem(f"{source} không có dữ liệu về {whom}; vui lòng tự khai.")
            return None
        except NotFound:
            self.problem(
                f"Dịch vụ «{what}» chưa sẵn sàng cho hệ thống biểu mẫu; vui lòng tự khai các "
                "thông tin này."
            )
            return None
        except (DomainError, DatabaseError):
            # Any other refusal of the exchange, or its tables unreachable (the savepoint
            # above keeps the caller's transaction usable): the person fills the fields in.
            logger.exception("prefill: exchange call %s failed", service)
            self.problem(
                f"Không kết nối được {source} lúc này; vui lòng tự khai các thông tin này "
                "hoặc thử lại sau."
            )
            return None
        data = result.data if isinstance(result.data, dict) else {}
        self.records.append(
            {
                "registry": result.registry,
                "source": NATIONAL_DATABASES.get(result.registry, result.registry),
                "service": service,
                "subject": subject,
                "version": _record_version(data),
                "log_chain": getattr(result, "log_chain", None),
                "log_seq": getattr(result, "log_seq", None),
            }
        )
        return data


def run(
    form: Form,
    *,
    subject_id: str,
    actor_id: str = "",
    party_ids: dict[str, str] | None = None,
    call: Callable[..., Any] | None = None,
    only: str | None = None,
    requester: str = "",
    dossier: str = "",
) -> Prefill:
    """`only`: read just the fields of that relation (e.g. `party:spouse`). `requester` and
    `dossier` are what the exchange logs (the person filling the form by default)."""
    if call is None:
        from motcua.exchange import services as exchange

        call = exchange.call
    reader = _Reader(form, subject_id, actor_id, call, requester, dossier)
    party_ids = party_ids or {}
    party_labels = {p.role: p.label for p in form.parties}
    fields = [
        f
        for f in form.prefilled_fields()
        if only is None or (f.prefill is not None and f.prefill["subject"] == only)
    ]
    subjects: dict[str, str | None] = {"self": subject_id}
    for relation in sorted({f.prefill["subject"] for f in fields if f.prefill}):
        if relation in subjects:
            continue
        if relation in RELATIONS:
            family = reader.read(RELATION_SERVICE, subject_id, RELATION_LABELS["self"])
            related = family.get(RELATIONS[relation]) if family is not None else None
            if family is not None and not related:
                reader.problem(
                    f"{NATIONAL_DATABASES['population']} không ghi nhận "
                    f"{RELATION_LABELS[relation]} của người được khai; vui lòng tự khai."
                )
            subjects[relation] = str(related) if related else None
        elif relation.startswith("party:"):
            subjects[relation] = party_ids.get(relation.split(":", 1)[1]) or None
    values: dict[str, PrefillValue] = {}
    for spec in fields:
        assert spec.prefill is not None
        relation = spec.prefill["subject"]
        subject = subjects.get(relation)
        if not subject or spec.group.repeated:
            continue
        whom = RELATION_LABELS.get(relation) or party_labels.get(relation[6:], relation)
        data = reader.read(spec.prefill["service"], subject, whom)
        if data is None:
            continue
        value = data.get(spec.prefill["attribute"])
        if value is None or value == "" or isinstance(value, dict | list):
            continue
        registry = spec.prefill["service"].split(".", 1)[0]
        values[spec.path] = PrefillValue(
            value=value,
            source=NATIONAL_DATABASES.get(registry, registry),
            registry=registry,
            service=spec.prefill["service"],
            read_only=spec.read_only,
            subject=subject,
            record_version=_record_version(data),
            relation=relation,
        )
    return Prefill(
        values=values,
        records=reader.records,
        problems=reader.problems,
        needs_consent=reader.needs_consent,
        procedure_code=form.procedure_code,
        subject_id=subject_id,
    )
