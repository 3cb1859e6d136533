"""Everything one sandbox knows, independent of HTTP: config, data, state, counters."""

from __future__ import annotations

import time
from collections.abc import Callable

from ._config import SandboxConfig
from ._data import CallDataset
from ._faults import FaultDice, Limiter, make_limiter
from ._report import CallFeed
from ._state import AccountState
from ._stats import Counters, SandboxStats
from ._world import build_world

__all__ = ["SandboxCore"]

_DATA_KNOBS = ("seed", "calls", "app_calls", "start_date", "end_date", "members", "groups",
               "contacts")  # fmt: skip


class SandboxCore:
    """The sandbox minus the server: what the HTTP handlers read and change."""

    def __init__(self, config: SandboxConfig, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self.config = config
        self.reset()

    def reset(self) -> None:
        """Back to the seeded state: data, account, counters, fault dice, live clock."""
        config = self.config
        first, last = config.date_range()
        self.first_day, self.last_day = first, last
        self.world = build_world(
            config.seed, members=config.members, groups=config.groups, contacts=config.contacts
        )
        self.state = AccountState(self.world, first, last)
        now = self.clock()
        self.calls = CallFeed(
            CallDataset(self.world, count=config.calls, start=first, end=last),
            live_rate=config.live_calls_per_second,
            clock=self.clock,
            start=now,
        )
        self.app_calls = CallFeed(
            CallDataset(self.world, count=config.app_calls, start=first, end=last, salt=1,
                        app=True),
            live_rate=0.0,
            clock=self.clock,
            start=now,
        )  # fmt: skip
        self.counters = Counters()
        self._arm(now)

    def _arm(self, now: float) -> None:
        config = self.config
        self.dice = FaultDice(config)
        self.limiter: Limiter | None = make_limiter(config, now)

    def configure(self, config: SandboxConfig) -> None:
        """Apply new knobs; data knobs rebuild the dataset and state (like a reset)."""
        old, self.config = self.config, config
        if any(getattr(old, k) != getattr(config, k) for k in _DATA_KNOBS):
            self.reset()
            return
        self._arm(self.clock())
        if old.live_calls_per_second != config.live_calls_per_second:
            self.calls.set_live_rate(config.live_calls_per_second, self.clock())

    def stats(self) -> SandboxStats:
        """A snapshot of the counters."""
        return self.counters.snapshot(self.calls.live_count())
