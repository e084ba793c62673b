"""Leads from marketing (MQL → SAL) through co-selling's lead: hand-over, sales' decision with a reason code within
the SLA, acceptance rate and reasons per campaign."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from handschlag.alignment.inputs import CampaignInput, MqlInput
from handschlag.alignment.models import CampaignLead
from handschlag.alignment.selectors import mql_figures
from handschlag.alignment.services import leads, marketing
from handschlag.core.enums import Role
from handschlag.core.errors import Conflict, Forbidden, InvalidInput
from handschlag.core.models import User
from handschlag.coselling.lead_inputs import LeadDecisionInput
from handschlag.coselling.services.leads import lead_decide
from tests.conftest import ApiClient

pytestmark = pytest.mark.django_db


def _campaign(actor: User, name: str) -> int:
    today = dt.date.today()
    return marketing.campaign_create(
        actor=actor, data=CampaignInput.model_validate({"name": name, "starts_on": today, "ends_on": today})
    ).pk


def _hand_over(actor: User, company: str, campaign_id: int | None) -> CampaignLead:
    return leads.mql_hand_over(
        actor=actor,
        data=MqlInput.model_validate(
            {
                "campaign_id": campaign_id,
                "company_name": company,
                "company_postal_code": "70173",
                "company_city": "Stuttgart",
                "contact_name": "Frau Beispiel",
                "industry": "Maschinenbau",
                "employees": 250,
            }
        ),
    )


def _decide(user: User, item: CampaignLead, decision: str, reason: str = "") -> None:
    lead_decide(
        actor=user,
        lead=item.lead,
        data=LeadDecisionInput.model_validate({"decision": decision, "reason": reason}),
    )


def test_hand_over_makes_a_marketing_lead_for_sales(marketing_user: User, seller: User) -> None:
    item = _hand_over(marketing_user, "Neckar Antriebe GmbH", _campaign(marketing_user, "Messe"))
    lead = item.lead
    assert (lead.source, lead.direction, lead.partner_id, lead.status) == (
        "marketing",
        "to_us",
        None,
        "offered",
    )
    # eight business hours to decide
    assert lead.respond_by > lead.offered_at
    with pytest.raises(Conflict):  # the same company again while it is open
        _hand_over(marketing_user, "Neckar Antriebe GmbH", None)
    assert CampaignLead.objects.count() == 1


def test_only_marketing_hands_over(seller: User, management_user: User) -> None:
    for actor in (seller, management_user):
        with pytest.raises(Forbidden):
            _hand_over(actor, "Firma", None)
    assert not CampaignLead.objects.exists()


def test_acceptance_rate_and_reasons_per_campaign(
    make_user: Callable[..., User], marketing_user: User, seller: User
) -> None:
    fair, webinar = _campaign(marketing_user, "Messe"), _campaign(marketing_user, "Webinar")
    accepted = [_hand_over(marketing_user, f"Messe Kunde {index}", fair) for index in range(3)]
    declined = _hand_over(marketing_user, "Messe Kunde 9", fair)
    outside = [_hand_over(marketing_user, f"Webinar Kunde {index}", webinar) for index in range(2)]
    _hand_over(marketing_user, "Webinar offen", webinar)
    for item in accepted:
        _decide(seller, item, "accept")
    _decide(seller, declined, "decline", "not_sales_ready")
    for item in outside:
        _decide(seller, item, "decline", "outside_target_group")
    # a partner's reason does not apply to a marketing lead
    extra = _hand_over(marketing_user, "Webinar Kunde 7", webinar)
    with pytest.raises(InvalidInput):
        _decide(seller, extra, "decline", "existing_customer")
    rows = {row.campaign_name: row for row in mql_figures()}
    assert (rows["Messe"].handed_over, rows["Messe"].accepted, rows["Messe"].declined) == (4, 3, 1)
    assert rows["Messe"].acceptance_rate == 75.0
    assert rows["Messe"].reasons == {"not_sales_ready": 1}
    assert (rows["Webinar"].handed_over, rows["Webinar"].open, rows["Webinar"].acceptance_rate) == (4, 2, 0.0)
    assert rows["Webinar"].reasons == {"outside_target_group": 2}


def test_expired_leads_count_as_not_accepted(marketing_user: User) -> None:
    from handschlag.coselling.services.leads import leads_expire_as_system

    item = _hand_over(marketing_user, "Spät GmbH", _campaign(marketing_user, "Mailing"))
    leads_expire_as_system(now=item.lead.respond_by + dt.timedelta(minutes=1))
    row = mql_figures()[0]
    assert (row.expired, row.acceptance_rate) == (1, 0.0)
    assert timezone.now() < item.lead.respond_by + dt.timedelta(days=30)


@pytest.mark.parametrize("role", [role.value for role in Role])
def test_api_per_role(make_user: Callable[..., User], api_as: Callable[[User], ApiClient], role: str) -> None:
    client = api_as(make_user(role))
    expected_list = 404 if role == Role.PARTNER_USER else 200
    assert client.get("/api/v1/mql").status_code == expected_list
    expected_figures = {Role.PARTNER_USER: 404, Role.MARKETING: 200, Role.MANAGEMENT: 200}.get(role, 403)
    assert client.get("/api/v1/mql/figures").status_code == expected_figures
    body = {"company_name": "API GmbH", "contact_name": "Herr Test"}
    expected_create = {Role.PARTNER_USER: 404, Role.MARKETING: 201}.get(role, 403)
    assert client.post("/api/v1/mql", body).status_code == expected_create


def test_api_hand_over_and_figures(
    marketing_user: User, seller: User, api_as: Callable[[User], ApiClient]
) -> None:
    from handschlag.alignment.inputs import IcpVersionInput
    from handschlag.alignment.services.icp import icp_version_create

    icp_version_create(
        actor=marketing_user,
        data=IcpVersionInput.model_validate(
            {
                "valid_from": "2020-01-01",
                "criteria": [{"kind": "industry", "weight": 1, "values": "Maschinenbau"}],
            }
        ),
    )
    client = api_as(marketing_user)
    created = client.post(
        "/api/v1/mql",
        {"company_name": "Fils Hydraulik KG", "contact_name": "Frau Muster", "industry": "Maschinenbau"},
    )
    assert created.status_code == 201
    assert (created.json()["status"], created.json()["fit_score"], created.json()["fit_band"]) == (
        "offered",
        100,
        "A",
    )
    assert "contact_name" not in created.json()
    assert client.post("/api/v1/mql", {"company_name": "", "contact_name": "x"}).status_code == 400
    assert (
        client.post(
            "/api/v1/mql", {"company_name": "X", "contact_name": "x", "campaign_id": 999999}
        ).status_code
        == 400
    )
    _decide(seller, CampaignLead.objects.get(), "decline", "no_budget")
    figures = client.get("/api/v1/mql/figures").json()
    assert figures == [
        {
            "campaign_id": None,
            "campaign": "",
            "handed_over": 1,
            "accepted": 0,
            "declined": 1,
            "expired": 0,
            "open": 0,
            "acceptance_rate": 0.0,
            "decline_reasons": {"no_budget": 1},
        }
    ]


def test_page(marketing_user: User, seller: User, page_as: Callable[[User], Client]) -> None:
    client = page_as(marketing_user)
    response = client.post(
        reverse("alignment:mql"),
        {
            "company_name": "Rems Automation GmbH",
            "contact_name": "Herr Beispiel",
            "company_country": "DE",
            "campaign_id": "",
        },
    )
    assert response.status_code == 302
    item = CampaignLead.objects.get()
    _decide(seller, item, "decline", "outside_target_group")
    page = client.get(reverse("alignment:mql")).content.decode()
    assert "MQL → SAL je Kampagne" in page
    assert "Außerhalb der Zielgruppe: 1" in page or "Outside the target group: 1" in page
    # sellers see the list (with a link to the lead), not the figures, and cannot hand over
    seller_page = page_as(seller).get(reverse("alignment:mql")).content.decode()
    assert 'id="mql-figures"' not in seller_page
    assert reverse("coselling:lead_detail", args=[item.lead_id]) in seller_page
    assert (
        page_as(seller).post(reverse("alignment:mql"), {"company_name": "X", "contact_name": "Y"}).status_code
        == 403
    )
