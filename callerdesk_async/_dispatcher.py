"""Admission control for every request: concurrency, rate, shared 429 cool-down, priorities.

One :class:`Dispatcher` per client. The pipeline wraps each attempt in
``async with dispatcher.slot(priority):`` and reports the outcome with :meth:`Dispatcher.throttled`
(HTTP 429) or :meth:`Dispatcher.succeeded`. Rate and cool-down state live behind
:class:`RateBackend`, so a shared backend can enforce one quota across many processes.
"""

from __future__ import annotations

import asyncio
import enum
import heapq
import itertools
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from types import TracebackType
from typing import Protocol

__all__ = [
    "Dispatcher",
    "DispatcherStats",
    "LocalRateBackend",
    "Priority",
    "RateBackend",
    "RateLimit",
]

_MEASURE_WINDOW = 1.0  # seconds of admission history used to measure the rate at a 429
_MIN_SAMPLES = 4  # admissions within _MEASURE_WINDOW needed to derive a cap
# CUBIC (aiobotocore's adaptive mode): drop to _BETA x the measured rate, then climb back along
# a cubic that reaches it again K = cbrt(rate * (1 - _BETA) / _CUBIC_C) seconds after the 429.
_BETA = 0.7
_CUBIC_C = 0.4
_MIN_RATE = 0.5  # requests/s; the adaptive cap never goes lower, so progress never stops
_DEFAULT_COOLDOWN = 1.0
_MAX_DEFAULT_COOLDOWN = 30.0
DEFAULT_MARGIN = 0.03
"""The default :attr:`RateLimit.margin`: 30 ms of arrival jitter per second of window."""


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True, slots=True)
class RateLimit:
    """The server's quota: at most ``requests`` requests in any window of ``per`` seconds.

    The client admits at most ``requests`` in any window of :attr:`window` =
    ``per * (1 + margin)`` seconds, so that transit and scheduling jitter of up to
    ``per * margin`` seconds cannot squeeze ``requests + 1`` arrivals into one of the server's
    windows. It never bursts beyond ``requests``. ``margin=0`` enforces ``per`` exactly.

    ``burst`` (default: ``requests``, a whole window at once) caps how many go back to back:
    with ``burst < requests`` admissions are also spread to one every :attr:`interval` =
    ``window / requests`` seconds, with up to ``burst`` at once after a pause (a GCRA, the
    token bucket's schedule). Use it for a server that smooths its quota, e.g. a token bucket
    shallower than its rate.

    Raises:
        ValueError: ``requests`` is not a positive int, ``per`` is not a positive finite number,
            ``margin`` is not a finite number in ``[0, 1]``, or ``burst`` is not an int in
            ``[1, requests]``.
    """

    requests: int
    per: float = 1.0
    margin: float = DEFAULT_MARGIN
    burst: int | None = None

    def __post_init__(self) -> None:
        if not _is_int(self.requests) or self.requests <= 0:
            raise ValueError(f"RateLimit requests must be an int > 0, got {self.requests!r}")
        per: object = self.per
        if isinstance(per, bool) or not isinstance(per, (int, float)) or not per > 0:
            raise ValueError(f"RateLimit per must be > 0 seconds, got {self.per!r}")
        if not math.isfinite(per):
            raise ValueError(f"RateLimit per must be finite, got {self.per!r}")
        margin: object = self.margin
        if isinstance(margin, bool) or not isinstance(margin, (int, float)) or not 0 <= margin <= 1:
            raise ValueError(f"RateLimit margin must be between 0 and 1, got {self.margin!r}")
        burst = self.burst
        if burst is not None and (not _is_int(burst) or not 1 <= burst <= self.requests):
            raise ValueError(
                f"RateLimit burst must be an int between 1 and requests ({self.requests}), "
                f"got {burst!r}"
            )

    @property
    def window(self) -> float:
        """The window the client enforces: ``per * (1 + margin)`` seconds."""
        return self.per * (1 + self.margin)

    @property
    def interval(self) -> float:
        """Seconds between admissions at the sustained rate: ``window / requests``."""
        return self.window / self.requests

    @property
    def spread(self) -> bool:
        """Whether admissions are spread (``burst`` below ``requests``), not only windowed."""
        return self.burst is not None and self.burst < self.requests


class Priority(enum.IntEnum):
    """Admission priority: lower values are admitted first; FIFO within one value."""

    INTERACTIVE = 0
    """Click-to-call and single requests a person waits on."""
    NORMAL = 10
    """The default."""
    BULK = 20
    """Export pages and other background traffic."""


