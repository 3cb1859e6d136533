"""SIGINT/SIGTERM handling shared by the ``callerdesk`` CLI and ``callerdesk sandbox``."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager

__all__ = ["on_stop_signals"]


@contextmanager
def on_stop_signals(callback: Callable[[], object]) -> Iterator[None]:
    """Call ``callback`` on SIGINT/SIGTERM while inside the block (the running loop's handlers;
    none where the loop cannot install them, e.g. on Windows)."""
    loop = asyncio.get_running_loop()
    installed = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, callback)
            installed.append(sig)
        except (NotImplementedError, RuntimeError):  # pragma: no cover - Windows
            pass
    try:
        yield
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)
