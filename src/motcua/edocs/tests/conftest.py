"""Fixtures for the edocs tests: two agencies in different provinces (Hà Nội's and Hồ Chí Minh
City's Departments of Justice) and a third (Đà Nẵng's), each with a clerk, a leader and a
specialist; a demo CA in a temporary folder for the PAdES signatures."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

HANOI = "01.so-tp"
HCMC = "79.so-tp"
DANANG = "48.so-tp"


@dataclass(frozen=True)
class Staff:
    clerk: str
    leader: str
    specialist: str
    agency: str


def _ensure_units() -> None:
    from motcua.conftest import ensure_units

    ensure_units()  # put back after a transactional test's flush


def _staff(agency: str, prefix: str, serial: int) -> Staff:
    from motcua.identity import services as identity
    from motcua.identity.testing import make_person

    ids = {}
    for offset, (role, name) in enumerate(
        [("clerk", "Văn Thư"), ("leader", "Lãnh Đạo"), ("specialist", "Chuyên Viên")]
    ):
        pid = f"{prefix}08000{serial + offset:04d}"
        make_person(pid, full_name=f"{name} {agency}")
        identity.appoint_official(personal_id=pid, agency_code=agency, roles=[role], actor="test")
        ids[role] = pid
    return Staff(agency=agency, **ids)


@pytest.fixture(scope="session")
def edocs_ca(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("edocs-ca")


@pytest.fixture(autouse=True)
def _demo_ca(settings, edocs_ca: Path) -> None:
    settings.RESULTS_CA_DIR = edocs_ca
    settings.RESULTS_SIGNING_PROVIDER = "local"
    settings.RESULTS_TSA_URL = ""


@pytest.fixture
def hanoi(db, units_loaded) -> Staff:
    _ensure_units()
    return _staff(HANOI, "001", 5001)


@pytest.fixture
def hcmc(db, units_loaded) -> Staff:
    _ensure_units()
    return _staff(HCMC, "079", 6001)


@pytest.fixture
def danang(db, units_loaded) -> Staff:
    _ensure_units()
    return _staff(DANANG, "048", 7001)


def draft(to: list[str], signer: str, **extra):
    from motcua.edocs import services

    values = {
        "doc_type": "cong-van",
        "summary": "V/v phối hợp xác minh thông tin hộ tịch",
        "recipients": to,
        "signer_personal_id": signer,
        "signer_position": "Giám đốc",
        "body": "Đề nghị Quý cơ quan phối hợp xác minh.",
    }
    values.update(extra)
    return services.Draft(**values)


def me(personal_id: str):
    from motcua.edocs import services

    return services.official(personal_id)