@dataclass(frozen=True, slots=True)
class DispatcherStats:
    """A snapshot of a :class:`Dispatcher`.

    Attributes:
        in_flight: slots currently held.
        queued: requests waiting to be admitted.
        cooldown_until: end of the shared 429 cool-down on the dispatcher's clock, or ``None``.
        throttled: how many 429s were reported with :meth:`Dispatcher.throttled`.
        admitted: how many requests were admitted in total.
        effective_rate: the adaptive cap in requests/s, ``None`` while there is none. A
            configured :class:`RateLimit` applies in addition to it.
        cooldown_until also reflects a cool-down another process set through a shared
        :class:`RateBackend`, once this dispatcher's backend has heard of it.
    """

    in_flight: int
    queued: int
    cooldown_until: float | None
    throttled: int
    admitted: int
    effective_rate: float | None


class RateBackend(Protocol):
    """Where the rate quota and the shared cool-down live.

    Contract (every time is a value of the dispatcher's clock, normally ``time.monotonic``;
    a backend shared between hosts converts to a shared clock at its own boundary):

    * ``acquire_rate_token(now, limit)`` either takes one admission from ``limit`` and returns
      ``0.0``, or takes nothing and returns how many seconds to wait before asking again. It
      must be atomic with respect to every other caller sharing the quota. ``limit=None``
      means no quota: return ``0.0`` unless the backend knows of another reason to wait
      (e.g. a cool-down set by another process), which it may report the same way. Such a
      backend also reflects that cool-down in ``cooldown_until()``. Enforce ``limit.window``,
      not ``limit.per``, and when ``limit.spread``, also at most ``limit.burst`` back to back
      at one per ``limit.interval`` (see :class:`LocalRateBackend`). A backend that cannot
      answer raises :class:`~callerdesk_async.errors.RateBackendUnavailableError` (nothing is
      sent).
    * ``set_cooldown(until, now)`` makes the cool-down end no earlier than ``until``; it only
      ever extends. ``now`` is the current time, so a shared backend can store the duration
      ``until - now`` on its own clock. It is synchronous: a remote backend updates a local copy
      and writes through in the background.
    * ``cooldown_until()`` returns the latest cool-down end known, or ``None`` (it may be in the
      past). It is synchronous and must not block.
    """

    async def acquire_rate_token(self, now: float, limit: RateLimit | None) -> float:
        """Take an admission and return 0.0, or return seconds to wait (nothing taken)."""
        ...

    def set_cooldown(self, until: float, now: float) -> None:
        """Extend the shared cool-down to end no earlier than ``until`` (``now`` is the time)."""
        ...

    def cooldown_until(self) -> float | None:
        """The end of the shared cool-down, or ``None`` if none was ever set."""
        ...


class LocalRateBackend:
    """In-process :class:`RateBackend`: a sliding-window log of the last admission times.

    A request is admitted when fewer than ``limit.requests`` admissions happened in the
    half-open window ``(now - limit.window, now]``, which is exact and never bursts. With
    ``limit.spread``, it must also be on the GCRA schedule: the theoretical arrival time
    ``tat`` (the end of the admissions so far, one ``limit.interval`` each) may run ahead of
    ``now`` by at most ``(limit.burst - 1) * limit.interval``.
    """

    def __init__(self) -> None:
        self._log: deque[float] = deque()
        self._tat = -math.inf
        self._cooldown: float | None = None

    async def acquire_rate_token(self, now: float, limit: RateLimit | None) -> float:
        """Record an admission at ``now`` and return 0.0, or return seconds until one is free."""
        if limit is None:
            return 0.0
        log = self._log
        while len(log) > limit.requests:
            log.popleft()
        full = len(log) == limit.requests
        wait = log[0] + limit.window - now if full else 0.0
        burst = limit.burst if limit.spread else None
        if burst is not None:
            # The schedule is a float sum of intervals: a nanosecond of rounding is not a wait.
            early = self._tat - (burst - 1) * limit.interval - now
            wait = max(wait, early if early > 1e-9 else 0.0)
        if wait > 0:
            return wait
        if full:
            log.popleft()
        log.append(now)
        if burst is not None:
            self._tat = max(self._tat, now) + limit.interval
        return 0.0

    def set_cooldown(self, until: float, now: float) -> None:
        """Extend the cool-down to ``until``; an earlier value is ignored."""
        del now  # one process, one clock: the end is stored as is
        if self._cooldown is None or until > self._cooldown:
            self._cooldown = until

    def cooldown_until(self) -> float | None:
        """The latest cool-down end set, or ``None``."""
        return self._cooldown


