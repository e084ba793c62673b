"""Every write service checks its actor itself: a user who may not do it changes nothing.

Called directly (no page, no endpoint in front), each service refuses the users below with `NotFound` (he may not
know the case) or `Forbidden` (he sees it but may not do this): no row changes, no audit event, no notification.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from handschlag.complaints.enums import ComplaintCategory
from handschlag.complaints.inputs import (
    ComplaintPatch,
    RoutingRuleInput,
    RoutingRulePatch,
    SlaPolicyInput,
    StepPatch,
)
from handschlag.complaints.models import (
    Complaint,
    ComplaintAttachment,
    ComplaintComment,
    ComplaintPause,
    ComplaintStep,
    ComplaintWatcher,
    Escalation,
    RoutingRule,
    SlaPolicy,
)
from handschlag.complaints.services.cases import complaint_create, complaint_update
from handschlag.complaints.services.collaboration import (
    complaint_attachment_add,
    complaint_comment_add,
    complaint_watcher_add,
    complaint_watcher_remove,
)
from handschlag.complaints.services.configuration import (
    routing_rule_create,
    routing_rule_delete,
    routing_rule_update,
    sla_policy_set,
)
from handschlag.complaints.services.lifecycle import (
    complaint_acknowledge,
    complaint_close,
    complaint_pause,
    complaint_reopen,
    complaint_resume,
)
from handschlag.complaints.services.routing import complaint_assign
from handschlag.complaints.services.steps import complaint_step_update
from handschlag.core.enums import Role
from handschlag.core.errors import Forbidden, NotFound
from handschlag.core.models import AuditEvent, Notification, User
from tests.complaints.conftest import Organisation, complaint_input
from tests.factories import PartnerOrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n" + b"0" * 100


@dataclass
class Cases:
    open: Complaint  # routed to the process owner in production, the seller watches
    paused: Complaint
    closed: Complaint


@pytest.fixture
def cases(org: Organisation) -> Cases:
    def new() -> Complaint:
        return complaint_create(actor=org.seller, data=complaint_input(org.account))

    paused, closed = new(), new()
    complaint_pause(actor=org.owner, complaint=paused, reason="Warten auf Muster")
    complaint_close(actor=org.owner, complaint=closed, summary="Ersatz geliefert")
    return Cases(open=new(), paused=paused, closed=closed)


@pytest.fixture
def actors(org: Organisation) -> dict[str, User]:
    return {
        "marketing": UserFactory(role=Role.MARKETING),
        "partner user": UserFactory(role=Role.PARTNER_USER, organisation=PartnerOrganisationFactory()),
        "inactive process owner": UserFactory(
            role=Role.PROCESS_OWNER, department=org.production, is_active=False
        ),
        "seller of another account": org.other_seller,
        "process owner of another department": org.quality_head,
        "seller of the account": org.seller,
        "head of the owner's department": org.head,
        "management": org.management,
        "process owner": org.owner,
    }


def snapshot() -> dict[str, Any]:
    """Everything a complaint write can touch."""
    return {
        "complaints": list(Complaint.objects.order_by("pk").values()),
        "orders": list(Complaint.orders.through.objects.order_by("pk").values()),
        "steps": list(ComplaintStep.objects.order_by("pk").values()),
        "pauses": list(ComplaintPause.objects.order_by("pk").values()),
        "watchers": list(ComplaintWatcher.objects.order_by("pk").values()),
        "comments": list(ComplaintComment.objects.order_by("pk").values()),
        "attachments": list(ComplaintAttachment.objects.order_by("pk").values()),
        "escalations": list(Escalation.objects.order_by("pk").values()),
        "rules": list(RoutingRule.objects.order_by("pk").values()),
        "sla_policies": list(SlaPolicy.objects.order_by("pk").values()),
        "audit_events": AuditEvent.objects.count(),
        "notifications": Notification.objects.count(),
    }


Call = Callable[[User, Organisation, Cases], Any]

WORKERS_ONLY = [
    "marketing",
    "partner user",
    "inactive process owner",
    "seller of another account",
    "process owner of another department",
    "seller of the account",
]
STRANGERS = WORKERS_ONLY[:-1]  # those who do not see the case at all
NOT_ADMINS = [
    "marketing",
    "partner user",
    "seller of the account",
    "process owner",
    "management",
]

SERVICES: dict[str, tuple[Call, list[str]]] = {
    "complaint_create": (
        lambda actor, org, cases: complaint_create(actor=actor, data=complaint_input(org.account)),
        ["marketing", "partner user", "inactive process owner"],
    ),
    "complaint_update": (
        lambda actor, org, cases: complaint_update(
            actor=actor,
            complaint=cases.open,
            patch=ComplaintPatch(title="Geändert", cancellation_threat=True),
        ),
        STRANGERS,
    ),
    "complaint_assign": (
        lambda actor, org, cases: complaint_assign(actor=actor, complaint=cases.open, owner=org.head),
        [*WORKERS_ONLY, "head of the owner's department"],
    ),
    "complaint_acknowledge": (
        lambda actor, org, cases: complaint_acknowledge(actor=actor, complaint=cases.open),
        WORKERS_ONLY,
    ),
    "complaint_pause": (
        lambda actor, org, cases: complaint_pause(actor=actor, complaint=cases.open, reason="Muster"),
        WORKERS_ONLY,
    ),
    "complaint_resume": (
        lambda actor, org, cases: complaint_resume(actor=actor, complaint=cases.paused),
        WORKERS_ONLY,
    ),
    "complaint_close": (
        lambda actor, org, cases: complaint_close(actor=actor, complaint=cases.open, summary="Erledigt"),
        WORKERS_ONLY,
    ),
    "complaint_reopen": (
        lambda actor, org, cases: complaint_reopen(actor=actor, complaint=cases.closed, reason="Wieder da"),
        WORKERS_ONLY,
    ),
    "complaint_step_update": (
        lambda actor, org, cases: complaint_step_update(
            actor=actor, complaint=cases.open, step="D3", patch=StepPatch(done=True, notes="Gesperrt")
        ),
        WORKERS_ONLY,
    ),
    "complaint_comment_add": (
        lambda actor, org, cases: complaint_comment_add(actor=actor, complaint=cases.open, text="Hallo"),
        STRANGERS,
    ),
    "complaint_attachment_add": (
        lambda actor, org, cases: complaint_attachment_add(
            actor=actor,
            complaint=cases.open,
            upload=SimpleUploadedFile("bericht.pdf", PDF, content_type="application/pdf"),
        ),
        STRANGERS,
    ),
    "complaint_watcher_add": (
        lambda actor, org, cases: complaint_watcher_add(
            actor=actor, complaint=cases.open, user=org.management
        ),
        WORKERS_ONLY,
    ),
    "complaint_watcher_remove": (
        lambda actor, org, cases: complaint_watcher_remove(
            actor=actor, complaint=cases.open, user=org.seller
        ),
        WORKERS_ONLY,
    ),
    "routing_rule_create": (
        lambda actor, org, cases: routing_rule_create(
            actor=actor,
            data=RoutingRuleInput(category=ComplaintCategory.DELIVERY, department_id=org.quality.pk),
        ),
        NOT_ADMINS,
    ),
    "routing_rule_update": (
        lambda actor, org, cases: routing_rule_update(
            actor=actor, rule=org.rule, patch=RoutingRulePatch(plant="Werk Ulm")
        ),
        NOT_ADMINS,
    ),
    "routing_rule_delete": (
        lambda actor, org, cases: routing_rule_delete(actor=actor, rule=org.rule),
        NOT_ADMINS,
    ),
    "sla_policy_set": (
        lambda actor, org, cases: sla_policy_set(
            actor=actor,
            severity="high",
            data=SlaPolicyInput(
                first_response_hours=1, containment_hours=2, resolution_hours=3, escalation_step_hours=1
            ),
        ),
        NOT_ADMINS,
    ),
}

DENIALS = [(service, actor) for service, (_call, denied) in SERVICES.items() for actor in denied]


@pytest.mark.parametrize(("service", "actor_name"), DENIALS, ids=[f"{s}-{a}" for s, a in DENIALS])
def test_a_user_who_may_not_changes_nothing(org, cases, actors, service, actor_name):
    call, _denied = SERVICES[service]
    before = snapshot()

    with pytest.raises((Forbidden, NotFound)) as refused:
        call(actors[actor_name], org, cases)

    assert snapshot() == before
    if actor_name == "partner user":  # partner users may not know that complaints exist
        assert isinstance(refused.value, NotFound)


ALLOWED = [
    ("complaint_update", "seller of the account"),
    ("complaint_assign", "process owner"),
    ("complaint_acknowledge", "head of the owner's department"),
    ("complaint_close", "management"),
    ("complaint_reopen", "process owner"),
    ("complaint_comment_add", "seller of the account"),
    ("complaint_attachment_add", "seller of the account"),
    ("complaint_watcher_add", "head of the owner's department"),
    ("complaint_step_update", "management"),
]


@pytest.mark.parametrize(("service", "actor_name"), ALLOWED, ids=[f"{s}-{a}" for s, a in ALLOWED])
def test_the_same_call_by_someone_who_may_is_done_and_audited(org, cases, actors, service, actor_name):
    call, _denied = SERVICES[service]
    events = AuditEvent.objects.count()

    call(actors[actor_name], org, cases)

    assert AuditEvent.objects.count() == events + 1


def test_every_write_service_has_a_denial_case():
    import handschlag.complaints.services as package

    names = set()
    for module_name in (
        "cases",
        "collaboration",
        "configuration",
        "lifecycle",
        "routing",
        "steps",
    ):
        module = __import__(f"{package.__name__}.{module_name}", fromlist=["_"])
        names |= {
            name
            for name, value in vars(module).items()
            if callable(value)
            and getattr(value, "__module__", "") == module.__name__
            and (name.startswith("complaint_") or name.startswith(("routing_rule_", "sla_policy_")))
            and name != "complaint_route"  # a decision, not a write
        }
    assert names == set(SERVICES)


def test_an_upload_is_not_stored_when_refused(org, cases, actors):
    upload = SimpleUploadedFile("foto.png", io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"0" * 50).read())

    with pytest.raises(NotFound):
        complaint_attachment_add(actor=actors["marketing"], complaint=cases.open, upload=upload)

    assert ComplaintAttachment.objects.count() == 0
