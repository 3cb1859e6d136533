"""The summary's numbers are numbers: counters ints, durations timedelta (README promise)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from aioresponses import aioresponses

from callerdesk_async import CallerdeskClient
from callerdesk_async.errors import APIResponseError
from callerdesk_async.models.analytics import CallSummary, MemberAnalysis, parse_duration
from callerdesk_async.sandbox import Sandbox, SandboxConfig

from ..conftest import AUTHCODE


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("75030", timedelta(seconds=75030)),
        (75030, timedelta(seconds=75030)),
        (" 12.5 ", timedelta(seconds=12.5)),
        ("05:12:40", timedelta(hours=5, minutes=12, seconds=40)),
        ("125:00:01", timedelta(hours=125, seconds=1)),
        ("4:05", timedelta(minutes=4, seconds=5)),
        ("0", timedelta(0)),
        ("", None),
        (None, None),
    ],
)
def test_parse_duration(value: object, expected: timedelta | None) -> None:
    assert parse_duration(value) == expected


@pytest.mark.parametrize("value", ["ten", "-5", "nan", "1:75:00", "1:2:3:4", True, [1]])
def test_parse_duration_refuses_what_is_not_a_duration(value: object) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(value)


async def test_sandbox_summary_has_int_counters_and_timedelta_durations() -> None:
    async with (
        Sandbox(SandboxConfig(calls=500, seed=4)) as sb,
        CallerdeskClient(sb.authcode, base_url=sb.base_url) as cd,
    ):
        summary = await cd.calls.summary()
        raw = await cd.request("get-count-v2", idempotent=True)
    assert isinstance(summary, CallSummary)
    assert isinstance(raw["talk_duration"], str)  # the API's string...
    assert summary.talk_duration == timedelta(seconds=int(raw["talk_duration"]))  # ...read
    assert summary.average_talk_time == timedelta(seconds=int(raw["average_talk_time"]))
    assert isinstance(summary.total_calls, int)
    assert summary.total_calls == int(raw["total_calls"])
    assert summary.member_analysis
    first, sent = summary.member_analysis[0], raw["member_analysis"][0]
    assert isinstance(first, MemberAnalysis)
    assert first.productivity_time == timedelta(seconds=int(sent["productivity_time"]))
    assert first.queue_duration == timedelta(seconds=int(sent["queue_duration"]))


async def test_summary_with_an_unreadable_duration_keeps_it_in_extra(
    caplog: pytest.LogCaptureFixture,
) -> None:
    url = "https://api.test/api/get-count-v2"
    with aioresponses() as mocked:
        mocked.post(url, payload={"type": "success", "talk_duration": "about an hour"})
        async with CallerdeskClient(AUTHCODE, base_url="https://api.test/api/") as cd:
            summary = await cd.calls.summary()
    assert summary.talk_duration is None
    assert summary.extra["talk_duration"] == "about an hour"
    warned = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warned) == 1
    assert "talk_duration" in warned[0]
    assert "not a duration" in warned[0]


async def test_strict_summary_with_an_unreadable_duration_names_it() -> None:
    url = "https://api.test/api/get-count-v2"
    with aioresponses() as mocked:
        mocked.post(url, payload={"type": "success", "talk_duration": "about an hour"})
        async with CallerdeskClient(
            AUTHCODE, base_url="https://api.test/api/", strict_decoding=True
        ) as cd:
            with pytest.raises(APIResponseError, match="duration"):
                await cd.calls.summary()
