"""Result templates are data: every file loads, and each named template renders every row
from the example data of its procedure's form."""

from __future__ import annotations

import pytest

from motcua.results import rendering

NAMED = {
    "trich-luc-khai-sinh": "1.001193",
    "xac-nhan-cu-tru": "1.010041",
    "ly-lich-tu-phap": "3.000333",
    "ho-kinh-doanh": "1.001612",
    "giay-phep": "1.013225",
}


def test_every_template_file_loads_with_its_version():
    templates = rendering.all_templates()
    assert {code for code, _version in templates} == {*NAMED, "ket-qua-chung"}


def test_a_procedure_without_a_template_gets_the_generic_one():
    assert rendering.template_for("2.000815").code == "ket-qua-chung"
    assert rendering.template_for("1.001193").code == "trich-luc-khai-sinh"


def _examples(schema: dict) -> dict:
    """Every field's first example, prefilled (read-only) ones included, as a dossier holds
    them once the registry filled them in."""
    out: dict = {}
    for key, prop in schema.get("properties", {}).items():
        if "properties" in prop:
            out[key] = _examples(prop)
        elif prop.get("type") == "array" and isinstance(prop.get("items"), dict):
            out[key] = [_examples(prop["items"])]
        elif prop.get("examples"):
            out[key] = prop["examples"][0]
    return out


@pytest.mark.django_db
@pytest.mark.parametrize(("code", "procedure"), sorted(NAMED.items()))
def test_each_template_fills_its_rows_from_the_form(world, code, procedure):
    from motcua.eforms import services as eforms

    data = _examples(eforms.json_schema(eforms.form_for(procedure)))
    template = rendering.template_for(procedure)
    assert template.code == code
    context = {"code": "X-1", "issuer": "UBND", "issued_on": "01/01/2026", "result_type": "KQ"}
    rows = rendering.rows(template, {**data, "decision": {}}, context)
    empty = [label for label, value in rows if not value]
    assert not empty, f"{code}: rows without a value: {empty}"
    assert rendering.structured(template, {**data, "decision": {}}, context)
