"""Our lead and registration pages and the partner portal's, per role: what each sees, the decision through the
page, German texts; a partner user of another partner and a partner user poking at our ids get 404 and change
nothing."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.utils import timezone

from handschlag.core.models import User
from handschlag.coselling.lead_enums import LeadStatus, RegistrationStatus
from handschlag.coselling.models import DealRegistration, Lead
from tests.coselling.lead_helpers import (
    World,
    register,
    registration_values,
    world_fixture,  # noqa: F401
)
from tests.coselling.lead_helpers import offer as offer_at
from tests.coselling.opportunity_helpers import create as opportunity_create_for

pytestmark = pytest.mark.django_db


def offer(actor: User, **values: object) -> Lead:
    return offer_at(actor, now=timezone.now(), **values)


def as_user(page_as: Callable[[User], Client], user: User, language: str = "en") -> Client:
    user.language = language
    user.save(update_fields=["language"])
    return page_as(user)


def test_partner_manager_sees_the_inbox_and_the_resolution(
    world: World, page_as: Callable[[User], Client]
) -> None:
    lead = offer(world.partner_user)
    client = as_user(page_as, world.partner_manager, "de")
    listing = client.get("/coselling/leads/")
    assert listing.status_code == 200
    assert "Hansa Präzisionsteile GmbH" in listing.content.decode()
    detail = client.get(f"/coselling/leads/{lead.pk}/").content.decode()
    assert "bestehender Kunde" in detail  # the engine's resolution, in German
    assert world.seller.get_full_name() in detail  # the owner, shown to us
    assert "erika@hansa-praezision.de" not in detail  # contact only after acceptance
    assert "Sichtbar, sobald der Lead angenommen ist." in detail


def test_accepting_on_the_page_reveals_the_contact(world: World, page_as: Callable[[User], Client]) -> None:
    lead = offer(world.partner_user)
    client = as_user(page_as, world.seller)
    response = client.post(f"/coselling/leads/{lead.pk}/", {"decision": "accept"})
    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.status == LeadStatus.ACCEPTED
    assert lead.opportunity_id is not None
    assert "erika@hansa-praezision.de" in client.get(f"/coselling/leads/{lead.pk}/").content.decode()


def test_declining_without_reason_shows_the_error(world: World, page_as: Callable[[User], Client]) -> None:
    lead = offer(world.partner_user)
    response = as_user(page_as, world.seller).post(f"/coselling/leads/{lead.pk}/", {"decision": "decline"})
    assert response.status_code == 400
    assert "Choose why you decline the lead." in response.content.decode()
    lead.refresh_from_db()
    assert lead.status == LeadStatus.OFFERED


def test_we_offer_a_lead_on_the_page(world: World, page_as: Callable[[User], Client]) -> None:
    client = as_user(page_as, world.seller)
    assert client.get("/coselling/leads/new/").status_code == 200
    response = client.post(
        "/coselling/leads/new/",
        {"partner_id": world.partner.pk, "company_name": "Weserwerft AG", "contact_name": "Max Muster"},
    )
    assert response.status_code == 302
    lead = Lead.objects.get()
    assert (lead.partner_id, lead.direction) == (world.partner.pk, "to_partner")
    twice = client.post(
        "/coselling/leads/new/",
        {"partner_id": world.partner.pk, "company_name": "Weserwerft", "contact_name": "Max Muster"},
    )
    assert twice.status_code == 400
    assert "already offered" in twice.content.decode()


def test_registration_page_shows_conflicts_before_the_decision_and_approves(
    world: World, page_as: Callable[[User], Client]
) -> None:
    opportunity_create_for(
        world.seller,
        account_id=world.account.pk,
        title="Ersatzteile und Fräsen",
        product_line_id=world.product_line.pk,
        at=timezone.now(),
    )
    registration = register(world)
    client = as_user(page_as, world.partner_manager, "de")
    listing = client.get("/coselling/registrations/")
    assert listing.status_code == 200
    assert registration.title in listing.content.decode()
    page = client.get(f"/coselling/registrations/{registration.pk}/").content.decode()
    assert "Unsere offene Verkaufschance bei diesem Kunden in dieser Produktlinie" in page
    assert "Ersatzteile und Fräsen" in page
    response = client.post(
        f"/coselling/registrations/{registration.pk}/",
        {"form": "decision", "decision": "approve", "protection_days": "90"},
    )
    assert response.status_code == 302
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.APPROVED


def test_seller_reads_registrations_but_cannot_decide(
    world: World, page_as: Callable[[User], Client]
) -> None:
    registration = register(world)
    client = as_user(page_as, world.seller)
    page = client.get(f"/coselling/registrations/{registration.pk}/")
    assert page.status_code == 200
    assert 'name="form" value="decision"' not in page.content.decode()
    response = client.post(
        f"/coselling/registrations/{registration.pk}/",
        {"form": "decision", "decision": "approve", "protection_days": "90"},
    )
    assert response.status_code == 403
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.PENDING


@pytest.mark.parametrize("who", ["marketing", "process_owner", "admin"])
def test_our_people_without_leads_work_get_403_on_lead_pages(
    world: World, who: str, page_as: Callable[[User], Client]
) -> None:
    lead = offer(world.partner_user)
    client = as_user(page_as, getattr(world, who))
    for path in ("/coselling/leads/", "/coselling/leads/new/", f"/coselling/leads/{lead.pk}/"):
        assert client.get(path).status_code == 403, path


def test_process_owner_gets_403_on_registrations(world: World, page_as: Callable[[User], Client]) -> None:
    client = as_user(page_as, world.process_owner)
    assert client.get("/coselling/registrations/").status_code == 403


# --- the portal --------------------------------------------------------------------------------------------------


def test_partner_registers_a_deal_in_the_portal_in_german(
    world: World, page_as: Callable[[User], Client]
) -> None:
    client = as_user(page_as, world.partner_user, "de")
    page = client.get("/portal/registrations/")
    assert page.status_code == 200
    assert "Deal registrieren" in page.content.decode()
    values = {key: str(value) for key, value in registration_values(world).items()}
    response = client.post("/portal/registrations/", values)
    assert response.status_code == 302
    registration = DealRegistration.objects.get()
    detail = client.get(f"/portal/registrations/{registration.pk}/").content.decode()
    assert "Wartet auf Genehmigung" in detail
    # never what the engine found among our accounts, nor our owner
    assert world.seller.get_full_name() not in detail
    assert "Bestehender Kunde" not in detail
    again = client.post("/portal/registrations/", values)
    assert again.status_code == 400
    assert "bereits registriert" in again.content.decode()


def test_partner_offers_and_decides_leads_in_the_portal(
    world: World, page_as: Callable[[User], Client]
) -> None:
    ours = offer(world.seller, partner_id=world.partner.pk, company_name="Weserwerft AG")
    client = as_user(page_as, world.partner_user)
    listing = client.get("/portal/leads/").content.decode()
    assert "Weserwerft AG" in listing
    detail = client.get(f"/portal/leads/{ours.pk}/").content.decode()
    assert "erika@hansa-praezision.de" not in detail
    assert client.post(f"/portal/leads/{ours.pk}/", {"decision": "accept"}).status_code == 302
    assert "erika@hansa-praezision.de" in client.get(f"/portal/leads/{ours.pk}/").content.decode()
    response = client.post(
        "/portal/leads/",
        {"company_name": "Hansa Präzisionsteile GmbH", "contact_name": "Erika Beispiel", "need": "Fräsen"},
    )
    assert response.status_code == 302
    sent = Lead.objects.get(direction="to_us")
    page = client.get(f"/portal/leads/{sent.pk}/").content.decode()
    assert world.account.owner.get_full_name() not in page  # type: ignore[union-attr]
    assert "existing customer" not in page


def test_partner_user_poking_at_ids_gets_404_on_portal_pages(
    world: World, page_as: Callable[[User], Client]
) -> None:
    others_lead = offer(world.other_partner_user)
    our_lead_to_other = offer(world.seller, partner_id=world.other_partner.pk, company_name="Weserwerft AG")
    others_registration = register(world, world.other_partner_user)
    client = as_user(page_as, world.partner_user)
    for path in (
        f"/portal/leads/{others_lead.pk}/",
        f"/portal/leads/{our_lead_to_other.pk}/",
        f"/portal/registrations/{others_registration.pk}/",
        "/portal/leads/999999/",
        "/coselling/leads/",
        f"/coselling/leads/{others_lead.pk}/",
        "/coselling/leads/new/",
        "/coselling/registrations/",
        f"/coselling/registrations/{others_registration.pk}/",
    ):
        assert client.get(path).status_code == 404, path
    assert client.post(f"/portal/leads/{our_lead_to_other.pk}/", {"decision": "accept"}).status_code == 404
    assert (
        client.post(
            f"/portal/registrations/{others_registration.pk}/", {"days": "10", "reason": "x"}
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"/coselling/registrations/{others_registration.pk}/",
            {"form": "decision", "decision": "approve", "protection_days": "90"},
        ).status_code
        == 404
    )
    listing = client.get("/portal/leads/").content.decode()
    assert "Weserwerft AG" not in listing
    our_lead_to_other.refresh_from_db()
    others_registration.refresh_from_db()
    assert (our_lead_to_other.status, others_registration.status) == ("offered", "pending")


@pytest.mark.parametrize("who", ["seller", "partner_manager", "management", "marketing", "admin"])
def test_our_people_get_404_on_portal_pages(
    world: World, who: str, page_as: Callable[[User], Client]
) -> None:
    client = as_user(page_as, getattr(world, who))
    for path in (
        "/portal/leads/",
        "/portal/registrations/",
        "/portal/opportunities/",
        "/portal/opportunities/export.csv",
    ):
        assert client.get(path).status_code == 404, path


def test_joint_opportunities_show_allow_listed_fields_only(
    world: World, page_as: Callable[[User], Client]
) -> None:
    lead = offer(world.partner_user)
    from handschlag.coselling.lead_inputs import LeadDecisionInput
    from handschlag.coselling.services.leads import lead_decide

    lead_decide(actor=world.seller, lead=lead, data=LeadDecisionInput(decision="accept"))
    other_lead = offer(world.other_partner_user, company_name="Weserwerft AG", company_domain="weserwerft.de")
    lead_decide(actor=world.seller, lead=other_lead, data=LeadDecisionInput(decision="accept"))
    page = as_user(page_as, world.partner_user).get("/portal/opportunities/").content.decode()
    assert "Hansa Präzisionsteile GmbH" in page
    assert "Weserwerft" not in page  # another partner's deal
    for amount in ("250.000", "250,000", "250000"):  # no amounts
        assert amount not in page
    assert world.seller.get_full_name() not in page  # no owner


def test_account_page_shows_partners_registrations_and_leads(
    world: World, page_as: Callable[[User], Client]
) -> None:
    registration = register(world)
    offer(world.other_partner_user)
    page = as_user(page_as, world.seller, "de").get(f"/accounts/{world.account.pk}/").content.decode()
    assert "Partner bei diesem Kunden" in page
    assert registration.title in page
    assert "Sonnenschein Software AG" in page  # the other partner's lead on this account
    process_owner_page = as_user(page_as, world.process_owner).get(f"/accounts/{world.account.pk}/")
    assert "partner-activity" not in process_owner_page.content.decode()


def test_joint_opportunities_are_paged_latest_first(world: World, page_as: Callable[[User], Client]) -> None:
    """A partner of a large organisation is in thousands of our deals: the portal pages through them (the list
    stopped at 200 without a word), the one he came into last on top, 50 to a page."""
    import datetime as dt

    from tests.coselling.opportunity_helpers import involve

    start = timezone.now() - dt.timedelta(days=100)
    for day in range(55):
        opportunity = opportunity_create_for(world.seller, title=f"Anlage {day:02d}", at=start)
        involve(world.seller, opportunity, world.partner.pk, at=start + dt.timedelta(days=day))
    other = opportunity_create_for(world.seller, title="Fremde Anlage", at=start)
    involve(world.seller, other, world.other_partner.pk, at=start + dt.timedelta(days=60))
    client = as_user(page_as, world.partner_user)

    first = client.get("/portal/opportunities/").content.decode()
    second = client.get("/portal/opportunities/?page=2").content.decode()

    assert first.index("Anlage 54") < first.index("Anlage 53")  # the latest first
    assert "Anlage 05" in first
    assert "Anlage 04" not in first
    assert "Anlage 04" in second
    assert "Anlage 00" in second
    assert "Anlage 54" not in second
    assert 'rel="next"' in first
    assert "page 1 of 2" in first
    assert "Fremde Anlage" not in first + second  # another partner's deal
    assert "/portal/opportunities/export.csv" in first
    export = b"".join(client.get("/portal/opportunities/export.csv").streaming_content).decode("utf-8-sig")
    lines = export.strip().splitlines()
    assert len(lines) == 1 + 55  # every one of them, not only the pages' first 2,000
    assert "Anlage 00" in export
    assert "Fremde Anlage" not in export
    assert world.seller.get_full_name() not in export  # allow-listed: no owner
