"""Dispatcher tests, driven by a virtual clock: no assertion depends on wall time."""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import math
import random
import time
from collections.abc import Awaitable
from typing import Any

import pytest

from callerdesk_async._dispatcher import (
    Dispatcher,
    LocalRateBackend,
    Priority,
    RateLimit,
)

# Enough event-loop turns for every chain of wake-ups at one virtual instant to finish.
SETTLE_ROUNDS = 200
# More timer firings than any test needs: a gate that spins in virtual time fails, not hangs.
MAX_STEPS = 5_000


class VirtualTime:
    """A fake monotonic clock plus a ``sleep`` whose timers fire only when the test advances.

    Time moves only in :meth:`advance`: after the loop has settled, the clock jumps to the
    earliest pending timer and wakes every sleeper due by then. With ``early`` set, a sleep
    longer than ``2 * early`` returns ``early`` too soon, as asyncio's may (it fires timers up to
    the clock resolution early), so the code under test must re-check after waking.
    """

    def __init__(self, early: float = 0.0) -> None:
        self.now = 0.0
        self.early = early
        self.steps = 0
        self._timers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._sequence = itertools.count()

    def __call__(self) -> float:
        return self.now

    async def sleep(self, delay: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if delay > 2 * self.early:  # the re-check's short sleep then lands exactly
            delay -= self.early
        heapq.heappush(self._timers, (self.now + max(delay, 0.0), next(self._sequence), future))
        await future

    @staticmethod
    async def settle() -> None:
        for _ in range(SETTLE_ROUNDS):
            await asyncio.sleep(0)

    async def advance(self) -> bool:
        """Fire the earliest pending timers; return False when none is pending."""
        await self.settle()
        while self._timers and self._timers[0][2].done():
            heapq.heappop(self._timers)
        if not self._timers:
            return False
        self.steps += 1
        if self.steps > MAX_STEPS:
            pytest.fail(f"more than {MAX_STEPS} timer firings: something spins")
        self.now = max(self.now, self._timers[0][0])
        while self._timers and self._timers[0][0] <= self.now:
            future = heapq.heappop(self._timers)[2]
            if not future.done():
                future.set_result(None)
        await self.settle()
        return True

    async def advance_to(self, when: float) -> None:
        """Fire every timer due by ``when``, then set the clock to ``when``."""
        await self.settle()
        while any(t <= when for t, _, f in self._timers if not f.done()):
            await self.advance()
        self.now = max(self.now, when)
        await self.settle()

    async def run(self, *aws: Awaitable[None]) -> None:
        """Run coroutines or tasks to completion in virtual time."""
        tasks = [asyncio.ensure_future(a) for a in aws]
        while not all(t.done() for t in tasks):
            if not await self.advance() and not all(t.done() for t in tasks):
                for t in tasks:
                    t.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
                pytest.fail("deadlock: tasks wait but no timer is pending")
        await asyncio.gather(*tasks)


def max_in_window(times: list[float], per: float) -> int:
    """Largest number of admissions in any half-open window [t, t + per) starting at one."""
    return max(sum(1 for u in times if t <= u < t + per) for t in times)


@pytest.fixture
def vt() -> VirtualTime:
    return VirtualTime()


# 1. Rate gate ---------------------------------------------------------------------------------


@pytest.mark.parametrize("early", [0.0, 0.0005], ids=["exact-sleep", "early-wake"])
@pytest.mark.parametrize(("requests", "per"), [(10, 1.0), (3, 0.5), (1, 0.2)])
async def test_rate_limit_never_exceeded_in_any_sliding_window(
    requests: int, per: float, early: float
) -> None:
    vt = VirtualTime(early=early)
    dispatcher = Dispatcher(
        slow_start=False,
        max_concurrency=8,
        rate_limit=RateLimit(requests, per=per),
        clock=vt,
        sleep=vt.sleep,
    )
    admitted: list[float] = []

    async def one(hold: float) -> None:
        async with dispatcher.slot():
            admitted.append(vt.now)
            await vt.sleep(hold)

    await vt.run(*(one(hold=(i % 4) * 0.01) for i in range(100)))

    assert len(admitted) == 100
    assert max_in_window(admitted, per) <= requests
    # Including at start: a bucket that starts full and refills would admit more by `per`.
    assert sum(1 for t in admitted if t < per) == requests
    # Throughput close to the limit: 100 requests need (100 / requests - 1) full windows.
    ideal = (100 / requests - 1) * per
    assert max(admitted) <= ideal * 1.05 + 0.05


@pytest.mark.parametrize("early", [0.0, 0.0005], ids=["exact-sleep", "early-wake"])
@pytest.mark.parametrize(("requests", "burst", "per"), [(10, 3, 1.0), (10, 1, 1.0), (4, 2, 0.5)])
async def test_burst_spreads_admissions_and_keeps_the_window(
    requests: int, burst: int, per: float, early: float
) -> None:
    vt = VirtualTime(early=early)
    limit = RateLimit(requests, per=per, margin=0.0, burst=burst)
    dispatcher = Dispatcher(
        slow_start=False, max_concurrency=8, rate_limit=limit, clock=vt, sleep=vt.sleep
    )
    admitted: list[float] = []

    async def one(hold: float) -> None:
        async with dispatcher.slot():
            admitted.append(vt.now)
            await vt.sleep(hold)

    await vt.run(*(one(hold=(i % 4) * 0.01) for i in range(60)))

    assert len(admitted) == 60
    assert max_in_window(admitted, per) <= requests
    # A token bucket of depth ``burst`` refilling one per interval: never more than ``burst``
    # at once, and never more than ``burst + k`` within k intervals.
    tick = 1e-9  # float sums of intervals
    for k in range(4):
        span = k * limit.interval
        assert max(sum(1 for u in admitted if t <= u <= t + span - tick) for t in admitted) <= (
            burst + k
        )
    assert admitted.count(0.0) == burst
    # Sustained: one per interval after the first burst.
    assert max(admitted) <= (60 - burst) * limit.interval + 0.01


async def test_burst_refills_after_a_pause() -> None:
    backend = LocalRateBackend()
    limit = RateLimit(10, per=1.0, margin=0.0, burst=3)  # one per 0.1 s, 3 at once
    assert [await backend.acquire_rate_token(0.0, limit) for _ in range(3)] == [0.0] * 3
    assert await backend.acquire_rate_token(0.0, limit) == pytest.approx(0.1)
    assert await backend.acquire_rate_token(0.1, limit) == 0.0
    assert await backend.acquire_rate_token(0.1, limit) == pytest.approx(0.1)
    # Idle long enough and the burst is back, but the window's log still binds: 4 of 10 used.
    assert [await backend.acquire_rate_token(5.0, limit) for _ in range(4)] == [0.0] * 3 + [
        pytest.approx(0.1)
    ]


def test_burst_default_is_a_whole_window() -> None:
    assert not RateLimit(5).spread and not RateLimit(5, burst=5).spread
    assert RateLimit(5, burst=4).spread
    assert RateLimit(50, per=1.0, margin=0.03).interval == pytest.approx(1.03 / 50)


async def test_rate_limit_holds_with_real_clock_and_sleep() -> None:
    # Defaults (time.monotonic, asyncio.sleep): checks the recorded times, not durations.
    dispatcher = Dispatcher(slow_start=False, rate_limit=RateLimit(2, per=0.05))
    admitted: list[float] = []

    async def one() -> None:
        async with dispatcher.slot():
            admitted.append(time.monotonic())

    await asyncio.gather(*(one() for _ in range(6)))
    assert len(admitted) == 6
    assert max_in_window(admitted, 0.05) <= 2


# 2. Concurrency gate --------------------------------------------------------------------------


async def test_concurrency_never_exceeds_max(vt: VirtualTime) -> None:
    dispatcher = Dispatcher(slow_start=False, max_concurrency=3, clock=vt, sleep=vt.sleep)
    holding = 0
    peak = 0

    async def one(hold: float) -> None:
        nonlocal holding, peak
        async with dispatcher.slot():
            holding += 1
            peak = max(peak, holding)
            assert dispatcher.stats.in_flight == holding
            await vt.sleep(hold)
            holding -= 1

    await vt.run(*(one(hold=0.1 + (i % 5) * 0.03) for i in range(20)))
    assert peak == 3
    assert dispatcher.stats.in_flight == 0
    assert dispatcher.stats.admitted == 20


async def test_slot_released_when_body_raises(vt: VirtualTime) -> None:
    dispatcher = Dispatcher(slow_start=False, max_concurrency=1, clock=vt, sleep=vt.sleep)
    with pytest.raises(RuntimeError):
        async with dispatcher.slot():
            raise RuntimeError("boom")
    assert dispatcher.stats.in_flight == 0
    async with dispatcher.slot():  # would wait forever if the slot had leaked
        pass


# 3. Shared cool-down --------------------------------------------------------------------------


async def test_cooldown_holds_every_queued_and_new_request(vt: VirtualTime) -> None:
    dispatcher = Dispatcher(slow_start=False, max_concurrency=1, clock=vt, sleep=vt.sleep)
    admitted: list[float] = []

    async def holder() -> None:
        async with dispatcher.slot():
            await vt.sleep(0.5)
            dispatcher.throttled(1.0)  # the response was a 429 with Retry-After: 1

    async def one(priority: int = Priority.NORMAL) -> None:
        async with dispatcher.slot(priority):
            admitted.append(vt.now)

    holder_task = asyncio.ensure_future(holder())
    queued = [asyncio.ensure_future(one()) for _ in range(20)]
    await vt.advance_to(0.5)
    assert holder_task.done()
    assert dispatcher.stats.cooldown_until == pytest.approx(1.5)

    await vt.advance_to(1.0)
    dispatcher.throttled(0.1)  # a later, shorter Retry-After never shortens the cool-down
    assert dispatcher.stats.cooldown_until == pytest.approx(1.5)
    latecomer = asyncio.ensure_future(one(Priority.INTERACTIVE))
    await vt.advance_to(1.49)
    assert admitted == []
    assert dispatcher.stats.queued == 21

    await vt.run(*(t for t in [*queued, latecomer]))
    assert len(admitted) == 21
    assert min(admitted) == pytest.approx(1.5)
    assert all(t >= 1.5 for t in admitted)


# 4. Priorities --------------------------------------------------------------------------------


async def test_interactive_overtakes_queued_bulk_fifo_within_priority(vt: VirtualTime) -> None:
    dispatcher = Dispatcher(slow_start=False, max_concurrency=1, clock=vt, sleep=vt.sleep)
    order: list[str] = []
    release = asyncio.Event()

    async def holder() -> None:
        async with dispatcher.slot():
            await release.wait()

    async def one(name: str, priority: int) -> None:
        async with dispatcher.slot(priority):
            order.append(name)
            await vt.sleep(0.1)

    tasks = [asyncio.ensure_future(holder())]
    await vt.settle()
    for i in range(5):
        tasks.append(asyncio.ensure_future(one(f"bulk{i}", Priority.BULK)))
        await vt.settle()
    tasks.append(asyncio.ensure_future(one("normal", Priority.NORMAL)))
    await vt.settle()
    tasks.append(asyncio.ensure_future(one("interactive", Priority.INTERACTIVE)))
    await vt.settle()
    assert order == []
    release.set()
    await vt.run(*(t for t in tasks))
    assert order == ["interactive", "normal", "bulk0", "bulk1", "bulk2", "bulk3", "bulk4"]


async def test_interactive_overtakes_bulk_waiting_for_a_rate_token(vt: VirtualTime) -> None:
    dispatcher = Dispatcher(
        slow_start=False, rate_limit=RateLimit(1, per=1.0, margin=0), clock=vt, sleep=vt.sleep
    )
    admitted: list[tuple[str, float]] = []

    async def one(name: str, priority: int) -> None:
        async with dispatcher.slot(priority):
            admitted.append((name, vt.now))

    first = [asyncio.ensure_future(one(f"bulk{i}", Priority.BULK)) for i in range(3)]
    await vt.advance_to(0.5)
    late = asyncio.ensure_future(one("interactive", Priority.INTERACTIVE))
    await vt.run(*(t for t in [*first, late]))
    assert admitted == [("bulk0", 0.0), ("interactive", 1.0), ("bulk1", 2.0), ("bulk2", 3.0)]


# 5. Cancellation ------------------------------------------------------------------------------


async def test_cancelled_queued_waiter_leaks_nothing(vt: VirtualTime) -> None:
    dispatcher = Dispatcher(slow_start=False, max_concurrency=1, clock=vt, sleep=vt.sleep)
    order: list[str] = []

    async def one(name: str, hold: float) -> None:
        async with dispatcher.slot():
            order.append(name)
            await vt.sleep(hold)

    holder = asyncio.ensure_future(one("holder", 1.0))
    await vt.settle()
    a, b, c = (asyncio.ensure_future(one(n, 0.1)) for n in "abc")
    await vt.settle()
    b.cancel()
    await vt.settle()
    assert b.cancelled()
    assert dispatcher.stats.queued == 2
    await vt.run(*(t for t in [holder, a, c]))
    assert order == ["holder", "a", "c"]
    assert dispatcher.stats.in_flight == 0
    assert dispatcher.stats.queued == 0


async def test_cancelling_the_woken_head_passes_the_wake_up_on(vt: VirtualTime) -> None:
    dispatcher = Dispatcher(slow_start=False, max_concurrency=1, clock=vt, sleep=vt.sleep)
    admitted: list[str] = []

    async def one(name: str) -> None:
        async with dispatcher.slot():
            admitted.append(name)

    held = dispatcher.slot()
    await held.__aenter__()
    a = asyncio.ensure_future(one("a"))
    await vt.settle()
    b = asyncio.ensure_future(one("b"))
    await vt.settle()
    await held.__aexit__(None, None, None)  # wakes "a", which has not run yet
    a.cancel()
    await vt.run(b)
    assert a.cancelled()
    assert admitted == ["b"]
    assert dispatcher.stats.in_flight == 0
    assert dispatcher.stats.queued == 0


async def test_cancelling_the_holder_releases_its_slot(vt: VirtualTime) -> None:
    dispatcher = Dispatcher(slow_start=False, max_concurrency=1, clock=vt, sleep=vt.sleep)
    admitted: list[float] = []

    async def holder() -> None:
        async with dispatcher.slot():
            await vt.sleep(100.0)

    async def one() -> None:
        async with dispatcher.slot():
            admitted.append(vt.now)

    held = asyncio.ensure_future(holder())
    waiting = asyncio.ensure_future(one())
    await vt.advance_to(1.0)
    held.cancel()
    with pytest.raises(asyncio.CancelledError):
        await held  # CancelledError propagates out of the slot
    await vt.run(waiting)
    assert admitted == [1.0]


async def test_waiter_cancelled_while_waiting_for_a_token_takes_none(vt: VirtualTime) -> None:
    dispatcher = Dispatcher(
        slow_start=False, rate_limit=RateLimit(1, per=1.0, margin=0), clock=vt, sleep=vt.sleep
    )
    admitted: list[tuple[str, float]] = []

    async def one(name: str) -> None:
        async with dispatcher.slot():
            admitted.append((name, vt.now))

    x, y, z = (asyncio.ensure_future(one(n)) for n in "xyz")
    await vt.advance_to(0.5)  # "y" sleeps until 1.0 for the next token
    y.cancel()
    await vt.run(x, z)
    assert y.cancelled()
    assert admitted == [("x", 0.0), ("z", 1.0)]  # z got the token y never took


@pytest.mark.parametrize("seed", range(5))
async def test_random_arrivals_cancellations_and_priorities_keep_invariants(seed: int) -> None:
    rng = random.Random(seed)
    vt = VirtualTime()
    limit = RateLimit(4, per=0.5)
    dispatcher = Dispatcher(
        slow_start=False, max_concurrency=3, rate_limit=limit, clock=vt, sleep=vt.sleep
    )
    admitted: list[float] = []
    holding = 0
    peak = 0

    async def one(arrive: float, hold: float, priority: int) -> None:
        nonlocal holding, peak
        await vt.sleep(arrive)
        async with dispatcher.slot(priority):
            admitted.append(vt.now)
            holding += 1
            peak = max(peak, holding)
            try:
                await vt.sleep(hold)
            finally:
                holding -= 1

    tasks = [
        asyncio.ensure_future(
            one(rng.uniform(0, 1.5), rng.uniform(0, 0.4), rng.choice(list(Priority)))
        )
        for _ in range(60)
    ]

    async def canceller() -> None:
        for task in rng.sample(tasks, 15):
            await vt.sleep(rng.uniform(0, 0.2))
            task.cancel()

    async def outcome(task: asyncio.Task[None]) -> None:
        with contextlib.suppress(asyncio.CancelledError):
            await task
        assert task.done()

    await vt.run(canceller(), *(outcome(t) for t in tasks))
    outcomes = await asyncio.gather(*tasks, return_exceptions=True)
    survivors = sum(1 for o in outcomes if not isinstance(o, BaseException))
    assert all(o is None or isinstance(o, asyncio.CancelledError) for o in outcomes)
    assert survivors >= 45
    assert len(admitted) >= survivors  # a task cancelled while holding was admitted too
    assert peak <= 3
    assert max_in_window(admitted, limit.per) <= limit.requests
    stats = dispatcher.stats
    assert (stats.in_flight, stats.queued, stats.admitted) == (0, 0, len(admitted))


# 6. Adaptive slow-down ------------------------------------------------------------------------


async def test_adaptive_cap_only_after_429_and_recovers_along_a_cubic(vt: VirtualTime) -> None:
    dispatcher = Dispatcher(slow_start=False, max_concurrency=100, clock=vt, sleep=vt.sleep)
    admitted: list[float] = []

    async def one() -> None:
        async with dispatcher.slot():
            admitted.append(vt.now)

    await vt.run(*(one() for _ in range(40)))
    assert admitted == [0.0] * 40  # uncapped before any 429
    assert dispatcher.stats.effective_rate is None

    dispatcher.throttled(0.5)
    assert dispatcher.stats.effective_rate == pytest.approx(28.0)  # 0.7 x 40/s measured
    dispatcher.throttled(0.5)  # same episode (a request already in flight): no second drop
    assert dispatcher.stats.effective_rate == pytest.approx(28.0)

    admitted.clear()
    await vt.run(*(one() for _ in range(10)))
    gaps = [b - a for a, b in itertools.pairwise(admitted)]
    assert admitted[0] == pytest.approx(0.5)  # the cool-down served as the first gap
    assert min(gaps) >= 1 / 40 - 1e-9  # spaced by the cap, which is climbing

    # Recovery is a function of time, not of successes: back at 40/s cbrt(40*0.3/0.4) s later.
    k = (40 * 0.3 / 0.4) ** (1 / 3)
    rates = []
    for t in (0.6, 1.5, 2.5, k - 0.01):
        await vt.advance_to(t)
        rates.append(dispatcher.stats.effective_rate)
    assert all(r is not None for r in rates)
    assert rates == sorted(rates)
    assert rates[-1] == pytest.approx(40.0, abs=0.01)
    await vt.advance_to(k)
    assert dispatcher.stats.effective_rate is None

    admitted.clear()
    start = vt.now
    await vt.run(*(one() for _ in range(40)))
    assert admitted == [start] * 40  # uncapped again


async def test_configured_rate_limit_is_not_second_guessed_and_default_cooldown_grows(
    vt: VirtualTime,
) -> None:
    limit = RateLimit(10, per=1.0, margin=0)
    dispatcher = Dispatcher(
        slow_start=False, max_concurrency=100, rate_limit=limit, clock=vt, sleep=vt.sleep
    )
    admitted: list[float] = []

    async def one() -> None:
        async with dispatcher.slot():
            admitted.append(vt.now)
            dispatcher.succeeded()

    await vt.run(*(one() for _ in range(5)))
    dispatcher.throttled(None)
    # The quota is known: no adaptive cap, and an isolated 429 stops nobody else ...
    assert dispatcher.stats.effective_rate is None
    assert dispatcher.stats.cooldown_until is None
    await vt.run(*(one() for _ in range(5)))
    assert admitted == [0.0] * 10  # (one probe first, then the rest at once)
    # ... but a second 429 in the same episode starts the shared cool-down (default 1 s).
    dispatcher.throttled(None)
    dispatcher.throttled(None)
    assert dispatcher.stats.cooldown_until == pytest.approx(1.0)
    await vt.run(*(one() for _ in range(10)))
    assert max_in_window(admitted, 1.0) <= 10
    assert admitted[10:] == [1.0] * 10  # the full quota right after the cool-down

    now = vt.now
    await vt.advance_to(now + 1.5)
    dispatcher.throttled(None)  # a new episode after successes: isolated ...
    dispatcher.throttled(None)  # ... then shared, 1 s
    assert dispatcher.stats.cooldown_until == pytest.approx(now + 2.5)
    await vt.advance_to(now + 3.0)
    dispatcher.throttled(None)  # a new episode without a success in between: 2 s
    dispatcher.throttled(None)
    assert dispatcher.stats.cooldown_until == pytest.approx(now + 5.0)
    dispatcher.succeeded()
    await vt.advance_to(now + 6.0)
    dispatcher.throttled(None)
    dispatcher.throttled(None)  # after a success the default is back to 1 s
    assert dispatcher.stats.cooldown_until == pytest.approx(vt.now + 1.0)

    # Opting in caps below the configured limit too (0.7 x 10 per window).
    opted = Dispatcher(slow_start=False, rate_limit=limit, adaptive=True, clock=vt, sleep=vt.sleep)
    await vt.run(*(_hold(opted) for _ in range(10)))
    opted.throttled(0.0)
    assert opted.stats.effective_rate == pytest.approx(7.0)


async def _hold(dispatcher: Dispatcher) -> None:
    async with dispatcher.slot():
        pass


async def test_retry_after_beyond_max_delay_is_capped_when_stored(vt: VirtualTime) -> None:
    # Issue 15 item 8: Retry-After: 1000000000 used to freeze every request for 31 years.
    dispatcher = Dispatcher(slow_start=False, clock=vt, sleep=vt.sleep)
    dispatcher.throttled(1_000_000_000.0, max_delay=60.0)
    assert dispatcher.cooldown_remaining() == pytest.approx(60.0)
    dispatcher.throttled(1e300)  # no bound given: still stored, as before
    assert dispatcher.cooldown_remaining() == pytest.approx(1e300)


# 7. Validation --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"requests": 0}, "requests"),
        ({"requests": -3}, "requests"),
        ({"requests": 2.5}, "requests"),
        ({"requests": 1, "per": 0}, "per"),
        ({"requests": 1, "per": -1.0}, "per"),
        ({"requests": 1, "per": math.nan}, "per"),
        ({"requests": 1, "per": math.inf}, "per"),
        ({"requests": 5, "burst": 0}, "burst"),
        ({"requests": 5, "burst": 6}, "burst"),
        ({"requests": 5, "burst": 2.0}, "burst"),
        ({"requests": 5, "burst": True}, "burst"),
    ],
)
def test_rate_limit_validation_names_the_field(kwargs: dict[str, Any], name: str) -> None:
    with pytest.raises(ValueError, match=name):
        RateLimit(**kwargs)


