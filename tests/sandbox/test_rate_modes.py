"""The sandbox's server limiters: strict sliding window, fixed window, token bucket."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from hypothesis import given
from hypothesis import strategies as st

from callerdesk_async.sandbox import Sandbox
from callerdesk_async.sandbox._faults import FixedWindow, SlidingWindow, TokenBucket

from .conftest import make_config

arrivals = st.lists(st.floats(0, 5, allow_nan=False), min_size=1, max_size=200).map(sorted)


@given(arrivals, st.integers(1, 12), st.sampled_from([0.1, 0.5, 1.0]))
def test_sliding_window_never_admits_more_than_requests_in_any_window(
    times: list[float], requests: int, per: float
) -> None:
    limiter = SlidingWindow(requests, per)
    admitted = [t for t in times if limiter.take(t) == 0.0]
    for t in admitted:
        assert sum(1 for u in admitted if t - per < u <= t) <= requests


@given(arrivals, st.integers(1, 12), st.sampled_from([0.1, 0.5, 1.0]))
def test_fixed_window_counts_per_window_and_resets(
    times: list[float], requests: int, per: float
) -> None:
    limiter = FixedWindow(requests, per, start=0.0)
    admitted = [t for t in times if limiter.take(t) == 0.0]
    per_window: dict[int, int] = {}
    for t in admitted:
        per_window[int(t // per)] = per_window.get(int(t // per), 0) + 1
    assert all(n <= requests for n in per_window.values())


def test_the_waits_each_limiter_reports() -> None:
    sliding = SlidingWindow(2, 1.0)
    assert [sliding.take(t) for t in (0.0, 0.3)] == [0.0, 0.0]
    assert sliding.take(0.9) == pytest.approx(0.1)  # until the first leaves (0, 1]
    assert sliding.take(1.0) == 0.0
    fixed = FixedWindow(2, 1.0, start=0.0)
    assert [fixed.take(t) for t in (0.9, 0.95)] == [0.0, 0.0]
    assert fixed.take(0.99) == pytest.approx(0.01)
    assert [fixed.take(t) for t in (1.0, 1.01)] == [0.0, 0.0]  # the boundary burst it allows
    bucket = TokenBucket(2.0, 2, 0.0)
    assert [bucket.take(0.0), bucket.take(0.0)] == [0.0, 0.0]
    assert bucket.take(0.0) == pytest.approx(0.5)


@pytest.mark.parametrize("mode", ["sliding_window", "fixed_window", "token_bucket"])
async def test_each_mode_over_http(http: aiohttp.ClientSession, mode: str) -> None:
    config = make_config(rate_limit=0.1, rate_limit_mode=mode, rate_window=60.0, rate_burst=6)
    async with Sandbox(config) as sb:

        async def one() -> tuple[int, str | None]:
            async with http.post(
                sb.base_url + "profile_billing_v2", data={"authcode": sb.authcode}
            ) as resp:
                await resp.read()
                return resp.status, resp.headers.get("Retry-After")

        results = await asyncio.gather(*(one() for _ in range(12)))
        stats = sb.stats
    ok = [r for r in results if r[0] == 200]
    limited = [r for r in results if r[0] == 429]
    # Window modes: 0.1/s x 60 s = 6 per window; the bucket: 6 deep.
    assert len(ok) == len(limited) == 6
    assert all(after is not None and float(after) >= 1 for _, after in limited)
    if mode != "token_bucket":  # the window's end, give or take the test's own run time
        assert all(50 <= float(after) <= 60 for _, after in limited)
    assert stats.rate_limited == len(limited)


@pytest.mark.parametrize("bad", [{"rate_limit_mode": "leaky"}, {"rate_window": 0}])
def test_bad_limiter_settings_are_rejected(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError, match=next(iter(bad))):
        make_config(**bad)
