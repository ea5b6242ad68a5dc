"""The dossiers' test world (units, demo catalog and forms, a family in the registries) plus
the demo processes, officials at a few units and a stand-in for the results service."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest

from motcua.dossiers.tests.conftest import world  # noqa: F401 - the shared fixture

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "demo_processes.json"


@pytest.fixture
def processes(world):  # noqa: F811 - pytest fixture injection
    from motcua.workflow import services

    services.import_processes(FIXTURE.read_text(encoding="utf-8"), actor="test")


@pytest.fixture
def results(monkeypatch):
    """A stand-in for `motcua.results.services` (built by another engineer)."""
    issued: list[tuple[str, str, dict | None]] = []
    module = types.ModuleType("motcua.results.services")

    def issue_for_dossier(code, *, signer_personal_id, data=None):
        issued.append((code, signer_personal_id, data))
        return {"code": code}

    def sign_pdf(pdf_bytes, *, signer_personal_id):
        return pdf_bytes + b"%signed"

    module.issue_for_dossier = issue_for_dossier  # type: ignore[attr-defined]
    module.sign_pdf = sign_pdf  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "motcua.results.services", module)
    return issued


@pytest.fixture
def no_results(monkeypatch):
    """As if the results app had no service module yet."""
    from motcua.workflow import services

    monkeypatch.setattr(services, "_results_function", lambda name: None)
