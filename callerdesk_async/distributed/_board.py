"""The window board in Redis: one lease per window, and which delivery of it is the latest.

Per window the board keeps a lease (owner, token, expiry) and two counters: ``queued``, bumped
by the coordinator each time it sends the window's task, and ``started``, set to ``queued``
when a worker takes the lease. A window without a marker, without a live lease and with
``started >= queued`` was started after its last sending and stopped without finishing (its
worker died or failed): the coordinator sends it again. Every decision is one Lua script, so
a worker taking a lease and the coordinator re-sending the window cannot interleave.

Times are Redis's own clock (``TIME``) unless a ``clock`` is given (tests use a virtual one),
so host clocks never enter.
"""

from __future__ import annotations

import math
import os
import socket
import uuid
from collections.abc import Callable

import attrs
from redis.asyncio import Redis

__all__ = ["Lease", "WindowBoard", "WindowStatus"]

_NOW = """
local function now_us(arg)
  if arg ~= '' then return tonumber(arg) end
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000000 + tonumber(t[2])
end
"""

# The keys outlive any lease by far; they only keep an abandoned plan from staying forever.
_KEEP_MS = 7 * 24 * 3600 * 1000

# KEYS: lease, windows. ARGV: now, ttl µs, owner, token, window, keep ms.
# Returns {1, ''} when the lease is taken, {0, holder} while another holder's lease is live.
_ACQUIRE = (
    _NOW
    + """
local now = now_us(ARGV[1])
local expires = tonumber(redis.call('HGET', KEYS[1], 'expires') or '0')
if expires > now then
  return {0, redis.call('HGET', KEYS[1], 'owner') or ''}
end
redis.call('HSET', KEYS[1], 'owner', ARGV[3], 'token', ARGV[4],
           'expires', tostring(now + tonumber(ARGV[2])))
redis.call('PEXPIRE', KEYS[1], ARGV[6])
local queued = redis.call('HGET', KEYS[2], 'q' .. ARGV[5]) or '0'
redis.call('HSET', KEYS[2], 's' .. ARGV[5], queued)
redis.call('HDEL', KEYS[2], 'e' .. ARGV[5])
redis.call('PEXPIRE', KEYS[2], ARGV[6])
return {1, ''}
"""
)

# KEYS: lease. ARGV: now, ttl µs, token. 1 if the live lease was ours and is extended.
_RENEW = (
    _NOW
    + """
local now = now_us(ARGV[1])
if redis.call('HGET', KEYS[1], 'token') ~= ARGV[3] then return 0 end
if tonumber(redis.call('HGET', KEYS[1], 'expires') or '0') <= now then return 0 end
redis.call('HSET', KEYS[1], 'expires', tostring(now + tonumber(ARGV[2])))
return 1
"""
)

# KEYS: lease, windows. ARGV: token, window, error ('' for none), keep ms.
_RELEASE = """
if redis.call('HGET', KEYS[1], 'token') ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
if ARGV[3] ~= '' then
  redis.call('HSET', KEYS[2], 'e' .. ARGV[2], ARGV[3])
  redis.call('PEXPIRE', KEYS[2], ARGV[4])
end
return 1
"""

# KEYS: lease, windows. ARGV: now, window, force ('1'/'0'), keep ms.
# Bumps and returns the window's queued counter when it may be sent (no live lease, and its
# last sending was started, unless forced); 0 otherwise.
_ENQUEUE = (
    _NOW
    + """
local now = now_us(ARGV[1])
if tonumber(redis.call('HGET', KEYS[1], 'expires') or '0') > now then return 0 end
local queued = tonumber(redis.call('HGET', KEYS[2], 'q' .. ARGV[2]) or '0')
local started = tonumber(redis.call('HGET', KEYS[2], 's' .. ARGV[2]) or '0')
if started < queued and ARGV[3] ~= '1' then return 0 end
redis.call('HSET', KEYS[2], 'q' .. ARGV[2], tostring(queued + 1))
redis.call('PEXPIRE', KEYS[2], ARGV[4])
return queued + 1
"""
)

# KEYS: lease, windows. ARGV: now, window.
# Returns {leased (0/1), owner, seconds left (string), queued, started, error}.
_STATUS = (
    _NOW
    + """
local now = now_us(ARGV[1])
local expires = tonumber(redis.call('HGET', KEYS[1], 'expires') or '0')
local leased = 0
local owner = ''
if expires > now then
  leased = 1
  owner = redis.call('HGET', KEYS[1], 'owner') or ''
end
return {leased, owner, tostring((expires - now) / 1000000),
        tonumber(redis.call('HGET', KEYS[2], 'q' .. ARGV[2]) or '0'),
        tonumber(redis.call('HGET', KEYS[2], 's' .. ARGV[2]) or '0'),
        redis.call('HGET', KEYS[2], 'e' .. ARGV[2]) or ''}
"""
)


def default_owner() -> str:
    """``host:pid``: who holds a lease, for people reading the board."""
    return f"{socket.gethostname()}:{os.getpid()}"


@attrs.frozen(slots=True)
class Lease:
    """A held lease on one window (``token`` proves it is this attempt's)."""

    window: int
    owner: str
    token: str


