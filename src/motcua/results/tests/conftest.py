"""Fixtures for the results tests: a demo CA made once a session in a temporary folder, a
commune leader who signs, and dossiers built through the dossier services (the `world` of
the dossiers tests: units, the demo catalog and forms, a family in the registry)."""

from __future__ import annotations

from pathlib import Path

import pytest

from motcua.dossiers.tests.conftest import (  # noqa: F401 - the fixture is used by name
    MOTHER_ID,
    PARENT_ID,
    WARD_CENTRE,
    World,
    world,
)
from motcua.dossiers.tests.helpers import attach_required, example_data

LEADER_ID = "001075001234"
WARD_COMMITTEE = "01.00070.ubnd"  # the ward People's Committee, which decides
OFFICER_ID = "001080004321"
BIRTH = "1.001193"
RESIDENCE = "1.010041"


@pytest.fixture(scope="session")
def ca_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("results-ca")


@pytest.fixture(autouse=True)
def _demo_ca(settings, ca_folder: Path) -> None:
    settings.RESULTS_CA_DIR = ca_folder
    settings.RESULTS_SIGNING_PROVIDER = "local"
    settings.RESULTS_TSA_URL = ""
    settings.MOTCUA_PUBLIC_URL = "https://dichvucong.example.vn"


@pytest.fixture
def leader(world: World) -> str:  # noqa: F811
    """A leader (chairman) of the ward's People's Committee, who signs results."""
    from motcua.identity import services as identity
    from motcua.identity.testing import make_person

    make_person(LEADER_ID, full_name="Phạm Thị Lãnh Đạo")
    identity.appoint_official(personal_id=LEADER_ID, agency_code=WARD_COMMITTEE, roles=["leader"])
    return LEADER_ID


@pytest.fixture
def officer(world: World) -> str:  # noqa: F811
    from motcua.identity import services as identity
    from motcua.identity.testing import make_person

    make_person(OFFICER_ID, full_name="Đỗ Văn Một Cửa")
    identity.appoint_official(
        personal_id=OFFICER_ID, agency_code=WARD_CENTRE, roles=["one_stop_officer"]
    )
    return OFFICER_ID


def _consent(code: str) -> None:
    from motcua.dossiers.tests.conftest import CHILD_ID
    from motcua.exchange import services as exchange

    for person in (PARENT_ID, MOTHER_ID, CHILD_ID):
        exchange.grant_consent(person, f"thu-tuc:{code}", consumer="motcua-eforms")


def received_dossier(code: str = BIRTH, unit: str = WARD_CENTRE):
    """A dossier of the father's, submitted with its files, received and in processing."""
    from motcua.dossiers import services
    from motcua.eforms import services as eforms

    _consent(code)
    applicant = services.Applicant(subject_id=PARENT_ID, actor_id=PARENT_ID, name="Nguyễn Văn An")
    data = example_data(eforms.json_schema(eforms.form_for(code)))
    dossier = services.create_draft(applicant, code, unit, data)
    attach_required(applicant, dossier)
    dossier = services.submit(applicant, dossier.reference)
    services.receive(dossier.code, actor="officer")
    return services.advance(dossier.code, "processing", actor="officer")
