"""RedisRateBackend against a real redis-server: atomicity, sharing, clocks, outages."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import AsyncIterator
from datetime import date

import pytest
from redis.asyncio import Redis

from benchmarks._redis import RedisServer
from callerdesk_async import CallerdeskClient, RateLimit, RetryPolicy
from callerdesk_async.errors import RateBackendUnavailableError, RateLimitError
from callerdesk_async.redis import RedisRateBackend, quota_name
from callerdesk_async.sandbox import Sandbox, SandboxConfig
from tests.conftest import AUTHCODE

# A window no test outlives: nothing expires mid-test, so counts are exact.
LONG = RateLimit(10, per=600.0, margin=0)
BOUND = 20.0  # generous upper bound for "does not hang"; never a timing assertion


@pytest.fixture
async def backends(redis_server: RedisServer) -> AsyncIterator[list[RedisRateBackend]]:
    made = [RedisRateBackend.from_url(redis_server.url, quota="q1") for _ in range(3)]
    yield made
    for backend in made:
        await backend.aclose()


async def test_concurrent_acquires_from_many_backends_admit_exactly_the_quota(
    backends: list[RedisRateBackend], redis_server: RedisServer
) -> None:
    async def one(backend: RedisRateBackend, now: float) -> float:
        return await backend.acquire_rate_token(now, LONG)

    waits = await asyncio.gather(
        *(one(b, now) for b in backends for now in (1.0 * i for i in range(20)))
    )
    assert sum(1 for w in waits if w == 0.0) == 10  # 60 attempts, one quota of 10
    assert all(w > 500 for w in waits if w)  # the rest wait for the oldest to leave the window
    async with Redis.from_url(redis_server.url) as r:
        assert await r.zcard("callerdesk:{q1}:rate") == 10
        assert 0 < await r.pttl("callerdesk:{q1}:rate") <= 601_000


async def test_burst_spreads_admissions_across_backends(
    backends: list[RedisRateBackend], redis_server: RedisServer
) -> None:
    # 4 per 600 s, at most 2 back to back: one per 150 s after the first two, whoever asks.
    limit = RateLimit(4, per=600.0, margin=0, burst=2)
    a, b, c = backends
    assert await a.acquire_rate_token(0.0, limit) == 0.0
    assert await b.acquire_rate_token(0.0, limit) == 0.0
    wait = await c.acquire_rate_token(0.0, limit)
    assert 149 < wait <= 150.01  # the schedule, not the window's log (2 of 4 used)
    async with Redis.from_url(redis_server.url) as r:
        assert await r.zcard("callerdesk:{q1}:rate") == 2  # a refused request writes nothing
        schedule = await r.pttl("callerdesk:{q1}:schedule")
        assert 300_000 < schedule <= 301_000  # expires once the schedule is in the past
        await r.flushall()
    # Without a burst the same quota is windowed only: the third and fourth go at once.
    whole = RateLimit(4, per=600.0, margin=0)
    assert [await x.acquire_rate_token(0.0, whole) for x in (a, b, c, a)] == [0.0] * 4


async def test_quota_defaults_to_a_hash_of_the_authcode(redis_server: RedisServer) -> None:
    backend = RedisRateBackend.from_url(redis_server.url, authcode=AUTHCODE)
    try:
        assert await backend.acquire_rate_token(0.0, LONG) == 0.0
        backend.set_cooldown(5.0, 0.0)
    finally:
        await backend.aclose()
    assert backend.quota == quota_name(AUTHCODE) != quota_name(AUTHCODE + "x")
    async with Redis.from_url(redis_server.url) as r:
        keys = sorted(k.decode() for k in await r.keys("*"))
        assert keys == [f"callerdesk:{{{backend.quota}}}:cooldown",
                        f"callerdesk:{{{backend.quota}}}:rate"]  # fmt: skip
        dumped = [await r.get(keys[0]), *(await r.zrange(keys[1], 0, -1))]
    assert not any(AUTHCODE in repr(v) for v in (*keys, *dumped))
    with pytest.raises(ValueError, match="quota"):
        RedisRateBackend.from_url(redis_server.url, authcode="  ")
    with pytest.raises(ValueError, match="braces"):
        RedisRateBackend.from_url(redis_server.url, quota="a}b")


async def test_host_clocks_do_not_matter(backends: list[RedisRateBackend]) -> None:
    # Each backend hears "now" from its own process's clock; here they disagree by hours.
    a, b, c = backends
    for _ in range(5):
        assert await a.acquire_rate_token(0.0, LONG) == 0.0
    for _ in range(5):
        assert await b.acquire_rate_token(86_400.0, LONG) == 0.0
    assert await c.acquire_rate_token(-3_000.0, LONG) > 500  # the shared log is full
    # A cool-down crosses as a duration: 30 s on a's clock is 30 s on b's.
    a.set_cooldown(30.0, 0.0)
    await a.aclose()  # waits for the background write
    wait = await b.acquire_rate_token(86_400.0, None)
    assert 29 < wait <= 30.01
    until = b.cooldown_until()
    assert until is not None and 86_429 < until <= 86_430.01


async def test_cooldown_only_extends(backends: list[RedisRateBackend]) -> None:
    a, b, _ = backends
    a.set_cooldown(30.0, 0.0)
    a.set_cooldown(10.0, 0.0)
    b.set_cooldown(2.0, 0.0)
    await a.aclose()
    await b.aclose()
    assert 29 < await backends[2].acquire_rate_token(0.0, None) <= 30.01


START, END = date(2026, 9, 1), date(2026, 9, 30)


def _config(**kw: object) -> SandboxConfig:
    return SandboxConfig(seed=3, calls=2_000, start_date=START, end_date=END, **kw)  # type: ignore[arg-type]


async def test_a_429_seen_by_one_client_pauses_another(redis_server: RedisServer) -> None:
    first = RedisRateBackend.from_url(redis_server.url, quota="shared")
    second = RedisRateBackend.from_url(redis_server.url, quota="shared")
    config = _config(fault_429=1.0, retry_after_seconds=3600)
    try:
        async with (
            Sandbox(config) as sb,
            CallerdeskClient(sb.authcode, base_url=sb.base_url, rate_backend=first,
                             retry=RetryPolicy(max_retry_after=7200, max_retries=0)) as one,
            CallerdeskClient(sb.authcode, base_url=sb.base_url, rate_backend=second,
                             retry=RetryPolicy(max_retry_after=10)) as two,
        ):  # fmt: skip
            with pytest.raises(RateLimitError):
                await one.calls.list(end_date=END).collect()
            await first.aclose()  # the cool-down is in Redis now
            waiting = asyncio.ensure_future(two.calls.list(end_date=END).collect())
            while second.cooldown_until() is None:
                await asyncio.sleep(0.01)
            stats = two.stats
            assert stats.cooldown_until is not None  # the other process's 429 shows here
            waiting.cancel()
            with pytest.raises(asyncio.CancelledError):
                await waiting
            # ... and counts for max_retry_after: 3600 s > 10 s, so it fails fast, unsent.
            with pytest.raises(RateLimitError, match="not sent"):
                await two.calls.list(end_date=END).collect()
            assert sb.stats.requests_total == 1
    finally:
        await second.aclose()


class Counting(RedisRateBackend):
    """Counts granted admissions and signals when ``after`` of them were granted."""

    def __init__(self, *args: object, after: int, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.granted = 0
        self.after = after
        self.reached = asyncio.Event()

    async def acquire_rate_token(self, now: float, limit: RateLimit | None) -> float:
        wait = await super().acquire_rate_token(now, limit)
        if wait <= 0:
            self.granted += 1
            if self.granted >= self.after:
                self.reached.set()
        return wait


def _counting(server: RedisServer, **kwargs: object) -> Counting:
    client = Redis.from_url(server.url, socket_timeout=0.25, socket_connect_timeout=0.25)
    return Counting(client, quota="outage", owns_client=True, after=20, **kwargs)


async def test_redis_killed_fails_closed_then_recovers_after_restart(
    redis_server: RedisServer,
) -> None:
    backend = _counting(redis_server)
    limit = RateLimit(1000, per=600.0)
    async with (
        Sandbox(_config()) as sb,
        CallerdeskClient(sb.authcode, base_url=sb.base_url, rate_limit=limit,
                         rate_backend=backend, max_concurrency=4, prefetch=0) as cd,
    ):  # fmt: skip
        workers = [asyncio.ensure_future(_single_requests(cd, 10_000)) for _ in range(4)]
        await asyncio.wait_for(backend.reached.wait(), BOUND)
        redis_server.kill()
        outcomes = await asyncio.wait_for(asyncio.gather(*workers), BOUND)  # nobody hangs
        assert all(o.startswith("unavailable") and "not sent" in o for o in outcomes)
        # Every request that reached the server was admitted by Redis first.
        assert sb.stats.requests_total == backend.granted
        assert backend.failures >= 1
        granted_before = backend.granted

        redis_server.start()  # same socket: the same client recovers, nothing restarted
        for _ in range(int(BOUND / 0.05)):
            try:
                await cd.calls.list(per_page=10, end_date=END).first_page()
                break
            except RateBackendUnavailableError:
                await asyncio.sleep(0.05)  # within retry_interval it fails at once
        assert backend.granted > granted_before
        assert sb.stats.requests_total == backend.granted
    await backend.aclose()


async def _single_requests(cd: CallerdeskClient, n: int) -> str:
    try:
        for _ in range(n):
            await cd.calls.list(per_page=10, end_date=END).first_page()
    except RateBackendUnavailableError as exc:
        return f"unavailable: {exc}"
    return "done"


async def test_redis_killed_with_fallback_keeps_a_share_of_the_quota(
    redis_server: RedisServer,
) -> None:
    backend = _counting(redis_server, fallback_share=0.5)
    limit = RateLimit(40, per=600.0, margin=0)
    async with (
        Sandbox(_config()) as sb,
        CallerdeskClient(sb.authcode, base_url=sb.base_url, rate_limit=limit,
                         rate_backend=backend, max_concurrency=4, prefetch=0) as cd,
    ):  # fmt: skip

        async def ten() -> None:
            for _ in range(10):
                await cd.calls.list(per_page=10, end_date=END).first_page()

        workers = [asyncio.ensure_future(ten()) for _ in range(4)]
        await asyncio.wait_for(backend.reached.wait(), BOUND)
        redis_server.kill()
        await asyncio.wait_for(asyncio.gather(*workers), BOUND)
        total = sb.stats.requests_total
    await backend.aclose()
    assert total == 40 == backend.granted  # every request metered, by Redis or locally
    assert 1 <= backend.fallback_admissions <= 20  # the local share: 0.5 x 40


async def test_a_hung_redis_is_reported_within_the_short_timeouts(
    redis_server: RedisServer,
) -> None:
    backend = RedisRateBackend.from_url(redis_server.url, quota="hung", timeout=0.1, retries=1)
    assert await backend.acquire_rate_token(0.0, LONG) == 0.0  # connected
    pid = redis_server.pid
    assert pid is not None
    os.kill(pid, signal.SIGSTOP)
    try:
        with pytest.raises(RateBackendUnavailableError, match="not sent"):
            await asyncio.wait_for(backend.acquire_rate_token(1.0, LONG), BOUND)
        # Within retry_interval the next one fails at once, without waiting on Redis again.
        with pytest.raises(RateBackendUnavailableError, match="not sent"):
            await backend.acquire_rate_token(1.0, LONG)
        assert backend.failures == 1
    finally:
        os.kill(pid, signal.SIGCONT)
    assert await backend.acquire_rate_token(2.0, LONG) == 0.0  # back after retry_interval
    await backend.aclose()
