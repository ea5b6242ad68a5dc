"""The authorization matrix: every operation of the committed contract (openapi.json) against
every kind of caller, with the answer expected in `authz_matrix.csv`.

A cell says how the operation must answer that caller: `ok` (served: 2xx, or a 4xx about the
request itself such as 400/409/415 — anything but 401, 403, 404 and 5xx), `401`, `403` or
`404`. Path parameters name objects of "citizen" and of "the unit" (the ward's service
centre), so `other_citizen` and the officials of another unit or role are the attacks. Every
call runs in a savepoint rolled back at once, so the callers do not disturb one another.

An operation without a row fails with the line to add; write what each caller *should* get
and the test says where the code differs."""

from __future__ import annotations

import csv
import datetime
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone

API = Path(__file__).resolve().parents[1]
CONTRACT = json.loads((API / "openapi.json").read_text(encoding="utf-8"))
MATRIX = Path(__file__).with_name("authz_matrix.csv")

CALLERS = (
    "anonymous",
    "citizen",
    "other_citizen",
    "level1",  # the citizen's own token, issued at assurance level 1
    "openid_only",  # a third-party client the citizen let only log in
    "unit_official",  # one-stop officer of the unit
    "other_unit_official",  # one-stop officer of another unit
    "other_role_official",  # the unit's digital technology team member (processes nothing)
    "clerk",
    "leader",
    "monitor",
    "admin",
)
CELLS = {"ok", "401", "403", "404"}
OPERATIONS = sorted(
    (method.upper(), path) for path, ops in CONTRACT["paths"].items() for method in ops
)


def read_matrix() -> dict[tuple[str, str], dict[str, str]]:
    rows: dict[tuple[str, str], dict[str, str]] = {}
    with MATRIX.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(line for line in handle if not line.startswith("#")):
            key = (row["method"].strip().upper(), row["path"].strip())
            rows[key] = {caller: (row.get(caller) or "").strip() for caller in CALLERS}
    return rows


ROWS = read_matrix()


def _row_template(method: str, path: str) -> str:
    return ",".join([method, path, *["?"] * len(CALLERS)])


def test_every_operation_of_the_contract_has_a_row():
    missing = [op for op in OPERATIONS if op not in ROWS]
    stale = [op for op in ROWS if op not in OPERATIONS]
    assert not missing, (
        f"{MATRIX.name} has no row for {len(missing)} operation(s); add (one cell per caller: "
        f"{', '.join(CALLERS)}; each ok, 401, 403 or 404):\n"
        + "\n".join(_row_template(*op) for op in missing)
    )
    assert not stale, f"{MATRIX.name} has rows for operations not in openapi.json: {stale}"


def test_every_cell_is_a_known_answer():
    bad = [
        f"{method} {path} {caller}={value!r}"
        for (method, path), row in ROWS.items()
        for caller, value in row.items()
        if value not in CELLS
    ]
    assert not bad, f"cells must be one of {sorted(CELLS)}: {bad}"


# --- the world: one citizen's data in one unit, the callers' tokens ---------------------------


@dataclass
class World:
    headers: dict[str, dict[str, str]]
    params: dict[str, str]


OFFICIALS = {
    "unit_official": ("001080000101", "unit", ["one_stop_officer"]),
    "other_unit_official": ("079080000102", "other", ["one_stop_officer"]),
    "other_role_official": ("001080000103", "unit", ["digital_team"]),
    "clerk": ("001080000104", "unit", ["clerk"]),
    "leader": ("001080000105", "unit", ["leader"]),
    "monitor": ("001080000106", "unit", ["monitor"]),
    "admin": ("001080000107", "unit", ["admin"]),
}


