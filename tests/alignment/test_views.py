"""The pages per role: partner users 404, the others see what their capabilities allow; forms write through the
services; German texts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from handschlag.alignment.inputs import CampaignInput, FeedbackInput, MaterialInput
from handschlag.alignment.models import MaterialFeedback, Survey, SurveyParticipation, SurveyTally
from handschlag.alignment.services import marketing, surveys
from handschlag.core.enums import Role
from handschlag.core.models import User
from tests.conftest import ALL_ROLES

pytestmark = pytest.mark.django_db

PAGES = ["alignment:survey_list", "alignment:material_list", "alignment:icp", "alignment:exchange_list"]


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize("page", PAGES)
def test_pages_per_role(
    make_user: Callable[..., User], page_as: Callable[[User], Client], role: str, page: str
) -> None:
    response = page_as(make_user(role)).get(reverse(page))
    assert response.status_code == (404 if role == Role.PARTNER_USER else 200)


@pytest.mark.parametrize("role", ALL_ROLES)
def test_figures_page_per_role(
    make_user: Callable[..., User], page_as: Callable[[User], Client], role: str
) -> None:
    response = page_as(make_user(role)).get(reverse("alignment:figures"))
    expected = {Role.PARTNER_USER: 404, Role.MARKETING: 200, Role.MANAGEMENT: 200}.get(role, 403)
    assert response.status_code == expected


def test_seller_answers_on_the_page(
    seller: User, page_as: Callable[[User], Client], open_survey: Survey
) -> None:
    client = page_as(seller)
    url = reverse("alignment:survey_detail", args=[open_survey.pk])
    page = client.get(url)
    assert b'id="answer-form"' in page.content
    # German by default: the page speaks German to the seller
    assert "Ihre Antwort" in page.content.decode()
    data = {f"item_{item.pk}": "2" for item in open_survey.items.all()}
    response = client.post(url, data)
    assert response.status_code == 302
    assert SurveyParticipation.objects.filter(user=seller).count() == 1
    assert SurveyTally.objects.filter(group="sales", value=2, count=1).count() == open_survey.items.count()
    # the second time there is no form, and a second post changes nothing
    assert b'id="answer-form"' not in client.get(url).content
    client.post(url, data)
    assert SurveyTally.objects.filter(count__gt=1).count() == 0


def test_incomplete_answer_shows_errors(
    seller: User, page_as: Callable[[User], Client], open_survey: Survey
) -> None:
    url = reverse("alignment:survey_detail", args=[open_survey.pk])
    response = page_as(seller).post(url, {})
    assert response.status_code == 200
    assert not SurveyParticipation.objects.exists()


def test_management_cannot_answer(
    management_user: User, page_as: Callable[[User], Client], open_survey: Survey
) -> None:
    url = reverse("alignment:survey_detail", args=[open_survey.pk])
    response = page_as(management_user).post(
        url, {f"item_{item.pk}": "5" for item in open_survey.items.all()}
    )
    assert response.status_code == 403
    assert not SurveyParticipation.objects.exists()


def test_admin_sees_no_single_answer_anywhere(
    admin_user: User,
    seller: User,
    page_as: Callable[[User], Client],
    open_survey: Survey,
    answer: Callable[..., None],
) -> None:
    answer(seller, open_survey, [1, 2, 3, 4, 5, 1])
    client = page_as(admin_user)
    detail = client.get(reverse("alignment:survey_detail", args=[open_survey.pk])).content.decode()
    assert str(seller) not in detail
    # the audit log holds nothing the seller did (answering is not audited)
    from handschlag.core.models import AuditEvent

    assert not AuditEvent.objects.filter(actor=seller).exists()
    assert client.get(reverse("core:audit_list"), {"user": seller.pk}).status_code == 200


def test_survey_management_on_the_page(marketing_user: User, page_as: Callable[[User], Client]) -> None:
    client = page_as(marketing_user)
    response = client.post(
        reverse("alignment:survey_list"),
        {"title": "Puls Q1", "year": 2027, "quarter": 1, "min_group_size": 5},
    )
    survey = Survey.objects.get()
    assert response.status_code == 302
    client.post(
        reverse("alignment:survey_action", args=[survey.pk, "add_item"]),
        {"text": "Wir feiern Erfolge gemeinsam."},
    )
    assert survey.items.filter(text="Wir feiern Erfolge gemeinsam.").exists()
    client.post(reverse("alignment:survey_action", args=[survey.pk, "open"]))
    survey.refresh_from_db()
    assert survey.status == "open"
    # while it runs, the figures page shows nothing of it
    figures = client.get(reverse("alignment:figures"), {"survey": survey.pk}).content.decode()
    assert "Diese Befragung läuft noch" in figures
    assert 'id="index"' not in figures


def test_seller_cannot_create_a_survey(seller: User, page_as: Callable[[User], Client]) -> None:
    response = page_as(seller).post(
        reverse("alignment:survey_list"), {"title": "X", "year": 2027, "quarter": 1, "min_group_size": 5}
    )
    assert response.status_code == 403
    assert not Survey.objects.exists()


def test_figures_page_csv(
    make_user: Callable[..., User],
    marketing_user: User,
    page_as: Callable[[User], Client],
    open_survey: Survey,
    answer: Callable[..., None],
) -> None:
    for index in range(5):
        answer(make_user(Role.SELLER, username=f"v{index}"), open_survey, [1] * 6)
    for index in range(4):
        answer(make_user(Role.MARKETING, username=f"m{index}"), open_survey, [5] * 6)
    answer(marketing_user, open_survey, [5] * 6)
    surveys.survey_close(actor=marketing_user, survey=open_survey)
    client = page_as(marketing_user)
    page = client.get(reverse("alignment:figures")).content.decode()
    assert 'id="gap">100,0<' in page
    assert "Wahrnehmungslücke" in page
    export = b"".join(client.get(reverse("alignment:figures_export")).streaming_content).decode("utf-8-sig")
    # 0 of 5 vs 5 of 5 favourable: pooled 0.5, se = sqrt(0.25 * 0.4) = 0.316228, z = -3.1623, p = 0.0016
    assert export.splitlines()[1].split(";")[1:] == ["0,0", "0,0", "100,0", "100,0", "100,0", "0,0016", "ja"]
    trend = b"".join(
        client.get(reverse("alignment:figures_export") + "?table=trend").streaming_content
    ).decode("utf-8-sig")
    assert "2026-Q3;0,0;100,0;100,0;ja" in trend


def test_material_feedback_and_answer_on_the_page(
    seller: User, marketing_user: User, page_as: Callable[[User], Client]
) -> None:
    today = dt.date.today()
    campaign = marketing.campaign_create(
        actor=marketing_user,
        data=CampaignInput(
            name="Frühjahr", starts_on=today + dt.timedelta(days=10), ends_on=today + dt.timedelta(days=40)
        ),
    )
    material = marketing.material_create(
        actor=marketing_user,
        data=MaterialInput(
            title="Produktblatt", campaign_id=campaign.pk, link="https://example.test/blatt.pdf"
        ),
    )
    url = reverse("alignment:material_detail", args=[material.pk])
    response = page_as(seller).post(
        url, {"form": "feedback", "rating": "1", "comment": "Zu technisch.", "phase": ""}
    )
    assert response.status_code == 302
    feedback = MaterialFeedback.objects.get()
    assert feedback.phase == "before"
    assert feedback.rating == 1
    # marketing sees it among the poorly rated ones, with the comment
    listing = page_as(marketing_user).get(reverse("alignment:material_list")).content.decode()
    assert 'id="poorly-rated"' in listing
    assert "Zu technisch." in listing
    page_as(marketing_user).post(url, {"form": "answer", "feedback": feedback.pk, "answer": "Wir kürzen es."})
    feedback.refresh_from_db()
    assert feedback.answer == "Wir kürzen es."
    assert feedback.answered_by == marketing_user
    # a seller cannot answer
    response = page_as(seller).post(url, {"form": "answer", "feedback": feedback.pk, "answer": "x"})
    assert response.status_code == 403


def test_material_list_hides_poorly_rated_from_sellers(
    seller: User, marketing_user: User, page_as: Callable[[User], Client]
) -> None:
    material = marketing.material_create(
        actor=marketing_user, data=MaterialInput(title="Flyer", link="https://example.test/f")
    )
    marketing.material_feedback_give(
        actor=seller, material=material, data=FeedbackInput(rating=1, phase="before")
    )
    assert 'id="poorly-rated"' not in page_as(seller).get(reverse("alignment:material_list")).content.decode()


def test_account_page_shows_the_fit_with_reasons(
    seller: User, marketing_user: User, partner_user: User, page_as: Callable[[User], Client]
) -> None:
    from decimal import Decimal

    from handschlag.alignment.inputs import IcpVersionInput
    from handschlag.alignment.services.icp import icp_version_create
    from tests.factories import AccountFactory

    icp_version_create(
        actor=marketing_user,
        data=IcpVersionInput.model_validate(
            {
                "valid_from": "2020-01-01",
                "criteria": [
                    {"kind": "industry", "weight": 3, "values": "Maschinenbau"},
                    {"kind": "revenue", "weight": 1, "minimum": Decimal(10_000_000)},
                ],
            }
        ),
    )
    account = AccountFactory(industry="Maschinenbau", owner=seller)
    page = page_as(seller).get(reverse("accounts:detail", args=[account.pk])).content.decode()
    assert 'id="icp-fit"' in page
    assert "75 von 100, Klasse B (Profilversion 1)" in page
    assert "Branche: erfüllt" in page
    assert "Jahresumsatz (EUR): unbekannt" in page


def test_exchange_recorded_on_the_page_with_feedback(
    seller: User, marketing_user: User, page_as: Callable[[User], Client]
) -> None:
    from decimal import Decimal

    from handschlag.alignment.models import Exchange
    from tests.factories import AccountFactory

    accounts = [
        AccountFactory(owner=seller, annual_revenue=Decimal(100_000 * (index + 1))) for index in range(5)
    ]
    client = page_as(seller)
    response = client.post(
        reverse("alignment:exchange_list"),
        {
            "kind": "ride_along",
            "host_id": seller.pk,
            "guest_id": marketing_user.pk,
            "date": "2026-11-20",
            "account_ids": f"{accounts[-1].pk}, #{accounts[0].pk}",
            "notes": "Tour Stuttgart",
        },
    )
    exchange = Exchange.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("alignment:exchange_detail", args=[exchange.pk])
    # one of two visited accounts is the host's top fifth (1 of 5 accounts): 50 %, still representative
    assert (exchange.representative, exchange.top_account_share) == (True, Decimal("0.50"))
    detail = page_as(marketing_user).get(response.url).content.decode()
    assert "Repräsentativ: 50 %" in detail
    page_as(marketing_user).post(response.url, {"rating": "5", "text": "Sehr lehrreich."})
    page_as(seller).post(response.url, {"rating": "4", "text": "Gute Fragen."})
    assert sorted(exchange.feedback.values_list("side", "text")) == [
        ("guest", "Sehr lehrreich."),
        ("host", "Gute Fragen."),
    ]
    # no third feedback form for the host
    assert 'name="text"' not in page_as(seller).get(response.url).content.decode()


def test_exchange_form_refuses_bad_account_numbers(
    seller: User, marketing_user: User, page_as: Callable[[User], Client]
) -> None:
    from handschlag.alignment.models import Exchange

    response = page_as(seller).post(
        reverse("alignment:exchange_list"),
        {
            "kind": "rotation",
            "host_id": seller.pk,
            "guest_id": marketing_user.pk,
            "date": "2026-11-20",
            "account_ids": "abc",
        },
    )
    assert response.status_code == 200
    assert not Exchange.objects.exists()


def test_partner_user_gets_404_on_objects(
    partner_user: User, marketing_user: User, page_as: Callable[[User], Client], open_survey: Survey
) -> None:
    material = marketing.material_create(
        actor=marketing_user, data=MaterialInput(title="Flyer", link="https://example.test/f")
    )
    client = page_as(partner_user)
    for url in (
        reverse("alignment:survey_detail", args=[open_survey.pk]),
        reverse("alignment:material_detail", args=[material.pk]),
        reverse("alignment:figures_export"),
        reverse("alignment:new_customers_export"),
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("alignment:survey_action", args=[open_survey.pk, "close"])).status_code == 404
    open_survey.refresh_from_db()
    assert open_survey.status == "open"


def test_new_customers_csv(
    management_user: User, marketing_user: User, seller: User, page_as: Callable[[User], Client]
) -> None:
    from handschlag.alignment.inputs import IcpVersionInput
    from handschlag.alignment.services.icp import icp_version_create
    from tests.factories import AccountFactory

    icp_version_create(
        actor=marketing_user,
        data=IcpVersionInput.model_validate(
            {
                "valid_from": "2020-01-01",
                "criteria": [{"kind": "industry", "weight": 1, "values": "Maschinenbau"}],
            }
        ),
    )
    AccountFactory(
        name="Café Morgenrot",
        legal_form="e.K.",
        industry="Einzelhandel",
        owner=seller,
        customer_since=dt.date(2026, 9, 29),
    )
    page = page_as(management_user).get(reverse("alignment:icp"), {"quarter": "2026-Q3"}).content.decode()
    assert "Neukunden außerhalb der Zielgruppe" in page
    assert "Café Morgenrot e.K." in page
    export = b"".join(
        page_as(management_user)
        .get(reverse("alignment:new_customers_export"), {"quarter": "2026-Q3"})
        .streaming_content  # type: ignore[attr-defined]
    ).decode("utf-8-sig")
    assert export.splitlines()[1].split(";")[0] == "Café Morgenrot e.K."
    assert export.splitlines()[1].split(";")[-2:] == ["nein", "Branche"]


def test_home_asks_to_answer_until_answered(
    seller: User, page_as: Callable[[User], Client], open_survey: Survey, answer: Callable[..., None]
) -> None:
    client = page_as(seller)
    assert 'id="home-survey"' in client.get("/").content.decode()
    assert "Die Pulsbefragung „Pulse 2026-Q3“ läuft" in client.get("/").content.decode()
    answer(seller, open_survey, [3] * 6)
    assert 'id="home-survey"' not in client.get("/").content.decode()


def test_material_new_version_with_a_file(
    seller: User, marketing_user: User, page_as: Callable[[User], Client], partner_user: User
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    material = marketing.material_create(
        actor=marketing_user, data=MaterialInput(title="Preisliste", link="https://example.test/p")
    )
    marketing.material_feedback_give(actor=seller, material=material, data=FeedbackInput(rating=2))
    url = reverse("alignment:material_detail", args=[material.pk])
    upload = SimpleUploadedFile("preisliste-2.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    response = page_as(marketing_user).post(
        url, {"form": "version", "link": "", "description": "", "file": upload}
    )
    assert response.status_code == 302
    material.refresh_from_db()
    assert material.version == 2
    assert material.file.name.endswith(".pdf")
    assert MaterialFeedback.objects.get().material_version == 1
    download = page_as(seller).get(reverse("alignment:material_download", args=[material.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.4 test"  # type: ignore[attr-defined]
    assert (
        page_as(partner_user).get(reverse("alignment:material_download", args=[material.pk])).status_code
        == 404
    )
    # a seller cannot make a new version; a file of the wrong kind is refused
    assert page_as(seller).post(url, {"form": "version", "link": "https://example.test/x"}).status_code == 403
    bad = SimpleUploadedFile("virus.exe", b"MZ", content_type="application/octet-stream")
    page_as(marketing_user).post(url, {"form": "version", "file": bad})
    material.refresh_from_db()
    assert material.version == 2
