"""The double opt-in tells what is missing: who has agreed, and an invitation to the partner's portal users."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from django.utils import timezone

from handschlag.alliances.models import Agreement
from handschlag.alliances.services import agreement_opt_in, agreement_opt_in_invite
from handschlag.core.audit_sentences import audit_sentence
from handschlag.core.enums import Role
from handschlag.core.errors import Conflict, Forbidden
from handschlag.core.models import AuditEvent
from tests.alliances.factories import AgreementFactory

pytestmark = pytest.mark.django_db


def _text(answer: Any) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", answer.content.decode())))


def _agreement_with_portal_user(make_user: Any, *, language: str = "de") -> tuple[Agreement, Any]:
    agreement = AgreementFactory()
    person = make_user(
        Role.PARTNER_USER,
        organisation=agreement.partner.organisation,
        email="lena@partner.example",
        first_name="Lena",
        last_name="Vogt",
        language=language,
    )
    return agreement, person


def test_the_agreement_page_says_who_has_not_agreed_and_invites_the_partner(
    make_user: Any, page_as: Any, mailoutbox: Any, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    settings.HANDSCHLAG_BASE_URL = "https://handschlag.example"
    agreement, person = _agreement_with_portal_user(make_user, language="de")
    manager = make_user(Role.PARTNER_MANAGER, language="en", first_name="Tobias", last_name="Kern")
    agreement_opt_in(actor=manager, agreement=agreement)
    client = page_as(manager)
    page = _text(client.get(f"/partners/agreements/{agreement.pk}/"))
    assert "Our side: ✔ agreed by Tobias Kern on" in page
    assert f"{agreement.partner.name}: not agreed yet" in page
    assert "Lena Vogt <lena@partner.example>" in page
    assert "Invite the partner to agree" in page
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(
            f"/partners/agreements/{agreement.pk}/opt-in/invite/",
            {"next": f"/partners/agreements/{agreement.pk}/#opt-in"},
        )
    assert answer.status_code == 302
    assert answer["Location"] == f"/partners/agreements/{agreement.pk}/#opt-in"
    assert [message.to for message in mailoutbox] == [["lena@partner.example"]]
    mail = mailoutbox[0]
    assert "Bitte stimmen Sie den Freigaberegeln" in mail.subject  # in the recipient's language (German)
    assert "Guten Tag Lena Vogt" in mail.body
    assert f"https://handschlag.example/portal/#agreement-{agreement.pk}" in mail.body
    event = AuditEvent.objects.get(action="agreement.opt_in_invite")
    assert event.changes == {"users": [person.pk]}
    assert audit_sentence(event).startswith("Tobias Kern asked 1 person of the partner to agree")
    assert "Last invitation sent on" in _text(client.get(f"/partners/agreements/{agreement.pk}/"))


def test_an_english_portal_user_gets_the_invitation_in_english(
    make_user: Any, mailoutbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    agreement, _person = _agreement_with_portal_user(make_user, language="en")
    with django_capture_on_commit_callbacks(execute=True):
        agreement_opt_in_invite(actor=make_user(Role.PARTNER_MANAGER), agreement=agreement)
    assert "Please agree to the sharing rules" in mailoutbox[0].subject
    assert "partner portal" in mailoutbox[0].body


def test_the_run_page_shows_the_missing_opt_in_and_the_invite_button(
    make_user: Any, page_as: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from tests.mapping.helpers import run_mapping

    agreement, _person = _agreement_with_portal_user(make_user)
    manager = make_user(Role.PARTNER_MANAGER, language="en")
    run = run_mapping(django_capture_on_commit_callbacks, actor=manager, agreement=agreement)
    page = _text(page_as(manager).get(f"/mappings/runs/{run.pk}/"))
    assert "Our side: not agreed yet" in page
    assert f"{agreement.partner.name}: not agreed yet" in page
    assert "Invite the partner to agree" in page
    assert "Agree to these rules for our side" in page


def test_without_an_active_portal_user_the_page_says_so_and_links_to_the_partner(
    make_user: Any, page_as: Any, api_as: Any, mailoutbox: Any
) -> None:
    agreement, person = _agreement_with_portal_user(make_user)
    person.is_active = False
    person.save()
    manager = make_user(Role.PARTNER_MANAGER, language="en")
    page = page_as(manager).get(f"/partners/agreements/{agreement.pk}/").content.decode()
    assert 'data-testid="no-portal-user"' in page
    assert f'href="/partners/{agreement.partner.pk}/#portal-logins"' in page
    assert "Invite the partner to agree" not in page
    answer = api_as(manager).post(f"/api/v1/agreements/{agreement.pk}/opt-in/invite")
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "no_portal_user"
    assert mailoutbox == []
    assert not AuditEvent.objects.filter(action="agreement.opt_in_invite").exists()


def test_the_invitation_is_refused_once_the_partner_agreed(
    make_user: Any, api_as: Any, page_as: Any, mailoutbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    agreement, person = _agreement_with_portal_user(make_user)
    agreement_opt_in(actor=person, agreement=agreement)
    manager = make_user(Role.PARTNER_MANAGER, language="en")
    with django_capture_on_commit_callbacks(execute=True):
        answer = api_as(manager).post(f"/api/v1/agreements/{agreement.pk}/opt-in/invite")
        assert answer.status_code == 409
        assert answer.json()["error"]["code"] == "partner_agreed"
        page = page_as(manager).post(f"/partners/agreements/{agreement.pk}/opt-in/invite/", follow=True)
    assert "The partner has already agreed" in _text(page)
    assert mailoutbox == []
    assert not AuditEvent.objects.filter(action="agreement.opt_in_invite").exists()


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.PARTNER_MANAGER, 200),
        (Role.MANAGEMENT, 200),
        (Role.SELLER, 403),
        (Role.MARKETING, 403),
        (Role.PROCESS_OWNER, 403),
        (Role.PARTNER_USER, 404),
    ],
)
def test_the_invitation_per_role(
    role: str,
    status: int,
    make_user: Any,
    api_as: Any,
    page_as: Any,
    mailoutbox: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    agreement, person = _agreement_with_portal_user(make_user)
    user = person if role == Role.PARTNER_USER else make_user(role)
    api, pages = api_as(user), page_as(user)
    events = AuditEvent.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        answer = api.post(f"/api/v1/agreements/{agreement.pk}/opt-in/invite")
    assert answer.status_code == status
    if status == 200:
        assert answer.json() == {"invited": [person.username]}
        assert len(mailoutbox) == 1
        return
    page = pages.post(f"/partners/agreements/{agreement.pk}/opt-in/invite/")
    assert page.status_code == status
    assert mailoutbox == []
    assert AuditEvent.objects.count() == events


def test_the_service_checks_its_actor(make_user: Any, mailoutbox: Any) -> None:
    agreement, _person = _agreement_with_portal_user(make_user)
    with pytest.raises(Forbidden):
        agreement_opt_in_invite(actor=make_user(Role.SELLER), agreement=agreement)
    assert not AuditEvent.objects.filter(action="agreement.opt_in_invite").exists()


def test_a_partner_that_agreed_is_not_asked_again_by_the_service(make_user: Any) -> None:
    agreement, person = _agreement_with_portal_user(make_user)
    Agreement.objects.filter(pk=agreement.pk).update(
        partner_opt_in_at=timezone.now(), partner_opt_in_by=person
    )
    with pytest.raises(Conflict):
        agreement_opt_in_invite(actor=make_user(Role.PARTNER_MANAGER), agreement=agreement)


def test_the_opt_in_status_reads_in_german(make_user: Any, page_as: Any) -> None:
    agreement, _person = _agreement_with_portal_user(make_user)
    page = _text(
        page_as(make_user(Role.PARTNER_MANAGER, language="de")).get(f"/partners/agreements/{agreement.pk}/")
    )
    assert "Unsere Seite: noch nicht zugestimmt" in page
    assert "Partner um Zustimmung bitten" in page
