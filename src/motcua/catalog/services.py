"""The catalog's writes: importing procedures and publishing new versions. A published
version is never edited; a change publishes the next version and supersedes the old one."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

import pydantic
from django.db import transaction
from django.utils import timezone

from motcua.audit import services as audit
from motcua.core.errors import InvalidInput, NotFound
from motcua.core.text import fold

from . import importing
from .models import Component, IntegratedMember, Procedure, ProcedureVersion, Sector
from .schema import ComponentIn, FeeIn, MemberIn, ProcedureIn, SectorIn


class CatalogImportError(InvalidInput):
    """The file had bad records; nothing was written. `errors` lists (line, reason)."""

    def __init__(self, errors: list[tuple[int, str]]) -> None:
        detail = "; ".join(f"dòng {line}: {reason}" for line, reason in errors)
        super().__init__(f"Tệp danh mục có lỗi, không ghi gì: {detail}", errors=errors)
        self.errors = errors


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    revised: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    sectors: int = 0


def import_file(content: str, filename: str, actor: str = "system:import") -> ImportReport:
    """Validate a whole catalog file, then write all of it or, on any bad record, nothing."""
    parsed = importing.parse(content, filename)
    errors = list(parsed.errors)
    seen: dict[str, int] = {}
    known_sectors = {s.code for s in parsed.sectors} | set(
        Sector.objects.values_list("code", flat=True)
    )
    for line, record in parsed.procedures:
        if record.code in seen:
            errors.append((line, f"mã {record.code} trùng với dòng {seen[record.code]}"))
        seen[record.code] = line
        if record.sector not in known_sectors:
            errors.append((line, f"sector: lĩnh vực '{record.sector}' không tồn tại"))
    errors += _member_errors(parsed.procedures)
    if errors:
        raise CatalogImportError(sorted(errors))
    if not parsed.procedures and not parsed.sectors:
        raise CatalogImportError([(1, "tệp không có thủ tục nào")])
    report = ImportReport()
    with transaction.atomic():
        for sector in parsed.sectors:
            upsert_sector(sector)
            report.sectors += 1
        # Members are published before the integrated services that bundle them.
        for _, record in sorted(parsed.procedures, key=lambda item: item[1].kind == "integrated"):
            outcome = publish(record, actor=actor)
            getattr(report, outcome).append(record.code)
        audit.record(
            actor=actor,
            action="catalog.imported",
            target_type="catalog",
            target_id=filename,
            data={
                "created": len(report.created),
                "revised": len(report.revised),
                "unchanged": len(report.unchanged),
            },
        )
    return report


def _member_errors(records: list[tuple[int, ProcedureIn]]) -> list[tuple[int, str]]:
    """Members of integrated services must be single procedures, in the file or published."""
    in_file = {record.code: record.kind for _, record in records}
    wanted = {m.procedure for _, r in records for m in r.members} - set(in_file)
    published_kinds = dict(
        ProcedureVersion.objects.filter(
            status=ProcedureVersion.Status.PUBLISHED, procedure__code__in=wanted
        ).values_list("procedure__code", "kind")
    )
    errors = []
    for line, record in records:
        for member in record.members:
            kind = in_file.get(member.procedure) or published_kinds.get(member.procedure)
            if kind is None:
                errors.append((line, f"members: thủ tục {member.procedure} không tồn tại"))
            elif kind != ProcedureVersion.Kind.SINGLE:
                errors.append((line, f"members: {member.procedure} là dịch vụ liên thông"))
    return errors


def upsert_sector(sector: SectorIn) -> Sector:
    obj, _ = Sector.objects.update_or_create(
        code=sector.code, defaults={"name": sector.name, "name_en": sector.name_en}
    )
    return obj


def fold_name(name: str) -> str:
    """The name as search compares it: folded, without the leading word 'Thủ tục'."""
    return fold(name).removeprefix("thu tuc ")


def content_hash(record: ProcedureIn) -> str:
    body = record.model_dump(mode="json")
    # Keys and form flags the names give: keeps the hashes of versions published before
    # components had them.
    derived = ProcedureIn.model_validate(
        {**body, "components": [{"name": c["name"]} for c in body["components"]]}
    ).components
    for component, default in zip(body["components"], derived, strict=True):
        if component["key"] == default.key:
            component.pop("key")
        if component["form"] == default.form:
            component.pop("form")
    if body.get("min_assurance_level") == 1:  # the default: keeps older versions' hashes
        body.pop("min_assurance_level")
    if body.get("kind") == "single":  # likewise for procedures that bundle nothing
        body.pop("kind")
        body.pop("members", None)
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


@transaction.atomic
def publish(record: ProcedureIn, actor: str) -> str:
    """Publish `record` as the procedure's current version. Returns 'created', 'revised' or
    'unchanged' (same content as the current version: no new version)."""
    digest = content_hash(record)
    procedure, created = Procedure.objects.select_for_update().get_or_create(code=record.code)
    current = procedure.current
    if current is not None and current.content_hash == digest:
        return "unchanged"
    try:
        sector = Sector.objects.get(code=record.sector)
    except Sector.DoesNotExist:
        raise InvalidInput(f"Lĩnh vực '{record.sector}' không tồn tại.") from None
    if current is not None:
        current.status = ProcedureVersion.Status.SUPERSEDED
        current.save(update_fields=["status"])
    member_names = _member_names(record)
    search_extra = " ".join(member_names.values())
    version = ProcedureVersion.objects.create(
        procedure=procedure,
        version=(current.version + 1) if current else 1,
        kind=record.kind,
        status=ProcedureVersion.Status.PUBLISHED,
        name=record.name,
        name_en=record.name_en,
        sector=sector,
        at_central="central" in record.levels,
        at_province="province" in record.levels,
        at_commune="commune" in record.levels,
        online_level=record.online_level,
        processing_days=record.processing_days,
        min_assurance_level=record.min_assurance_level,
        fees=[fee.model_dump() for fee in record.fees],
        result_type=record.result_type,
        legal_basis=record.legal_basis,
        description=record.description,
        content_hash=digest,
        name_folded=fold_name(record.name),
        search_text=fold(
            f"{record.name} {record.code} {sector.name} {record.name_en} {search_extra}".strip()
        ),
        published_at=timezone.now(),
    )
    Component.objects.bulk_create(
        Component(
            version=version,
            position=position,
            key=c.key or "",
            name=c.name,
            required=c.required,
            copies=c.copies,
            replaced_by=c.replaced_by or "",
            is_form=bool(c.form),
        )
        for position, c in enumerate(record.components, start=1)
    )
    IntegratedMember.objects.bulk_create(
        IntegratedMember(
            version=version,
            position=position,
            key=m.key,
            procedure_code=m.procedure,
            name=member_names.get(m.procedure, ""),
            depends_on=list(m.depends_on),
            mapping=dict(m.mapping),
            components={str(k): int(v) for k, v in m.components.items()},
            fee=m.fee,
            effect=m.effect or "",
            subject=m.subject,
            copy_to_subject=m.copy_to_subject,
            authority=m.authority,
            note=m.note,
        )
        for position, m in enumerate(record.members, start=1)
    )
    procedure.current = version
    procedure.save(update_fields=["current"])
    audit.record(
        actor=actor,
        action="catalog.procedure_published",
        target_type="procedure",
        target_id=record.code,
        data={"version": version.version, "content_hash": digest},
    )
    return "created" if created or current is None else "revised"


def _member_names(record: ProcedureIn) -> dict[str, str]:
    """The current names of an integrated service's members (they are published first)."""
    if not record.members:
        return {}
    codes = [m.procedure for m in record.members]
    names = dict(
        ProcedureVersion.objects.filter(
            status=ProcedureVersion.Status.PUBLISHED, procedure__code__in=codes
        ).values_list("procedure__code", "name")
    )
    missing = [code for code in codes if code not in names]
    if missing:
        raise InvalidInput(f"Thủ tục thành phần chưa được công bố: {', '.join(missing)}.")
    return names