class _Cubic:
    """The adaptive cap after a 429 at ``start`` that was drawn at ``peak`` requests/s."""

    __slots__ = ("_k", "peak", "start")

    def __init__(self, peak: float, start: float) -> None:
        self.peak = peak
        self.start = start
        self._k = math.pow(peak * (1 - _BETA) / _CUBIC_C, 1 / 3)

    def rate(self, now: float) -> float | None:
        """The cap at ``now``, or ``None`` once it is back at ``peak``."""
        t = now - self.start - self._k
        if t >= 0:
            return None
        return max(_MIN_RATE, self.peak + _CUBIC_C * t * t * t)


class _Waiter:
    __slots__ = ("future", "removed")

    def __init__(self) -> None:
        self.future: asyncio.Future[None] | None = None
        self.removed = False


class Dispatcher:
    """Admits requests through a concurrency gate, a rate gate and a shared 429 cool-down.

    Waiters are admitted in priority order (lower value first, FIFO within a priority): only
    the head of the queue may take a slot or a rate token, so an INTERACTIVE request overtakes
    queued BULK ones. Waiting uses futures and the injected ``sleep``, never polling.

    Adaptive slow-down (CUBIC, as in aiobotocore's adaptive mode), on by default only without a
    configured :class:`RateLimit`: there is no cap until the first 429. A 429 sets the cap to
    0.7x the rate measured over the last second (or the cap in force, if lower), never below
    0.5/s, and the cap climbs back along a cubic curve that reaches that rate again
    ``cbrt(rate * 0.3 / 0.4)`` seconds after the 429 (3.35 s at 50/s); then it is removed.
    429s arriving during the cool-down of a previous one, or within a second of it, extend the
    cool-down but do not slow down again: they usually come from requests that were already in
    flight. With a configured :class:`RateLimit` the quota is known: the rate is not
    second-guessed, the first 429 of an episode is taken as isolated (see :meth:`throttled`),
    and the configured limit is never exceeded.

    Args:
        max_concurrency: most slots held at once (>= 1).
        rate_limit: the quota enforced through ``backend``; ``None`` for no quota.
        clock: monotonic clock in seconds.
        sleep: coroutine function used for every timed wait.
        backend: rate and cool-down state; a fresh :class:`LocalRateBackend` by default.
        slow_start: admit one request at a time until the first answer that is not a 429
            (also after every 429); the rest follow as soon as it arrives.
        adaptive: use the adaptive cap after 429s; ``None`` (default) means only when
            ``rate_limit`` is ``None``.

    Raises:
        ValueError: ``max_concurrency`` is not a positive int.
    """

    def __init__(
        self,
        *,
        max_concurrency: int = 8,
        rate_limit: RateLimit | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        backend: RateBackend | None = None,
        slow_start: bool = True,
        adaptive: bool | None = None,
    ) -> None:
        if not _is_int(max_concurrency) or max_concurrency < 1:
            raise ValueError(f"max_concurrency must be an int >= 1, got {max_concurrency!r}")
        self._max_concurrency = max_concurrency
        self._rate_limit = rate_limit
        self._clock = clock
        self._sleep = sleep
        self._backend: RateBackend = LocalRateBackend() if backend is None else backend
        self._heap: list[tuple[int, int, int, _Waiter]] = []
        self._sequence = itertools.count()
        self._queued = 0
        self._in_flight = 0
        self._admitted = 0
        self._throttled = 0
        self._recent: deque[float] = deque()  # admission times within _MEASURE_WINDOW
        self._last_admission: float | None = None
        self._adaptive = rate_limit is None if adaptive is None else adaptive
        self._cubic: _Cubic | None = None
        self._calm_after = -math.inf  # before this, a 429 is part of the current episode
        self._default_cooldown = _DEFAULT_COOLDOWN
        self._asked_until = -math.inf  # the end of the pause the server last asked for
        self._unresolved = False  # a 429 was reported and no success since
        self._suspect_since: float | None = None  # when an isolated 429 was reported
        # "Probe" mode admits one request at a time until the server answers without a 429:
        # at start (so a burst of concurrent first requests cannot all hit an unknown limit)
        # and after every 429 (so the requests queued behind a cool-down do not all fail again
        # if the server still throttles when it ends).
        self._probing = slow_start

    def ticket(self) -> int:
        """A place in the queue, for :meth:`slot`: take one per logical request."""
        return next(self._sequence)

    def slot(
        self, priority: int = Priority.NORMAL, ticket: int | None = None
    ) -> AbstractAsyncContextManager[float]:
        """Wait for the cool-down, a concurrency slot and a rate token, in priority order.

        ``async with dispatcher.slot() as admitted_at:`` gives the admission time, to pass to
        :meth:`throttled` or :meth:`succeeded` with the answer.

        Within a priority, waiters go in ``ticket`` order (a fresh one by default): a retry
        that passes the ticket of its first attempt goes ahead of requests queued after that
        attempt, so a page that drew a 429 does not wait behind the pages prefetched since.

        The concurrency slot is held until the ``async with`` block exits, also on an exception
        or cancellation. A waiter cancelled while queued leaves without taking anything.
        """
        return _Slot(self, int(priority), self.ticket() if ticket is None else ticket)

    def throttled(
        self,
        retry_after: float | None,
        max_delay: float = math.inf,
        admitted_at: float | None = None,
    ) -> None:
        """Report an HTTP 429: start or extend the shared cool-down and slow down.

        Nobody is admitted before ``now + min(retry_after, max_delay)``: a server asking for a
        wait longer than ``max_delay`` (the retry policy's ``max_retry_after``) cannot freeze
        the client beyond it. With ``retry_after=None`` (or a non-finite value) the cool-down is
        1 s, doubling (up to 30 s) for each new episode of 429s without a success in between.
        Negative values count as 0.

        With a configured :class:`RateLimit` (and no adaptive cap) the first 429 is taken as
        isolated: the client is within the quota it was given, so the request that drew it
        waits out its ``Retry-After`` alone (the retry policy sees to that) and the others go
        on, one at a time until an answer that is not a 429. If a request admitted after that
        429 (``admitted_at``, from :meth:`slot`; ``None`` counts as "after") draws a 429 too,
        the server really is refusing: that starts the shared cool-down for everyone. 429s of
        requests that were already in flight prove nothing either way.
        """
        now = self._clock()
        self._throttled += 1
        self._probing = True
        new_episode = now >= self._calm_after
        if new_episode and not self._adaptive and self._rate_limit is not None:
            suspect = self._suspect_since
            if suspect is None:
                self._suspect_since = now
                return  # isolated until a request sent after it draws a 429 too
            if admitted_at is not None and admitted_at < suspect:
                return  # in flight before the first one: no news
            self._suspect_since = None
        if retry_after is None or not math.isfinite(retry_after):
            if new_episode and self._unresolved:
                self._default_cooldown = min(self._default_cooldown * 2, _MAX_DEFAULT_COOLDOWN)
            delay = self._default_cooldown
        else:
            delay = max(0.0, retry_after)
        self._unresolved = True
        if new_episode:
            self._calm_after = max(now + delay, now + _MEASURE_WINDOW)
            if self._adaptive:
                self._slow_down(now)
        self._asked_until = max(self._asked_until, now + delay)
        self._backend.set_cooldown(now + min(delay, max(0.0, max_delay)), now)

    def succeeded(self, admitted_at: float | None = None) -> None:
        """Report a successful response (of a request admitted at ``admitted_at``).

        It ends the one-at-a-time probing after a 429 (or at start), and an isolated 429 is
        cleared once a request admitted after it succeeds.
        """
        self._default_cooldown = _DEFAULT_COOLDOWN
        self._unresolved = False
        suspect = self._suspect_since
        if suspect is not None and (admitted_at is None or admitted_at >= suspect):
            self._suspect_since = None
        if self._probing:
            self._probing = False
            self._wake_head()

    def cooldown_remaining(self) -> float:
        """Seconds left of the shared cool-down (0.0 when none is active)."""
        until = self._backend.cooldown_until()
        return 0.0 if until is None else max(0.0, until - self._clock())

    def requested_pause(self) -> float:
        """Seconds the server asked to pause, while the (possibly capped) cool-down runs.

        Longer than :meth:`cooldown_remaining` after a ``Retry-After`` beyond ``max_delay``:
        the pipeline fails such requests fast instead of waiting, until the capped cool-down
        ends and a request may probe again. 0.0 when no cool-down is active.
        """
        remaining = self.cooldown_remaining()
        if remaining <= 0:
            return 0.0
        return max(remaining, self._asked_until - self._clock())

    @property
    def stats(self) -> DispatcherStats:
        """A snapshot of in-flight, queued, cool-down and adaptive-rate state."""
        now = self._clock()
        until = self._backend.cooldown_until()
        return DispatcherStats(
            in_flight=self._in_flight,
            queued=self._queued,
            cooldown_until=until if until is not None and until > now else None,
            throttled=self._throttled,
            admitted=self._admitted,
            effective_rate=self._cap(now),
        )

    def _cap(self, now: float) -> float | None:
        cubic = self._cubic
        if cubic is None:
            return None
        cap = cubic.rate(now)
        if cap is None:
            self._cubic = None
        return cap

    def _slow_down(self, now: float) -> None:
        self._forget_before(now)
        rates = [] if (cap := self._cap(now)) is None else [cap]
        if len(self._recent) >= _MIN_SAMPLES:
            rates.append(len(self._recent) / _MEASURE_WINDOW)
        if not rates:
            # Too few recent admissions (e.g. a lone probe) to measure a rate worth slowing;
            # the cool-down and the probe already keep the next requests from piling up.
            return
        basis = min(rates)
        if self._rate_limit is not None:
            basis = min(basis, self._rate_limit.requests / self._rate_limit.window)
        self._cubic = _Cubic(max(basis, _MIN_RATE), now)

    def _forget_before(self, now: float) -> None:
        while self._recent and self._recent[0] <= now - _MEASURE_WINDOW:
            self._recent.popleft()

    async def _acquire(self, priority: int, ticket: int) -> float:
        waiter = _Waiter()
        heapq.heappush(self._heap, (priority, ticket, next(self._sequence), waiter))
        self._queued += 1
        try:
            while True:
                if self._head() is waiter and self._in_flight < self._limit():
                    # Reserved across the backend await so a concurrent admission cannot
                    # take the same slot.
                    self._in_flight += 1
                    try:
                        delay = await self._try_admit()
                    except BaseException:
                        self._in_flight -= 1
                        raise
                    if delay <= 0:
                        self._dequeue(waiter)
                        self._wake_head()
                        return self._clock()
                    self._in_flight -= 1
                    await self._sleep(delay)
                else:
                    waiter.future = asyncio.get_running_loop().create_future()
                    await waiter.future
        except BaseException:
            self._dequeue(waiter)
            self._wake_head()  # pass on a wake-up this waiter may have consumed
            raise

    async def _try_admit(self) -> float:
        """Return seconds to wait, or 0.0 after admitting (a rate token was taken)."""
        now = self._clock()
        until = self._backend.cooldown_until()
        if until is not None and now < until:
            return until - now
        # A cool-down that ended after the last admission already served as the gap.
        last = self._last_admission
        cap = self._cap(now)
        if cap is not None and last is not None and (until is None or last >= until):
            ready_at = last + 1.0 / cap
            if now < ready_at:
                return ready_at - now
        delay = await self._backend.acquire_rate_token(now, self._rate_limit)
        if delay <= 0:
            self._admitted += 1
            self._last_admission = now
            self._forget_before(now)
            self._recent.append(now)
        return delay

    def _release(self) -> None:
        self._in_flight -= 1
        self._wake_head()

    def _head(self) -> _Waiter | None:
        heap = self._heap
        while heap and heap[0][3].removed:
            heapq.heappop(heap)
        return heap[0][3] if heap else None

    def _dequeue(self, waiter: _Waiter) -> None:
        if not waiter.removed:
            waiter.removed = True
            self._queued -= 1

    def _limit(self) -> int:
        return 1 if self._probing else self._max_concurrency

    def _wake_head(self) -> None:
        if self._in_flight >= self._limit():
            return  # the next release wakes it
        head = self._head()
        if head is not None and head.future is not None and not head.future.done():
            head.future.set_result(None)


class _Slot(AbstractAsyncContextManager[float]):
    __slots__ = ("_dispatcher", "_priority", "_ticket")

    def __init__(self, dispatcher: Dispatcher, priority: int, ticket: int) -> None:
        self._dispatcher = dispatcher
        self._priority = priority
        self._ticket = ticket

    async def __aenter__(self) -> float:
        return await self._dispatcher._acquire(self._priority, self._ticket)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._dispatcher._release()