@pytest.mark.parametrize("value", [0, -1, 1.5, True])
def test_max_concurrency_validation(value: Any) -> None:
    with pytest.raises(ValueError, match="max_concurrency"):
        Dispatcher(max_concurrency=value)


def test_rate_limit_is_a_frozen_value() -> None:
    limit = RateLimit(5)
    assert limit == RateLimit(5, per=1.0)
    with pytest.raises(AttributeError):
        limit.requests = 6  # type: ignore[misc]


# 8. Stats -------------------------------------------------------------------------------------


async def test_stats_reflect_in_flight_queued_and_cooldown(vt: VirtualTime) -> None:
    dispatcher = Dispatcher(slow_start=False, max_concurrency=1, clock=vt, sleep=vt.sleep)
    release = asyncio.Event()

    async def one() -> None:
        async with dispatcher.slot():
            await release.wait()

    tasks = [asyncio.ensure_future(one()) for _ in range(4)]
    await vt.settle()
    stats = dispatcher.stats
    assert (stats.in_flight, stats.queued, stats.cooldown_until) == (1, 3, None)
    assert (stats.admitted, stats.throttled) == (1, 0)

    dispatcher.throttled(2.0)
    assert dispatcher.stats.cooldown_until == pytest.approx(2.0)
    assert dispatcher.stats.throttled == 1

    release.set()
    await vt.run(*(t for t in tasks))
    stats = dispatcher.stats
    assert (stats.in_flight, stats.queued, stats.cooldown_until) == (0, 0, None)
    assert stats.admitted == 4


