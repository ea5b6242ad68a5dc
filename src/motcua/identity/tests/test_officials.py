"""The one check of who may act where, shared by workflow, edocs, the counter and monitoring."""

from __future__ import annotations

import pytest

from motcua.core.errors import PermissionDenied
from motcua.identity import officials
from motcua.identity import services as identity
from motcua.identity.models import Official
from motcua.identity.testing import make_person

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("units_loaded")]

HOME = "01.00070.tthcc"
SERVED = "01.00070.ubnd"


def appoint(personal_id: str, *roles: str, unit_codes: tuple[str, ...] = ()) -> None:
    make_person(personal_id, full_name="Trần Thị Bình")
    identity.appoint_official(
        personal_id=personal_id, agency_code=HOME, roles=roles, unit_codes=unit_codes
    )


def test_an_official_acts_in_their_roles_at_their_agency_and_the_agencies_they_serve():
    appoint("001080000801", "specialist", unit_codes=(SERVED, "01", "VN"))
    ref = officials.official_ref("001080000801")

    assert ref.holds("specialist", HOME) and ref.holds("specialist", SERVED)
    assert not ref.holds("leader", HOME)
    assert not ref.holds("specialist", "01.00099.ubnd")
    # a province or the nation watched is not an agency where they act
    assert ref.units == (HOME, SERVED)
    assert ref.name == "Trần Thị Bình"


def test_a_leader_leads_only_where_they_act():
    appoint("001080000802", "leader", unit_codes=(SERVED,))
    ref = officials.official_ref("001080000802")

    assert ref.is_leader_of(HOME) and ref.is_leader_of(SERVED)
    assert not ref.is_leader_of("01.00099.ubnd")
    assert ref.holds_any(("clerk", "leader"), HOME)
    assert ref.home_province == "01" and ref.home_commune == "00070"


def test_a_citizen_or_a_deactivated_official_is_refused_with_the_callers_message():
    make_person("001080000803")
    with pytest.raises(PermissionDenied):
        officials.official_ref("001080000803")

    appoint("001080000804", "clerk")
    account = Official.objects.get(account__username="001080000804").account
    account.is_active = False
    account.save(update_fields=["is_active"])
    with pytest.raises(PermissionDenied, match="văn bản"):
        officials.official_ref("001080000804", refusal="Chỉ cán bộ dùng văn bản.")


def test_officials_at_lists_the_active_holders_of_a_role_at_an_agency():
    appoint("001080000805", "specialist")
    appoint("001080000806", "specialist", "leader", unit_codes=(SERVED,))

    assert officials.officials_at(HOME, "specialist") == ["001080000805", "001080000806"]
    assert officials.officials_at(SERVED, "leader") == ["001080000806"]
