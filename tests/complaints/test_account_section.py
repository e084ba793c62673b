"""The account page's complaints section (registered by complaints): open cases worst first, the latest closed ones,
revenue at risk; only cases the user may see."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from handschlag.complaints.enums import ComplaintStatus
from handschlag.complaints.models import Complaint
from handschlag.complaints.selectors import account_complaints
from handschlag.complaints.services.cases import complaint_create
from handschlag.core.enums import Role
from tests.complaints.conftest import complaint_input
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


def test_open_worst_first_closed_after_and_revenue_at_risk(org: Any, page_as: Any) -> None:
    low = complaint_create(
        actor=org.seller, data=complaint_input(org.account, severity="low", title="Kratzer")
    )
    high = complaint_create(
        actor=org.seller, data=complaint_input(org.account, severity="critical", title="Bruch")
    )
    closed = complaint_create(actor=org.seller, data=complaint_input(org.account, title="Alt"))
    Complaint.objects.filter(pk=closed.pk).update(status=ComplaintStatus.CLOSED)
    Complaint.objects.filter(pk=low.pk).update(revenue_at_risk=Decimal("1000.00"))
    Complaint.objects.filter(pk=high.pk).update(revenue_at_risk=Decimal("2500.50"))
    Complaint.objects.filter(pk=closed.pk).update(revenue_at_risk=Decimal("9999.00"))

    found = account_complaints(user=org.seller, account_id=org.account.pk)

    assert [case.pk for case in found.open] == [high.pk, low.pk]
    assert [case.pk for case in found.recent_closed] == [closed.pk]
    assert found.revenue_at_risk == Decimal("3500.50")

    html = page_as(org.seller).get(f"/accounts/{org.account.pk}/").content.decode()
    assert 'id="account-complaints"' in html
    assert "Bruch" in html
    assert "Kratzer" in html
    assert "Alt" in html
    assert html.index("Bruch") < html.index("Kratzer") < html.index("Alt")


def test_a_seller_sees_no_case_of_an_account_he_has_nothing_to_do_with(
    org: Any, page_as: Any, make_user: Any
) -> None:
    complaint_create(actor=org.seller, data=complaint_input(org.account, title="Vertraulich"))
    stranger = make_user(Role.SELLER)

    assert account_complaints(user=stranger, account_id=org.account.pk).open == []
    html = page_as(stranger).get(f"/accounts/{org.account.pk}/").content.decode()
    assert "Vertraulich" not in html


def test_an_account_without_complaints_says_so(page_as: Any, make_user: Any) -> None:
    account = AccountFactory()
    html = page_as(make_user(Role.SELLER, language="en")).get(f"/accounts/{account.pk}/").content.decode()
    assert "No complaints." in html
