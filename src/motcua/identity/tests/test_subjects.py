import datetime

import pytest

from motcua.core.errors import Conflict, InvalidInput
from motcua.identity import services
from motcua.identity.models import Account, Official
from motcua.identity.testing import PASSWORD, make_person

pytestmark = pytest.mark.django_db


def test_person_enrolment_checks_the_id_against_birth_date_and_sex():
    with pytest.raises(InvalidInput):
        make_person(birth_date=datetime.date(1986, 1, 1))
    with pytest.raises(InvalidInput):
        make_person(sex="female")
    person = make_person(birth_date=datetime.date(1985, 3, 12), sex="male")
    assert person.kind == Account.Kind.PERSON and person.person.birth_date.year == 1985


def test_a_personal_id_has_one_account():
    make_person()
    with pytest.raises(Conflict):
        make_person()


def test_organisation_branch_code_is_normalised():
    account = services.enrol_organisation(
        enterprise_code="0101234567001", name="Chi nhánh Demo", password=PASSWORD
    )
    assert account.username == "0101234567-001"
    assert account.organisation.tax_code == "0101234567-001"


def test_official_is_a_person_with_agency_roles_and_units(units_loaded, db):
    person = make_person(personal_id="038090001122", full_name="Lê Minh Cường")
    official = services.appoint_official(
        personal_id=person.username,
        agency_code="01.00070.tthcc",
        roles=["one_stop_officer", "specialist"],
        unit_codes=["00070"],
    )
    assert Official.objects.get(account=person) == official
    assert official.roles == ["one_stop_officer", "specialist"]


def test_official_needs_a_real_agency_and_known_roles(units_loaded, db):
    person = make_person()
    with pytest.raises(InvalidInput):
        services.appoint_official(personal_id=person.username, agency_code="99.x", roles=["leader"])
    with pytest.raises(InvalidInput):
        services.appoint_official(
            personal_id=person.username, agency_code="01.00070.tthcc", roles=["king"]
        )


def test_admin_site_works_with_the_account_model(admin_client):
    assert admin_client.get("/admin/identity/account/").status_code == 200
    assert admin_client.get("/admin/identity/account/add/").status_code == 200
