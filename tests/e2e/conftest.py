"""Browser journeys: Playwright drives Debian's Chromium (/usr/bin/chromium, never a downloaded
browser) against `live_server`. Without that browser the journeys are skipped, so `make test`
passes on a laptop; CI installs it (.ci/run)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings

# Playwright's sync API runs an event loop in this thread; Django's ORM would otherwise refuse
# to run in it (SynchronousOnlyOperation).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from motcua.conftest import django_db_setup, ensure_units, units_loaded  # noqa: E402, F401
from motcua.dossiers.tests.conftest import World, world  # noqa: E402, F401
from motcua.identity.testing import CLIENT_SECRET, make_client  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
PORTAL_CLIENT = "portal-e2e"
TIMEOUT_MS = 15_000


NO_CHROMIUM = (
    "browser journeys need Debian's Chromium at /usr/bin/chromium "
    "(apt-get install chromium); CI installs it"
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip the journeys up front (before any database work) when there is no browser."""
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason=NO_CHROMIUM)
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(NO_CHROMIUM)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="vi-VN", accept_downloads=True)
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    # Anything the Content-Security-Policy blocked is a broken page: fail the journey on it.
    violations: list[str] = []
    tab.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    yield tab
    context.close()
    assert not violations, violations


@pytest.fixture
def units_present(transactional_db: None) -> None:
    """The real units and agencies. A transactional test's flush empties every table, so the
    session-wide `units_loaded` cannot be relied on here: put back when missing."""
    ensure_units()


@pytest.fixture
def journey_world(units_present: None, request: pytest.FixtureRequest) -> World:
    """The dossier tests' world (catalog, forms, the family in the registry, exchange grants),
    built in the transactional database the live server reads."""
    result: World = request.getfixturevalue("world")
    return result


@pytest.fixture
def portal(live_server: Any, journey_world: World) -> Iterator[str]:
    """The live server's base URL, with the portal registered as a client of our own provider."""
    base = str(live_server.url)
    make_client(PORTAL_CLIENT, f"{base}/dang-nhap/callback", f"{base}/")
    with override_settings(
        OIDC_ISSUER=base, OIDC_CLIENT_ID=PORTAL_CLIENT, OIDC_CLIENT_SECRET=CLIENT_SECRET
    ):
        yield base


BACKOFFICE_CLIENT = "backoffice-e2e"


@pytest.fixture
def backoffice(
    portal: str, settings: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The live server with the back office registered as an official client of the provider,
    the demo processes and a demo signing CA of this test's own."""
    from motcua.workflow import demo, services

    settings.RESULTS_CA_DIR = tmp_path_factory.mktemp("e2e-ca")
    settings.RESULTS_SIGNING_PROVIDER = "local"
    settings.RESULTS_TSA_URL = ""
    settings.MOTCUA_PUBLIC_URL = portal
    services.import_processes(demo.DEMO_PROCESSES.read_text(encoding="utf-8"), actor="e2e")
    make_client(BACKOFFICE_CLIENT, f"{portal}/can-bo/dang-nhap/callback", f"{portal}/can-bo/")
    with override_settings(
        BACKOFFICE_OIDC_CLIENT_ID=BACKOFFICE_CLIENT,
        BACKOFFICE_OIDC_CLIENT_SECRET=CLIENT_SECRET,
        OIDC_OFFICIAL_CLIENTS=[BACKOFFICE_CLIENT],
    ):
        yield portal
