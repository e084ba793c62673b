"""Fuzzing: no input, valid or not, may produce a server error, on the API or on the pages.

API: Schemathesis generates requests for every operation from the OpenAPI document (bodies, query strings, path
ids). Random ids never meet a real object, so each test seeds a small dataset (an account with contact and order,
a complaint, a partner with agreement, offer and portal user, a department) and half of the generated path ids are
replaced by the ids of these objects. Every case is sent as an administrator, a seller and a partner user. A 5xx
answer or an error outside the one error shape fails.

Pages: the page routes get hostile values (NUL, "²", non-numeric and huge ids, very long strings) in their query
parameters and path ids, as the same three users.

Bounded: HANDSCHLAG_FUZZ_EXAMPLES (default 6, two per role) examples per API operation, only the examples and
fuzzing phases; the whole file runs in about a minute on an idle machine.
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from hypothesis import HealthCheck, settings

from handschlag.core.enums import Role
from handschlag.core.models import User
from handschlag.core.services import api_token_create
from handschlag.wsgi import application
from tests.alliances.factories import AgreementFactory, OfferFactory, PartnerFactory
from tests.factories import (
    AccountFactory,
    ContactFactory,
    DepartmentFactory,
    OrderFactory,
    PartnerOrganisationFactory,
    UserFactory,
)

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
# Random fuzzing only: the coverage phase (every boundary value of every field) takes minutes for 100 operations.
schema.config.phases.update(phases=["examples", "fuzzing"])
EXAMPLES = int(os.environ.get("HANDSCHLAG_FUZZ_EXAMPLES", "6"))
ROLES = ("admin", "seller", "partner_user")


@pytest.fixture(autouse=True)
def _keep_the_test_connection() -> Iterator[None]:
    """Schemathesis calls the WSGI app directly; like Django's test client, keep the request signals from closing
    the connection that holds the test's transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@dataclass
class Seed:
    users: dict[str, User]
    tokens: dict[str, str]
    ids: dict[str, list[int]]
    calls: int = 0  # generated cases so far: the role rotates with them


def _seed() -> Seed:
    """A few real objects of every kind the API addresses by id, reachable by the three users."""
    partner_company = PartnerOrganisationFactory()
    users = {
        "admin": UserFactory(username="fuzz-admin", role=Role.ADMIN, language="en"),
        "seller": UserFactory(username="fuzz-seller", role=Role.SELLER, language="en"),
        "partner_user": UserFactory(
            username="fuzz-partner", role=Role.PARTNER_USER, organisation=partner_company, language="en"
        ),
        "manager": UserFactory(username="fuzz-manager", role=Role.PARTNER_MANAGER),
    }
    account = AccountFactory(owner=users["seller"])
    contact = ContactFactory(account=account)
    order = OrderFactory(account=account)
    partner = PartnerFactory(organisation=partner_company, name=partner_company.name)
    agreement = AgreementFactory(partner=partner)
    offer = OfferFactory()
    department = DepartmentFactory(name="Fuzz-Abteilung")
    ids: dict[str, list[int]] = {
        "account_id": [account.pk],
        "contact_id": [contact.pk],
        "order_id": [order.pk],
        "partner_id": [partner.pk],
        "agreement_id": [agreement.pk],
        "offer_id": [offer.pk],
        "department_id": [department.pk],
        "user_id": [users["partner_user"].pk, users["seller"].pk],
    }
    from handschlag.complaints.services.cases import complaint_create
    from tests.complaints.conftest import complaint_input

    complaint = complaint_create(actor=users["seller"], data=complaint_input(account))
    ids["complaint_id"] = [complaint.pk]
    tokens = {role: api_token_create(actor=users[role], user=users[role], name="fuzz")[1] for role in ROLES}
    for role in ROLES:  # a token of each user exists, so token ids are real too
        ids.setdefault("token_id", []).append(users[role].api_tokens.first().pk)  # type: ignore[union-attr]
    return Seed(users=users, tokens=tokens, ids=ids)


@pytest.fixture
def seed(db: None) -> Seed:
    return _seed()


