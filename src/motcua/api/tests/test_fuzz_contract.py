"""Property-based fuzzing of the committed OpenAPI contract (schemathesis 4), in-process against
the WSGI application, no server: whatever a caller sends to any operation, valid or not
(schemathesis' positive and negative modes), anonymously or with a citizen's bearer token, the
answer is never a server error (`not_a_server_error`: no 5xx).

Reproducible (hypothesis derandomized, no example database) and bounded (MAX_EXAMPLES per
operation and caller) so that it fits in `make test` on a small machine. No operation is left
out. A failure prints the request to replay it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

CONTRACT = Path(__file__).resolve().parents[1] / "openapi.json"
MAX_EXAMPLES = 8

schema = schemathesis.openapi.from_dict(json.loads(CONTRACT.read_text(encoding="utf-8")))
schema.app = WSGIHandler()  # case.call() then goes through Django's WSGI handler in-process

FUZZ = settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    # one database transaction per operation (pytest-django), shared by its examples
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture
def in_process(db):
    """Requests run inside the test's transaction: Django must not close the connection at
    the start or end of each request (its own test client arranges the same; on PostgreSQL
    the connection would otherwise be closed under the test)."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def citizen_token(in_process) -> str:
    from motcua.identity.testing import bearer, make_person

    return bearer(make_person(), scope="openid profile")


@schema.parametrize()
@FUZZ
def test_anonymous_callers_never_get_a_server_error(case, in_process):
    response = case.call()
    case.validate_response(response, checks=[not_a_server_error])


@schema.parametrize()
@FUZZ
def test_citizens_never_get_a_server_error(case, citizen_token):
    response = case.call(headers={"Authorization": f"Bearer {citizen_token}"})
    case.validate_response(response, checks=[not_a_server_error])
