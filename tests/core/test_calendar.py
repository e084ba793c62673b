import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from handschlag.core.calendar import BusinessCalendar

BERLIN = ZoneInfo("Europe/Berlin")


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=BERLIN)


class TestBusinessCalendar:
    def test_friday_afternoon_plus_four_hours_lands_on_monday(self):
        calendar = BusinessCalendar(state="BW")

        assert calendar.add_business_time(at(2026, 11, 20, 15, 0), dt.timedelta(hours=4)) == at(
            2026, 11, 23, 10, 0
        )

    def test_holidays_depend_on_the_state(self):
        # 1 November (All Saints) 2027 is a Monday: a holiday in Bavaria, a working day in Hamburg.
        start = at(2027, 10, 29, 16, 0)

        assert BusinessCalendar(state="BY").add_business_time(start, dt.timedelta(hours=2)) == at(
            2027, 11, 2, 9, 0
        )
        assert BusinessCalendar(state="HH").add_business_time(start, dt.timedelta(hours=2)) == at(
            2027, 11, 1, 9, 0
        )

    def test_christmas_and_new_year(self):
        calendar = BusinessCalendar(state="NW")

        elapsed = calendar.business_time_between(at(2026, 12, 23, 8, 0), at(2027, 1, 4, 8, 0))

        # 23 Dec, 28-31 Dec are working days (24 Dec is not a public holiday): 6 days x 9 hours
        assert elapsed == dt.timedelta(hours=6 * 9)

    def test_time_outside_working_hours_counts_nothing(self):
        calendar = BusinessCalendar()

        assert calendar.business_time_between(
            at(2026, 11, 21, 9, 0), at(2026, 11, 22, 18, 0)
        ) == dt.timedelta(0)
        assert calendar.business_time_between(
            at(2026, 11, 23, 18, 0), at(2026, 11, 23, 7, 0)
        ) == dt.timedelta(0)

    def test_between_and_add_agree(self):
        calendar = BusinessCalendar(state="BY")
        start = at(2026, 12, 22, 13, 17)

        end = calendar.add_business_time(start, dt.timedelta(hours=30, minutes=5))

        assert calendar.business_time_between(start, end) == dt.timedelta(hours=30, minutes=5)

    def test_invalid_configuration(self):
        with pytest.raises(ValueError, match="must end after"):
            BusinessCalendar(day_start=dt.time(17), day_end=dt.time(8))
        with pytest.raises(ValueError, match="no working time"):
            BusinessCalendar(working_weekdays=frozenset()).add_business_time(
                at(2026, 1, 5, 9), dt.timedelta(hours=1)
            )
