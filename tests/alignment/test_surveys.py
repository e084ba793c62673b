"""The pulse survey: answering once, anonymity by construction, thresholds, complement suppression, trend."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection

from handschlag.alignment.enums import SurveyStatus
from handschlag.alignment.inputs import SurveyInput, SurveyItemInput
from handschlag.alignment.models import Survey, SurveyParticipation, SurveyTally
from handschlag.alignment.selectors import survey_pending_users, survey_results, survey_trend
from handschlag.alignment.services import surveys
from handschlag.core.enums import Role
from handschlag.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from handschlag.core.models import AuditEvent, User

pytestmark = pytest.mark.django_db

Answer = Callable[[User, Survey, list[int]], None]


def _people(make_user: Callable[..., User], role: str, count: int, prefix: str) -> list[User]:
    return [make_user(role, username=f"{prefix}{index}") for index in range(count)]


def test_create_copies_the_self_test_questions(marketing_user: User) -> None:
    survey = surveys.survey_create(actor=marketing_user, data=SurveyInput(title="Q1", year=2026, quarter=1))
    codes = list(survey.items.values_list("code", flat=True))
    assert codes[:3] == ["asked-before-campaign", "praise-and-suggestions", "email-feels-positive"]
    assert survey.status == SurveyStatus.DRAFT
    # the next quarter takes the items of this one, edits included
    surveys.survey_item_add(
        actor=marketing_user, survey=survey, data=SurveyItemInput(text="We celebrate wins.")
    )
    following = surveys.survey_create(
        actor=marketing_user, data=SurveyInput(title="Q2", year=2026, quarter=2)
    )
    assert list(following.items.values_list("code", flat=True)) == [*codes, "we-celebrate-wins"]


def test_seller_cannot_manage_surveys(seller: User, marketing_user: User) -> None:
    with pytest.raises(Forbidden):
        surveys.survey_create(actor=seller, data=SurveyInput(title="Q1", year=2026, quarter=1))
    assert not Survey.objects.exists()


def test_partner_user_does_not_know_the_module(
    partner_user: User, open_survey: Survey, answer: Answer
) -> None:
    with pytest.raises(NotFound):
        answer(partner_user, open_survey, [3] * open_survey.items.count())
    assert not SurveyParticipation.objects.exists()


def test_answer_once_and_only_counts_are_stored(seller: User, open_survey: Survey, answer: Answer) -> None:
    values = [1, 2, 3, 4, 5, 1]
    audit_before = AuditEvent.objects.count()
    answer(seller, open_survey, values)
    # one participation, without time, group or values
    participation = SurveyParticipation.objects.get()
    assert participation.user == seller
    assert {field.name for field in SurveyParticipation._meta.get_fields()} == {"id", "survey", "user"}
    # the counters: exactly one +1 per item, in the sales group
    counted = {
        (tally.item_id, tally.value): tally.count
        for tally in SurveyTally.objects.filter(group="sales", count__gt=0)
    }
    assert counted == {
        (item.pk, value): 1 for item, value in zip(open_survey.items.all(), values, strict=True)
    }
    assert not SurveyTally.objects.filter(group="marketing", count__gt=0).exists()
    # answering is not audited (the log would tie a person to a moment)
    assert AuditEvent.objects.count() == audit_before
    with pytest.raises(Conflict):
        answer(seller, open_survey, values)
    assert SurveyTally.objects.filter(count__gt=0).count() == len(values)


def test_no_query_path_from_an_answer_to_a_person() -> None:
    """The tally has no relation to a user, and no column that orders or dates an answer."""
    tally_fields = {field.name: field for field in SurveyTally._meta.get_fields()}
    assert set(tally_fields) == {"id", "survey", "item", "group", "value", "count"}
    for field in tally_fields.values():
        related = getattr(field, "related_model", None)
        assert related is None or related.__name__ in {"Survey", "SurveyItem"}
    assert not any("date" in type(field).__name__.lower() for field in tally_fields.values())


def test_tallies_exist_before_the_first_answer(open_survey: Survey) -> None:
    items = open_survey.items.count()
    assert SurveyTally.objects.filter(survey=open_survey).count() == items * 2 * 5
    assert not SurveyTally.objects.filter(count__gt=0).exists()


def test_incomplete_or_bad_answers_change_nothing(seller: User, open_survey: Survey) -> None:
    from handschlag.alignment.inputs import SurveyAnswerInput

    first = open_survey.items.first()
    assert first is not None
    with pytest.raises(InvalidInput):
        surveys.survey_answer(
            actor=seller,
            survey=open_survey,
            data=SurveyAnswerInput.model_validate({"answers": [{"item_id": first.pk, "value": 3}]}),
        )
    assert not SurveyParticipation.objects.exists()
    assert not SurveyTally.objects.filter(count__gt=0).exists()


def test_only_marketing_and_sales_answer(
    make_user: Callable[..., User], open_survey: Survey, answer: Answer
) -> None:
    for role in (Role.MANAGEMENT, Role.ADMIN, Role.PROCESS_OWNER):
        with pytest.raises(Forbidden):
            answer(make_user(role), open_survey, [3] * open_survey.items.count())
    assert not SurveyParticipation.objects.exists()


def test_results_hidden_while_running(seller: User, open_survey: Survey, answer: Answer) -> None:
    answer(seller, open_survey, [3] * 6)
    results = survey_results(survey=open_survey)
    assert not results.available
    assert results.respondents == {}
    assert results.items == []


def _fill(
    make_user: Callable[..., User],
    answer: Answer,
    survey: Survey,
    sales: list[list[int]],
    marketing: list[list[int]],
) -> None:
    for index, values in enumerate(sales):
        answer(make_user(Role.SELLER, username=f"s{survey.pk}_{index}"), survey, values)
    for index, values in enumerate(marketing):
        answer(make_user(Role.MARKETING, username=f"m{survey.pk}_{index}"), survey, values)


def test_figures_by_hand(
    make_user: Callable[..., User], marketing_user: User, open_survey: Survey, answer: Answer
) -> None:
    # sales: 6 people, item 1 answered 1,1,2,2,4,5 (favourable 2 of 6, mean (0+0+25+25+75+100)/6 = 37.5);
    # other items 2 (25); marketing: 5 people, item 1 all 5 (100, favourable 5 of 5), other items 4 (75)
    sales = [[value, 2, 2, 2, 2, 2] for value in (1, 1, 2, 2, 4, 5)]
    marketing = [[5, 4, 4, 4, 4, 4] for _ in range(5)]
    _fill(make_user, answer, open_survey, sales, marketing)
    surveys.survey_close(actor=marketing_user, survey=open_survey)
    results = survey_results(survey=open_survey)
    assert results.available
    assert results.respondents == {"sales": 6, "marketing": 5}
    first = results.items[0]
    assert first.groups["sales"] is not None
    assert first.groups["sales"].mean == pytest.approx(37.5)
    assert first.groups["marketing"] is not None
    assert first.groups["marketing"].mean == 100.0
    assert first.gap == pytest.approx(62.5)
    # 2/6 vs 5/5: pooled 7/11; se = sqrt(7/11 * 4/11 * (1/6 + 1/5)) = sqrt(0.084848) = 0.291287;
    # z = (1/3 - 1) / se = -2.2887; p = 2 * (1 - Phi(2.2887)) = 2 * (1 - 0.98895) = 0.0221
    assert first.z == pytest.approx(-2.2887, abs=1e-4)
    assert first.p_value == pytest.approx(0.0221, abs=2e-4)
    assert first.significant
    # index: sales (37.5 + 5 x 25) / 6 = 27.083; marketing (100 + 5 x 75) / 6 = 79.167; gap 52.083
    assert results.index["sales"] == pytest.approx(27.0833, abs=1e-3)
    assert results.index["marketing"] == pytest.approx(79.1667, abs=1e-3)
    assert results.gap == pytest.approx(52.0833, abs=1e-3)
    # items 2-6: 0 of 6 vs 5 of 5 favourable
    assert all(item.significant for item in results.items[1:])
    # all respondents: item 1 mean (225 + 500) / 11
    assert results.overall_index is not None
    assert first.all_groups is not None
    assert first.all_groups.mean == pytest.approx(725 / 11)


def test_small_group_and_its_complement_are_suppressed(
    make_user: Callable[..., User], marketing_user: User, open_survey: Survey, answer: Answer
) -> None:
    _fill(make_user, answer, open_survey, [[2] * 6] * 7, [[5] * 6] * 4)
    surveys.survey_close(actor=marketing_user, survey=open_survey)
    results = survey_results(survey=open_survey)
    assert results.respondents == {"sales": 7, "marketing": None}
    assert results.index["marketing"] is None
    assert results.index["sales"] == 25.0
    assert results.suppressed == ("marketing",)
    # no total, no gap: marketing would be the total minus sales
    assert results.overall_index is None
    assert results.gap is None
    assert all(item.all_groups is None and item.groups["marketing"] is None for item in results.items)
    assert all(item.gap is None and item.z is None for item in results.items)


def test_threshold_is_configurable_but_never_below_three(marketing_user: User) -> None:
    with pytest.raises(Exception):  # noqa: B017 - pydantic refuses it before the service
        SurveyInput(title="Q4", year=2026, quarter=4, min_group_size=2)
    survey = surveys.survey_create(
        actor=marketing_user, data=SurveyInput(title="Q4", year=2026, quarter=4, min_group_size=3)
    )
    assert survey.min_group_size == 3


def test_trend_marks_changed_items_not_comparable(
    make_user: Callable[..., User], marketing_user: User, answer: Answer
) -> None:
    first = surveys.survey_create(actor=marketing_user, data=SurveyInput(title="Q1", year=2026, quarter=1))
    second = surveys.survey_create(actor=marketing_user, data=SurveyInput(title="Q2", year=2026, quarter=2))
    surveys.survey_item_add(
        actor=marketing_user, survey=second, data=SurveyItemInput(text="Another statement.")
    )
    third = surveys.survey_create(actor=marketing_user, data=SurveyInput(title="Q3", year=2026, quarter=3))
    for survey, sales_value in ((first, 2), (second, 3), (third, 4)):
        surveys.survey_open(actor=marketing_user, survey=survey)
        count = survey.items.count()
        _fill(make_user, answer, survey, [[sales_value] * count] * 5, [[5] * count] * 5)
        surveys.survey_close(actor=marketing_user, survey=survey)
    points = survey_trend()
    assert [point.survey.quarter for point in points] == [1, 2, 3]
    assert [point.comparable for point in points] == [True, False, True]
    assert [point.index["sales"] for point in points] == [25.0, 50.0, 75.0]
    assert [point.gap for point in points] == [75.0, 50.0, 25.0]


def test_items_frozen_once_open(marketing_user: User, open_survey: Survey) -> None:
    with pytest.raises(Conflict):
        surveys.survey_item_add(actor=marketing_user, survey=open_survey, data=SurveyItemInput(text="Late."))


def test_only_one_open_survey(marketing_user: User, open_survey: Survey) -> None:
    other = surveys.survey_create(actor=marketing_user, data=SurveyInput(title="Q4", year=2026, quarter=4))
    with pytest.raises(Conflict):
        surveys.survey_open(actor=marketing_user, survey=other)


def test_reminder_goes_to_those_who_have_not_answered(
    make_user: Callable[..., User], marketing_user: User, open_survey: Survey, answer: Answer
) -> None:
    answered, waiting = make_user(Role.SELLER), make_user(Role.SELLER)
    make_user(Role.PROCESS_OWNER)
    answer(answered, open_survey, [3] * 6)
    assert set(survey_pending_users(survey=open_survey)) == {waiting, marketing_user}
    assert surveys.survey_remind(actor=marketing_user, survey=open_survey) == 2
    from handschlag.core.models import Notification

    assert set(Notification.objects.values_list("user_id", flat=True)) == {waiting.pk, marketing_user.pk}


def test_participation_table_has_no_order_to_join_on() -> None:
    """Tallies are created when the survey opens, so their ids and row order say nothing about who answered when."""
    columns = [
        column.name
        for column in connection.introspection.get_table_description(
            connection.cursor(), SurveyParticipation._meta.db_table
        )
    ]
    assert sorted(columns) == ["id", "survey_id", "user_id"]


def test_privacy_export_says_who_answered_never_what(
    seller: User, marketing_user: User, open_survey: Survey, answer: Answer
) -> None:
    from handschlag.alignment.privacy import alignment_erase, alignment_export
    from handschlag.core.privacy import DataSubject

    answer(seller, open_survey, [1, 2, 3, 4, 5, 1])
    subject = DataSubject(kind="core.user", id=seller.pk, name=str(seller))
    rows = alignment_export(subject)
    assert rows == [{"pulse_survey": open_survey.title, "answered": True, "answers": "not stored per person"}]
    # while the survey runs the participation stays (no second answer); after closing it goes
    assert alignment_erase(subject).erased == 0
    surveys.survey_close(actor=marketing_user, survey=open_survey)
    assert alignment_erase(subject).erased == 1
    assert not SurveyParticipation.objects.exists()
    assert SurveyTally.objects.filter(count=1).count() == 6  # the counts stay: they belong to nobody
