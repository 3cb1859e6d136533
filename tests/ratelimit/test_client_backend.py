"""The client's rate seam: ``rate_backend=``, shared cool-downs, and bounded Retry-After."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest
from aioresponses import aioresponses

from callerdesk_async import CallerdeskClient, LocalRateBackend, RateLimit, RetryPolicy
from callerdesk_async.errors import RateBackendUnavailableError, RateLimitError
from tests.conftest import AUTHCODE

CALLS_URL = "https://app.callerdesk.io/api/call_list_v2"
EMPTY = json.dumps({"type": "success", "total": 0, "result": []})


@pytest.fixture
def mocked() -> Any:
    with aioresponses() as m:
        yield m


def sent(mocked: Any) -> int:
    return sum(len(v) for v in mocked.requests.values())


@pytest.mark.parametrize("retry_after", ["1000000000", "Fri, 31 Dec 9999 23:59:59 GMT"])
async def test_huge_retry_after_is_capped_when_stored(mocked: Any, retry_after: str) -> None:
    # Issue 15 item 8: the stored cool-down used to be uncapped and froze the client for years.
    mocked.post(CALLS_URL, status=429, headers={"Retry-After": retry_after})
    mocked.post(CALLS_URL, body=EMPTY, content_type="text/html")
    cap = 1.0  # the fail-fast check below runs within it even on a stalled machine
    async with CallerdeskClient(AUTHCODE, retry=RetryPolicy(max_retry_after=cap)) as cd:
        with pytest.raises(RateLimitError):
            await cd.calls.list().collect()
        until = cd.stats.cooldown_until
        assert until is not None and until <= time.monotonic() + cap
        # Inside the capped window later requests still fail fast, unsent ...
        with pytest.raises(RateLimitError, match="not sent"):
            await cd.calls.list().collect()
        assert sent(mocked) == 1
        # ... and once it is over the client sends again instead of staying frozen.
        await asyncio.sleep(until - time.monotonic() + 0.01)
        assert await cd.calls.list().collect() == []
    assert sent(mocked) == 2


class RemoteCooldownBackend(LocalRateBackend):
    """Stands in for a shared backend on which another process has started a cool-down."""

    def __init__(self, remote_seconds: float) -> None:
        super().__init__()
        self.remote_seconds = remote_seconds
        self.acquired = 0
        self.cooldowns: list[tuple[float, float]] = []

    async def acquire_rate_token(self, now: float, limit: RateLimit | None) -> float:
        self.acquired += 1
        if self.remote_seconds:
            self.set_cooldown(now + self.remote_seconds, now)  # heard from the shared store
            return self.remote_seconds
        return await super().acquire_rate_token(now, limit)

    def set_cooldown(self, until: float, now: float) -> None:
        self.cooldowns.append((until, now))
        super().set_cooldown(until, now)


async def test_rate_backend_is_used_and_a_remote_cooldown_counts(mocked: Any) -> None:
    backend = RemoteCooldownBackend(remote_seconds=3600)
    mocked.post(CALLS_URL, body=EMPTY, content_type="text/html", repeat=True)
    policy = RetryPolicy(max_retry_after=10)
    async with CallerdeskClient(AUTHCODE, retry=policy, rate_backend=backend) as cd:
        task = asyncio.ensure_future(cd.calls.list().collect())
        while not backend.acquired:
            await asyncio.sleep(0)
        stats = cd.stats
        assert stats.cooldown_until is not None  # another process's cool-down shows in stats
        assert stats.cooldown_until > time.monotonic() + 3000
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        # ... and in the max_retry_after decision: the next request fails fast, unsent.
        with pytest.raises(RateLimitError, match="not sent"):
            await cd.calls.list().collect()
        assert sent(mocked) == 0


async def test_a_429_reaches_the_backend_with_the_current_time(mocked: Any) -> None:
    backend = RemoteCooldownBackend(remote_seconds=0)
    mocked.post(CALLS_URL, status=429, headers={"Retry-After": "0.01"})
    mocked.post(CALLS_URL, body=EMPTY, content_type="text/html")
    async with CallerdeskClient(AUTHCODE, rate_backend=backend) as cd:
        before = time.monotonic()
        assert await cd.calls.list().collect() == []
    [(until, now)] = backend.cooldowns
    assert before <= now <= time.monotonic()
    assert until - now == pytest.approx(0.01)


class DownBackend(LocalRateBackend):
    async def acquire_rate_token(self, now: float, limit: RateLimit | None) -> float:
        raise RateBackendUnavailableError("the shared rate store did not answer")


async def test_unavailable_backend_fails_before_sending(mocked: Any) -> None:
    mocked.post(CALLS_URL, body=EMPTY, content_type="text/html", repeat=True)
    async with CallerdeskClient(AUTHCODE, rate_backend=DownBackend()) as cd:
        with pytest.raises(RateBackendUnavailableError, match="did not answer"):
            await cd.calls.list().collect()
        assert cd.stats.in_flight == 0
    assert sent(mocked) == 0
