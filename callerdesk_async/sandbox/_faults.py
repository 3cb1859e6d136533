"""Misbehaviour on demand: a token-bucket rate limit and seeded fault dice."""

from __future__ import annotations

import math
import random

from ._config import FAULT_KINDS, SandboxConfig

__all__ = ["FaultDice", "TokenBucket", "format_retry_after"]


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
