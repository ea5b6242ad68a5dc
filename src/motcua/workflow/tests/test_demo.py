"""Demo officials for people trying MotCua, and the table that lists them."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command

from motcua.identity import identifiers
from motcua.workflow import demo, services

pytestmark = pytest.mark.django_db


def test_demo_officials_have_valid_unique_ids_in_every_role():
    people = demo.demo_officials()
    assert len({p.personal_id for p in people}) == len(people)
    for person in people:
        parsed = identifiers.parse_personal_id(person.personal_id)
        assert parsed.birth_year == person.birth_date.year and parsed.sex == person.sex
    for province, _birth, ward in demo.DEMO_PLACES:
        roles = {p.role for p in people if p.agency_code.startswith(f"{province}.")}
        assert {"one_stop_officer", "specialist", "leader"} <= roles
        assert any(p.agency_code == f"{province}.so-tp" for p in people)
        assert any(p.agency_code == f"{province}.{ward}.tthcc" for p in people)


def test_ensure_demo_officials_is_idempotent_and_listed(world, tmp_path, settings):
    settings.VAR_DIR = tmp_path
    path, created = demo.ensure_demo_officials()
    assert created == len(demo.demo_officials())
    assert demo.ensure_demo_officials()[1] == 0
    passwords = json.loads(path.read_text())
    first = demo.demo_officials()[0]
    assert first.personal_id in passwords
    ref = services.official_ref(first.personal_id)
    assert ref.holds(first.role, first.agency_code)
    out = StringIO()
    call_command("demo_accounts", stdout=out)
    text = out.getvalue()
    assert "CÁN BỘ, CÔNG CHỨC" in text and "Số định danh" in text
    assert first.personal_id in text and "Cán bộ một cửa" in text
    assert passwords[first.personal_id] not in text  # only with --show-passwords


def test_an_official_of_a_removed_agency_is_listed_by_code_and_a_broken_database_is_not(
    world, tmp_path, settings, monkeypatch
):
    from django.db import OperationalError

    from motcua.core.errors import NotFound
    from motcua.units import selectors as units

    settings.VAR_DIR = tmp_path
    demo.ensure_demo_officials()
    first = demo.demo_officials()[0]

    def removed(code):
        raise NotFound(f"Không có cơ quan, đơn vị mã {code}.")

    monkeypatch.setattr(units, "get_agency", removed)
    assert first.personal_id in demo.accounts_table()

    def database_down(code):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(units, "get_agency", database_down)
    with pytest.raises(OperationalError):
        demo.accounts_table()
