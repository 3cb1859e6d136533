"""The SDK against the sandbox over real TCP on 127.0.0.1: paging, quirks, faults, click-to-call."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import pytest

from callerdesk_async import CallerdeskClient, RateLimit, RetryPolicy
from callerdesk_async.errors import AuthenticationError, OutcomeUnknownError
from callerdesk_async.sandbox import Sandbox, SandboxConfig

START, END = date(2026, 9, 1), date(2026, 9, 30)
FAST = RetryPolicy(max_retries=6, initial=0.001, max_delay=0.01)


def config(**kw: object) -> SandboxConfig:
    base: dict[str, object] = {"seed": 3, "calls": 3_000, "start_date": START, "end_date": END}
    base.update(kw)
    return SandboxConfig(**base)  # type: ignore[arg-type]


def client(sb: Sandbox, **kw: object) -> CallerdeskClient:
    kw.setdefault("retry", FAST)
    return CallerdeskClient(sb.authcode, base_url=sb.base_url, **kw)  # type: ignore[arg-type]


async def test_list_calls_over_many_pages_with_date_filter() -> None:
    async with Sandbox(config()) as sb, client(sb) as cd:
        everything = [c async for c in cd.calls.list(per_page=100)]
        week = [
            c
            async for c in cd.calls.list(
                start_date=date(2026, 9, 10), end_date=date(2026, 9, 16), per_page=37
            )
        ]
    assert len(everything) == 3_000
    assert len({c.id for c in everything}) == 3_000
    starts = [c.startdatetime for c in everything]
    assert all(s is not None for s in starts)
    assert starts == sorted(starts, reverse=True)  # type: ignore[type-var]  # newest first
    expected = [
        c.id
        for c in everything
        if c.startdatetime is not None
        and date(2026, 9, 10) <= c.startdatetime.date() <= date(2026, 9, 16)
    ]
    assert [c.id for c in week] == expected
    assert 0 < len(week) < 3_000


async def test_quirks_decode_into_typed_values() -> None:
    async with Sandbox(config()) as sb, client(sb) as cd:
        calls = await cd.calls.list(per_page=100).collect(limit=300)
    assert all(c.caller_num and c.caller_num.startswith("0") for c in calls)
    assert all(isinstance(c.total_duration, int) for c in calls)
    assert all(
        c.startdatetime and c.startdatetime.utcoffset() == timedelta(hours=5, minutes=30)
        for c in calls
    )
    unanswered = [c for c in calls if c.callstatus != "ANSWER"]
    assert unanswered
    assert any(c.legb_picked_time is None for c in unanswered)  # sentinel → None
    assert all(not c.extra for c in calls)  # the model knows every field the API sends


async def test_wrong_authcode_is_authentication_error() -> None:
    async with Sandbox(config()) as sb, CallerdeskClient("wrong-code", base_url=sb.base_url) as cd:
        with pytest.raises(AuthenticationError, match="Invalid Auth Code"):
            await cd.calls.list().collect()


async def test_no_record_answer_is_an_empty_list() -> None:
    async with Sandbox(config()) as sb, client(sb) as cd:
        empty = await cd.calls.list(start_date="2020-01-01", end_date="2020-01-31").collect()
    assert empty == []


async def test_server_clamped_page_size_is_detected() -> None:
    async with Sandbox(config(max_per_page=50)) as sb, client(sb) as cd:
        pager = cd.calls.list(per_page=500)
        ids = [c.id async for c in pager]
    assert len(ids) == len(set(ids)) == 3_000
    assert pager.state.per_page == 50


async def test_click_to_call_then_find_the_call_in_the_report() -> None:
    async with Sandbox(config()) as sb, client(sb) as cd:
        members = await cd.members.list().collect()
        agent = next(m for m in members if m.status == 1)
        deskphones = await cd.request("getdeskphone_v2", idempotent=True)
        did = deskphones["getdeskphone"][0]["deskphone"]
        assert agent.member_num is not None
        result = await cd.calls.click_to_call(
            agent=agent.member_num, customer="+91 98765 43210", deskphone=did
        )
        assert result.campid is not None and result.campid > 0
        newest = (await cd.calls.list(per_page=5)).items[0]
        assert sb.stats.click_to_call_executions == 1
    assert newest.flow_type == "WEBOBD"
    assert newest.caller_num is not None and newest.caller_num.endswith("9876543210")


async def test_reads_survive_injected_faults() -> None:
    faults = config(
        fault_5xx=0.05,
        fault_reset_before=0.03,
        fault_reset_after=0.03,
        fault_malformed=0.03,
        fault_429=0.03,
        retry_after_seconds=0,
    )
    async with (
        Sandbox(faults) as sb,
        client(sb, retry=RetryPolicy(max_retries=10, initial=0.001, max_delay=0.005)) as cd,
    ):
        ids = [c.id async for c in cd.calls.list(per_page=20)]
        stats = sb.stats
    assert len(ids) == len(set(ids)) == 3_000
    assert sum(stats.faults.values()) > 0
    assert cd.stats.retries >= sum(stats.faults.values()) - stats.faults.get("slow_body", 0)


async def test_click_to_call_never_executes_twice_under_dropped_connections() -> None:
    drops = config(fault_reset_before=0.2, fault_reset_after=0.2, fault_5xx=0.1)
    async with Sandbox(drops) as sb, client(sb, max_concurrency=4) as cd:
        members = await cd.members.list().collect()
        agent = next(m for m in members if m.status == 1)
        did = (await cd.request("getdeskphone_v2", idempotent=True))["getdeskphone"][0]["deskphone"]
        sb.reset()
        sb.configure(fault_reset_before=0.2, fault_reset_after=0.2, fault_5xx=0.1)

        async def dial(i: int) -> str:
            try:
                await cd.calls.click_to_call(
                    agent=agent.member_num or "", customer=f"98{i:08d}", deskphone=did
                )
            except OutcomeUnknownError:
                return "unknown"
            return "placed"

        outcomes = await asyncio.gather(*(dial(i) for i in range(100)))
        stats = sb.stats
    assert stats.duplicate_executions == {}
    placed = outcomes.count("placed")
    unknown = outcomes.count("unknown")
    assert placed + unknown == 100
    # Every placed call was executed; unknown ones may or may not have been.
    assert placed <= stats.click_to_call_executions <= placed + unknown
    assert unknown > 0


async def test_rate_limited_sandbox_with_matching_client_limit() -> None:
    async with (
        Sandbox(config(rate_limit=20)) as sb,
        client(sb, rate_limit=RateLimit(20, per=1.0)) as cd,
    ):
        ids = [c.id async for c in cd.calls.list(per_page=100, end_date=END)]
        stats = sb.stats
    assert len(ids) == 3_000
    assert stats.too_many_requests <= 1
