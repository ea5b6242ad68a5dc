"""An unknown receiving unit or residence is a clear answer; a broken database is not
disguised as one (it surfaces as the error it is)."""

from __future__ import annotations

import pytest
from django.db import OperationalError

from motcua.core.errors import InvalidInput, PermissionDenied
from motcua.dossiers import services
from motcua.dossiers.tests.conftest import PARENT_ID, WARD, WARD_CENTRE

PROCEDURE = "1.001193"


def _database_down(*args, **kwargs):
    raise OperationalError("could not connect to server")


def test_an_unknown_receiving_unit_is_refused_with_its_code(world):
    with pytest.raises(InvalidInput, match="Không có đơn vị tiếp nhận mã 01.99999.tthcc"):
        services.check_receiving_unit(PROCEDURE, "01.99999.tthcc")
    assert services.check_receiving_unit(PROCEDURE, WARD_CENTRE).code == WARD_CENTRE


def test_a_database_error_is_not_reported_as_an_unknown_receiving_unit(world, monkeypatch):
    monkeypatch.setattr(services.units, "get_agency", _database_down)
    with pytest.raises(OperationalError):
        services.check_receiving_unit(PROCEDURE, WARD_CENTRE)


def test_an_unknown_residence_commune_only_means_no_suggestion(world):
    assert services.suggested_units(PROCEDURE, "99999") == []
    assert services.suggested_units(PROCEDURE, WARD)


def test_a_database_error_is_not_reported_as_no_suggestion(world, monkeypatch):
    monkeypatch.setattr(services.units, "get_commune", _database_down)
    with pytest.raises(OperationalError):
        services.suggested_units(PROCEDURE, WARD)


def test_a_residence_the_exchange_refuses_only_means_no_suggestion(world, monkeypatch):
    from motcua.exchange import services as exchange

    assert services.residence_commune(PARENT_ID) == WARD

    def refused(*args, **kwargs):
        raise PermissionDenied("no grant")

    monkeypatch.setattr(exchange, "call", refused)
    assert services.residence_commune(PARENT_ID) == ""


def test_a_broken_exchange_is_not_reported_as_no_residence(world, monkeypatch):
    from motcua.exchange import services as exchange

    monkeypatch.setattr(exchange, "call", _database_down)
    with pytest.raises(OperationalError):
        services.residence_commune(PARENT_ID)