# Backend seam ---------------------------------------------------------------------------------


async def test_local_backend_sliding_window_and_cooldown() -> None:
    backend = LocalRateBackend()
    limit = RateLimit(2, per=1.0, margin=0)
    assert await backend.acquire_rate_token(0.0, limit) == 0.0
    assert await backend.acquire_rate_token(0.4, limit) == 0.0
    assert await backend.acquire_rate_token(0.9, limit) == pytest.approx(0.1)
    assert await backend.acquire_rate_token(0.9, limit) == pytest.approx(0.1)  # nothing taken
    assert await backend.acquire_rate_token(1.0, limit) == 0.0
    assert await backend.acquire_rate_token(1.0, limit) == pytest.approx(0.4)
    assert await backend.acquire_rate_token(5.0, None) == 0.0

    assert backend.cooldown_until() is None
    backend.set_cooldown(3.0, 0.0)
    backend.set_cooldown(2.0, 0.0)
    assert backend.cooldown_until() == 3.0

    # The margin widens the enforced window: 2 per 1.1 s here.
    wide = RateLimit(2, per=1.0, margin=0.1)
    assert wide.window == pytest.approx(1.1)
    other = LocalRateBackend()
    assert await other.acquire_rate_token(0.0, wide) == 0.0
    assert await other.acquire_rate_token(0.0, wide) == 0.0
    assert await other.acquire_rate_token(1.05, wide) == pytest.approx(0.05)
    assert await other.acquire_rate_token(1.1, wide) == 0.0


