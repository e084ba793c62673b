"""Pages of the partnership module as a person sees them: labels instead of codes, clear form errors."""

from __future__ import annotations

import re
from typing import Any

import pytest

from handschlag.alliances.models import FitCriterion
from handschlag.core.enums import Role
from tests.alliances.factories import OfferFactory

pytestmark = pytest.mark.django_db


def test_the_offer_shows_what_they_offer_and_ask_as_labels(make_user: Any, page_as: Any) -> None:
    offer = OfferFactory(gives=["commission"], asks=["customer_access"])
    page = page_as(make_user(Role.PARTNER_MANAGER, language="en")).get(f"/partners/offers/{offer.pk}/")
    text = re.sub(r"<[^>]+>", " ", page.content.decode())
    assert "A commission on sales we bring" in text
    assert "Access to our customers" in text
    assert "customer_access" not in text


def test_the_offer_list_filters_by_status(make_user: Any, page_as: Any) -> None:
    OfferFactory(company_name="Offen GmbH")
    OfferFactory(company_name="Entschieden AG", status="declined")
    client = page_as(make_user(Role.PARTNER_MANAGER, language="en"))
    page = client.get("/partners/offers/?status=declined").content.decode()
    assert "Entschieden AG" in page
    assert "Offen GmbH" not in page


def test_a_bad_weight_is_refused_with_a_message_and_nothing_changes(make_user: Any, page_as: Any) -> None:
    criterion = FitCriterion.objects.order_by("position").first()
    assert criterion is not None
    before = list(FitCriterion.objects.order_by("pk").values_list("weight", flat=True))
    data = {f"weight_{c.pk}": c.weight for c in FitCriterion.objects.all()}
    data[f"weight_{criterion.pk}"] = 11
    answer = page_as(make_user(Role.PARTNER_MANAGER, language="en")).post("/partners/fit-criteria/", data)
    assert answer.status_code == 400
    assert "Ensure this value is less than or equal to 10." in answer.content.decode()
    assert list(FitCriterion.objects.order_by("pk").values_list("weight", flat=True)) == before


def test_a_seller_sees_the_weights_without_inputs(make_user: Any, page_as: Any) -> None:
    page = page_as(make_user(Role.SELLER, language="en")).get("/partners/fit-criteria/").content.decode()
    assert "Gemeinsame Zielkunden und Märkte" in page
    assert 'type="number"' not in page
    assert "Save weights" not in page


def test_a_second_active_agreement_is_refused_at_the_status_field(make_user: Any, page_as: Any) -> None:
    from handschlag.alliances.models import Agreement
    from handschlag.core.models import AuditEvent
    from tests.alliances.factories import AgreementFactory

    active = AgreementFactory()
    client = page_as(make_user(Role.PARTNER_MANAGER, language="en"))
    events = AuditEvent.objects.count()
    answer = client.post(
        f"/partners/{active.partner_id}/agreements/new/",
        {
            "title": "Zweiter Vertrag",
            "status": "active",
            "leads_to_us_per_quarter": 0,
            "leads_to_partner_per_quarter": 0,
            "joint_pipeline_target": "0",
            "joint_wins_target": 0,
        },
    )
    assert answer.status_code == 400
    assert answer.context["form"].errors == {
        "status": ["This partner has an active agreement already. End it first."]
    }
    assert list(Agreement.objects.values_list("pk", flat=True)) == [active.pk]
    assert AuditEvent.objects.count() == events


def test_a_partner_manager_deactivates_a_portal_login_on_the_page(make_user: Any, page_as: Any) -> None:
    from tests.alliances.factories import PartnerFactory

    partner = PartnerFactory()
    person = make_user(Role.PARTNER_USER, organisation=partner.organisation)
    client = page_as(make_user(Role.PARTNER_MANAGER, language="en"))
    page = client.get(f"/partners/{partner.pk}/").content.decode()
    assert 'name="action" value="portal_user_deactivate"' in page
    answer = client.post(
        f"/partners/{partner.pk}/", {"action": "portal_user_deactivate", "user_id": person.pk}
    )
    assert answer.status_code == 302
    person.refresh_from_db()
    assert person.is_active is False
    assert (
        client.post(
            f"/partners/{partner.pk}/", {"action": "portal_user_deactivate", "user_id": "²"}
        ).status_code
        == 404
    )