def _build() -> World:
    from motcua.dossiers import services as dossiers
    from motcua.dossiers.tests import conftest as dossier_world
    from motcua.dossiers.tests.helpers import attach_required, example_data
    from motcua.eforms import services as eforms
    from motcua.exchange import services as exchange
    from motcua.identity import services as identity
    from motcua.identity.testing import PARENT_ID, bearer, make_person, registry_family
    from motcua.wallet import services as wallet
    from motcua.workflow import services as workflow
    from motcua.workflow.models import Task

    dossier_world._ensure_units()
    dossier_world._catalog_and_forms()
    from motcua.registries.population.models import Person

    family = registry_family()
    Person.objects.filter(pk=family["parent"].pk).update(
        permanent_commune_code=dossier_world.WARD, permanent_address="Số 1 phố Tràng Tiền"
    )
    exchange.load_grants(actor="test")  # the data owners' declared grants
    fixture = Path(workflow.__file__).parent / "fixtures" / "demo_processes.json"
    workflow.import_processes(fixture.read_text(encoding="utf-8"), actor="test")

    citizen = make_person(PARENT_ID)
    other = make_person(dossier_world.STRANGER_ID, full_name="Lê Văn Cường")
    applicant = dossiers.Applicant(subject_id=PARENT_ID, actor_id=PARENT_ID, name="Nguyễn Văn An")
    data = example_data(eforms.json_schema(eforms.form_for("1.010041")))
    draft = dossiers.create_draft(applicant, "1.010041", dossier_world.WARD_CENTRE, data)
    attach_required(applicant, draft)
    dossier = dossiers.submit(applicant, draft.reference)
    task = Task.objects.filter(dossier_code=dossier.code).first()
    document = wallet.add_document(
        owner_id=PARENT_ID,
        title="Giấy xác nhận cư trú",
        issuer_name="UBND phường Hoàn Kiếm",
        issued_on=datetime.date(2025, 1, 1),
        content=b"{}",
        filename="cu-tru.json",
        content_type="application/json",
        key="authz:document",
        actor="test",
    )
    message = wallet.send_message(
        recipient_id=PARENT_ID, title="Thông báo", body=".", key="authz:message", actor="test"
    )
    mandate = identity.create_mandate(
        citizen,
        other.username,
        ["*"],
        timezone.now() + datetime.timedelta(days=30),
        level=2,
        auth_time=timezone.now(),
    )
    consent = exchange.grant_consent(PARENT_ID, "1.001193")

    def token(account: Any, **kwargs: Any) -> dict[str, str]:
        return {"HTTP_AUTHORIZATION": f"Bearer {bearer(account, **kwargs)}"}

    headers = {
        "anonymous": {},
        "citizen": token(citizen),
        "other_citizen": token(other),
        "level1": token(citizen, level=1),
        "openid_only": token(citizen, scope="openid", client_id="third-party"),
    }
    units = {"unit": dossier_world.WARD_CENTRE, "other": dossier_world.OTHER_WARD_CENTRE}
    for caller, (personal_id, unit, roles) in OFFICIALS.items():
        account = make_person(personal_id, full_name="Cán Bộ Thử")
        identity.appoint_official(
            personal_id=personal_id,
            agency_code=units[unit],
            roles=roles,
            unit_codes=[dossier_world.WARD] if unit == "unit" else [],
            actor="test",
        )
        headers[caller] = token(
            account, scope="openid profile official", client_id="motcua-backoffice"
        )
    params = {
        "reference": dossier.reference,
        "dossier_code": dossier.code,
        "procedure_code": "1.010041",
        "unit_code": dossier_world.WARD,
        "province_code": "01",
        "personal_id": PARENT_ID,
        "consent_id": str(consent.pk),
        "wallet_document_id": str(document.pk),
        "message_id": str(message.pk),
        "mandate_id": str(mandate.pk),
        "task_id": str(task.pk if task else 999999),
        "agency_code": dossier_world.WARD_CENTRE,
        "service_id": "population.person.basic",
        "document_id": "00000000-0000-4000-8000-000000000000",  # an edoc of nobody
        "draft_id": "00000000-0000-4000-8000-000000000001",  # a draft of nobody
        "bundle_reference": "B-NONE",
        "index": "0",
    }
    return World(headers=headers, params=params)


