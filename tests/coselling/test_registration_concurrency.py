"""A hundred partners register the same deal at once: exactly one registration holds the account and product line,
every other request gets a clear 409 (never a 500), the database holds one row. The worker's expiry and warning,
run by several workers at once, change and tell exactly once. PostgreSQL only (real concurrency)."""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from handschlag.core.enums import Role
from handschlag.core.models import AuditEvent, Notification
from handschlag.coselling.lead_enums import LeadStatus, RegistrationStatus
from handschlag.coselling.lead_inputs import RegistrationDecisionInput
from handschlag.coselling.models import DealRegistration, Lead
from handschlag.coselling.services.leads import lead_expire_as_system
from handschlag.coselling.services.registrations import (
    registration_decide,
    registration_expire_as_system,
    registration_warn_expiring_as_system,
)
from tests.alliances.factories import PartnerFactory
from tests.coselling.lead_helpers import World, offer, register, registration_values, world_fixture  # noqa: F401
from tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def at_once(calls: list[Callable[[], object]]) -> tuple[list[object], list[BaseException]]:
    barrier = threading.Barrier(len(calls))
    results: list[object] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(call: Callable[[], object]) -> None:
        try:
            barrier.wait()
            result = call()
            with lock:
                results.append(result)
        except BaseException as error:
            with lock:
                errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results, errors


# 100 requests; at most this many run at the same moment, each on its own database connection (the shared test
# server allows 100 connections in all; set HANDSCHLAG_TEST_PARALLEL=100 where PostgreSQL allows more)
PARALLEL = int(os.environ.get("HANDSCHLAG_TEST_PARALLEL", "40"))


def in_waves(calls: list[Callable[[], object]], parallel: int) -> tuple[list[object], list[BaseException]]:
    """Run the calls on `parallel` threads released together, each thread taking the next call until none is
    left: `parallel` requests are in flight at every moment until the end."""
    pending = list(calls)
    lock = threading.Lock()
    results: list[object] = []
    errors: list[BaseException] = []

    def take() -> Callable[[], object] | None:
        with lock:
            return pending.pop() if pending else None

    def work() -> object:
        done = []
        while (call := take()) is not None:
            try:
                done.append(call())
            except BaseException as error:
                with lock:
                    errors.append(error)
        return done

    batches, thread_errors = at_once([work for _ in range(min(parallel, len(calls)))])
    for batch in batches:
        results.extend(batch)  # type: ignore[call-overload]
    return results, errors + thread_errors


def test_hundred_registrations_of_one_deal_at_once_one_wins(postgres_only: None, world: World) -> None:
    partner_users = []
    for number in range(100):
        partner = PartnerFactory()
        partner_users.append(
            UserFactory(role=Role.PARTNER_USER, username=f"p{number}", organisation=partner.organisation)
        )
    clients = []
    for user in partner_users:
        client = Client()
        client.force_login(user)
        clients.append(client)
    body = {key: str(value) for key, value in registration_values(world).items()}
    body["product_line_id"] = world.product_line.pk  # type: ignore[assignment]

    def post(client: Client) -> Callable[[], Any]:
        return lambda: client.post("/api/v1/deal-registrations", body, content_type="application/json")

    responses, errors = in_waves([post(client) for client in clients], PARALLEL)

    assert errors == []
    statuses = sorted(response.status_code for response in responses)  # type: ignore[attr-defined]
    assert statuses == [201] + [409] * 99
    refused = [response for response in responses if response.status_code == 409]  # type: ignore[attr-defined]
    assert {response.json()["error"]["code"] for response in refused} == {"registration_exists"}  # type: ignore[attr-defined]
    assert DealRegistration.objects.count() == 1
    assert DealRegistration.objects.get().account_id == world.account.pk
    assert AuditEvent.objects.filter(action="registration.create").count() == 1


def test_german_409_message(postgres_only: None, world: World) -> None:
    register(world, world.other_partner_user)
    client = Client()
    world.partner_user.language = "de"
    world.partner_user.save()
    client.force_login(world.partner_user)
    body = {key: str(value) for key, value in registration_values(world).items()}
    response = client.post("/api/v1/deal-registrations", body, content_type="application/json")
    assert response.status_code == 409
    assert "bereits registriert" in response.json()["error"]["message"]


def test_two_workers_expire_a_registration_once(postgres_only: None, world: World) -> None:
    registration = registration_decide(
        actor=world.partner_manager,
        registration=register(world),
        data=RegistrationDecisionInput(decision="approve", protection_days=5),
    )
    later = timezone.now() + dt.timedelta(days=10)
    before = Notification.objects.count()
    results, errors = at_once(
        [lambda: registration_expire_as_system(registration_id=registration.pk, now=later) for _ in range(8)]
    )
    assert errors == []
    assert sorted(results) == [False] * 7 + [True]  # type: ignore[type-var]
    assert DealRegistration.objects.get().status == RegistrationStatus.EXPIRED
    assert AuditEvent.objects.filter(action="registration.expire").count() == 1
    assert Notification.objects.count() - before == 2  # the partner's user and his manager, once


def test_two_workers_warn_once(postgres_only: None, world: World) -> None:
    registration = registration_decide(
        actor=world.partner_manager,
        registration=register(world),
        data=RegistrationDecisionInput(decision="approve", protection_days=7),
    )
    results, errors = at_once(
        [lambda: registration_warn_expiring_as_system(registration_id=registration.pk) for _ in range(8)]
    )
    assert errors == []
    assert sorted(results) == [False] * 7 + [True]  # type: ignore[type-var]
    assert AuditEvent.objects.filter(action="registration.expiry_warning").count() == 1


def test_two_workers_expire_a_lead_once(postgres_only: None, world: World) -> None:
    lead = offer(world.partner_user, now=timezone.now() - dt.timedelta(days=10))
    results, errors = at_once([lambda: lead_expire_as_system(lead_id=lead.pk) for _ in range(8)])
    assert errors == []
    assert sorted(results) == [False] * 7 + [True]  # type: ignore[type-var]
    assert Lead.objects.get().status == LeadStatus.EXPIRED
    assert AuditEvent.objects.filter(action="lead.expire").count() == 1


def test_the_same_lead_offered_twice_at_once_gives_one_lead(postgres_only: None, world: World) -> None:
    results, errors = at_once([lambda: offer(world.partner_user) for _ in range(10)])
    assert len(results) == 1
    assert {getattr(error, "code", type(error).__name__) for error in errors} == {"lead_offered_twice"}
    assert Lead.objects.count() == 1