@attrs.frozen(slots=True)
class WindowStatus:
    """What the board knows of one window.

    Attributes:
        leased: a live lease is held (by ``owner``, for ``seconds_left`` more seconds).
        queued: how many times the window's task was sent.
        started: the ``queued`` count when a worker last took its lease (``0``: never).
        error: the last failed attempt's error (``""``: none).
    """

    leased: bool
    owner: str
    seconds_left: float
    queued: int
    started: int
    error: str

    @property
    def stopped(self) -> bool:
        """The latest sending was started and nobody holds the lease: the worker died or
        failed (or the window is done: the caller checks the marker first)."""
        return not self.leased and self.started >= self.queued


class WindowBoard:
    """The leases and sending counters of one plan's windows, in Redis.

    Keys are ``callerdesk:dist:{plan_id}:lease:<window>`` and
    ``callerdesk:dist:{plan_id}:windows`` (the braces keep a plan in one cluster slot).

    Args:
        client: a ``redis.asyncio.Redis`` (closed by :meth:`aclose` only if ``owns_client``).
        plan_id: the plan's id.
        clock: seconds as a float; ``None`` (default) uses Redis's clock. For tests.
    """

    def __init__(
        self,
        client: Redis,
        plan_id: str,
        *,
        clock: Callable[[], float] | None = None,
        owns_client: bool = False,
    ) -> None:
        if not plan_id or any(c in plan_id for c in "{}"):
            raise ValueError(f"plan_id must be a non-empty name without braces: {plan_id!r}")
        self._redis = client
        self._clock = clock
        self._owns_client = owns_client
        self._prefix = f"callerdesk:dist:{{{plan_id}}}"
        self._windows_key = f"{self._prefix}:windows"
        self._acquire = client.register_script(_ACQUIRE)
        self._renew = client.register_script(_RENEW)
        self._release = client.register_script(_RELEASE)
        self._enqueue = client.register_script(_ENQUEUE)
        self._status = client.register_script(_STATUS)

    @classmethod
    def from_url(cls, url: str, plan_id: str, **kwargs: object) -> WindowBoard:
        """A board on its own connection pool (closed by :meth:`aclose`)."""
        client = Redis.from_url(url, socket_timeout=5.0, socket_connect_timeout=5.0)
        return cls(client, plan_id, owns_client=True, **kwargs)  # type: ignore[arg-type]

    def _keys(self, window: int) -> list[str]:
        return [f"{self._prefix}:lease:{window}", self._windows_key]

    def _now(self) -> str:
        return "" if self._clock is None else str(math.floor(self._clock() * 1_000_000))

    async def acquire(self, window: int, ttl: float, *, owner: str | None = None) -> Lease | str:
        """Take window ``window``'s lease for ``ttl`` seconds: the :class:`Lease`, or the
        owner of the live lease someone else holds."""
        owner = owner or default_owner()
        token = uuid.uuid4().hex
        taken, holder = await self._acquire(
            keys=self._keys(window),
            args=[self._now(), _us(ttl), owner, token, window, _KEEP_MS],
        )
        if int(taken):
            return Lease(window, owner, token)
        return _text(holder)

    async def renew(self, lease: Lease, ttl: float) -> bool:
        """Extend a live lease by ``ttl`` seconds from now; ``False`` if it expired or was
        taken over (the attempt must stop writing)."""
        keys = self._keys(lease.window)[:1]
        return bool(await self._renew(keys=keys, args=[self._now(), _us(ttl), lease.token]))

    async def release(self, lease: Lease, error: str | None = None) -> bool:
        """Give the lease up (recording ``error`` when the attempt failed); ``False`` if it
        was no longer ours."""
        args: list[str | int] = [lease.token, lease.window, error or "", _KEEP_MS]
        return bool(await self._release(keys=self._keys(lease.window), args=args))

    async def enqueue(self, window: int, *, force: bool = False) -> int:
        """Record a sending of window ``window`` and return its number (1, 2, ...), or ``0``
        when it must not be sent: its lease is live, or (unless ``force``) its last sending
        was not started yet."""
        args: list[str | int] = [self._now(), window, "1" if force else "0", _KEEP_MS]
        return int(await self._enqueue(keys=self._keys(window), args=args))

    async def status(self, window: int) -> WindowStatus:
        """Window ``window``'s :class:`WindowStatus`."""
        leased, owner, left, queued, started, error = await self._status(
            keys=self._keys(window), args=[self._now(), window]
        )
        return WindowStatus(
            leased=bool(int(leased)),
            owner=_text(owner),
            seconds_left=max(0.0, float(_text(left))) if int(leased) else 0.0,
            queued=int(queued),
            started=int(started),
            error=_text(error),
        )

    async def aclose(self) -> None:
        """Close the Redis client if this board owns it."""
        if self._owns_client:
            await self._redis.aclose()


def _us(seconds: float) -> int:
    if not seconds > 0:
        raise ValueError(f"a lease lasts > 0 seconds, got {seconds!r}")
    return math.ceil(seconds * 1_000_000)


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
