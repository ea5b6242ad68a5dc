"""Every demo procedure has a real form; every form is valid against the meta-schema, and its
example document validates against its own JSON Schema and passes validate()."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator, FormatChecker

from motcua.eforms import services
from motcua.eforms.errors import FormInvalid

from .conftest import COMPLETE, DEMO_CATALOG, DEMO_FORMS

pytestmark = pytest.mark.django_db


def _definitions() -> list[dict]:
    return json.loads(DEMO_FORMS.read_text(encoding="utf-8"))["forms"]


def test_every_demo_procedure_has_exactly_one_form():
    procedures = json.loads(DEMO_CATALOG.read_text(encoding="utf-8"))["procedures"]
    assert len(procedures) == 63  # 59 procedures and 4 integrated services (issue 10)
    assert sorted(d["procedure"] for d in _definitions()) == sorted(p["code"] for p in procedures)


def test_every_demo_form_passes_the_meta_schema_and_the_checks():
    for definition in _definitions():
        assert services.check_definition(definition) == [], definition["procedure"]


def test_the_complete_forms_are_complete():
    by_code = {d["procedure"]: d for d in _definitions()}
    for code in COMPLETE:
        form = services.Form(code, 1, by_code[code])
        assert len(list(form.fields())) >= 20, code
        assert any(f.read_only for f in form.fields()), code
    birth = services.Form("1.001193", 1, by_code["1.001193"])
    assert {f.prefill["subject"] for f in birth.prefilled_fields()} == {"self", "spouse"}
    assert birth.field("other_parent.full_name").read_only
    marriage = services.Form("1.000894", 1, by_code["1.000894"])
    assert marriage.parties[0].personal_id_path == "spouse.personal_id"
    assert marriage.field("applicant.marital_status").prefill["service"] == (
        "population.person.family"
    )
    criminal = services.Form("3.000333", 1, by_code["3.000333"])
    assert criminal.group("residences").repeated
    household = services.Form("1.001612", 1, by_code["1.001612"])
    assert household.group("members").repeated and household.group("sectors").min_items == 1


def test_every_example_fits_its_schema_and_passes_validation(all_forms):
    for definition in _definitions():
        form = services.form_for(definition["procedure"])
        schema = services.json_schema(form)
        Draft202012Validator.check_schema(schema)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        example = services.example_document(form)
        errors = list(
            Draft202012Validator(schema, format_checker=FormatChecker()).iter_errors(example)
        )
        assert errors == [], (form.procedure_code, [e.message for e in errors])
        cleaned = services.validate(form, example, services.example_prefill(form))
        assert cleaned, form.procedure_code


def test_the_schema_marks_typed_and_registry_fields(forms):
    form = services.form_for("1.001193")
    schema = services.json_schema(form)
    applicant = schema["properties"]["applicant"]["properties"]
    assert applicant["full_name"]["readOnly"] is True
    assert applicant["full_name"]["title"] == "Họ, chữ đệm và tên"
    assert applicant["full_name"]["x-prefill"]["source"] == "Cơ sở dữ liệu quốc gia về dân cư"
    child = schema["properties"]["child"]
    assert child["properties"]["full_name"]["examples"] == ["Nguyễn Minh Khang"]
    assert "readOnly" not in child["properties"]["full_name"]
    assert "full_name" in child["required"] and "full_name" not in schema["properties"][
        "applicant"
    ].get("required", [])
    for group in schema["properties"].values():
        fields = group["items"]["properties"] if group["type"] == "array" else group["properties"]
        assert all(field.get("examples") for field in fields.values())


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)


def _mutated(base: dict, group: str, key: str, value: object) -> dict:
    doc = json.loads(json.dumps(base))
    section = doc.get(group)
    if isinstance(section, list) and section:
        section[0][key] = value
    elif isinstance(section, dict):
        section[key] = value
    else:
        doc[group] = value
    return doc


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_the_validator_only_ever_raises_form_invalid(forms, data):
    code = data.draw(st.sampled_from(COMPLETE))
    form = services.form_for(code)
    prefill = services.example_prefill(form)
    base = services.example_document(form)
    fields = list(form.fields())
    mode = data.draw(st.integers(0, 2))
    if mode == 0:
        doc = data.draw(json_values)
    elif mode == 1:
        field = data.draw(st.sampled_from(fields))
        doc = _mutated(base, field.group.key, field.key, data.draw(json_values))
    else:
        doc = _mutated(
            base,
            data.draw(st.sampled_from([g.key for g in form.groups()] + ["x"])),
            data.draw(st.text(max_size=8)),
            data.draw(json_values),
        )
    for partial in (False, True):
        try:
            cleaned = services.validate(form, doc, prefill, partial=partial)
        except FormInvalid as exc:
            assert exc.errors and all(isinstance(m, str) for m in exc.errors.values())
        else:
            json.dumps(cleaned)  # cleaned data is plain JSON
