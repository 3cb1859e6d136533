"""Misbehaviour on demand: server rate limiters (three kinds) and seeded fault dice."""

from __future__ import annotations

import math
import random
from collections import deque
from typing import Protocol

from ._config import FAULT_KINDS, SandboxConfig

__all__ = [
    "FaultDice",
    "FixedWindow",
    "Limiter",
    "SlidingWindow",
    "TokenBucket",
    "format_retry_after",
    "make_limiter",
]


_TINY = 1e-6  # a refusal never reports a zero wait, whatever the float rounding


class Limiter(Protocol):
    """A server-side rate limit: ``take(now)`` admits (0.0) or says how long until it would."""

    def take(self, now: float) -> float:
        """Admit a request at ``now`` (0.0) or return seconds until one would be admitted."""
        ...


def make_limiter(config: SandboxConfig, now: float) -> Limiter | None:
    """The limiter ``config.rate_limit_mode`` names, or ``None`` without a rate limit."""
    rate = config.rate_limit
    if not rate:
        return None
    if config.rate_limit_mode == "token_bucket":
        return TokenBucket(rate, config.rate_burst or max(1, int(rate)), now)
    requests = max(1, round(rate * config.rate_window))
    if config.rate_limit_mode == "sliding_window":
        return SlidingWindow(requests, config.rate_window)
    return FixedWindow(requests, config.rate_window, now)


class SlidingWindow:
    """Strict: at most ``requests`` admitted in any window ``(t - per, t]`` of arrivals.

    Only admitted requests count (a rejected one does not extend the wait).
    """

    def __init__(self, requests: int, per: float) -> None:
        self.requests = requests
        self.per = per
        self._log: deque[float] = deque()

    def take(self, now: float) -> float:
        """Admit at ``now`` or return seconds until the oldest admission leaves the window."""
        log = self._log
        while log and log[0] <= now - self.per:
            log.popleft()
        if len(log) < self.requests:
            log.append(now)
            return 0.0
        return max(log[0] + self.per - now, _TINY)


class FixedWindow:
    """At most ``requests`` per window ``[start + k*per, start + (k+1)*per)``; resets each one."""

    def __init__(self, requests: int, per: float, start: float) -> None:
        self.requests = requests
        self.per = per
        self.start = start
        self._window = 0
        self._count = 0

    def take(self, now: float) -> float:
        """Admit at ``now`` or return seconds until the current window ends."""
        window = math.floor((now - self.start) / self.per)
        if window != self._window:
            self._window, self._count = window, 0
        if self._count < self.requests:
            self._count += 1
            return 0.0
        return max(self.start + (window + 1) * self.per - now, _TINY)


class TokenBucket:
    """``rate`` requests per second with ``burst`` tokens of headroom."""

    def __init__(self, rate: float, burst: int, now: float) -> None:
        self.rate = rate
        self.burst = float(burst)
        self.tokens = float(burst)
        self.updated = now

    def take(self, now: float) -> float:
        """Spend a token: 0.0 if granted, else seconds until one is available."""
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return 0.0
        return (1.0 - self.tokens) / self.rate


class FaultDice:
    """Chooses at most one fault per request, each with its configured probability.

    One draw from a seeded RNG per request, so a sequential run is reproducible.
    """

    def __init__(self, config: SandboxConfig) -> None:
        self._rng = random.Random(f"callerdesk-sandbox-faults-{config.seed}")
        self._latency = random.Random(f"callerdesk-sandbox-latency-{config.seed}")
        rates = config.fault_rates()
        self._thresholds: list[tuple[float, str]] = []
        edge = 0.0
        for kind in FAULT_KINDS:
            if rates[kind] > 0:
                edge += rates[kind]
                self._thresholds.append((edge, kind))
        self._latency_s = config.latency_ms / 1000
        self._jitter_s = config.latency_jitter_ms / 1000

    def roll(self) -> str | None:
        """The fault for this request, or ``None``."""
        if not self._thresholds:
            return None
        x = self._rng.random()
        for edge, kind in self._thresholds:
            if x < edge:
                return kind
        return None

    def latency(self) -> float:
        """Seconds to wait before answering this request."""
        if not self._jitter_s:
            return self._latency_s
        return self._latency_s + self._latency.random() * self._jitter_s


def format_retry_after(seconds: float) -> str:
    """A ``Retry-After`` value: whole seconds when whole, else a short decimal."""
    if seconds >= 1 or seconds == 0:
        return str(math.ceil(seconds))
    return f"{seconds:.3f}".rstrip("0")