@pytest.fixture(scope="module")
def world(units_loaded: None, django_db_blocker: Any) -> Any:
    """Built once for the module inside a transaction rolled back at the end."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield _build()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


# --- calling an operation --------------------------------------------------------------------

_PARAM = re.compile(r"\{(\w+)\}")


def _param(path: str, name: str, params: dict[str, str]) -> str:
    """The value of a path parameter: which object `{code}` or `{document_id}` means depends on
    the path."""
    if name == "code":
        if path.startswith("/api/v1/procedures/"):
            return params["procedure_code"]
        if path.startswith("/api/v1/monitoring/units/"):
            return params["unit_code"]
        if path.startswith("/api/v1/units/provinces/"):
            return params["province_code"]
        return params["dossier_code"]
    if name == "document_id" and path.startswith("/api/v1/wallet/"):
        return params["wallet_document_id"]
    if name == "consent_id" and path.startswith("/api/v1/backoffice/"):
        return "999999"
    if name == "reference" and path.startswith("/api/v1/bundles/"):
        return params["bundle_reference"]
    return params[name]


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = CONTRACT["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _example(schema: dict[str, Any]) -> Any:
    """A small value of a schema: its example or default, else the simplest of its type."""
    schema = _resolve(schema)
    if schema.get("examples"):
        return schema["examples"][0]
    if "default" in schema:
        return schema["default"]
    if schema.get("enum"):
        return schema["enum"][0]
    if "anyOf" in schema:
        return _example(schema["anyOf"][0])
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        return {
            name: _example(prop)
            for name, prop in schema.get("properties", {}).items()
            if name in schema.get("required", [])
        }
    return {"string": "x", "integer": 1, "number": 1, "boolean": False, "array": []}.get(str(kind))


def _bodies(params: dict[str, str]) -> dict[tuple[str, str], dict[str, Any]]:
    """Real bodies where a made-up one would be refused as invalid before the caller's rights
    are looked at."""
    from motcua.dossiers.tests.conftest import STRANGER_ID, WARD_CENTRE

    until = (timezone.now() + datetime.timedelta(days=30)).isoformat()
    return {
        ("POST", "/api/v1/identity/mandates"): {
            "grantee": STRANGER_ID,
            "scope": ["*"],
            "valid_until": until,
        },
        ("POST", "/api/v1/dossiers"): {"procedure": "1.010041", "receiving_unit": WARD_CENTRE},
        ("POST", "/api/v1/backoffice/dossiers/{code}/actions"): {"action": "accept"},
    }


def _body(operation: dict[str, Any]) -> tuple[Any, str] | None:
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        return json.dumps(_example(content["application/json"]["schema"])), "application/json"
    if content:
        return {}, ""  # multipart: an empty form (the test client encodes it)
    return None


def _call(client: Client, method: str, path: str, world: World) -> int:
    url = _PARAM.sub(lambda m: _param(path, m.group(1), world.params), path)
    operation = CONTRACT["paths"][path][method.lower()]
    body = _body(operation)
    real = _bodies(world.params).get((method, path))
    if real is not None:
        body = (json.dumps(real), "application/json")
    statuses = {}
    for caller in CALLERS:
        kwargs: dict[str, Any] = dict(world.headers[caller])
        if body is not None:
            data, content_type = body
            kwargs["data"] = data
            if content_type:
                kwargs["content_type"] = content_type
        with transaction.atomic():
            response = getattr(client, method.lower())(url, **kwargs)
            transaction.set_rollback(True)
        statuses[caller] = response.status_code
    return statuses  # type: ignore[return-value]


def _cell(status: int) -> str:
    if status in (401, 403, 404):
        return str(status)
    return "ok" if status < 500 else str(status)


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_operation_answers_each_caller_as_the_matrix_says(method, path, world):
    row = ROWS.get((method, path))
    if row is None:
        pytest.fail(
            f"{MATRIX.name}: no row for {method} {path}; add:\n{_row_template(method, path)}"
        )
    statuses = _call(Client(), method, path, world)
    wrong = [
        f"{caller}: expected {row[caller]}, got {status}"
        for caller, status in statuses.items()
        if _cell(status) != row[caller]
    ]
    observed = ",".join([method, path, *(_cell(statuses[c]) for c in CALLERS)])
    assert not wrong, f"{method} {path}:\n  " + "\n  ".join(wrong) + f"\nobserved: {observed}"
