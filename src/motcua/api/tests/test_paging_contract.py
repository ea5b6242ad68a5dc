"""Every list operation of the API pages the same way: the committed contract says so.

An operation whose JSON answer is an array, or an object holding an array, must answer a
`Page` ({total, items, limit, offset}) and take `limit` and `offset`, so that no client
mistakes a cut list for the whole one. The arrays that are parts of one resource, not lists
to page, are named below with the reason."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

CONTRACT = Path(__file__).resolve().parents[1] / "openapi.json"
PAGE_FIELDS = {"total": "integer", "items": "array", "limit": "integer", "offset": "integer"}

# (schema, property): arrays inside one resource, bounded by that resource, never a list
# that a client pages through.
PARTS_OF_ONE_RESOURCE = {
    # one dossier (at the counter, for its applicant, in the back office): its components,
    # files, history and what it still lacks
    ("CounterDossierOut", "components"),
    ("CounterDossierOut", "needs_consent"),
    ("CounterDossierOut", "problems"),
    ("DossierDetailOut", "components"),
    ("DossierDetailOut", "files"),
    ("DossierDetailOut", "missing_components"),
    ("DossierDetailOut", "needs_consent"),
    ("DossierDetailOut", "pending_parties"),
    ("DossierDetailOut", "timeline"),
    ("CaseOut", "allowed_actions"),
    ("CaseOut", "files"),
    ("CaseOut", "tasks"),
    ("CaseOut", "timeline"),
    # one integrated-service application: its member dossiers (a handful) and history
    ("BundleOut", "members"),
    ("BundleOut", "timeline"),
    # the hashes of the pages of one scanned paper
    ("DigitizationOut", "page_hashes"),
    # one draft awaiting its signer: its recipients and the names of its attached files
    ("EdocDraftOut", "attachments"),
    ("EdocDraftOut", "recipients"),
    # one official document: its recipients and their deliveries, its attached files
    ("EdocDocumentOut", "deliveries"),
    ("EdocDocumentOut", "recipients"),
    ("ContentOut", "files"),
    # one mandate's procedures; one official's roles
    ("MandateOut", "scope"),
    ("OfficialOut", "roles"),
    # one unit's five indexes of Decision 766 and the reasons of its colour
    ("UnitOut", "indexes"),
    ("UnitOut", "reasons"),
    # one procedure: its components, fees, legal basis, levels, members of a bundle
    ("ProcedureOut", "components"),
    ("ProcedureOut", "fees"),
    ("ProcedureOut", "legal_basis"),
    ("ProcedureOut", "levels"),
    ("ProcedureOut", "member_details"),
    ("ProcedureOut", "members"),
    # one procedure's form: the consents it needs and what is wrong with the data given
    ("FormOut", "needs_consent"),
    ("FormOut", "problems"),
    # the quality report: one entry per national database (seven), each with its six rules
    ("ReportOut", "registries"),
}


def _contract() -> dict[str, Any]:
    return json.loads(CONTRACT.read_text(encoding="utf-8"))


def _schema(contract: dict[str, Any], schema: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    ref = schema.get("$ref", "")
    if ref:
        name = ref.rsplit("/", 1)[-1]
        return name, contract["components"]["schemas"][name]
    return "(inline)", schema


def _is_array(prop: dict[str, Any]) -> bool:
    return prop.get("type") == "array" or any(
        option.get("type") == "array" for option in prop.get("anyOf", [])
    )


def _json_answers(contract: dict[str, Any]):
    for path, operations in contract["paths"].items():
        for method, operation in operations.items():
            for status, response in operation.get("responses", {}).items():
                if not status.startswith("2"):
                    continue
                content = response.get("content", {}).get("application/json")
                if content:
                    where = f"{method.upper()} {path} {status}"
                    yield where, operation, *_schema(contract, content["schema"])


def _is_page(schema: dict[str, Any]) -> bool:
    props = schema.get("properties", {})
    return all(props.get(name, {}).get("type") == kind for name, kind in PAGE_FIELDS.items())


def paging_faults(contract: dict[str, Any]) -> tuple[list[str], set[tuple[str, str]], int]:
    """What in `contract` breaks the rule, the allowed arrays met, and how many Pages."""
    wrong: list[str] = []
    used: set[tuple[str, str]] = set()
    pages = 0
    for where, operation, name, schema in _json_answers(contract):
        if schema.get("type") == "array":
            wrong.append(f"{where}: a bare array, not a Page")
            continue
        props = schema.get("properties", {})
        if _is_page(schema):
            pages += 1
            query = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
            if not {"limit", "offset"} <= query:
                wrong.append(f"{where}: a Page without the limit and offset parameters")
            extra = [k for k, v in props.items() if k != "items" and _is_array(v)]
            wrong += [f"{where}: {name}.{k} is a second, unpaged array" for k in extra]
            continue
        for key, prop in props.items():
            if _is_array(prop):
                if (name, key) in PARTS_OF_ONE_RESOURCE:
                    used.add((name, key))
                else:
                    wrong.append(f"{where}: {name}.{key} is an array but {name} is not a Page")
    return wrong, used, pages


def test_every_list_operation_answers_a_page_and_takes_limit_and_offset():
    wrong, used, pages = paging_faults(_contract())
    assert wrong == []
    assert pages >= 20
    assert PARTS_OF_ONE_RESOURCE - used == set(), "allowed arrays no operation answers any more"


def test_the_check_refuses_a_bare_array_an_object_hiding_a_list_and_an_unpaged_page():
    contract = {
        "paths": {
            "/bare": {"get": {"responses": {"200": {"content": {"application/json": {
                "schema": {"type": "array", "items": {"type": "string"}}}}}}}},
            "/hidden": {"get": {"responses": {"200": {"content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Hidden"}}}}}}},
            "/stuck": {"get": {"parameters": [{"name": "limit", "in": "query"}],
                "responses": {"200": {"content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Page_X_"}}}}}}},
        },
        "components": {"schemas": {
            "Hidden": {"type": "object", "properties": {
                "total": {"type": "integer"}, "ids": {"type": "array"}}},
            "Page_X_": {"type": "object", "properties": {
                "total": {"type": "integer"}, "items": {"type": "array"},
                "limit": {"type": "integer"}, "offset": {"type": "integer"}}},
        }},
    }  # fmt: skip
    wrong, _used, _pages = paging_faults(contract)
    assert wrong == [
        "GET /bare 200: a bare array, not a Page",
        "GET /hidden 200: Hidden.ids is an array but Hidden is not a Page",
        "GET /stuck 200: a Page without the limit and offset parameters",
    ]
