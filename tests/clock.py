"""A virtual clock for the sandbox: live traffic that arrives when a test says so."""

from __future__ import annotations

import time


class VirtualClock:
    """``Sandbox(clock=VirtualClock())``: time stands still until :meth:`advance` moves it.

    With ``step`` every reading also moves time on by ``step`` seconds, so live calls keep
    arriving while requests are served (the sandbox reads its clock on every request) without
    depending on how fast this machine happens to be.
    """

    def __init__(self, start: float | None = None, *, step: float = 0.0) -> None:
        self.now = time.time() if start is None else start
        self.step = step
        self.readings = 0

    def __call__(self) -> float:
        now = self.now
        self.now += self.step
        self.readings += 1
        return now

    def advance(self, seconds: float) -> None:
        """Move time on by ``seconds``."""
        self.now += seconds