def _with_real_ids(case: schemathesis.Case, seed: Seed) -> None:
    """Half of the time, every path id the dataset knows becomes the id of a real object."""
    parameters = case.path_parameters or {}
    chooser = random.Random(repr(sorted(parameters.items())))  # deterministic per generated case
    if not parameters or chooser.random() < 0.5:
        return
    for name in list(parameters):
        if seed.ids.get(name):
            parameters[name] = chooser.choice(seed.ids[name])


def _assert_answer(case: schemathesis.Case, role: str, response: object) -> None:
    status = response.status_code  # type: ignore[attr-defined]
    text = response.text  # type: ignore[attr-defined]
    assert status < 500, f"{role}: {case.method} {case.formatted_path}: {status} {text[:500]}"
    if status >= 400:
        body = response.json()  # type: ignore[attr-defined]
        assert set(body) == {"error"}, (role, case.method, case.formatted_path, body)
        assert {"code", "message", "fields"} <= set(body["error"]), body


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
def test_no_input_makes_the_api_fail(case: schemathesis.Case, seed: Seed) -> None:
    """The cases of one operation are sent as admin, seller and partner user in turn."""
    _with_real_ids(case, seed)
    role = ROLES[seed.calls % len(ROLES)]
    seed.calls += 1
    response = case.call(headers={"Authorization": f"Bearer {seed.tokens[role]}"})
    _assert_answer(case, role, response)


# --- pages ---------------------------------------------------------------------------------------------------

HOSTILE = ["\x00", "a\x00b", "²", "٣", "-1", "0", "1e9", "9" * 25, "x" * 5000, "%00", "'\"<>", "  "]
# hostile values that pass the NUL refusal and reach the views
WITHOUT_NUL = {
    "page": "²",
    "owner": "٣",
    "account": "9" * 25,
    "q": "x" * 5000,
    "status": "'\"<>",
    "sort": "-1",
}
QUERY_PARAMETERS = [
    "page",
    "owner",
    "account",
    "q",
    "status",
    "sort",
    "target_id",
    "target_type",
    "unread",
    "queue",
    "our",
    "theirs",
    "start",
    "end",
    "table",
    "verdict",
    "account_q",
]


def _page_routes() -> list[tuple[str, list[str]]]:
    """Every page route of the site (not the API, not static files): its regex and its parameter names."""
    routes: list[tuple[str, list[str]]] = []

    def walk(patterns: list[URLPattern | URLResolver], prefix: str) -> None:
        for pattern in patterns:
            text = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                if text.startswith("api/"):
                    continue
                walk(pattern.url_patterns, text)
            else:
                routes.append((text, list(pattern.pattern.converters)))

    walk(get_resolver().url_patterns, "")
    return routes


def _fill(route: str, values: dict[str, str]) -> str:
    path = route
    for name, value in values.items():
        for converter in ("int", "str", "slug", "uuid", "path", ""):
            token = f"<{converter}:{name}>" if converter else f"<{name}>"
            path = path.replace(token, value)
    return "/" + path.lstrip("^").rstrip("$")


def test_hostile_values_in_page_routes_are_never_a_server_error(seed: Seed) -> None:
    chooser = random.Random(2026)
    clients = {}
    for role in ROLES:
        client = Client(raise_request_exception=False)
        client.force_login(seed.users[role])
        clients[role] = client
    real = [str(value) for values in seed.ids.values() for value in values]
    failures: list[str] = []
    for route, parameters in _page_routes():
        if "password/reset/" in route and parameters:
            continue  # the reset link's token is checked by Django, no id
        for role, client in clients.items():
            real_path = _fill(route, {name: chooser.choice(real) for name in parameters})
            huge_path = _fill(route, dict.fromkeys(parameters, "9" * 19))
            query = {name: chooser.choice(HOSTILE) for name in chooser.sample(QUERY_PARAMETERS, 5)}
            hostile_form = {"name": "a\x00b", "id": "²", "account_id": "9" * 30}
            answers = [
                ("GET", real_path, client.get(real_path, query)),
                ("GET", real_path, client.get(real_path, WITHOUT_NUL)),
                ("POST", real_path, client.post(real_path, hostile_form)),
            ]
            if parameters:
                answers.append(("GET", huge_path, client.get(huge_path, {"page": "²", "owner": "²"})))
            failures += [
                f"{role} {method} {path} {query}: {response.status_code}"
                for method, path, response in answers
                if response.status_code >= 500
            ]
    assert failures == []