def record_of(version: ProcedureVersion) -> ProcedureIn:
    """A published version as an import record: the starting point for a revision."""
    return ProcedureIn(
        code=version.procedure.code,
        name=version.name,
        name_en=version.name_en,
        sector=version.sector.code,
        levels=version.levels,  # type: ignore[arg-type]
        online_level=version.online_level,  # type: ignore[arg-type]
        processing_days=version.processing_days,
        min_assurance_level=version.min_assurance_level,
        fees=[FeeIn.model_validate(fee) for fee in version.fees],
        result_type=version.result_type,
        legal_basis=version.legal_basis,
        description=version.description,
        components=[
            ComponentIn(
                key=c.key,
                name=c.name,
                required=c.required,
                copies=c.copies,
                replaced_by=c.replaced_by or None,
                form=c.is_form,
            )
            for c in version.components.all()
        ],
        kind=version.kind,  # type: ignore[arg-type]
        members=[
            MemberIn(
                key=m.key,
                procedure=m.procedure_code,
                depends_on=list(m.depends_on),
                mapping=dict(m.mapping),
                components={str(k): int(v) for k, v in m.components.items()},
                fee=m.fee,
                effect=m.effect or None,
                subject=m.subject,
                copy_to_subject=m.copy_to_subject,
                authority=m.authority,
                note=m.note,
            )
            for m in version.members.all()
        ],
    )


def revise(code: str, changes: dict[str, Any], actor: str) -> ProcedureVersion:
    """Publish a new version of procedure `code` with `changes` applied to its current one."""
    try:
        procedure = Procedure.objects.select_related("current__sector").get(code=code)
    except Procedure.DoesNotExist:
        raise NotFound(f"Không có thủ tục mã {code}.") from None
    if procedure.current is None:
        raise NotFound(f"Thủ tục {code} chưa được công bố.")
    body = record_of(procedure.current).model_dump(mode="json")
    body.update(changes)
    try:
        record = ProcedureIn.model_validate(body)
    except pydantic.ValidationError as exc:
        raise InvalidInput(f"Nội dung sửa đổi không hợp lệ: {exc}") from exc
    if record.code != code:
        raise InvalidInput("Không được đổi mã thủ tục.")
    publish(record, actor=actor)
    procedure.refresh_from_db()
    assert procedure.current is not None
    return procedure.current
