"""Business time: working hours on working days, without a federal state's public holidays.

Pure functions over aware datetimes; no ORM. SLA clocks (complaints) count in these hours.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import holidays


@functools.lru_cache(maxsize=64)
def _holidays_for(state: str, year: int) -> frozenset[dt.date]:
    return frozenset(holidays.country_holidays("DE", subdiv=state, years=year).keys())


def public_holidays(state: str, year: int) -> dict[dt.date, str]:
    return dict(holidays.country_holidays("DE", subdiv=state, years=year, language="de").items())


@dataclass(frozen=True)
class BusinessCalendar:
    state: str = "BW"
    day_start: dt.time = dt.time(8, 0)
    day_end: dt.time = dt.time(17, 0)
    working_weekdays: frozenset[int] = field(default=frozenset({0, 1, 2, 3, 4}))
    time_zone: str = "Europe/Berlin"

    def __post_init__(self) -> None:
        if self.day_end <= self.day_start:
            raise ValueError("the working day must end after it starts")

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def is_business_day(self, day: dt.date) -> bool:
        return day.weekday() in self.working_weekdays and day not in _holidays_for(self.state, day.year)

    def _window(self, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
        zone = self.zone
        return (
            dt.datetime.combine(day, self.day_start, tzinfo=zone),
            dt.datetime.combine(day, self.day_end, tzinfo=zone),
        )

    def business_time_between(self, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
        """Working time between two instants (zero if end is not after start)."""
        if end <= start:
            return dt.timedelta(0)
        start_local, end_local = start.astimezone(self.zone), end.astimezone(self.zone)
        total = dt.timedelta(0)
        day = start_local.date()
        while day <= end_local.date():
            if self.is_business_day(day):
                opens, closes = self._window(day)
                lower, upper = max(opens, start_local), min(closes, end_local)
                if upper > lower:
                    total += upper - lower
            day += dt.timedelta(days=1)
        return total

    def add_business_time(self, start: dt.datetime, duration: dt.timedelta) -> dt.datetime:
        """The instant when `duration` of working time has passed after `start`."""
        if duration < dt.timedelta(0):
            raise ValueError("duration must not be negative")
        remaining = duration
        cursor = start.astimezone(self.zone)
        day = cursor.date()
        for _ in range(3660):  # ten years of days: a hard stop for a calendar without working days
            if self.is_business_day(day):
                opens, closes = self._window(day)
                begin = max(opens, cursor)
                if begin < closes:
                    available = closes - begin
                    if remaining <= available:
                        return begin + remaining
                    remaining -= available
            day += dt.timedelta(days=1)
            cursor = dt.datetime.combine(day, dt.time(0, 0), tzinfo=self.zone)
        raise ValueError("the calendar has no working time")
