"""One rate quota and one 429 cool-down shared by many processes and hosts, kept in Redis.

Install the extra (``pip install "callerdesk-async[redis]"``) and give every client that
spends the same account's quota the same backend settings::

    backend = RedisRateBackend.from_url("redis://localhost:6379/0")
    async with CallerdeskClient(rate_limit=RateLimit(50), rate_backend=backend) as cd:
        ...
    await backend.aclose()

Each admission is one atomic Lua script: it reads Redis's own clock (``TIME``), checks the
shared cool-down key and keeps a sliding-window log of admissions in a sorted set. Host clocks
never enter: waits and cool-downs cross the process boundary as durations only.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
import os
import random
import uuid
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import RedisError

from ._dispatcher import LocalRateBackend, RateLimit
from .errors import RateBackendUnavailableError

__all__ = ["RedisRateBackend", "quota_name"]

logger = logging.getLogger("callerdesk_async")

_AUTHCODE_ENV = "CALLERDESK_AUTHCODE"

# KEYS: rate log, cool-down, GCRA schedule. ARGV: requests (0 = no quota), window in µs, a
# unique member, the spreading interval in µs (0 = whole windows only), the burst tolerance in
# µs. Returns {admitted, wait_us, cooldown_left_us}; every time is Redis's own (TIME, in µs).
# Nothing is written unless the request is admitted.
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local cooldown = tonumber(redis.call('GET', KEYS[2]) or '0')
if cooldown > now then
  return {0, cooldown - now, cooldown - now}
end
local requests = tonumber(ARGV[1])
if requests == 0 then
  return {1, 0, 0}
end
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local wait = 0
if redis.call('ZCARD', KEYS[1]) >= requests then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  wait = tonumber(oldest[2]) + window - now
end
local interval = tonumber(ARGV[4])
local tat = now
if interval > 0 then
  tat = math.max(tonumber(redis.call('GET', KEYS[3]) or '0'), now)
  local early = tat - tonumber(ARGV[5]) - now
  if early > wait then
    wait = early
  end
end
if wait > 0 then
  return {0, wait, 0}
end
redis.call('ZADD', KEYS[1], now, ARGV[3])
redis.call('PEXPIRE', KEYS[1], math.ceil(window / 1000) + 1000)
if interval > 0 then
  tat = tat + interval
  redis.call('SET', KEYS[3], tat, 'PX', math.ceil((tat - now) / 1000) + 1000)
end
return {1, 0, 0}
"""

# KEYS: cool-down. ARGV: duration in µs. Extends the cool-down to Redis's now + duration.
_COOLDOWN = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local untl = now + tonumber(ARGV[1])
local old = tonumber(redis.call('GET', KEYS[1]) or '0')
if untl > old then
  redis.call('SET', KEYS[1], untl, 'PX', math.ceil((untl - now) / 1000) + 1)
