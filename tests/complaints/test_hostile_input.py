"""Hostile input never gives a 500 on complaint pages or the complaints API: ids that are no ids ("²", "٣",
beyond 64 bits), NUL bytes, unknown choices, impossible dates. Run against real cases as management, the seller
and a partner user, so the requests reach the objects and the services, not only the 404 of a random id."""

from __future__ import annotations

import pytest
from django.test import Client

from handschlag.complaints.models import Complaint, ComplaintStep, ComplaintWatcher
from handschlag.complaints.services.cases import complaint_create
from handschlag.core.enums import Role
from handschlag.core.models import AuditEvent
from tests.complaints.conftest import complaint_input
from tests.conftest import ApiClient

pytestmark = pytest.mark.django_db

HUGE = "9" * 30
NOT_IDS = ["abc", "²", "٣", "-1", "0", HUGE, "1e3", " 1", "1\x00", "%00"]
TEXTS = [
    "\x00",
    "a\x00b",
    "x" * 30_000,
    "<script>alert(1)</script>",
    "'; DROP TABLE complaints;--",
    "🙂" * 300,
]


@pytest.fixture
def case(org):
    return complaint_create(actor=org.seller, data=complaint_input(org.account))


def page_client(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def api_client(user) -> ApiClient:
    client = ApiClient(user)
    client.client.raise_request_exception = False
    return client


@pytest.fixture(params=["management", "seller", "partner_user"])
def actor(request, org, make_user):
    return make_user(Role.PARTNER_USER) if request.param == "partner_user" else getattr(org, request.param)


def page_gets(case) -> list[tuple[str, dict[str, str]]]:
    requests = []
    for value in [*NOT_IDS, *TEXTS[:2], "bogus"]:
        requests += [
            ("/complaints/", {"status": value, "severity": value, "category": value, "queue": value}),
            ("/complaints/", {"sort": value, "page": value, "threat": value, "repeat": value, "open": value}),
            ("/complaints/", {"q": value}),
            ("/complaints/export.csv", {"status": value, "sort": value, "q": value}),
            ("/complaints/new/", {"account": value, "account_q": value}),
            ("/complaints/new/accounts/", {"account": value, "account_q": value}),
            ("/complaints/figures/", {"start": value, "end": value}),
            ("/complaints/figures/export.csv", {"start": value, "end": value, "table": value}),
            ("/complaints/management/", {"page": value}),
            (f"/complaints/{case.pk}/", {"tab": value}),
        ]
    for start, end in [
        ("0001-01-01", "0001-01-02"),
        ("9999-12-31", "9999-12-31"),
        ("2026-02-30", "2026-13-01"),
    ]:
        requests.append(("/complaints/figures/", {"start": start, "end": end}))
        requests.append(("/complaints/figures/export.csv", {"start": start, "end": end, "table": "sla"}))
    requests += [
        (f"/complaints/{HUGE}/", {}),
        (f"/complaints/{case.pk}/attachments/{HUGE}/", {}),
        ("/complaints/sla-policies/%00/", {}),
        ("/complaints/sla-policies/²/", {}),
        (f"/complaints/routing-rules/{HUGE}/", {}),
    ]
    return requests


def test_pages_answer_hostile_queries_without_a_500(org, case, actor):
    client = page_client(actor)

    for path, params in page_gets(case):
        response = client.get(path, params)
        assert response.status_code < 500, (path, params, response.status_code)


ACTIONS = [
    "acknowledge",
    "comment",
    "pause",
    "resume",
    "close",
    "reopen",
    "assign",
    "watch",
    "unwatch",
    "threat",
]


def test_page_actions_answer_hostile_posts_without_a_500(org, case, actor):
    client = page_client(actor)

    for action in [*ACTIONS, "attach", "bogus", "%00"]:
        for value in [*NOT_IDS, *TEXTS]:
            data = {
                "text": value,
                "reason": value,
                "summary": value,
                "owner": value,
                "user": value,
                "severity": value,
                "threat_scope": value,
                "cancellation_threat": value,
                "cancellation_deadline": value,
            }
            response = client.post(f"/complaints/{case.pk}/{action}/", data)
            assert response.status_code < 500, (action, repr(value)[:40], response.status_code)
    for value in [*NOT_IDS, *TEXTS, "0001-01-01", "9999-12-31"]:
        data = {f"D3-{name}": value for name in ("owner", "due_date", "notes", "done")}
        response = client.post(f"/complaints/{case.pk}/steps/D3/", data, headers={"HX-Request": "true"})
        assert response.status_code < 500, ("step", repr(value)[:40], response.status_code)
        response = client.post(f"/complaints/{case.pk}/steps/{value[:10]}/", data)
        assert response.status_code < 500, ("step name", repr(value)[:40], response.status_code)


def test_create_form_answers_hostile_posts_without_a_500(org, actor):
    client = page_client(actor)

    for value in [*NOT_IDS, *TEXTS, "0001-01-01T00:00"]:
        response = client.post(
            "/complaints/new/",
            {
                "account": value if value in NOT_IDS else str(org.account.pk),
                "title": value,
                "description": value,
                "category": value,
                "severity": value,
                "order_numbers": value[:1000],
                "cancellation_deadline": value,
                "threat_scope": value,
            },
        )
        assert response.status_code < 500, (repr(value)[:40], response.status_code)


def test_configuration_forms_answer_hostile_posts_without_a_500(org, admin_user):
    client = page_client(admin_user)

    for value in [*NOT_IDS, *TEXTS[:3], "99999"]:
        fields = ["category", "product_line", "plant", "department", "process_owner", "priority"]
        rule = dict.fromkeys(fields, value)
        assert client.post("/complaints/routing-rules/", rule).status_code < 500
        assert client.post(f"/complaints/routing-rules/{org.rule.pk}/", rule).status_code < 500
        hours = dict.fromkeys(
            ("first_response_hours", "containment_hours", "resolution_hours", "escalation_step_hours"), value
        )
        assert client.post("/complaints/sla-policies/high/", hours).status_code < 500


def test_api_answers_hostile_input_without_a_500(org, case, actor):
    client = api_client(actor)
    base = f"/api/v1/complaints/{case.pk}"
    responses = []
    for value in [*NOT_IDS, *TEXTS[:2], "bogus", True, None, [], {"a": 1}, 2**70, -(2**70), 1.5]:
        text = value if isinstance(value, str) else str(value)
        responses += [
            client.get("/api/v1/complaints", status=text, severity=text, account_id=text, department_id=text),
            client.get("/api/v1/complaints", queue=text, ordering=text, threat=text, page=text, q=text),
            client.get("/api/v1/complaints/figures", start=text, end=text),
            client.get(f"/api/v1/complaints/{text}"),
            client.post(
                "/api/v1/complaints",
                {
                    "account_id": value,
                    "title": value,
                    "description": value,
                    "category": value,
                    "severity": value,
                    "order_ids": [value],
                    "cancellation_deadline": value,
                },
            ),
            client.patch(base, {"title": value, "order_ids": value, "cancellation_deadline": value}),
            client.patch(base, {"severity": value, "threat_scope": value, "cancellation_threat": value}),
            client.post(f"{base}/assign", {"owner_id": value, "department_id": value}),
            client.post(f"{base}/pause", {"reason": value}),
            client.post(f"{base}/close", {"summary": value}),
            client.post(f"{base}/reopen", {"reason": value}),
            client.post(f"{base}/comments", {"text": value}),
            client.post(f"{base}/watchers", {"user_id": value}),
            client.delete(f"{base}/watchers/{text}"),
            client.patch(
                f"{base}/steps/D3", {"owner_id": value, "due_date": value, "notes": value, "done": value}
            ),
            client.patch(f"{base}/steps/{text}", {"done": True}),
            client.get(f"{base}/attachments/{text}/content"),
            client.put("/api/v1/sla-policies/high", {"first_response_hours": value}),
            client.post("/api/v1/routing-rules", {"category": value, "department_id": value}),
            client.patch(
                f"/api/v1/routing-rules/{org.rule.pk}", {"process_owner_id": value, "priority": value}
            ),
        ]
    for response in responses:
        assert response.status_code < 500, (response.request["PATH_INFO"], response.status_code)


def test_hostile_input_changes_nothing_it_should_not(org, case, actor):
    """The requests above refuse, they do not half-write: the case, its steps and watchers are unchanged."""
    before = (
        list(Complaint.objects.values("title", "severity", "status", "owner_id")),
        list(ComplaintStep.objects.values("owner_id", "notes", "done_at")),
        ComplaintWatcher.objects.count(),
        AuditEvent.objects.filter(action__startswith="complaint").count(),
    )
    client = api_client(actor)

    for value in ["a\x00b", HUGE, "²", None]:
        client.patch(f"/api/v1/complaints/{case.pk}", {"title": value, "severity": value})
        # a null owner is a valid request (nobody), so null goes to the notes only
        step_patch = {"owner_id": value, "notes": value} if value is not None else {"notes": value}
        client.patch(f"/api/v1/complaints/{case.pk}/steps/D3", step_patch)
        client.post(f"/api/v1/complaints/{case.pk}/watchers", {"user_id": value})

    after = (
        list(Complaint.objects.values("title", "severity", "status", "owner_id")),
        list(ComplaintStep.objects.values("owner_id", "notes", "done_at")),
        ComplaintWatcher.objects.count(),
        AuditEvent.objects.filter(action__startswith="complaint").count(),
    )
    assert after == before
