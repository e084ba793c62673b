"""Bulk close on the complaint list: one resolution summary for the ticked cases; `complaint_close` checks the
actor per case, refused cases stay open, the result counts both, each close is audited."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from handschlag.complaints.enums import ComplaintCategory, ComplaintStatus
from handschlag.complaints.models import Complaint
from handschlag.complaints.services.cases import complaint_create
from handschlag.core.models import AuditEvent
from tests.complaints.conftest import Organisation, complaint_input

pytestmark = pytest.mark.django_db


def _case(org: Organisation, **overrides: Any) -> Complaint:
    return complaint_create(actor=org.seller, data=complaint_input(org.account, **overrides))


def _post(
    client: Any, cases: list[Complaint], summary: str = "Ersatzteile geliefert, Kunde zufrieden."
) -> Any:
    return client.post(
        reverse("complaints:bulk_close"),
        {"complaint": [case.pk for case in cases], "summary": summary},
        follow=True,
    )


def _message(response: Any) -> str:
    return " ".join(str(message) for message in response.context["messages"])


def test_the_process_owner_closes_several_cases(org: Organisation, page_as: Any) -> None:
    cases = [_case(org), _case(org)]
    org.owner.language = "en"
    org.owner.save()
    response = _post(page_as(org.owner), cases)
    assert response.status_code == 200
    assert "2 cases closed." in _message(response)
    assert set(Complaint.objects.values_list("status", flat=True)) == {ComplaintStatus.CLOSED}
    assert AuditEvent.objects.filter(action="complaint.close", actor=org.owner).count() == 2


def test_mixed_cases_close_the_allowed_ones_and_count_the_refused(org: Organisation, page_as: Any) -> None:
    own = _case(org)
    elsewhere = _case(
        org, category=ComplaintCategory.DELIVERY
    )  # no rule: management triage, not production's
    org.owner.language = "en"
    org.owner.save()
    response = _post(page_as(org.owner), [own, elsewhere])
    message = _message(response)
    assert "1 case closed." in message
    assert "1 refused" in message
    own.refresh_from_db()
    elsewhere.refresh_from_db()
    assert own.status == ComplaintStatus.CLOSED
    assert elsewhere.status != ComplaintStatus.CLOSED
    assert not AuditEvent.objects.filter(action="complaint.close", target_id=str(elsewhere.pk)).exists()


def test_a_seller_closes_nothing(org: Organisation, page_as: Any) -> None:
    case = _case(org)
    org.seller.language = "de"
    org.seller.save()
    response = _post(page_as(org.seller), [case])
    assert "0 Fälle geschlossen." in _message(response)
    case.refresh_from_db()
    assert case.status != ComplaintStatus.CLOSED
    assert not AuditEvent.objects.filter(action="complaint.close").exists()


def test_without_a_summary_nothing_closes(org: Organisation, page_as: Any) -> None:
    case = _case(org)
    response = page_as(org.owner).post(
        reverse("complaints:bulk_close"), {"complaint": [case.pk], "summary": " "}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status != ComplaintStatus.CLOSED


def test_the_list_offers_checkboxes_only_to_those_who_work_cases(org: Organisation, page_as: Any) -> None:
    case = _case(org)
    html = page_as(org.owner).get(reverse("complaints:list"), {"queue": "all"}).content.decode()
    assert f'name="complaint" value="{case.pk}"' in html
    assert 'data-select-all="complaint"' in html
    seller_html = page_as(org.seller).get(reverse("complaints:list"), {"queue": "all"}).content.decode()
    assert 'name="complaint"' not in seller_html
