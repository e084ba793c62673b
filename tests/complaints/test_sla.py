"""SLA arithmetic on the business calendar of Baden-Württemberg: weekends, public holidays, pauses."""

from __future__ import annotations

import datetime as dt

from handschlag.complaints import sla
from handschlag.core.calendar import BusinessCalendar
from tests.complaints.conftest import berlin

CALENDAR = BusinessCalendar(state="BW")
HOUR = dt.timedelta(hours=1)


def test_deadline_runs_over_the_weekend():
    # Friday 16:00 + 2 business hours = Monday 09:00
    assert sla.deadline(CALENDAR, berlin(2026, 3, 6, 16), 2 * HOUR, dt.timedelta(0)) == berlin(2026, 3, 9, 9)


def test_deadline_skips_easter_holidays():
    # Thursday before Good Friday 16:00; Good Friday, the weekend and Easter Monday are not worked
    assert sla.deadline(CALENDAR, berlin(2026, 4, 2, 16), 2 * HOUR, dt.timedelta(0)) == berlin(2026, 4, 7, 9)


def test_epiphany_is_a_holiday_in_bw_but_not_in_berlin():
    start = berlin(2026, 1, 5, 16)  # Monday; 6 January is a Tuesday
    assert sla.deadline(CALENDAR, start, 2 * HOUR, dt.timedelta(0)) == berlin(2026, 1, 7, 9)
    assert sla.deadline(BusinessCalendar(state="BE"), start, 2 * HOUR, dt.timedelta(0)) == berlin(
        2026, 1, 6, 9
    )


def test_pause_pushes_the_deadline_by_the_paused_business_time():
    start = berlin(2026, 3, 2, 8)
    assert sla.deadline(CALENDAR, start, 9 * HOUR, 3 * HOUR) == berlin(2026, 3, 3, 11)


def test_elapsed_excludes_nights_weekends_and_pauses():
    start, end = berlin(2026, 3, 6, 15), berlin(2026, 3, 9, 10)  # Friday 15:00 to Monday 10:00
    assert sla.elapsed(CALENDAR, start, end, dt.timedelta(0)) == 4 * HOUR
    assert sla.elapsed(CALENDAR, start, end, HOUR) == 3 * HOUR
    assert sla.elapsed(CALENDAR, start, end, 10 * HOUR) == dt.timedelta(0)


def test_escalation_ladder_climbs_one_rung_per_step_of_business_time():
    due = berlin(2026, 3, 6, 16)  # Friday
    step = 2 * HOUR
    assert sla.escalation_level_due(CALENDAR, due, berlin(2026, 3, 6, 15, 59), step) == 0
    assert sla.escalation_level_due(CALENDAR, due, due, step) == 1
    assert (
        sla.escalation_level_due(CALENDAR, due, berlin(2026, 3, 7, 12), step) == 1
    )  # Saturday: no time passes
    assert sla.escalation_level_due(CALENDAR, due, berlin(2026, 3, 9, 9), step) == 2  # Fri 1 h + Mon 1 h
    assert sla.escalation_level_due(CALENDAR, due, berlin(2026, 3, 9, 11), step) == 3
    assert sla.escalation_level_due(CALENDAR, due, berlin(2026, 3, 20, 11), step) == 3  # the top rung


def test_clock_states():
    due = berlin(2026, 3, 2, 12)
    now = berlin(2026, 3, 2, 13)
    assert sla.clock_state(due=due, met_at=berlin(2026, 3, 2, 11), now=now, paused=False) == "met"
    assert sla.clock_state(due=due, met_at=berlin(2026, 3, 2, 12, 30), now=now, paused=False) == "missed"
    assert sla.clock_state(due=due, met_at=None, now=now, paused=False) == "overdue"
    assert sla.clock_state(due=due, met_at=None, now=now, paused=True) == "paused"
    assert sla.clock_state(due=due, met_at=None, now=berlin(2026, 3, 2, 11), paused=False) == "running"