end
return 1
"""


def quota_name(authcode: str) -> str:
    """The default quota name for an ``authcode``: a hash of it (the key never reaches Redis)."""
    digest = hashlib.sha256(b"callerdesk-async quota\0" + authcode.strip().encode()).hexdigest()
    return digest[:24]


class RedisRateBackend:
    """A :class:`~callerdesk_async.RateBackend` in Redis: one quota across processes and hosts.

    Keys are ``callerdesk:{quota}:rate`` (the sorted-set log), ``callerdesk:{quota}:cooldown``
    (the cool-down end in Redis-clock microseconds) and, for a ``RateLimit`` with a ``burst``
    below its ``requests``, ``callerdesk:{quota}:schedule`` (the GCRA's theoretical arrival
    time); the braces keep them in one Redis Cluster slot. All expire by themselves.

    If Redis does not answer (within ``timeout`` per try, ``retries`` extra tries), the
    request fails with :class:`~callerdesk_async.errors.RateBackendUnavailableError` before it
    is sent, and for ``retry_interval`` seconds later requests fail at once without waiting
    on Redis again. With ``fallback_share`` set, requests instead go on under a local limit of
    that share of the quota (e.g. ``1 / number_of_processes``) until Redis answers again.
    Nothing is ever sent unmetered.

    Args:
        client: a ``redis.asyncio.Redis``; configure short timeouts on it yourself (or use
            :meth:`from_url`). It is closed by :meth:`aclose` only if ``owns_client``.
        quota: the quota's name; every client sharing the account's quota uses the same one.
        fallback_share: opt-in local fallback, a fraction in ``(0, 1]`` of the configured
            quota; ``None`` (default) fails closed.
        retry_interval: seconds between attempts to reach Redis after it failed.
        jitter: up to this many seconds are added at random to each wait, so the processes
            waiting for the same slot do not all ask at the same instant.
        owns_client: close ``client`` in :meth:`aclose`.

    Raises:
        ValueError: an empty quota name or one with braces, or a share outside ``(0, 1]``.
    """

    def __init__(
        self,
        client: Redis,
        *,
        quota: str,
        fallback_share: float | None = None,
        retry_interval: float = 0.5,
        jitter: float = 0.002,
        owns_client: bool = False,
    ) -> None:
        if (
            not isinstance(quota, str)
            or not quota
            or any(c in quota for c in "{}")
            or (not quota.isprintable())
        ):
            raise ValueError(f"quota must be a non-empty printable name without braces: {quota!r}")
        if fallback_share is not None and not 0 < fallback_share <= 1:
            raise ValueError(f"fallback_share must be in (0, 1], got {fallback_share!r}")
        self._redis = client
        self.quota = quota
        self.rate_key = f"callerdesk:{{{quota}}}:rate"
        self.cooldown_key = f"callerdesk:{{{quota}}}:cooldown"
        self.schedule_key = f"callerdesk:{{{quota}}}:schedule"
        self._acquire = client.register_script(_ACQUIRE)
        self._extend = client.register_script(_COOLDOWN)
        self._fallback_share = fallback_share
        self._fallback = LocalRateBackend()
        self._retry_interval = retry_interval
        self._jitter = jitter
        self._owns_client = owns_client
        self._cooldown: float | None = None
        self._down_until = -math.inf  # before this, Redis is not asked again
        self._id = uuid.uuid4().hex[:16]
        self._sequence = 0
        self._writes: set[asyncio.Task[None]] = set()
        self.failures = 0
        """How many times Redis did not answer."""
        self.fallback_admissions = 0
        """Admissions granted by the local fallback while Redis was unavailable."""

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        quota: str | None = None,
        authcode: str | None = None,
        timeout: float = 0.25,
        retries: int = 2,
        **kwargs: Any,
    ) -> RedisRateBackend:
        """A backend on its own Redis connection pool (closed by :meth:`aclose`).

        Args:
            url: ``redis://host:port/db``, ``rediss://...`` or ``unix:///path/to.sock``.
            quota: the quota's name; defaults to a hash of ``authcode`` (itself defaulting
                to ``$CALLERDESK_AUTHCODE``), so clients of one account share one quota.
            timeout: seconds to connect and per command (redis-py's default of 5 s per step
                took 4-8 s to report a dead server).
            retries: extra tries after a connection error or timeout, 10-50 ms apart.
            kwargs: passed on to :class:`RedisRateBackend`.

        Raises:
            ValueError: neither ``quota`` nor an authcode is available.
        """
        if quota is None:
            authcode = authcode if authcode is not None else os.environ.get(_AUTHCODE_ENV)
            if not authcode or not authcode.strip():
                raise ValueError(
                    f"pass quota=... or authcode=... (or set ${_AUTHCODE_ENV}) to name the quota"
                )
            quota = quota_name(authcode)
        client = Redis.from_url(
            url,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
            retry=Retry(ExponentialBackoff(cap=0.05, base=0.01), retries),
            retry_on_timeout=True,
        )
        return cls(client, quota=quota, owns_client=True, **kwargs)

    def __repr__(self) -> str:
        return f"RedisRateBackend(quota={self.quota!r})"

    async def acquire_rate_token(self, now: float, limit: RateLimit | None) -> float:
        """Take an admission in Redis and return 0.0, or return seconds to wait."""
        if now >= self._down_until:
            self._sequence += 1
            burst = None if limit is None or not limit.spread else limit.burst
            args = (
                0 if limit is None else limit.requests,
                0 if limit is None else math.ceil(limit.window * 1_000_000),
                f"{self._id}:{self._sequence}",
                0 if limit is None or burst is None else math.ceil(limit.interval * 1_000_000),
                0
                if limit is None or burst is None
                else math.floor((burst - 1) * limit.interval * 1_000_000),
            )
            keys = [self.rate_key, self.cooldown_key, self.schedule_key]
            try:
                reply = await self._acquire(keys=keys, args=args)
            except (RedisError, OSError) as exc:
                self._down_until = now + self._retry_interval
                self.failures += 1
                return await self._unavailable(now, limit, exc)
            self._down_until = -math.inf
            admitted, wait_us, cooldown_us = (int(x) for x in reply)
            if cooldown_us > 0:
                self._extend_local(now + cooldown_us / 1_000_000)
            if admitted:
                return 0.0
            return wait_us / 1_000_000 + random.uniform(0, self._jitter)
        return await self._unavailable(now, limit, None)

    async def _unavailable(
        self, now: float, limit: RateLimit | None, exc: BaseException | None
    ) -> float:
        share = self._fallback_share
        if share is None:
            cause = "" if exc is None else f" ({type(exc).__name__}: {exc})"
            raise RateBackendUnavailableError(
                f"the Redis rate backend for quota {self.quota!r} did not answer{cause}; "
                "the request was not sent"
            )
        if exc is not None:
            logger.warning("Redis rate backend unavailable (%s); local fallback", exc)
        local = None
        if limit is not None:
            requests = max(1, math.floor(limit.requests * share))
            burst = None if limit.burst is None else min(limit.burst, requests)
            local = RateLimit(requests, per=limit.per, margin=limit.margin, burst=burst)
        wait = await self._fallback.acquire_rate_token(now, local)
        if wait <= 0:
            self.fallback_admissions += 1
        return wait

    def set_cooldown(self, until: float, now: float) -> None:
        """Extend the cool-down here at once and in Redis in the background (as a duration)."""
        self._extend_local(until)
        duration_us = math.ceil(max(0.0, until - now) * 1_000_000)
        try:
            task = asyncio.get_running_loop().create_task(self._write_cooldown(duration_us))
        except RuntimeError:  # no running loop: nothing to share with anyway
            return
        self._writes.add(task)
        task.add_done_callback(self._writes.discard)

    async def _write_cooldown(self, duration_us: int) -> None:
        try:
            await self._extend(keys=[self.cooldown_key], args=(duration_us,))
        except (RedisError, OSError) as exc:
            # Still enforced locally; the other processes find out from their own 429s.
            self.failures += 1
            logger.warning("could not share a 429 cool-down through Redis: %s", exc)

    def cooldown_until(self) -> float | None:
        """The latest cool-down end known here (set locally or read from Redis), or ``None``."""
        return self._cooldown

    def _extend_local(self, until: float) -> None:
        if self._cooldown is None or until > self._cooldown:
            self._cooldown = until

    async def aclose(self) -> None:
        """Finish pending cool-down writes; close the Redis client if this backend owns it."""
        if self._writes:
            await asyncio.gather(*self._writes, return_exceptions=True)
        if self._owns_client:
            await self._redis.aclose()
