"""Summary counts (``get-count-v2``) and the analytics dashboard (``dashboard_v2``).

The reference knows these responses' keys from the official app but not their exact types, so
counters are ints and anything that may be a duration label or a chart series is kept as the
API sends it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from ._nested import nested

__all__ = ["CallSummary", "Dashboard", "MemberAnalysis"]


@nested
@attrs.frozen(slots=True, weakref_slot=False)
class MemberAnalysis:
    """One member's row in the summary's ``member_analysis``.

    Time-like fields are kept as sent (seconds or ``HH:MM:SS`` labels; undocumented).
    """

    member_name: str | None = None
    productivity_time: str | None = None
    total_break: str | None = None
    short_break: str | None = None
    unique_calls: int | None = None
    queue_duration: str | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict)


@attrs.frozen(slots=True, weakref_slot=False)
class CallSummary:
    """The home-screen summary and member analysis (``get-count-v2``)."""

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
    talk_duration: str | None = None
    average_talk_time: str | None = None
    queue_duration: str | None = None
    block_users: int | None = None
    total_break: str | None = None
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