class RecordingBackend(LocalRateBackend):
    """A stand-in for a shared backend: records calls and can impose a remote cool-down."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[float, RateLimit | None]] = []
        self.remote_wait_until = 0.0

    async def acquire_rate_token(self, now: float, limit: RateLimit | None) -> float:
        await asyncio.sleep(0)  # a real shared backend suspends here
        self.calls.append((now, limit))
        if now < self.remote_wait_until:
            return self.remote_wait_until - now
        return await super().acquire_rate_token(now, limit)


async def test_custom_backend_is_consulted_for_every_admission(vt: VirtualTime) -> None:
    backend = RecordingBackend()
    backend.remote_wait_until = 2.0  # e.g. a cool-down another process set
    limit = RateLimit(3, per=1.0)
    dispatcher = Dispatcher(
        slow_start=False,
        max_concurrency=2,
        rate_limit=limit,
        clock=vt,
        sleep=vt.sleep,
        backend=backend,
    )
    admitted: list[float] = []

    async def one() -> None:
        async with dispatcher.slot():
            admitted.append(vt.now)
            await vt.sleep(0.01)

    await vt.run(*(one() for _ in range(6)))
    assert all(limit_ is limit for _, limit_ in backend.calls)
    assert min(admitted) == 2.0
    assert max_in_window(admitted, 1.0) <= 3
    assert dispatcher.stats.in_flight == 0

    dispatcher.throttled(1.0)  # isolated (a configured limit): not shared yet
    assert backend.cooldown_until() is None
    dispatcher.throttled(1.0)
    assert backend.cooldown_until() == pytest.approx(vt.now + 1.0)


# Slow start ----------------------------------------------------------------------------------


async def test_slow_start_admits_one_until_the_first_answer(vt: VirtualTime) -> None:
    dispatcher = Dispatcher(max_concurrency=4, clock=vt, sleep=vt.sleep)
    holding = 0
    peaks: list[int] = []

    async def one(i: int) -> None:
        nonlocal holding
        async with dispatcher.slot():
            holding += 1
            peaks.append(holding)
            await vt.sleep(0.1)
            holding -= 1
            dispatcher.succeeded()

    await vt.run(*(one(i) for i in range(9)))
    assert peaks[0] == 1
    assert peaks[1] == 1  # the second waited for the first answer
    assert max(peaks) == 4  # then the full concurrency opened


async def test_after_a_429_one_probe_goes_first(vt: VirtualTime) -> None:
    dispatcher = Dispatcher(max_concurrency=8, clock=vt, sleep=vt.sleep)
    admitted: list[tuple[float, int]] = []
    holding = 0
    answers_429 = [True]  # the first request is throttled, the rest succeed

    async def one() -> None:
        nonlocal holding
        async with dispatcher.slot():
            holding += 1
            admitted.append((vt(), holding))
            await vt.sleep(0.01)
            holding -= 1
            if answers_429 and answers_429.pop():
                dispatcher.throttled(1.0)
            else:
                dispatcher.succeeded()

    await vt.run(*(one() for _ in range(20)))
    assert admitted[0] == (0.0, 1)
    after = [t for t, _ in admitted[1:]]
    assert min(after) >= 1.0  # everyone else waited out the cool-down
    assert admitted[1][1] == 1  # the probe after the cool-down went alone
    assert max(h for _, h in admitted) > 1  # and then the gate opened


async def test_only_the_head_waiter_polls_a_shared_backend(vt: VirtualTime) -> None:
    backend = RecordingBackend()
    backend.remote_wait_until = 5.0
    dispatcher = Dispatcher(
        slow_start=False, max_concurrency=8, clock=vt, sleep=vt.sleep, backend=backend
    )

    async def one() -> None:
        async with dispatcher.slot():
            pass

    await vt.run(*(one() for _ in range(50)))
    before = [now for now, _ in backend.calls if now < 5.0]
    assert before == [0.0]  # 50 queued, one question while the remote cool-down lasts
    assert len(backend.calls) == 51


async def test_a_retry_keeps_its_first_attempts_place_in_line(vt: VirtualTime) -> None:
    dispatcher = Dispatcher(
        slow_start=False, rate_limit=RateLimit(1, per=1.0, margin=0), clock=vt, sleep=vt.sleep
    )
    admitted: list[str] = []

    async def one(name: str, ticket: int | None = None) -> None:
        async with dispatcher.slot(Priority.NORMAL, ticket):
            admitted.append(name)

    retry_ticket = dispatcher.ticket()  # taken by the first attempt, before the others queued
    queued = [asyncio.ensure_future(one(f"page{i}")) for i in range(3)]
    await vt.settle()
    retry = asyncio.ensure_future(one("retry", retry_ticket))
    await vt.run(*queued, retry)
    assert admitted == ["page0", "retry", "page1", "page2"]


async def test_only_a_429_sent_after_an_isolated_one_starts_the_shared_cooldown(
    vt: VirtualTime,
) -> None:
    dispatcher = Dispatcher(slow_start=False, rate_limit=RateLimit(10), clock=vt, sleep=vt.sleep)
    async with dispatcher.slot() as early:
        pass
    await vt.advance_to(1.0)
    dispatcher.throttled(1.0, admitted_at=early)  # isolated
    dispatcher.throttled(1.0, admitted_at=early)  # also in flight before it: no news
    assert dispatcher.stats.cooldown_until is None
    async with dispatcher.slot() as probe:  # the probe, sent after the first 429
        pass
    assert probe >= 1.0
    dispatcher.succeeded(admitted_at=early)  # an old request's success proves nothing ...
    dispatcher.throttled(1.0, admitted_at=probe)  # ... so the probe's 429 escalates
    assert dispatcher.stats.cooldown_until == pytest.approx(2.0)

    await vt.advance_to(5.0)
    dispatcher.throttled(1.0, admitted_at=4.0)  # isolated again
    async with dispatcher.slot() as probe:
        pass
    dispatcher.succeeded(admitted_at=probe)  # the probe got through: it was isolated
    dispatcher.throttled(1.0, admitted_at=probe)  # a new isolated one, not an escalation
    assert dispatcher.stats.cooldown_until is None
