"""A person's contact points: normalised, verified before use, reset when changed."""

from __future__ import annotations

import pytest

from motcua.core.errors import InvalidInput
from motcua.notify import services

from .conftest import PERSON_ID

pytestmark = pytest.mark.django_db


def test_a_mobile_number_is_stored_in_international_form():
    address = services.set_address(PERSON_ID, phone="091.234.5678", actor="test")
    assert address.phone == "+84912345678" and not address.phone_verified


@pytest.mark.parametrize("phone", ["12345", "0212345678", "+1 415 555 0100", "09123456789"])
def test_a_number_that_is_not_a_vietnamese_mobile_is_refused(phone):
    with pytest.raises(InvalidInput):
        services.set_address(PERSON_ID, phone=phone, actor="test")


def test_changing_a_verified_email_makes_it_unverified():
    services.set_address(PERSON_ID, email="an@example.vn", email_verified=True, actor="test")
    address = services.set_address(PERSON_ID, email="An.Moi@Example.vn", actor="test")
    assert (address.email, address.email_verified) == ("an.moi@example.vn", False)


def test_contact_points_are_used_only_once_verified():
    services.set_address(PERSON_ID, email="moi@example.vn", phone="0912345678", actor="test")
    assert services.contact_points(PERSON_ID) == services.Contacts()

    services.set_address(
        PERSON_ID, email_verified=True, phone_verified=True, email=None, actor="test"
    )
    # `email=None` leaves the address; the flag applies to it.
    assert services.contact_points(PERSON_ID) == services.Contacts(
        email="moi@example.vn", phone="+84912345678"
    )
