"""A seller answers the pulse survey in the browser; once both departments have enough answers and the survey is
closed, marketing sees the perception gap, then answers a seller's feedback on a material (issue 14)."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from handschlag.alignment.inputs import FeedbackInput, MaterialInput, SurveyAnswerInput, SurveyInput
from handschlag.alignment.models import MaterialFeedback, SurveyParticipation
from handschlag.alignment.services import marketing, surveys
from handschlag.core.enums import Role
from tests.browser import log_in
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"


def test_seller_answers_marketing_sees_the_gap_and_answers_feedback(browser_page):
    lea = UserFactory(username="lea", role=Role.MARKETING)
    jonas = UserFactory(username="jonas", role=Role.SELLER)
    survey = surveys.survey_create(
        actor=lea, data=SurveyInput.model_validate({"title": "Puls Q3", "year": 2026, "quarter": 3})
    )
    surveys.survey_open(actor=lea, survey=survey)
    items = list(survey.items.all())

    def answer(user, value):
        surveys.survey_answer(
            actor=user,
            survey=survey,
            data=SurveyAnswerInput.model_validate(
                {"answers": [{"item_id": item.pk, "value": value} for item in items]}
            ),
        )

    for number in range(4):
        answer(UserFactory(username=f"verkauf{number}", role=Role.SELLER), 1)
    for number in range(4):
        answer(UserFactory(username=f"marketing{number}", role=Role.MARKETING), 5)
    answer(lea, 5)
    material = marketing.material_create(
        actor=lea,
        data=MaterialInput.model_validate(
            {"title": "Produktblatt LX-200", "link": "https://example.test/lx"}
        ),
    )
    marketing.material_feedback_give(
        actor=jonas,
        material=material,
        data=FeedbackInput.model_validate(
            {"rating": 1, "comment": "Kein Preis, keine Tragzahlen.", "phase": "before"}
        ),
    )
    page = browser_page

    # the seller answers every statement with 1 or 2 and sends the form
    log_in(page, "jonas", PASSWORD)
    page.goto(f"/alignment/surveys/{survey.pk}/")
    for index, item in enumerate(items):
        page.check(f"input[name=item_{item.pk}][value='{1 + index % 2}']")
    page.click("#answer-form button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("ohne Ihren Namen")
    assert SurveyParticipation.objects.filter(user=jonas).exists()
    expect(page.locator("#answer-form")).to_have_count(0)
    # while the survey runs the seller sees no figures (and has no figures page)
    assert page.goto("/alignment/figures/").status == 403

    # marketing closes the survey: five answers per department, so the gap shows
    page.context.clear_cookies()
    log_in(page, "lea", PASSWORD)
    page.goto(f"/alignment/surveys/{survey.pk}/")
    page.click("text=Abschließen und Ergebnisse zeigen")
    page.goto(f"/alignment/figures/?survey={survey.pk}")
    gap = page.locator("#gap").inner_text()
    assert gap not in ("", "—")
    assert float(gap.replace(",", ".")) > 80
    expect(page.locator("#items tr.significant")).to_have_count(len(items))

    # marketing answers the seller's feedback on the material
    page.goto("/alignment/materials/")
    expect(page.locator("#poorly-rated")).to_contain_text("Kein Preis, keine Tragzahlen.")
    page.click("#poorly-rated a:has-text('Produktblatt LX-200')")
    page.fill("#feedback textarea[name=answer]", "Danke, Preis und Tragzahlen kommen auf Seite 1.")
    page.click("#feedback form button[type=submit]")
    expect(page.locator("#feedback .notice")).to_contain_text("Preis und Tragzahlen kommen auf Seite 1.")
    feedback = MaterialFeedback.objects.get()
    assert feedback.answered_by == lea
    assert feedback.answered_at is not None
    assert feedback.answered_at.date() <= dt.date.today() + dt.timedelta(days=1)
