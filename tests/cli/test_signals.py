"""The SIGINT/SIGTERM helper both command lines use."""

from __future__ import annotations

import asyncio
import os
import signal

import pytest

from callerdesk_async._signals import on_stop_signals


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
async def test_stop_signal_calls_back_and_the_handler_goes_afterwards(sig: signal.Signals) -> None:
    loop = asyncio.get_running_loop()
    fired = asyncio.Event()
    with on_stop_signals(fired.set):
        os.kill(os.getpid(), sig)
        await asyncio.wait_for(fired.wait(), 30)  # a bound against hanging, not a timing goal
    assert not loop.remove_signal_handler(signal.SIGINT)
    assert not loop.remove_signal_handler(signal.SIGTERM)
