"""Every fault knob fires at roughly its rate, and the counters agree with the client."""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections import Counter

import aiohttp
import pytest

from callerdesk_async.sandbox import Sandbox
from callerdesk_async.sandbox._faults import FaultDice

from ..clock import VirtualClock
from .conftest import call, make_config

N = 400
RATE = 0.1
SLOW = 0.04


def _within_binomial(observed: int, n: int = N, p: float = RATE) -> bool:
    sd = math.sqrt(n * p * (1 - p))
    return abs(observed - n * p) <= 4 * sd


async def _observe(http: aiohttp.ClientSession, sb: Sandbox) -> Counter[str]:
    """Fire N call-report requests (POST: aiohttp never re-sends those) and classify them.

    A slow body is told from a quick one by the sandbox's seeded fault dice (one roll per
    request, so a sequential run is reproducible), not by the wall clock: on a loaded machine a
    quick answer can take longer than a slow one. What the clock can tell without racing is
    the lower bound: every slow body took at least its configured time.
    """
    seen: Counter[str] = Counter()
    dice = FaultDice(sb.config)
    for _ in range(N):
        rolled = dice.roll()
        started = time.perf_counter()
        try:
            async with http.post(
                sb.base_url + "call_list_v2", data={"authcode": sb.authcode, "per_page": "5"}
            ) as resp:
                body = await resp.read()
                status = resp.status
        except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError):
            seen["disconnect"] += 1
            continue
        if status >= 500:
            seen["5xx"] += 1
        elif status == 429:
            assert resp.headers["Retry-After"] == "1"
            seen["429"] += 1
        else:
            try:
                json.loads(body)
            except ValueError:
                seen["malformed"] += 1
                continue
            if rolled == "slow_body":
                assert time.perf_counter() - started >= SLOW * 0.95
            seen["slow_body" if rolled == "slow_body" else "ok"] += 1
    return seen


@pytest.mark.parametrize(
    ("knob", "kind", "observed_as"),
    [
        ("fault_5xx", "5xx", "5xx"),
        ("fault_429", "429", "429"),
        ("fault_reset_before", "reset_before", "disconnect"),
        ("fault_reset_after", "reset_after", "disconnect"),
        ("fault_malformed", "malformed", "malformed"),
        ("fault_slow_body", "slow_body", "slow_body"),
    ],
)
async def test_fault_rate_and_counters(http, knob, kind, observed_as):
    async with Sandbox(make_config(calls=200, slow_body_seconds=SLOW, **{knob: RATE})) as sb:
        seen = await _observe(http, sb)
        stats = sb.stats
    assert _within_binomial(seen[observed_as]), seen
    assert stats.faults == {kind: seen[observed_as]}
    assert seen["ok"] + seen[observed_as] == N
    assert stats.requests_total == N
    answered = sum(stats.responses_by_status.values())
    assert answered == N - seen["disconnect"]
    if kind == "5xx":
        assert set(stats.responses_by_status) == {200, 500, 502, 503}
    if kind == "429":
        assert stats.too_many_requests == seen["429"]
        assert stats.rate_limited == 0


async def test_all_faults_together(http):
    knobs = dict.fromkeys(
        (
            "fault_5xx",
            "fault_429",
            "fault_reset_before",
            "fault_reset_after",
            "fault_malformed",
            "fault_slow_body",
        ),
        0.05,
    )
    async with Sandbox(make_config(calls=200, slow_body_seconds=SLOW, **knobs)) as sb:
        seen = await _observe(http, sb)
        faults = sb.stats.faults
    assert seen["disconnect"] == faults["reset_before"] + faults["reset_after"]
    for kind in ("5xx", "429", "malformed", "slow_body"):
        assert seen[kind] == faults[kind]
        assert _within_binomial(faults[kind], p=0.05)


async def test_reset_before_changes_nothing(http):
    async with Sandbox(make_config(fault_reset_before=1.0)) as sb:
        with pytest.raises(aiohttp.ServerDisconnectedError):
            await call(http, sb, "block_number", caller_number="9123456789")
        sb.configure(fault_reset_before=0.0)
        blocked = (await call(http, sb, "getblocknumber"))["blocklist_number"]
        assert "9123456789" not in {b["caller_no"] for b in blocked}


async def test_reset_after_changes_state_but_client_sees_disconnect(http):
    async with Sandbox(make_config(fault_reset_after=1.0)) as sb:
        member = sb.core.world.members[1]
        desk = sb.core.world.deskphones[0].deskphone
        with pytest.raises(aiohttp.ServerDisconnectedError):
            await call(http, sb, "block_number", caller_number="9123456789")
        with pytest.raises(aiohttp.ServerDisconnectedError):
            await call(
                http,
                sb,
                "singleleg-clicktocall",
                agent_number=member.member_num,
                customer_number="9876500001",
                callerid=desk,
            )
        sb.configure(fault_reset_after=0.0)
        blocked = (await call(http, sb, "getblocknumber"))["blocklist_number"]
        assert "9123456789" in {b["caller_no"] for b in blocked}
        assert sb.stats.click_to_call_executions == 1
        top = (await call(http, sb, "call_list_v2", per_page=1))["result"][0]
        assert top["caller_num"] == "09876500001"


async def test_latency_and_jitter(http):
    async with Sandbox(make_config(latency_ms=20, latency_jitter_ms=10)) as sb:
        started = time.perf_counter()
        await asyncio.gather(*(call(http, sb, "getdeskphone_v2") for _ in range(5)))
        await call(http, sb, "getdeskphone_v2")
        elapsed = time.perf_counter() - started
    # Only the lower bound: two rounds of at least 20 ms each. An upper bound would race a
    # loaded machine.
    assert elapsed >= 0.039  # asyncio may wake a timer up to its clock resolution early


async def test_rate_limit_answers_429_with_retry_after(http):
    # Time stands still (a virtual clock), so the bucket refills for nobody however long the
    # 40 requests take: exactly the burst gets through.
    clock = VirtualClock()
    async with Sandbox(make_config(rate_limit=20, rate_burst=5), clock=clock) as sb:

        async def one() -> tuple[int, str | None]:
            async with http.post(
                sb.base_url + "profile_billing_v2", data={"authcode": sb.authcode}
            ) as resp:
                await resp.read()
                return resp.status, resp.headers.get("Retry-After")

        results = await asyncio.gather(*(one() for _ in range(40)))
        stats = sb.stats
    limited = [r for r in results if r[0] == 429]
    assert len(limited) == 35
    assert all(after is not None and float(after) >= 1 for _, after in limited)
    assert stats.rate_limited == len(limited) == stats.too_many_requests
    assert stats.responses_by_status[200] == 40 - len(limited)


async def test_inspection_is_never_faulted_and_config_changes(http):
    async with Sandbox(make_config(fault_5xx=1.0, rate_limit=1, rate_burst=1)) as sb:
        for _ in range(5):
            async with http.get(sb.url + "_sandbox/stats") as resp:
                assert resp.status == 200
        async with http.post(
            sb.url + "_sandbox/config", json={"fault_5xx": 0.0, "rate_limit": None}
        ) as resp:
            assert resp.status == 200
            assert (await resp.json())["fault_5xx"] == 0.0
        assert (await call(http, sb, "getdeskphone_v2"))["type"] == "success"
        async with http.post(sb.url + "_sandbox/config", json={"fault_5xx": 3}) as resp:
            assert resp.status == 400
