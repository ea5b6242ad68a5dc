import datetime as dt
import re

import pytest
from django.core.management import call_command

from motcua.registries import generator
from motcua.registries.generator import TABLES
from motcua.registries.models import (
    CivilEvent,
    Enterprise,
    GeneratorRun,
    Household,
    InjectedDefect,
    LegalRepresentative,
    Parcel,
    Person,
)
from motcua.units.models import Commune

pytestmark = pytest.mark.django_db


def _age(born: dt.date, on: dt.date) -> float:
    return (on - born).days / 365.25


def test_thousand_people_are_consistent_with_each_other(units_loaded):
    generator.generate(1000, seed=7, batch_size=250)
    people = {p.pk: p for p in Person.objects.all()}
    assert len(people) == 1000
    by_pid = {p.personal_id: p for p in people.values()}
    assert len(by_pid) == 1000
    communes = set(Commune.objects.values_list("code", flat=True))
    today = GeneratorRun.objects.get().as_of.date()
    pid_re = re.compile(r"^0(\d\d)([0-3])(\d\d)\d{6}$")
    for p in people.values():
        m = pid_re.match(p.personal_id)
        assert m, p.personal_id
        province, century_sex, yy = m.groups()
        assert int(yy) == p.birth_date.year % 100
        assert int(century_sex) == (0 if p.birth_date.year < 2000 else 2) + (p.sex == "F")
        assert Commune.objects.get(code=p.birth_place_code).province_id == province
        assert p.permanent_commune_code in communes
        assert p.birth_place_code in communes
        assert not p.temporary_commune_code or p.temporary_commune_code in communes
        for parent in (p.father_id, p.mother_id):
            if parent:
                assert _age(people[parent].birth_date, p.birth_date) >= 18
        if p.father_id:
            assert people[p.father_id].sex == "M"
        if p.mother_id:
            assert people[p.mother_id].sex == "F"
        if p.marital_status == "married" and p.status == "alive":
            spouse = people[p.spouse_id]
            assert spouse.spouse_id == p.pk and spouse.marital_status == "married"
            assert spouse.sex != p.sex
        if p.marital_status == "widowed":
            assert people[p.spouse_id].status == "dead"
        if p.status == "dead":
            assert p.death_date and p.death_date <= today
            assert CivilEvent.objects.filter(kind="death", subject_id=p.personal_id).count() == 1
        else:
            assert not CivilEvent.objects.filter(kind="death", subject_id=p.personal_id).exists()
    for event in CivilEvent.objects.filter(kind="birth"):
        person = by_pid[event.subject_id]
        assert event.event_date == person.birth_date
        assert event.father_id == (people[person.father_id].personal_id if person.father_id else "")
    for event in CivilEvent.objects.filter(kind="marriage"):
        a, b = by_pid[event.subject_id], by_pid[event.other_party_id]
        assert a.spouse_id == b.pk and b.spouse_id == a.pk
    for household in Household.objects.all():
        members = list(household.members.all())
        assert members and household.head_id in {m.pk for m in members}
        assert all(m.permanent_commune_code == household.commune_code for m in members)
        assert all(m.status == "alive" for m in members)
    assert Enterprise.objects.exists()
    for rep in LegalRepresentative.objects.all():
        person = by_pid[rep.personal_id]
        assert person.status == "alive" and _age(person.birth_date, today) >= 18
        assert rep.full_name == person.full_name
    for parcel in Parcel.objects.all():
        assert parcel.commune_code in communes
        if parcel.owner_kind == "person":
            assert parcel.owner_id in by_pid
        else:
            assert Enterprise.objects.filter(code=parcel.owner_id).exists()


def _snapshot() -> dict:
    out = {}
    for model in TABLES:
        fields = [f.attname for f in model._meta.concrete_fields]
        out[model.__name__] = sorted(model.objects.values_list(*fields))
    out["defects"] = sorted(InjectedDefect.objects.values_list("registry", "rule", "record_id"))
    return out


def _wipe() -> None:
    for model in reversed(TABLES):
        model.objects.all().delete()
    GeneratorRun.objects.all().delete()
    InjectedDefect.objects.all().delete()


def test_an_interrupted_run_resumes_to_the_same_data_as_one_run(units_loaded):
    run = generator.generate(400, seed=11, batch_size=100, defect_rate=0.02, max_batches=2)
    assert run.next_batch == 2 and run.finished_at is None
    assert Person.objects.count() == 200
    call_command(
        "generate_registries", people=400, seed=11, batch=100, defects=0.02, no_progress=True
    )
    resumed = _snapshot()
    as_of = GeneratorRun.objects.get().as_of
    _wipe()
    # One uninterrupted run with the same "now" as the first one.
    GeneratorRun.objects.create(
        seed=11, people=400, batch_size=100, defect_rate=0.02, as_of=as_of, batches=4
    )
    generator.generate(400, seed=11, batch_size=100, defect_rate=0.02)
    assert _snapshot() == resumed


def test_a_second_run_with_other_parameters_is_refused(units_loaded):
    generator.generate(50, seed=1, batch_size=50)
    from motcua.core.errors import Conflict

    with pytest.raises(Conflict):
        generator.generate(60, seed=2, batch_size=50)


@pytest.mark.postgres
def test_indexes_dropped_for_the_load_are_all_back(units_loaded):
    from django.db import connection

    def indexes() -> set[tuple[str, str]]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT tablename, indexdef FROM pg_indexes WHERE tablename LIKE 'registries_%%'"
            )
            return set(cursor.fetchall())

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    before = indexes()
    run = generator.generate(300, seed=3, batch_size=100, max_batches=1)
    assert run.deferred_ddl and indexes() < before
    run = generator.generate(300, seed=3, batch_size=100)
    assert run.deferred_ddl == [] and indexes() == before
