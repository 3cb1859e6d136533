"""Summary counts (``get-count-v2``) and the analytics dashboard (``dashboard_v2``).

The reference knows these responses' keys from the official app but not their exact types:
counters are ints, durations are :class:`~datetime.timedelta` (the API sends seconds, ``"75030"``
or ``75030``, or an ``HH:MM:SS`` label, ``"05:12:40"``; both are read) and chart series are kept
as the API sends them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import attrs

from .._rules import parse_duration
from ._nested import nested

__all__ = ["CallSummary", "Dashboard", "MemberAnalysis", "parse_duration"]


@nested
@attrs.frozen(slots=True, weakref_slot=False)
class MemberAnalysis:
    """One member's row in the summary's ``member_analysis``.

    Time-like fields are durations (sent as seconds or ``HH:MM:SS`` labels; undocumented).
    """

    member_name: str | None = None
    productivity_time: timedelta | None = None
    total_break: timedelta | None = None
    short_break: timedelta | None = None
    unique_calls: int | None = None
    queue_duration: timedelta | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict)


@attrs.frozen(slots=True, weakref_slot=False)
class CallSummary:
    """The home-screen summary and member analysis (``get-count-v2``).

    Counters are ints; ``talk_duration``, ``average_talk_time``, ``queue_duration`` and
    ``total_break`` are :class:`~datetime.timedelta` (``.total_seconds()`` for a number).
    """

    active_members: int | None = None
    inactive_members: int | None = None
    total_members: int | None = None
    total_groups: int | None = None
    total_calls: int | None = None
    unique_calls: int | None = None
    answered: int | None = None
    noanswer: int | None = None
    noanswer_details: Any = None
    voicemail: int | None = None
    talk_duration: timedelta | None = None
    average_talk_time: timedelta | None = None
    queue_duration: timedelta | None = None
    block_users: int | None = None
    total_break: timedelta | None = None
    member_analysis: list[MemberAnalysis] = attrs.field(factory=list)
    extra: Mapping[str, Any] = attrs.field(factory=dict)


@attrs.frozen(slots=True, weakref_slot=False)
class Dashboard:
    """Chart series of the analytics dashboard (``dashboard_v2``), kept as the API sends them.

    Hourly and daily series come as parallel arrays (``answer_daily`` counts per day of
    ``date_daily``); their element types are not documented.
    """

    answer_hourly: Any = None
    noanswer_hourly: Any = None
    time_hourly: Any = None
    answer_daily: Any = None
    noanswer_daily: Any = None
    date_daily: Any = None
    user_traffic: Any = None
    monthly_calls_regionwise: Any = None
    extra: Mapping[str, Any] = attrs.field(factory=dict)
