"""The dossiers' test world, plus helpers that run dossiers through their real services."""

from __future__ import annotations

from motcua.dossiers.tests.conftest import world  # noqa: F401 - the shared fixture
