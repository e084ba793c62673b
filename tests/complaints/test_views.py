"""Pages per role: the queue, the case, the management view, figures with CSV, routing rules."""

from __future__ import annotations

import pytest

from handschlag.complaints.enums import ComplaintCategory
from handschlag.complaints.models import Complaint
from handschlag.complaints.services.cases import complaint_create
from handschlag.core.enums import Role
from tests.complaints.conftest import complaint_input
from tests.conftest import ALL_ROLES

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(org):
    return complaint_create(actor=org.seller, data=complaint_input(org.account, cancellation_threat=True))


PAGES = ["/complaints/", "/complaints/export.csv", "/complaints/new/"]
MANAGEMENT_PAGES = ["/complaints/management/"]
FIGURE_PAGES = ["/complaints/figures/", "/complaints/figures/export.csv?table=departments"]


@pytest.mark.parametrize("role", ALL_ROLES)
def test_pages_per_role(page_as, make_user, case, role):
    client = page_as(make_user(role))

    def status(path: str) -> int:
        return client.get(path).status_code

    if role == Role.PARTNER_USER:
        assert {status(path) for path in [*PAGES, *MANAGEMENT_PAGES, *FIGURE_PAGES]} == {404}
        assert status(f"/complaints/{case.pk}/") == 404
        return
    assert status("/complaints/") == 200
    assert status("/complaints/export.csv") == 200
    assert status("/complaints/new/") == (403 if role == Role.MARKETING else 200)
    assert status("/complaints/management/") == (200 if role in {Role.MANAGEMENT, Role.ADMIN} else 403)
    can_figures = role in {Role.MANAGEMENT, Role.ADMIN, Role.PROCESS_OWNER}
    assert status("/complaints/figures/") == (200 if can_figures else 404)
    assert status("/complaints/routing-rules/") == (200 if role == Role.ADMIN else 403)
    assert status(f"/complaints/{case.pk}/") == (200 if role in {Role.MANAGEMENT, Role.ADMIN} else 404)


def test_seller_records_through_the_form_and_is_redirected_to_the_case(page_as, org):
    client = page_as(org.seller)

    response = client.post(
        "/complaints/new/",
        {
            "account": org.account.pk,
            "title": "Risse",
            "category": "quality",
            "severity": "critical",
            "description": "Wieder Risse",
            "order_numbers": "AB-1, AB-2",
            "cancellation_threat": "on",
            "cancellation_deadline": "2026-03-02T18:00",
            "threat_scope": "all_open_orders",
        },
    )

    complaint = Complaint.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/complaints/{complaint.pk}/"
    assert complaint.owner == org.owner
    assert sorted(complaint.orders.values_list("number", flat=True)) == ["AB-1", "AB-2"]


def test_form_refuses_an_order_of_another_account(page_as, org):
    response = page_as(org.seller).post(
        "/complaints/new/",
        {
            "account": org.account.pk,
            "title": "Risse",
            "category": "quality",
            "severity": "high",
            "description": "x",
            "order_numbers": "GIBT-ES-NICHT",
            "threat_scope": "all_open_orders",
        },
    )

    assert response.status_code == 200
    assert Complaint.objects.count() == 0


def test_owner_sees_the_case_in_his_queue_and_seller_in_watching(page_as, org, case):
    assert f"#{case.pk}".encode() in page_as(org.owner).get("/complaints/?queue=mine").content
    assert f"#{case.pk}".encode() in page_as(org.seller).get("/complaints/?queue=watching").content
    assert f"#{case.pk}".encode() not in page_as(org.other_seller).get("/complaints/").content


def test_htmx_step_update_returns_the_row(page_as, org, case):
    response = page_as(org.owner).post(
        f"/complaints/{case.pk}/steps/D3/",
        {"D3-notes": "Bestand gesperrt", "D3-done": "on"},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    assert b'id="step-D3"' in response.content
    assert b'data-done="1"' in response.content
    case.refresh_from_db()
    assert case.contained_at is not None


def test_management_view_lists_threats_first_and_triage(page_as, org, case):
    triage = complaint_create(
        actor=org.seller, data=complaint_input(org.account, category=ComplaintCategory.INVOICE)
    )

    content = page_as(org.management).get("/complaints/management/").content.decode()

    assert content.index(f"#{case.pk}") < content.index(f"#{triage.pk}")
    assert "200.000,00 €" in content


def test_figures_page_has_a_table_beside_every_chart(page_as, org, case):
    content = page_as(org.management).get("/complaints/figures/").content.decode()

    assert content.count("<svg") == 3
    assert content.count('<table class="list"') == 4
    csv = b"".join(page_as(org.management).get("/complaints/figures/export.csv").streaming_content)
    assert csv.startswith(b"\xef\xbb\xbf")


def test_query_count_of_the_queue_does_not_grow(page_as, org, django_assert_max_num_queries):
    client = page_as(org.management)
    complaint_create(
        actor=org.seller,
        data=complaint_input(
            org.account,
        ),
    )
    with django_assert_max_num_queries(30) as small:
        client.get("/complaints/")
    for _ in range(10):
        complaint_create(
            actor=org.seller,
            data=complaint_input(
                org.account,
            ),
        )
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get("/complaints/")
