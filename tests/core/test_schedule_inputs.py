"""Weekdays and working-hours times for call-group schedules (reference section 6.4)."""

from __future__ import annotations

import enum
from datetime import date, time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from callerdesk_async import _validation
from callerdesk_async._validation import check_clock_time, check_weekdays

NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


@given(st.dates())
def test_isoweekday_numbers_and_names_are_the_api_numbering(day: date) -> None:
    # 2026-01-05 is a Monday, which the API numbers 1.
    number = day.isoweekday()
    name = NAMES[day.weekday()]
    assert check_weekdays([number]) == str(number)
    assert check_weekdays([name]) == check_weekdays([name[:3].lower()]) == str(number)


def test_a_known_monday_is_1_and_sunday_is_7() -> None:
    assert check_weekdays([date(2026, 1, 5).isoweekday(), date(2026, 1, 11).isoweekday()]) == "1,7"


def test_mixed_vocabularies_sort_and_collapse() -> None:
    assert check_weekdays(["SUN", "monday", 1, "3", 7]) == "1,3,7"


def test_calendar_day_members_count_from_zero(monkeypatch: pytest.MonkeyPatch) -> None:
    # Python 3.12's calendar.Day: MONDAY = 0 ... SUNDAY = 6 (simulated on older Pythons).
    day_enum = enum.IntEnum("Day", [(n.upper(), k) for k, n in enumerate(NAMES)])
    monkeypatch.setattr(_validation, "_CALENDAR_DAY", day_enum)
    assert check_weekdays([day_enum.MONDAY, day_enum.SUNDAY]) == "1,7"  # type: ignore[attr-defined]


def test_zero_is_refused_with_the_reason() -> None:
    with pytest.raises(ValueError, match=r"date\.weekday\(\)"):
        check_weekdays([0])


@pytest.mark.parametrize(
    ("value", "sent"),
    [
        (time(0, 2), "12:02 AM"),
        (time(12, 0), "12:00 PM"),
        (time(23, 59), "11:59 PM"),
        ("09:30", "09:30 AM"),
        ("21:05:00", "09:05 PM"),
        ("12:02 am", "12:02 AM"),
        ("9:05PM", "09:05 PM"),
    ],
)
def test_times_are_sent_in_the_am_pm_form(value: time | str, sent: str) -> None:
    assert check_clock_time(value, "start_time") == sent


@given(st.times().map(lambda t: t.replace(second=0, microsecond=0, tzinfo=None)))
def test_the_am_pm_form_round_trips(value: time) -> None:
    sent = check_clock_time(value, "start_time")
    assert check_clock_time(sent, "start_time") == sent
    assert check_clock_time(value.isoformat(timespec="minutes"), "start_time") == sent
