"""The worker expires undecided leads and ended registrations and warns of registrations expiring soon — each
exactly once: a second run, or the periodic task run again, changes and notifies nothing more."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from handschlag.core.models import AuditEvent, Notification
from handschlag.core.tasks import discover_tasks, enqueue_due_periodic_tasks, run_pending_jobs
from handschlag.coselling.lead_enums import LeadStatus, RegistrationStatus
from handschlag.coselling.lead_inputs import RegistrationDecisionInput
from handschlag.coselling.models import DealRegistration, Lead
from handschlag.coselling.selectors.leads import registrations_expiring_soon
from handschlag.coselling.services.leads import leads_expire_as_system
from handschlag.coselling.services.registrations import registration_decide, registrations_sweep_as_system
from tests.coselling.lead_helpers import T0, World, offer, register, world_fixture  # noqa: F401

pytestmark = pytest.mark.django_db


def test_an_undecided_lead_expires_once(world: World) -> None:
    lead = offer(world.partner_user)
    assert leads_expire_as_system(now=lead.respond_by).expired == []  # not before its time
    later = lead.respond_by + dt.timedelta(minutes=1)
    assert leads_expire_as_system(now=later).expired == [lead.pk]
    assert leads_expire_as_system(now=later + dt.timedelta(minutes=5)).expired == []
    lead.refresh_from_db()
    assert (lead.status, lead.expired_at) == (LeadStatus.EXPIRED, later)
    assert AuditEvent.objects.filter(action="lead.expire").count() == 1
    assert Notification.objects.filter(user=world.partner_user).count() == 1


def test_decided_leads_do_not_expire(world: World) -> None:
    lead = offer(world.partner_user)
    Lead.objects.filter(pk=lead.pk).update(status=LeadStatus.DECLINED)
    assert leads_expire_as_system(now=lead.respond_by + dt.timedelta(days=1)).expired == []


def _approved(world: World, days: int) -> DealRegistration:
    return registration_decide(
        actor=world.partner_manager,
        registration=register(world),
        data=RegistrationDecisionInput(decision="approve", protection_days=days),
    )


def test_expiring_soon_is_listed_and_warned_once(world: World) -> None:
    registration = _approved(world, 10)
    assert list(registrations_expiring_soon()) == [registration]
    before = Notification.objects.count()
    first = registrations_sweep_as_system()
    second = registrations_sweep_as_system()
    assert (first.warned, second.warned) == ([registration.pk], [])
    assert AuditEvent.objects.filter(action="registration.expiry_warning").count() == 1
    # the partner's user and the partner manager, once each
    assert Notification.objects.count() - before == 2


def test_far_from_its_end_nothing_is_warned(world: World) -> None:
    _approved(world, 90)
    assert registrations_sweep_as_system().warned == []
    assert list(registrations_expiring_soon()) == []


def test_an_ended_registration_expires_once_and_frees_the_account(world: World) -> None:
    registration = _approved(world, 1)
    after_end = timezone.now() + dt.timedelta(days=3)
    first = registrations_sweep_as_system(now=after_end)
    second = registrations_sweep_as_system(now=after_end)
    assert (first.expired, second.expired) == ([registration.pk], [])
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.EXPIRED
    assert AuditEvent.objects.filter(action="registration.expire").count() == 1
    register(world, world.other_partner_user)  # the account and product line are free again


def test_the_periodic_tasks_run_in_the_worker(world: World) -> None:
    discover_tasks()
    lead = offer(world.partner_user, now=timezone.now() - dt.timedelta(days=10))
    enqueue_due_periodic_tasks()
    run_pending_jobs()
    lead.refresh_from_db()
    assert lead.status == LeadStatus.EXPIRED
    assert enqueue_due_periodic_tasks() == []  # same slot: not queued again
    assert run_pending_jobs() == 0
    assert AuditEvent.objects.filter(action="lead.expire").count() == 1
