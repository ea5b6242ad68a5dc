"""The dossiers' test world (units, demo catalog and forms, a family in the registries) plus
the demo processes and the real results app signing with its demo CA."""

from __future__ import annotations

from pathlib import Path

import pytest

from motcua.dossiers.tests.conftest import world  # noqa: F401 - the shared fixture

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "demo_processes.json"


@pytest.fixture
def processes(world):  # noqa: F811 - pytest fixture injection
    from motcua.workflow import services

    services.import_processes(FIXTURE.read_text(encoding="utf-8"), actor="test")


@pytest.fixture(scope="session")
def ca_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The results app's demo CA, made once a session (per xdist worker)."""
    return tmp_path_factory.mktemp("workflow-ca")


@pytest.fixture(autouse=True)
def _demo_ca(settings, ca_folder: Path) -> None:
    """Results are issued and letters signed by the real results service, with the demo CA's
    local keys and no timestamp authority."""
    settings.RESULTS_CA_DIR = ca_folder
    settings.RESULTS_SIGNING_PROVIDER = "local"
    settings.RESULTS_TSA_URL = ""


@pytest.fixture
def results():
    """The results issued so far: (dossier code, signer's personal ID), oldest first, each a
    valid result whose PAdES signature checks out."""
    from motcua.results import services as results_service
    from motcua.results.models import ResultDocument

    def issued() -> list[tuple[str, str]]:
        found = []
        for document in ResultDocument.objects.order_by("issued_at", "dossier_code"):
            assert results_service.result_of(document.dossier_code) == document
            with document.file.open("rb") as f:
                check = results_service.verify_pdf(f.read(), expected=document)
            assert check.valid, check.reasons
            found.append((document.dossier_code, document.signer_personal_id))
        return found

    return issued
