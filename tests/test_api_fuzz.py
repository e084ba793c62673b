"""The API is fuzzed from its own OpenAPI document: no input, valid or not, may produce a server error.

Schemathesis generates requests for every operation (bodies, query strings, path ids) and we send them as an
administrator, who may reach every endpoint. A 5xx answer or a response that breaks the documented schema fails.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from handschlag.core.enums import Role
from handschlag.core.services import api_token_create
from handschlag.wsgi import application
from tests.factories import UserFactory

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
EXAMPLES = int(os.environ.get("HANDSCHLAG_FUZZ_EXAMPLES", "15"))


@pytest.fixture(autouse=True)
def _keep_the_test_connection() -> Iterator[None]:
    """Schemathesis calls the WSGI app directly; like Django's test client, keep the request signals from closing
    the connection that holds the test's transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def admin_token(db: None) -> str:
    admin = UserFactory(username="fuzz-admin", role=Role.ADMIN, language="en")
    return api_token_create(actor=admin, user=admin, name="fuzz")[1]


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_no_input_makes_the_api_fail(case: schemathesis.Case, admin_token: str) -> None:
    response = case.call(headers={"Authorization": f"Bearer {admin_token}"})

    assert response.status_code < 500, (
        f"{case.method} {case.formatted_path}: {response.status_code} {response.text[:500]}"
    )
    if response.status_code >= 400:
        body = response.json()
        assert set(body) == {"error"}, body
        assert {"code", "message", "fields"} <= set(body["error"]), body
