"""The eforms app's public functions: other apps call only these.

form_for(code) → Form            the form of the procedure's published version
prefill(form, subject_id=…)      registry values through `exchange`, with their sources
validate(form, data, prefill)    cleaned data or FormInvalid (path → Vietnamese message)
json_schema(form)                the dossier data as JSON Schema 2020-12
import_forms(file or data)       all-or-nothing import, attached to current versions
needed_grants()                  data service → purposes the stored forms read (for the
                                 exchange's check; eforms never grants itself access)"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from django.db import transaction

from motcua.audit import services as audit
from motcua.core.errors import NotFound

from . import definition as definitions
from . import prefilling, validation
from .errors import FormImportError, FormInvalid
from .models import FormDefinition
from .prefilling import CONSUMER, Prefill, PrefillValue
from .schema import example_document, example_prefill
from .schema import json_schema as _json_schema
from .spec import FieldSpec, Form, Party

__all__ = [
    "CONSUMER",
    "FILE_FORMAT",
    "FieldSpec",
    "Form",
    "FormImportError",
    "FormInvalid",
    "Party",
    "Prefill",
    "PrefillValue",
    "check_definition",
    "example_document",
    "example_prefill",
    "form_at",
    "form_for",
    "import_forms",
    "json_schema",
    "needed_grants",
    "prefill",
    "prefill_party",
    "procedure_version_exists",
    "save_definition",
    "validate",
]

FILE_FORMAT = "motcua.eforms/1"


def content_hash(definition: dict[str, Any]) -> str:
    canonical = json.dumps(definition, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _form(row: FormDefinition) -> Form:
    return Form(
        procedure_code=row.procedure_code,
        procedure_version=row.procedure_version,
        definition=row.definition,
        content_hash=row.content_hash,
    )


def _current_version(code: str) -> int:
    from motcua.catalog import selectors as catalog

    version = catalog.published().filter(procedure__code=code).values_list("version", flat=True)
    found = list(version[:1])
    if not found:
        raise NotFound(f"Không có thủ tục mã {code}.")
    return int(found[0])


def form_for(procedure_code: str) -> Form:
    """The form of the procedure's current published version. A version published later
    without a form of its own keeps the latest earlier form until one is imported."""
    if not isinstance(procedure_code, str) or len(procedure_code) > 20:
        raise NotFound(f"Không có thủ tục mã {procedure_code}.")
    version = _current_version(procedure_code)
    row = (
        FormDefinition.objects.filter(procedure_code=procedure_code, procedure_version__lte=version)
        .order_by("-procedure_version")
        .first()
    )
    if row is None:
        raise NotFound(f"Thủ tục {procedure_code} chưa có biểu mẫu điện tử.")
    return _form(row)


def form_at(procedure_code: str, procedure_version: int) -> Form:
    """The form a dossier of that procedure version used (the latest up to that version)."""
    row = (
        FormDefinition.objects.filter(
            procedure_code=procedure_code, procedure_version__lte=procedure_version
        )
        .order_by("-procedure_version")
        .first()
    )
    if row is None:
        raise NotFound(
            f"Thủ tục {procedure_code} phiên bản {procedure_version} không có biểu mẫu điện tử."
        )
    return _form(row)


def prefill(
    form: Form,
    *,
    subject_id: str,
    actor_id: str = "",
    party_ids: dict[str, str] | None = None,
) -> Prefill:
    """Read the registry values the form names about `subject_id` (the person the form is
    filled for; `actor_id` fills it, e.g. a parent or a mandatary) through `exchange`, once
    per (service, subject), purpose `thu-tuc:<code>`. `party_ids` (role → personal ID) adds
    the fields prefilled from a confirming party (subject `party:<role>`). Never raises for
    the exchange: problems are reported in `Prefill.problems`."""
    return prefilling.run(form, subject_id=subject_id, actor_id=actor_id, party_ids=party_ids)


def prefill_party(form: Form, role: str, personal_id: str, *, dossier: str = "") -> Prefill:
    """Read the fields the other party `role` vouches for (subject `party:<role>`) about
    that party, on their own behalf: called only once they confirm inside the dossier."""
    return prefilling.run(
        form,
        subject_id=personal_id,
        actor_id=personal_id,
        party_ids={role: personal_id},
        only=f"party:{role}",
        dossier=dossier,
    )


def validate(
    form: Form,
    data: dict[str, Any],
    prefill: Prefill | None,
    *,
    partial: bool = False,
    parties_pending: bool = False,
) -> dict[str, Any]:
    """Cleaned data (types coerced, hidden fields dropped, read-only registry values taken
    from `prefill`), or FormInvalid. `partial=True` (drafts): types and formats only.
    `parties_pending=True`: the other parties' registry fields are left for them to fill
    by confirming (whatever the applicant typed there is dropped, none is required)."""
    return validation.validate(
        form, data, prefill, partial=partial, parties_pending=parties_pending
    )


def json_schema(form: Form) -> dict[str, Any]:
    """The dossier data of `form` as a JSON Schema 2020-12 document."""
    return _json_schema(form)


def check_definition(definition: Any) -> list[str]:
    """Every problem of a form definition as `<JSON path>: reason`; [] when it is valid."""
    return [f"{where}: {why}" for where, why in definitions.check(definition)]


# --- exchange access -------------------------------------------------------------------------
def needed_grants() -> dict[str, set[str]]:
    """What the stored forms read: data service → purposes `thu-tuc:<code>`. Grants come only
    from the data owners' declared file; the exchange's system check compares the two."""
    needed: dict[str, set[str]] = {}
    for row in FormDefinition.objects.only("procedure_code", "procedure_version", "definition"):
        form = _form(row)
        for service in form.services():
            needed.setdefault(service, set()).add(form.purpose)
    return needed


# --- import ----------------------------------------------------------------------------------
def _load(path_or_data: Any) -> Any:
    if isinstance(path_or_data, str | Path) and not (
        isinstance(path_or_data, str) and path_or_data.lstrip().startswith(("{", "["))
    ):
        path = Path(path_or_data)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise FormImportError([f"{path}: không đọc được tệp ({exc})"]) from exc
    elif isinstance(path_or_data, str):
        text = path_or_data
    else:
        return path_or_data
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise FormImportError(
            [f"JSON sai cú pháp ở dòng {exc.lineno}, cột {exc.colno}: {exc.msg}"]
        ) from exc


def _definitions(data: Any) -> list[tuple[Any, str]]:
    """The definitions in the file, each with its JSON path."""
    if isinstance(data, list):
        return [(item, f"$[{i}]") for i, item in enumerate(data)]
    if isinstance(data, dict) and "forms" in data:
        if data.get("format", FILE_FORMAT) != FILE_FORMAT:
            raise FormImportError([f"$.format: phải là '{FILE_FORMAT}'"])
        if set(data) - {"format", "forms"}:
            extra = ", ".join(sorted(set(data) - {"format", "forms"}))
            raise FormImportError([f"$: thuộc tính không được phép: {extra}"])
        if not isinstance(data["forms"], list):
            raise FormImportError(["$.forms: phải là danh sách"])
        return [(item, f"$.forms[{i}]") for i, item in enumerate(data["forms"])]
    if isinstance(data, dict) and "procedure" in data:
        return [(data, "$")]
    raise FormImportError(
        [f"$: cần {{'format': '{FILE_FORMAT}', 'forms': [...]}} hoặc danh sách biểu mẫu"]
    )


def import_forms(path_or_data: Any, *, actor: str) -> int:
    """Import form definitions (a file path, JSON text, or the parsed data) and attach each
    to its procedure's current version; all or nothing. Returns how many were created or
    changed (the same content again changes nothing)."""
    items = _definitions(_load(path_or_data))
    errors: list[str] = []
    accepted: list[tuple[str, int, dict[str, Any]]] = []
    seen: set[str] = set()
    for index, (item, root) in enumerate(items):
        code = item.get("procedure") if isinstance(item, dict) else None
        label = code if isinstance(code, str) else f"biểu mẫu #{index + 1}"
        problems = definitions.check(item)
        errors.extend(f"{label}: {root}{where[1:]}: {why}" for where, why in problems)
        if problems:
            continue
        assert isinstance(code, str)
        if code in seen:
            errors.append(f"{code}: {root}.procedure: thủ tục có hai biểu mẫu trong tệp")
            continue
        seen.add(code)
        try:
            version = _current_version(code)
        except NotFound:
            errors.append(f"{code}: {root}.procedure: không có thủ tục {code} đang áp dụng")
            continue
        accepted.append((code, version, item))
    if errors:
        raise FormImportError(errors)
    changed = 0
    with transaction.atomic():
        for code, version, item in accepted:
            changed += _store(code, version, item, actor)
    return changed


def _store(code: str, version: int, definition: dict[str, Any], actor: str) -> int:
    digest = content_hash(definition)
    row = FormDefinition.objects.filter(procedure_code=code, procedure_version=version).first()
    if row is not None and row.content_hash == digest:
        return 0
    if row is None:
        row = FormDefinition(procedure_code=code, procedure_version=version)
    row.definition = definition
    row.content_hash = digest
    created = row.pk is None
    row.save()
    audit.record(
        actor=actor,
        action="eforms.form_created" if created else "eforms.form_changed",
        target_type="form",
        target_id=f"{code}@{version}",
        data={"content_hash": digest},
    )
    return 1


def procedure_version_exists(procedure_code: str, procedure_version: int) -> bool:
    from motcua.catalog.models import ProcedureVersion  # read-only: no selector by version

    return ProcedureVersion.objects.filter(
        procedure__code=procedure_code, version=procedure_version
    ).exists()


@transaction.atomic
def save_definition(
    procedure_code: str, procedure_version: int, definition: Any, *, actor: str
) -> FormDefinition:
    """Store one definition for a given procedure version (the admin's edit), after checking
    it. Grants for what it reads come from the data owners, not from here."""
    problems = check_definition(definition)
    if isinstance(definition, dict) and definition.get("procedure") not in (None, procedure_code):
        problems.append(f"$.procedure: phải là {procedure_code} (mã thủ tục của biểu mẫu)")
    if not procedure_version_exists(procedure_code, procedure_version):
        problems.append(f"$: thủ tục {procedure_code} không có phiên bản {procedure_version}")
    if problems:
        raise FormImportError([f"{procedure_code}: {p}" for p in problems])
    _store(procedure_code, procedure_version, definition, actor)
    return FormDefinition.objects.get(
        procedure_code=procedure_code, procedure_version=procedure_version
    )
